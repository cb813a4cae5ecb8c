//! Pushing an estimate into Odoo as a quotation, idempotently: the order is found by the
//! estimate's reference (or the order the last push made) before anything is created, and
//! everything the order needs (company settings, partner, products, units, taxes) is resolved
//! and checked before the order is written, so a failure never leaves half an order behind.
//!
//! After writing, Odoo's own totals are read back and compared with the devis's: a
//! difference fails the push (and says so on the order), never passes silently. A push that
//! would not change the order writes nothing; a draft a salesperson edited since the last
//! push is refused or left alone for a new quotation, as configured.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::EditedDraft;
use super::order::{self, Fields, OrderLine, Refs};
use super::setup::{self, unit_name};
use super::{OdooClient, OdooError};
use crate::estimate::{Estimate, VatRegime};

/// What the push did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushOutcome {
    pub order_id: i64,
    pub order_name: String,
    /// True when this push created the order (the first, or a new quotation beside an
    /// edited draft).
    pub created: bool,
    /// True when the order already said everything: nothing was written.
    pub unchanged: bool,
    pub partner_id: i64,
    pub attachment_id: i64,
    pub message_ids: Vec<i64>,
    /// Odoo's totals read back after the push, equal to the devis's.
    pub amount_untaxed: Decimal,
    pub amount_tax: Decimal,
    pub amount_total: Decimal,
    /// What the user should know: units or taxes re-activated, products whose unit in Odoo
    /// differs from the devis's.
    pub warnings: Vec<String>,
    /// Fingerprints kept with the estimate for the next push: what was sent, and the lines
    /// as Odoo held them after it.
    pub sent_digest: String,
    pub lines_digest: String,
}

impl PushOutcome {
    /// What the next push of the same estimate needs to know of this one.
    pub fn previous(&self) -> Previous {
        Previous {
            order_id: Some(self.order_id),
            sent_digest: Some(self.sent_digest.clone()),
            lines_digest: Some(self.lines_digest.clone()),
        }
    }
}

/// What the previous push of this estimate left (the store keeps it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Previous {
    pub order_id: Option<i64>,
    pub sent_digest: Option<String>,
    pub lines_digest: Option<String>,
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

