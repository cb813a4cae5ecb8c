//! Writing: defaults, value conversion, create / write / unlink with x2many commands, SQL
//! constraints (NOT NULL, CHECK, FOREIGN KEY) and what Odoo computes on create.

use base64::Engine;
use serde_json::{Map, Value, json};

use super::super::domain::Records;
use super::super::fault::Fault;
use super::super::python;
use super::super::schema::{self, Kind, Model};
use super::{ADMIN_PARTNER, Db, EUR, Record, ids_in, now, truthy};

impl Db {
    /// Values of a new record before the caller's: what Odoo's defaults give.
    pub(super) fn defaults(&self, model: &str) -> Record {
        let mut rec = Record::new();
        let Some(schema) = self.schema(model) else {
            return rec;
        };
        for f in schema.fields.iter().filter(|f| !f.computed) {
            let v = match f.kind {
                Kind::Int | Kind::Reference => json!(0),
                Kind::Float => json!(0.0),
                Kind::Many2many(_) => json!([]),
                Kind::One2many(..) => continue,
                _ => Value::Bool(false),
            };
            rec.insert(f.name.into(), v);
        }
        if schema.has_active() {
            rec.insert("active".into(), Value::Bool(true));
        }
        let extra = match model {
            "sale.order" => {
                json!({"state": "draft", "currency_id": EUR, "date_order": now(), "company_id": 1})
            }
            "sale.order.line" => json!({"sequence": 10, "product_uom_qty": 1.0}),
            "product.product" => json!({"type": "consu", "list_price": 1.0, "uom_id": 1,
                "sale_ok": true, "purchase_ok": true}),
            "crm.lead" => json!({"type": "opportunity", "stage_id": 1, "priority": "0"}),
            "ir.attachment" => json!({"type": "binary"}),
            "mail.message" => {
                json!({"message_type": "email", "author_id": ADMIN_PARTNER, "date": now()})
            }
            _ => json!({}),
        };
        if let Value::Object(extra) = extra {
            rec.extend(extra);
        }
        rec
    }

    pub(super) fn check_names(&self, model: &Model, vals: &Record) -> Result<(), Fault> {
        match vals.keys().find(|k| model.field(k).is_none()) {
            Some(k) => Err(Fault::Value(format!(
                "Invalid field '{k}' in '{}'",
                model.name
            ))),
            None => Ok(()),
        }
    }

    pub(super) fn create(&mut self, model: &'static str, vals: &Record) -> Result<i64, Fault> {
        let schema = self.schema(model).expect("known model").clone();
        self.check_names(&schema, vals)?;
        let mut rec = self.defaults(model);
        let mut x2many = Vec::new();
        for (k, v) in vals {
            let field = schema.field(k).expect("names are checked");
            match field.kind {
                _ if field.computed => {}
                Kind::One2many(..) => x2many.push((field.clone(), v.clone())),
                Kind::Many2many(_) => {
                    let ids = self.m2m_commands(&schema, field, Vec::new(), v)?;
                    rec.insert(k.clone(), json!(ids));
                }
                _ => {
                    let v = self.convert(&schema, field, v)?;
                    rec.insert(k.clone(), v);
                }
            }
        }
        self.complete(model, &mut rec, vals);
        for f in schema.fields.iter().filter(|f| f.required) {
            if matches!(
                rec.get(f.name),
                None | Some(Value::Bool(false) | Value::Null)
            ) {
                return Err(Fault::Validation(format!(
                    "The operation cannot be completed: Missing required value for the field '{}' ({}).\n\
                     Model: '{}' ({})\n\
                     - create/update: a mandatory field is not set\n\
                     - delete: another model requires the record being deleted, you can archive it instead\n",
                    f.label, f.name, schema.description, model
                )));
            }
        }
        check_constraints(model, &rec, self.major)?;
        self.check_references(&schema, &rec)?;
        let id = {
            let next = self.data.next_id.entry(model).or_insert(1);
            let id = *next;
            *next += 1;
            id
        };
        self.data.tables.entry(model).or_default().insert(id, rec);
        for (field, commands) in x2many {
            self.o2m_commands(&schema, &field, id, &commands)?;
        }
        Ok(id)
    }

