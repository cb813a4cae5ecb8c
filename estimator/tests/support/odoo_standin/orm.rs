//! The in-memory database: records per model, the ORM methods a client calls (search_read,
//! read, create, write, unlink, message_post, action_confirm...), with Odoo's argument
//! binding, value conversion, x2many commands, constraints and error messages. Every call is
//! a transaction: on error nothing it did is kept.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::fault::Fault;
use super::fixtures;
use super::python;
use super::schema::{self, Kind, Model};

mod actions;
mod read;
mod write;

pub type Record = Map<String, Value>;

/// Which door the call came through: JSON-2 binds named arguments and always returns lists
/// for recordsets; XML-RPC / JSON-RPC (`execute_kw`) take positional arguments too and keep
/// the old "create with a dict returns an int".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Json2,
    Rpc,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub model: String,
    pub method: String,
    /// JSON-2 `ids` (for RPC, record methods take them as the first positional argument).
    pub ids: Option<Value>,
    pub args: Vec<Value>,
    pub kwargs: Map<String, Value>,
    pub via: Via,
}

/// A method's Python signature: positional-or-keyword parameters (`true` = required),
/// whether it takes `**kwargs`, and whether it is a record method (takes ids).
struct Signature {
    record: bool,
    params: &'static [(&'static str, bool)],
    keyword_only: bool,
    varkw: bool,
    writes: bool,
}

fn signature(model: &Model, method: &str, major: u32) -> Option<Signature> {
    let sig = |record, params, keyword_only, varkw, writes| Signature {
        record,
        params,
        keyword_only,
        varkw,
        writes,
    };
    Some(match method {
        "search_read" => sig(
            false,
            &[
                ("domain", false),
                ("fields", false),
                ("offset", false),
                ("limit", false),
                ("order", false),
            ],
            false,
            true,
            false,
        ),
        "search" => sig(
            false,
            &[
                ("domain", true),
                ("offset", false),
                ("limit", false),
                ("order", false),
            ],
            false,
            false,
            false,
        ),
        "search_count" => sig(
            false,
            &[("domain", true), ("limit", false)],
            false,
            false,
            false,
        ),
        "read" => sig(
            true,
            &[("fields", false), ("load", false)],
            false,
            false,
            false,
        ),
        "fields_get" => sig(
            false,
            &[("allfields", false), ("attributes", false)],
            false,
            false,
            false,
        ),
        // 19 renamed the parameter: `default_get(fields)`, `default_get(fields_list)` before.
        "default_get" if major >= 19 => sig(false, &[("fields", true)], false, false, false),
        "default_get" => sig(false, &[("fields_list", true)], false, false, false),
        "create" => sig(false, &[("vals_list", true)], false, false, true),
        "write" => sig(true, &[("vals", true)], false, false, true),
        "unlink" => sig(true, &[], false, false, true),
        "message_post" if model.thread => sig(
            true,
            &[
                ("body", false),
                ("subject", false),
                ("message_type", false),
                ("email_from", false),
                ("author_id", false),
                ("parent_id", false),
                ("subtype_xmlid", false),
                ("subtype_id", false),
                ("partner_ids", false),
                ("attachments", false),
                ("attachment_ids", false),
                ("body_is_html", false),
            ],
            true,
            true,
            true,
        ),
        "message_subscribe" if model.thread => sig(
            true,
            &[("partner_ids", false), ("subtype_ids", false)],
            false,
            false,
            true,
        ),
        "action_confirm" | "action_cancel" | "action_draft" if model.name == "sale.order" => {
            sig(true, &[], false, false, true)
        }
        _ => return None,
    })
}

/// Python's `inspect.Signature.bind`, with its messages.
fn bind(
    sig: &Signature,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
) -> Result<(Record, Record), Fault> {
    let mut bound = Record::new();
    let mut extra = Record::new();
    if sig.keyword_only && !args.is_empty() || args.len() > sig.params.len() {
        return Err(Fault::Bind("too many positional arguments".into()));
    }
    for ((name, _), v) in sig.params.iter().zip(args) {
        bound.insert((*name).into(), v);
    }
    let mut unexpected = None;
    for (k, v) in kwargs {
        if sig.params.iter().any(|(n, _)| *n == k) {
            if bound.contains_key(&k) {
                return Err(Fault::Bind(format!("multiple values for argument '{k}'")));
            }
            bound.insert(k, v);
        } else if sig.varkw {
            extra.insert(k, v);
        } else {
            unexpected.get_or_insert(k);
        }
    }
    // Python reports a missing parameter before an unexpected one.
    if let Some((name, _)) = sig
        .params
        .iter()
        .find(|(n, req)| *req && !bound.contains_key(*n))
    {
        return Err(Fault::Bind(format!(
            "missing a required argument: '{name}'"
        )));
    }
    if let Some(k) = unexpected {
        return Err(Fault::Bind(format!(
            "got an unexpected keyword argument '{k}'"
        )));
    }
    Ok((bound, extra))
}