/// Products by code, created when missing with the devis's unit. A product made earlier
/// with another unit is reported (its lines carry the devis's unit all the same).
async fn products(
    odoo: &OdooClient,
    e: &Estimate,
    units: &BTreeMap<crate::library::Unit, i64>,
) -> Result<(BTreeMap<String, i64>, Vec<String>), OdooError> {
    let lines: Vec<_> = e
        .lines()
        .chain(
            e.variants
                .iter()
                .flat_map(|v| v.lots.iter().flat_map(|l| &l.lines)),
        )
        .collect();
    let codes: BTreeSet<&str> = lines.iter().map(|l| l.code.as_str()).collect();
    let rows = odoo
        .search_read(
            "product.product",
            json!([["default_code", "in", codes.iter().collect::<Vec<_>>()]]),
            &["id", "default_code", "uom_id"],
            None,
        )
        .await?;
    let mut found = BTreeMap::new();
    let mut warnings = Vec::new();
    for p in &rows {
        let (Some(code), Some(id)) = (p["default_code"].as_str(), p["id"].as_i64()) else {
            continue;
        };
        if found.contains_key(code) {
            continue;
        }
        found.insert(code.to_string(), id);
        // Only base lines are ordered; an option's product is described, its unit unused.
        let Some(l) = e.lines().find(|l| l.code == code) else {
            continue;
        };
        let uom = p["uom_id"].get(0).and_then(Value::as_i64);
        if let Some(want) = units.get(&l.unit)
            && uom.is_some_and(|u| u != *want)
        {
            warnings.push(format!(
                "product {code} has unit {} in Odoo, the devis says {} ({}): its lines carry the                  devis's unit; correct the product in Odoo",
                p["uom_id"].get(1).and_then(Value::as_str).unwrap_or("?"),
                unit_name(l.unit),
                l.unit.label()
            ));
        }
    }
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
        if let Some(id) = units.get(&l.unit) {
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
    Ok((found, warnings))
}

/// Pushes (or updates) the quotation for `e`, attaching the proposal PDF. `previous` is what
/// the last push of this estimate left; `config` says what to do with archived units and
/// taxes and with an edited draft.
pub async fn push_estimate(
    odoo: &OdooClient,
    e: &Estimate,
    pdf: &[u8],
    previous: &Previous,
) -> Result<PushOutcome, OdooError> {
    let cfg = odoo.config();
    let server = odoo.server().await?;
    let fields = Fields::for_major(server.major);
    // Resolve and check everything first: nothing is written until all of it is known.
    let company = setup::company(odoo).await?;
    if let (Some(ours), Some(theirs)) = (e.tax_rounding(), company.rounding)
        && ours != theirs
    {
        return Err(OdooError::Mismatch(format!(
            "company {} rounds taxes {} in Odoo but devis {} v{} was priced {}: set the same method              on both sides (firm profile [terms] tax_rounding, or Odoo's Accounting > Settings >              Rounding Method), then re-price",
            company.name,
            theirs.odoo_name(),
            e.reference,
            e.version,
            ours.odoo_name()
        )));
    }
    let precisions = setup::precisions(odoo).await?;
    order::check_precisions(e, precisions)?;
    let mut units: Vec<_> = e.lines().map(|l| l.unit).collect();
    units.sort();
    units.dedup();
    let mut rates: Vec<Decimal> = if e.vat_regime == VatRegime::ReverseCharge {
        Vec::new()
    } else {
        e.lines().map(|l| l.vat_rate).collect()
    };
    rates.sort();
    rates.dedup();
    let resolved = setup::resolve(odoo, &company, &units, &rates, cfg.reactivate_archived).await?;
    let mut warnings = resolved.notes.clone();
    let partner_id = partner(odoo, e).await?;
    let (products, product_warnings) = products(odoo, e, &resolved.units).await?;
    warnings.extend(product_warnings);
    let wanted = order::wanted(
        e,
        &Refs {
            products: &products,
            units: &resolved.units,
            taxes: &resolved.taxes,
            precisions,
        },
    )?;
    let mut header = json!({
        "partner_id": partner_id,
        "client_order_ref": e.reference,
        "validity_date": e.valid_until.format("%Y-%m-%d").to_string(),
        "note": note(e),
    });
    if let Some(lead) = e.opportunity_id {
        header["opportunity_id"] = json!(lead);
    }
    let sent_digest = order::digest(&json!({"header": header, "lines": wanted}));
    let commands =
        |lines: &[OrderLine]| -> Vec<Value> { lines.iter().map(|l| l.command(fields)).collect() };

    let (order_id, created, unchanged, kept_digest) = match find_order(odoo, e, previous).await? {
        Some(o) => {
            if !matches!(o.state.as_str(), "draft" | "sent") {
                return Err(OdooError::Conflict(format!(
                    "quotation {} is {} in Odoo; a re-priced estimate cannot change it (make a new                      quotation in Odoo, or cancel and reset it to draft)",
                    o.name,
                    state_words(&o.state)
                )));
            }
            let current = read_lines(odoo, o.id, fields, precisions).await?;
            let lines_same = current == wanted;
            let edited = previous
                .lines_digest
                .as_ref()
                .is_some_and(|d| *d != order::digest(&current));
            if lines_same && previous.sent_digest.as_deref() == Some(sent_digest.as_str()) {
                (o.id, false, true, Some(order::digest(&current)))
            } else if lines_same {
                // Same lines, maybe other terms: the header only, no line rewritten.
                odoo.write("sale.order", &[o.id], header.clone()).await?;
                (o.id, false, false, Some(order::digest(&current)))
            } else if edited {
                match cfg.edited_draft {
                    EditedDraft::Refuse => {
                        return Err(OdooError::Conflict(format!(
                            "the lines of draft {} were changed in Odoo since chantier pushed it;                              chantier will not overwrite them. Undo the changes in Odoo, or set                              odoo.edited_draft = \"new_quotation\" to send this version as a new                              quotation",
                            o.name
                        )));
                    }
                    EditedDraft::NewQuotation => {
                        let mut vals = header.clone();
                        vals["order_line"] = Value::Array(commands(&wanted));
                        let id = first_id(odoo.create("sale.order", vec![vals]).await?)?;
                        warnings.push(format!(
                            "draft {} was edited in Odoo and is left as it is; this version is a new quotation",
                            o.name
                        ));
                        (id, true, false, None)
                    }
                }
            } else {
                let mut vals = header.clone();
                let mut cmds = vec![json!([5, 0, 0])];
                cmds.extend(commands(&wanted));
                vals["order_line"] = Value::Array(cmds);
                odoo.write("sale.order", &[o.id], vals).await?;
                (o.id, false, false, None)
            }
        }
        None => {
            let mut vals = header.clone();
            vals["order_line"] = Value::Array(commands(&wanted));
            (
                first_id(odoo.create("sale.order", vec![vals]).await?)?,
                true,
                false,
                None,
            )
        }
    };

    // Odoo's own totals, read back: the quotation must say what the devis says.
    let totals = read_totals(odoo, order_id).await?;
    let expected_tax = if e.vat_regime == VatRegime::ReverseCharge {
        Decimal::ZERO
    } else {
        e.total_vat
    };
    let expected_total = e.total_ht + expected_tax;
    if (totals.untaxed, totals.tax, totals.total) != (e.total_ht, expected_tax, expected_total) {
        let text = format!(
            "Odoo computes {} HT, {} VAT, {} TTC; devis {} v{} says {} HT, {} VAT, {} TTC",
            totals.untaxed,
            totals.tax,
            totals.total,
            e.reference,
            e.version,
            e.total_ht,
            expected_tax,
            expected_total
        );
        let body = format!(
            "chantier : les montants de ce devis dans Odoo ne sont pas ceux du devis signé ({text}).              Ne l'envoyez pas avant correction."
        );
        // Said on the order too, so nobody sends it meanwhile; a failure to post it must not
        // hide the mismatch.
        if let Err(err) = odoo.message_post("sale.order", order_id, &body, &[]).await {
            tracing::warn!(error = %err, "could not warn on the order");
        }
        return Err(OdooError::Mismatch(format!(
            "quotation {}: {text}",
            totals.name
        )));
    }
    let lines_digest = match kept_digest {
        Some(d) => d,
        None => order::digest(&read_lines(odoo, order_id, fields, precisions).await?),
    };
    let (attachment_id, message_ids) = attach(odoo, e, pdf, order_id).await?;
    Ok(PushOutcome {
        order_id,
        order_name: totals.name,
        created,
        unchanged,
        partner_id,
        attachment_id,
        message_ids,
        amount_untaxed: totals.untaxed,
        amount_tax: totals.tax,
        amount_total: totals.total,
        warnings,
        sent_digest,
        lines_digest,
    })
}

/// An order as the push sees it.
struct Order {
    id: i64,
    name: String,
    state: String,
}

/// The order the last push made, else the one carrying the estimate's reference.
async fn find_order(
    odoo: &OdooClient,
    e: &Estimate,
    previous: &Previous,
) -> Result<Option<Order>, OdooError> {
    let fields = ["id", "name", "state"];
    let mut rows = Vec::new();
    if let Some(id) = previous.order_id {
        rows = odoo
            .search_read("sale.order", json!([["id", "=", id]]), &fields, Some(1))
            .await?;
    }
    if rows.is_empty() {
        rows = odoo
            .search_read(
                "sale.order",
                json!([["client_order_ref", "=", e.reference]]),
                &fields,
                Some(1),
            )
            .await?;
    }
    rows.first()
        .map(|o| {
            Ok(Order {
                id: o["id"]
                    .as_i64()
                    .ok_or_else(|| OdooError::Protocol("order without id".into()))?,
                name: o["name"].as_str().unwrap_or_default().to_string(),
                state: o["state"].as_str().unwrap_or_default().to_string(),
            })
        })
        .transpose()
}

/// A quotation's state in words (Odoo's technical names mean nothing to a user).
fn state_words(state: &str) -> String {
    match state {
        "sale" => "already confirmed (a sales order)".into(),
        "cancel" => "cancelled".into(),
        "done" => "locked".into(),
        other => format!("in state {other:?}"),
    }
}

async fn read_lines(
    odoo: &OdooClient,
    order_id: i64,
    fields: Fields,
    p: setup::Precisions,
) -> Result<Vec<OrderLine>, OdooError> {
    let mut rows = odoo
        .search_read(
            "sale.order.line",
            json!([["order_id", "=", order_id]]),
            &fields.read(),
            None,
        )
        .await?;
    // Odoo shows lines by sequence, then id.
    rows.sort_by_key(|r| {
        (
            r["sequence"].as_i64().unwrap_or_default(),
            r["id"].as_i64().unwrap_or_default(),
        )
    });
    Ok(rows
        .iter()
        .map(|r| OrderLine::from_odoo(r, fields, p))
        .collect())
}

struct Totals {
    name: String,
    untaxed: Decimal,
    tax: Decimal,
    total: Decimal,
}

async fn read_totals(odoo: &OdooClient, order_id: i64) -> Result<Totals, OdooError> {
    let rows = odoo
        .read(
            "sale.order",
            &[order_id],
            &["name", "amount_untaxed", "amount_tax", "amount_total"],
        )
        .await?;
    let o = rows
        .first()
        .ok_or_else(|| OdooError::Protocol(format!("order {order_id} vanished")))?;
    let money = |k: &str| {
        o[k].as_f64()
            .and_then(Decimal::from_f64)
            .map(|d| d.round_dp(2))
            .ok_or_else(|| OdooError::Protocol(format!("order {order_id} has no {k}")))
    };
    Ok(Totals {
        name: o["name"].as_str().unwrap_or_default().to_string(),
        untaxed: money("amount_untaxed")?,
        tax: money("amount_tax")?,
        total: money("amount_total")?,
    })
}

/// Attaches the PDF to the order (and the opportunity) once per version, with one message
/// per attachment: a push that failed after attaching still posts it on the next attempt,
/// and a repeat posts nothing more.
async fn attach(
    odoo: &OdooClient,
    e: &Estimate,
    pdf: &[u8],
    order_id: i64,
) -> Result<(i64, Vec<i64>), OdooError> {
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
    Ok((attachment_id, message_ids))
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
