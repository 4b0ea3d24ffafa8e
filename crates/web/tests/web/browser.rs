//! A real browser: headless Chromium driven over WebDriver (chromedriver, started here on a
//! free port) against the console served in-process over a store filled like the demo (the
//! lab's default scenario: a watch pass over its inventory, a case enriched and notified to the
//! `.top` registry's desk over the lab's SMTP). It logs in, opens the overview, a domain, a
//! case, adds a note, logs out; the browser's console must stay free of errors (the
//! Content-Security-Policy blocks nothing the pages need) and the style sheet must apply.
//! Screenshots go to `$CARGO_TARGET_TMPDIR/browser/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them); without them the
//! test fails saying so, unless `DOMWATCH_SKIP_BROWSER=1` opts out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use domains::case::intake::{ServiceList, Target};
use domains::case::{Category, Tlp};
use fantoccini::Locator;
use serde_json::{Value, json};
use store::{Role, Store};
use tokio::io::{AsyncBufReadExt, BufReader};

const INSTALL: &str = "the browser test needs Chromium and its WebDriver: \
                       `apt-get install chromium chromium-driver` (Debian), or set \
                       DOMWATCH_SKIP_BROWSER=1 to skip it";

fn in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start(exe: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = tokio::process::Command::new(exe)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}; {INSTALL}", exe.display()));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("chromedriver says it started");
            if line.contains("started successfully") {
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// chromedriver's browser log (`goog:loggingPrefs`): the entries since the last call.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// The console's store, filled like the demo; the lab (kept running for the desks).
async fn demo_store(dir: &Path) -> (Store, lab::Lab, String) {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let prober =
        Arc::new(probe::Prober::new(lab.net_config(), probe::ProbeOptions::default()).unwrap());
    let mut s = Store::open(&dir.join("d.db")).unwrap();
    let now = prober.now().await;
    let names: Vec<store::WatchedDomain> = lab
        .scenario()
        .watch_names()
        .iter()
        .map(|n| store::WatchedDomain {
            name: n.parse().unwrap(),
            owner: Some("security@hinode.example".into()),
            tags: vec![],
            high_value: false,
            added_at: now,
        })
        .collect();
    let first = names[0].name.to_string();
    s.add_watched(&names).unwrap();
    let opts = service::watch::PassOptions {
        concurrency: 8,
        expiry_warning_days: 30,
        resume: false,
    };
    let pass = service::watch::run_pass(&mut s, prober.clone(), &opts, &|_, _| {}, None)
        .await
        .unwrap();
    assert_eq!(pass.observed, names.len(), "{pass:?}");

    // A phishing report, its parties, and the notification to the registry's desk.
    let reports: Vec<store::NewReport> = [
        "hxxps://ucs-card[.]top/login",
        "https://www.kuronekoyamatc.cc/track",
    ]
    .iter()
    .enumerate()
    .map(|(i, input)| store::NewReport {
        target: Target::parse(
            input,
            domains::SuffixList::embedded(),
            ServiceList::embedded(),
        )
        .unwrap(),
        input: (*input).into(),
        reported_at: now,
        reporter: Some("Demo CSIRT".into()),
        brand: Some("UCS Card".into()),
        description: None,
        category: Category::Phishing,
        tlp: Tlp::Amber,
        source: "urls".into(),
        source_key: i.to_string(),
    })
    .collect();
    s.add_reports(&reports, "ops", now, |_| {}).unwrap();
    let case = s.case(store::CaseId(1)).unwrap().unwrap();
    service::cases::enrich(&prober, &mut s, &case, false, "ops")
        .await
        .unwrap();
    let h = web::auth::hash_password("anna-password-123").unwrap();
    s.add_user("anna", Role::Analyst, &h, jiff::Timestamp::now())
        .unwrap();
    (s, lab, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_logs_in_reads_notifies_adds_a_note_and_logs_out() {
    let (Some(chromium), Some(chromedriver)) = (
        in_path("chromium").or_else(|| in_path("chromium-browser")),
        in_path("chromedriver"),
    ) else {
        if std::env::var("DOMWATCH_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            eprintln!("skipped (DOMWATCH_SKIP_BROWSER=1): {INSTALL}");
            return;
        }
        panic!("chromium or chromedriver is not in PATH: {INSTALL}");
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (store, lab, domain) = demo_store(dir.path()).await;
    // Notifications from the case page go to the lab's SMTP desk.
    let relay = service::mail::SmtpRelay::Plain(lab.net_config().smtp.unwrap());
    drop(store);
    let console = web::Console::new(
        store::Location::Sqlite(dir.path().join("d.db")),
        web::Options {
            notify: Some(web::NotifyOptions {
                delivery: web::NotifyDelivery::Smtp(relay),
                from: "csirt@csirt.example".into(),
                org: Some("Demo CSIRT".into()),
                follow_up_days: 3,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve(listener, console, async {
        let _ = stopped.await;
    }));

    let driver = Driver::start(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                // Root in a container has no sandbox to give; the pages are our own, on loopback.
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
                "--no-first-run",
                "--no-default-browser-check",
                // Nothing leaves 127.0.0.1: no background requests, no name but loopback.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        },
        "goog:loggingPrefs": {"browser": "ALL"},
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let b =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("a Chromium session: {e}; {INSTALL}"));

    // What the browser said on a page: nothing at warning level or above.
    let quiet = async |page: &str| {
        let log = b.issue_cmd(BrowserLog).await.unwrap();
        let loud: Vec<&Value> = log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| matches!(e["level"].as_str(), Some("SEVERE" | "WARNING")))
            .collect();
        assert!(loud.is_empty(), "{page}: the browser's console: {loud:?}");
        // The style sheet loaded and applies (the CSP lets it in).
        let rules = b
            .execute(
                "return Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)",
                vec![],
            )
            .await
            .unwrap();
        assert!(rules.as_u64().unwrap_or(0) > 0, "{page}: no style rules");
    };
    let shot = async |name: &str| {
        let png = b.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}");
        std::fs::write(shots.join(format!("{name}.png")), png).unwrap();
    };
    let path = async || b.current_url().await.unwrap().path().to_string();

    // Anonymous: the login page.
    b.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(path().await, "/login");
    quiet("/login").await;
    shot("login").await;
    b.find(Locator::Css("form[action='/login'] input[name='name']"))
        .await
        .unwrap()
        .send_keys("anna")
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/login'] input[name='password']"))
        .await
        .unwrap()
        .send_keys("anna-password-123")
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/login'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("form[action='/logout']"))
        .await
        .unwrap();
    assert_eq!(path().await, "/");
    let overview = b.source().await.unwrap();
    assert!(overview.contains("anna"), "{overview}");
    quiet("/").await;
    shot("overview").await;

    // A domain: its own page when there is one, else the names.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = b.get_named_cookie("dw_session").await.unwrap();
    let domain_page = format!("/domains/{domain}");
    let has_page = http
        .get(format!("{base}{domain_page}"))
        .header("cookie", format!("dw_session={}", cookie.value()))
        .send()
        .await
        .unwrap()
        .status()
        .is_success();
    let page = if has_page {
        domain_page
    } else {
        "/domains".into()
    };
    b.goto(&format!("{base}{page}")).await.unwrap();
    b.wait().for_element(Locator::Css("main h1")).await.unwrap();
    assert_eq!(path().await, page);
    assert!(b.source().await.unwrap().contains(&domain), "{page}");
    quiet(&page).await;
    shot("domain").await;

    // The case: notify the registry (preview, then send to the lab's desk), add a note.
    b.goto(&format!("{base}/cases/1")).await.unwrap();
    b.wait()
        .for_element(Locator::Css("form[action='/cases/1/notify']"))
        .await
        .unwrap();
    let html = b.source().await.unwrap();
    assert!(html.contains("ucs-card.top"), "{html}");
    quiet("/cases/1").await;
    b.find(Locator::Css(
        "form[action='/cases/1/notify'] select[name='party']",
    ))
    .await
    .unwrap()
    .select_by_value("registry")
    .await
    .unwrap();
    b.find(Locator::Css(
        "form[action='/cases/1/notify'] button[type='submit']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait()
        .for_element(Locator::Css("form[action='/cases/1/notify/send']"))
        .await
        .unwrap();
    let preview = b.source().await.unwrap();
    assert!(preview.contains("abuse@nic.top"), "{preview}");
    assert!(lab.mailbox().is_empty(), "a preview sends nothing");
    quiet("the notification's preview").await;
    shot("notify-preview").await;
    b.find(Locator::Css(
        "form[action='/cases/1/notify/send'] button[type='submit']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait()
        .for_element(Locator::Css("form[action='/cases/1/note']"))
        .await
        .unwrap();
    assert_eq!(path().await, "/cases/1");
    let html = b.source().await.unwrap();
    assert!(
        html.contains("abuse@nic.top") && html.contains("notifying"),
        "the registry's desk: {html}"
    );
    // The desk got it (and its auto-acknowledgement went back out).
    let inbound: Vec<_> = lab
        .mailbox()
        .into_iter()
        .filter(|m| m.from == "csirt@csirt.example")
        .collect();
    assert_eq!(inbound.len(), 1, "the registry's desk got the notification");
    assert!(
        inbound[0].subject.contains("ucs-card.top"),
        "{:?}",
        inbound[0]
    );
    assert_eq!(inbound[0].to, ["abuse@nic.top"]);
    quiet("/cases/1").await;
    shot("case").await;
    b.find(Locator::Css(
        "form[action='/cases/1/note'] textarea[name='note']",
    ))
    .await
    .unwrap()
    .send_keys("Called the .top registry desk: they are on it.")
    .await
    .unwrap();
    b.find(Locator::Css(
        "form[action='/cases/1/note'] button[type='submit']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait()
        .for_element(Locator::XPath(
            "//*[contains(text(), 'Called the .top registry desk')]",
        ))
        .await
        .unwrap();
    assert_eq!(path().await, "/cases/1");
    quiet("/cases/1 after the note").await;
    shot("case-note").await;

    // Log out: back to the login page, and the session is gone.
    b.find(Locator::Css("form[action='/logout'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("form[action='/login']"))
        .await
        .unwrap();
    b.goto(&format!("{base}/cases/1")).await.unwrap();
    assert_eq!(path().await, "/login");
    quiet("/login after logout").await;

    b.close().await.unwrap();
    drop(driver);
    let _ = stop.send(());
    lab.shutdown().await;
}
