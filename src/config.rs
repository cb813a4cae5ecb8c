//! Configuration: built-in defaults, then a TOML file, then `CHANTIER_*` environment
//! variables, then command-line flags; each layer overrides the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// gRPC listen address.
    pub listen: SocketAddr,
    /// Largest gRPC message accepted or sent, in bytes.
    pub max_message_bytes: usize,
    /// Time limit for one request, in seconds.
    pub request_timeout_secs: u64,
    /// Largest file accepted by a takeoff (upload or CLI), in bytes.
    pub max_upload_bytes: u64,
    /// Largest decompressed content of an archive (.ifczip), in bytes.
    pub max_decompressed_bytes: u64,
    /// Takeoffs run at once; more requests wait their turn within their time limit.
    pub max_concurrent_takeoffs: usize,
    /// Requests waiting for a takeoff slot; one more is refused at once (RESOURCE_EXHAUSTED
    /// with a retry hint) instead of waiting into its deadline.
    pub max_waiting_requests: usize,
    /// Bytes of uploads held in memory at once, all requests together.
    pub max_buffered_upload_bytes: u64,
    /// Memory the takeoffs running at once may take, by their estimates (file size x a
    /// factor per format); half the machine's memory when absent, 0: not counted.
    pub takeoff_memory_bytes: Option<u64>,
    /// Longest pause between two messages of an upload, in seconds.
    pub upload_idle_secs: u64,
    /// Slowest average upload rate accepted after its first 10 seconds, in bytes per second
    /// (0: no minimum).
    pub min_upload_bytes_per_sec: u64,
    /// Connections open at once; one more is closed at once.
    pub max_connections: usize,
    /// Seconds a new connection has to send its first bytes.
    pub handshake_secs: u64,
    /// Seconds a connection stays open with no call in flight.
    pub connection_idle_secs: u64,
    /// On SIGTERM, seconds given to calls in flight before the process exits regardless.
    pub shutdown_grace_secs: u64,
    /// Log format: "text" or "json".
    pub log_format: String,
    /// Log filter in `tracing` syntax, e.g. "info" or "chantier=debug".
    pub log: String,
    /// Where the default SQLite database lives.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; the SQLite file in `data_dir` when absent.
    pub database_url: Option<String>,
    /// Price library (.toml, .csv, .bc3), rule set, clause library and firm profile used
    /// when a request brings none; the bundled samples when absent.
    pub library: Option<PathBuf>,
    pub rules: Option<PathBuf>,
    pub clauses: Option<PathBuf>,
    pub firm: Option<PathBuf>,
    /// HTTP address for Odoo's webhook ("Send Webhook Notification"); off when absent.
    pub webhook_listen: Option<SocketAddr>,
    /// Shared secret the webhook URL (or its X-Chantier-Secret header) must carry. Several,
    /// comma-separated, are all accepted: one per Odoo automation rule, and the old one
    /// beside the new one while a secret is rotated.
    pub webhook_secret: Option<String>,
    /// How often to look for opportunities that asked for a proposal and got none, in
    /// seconds (Odoo's webhook never retries); 0 disables it.
    pub reconcile_secs: u64,
    /// The CRM stage whose opportunities expect a proposal.
    pub proposal_stage: String,
    /// How long a worker holds an outbox job before another may resume it, in seconds
    /// (renewed while the job runs; what a crashed worker's job waits).
    pub job_lease_secs: u64,
    /// Odoo connection; pushes and proposals are refused when absent.
    pub odoo: Option<OdooSection>,
    /// Detection model, inference and default safety settings.
    pub vision: crate::vision::VisionSection,
    /// RTSP cameras watched by `chantier serve`.
    pub cameras: Vec<crate::vision::config::CameraSection>,
    /// Where safety events go besides the gRPC stream.
    pub alerts: crate::vision::config::AlertsSection,
    /// Plan reading (PDF and pictures): OCR settings, page and operation limits.
    pub plans: chantier_vision::plan::PlanOptions,
}

/// `[odoo]` in the file, or CHANTIER_ODOO_URL / _DB / _USER / _KEY / _TRANSPORT.
#[derive(Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OdooSection {
    pub url: String,
    pub db: String,
    pub user: String,
    pub key: String,
    /// auto, json2, xmlrpc or jsonrpc.
    pub transport: String,
    pub timeout_secs: Option<u64>,
    /// Re-activate a unit or sale tax the devis needs that Odoo ships archived (m³, 10 %,
    /// 5.5 %); false uses it archived. CHANTIER_ODOO_REACTIVATE_ARCHIVED.
    pub reactivate_archived: Option<bool>,
    /// A draft edited in Odoo since the last push: "refuse" (default) or "new_quotation".
    /// CHANTIER_ODOO_EDITED_DRAFT.
    pub edited_draft: String,
}

