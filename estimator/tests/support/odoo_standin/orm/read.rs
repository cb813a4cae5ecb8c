//! Reading: searching with domains and orders, `read`'s format, raw and computed values
//! (order amounts, line subtotals, file sizes) and display names.

use base64::Engine;
use serde_json::{Value, json};

use super::super::domain::{Domain, Order, Records};
use super::super::fault::Fault;
use super::super::schema::{Kind, Model};
use super::{Db, Record, ids_in, round2};

impl Db {
    pub(super) fn check_fields(
        &self,
        model: &Model,
        fields: Option<&[String]>,
    ) -> Result<(), Fault> {
        for f in fields.unwrap_or_default() {
            if model.field(f).is_none() {
                return Err(Fault::Value(format!(
                    "Invalid field '{f}' on '{}'",
                    model.name
                )));
            }
        }
        Ok(())
    }

    pub(super) fn search(
        &self,
        model: &Model,
        domain: Option<&Value>,
        a: &Record,
        active_test: bool,
    ) -> Result<Vec<i64>, Fault> {
        let domain = Domain::parse(domain.unwrap_or(&Value::Null), model, self)?;
        let order = match a.get("order").and_then(Value::as_str) {
            Some(spec) => Order::parse(spec, model)?,
            None => Order::parse(model.order, model)?,
        };
        let filter_active = active_test && model.has_active() && !domain.mentions("active");
        let mut ids: Vec<i64> = self
            .table(model.name)
            .map(|t| t.keys().copied().collect())
            .unwrap_or_default();
        ids.retain(|id| {
            (!filter_active || self.raw(model.name, *id, "active") == Value::Bool(true))
                && domain.matches(self, model.name, *id)
        });
        order.sort(self, model.name, &mut ids);
        let offset = a.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut ids: Vec<i64> = ids.into_iter().skip(offset).collect();
        if let Some(limit) = a.get("limit").and_then(Value::as_u64) {
            ids.truncate(limit as usize);
        }
        Ok(ids)
    }

    /// Records as `read` answers: many2one as `[id, name]`, empty values as false, `id`
    /// always present.
    pub(super) fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: Option<&[String]>,
    ) -> Result<Vec<Value>, Fault> {
        let schema = self
            .schema(model)
            .ok_or_else(|| Fault::UnknownModel(model.into()))?;
        let names: Vec<&str> = match fields {
            Some(f) if !f.is_empty() => f.iter().map(String::as_str).collect(),
            _ => schema.fields.iter().map(|f| f.name).collect(),
        };
        Ok(ids
            .iter()
            .map(|id| {
                let mut rec = Record::new();
                rec.insert("id".into(), json!(id));
                for name in &names {
                    let field = schema.field(name).expect("fields are checked");
                    let raw = self.raw(model, *id, name);
                    let v = match (field.kind, raw.as_i64()) {
                        (Kind::Many2one(c), Some(rid)) => json!([rid, self.display_name(c, rid)]),
                        (Kind::Many2one(_), None) => Value::Bool(false),
                        _ => raw,
                    };
                    rec.insert((*name).into(), v);
                }
                Value::Object(rec)
            })
            .collect())
    }

    pub(super) fn stored(&self, model: &str, id: i64, field: &str) -> Value {
        self.table(model)
            .and_then(|t| t.get(&id))
            .and_then(|r| r.get(field))
            .cloned()
            .unwrap_or(Value::Bool(false))
    }

    pub(super) fn children(&self, comodel: &str, inverse: &str, id: i64) -> Vec<i64> {
        let Some(schema) = self.schema(comodel) else {
            return Vec::new();
        };
        let mut ids: Vec<i64> = self
            .table(comodel)
            .map(|t| {
                t.iter()
                    .filter(|(_, r)| r.get(inverse).and_then(Value::as_i64) == Some(id))
                    .map(|(i, _)| *i)
                    .collect()
            })
            .unwrap_or_default();
        if let Ok(order) = Order::parse(schema.order, schema) {
            order.sort(self, comodel, &mut ids);
        }
        ids
    }

    /// A line's unrounded amount (quantity x price less discount) and its taxes' rate in
    /// percent.
    fn line_raw(&self, id: i64) -> (f64, f64) {
        let get = |f: &str| {
            self.stored("sale.order.line", id, f)
                .as_f64()
                .unwrap_or(0.0)
        };
        let raw = get("product_uom_qty") * get("price_unit") * (1.0 - get("discount") / 100.0);
        let tax_field = if self.major >= 19 {
            "tax_ids"
        } else {
            "tax_id"
        };
        let rate: f64 = ids_in(&self.stored("sale.order.line", id, tax_field))
            .iter()
            .filter(|t| self.stored("account.tax", **t, "amount_type").as_str() == Some("percent"))
            .map(|t| {
                self.stored("account.tax", *t, "amount")
                    .as_f64()
                    .unwrap_or(0.0)
            })
            .sum();
        (raw, rate)
    }

    /// A line's subtotal and tax, computed alone as Odoo's `_compute_amount` does.
    pub(super) fn line_amounts(&self, id: i64) -> (f64, f64) {
        let (raw, rate) = self.line_raw(id);
        let tax = if self.rounds_per_line() {
            round2(round2(raw) * rate / 100.0)
        } else {
            round2(raw * rate / 100.0)
        };
        (round2(raw), tax)
    }

    fn rounds_per_line(&self) -> bool {
        self.stored("res.company", 1, "tax_calculation_rounding_method")
            .as_str()
            == Some("round_per_line")
    }

    /// An order's untaxed amount and tax as Odoo 17+ computes them: per line, each line and
    /// its tax rounded; globally, the untaxed total and each rate's tax rounded once on the
    /// unrounded sums (`account.tax._round_base_lines_tax_details`). Held to the real server
    /// by `json2_sale_order_read_amounts_round_*`.
    pub(super) fn order_amounts(&self, order: i64) -> (f64, f64) {
        let lines: Vec<(f64, f64)> = self
            .children("sale.order.line", "order_id", order)
            .into_iter()
            .filter(|l| {
                self.stored("sale.order.line", *l, "display_type")
                    .as_str()
                    .is_none()
            })
            .map(|l| self.line_raw(l))
            .collect();
        if self.rounds_per_line() {
            let untaxed: f64 = lines.iter().map(|(raw, _)| round2(*raw)).sum();
            let tax: f64 = lines
                .iter()
                .map(|(raw, rate)| round2(round2(*raw) * rate / 100.0))
                .sum();
            return (round2(untaxed), round2(tax));
        }
        let untaxed = round2(lines.iter().map(|(raw, _)| raw).sum());
        let mut by_rate: Vec<(f64, f64)> = Vec::new();
        for (raw, rate) in lines {
            match by_rate.iter_mut().find(|(r, _)| *r == rate) {
                Some((_, base)) => *base += raw,
                None => by_rate.push((rate, raw)),
            }
        }
        let tax: f64 = by_rate
            .iter()
            .map(|(rate, base)| round2(base * rate / 100.0))
            .sum();
        (untaxed, round2(tax))
    }
}

