//! The Odoo round trip through the real `chantier serve` binary against the Odoo stand-in
//! (answers recorded from a real Odoo 19): an estimate pushed onto an opportunity, a duplicate
//! push that changes nothing, Odoo's webhook answered with a quotation built from the lead's
//! attached plans, and a rejected key that writes nothing.

#[path = "../estimator/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;

use base64::Engine;
use chantier_proto::v1 as pb;
use pb::estimate_service_client::EstimateServiceClient;
use serde_json::{Value, json};
use support::odoo_standin::{self, StandIn};
use tonic::Code;
use tonic::transport::Channel;

/// The binary and the address of its webhook endpoint.
struct Server {
    inner: common::Server,
    webhook: String,
}

const SECRET: &str = "s3cret-webhook-token-0123456789";
/// Two secrets accepted at once, as while one is rotated: the requests use the second.
const SECRETS: &str = "n3w-rotated-webhook-token-98765,s3cret-webhook-token-0123456789";

async fn start(odoo: &StandIn, key: &str) -> (Server, EstimateServiceClient<Channel>) {
    start_in(odoo, key, tempfile::tempdir().unwrap()).await
}

async fn start_in(
    odoo: &StandIn,
    key: &str,
    data: tempfile::TempDir,
) -> (Server, EstimateServiceClient<Channel>) {
    start_with(odoo, key, data, &[]).await
}

async fn start_with(
    odoo: &StandIn,
    key: &str,
    data: tempfile::TempDir,
    env: &[(&str, &str)],
) -> (Server, EstimateServiceClient<Channel>) {
    let hook = format!("127.0.0.1:{}", common::free_port());
    let mut vars = vec![
        ("CHANTIER_ODOO_URL", odoo.url.as_str()),
        ("CHANTIER_ODOO_DB", odoo.db.as_str()),
        ("CHANTIER_ODOO_USER", odoo.user.as_str()),
        ("CHANTIER_ODOO_KEY", key),
        ("CHANTIER_WEBHOOK_SECRET", SECRETS),
        ("CHANTIER_JOB_LEASE_SECS", "2"),
    ];
    vars.extend_from_slice(env);
    let (inner, ch) = common::start(
        "chantier.v1.EstimateService",
        &["--webhook-listen", &hook],
        &vars,
        data,
    )
    .await;
    let server = Server {
        inner,
        webhook: format!("http://{hook}/odoo/webhook"),
    };
    (server, EstimateServiceClient::new(ch))
}

fn house() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house");
    ["maison.ifc", "maison-rdc.dxf"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
        .collect()
}

fn upload(header: pb::EstimateHeader) -> Vec<pb::CreateEstimateRequest> {
    use pb::create_estimate_request::Part;
    let mut msgs = vec![pb::CreateEstimateRequest {
        part: Some(Part::Header(header)),
    }];
    for (name, bytes) in house() {
        msgs.push(pb::CreateEstimateRequest {
            part: Some(Part::Document(pb::DocumentStart {
                file_name: name,
                format_hint: String::new(),
            })),
        });
        for c in bytes.chunks(64 << 10) {
            msgs.push(pb::CreateEstimateRequest {
                part: Some(Part::Chunk(c.to_vec())),
            });
        }
    }
    msgs
}

fn lead(odoo: &StandIn, name: &str) -> i64 {
    odoo.create(
        "crm.lead",
        json!({"name": name, "type": "opportunity", "partner_name": "SCI Les Tilleuls",
               "street": "3 allée des Tilleuls", "zip": "69130", "city": "Écully",
               "email_from": "contact@tilleuls.example"}),
    )
}

