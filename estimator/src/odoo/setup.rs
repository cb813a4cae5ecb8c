//! What a quotation needs from the Odoo database, looked up before anything is written: the
//! company a new order goes to (its tax rounding method and currency), the decimal
//! precisions of prices and quantities, our units and the sale taxes of our VAT rates.
//!
//! A fresh French database ships m³ and the 10 % and 5.5 % sale taxes archived, so units
//! and taxes are looked up archived ones included, and re-activated when the configuration
//! says so. Whatever is missing gets an error that says what to do in Odoo. The same
//! look-ups make `serve`'s start-up check ([`check`]).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::{OdooClient, OdooError};
use crate::estimate::TaxRounding;
use crate::library::Unit;

/// The company a new quotation is created in.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: i64,
    pub name: String,
    /// `None` when the server predates the field or answers something unknown.
    pub rounding: Option<TaxRounding>,
    pub currency: String,
}

/// Decimal places Odoo keeps for unit prices and quantities (`decimal.precision`); a value
/// with more is rounded by Odoo when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precisions {
    pub price: u32,
    pub quantity: u32,
}

/// A unit or tax found in Odoo.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// Odoo's external id (module `uom`) of our units. Our linear metre is Odoo's `m`; Odoo's
/// `ml` is the millilitre.
fn unit_xmlid(u: Unit) -> &'static str {
    match u {
        Unit::U | Unit::Ens => "product_uom_unit",
        Unit::Ml => "product_uom_meter",
        Unit::M2 => "product_uom_square_meter",
        Unit::M3 => "product_uom_cubic_meter",
        Unit::Kg => "product_uom_kgm",
        Unit::H => "product_uom_hour",
    }
}

/// Odoo's (English) name of our units, for databases whose units lost their external id.
/// Odoo's `ml` is the millilitre: our linear metre is `m`.
pub fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::U | Unit::Ens => "Units",
        Unit::Ml => "m",
        Unit::M2 => "m²",
        Unit::M3 => "m³",
        Unit::Kg => "kg",
        Unit::H => "Hours",
    }
}

pub(crate) const ALL_UNITS: [Unit; 7] = [
    Unit::U,
    Unit::Ens,
    Unit::Ml,
    Unit::M2,
    Unit::M3,
    Unit::Kg,
    Unit::H,
];

/// A rate as Odoo's `amount` in thousandths of a percent (5.5 % -> 5500), our map key.
pub(crate) fn rate_key(rate: Decimal) -> i64 {
    (rate * Decimal::new(100_000, 0)).to_i64().unwrap_or(0)
}

fn percent(rate: Decimal) -> String {
    (rate * Decimal::ONE_HUNDRED).normalize().to_string()
}