impl Records for Db {
    fn model(&self, name: &str) -> Option<&Model> {
        self.schema(name)
    }

    fn raw(&self, model: &str, id: i64, field: &str) -> Value {
        match (model, field) {
            (_, "id") => json!(id),
            (_, "display_name") => json!(self.display_name(model, id)),
            ("sale.order", "amount_untaxed" | "amount_tax" | "amount_total") => {
                let (untaxed, tax) = self.order_amounts(id);
                json!(match field {
                    "amount_untaxed" => untaxed,
                    "amount_tax" => tax,
                    _ => round2(untaxed + tax),
                })
            }
            ("sale.order.line", "price_subtotal" | "price_tax" | "price_total") => {
                // Odoo derives the line tax from the rounded total, hence its float noise
                // (844.8 - 768.0 = 76.79999999999995).
                let (subtotal, tax) = self.line_amounts(id);
                let total = round2(subtotal + tax);
                json!(match field {
                    "price_subtotal" => subtotal,
                    "price_tax" => total - subtotal,
                    _ => total,
                })
            }
            ("sale.order.line", "state") => {
                let order = self
                    .stored(model, id, "order_id")
                    .as_i64()
                    .unwrap_or_default();
                self.stored("sale.order", order, "state")
            }
            ("ir.attachment", "file_size") => {
                let datas = self.stored(model, id, "datas");
                let len = base64::engine::general_purpose::STANDARD
                    .decode(datas.as_str().unwrap_or_default())
                    .map(|b| b.len())
                    .unwrap_or(0);
                json!(len)
            }
            _ => match self
                .schema(model)
                .and_then(|m| m.field(field))
                .map(|f| f.kind)
            {
                Some(Kind::One2many(comodel, inverse)) => {
                    json!(self.children(comodel, inverse, id))
                }
                _ => self.stored(model, id, field),
            },
        }
    }

    fn display_name(&self, model: &str, id: i64) -> String {
        let text = |f: &str| {
            self.stored(model, id, f)
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        match model {
            "product.product" => match text("default_code") {
                code if code.is_empty() => text("name"),
                code => format!("[{code}] {}", text("name")),
            },
            "sale.order.line" => {
                let order = self
                    .stored(model, id, "order_id")
                    .as_i64()
                    .unwrap_or_default();
                format!(
                    "{} - {}",
                    self.display_name("sale.order", order),
                    text("name").lines().next().unwrap_or_default()
                )
            }
            "mail.message" => text("subject"),
            _ => text("name"),
        }
    }
}
