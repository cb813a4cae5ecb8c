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
    /// Log format: "text" or "json".
    pub log_format: String,
    /// Log filter in `tracing` syntax, e.g. "info" or "chantier=debug".
    pub log: String,
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
            log_format: "text".into(),
            log: "info".into(),
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
        Ok(())
    }

    pub fn limits(&self) -> chantier_bim::Limits {
        chantier_bim::Limits {
            max_file_bytes: self.max_upload_bytes,
            max_decompressed_bytes: self.max_decompressed_bytes,
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
}
