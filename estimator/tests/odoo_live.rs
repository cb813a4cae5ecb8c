//! The connector against a real Odoo, when ODOO_URL, ODOO_DB, ODOO_USER and ODOO_KEY are
//! all set (for instance `set -a; . /work/odoo/ENV; set +a`); otherwise every test says it is
//! skipped and passes. Same scenarios as tests/odoo_connector.rs: push, push again, re-price,
//! bad key, and a safety incident task. Each test pushes for a client and a reference of its own and removes what it
//! created (orders, opportunity, partner, and the products that did not exist before), even
//! when an assertion fails. The tests take turns: concurrent first pushes would each create
//! the same products.

#[path = "support/devis.rs"]
mod devis;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use base64::Engine;
use chantier_estimator::estimate::{Estimate, TaxRounding};
use chantier_estimator::odoo::{self, OdooClient, OdooConfig, OdooError, Transport};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde_json::{Map, Value, json};

const VARS: [&str; 4] = ["ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_KEY"];

/// The real server's configuration, or None after saying why the test is skipped.
fn live(test: &str) -> Option<OdooConfig> {
    let missing: Vec<&str> = VARS
        .iter()
        .copied()
        .filter(|v| std::env::var(v).map_or(true, |x| x.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "{test}: skipped, no real Odoo configured ({} not set; set {} to run it)",
            missing.join(", "),
            VARS.join(", ")
        );
        return None;
    }
    let mut config = OdooConfig::from_env()?;
    config.timeout_secs = 60;
    Some(config)
}

/// One live test at a time.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What a test created in Odoo, removed at the end.
#[derive(Debug, Default)]
struct Created {
    /// The company's rounding method to put back.
    rounding: Option<(i64, TaxRounding)>,
    orders: Vec<i64>,
    leads: Vec<i64>,
    partners: Vec<i64>,
    products: Vec<i64>,
}

type Tracker = Arc<Mutex<Created>>;

/// A name no other run uses.
fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("chantier live test {what} {}-{nanos}", std::process::id())
}

fn kw(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("keyword arguments are an object"),
    }
}

async fn rows(
    c: &OdooClient,
    model: &str,
    domain: Value,
    fields: &[&str],
    order: &str,
) -> Vec<Value> {
    let v = c
        .call(
            model,
            "search_read",
            None,
            kw(json!({"domain": domain, "fields": fields, "order": order})),
        )
        .await
        .unwrap_or_else(|e| panic!("search_read {model}: {e}"));
    v.as_array().cloned().unwrap_or_default()
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Products (archived ones too) carrying the estimate's item codes.
async fn products(c: &OdooClient, e: &Estimate) -> Result<BTreeSet<i64>, OdooError> {
    let codes: BTreeSet<&str> = e
        .lines()
        .chain(
            e.variants
                .iter()
                .flat_map(|v| v.lots.iter().flat_map(|l| &l.lines)),
        )
        .map(|l| l.code.as_str())
        .collect();
    let v = c
        .call(
            "product.product",
            "search_read",
            None,
            kw(
                json!({"domain": [["default_code", "in", codes]], "fields": ["id"],
                "context": {"active_test": false}}),
            ),
        )
        .await?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_i64())
        .collect())
}

