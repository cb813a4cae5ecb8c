//! The Odoo round trip through the real binary against a REAL Odoo, when ODOO_URL, ODOO_DB,
//! ODOO_USER and ODOO_KEY are set (otherwise each test says it skips). It creates a lead,
//! an estimate pushed onto it, checks the quotation in Odoo, and deletes what it made.

mod common;

use chantier_estimator::odoo::{OdooClient, OdooConfig};
use chantier_proto::v1 as pb;
use pb::estimate_service_client::EstimateServiceClient;
use serde_json::{Map, json};

/// The server process and its data directory, both removed at the end.
fn live() -> Option<OdooConfig> {
    let c = OdooConfig::from_env();
    if c.is_none() {
        eprintln!(
            "skipping: set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_KEY to run against a real Odoo"
        );
    }
    c
}

#[tokio::test]
async fn estimate_pushed_to_a_real_odoo() {
    let Some(cfg) = live() else { return };
    let odoo = OdooClient::new(cfg.clone()).unwrap();
    let stamp = chrono::Utc::now().timestamp_millis();
    let lead = odoo
        .create(
            "crm.lead",
            vec![
                json!({"name": format!("chantier live {stamp}"), "type": "opportunity",
                         "partner_name": format!("SCI Live {stamp}")}),
            ],
        )
        .await
        .unwrap()[0];

    let (_server, ch) = common::start(
        "chantier.v1.EstimateService",
        &[],
        &[
            ("CHANTIER_ODOO_URL", cfg.url.as_str()),
            ("CHANTIER_ODOO_DB", cfg.db.as_str()),
            ("CHANTIER_ODOO_USER", cfg.user.as_str()),
            ("CHANTIER_ODOO_KEY", cfg.key.as_str()),
        ],
        tempfile::tempdir().unwrap(),
    )
    .await;
    let mut c = EstimateServiceClient::new(ch);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house");
    use pb::create_estimate_request::Part;
    let mut msgs = vec![pb::CreateEstimateRequest {
        part: Some(Part::Header(pb::EstimateHeader {
            settings: Some(pb::EstimateSettings {
                title: "Maison individuelle (test)".into(),
                client: Some(pb::Party {
                    name: format!("SCI Live {stamp}"),
                    email: format!("live-{stamp}@example.com"),
                    is_company: true,
                    ..Default::default()
                }),
                opportunity_id: lead,
                vat_regime: pb::VatRegime::Renovation as i32,
                ..Default::default()
            }),
            ..Default::default()
        })),
    }];
    for f in ["maison.ifc", "maison-rdc.dxf"] {
        msgs.push(pb::CreateEstimateRequest {
            part: Some(Part::Document(pb::DocumentStart {
                file_name: f.into(),
                format_hint: String::new(),
            })),
        });
        msgs.push(pb::CreateEstimateRequest {
            part: Some(Part::Chunk(std::fs::read(dir.join(f)).unwrap())),
        });
    }
    let e = c
        .create_estimate(tokio_stream::iter(msgs))
        .await
        .unwrap()
        .into_inner();
    let r = c
        .push_to_odoo(pb::PushToOdooRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.state, "done", "{r:?}");
    let again = c
        .push_to_odoo(pb::PushToOdooRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.order_id, r.order_id);

    let orders = odoo
        .search_read(
            "sale.order",
            json!([["client_order_ref", "=", e.reference]]),
            &["id", "amount_untaxed", "amount_tax", "opportunity_id"],
            None,
        )
        .await
        .unwrap();
    assert_eq!(orders.len(), 1, "one quotation in Odoo");
    let untaxed = orders[0]["amount_untaxed"].as_f64().unwrap();
    let ht: f64 = e.total_ht.parse().unwrap();
    assert!((untaxed - ht).abs() < 0.01, "Odoo {untaxed} vs devis {ht}");
    let tax = orders[0]["amount_tax"].as_f64().unwrap();
    let vat: f64 = e.total_vat.parse().unwrap();
    // Odoo rounds tax per line, the devis per rate: cents apart at most per line.
    assert!((tax - vat).abs() < 0.5, "Odoo tax {tax} vs devis {vat}");
    assert_eq!(orders[0]["opportunity_id"][0].as_i64(), Some(lead));

    // Clean up what the test made.
    let mut kw = Map::new();
    kw.insert("ids".into(), json!([r.order_id]));
    let _ = odoo.call("sale.order", "unlink", None, kw).await;
    let mut kw = Map::new();
    kw.insert("ids".into(), json!([lead]));
    let _ = odoo.call("crm.lead", "unlink", None, kw).await;
}
