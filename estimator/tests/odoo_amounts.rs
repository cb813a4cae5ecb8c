//! A quotation in Odoo says what the devis says, on a fresh French database (the stand-in
//! seeded with what a real one holds: tests/fixtures/odoo19/json2_fresh_*): the three totals
//! under both of Odoo's rounding methods, read back after the push; archived units and taxes
//! found and re-activated (or used as they are); precisions and rounding methods that cannot
//! agree refused before anything is written; a repeat push that writes nothing; a draft a
//! salesperson edited refused or left alone for a new quotation.

mod support;

use chantier_estimator::estimate::{self, Estimate, EstimateSettings, TaxRounding};
use chantier_estimator::odoo::{self, EditedDraft, OdooError, Previous, PushOutcome, Transport};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde_json::{Value, json};

use support::devis;
use support::odoo_standin::{self, Options, StandIn};

async fn push(s: &StandIn, e: &Estimate, previous: &Previous) -> Result<PushOutcome, OdooError> {
    odoo::push_estimate(&s.client(Transport::Json2), e, &devis::pdf(e), previous).await
}

fn money(v: &Value) -> Decimal {
    Decimal::from_f64(v.as_f64().unwrap()).unwrap().round_dp(2)
}

fn totals(o: &Value) -> (Decimal, Decimal, Decimal) {
    (
        money(&o["amount_untaxed"]),
        money(&o["amount_tax"]),
        money(&o["amount_total"]),
    )
}

fn devis_totals(e: &Estimate) -> (Decimal, Decimal, Decimal) {
    (e.total_ht, e.total_vat, e.total_ttc)
}

fn set_rounding(s: &StandIn, method: TaxRounding) {
    s.write(
        "res.company",
        1,
        json!({"tax_calculation_rounding_method": method.odoo_name()}),
    );
}

fn order(s: &StandIn, id: i64) -> Value {
    s.records_where("sale.order", "id", json!(id))
        .pop()
        .expect("the order exists")
}

fn active(s: &StandIn, model: &str, id: i64) -> bool {
    s.records_where(model, "id", json!(id))[0]["active"] == json!(true)
}

/// The stand-in's arithmetic is the real server's: the same eight lines (sub-cent amounts
/// at 20 %, 10 % and 5.5 %) give the totals a fresh French Odoo 19 gave under each method.
#[tokio::test]
async fn standin_totals_are_the_recorded_odoo_totals() {
    let recorded = |name: &str| -> Value {
        let path = format!(
            "{}/tests/fixtures/odoo19/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let rec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        serde_json::from_str(rec["response"]["body"].as_str().unwrap()).unwrap()
    };
    for method in [TaxRounding::Globally, TaxRounding::PerLine] {
        let s = odoo_standin::start(Options::default()).await;
        set_rounding(&s, method);
        for id in [13, 50, 51] {
            let model = if id == 13 { "uom.uom" } else { "account.tax" };
            s.write(model, id, json!({"active": true}));
        }
        let partner = s.create("res.partner", json!({"name": "Rounding test"}));
        let product = s.create(
            "product.product",
            json!({"name": "Rounding test", "type": "service"}),
        );
        let lines = recorded(&format!(
            "json2_sale_order_line_read_{}",
            method.odoo_name()
        ));
        let cmds: Vec<Value> = lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                json!([0, 0, {"name": l["name"], "product_id": product,
                    "product_uom_qty": l["product_uom_qty"], "price_unit": l["price_unit"],
                    "product_uom_id": l["product_uom_id"][0], "tax_ids": [[6, 0, l["tax_ids"]]],
                    "sequence": l["sequence"]}])
            })
            .collect();
        let id = s.create(
            "sale.order",
            json!({"partner_id": partner, "order_line": cmds}),
        );
        let want = &recorded(&format!(
            "json2_sale_order_read_amounts_{}",
            method.odoo_name()
        ))[0];
        assert_eq!(totals(&order(&s, id)), totals(want), "{method:?}");
        for (got, want) in s.order_lines(id).iter().zip(lines.as_array().unwrap()) {
            assert_eq!(
                money(&got["price_subtotal"]),
                money(&want["price_subtotal"]),
                "{method:?} {}",
                want["name"]
            );
            assert_eq!(
                money(&got["price_tax"]),
                money(&want["price_tax"]),
                "{method:?} {}",
                want["name"]
            );
        }
    }
}