/// Runs `scenario` in a task, then removes what it recorded in the tracker, then re-raises
/// its panic if it had one.
async fn with_cleanup<F, Fut>(config: OdooConfig, scenario: F)
where
    F: FnOnce(OdooConfig, Tracker) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let _turn = TURN.lock().await;
    let created = Tracker::default();
    let outcome = tokio::spawn(scenario(config.clone(), created.clone())).await;
    let created = std::mem::take(&mut *created.lock().unwrap());
    cleanup(&config, created).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn cleanup(config: &OdooConfig, created: Created) {
    let c = OdooClient::new(OdooConfig {
        transport: Transport::Auto,
        ..config.clone()
    })
    .unwrap();
    let unlink = |model: &'static str, id: i64| {
        let c = &c;
        async move {
            if let Err(e) = c.call(model, "unlink", Some(&[id]), Map::new()).await {
                // A confirmed order must be cancelled first; a used record can be archived.
                let retried = if model == "sale.order" {
                    let _ = c
                        .call(model, "action_cancel", Some(&[id]), Map::new())
                        .await;
                    c.call(model, "unlink", Some(&[id]), Map::new())
                        .await
                        .map(|_| ())
                } else {
                    c.write(model, &[id], json!({"active": false})).await
                };
                if let Err(again) = retried {
                    eprintln!("cleanup: could not remove {model} {id}: {e}; {again}");
                }
            }
        }
    };
    for id in created.orders {
        unlink("sale.order", id).await;
    }
    for id in created.leads {
        unlink("crm.lead", id).await;
    }
    for id in created.partners {
        unlink("res.partner", id).await;
    }
    for id in created.products {
        unlink("product.product", id).await;
    }
    if let Some((company, method)) = created.rounding {
        let _ = c
            .write(
                "res.company",
                &[company],
                json!({"tax_calculation_rounding_method": method.odoo_name()}),
            )
            .await;
    }
}

/// Pushes `e` after `previous` and records what the push created.
async fn push_after(
    c: &OdooClient,
    e: &Estimate,
    created: &Tracker,
    previous: &odoo::Previous,
) -> Result<odoo::PushOutcome, OdooError> {
    let before = products(c, e).await;
    let out = odoo::push_estimate(c, e, &devis::pdf(e), previous).await;
    let after = products(c, e).await;
    let mut t = created.lock().unwrap();
    // Only products seen to appear are ours to remove.
    if let (Ok(before), Ok(after)) = (before, after) {
        t.products.extend(after.difference(&before));
    }
    if let Ok(o) = &out {
        if !t.orders.contains(&o.order_id) {
            t.orders.push(o.order_id);
        }
        if !t.partners.contains(&o.partner_id) {
            t.partners.push(o.partner_id);
        }
    }
    out
}

/// A first push of `e`.
async fn push(
    c: &OdooClient,
    e: &Estimate,
    created: &Tracker,
) -> Result<odoo::PushOutcome, OdooError> {
    push_after(c, e, created, &odoo::Previous::default()).await
}

async fn new_lead(c: &OdooClient, client: &str, created: &Tracker) -> i64 {
    let id = c
        .create(
            "crm.lead",
            vec![json!({"type": "opportunity", "name": format!("Maison {client}"), "partner_name": client,
                "street": "12 rue X", "zip": "69003", "city": "Lyon"})],
        )
        .await
        .unwrap()[0];
    created.lock().unwrap().leads.push(id);
    id
}

async fn attachments(c: &OdooClient, model: &str, id: i64) -> Vec<Value> {
    rows(
        c,
        "ir.attachment",
        json!([["res_model", "=", model], ["res_id", "=", id]]),
        &["id", "name", "datas", "mimetype"],
        "id",
    )
    .await
}

async fn messages(c: &OdooClient, model: &str, id: i64) -> Vec<Value> {
    rows(
        c,
        "mail.message",
        json!([
            ["model", "=", model],
            ["res_id", "=", id],
            ["message_type", "=", "comment"]
        ]),
        &["id", "body", "attachment_ids"],
        "id",
    )
    .await
}

async fn lines(c: &OdooClient, order: i64) -> Vec<Value> {
    rows(
        c,
        "sale.order.line",
        json!([["order_id", "=", order]]),
        &[
            "id",
            "sequence",
            "display_type",
            "name",
            "product_id",
            "product_uom_qty",
            "price_unit",
            "tax_ids",
        ],
        "sequence,id",
    )
    .await
}