#[derive(Debug, Clone, Default)]
struct Data {
    tables: BTreeMap<&'static str, BTreeMap<i64, Record>>,
    next_id: BTreeMap<&'static str, i64>,
    order_seq: u32,
}

#[derive(Debug, Clone)]
pub struct Db {
    pub major: u32,
    pub uid: i64,
    schema: Arc<BTreeMap<&'static str, Model>>,
    data: Data,
    /// Calls that changed something and were committed.
    pub commits: usize,
}

/// The admin's partner, author of the messages it posts.
const ADMIN_PARTNER: i64 = 3;
const EUR: i64 = 125;

impl Db {
    /// A database of version `major` holding the recorded master data: units, taxes, CRM
    /// stages, EUR, the company and admin partners, the note and discussion subtypes.
    pub fn new(major: u32, uid: i64) -> Db {
        let mut db = Db {
            major,
            uid,
            schema: Arc::new(schema::models(major)),
            data: Data::default(),
            commits: 0,
        };
        // First ids of each model, as far apart as in the recording, so that an id of one
        // model sent as another's is caught.
        for (model, first) in [
            ("res.partner", 7),
            ("product.product", 10),
            ("crm.lead", 4),
            ("sale.order", 25),
            ("sale.order.line", 46),
            ("ir.attachment", 495),
            ("mail.message", 224),
        ] {
            db.data.next_id.insert(model, first);
        }
        db.seed("res.currency", EUR, json!({"name": "EUR"}));
        for (id, name, company) in [
            (1, "YourCompany", true),
            (2, "OdooBot", false),
            (3, "Administrator", false),
        ] {
            db.seed(
                "res.partner",
                id,
                json!({"name": name, "is_company": company, "active": id != 2}),
            );
        }
        for (id, name) in [(1, "Discussions"), (2, "Note"), (3, "Activities")] {
            db.seed("mail.message.subtype", id, json!({"name": name}));
        }
        // A fresh French database, as recorded: m³ and the 10 % and 5.5 % sale taxes archived,
        // the company rounding taxes globally.
        db.seed(
            "res.company",
            1,
            json!({"name": "My Company", "currency_id": EUR,
                "tax_calculation_rounding_method": "round_globally"}),
        );
        for row in fixtures::rows("json2_fresh_uom_search_read_with_inactive") {
            db.seed_row("uom.uom", row, json!({}));
        }
        for mut row in fixtures::rows("json2_fresh_tax_search_read_sale_with_inactive") {
            let company = row.get("company_id").and_then(|c| c.get(0)).cloned();
            row.insert("company_id".into(), company.unwrap_or(json!(1)));
            db.seed_row("account.tax", row, json!({}));
        }
        for row in fixtures::rows("json2_fresh_decimal_precision_search_read") {
            db.seed_row("decimal.precision", row, json!({}));
        }
        for row in fixtures::rows("json2_fresh_ir_model_data_uom") {
            db.seed_row(
                "ir.model.data",
                row,
                json!({"module": "uom", "model": "uom.uom"}),
            );
        }
        for row in fixtures::rows("json2_fresh_ir_module_module_search_read") {
            db.seed_row("ir.module.module", row, json!({}));
        }
        for row in fixtures::rows("json2_crm_stage_search_read") {
            db.seed_row("crm.stage", row, json!({}));
        }
        db
    }

    fn seed_row(&mut self, model: &'static str, mut row: Record, extra: Value) {
        let id = row
            .remove("id")
            .and_then(|v| v.as_i64())
            .expect("seed rows have ids");
        if let Value::Object(extra) = extra {
            row.extend(extra);
        }
        self.seed(model, id, Value::Object(row));
    }

    fn seed(&mut self, model: &'static str, id: i64, vals: Value) {
        let mut rec = self.defaults(model);
        if let Value::Object(vals) = vals {
            rec.extend(vals);
        }
        self.data.tables.entry(model).or_default().insert(id, rec);
        let next = self.data.next_id.entry(model).or_insert(1);
        *next = (*next).max(id + 1);
    }