fn many2one_name(v: &Value) -> String {
    v.get(1)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn id(v: &Value) -> Result<i64, OdooError> {
    v["id"]
        .as_i64()
        .ok_or_else(|| OdooError::Protocol(format!("a record without id: {v}")))
}

/// The company a new sale order goes to (the user's current company).
pub async fn company(odoo: &OdooClient) -> Result<Company, OdooError> {
    let defaults = odoo.default_get("sale.order", &["company_id"]).await?;
    let cid = match &defaults["company_id"] {
        Value::Number(n) => n.as_i64(),
        v => v.get(0).and_then(Value::as_i64),
    };
    let domain = match cid {
        Some(cid) => json!([["id", "=", cid]]),
        None => json!([]),
    };
    let rows = odoo
        .search_read(
            "res.company",
            domain,
            &[
                "id",
                "name",
                "tax_calculation_rounding_method",
                "currency_id",
            ],
            Some(1),
        )
        .await?;
    let c = rows
        .first()
        .ok_or_else(|| OdooError::Protocol("Odoo lists no company".into()))?;
    Ok(Company {
        id: id(c)?,
        name: c["name"].as_str().unwrap_or_default().to_string(),
        rounding: c["tax_calculation_rounding_method"]
            .as_str()
            .and_then(TaxRounding::parse),
        currency: many2one_name(&c["currency_id"]),
    })
}

/// Decimal places of unit prices ("Product Price") and quantities ("Product Unit", called
/// "Product Unit of Measure" before 19). Odoo's defaults when a name is not found.
pub async fn precisions(odoo: &OdooClient) -> Result<Precisions, OdooError> {
    let rows = odoo
        .search_read(
            "decimal.precision",
            json!([[
                "name",
                "in",
                ["Product Price", "Product Unit", "Product Unit of Measure"]
            ]]),
            &["name", "digits"],
            None,
        )
        .await?;
    let digits = |names: &[&str], default: u32| {
        rows.iter()
            .find(|r| names.contains(&r["name"].as_str().unwrap_or_default()))
            .and_then(|r| r["digits"].as_u64())
            .map_or(default, |d| d as u32)
    };
    Ok(Precisions {
        price: digits(&["Product Price"], 2),
        quantity: digits(&["Product Unit", "Product Unit of Measure"], 2),
    })
}

/// Our units as Odoo records, archived ones included: by external id, else by name.
pub async fn find_units(
    odoo: &OdooClient,
    units: &[Unit],
) -> Result<BTreeMap<Unit, Found>, OdooError> {
    let xmlids: Vec<&str> = units.iter().map(|u| unit_xmlid(*u)).collect();
    let data = odoo
        .search_read(
            "ir.model.data",
            json!([
                ["module", "=", "uom"],
                ["model", "=", "uom.uom"],
                ["name", "in", xmlids]
            ]),
            &["name", "res_id"],
            None,
        )
        .await?;
    let by_xmlid: BTreeMap<String, i64> = data
        .iter()
        .filter_map(|d| Some((d["name"].as_str()?.to_string(), d["res_id"].as_i64()?)))
        .collect();
    let names: Vec<&str> = units.iter().map(|u| unit_name(*u)).collect();
    let ids: Vec<i64> = by_xmlid.values().copied().collect();
    let rows = odoo
        .search_read_archived(
            "uom.uom",
            json!(["|", ["id", "in", ids], ["name", "in", names]]),
            &["id", "name", "active"],
        )
        .await?;
    let record = |r: &Value| -> Option<Found> {
        Some(Found {
            id: r["id"].as_i64()?,
            name: r["name"].as_str().unwrap_or_default().to_string(),
            active: r["active"].as_bool().unwrap_or(true),
        })
    };
    let mut out = BTreeMap::new();
    for &u in units {
        let by_id = by_xmlid
            .get(unit_xmlid(u))
            .and_then(|id| rows.iter().find(|r| r["id"].as_i64() == Some(*id)));
        // By name, an active record first: a database may hold an archived duplicate.
        let by_name = || {
            let mut same: Vec<&Value> = rows
                .iter()
                .filter(|r| r["name"].as_str() == Some(unit_name(u)))
                .collect();
            same.sort_by_key(|r| !r["active"].as_bool().unwrap_or(true));
            same.first().copied()
        };
        if let Some(f) = by_id.or_else(by_name).and_then(record) {
            out.insert(u, f);
        }
    }
    Ok(out)
}

/// Sale taxes of the company (percent, price excluded), archived ones included, by rate key;
/// a service-scoped tax is preferred to a goods one, an active one to an archived one.
pub async fn find_taxes(
    odoo: &OdooClient,
    company: &Company,
) -> Result<BTreeMap<i64, Found>, OdooError> {
    let rows = odoo
        .search_read_archived(
            "account.tax",
            json!([
                ["type_tax_use", "=", "sale"],
                ["amount_type", "=", "percent"],
                ["price_include", "=", false],
                ["company_id", "parent_of", company.id]
            ]),
            &["id", "name", "amount", "tax_scope", "active"],
        )
        .await?;
    let rank = |t: &Value| {
        let scope = t["tax_scope"].as_str().unwrap_or_default();
        let scope_rank = match scope {
            "service" => 0,
            "" => 1,
            _ => 2,
        };
        (scope_rank, !t["active"].as_bool().unwrap_or(true))
    };
    let mut sorted: Vec<&Value> = rows.iter().collect();
    sorted.sort_by_key(|t| rank(t));
    let mut out = BTreeMap::new();
    for t in sorted {
        let (Some(id), Some(amount)) = (t["id"].as_i64(), t["amount"].as_f64()) else {
            continue;
        };
        out.entry((amount * 1000.0).round() as i64)
            .or_insert_with(|| Found {
                id,
                name: t["name"].as_str().unwrap_or_default().to_string(),
                active: t["active"].as_bool().unwrap_or(true),
            });
    }
    Ok(out)
}

/// Units and taxes a push uses, re-activated if archived and the configuration allows.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub units: BTreeMap<Unit, i64>,
    pub taxes: BTreeMap<i64, i64>,
    /// The archived records used (re-activated or not), to say so in the push's result.
    pub notes: Vec<String>,
}

