//! One Odoo client over three transports: JSON-2 for Odoo 19 and later, XML-RPC or JSON-RPC
//! (`execute_kw`) for 17 and 18. Callers use named arguments and record ids; the transport
//! turns them into what each protocol wants and turns every error into an [`OdooError`]
//! that says whether retrying can help.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::OnceCell;

use super::{OdooError, xmlrpc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Chosen from the server's version: JSON-2 from 19 on, XML-RPC before.
    #[default]
    Auto,
    Json2,
    XmlRpc,
    JsonRpc,
}

/// How to reach an Odoo database. The key is never logged or printed by `Debug`.
#[derive(Clone, Serialize, Deserialize)]
pub struct OdooConfig {
    pub url: String,
    pub db: String,
    /// Login, needed by XML-RPC and JSON-RPC (JSON-2 identifies the user by the key).
    pub user: String,
    /// API key (or password for XML-RPC/JSON-RPC).
    pub key: String,
    #[serde(default)]
    pub transport: Transport,
    #[serde(default = "timeout_default")]
    pub timeout_secs: u64,
    /// Attempts for transient failures (network, 5xx) inside one call.
    #[serde(default = "retries_default")]
    pub retries: u32,
    /// A unit or sale tax the devis needs that Odoo ships archived (m³, 10 %, 5.5 % on a
    /// fresh French database) is re-activated when true, used as it is when false.
    #[serde(default = "reactivate_default")]
    pub reactivate_archived: bool,
    /// What a push does to a draft quotation someone edited in Odoo since the last push.
    #[serde(default)]
    pub edited_draft: EditedDraft,
}

/// What a re-priced estimate does to a draft quotation edited in Odoo since it was pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditedDraft {
    /// The push fails with the reason; the draft keeps the salesperson's edits.
    #[default]
    Refuse,
    /// The edited draft is left as it is and the new version goes to a new quotation.
    NewQuotation,
}

impl EditedDraft {
    pub fn parse(s: &str) -> Option<EditedDraft> {
        match s.trim() {
            "refuse" => Some(EditedDraft::Refuse),
            "new_quotation" => Some(EditedDraft::NewQuotation),
            _ => None,
        }
    }
}

fn reactivate_default() -> bool {
    true
}

fn timeout_default() -> u64 {
    30
}

fn retries_default() -> u32 {
    3
}

impl std::fmt::Debug for OdooConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooConfig")
            .field("url", &self.url)
            .field("db", &self.db)
            .field("user", &self.user)
            .field("key", &"***")
            .field("transport", &self.transport)
            .field("reactivate_archived", &self.reactivate_archived)
            .field("edited_draft", &self.edited_draft)
            .finish()
    }
}

impl OdooConfig {
    /// From ODOO_URL, ODOO_DB, ODOO_USER and ODOO_KEY, when all are set.
    pub fn from_env() -> Option<OdooConfig> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Some(OdooConfig {
            url: get("ODOO_URL")?,
            db: get("ODOO_DB")?,
            user: get("ODOO_USER").unwrap_or_else(|| "admin".into()),
            key: get("ODOO_KEY")?,
            transport: match get("ODOO_TRANSPORT").as_deref() {
                Some("json2") => Transport::Json2,
                Some("xmlrpc") => Transport::XmlRpc,
                Some("jsonrpc") => Transport::JsonRpc,
                _ => Transport::Auto,
            },
            timeout_secs: timeout_default(),
            retries: retries_default(),
            reactivate_archived: reactivate_default(),
            edited_draft: EditedDraft::default(),
        })
    }
}

/// The server's major version and the transport chosen for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub major: u32,
    pub transport: Transport,
}

#[derive(Debug)]
pub struct OdooClient {
    config: OdooConfig,
    http: reqwest::Client,
    server: OnceCell<Server>,
    uid: OnceCell<i64>,
}

