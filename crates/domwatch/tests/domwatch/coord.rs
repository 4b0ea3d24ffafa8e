//! End to end on the lab: cases for the scenario's phishing names are enriched, the parties
//! notified over SMTP (the lab's abuse desks answer and act after their delays), the clock
//! advanced, and the mitigation recorded with the right actor and time; the reports follow.

use serde_json::Value;

struct Env {
    lab: lab::Lab,
    dir: tempfile::TempDir,
    cfg: std::path::PathBuf,
}

impl Env {
    async fn start() -> Env {
        let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("lab.toml");
        lab.write_config(&cfg).unwrap();
        Env { lab, dir, cfg }
    }

    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .arg("--config")
            .arg(&self.cfg)
            .arg("--no-progress")
            .args(args)
            .env("DOMWATCH_DB", self.dir.path().join("d.db"))
            .env("XDG_DATA_HOME", self.dir.path())
            .env("USER", "analyst1")
            .env("DOMWATCH_MAIL_FROM", "csirt@csirt.example")
            .env("DOMWATCH_ORG", "Example CSIRT")
            .env_remove("DOMWATCH_CONFIG")
            .env_remove("DOMWATCH_PSL")
            .output()
            .await
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    async fn json(&self, args: &[&str]) -> Value {
        let (code, out, err) = self.run(args).await;
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }
}