/// The first push of `e`: order, lines in print order, PDF and messages on order and lead.
async fn check_first_push(c: &OdooClient, e: &Estimate, lead: i64, out: &odoo::PushOutcome) {
    assert!(out.created, "a new quotation");
    let orders = rows(
        c,
        "sale.order",
        json!([["client_order_ref", "=", e.reference]]),
        &[
            "id",
            "name",
            "state",
            "partner_id",
            "opportunity_id",
            "order_line",
            "amount_untaxed",
        ],
        "id",
    )
    .await;
    assert_eq!(orders.len(), 1, "one order for {}", e.reference);
    let o = &orders[0];
    assert_eq!(o["id"], json!(out.order_id));
    assert_eq!(o["name"], json!(out.order_name));
    assert_eq!(o["state"], json!("draft"));
    assert_eq!(o["partner_id"][0], json!(out.partner_id));
    assert_eq!(o["opportunity_id"][0], json!(lead));

    let got = lines(c, out.order_id).await;
    for (l, want) in devis::check_lines(&got, e) {
        assert_eq!(
            l["product_id"][1]
                .as_str()
                .map(|p| p.starts_with(&format!("[{}]", want.code))),
            Some(true)
        );
        assert_eq!(
            l["product_uom_qty"].as_f64(),
            want.quantity.to_f64(),
            "quantity of {}",
            want.code
        );
        assert_eq!(
            l["price_unit"].as_f64(),
            want.unit_price.to_f64(),
            "price of {}",
            want.code
        );
        assert_eq!(ids(&l["tax_ids"]).len(), 1, "one tax on {}", want.code);
    }
    let total = o["amount_untaxed"].as_f64().unwrap();
    assert!(
        (total - e.total_ht.to_f64().unwrap()).abs() < 0.005,
        "Odoo {total} vs devis {}",
        e.total_ht
    );

    let pdf = devis::pdf(e);
    for (model, id) in [("sale.order", out.order_id), ("crm.lead", lead)] {
        let atts = attachments(c, model, id).await;
        assert_eq!(atts.len(), 1, "{model} {id}: one attachment");
        assert_eq!(atts[0]["name"], json!(format!("{} v1.pdf", e.reference)));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(atts[0]["datas"].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes, pdf, "{model} {id}: the PDF's bytes");
        let msgs = messages(c, model, id).await;
        assert_eq!(msgs.len(), 1, "{model} {id}: one message");
        assert_eq!(
            ids(&msgs[0]["attachment_ids"]),
            vec![atts[0]["id"].as_i64().unwrap()]
        );
    }
}

/// Odoo's three totals of an order, to the cent.
async fn order_totals(c: &OdooClient, order: i64) -> (Decimal, Decimal, Decimal) {
    let o = &c
        .read(
            "sale.order",
            &[order],
            &["amount_untaxed", "amount_tax", "amount_total"],
        )
        .await
        .unwrap()[0];
    let d = |k: &str| {
        Decimal::from_f64(o[k].as_f64().unwrap())
            .unwrap()
            .round_dp(2)
    };
    (d("amount_untaxed"), d("amount_tax"), d("amount_total"))
}

/// The devis's three totals as Odoo must show them.
fn devis_totals(e: &Estimate) -> (Decimal, Decimal, Decimal) {
    (e.total_ht, e.total_vat, e.total_ttc)
}

/// Every priced line carries the devis's unit, and so does its product.
async fn check_units(c: &OdooClient, e: &Estimate, order: i64) {
    let got = rows(
        c,
        "sale.order.line",
        json!([["order_id", "=", order]]),
        &[
            "id",
            "sequence",
            "display_type",
            "name",
            "product_id",
            "product_uom_id",
            "tax_ids",
        ],
        "sequence,id",
    )
    .await;
    for (l, want) in devis::check_lines(&got, e) {
        assert_eq!(
            l["product_uom_id"][1].as_str(),
            Some(odoo::setup::unit_name(want.unit)),
            "unit of {} ({})",
            want.code,
            want.unit.label()
        );
        let product = c
            .read(
                "product.product",
                &[l["product_id"][0].as_i64().unwrap()],
                &["uom_id"],
            )
            .await
            .unwrap();
        assert_eq!(
            product[0]["uom_id"][1].as_str(),
            Some(odoo::setup::unit_name(want.unit)),
            "product unit of {}",
            want.code
        );
    }
}