impl OdooClient {
    pub fn new(config: OdooConfig) -> Result<OdooClient, OdooError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(config.timeout_secs.clamp(1, 10)))
            .user_agent(concat!("chantier/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OdooError::Protocol(format!("HTTP client: {e}")))?;
        Ok(OdooClient {
            config: OdooConfig {
                url: config.url.trim_end_matches('/').to_string(),
                ..config
            },
            http,
            server: OnceCell::new(),
            uid: OnceCell::new(),
        })
    }

    pub fn config(&self) -> &OdooConfig {
        &self.config
    }

    /// Asks the server its version once and picks the transport.
    pub async fn server(&self) -> Result<Server, OdooError> {
        self.server
            .get_or_try_init(|| async {
                let major = self.version().await?;
                let transport = match self.config.transport {
                    Transport::Auto if major >= 19 => Transport::Json2,
                    Transport::Auto => Transport::XmlRpc,
                    Transport::Json2 if major < 19 => {
                        return Err(OdooError::Missing(format!(
                            "JSON-2 needs Odoo 19 or later; this server is {major}"
                        )));
                    }
                    t => t,
                };
                Ok(Server { major, transport })
            })
            .await
            .copied()
    }

    async fn version(&self) -> Result<u32, OdooError> {
        let url = format!("{}/web/version", self.config.url);
        let res = self.retrying(true, || self.http.get(&url).send()).await;
        // 19 says [19, 0, ...]; SaaS releases say ["saas~18", 3, ...].
        let from_info = |v: &Value| {
            let x = v["version_info"]
                .get(0)
                .or_else(|| v["server_version_info"].get(0))?;
            x.as_u64().map(|m| m as u32).or_else(|| {
                x.as_str()?
                    .trim_start_matches("saas~")
                    .split('.')
                    .next()?
                    .parse()
                    .ok()
            })
        };
        if let Ok((200, body)) = res.as_ref().map(|(s, b)| (*s, b))
            && let Ok(v) = serde_json::from_str::<Value>(body)
            && let Some(m) = from_info(&v)
        {
            return Ok(m);
        }
        if let Err(e) = res
            && e.is_transient()
        {
            return Err(e);
        }
        // Before /web/version existed as JSON: XML-RPC common.version.
        let v = self.xmlrpc("common", "version", &[]).await?;
        from_info(&v).ok_or_else(|| {
            OdooError::Protocol(format!(
                "{} does not look like an Odoo server",
                self.config.url
            ))
        })
    }

    /// Sends a request, retrying network errors and gateway errors with backoff. Returns the
    /// status and body of the first answer that is not a transient failure.
    ///
    /// A call that writes (`idempotent` false) is resent only when it cannot have reached
    /// Odoo (the connection was refused): after a timeout or a gateway error Odoo may have
    /// committed it, and sending it again would create a second order or message. The job
    /// that made the call retries it later, after looking for what the first attempt did.
    async fn retrying<F, Fut>(&self, idempotent: bool, send: F) -> Result<(u16, String), OdooError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 0;
        loop {
            attempt += 1;
            // (error, whether resending is safe)
            let outcome = match send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.text().await {
                        Ok(body)
                            if matches!(status, 502..=504)
                                || (status == 500 && !is_odoo_json(&body)) =>
                        {
                            Err((OdooError::Transient(format!("HTTP {status}")), idempotent))
                        }
                        Ok(body) => Ok((status, body)),
                        Err(e) => Err((OdooError::Transient(describe(&e)), idempotent)),
                    }
                }
                // No connection at all: nothing reached Odoo, resending is always safe.
                Err(e) if e.is_connect() => Err((OdooError::Unreachable(describe(&e)), true)),
                Err(e) => Err((OdooError::Transient(describe(&e)), idempotent)),
            };
            match outcome {
                Err((e, true)) if attempt <= self.config.retries => {
                    tracing::warn!(attempt, error = %e, "Odoo call failed, retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 3).min(Duration::from_secs(10));
                }
                Err((e, _)) => return Err(e),
                Ok(ok) => return Ok(ok),
            }
        }
    }

    async fn xmlrpc(
        &self,
        service: &str,
        method: &str,
        params: &[Value],
    ) -> Result<Value, OdooError> {
        let url = format!("{}/xmlrpc/2/{service}", self.config.url);
        let body = xmlrpc::request(method, params);
        let (status, text) = self
            .retrying(reads_only(service, params), || {
                self.http
                    .post(&url)
                    .header("content-type", "text/xml")
                    .body(body.clone())
                    .send()
            })
            .await?;
        if status != 200 {
            return Err(status_error(status, &text));
        }
        match xmlrpc::response(&text)? {
            xmlrpc::Response::Value(v) => Ok(v),
            xmlrpc::Response::Fault { code, message } => Err(fault_error(code, &message)),
        }
    }

    async fn jsonrpc(
        &self,
        service: &str,
        method: &str,
        args: Vec<Value>,
    ) -> Result<Value, OdooError> {
        let url = format!("{}/jsonrpc", self.config.url);
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": service, "method": method, "args": args}});
        let (status, text) = self
            .retrying(reads_only(service, &args), || {
                self.http.post(&url).json(&body).send()
            })
            .await?;
        if status != 200 {
            return Err(status_error(status, &text));
        }
        let v: Value = serde_json::from_str(&text).map_err(|_| not_json(&text))?;
        if let Some(err) = v.get("error") {
            let data = &err["data"];
            return Err(named_error(
                data["name"].as_str().unwrap_or_default(),
                data["message"]
                    .as_str()
                    .or(err["message"].as_str())
                    .unwrap_or_default(),
            ));
        }
        Ok(v.get("result").cloned().unwrap_or(Value::Null))
    }

    async fn uid(&self) -> Result<i64, OdooError> {
        self.uid
            .get_or_try_init(|| async {
                let args = [
                    json!(self.config.db),
                    json!(self.config.user),
                    json!(self.config.key),
                    json!({}),
                ];
                let v = match self.server().await?.transport {
                    Transport::JsonRpc => {
                        self.jsonrpc("common", "authenticate", args.to_vec())
                            .await?
                    }
                    _ => self.xmlrpc("common", "authenticate", &args).await?,
                };
                // A wrong password answers False, not a fault.
                v.as_i64().ok_or_else(|| {
                    OdooError::Auth(format!(
                        "login {:?} on database {:?} was refused",
                        self.config.user, self.config.db
                    ))
                })
            })
            .await
            .copied()
    }

    /// Calls `model.method` with named arguments; `ids` selects records for record methods.
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, OdooError> {
        let server = self.server().await?;
        match server.transport {
            Transport::Json2 => {
                let url = format!("{}/json/2/{model}/{method}", self.config.url);
                let mut body = kwargs;
                if let Some(ids) = ids {
                    body.insert("ids".into(), json!(ids));
                }
                let body = Value::Object(body);
                let (status, text) = self
                    .retrying(is_read(method), || {
                        self.http
                            .post(&url)
                            .bearer_auth(&self.config.key)
                            .header("X-Odoo-Database", &self.config.db)
                            .json(&body)
                            .send()
                    })
                    .await?;
                if status == 200 {
                    return serde_json::from_str(&text).map_err(|_| not_json(&text));
                }
                Err(status_error(status, &text))
            }
            transport => {
                let uid = self.uid().await?;
                // execute_kw takes record ids and create's values positionally.
                let mut kwargs = kwargs;
                let mut args = Vec::new();
                if let Some(ids) = ids {
                    args.push(json!(ids));
                }
                if method == "create"
                    && let Some(v) = kwargs.remove("vals_list")
                {
                    args.push(v);
                }
                if method == "write"
                    && let Some(v) = kwargs.remove("vals")
                {
                    args.push(v);
                }
                // Named `fields` from 19 on, `fields_list` before: positional fits both.
                if method == "default_get"
                    && let Some(v) = kwargs.remove("fields")
                {
                    args.push(v);
                }
                let params = vec![
                    json!(self.config.db),
                    json!(uid),
                    json!(self.config.key),
                    json!(model),
                    json!(method),
                    Value::Array(args),
                    Value::Object(kwargs),
                ];
                if transport == Transport::JsonRpc {
                    self.jsonrpc("object", "execute_kw", params).await
                } else {
                    self.xmlrpc("object", "execute_kw", &params).await
                }
            }
        }
    }

    pub async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        limit: Option<u32>,
    ) -> Result<Vec<Value>, OdooError> {
        self.search(model, domain, fields, limit, false).await
    }

    /// `search_read` that also finds archived records (`active_test: false`): a fresh
    /// database ships m³ and the reduced VAT rates archived.
    pub async fn search_read_archived(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
    ) -> Result<Vec<Value>, OdooError> {
        self.search(model, domain, fields, None, true).await
    }

    async fn search(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        limit: Option<u32>,
        archived: bool,
    ) -> Result<Vec<Value>, OdooError> {
        let mut kw = Map::new();
        kw.insert("domain".into(), domain);
        kw.insert("fields".into(), json!(fields));
        if let Some(l) = limit {
            kw.insert("limit".into(), json!(l));
        }
        if archived {
            kw.insert("context".into(), json!({"active_test": false}));
        }
        match self.call(model, "search_read", None, kw).await? {
            Value::Array(a) => Ok(a),
            other => Err(OdooError::Protocol(format!("search_read returned {other}"))),
        }
    }

    /// Reads records by id, in `ids` order as Odoo returns them.
    pub async fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
    ) -> Result<Vec<Value>, OdooError> {
        let mut kw = Map::new();
        kw.insert("fields".into(), json!(fields));
        match self.call(model, "read", Some(ids), kw).await? {
            Value::Array(a) => Ok(a),
            other => Err(OdooError::Protocol(format!("read returned {other}"))),
        }
    }

    /// The values a new record of `model` would get: the company a new order goes to.
    pub async fn default_get(&self, model: &str, fields: &[&str]) -> Result<Value, OdooError> {
        let mut kw = Map::new();
        kw.insert("fields".into(), json!(fields));
        match self.call(model, "default_get", None, kw).await? {
            v @ Value::Object(_) => Ok(v),
            other => Err(OdooError::Protocol(format!("default_get returned {other}"))),
        }
    }

    /// Creates records; returns their ids whatever the transport's shape (list or int).
    pub async fn create(&self, model: &str, vals: Vec<Value>) -> Result<Vec<i64>, OdooError> {
        let mut kw = Map::new();
        kw.insert("vals_list".into(), Value::Array(vals));
        ids_of(self.call(model, "create", None, kw).await?)
    }

    pub async fn write(&self, model: &str, ids: &[i64], vals: Value) -> Result<(), OdooError> {
        let mut kw = Map::new();
        kw.insert("vals".into(), vals);
        self.call(model, "write", Some(ids), kw).await.map(|_| ())
    }

    /// Posts a chatter message; returns the message id (`[id]` on 19, an int on 17/18).
    pub async fn message_post(
        &self,
        model: &str,
        id: i64,
        body: &str,
        attachment_ids: &[i64],
    ) -> Result<i64, OdooError> {
        let mut kw = Map::new();
        kw.insert("body".into(), json!(body));
        kw.insert("attachment_ids".into(), json!(attachment_ids));
        kw.insert("message_type".into(), json!("comment"));
        kw.insert("subtype_xmlid".into(), json!("mail.mt_note"));
        let v = self.call(model, "message_post", Some(&[id]), kw).await?;
        ids_of(v)?
            .first()
            .copied()
            .ok_or_else(|| OdooError::Protocol("message_post returned no id".into()))
    }
}

