//! The Odoo alert sink: each violation event opens an incident task on the site's project
//! (snapshot attached, safety team following), better snapshots and the end are noted on it.
//!
//! Odoo can be slow or down for minutes; each call is retried with backoff, and the sink
//! works through events in order on its own task, so the cameras never wait for Odoo.

use std::collections::HashMap;
use std::time::Duration;

use chantier_estimator::odoo::incident::{Incident, find_incident, note_incident, open_incident};
use chantier_estimator::odoo::{OdooClient, OdooConfig, OdooError};
use chantier_vision::events::{Event, EventKind};
use tokio::sync::broadcast::error::RecvError;

use super::config::AlertsSection;
use super::hub::Hub;

/// Where each camera's incidents go.
#[derive(Debug, Clone)]
pub struct Routing {
    pub default_project: Option<i64>,
    pub projects: HashMap<String, i64>,
    pub followers: Vec<i64>,
}

impl Routing {
    pub fn new(alerts: &AlertsSection, cameras: &[super::config::CameraSection]) -> Routing {
        Routing {
            default_project: alerts.odoo_project_id,
            projects: cameras
                .iter()
                .filter_map(|c| Some((c.name.clone(), c.odoo_project_id?)))
                .collect(),
            followers: alerts.odoo_followers.clone(),
        }
    }

    fn project(&self, camera: &str) -> Option<i64> {
        self.projects.get(camera).copied().or(self.default_project)
    }
}

pub fn spawn(
    hub: &Hub,
    odoo: OdooConfig,
    routing: Routing,
) -> Result<tokio::task::JoinHandle<()>, OdooError> {
    let client = OdooClient::new(odoo)?;
    let rx = hub.subscribe();
    Ok(tokio::spawn(run(client, rx, routing)))
}

async fn retry<T, F, Fut>(what: &str, mut f: F) -> Result<T, OdooError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, OdooError>>,
{
    let mut wait = Duration::from_secs(1);
    for attempt in 1.. {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() && attempt < 5 => {
                tracing::warn!(error = %e, attempt, "Odoo {what} failed; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

async fn run(
    odoo: OdooClient,
    mut rx: tokio::sync::broadcast::Receiver<std::sync::Arc<Event>>,
    routing: Routing,
) {
    // Event id -> task id, for the updates and the end of events this process opened.
    let mut tasks: HashMap<String, i64> = HashMap::new();
    loop {
        let e = match rx.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "Odoo incident sink fell behind; events skipped");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let Some(project_id) = routing.project(&e.camera) else {
            tracing::warn!(camera = %e.camera, "no Odoo project for this camera; incident not sent");
            continue;
        };
        let result = match e.kind {
            EventKind::Start => {
                let incident = Incident {
                    event_id: e.id.clone(),
                    project_id,
                    camera: e.camera.clone(),
                    rule: e.rule.as_str().into(),
                    zone: e.zone.clone(),
                    track_id: e.track_id,
                    confidence: e.confidence,
                    started_at: rfc3339(e.started_at_ms),
                    snapshot_jpeg: e.snapshot.as_ref().map(|s| s.to_vec()),
                    followers: routing.followers.clone(),
                };
                retry("incident", || open_incident(&odoo, &incident)).await.map(|t| {
                    tracing::info!(task = t.task_id, event = %e.id, created = t.created, "Odoo incident task");
                    tasks.insert(e.id.clone(), t.task_id);
                })
            }
            EventKind::Update | EventKind::End => {
                let task = match tasks.get(&e.id) {
                    Some(t) => Ok(Some(*t)),
                    None => retry("incident lookup", || find_incident(&odoo, &e.id)).await,
                };
                match task {
                    Ok(Some(task)) => {
                        let (body, snap) = if e.kind == EventKind::End {
                            tasks.remove(&e.id);
                            (
                                format!(
                                    "Fin de l'infraction / Violation ended ({})",
                                    rfc3339(e.at_ms)
                                ),
                                None,
                            )
                        } else {
                            (
                                "Meilleure photo / Better snapshot".to_string(),
                                e.snapshot.as_ref(),
                            )
                        };
                        let name = format!("{}-{}.jpg", e.id, e.at_ms);
                        retry("incident note", || {
                            note_incident(
                                &odoo,
                                task,
                                &body,
                                snap.map(|s| (name.as_str(), s.as_slice())),
                            )
                        })
                        .await
                    }
                    Ok(None) => Ok(()),
                    Err(err) => Err(err),
                }
            }
        };
        if let Err(err) = result {
            tracing::error!(event = %e.id, error = %err, "Odoo incident not recorded");
        }
    }
}