    pub fn schema(&self, model: &str) -> Option<&Model> {
        self.schema.get(model)
    }

    fn table(&self, model: &str) -> Option<&BTreeMap<i64, Record>> {
        self.data.tables.get(model)
    }

    fn exists(&self, model: &str, id: i64) -> bool {
        self.table(model).is_some_and(|t| t.contains_key(&id))
    }

    /// Every record of `model` (archived ones too), all fields, in id order.
    pub fn rows(&self, model: &str) -> Vec<Value> {
        let ids: Vec<i64> = self
            .table(model)
            .map(|t| t.keys().copied().collect())
            .unwrap_or_default();
        self.read(model, &ids, None).unwrap_or_default()
    }

    /// Runs one call as one transaction.
    pub fn execute(&mut self, call: Call) -> Result<Value, Fault> {
        let backup = self.data.clone();
        let result = self.dispatch(call);
        match &result {
            Ok((_, true)) => self.commits += 1,
            Ok(_) => {}
            Err(_) => self.data = backup,
        }
        result.map(|(v, _)| v)
    }

    fn dispatch(&mut self, call: Call) -> Result<(Value, bool), Fault> {
        let Call {
            model: model_name,
            method,
            ids,
            mut args,
            mut kwargs,
            via,
        } = call;
        let model = self
            .schema(&model_name)
            .ok_or_else(|| Fault::UnknownModel(model_name.clone()))?
            .clone();
        if method.starts_with('_') {
            return Err(Fault::Access(format!(
                "Private methods (such as '{model_name}.{method}') cannot be called remotely."
            )));
        }
        let sig = signature(&model, &method, self.major).ok_or_else(|| Fault::UnknownMethod {
            model: model_name.clone(),
            method: method.clone(),
        })?;
        let context = match kwargs.remove("context") {
            Some(Value::Object(c)) => c,
            _ => Map::new(),
        };
        let ids = match via {
            Via::Json2 => {
                let ids = ids.map(|v| id_list(&v)).transpose()?.unwrap_or_default();
                if !sig.record && !ids.is_empty() {
                    return Err(Fault::IdsOnModelMethod {
                        model: model_name,
                        method,
                    });
                }
                ids
            }
            Via::Rpc if sig.record => {
                if args.is_empty() {
                    return Err(Fault::Type(format!(
                        "{method}() missing 1 required positional argument: 'ids'"
                    )));
                }
                id_list(&args.remove(0))?
            }
            Via::Rpc => Vec::new(),
        };
        let single_create =
            via == Via::Rpc && method == "create" && matches!(args.first(), Some(Value::Object(_)));
        let (a, extra) = bind(&sig, args, kwargs)?;
        let active_test = context.get("active_test") != Some(&Value::Bool(false));
        let m = model.name;
        let result = match method.as_str() {
            "search_read" => {
                if let Some(k) = extra.keys().find(|k| *k != "load") {
                    return Err(Fault::Type(format!(
                        "BaseModel._read_format() got an unexpected keyword argument '{k}'"
                    )));
                }
                let fields = field_names(a.get("fields"))?;
                self.check_fields(&model, fields.as_deref())?;
                let ids = self.search(&model, a.get("domain"), &a, active_test)?;
                Value::Array(self.read(m, &ids, fields.as_deref())?)
            }
            "search" => Value::from(self.search(&model, a.get("domain"), &a, active_test)?),
            "search_count" => {
                Value::from(self.search(&model, a.get("domain"), &a, active_test)?.len())
            }
            "read" => {
                let fields = field_names(a.get("fields"))?;
                self.check_fields(&model, fields.as_deref())?;
                // Ids that do not exist are left out, not an error; unless only "id" is
                // read, which Odoo answers without looking at the table.
                let only_id = fields
                    .as_deref()
                    .is_some_and(|f| f.iter().all(|f| f == "id") && !f.is_empty());
                let ids: Vec<i64> = ids
                    .into_iter()
                    .filter(|i| only_id || self.exists(m, *i))
                    .collect();
                Value::Array(self.read(m, &ids, fields.as_deref())?)
            }
            "fields_get" => Value::Object(
                model
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            f.name.to_string(),
                            json!({"string": f.label, "required": f.required,
                            "readonly": f.computed, "type": kind_name(f.kind)}),
                        )
                    })
                    .collect(),
            ),
            "default_get" => {
                let fields =
                    field_names(a.get("fields").or(a.get("fields_list")))?.unwrap_or_default();
                self.check_fields(&model, Some(&fields))?;
                let defaults = self.defaults(m);
                let mut out = Map::new();
                for f in fields {
                    if f == "company_id" {
                        out.insert(f, json!(1));
                    } else if let Some(v) = defaults.get(&f) {
                        out.insert(f, v.clone());
                    }
                }
                Value::Object(out)
            }
            "create" => {
                let list = match a.get("vals_list") {
                    Some(Value::Array(l)) => l.clone(),
                    Some(one @ Value::Object(_)) => vec![one.clone()],
                    other => {
                        return Err(Fault::Type(format!(
                            "create() expects a dict or a list of dicts, got {}",
                            python::repr(other.unwrap_or(&Value::Null))
                        )));
                    }
                };
                let mut created = Vec::new();
                for vals in &list {
                    let Value::Object(vals) = vals else {
                        return Err(Fault::Value(format!(
                            "dictionary update sequence element #0 has length 1; 2 is required ({})",
                            python::repr(vals)
                        )));
                    };
                    created.push(self.create(m, vals)?);
                }
                if single_create {
                    Value::from(created[0])
                } else {
                    Value::from(created)
                }
            }
            "write" => {
                let Some(Value::Object(vals)) = a.get("vals") else {
                    return Err(Fault::Type("write() argument 'vals' must be a dict".into()));
                };
                self.write(m, &ids, vals)?;
                Value::Bool(true)
            }
            "unlink" => {
                self.unlink(m, &ids)?;
                Value::Bool(true)
            }
            "message_post" => {
                let id = self.message_post(m, &ids, &a)?;
                // 19 returns the message recordset (a list of ids); 17 and 18 had
                // @api.returns and gave the bare id.
                if self.major >= 19 {
                    json!([id])
                } else {
                    json!(id)
                }
            }
            "message_subscribe" => {
                self.message_subscribe(m, &ids, &a)?;
                Value::Bool(true)
            }
            "action_confirm" => {
                self.set_order_state(&ids, &["draft", "sent"], "sale")?;
                Value::Bool(true)
            }
            "action_cancel" => {
                self.set_order_state(&ids, &["draft", "sent", "sale"], "cancel")?;
                Value::Bool(true)
            }
            "action_draft" => {
                self.set_order_state(&ids, &["cancel", "sent"], "draft")?;
                Value::Bool(true)
            }
            _ => unreachable!("every method with a signature is dispatched"),
        };
        Ok((result, sig.writes))
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Char => "char",
        Kind::Text => "text",
        Kind::Html => "html",
        Kind::Int => "integer",
        Kind::Float => "float",
        Kind::Bool => "boolean",
        Kind::Date => "date",
        Kind::Datetime => "datetime",
        Kind::Binary => "binary",
        Kind::Selection(_) => "selection",
        Kind::Many2one(_) => "many2one",
        Kind::One2many(..) => "one2many",
        Kind::Many2many(_) => "many2many",
        Kind::Reference => "many2one_reference",
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

