//! The CT log client against the lab's logs, and against hostile logs (raw HTTP on 127.0.0.1).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use probe::ct::{CtClientConfig, CtError, CtLogClient};
use probe::http::HttpError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cfg() -> CtClientConfig {
    CtClientConfig {
        batch: 50,
        min_interval: Duration::ZERO,
        timeout: Duration::from_secs(5),
        max_body: 4 << 20,
        retries: 3,
        backoff: Duration::from_millis(5),
        allow_private: true,
    }
}

#[tokio::test]
async fn the_lab_log_is_read_whole_in_short_batches() {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let url = lab.net_config().ct_logs[0].clone();
    let c = CtLogClient::new(&url, cfg()).unwrap();
    let sth = c.sth(None).await.unwrap();
    assert!(sth.tree_size > 32);
    let (mut next, mut batches, mut names) = (0u64, 0, Vec::new());
    while next < sth.tree_size {
        let b = c.batch(next, sth.tree_size).await.unwrap();
        // The lab answers at most 32 though 50 were asked: the client continues from there.
        assert!(b.entries.len() <= 32);
        for e in &b.entries {
            let cert = e.as_ref().expect("every lab entry decodes");
            names.extend(cert.names.iter().cloned());
        }
        next += b.entries.len() as u64;
        batches += 1;
    }
    assert_eq!(next, sth.tree_size);
    assert!(batches >= 2);
    assert!(names.iter().any(|n| n == "kuronekoyamatc.cc"), "{names:?}");
    assert!(names.iter().any(|n| n == "www.hinode-logistics.com"));
    // Nothing past the tree is asked for.
    assert!(
        c.batch(sth.tree_size, sth.tree_size)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
    // The same log on the real internet's terms: loopback is refused before connecting.
    let guarded = CtLogClient::new(
        &url,
        CtClientConfig {
            allow_private: false,
            ..cfg()
        },
    )
    .unwrap();
    let e = guarded.sth(None).await.unwrap_err();
    assert!(matches!(e, CtError::Http(HttpError::Refused { .. })), "{e}");
    lab.shutdown().await;
}

type Answer = fn(usize, &str) -> Vec<u8>;

/// A raw HTTP server: the n-th request (path) gets `answer(n, path)`.
async fn serve(answer: Answer) -> (String, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let n = c.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut tmp).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&tmp[..k]),
                    }
                }
                let text = String::from_utf8_lossy(&buf);
                let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
                let _ = sock.write_all(&answer(n, &path)).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://127.0.0.1:{port}/log/"), count)
}

