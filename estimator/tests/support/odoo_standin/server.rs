//! The HTTP side: routes, the state shared by the handlers, request counters and the fault
//! injection that sits in front of every call (a proxy's 502, an HTML page, a hang, a reset).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use super::net::Doomed;
use super::orm::Db;
use super::transports;

/// What the network does to a request instead of answering it normally.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A gateway answering this status with its own HTML page (502, 503, 504...).
    Status(u16),
    /// A 200 HTML page instead of Odoo's answer: a captive portal or an SSO login page.
    Html,
    /// No answer for this long, then a gateway timeout page.
    Hang(Duration),
    /// The connection is reset (TCP RST) without an answer.
    Reset,
}

#[derive(Debug, Clone)]
pub struct Injection {
    /// `(model, method)`, `("common", method)` or `("web", "version")`; None: any request.
    pub target: Option<(String, String)>,
    pub remaining: usize,
    pub failure: Failure,
    /// The call is carried out (and committed) before the failure replaces its answer.
    pub after_commit: bool,
}

/// Who the stand-in accepts.
#[derive(Debug, Clone)]
pub struct Identity {
    pub major: u32,
    pub saas_minor: Option<u32>,
    pub web_version_route: bool,
    pub db: String,
    pub user: String,
    pub uid: i64,
    pub password: String,
    pub key: String,
}

impl Identity {
    /// "19.0", or "saas~18.3".
    pub fn version(&self) -> String {
        match self.saas_minor {
            Some(minor) => format!("saas~{}.{minor}", self.major),
            None => format!("{}.0", self.major),
        }
    }

    /// `version_info`: `[19, 0, 0, "final", 0, ""]`, or `["saas~18", 3, 0, "final", 0, ""]`.
    pub fn version_info(&self) -> serde_json::Value {
        match self.saas_minor {
            Some(minor) => {
                serde_json::json!([format!("saas~{}", self.major), minor, 0, "final", 0, ""])
            }
            None => serde_json::json!([self.major, 0, 0, "final", 0, ""]),
        }
    }

    pub fn is_recorded_version(&self) -> bool {
        self.major == 19 && self.saas_minor.is_none()
    }

    /// A password or API key of the user.
    pub fn accepts(&self, secret: &str) -> bool {
        secret == self.key || secret == self.password
    }
}

pub struct Shared {
    pub id: Identity,
    pub db: Mutex<Db>,
    pub injections: Mutex<Vec<Injection>>,
    pub calls: Mutex<BTreeMap<(String, String), usize>>,
    pub requests: AtomicUsize,
    pub doomed: Doomed,
}

impl Shared {
    pub fn new(id: Identity) -> Shared {
        Shared {
            db: Mutex::new(Db::new(id.major, id.uid)),
            id,
            injections: Mutex::default(),
            calls: Mutex::default(),
            requests: AtomicUsize::new(0),
            doomed: Doomed::default(),
        }
    }

    fn injection(&self, target: &(String, String), after_commit: bool) -> Option<Failure> {
        let mut all = self.injections.lock().unwrap();
        let pos = all.iter().position(|i| {
            i.after_commit == after_commit
                && i.remaining > 0
                && i.target.as_ref().is_none_or(|t| t == target)
        })?;
        all[pos].remaining -= 1;
        let failure = all[pos].failure.clone();
        if all[pos].remaining == 0 {
            all.remove(pos);
        }
        Some(failure)
    }

    /// Counts the request, lets an injected failure answer instead of `work`, before or
    /// after `work` has run.
    pub async fn serve(
        &self,
        peer: SocketAddr,
        target: (String, String),
        work: impl FnOnce() -> Response,
    ) -> Response {
        self.requests.fetch_add(1, Ordering::SeqCst);
        *self
            .calls
            .lock()
            .unwrap()
            .entry(target.clone())
            .or_default() += 1;
        if let Some(f) = self.injection(&target, false) {
            return self.fail(f, peer).await;
        }
        let answer = work();
        match self.injection(&target, true) {
            Some(f) => self.fail(f, peer).await,
            None => answer,
        }
    }

    async fn fail(&self, failure: Failure, peer: SocketAddr) -> Response {
        match failure {
            Failure::Status(code) => gateway_page(code),
            Failure::Html => html(
                200,
                "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body>\
                 <h1>Corporate proxy</h1><form method=\"post\" action=\"/login\">\
                 <input name=\"user\"><input name=\"password\" type=\"password\"></form>\
                 </body></html>\n"
                    .into(),
            ),
            Failure::Hang(d) => {
                tokio::time::sleep(d).await;
                gateway_page(504)
            }
            Failure::Reset => {
                self.doomed.lock().unwrap().insert(peer);
                html(200, String::new())
            }
        }
    }
}

pub fn html(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "text/html; charset=utf-8")], body).into_response()
}

/// An nginx error page.
fn gateway_page(code: u16) -> Response {
    let reason = StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    html(
        code,
        format!(
            "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
             <center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
             </body>\r\n</html>\r\n"
        ),
    )
}

/// werkzeug's page for a route the server does not have.
pub fn not_found_page() -> Response {
    html(
        404,
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n\
         <p>The requested URL was not found on the server. If you entered the URL manually \
         please check your spelling and try again.</p>\n"
            .into(),
    )
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/web/version", get(transports::web_version))
        .route("/json/version", get(transports::web_version))
        .route("/json/2/{model}/{method}", any(transports::json2))
        .route("/xmlrpc/2/{service}", post(transports::xmlrpc))
        .route("/jsonrpc", post(transports::jsonrpc))
        .fallback(|| async { not_found_page() })
        .with_state(shared)
}
