//! The quotation's lines as chantier wants them and as Odoo holds them, in one normalised
//! form, so a push can tell "nothing to change" from "chantier's new version" from "a
//! salesperson edited the draft".

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::OdooError;
use super::setup::{Precisions, rate_key};
use crate::estimate::{Estimate, LotSection, VatRegime};

/// One order line, normalised: what Odoo shows and sums, nothing it computes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    /// "" for a product line, else Odoo's `display_type` (line_section, line_note).
    pub kind: String,
    pub name: String,
    pub product: Option<i64>,
    /// Quantity and unit price at Odoo's precisions, as decimal strings.
    pub quantity: String,
    pub price_unit: String,
    pub discount: String,
    pub uom: Option<i64>,
    pub taxes: Vec<i64>,
    pub sequence: i64,
}

/// The line fields by server version: 19 renamed the unit and taxes fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub uom: &'static str,
    pub taxes: &'static str,
}

impl Fields {
    pub fn for_major(major: u32) -> Fields {
        if major >= 19 {
            Fields {
                uom: "product_uom_id",
                taxes: "tax_ids",
            }
        } else {
            Fields {
                uom: "product_uom",
                taxes: "tax_id",
            }
        }
    }

    /// What to read of an order's lines to compare them.
    pub fn read(self) -> [&'static str; 10] {
        [
            "id",
            "display_type",
            "name",
            "product_id",
            "product_uom_qty",
            "price_unit",
            "discount",
            self.uom,
            self.taxes,
            "sequence",
        ]
    }
}

fn fixed(d: Decimal, digits: u32) -> String {
    let mut d = d.round_dp(digits);
    d.rescale(digits);
    d.to_string()
}

fn fixed_f64(v: &Value, digits: u32) -> String {
    fixed(
        v.as_f64()
            .and_then(Decimal::from_f64)
            .unwrap_or(Decimal::ZERO),
        digits,
    )
}

fn many2one(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::Array(a) => a.first().and_then(Value::as_i64),
        _ => None,
    }
}

impl OrderLine {
    fn section(name: String, sequence: i64, kind: &str, p: Precisions) -> OrderLine {
        OrderLine {
            kind: kind.into(),
            name,
            product: None,
            quantity: fixed(Decimal::ZERO, p.quantity),
            price_unit: fixed(Decimal::ZERO, p.price),
            discount: fixed(Decimal::ZERO, 2),
            uom: None,
            taxes: Vec::new(),
            sequence,
        }
    }

    /// A line as Odoo's `read` returns it.
    pub fn from_odoo(row: &Value, f: Fields, p: Precisions) -> OrderLine {
        let mut taxes: Vec<i64> = row[f.taxes]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        taxes.sort_unstable();
        OrderLine {
            kind: row["display_type"].as_str().unwrap_or_default().to_string(),
            name: row["name"].as_str().unwrap_or_default().to_string(),
            product: many2one(&row["product_id"]),
            quantity: fixed_f64(&row["product_uom_qty"], p.quantity),
            price_unit: fixed_f64(&row["price_unit"], p.price),
            discount: fixed_f64(&row["discount"], 2),
            uom: many2one(&row[f.uom]),
            taxes,
            sequence: row["sequence"].as_i64().unwrap_or_default(),
        }
    }

    /// The `[0, 0, vals]` command that creates this line.
    pub fn command(&self, f: Fields) -> Value {
        let mut vals = json!({"name": self.name, "sequence": self.sequence});
        if self.kind.is_empty() {
            vals["product_id"] = json!(self.product);
            vals["product_uom_qty"] = json!(self.quantity.parse::<f64>().unwrap_or(0.0));
            vals["price_unit"] = json!(self.price_unit.parse::<f64>().unwrap_or(0.0));
            vals[f.taxes] = json!([[6, 0, self.taxes]]);
            if let Some(u) = self.uom {
                vals[f.uom] = json!(u);
            }
        } else {
            vals["display_type"] = json!(self.kind);
        }
        json!([0, 0, vals])
    }
}

/// What the push needs to build lines: products by code, units, taxes by rate key.
#[derive(Debug)]
pub struct Refs<'a> {
    pub products: &'a BTreeMap<String, i64>,
    pub units: &'a BTreeMap<crate::library::Unit, i64>,
    pub taxes: &'a BTreeMap<i64, i64>,
    pub precisions: Precisions,
}