/// The company's rounding method, set to `method` for the scenario and put back after.
async fn set_rounding(c: &OdooClient, method: TaxRounding, created: &Tracker) {
    let company = odoo::setup::company(c).await.unwrap();
    let old = company.rounding.unwrap();
    {
        let mut t = created.lock().unwrap();
        if t.rounding.is_none() {
            t.rounding = Some((company.id, old));
        }
    }
    c.write(
        "res.company",
        &[company.id],
        json!({"tax_calculation_rounding_method": method.odoo_name()}),
    )
    .await
    .unwrap();
}

/// When an order was last written, and its line ids.
async fn stamp(c: &OdooClient, id: i64) -> (Value, Value) {
    let o = c
        .read("sale.order", &[id], &["write_date", "order_line"])
        .await
        .unwrap();
    (o[0]["write_date"].clone(), o[0]["order_line"].clone())
}

/// One estimate through its life: pushed, pushed again (nothing written), re-priced and
/// pushed, pushed again; Odoo's totals equal the devis's each time, units are right.
async fn life_of(c: &OdooClient, e1: Estimate, lead: i64, created: &Tracker) {
    let first = push(c, &e1, created).await.unwrap();
    check_first_push(c, &e1, lead, &first).await;
    assert_eq!(
        order_totals(c, first.order_id).await,
        devis_totals(&e1),
        "{}",
        e1.reference
    );
    assert_eq!(
        (first.amount_untaxed, first.amount_tax, first.amount_total),
        devis_totals(&e1)
    );
    check_units(c, &e1, first.order_id).await;
    let before = stamp(c, first.order_id).await;

    // Again, as the same-plans webhook repeat does: nothing written, nothing posted.
    let again = push_after(c, &e1, created, &first.previous())
        .await
        .unwrap();
    assert_eq!(
        (again.order_id, again.created, again.unchanged),
        (first.order_id, false, true)
    );
    assert!(again.message_ids.is_empty(), "{:?}", again.message_ids);
    assert_eq!(
        stamp(c, first.order_id).await,
        before,
        "the order was not written"
    );
    assert_eq!(messages(c, "sale.order", first.order_id).await.len(), 1);

    // Re-priced: the same draft, new lines, v2 attached, totals still the devis's.
    let e2 = devis::repriced(&e1);
    let second = push_after(c, &e2, created, &again.previous())
        .await
        .unwrap();
    assert_eq!(
        (second.order_id, second.created, second.unchanged),
        (first.order_id, false, false)
    );
    assert_eq!(
        order_totals(c, first.order_id).await,
        devis_totals(&e2),
        "{} v2",
        e1.reference
    );
    check_units(c, &e2, first.order_id).await;
    let new_lines = lines(c, first.order_id).await;
    for (l, want) in devis::check_lines(&new_lines, &e2) {
        assert_eq!(
            l["price_unit"].as_f64(),
            want.unit_price.to_f64(),
            "new price of {}",
            want.code
        );
    }
    let taxes: BTreeSet<i64> = new_lines.iter().flat_map(|l| ids(&l["tax_ids"])).collect();
    assert!(taxes.len() >= 2, "renovation rates: {taxes:?}");
    assert_eq!(messages(c, "sale.order", first.order_id).await.len(), 2);
    assert_eq!(messages(c, "crm.lead", lead).await.len(), 2);
    let third = push_after(c, &e2, created, &second.previous())
        .await
        .unwrap();
    assert!(third.unchanged && third.message_ids.is_empty());
}

