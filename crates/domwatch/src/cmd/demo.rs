//! `domwatch demo`: every capability, run against the lab.
//!
//! The demo starts a lab scenario in this process (real DNS, RDAP, WHOIS, SMTP and HTTP servers
//! on loopback), writes its client configuration and some input files to a work directory, and
//! then runs `domwatch` itself for each step, printing the exact command line first, so that
//! what a new user sees is what they would type. Steps whose command exits 1 ("found something
//! that needs attention") are expected; an exit of 2 or 3 is a failed step, and the demo exits 3
//! after running the rest.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;

use crate::{Global, cmd};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The lab scenario: a built-in name or a scenario file.
    #[arg(long, default_value = "default", value_name = "NAME|FILE")]
    scenario: String,
    /// Where to keep the demo's files (lab config, feeds, database). Default: a temporary
    /// directory that is removed at the end.
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// After the last step, keep the lab running (until Ctrl-C) so that you can try commands
    /// against it with the printed `--config` file.
    #[arg(long)]
    keep_running: bool,
}

struct Demo {
    exe: PathBuf,
    dir: PathBuf,
    failed: Vec<String>,
    step: usize,
}

impl Demo {
    fn heading(&mut self, title: &str, why: &str) -> std::io::Result<()> {
        self.step += 1;
        let mut out = std::io::stdout().lock();
        writeln!(out)?;
        writeln!(out, "== {}. {title}", self.step)?;
        for line in why.lines() {
            writeln!(out, "   {line}")?;
        }
        out.flush()
    }

    /// Runs `domwatch fuzz BRAND --format json` and summarises it: the count per technique and
    /// two examples of each (the full list is thousands of names).
    fn fuzz_summary(&mut self, brand: &str) -> anyhow::Result<()> {
        let args = ["fuzz", brand, "--format", "json"];
        println!("\n$ domwatch {}   (summarised)", args.join(" "));
        let out = Command::new(&self.exe)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .with_context(|| format!("running {}", self.exe.display()))?;
        if !out.status.success() {
            self.failed.push(format!(
                "domwatch {} (exit {:?})",
                args.join(" "),
                out.status.code()
            ));
            return Ok(());
        }
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)?;
        let mut by_technique: Vec<(String, usize, Vec<String>)> = Vec::new();
        for r in &rows {
            let t = r["technique"].as_str().unwrap_or("?").to_string();
            let u = r["unicode"].as_str().unwrap_or("?");
            let n = r["name"].as_str().unwrap_or("?");
            let shown = if u == n {
                n.to_string()
            } else {
                format!("{u} ({n})")
            };
            match by_technique.iter_mut().find(|(k, _, _)| *k == t) {
                Some((_, count, ex)) => {
                    *count += 1;
                    if ex.len() < 2 {
                        ex.push(shown);
                    }
                }
                None => by_technique.push((t, 1, vec![shown])),
            }
        }
        let mut table = crate::output::Table::new(["technique", "count", "examples"]);
        for (t, count, ex) in &by_technique {
            table.row([t.clone(), count.to_string(), ex.join("  ")]);
        }
        let mut stdout = std::io::stdout().lock();
        table.write(&mut stdout)?;
        writeln!(stdout, "{} permutations of {brand}", rows.len())?;
        Ok(())
    }

    /// Runs `domwatch ARGS` in the work directory, output straight to the terminal.
    fn run(&mut self, args: &[&str]) -> anyhow::Result<i32> {
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "\n$ domwatch {}", args.join(" "))?;
            out.flush()?;
        }
        let status = Command::new(&self.exe)
            .args(args)
            .arg("--no-progress")
            .current_dir(&self.dir)
            .env_remove("DOMWATCH_CONFIG")
            .env_remove("DOMWATCH_DB")
            .env_remove("DOMWATCH_PSL")
            .status()
            .with_context(|| format!("running {}", self.exe.display()))?;
        let code = status.code().unwrap_or(3);
        if code >= 2 {
            self.failed
                .push(format!("domwatch {} (exit {code})", args.join(" ")));
        }
        Ok(code)
    }
}

