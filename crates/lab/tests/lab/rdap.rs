use serde_json::Value;

use super::common::{http_client, start, start_limited};

async fn get(
    c: &reqwest::Client,
    url: &str,
) -> (u16, Option<String>, Value, reqwest::header::HeaderMap) {
    let r = c
        .get(url)
        .header("accept", "application/rdap+json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ct = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

fn base_for(bootstrap: &Value, tld: &str) -> String {
    for svc in bootstrap["services"].as_array().unwrap() {
        if svc[0].as_array().unwrap().iter().any(|t| t == tld) {
            return svc[1][0].as_str().unwrap().to_string();
        }
    }
    panic!("no RDAP service for {tld}");
}

#[tokio::test]
async fn bootstrap_thin_registry_registrar_and_404() {
    let lab = start().await;
    let c = http_client();
    let boot_url = lab.net_config().rdap_bootstrap_url.unwrap();
    let (st, _, boot, _) = get(&c, &boot_url).await;
    assert_eq!(st, 200);
    assert_eq!(boot["version"], "1.0");
    assert!(
        boot["services"].as_array().unwrap().iter().all(|s| s[0]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t != "jp")),
        ".jp has no RDAP"
    );
    let com = base_for(&boot, "com");

    let (st, ct, d, _) = get(&c, &format!("{com}domain/hinode-logistics.com")).await;
    assert_eq!(st, 200);
    assert_eq!(ct.as_deref(), Some("application/rdap+json"));
    assert_eq!(d["objectClassName"], "domain");
    assert_eq!(d["ldhName"], "hinode-logistics.com");
    let status: Vec<&str> = d["status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(status.contains(&"client transfer prohibited"), "{status:?}");
    assert_eq!(d["secureDNS"]["delegationSigned"], true);
    let reg = d["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["roles"][0] == "registrar")
        .unwrap();
    assert_eq!(reg["publicIds"][0]["type"], "IANA Registrar ID");
    assert_eq!(reg["publicIds"][0]["identifier"], "9991");
    assert_eq!(reg["entities"][0]["roles"][0], "abuse");
    // thin registry: no registrant, a related link to the registrar
    assert!(
        d["entities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["roles"][0] != "registrant")
    );
    let related = d["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "related")
        .unwrap();
    let href = related["href"].as_str().unwrap();
    let (st, _, rr, _) = get(&c, href).await;
    assert_eq!(st, 200);
    assert!(
        rr["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["roles"][0] == "registrant")
    );
    let actions: Vec<&str> = rr["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventAction"].as_str().unwrap())
        .collect();
    for a in [
        "registration",
        "expiration",
        "last changed",
        "last update of RDAP database",
    ] {
        assert!(actions.contains(&a), "{actions:?}");
    }

    let (st, ct, e, _) = get(&c, &format!("{com}domain/never-registered-xyz.com")).await;
    assert_eq!(st, 404);
    assert_eq!(ct.as_deref(), Some("application/rdap+json"));
    assert_eq!(e["errorCode"], 404);
    lab.shutdown().await;
}

#[tokio::test]
async fn redirect_rate_limit_and_rir() {
    let lab = start_limited().await;
    let c = http_client();
    let (_, _, boot, _) = get(&c, &lab.net_config().rdap_bootstrap_url.unwrap()).await;
    let top = base_for(&boot, "top");
    let (st, _, _, h) = get(&c, &format!("{top}domain/ucs-card.top")).await;
    assert_eq!(st, 302);
    let loc = h.get("location").unwrap().to_str().unwrap().to_string();
    let (st, _, d, _) = get(&c, &loc).await;
    assert_eq!(st, 200);
    assert_eq!(d["ldhName"], "ucs-card.top");

    let com = base_for(&boot, "com");
    let mut saw_429 = false;
    for _ in 0..5 {
        let (st, _, _, h) = get(&c, &format!("{com}domain/biglobes.net")).await;
        if st == 429 {
            let ra: u64 = h
                .get("retry-after")
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&ra));
            saw_429 = true;
            break;
        }
        assert_eq!(st, 200);
    }
    assert!(saw_429, "the 4th query within a minute must be refused");

    let boot4 = lab
        .net_config()
        .rdap_bootstrap_url
        .unwrap()
        .replace("dns.json", "ipv4.json");
    let (_, _, b4, _) = get(&c, &boot4).await;
    let rir = b4["services"][0][1][0].as_str().unwrap().to_string();
    let (st, _, n, _) = get(&c, &format!("{rir}ip/192.0.2.10")).await;
    assert_eq!(st, 200);
    assert_eq!(n["objectClassName"], "ip network");
    let abuse = n["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["roles"][0] == "abuse")
        .unwrap();
    assert!(abuse["vcardArray"].to_string().contains("abuse@newxt.com"));
    lab.shutdown().await;
}

#[tokio::test]
async fn lapse_and_hijack_timeline_in_rdap() {
    let lab = start().await;
    let c = http_client();
    let (_, _, boot, _) = get(&c, &lab.net_config().rdap_bootstrap_url.unwrap()).await;
    let net = base_for(&boot, "net");
    let url = format!("{net}domain/hinode-cdn.net");
    let statuses = |d: &Value| {
        d["status"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let (_, _, d, _) = get(&c, &url).await;
    assert_eq!(statuses(&d), vec!["active"]);
    lab.advance_days(3).await;
    let (_, _, d, _) = get(&c, &url).await;
    assert!(statuses(&d).contains(&"auto renew period".to_string()));
    lab.advance_days(45).await; // day 48
    let (_, _, d, _) = get(&c, &url).await;
    assert!(statuses(&d).contains(&"redemption period".to_string()));
    lab.advance_days(30).await; // day 78
    let (_, _, d, _) = get(&c, &url).await;
    assert_eq!(statuses(&d), vec!["pending delete"]);
    lab.advance_days(5).await; // day 83
    let (st, _, _, _) = get(&c, &url).await;
    assert_eq!(st, 404);
    lab.advance_days(1).await; // day 84
    let (st, _, d, _) = get(&c, &url).await;
    assert_eq!(st, 200);
    let reg = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["eventAction"] == "registration")
        .unwrap();
    assert_eq!(reg["eventDate"], "2026-12-24T00:00:00Z");

    // the hijacked domain (day 12 already passed)
    let (_, _, d, _) = get(
        &c,
        &format!("{}domain/hinode-logistics.com", base_for(&boot, "com")),
    )
    .await;
    assert!(
        d["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["eventAction"] == "transfer")
    );
    assert!(!statuses(&d).iter().any(|s| s.starts_with("client")));
    assert_eq!(d["secureDNS"]["delegationSigned"], false);
    let reg = d["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["roles"][0] == "registrar")
        .unwrap();
    assert_eq!(reg["publicIds"][0]["identifier"], "9993");
    lab.shutdown().await;
}

#[tokio::test]
async fn nameserver_and_registrar_entity_objects() {
    let lab = start().await;
    let c = http_client();
    let (_, _, boot, _) = get(&c, &lab.net_config().rdap_bootstrap_url.unwrap()).await;
    let net = base_for(&boot, "net");
    let (st, _, ns, _) = get(&c, &format!("{net}nameserver/ns1.corpdns.net")).await;
    assert_eq!(st, 200);
    assert_eq!(ns["objectClassName"], "nameserver");
    assert_eq!(ns["ipAddresses"]["v4"][0], "203.0.113.1");
    assert_eq!(ns["ipAddresses"]["v6"][0], "2001:db8::53");
    let (st, ..) = get(&c, &format!("{net}nameserver/ns1.not-registered-xyz.net")).await;
    assert_eq!(st, 404);
    let base = lab.net_config().lab_control.unwrap();
    let (st, _, e, _) = get(&c, &format!("{base}/rdap/corpreg/entity/9991")).await;
    assert_eq!(st, 200);
    assert_eq!(e["roles"][0], "registrar");
    assert_eq!(e["entities"][0]["roles"][0], "abuse");
    let (st, ..) = get(&c, &format!("{base}/rdap/corpreg/entity/1")).await;
    assert_eq!(st, 404);
    lab.shutdown().await;
}

#[tokio::test]
async fn idn_lookalike_has_unicode_name() {
    let lab = start().await;
    let c = http_client();
    let (_, _, boot, _) = get(&c, &lab.net_config().rdap_bootstrap_url.unwrap()).await;
    let net = base_for(&boot, "net");
    let (st, _, d, _) = get(&c, &format!("{net}domain/xn--biglbe-zqf.net")).await;
    assert_eq!(st, 200);
    assert_eq!(d["ldhName"], "xn--biglbe-zqf.net");
    assert_eq!(d["unicodeName"], "bigl\u{43e}be.net");
    let (st, _, d, _) = get(&c, &format!("{net}domain/bigl\u{43e}be.net")).await;
    assert_eq!(st, 200, "U-label query");
    assert_eq!(d["ldhName"], "xn--biglbe-zqf.net");
    let (st, ..) = get(&c, &format!("{net}domain/\u{43e}\u{43e}.net")).await;
    assert_eq!(st, 400);
    lab.shutdown().await;
}