/// The sample house estimated for `client`, its push asked for or not.
async fn estimate_for(
    c: &mut EstimateServiceClient<Channel>,
    client: &str,
    push_to_odoo: bool,
) -> pb::Estimate {
    let header = pb::EstimateHeader {
        settings: Some(pb::EstimateSettings {
            client: Some(pb::Party {
                name: client.into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        push_to_odoo,
        ..Default::default()
    };
    c.create_estimate(tokio_stream::iter(upload(header)))
        .await
        .unwrap()
        .into_inner()
}

fn many2one(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.get(0).and_then(Value::as_i64))
}

#[tokio::test]
async fn estimate_pushed_onto_an_opportunity_once() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let (_server, mut c) = start(&odoo, &odoo.key).await;
    let lead_id = lead(&odoo, "Maison des Tilleuls");
    let settings = pb::EstimateSettings {
        title: "Maison individuelle".into(),
        client: Some(pb::Party {
            name: "SCI Les Tilleuls".into(),
            is_company: true,
            ..Default::default()
        }),
        site_address: vec!["12 chemin des Vignes".into(), "69130 Écully".into()],
        opportunity_id: lead_id,
        ..Default::default()
    };
    let header = pb::EstimateHeader {
        settings: Some(settings),
        push_to_odoo: true,
        ..Default::default()
    };
    let mut create = tonic::Request::new(tokio_stream::iter(upload(header)));
    create.set_timeout(Duration::from_secs(60));
    let e = c.create_estimate(create).await.unwrap().into_inner();
    // The push's state comes with the estimate, Odoo's totals read back equal to the devis's.
    let created = e.odoo_push.clone().expect("the push's state");
    assert_eq!(created.state, "done", "{created:?}");
    assert_eq!(
        (
            created.amount_untaxed.as_str(),
            created.amount_tax.as_str(),
            created.amount_total.as_str()
        ),
        (
            e.total_ht.as_str(),
            e.total_vat.as_str(),
            e.total_ttc.as_str()
        )
    );
    assert_eq!(
        e.tax_rounding, "round_globally",
        "the Odoo company's method"
    );
    let commits = odoo.commits();
    let pushed = c
        .push_to_odoo(pb::PushToOdooRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pushed.state, "done", "{pushed:?}");
    assert!(
        pushed.unchanged,
        "the order already says it all: {pushed:?}"
    );
    assert_eq!(odoo.commits(), commits, "a repeat push writes nothing");
    let orders = odoo.orders();
    assert_eq!(orders.len(), 1, "one quotation, however many pushes");
    let order = &orders[0];
    assert_eq!(order["client_order_ref"], e.reference.as_str());
    assert_eq!(many2one(&order["opportunity_id"]), Some(lead_id));
    assert_eq!(order["id"].as_i64(), Some(pushed.order_id));
    let lines = odoo.order_lines(pushed.order_id);
    let sections = lines
        .iter()
        .filter(|l| l["display_type"] == "line_section")
        .count();
    let priced = lines
        .iter()
        .filter(|l| l["display_type"].is_null() || l["display_type"] == false)
        .count();
    let notes = lines
        .iter()
        .filter(|l| l["display_type"] == "line_note")
        .count();
    let variant_lots: usize = e.variants.iter().map(|v| v.lots.len()).sum();
    let variant_lines: usize = e
        .variants
        .iter()
        .flat_map(|v| &v.lots)
        .map(|l| l.lines.len())
        .sum();
    assert_eq!(sections, e.lots.len() + variant_lots);
    assert_eq!(priced, e.lots.iter().map(|l| l.lines.len()).sum::<usize>());
    assert_eq!(notes, variant_lines, "options as notes");
    let pdfs: Vec<Value> = odoo
        .attachments()
        .into_iter()
        .filter(|a| a["mimetype"] == "application/pdf")
        .collect();
    assert_eq!(pdfs.len(), 2, "the PDF on the order and on the opportunity");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(pdfs[0]["datas"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let messages = odoo.messages().len();
    assert!(
        messages >= 2,
        "a message on the order and one on the opportunity"
    );

    // A duplicate request changes nothing in Odoo.
    let again = c
        .push_to_odoo(pb::PushToOdooRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (again.state.as_str(), again.order_id),
        ("done", pushed.order_id)
    );
    assert_eq!(odoo.orders().len(), 1);
    assert_eq!(odoo.messages().len(), messages);

    // Re-pricing updates the same draft and attaches the new version.
    let mut s = pb::EstimateSettings {
        client: Some(pb::Party {
            name: "SCI Les Tilleuls".into(),
            is_company: true,
            ..Default::default()
        }),
        opportunity_id: lead_id,
        ..Default::default()
    };
    s.margin_rate = "0.2".into();
    let v2 = c
        .reprice_estimate(pb::RepriceEstimateRequest {
            id: e.id.clone(),
            settings: Some(s),
            push_to_odoo: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let r = v2.odoo_push.clone().expect("the push's state");
    assert_eq!(r.state, "done", "{r:?}");
    assert_eq!(
        (r.order_id, r.created, r.unchanged),
        (pushed.order_id, false, false)
    );
    assert_eq!(odoo.orders().len(), 1);
    // Options are described in notes, not ordered: Odoo's totals are the devis's base, to
    // the cent.
    let o = &odoo.orders()[0];
    let cents = |k: &str| format!("{:.2}", o[k].as_f64().unwrap());
    assert_eq!(
        (
            cents("amount_untaxed"),
            cents("amount_tax"),
            cents("amount_total")
        ),
        (
            v2.total_ht.clone(),
            v2.total_vat.clone(),
            v2.total_ttc.clone()
        )
    );
    assert!(
        odoo.attachments()
            .iter()
            .any(|a| a["name"].as_str().unwrap_or_default().ends_with("v2.pdf"))
    );
}

#[tokio::test]
async fn odoo_webhook_gets_a_quotation_from_the_lead_plans() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let (server, _c) = start(&odoo, &odoo.key).await;
    let lead_id = lead(&odoo, "Extension maison Martin");
    for (name, bytes) in house() {
        odoo.create(
            "ir.attachment",
            json!({"name": name, "type": "binary", "res_model": "crm.lead", "res_id": lead_id,
                   "datas": base64::engine::general_purpose::STANDARD.encode(bytes)}),
        );
    }
    let http = reqwest::Client::new();
    let body =
        json!({"_action": "chantier(#1)", "_id": lead_id, "_model": "crm.lead", "id": lead_id});
    let wrong = http
        .post(format!("{}/wrong-secret-0000000000", server.webhook))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let started = std::time::Instant::now();
    let r = http
        .post(format!("{}/{SECRET}", server.webhook))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    // Odoo waits one second, no more, and never retries: the answer comes before the work.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let mut order = None;
    for _ in 0..600 {
        order = odoo
            .orders()
            .into_iter()
            .find(|o| many2one(&o["opportunity_id"]) == Some(lead_id));
        if order.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let order = order.expect("a quotation on the opportunity");
    assert!(
        order["client_order_ref"]
            .as_str()
            .unwrap()
            .starts_with("DEV-")
    );
    assert!(
        odoo.messages()
            .iter()
            .any(|m| m["model"] == "crm.lead" && m["res_id"].as_i64() == Some(lead_id)),
        "a message on the lead"
    );
    let partner = many2one(&order["partner_id"]).unwrap();
    let p = odoo
        .partners()
        .into_iter()
        .find(|p| p["id"].as_i64() == Some(partner))
        .unwrap();
    assert_eq!(p["name"], "SCI Les Tilleuls");
}

#[tokio::test]
async fn a_rejected_key_is_a_clear_error_and_writes_nothing() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let (_server, mut c) = start(&odoo, "0000000000000000000000000000000000000000").await;
    let header = pb::EstimateHeader {
        settings: Some(pb::EstimateSettings {
            client: Some(pb::Party {
                name: "Client".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = c
        .create_estimate(tokio_stream::iter(upload(header)))
        .await
        .unwrap()
        .into_inner();
    let s = c
        .push_to_odoo(pb::PushToOdooRequest { id: e.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition, "{s:?}");
    assert!(
        s.message().contains("credentials") || s.message().contains("apikey"),
        "{}",
        s.message()
    );
    assert!(odoo.orders().is_empty() && odoo.partners().iter().all(|p| p["name"] != "Client"));
    // The estimate itself is kept.
    assert_eq!(
        c.get_estimate(pb::GetEstimateRequest { id: e.id })
            .await
            .unwrap()
            .into_inner()
            .version,
        1
    );
}

/// A caller with a short deadline gets the push's state before it, not DEADLINE_EXCEEDED:
/// `pending` while Odoo is slow (the push goes on and lands), UNAVAILABLE when Odoo cannot
/// be reached at all.
#[tokio::test]
async fn push_answers_within_the_callers_deadline() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let (_server, mut c) = start(&odoo, &odoo.key).await;
    let e = estimate_for(&mut c, "SCI Lente", false).await;
    // Odoo takes 4 s to answer the first call of the push.
    odoo.fail_call(
        "sale.order",
        "default_get",
        1,
        odoo_standin::Failure::Hang(Duration::from_secs(4)),
    );
    let mut r = tonic::Request::new(pb::PushToOdooRequest { id: e.id.clone() });
    r.set_timeout(Duration::from_secs(2));
    let started = std::time::Instant::now();
    let pending = c
        .push_to_odoo(r)
        .await
        .expect("an answer, not a deadline")
        .into_inner();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(pending.state, "pending", "{pending:?}");
    // The push goes on durably and lands.
    let mut r = tonic::Request::new(pb::PushToOdooRequest { id: e.id.clone() });
    r.set_timeout(Duration::from_secs(30));
    let done = c.push_to_odoo(r).await.unwrap().into_inner();
    assert_eq!(done.state, "done", "{done:?}");
    assert_eq!(odoo.orders().len(), 1);

    // No Odoo at all on the configured address.
    let closed = format!("http://127.0.0.1:{}", common::free_port());
    let (_server, mut c) = start_with(
        &odoo,
        &odoo.key,
        tempfile::tempdir().unwrap(),
        &[("CHANTIER_ODOO_URL", closed.as_str())],
    )
    .await;
    let e = estimate_for(&mut c, "SCI Injoignable", false).await;
    let mut r = tonic::Request::new(pb::PushToOdooRequest { id: e.id.clone() });
    r.set_timeout(Duration::from_secs(8));
    let started = std::time::Instant::now();
    let s = c.push_to_odoo(r).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.code(), Code::Unavailable, "{s:?}");
    assert!(
        s.message().contains("cannot be reached") && s.message().contains("queued"),
        "{}",
        s.message()
    );
}

/// A push refused by Odoo comes back with the estimate that asked for it, with the reason.
#[tokio::test]
async fn create_with_push_returns_a_refused_push() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let (_server, mut c) = start(&odoo, "0000000000000000000000000000000000000000").await;
    let e = estimate_for(&mut c, "SCI Refus", true).await;
    let p = e.odoo_push.expect("the push's state");
    assert_eq!(p.state, "failed", "{p:?}");
    assert!(p.error.contains("credentials"), "{}", p.error);
}

/// The server dies after Odoo created the order but before it heard back: the restarted
/// server resumes the push from its outbox, finds the order by reference, and finishes it
/// without a second order.
#[tokio::test]
async fn a_push_interrupted_by_a_crash_is_resumed_without_a_duplicate() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let (mut server, mut c) = start(&odoo, &odoo.key).await;
    odoo.fail_call_after_commit(
        "sale.order",
        "create",
        1,
        odoo_standin::Failure::Hang(Duration::from_secs(120)),
    );
    let header = pb::EstimateHeader {
        settings: Some(pb::EstimateSettings {
            client: Some(pb::Party {
                name: "SCI Reprise".into(),
                is_company: true,
                ..Default::default()
            }),
            ..Default::default()
        }),
        push_to_odoo: true,
        ..Default::default()
    };
    let e = c
        .create_estimate(tokio_stream::iter(upload(header)))
        .await
        .unwrap()
        .into_inner();
    for _ in 0..600 {
        if odoo.calls("sale.order", "create") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        odoo.orders().len(),
        1,
        "Odoo has the order; chantier has not heard back"
    );
    // kill -9: no shutdown, the job stays leased in the database.
    server.inner.child.kill().unwrap();
    server.inner.child.wait().unwrap();
    let data = server.inner.data.take().unwrap();
    drop(server);
    let (_server, mut c) = start_in(&odoo, &odoo.key, data).await;
    // Nobody asks again: the restarted worker finds the job in its outbox once the dead
    // worker's lease has expired.
    for _ in 0..300 {
        if odoo
            .attachments()
            .iter()
            .any(|a| a["mimetype"] == "application/pdf")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let done = c
        .push_to_odoo(pb::PushToOdooRequest { id: e.id.clone() })
        .await
        .ok()
        .map(|r| r.into_inner())
        .filter(|r| r.state == "done");
    let r = done.expect("the push completes after the restart");
    assert!(
        !r.created,
        "the order made before the crash is the one completed"
    );
    assert_eq!(odoo.orders().len(), 1, "no second order");
    assert!(
        odoo.attachments()
            .iter()
            .any(|a| a["mimetype"] == "application/pdf")
    );
}

/// Odoo's webhook fired while chantier was down (Odoo never retries): the periodic
/// reconciliation finds the opportunity waiting in the proposal stage and answers it.
#[tokio::test]
async fn reconciliation_answers_an_opportunity_whose_webhook_was_lost() {
    let odoo = odoo_standin::start(odoo_standin::Options::default()).await;
    let stage = odoo
        .records("crm.stage")
        .into_iter()
        .find(|s| s["name"] == "Proposition")
        .and_then(|s| s["id"].as_i64())
        .expect("the stand-in has the Proposition stage");
    let lead_id = lead(&odoo, "Webhook perdu");
    odoo.write("crm.lead", lead_id, json!({"stage_id": stage}));
    for (name, bytes) in house() {
        odoo.create(
            "ir.attachment",
            json!({"name": name, "type": "binary", "res_model": "crm.lead", "res_id": lead_id,
                   "datas": base64::engine::general_purpose::STANDARD.encode(bytes)}),
        );
    }
    let other = lead(&odoo, "Pas encore au stade proposition");
    let data = tempfile::tempdir().unwrap();
    let (_server, _c) =
        start_with(&odoo, &odoo.key, data, &[("CHANTIER_RECONCILE_SECS", "1")]).await;
    let mut order = None;
    for _ in 0..600 {
        order = odoo
            .orders()
            .into_iter()
            .find(|o| many2one(&o["opportunity_id"]) == Some(lead_id));
        if order.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(order.is_some(), "the waiting opportunity got its quotation");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        odoo.orders().len(),
        1,
        "answered once, and not the other opportunity"
    );
    assert!(
        odoo.orders()
            .iter()
            .all(|o| many2one(&o["opportunity_id"]) != Some(other))
    );
}