pub fn run(args: DemoArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    let scenario = lab::Scenario::load(&args.scenario)
        .map_err(|e| cmd::usage(format!("scenario {}: {e}", args.scenario)))?;

    let (dir, temporary) = match &args.work_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("domwatch-demo-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_in(&args, scenario, &dir);
    if temporary && !args.keep_running {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn run_in(args: &DemoArgs, scenario: lab::Scenario, dir: &Path) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let lab = rt
        .block_on(lab::Lab::start(scenario))
        .map_err(|e| cmd::network(format!("starting the lab: {e}")))?;
    let config = dir.join("lab.toml");
    lab.write_config(&config)
        .map_err(|e| cmd::network(format!("writing the lab config: {e}")))?;
    let sc = lab.scenario().clone();
    std::fs::write(dir.join("brands.txt"), lines(sc.brands()))?;
    std::fs::write(dir.join("feed.txt"), lines(sc.feed()))?;
    std::fs::write(dir.join("inventory.txt"), lines(sc.watch_names()))?;
    let db = "domwatch.db";

    let mut demo = Demo {
        exe: std::env::current_exe().context("finding the domwatch binary")?,
        dir: dir.to_path_buf(),
        failed: Vec::new(),
        step: 0,
    };
    let eps = lab.endpoints();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "domwatch demo: scenario {:?}", sc.name())?;
        writeln!(out, "{}", sc.scenario.description)?;
        writeln!(
            out,
            "The lab is up on loopback: {} DNS servers (root, TLDs, hosters), RDAP bootstrap at {}, {} WHOIS servers, SMTP at {}.",
            eps.dns.len(),
            eps.rdap_bootstrap,
            eps.whois.len(),
            eps.smtp
        )?;
        writeln!(
            out,
            "Lab clock: {} (day {}). Work directory: {}",
            lab.now(),
            lab.day(),
            dir.display()
        )?;
        writeln!(
            out,
            "Every command below reads the lab's client configuration, {}, through --config.",
            config.display()
        )?;
    }

    let brand = sc
        .brands()
        .first()
        .cloned()
        .unwrap_or_else(|| "example.com".into());
    demo.heading(
        "Lookalike permutations of a brand (fuzz)",
        "Every dnstwist technique plus combosquats, numerals, keyboard layouts and fake name-server families.\nThe JSON output is summarised here: the count per technique and two examples of each.",
    )?;
    demo.fuzz_summary(&brand)?;

    demo.heading(
        "Which names in a feed imitate our brands (scan)",
        "The scenario's feed mixes real phishing names from the mission with ordinary popular names.\nWith --save the hits are kept in the store for the console's lookalikes page.",
    )?;
    demo.run(&[
        "--db",
        db,
        "scan",
        "--brands",
        "brands.txt",
        "feed.txt",
        "--save",
    ])?;

    let cfg = "lab.toml";
    demo.heading(
        "Investigate our own domains now (inspect)",
        "Registry and registrar view (RDAP, or WHOIS for .jp), live DNS asked at each name server, and findings.",
    )?;
    let own: Vec<&str> = sc
        .watch_names()
        .iter()
        .take(3)
        .map(String::as_str)
        .collect();
    let mut a = vec!["--config", cfg, "inspect"];
    a.extend(own.iter().copied());
    demo.run(&a)?;

    demo.heading(
        "What our domains still trust (audit)",
        "Every name server, MX host, CNAME target, SPF include and report address the inventory references, and the registration state of each.\nSaved for the console's audit pages (the reference graph).",
    )?;
    demo.run(&[
        "--config",
        cfg,
        "--db",
        db,
        "audit",
        "--file",
        "inventory.txt",
        "--save",
    ])?;

    demo.heading(
        "Watch the inventory: first pass (watch add, watch run)",
        "The first pass stores a baseline snapshot of every name; later passes report what changed.",
    )?;
    demo.run(&[
        "--db",
        db,
        "watch",
        "add",
        "--file",
        "inventory.txt",
        "--owner",
        "security@hinode.example",
    ])?;
    demo.run(&["--config", cfg, "--db", db, "watch", "run"])?;

    demo.heading(
        "Thirteen days later (lab advance, watch run)",
        "The lab clock moves; the scenario's events happen on the simulated internet.",
    )?;
    demo.run(&["--config", cfg, "lab", "advance", "--days", "13"])?;
    demo.run(&["--config", cfg, "--db", db, "watch", "run"])?;

    demo.heading(
        "Six weeks later: lapses and drop-catches (lab advance, watch run)",
        "Expired names walk through auto-renew grace, redemption and pending delete; some are re-registered by someone else.",
    )?;
    demo.run(&["--config", cfg, "lab", "advance", "--days", "30"])?;
    demo.run(&["--config", cfg, "--db", db, "watch", "run"])?;

    if let Some(first) = sc.watch_names().first() {
        demo.heading(
            "The timeline of one name (watch history)",
            "Every stored snapshot and the changes between them.",
        )?;
        demo.run(&["--db", db, "watch", "history", first])?;
    }
    triage(&mut demo, db)?;

    demo.heading(
        "Certificates in Certificate Transparency (ct follow)",
        "The lab's two CT logs read from their first entry: certificates for lookalikes of our brands,\nand for our own names (one from a CA that the domain's CAA record does not allow).",
    )?;
    demo.run(&[
        "--config",
        cfg,
        "--db",
        db,
        "ct",
        "follow",
        "--once",
        "--start",
        "0",
        "--brands",
        "brands.txt",
        "--alert-min-severity",
        "high",
    ])?;

    coordination(&mut demo, cfg, db, &lab.now().to_string())?;
    console(&mut demo, db, &rt)?;

    let mut out = std::io::stdout().lock();
    writeln!(out)?;
    if demo.failed.is_empty() {
        writeln!(out, "Demo finished: every step ran.")?;
    } else {
        writeln!(
            out,
            "Demo finished with {} failed step(s):",
            demo.failed.len()
        )?;
        for f in &demo.failed {
            writeln!(out, "  - {f}")?;
        }
    }
    writeln!(
        out,
        "Run your own lab with `domwatch lab` (see docs/lab.md) and point any command at it with --config."
    )?;
    out.flush()?;
    drop(out);

    if args.keep_running {
        println!(
            "\nThe lab keeps running. Try: domwatch --config {} inspect kuronekoyamatc.cc   (Ctrl-C stops it)",
            config.display()
        );
        rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    rt.block_on(lab.shutdown());
    if demo.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(3))
    }
}

