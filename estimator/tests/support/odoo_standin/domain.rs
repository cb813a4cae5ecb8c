//! Search domains and orders, evaluated in memory: prefix `&`, `|`, `!`, leaves
//! `[path, operator, value]` with dotted paths through relational fields (`stage_id.name`),
//! and the operators a client sends (`=`, `!=`, `in`, `not in`, comparisons, `like`, `ilike`).

use std::cmp::Ordering;

use serde_json::Value;

use super::fault::Fault;
use super::python;
use super::schema::{Kind, Model};

/// What evaluating a domain needs from the database.
pub trait Records {
    fn model(&self, name: &str) -> Option<&Model>;
    /// A field's value in the raw form: many2one as an id or false, x2many as a list of
    /// ids, computed fields computed.
    fn raw(&self, model: &str, id: i64, field: &str) -> Value;
    fn display_name(&self, model: &str, id: i64) -> String;
}

#[derive(Debug, Clone)]
pub enum Domain {
    True,
    And(Box<Domain>, Box<Domain>),
    Or(Box<Domain>, Box<Domain>),
    Not(Box<Domain>),
    Leaf {
        path: String,
        op: String,
        value: Value,
    },
}

const OPERATORS: &[&str] = &[
    "=",
    "!=",
    "<>",
    "in",
    "not in",
    "<",
    "<=",
    ">",
    ">=",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "=like",
    "=ilike",
    "parent_of",
    "child_of",
];

fn malformed(domain: &Value) -> Fault {
    Fault::Value(format!(
        "Domain() malformed domain {}",
        python::repr(domain)
    ))
}

impl Domain {
    /// Parses and checks a domain against `model`: unknown fields and operators are the
    /// ValueError Odoo raises.
    pub fn parse(domain: &Value, model: &Model, db: &dyn Records) -> Result<Domain, Fault> {
        let items = match domain {
            Value::Null | Value::Bool(false) => return Ok(Domain::True),
            Value::Array(items) => items,
            _ => return Err(malformed(domain)),
        };
        let mut stack: Vec<Domain> = Vec::new();
        for item in items.iter().rev() {
            let node = match item {
                Value::String(op) if op == "&" || op == "|" => {
                    let (Some(a), Some(b)) = (stack.pop(), stack.pop()) else {
                        return Err(malformed(domain));
                    };
                    if op == "&" {
                        Domain::And(Box::new(a), Box::new(b))
                    } else {
                        Domain::Or(Box::new(a), Box::new(b))
                    }
                }
                Value::String(op) if op == "!" => {
                    Domain::Not(Box::new(stack.pop().ok_or_else(|| malformed(domain))?))
                }
                Value::Array(leaf) if leaf.len() == 3 => leaf_of(leaf, model, db)?,
                _ => {
                    return Err(Fault::Value(format!(
                        "Domain() invalid item in domain: {}",
                        python::repr(item)
                    )));
                }
            };
            stack.push(node);
        }
        // Remaining terms are implicitly and-ed.
        let mut out = Domain::True;
        while let Some(node) = stack.pop() {
            out = match out {
                Domain::True => node,
                other => Domain::And(Box::new(other), Box::new(node)),
            };
        }
        Ok(out)
    }

    /// Whether the domain mentions the field `name` at its top level (active_test).
    pub fn mentions(&self, name: &str) -> bool {
        match self {
            Domain::True => false,
            Domain::And(a, b) | Domain::Or(a, b) => a.mentions(name) || b.mentions(name),
            Domain::Not(a) => a.mentions(name),
            Domain::Leaf { path, .. } => path == name || path.starts_with(&format!("{name}.")),
        }
    }

    pub fn matches(&self, db: &dyn Records, model: &str, id: i64) -> bool {
        match self {
            Domain::True => true,
            Domain::And(a, b) => a.matches(db, model, id) && b.matches(db, model, id),
            Domain::Or(a, b) => a.matches(db, model, id) || b.matches(db, model, id),
            Domain::Not(a) => !a.matches(db, model, id),
            Domain::Leaf { path, op, value } => leaf_matches(db, model, id, path, op, value),
        }
    }
}

