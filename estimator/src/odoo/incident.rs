//! Site safety incidents as `project.task` records on the site's project: the snapshot
//! attached and posted in the chatter, the safety team subscribed as followers.
//!
//! Idempotent by the task name, which carries the event id: an alert sent again after a
//! timeout finds its task instead of opening a second one.

use base64::Engine;
use serde_json::{Map, json};

use super::push::first_id;
use super::{OdooClient, OdooError};

/// One incident, as the vision side describes it; no vision types cross into this crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Unique per violation event; ends the task name.
    pub event_id: String,
    pub project_id: i64,
    pub camera: String,
    /// Machine name of the rule (`no_helmet`, `no_vest`, `restricted_zone`).
    pub rule: String,
    pub zone: Option<String>,
    pub track_id: u64,
    pub confidence: f32,
    /// When the violation started, RFC 3339.
    pub started_at: String,
    pub snapshot_jpeg: Option<Vec<u8>>,
    /// `res.partner` ids of the safety team.
    pub followers: Vec<i64>,
}

/// What the incident became in Odoo.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentTask {
    pub task_id: i64,
    pub created: bool,
    pub attachment_id: Option<i64>,
}

/// French first (the site's language), English after, as the proposals are.
fn rule_text(rule: &str) -> (&'static str, &'static str) {
    match rule {
        "no_helmet" => ("Casque manquant", "No hard hat"),
        "no_vest" => ("Gilet haute visibilité manquant", "No high-visibility vest"),
        "restricted_zone" => ("Présence en zone interdite", "Person in a restricted zone"),
        _ => ("Infraction de sécurité", "Safety violation"),
    }
}

pub fn task_name(i: &Incident) -> String {
    let (fr, _) = rule_text(&i.rule);
    format!(
        "Sécurité : {fr} – {} – personne #{} [{}]",
        i.camera, i.track_id, i.event_id
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn description(i: &Incident) -> String {
    let (fr, en) = rule_text(&i.rule);
    let zone = i.zone.as_deref().map(escape).unwrap_or_else(|| "–".into());
    format!(
        "<p><b>{fr}</b> / <i>{en}</i></p><ul>\
         <li>Caméra / Camera : {cam}</li><li>Zone : {zone}</li>\
         <li>Personne suivie / Tracked person : #{track}</li>\
         <li>Début / Started : {at}</li><li>Confiance / Confidence : {conf:.0} %</li>\
         <li>Événement / Event : {id}</li></ul>\
         <p>Détecté automatiquement par chantier ; à vérifier sur la photo jointe. \
         <i>Detected automatically by chantier; check the attached snapshot.</i></p>",
        cam = escape(&i.camera),
        track = i.track_id,
        at = escape(&i.started_at),
        conf = i.confidence * 100.0,
        id = escape(&i.event_id),
    )
}

/// Find or create the incident's task, attach the snapshot, post it, subscribe followers.
pub async fn open_incident(odoo: &OdooClient, i: &Incident) -> Result<IncidentTask, OdooError> {
    let name = task_name(i);
    let found = odoo
        .search_read(
            "project.task",
            json!([["name", "=", name], ["project_id", "=", i.project_id]]),
            &["id"],
            Some(1),
        )
        .await?;
    if let Some(id) = found.first().and_then(|t| t["id"].as_i64()) {
        return Ok(IncidentTask {
            task_id: id,
            created: false,
            attachment_id: None,
        });
    }
    let vals = json!({
        "name": name,
        "project_id": i.project_id,
        "description": description(i),
        "priority": "1",
    });
    let task_id = first_id(odoo.create("project.task", vec![vals]).await?)?;
    let attachment_id = match &i.snapshot_jpeg {
        Some(jpeg) => Some(attach(odoo, task_id, &format!("{}.jpg", i.event_id), jpeg).await?),
        None => None,
    };
    let (fr, en) = rule_text(&i.rule);
    let body = format!("<p>{fr} / {en} – {}</p>", escape(&i.camera));
    odoo.message_post("project.task", task_id, &body, attachment_id.as_slice())
        .await?;
    if !i.followers.is_empty() {
        let mut kw = Map::new();
        kw.insert("partner_ids".into(), json!(i.followers));
        odoo.call("project.task", "message_subscribe", Some(&[task_id]), kw)
            .await?;
    }
    Ok(IncidentTask {
        task_id,
        created: true,
        attachment_id,
    })
}

/// A better snapshot or the end of the violation, as a note on the task.
pub async fn note_incident(
    odoo: &OdooClient,
    task_id: i64,
    body: &str,
    snapshot: Option<(&str, &[u8])>,
) -> Result<(), OdooError> {
    let attachment = match snapshot {
        Some((name, jpeg)) => Some(attach(odoo, task_id, name, jpeg).await?),
        None => None,
    };
    odoo.message_post(
        "project.task",
        task_id,
        &format!("<p>{}</p>", escape(body)),
        attachment.as_slice(),
    )
    .await?;
    Ok(())
}

async fn attach(
    odoo: &OdooClient,
    task_id: i64,
    name: &str,
    jpeg: &[u8],
) -> Result<i64, OdooError> {
    let datas = base64::engine::general_purpose::STANDARD.encode(jpeg);
    let vals = json!({"name": name, "type": "binary", "datas": datas, "res_model": "project.task",
        "res_id": task_id, "mimetype": "image/jpeg"});
    first_id(odoo.create("ir.attachment", vec![vals]).await?)
}

/// The task a previous alert opened, by its event id (after a restart).
pub async fn find_incident(odoo: &OdooClient, event_id: &str) -> Result<Option<i64>, OdooError> {
    let rows = odoo
        .search_read(
            "project.task",
            json!([["name", "like", format!("[{event_id}]")]]),
            &["id"],
            Some(1),
        )
        .await?;
    Ok(rows.first().and_then(|r| r["id"].as_i64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions_are_french_first_and_escaped() {
        let i = Incident {
            event_id: "cour-3-no_helmet-1700000001000".into(),
            project_id: 7,
            camera: "cour <nord>".into(),
            rule: "no_helmet".into(),
            zone: None,
            track_id: 3,
            confidence: 0.87,
            started_at: "2026-11-25T08:00:00Z".into(),
            snapshot_jpeg: None,
            followers: vec![],
        };
        assert_eq!(
            task_name(&i),
            "Sécurité : Casque manquant – cour <nord> – personne #3 [cour-3-no_helmet-1700000001000]"
        );
        let d = description(&i);
        assert!(
            d.contains("cour &lt;nord&gt;") && d.contains("No hard hat") && d.contains("87 %"),
            "{d}"
        );
    }
}