    /// What Odoo computes on create when the caller did not say: the order's name, a
    /// product line's description, unit and price, a section's zero quantity.
    pub(super) fn complete(&mut self, model: &str, rec: &mut Record, vals: &Record) {
        match model {
            "sale.order" if !vals.contains_key("name") => {
                self.data.order_seq += 1;
                rec.insert("name".into(), json!(format!("S{:05}", self.data.order_seq)));
            }
            "sale.order.line" => {
                if truthy(&rec["display_type"]) {
                    rec.insert("product_uom_qty".into(), json!(0.0));
                }
                if let Some(product) = rec.get("product_id").and_then(Value::as_i64) {
                    let uom_field = if self.major >= 19 {
                        "product_uom_id"
                    } else {
                        "product_uom"
                    };
                    if !truthy(&rec[uom_field]) {
                        rec.insert(
                            uom_field.into(),
                            self.stored("product.product", product, "uom_id"),
                        );
                    }
                    if !truthy(&rec["name"]) {
                        rec.insert(
                            "name".into(),
                            json!(self.display_name("product.product", product)),
                        );
                    }
                    if !vals.contains_key("price_unit") {
                        rec.insert(
                            "price_unit".into(),
                            self.stored("product.product", product, "list_price"),
                        );
                    }
                }
            }
            "ir.attachment" if !truthy(&rec["mimetype"]) => {
                let name = rec["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let mime = match name.rsplit_once('.').map(|(_, e)| e) {
                    Some("pdf") => "application/pdf",
                    Some("dxf") => "image/vnd.dxf",
                    Some("ifc") => "application/x-step",
                    Some("png") => "image/png",
                    _ => "application/octet-stream",
                };
                rec.insert("mimetype".into(), json!(mime));
            }
            _ => {}
        }
    }

