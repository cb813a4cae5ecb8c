//! Events into the outbox: each alert sink that talks to an outside system (webhook, Odoo)
//! stores one job per event before anything is sent, so a sink that is down for minutes, or
//! a restart, loses nothing; the outbox worker delivers with retries and backoff.

use std::sync::Arc;
use std::time::Duration;

use chantier_estimator::app::App;
use chantier_estimator::store::NewJob;
use chantier_vision::events::Event;
use tokio::sync::broadcast::error::RecvError;

use super::hub::Hub;

/// Delivered alerts are kept this long (their snapshots are in the payload), then purged.
const KEEP_DONE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Queues a `kind` job for every event `job` gives a payload for, until the hub closes.
pub async fn enqueue_events(
    hub: Hub,
    app: Arc<App>,
    kind: &'static str,
    job: impl Fn(&Event) -> Option<serde_json::Value> + Send + 'static,
) {
    let mut rx = hub.subscribe();
    let mut purge = tokio::time::interval(Duration::from_secs(3600));
    loop {
        let e = tokio::select! {
            r = rx.recv() => match r {
                Ok(e) => e,
                Err(RecvError::Lagged(n)) => {
                    tracing::error!(missed = n, sink = kind, "alert sink fell behind the cameras; events not queued");
                    continue;
                }
                Err(RecvError::Closed) => return,
            },
            _ = purge.tick() => {
                let before = chrono::Utc::now().timestamp_millis() - KEEP_DONE.as_millis() as i64;
                match app.store.purge_done(kind, before).await {
                    Ok(n) if n > 0 => tracing::info!(purged = n, sink = kind, "delivered alerts purged"),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "purging delivered alerts failed"),
                }
                continue;
            }
        };
        let Some(payload) = job(&e) else { continue };
        let new = NewJob {
            kind: kind.into(),
            key: format!("{kind}:{}:{:?}:{}", e.id, e.kind, e.at_ms),
            payload: payload.to_string(),
        };
        if let Err(err) = app.queue(&new).await {
            tracing::error!(error = %err, event = %e.id, sink = kind, "alert not queued: the database refused it");
        }
    }
}