/// Methods that only read: safe to send again after a timeout.
fn is_read(method: &str) -> bool {
    matches!(
        method,
        "search_read"
            | "read"
            | "search"
            | "search_count"
            | "fields_get"
            | "name_search"
            | "default_get"
    )
}

/// Whether an RPC call only reads: `common` calls do, and `execute_kw` of a read method.
fn reads_only(service: &str, params: &[Value]) -> bool {
    service == "common" || params.get(4).and_then(Value::as_str).is_some_and(is_read)
}

pub(crate) fn ids_of(v: Value) -> Result<Vec<i64>, OdooError> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(|i| vec![i])
            .ok_or_else(|| OdooError::Protocol(format!("bad id {n}"))),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_i64()
                    .ok_or_else(|| OdooError::Protocol(format!("bad id {x}")))
            })
            .collect(),
        other => Err(OdooError::Protocol(format!("expected ids, got {other}"))),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        format!("cannot connect: {e}")
    } else {
        e.to_string()
    }
}

fn is_odoo_json(body: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .is_some_and(|v| v.get("name").is_some() && v.get("message").is_some())
}

fn not_json(body: &str) -> OdooError {
    let head: String = body.chars().take(120).collect();
    OdooError::Protocol(format!("expected JSON, got: {head}"))
}

