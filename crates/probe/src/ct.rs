//! A Certificate Transparency log client (RFC 6962 JSON API): `get-sth` and `get-entries` in
//! batches, over the guarded [`Http`] (redirect guard, loopback refused unless the
//! configuration allows it, time and size limits).
//!
//! Each log has its own client and so its own pacing (one request at a time, at least
//! `min_interval` apart). A `429` is waited out as its `Retry-After` says (by [`Http`]); a
//! `5xx` or a failed connection is retried with a doubling backoff, a few times. A log may
//! answer fewer entries than asked: [`CtLogClient::batch`] returns what it gave and the caller
//! continues from there. A log that answers garbage, more entries than asked, none at all for a
//! range inside its tree, entries too large, or a tree smaller than before is an error for that
//! log ([`CtError`]); an entry that does not decode is returned as such (with its index), never
//! dropped silently. Tree head signatures are not verified.
//!
//! [`StaticLogClient`] reads static-CT (tile) logs the same way (checkpoint, data tiles);
//! [`Log`] is either.

use std::time::Duration;

use domains::ct::{
    AnswerError, Checkpoint, CtCert, LeafError, RawEntry, SignedTreeHead, TILE_WIDTH,
};
use url::Url;

use crate::http::{Http, HttpConfig, HttpError};
use crate::net::HostLimiter;

/// Limits of a log client.
#[derive(Debug, Clone)]
pub struct CtClientConfig {
    /// Entries asked for in one `get-entries`.
    pub batch: u64,
    /// The least time between two requests to the log.
    pub min_interval: Duration,
    /// Time limit of one request.
    pub timeout: Duration,
    /// The largest answer read (a `get-entries` of `batch` entries).
    pub max_body: usize,
    /// Retries after a `5xx` or a network error.
    pub retries: u32,
    /// The first wait before a retry (doubled each time).
    pub backoff: Duration,
    /// Allow loopback and private addresses (the lab).
    pub allow_private: bool,
}

impl Default for CtClientConfig {
    fn default() -> Self {
        CtClientConfig {
            batch: 256,
            min_interval: Duration::from_millis(100),
            timeout: Duration::from_secs(30),
            max_body: 32 << 20,
            retries: 4,
            backoff: Duration::from_millis(500),
            allow_private: false,
        }
    }
}

/// Why a log could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CtError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {error}")]
    Answer { url: String, error: AnswerError },
    #[error("the tree shrank from {was} to {now} entries")]
    Shrunk { was: u64, now: u64 },
    #[error("get-entries from {start} answered no entry though the tree has {tree_size}")]
    NoEntries { start: u64, tree_size: u64 },
    #[error("get-entries {start}..={end} answered {got} entries")]
    TooMany { start: u64, end: u64, got: usize },
    #[error("not a log URL: {0}")]
    BadUrl(String),
    #[error("data tile {tile}: {error}")]
    Tile { tile: u64, error: LeafError },
    #[error("data tile {tile} has {got} entries, {expected} expected")]
    TileWidth { tile: u64, expected: u64, got: u64 },
}

/// Entries read from a log, from `start` on (possibly fewer than asked).
#[derive(Debug, Clone)]
pub struct Batch {
    pub start: u64,
    /// Each entry decoded, or why not.
    pub entries: Vec<Result<CtCert, LeafError>>,
}

/// One log.
#[derive(Clone)]
pub struct CtLogClient {
    http: Http,
    base: Url,
    cfg: CtClientConfig,
}