fn leaf_of(leaf: &[Value], model: &Model, db: &dyn Records) -> Result<Domain, Fault> {
    // Odoo's constant leaves (1, '=', 1) and (0, '=', 1).
    if let Some(n) = leaf[0].as_i64() {
        return Ok(if n == 1 {
            Domain::True
        } else {
            Domain::Not(Box::new(Domain::True))
        });
    }
    let condition = || {
        format!(
            "({}, {}, {})",
            python::repr(&leaf[0]),
            python::repr(&leaf[1]),
            python::repr(&leaf[2])
        )
    };
    let path = leaf[0]
        .as_str()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Fault::Type(format!("Empty field name in condition {}", condition())))?;
    let op = leaf[1].as_str().unwrap_or_default().to_lowercase();
    if !OPERATORS.contains(&op.as_str()) {
        return Err(Fault::Value(format!(
            "Invalid operator in condition {}",
            condition()
        )));
    }
    // Every step of the path must exist; all but the last must be relational.
    let mut current = model;
    let steps: Vec<&str> = path.split('.').collect();
    for (i, step) in steps.iter().enumerate() {
        let Some(field) = current.field(step) else {
            return Err(Fault::Value(format!(
                "Invalid field {}.{step} in condition {}",
                current.name,
                condition()
            )));
        };
        if i + 1 < steps.len() {
            let comodel = match field.kind {
                Kind::Many2one(c) | Kind::Many2many(c) | Kind::One2many(c, _) => c,
                _ => {
                    return Err(Fault::Value(format!(
                        "Invalid field {}.{step} in condition {}",
                        current.name,
                        condition()
                    )));
                }
            };
            current = db.model(comodel).expect("comodels are in the schema");
        }
    }
    Ok(Domain::Leaf {
        path: path.to_string(),
        op,
        value: leaf[2].clone(),
    })
}

fn leaf_matches(
    db: &dyn Records,
    model: &str,
    id: i64,
    path: &str,
    op: &str,
    operand: &Value,
) -> bool {
    let negative = matches!(op, "!=" | "<>" | "not in" | "not like" | "not ilike");
    let positive_op = match op {
        "!=" | "<>" => "=",
        "not in" => "in",
        "not like" => "like",
        "not ilike" => "ilike",
        other => other,
    };
    // Follow the path to the records holding the last field.
    let steps: Vec<&str> = path.split('.').collect();
    let mut targets = vec![(model.to_string(), id)];
    for step in &steps[..steps.len() - 1] {
        let mut next = Vec::new();
        for (m, rid) in &targets {
            let comodel = match db.model(m).and_then(|d| d.field(step)).map(|f| f.kind) {
                Some(Kind::Many2one(c) | Kind::Many2many(c) | Kind::One2many(c, _)) => c,
                _ => continue,
            };
            next.extend(
                ids(&db.raw(m, *rid, step))
                    .into_iter()
                    .map(|i| (comodel.to_string(), i)),
            );
        }
        targets = next;
    }
    let last = steps[steps.len() - 1];
    let any = targets.iter().any(|(m, rid)| {
        let kind = db.model(m).and_then(|d| d.field(last)).map(|f| f.kind);
        let raw = db.raw(m, *rid, last);
        match kind {
            Some(Kind::Many2many(c) | Kind::One2many(c, _)) => {
                let ids = ids(&raw);
                if falsy(operand) {
                    ids.is_empty() == (positive_op == "=")
                } else {
                    ids.iter()
                        .any(|i| compare_relational(db, c, Some(*i), positive_op, operand))
                }
            }
            Some(Kind::Many2one(c)) => {
                compare_relational(db, c, raw.as_i64(), positive_op, operand)
            }
            _ => compare(&raw, positive_op, operand),
        }
    });
    any != negative
}

