//! Pushing an estimate into Odoo as a quotation, idempotently: the order is found by the
//! estimate's reference before anything is created, a re-priced estimate rewrites the draft,
//! and everything the order needs (partner, products, units, taxes) is resolved before the
//! order is written, so a failure never leaves half an order behind.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{OdooClient, OdooError};
use crate::estimate::Estimate;
use crate::library::Unit;

/// What the push did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushOutcome {
    pub order_id: i64,
    pub order_name: String,
    /// False when an existing draft was updated.
    pub created: bool,
    pub partner_id: i64,
    pub attachment_id: i64,
    pub message_ids: Vec<i64>,
}

/// Odoo's unit names for ours. Odoo's "ml" is the millilitre: our linear metre is "m".
fn uom_name(u: Unit) -> &'static str {
    match u {
        Unit::U | Unit::Ens => "Units",
        Unit::Ml => "m",
        Unit::M2 => "m²",
        Unit::M3 => "m³",
        Unit::Kg => "kg",
        Unit::H => "Hours",
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Splits "69003 Lyon" into zip and city.
fn zip_city(line: &str) -> Option<(String, String)> {
    let (zip, city) = line.trim().split_once(' ')?;
    (zip.len() == 5 && zip.chars().all(|c| c.is_ascii_digit()))
        .then(|| (zip.to_string(), city.trim().to_string()))
}

async fn partner(odoo: &OdooClient, e: &Estimate) -> Result<i64, OdooError> {
    let c = &e.client;
    let name = if c.name.trim().is_empty() {
        "Client"
    } else {
        c.name.trim()
    };
    // The email identifies a client; a name alone only when there is no email (two
    // "Martin" are not the same customer).
    let domain = if c.email.is_empty() {
        json!([["name", "=", name]])
    } else {
        json!([["email", "=ilike", c.email]])
    };
    if let Some(p) = odoo
        .search_read("res.partner", domain, &["id"], Some(1))
        .await?
        .first()
    {
        return p["id"]
            .as_i64()
            .ok_or_else(|| OdooError::Protocol("partner without id".into()));
    }
    let mut vals = json!({"name": name, "is_company": c.is_company});
    if let Some(street) = c.address.first() {
        vals["street"] = json!(street);
    }
    if let Some((zip, city)) = c.address.last().and_then(|l| zip_city(l)) {
        vals["zip"] = json!(zip);
        vals["city"] = json!(city);
    }
    for (k, v) in [
        ("email", &c.email),
        ("phone", &c.phone),
        ("vat", &c.vat_number),
    ] {
        if !v.is_empty() {
            vals[k] = json!(v);
        }
    }
    first_id(odoo.create("res.partner", vec![vals]).await?)
}

async fn uoms(odoo: &OdooClient) -> Result<BTreeMap<String, i64>, OdooError> {
    Ok(odoo
        .search_read("uom.uom", json!([]), &["id", "name"], None)
        .await?
        .iter()
        .filter_map(|u| Some((u["name"].as_str()?.to_string(), u["id"].as_i64()?)))
        .collect())
}

/// Sale taxes by rate in percent x 1000 (5.5 % -> 5500), services preferred to goods.
async fn taxes(odoo: &OdooClient) -> Result<BTreeMap<i64, i64>, OdooError> {
    let rows = odoo
        .search_read(
            "account.tax",
            json!([
                ["type_tax_use", "=", "sale"],
                ["amount_type", "=", "percent"],
                ["price_include", "=", false]
            ]),
            &["id", "name", "amount", "tax_scope"],
            None,
        )
        .await?;
    let mut out = BTreeMap::new();
    for pass in ["service", ""] {
        for t in &rows {
            let scope = t["tax_scope"].as_str().unwrap_or_default();
            if (pass == "service") != (scope == "service") {
                continue;
            }
            let (Some(id), Some(amount)) = (t["id"].as_i64(), t["amount"].as_f64()) else {
                continue;
            };
            out.entry((amount * 1000.0).round() as i64).or_insert(id);
        }
    }
    Ok(out)
}

async fn products(
    odoo: &OdooClient,
    e: &Estimate,
    uom: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, i64>, OdooError> {
    let lines: Vec<_> = e
        .lines()
        .chain(
            e.variants
                .iter()
                .flat_map(|v| v.lots.iter().flat_map(|l| &l.lines)),
        )
        .collect();
    let codes: BTreeSet<&str> = lines.iter().map(|l| l.code.as_str()).collect();
    let mut found: BTreeMap<String, i64> = odoo
        .search_read(
            "product.product",
            json!([["default_code", "in", codes.iter().collect::<Vec<_>>()]]),
            &["id", "default_code"],
            None,
        )
        .await?
        .iter()
        .filter_map(|p| Some((p["default_code"].as_str()?.to_string(), p["id"].as_i64()?)))
        .collect();
    let mut missing = Vec::new();
    let mut missing_codes = Vec::new();
    for code in codes {
        if found.contains_key(code) || missing_codes.contains(&code) {
            continue;
        }
        let l = lines
            .iter()
            .find(|l| l.code == code)
            .expect("code comes from lines");
        let mut vals = json!({
            "name": l.designation, "default_code": code, "type": "service",
            "list_price": f(l.unit_price), "sale_ok": true,
        });
        if let Some(id) = uom.get(uom_name(l.unit)) {
            vals["uom_id"] = json!(id);
        }
        missing.push(vals);
        missing_codes.push(code);
    }
    if !missing.is_empty() {
        let ids = odoo.create("product.product", missing).await?;
        for (code, id) in missing_codes.into_iter().zip(ids) {
            found.insert(code.to_string(), id);
        }
    }
    Ok(found)
}

/// The order's `order_line` commands: a section per lot, then its lines, in print order.
fn order_lines(
    e: &Estimate,
    major: u32,
    products: &BTreeMap<String, i64>,
    uom: &BTreeMap<String, i64>,
    taxes: &BTreeMap<i64, i64>,
) -> Result<Vec<Value>, OdooError> {
    // Odoo 19 renamed the line's unit and taxes fields.
    let (uom_field, tax_field) = if major >= 19 {
        ("product_uom_id", "tax_ids")
    } else {
        ("product_uom", "tax_id")
    };
    let mut cmds = Vec::new();
    let mut seq = 10;
    let mut sections: Vec<(String, &[crate::estimate::LotSection])> =
        vec![(String::new(), e.lots.as_slice())];
    for v in &e.variants {
        sections.push((v.name.clone(), v.lots.as_slice()));
    }
    let reverse_charge = e.vat_regime == crate::estimate::VatRegime::ReverseCharge;
    for (variant, lots) in sections {
        for lot in lots {
            let title = if variant.is_empty() {
                lot.name.clone()
            } else if e.english() {
                format!("Option {variant} (not included) — {}", lot.name)
            } else {
                format!("Option {variant} (non comprise) — {}", lot.name)
            };
            cmds.push(
                json!([0, 0, {"display_type": "line_section", "name": title, "sequence": seq}]),
            );
            seq += 1;
            for l in &lot.lines {
                if !variant.is_empty() {
                    // Options are described, not ordered: the quotation's total stays the
                    // devis's base total.
                    let text = format!(
                        "[{}] {} — {} {} x {} € = {} € HT",
                        l.code,
                        l.designation,
                        l.quantity.normalize(),
                        l.unit.label(),
                        l.unit_price,
                        l.total
                    );
                    cmds.push(
                        json!([0, 0, {"display_type": "line_note", "name": text, "sequence": seq}]),
                    );
                    seq += 1;
                    continue;
                }
                let rate = (l.vat_rate * Decimal::new(100_000, 0))
                    .to_i64()
                    .unwrap_or(0);
                let tax = match taxes.get(&rate) {
                    // Autoliquidation: no tax on the quotation, the mention says why.
                    _ if reverse_charge => Vec::new(),
                    Some(t) => vec![*t],
                    None if rate == 0 => Vec::new(),
                    None => {
                        return Err(OdooError::Rejected(format!(
                            "Odoo has no sale tax of {} % (install the French localisation l10n_fr or create it)",
                            (l.vat_rate * Decimal::ONE_HUNDRED).normalize()
                        )));
                    }
                };
                let name = format!("[{}] {}", l.code, l.designation);
                let mut vals = json!({
                    "product_id": products.get(&l.code).ok_or_else(|| {
                        OdooError::Protocol(format!("no product was made for {}", l.code))
                    })?,
                    "name": if l.group.is_empty() { name } else { format!("{name} ({})", l.group) },
                    "product_uom_qty": f(l.quantity),
                    "price_unit": f(l.unit_price),
                    "sequence": seq,
                });
                vals[tax_field] = json!([[6, 0, tax]]);
                if let Some(u) = uom.get(uom_name(l.unit)) {
                    vals[uom_field] = json!(u);
                }
                cmds.push(json!([0, 0, vals]));
                seq += 1;
            }
        }
    }
    Ok(cmds)
}

/// Pushes (or updates) the quotation for `e`, attaching the proposal PDF.
pub async fn push_estimate(
    odoo: &OdooClient,
    e: &Estimate,
    pdf: &[u8],
) -> Result<PushOutcome, OdooError> {
    let server = odoo.server().await?;
    // Resolve everything first: nothing is written to the order until all of it is known.
    // Taxes first: a devis Odoo cannot tax is refused before anything is created.
    let tax = taxes(odoo).await?;
    check_taxes(e, &tax)?;
    let partner_id = partner(odoo, e).await?;
    let uom = uoms(odoo).await?;
    let products = products(odoo, e, &uom).await?;
    let lines = order_lines(e, server.major, &products, &uom, &tax)?;

    let existing = odoo
        .search_read(
            "sale.order",
            json!([["client_order_ref", "=", e.reference]]),
            &["id", "name", "state"],
            Some(1),
        )
        .await?;
    let mut header = json!({
        "partner_id": partner_id,
        "client_order_ref": e.reference,
        "validity_date": e.valid_until.format("%Y-%m-%d").to_string(),
        "note": note(e),
    });
    if let Some(lead) = e.opportunity_id {
        header["opportunity_id"] = json!(lead);
    }
    let (order_id, created) = match existing.first() {
        Some(o) => {
            let id = o["id"]
                .as_i64()
                .ok_or_else(|| OdooError::Protocol("order without id".into()))?;
            let state = o["state"].as_str().unwrap_or_default();
            if !matches!(state, "draft" | "sent") {
                return Err(OdooError::Rejected(format!(
                    "quotation {} is already {state} in Odoo; a re-priced estimate cannot change it",
                    o["name"].as_str().unwrap_or_default()
                )));
            }
            let mut vals = header.clone();
            let mut cmds = vec![json!([5, 0, 0])];
            cmds.extend(lines);
            vals["order_line"] = Value::Array(cmds);
            odoo.write("sale.order", &[id], vals).await?;
            (id, false)
        }
        None => {
            let mut vals = header.clone();
            vals["order_line"] = Value::Array(lines);
            (
                first_id(odoo.create("sale.order", vec![vals]).await?)?,
                true,
            )
        }
    };
    let order_name = odoo
        .search_read(
            "sale.order",
            json!([["id", "=", order_id]]),
            &["name"],
            Some(1),
        )
        .await?
        .first()
        .and_then(|o| o["name"].as_str().map(str::to_string))
        .unwrap_or_default();

    // One attachment per estimate version: a retry finds it instead of attaching twice.
    let file_name = format!("{} v{}.pdf", e.reference, e.version);
    let datas = base64::engine::general_purpose::STANDARD.encode(pdf);
    let mut message_ids = Vec::new();
    let body = if e.english() {
        format!(
            "Quotation {} v{} from chantier: {} excl. VAT.",
            e.reference, e.version, e.total_ht
        )
    } else {
        format!(
            "Devis {} v{} établi par chantier : {} € HT.",
            e.reference, e.version, e.total_ht
        )
    };
    let mut attachment_id = 0;
    let mut targets = vec![("sale.order", order_id)];
    if let Some(lead) = e.opportunity_id {
        targets.push(("crm.lead", lead));
    }
    for (model, res_id) in targets {
        let found = odoo
            .search_read(
                "ir.attachment",
                json!([
                    ["res_model", "=", model],
                    ["res_id", "=", res_id],
                    ["name", "=", file_name]
                ]),
                &["id"],
                Some(1),
            )
            .await?;
        let att = match found.first().and_then(|a| a["id"].as_i64()) {
            Some(id) => id,
            None => {
                let vals = json!({"name": file_name, "type": "binary", "datas": datas,
                    "res_model": model, "res_id": res_id, "mimetype": "application/pdf"});
                first_id(odoo.create("ir.attachment", vec![vals]).await?)?
            }
        };
        if model == "sale.order" {
            attachment_id = att;
        }
        // One message per attachment: a push that failed after attaching still posts it
        // on the next attempt, and a retry of a complete push posts nothing more.
        let posted = odoo
            .search_read(
                "mail.message",
                json!([
                    ["model", "=", model],
                    ["res_id", "=", res_id],
                    ["attachment_ids", "in", [att]]
                ]),
                &["id"],
                Some(1),
            )
            .await?;
        if posted.is_empty() {
            message_ids.push(odoo.message_post(model, res_id, &body, &[att]).await?);
        }
    }
    Ok(PushOutcome {
        order_id,
        order_name,
        created,
        partner_id,
        attachment_id,
        message_ids,
    })
}

/// Every VAT rate of the devis must exist as a sale tax in Odoo (reverse charge needs none).
fn check_taxes(e: &Estimate, taxes: &BTreeMap<i64, i64>) -> Result<(), OdooError> {
    if e.vat_regime == crate::estimate::VatRegime::ReverseCharge {
        return Ok(());
    }
    for l in e.lines() {
        let rate = (l.vat_rate * Decimal::new(100_000, 0))
            .to_i64()
            .unwrap_or(0);
        if rate != 0 && !taxes.contains_key(&rate) {
            return Err(OdooError::Rejected(format!(
                "Odoo has no sale tax of {} % (install the French localisation l10n_fr or create it)",
                (l.vat_rate * Decimal::ONE_HUNDRED).normalize()
            )));
        }
    }
    Ok(())
}

pub(crate) fn first_id(ids: Vec<i64>) -> Result<i64, OdooError> {
    ids.first()
        .copied()
        .ok_or_else(|| OdooError::Protocol("create returned no id".into()))
}

/// Terms printed in the order's note: payment schedule and validity.
fn note(e: &Estimate) -> String {
    let mut s = String::new();
    for p in &e.payments {
        s.push_str(&format!("{}: {} €\n", p.label, p.amount));
    }
    for m in e
        .mentions
        .iter()
        .filter(|m| m.id == "autoliquidation" || m.id == "tva_attestation_2025")
    {
        s.push_str(&m.text);
        s.push('\n');
    }
    s
}
