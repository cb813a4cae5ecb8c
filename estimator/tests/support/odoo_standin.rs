//! A stand-in Odoo server for the connector tests: in memory, stateful, and speaking the
//! three transports with the shapes recorded from a real Odoo 19 (tests/fixtures/odoo19):
//!
//! - `GET /web/version`, exactly the recorded body (or an older / SaaS version);
//! - JSON-2 `POST /json/2/<model>/<method>`: bearer key, `X-Odoo-Database`, named arguments
//!   bound as Odoo binds them, errors as HTTP statuses with Odoo's JSON bodies;
//! - XML-RPC `/xmlrpc/2/common|object` with faults 1 to 4, JSON-RPC `/jsonrpc`.
//!
//! Behind them a small ORM holds res.partner, product.product, uom.uom and account.tax (the
//! recorded master data), sale.order and its lines, crm.lead and crm.stage, ir.attachment and
//! mail.message, with the constraints the connector can trip on. As a 17 or 18 the server has
//! no JSON-2 and the order lines' fields are `product_uom` / `tax_id`.
//!
//! Tests drive failures through [`StandIn::fail_next`] and friends, count requests per
//! (model, method), and read the state back with [`StandIn::records`] and its shortcuts.
//!
//! Layout: `server` (routes, failures), `transports` (the three protocols), `orm` (records
//! and methods), `domain` (search domains and orders), `schema` (models and fields),
//! `fault` (errors per transport), `xml` (XML-RPC documents), `python` (json.dumps and
//! repr), `fixtures` (recorded bodies), `net` (a listener that can reset connections).

mod domain;
mod fault;
mod fixtures;
mod net;
mod orm;
mod python;
mod schema;
mod server;
mod transports;
mod xml;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chantier_estimator::odoo::{OdooClient, OdooConfig, Transport};
use serde_json::{Map, Value, json};

pub use fault::Fault;
pub use server::Failure;

use orm::{Call, Via};
use server::{Identity, Injection, Shared};

/// How the stand-in presents itself.
#[derive(Debug, Clone)]
pub struct Options {
    /// 19 by default; 17 or 18 for a server without JSON-2 and with the old line fields.
    pub major: u32,
    /// A SaaS release (`saas~18.3`): `version_info` starts with the string "saas~18".
    pub saas_minor: Option<u32>,
    /// False: `/web/version` answers 404, as servers that predate it.
    pub web_version_route: bool,
    pub db: String,
    pub user: String,
    pub password: String,
    pub key: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            major: 19,
            saas_minor: None,
            web_version_route: true,
            db: "chantier".into(),
            user: "admin".into(),
            password: "standin-password".into(),
            key: "5f3c0e2a9b7d4c1e8a6f0b2d4e6a8c0e1f3b5d7a".into(),
        }
    }
}

impl Options {
    pub fn version(major: u32) -> Options {
        Options {
            major,
            ..Options::default()
        }
    }
}

