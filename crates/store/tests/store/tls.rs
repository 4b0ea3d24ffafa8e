//! TLS to PostgreSQL: a server of its own (started here with the test server's binaries,
//! `DOMWATCH_TEST_PG_BIN`) that accepts only TLS connections, with a certificate from a test
//! CA. The store connects with `sslmode=require` and `PGSSLROOTCERT`, refuses a server whose
//! certificate it cannot verify, and never shows the password in its errors.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

const PASSWORD: &str = "pw-that-must-not-show";

fn as_server_user(dir: &Path, program: &Path) -> Command {
    // The test server's folder belongs to the user the server runs as (`postgres` under
    // root, else ourselves).
    let owner = std::fs::metadata(dir).unwrap().uid();
    if nix_is_root() && owner != 0 {
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={owner}"))
            .arg(format!("--regid={}", std::fs::metadata(dir).unwrap().gid()))
            .args(["--init-groups", "--"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn nix_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        == 0
}

/// A CA, and a server certificate for 127.0.0.1 and localhost signed by it (PEM).
fn ca_and_server() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "domwatch test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (ca_cert.pem(), server.pem(), key.serialize_pem())
}

struct Server {
    bin: PathBuf,
    owner_dir: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = as_server_user(&self.owner_dir, &self.bin.join("pg_ctl"))
            .args(["-D"])
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Starts a TLS-only server in `dir`, or `None` without the test server's binaries.
fn start(dir: &Path, server_pem: &str, key_pem: &str) -> Option<Server> {
    let bin = PathBuf::from(std::env::var("DOMWATCH_TEST_PG_BIN").ok()?);
    let owner_dir = PathBuf::from(std::env::var("DOMWATCH_TEST_PG_DIR").ok()?);
    let meta = std::fs::metadata(&owner_dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(dir, Some(meta.uid()), Some(meta.gid())).unwrap();
    let data = dir.join("data");
    let out = as_server_user(&owner_dir, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "--locale=C", "-E", "UTF8"])
        .output()
        .unwrap();
    assert!(out.status.success(), "initdb: {out:?}");
    for (name, body, mode) in [
        ("server.crt", server_pem, 0o644),
        ("server.key", key_pem, 0o600),
    ] {
        let p = data.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        std::os::unix::fs::chown(&p, Some(meta.uid()), Some(meta.gid())).unwrap();
    }
    // TLS only: a plain connection is rejected.
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = as_server_user(&owner_dir, &bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["-w", "-t", "60", "-o"])
        .arg(format!(
            "-h 127.0.0.1 -p {port} -k {} -c ssl=on -c fsync=off",
            dir.display()
        ))
        .arg("start")
        .output()
        .unwrap();
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    assert!(out.status.success(), "pg_ctl start: {out:?}\n{log}");
    Some(Server {
        bin,
        owner_dir,
        data,
        port,
    })
}

fn target(port: u16, mode: &str, root: Option<&Path>) -> store::PgTarget {
    let url = format!("postgres://postgres:{PASSWORD}@127.0.0.1:{port}/postgres?sslmode={mode}");
    let root = root.map(|p| p.display().to_string());
    let mut t = store::PgTarget::parse(&url, move |k| match k {
        "PGSSLROOTCERT" => root.clone(),
        _ => None,
    })
    .unwrap();
    t.reconnect_for = Duration::ZERO;
    t
}

#[test]
fn postgres_over_tls_verifies_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, server, key) = ca_and_server();
    let Some(srv) = start(dir.path(), &server, &key) else {
        eprintln!("no DOMWATCH_TEST_PG_BIN/DOMWATCH_TEST_PG_DIR: the TLS test needs .ci/pg-start");
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let ca_file = files.path().join("ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let (other_ca, _, _) = ca_and_server();
    let other_file = files.path().join("other-ca.pem");
    std::fs::write(&other_file, &other_ca).unwrap();

    // Verified TLS: the store opens, migrates and keeps what it is given (the server takes
    // nothing but TLS, so this connection was encrypted).
    let mut s = store::Store::open_postgres(&target(srv.port, "require", Some(&ca_file)))
        .expect("a TLS connection verified by PGSSLROOTCERT");
    let name = domains::DomainName::parse("tls.example").unwrap();
    s.add_watched(&[store::WatchedDomain {
        name: name.clone(),
        owner: None,
        tags: vec![],
        high_value: false,
        added_at: jiff::Timestamp::now(),
    }])
    .unwrap();
    drop(s);
    let s = store::Store::open_postgres(&target(srv.port, "prefer", Some(&ca_file))).unwrap();
    assert!(s.watched_domain(&name).unwrap().is_some());
    drop(s);

    // A certificate from a CA it was not given: refused (sslmode=require verifies, unlike
    // libpq), and the password is not in the error.
    for mode in ["require", "prefer"] {
        let err = match store::Store::open_postgres(&target(srv.port, mode, Some(&other_file))) {
            Ok(_) => panic!("{mode}: connected to a server it cannot verify"),
            Err(e) => e.to_string(),
        };
        assert!(!err.contains(PASSWORD), "{err}");
        let err = match store::Store::open_postgres(&target(srv.port, mode, None)) {
            Ok(_) => panic!("{mode}: a test CA is not among the Web PKI roots"),
            Err(e) => e.to_string(),
        };
        assert!(!err.contains(PASSWORD), "{err}");
    }
    // Without TLS the server refuses (pg_hba `reject`): the error says so, no password.
    let err = match store::Store::open_postgres(&target(srv.port, "disable", None)) {
        Ok(_) => panic!("a plain connection was accepted by a TLS-only server"),
        Err(e) => e.to_string(),
    };
    assert!(!err.contains(PASSWORD), "{err}");
    drop(srv);
}