/// The findings the watch raised, and one acknowledged (the console's triage, on the CLI).
fn triage(demo: &mut Demo, db: &str) -> anyhow::Result<()> {
    demo.heading(
        "Triage the findings (finding list, finding ack)",
        "The critical findings of the inventory; an analyst takes the newest (acknowledged: it stays listed, marked).",
    )?;
    demo.run(&["--db", db, "finding", "list", "--severity", "critical"])?;
    let out = Command::new(&demo.exe)
        .args([
            "--db",
            db,
            "finding",
            "list",
            "--severity",
            "critical",
            "--format",
            "json",
        ])
        .current_dir(&demo.dir)
        .env_remove("DOMWATCH_DB")
        .output()
        .with_context(|| format!("running {}", demo.exe.display()))?;
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    match list[0]["id"].as_i64() {
        Some(id) => {
            let id = id.to_string();
            demo.run(&["--db", db, "finding", "ack", &id, "--note", "on it"])?;
        }
        None => demo
            .failed
            .push("finding list: the watch raised no critical finding".into()),
    }
    Ok(())
}

/// The coordination steps: reports in, parties found, notifications out, the desks act, the
/// mitigation recorded and counted.
fn coordination(demo: &mut Demo, cfg: &str, db: &str, today: &str) -> anyhow::Result<()> {
    std::fs::write(
        demo.dir.join("phish.txt"),
        "# phishing URLs reported to us today\n\
         hxxps://ucs-card[.]top/login\n\
         http://biglobes.net/mail/\n\
         https://www.kuronekoyamatc.cc/track\n",
    )?;
    let mail = ["--mail-from", "csirt@csirt.example", "--org", "Demo CSIRT"];
    demo.heading(
        "Reports come in (case import)",
        "A list of phishing URLs (defanged or not): one case per registrable domain.\nA list has no dates: the report date is the lab's today (--date).",
    )?;
    demo.run(&[
        "--db",
        db,
        "case",
        "import",
        "--preset",
        "urls",
        "phish.txt",
        "--date",
        today,
    ])?;
    demo.heading(
        "Who can act, and the evidence (case enrich)",
        "Registrar abuse contact (RDAP/WHOIS), registry (IANA), hosting network (RIR), ICANN for gTLDs;\nevery answer stored with its sha256.",
    )?;
    demo.run(&["--config", cfg, "--db", db, "case", "enrich", "--open"])?;
    demo.run(&["--db", db, "case", "party", "1"])?;
    demo.heading(
        "Ask them to act (case notify)",
        "An e-mail with an X-ARF v4 report: over SMTP to the lab's abuse desks, or as .eml for review (in Japanese here).",
    )?;
    let mut a = vec![
        "--config", cfg, "--db", db, "case", "notify", "1", "--party", "registry", "--send",
    ];
    a.extend(mail);
    demo.run(&a)?;
    let mut a = vec!["--config", cfg, "--db", db, "case", "notify", "2", "--send"];
    a.extend(mail);
    demo.run(&a)?;
    let mut a = vec![
        "--config", cfg, "--db", db, "case", "notify", "3", "--lang", "ja", "--eml", "outbox",
    ];
    a.extend(mail);
    demo.run(&a)?;
    demo.heading(
        "The next day (lab advance, case check)",
        "The .top registry acts within a day: serverHold, recorded as mitigated by the registry.",
    )?;
    demo.run(&["--config", cfg, "lab", "advance", "--days", "1"])?;
    demo.run(&["--config", cfg, "--db", db, "case", "check"])?;
    demo.heading(
        "Four days later (lab advance, case check)",
        "The registrar of biglobes.net acts after five days (clientHold); follow-ups that are due are listed.",
    )?;
    demo.run(&["--config", cfg, "lab", "advance", "--days", "4"])?;
    demo.run(&["--config", cfg, "--db", db, "case", "check"])?;
    demo.heading(
        "What we publish (report mitigation, report domains, case export)",
        "Mitigated / not / unprocessed per TLD with the median times from report and from notification;\nthe per-domain table; STIX 2.1 for partners.",
    )?;
    demo.run(&["--db", db, "report", "mitigation", "--by", "tld"])?;
    demo.run(&["--db", db, "report", "domains"])?;
    demo.run(&[
        "--db",
        db,
        "case",
        "export",
        "--format",
        "stix",
        "-o",
        "cases.stix.json",
    ])?;
    Ok(())
}