fn day(lab_start: jiff::Timestamp, d: i64) -> String {
    lab_start
        .checked_add(jiff::SignedDuration::from_hours(24 * d))
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_let_the_desks_act_and_record_mitigation() {
    let e = Env::start().await;
    let start = e.lab.now();
    let today = start.to_string();

    // Two phishing names: .top (the registry acts after one day), .net at a registrar that
    // acts after five.
    let top = e
        .json(&[
            "case",
            "open",
            "https://ucs-card.top/login",
            "--brand",
            "UCS Card",
            "--date",
            &today,
            "--format",
            "json",
        ])
        .await;
    let top_id = top["cases"][0]["id"].as_i64().unwrap().to_string();
    let net = e
        .json(&[
            "case",
            "open",
            "http://biglobes.net/",
            "--brand",
            "BIGLOBE",
            "--date",
            &today,
            "--enrich",
            "--format",
            "json",
        ])
        .await;
    let net_id = net["cases"][0]["id"].as_i64().unwrap().to_string();

    // Enrichment: registrar (RDAP), registry (IANA), hosting network (RIR), ICANN for gTLDs;
    // evidence with sha256.
    let en = e
        .json(&["case", "enrich", &top_id, "--format", "json"])
        .await;
    let parties_of = |v: &Value| -> Vec<(String, String)> {
        v["parties_added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["kind"].as_str().unwrap().to_string(),
                    p["contact"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let p_top = parties_of(&en[0]);
    for want in [
        ("registrar", "abuse@topnames.example"),
        ("registry", "abuse@nic.top"),
        ("hosting", "abuse@cheapdns.com"),
    ] {
        assert!(
            p_top.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {p_top:?}: {en}"
        );
    }
    assert!(p_top.iter().any(|(k, _)| k == "icann"), "{p_top:?}");
    // `--enrich` on intake did the same for the .net name.
    assert!(
        parties_of(&net["enriched"][0])
            .contains(&("registrar".into(), "abuse@cheapreg.example".into())),
        "{net}"
    );
    assert!(en[0]["evidence_added"].as_u64().unwrap() >= 3, "{en}");
    let shown = e.json(&["case", "show", &top_id, "--format", "json"]).await;
    assert_eq!(shown["case"]["state"], "investigating");
    assert_eq!(shown["case"]["registrar"], "Top Names Registrar Co.");
    let ev = shown["coordination"]["evidence"].as_array().unwrap();
    assert!(ev.iter().any(|x| x["kind"] == "rdap"), "{ev:?}");
    assert!(ev.iter().all(|x| x["sha256"].as_str().unwrap().len() == 64));
    // Enriching again adds nothing.
    let again = e
        .json(&["case", "enrich", &top_id, "--format", "json"])
        .await;
    assert_eq!(again[0]["parties_added"].as_array().unwrap().len(), 0);

    // The preview sends nothing; the registry of .top is told over SMTP; the .net name's
    // registrar is the default first party.
    let (code, preview, _) = e
        .run(&["case", "notify", &top_id, "--party", "registry"])
        .await;
    assert_eq!(code, 0);
    assert!(preview.contains("To: abuse@nic.top"), "{preview}");
    assert!(e.lab.mailbox().is_empty());
    let n1 = e
        .json(&[
            "case", "notify", &top_id, "--party", "registry", "--send", "--format", "json",
        ])
        .await;
    assert_eq!(n1["party_kind"], "registry");
    assert_eq!(
        n1["sent_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        start
    );
    let n2 = e
        .json(&["case", "notify", &net_id, "--send", "--format", "json"])
        .await;
    assert_eq!(n2["party_kind"], "registrar");
    let inbound: Vec<_> = e
        .lab
        .mailbox()
        .into_iter()
        .filter(|m| m.direction == lab::MailDirection::Inbound)
        .collect();
    assert_eq!(inbound.len(), 2, "{inbound:?}");
    assert_eq!(inbound[0].to, vec!["abuse@nic.top".to_string()]);
    assert_eq!(inbound[0].domain.as_deref(), Some("ucs-card.top"));
    assert!(inbound[0].subject.contains("ucs-card.top"));
    let shown = e.json(&["case", "show", &top_id, "--format", "json"]).await;
    assert_eq!(shown["case"]["state"], "notifying");

    // Day 1: the .top registry has acted (serverHold): mitigated, by the registry, at day 1.
    e.lab.advance_days(1).await;
    let checked = e.json(&["case", "check", "--format", "json"]).await;
    let of = |id: &str| -> Value {
        checked
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"].as_i64().unwrap().to_string() == id)
            .cloned()
            .unwrap_or_else(|| panic!("case {id} in {checked}"))
    };
    assert_eq!(
        of(&top_id)["observation"]["observed"],
        "server-hold",
        "{checked}"
    );
    assert_eq!(of(&top_id)["observation"]["actor"], "registry");
    assert_eq!(
        of(&net_id)["observation"]["observed"],
        "active",
        "{checked}"
    );
    let c = e.json(&["case", "show", &top_id, "--format", "json"]).await;
    assert_eq!(c["case"]["state"], "mitigated");
    assert_eq!(c["case"]["mitigated_by"], "registry");
    assert_eq!(
        c["case"]["mitigated_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        day(start, 1).parse::<jiff::Timestamp>().unwrap()
    );

    // The desk's reply is attached to its notification (matched by its sender).
    let desk_reply = e
        .lab
        .mailbox()
        .into_iter()
        .find(|m| {
            m.direction == lab::MailDirection::DeskReply
                && m.from == "abuse@nic.top"
                && m.body.contains("serverHold")
        })
        .expect("the registry's reply");
    let reply = e.dir.path().join("reply.eml");
    std::fs::write(
        &reply,
        format!(
            "From: {}\r\nTo: csirt@csirt.example\r\nSubject: {}\r\nDate: Fri, 02 Oct 2026 00:00:00 +0000\r\n\r\n{}",
            desk_reply.from, desk_reply.subject, desk_reply.body
        ),
    )
    .unwrap();
    let r = e
        .json(&[
            "case",
            "reply",
            &top_id,
            reply.to_str().unwrap(),
            "--format",
            "json",
        ])
        .await;
    assert_eq!(r["notification"]["state"], "replied", "{r}");

    // Day 3: the .net registrar's follow-up is due: the registry is next.
    e.lab.advance_days(2).await;
    let checked = e
        .json(&["case", "check", &net_id, "--format", "json"])
        .await;
    assert_eq!(checked[0]["observation"]["observed"], "active");
    assert_eq!(checked[0]["next"], "registry", "{checked}");
    assert_eq!(checked[0]["follow_up_due"].as_array().unwrap().len(), 1);

    // Day 5: the registrar acted (clientHold).
    e.lab.advance_days(2).await;
    let checked = e.json(&["case", "check", "--format", "json"]).await;
    assert_eq!(
        checked.as_array().unwrap().len(),
        1,
        "mitigated cases are not re-checked: {checked}"
    );
    assert_eq!(
        checked[0]["observation"]["observed"], "client-hold",
        "{checked}"
    );
    assert_eq!(checked[0]["observation"]["actor"], "registrar");
    let c = e.json(&["case", "show", &net_id, "--format", "json"]).await;
    assert_eq!(c["case"]["mitigated_by"], "registrar");
    assert_eq!(
        c["case"]["mitigated_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        day(start, 5).parse::<jiff::Timestamp>().unwrap()
    );

    // The talk's table: report date, response date, and what RDAP shows now.
    let d = e.json(&["report", "domains", "--format", "json"]).await;
    let ucs = d
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["domain"] == "ucs-card.top")
        .cloned()
        .unwrap_or_else(|| panic!("{d}"));
    assert!(
        ucs["observed"]
            .as_str()
            .unwrap()
            .starts_with("server-hold (")
            && ucs["observed"].as_str().unwrap().contains("serverHold"),
        "{ucs}"
    );
    assert_eq!(ucs["acted"], "registry");
    // Both names were created days before the report: malicious registrations.
    let o = e
        .json(&["report", "phishing", "--by", "origin", "--format", "json"])
        .await;
    assert_eq!(o[0]["origin"], "malicious-registration", "{o}");
    assert_eq!(o[0]["domains"], 2, "{o}");

    // The mitigation report: both mitigated, one day and five days from notification.
    let m = e
        .json(&["report", "mitigation", "--by", "tld", "--format", "json"])
        .await;
    let rows = m
        .as_array()
        .unwrap_or_else(|| m["rows"].as_array().unwrap());
    let row = |tld: &str| {
        rows.iter()
            .find(|r| r["tld"] == tld || r["key"] == tld)
            .cloned()
            .unwrap_or_else(|| panic!("{tld} in {m}"))
    };
    assert_eq!(row("top")["mitigated"], 1, "{m}");
    assert_eq!(row("top")["median_from_notification_s"], 86_400, "{m}");
    assert_eq!(row("net")["median_from_notification_s"], 5 * 86_400, "{m}");
    e.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eml_in_japanese_and_hostile_fields_never_make_headers() {
    let e = Env::start().await;
    let today = e.lab.now().to_string();
    let c = e
        .json(&[
            "case",
            "open",
            "hxxps://kuronekoyamato-jp[.]top/track",
            "--brand",
            "Yamato\r\nBcc: victim@example.com",
            "--date",
            &today,
            "--format",
            "json",
        ])
        .await;
    let id = c["cases"][0]["id"].as_i64().unwrap().to_string();
    let (code, out, err) = e
        .run(&[
            "case",
            "party",
            &id,
            "--kind",
            "registrar",
            "--contact",
            "abuse@topnames.example",
            "--name",
            "Top Names",
        ])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("next to notify: registrar"), "{out}");
    // A contact that is not a mailbox is refused.
    let (code, _, _) = e
        .run(&[
            "case",
            "party",
            &id,
            "--kind",
            "hosting",
            "--contact",
            "a@b.c\r\nBcc: x@y.z",
        ])
        .await;
    assert_eq!(code, 2);

    let outdir = e.dir.path().join("outbox");
    let n = e
        .json(&[
            "case",
            "notify",
            &id,
            "--lang",
            "ja",
            "--eml",
            outdir.to_str().unwrap(),
            "--format",
            "json",
        ])
        .await;
    assert_eq!(n["channel"], "eml");
    let path = n["location"].as_str().unwrap();
    let raw = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().unwrap();
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{head}"
    );
    assert!(head.contains("X-ARF: yes"), "{head}");
    // The message parses back: Japanese subject, the text and the X-ARF attachment.
    let msg = mail_parser::MessageParser::default()
        .parse(&raw[..])
        .unwrap();
    let subject = msg.subject().unwrap();
    assert!(
        subject.contains("フィッシングサイト停止のお願い"),
        "{subject}"
    );
    assert!(subject.contains("kuronekoyamato-jp.top"));
    let body = msg.body_text(0).unwrap();
    assert!(body.contains("ドメイン名: kuronekoyamato-jp.top"), "{body}");
    assert!(
        body.contains("hxxps://kuronekoyamato-jp[.]top/track"),
        "{body}"
    );
    let att = msg.attachments().next().expect("xarf.json");
    let xarf: Value = serde_json::from_slice(att.contents()).unwrap();
    assert_eq!(xarf["xarf_version"], "4.2.0");
    assert_eq!(xarf["type"], "phishing");
    assert_eq!(xarf["url"], "https://kuronekoyamato-jp.top/track");
    assert_eq!(xarf["reporter"]["org"], "Example CSIRT");
    assert!(!xarf["target_brand"].as_str().unwrap().contains('\n'));
    // A reply quoting the Message-ID is matched to the notification; a ticket is an
    // acknowledgement.
    let mid = msg.message_id().unwrap();
    let reply = e.dir.path().join("ack.eml");
    std::fs::write(
        &reply,
        format!(
            "From: Someone <other@elsewhere.example>\r\nSubject: [#9] Received\r\nIn-Reply-To: <{mid}>\r\n\r\nThank you for your report. It has been registered as ticket #9.\r\n"
        ),
    )
    .unwrap();
    let r = e
        .json(&[
            "case",
            "reply",
            &id,
            reply.to_str().unwrap(),
            "--format",
            "json",
        ])
        .await;
    assert_eq!(r["notification"]["state"], "acknowledged", "{r}");
    // Nothing left on the path (no registry party known here): notify says so.
    let (code, _, err) = e
        .run(&["case", "notify", &id, "--eml", outdir.to_str().unwrap()])
        .await;
    assert_eq!(code, 2, "{err}");
    e.lab.shutdown().await;
}

#[test]
fn scan_open_cases_opens_one_case_per_lookalike_once() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.txt");
    std::fs::write(
        &feed,
        "kuronekoyamatc.cc\nwww.kuronekoyamatc.cc\ngithub.com\nnews.yahoo.co.jp\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .args(args)
            .env("DOMWATCH_DB", dir.path().join("d.db"))
            .env("XDG_DATA_HOME", dir.path())
            .env_remove("DOMWATCH_CONFIG")
            .env_remove("DOMWATCH_PSL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let scan = [
        "scan",
        "--brand",
        "kuronekoyamato.co.jp",
        "--open-cases",
        feed.to_str().unwrap(),
    ];
    let (_, err) = run(&scan);
    assert!(err.contains("1 case(s) opened"), "{err}");
    let (_, err) = run(&scan);
    assert!(err.contains("0 case(s) opened"), "{err}");
    let (out, _) = run(&["case", "list", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 1, "{v}");
    assert_eq!(cases[0]["domain"], "kuronekoyamatc.cc");
    assert_eq!(cases[0]["brand"], "kuronekoyamato.co.jp");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_findings_open_cases_once() {
    let e = Env::start().await;
    let (code, out, err) = e
        .run(&[
            "watch",
            "add",
            "hinode-logistics.net",
            "hinode-logistics.com",
        ])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    let run = ["watch", "run", "--alert", "case", "--format", "json"];
    let (code, out, err) = e.run(&run).await;
    assert_eq!(code, 1, "a high finding (lame delegation): {out}{err}");
    let cases = e.json(&["case", "list", "--format", "json"]).await;
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0]["domain"], "hinode-logistics.net");
    assert_eq!(cases[0]["category"], "other");
    let id = cases[0]["id"].as_i64().unwrap().to_string();
    let shown = e.json(&["case", "show", &id, "--format", "json"]).await;
    let reports = shown["reports"].as_array().unwrap();
    assert!(
        reports.iter().any(|r| r["description"]
            .as_str()
            .unwrap()
            .starts_with("lame-delegation")),
        "{reports:?}"
    );
    // The next pass raises nothing new: no new report.
    let n = reports.len();
    e.run(&run).await;
    let shown = e.json(&["case", "show", &id, "--format", "json"]).await;
    assert_eq!(shown["reports"].as_array().unwrap().len(), n);
    e.lab.shutdown().await;
}

#[test]
fn scan_save_keeps_the_hits_and_a_failed_scan_with_what_it_found() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.txt");
    std::fs::write(
        &feed,
        "kuronekoyamatc.cc\nwww.kuronekoyamatc.cc\ngithub.com\nnews.yahoo.co.jp\n",
    )
    .unwrap();
    // A gzip feed cut short after its first names (more than one chunk of the matcher).
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..200_000 {
        writeln!(gz, "login{i}.kuronekoyamatc.cc").unwrap();
    }
    let full = gz.finish().unwrap();
    let cut = dir.path().join("cut.txt.gz");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let db = dir.path().join("d.db");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .args(args)
            .env("DOMWATCH_DB", &db)
            .env("XDG_DATA_HOME", dir.path())
            .env_remove("DOMWATCH_CONFIG")
            .env_remove("DOMWATCH_PSL")
            .output()
            .unwrap()
    };
    let out = run(&[
        "scan",
        "--brand",
        "kuronekoyamato.co.jp",
        "--save",
        "--format",
        "jsonl",
        feed.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let out = run(&[
        "scan",
        "--brand",
        "kuronekoyamato.co.jp",
        "--save",
        "--format",
        "jsonl",
        cut.to_str().unwrap(),
    ]);
    assert!(
        !out.status.success(),
        "a truncated feed is an error: {out:?}"
    );

    let s = store::Store::open(&db).unwrap();
    let scans = s.scans(10).unwrap();
    assert_eq!(scans.len(), 2, "{scans:?}");
    let (failed, ok) = (&scans[0], &scans[1]);
    assert_eq!(ok.status, store::ScanStatus::Finished);
    assert_eq!((ok.names, ok.hits, ok.brands), (4, 2, 1), "{ok:?}");
    assert!(ok.source.ends_with("feed.txt"));
    let hits = s
        .scan_hits(&store::HitFilter {
            scan: Some(ok.id),
            ..Default::default()
        })
        .unwrap();
    assert!(hits.iter().all(|h| h.brand == "kuronekoyamato.co.jp"));
    assert_eq!(hits[0].registrable, "kuronekoyamatc.cc");
    assert_eq!(failed.status, store::ScanStatus::Failed);
    assert!(failed.error.is_some());
    assert!(
        failed.hits > 0,
        "the hits found before the error are kept: {failed:?}"
    );
}