/// The order's lines: a section per lot, then its lines, in print order; options follow as
/// sections with their lines as notes (described, not ordered: the quotation's total stays
/// the devis's base total).
pub fn wanted(e: &Estimate, r: &Refs<'_>) -> Result<Vec<OrderLine>, OdooError> {
    let p = r.precisions;
    let mut out = Vec::new();
    let mut seq = 10;
    let mut sections: Vec<(String, &[LotSection])> = vec![(String::new(), e.lots.as_slice())];
    for v in &e.variants {
        sections.push((v.name.clone(), v.lots.as_slice()));
    }
    let reverse_charge = e.vat_regime == VatRegime::ReverseCharge;
    for (variant, lots) in sections {
        for lot in lots {
            let title = if variant.is_empty() {
                lot.name.clone()
            } else if e.english() {
                format!("Option {variant} (not included) — {}", lot.name)
            } else {
                format!("Option {variant} (non comprise) — {}", lot.name)
            };
            out.push(OrderLine::section(title, seq, "line_section", p));
            seq += 1;
            for l in &lot.lines {
                if !variant.is_empty() {
                    let text = format!(
                        "[{}] {} — {} {} x {} € = {} € HT",
                        l.code,
                        l.designation,
                        l.quantity.normalize(),
                        l.unit.label(),
                        l.unit_price,
                        l.total
                    );
                    out.push(OrderLine::section(text, seq, "line_note", p));
                    seq += 1;
                    continue;
                }
                let taxes = if reverse_charge || l.vat_rate.is_zero() {
                    // Autoliquidation: no tax on the quotation, the mention says why.
                    Vec::new()
                } else {
                    vec![*r.taxes.get(&rate_key(l.vat_rate)).ok_or_else(|| {
                        OdooError::Missing(format!(
                            "no sale tax of {} %",
                            (l.vat_rate * Decimal::ONE_HUNDRED).normalize()
                        ))
                    })?]
                };
                let name = format!("[{}] {}", l.code, l.designation);
                out.push(OrderLine {
                    kind: String::new(),
                    name: if l.group.is_empty() {
                        name
                    } else {
                        format!("{name} ({})", l.group)
                    },
                    product: Some(*r.products.get(&l.code).ok_or_else(|| {
                        OdooError::Protocol(format!("no product was made for {}", l.code))
                    })?),
                    quantity: fixed(l.quantity, p.quantity),
                    price_unit: fixed(l.unit_price, p.price),
                    discount: fixed(Decimal::ZERO, 2),
                    uom: r.units.get(&l.unit).copied(),
                    taxes,
                    sequence: seq,
                });
                seq += 1;
            }
        }
    }
    Ok(out)
}

/// A short fingerprint of a value's canonical JSON.
pub fn digest<T: Serialize>(v: &T) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Values with more decimals than Odoo keeps would be rounded by Odoo on write, and the
/// quotation would no longer say what the devis says.
pub fn check_precisions(e: &Estimate, p: Precisions) -> Result<(), OdooError> {
    for l in e.lines() {
        if l.quantity.normalize().scale() > p.quantity {
            return Err(OdooError::Mismatch(format!(
                "line {} has quantity {} but Odoo keeps {} decimals of quantities: raise \
                 Settings > Technical > Decimal Accuracy > Product Unit, or price with fewer decimals",
                l.number,
                l.quantity.normalize(),
                p.quantity
            )));
        }
        if l.unit_price.normalize().scale() > p.price {
            return Err(OdooError::Mismatch(format!(
                "line {} has unit price {} but Odoo keeps {} decimals of prices (Decimal Accuracy > Product Price)",
                l.number,
                l.unit_price.normalize(),
                p.price
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odoo_floats_and_our_decimals_normalise_alike() {
        let p = Precisions {
            price: 2,
            quantity: 2,
        };
        let row = json!({
            "display_type": false, "name": "[GO-01] Béton", "product_id": [7, "Béton"],
            "product_uom_qty": 5.28, "price_unit": 123.4, "discount": 0.0,
            "product_uom_id": [13, "m³"], "tax_ids": [49], "sequence": 12
        });
        let l = OrderLine::from_odoo(&row, Fields::for_major(19), p);
        assert_eq!(l.quantity, "5.28");
        assert_eq!(l.price_unit, "123.40");
        assert_eq!(l.product, Some(7));
        assert_eq!(l.uom, Some(13));
        assert_eq!(l.kind, "");
        assert_eq!(fixed(Decimal::new(1234, 1), 2), "123.40");
        assert_eq!(fixed(Decimal::new(5, 0), 2), "5.00");
        let section = json!({"display_type": "line_section", "name": "Lot 1", "product_id": false,
            "product_uom_qty": 0.0, "price_unit": 0.0, "discount": 0.0, "product_uom_id": false,
            "tax_ids": [], "sequence": 10});
        assert_eq!(
            OrderLine::from_odoo(&section, Fields::for_major(19), p),
            OrderLine::section("Lot 1".into(), 10, "line_section", p)
        );
    }

    #[test]
    fn the_command_writes_what_the_line_says() {
        let l = OrderLine {
            kind: String::new(),
            name: "x".into(),
            product: Some(3),
            quantity: fixed(Decimal::new(528, 2), 2),
            price_unit: fixed(Decimal::new(12345, 2), 2),
            discount: fixed(Decimal::ZERO, 2),
            uom: Some(13),
            taxes: vec![49],
            sequence: 11,
        };
        let c = l.command(Fields::for_major(19));
        assert_eq!(c[2]["product_uom_qty"], json!(5.28));
        assert_eq!(c[2]["price_unit"], json!(123.45));
        assert_eq!(c[2]["product_uom_id"], json!(13));
        assert_eq!(c[2]["tax_ids"], json!([[6, 0, [49]]]));
        let old = l.command(Fields::for_major(17));
        assert_eq!(old[2]["product_uom"], json!(13));
        assert_eq!(old[2]["tax_id"], json!([[6, 0, [49]]]));
    }
}