impl std::fmt::Debug for OdooSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a credential: never in logs.
        f.debug_struct("OdooSection")
            .field("url", &self.url)
            .field("db", &self.db)
            .field("user", &self.user)
            .field("transport", &self.transport)
            .field("reactivate_archived", &self.reactivate_archived)
            .field("edited_draft", &self.edited_draft)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            max_message_bytes: 64 << 20,
            request_timeout_secs: 300,
            max_upload_bytes: 1 << 30,
            max_decompressed_bytes: 2 << 30,
            max_concurrent_takeoffs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_waiting_requests: 16,
            max_buffered_upload_bytes: 1 << 30,
            takeoff_memory_bytes: None,
            upload_idle_secs: 30,
            min_upload_bytes_per_sec: 16 << 10,
            max_connections: 1024,
            handshake_secs: 10,
            connection_idle_secs: 300,
            shutdown_grace_secs: 30,
            log_format: "text".into(),
            log: "info".into(),
            data_dir: PathBuf::from("chantier-data"),
            database_url: None,
            library: None,
            rules: None,
            clauses: None,
            firm: None,
            webhook_listen: None,
            webhook_secret: None,
            reconcile_secs: 0,
            proposal_stage: "Proposition".into(),
            job_lease_secs: 300,
            odoo: None,
            vision: crate::vision::VisionSection::default(),
            cameras: Vec::new(),
            alerts: crate::vision::config::AlertsSection::default(),
            plans: chantier_vision::plan::PlanOptions::default(),
        }
    }
}

/// Flags of `chantier serve`; every one overrides the file and the environment.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ServeArgs {
    /// Listen address (default 127.0.0.1:50051).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Largest gRPC message, in bytes.
    #[arg(long)]
    pub max_message_bytes: Option<usize>,
    /// Time limit per request, in seconds.
    #[arg(long)]
    pub request_timeout_secs: Option<u64>,
    /// Largest uploaded file, in bytes.
    #[arg(long)]
    pub max_upload_bytes: Option<u64>,
    /// Log format: text or json.
    #[arg(long)]
    pub log_format: Option<String>,
    /// Data directory (SQLite database).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://... or postgres://...
    #[arg(long)]
    pub database_url: Option<String>,
    /// HTTP address for Odoo's webhook.
    #[arg(long)]
    pub webhook_listen: Option<SocketAddr>,
    /// Detection model (.onnx); the bundled PPE model by default.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// HTTP address for Prometheus metrics (GET /metrics).
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
}

