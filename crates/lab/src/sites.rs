//! HTTP sites: phishing pages, parked pages, cloud "no such bucket" pages. One listener per
//! simulated web address; the Host header picks the site.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::scenario::Site;

#[derive(Clone)]
struct Sites {
    sites: Arc<Vec<Site>>,
    requests: Arc<crate::shared::Requests>,
}

/// The router for every site of one simulated address.
pub(crate) fn router(all: &[Site], ip: IpAddr, requests: Arc<crate::shared::Requests>) -> Router {
    let sites: Vec<Site> = all.iter().filter(|s| s.ip == ip).cloned().collect();
    Router::new().fallback(serve).with_state(Sites {
        sites: Arc::new(sites),
        requests,
    })
}

async fn serve(State(st): State<Sites>, headers: HeaderMap) -> Response {
    crate::shared::Requests::count(&st.requests.web);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            let h = h.rsplit_once(':').map_or(h, |(a, p)| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    a
                } else {
                    h
                }
            });
            h.trim_end_matches('.').to_ascii_lowercase()
        })
        .unwrap_or_default();
    let site = st
        .sites
        .iter()
        .find(|s| s.hosts.contains(&host))
        .or_else(|| st.sites.iter().find(|s| s.hosts.is_empty()));
    let Some(site) = site else {
        return (StatusCode::NOT_FOUND, "no site for this host name\n").into_response();
    };
    let status = StatusCode::from_u16(site.status).unwrap_or(StatusCode::OK);
    let mut r = (status, site.body.clone()).into_response();
    if let Ok(v) = HeaderValue::from_str(&site.content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("domwatch-lab"));
    r
}