/// One request with the retries of the module docs: the body of a `200`, else an error.
async fn get(
    http: &Http,
    base: &Url,
    cfg: &CtClientConfig,
    path: &str,
) -> Result<Vec<u8>, CtError> {
    let url = base
        .join(path)
        .map_err(|e| CtError::BadUrl(format!("{path}: {e}")))?;
    let mut wait = cfg.backoff;
    let mut attempt = 0u32;
    loop {
        let r = http.get(url.clone(), "application/json").await;
        let mut pause = wait;
        let retry = match &r {
            Ok(reply) if reply.status == 200 => break r.map(|r| r.body).map_err(Into::into),
            // Still rate limited after the waits `Http` did: wait as told, within bounds.
            Ok(reply) if reply.status == 429 => {
                pause = reply
                    .retry_after
                    .unwrap_or(wait)
                    .min(crate::net::MAX_RETRY_AFTER);
                true
            }
            Ok(reply) => reply.status >= 500,
            Err(HttpError::Timeout(_) | HttpError::Network { .. }) => true,
            Err(_) => false,
        };
        if !retry || attempt >= cfg.retries {
            return match r {
                Ok(reply) => Err(CtError::Status {
                    url: url.to_string(),
                    status: reply.status,
                }),
                Err(e) => Err(e.into()),
            };
        }
        tracing::debug!(%url, attempt, ?pause, "CT log: retrying");
        tokio::time::sleep(pause).await;
        wait = wait.saturating_mul(2).min(Duration::from_secs(60));
        attempt += 1;
    }
}

