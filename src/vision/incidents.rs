//! The Odoo alert sink: each violation event opens an incident task on the site's project
//! (snapshot attached, safety team following), better snapshots and the end are noted on it.
//!
//! Odoo can be slow or down for a long while: each step is an outbox job, stored when the
//! event happens and retried with backoff (across restarts) by the outbox worker, so the
//! cameras never wait for Odoo and no incident is lost.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chantier_estimator::app::{App, Outcome};
use chantier_estimator::odoo::incident::{Incident, find_incident, note_incident, open_incident};
use chantier_estimator::odoo::{OdooClient, OdooConfig, OdooError};
use chantier_estimator::store::Job;
use chantier_vision::events::{Event, EventKind};
use serde::{Deserialize, Serialize};

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

/// Outbox job kind of one incident step (open, better snapshot, end).
pub const JOB_INCIDENT: &str = "odoo_incident";

/// One step of an incident as stored in the outbox until Odoo has it.
#[derive(Debug, Serialize, Deserialize)]
struct Step {
    kind: String,
    event_id: String,
    project_id: i64,
    camera: String,
    rule: String,
    zone: Option<String>,
    track_id: u64,
    confidence: f32,
    started_at: String,
    at: String,
    at_ms: i64,
    snapshot_jpeg: Option<String>,
    followers: Vec<i64>,
}

fn step(e: &Event, routing: &Routing) -> Option<serde_json::Value> {
    let Some(project_id) = routing.project(&e.camera) else {
        tracing::warn!(camera = %e.camera, "no Odoo project for this camera; incident not sent");
        return None;
    };
    let s = Step {
        kind: match e.kind {
            EventKind::Start => "start",
            EventKind::Update => "update",
            EventKind::End => "end",
        }
        .into(),
        event_id: e.id.clone(),
        project_id,
        camera: e.camera.clone(),
        rule: e.rule.as_str().into(),
        zone: e.zone.clone(),
        track_id: e.track_id,
        confidence: e.confidence,
        started_at: rfc3339(e.started_at_ms),
        at: rfc3339(e.at_ms),
        at_ms: e.at_ms,
        snapshot_jpeg: e.snapshot.as_ref().map(|s| B64.encode(s.as_slice())),
        followers: routing.followers.clone(),
    };
    serde_json::to_value(s).ok()
}

/// Registers the incident job runner and queues one job per event step. Steps are stored
/// before Odoo is called, so an Odoo that is down for a while, or a restart, loses none.
pub fn spawn(
    hub: &Hub,
    odoo: OdooConfig,
    routing: Routing,
    app: &Arc<App>,
) -> Result<tokio::task::JoinHandle<()>, OdooError> {
    let client = Arc::new(OdooClient::new(odoo)?);
    app.register_jobs(
        JOB_INCIDENT,
        Arc::new(move |job: Job| {
            let odoo = client.clone();
            Box::pin(async move { run(&odoo, &job).await })
        }),
    );
    Ok(tokio::spawn(super::outbox::enqueue_events(
        hub.clone(),
        app.clone(),
        JOB_INCIDENT,
        move |e| step(e, &routing),
    )))
}

fn outcome(e: OdooError) -> Outcome {
    if e.is_transient() {
        Outcome::Retry(e.to_string())
    } else {
        Outcome::Fail(e.to_string())
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

/// One attempt at one step; the outbox retries it.
async fn run(odoo: &OdooClient, job: &Job) -> Outcome {
    let s: Step = match serde_json::from_str(&job.payload) {
        Ok(s) => s,
        Err(e) => return Outcome::Fail(format!("bad payload: {e}")),
    };
    let snapshot = match s
        .snapshot_jpeg
        .as_deref()
        .map(|b| B64.decode(b))
        .transpose()
    {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("bad snapshot: {e}")),
    };
    if s.kind == "start" {
        let incident = Incident {
            event_id: s.event_id.clone(),
            project_id: s.project_id,
            camera: s.camera,
            rule: s.rule,
            zone: s.zone,
            track_id: s.track_id,
            confidence: s.confidence,
            started_at: s.started_at,
            snapshot_jpeg: snapshot,
            followers: s.followers,
        };
        // Finds the task first: a retried start never opens a second one.
        return match open_incident(odoo, &incident).await {
            Ok(t) => {
                tracing::info!(task = t.task_id, event = %s.event_id, created = t.created, "Odoo incident task");
                Outcome::Done(t.task_id.to_string())
            }
            Err(e) => outcome(e),
        };
    }
    let task = match find_incident(odoo, &s.event_id).await {
        Ok(Some(t)) => t,
        // Its start is still on the way (retried after an Odoo error).
        Ok(None) => return Outcome::Retry(format!("no incident task for {} yet", s.event_id)),
        Err(e) => return outcome(e),
    };
    let (body, snap) = if s.kind == "end" {
        (
            format!("Fin de l'infraction / Violation ended ({})", s.at),
            None,
        )
    } else {
        ("Meilleure photo / Better snapshot".to_string(), snapshot)
    };
    let name = format!("{}-{}.jpg", s.event_id, s.at_ms);
    match note_incident(
        odoo,
        task,
        &body,
        snap.as_deref().map(|b| (name.as_str(), b)),
    )
    .await
    {
        Ok(()) => Outcome::Done(task.to_string()),
        Err(e) => outcome(e),
    }
}