/// The "done when", on a fresh French database: a new build at 20 % with options
/// and a renovation at 10 % and 5.5 % with a retenue, under each rounding method.
#[tokio::test]
async fn live_quotations_equal_the_devis_under_both_rounding_methods() {
    let Some(config) = live("live_quotations_equal_the_devis_under_both_rounding_methods") else {
        return;
    };
    with_cleanup(config, |config, created| async move {
        let c = OdooClient::new(config).unwrap();
        let server = c.server().await.unwrap();
        eprintln!("live Odoo {} over {:?}", server.major, server.transport);
        for method in [TaxRounding::Globally, TaxRounding::PerLine] {
            set_rounding(&c, method, &created).await;
            let client = unique(&format!("new build {method:?}"));
            let lead = new_lead(&c, &client, &created).await;
            let house = devis::house_rounded(&client, Some(lead), method);
            assert!(!house.variants.is_empty(), "the sample house has options");
            life_of(&c, house, lead, &created).await;
            let client = unique(&format!("renovation {method:?}"));
            let lead = new_lead(&c, &client, &created).await;
            let reno = devis::renovation(&client, Some(lead), method);
            assert!(reno.retenue_amount > Decimal::ZERO);
            assert!(reno.vat.len() >= 2, "10 % and 5.5 %: {:?}", reno.vat);
            life_of(&c, reno, lead, &created).await;
        }
        // A devis rounded the other way is refused before anything is written.
        set_rounding(&c, TaxRounding::Globally, &created).await;
        let client = unique("wrong rounding");
        let e = devis::house_rounded(&client, None, TaxRounding::PerLine);
        let err = push(&c, &e, &created).await;
        assert!(matches!(err, Err(OdooError::Mismatch(_))), "{err:?}");
        assert!(
            rows(
                &c,
                "sale.order",
                json!([["client_order_ref", "=", e.reference]]),
                &["id"],
                "id"
            )
            .await
            .is_empty()
        );
        // What the push re-activated stays active: m³ and the reduced rates.
        let m3 = rows(&c, "uom.uom", json!([["name", "=", "m³"]]), &["id"], "id").await;
        assert_eq!(m3.len(), 1, "m³ is active");
    })
    .await;
}

/// A salesperson edits the draft in Odoo; the re-priced estimate does not overwrite it:
/// refused with the reason, or sent as a new quotation, as configured.
#[tokio::test]
async fn live_edited_draft_is_not_overwritten() {
    let Some(config) = live("live_edited_draft_is_not_overwritten") else {
        return;
    };
    with_cleanup(config, |config, created| async move {
        let c = OdooClient::new(config.clone()).unwrap();
        set_rounding(&c, TaxRounding::Globally, &created).await;
        let client = unique("edited");
        let lead = new_lead(&c, &client, &created).await;
        let e1 = devis::house(&client, Some(lead));
        let first = push(&c, &e1, &created).await.unwrap();
        let line = lines(&c, first.order_id)
            .await
            .into_iter()
            .find(|l| l["display_type"] == json!(false))
            .unwrap();
        let line_id = line["id"].as_i64().unwrap();
        c.write("sale.order.line", &[line_id], json!({"price_unit": 1.0}))
            .await
            .unwrap();
        let e2 = devis::repriced(&e1);
        let err = push_after(&c, &e2, &created, &first.previous()).await;
        assert!(
            matches!(&err, Err(OdooError::Conflict(m)) if m.contains(&first.order_name)),
            "{err:?}"
        );
        let kept = c
            .read("sale.order.line", &[line_id], &["price_unit"])
            .await
            .unwrap();
        assert_eq!(kept[0]["price_unit"], json!(1.0), "the edit is kept");

        let c2 = OdooClient::new(OdooConfig {
            edited_draft: odoo::EditedDraft::NewQuotation,
            ..config
        })
        .unwrap();
        let out = push_after(&c2, &e2, &created, &first.previous())
            .await
            .unwrap();
        assert!(
            out.created && out.order_id != first.order_id,
            "a new quotation"
        );
        assert!(
            out.warnings.iter().any(|w| w.contains(&first.order_name)),
            "{:?}",
            out.warnings
        );
        assert_eq!(order_totals(&c, out.order_id).await, devis_totals(&e2));
        let kept = c
            .read("sale.order.line", &[line_id], &["price_unit"])
            .await
            .unwrap();
        assert_eq!(
            kept[0]["price_unit"],
            json!(1.0),
            "the edited draft is left alone"
        );
    })
    .await;
}

