//! Safety incidents against a real Odoo with the Project app, when ODOO_URL, ODOO_DB,
//! ODOO_USER and ODOO_KEY are all set; otherwise the test says it is skipped and passes.
//! It opens an incident on a project of its own, checks the task, its snapshot and
//! followers, opens it again (same task), and removes what it created.

use chantier_estimator::odoo::incident::{Incident, note_incident, open_incident};
use chantier_estimator::odoo::{OdooClient, OdooConfig};
use serde_json::{Map, Value, json};

const VARS: [&str; 4] = ["ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_KEY"];

fn live() -> Option<OdooConfig> {
    let missing: Vec<&str> = VARS
        .iter()
        .copied()
        .filter(|v| std::env::var(v).map_or(true, |x| x.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "incident_live: skipped, no real Odoo configured ({} not set)",
            missing.join(", ")
        );
        return None;
    }
    OdooConfig::from_env()
}

async fn unlink(odoo: &OdooClient, model: &str, ids: &[i64]) {
    if !ids.is_empty() {
        let _ = odoo.call(model, "unlink", Some(ids), Map::new()).await;
    }
}

#[tokio::test]
async fn incident_task_on_a_real_odoo() {
    let Some(config) = live() else { return };
    let odoo = OdooClient::new(config).unwrap();
    let tag = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let project = odoo
        .create(
            "project.project",
            vec![json!({"name": format!("chantier test {tag}")})],
        )
        .await
        .unwrap()[0];
    let partner = odoo
        .create(
            "res.partner",
            vec![json!({"name": format!("Sécurité {tag}")})],
        )
        .await
        .unwrap()[0];
    let incident = Incident {
        event_id: format!("live-{tag}"),
        project_id: project,
        camera: "grue".into(),
        rule: "no_vest".into(),
        zone: Some("zone EPI".into()),
        track_id: 4,
        confidence: 0.8,
        started_at: "2026-11-25T08:00:00+00:00".into(),
        // The smallest valid JPEG is not needed: Odoo stores any bytes as an attachment.
        snapshot_jpeg: Some(b"\xff\xd8\xff\xd9".to_vec()),
        followers: vec![partner],
    };
    let result = async {
        let first = open_incident(&odoo, &incident).await?;
        let again = open_incident(&odoo, &incident).await?;
        note_incident(
            &odoo,
            first.task_id,
            "Fin de l'infraction / Violation ended",
            None,
        )
        .await?;
        Ok::<_, chantier_estimator::odoo::OdooError>((first, again))
    }
    .await;
    let tasks = odoo
        .search_read(
            "project.task",
            json!([["project_id", "=", project]]),
            &["id", "name", "message_partner_ids"],
            None,
        )
        .await
        .unwrap_or_default();
    let task_ids: Vec<i64> = tasks.iter().filter_map(|t| t["id"].as_i64()).collect();
    unlink(&odoo, "project.task", &task_ids).await;
    unlink(&odoo, "project.project", &[project]).await;
    unlink(&odoo, "res.partner", &[partner]).await;

    let (first, again) = result.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(again.task_id, first.task_id);
    assert_eq!(tasks.len(), 1);
    let followers: Vec<i64> = tasks[0]["message_partner_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert!(followers.contains(&partner), "{followers:?}");
    assert!(first.attachment_id.is_some());
}