fn ids(v: &Value) -> Vec<i64> {
    match v {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

fn falsy(v: &Value) -> bool {
    matches!(v, Value::Null | Value::Bool(false)) || v.as_str() == Some("")
}

/// A relational value against an id, a list of ids, false, or a name.
fn compare_relational(
    db: &dyn Records,
    comodel: &str,
    id: Option<i64>,
    op: &str,
    operand: &Value,
) -> bool {
    match (op, operand) {
        (_, Value::String(name)) => match id {
            Some(i) => compare(
                &Value::String(db.display_name(comodel, i)),
                if op == "=" { "=" } else { op },
                &Value::String(name.clone()),
            ),
            None => false,
        },
        // One company, no hierarchy: a record is its own parent and child.
        ("parent_of" | "child_of", v) => match v {
            Value::Array(list) => list
                .iter()
                .any(|x| x.as_i64().is_some() && x.as_i64() == id),
            v => v.as_i64().is_some() && v.as_i64() == id,
        },
        ("in", Value::Array(list)) => list.iter().any(|x| match (x.as_i64(), id) {
            (Some(a), Some(b)) => a == b,
            (None, None) => falsy(x),
            _ => false,
        }),
        ("=", v) if falsy(v) => id.is_none(),
        ("=", v) => v.as_i64().is_some() && v.as_i64() == id,
        (_, v) => compare(&id.map(Value::from).unwrap_or(Value::Bool(false)), op, v),
    }
}

fn compare(value: &Value, op: &str, operand: &Value) -> bool {
    match op {
        "=" => equal(value, operand),
        "in" => match operand {
            Value::Array(list) => list.iter().any(|x| equal(value, x)),
            single => equal(value, single),
        },
        "like" | "ilike" | "=like" | "=ilike" => {
            let (Some(v), Some(pattern)) = (value.as_str(), operand.as_str()) else {
                return false;
            };
            let (v, pattern) = if op.ends_with("ilike") {
                (v.to_lowercase(), pattern.to_lowercase())
            } else {
                (v.to_string(), pattern.to_string())
            };
            if op.starts_with('=') {
                like(&v, &pattern)
            } else {
                like(&v, &format!("%{pattern}%"))
            }
        }
        "<" => order(value, operand) == Some(Ordering::Less),
        "<=" => matches!(
            order(value, operand),
            Some(Ordering::Less | Ordering::Equal)
        ),
        ">" => order(value, operand) == Some(Ordering::Greater),
        ">=" => matches!(
            order(value, operand),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        _ => false,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    if falsy(a) && falsy(b) {
        return true;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// SQL LIKE with `%` and `_`.
fn like(value: &str, pattern: &str) -> bool {
    fn go(v: &[char], p: &[char]) -> bool {
        match p.first() {
            None => v.is_empty(),
            Some('%') => (0..=v.len()).any(|i| go(&v[i..], &p[1..])),
            Some('_') => !v.is_empty() && go(&v[1..], &p[1..]),
            Some(c) => v.first() == Some(c) && go(&v[1..], &p[1..]),
        }
    }
    let v: Vec<char> = value.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&v, &p)
}

/// An `order` specification: `"sequence,id"`, `"id desc"`.
#[derive(Debug, Clone)]
pub struct Order(Vec<(String, bool)>);

impl Order {
    pub fn parse(spec: &str, model: &Model) -> Result<Order, Fault> {
        let mut terms = Vec::new();
        for term in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let mut words = term.split_whitespace();
            let name = words.next().unwrap_or_default();
            let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
            // The default orders name a few fields the stand-in does not model.
            if model.field(name).is_none() {
                if model.order.contains(name) {
                    continue;
                }
                return Err(Fault::Value(format!(
                    "Invalid field '{name}' on model '{}'",
                    model.name
                )));
            }
            terms.push((name.to_string(), desc));
        }
        terms.push(("id".into(), false));
        Ok(Order(terms))
    }

    pub fn sort(&self, db: &dyn Records, model: &str, ids: &mut [i64]) {
        ids.sort_by(|a, b| {
            for (field, desc) in &self.0 {
                let (x, y) = (db.raw(model, *a, field), db.raw(model, *b, field));
                // NULLS LAST ascending, FIRST descending, as PostgreSQL.
                let o = match (falsy(&x) && !x.is_number(), falsy(&y) && !y.is_number()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ => order(&x, &y).unwrap_or(Ordering::Equal),
                };
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
}
