use std::time::Duration;

use lab::MailDirection;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::common::{ask, dns_socket, start, udp_client};

async fn expect(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) -> String {
    let mut last = String::new();
    loop {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(5), r.read_line(&mut line))
            .await
            .unwrap()
            .unwrap();
        assert!(line.starts_with(code), "expected {code}, got {line:?}");
        if line.as_bytes().get(3) != Some(&b'-') {
            last.push_str(&line);
            return last;
        }
    }
}

#[tokio::test]
async fn smtp_dialogue_and_top_registry_suspends_after_a_day() {
    let lab = start().await;
    let s = TcpStream::connect(lab.net_config().smtp.unwrap())
        .await
        .unwrap();
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::new(rd);
    expect(&mut rd, "220").await;
    wr.write_all(b"MAIL FROM:<csirt@example.jp>\r\n")
        .await
        .unwrap();
    expect(&mut rd, "503").await;
    wr.write_all(b"EHLO csirt.example.jp\r\n").await.unwrap();
    expect(&mut rd, "250").await;
    wr.write_all(b"MAIL FROM:<csirt@example.jp>\r\n")
        .await
        .unwrap();
    expect(&mut rd, "250").await;
    wr.write_all(b"RCPT TO:<abuse@nic.top>\r\n").await.unwrap();
    expect(&mut rd, "250").await;
    wr.write_all(b"NOOP\r\n").await.unwrap();
    expect(&mut rd, "250").await;
    wr.write_all(b"DATA\r\n").await.unwrap();
    expect(&mut rd, "354").await;
    wr.write_all(b"Subject: Phishing: ucs-card[.]top\r\n\r\nhxxps://ucs-card[.]top/login imitates UCS card.\r\n..leading dot\r\n.\r\n").await.unwrap();
    expect(&mut rd, "250").await;
    wr.write_all(b"QUIT\r\n").await.unwrap();
    expect(&mut rd, "221").await;

    let mail = lab.mailbox();
    let inbound = mail
        .iter()
        .find(|m| m.direction == MailDirection::Inbound)
        .unwrap();
    assert_eq!(inbound.domain.as_deref(), Some("ucs-card.top"));
    assert!(
        inbound.body.contains(".leading dot"),
        "dot-unstuffed: {:?}",
        inbound.body
    );
    assert!(
        mail.iter()
            .any(|m| m.direction == MailDirection::DeskReply && m.subject.contains("Received"))
    );

    let mut top = udp_client(dns_socket(&lab, "198.51.100.20")).await;
    let (rc, ..) = ask(&mut top, "ucs-card.top.", hickory_proto::rr::RecordType::A).await;
    assert_eq!(
        rc,
        hickory_proto::op::ResponseCode::NoError,
        "delegated before the desk acts"
    );
    let out = lab.advance_days(1).await;
    assert!(
        out.events
            .iter()
            .any(|e| e.domain == "ucs-card.top" && e.kind == "serverhold"),
        "{:?}",
        out.events
    );
    let (rc, ..) = ask(&mut top, "ucs-card.top.", hickory_proto::rr::RecordType::A).await;
    assert_eq!(
        rc,
        hickory_proto::op::ResponseCode::NXDomain,
        "serverHold removes it from the zone"
    );
    assert!(lab.mailbox().iter().any(|m| m.body.contains("serverHold")));
    lab.shutdown().await;
}

#[tokio::test]
async fn smtp_rejects_overlong_lines_and_bad_recipients() {
    let lab = start().await;
    let s = TcpStream::connect(lab.net_config().smtp.unwrap())
        .await
        .unwrap();
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::new(rd);
    expect(&mut rd, "220").await;
    wr.write_all(format!("HELO {}\r\n", "x".repeat(5000)).as_bytes())
        .await
        .unwrap();
    expect(&mut rd, "500").await;
    wr.write_all(b"HELO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<nobody>\r\n")
        .await
        .unwrap();
    expect(&mut rd, "250").await;
    expect(&mut rd, "250").await;
    expect(&mut rd, "501").await;
    lab.shutdown().await;
}

async fn send(lab: &lab::Lab, to: &str, subject: &str, body: &str) {
    let s = TcpStream::connect(lab.net_config().smtp.unwrap())
        .await
        .unwrap();
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::new(rd);
    expect(&mut rd, "220").await;
    wr.write_all(
        format!("HELO x\r\nMAIL FROM:<csirt@example.jp>\r\nRCPT TO:<{to}>\r\nDATA\r\n").as_bytes(),
    )
    .await
    .unwrap();
    for code in ["250", "250", "250", "354"] {
        expect(&mut rd, code).await;
    }
    wr.write_all(format!("Subject: {subject}\r\n\r\n{body}\r\n.\r\nQUIT\r\n").as_bytes())
        .await
        .unwrap();
    expect(&mut rd, "250").await;
    expect(&mut rd, "221").await;
}

#[tokio::test]
async fn desks_hold_ask_for_more_and_refuse_what_is_not_theirs() {
    let lab = start().await;
    // the registrar of kuronekoyamatc.cc puts it on clientHold after 5 days
    send(
        &lab,
        "abuse@cheapreg.example",
        "Phishing",
        "kuronekoyamatc.cc imitates Yamato",
    )
    .await;
    // the organisation's registrar asks for more
    send(
        &lab,
        "abuse@corpreg.example",
        "Abuse at hinode-logistics.net",
        "see subject",
    )
    .await;
    // the .cloud registry is not responsible for a .top name
    send(&lab, "abuse@nic.cloud", "Phishing", "kuronekoyamato-jp.top").await;
    // no scenario domain named at all
    send(
        &lab,
        "abuse@nic.top",
        "Phishing",
        "somewhere on the internet",
    )
    .await;

    let out = lab.advance_days(4).await;
    assert!(!out.events.iter().any(|e| e.kind == "clienthold"));
    let out = lab.advance_days(1).await;
    assert!(
        out.events
            .iter()
            .any(|e| e.domain == "kuronekoyamatc.cc" && e.kind == "clienthold"),
        "{:?}",
        out.events
    );
    let mail = lab.mailbox();
    let replies: Vec<&lab::MailMessage> = mail
        .iter()
        .filter(|m| m.direction == MailDirection::DeskReply)
        .collect();
    assert!(
        replies
            .iter()
            .any(|m| m.from == "abuse@cheapreg.example" && m.body.contains("clientHold"))
    );
    assert!(
        replies
            .iter()
            .any(|m| m.from == "abuse@corpreg.example" && m.body.contains("more information"))
    );
    assert!(
        replies
            .iter()
            .any(|m| m.from == "abuse@nic.cloud" && m.body.contains("not under our management"))
    );
    assert!(
        replies
            .iter()
            .any(|m| m.from == "abuse@nic.top" && m.body.contains("could not identify"))
    );
    assert!(
        replies
            .iter()
            .all(|m| m.to == vec!["csirt@example.jp".to_string()])
    );

    // clientHold: out of the .cc zone, RDAP shows "client hold"
    let mut cc = udp_client(dns_socket(&lab, "198.51.100.10")).await;
    let (rc, ..) = ask(
        &mut cc,
        "kuronekoyamatc.cc.",
        hickory_proto::rr::RecordType::A,
    )
    .await;
    assert_eq!(rc, hickory_proto::op::ResponseCode::NXDomain);
    let base = lab.net_config().lab_control.unwrap();
    let d: serde_json::Value = super::common::http_client()
        .get(format!("{base}/rdap/cheapreg/domain/kuronekoyamatc.cc"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        d["status"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "client hold")
    );
    lab.shutdown().await;
}