/// The team console over the same store: a user, an API token, `serve` on a free port, and
/// two API calls a SIEM would make; then the console is stopped with SIGTERM.
fn console(demo: &mut Demo, db: &str, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    demo.heading(
        "The team console (user add, token create, serve)",
        "Users in three roles, API tokens kept as hashes only; the pages and the JSON API over the same store.",
    )?;
    demo.run(&["--db", db, "user", "add", "analyst", "--role", "analyst"])?;
    let args = [
        "--db", db, "token", "create", "--user", "analyst", "--name", "siem",
    ];
    println!(
        "\n$ domwatch {}   (the token is printed once; hidden here)",
        args.join(" ")
    );
    let out = Command::new(&demo.exe)
        .args(args)
        .current_dir(&demo.dir)
        .output()
        .with_context(|| format!("running {}", demo.exe.display()))?;
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || token.is_empty() {
        demo.failed.push(format!("domwatch {}", args.join(" ")));
        return Ok(());
    }
    let args = [
        "--config",
        "lab.toml",
        "--db",
        db,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--eml-dir",
        "outbox",
        "--mail-from",
        "csirt@csirt.example",
    ];
    println!("\n$ domwatch {} &", args.join(" "));
    let mut child = Command::new(&demo.exe)
        .args(args)
        .current_dir(&demo.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", demo.exe.display()))?;
    // A line on stderr names the address it listens on; the rest of stderr is drained so the
    // console never blocks on a full pipe.
    let mut line = String::new();
    if let Some(err) = child.stderr.take() {
        let mut reader = BufReader::new(err);
        for _ in 0..50 {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line.contains("http://") {
                break;
            }
        }
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    }
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(|u| u.trim_end_matches('/').to_string());
    let result = match base {
        Some(base) => {
            println!("{}", line.trim_end());
            rt.block_on(console_calls(&base, &token))
        }
        None => Err(anyhow::anyhow!("serve did not start: {}", line.trim())),
    };
    // SIGTERM: the console finishes its requests and exits 0.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait()?;
    match result {
        Ok(()) if status.success() => {}
        Ok(()) => demo
            .failed
            .push(format!("domwatch serve (exit {:?})", status.code())),
        Err(e) => demo.failed.push(format!("the console: {e:#}")),
    }
    Ok(())
}

/// What a SIEM would ask the console (the cases, the high findings, the phishing report, the
/// audits), and an analyst's notification preview, with the token.
async fn console_calls(base: &str, token: &str) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    for (path, what) in [
        ("/api/v1/cases", "cases"),
        (
            "/api/v1/findings?severity=high",
            "open high or critical findings",
        ),
    ] {
        println!("\n$ curl -H 'Authorization: Bearer $TOKEN' {base}{path}   (summarised)");
        let page: serde_json::Value = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let mut table = crate::output::Table::new(["name", "state / severity", "what"]);
        for it in items.iter().take(5) {
            let name = it["domain"].as_str().unwrap_or("?").to_string();
            let state = it["state"]
                .as_str()
                .or(it["severity"].as_str())
                .unwrap_or("?")
                .to_string();
            let detail = it["code"]
                .as_str()
                .or(it["registrar"].as_str())
                .unwrap_or("")
                .to_string();
            table.row([name, state, detail]);
        }
        table.write(&mut std::io::stdout().lock())?;
        println!("{} {what} (at most 5 shown)", items.len());
    }
    let get = async |path: &str| -> anyhow::Result<serde_json::Value> {
        println!("\n$ curl -H 'Authorization: Bearer $TOKEN' {base}{path}   (summarised)");
        Ok(http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    };
    let report = get("/api/v1/reports/phishing?by=month,tld").await?;
    let mut table = crate::output::Table::new(["month", "tld", "domains"]);
    for r in report.as_array().into_iter().flatten() {
        let key = |i: usize| r["keys"][i].as_str().unwrap_or("?").to_string();
        table.row([key(0), key(1), r["domains"].to_string()]);
    }
    table.write(&mut std::io::stdout().lock())?;
    let audits = get("/api/v1/audits").await?;
    let mut table = crate::output::Table::new(["audited", "references", "findings", "worst"]);
    for a in audits.as_array().into_iter().flatten() {
        table.row([
            a["domain"].as_str().unwrap_or("?").to_string(),
            a["references"].to_string(),
            a["findings"].to_string(),
            a["worst"].as_str().unwrap_or("-").to_string(),
        ]);
    }
    table.write(&mut std::io::stdout().lock())?;
    // An analyst previews the follow-up of case 3, due for the registry (nothing is sent until
    // it is confirmed).
    println!(
        "\n$ curl -X POST -H 'Authorization: Bearer $TOKEN' -d '{{}}' {base}/api/v1/cases/3/notify   (the preview, summarised)"
    );
    let r = http
        .post(format!("{base}/api/v1/cases/3/notify"))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await?;
    let status = r.status();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    if status.is_success() {
        println!(
            "to {} ({}): {}\n(send it with POST /api/v1/cases/3/notify/send {{\"preview_id\": ...}}, or from the case page)",
            v["to"].as_str().unwrap_or("?"),
            v["party"].as_str().unwrap_or("?"),
            crate::output::sanitize(v["subject"].as_str().unwrap_or("?"))
        );
    } else {
        // A case with nobody left to ask answers why (the desks already acted).
        println!(
            "{status}: {}",
            crate::output::sanitize(v["error"]["message"].as_str().unwrap_or("?"))
        );
    }
    Ok(())
}

fn lines(items: &[String]) -> String {
    let mut s = items.join("\n");
    s.push('\n');
    s
}