fn reply(status: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const STH5: &str = r#"{"tree_size":5,"timestamp":1,"sha256_root_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","tree_head_signature":""}"#;

fn ok(body: &str) -> Vec<u8> {
    reply("200 OK", "", body)
}

#[tokio::test]
async fn hostile_logs_are_errors_for_that_log() {
    // Garbage instead of JSON.
    let (url, _) = serve(|_, _| ok("<html>hello</html>")).await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(c.sth(None).await, Err(CtError::Answer { .. })));
    assert!(matches!(c.batch(0, 5).await, Err(CtError::Answer { .. })));

    // A tree smaller than the one seen before.
    let (url, _) = serve(|_, _| ok(STH5)).await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert_eq!(c.sth(Some(5)).await.unwrap().tree_size, 5);
    assert_eq!(
        c.sth(Some(9)).await.unwrap_err(),
        CtError::Shrunk { was: 9, now: 5 }
    );

    // No entry for a range inside the tree; more entries than asked.
    let (url, _) = serve(|_, _| ok(r#"{"entries":[]}"#)).await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.batch(0, 5).await,
        Err(CtError::NoEntries { start: 0, .. })
    ));
    let (url, _) = serve(|_, _| {
        ok(r#"{"entries":[{"leaf_input":"AA=="},{"leaf_input":"AA=="},{"leaf_input":"AA=="}]}"#)
    })
    .await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.batch(3, 5).await,
        Err(CtError::TooMany { got: 3, .. })
    ));
    // Entries that do not decode are returned as errors, one per entry, none dropped.
    let b = c.batch(0, 5).await.unwrap();
    assert_eq!(b.entries.len(), 3);
    assert!(b.entries.iter().all(|e| e.is_err()));

    // A huge answer.
    let (url, _) = serve(|_, _| {
        let big = format!(
            r#"{{"entries":[{{"leaf_input":"{}"}}]}}"#,
            "A".repeat(5 << 20)
        );
        ok(&big)
    })
    .await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.batch(0, 5).await,
        Err(CtError::Http(HttpError::TooLarge(..)))
    ));
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_with_backoff() {
    // 503, 429 (Retry-After: 0), 500, then the answer.
    let (url, count) = serve(|n, _| match n {
        0 => reply("503 Service Unavailable", "", ""),
        1 => reply("429 Too Many Requests", "Retry-After: 0\r\n", ""),
        2 => reply("500 Internal Server Error", "", ""),
        _ => ok(STH5),
    })
    .await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert_eq!(c.sth(None).await.unwrap().tree_size, 5);
    assert_eq!(count.load(Ordering::SeqCst), 4);
    // A log that keeps failing: an error after the retries, not a hang.
    let (url, count) = serve(|_, _| reply("502 Bad Gateway", "", "")).await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.sth(None).await,
        Err(CtError::Status { status: 502, .. })
    ));
    assert_eq!(count.load(Ordering::SeqCst), 4, "1 + 3 retries");
    // A client error is not retried.
    let (url, count) = serve(|_, _| reply("404 Not Found", "", "")).await;
    let c = CtLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.sth(None).await,
        Err(CtError::Status { status: 404, .. })
    ));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn static_ct_tiles_give_the_same_entries_as_get_entries() {
    use probe::ct::{Log, StaticLogClient};
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    // Three days of the default scenario: more than one full tile and a partial one.
    lab.advance_days(12).await;
    let url = lab.net_config().ct_logs[0].clone();
    let rfc = Log::open(&url, cfg()).unwrap();
    let tiles = Log::open(&format!("static:{url}"), cfg()).unwrap();
    assert!(matches!(tiles, Log::Static(_)));
    let size = rfc.tree_size(None).await.unwrap();
    assert_eq!(tiles.tree_size(None).await.unwrap(), size);
    assert!(size > 256, "{size}");
    let read = |log: Log| async move {
        let (mut next, mut certs, mut calls) = (7u64, Vec::new(), 0);
        while next < size {
            let b = log.batch(next, size).await.unwrap();
            assert_eq!(b.start, next);
            next += b.entries.len() as u64;
            certs.extend(b.entries.into_iter().map(|e| e.unwrap()));
            calls += 1;
        }
        (certs, calls)
    };
    let (a, _) = read(rfc).await;
    let (b, tile_calls) = read(tiles).await;
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.names, &x.sha256, x.kind, x.logged_at),
            (&y.names, &y.sha256, y.kind, y.logged_at)
        );
    }
    // From entry 7: the rest of tile 0, the full tiles, the partial one.
    assert_eq!(tile_calls as u64, size.div_ceil(256));
    // A tile that does not exist (the tree's partial tile asked with another width) is an error.
    let c = StaticLogClient::new(&url, cfg()).unwrap();
    let last = size / 256 * 256;
    assert!(matches!(
        c.batch(last, size + 1).await,
        Err(CtError::Status { status: 404, .. })
    ));
    lab.shutdown().await;
}

#[tokio::test]
async fn hostile_static_logs_are_errors_for_that_log() {
    use probe::ct::StaticLogClient;
    // A checkpoint, then a data tile that stops in the middle of an entry.
    let (url, _) = serve(|_, path| {
        if path.ends_with("/checkpoint") {
            ok("x\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n")
        } else {
            ok("\0\0\0\0\0\0\0\x01\0\0\0\0\x09")
        }
    })
    .await;
    let c = StaticLogClient::new(&url, cfg()).unwrap();
    assert_eq!(c.checkpoint(None).await.unwrap().tree_size, 5);
    assert!(matches!(
        c.checkpoint(Some(6)).await,
        Err(CtError::Shrunk { was: 6, now: 5 })
    ));
    assert!(matches!(
        c.batch(0, 5).await,
        Err(CtError::Tile { tile: 0, .. })
    ));
    // An empty tile where 5 entries should be.
    let (url, _) = serve(|_, _| ok("")).await;
    let c = StaticLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.batch(0, 5).await,
        Err(CtError::TileWidth {
            expected: 5,
            got: 0,
            ..
        })
    ));
    // Garbage for a checkpoint.
    let (url, _) = serve(|_, _| ok("<html>")).await;
    let c = StaticLogClient::new(&url, cfg()).unwrap();
    assert!(matches!(
        c.checkpoint(None).await,
        Err(CtError::Answer { .. })
    ));
}
