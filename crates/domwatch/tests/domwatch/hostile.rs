//! Hostile input (issue 8): side files that never end, and other inputs from outside that must
//! be bounded, refused or reported rather than trusted.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn domwatch(data: &Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env("DOMWATCH_DB", data.join("w.db"))
        .env_remove("DOMWATCH_PSL")
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(60));
    c
}

/// Runs `args` and checks that it fails fast with exit 2 and one line naming the file and the
/// limit (bounded by the bytes read, so `/dev/zero` cannot grow without end).
fn refuses_endless(args: &[&str], file: &str, limit: &str) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = domwatch(dir.path()).args(args).output().unwrap();
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(took < Duration::from_secs(30), "{args:?} took {took:?}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line: {err}"
    );
    assert!(err.contains(file), "{args:?} names the file: {err}");
    assert!(err.contains(limit), "{args:?} gives the limit: {err}");
}

#[test]
fn side_files_are_bounded_by_the_bytes_read() {
    let z = "/dev/zero";
    refuses_endless(
        &["fuzz", "--tld-file", z, "example.com"],
        "--tld-file: /dev/zero",
        "16 MiB",
    );
    refuses_endless(
        &["fuzz", "--dictionary", z, "example.com"],
        "--dictionary: /dev/zero",
        "16 MiB",
    );
    refuses_endless(&["scan", "--brands", z], "--brands: /dev/zero", "16 MiB");
    refuses_endless(
        &["scan", "--brand", "example.com", "--allow", z],
        "--allow: /dev/zero",
        "64 MiB",
    );
    refuses_endless(
        &["--psl", z, "psl", "show"],
        "Public Suffix List: /dev/zero",
        "16 MiB",
    );
    refuses_endless(&["psl", "update", z], "/dev/zero", "16 MiB");
    refuses_endless(
        &["--config", z, "inspect", "example.com"],
        "/dev/zero",
        "4 MiB",
    );
    refuses_endless(&["lab", "--scenario", z], "/dev/zero", "4 MiB");
    refuses_endless(&["watch", "add", "--file", z], "/dev/zero", "64 MiB");
}

#[cfg(unix)]
#[test]
fn a_fifo_that_never_ends_is_refused_too() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("tlds.fifo");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    let writer_path = fifo.clone();
    // The writer keeps writing until the reader goes away (EPIPE).
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        let line = b"com\n".repeat(16 * 1024);
        while f.write_all(&line).is_ok() {}
    });
    let o = domwatch(dir.path())
        .args(["fuzz", "--tld-file"])
        .arg(&fifo)
        .arg("example.com")
        .output()
        .unwrap();
    writer.join().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("tlds.fifo is larger than 16 MiB"), "{err}");
}