impl Config {
    pub fn load(file: Option<&Path>, flags: &ServeArgs) -> Result<Self> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut c = match file
            .map(Path::to_path_buf)
            .or_else(|| env("CHANTIER_CONFIG").map(PathBuf::from))
        {
            Some(p) => Self::from_file(&p)?,
            None if Path::new("chantier.toml").is_file() => {
                Self::from_file(Path::new("chantier.toml"))?
            }
            None => Self::default(),
        };
        c.apply_env(env)?;
        if let Some(v) = flags.listen {
            c.listen = v;
        }
        if let Some(v) = flags.max_message_bytes {
            c.max_message_bytes = v;
        }
        if let Some(v) = flags.request_timeout_secs {
            c.request_timeout_secs = v;
        }
        if let Some(v) = flags.max_upload_bytes {
            c.max_upload_bytes = v;
        }
        if let Some(v) = &flags.log_format {
            c.log_format = v.clone();
        }
        if let Some(v) = &flags.data_dir {
            c.data_dir = v.clone();
        }
        if let Some(v) = &flags.database_url {
            c.database_url = Some(v.clone());
        }
        if let Some(v) = flags.webhook_listen {
            c.webhook_listen = Some(v);
        }
        if let Some(v) = &flags.model {
            c.vision.model = Some(v.clone());
        }
        if let Some(v) = flags.metrics_listen {
            c.vision.metrics_listen = Some(v);
        }
        c.validate()?;
        Ok(c)
    }

    fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        fn parse<T: std::str::FromStr>(key: &str, v: String) -> Result<T>
        where
            T::Err: std::fmt::Display,
        {
            v.parse().map_err(|e| anyhow::anyhow!("{key}={v}: {e}"))
        }
        if let Some(v) = env("CHANTIER_LISTEN") {
            self.listen = parse("CHANTIER_LISTEN", v)?;
        }
        if let Some(v) = env("CHANTIER_MAX_MESSAGE_BYTES") {
            self.max_message_bytes = parse("CHANTIER_MAX_MESSAGE_BYTES", v)?;
        }
        if let Some(v) = env("CHANTIER_REQUEST_TIMEOUT_SECS") {
            self.request_timeout_secs = parse("CHANTIER_REQUEST_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("CHANTIER_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = parse("CHANTIER_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = env("CHANTIER_MAX_DECOMPRESSED_BYTES") {
            self.max_decompressed_bytes = parse("CHANTIER_MAX_DECOMPRESSED_BYTES", v)?;
        }
        if let Some(v) = env("CHANTIER_MAX_CONCURRENT_TAKEOFFS") {
            self.max_concurrent_takeoffs = parse("CHANTIER_MAX_CONCURRENT_TAKEOFFS", v)?;
        }
        if let Some(v) = env("CHANTIER_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = env("CHANTIER_LOG") {
            self.log = v;
        }
        if let Some(v) = env("CHANTIER_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("CHANTIER_DATABASE_URL") {
            self.database_url = Some(v);
        }
        for (key, slot) in [
            ("CHANTIER_LIBRARY", &mut self.library),
            ("CHANTIER_RULES", &mut self.rules),
            ("CHANTIER_CLAUSES", &mut self.clauses),
            ("CHANTIER_FIRM", &mut self.firm),
        ] {
            if let Some(v) = env(key) {
                *slot = Some(PathBuf::from(v));
            }
        }
        for (key, slot) in [
            (
                "CHANTIER_MAX_WAITING_REQUESTS",
                &mut self.max_waiting_requests,
            ),
            ("CHANTIER_MAX_CONNECTIONS", &mut self.max_connections),
        ] {
            if let Some(v) = env(key) {
                *slot = parse(key, v)?;
            }
        }
        if let Some(v) = env("CHANTIER_TAKEOFF_MEMORY_BYTES") {
            self.takeoff_memory_bytes = Some(parse("CHANTIER_TAKEOFF_MEMORY_BYTES", v)?);
        }
        for (key, slot) in [
            (
                "CHANTIER_MAX_BUFFERED_UPLOAD_BYTES",
                &mut self.max_buffered_upload_bytes,
            ),
            ("CHANTIER_UPLOAD_IDLE_SECS", &mut self.upload_idle_secs),
            (
                "CHANTIER_MIN_UPLOAD_BYTES_PER_SEC",
                &mut self.min_upload_bytes_per_sec,
            ),
            ("CHANTIER_HANDSHAKE_SECS", &mut self.handshake_secs),
            (
                "CHANTIER_CONNECTION_IDLE_SECS",
                &mut self.connection_idle_secs,
            ),
            (
                "CHANTIER_SHUTDOWN_GRACE_SECS",
                &mut self.shutdown_grace_secs,
            ),
        ] {
            if let Some(v) = env(key) {
                *slot = parse(key, v)?;
            }
        }
        if let Some(v) = env("CHANTIER_WEBHOOK_LISTEN") {
            self.webhook_listen = Some(parse("CHANTIER_WEBHOOK_LISTEN", v)?);
        }
        if let Some(v) = env("CHANTIER_WEBHOOK_SECRET") {
            self.webhook_secret = Some(v);
        }
        if let Some(v) = env("CHANTIER_RECONCILE_SECS") {
            self.reconcile_secs = parse("CHANTIER_RECONCILE_SECS", v)?;
        }
        if let Some(v) = env("CHANTIER_JOB_LEASE_SECS") {
            self.job_lease_secs = parse("CHANTIER_JOB_LEASE_SECS", v)?;
        }
        if let Some(v) = env("CHANTIER_PROPOSAL_STAGE") {
            self.proposal_stage = v;
        }
        if let Some(v) = env("CHANTIER_PLAN_MAX_PAGES") {
            self.plans.max_pages = parse("CHANTIER_PLAN_MAX_PAGES", v)?;
        }
        if let Some(v) = env("CHANTIER_OCR_LANGUAGES") {
            self.plans.ocr.languages = v;
        }
        if let Some(v) = env("CHANTIER_MODEL") {
            self.vision.model = Some(PathBuf::from(v));
        }
        if let Some(v) = env("CHANTIER_ONNXRUNTIME") {
            self.vision.onnxruntime = Some(PathBuf::from(v));
        }
        if let Some(v) = env("CHANTIER_VISION_SESSIONS") {
            self.vision.sessions = parse("CHANTIER_VISION_SESSIONS", v)?;
        }
        if let Some(v) = env("CHANTIER_METRICS_LISTEN") {
            self.vision.metrics_listen = Some(parse("CHANTIER_METRICS_LISTEN", v)?);
        }
        if let Some(v) = env("CHANTIER_ALERT_WEBHOOK_URL") {
            self.alerts.webhook_url = Some(v);
        }
        if let Some(v) = env("CHANTIER_ALERT_WEBHOOK_SECRET") {
            self.alerts.webhook_secret = Some(v);
        }
        if let Some(v) = env("CHANTIER_MQTT_URL") {
            self.alerts.mqtt_url = Some(v);
        }
        if let Some(v) = env("CHANTIER_ALERT_ODOO_PROJECT") {
            self.alerts.odoo_tasks = true;
            self.alerts.odoo_project_id = Some(parse("CHANTIER_ALERT_ODOO_PROJECT", v)?);
        }
        if let Some(v) = env("CHANTIER_ALERT_ODOO_FOLLOWERS") {
            self.alerts.odoo_followers = v
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse("CHANTIER_ALERT_ODOO_FOLLOWERS", s.trim().to_string()))
                .collect::<Result<_>>()?;
        }
        let odoo_env = [
            env("CHANTIER_ODOO_URL"),
            env("CHANTIER_ODOO_DB"),
            env("CHANTIER_ODOO_USER"),
            env("CHANTIER_ODOO_KEY"),
            env("CHANTIER_ODOO_TRANSPORT"),
            env("CHANTIER_ODOO_EDITED_DRAFT"),
        ];
        let reactivate = env("CHANTIER_ODOO_REACTIVATE_ARCHIVED")
            .map(|v| parse::<bool>("CHANTIER_ODOO_REACTIVATE_ARCHIVED", v))
            .transpose()?;
        if odoo_env.iter().any(Option::is_some) || reactivate.is_some() {
            let o = self.odoo.get_or_insert_with(OdooSection::default);
            let [url, db, user, key, transport, edited] = odoo_env;
            for (v, slot) in [
                (url, &mut o.url),
                (db, &mut o.db),
                (user, &mut o.user),
                (key, &mut o.key),
                (transport, &mut o.transport),
                (edited, &mut o.edited_draft),
            ] {
                if let Some(v) = v {
                    *slot = v;
                }
            }
            if reactivate.is_some() {
                o.reactivate_archived = reactivate;
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!(
                "log_format must be \"text\" or \"json\", not {:?}",
                self.log_format
            );
        }
        if self.max_message_bytes < 1024 {
            bail!("max_message_bytes must be at least 1024");
        }
        if self.max_concurrent_takeoffs == 0 {
            bail!("max_concurrent_takeoffs must be at least 1");
        }
        if self.request_timeout_secs == 0 {
            bail!("request_timeout_secs must be positive");
        }
        for (k, v) in [
            ("max_connections", self.max_connections as u64),
            ("max_buffered_upload_bytes", self.max_buffered_upload_bytes),
            ("upload_idle_secs", self.upload_idle_secs),
            ("handshake_secs", self.handshake_secs),
            ("connection_idle_secs", self.connection_idle_secs),
        ] {
            if v == 0 {
                bail!("{k} must be positive");
            }
        }
        if self.job_lease_secs < 2 {
            bail!("job_lease_secs must be at least 2");
        }
        if let Some(o) = &self.odoo {
            for (k, v) in [("url", &o.url), ("db", &o.db), ("key", &o.key)] {
                if v.is_empty() {
                    bail!("odoo.{k} is required when Odoo is configured");
                }
            }
            if !matches!(
                o.transport.as_str(),
                "" | "auto" | "json2" | "xmlrpc" | "jsonrpc"
            ) {
                bail!(
                    "odoo.transport must be auto, json2, xmlrpc or jsonrpc, not {:?}",
                    o.transport
                );
            }
            if !o.edited_draft.is_empty()
                && chantier_estimator::odoo::EditedDraft::parse(&o.edited_draft).is_none()
            {
                bail!(
                    "odoo.edited_draft must be \"refuse\" or \"new_quotation\", not {:?}",
                    o.edited_draft
                );
            }
        }
        if self.vision.sessions == 0 || self.vision.queue_capacity == 0 {
            bail!("vision.sessions and vision.queue_capacity must be at least 1");
        }
        self.vision.safety.validate()?;
        let mut names = std::collections::HashSet::new();
        for cam in &self.cameras {
            if cam.name.trim().is_empty() || !names.insert(cam.name.as_str()) {
                bail!("every camera needs a unique name (got {:?})", cam.name);
            }
            if !(cam.url.starts_with("rtsp://") || cam.url.starts_with("rtsps://")) {
                bail!("camera {}: url must be rtsp:// or rtsps://", cam.name);
            }
            if !(cam.fps > 0.0 && cam.fps <= 30.0) {
                bail!("camera {}: fps must be in (0, 30]", cam.name);
            }
            if let Some(s) = &cam.safety {
                s.validate()
                    .map_err(|e| anyhow::anyhow!("camera {}: {e}", cam.name))?;
            }
        }
        if self.alerts.webhook_url.is_some()
            && self.alerts.webhook_secret.as_deref().unwrap_or("").len() < 16
        {
            bail!(
                "alerts.webhook_secret of at least 16 characters is required with alerts.webhook_url"
            );
        }
        if self.alerts.odoo_tasks {
            if self.odoo.is_none() {
                bail!("alerts.odoo_tasks needs the [odoo] connection");
            }
            if self.alerts.odoo_project_id.is_none()
                && self.cameras.iter().any(|c| c.odoo_project_id.is_none())
            {
                bail!(
                    "alerts.odoo_tasks needs alerts.odoo_project_id, or odoo_project_id on every camera"
                );
            }
        }
        if self.webhook_listen.is_some() {
            let secrets = self.webhook_secrets();
            if secrets.is_empty() || secrets.iter().any(|s| s.len() < 16) {
                bail!(
                    "webhook_secret of at least 16 characters (each, when several are comma-separated) is required with webhook_listen"
                );
            }
        }
        Ok(())
    }

    /// The takeoff memory budget: as configured, else half the machine's memory (from
    /// /proc/meminfo), else 8 GiB.
    pub fn takeoff_memory_bytes(&self) -> u64 {
        self.takeoff_memory_bytes.unwrap_or_else(|| {
            std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|m| {
                    let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
                    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                    Some(kib * 1024 / 2)
                })
                .unwrap_or(8 << 30)
        })
    }

    /// How uploads are read (see `server::admission`).
    pub fn upload_limits(&self) -> crate::server::UploadLimits {
        crate::server::UploadLimits {
            max_bytes: self.max_upload_bytes,
            idle: std::time::Duration::from_secs(self.upload_idle_secs),
            min_rate: self.min_upload_bytes_per_sec,
            grace: std::time::Duration::from_secs(10),
        }
    }

    /// The webhook secrets accepted (comma-separated in `webhook_secret`).
    pub fn webhook_secrets(&self) -> Vec<String> {
        self.webhook_secret
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("chantier.db").display()))
    }

    pub fn odoo_config(&self) -> Option<chantier_estimator::odoo::OdooConfig> {
        use chantier_estimator::odoo::{EditedDraft, OdooConfig, Transport};
        self.odoo.as_ref().map(|o| OdooConfig {
            url: o.url.clone(),
            db: o.db.clone(),
            user: if o.user.is_empty() {
                "admin".into()
            } else {
                o.user.clone()
            },
            key: o.key.clone(),
            transport: match o.transport.as_str() {
                "json2" => Transport::Json2,
                "xmlrpc" => Transport::XmlRpc,
                "jsonrpc" => Transport::JsonRpc,
                _ => Transport::Auto,
            },
            timeout_secs: o.timeout_secs.unwrap_or(30),
            retries: 3,
            reactivate_archived: o.reactivate_archived.unwrap_or(true),
            edited_draft: EditedDraft::parse(&o.edited_draft).unwrap_or_default(),
        })
    }

    /// The library, rules, clauses and firm: configured files, else the bundled samples.
    pub fn defaults(&self) -> Result<chantier_estimator::app::Defaults> {
        use chantier_estimator::clauses::ClauseLibrary;
        use chantier_estimator::library::PriceLibrary;
        use chantier_estimator::profile::FirmProfile;
        use chantier_estimator::rules::RuleSet;
        use std::sync::Arc;
        let mut d = chantier_estimator::app::Defaults::samples();
        if let Some(p) = &self.library {
            d.library = Arc::new(PriceLibrary::from_path(p)?);
        }
        if let Some(p) = &self.rules {
            d.rules = Arc::new(RuleSet::from_path(p)?);
        }
        if let Some(p) = &self.clauses {
            d.clauses = Arc::new(ClauseLibrary::from_path(p)?);
        }
        if let Some(p) = &self.firm {
            d.firm = Arc::new(FirmProfile::from_path(p)?);
        }
        d.rules.check(&d.library)?;
        Ok(d)
    }

    pub fn limits(&self) -> chantier_bim::Limits {
        chantier_bim::Limits {
            max_file_bytes: self.max_upload_bytes,
            max_decompressed_bytes: self.max_decompressed_bytes,
            max_pdf_pages: self.plans.max_pages,
            ..chantier_bim::Limits::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:6000\"\nrequest_timeout_secs = 10\nmax_upload_bytes = 5000\n",
        )
        .unwrap();
        let mut c = Config::from_file(&file).unwrap();
        assert_eq!(c.listen.port(), 6000);
        c.apply_env(|k| match k {
            "CHANTIER_REQUEST_TIMEOUT_SECS" => Some("20".into()),
            "CHANTIER_MAX_UPLOAD_BYTES" => Some("7000".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.request_timeout_secs, 20, "environment overrides the file");
        assert_eq!(
            c.listen.port(),
            6000,
            "file value kept where the environment is silent"
        );
        assert!(
            c.apply_env(|k| (k == "CHANTIER_LISTEN").then(|| "nonsense".into()))
                .is_err()
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:6000\"\n").unwrap();
        assert!(Config::from_file(&file).is_err());
    }

    /// The README's Odoo example parses and validates, and gives the connector its settings.
    #[test]
    fn the_readme_odoo_example_parses_and_validates() {
        let readme = include_str!("../README.md");
        let start = readme.find("```toml\n[odoo]").expect("README Odoo example") + 8;
        let end = start + readme[start..].find("```").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, &readme[start..end]).unwrap();
        let mut c = Config::from_file(&file).unwrap();
        c.apply_env(|k| (k == "CHANTIER_ODOO_KEY").then(|| "k".into()))
            .unwrap();
        c.validate().unwrap();
        let o = c.odoo_config().unwrap();
        assert!(o.reactivate_archived);
        assert_eq!(
            o.edited_draft,
            chantier_estimator::odoo::EditedDraft::Refuse
        );
        c.apply_env(|k| match k {
            "CHANTIER_ODOO_EDITED_DRAFT" => Some("new_quotation".into()),
            "CHANTIER_ODOO_REACTIVATE_ARCHIVED" => Some("false".into()),
            _ => None,
        })
        .unwrap();
        let o = c.odoo_config().unwrap();
        assert!(!o.reactivate_archived);
        assert_eq!(
            o.edited_draft,
            chantier_estimator::odoo::EditedDraft::NewQuotation
        );
        c.odoo.as_mut().unwrap().edited_draft = "overwrite".into();
        assert!(c.validate().is_err(), "an unknown choice is refused");
    }

    #[test]
    fn several_webhook_secrets_are_accepted_each_long_enough() {
        let mut c = Config {
            webhook_listen: Some("127.0.0.1:8070".parse().unwrap()),
            webhook_secret: Some("0123456789abcdef, fedcba9876543210".into()),
            ..Config::default()
        };
        c.validate().unwrap();
        assert_eq!(
            c.webhook_secrets(),
            ["0123456789abcdef", "fedcba9876543210"]
        );
        c.webhook_secret = Some("0123456789abcdef,short".into());
        assert!(c.validate().is_err());
        c.webhook_secret = Some(" , ".into());
        assert!(c.validate().is_err());
    }

    /// The camera example of the README is a configuration chantier accepts.
    #[test]
    fn the_readme_camera_example_parses_and_validates() {
        let readme = include_str!("../README.md");
        let start = readme
            .find("```toml\n[[cameras]]")
            .expect("README camera example")
            + 8;
        let end = start + readme[start..].find("```").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, &readme[start..end]).unwrap();
        let c = Config::from_file(&file).unwrap();
        c.validate().unwrap();
        assert_eq!(c.cameras[0].name, "grue-nord");
        let zones = &c.cameras[0].safety.as_ref().unwrap().zones;
        assert_eq!(zones.len(), 2);
        assert!(
            zones[0].contains(800.0, 900.0, 1000, 1000),
            "feet under the crane"
        );
        assert!(!zones[0].contains(100.0, 900.0, 1000, 1000));
    }
}