/// New build and renovation (10 % and 5.5 %, retenue), each rounding method: Odoo's three
/// totals read back equal the devis's to the cent, and the push says so.
#[tokio::test]
async fn totals_equal_the_devis_under_both_rounding_methods() {
    for method in [TaxRounding::Globally, TaxRounding::PerLine] {
        for renovation in [false, true] {
            let s = odoo_standin::start(Options::default()).await;
            set_rounding(&s, method);
            let e = if renovation {
                devis::repriced(&devis::renovation("SCI Les Tilleuls", None, method))
            } else {
                devis::house_rounded("SCI Les Tilleuls", None, method)
            };
            let out = push(&s, &e, &Previous::default())
                .await
                .unwrap_or_else(|err| panic!("{method:?} renovation={renovation}: {err}"));
            assert_eq!(
                totals(&order(&s, out.order_id)),
                devis_totals(&e),
                "{method:?} renovation={renovation}"
            );
            assert_eq!(
                (out.amount_untaxed, out.amount_tax, out.amount_total),
                devis_totals(&e)
            );
        }
    }
}

/// The two methods do give other cents on the sample house: the test above would catch a
/// devis computed the wrong way.
#[test]
fn the_methods_differ_on_the_sample_house() {
    let g = devis::repriced(&devis::house_rounded("X", None, TaxRounding::Globally));
    let p = devis::repriced(&devis::house_rounded("X", None, TaxRounding::PerLine));
    assert_ne!(devis_totals(&g), devis_totals(&p));
    assert!(!g.rounding_adjustment.is_zero() || g.total_vat != p.total_vat);
    assert!(p.rounding_adjustment.is_zero());
}

/// A devis rounded per line cannot become a quotation of a company that rounds globally:
/// refused before anything is written, with what to change.
#[tokio::test]
async fn another_rounding_method_is_refused_before_writing() {
    let s = odoo_standin::start(Options::default()).await;
    let e = devis::house_rounded("SCI Les Tilleuls", None, TaxRounding::PerLine);
    let commits = s.commits();
    let err = push(&s, &e, &Previous::default()).await.unwrap_err();
    assert!(
        matches!(&err, OdooError::Mismatch(m) if m.contains("round_globally")
            && m.contains("round_per_line") && m.contains("tax_rounding")),
        "{err:?}"
    );
    assert_eq!(s.commits(), commits, "nothing written");
}

/// An estimate priced before the method was recorded, whose totals Odoo computes otherwise:
/// the push writes, reads Odoo's totals back, fails with both sets of figures and warns on
/// the order.
#[tokio::test]
async fn totals_read_back_that_differ_fail_the_push() {
    let s = odoo_standin::start(Options::default()).await;
    let mut e = devis::repriced(&devis::house_rounded(
        "SCI Les Tilleuls",
        None,
        TaxRounding::PerLine,
    ));
    let global = devis::repriced(&devis::house_rounded(
        "SCI Les Tilleuls",
        None,
        TaxRounding::Globally,
    ));
    assert_ne!(devis_totals(&e), devis_totals(&global), "precondition");
    e.settings.tax_rounding = None;
    let err = push(&s, &e, &Previous::default()).await.unwrap_err();
    let OdooError::Mismatch(m) = &err else {
        panic!("{err:?}")
    };
    assert!(
        m.contains(&e.total_ht.to_string()) && m.contains(&global.total_ht.to_string()),
        "{m}"
    );
    let warned = s.messages().into_iter().any(|msg| {
        msg["model"] == json!("sale.order")
            && msg["body"]
                .as_str()
                .is_some_and(|b| b.contains("Ne l'envoyez pas"))
    });
    assert!(warned, "the order says it must not be sent");
}

/// A fresh database ships m³ and the 10 % and 5.5 % sale taxes archived: found, re-activated,
/// on the lines, and said in the result.
#[tokio::test]
async fn archived_units_and_taxes_are_found_and_reactivated() {
    let s = odoo_standin::start(Options::default()).await;
    assert!(!active(&s, "uom.uom", 13) && !active(&s, "account.tax", 50));
    let e = devis::renovation("SCI Les Tilleuls", None, TaxRounding::Globally);
    let out = push(&s, &e, &Previous::default()).await.unwrap();
    assert!(active(&s, "uom.uom", 13), "m³ re-activated");
    assert!(active(&s, "account.tax", 50) && active(&s, "account.tax", 51));
    for w in ["m³", "10% S", "5.5% S"] {
        assert!(
            out.warnings.iter().any(|x| x.contains(w)),
            "{w}: {:?}",
            out.warnings
        );
    }
    let lines = s.order_lines(out.order_id);
    let m3: Vec<&Value> = lines
        .iter()
        .filter(|l| l["product_uom_id"][0] == json!(13))
        .collect();
    assert!(!m3.is_empty(), "excavation and concrete in m³");
    let m3_product = m3[0]["product_id"][0].as_i64().unwrap();
    assert_eq!(
        s.records_where("product.product", "id", json!(m3_product))[0]["uom_id"][0],
        json!(13),
        "the product is created in m³"
    );
}