fn client_parts(base: &str, cfg: &CtClientConfig) -> Result<(Http, Url), CtError> {
    let mut b = base.trim().to_string();
    if !b.ends_with('/') {
        b.push('/');
    }
    let url = Url::parse(&b).map_err(|e| CtError::BadUrl(format!("{base}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CtError::BadUrl(url.to_string()));
    }
    let http = Http::new(
        HttpConfig {
            timeout: cfg.timeout,
            max_body: cfg.max_body,
            allow_private: cfg.allow_private,
            ..HttpConfig::default()
        },
        HostLimiter::new(1, cfg.min_interval),
    )?;
    Ok((http, url))
}

impl CtLogClient {
    /// A client for the log at `base` (`https://ct.example.net/2026h1/`; a missing trailing
    /// slash is added).
    pub fn new(base: &str, cfg: CtClientConfig) -> Result<CtLogClient, CtError> {
        let (http, base) = client_parts(base, &cfg)?;
        Ok(CtLogClient { http, base, cfg })
    }

    /// The log's base URL.
    pub fn url(&self) -> &Url {
        &self.base
    }

    async fn get(&self, path: &str) -> Result<Vec<u8>, CtError> {
        get(&self.http, &self.base, &self.cfg, path).await
    }

    /// The signed tree head. With `known`, the tree size seen before: a smaller tree is an
    /// error ([`CtError::Shrunk`]).
    pub async fn sth(&self, known: Option<u64>) -> Result<SignedTreeHead, CtError> {
        let body = self.get("ct/v1/get-sth").await?;
        let sth = domains::ct::parse_sth(&body).map_err(|error| CtError::Answer {
            url: self.base.to_string(),
            error,
        })?;
        if let Some(was) = known
            && sth.tree_size < was
        {
            return Err(CtError::Shrunk {
                was,
                now: sth.tree_size,
            });
        }
        Ok(sth)
    }

    /// The raw entries from `start` (at most the configured batch, none past `tree_size`).
    pub async fn raw_batch(&self, start: u64, tree_size: u64) -> Result<Vec<RawEntry>, CtError> {
        let end = start
            .saturating_add(self.cfg.batch.max(1))
            .min(tree_size)
            .saturating_sub(1);
        if start >= tree_size {
            return Ok(Vec::new());
        }
        let body = self
            .get(&format!("ct/v1/get-entries?start={start}&end={end}"))
            .await?;
        let entries = domains::ct::parse_entries(&body).map_err(|error| CtError::Answer {
            url: self.base.to_string(),
            error,
        })?;
        if entries.is_empty() {
            return Err(CtError::NoEntries { start, tree_size });
        }
        if entries.len() as u64 > end - start + 1 {
            return Err(CtError::TooMany {
                start,
                end,
                got: entries.len(),
            });
        }
        Ok(entries)
    }

    /// Entries from `start`, decoded.
    pub async fn batch(&self, start: u64, tree_size: u64) -> Result<Batch, CtError> {
        let raw = self.raw_batch(start, tree_size).await?;
        Ok(Batch {
            start,
            entries: raw.iter().map(domains::ct::decode_entry).collect(),
        })
    }
}

/// A static-CT (tile) log (c2sp.org/static-ct-api), by its monitoring prefix: the
/// `checkpoint` for the tree size, data tiles of 256 entries (the partial one at the right
/// edge as `.p/W`) for the entries. Same limits, pacing and retries as [`CtLogClient`];
/// checkpoint signatures are not verified.
#[derive(Clone)]
pub struct StaticLogClient {
    http: Http,
    base: Url,
    cfg: CtClientConfig,
}

impl StaticLogClient {
    pub fn new(prefix: &str, cfg: CtClientConfig) -> Result<StaticLogClient, CtError> {
        let (http, base) = client_parts(prefix, &cfg)?;
        Ok(StaticLogClient { http, base, cfg })
    }

    /// The checkpoint; with `known`, a smaller tree is an error.
    pub async fn checkpoint(&self, known: Option<u64>) -> Result<Checkpoint, CtError> {
        let body = get(&self.http, &self.base, &self.cfg, "checkpoint").await?;
        let cp = domains::ct::parse_checkpoint(&body).map_err(|error| CtError::Answer {
            url: self.base.to_string(),
            error,
        })?;
        if let Some(was) = known
            && cp.tree_size < was
        {
            return Err(CtError::Shrunk {
                was,
                now: cp.tree_size,
            });
        }
        Ok(cp)
    }

    /// The entries from `start` to the end of its data tile (none past `tree_size`).
    pub async fn batch(&self, start: u64, tree_size: u64) -> Result<Batch, CtError> {
        if start >= tree_size {
            return Ok(Batch {
                start,
                entries: Vec::new(),
            });
        }
        let tile = start / TILE_WIDTH;
        let width = (tree_size - tile * TILE_WIDTH).min(TILE_WIDTH);
        let path = domains::ct::data_tile_path(tile, width);
        let body = get(&self.http, &self.base, &self.cfg, &path).await?;
        let entries =
            domains::ct::decode_data_tile(&body).map_err(|error| CtError::Tile { tile, error })?;
        if entries.len() as u64 != width {
            return Err(CtError::TileWidth {
                tile,
                expected: width,
                got: entries.len() as u64,
            });
        }
        let skip = (start - tile * TILE_WIDTH) as usize;
        Ok(Batch {
            start,
            entries: entries.into_iter().skip(skip).collect(),
        })
    }
}

/// The prefix that names a static-CT log among log URLs (`static:https://...`).
pub const STATIC_PREFIX: &str = "static:";

/// A log of either API.
#[derive(Clone)]
pub enum Log {
    Rfc6962(CtLogClient),
    Static(StaticLogClient),
}

impl Log {
    /// An RFC 6962 log by its URL, or a static-CT log by `static:` and its monitoring prefix.
    pub fn open(url: &str, cfg: CtClientConfig) -> Result<Log, CtError> {
        match url.strip_prefix(STATIC_PREFIX) {
            Some(prefix) => Ok(Log::Static(StaticLogClient::new(prefix, cfg)?)),
            None => Ok(Log::Rfc6962(CtLogClient::new(url, cfg)?)),
        }
    }

    /// The tree size (a tree smaller than `known` is an error).
    pub async fn tree_size(&self, known: Option<u64>) -> Result<u64, CtError> {
        match self {
            Log::Rfc6962(c) => Ok(c.sth(known).await?.tree_size),
            Log::Static(c) => Ok(c.checkpoint(known).await?.tree_size),
        }
    }

    /// Entries from `start` (possibly fewer than the configured batch).
    pub async fn batch(&self, start: u64, tree_size: u64) -> Result<Batch, CtError> {
        match self {
            Log::Rfc6962(c) => c.batch(start, tree_size).await,
            Log::Static(c) => c.batch(start, tree_size).await,
        }
    }
}
