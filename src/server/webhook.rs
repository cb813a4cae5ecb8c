//! The HTTP endpoint for Odoo's "Send Webhook Notification" automation. Odoo waits one
//! second and never retries, so the handler only checks the secret, queues the job durably
//! and answers 202; the work happens in the outbox worker.
//!
//! URL: `POST /odoo/webhook/<secret>` (or `/odoo/webhook` with an `X-Chantier-Secret`
//! header). Body: `{"_model": "crm.lead", "_id": 42, ...}`. Odoo's webhooks cannot send
//! headers, so the secret travels in the URL, which Odoo logs: several secrets are accepted
//! at once, so each automation rule has its own and one can be rotated without a gap.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chantier_estimator::app::App;
use serde_json::{Value, json};

#[derive(Clone)]
struct Hook {
    app: Arc<App>,
    secrets: Arc<[String]>,
}

/// Compares secrets in constant time, so response timing doesn't reveal a prefix.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn router(app: Arc<App>, secrets: Vec<String>) -> axum::Router {
    let hook = Hook {
        app,
        secrets: secrets.into(),
    };
    axum::Router::new()
        .route("/odoo/webhook", post(with_header))
        .route("/odoo/webhook/{secret}", post(with_path))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .with_state(hook)
}

async fn with_path(
    State(h): State<Hook>,
    Path(secret): Path<String>,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    handle(&h, &secret, &body).await
}

async fn with_header(
    State(h): State<Hook>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    let secret = headers
        .get("x-chantier-secret")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    handle(&h, &secret, &body).await
}

async fn handle(h: &Hook, secret: &str, body: &[u8]) -> (StatusCode, Json<Value>) {
    // Every secret is compared, so the timing doesn't tell which one nearly matched.
    let accepted = h.secrets.iter().fold(false, |ok, s| same(secret, s) | ok);
    if !accepted {
        tracing::warn!("webhook call with a wrong secret");
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "bad secret"})),
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "the body is not JSON"})),
        );
    };
    let model = v["_model"].as_str().unwrap_or_default();
    let Some(id) = v["_id"].as_i64().or_else(|| v["id"].as_i64()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "no _id in the body"})),
        );
    };
    if id <= 0 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("bad _id {id}")})),
        );
    }
    if model != "crm.lead" {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": format!("chantier answers crm.lead webhooks, not {model:?}")})),
        );
    }
    match h.app.request_proposal(id).await {
        Ok(key) => {
            tracing::info!(lead = id, job = %key, "proposal requested by Odoo");
            (StatusCode::ACCEPTED, Json(json!({"queued": key})))
        }
        Err(e) => {
            tracing::error!(lead = id, error = %e, "cannot queue a proposal");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": e.to_string()})),
            )
        }
    }
}