/// With re-activation off, the archived records are used as they are.
#[tokio::test]
async fn archived_units_and_taxes_are_used_as_they_are_when_configured() {
    let s = odoo_standin::start(Options::default()).await;
    let client = odoo::OdooClient::new(odoo::OdooConfig {
        reactivate_archived: false,
        ..s.config(Transport::Json2)
    })
    .unwrap();
    let e = devis::renovation("SCI Les Tilleuls", None, TaxRounding::Globally);
    let out = odoo::push_estimate(&client, &e, &devis::pdf(&e), &Previous::default())
        .await
        .unwrap();
    assert!(!active(&s, "uom.uom", 13) && !active(&s, "account.tax", 50));
    assert!(
        s.order_lines(out.order_id)
            .iter()
            .any(|l| l["product_uom_id"][0] == json!(13))
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("used while archived")),
        "{:?}",
        out.warnings
    );
    assert_eq!(totals(&order(&s, out.order_id)), devis_totals(&e));
}

/// A unit that does not exist at all: an error naming it and where to create it.
#[tokio::test]
async fn a_missing_unit_says_what_to_do() {
    let s = odoo_standin::start(Options::default()).await;
    // Neither the external id nor the name finds m³ any more.
    s.write("uom.uom", 13, json!({"name": "mètre cube"}));
    for d in s.records("ir.model.data") {
        if d["res_id"] == json!(13) {
            s.write(
                "ir.model.data",
                d["id"].as_i64().unwrap(),
                json!({"res_id": 999}),
            );
        }
    }
    let e = devis::house("SCI Les Tilleuls", None);
    let commits = s.commits();
    let err = push(&s, &e, &Previous::default()).await.unwrap_err();
    assert!(
        matches!(&err, OdooError::Missing(m) if m.contains("m³") && m.contains("Units of Measure")),
        "{err:?}"
    );
    assert_eq!(s.commits(), commits, "nothing written");
}

/// Quantities with more decimals than Odoo keeps would be rounded by Odoo: refused first.
#[tokio::test]
async fn quantities_odoo_would_round_are_refused_before_writing() {
    let s = odoo_standin::start(Options::default()).await;
    let e = devis::house("SCI Les Tilleuls", None);
    let e3 = estimate::reprice(
        &e,
        &chantier_estimator::library::PriceLibrary::sample(),
        &chantier_estimator::clauses::ClauseLibrary::sample(),
        &chantier_estimator::profile::FirmProfile::sample(),
        EstimateSettings {
            quantity_decimals: 3,
            ..e.settings.clone()
        },
    )
    .unwrap();
    assert!(e3.lines().any(|l| l.quantity.normalize().scale() == 3));
    let commits = s.commits();
    let err = push(&s, &e3, &Previous::default()).await.unwrap_err();
    assert!(
        matches!(&err, OdooError::Mismatch(m) if m.contains("Decimal Accuracy")),
        "{err:?}"
    );
    assert_eq!(s.commits(), commits, "nothing written");
}

/// A product made earlier with another unit is reported; the line carries the devis's.
#[tokio::test]
async fn a_product_with_another_unit_is_reported() {
    let s = odoo_standin::start(Options::default()).await;
    let e = devis::house("SCI Les Tilleuls", None);
    let l = e
        .lines()
        .find(|l| l.unit == chantier_estimator::library::Unit::M3)
        .unwrap();
    s.create(
        "product.product",
        json!({"name": "old", "default_code": l.code, "type": "service", "uom_id": 1}),
    );
    let out = push(&s, &e, &Previous::default()).await.unwrap();
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains(&l.code) && w.contains("Units") && w.contains("m³")),
        "{:?}",
        out.warnings
    );
    let line = s
        .order_lines(out.order_id)
        .into_iter()
        .find(|x| {
            x["name"]
                .as_str()
                .unwrap()
                .starts_with(&format!("[{}]", l.code))
        })
        .unwrap();
    assert_eq!(line["product_uom_id"][0], json!(13));
}

