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