/// Finds the units and VAT rates the devis uses; re-activates archived ones when
/// `reactivate`; fails with what to do in Odoo for anything missing.
pub async fn resolve(
    odoo: &OdooClient,
    company: &Company,
    units: &[Unit],
    rates: &[Decimal],
    reactivate: bool,
) -> Result<Resolved, OdooError> {
    let mut out = Resolved::default();
    let found_units = find_units(odoo, units).await?;
    let mut archived_units = Vec::new();
    for &u in units {
        let f = found_units.get(&u).ok_or_else(|| {
            OdooError::Missing(format!(
                "no unit {} ({}) in Odoo: create it in Inventory or Sales > Configuration > Units of Measure",
                unit_name(u),
                u.label()
            ))
        })?;
        if !f.active && !archived_units.contains(&f.id) {
            archived_units.push(f.id);
            out.notes
                .push(format!("unit {} {}", f.name, archived_use(reactivate)));
        }
        out.units.insert(u, f.id);
    }
    let mut archived_taxes = Vec::new();
    if rates.iter().any(|r| !r.is_zero()) {
        let taxes = find_taxes(odoo, company).await?;
        for &rate in rates.iter().filter(|r| !r.is_zero()) {
            let f = taxes.get(&rate_key(rate)).ok_or_else(|| {
                OdooError::Missing(format!(
                    "no sale tax of {} % (price excluded) in company {}: install the French \
                     localisation (l10n_fr_account) or create it in Accounting > Configuration > Taxes",
                    percent(rate),
                    company.name
                ))
            })?;
            if !f.active && !archived_taxes.contains(&f.id) {
                archived_taxes.push(f.id);
                out.notes
                    .push(format!("sale tax {} {}", f.name, archived_use(reactivate)));
            }
            out.taxes.insert(rate_key(rate), f.id);
        }
    }
    if !reactivate {
        // Used as they are: Odoo accepts archived records on lines written through the API.
        return Ok(out);
    }
    for (model, ids) in [("uom.uom", archived_units), ("account.tax", archived_taxes)] {
        if !ids.is_empty() {
            odoo.write(model, &ids, json!({"active": true}))
                .await
                .map_err(|e| match e {
                    OdooError::Access(m) => OdooError::Access(format!(
                        "{m} (re-activating archived {model} records needs an administrator; \
                         activate them in Odoo or set odoo.reactivate_archived = false)"
                    )),
                    other => other,
                })?;
        }
    }
    Ok(out)
}

/// What a push does with an archived unit or tax, as said in its result.
fn archived_use(reactivate: bool) -> &'static str {
    if reactivate {
        "re-activated"
    } else {
        "used while archived"
    }
}

/// The start-up check's fact about an archived record the devis may need.
fn archived_fact(what: &str, name: &str, reactivate: bool) -> Finding {
    Finding::Fact(format!(
        "{what} {name} is archived in Odoo; {}",
        if reactivate {
            "the first push that needs it re-activates it"
        } else {
            "lines will use it archived"
        }
    ))
}

/// One finding of the start-up check: a problem the operator must fix, or a fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Problem(String),
    Fact(String),
}