/// A salesperson edits the draft; the re-priced estimate is refused with the reason and
/// the edit kept, or, configured so, sent as a new quotation beside the untouched draft.
#[tokio::test]
async fn an_edited_draft_is_refused_or_left_for_a_new_quotation() {
    let s = odoo_standin::start(Options::default()).await;
    let e1 = devis::house("SCI Les Tilleuls", None);
    let first = push(&s, &e1, &Previous::default()).await.unwrap();
    let line = s
        .order_lines(first.order_id)
        .into_iter()
        .find(|l| l["display_type"] == json!(false))
        .unwrap();
    let line_id = line["id"].as_i64().unwrap();
    s.write("sale.order.line", line_id, json!({"price_unit": 1.0}));
    let e2 = devis::repriced(&e1);
    let lines = s.records("sale.order.line");
    let err = push(&s, &e2, &first.previous()).await.unwrap_err();
    assert!(
        matches!(&err, OdooError::Conflict(m) if m.contains(&first.order_name)
            && m.contains("new_quotation")),
        "{err:?}"
    );
    assert_eq!(s.records("sale.order.line"), lines, "nothing rewritten");

    let client = odoo::OdooClient::new(odoo::OdooConfig {
        edited_draft: EditedDraft::NewQuotation,
        ..s.config(Transport::Json2)
    })
    .unwrap();
    let out = odoo::push_estimate(&client, &e2, &devis::pdf(&e2), &first.previous())
        .await
        .unwrap();
    assert!(out.created && out.order_id != first.order_id);
    assert_eq!(totals(&order(&s, out.order_id)), devis_totals(&e2));
    let kept = s.records_where("sale.order.line", "id", json!(line_id));
    assert_eq!(
        kept[0]["price_unit"],
        json!(1.0),
        "the edited draft is left alone"
    );
    // The next push follows the new quotation.
    let again = odoo::push_estimate(&client, &e2, &devis::pdf(&e2), &out.previous())
        .await
        .unwrap();
    assert_eq!((again.order_id, again.unchanged), (out.order_id, true));
}

/// Without edits, a re-priced estimate rewrites its draft; new terms with the same lines
/// write the header only.
#[tokio::test]
async fn a_draft_nobody_edited_is_rewritten() {
    let s = odoo_standin::start(Options::default()).await;
    let e1 = devis::house("SCI Les Tilleuls", None);
    let first = push(&s, &e1, &Previous::default()).await.unwrap();
    let lines = s.records("sale.order.line");
    let mut longer = estimate::reprice(
        &e1,
        &chantier_estimator::library::PriceLibrary::sample(),
        &chantier_estimator::clauses::ClauseLibrary::sample(),
        &chantier_estimator::profile::FirmProfile::sample(),
        EstimateSettings {
            validity_days: Some(120),
            ..e1.settings.clone()
        },
    )
    .unwrap();
    longer.version = 2;
    let second = push(&s, &longer, &first.previous()).await.unwrap();
    assert!(!second.unchanged && !second.created);
    assert_eq!(
        s.records("sale.order.line"),
        lines,
        "same lines: not rewritten"
    );
    assert_eq!(
        order(&s, first.order_id)["validity_date"],
        json!(longer.valid_until.format("%Y-%m-%d").to_string())
    );
    let third = push(&s, &devis::repriced(&longer), &second.previous())
        .await
        .unwrap();
    assert!(!third.unchanged);
    assert_ne!(s.records("sale.order.line"), lines, "new prices: rewritten");
}

/// The start-up check on a fresh French database: no problem, the archived units and taxes
/// said as facts; on a database without the modules, one problem each.
#[tokio::test]
async fn startup_check_names_each_problem() {
    let s = odoo_standin::start(Options::default()).await;
    let c = s.client(Transport::Json2);
    let (findings, company) = odoo::setup::check(&c, true).await;
    let problems: Vec<_> = findings
        .iter()
        .filter(|f| matches!(f, odoo::setup::Finding::Problem(_)))
        .collect();
    assert!(problems.is_empty(), "{findings:#?}");
    assert_eq!(company.unwrap().rounding, Some(TaxRounding::Globally));
    let facts = format!("{findings:?}");
    assert!(
        facts.contains("m³") && facts.contains("round_globally"),
        "{facts}"
    );

    for m in s.records("ir.module.module") {
        if m["name"] == json!("sale_management") {
            s.write(
                "ir.module.module",
                m["id"].as_i64().unwrap(),
                json!({"state": "uninstalled"}),
            );
        }
    }
    let (findings, _) = odoo::setup::check(&c, true).await;
    assert!(
        findings
            .iter()
            .any(|f| matches!(f, odoo::setup::Finding::Problem(p)
            if p.contains("sale_management"))),
        "{findings:#?}"
    );

    let bad = odoo::OdooClient::new(odoo::OdooConfig {
        key: "0000000000000000000000000000000000000000".into(),
        ..s.config(Transport::Json2)
    })
    .unwrap();
    let (findings, company) = odoo::setup::check(&bad, true).await;
    assert!(company.is_none());
    assert!(
        matches!(findings.as_slice(), [odoo::setup::Finding::Problem(p)] if p.contains("credentials")),
        "{findings:#?}"
    );
}
