//! Errors as Odoo raises them, and how each transport shows them: a JSON-2 status and body
//! (from the recorded bodies), an XML-RPC fault code and string, a JSON-RPC `error` object.
//! See tests/fixtures/odoo19/NOTES.md for the tables this follows.

use serde_json::{Value, json};

use super::fixtures;
use super::python;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// JSON-2 bearer check: 401 (no header, or an unknown key).
    Unauthorized {
        missing_header: bool,
    },
    UnknownModel(String),
    UnknownMethod {
        model: String,
        method: String,
    },
    /// The named arguments do not bind to the method's signature.
    Bind(String),
    /// JSON-2 `ids` sent to a model method such as create.
    IdsOnModelMethod {
        model: String,
        method: String,
    },
    /// JSON-2 body that is not JSON.
    BadRequest(String),
    /// odoo.exceptions.UserError
    User(String),
    /// odoo.exceptions.ValidationError (also constraint violations)
    Validation(String),
    /// odoo.exceptions.MissingError
    Missing(String),
    /// odoo.exceptions.AccessError
    Access(String),
    /// odoo.exceptions.AccessDenied (wrong password or key through XML-RPC / JSON-RPC)
    AccessDenied,
    /// builtins.ValueError: bad field, bad selection value, expected singleton...
    Value(String),
    /// builtins.TypeError
    Type(String),
    /// psycopg2.OperationalError: the RPC transports naming a database that does not exist.
    Database(String),
}

