use std::time::Duration;

use serde_json::{Value, json};

use super::common::{get_json, http_client, start, whois};

#[tokio::test]
async fn sites_by_host_header_and_takeover_page() {
    let lab = start().await;
    let cfg = lab.net_config();
    let c = http_client();
    let bucket = cfg.http_socket("192.0.2.80".parse().unwrap());
    let r = c
        .get(format!("http://{bucket}/"))
        .header("host", "hinode-static.s3.amazonaws.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The specified bucket does not exist")
    );

    let phish = cfg.http_socket("198.51.100.200".parse().unwrap());
    let r = c
        .get(format!("http://{phish}/"))
        .header("host", "www.kuronekoyamatc.cc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("クロネコ"));

    let corp = cfg.http_socket("192.0.2.10".parse().unwrap());
    let r = c
        .get(format!("http://{corp}/"))
        .header("host", "unknown.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "a host the site does not serve");
    lab.shutdown().await;
}

#[tokio::test]
async fn sites_over_https_with_the_lab_ca() {
    let lab = start().await;
    let cfg = lab.net_config();
    let pem = cfg
        .extra_roots_pem
        .clone()
        .expect("the lab CA is in the configuration");
    let corp = cfg.https_socket("192.0.2.10".parse().unwrap());
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .resolve("www.hinode-logistics.com", corp)
        .build()
        .unwrap();
    let url = format!("https://www.hinode-logistics.com:{}/", corp.port());
    let r = trusting.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("Hinode Logistics K.K."));
    // The certificate is really checked: without the lab CA, or for a name it does not
    // cover, the handshake fails.
    let plain = reqwest::Client::builder()
        .resolve("www.hinode-logistics.com", corp)
        .build()
        .unwrap();
    assert!(plain.get(&url).send().await.is_err());
    let other = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .resolve("unknown.example", corp)
        .build()
        .unwrap();
    let url = format!("https://unknown.example:{}/", corp.port());
    assert!(other.get(&url).send().await.is_err());
    // The lab counts what it served: one site answer, and now one bootstrap file.
    let base = cfg.lab_control.clone().unwrap();
    let c = http_client();
    let count = |v: &Value, k: &str| v[k].as_u64().unwrap();
    let before = get_json(&format!("{base}/requests")).await;
    assert_eq!(
        (count(&before, "web"), count(&before, "rdap")),
        (1, 0),
        "{before}"
    );
    let r = c
        .get(format!("{base}/bootstrap/dns.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let after = get_json(&format!("{base}/requests")).await;
    assert_eq!(count(&after, "rdap"), 1, "{after}");
    assert_eq!(count(&after, "whois"), 0, "{after}");
    lab.shutdown().await;
}

#[tokio::test]
async fn control_api_clock_advance_mailbox() {
    let lab = start().await;
    let base = lab.net_config().lab_control.unwrap();
    let c = http_client();
    let clock: Value = c
        .get(format!("{base}/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["now"], "2026-10-01T00:00:00Z");
    let r = c
        .post(format!("{base}/advance"))
        .json(&json!({"days": 12}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["day"], 12);
    assert!(
        out["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "transfer")
    );
    let r = c
        .post(format!("{base}/advance"))
        .json(&json!({"to": "2026-11-12"}))
        .send()
        .await
        .unwrap();
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["day"], 42);
    assert_eq!(lab.day(), 42);
    assert_eq!(lab.now().to_string(), "2026-11-12T00:00:00Z");
    let r = c
        .post(format!("{base}/advance"))
        .json(&json!({"days": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "the clock never goes back");
    let r = c
        .post(format!("{base}/advance"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let mb = get_json(&format!("{base}/mailbox")).await;
    assert_eq!(mb, json!([]));
    let doms: Value = c
        .get(format!("{base}/domains"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = doms["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "dotmobiregistry.net")
        .unwrap();
    assert_eq!(d["registrar"], "dropcatch");
    lab.shutdown().await;
}

#[tokio::test]
async fn unresponsive_registry_rdap_and_whois_time_out() {
    let lab = start().await;
    let c = http_client();
    let base = lab.net_config().lab_control.unwrap();
    let r = tokio::time::timeout(
        Duration::from_millis(800),
        c.get(format!("{base}/rdap/tk/domain/kuronekoyamato-login.tk"))
            .send(),
    )
    .await;
    assert!(r.is_err(), "the .tk RDAP service never answers");
    let w = tokio::time::timeout(
        Duration::from_millis(800),
        whois(&lab, "whois.dot.tk", "kuronekoyamato-login.tk"),
    )
    .await;
    assert!(w.is_err(), "the .tk WHOIS server never answers");
    // shutdown does not wait for the hanging handlers
    tokio::time::timeout(Duration::from_secs(10), lab.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn config_file_round_trips() {
    let lab = start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lab.toml");
    lab.write_config(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let cfg = domains::netconfig::NetConfig::from_toml(&text).unwrap();
    assert_eq!(cfg, lab.net_config());
    assert!(cfg.allow_private_addresses);
    assert!(cfg.whois_hosts.contains_key("whois.iana.org"));
    assert_eq!(cfg.root_hints.len(), 2);
    let eps = serde_json::to_value(lab.endpoints()).unwrap();
    assert_eq!(
        eps["rdap_bootstrap"],
        Value::String(cfg.rdap_bootstrap_url.clone().unwrap())
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn timeline_lists_coming_events_without_moving_the_clock() {
    let lab = start().await;
    let events = lab.timeline(90);
    assert_eq!(lab.day(), 0);
    let hijack = events
        .iter()
        .find(|e| e.domain == "hinode-logistics.com" && e.kind == "transfer")
        .unwrap();
    assert_eq!(hijack.day, 12);
    assert!(
        events
            .iter()
            .any(|e| e.domain == "hinode-cdn.net" && e.kind == "deleted" && e.day == 83)
    );
    let base = lab.net_config().lab_control.unwrap();
    let v: Value = http_client()
        .get(format!("{base}/timeline?days=5"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let days: Vec<i64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["day"].as_i64().unwrap())
        .collect();
    assert_eq!(days, vec![3, 5]);
    lab.shutdown().await;
}
