//! In-process TLS for the console (`serve --tls-cert FILE --tls-key FILE`): a PEM certificate
//! chain and its private key read into a rustls server configuration (the `ring` provider), and
//! a listener for `axum::serve` whose handshakes run on their own tasks, so that a client that
//! connects and says nothing never holds up the next one.
//!
//! Over TLS every `Set-Cookie` the console sends is marked `Secure` ([`secure_cookies`]),
//! whatever [`crate::Options::secure_cookies`] says.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, header};
use axum::response::Response;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in flight at once; the accept loop waits for a slot beyond that.
pub const MAX_HANDSHAKES: usize = 256;
/// The largest PEM file read.
const MAX_PEM: u64 = 1 << 20;

/// Why a certificate or key was refused.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: larger than 1 MiB, not a PEM certificate or key")]
    TooLarge(String),
    #[error("{0}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)")]
    NoCertificate(String),
    #[error("{0}: no PEM private key in it (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(String),
    #[error("{0}: not valid PEM: {1}")]
    Pem(String, String),
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("the certificate or key was refused: {0}")]
    Refused(String),
}

/// A server configuration ready to accept connections.
#[derive(Clone)]
pub struct TlsConfig {
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig")
    }
}

fn read_pem(path: &Path) -> Result<Vec<u8>, TlsError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let err = |source| TlsError::Read {
        path: shown.clone(),
        source,
    };
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .map_err(err)?
        .take(MAX_PEM + 1)
        .read_to_end(&mut buf)
        .map_err(err)?;
    if buf.len() as u64 > MAX_PEM {
        return Err(TlsError::TooLarge(shown));
    }
    Ok(buf)
}

impl TlsConfig {
    /// Reads the certificate chain (leaf first) and the private key, both PEM.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsConfig, TlsError> {
        let (c, k) = (read_pem(cert)?, read_pem(key)?);
        Self::from_pem_named(
            &c,
            &cert.display().to_string(),
            &k,
            &key.display().to_string(),
        )
    }

    /// The same from PEM text in memory.
    pub fn from_pem(cert: &[u8], key: &[u8]) -> Result<TlsConfig, TlsError> {
        Self::from_pem_named(cert, "the certificate", key, "the key")
    }

    fn from_pem_named(
        cert: &[u8],
        cert_name: &str,
        key: &[u8],
        key_name: &str,
    ) -> Result<TlsConfig, TlsError> {
        let chain = CertificateDer::pem_slice_iter(cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pem(cert_name.into(), e.to_string()))?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate(cert_name.into()));
        }
        let key = match PrivateKeyDer::from_pem_slice(key) {
            Ok(k) => k,
            Err(rustls::pki_types::pem::Error::NoItemsFound) => {
                return Err(TlsError::NoKey(key_name.into()));
            }
            Err(e) => return Err(TlsError::Pem(key_name.into(), e.to_string())),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Refused(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| match e {
                rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                    TlsError::KeyMismatch
                }
                e => TlsError::Refused(e.to_string()),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// A listener that hands `axum::serve` connections whose TLS handshake is done. The TCP accept
/// loop runs on its own task and starts one task per handshake (at most [`MAX_HANDSHAKES`] at
/// once, each given [`HANDSHAKE_TIMEOUT`]); a failed handshake is dropped.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accept_loop: JoinHandle<()>,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: &TlsConfig) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = config.acceptor.clone();
        let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        let accept_loop = tokio::spawn(async move {
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = tx.closed() => return,
                };
                let (tcp, addr) = match accepted {
                    Ok(a) => a,
                    Err(e) if is_connection_error(&e) => continue,
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let _slot = slot;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {addr}: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {addr}: timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            ready,
            local,
            accept_loop,
        })
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accept loop ended (it only does when this listener goes): nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Marks every cookie the response sets `Secure` (the connection is TLS).
pub async fn secure_cookies(mut resp: Response) -> Response {
    if let header::Entry::Occupied(mut cookies) = resp.headers_mut().entry(header::SET_COOKIE) {
        for v in cookies.iter_mut() {
            let secure = v.to_str().is_ok_and(|s| {
                s.split(';')
                    .any(|a| a.trim().eq_ignore_ascii_case("secure"))
            });
            if !secure {
                let mut bytes = v.as_bytes().to_vec();
                bytes.extend_from_slice(b"; Secure");
                if let Ok(nv) = HeaderValue::from_bytes(&bytes) {
                    *v = nv;
                }
            }
        }
    }
    resp
}
