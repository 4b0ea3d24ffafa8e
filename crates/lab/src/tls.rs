//! HTTPS for the lab's web sites (MTA-STS policies are only fetched over HTTPS, RFC 8461 3.3):
//! a lab CA made with `rcgen` at start signs one certificate for every named site host; the
//! lab's network configuration carries the CA (`extra_roots_pem`) for clients to trust.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Time a client gets to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// The lab CA (PEM, for clients) and the server configuration with the sites' certificate.
pub(crate) struct SiteTls {
    pub ca_pem: String,
    pub acceptor: TlsAcceptor,
}

/// A CA and one certificate for `hosts` signed by it.
pub(crate) fn site_tls(hosts: &[String]) -> Result<SiteTls, String> {
    let e = |what: &str, err: &dyn std::fmt::Display| format!("lab TLS {what}: {err}");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca_key = KeyPair::generate().map_err(|x| e("CA key", &x))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|x| e("CA", &x))?;
    ca.distinguished_name
        .push(DnType::CommonName, "domwatch lab web CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).map_err(|x| e("CA", &x))?;
    let issuer = Issuer::new(ca, ca_key);
    let mut names: Vec<String> = hosts.to_vec();
    names.sort();
    names.dedup();
    if names.is_empty() {
        names.push("localhost".into());
    }
    let key = KeyPair::generate().map_err(|x| e("key", &x))?;
    let leaf = CertificateParams::new(names)
        .map_err(|x| e("certificate", &x))?
        .signed_by(&key, &issuer)
        .map_err(|x| e("certificate", &x))?;
    let chain = vec![
        CertificateDer::from(leaf.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|x| e("configuration", &x))?;
    Ok(SiteTls {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

/// A TLS listener for `axum::serve`. Handshakes run in the accept call, one at a time, each
/// within [`HANDSHAKE_TIMEOUT`]: enough for a test peer, not for a public server.
pub(crate) struct Listener {
    pub tcp: TcpListener,
    pub acceptor: TlsAcceptor,
}

impl axum::serve::Listener for Listener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            if let Ok(Ok(tls)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(tcp)).await
            {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