/// `serve`'s start-up check finds nothing wrong with a fresh French database.
#[tokio::test]
async fn live_startup_check_passes_on_a_french_database() {
    let Some(config) = live("live_startup_check_passes_on_a_french_database") else {
        return;
    };
    let c = OdooClient::new(config).unwrap();
    let (findings, company) = odoo::setup::check(&c, true).await;
    let problems: Vec<_> = findings
        .iter()
        .filter(|f| matches!(f, odoo::setup::Finding::Problem(_)))
        .collect();
    assert!(problems.is_empty(), "{findings:#?}");
    assert_eq!(company.unwrap().currency, "EUR");
}

#[tokio::test]
async fn live_push_over_xmlrpc_and_jsonrpc() {
    let Some(config) = live("live_push_over_xmlrpc_and_jsonrpc") else {
        return;
    };
    with_cleanup(config, |config, created| async move {
        for transport in [Transport::XmlRpc, Transport::JsonRpc] {
            let c = OdooClient::new(OdooConfig {
                transport,
                ..config.clone()
            })
            .unwrap();
            let client = unique(&format!("{transport:?}"));
            let lead = new_lead(&c, &client, &created).await;
            let e = devis::house(&client, Some(lead));
            let first = push(&c, &e, &created)
                .await
                .unwrap_or_else(|err| panic!("{transport:?}: {err}"));
            check_first_push(&c, &e, lead, &first).await;
            let again = push(&c, &e, &created).await.unwrap();
            assert_eq!(
                (again.order_id, again.created),
                (first.order_id, false),
                "{transport:?}"
            );
            assert!(again.message_ids.is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn live_bad_key_is_refused() {
    let Some(config) = live("live_bad_key_is_refused") else {
        return;
    };
    with_cleanup(config, |config, created| async move {
        let good = OdooClient::new(config.clone()).unwrap();
        let client = unique("bad key");
        let lead = new_lead(&good, &client, &created).await;
        let e = devis::house(&client, Some(lead));
        for transport in [Transport::Json2, Transport::XmlRpc, Transport::JsonRpc] {
            let bad = OdooClient::new(OdooConfig {
                transport,
                key: "0000000000000000000000000000000000000000".into(),
                ..config.clone()
            })
            .unwrap();
            let err = push(&bad, &e, &created).await;
            assert!(
                matches!(err, Err(OdooError::Auth(_))),
                "{transport:?}: {err:?}"
            );
        }
        let partners = rows(
            &good,
            "res.partner",
            json!([["name", "=", client]]),
            &["id"],
            "id",
        )
        .await;
        assert!(partners.is_empty(), "no partner created: {partners:?}");
        let orders = rows(
            &good,
            "sale.order",
            json!([["client_order_ref", "=", e.reference]]),
            &["id"],
            "id",
        )
        .await;
        assert!(orders.is_empty(), "no order created");
        assert!(
            attachments(&good, "crm.lead", lead).await.is_empty(),
            "nothing attached"
        );
    })
    .await;
}

/// A safety incident as a task of the Project app: task, snapshot, followers, opened again
/// (same task), then removed.
async fn unlink_ids(odoo: &OdooClient, model: &str, ids: &[i64]) {
    if !ids.is_empty() {
        let _ = odoo.call(model, "unlink", Some(ids), Map::new()).await;
    }
}

#[tokio::test]
async fn incident_task_on_a_real_odoo() {
    let Some(config) = live("incident_task_on_a_real_odoo") else {
        return;
    };
    let _turn = TURN.lock().await;
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
    let incident = odoo::incident::Incident {
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
        let first = odoo::incident::open_incident(&odoo, &incident).await?;
        let again = odoo::incident::open_incident(&odoo, &incident).await?;
        odoo::incident::note_incident(
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
    unlink_ids(&odoo, "project.task", &task_ids).await;
    unlink_ids(&odoo, "project.project", &[project]).await;
    unlink_ids(&odoo, "res.partner", &[partner]).await;

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