/// What `serve` checks once at start with `[odoo]` configured: the connection and key,
/// the modules, the company's rounding method and precisions, taxes and units. Never
/// fails: each problem is a finding (Odoo may come later).
pub async fn check(odoo: &OdooClient, reactivate: bool) -> (Vec<Finding>, Option<Company>) {
    let mut out = Vec::new();
    let server = match odoo.server().await {
        Ok(s) => s,
        Err(e) => {
            out.push(Finding::Problem(format!(
                "{e} (pushes wait in the outbox until it answers)"
            )));
            return (out, None);
        }
    };
    let modules = match odoo
        .search_read(
            "ir.module.module",
            json!([[
                "name",
                "in",
                [
                    "sale_management",
                    "crm",
                    "l10n_fr_account",
                    "base_automation"
                ]
            ]]),
            &["name", "state"],
            None,
        )
        .await
    {
        Ok(m) => m,
        Err(e) => {
            // The first authenticated call: a wrong key or database shows here.
            out.push(Finding::Problem(e.to_string()));
            return (out, None);
        }
    };
    let installed = |name: &str| {
        modules
            .iter()
            .any(|m| m["name"] == name && m["state"] == "installed")
    };
    for (name, why) in [
        ("sale_management", "quotations"),
        ("crm", "opportunities and the proposal webhook"),
    ] {
        if !installed(name) {
            out.push(Finding::Problem(format!(
                "module {name} is not installed ({why} need it): install it in Odoo's Apps"
            )));
        }
    }
    if !installed("l10n_fr_account") {
        out.push(Finding::Fact(
            "the French localisation (l10n_fr_account) is not installed: VAT rates must exist as sale taxes".into(),
        ));
    }
    let company = match company(odoo).await {
        Ok(c) => c,
        Err(e) => {
            out.push(Finding::Problem(e.to_string()));
            return (out, None);
        }
    };
    if company.currency != "EUR" {
        out.push(Finding::Problem(format!(
            "company {} keeps its books in {}, the devis are in EUR",
            company.name, company.currency
        )));
    }
    match precisions(odoo).await {
        Ok(p) if p.price < 2 => out.push(Finding::Problem(format!(
            "Odoo keeps {} decimals of unit prices (Settings > Technical > Decimal Accuracy > Product Price): devis prices have 2",
            p.price
        ))),
        Ok(_) => {}
        Err(e) => out.push(Finding::Problem(e.to_string())),
    }
    match find_units(odoo, &ALL_UNITS).await {
        Ok(found) => {
            for u in ALL_UNITS {
                match found.get(&u) {
                    None => out.push(Finding::Problem(format!(
                        "no unit {} in Odoo: create it (Sales > Configuration > Units of Measure)",
                        unit_name(u)
                    ))),
                    Some(f) if !f.active => out.push(archived_fact("unit", &f.name, reactivate)),
                    Some(_) => {}
                }
            }
        }
        Err(e) => out.push(Finding::Problem(e.to_string())),
    }
    match find_taxes(odoo, &company).await {
        Ok(taxes) => {
            for rate in [
                Decimal::new(20, 2),
                Decimal::new(10, 2),
                Decimal::new(55, 3),
            ] {
                match taxes.get(&rate_key(rate)) {
                    None => out.push(Finding::Problem(format!(
                        "no sale tax of {} % in company {}: install l10n_fr_account or create it (Accounting > Configuration > Taxes)",
                        percent(rate),
                        company.name
                    ))),
                    Some(f) if !f.active => {
                        out.push(archived_fact("sale tax", &f.name, reactivate))
                    }
                    Some(_) => {}
                }
            }
        }
        Err(e) => out.push(Finding::Problem(e.to_string())),
    }
    out.push(Finding::Fact(format!(
        "Odoo {} over {:?}, company {} rounds taxes {}",
        server.major,
        server.transport,
        company.name,
        company
            .rounding
            .map_or("(unknown method)", TaxRounding::odoo_name)
    )));
    (out, Some(company))
}
