//! End-to-end tests of `domwatch lab`.

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;

fn bin() -> Command {
    Command::cargo_bin("domwatch").unwrap()
}

#[test]
fn starts_prints_one_json_line_advances_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lab.toml");
    let mut child = StdCommand::cargo_bin("domwatch")
        .unwrap()
        .args(["lab", "--config-out"])
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("one line once bound").unwrap();
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["config"], cfg.display().to_string());
    assert_eq!(v["scenario"], "default");
    assert!(
        v["rdap_bootstrap"]
            .as_str()
            .unwrap()
            .ends_with("/bootstrap/dns.json")
    );
    assert!(v["whois"]["whois.iana.org"].is_string());
    assert_eq!(v["dns_root"].as_array().unwrap().len(), 2);
    let text = std::fs::read_to_string(&cfg).unwrap();
    let net = domains::netconfig::NetConfig::from_toml(&text).unwrap();
    assert_eq!(net.lab_control.as_deref(), v["control"].as_str());

    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["lab", "advance", "--days", "12"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let adv: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(adv["day"], 12);
    assert!(
        adv["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "transfer")
    );

    let out = bin()
        .args(["lab", "clock", "--control", v["control"].as_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let clock: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(clock["now"], "2026-10-13T00:00:00Z");

    let killed = StdCommand::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut status = None;
    for _ in 0..500 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = status.expect("the lab stops on SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert!(lines.next().is_none(), "exactly one line on stdout");
}

#[test]
fn scenarios_show_and_usage_errors() {
    let out = bin().args(["lab", "scenarios"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("default\t"));

    let out = bin().args(["lab", "show", "default"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(lab::Scenario::from_toml(&text).is_ok());

    let out = bin()
        .args(["lab", "--scenario", "/nonexistent/scenario.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = bin()
        .args(["lab", "advance", "--days", "1"])
        .env_remove("DOMWATCH_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "no lab given");

    let out = bin()
        .args([
            "lab",
            "advance",
            "--days",
            "1",
            "--control",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "unreachable lab is a network error"
    );
}

/// One HTTP/1.0 request to the lab's control API; `Err` when no answer came within `wait`.
fn control(addr: &str, request: &str, wait: Duration) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(wait))?;
    s.write_all(request.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// SIGTERM while a large scenario is being moved by a hundred years (issue 8): the lab stops
/// promptly instead of finishing the advance first.
#[test]
fn sigterm_during_a_long_advance_stops_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = lab::Scenario::builtin_text("default").unwrap().to_string();
    for i in 0..1500 {
        text.push_str(&format!(
            "\n[[domain]]\nname = \"bulk-{i}.com\"\nregistrar = \"cheapreg\"\nregistered = \"2020-01-01\"\nexpires = \"2027-01-01\"\nrenew = false\nnameservers = [\"ns1.corpdns.net\"]\n"
        ));
    }
    let scenario = dir.path().join("big.toml");
    std::fs::write(&scenario, text).unwrap();
    let mut child = StdCommand::cargo_bin("domwatch")
        .unwrap()
        .args(["lab", "--scenario"])
        .arg(&scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let v: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let addr = v["control"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .to_string();
    let body = "{\"days\": 36500}";
    let advance = format!(
        "POST /advance HTTP/1.0\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let a = addr.clone();
    std::thread::spawn(move || control(&a, &advance, Duration::from_secs(600)));
    // The advance holds the clock: a timeline question waits while it runs.
    let busy = (0..200).any(|_| {
        control(
            &addr,
            "GET /timeline?days=0 HTTP/1.0\r\nHost: lab\r\n\r\n",
            Duration::from_millis(300),
        )
        .is_err()
    });
    assert!(busy, "the advance should still be running");
    let asked = std::time::Instant::now();
    let killed = StdCommand::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut status = None;
    for _ in 0..1500 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = asked.elapsed();
    if status.is_none() {
        // Do not leave it computing: the test has failed already.
        let _ = child.kill();
        status = child.wait().ok();
        panic!("the lab did not stop within 30 s of SIGTERM ({status:?})");
    }
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    for args in [["lab", "show"].as_slice(), ["lab", "scenarios"].as_slice()] {
        let mut args = args.to_vec();
        if args[1] == "show" {
            args.push("default");
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader closes its end before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