/// JSON-2 statuses (see tests/fixtures/odoo19/NOTES.md for what each one means there).
fn status_error(status: u16, body: &str) -> OdooError {
    let v: Option<Value> = serde_json::from_str(body).ok();
    let name = v
        .as_ref()
        .and_then(|v| v["name"].as_str())
        .unwrap_or_default();
    let message = v
        .as_ref()
        .and_then(|v| v["message"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(120).collect());
    match status {
        401 => OdooError::Auth(message),
        403 => OdooError::Access(message),
        404 if v.is_none() => OdooError::Auth(format!(
            "the database is unknown to the server (HTTP 404 page): {}",
            message.trim()
        )),
        404 if name == "odoo.exceptions.MissingError" => OdooError::Rejected(message),
        404 => OdooError::Missing(message),
        409 => OdooError::Transient(format!("record locked: {message}")),
        400 | 422 => OdooError::Rejected(message),
        s if s >= 500 => OdooError::Rejected(format!("server error {name}: {message}")),
        s => OdooError::Protocol(format!("HTTP {s}: {message}")),
    }
}

/// JSON-RPC error names.
fn named_error(name: &str, message: &str) -> OdooError {
    let m = message.to_string();
    match name {
        "odoo.exceptions.AccessDenied" => OdooError::Auth(m),
        "odoo.exceptions.AccessError" => OdooError::Access(m),
        "werkzeug.exceptions.NotFound" | "builtins.AttributeError" => OdooError::Missing(m),
        n if n.contains("SessionExpired") => OdooError::Auth(m),
        // The database named in the call does not exist: a configuration error, as JSON-2's 404.
        _ if m.contains("database") && m.contains("does not exist") => OdooError::Auth(m),
        _ if m.contains("doesn't exist") => OdooError::Missing(m),
        _ => OdooError::Rejected(if name.is_empty() {
            m
        } else {
            format!("{name}: {m}")
        }),
    }
}

/// XML-RPC fault codes of /xmlrpc/2: 1 any exception (a traceback), 2 user and validation
/// errors, 3 access denied, 4 access error.
fn fault_error(code: i64, message: &str) -> OdooError {
    // A traceback's last line is the exception; the rest is noise for the user.
    let last = message
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    match code {
        3 => OdooError::Auth(message.to_string()),
        _ if message.contains("database") && message.contains("does not exist") => {
            OdooError::Auth(last)
        }
        4 => OdooError::Access(message.to_string()),
        2 if message.contains("doesn't exist") => OdooError::Missing(message.to_string()),
        2 => OdooError::Rejected(message.to_string()),
        _ if last.contains("AttributeError") => OdooError::Missing(last),
        _ => OdooError::Rejected(last),
    }
}