impl Fault {
    /// The Python class, as `error.data.name` (JSON-RPC) and the JSON-2 body name it.
    fn class(&self) -> &'static str {
        match self {
            Fault::Unauthorized { .. } => "werkzeug.exceptions.Unauthorized",
            Fault::UnknownModel(_) => "odoo.exceptions.UserError",
            Fault::UnknownMethod { .. } => "builtins.AttributeError",
            Fault::Bind(_) | Fault::IdsOnModelMethod { .. } | Fault::Type(_) => {
                "builtins.TypeError"
            }
            Fault::BadRequest(_) => "werkzeug.exceptions.BadRequest",
            Fault::User(_) => "odoo.exceptions.UserError",
            Fault::Validation(_) => "odoo.exceptions.ValidationError",
            Fault::Missing(_) => "odoo.exceptions.MissingError",
            Fault::Access(_) => "odoo.exceptions.AccessError",
            Fault::AccessDenied => "odoo.exceptions.AccessDenied",
            Fault::Value(_) => "builtins.ValueError",
            Fault::Database(_) => "psycopg2.OperationalError",
        }
    }

    /// The message as the RPC transports give it.
    pub fn message(&self) -> String {
        match self {
            Fault::Unauthorized {
                missing_header: true,
            } => {
                "User not authenticated, use an API Key with a Bearer Authorization header.".into()
            }
            Fault::Unauthorized {
                missing_header: false,
            } => "Invalid apikey".into(),
            Fault::UnknownModel(m) => format!("Object {m} doesn't exist"),
            Fault::UnknownMethod { model, method } => {
                format!("The method '{model}.{method}' does not exist")
            }
            Fault::IdsOnModelMethod { model, method } => {
                format!("cannot call {model}.{method} with ids")
            }
            Fault::AccessDenied => "Access Denied".into(),
            Fault::Bind(m)
            | Fault::BadRequest(m)
            | Fault::User(m)
            | Fault::Validation(m)
            | Fault::Missing(m)
            | Fault::Access(m)
            | Fault::Value(m)
            | Fault::Type(m) => m.clone(),
            Fault::Database(db) => format!(
                "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"{db}\" does not exist\n"
            ),
        }
    }

    /// The last line of a traceback: `ValueError: …`, `odoo.exceptions.UserError: …`.
    fn traceback(&self) -> String {
        let class = self.class();
        let short = class.strip_prefix("builtins.").unwrap_or(class);
        format!(
            "Traceback (most recent call last):\n  \
             File \"/work/odoo/src/odoo/service/model.py\", line 184, in retrying\n    \
             result = func()\n             ^^^^^^\n  \
             File \"/work/odoo/src/odoo/service/model.py\", line 93, in call_kw\n    \
             result = method(recs, *args, **kwargs)\n             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n\
             {short}: {}\n",
            self.message()
        )
    }

    /// JSON-2: HTTP status and body. Bodies are the recorded ones with the message swapped.
    pub fn json2(&self) -> (u16, String) {
        let (status, fixture) = match self {
            Fault::Unauthorized {
                missing_header: true,
            } => {
                return (
                    401,
                    fixtures::body("json2_error_missing_authorization").to_string(),
                );
            }
            Fault::Unauthorized {
                missing_header: false,
            } => {
                return (401, fixtures::body("json2_error_wrong_api_key").to_string());
            }
            Fault::UnknownModel(m) => {
                let body = fixtures::body("json2_error_unknown_model").replace("no.such.model", m);
                return (404, body);
            }
            Fault::UnknownMethod { model, method } => {
                let body = fixtures::body("json2_error_unknown_method")
                    .replace("res.partner.no_such_method", &format!("{model}.{method}"));
                return (404, body);
            }
            Fault::IdsOnModelMethod { model, method } => {
                let body = fixtures::body("json2_error_ids_on_model_method")
                    .replace("res.partner.create", &format!("{model}.{method}"));
                return (422, body);
            }
            Fault::AccessDenied => {
                let body = json!({"name": self.class(), "message": "Access Denied",
                    "arguments": ["Access Denied"], "context": {}, "debug": self.traceback()});
                return (403, python::dumps(&body));
            }
            Fault::Bind(_) => (422, "json2_error_create_wrong_argument_name"),
            Fault::BadRequest(_) => (400, "json2_error_invalid_json_body"),
            Fault::User(_) => (422, "json2_error_user_error_unlink_confirmed"),
            Fault::Validation(_) => (422, "json2_error_validation_sale_order_without_partner"),
            Fault::Missing(_) => (404, "json2_error_missing_record_write"),
            Fault::Access(_) => (403, "json2_error_access_limited_sale_order_create"),
            Fault::Value(_) | Fault::Database(_) => (500, "json2_error_bad_field_in_vals"),
            Fault::Type(_) => (500, "json2_error_unexpected_argument"),
        };
        (status, with_message(fixture, &self.message()))
    }

    /// XML-RPC (`/xmlrpc/2`): fault code and string.
    pub fn xmlrpc(&self) -> (i64, String) {
        match self {
            Fault::AccessDenied | Fault::Unauthorized { .. } => (3, "Access Denied".into()),
            Fault::Access(m) => (4, m.clone()),
            Fault::UnknownModel(_) | Fault::User(_) | Fault::Validation(_) | Fault::Missing(_) => {
                (2, self.message())
            }
            _ => (1, self.traceback()),
        }
    }

    /// JSON-RPC: the `error` member (always with HTTP 200 and code 0).
    pub fn jsonrpc(&self) -> Value {
        let message = self.message();
        json!({
            "code": 0,
            "message": "Odoo Server Error",
            "data": {
                "name": self.class(),
                "message": message,
                "arguments": [message],
                "context": {},
                "debug": self.traceback(),
            }
        })
    }
}

/// A recorded JSON-2 error body with another message (in `message`, `arguments` and the
/// traceback's last line), keeping the recorded layout byte for byte.
fn with_message(fixture: &str, message: &str) -> String {
    let raw = fixtures::body(fixture);
    let v: Value = serde_json::from_str(raw).expect("recorded error bodies are JSON");
    let escaped = |s: &str| {
        let quoted = serde_json::to_string(s).expect("a string serializes");
        quoted[1..quoted.len() - 1].to_string()
    };
    let old = escaped(v["message"].as_str().unwrap_or_default());
    raw.replace(&old, &escaped(message))
}
