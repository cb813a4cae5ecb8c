//! Safety incidents into Odoo through the real `chantier serve` binary and the Odoo stand-in
//! (answers recorded from a real Odoo 19): a violation opens one `project.task` on the site's
//! project with the snapshot attached and posted, the safety team following; its end is
//! noted on the same task; a gateway error on the way is retried, not lost.

#[path = "../estimator/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use chantier_proto::v1 as pb;
use chantier_proto::v1::vision_service_client::VisionServiceClient;
use serde_json::{Value, json};
use support::odoo_standin::{self, Failure};
use tokio_stream::StreamExt;

fn frame(at: i64) -> pb::AnalyzeRequest {
    let img = image::RgbImage::from_pixel(256, 128, image::Rgb([90, 90, 90]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    pb::AnalyzeRequest {
        kind: Some(pb::analyze_request::Kind::Frame(pb::Frame {
            image: jpeg.into_inner(),
            timestamp_ms: at,
        })),
    }
}

#[tokio::test]
async fn a_violation_opens_one_incident_task_with_snapshot_and_followers() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let project = odoo.create("project.project", json!({"name": "Chantier Les Tilleuls"}));
    let safety = odoo.create("res.partner", json!({"name": "Responsable sécurité"}));
    let foreman = odoo.create("res.partner", json!({"name": "Chef de chantier"}));
    // The first task creation meets a gateway error: the sink retries.
    odoo.fail_call("project.task", "create", 1, Failure::Status(502));

    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vision/tests/fixtures/yolo11-layout.onnx"
    );
    let project_s = project.to_string();
    let followers = format!("{safety},{foreman}");
    let data = tempfile::tempdir().unwrap();
    let (_server, ch) = common::start(
        "chantier.v1.VisionService",
        &[],
        &[
            ("CHANTIER_MODEL", model),
            ("CHANTIER_ODOO_URL", odoo.url.as_str()),
            ("CHANTIER_ODOO_DB", odoo.db.as_str()),
            ("CHANTIER_ODOO_USER", odoo.user.as_str()),
            ("CHANTIER_ODOO_KEY", odoo.key.as_str()),
            ("CHANTIER_ALERT_ODOO_PROJECT", project_s.as_str()),
            ("CHANTIER_ALERT_ODOO_FOLLOWERS", followers.as_str()),
        ],
        data,
    )
    .await;
    let mut c = VisionServiceClient::new(ch);
    let base = 1_764_000_000_000i64;
    let mut msgs = vec![pb::AnalyzeRequest {
        kind: Some(pb::analyze_request::Kind::Config(pb::StreamConfig {
            camera: "grue-nord".into(),
            safety: Some(pb::SafetySettings {
                require_vest: Some(false),
                min_person_height: Some(10.0),
                ..Default::default()
            }),
            events: Some(pb::EventSettings {
                persist_secs: Some(0.5),
                end_after_secs: Some(2.0),
                cooldown_secs: Some(60.0),
            }),
        })),
    }];
    msgs.extend((0..6).map(|i| frame(base + i * 250)));
    let mut out = c
        .analyze_stream(tokio_stream::iter(msgs))
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while let Some(m) = out.next().await {
        if let Some(pb::analyze_response::Kind::Event(e)) = m.unwrap().kind {
            events.push(e);
        }
    }
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["start", "end"]
    );
    let id = events[0].id.clone();

    // The sink runs beside the stream: wait for the end note to reach the task.
    let mut tasks = Vec::new();
    for _ in 0..100 {
        tasks = odoo.records("project.task");
        let notes = odoo
            .messages()
            .iter()
            .filter(|m| m["body"].as_str().unwrap_or("").contains("Violation ended"))
            .count();
        if !tasks.is_empty() && notes > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        tasks.len(),
        1,
        "one task per violation, even after a retried create: {tasks:?}"
    );
    let task = &tasks[0];
    let task_id = task["id"].as_i64().unwrap();
    let name = task["name"].as_str().unwrap();
    assert!(
        name.starts_with("Sécurité : Casque manquant – grue-nord"),
        "{name}"
    );
    assert!(name.contains(&id), "{name}");
    assert_eq!(
        task["project_id"]
            .as_i64()
            .or_else(|| task["project_id"][0].as_i64()),
        Some(project)
    );
    assert_eq!(task["priority"], "1");
    assert!(
        task["description"]
            .as_str()
            .unwrap()
            .contains("No hard hat")
    );
    let mut following: Vec<i64> = task["message_partner_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    following.sort();
    assert_eq!(following, [safety, foreman]);

    let snaps: Vec<Value> = odoo
        .attachments()
        .into_iter()
        .filter(|a| a["res_model"] == "project.task" && a["res_id"].as_i64() == Some(task_id))
        .collect();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert_eq!(snaps[0]["mimetype"], "image/jpeg");
    let posted: Vec<Value> = odoo
        .messages()
        .into_iter()
        .filter(|m| m["model"] == "project.task")
        .collect();
    assert_eq!(
        posted.len(),
        2,
        "the opening note with its snapshot, and the end: {posted:?}"
    );
    assert!(
        odoo.calls("project.task", "create") >= 2,
        "the failed create was retried"
    );
}