    pub(super) fn write(
        &mut self,
        model: &'static str,
        ids: &[i64],
        vals: &Record,
    ) -> Result<(), Fault> {
        let schema = self.schema(model).expect("known model").clone();
        self.check_names(&schema, vals)?;
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.exists(model, *i))
            .collect();
        if !missing.is_empty() {
            return Err(Fault::Missing(format!(
                "Record does not exist or has been deleted.\n(Record: {}, User: {})",
                python::recordset(model, &missing),
                self.uid
            )));
        }
        for id in ids {
            for (k, v) in vals {
                let field = schema.field(k).expect("names are checked");
                match field.kind {
                    _ if field.computed => {}
                    Kind::One2many(..) => self.o2m_commands(&schema, field, *id, v)?,
                    Kind::Many2many(_) => {
                        let current = ids_in(&self.stored(model, *id, k));
                        let new = self.m2m_commands(&schema, field, current, v)?;
                        self.set(model, *id, k, json!(new));
                    }
                    _ => {
                        if field.required && !truthy(v) {
                            return Err(Fault::Validation(format!(
                                "The operation cannot be completed: Missing required value for the field '{}' ({}).\n\
                                 Model: '{}' ({})\n\
                                 - create/update: a mandatory field is not set\n\
                                 - delete: another model requires the record being deleted, you can archive it instead\n",
                                field.label, field.name, schema.description, model
                            )));
                        }
                        let v = self.convert(&schema, field, v)?;
                        self.set(model, *id, k, v);
                    }
                }
            }
            let rec = self.data.tables[model][id].clone();
            check_constraints(model, &rec, self.major)?;
            self.check_references(&schema, &rec)?;
        }
        Ok(())
    }

    pub(super) fn set(&mut self, model: &str, id: i64, field: &str, v: Value) {
        if let Some(rec) = self.data.tables.get_mut(model).and_then(|t| t.get_mut(&id)) {
            rec.insert(field.into(), v);
        }
    }

    pub(super) fn unlink(&mut self, model: &str, ids: &[i64]) -> Result<(), Fault> {
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| self.exists(model, *i))
            .collect();
        match model {
            "sale.order" => {
                if ids.iter().any(|i| {
                    !matches!(
                        self.stored(model, *i, "state").as_str(),
                        Some("draft" | "cancel")
                    )
                }) {
                    return Err(Fault::User(
                        "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
                            .into(),
                    ));
                }
                for id in &ids {
                    // order_id is ondelete cascade: the lines go without their own checks.
                    for line in self.children("sale.order.line", "order_id", *id) {
                        self.remove("sale.order.line", line);
                    }
                }
            }
            "sale.order.line" => {
                for id in &ids {
                    let order = self
                        .stored(model, *id, "order_id")
                        .as_i64()
                        .unwrap_or_default();
                    if self.stored("sale.order", order, "state").as_str() == Some("sale")
                        && !truthy(&self.stored(model, *id, "display_type"))
                    {
                        return Err(Fault::User(
                            "Once a sales order is confirmed, you can't remove one of its lines (we need to track if something gets invoiced or delivered).\n                Set the quantity to 0 instead."
                                .into(),
                        ));
                    }
                }
            }
            _ => {}
        }
        // ondelete="restrict" references.
        for (other, field) in [
            ("sale.order", "partner_id"),
            ("sale.order.line", "product_id"),
        ] {
            let schema = self.schema(other).expect("known model");
            let Some(f) = schema.field(field) else {
                continue;
            };
            if !matches!(f.kind, Kind::Many2one(c) if c == model) {
                continue;
            }
            let used = self.table(other).is_some_and(|t| {
                t.values().any(|r| {
                    r.get(field)
                        .and_then(Value::as_i64)
                        .is_some_and(|i| ids.contains(&i))
                })
            });
            if used {
                return Err(Fault::Validation(format!(
                    "The operation cannot be completed: Another model is using the record you are trying to delete.\n\n\
                     The troublemaker is: '{}' ({other})\n\
                     Thanks to the following constraint: '{}' ({field})\n\
                     How about archiving the record instead?",
                    schema.description, f.label
                )));
            }
        }
        for id in ids {
            // BaseModel.unlink drops the record's attachments, mail.thread its messages.
            for (side, model_field) in [("ir.attachment", "res_model"), ("mail.message", "model")] {
                let linked: Vec<i64> = self
                    .table(side)
                    .map(|t| {
                        t.iter()
                            .filter(|(_, r)| {
                                r[model_field].as_str() == Some(model)
                                    && r["res_id"].as_i64() == Some(id)
                            })
                            .map(|(i, _)| *i)
                            .collect()
                    })
                    .unwrap_or_default();
                for l in linked {
                    self.remove(side, l);
                }
            }
            self.remove(model, id);
        }
        Ok(())
    }

    /// Deletes a record and clears the many2one / many2many values pointing at it.
    pub(super) fn remove(&mut self, model: &str, id: i64) {
        if let Some(t) = self.data.tables.get_mut(model) {
            t.remove(&id);
        }
        let refs: Vec<(&'static str, &'static str, bool)> = self
            .schema
            .values()
            .flat_map(|m| {
                m.fields.iter().filter_map(move |f| match f.kind {
                    Kind::Many2one(c) if c == model => Some((m.name, f.name, false)),
                    Kind::Many2many(c) if c == model => Some((m.name, f.name, true)),
                    _ => None,
                })
            })
            .collect();
        for (other, field, many) in refs {
            for rec in self.data.tables.entry(other).or_default().values_mut() {
                let v = rec.get(field).cloned().unwrap_or(Value::Bool(false));
                if many {
                    let kept: Vec<i64> = ids_in(&v).into_iter().filter(|i| *i != id).collect();
                    rec.insert(field.into(), json!(kept));
                } else if v.as_i64() == Some(id) {
                    rec.insert(field.into(), Value::Bool(false));
                }
            }
        }
    }

    /// One value as the ORM stores it, or the error it raises for it.
    pub(super) fn convert(
        &self,
        model: &Model,
        field: &schema::Field,
        v: &Value,
    ) -> Result<Value, Fault> {
        let wrong = || {
            Fault::Value(format!(
                "Wrong value for {}.{}: {}",
                field.owner.unwrap_or(model.name),
                field.name,
                python::repr(v)
            ))
        };
        if matches!(v, Value::Null | Value::Bool(false))
            && !matches!(field.kind, Kind::Bool | Kind::Int | Kind::Float)
        {
            return Ok(if field.kind == Kind::Reference {
                json!(0)
            } else {
                Value::Bool(false)
            });
        }
        Ok(match field.kind {
            Kind::Char | Kind::Text => match v {
                Value::String(s) => json!(s),
                other => json!(other.to_string()),
            },
            Kind::Html => {
                let s = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                if s.trim().is_empty() {
                    Value::Bool(false)
                } else if s.trim_start().starts_with('<') {
                    json!(s)
                } else {
                    json!(format!("<p>{}</p>", python::escape_html(&s)))
                }
            }
            Kind::Int | Kind::Reference => match v {
                Value::Number(n) => json!(
                    n.as_i64()
                        .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)
                ),
                Value::Bool(b) => json!(i64::from(*b)),
                Value::Null => json!(0),
                _ => {
                    return Err(Fault::Value(format!(
                        "invalid literal for int() with base 10: {}",
                        python::repr(v)
                    )));
                }
            },
            Kind::Float => match v {
                Value::Number(n) => json!(n.as_f64().unwrap_or(0.0)),
                Value::Bool(b) => json!(if *b { 1.0 } else { 0.0 }),
                Value::Null => json!(0.0),
                Value::String(s) => json!(s.trim().parse::<f64>().map_err(|_| Fault::Value(
                    format!("could not convert string to float: {}", python::repr(v))
                ))?),
                _ => {
                    return Err(Fault::Type(format!(
                        "float() argument must be a string or a real number, not {}",
                        python::repr(v)
                    )));
                }
            },
            Kind::Bool => Value::Bool(truthy(v)),
            Kind::Date => {
                let s = v.as_str().unwrap_or_default();
                let ok = s.len() == 10
                    && s.char_indices().all(|(i, c)| {
                        if i == 4 || i == 7 {
                            c == '-'
                        } else {
                            c.is_ascii_digit()
                        }
                    });
                if !ok {
                    return Err(Fault::Value(format!(
                        "time data {} does not match format '%Y-%m-%d'",
                        python::repr(v)
                    )));
                }
                json!(s)
            }
            Kind::Datetime => json!(v.as_str().unwrap_or_default()),
            Kind::Binary => {
                let s = v.as_str().ok_or_else(wrong)?;
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|_| Fault::Value("Incorrect padding".into()))?;
                json!(s)
            }
            Kind::Selection(options) => match v.as_str() {
                Some(s) if options.contains(&s) => json!(s),
                _ => return Err(wrong()),
            },
            // Existence is checked after the CHECK constraints, as PostgreSQL does.
            Kind::Many2one(_) => json!(v.as_i64().ok_or_else(wrong)?),
            Kind::Many2many(_) | Kind::One2many(..) => unreachable!("x2many values are commands"),
        })
    }

    /// Many2one values must name existing records (FOREIGN KEY).
    pub(super) fn check_references(&self, model: &Model, rec: &Record) -> Result<(), Fault> {
        for f in &model.fields {
            if let (Kind::Many2one(comodel), Some(id)) =
                (f.kind, rec.get(f.name).and_then(Value::as_i64))
                && !self.exists(comodel, id)
            {
                return Err(self.foreign_key(model, f));
            }
        }
        Ok(())
    }

    pub(super) fn foreign_key(&self, model: &Model, field: &schema::Field) -> Fault {
        Fault::Validation(format!(
            "The operation cannot be completed: Another model is using the record you are trying to delete.\n\n\
             The troublemaker is: '{}' ({})\n\
             Thanks to the following constraint: '{}' ({})\n\
             How about archiving the record instead?",
            model.description, model.name, field.label, field.name
        ))
    }

    /// Applies many2many commands ([6, 0, ids], [4, id], [3, id], [5], [0, 0, vals]) or a
    /// plain list of ids to `current`.
    pub(super) fn m2m_commands(
        &mut self,
        model: &Model,
        field: &schema::Field,
        mut current: Vec<i64>,
        v: &Value,
    ) -> Result<Vec<i64>, Fault> {
        let Kind::Many2many(comodel) = field.kind else {
            unreachable!("many2many field")
        };
        let commands = match v {
            Value::Array(c) => c.clone(),
            Value::Bool(false) | Value::Null => return Ok(Vec::new()),
            _ => {
                return Err(Fault::Value(format!(
                    "Wrong value for {}.{}: {}",
                    model.name,
                    field.name,
                    python::repr(v)
                )));
            }
        };
        for c in commands {
            if let Some(id) = c.as_i64() {
                current.retain(|i| *i != id);
                current.push(id);
                continue;
            }
            let code = c.get(0).and_then(Value::as_i64);
            let id = c.get(1).and_then(Value::as_i64).unwrap_or(0);
            match code {
                Some(0) => {
                    let Some(Value::Object(vals)) = c.get(2) else {
                        return Err(Fault::Value(format!(
                            "Invalid command {}",
                            python::repr(&c)
                        )));
                    };
                    current.push(self.create(comodel, vals)?);
                }
                Some(1) => {
                    if let Some(Value::Object(vals)) = c.get(2) {
                        self.write(comodel, &[id], vals)?;
                    }
                }
                Some(2) => {
                    current.retain(|i| *i != id);
                    self.unlink(comodel, &[id])?;
                }
                Some(3) => current.retain(|i| *i != id),
                Some(4) => {
                    if !current.contains(&id) {
                        current.push(id);
                    }
                }
                Some(5) => current.clear(),
                Some(6) => current = c.get(2).map(ids_in).unwrap_or_default(),
                _ => {
                    return Err(Fault::Value(format!(
                        "Invalid command {}",
                        python::repr(&c)
                    )));
                }
            }
        }
        for id in &current {
            if !self.exists(comodel, *id) {
                return Err(self.foreign_key(model, field));
            }
        }
        Ok(current)
    }

    /// Applies one2many commands for the record `id`: [0, 0, vals] creates a child,
    /// [1, id, vals] writes one, [2, id] deletes one, [5] deletes them all (order lines are
    /// ondelete cascade), [6, 0, ids] keeps only those.
    pub(super) fn o2m_commands(
        &mut self,
        model: &Model,
        field: &schema::Field,
        id: i64,
        v: &Value,
    ) -> Result<(), Fault> {
        let Kind::One2many(comodel, inverse) = field.kind else {
            unreachable!("one2many field")
        };
        let Value::Array(commands) = v else {
            return Err(Fault::Value(format!(
                "Wrong value for {}.{}: {}",
                model.name,
                field.name,
                python::repr(v)
            )));
        };
        for c in commands {
            let code = c.get(0).and_then(Value::as_i64);
            let cid = c.get(1).and_then(Value::as_i64).unwrap_or(0);
            match code {
                Some(0) => {
                    let Some(Value::Object(vals)) = c.get(2) else {
                        return Err(Fault::Value(format!("Invalid command {}", python::repr(c))));
                    };
                    let mut vals = vals.clone();
                    vals.insert(inverse.into(), json!(id));
                    self.create(comodel, &vals)?;
                }
                Some(1) => {
                    if let Some(Value::Object(vals)) = c.get(2) {
                        self.write(comodel, &[cid], vals)?;
                    }
                }
                Some(2 | 3) => self.unlink(comodel, &[cid])?,
                Some(4) => self.write(
                    comodel,
                    &[cid],
                    &Map::from_iter([(inverse.to_string(), json!(id))]),
                )?,
                Some(5) => {
                    let old = self.children(comodel, inverse, id);
                    self.unlink(comodel, &old)?;
                }
                Some(6) => {
                    let keep = c.get(2).map(ids_in).unwrap_or_default();
                    let old: Vec<i64> = self
                        .children(comodel, inverse, id)
                        .into_iter()
                        .filter(|i| !keep.contains(i))
                        .collect();
                    self.unlink(comodel, &old)?;
                    for k in keep {
                        self.write(
                            comodel,
                            &[k],
                            &Map::from_iter([(inverse.to_string(), json!(id))]),
                        )?;
                    }
                }
                _ => return Err(Fault::Value(format!("Invalid command {}", python::repr(c)))),
            }
        }
        Ok(())
    }
}

/// SQL CHECK constraints, surfaced as Odoo does (a ValidationError).
fn check_constraints(model: &str, rec: &Record, major: u32) -> Result<(), Fault> {
    if model == "sale.order.line" && truthy(&rec["display_type"]) {
        let uom = if major >= 19 {
            "product_uom_id"
        } else {
            "product_uom"
        };
        let nonzero = |f: &str| rec.get(f).and_then(Value::as_f64).unwrap_or(0.0) != 0.0;
        if truthy(&rec["product_id"])
            || truthy(&rec[uom])
            || nonzero("price_unit")
            || nonzero("product_uom_qty")
            || nonzero("customer_lead")
        {
            return Err(Fault::Validation(
                "The operation cannot be completed: Forbidden values on non-accountable sale order line".into(),
            ));
        }
    }
    Ok(())
}