/// A running stand-in. Dropping it stops the server.
pub struct StandIn {
    pub url: String,
    pub db: String,
    pub user: String,
    pub key: String,
    pub password: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds 127.0.0.1 on a free port and serves until the handle is dropped.
pub async fn start(opts: Options) -> StandIn {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let shared = Arc::new(Shared::new(Identity {
        major: opts.major,
        saas_minor: opts.saas_minor,
        web_version_route: opts.web_version_route,
        db: opts.db.clone(),
        user: opts.user.clone(),
        uid: 2,
        password: opts.password.clone(),
        key: opts.key.clone(),
    }));
    let app = server::router(shared.clone()).into_make_service_with_connect_info::<net::Peer>();
    let listener = net::Listener::new(listener, shared.doomed.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    StandIn {
        url: format!("http://{addr}"),
        db: opts.db,
        user: opts.user,
        key: opts.key,
        password: opts.password,
        shared,
        task,
    }
}

impl StandIn {
    /// A client configuration for this server: short timeout, two retries.
    pub fn config(&self, transport: Transport) -> OdooConfig {
        OdooConfig {
            url: self.url.clone(),
            db: self.db.clone(),
            user: self.user.clone(),
            key: self.key.clone(),
            transport,
            timeout_secs: 5,
            retries: 2,
            reactivate_archived: true,
            edited_draft: Default::default(),
        }
    }

    pub fn client(&self, transport: Transport) -> OdooClient {
        OdooClient::new(self.config(transport)).expect("client")
    }

    // ----- failures ----------------------------------------------------------------------

    fn inject(&self, target: Option<(&str, &str)>, n: usize, failure: Failure, after_commit: bool) {
        self.shared.injections.lock().unwrap().push(Injection {
            target: target.map(|(m, f)| (m.to_string(), f.to_string())),
            remaining: n,
            failure,
            after_commit,
        });
    }

    /// The next `n` requests, whatever they are, fail this way before reaching Odoo.
    pub fn fail_next(&self, n: usize, failure: Failure) {
        self.inject(None, n, failure, false);
    }

    /// The next `n` calls of `model.method` (any transport; `("web", "version")` and
    /// `("common", "authenticate")` work too) fail this way before reaching Odoo.
    pub fn fail_call(&self, model: &str, method: &str, n: usize, failure: Failure) {
        self.inject(Some((model, method)), n, failure, false);
    }

    /// The next `n` calls of `model.method` are carried out and committed, then their
    /// answer is lost this way (a proxy timing out while Odoo finishes the work).
    pub fn fail_call_after_commit(&self, model: &str, method: &str, n: usize, failure: Failure) {
        self.inject(Some((model, method)), n, failure, true);
    }

    /// Forgets the failures not yet spent.
    pub fn clear_failures(&self) {
        self.shared.injections.lock().unwrap().clear();
    }

    // ----- counters ----------------------------------------------------------------------

    /// Requests received for `model.method` (failed ones included).
    pub fn calls(&self, model: &str, method: &str) -> usize {
        let calls = self.shared.calls.lock().unwrap();
        calls
            .get(&(model.to_string(), method.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Every request received.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Calls that changed the database and were committed.
    pub fn commits(&self) -> usize {
        self.shared.db.lock().unwrap().commits
    }

    // ----- state -------------------------------------------------------------------------

    /// Every record of `model` (archived ones included) as `read` gives it, by id.
    pub fn records(&self, model: &str) -> Vec<Value> {
        self.shared.db.lock().unwrap().rows(model)
    }

    /// Records of `model` whose field `field` equals `value` (many2one compared by id).
    pub fn records_where(&self, model: &str, field: &str, value: Value) -> Vec<Value> {
        self.records(model)
            .into_iter()
            .filter(|r| {
                let v = &r[field];
                v == &value || v.get(0) == Some(&value)
            })
            .collect()
    }

    pub fn orders(&self) -> Vec<Value> {
        self.records("sale.order")
    }

    /// An order's lines in the order Odoo shows them (sequence, then id).
    pub fn order_lines(&self, order_id: i64) -> Vec<Value> {
        self.search_read(
            "sale.order.line",
            json!([["order_id", "=", order_id]]),
            Some("sequence,id"),
        )
    }

    pub fn partners(&self) -> Vec<Value> {
        self.records("res.partner")
    }

    pub fn products(&self) -> Vec<Value> {
        self.records("product.product")
    }

    pub fn attachments(&self) -> Vec<Value> {
        self.records("ir.attachment")
    }

    pub fn messages(&self) -> Vec<Value> {
        self.records("mail.message")
    }

    /// search_read as the admin, all fields, archived records included.
    pub fn search_read(&self, model: &str, domain: Value, order: Option<&str>) -> Vec<Value> {
        let mut kwargs = Map::new();
        kwargs.insert("domain".into(), domain);
        kwargs.insert("context".into(), json!({"active_test": false}));
        if let Some(o) = order {
            kwargs.insert("order".into(), json!(o));
        }
        match self.execute(model, "search_read", None, kwargs) {
            Ok(Value::Array(rows)) => rows,
            other => panic!("search_read {model}: {other:?}"),
        }
    }

    /// Calls a method directly, as the admin through JSON-2 would (no HTTP, no counters).
    pub fn execute(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, Fault> {
        self.shared.db.lock().unwrap().execute(Call {
            model: model.into(),
            method: method.into(),
            ids: ids.map(|i| json!(i)),
            args: Vec::new(),
            kwargs,
            via: Via::Json2,
        })
    }

    /// Creates a record directly; returns its id.
    pub fn create(&self, model: &str, vals: Value) -> i64 {
        let mut kwargs = Map::new();
        kwargs.insert("vals_list".into(), json!([vals]));
        match self.execute(model, "create", None, kwargs) {
            Ok(Value::Array(ids)) => ids[0].as_i64().expect("an id"),
            other => panic!("create {model}: {other:?}"),
        }
    }

    /// Writes a record directly.
    pub fn write(&self, model: &str, id: i64, vals: Value) {
        let mut kwargs = Map::new();
        kwargs.insert("vals".into(), vals);
        if let Err(e) = self.execute(model, "write", Some(&[id]), kwargs) {
            panic!("write {model} {id}: {e:?}");
        }
    }

    /// Calls a record method without arguments (action_confirm, unlink...).
    pub fn act(&self, model: &str, method: &str, ids: &[i64]) -> Result<Value, Fault> {
        self.execute(model, method, Some(ids), Map::new())
    }
}