fn ids_in(v: &Value) -> Vec<i64> {
    match v {
        Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
        Value::Number(n) => n.as_i64().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// `ids` as a client sends them: a list of ints (or one int through RPC).
fn id_list(v: &Value) -> Result<Vec<i64>, Fault> {
    match v {
        Value::Number(n) => n.as_i64().map(|i| vec![i]),
        Value::Array(a) => a.iter().map(Value::as_i64).collect(),
        Value::Null | Value::Bool(false) => Some(Vec::new()),
        _ => None,
    }
    .ok_or_else(|| Fault::Value(format!("Invalid ids {}", python::repr(v))))
}

fn field_names(v: Option<&Value>) -> Result<Option<Vec<String>>, Fault> {
    match v {
        None | Some(Value::Null | Value::Bool(false)) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|f| {
                f.as_str().map(str::to_string).ok_or_else(|| {
                    Fault::Type(format!(
                        "field names must be strings, not {}",
                        python::repr(f)
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(Fault::Type(format!(
            "fields must be a list, not {}",
            python::repr(other)
        ))),
    }
}

/// Odoo's `float_round(x, precision_digits=2)`: half away from zero, with an epsilon that
/// tips values a few ulps below a tie (2.675 is 2.67499999...) the way they were meant.
fn round2(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let n = x * 100.0;
    let epsilon = 2f64.powf(n.abs().log2() - 50.0);
    (n + epsilon.copysign(n)).round_ties_even() / 100.0
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}
