//! The event hub: every camera's and stream's events, fanned out to watchers and alert sinks.
//!
//! A broadcast channel: a slow watcher lags and is told how many events it missed, it
//! never holds the cameras back.

use std::sync::Arc;

use chantier_vision::events::Event;
use tokio::sync::broadcast;

#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Event>>,
    metrics: super::metrics::Metrics,
}

impl Hub {
    pub fn new(capacity: usize, metrics: super::metrics::Metrics) -> Hub {
        let (tx, _) = broadcast::channel(capacity.max(16));
        Hub { tx, metrics }
    }

    pub fn publish(&self, event: Event) {
        self.metrics.event(&event);
        tracing::info!(camera = %event.camera, kind = ?event.kind, rule = event.rule.as_str(), track = event.track_id, id = %event.id, "safety event");
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    pub fn metrics(&self) -> &super::metrics::Metrics {
        &self.metrics
    }
}
