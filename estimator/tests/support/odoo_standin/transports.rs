//! The three doors into the database, answering with the recorded shapes:
//! `GET /web/version`, JSON-2 (`POST /json/2/<model>/<method>`, bearer key, named
//! arguments, HTTP statuses), XML-RPC (`/xmlrpc/2/common|object`, faults 1-4) and JSON-RPC
//! (`POST /jsonrpc`, always HTTP 200, `error.data.name`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::fault::Fault;
use super::fixtures;
use super::net::Peer;
use super::orm::{Call, Via};
use super::python;
use super::server::{Shared, html, not_found_page};
use super::xml;

fn json_response(status: u16, body: String) -> Response {
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub async fn web_version(
    State(s): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
) -> Response {
    s.serve(peer, ("web".into(), "version".into()), || {
        if !s.id.web_version_route {
            return not_found_page();
        }
        let body = if s.id.is_recorded_version() {
            fixtures::body("http_web_version").to_string()
        } else {
            format!(
                "{{\"version_info\": {}, \"version\": \"{}\"}}",
                python::dumps(&s.id.version_info()),
                s.id.version()
            )
        };
        json_response(200, body)
    })
    .await
}

// ----- JSON-2 ----------------------------------------------------------------------------

pub async fn json2(
    State(s): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    method: Method,
    Path((model, function)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = (model.clone(), function.clone());
    s.serve(peer, target, || {
        json2_call(&s, &method, &headers, model, function, &body)
    })
    .await
}

fn json2_fault(f: Fault) -> Response {
    let (status, body) = f.json2();
    let mut r = json_response(status, body);
    if status == 401 {
        r.headers_mut().insert(
            "www-authenticate",
            axum::http::HeaderValue::from_static("Bearer "),
        );
    }
    r
}

fn json2_call(
    s: &Shared,
    method: &Method,
    headers: &HeaderMap,
    model: String,
    function: String,
    body: &[u8],
) -> Response {
    // Before 19 the route does not exist.
    if s.id.major < 19 {
        return not_found_page();
    }
    if header(headers, "x-odoo-database").is_some_and(|db| db != s.id.db) {
        return html(404, fixtures::body("json2_error_unknown_database").into());
    }
    let is_json = header(headers, "content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if *method != Method::POST || !is_json {
        let mut r = html(
            415,
            fixtures::body("json2_error_get_instead_of_post").into(),
        );
        r.headers_mut().insert(
            "accept",
            axum::http::HeaderValue::from_static("application/json"),
        );
        return r;
    }
    let key = header(headers, "authorization")
        .and_then(|a| a.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    match key {
        None => {
            return json2_fault(Fault::Unauthorized {
                missing_header: true,
            });
        }
        Some(k) if k != s.id.key => {
            return json2_fault(Fault::Unauthorized {
                missing_header: false,
            });
        }
        Some(_) => {}
    }
    let mut kwargs = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => o,
        Ok(other) => {
            return json2_fault(Fault::BadRequest(format!(
                "the body must be a JSON object, got {}",
                python::repr(&other)
            )));
        }
        Err(e) => {
            return json2_fault(Fault::BadRequest(format!(
                "could not parse the body as json: {e}"
            )));
        }
    };
    let ids = kwargs.remove("ids");
    let call = Call {
        model,
        method: function,
        ids,
        args: Vec::new(),
        kwargs,
        via: Via::Json2,
    };
    let result = s.db.lock().unwrap().execute(call);
    match result {
        Ok(v) => json_response(200, python::dumps(&v)),
        Err(f) => json2_fault(f),
    }
}

// ----- XML-RPC and JSON-RPC services ------------------------------------------------------

/// What a request is about, for counters and targeted failures: `(model, method)` for
/// `object.execute_kw`, `(service, method)` otherwise.
fn target(service: &str, method: &str, params: &[Value]) -> (String, String) {
    if service == "object" && matches!(method, "execute_kw" | "execute") {
        let s = |i: usize| {
            params
                .get(i)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        return (s(3), s(4));
    }
    (service.into(), method.into())
}

fn unknown_database(db: &str) -> Fault {
    Fault::Database(db.to_string())
}

/// `common`, `db` and `object` services, as dispatched by both RPC transports.
fn rpc(s: &Shared, service: &str, method: &str, params: Vec<Value>) -> Result<Value, Fault> {
    let text = |i: usize| params.get(i).and_then(Value::as_str).unwrap_or_default();
    match (service, method) {
        ("common", "version") => Ok(json!({
            "server_version": s.id.version(),
            "server_version_info": s.id.version_info(),
            "server_serie": s.id.version(),
            "protocol_version": 1,
        })),
        ("common", "about") => Ok(json!("See http://openerp.com")),
        ("common", "login" | "authenticate") => {
            if text(0) != s.id.db {
                return Err(unknown_database(text(0)));
            }
            // A wrong login or password is False, not a fault.
            Ok(if text(1) == s.id.user && s.id.accepts(text(2)) {
                json!(s.id.uid)
            } else {
                Value::Bool(false)
            })
        }
        ("db", "list") => Ok(json!([s.id.db])),
        ("db", "server_version") => Ok(json!(s.id.version())),
        ("object", "execute_kw" | "execute") => {
            if text(0) != s.id.db {
                return Err(unknown_database(text(0)));
            }
            if params.get(1).and_then(Value::as_i64) != Some(s.id.uid) || !s.id.accepts(text(2)) {
                return Err(Fault::AccessDenied);
            }
            let (args, kwargs) = if method == "execute_kw" {
                let args = match params.get(5) {
                    Some(Value::Array(a)) => a.clone(),
                    None => Vec::new(),
                    Some(other) => vec![other.clone()],
                };
                let kwargs = match params.get(6) {
                    Some(Value::Object(o)) => o.clone(),
                    _ => Map::new(),
                };
                (args, kwargs)
            } else {
                (
                    params.get(5..).map(<[Value]>::to_vec).unwrap_or_default(),
                    Map::new(),
                )
            };
            s.db.lock().unwrap().execute(Call {
                model: text(3).to_string(),
                method: text(4).to_string(),
                ids: None,
                args,
                kwargs,
                via: Via::Rpc,
            })
        }
        _ => Err(Fault::Value(format!("Method not available {method}"))),
    }
}

// ----- XML-RPC ---------------------------------------------------------------------------

fn xml_response(body: String) -> Response {
    ([("content-type", "text/xml; charset=utf-8")], body).into_response()
}

/// common.version as recorded, with this server's version.
fn version_xml(s: &Shared) -> String {
    let recorded = fixtures::body("xmlrpc_common_version");
    if s.id.is_recorded_version() {
        return recorded.to_string();
    }
    let first = match s.id.saas_minor {
        Some(minor) => format!(
            "<value><string>saas~{}</string></value>\n<value><int>{minor}</int></value>",
            s.id.major
        ),
        None => format!(
            "<value><int>{}</int></value>\n<value><int>0</int></value>",
            s.id.major
        ),
    };
    recorded
        .replace(
            "<value><int>19</int></value>\n<value><int>0</int></value>",
            &first,
        )
        .replace("19.0", &s.id.version())
}

pub async fn xmlrpc(
    State(s): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    Path(service): Path<String>,
    body: String,
) -> Response {
    let parsed = xml::call(&body);
    let target = match &parsed {
        Ok((method, params)) => target(&service, method, params),
        Err(_) => (service.clone(), String::new()),
    };
    s.serve(peer, target, || {
        let (method, params) = match parsed {
            Ok(call) => call,
            Err(e) => {
                let f = Fault::Value(format!("xml.parsers.expat.ExpatError: {e}"));
                let (code, message) = f.xmlrpc();
                return xml_response(xml::fault(code, &message));
            }
        };
        if service == "common" && method == "version" {
            return xml_response(version_xml(&s));
        }
        match rpc(&s, &service, &method, params) {
            Ok(v) => xml_response(xml::response(&v)),
            Err(f) => {
                let (code, message) = f.xmlrpc();
                xml_response(xml::fault(code, &message))
            }
        }
    })
    .await
}

// ----- JSON-RPC --------------------------------------------------------------------------

pub async fn jsonrpc(
    State(s): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    body: Bytes,
) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let p = &request["params"];
    let service = p["service"].as_str().unwrap_or_default().to_string();
    let method = p["method"].as_str().unwrap_or_default().to_string();
    let args = match &p["args"] {
        Value::Array(a) => a.clone(),
        _ => Vec::new(),
    };
    let target = target(&service, &method, &args);
    s.serve(peer, target, || {
        // Odoo's json.dumps order: jsonrpc, id, then result or error.
        let body = match rpc(&s, &service, &method, args) {
            Ok(v) => format!(
                "{{\"jsonrpc\": \"2.0\", \"id\": {}, \"result\": {}}}",
                python::dumps(&id),
                python::dumps(&v)
            ),
            Err(f) => format!(
                "{{\"jsonrpc\": \"2.0\", \"id\": {}, \"error\": {}}}",
                python::dumps(&id),
                python::dumps(&f.jsonrpc())
            ),
        };
        json_response(200, body)
    })
    .await
}
