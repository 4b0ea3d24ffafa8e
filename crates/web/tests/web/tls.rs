//! In-process TLS: a self-signed certificate made in the test, a client that trusts only it,
//! cookies marked Secure, a silent client that does not hold up the others, a key that does
//! not match its certificate.

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use store::{Role, Store};

fn self_signed() -> (String, String) {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (c.cert.pem(), c.signing_key.serialize_pem())
}

struct TlsEnv {
    port: u16,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TlsEnv {
    async fn start() -> TlsEnv {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (cert, key) = self_signed();
        let config = web::tls::TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("d.db")).unwrap();
        let h = web::auth::hash_password("anna-password-123").unwrap();
        s.add_user("anna", Role::Analyst, &h, jiff::Timestamp::now())
            .unwrap();
        // Secure cookies are not asked for: TLS turns them on.
        drop(s);
        let console = web::Console::new(
            store::Location::Sqlite(dir.path().join("d.db")),
            web::Options::default(),
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            web::serve_tls(listener, console, &config, async {
                let _ = rx.await;
            })
            .await
        });
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .tls_certs_only([reqwest::Certificate::from_pem(cert.as_bytes()).unwrap()])
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .build()
            .unwrap();
        TlsEnv {
            port,
            http,
            _dir: dir,
            _stop: tx,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }
}

#[tokio::test]
async fn the_console_over_tls_sets_secure_cookies() {
    let e = TlsEnv::start().await;
    let r = e.http.get(e.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok\n");

    let r = e
        .http
        .post(e.url("/login"))
        .form(&[("name", "anna"), ("password", "anna-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("dw_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    // The session works over TLS (the page needs it).
    let r = e
        .http
        .get(e.url("/"))
        .header("cookie", cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_silent_client_does_not_hold_up_the_others() {
    let e = TlsEnv::start().await;
    // Connects and never starts its handshake.
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", e.port))
        .await
        .unwrap();
    // A plain-HTTP client on the TLS port gets no answer, only a closed connection.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/healthz", e.port))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    // Well within the handshake timeout: an accept loop waiting on the silent client fails.
    let r = e
        .http
        .get(e.url("/healthz"))
        .timeout(web::tls::HANDSHAKE_TIMEOUT / 2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[test]
fn a_key_that_does_not_match_its_certificate_is_refused() {
    let (cert, _) = self_signed();
    let (_, other_key) = self_signed();
    let err = web::tls::TlsConfig::from_pem(cert.as_bytes(), other_key.as_bytes()).unwrap_err();
    assert!(
        matches!(err, web::tls::TlsError::KeyMismatch),
        "{err:?}: {err}"
    );
    let (cert, key) = self_signed();
    let err = web::tls::TlsConfig::from_pem(key.as_bytes(), key.as_bytes()).unwrap_err();
    assert!(
        matches!(err, web::tls::TlsError::NoCertificate(_)),
        "{err:?}"
    );
    let err = web::tls::TlsConfig::from_pem(cert.as_bytes(), cert.as_bytes()).unwrap_err();
    assert!(matches!(err, web::tls::TlsError::NoKey(_)), "{err:?}");
    assert!(web::tls::TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).is_ok());
}
