//! Durable state: estimates with the takeoffs they were measured on, rendered proposals, the
//! Odoo outbox and what has been pushed. SQLite in the data directory for one machine,
//! PostgreSQL for several replicas; the same SQL runs on both through sqlx's `Any` driver,
//! except migrations and the one query that claims outbox jobs.
//!
//! The outbox is what makes "estimate saved, then pushed to Odoo" safe against crashes: the
//! push job is written in the same transaction as the estimate, and a worker that dies while
//! holding a job loses its lease, so another worker (or the restarted one) resumes it.

mod outbox;

use std::sync::Once;

use chantier_bim::takeoff::Takeoff;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

use crate::error::{EstimatorError, Result};
use crate::estimate::Estimate;

pub use outbox::{Job, JobState, NewJob};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Schema versions, applied in order, once.
const MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        include_str!("../../migrations/sqlite/0001_init.sql"),
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        include_str!("../../migrations/sqlite/0002_odoo_digests.sql"),
        include_str!("../../migrations/postgres/0002_odoo_digests.sql"),
    ),
];

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

/// A row of the estimate list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateSummary {
    pub id: String,
    pub reference: String,
    pub version: u32,
    pub client: String,
    pub title: String,
    pub total_ht: Decimal,
    pub total_ttc: Decimal,
    pub opportunity_id: Option<i64>,
    pub updated_at_ms: i64,
}

/// The sale order an estimate became in Odoo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OdooLink {
    pub estimate_id: String,
    pub order_id: i64,
    pub order_name: String,
    pub pushed_version: u32,
    pub attachment_id: Option<i64>,
    /// What the last push sent, and the order's lines as read back after it.
    #[serde(default)]
    pub sent_digest: Option<String>,
    #[serde(default)]
    pub lines_digest: Option<String>,
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn json_err(e: serde_json::Error) -> EstimatorError {
    EstimatorError::Storage(format!("corrupt stored JSON: {e}"))
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `url`: `sqlite://path/to/db` or
    /// `postgres://user@host/db`.
    pub async fn open(url: &str) -> Result<Store> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(EstimatorError::Invalid(format!(
                "unsupported database URL {:?}: expected sqlite://... or postgres://...",
                redact(url)
            )));
        };
        let mut url = url.to_string();
        if dialect == Dialect::Sqlite {
            let path = url
                .trim_start_matches("sqlite:")
                .trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string();
            if let Some(parent) = std::path::Path::new(&path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|source| EstimatorError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let mut options = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 })
            .acquire_timeout(std::time::Duration::from_secs(10));
        if dialect == Dialect::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers work while the worker writes; the busy timeout makes
                    // concurrent writers wait instead of failing.
                    use sqlx::Executor;
                    for pragma in [
                        "PRAGMA journal_mode=WAL",
                        "PRAGMA busy_timeout=10000",
                        "PRAGMA foreign_keys=ON",
                        "PRAGMA synchronous=NORMAL",
                    ] {
                        conn.execute(pragma).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(&url)
            .await
            .map_err(|e| EstimatorError::Storage(format!("cannot open {}: {e}", redact(&url))))?;
        let store = Store { pool, dialect };
        store.migrate().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.dialect == Dialect::Postgres {
            // Replicas starting together must not run the same migration twice.
            sqlx::query("SELECT pg_advisory_lock(724301)")
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS schema_migrations \
                 (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .execute(&mut *conn)
            .await?;
            for (version, sqlite, postgres) in MIGRATIONS {
                let done: Option<i64> =
                    sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                        .bind(version)
                        .fetch_optional(&mut *conn)
                        .await?
                        .map(|r| r.get(0));
                if done.is_some() {
                    continue;
                }
                let sql = match self.dialect {
                    Dialect::Sqlite => sqlite,
                    Dialect::Postgres => postgres,
                };
                sqlx::raw_sql(sql).execute(&mut *conn).await?;
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(version)
                    .bind(now_ms())
                    .execute(&mut *conn)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_unlock(724301)")
                .execute(&mut *conn)
                .await?;
        }
        result.map_err(|e| EstimatorError::Storage(format!("migration failed: {e}")))
    }

    /// Saves a new estimate with its takeoffs and, in the same transaction, the jobs that
    /// must follow it (a push to Odoo): either all of it is stored or none.
    pub async fn create_estimate(
        &self,
        estimate: &Estimate,
        takeoffs: &[Takeoff],
        jobs: &[NewJob],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO estimates (id, reference, version, client, title, total_ht, total_ttc, \
             opportunity_id, created_at, updated_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&estimate.id)
        .bind(&estimate.reference)
        .bind(i64::from(estimate.version))
        .bind(&estimate.client.name)
        .bind(&estimate.title)
        .bind(estimate.total_ht.to_string())
        .bind(estimate.total_ttc.to_string())
        .bind(estimate.opportunity_id)
        .bind(now)
        .bind(now)
        .bind(serde_json::to_string(estimate).map_err(json_err)?)
        .execute(&mut *tx)
        .await?;
        insert_documents(&mut tx, estimate, takeoffs).await?;
        for job in jobs {
            outbox::enqueue_in(&mut tx, job, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces an estimate by its next version (re-pricing). Fails if someone else stored a
    /// newer version meanwhile, instead of overwriting it.
    pub async fn update_estimate(
        &self,
        estimate: &Estimate,
        takeoffs: Option<&[Takeoff]>,
        jobs: &[NewJob],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE estimates SET version = $1, client = $2, title = $3, total_ht = $4, \
             total_ttc = $5, opportunity_id = $6, updated_at = $7, body = $8 \
             WHERE id = $9 AND version = $10",
        )
        .bind(i64::from(estimate.version))
        .bind(&estimate.client.name)
        .bind(&estimate.title)
        .bind(estimate.total_ht.to_string())
        .bind(estimate.total_ttc.to_string())
        .bind(estimate.opportunity_id)
        .bind(now)
        .bind(serde_json::to_string(estimate).map_err(json_err)?)
        .bind(&estimate.id)
        .bind(i64::from(estimate.version) - 1)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(EstimatorError::Conflict(format!(
                "estimate {} changed meanwhile (expected version {}); reload and retry",
                estimate.id,
                estimate.version - 1
            )));
        }
        if let Some(takeoffs) = takeoffs {
            // New documents replace the old ones.
            sqlx::query("DELETE FROM documents WHERE estimate_id = $1")
                .bind(&estimate.id)
                .execute(&mut *tx)
                .await?;
            insert_documents(&mut tx, estimate, takeoffs).await?;
        }
        for job in jobs {
            outbox::enqueue_in(&mut tx, job, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn estimate(&self, id: &str) -> Result<Estimate> {
        let row = sqlx::query("SELECT body FROM estimates WHERE id = $1 OR reference = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| EstimatorError::NotFound(format!("estimate {id}")))?;
        serde_json::from_str(&row.try_get::<String, _>(0)?).map_err(json_err)
    }

    /// The latest estimate made for an Odoo opportunity.
    pub async fn estimate_for_opportunity(&self, lead_id: i64) -> Result<Option<Estimate>> {
        let row = sqlx::query(
            "SELECT body FROM estimates WHERE opportunity_id = $1 ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(lead_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| serde_json::from_str(&r.try_get::<String, _>(0)?).map_err(json_err))
            .transpose()
    }

    pub async fn takeoffs(&self, id: &str) -> Result<Vec<Takeoff>> {
        let rows =
            sqlx::query("SELECT takeoff FROM documents WHERE estimate_id = $1 ORDER BY position")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| serde_json::from_str(&r.try_get::<String, _>(0)?).map_err(json_err))
            .collect()
    }

    /// Most recently updated first; `offset` pages through.
    pub async fn list_estimates(&self, limit: u32, offset: u32) -> Result<Vec<EstimateSummary>> {
        let rows = sqlx::query(
            "SELECT id, reference, version, client, title, total_ht, total_ttc, opportunity_id, \
             updated_at FROM estimates ORDER BY updated_at DESC, id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(limit.clamp(1, 1000)))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let dec = |i: usize| -> Result<Decimal> {
                    r.try_get::<String, _>(i)?
                        .parse()
                        .map_err(|e| EstimatorError::Storage(format!("corrupt amount: {e}")))
                };
                Ok(EstimateSummary {
                    id: r.try_get(0)?,
                    reference: r.try_get(1)?,
                    version: r.try_get::<i64, _>(2)? as u32,
                    client: r.try_get(3)?,
                    title: r.try_get(4)?,
                    total_ht: dec(5)?,
                    total_ttc: dec(6)?,
                    opportunity_id: r.try_get(7)?,
                    updated_at_ms: r.try_get(8)?,
                })
            })
            .collect()
    }

    pub async fn save_proposal(
        &self,
        estimate_id: &str,
        version: u32,
        language: &str,
        pdf: &[u8],
    ) -> Result<()> {
        let sql = match self.dialect {
            Dialect::Sqlite | Dialect::Postgres => {
                "INSERT INTO proposals (estimate_id, version, language, pdf, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (estimate_id, version, language) DO UPDATE SET pdf = excluded.pdf, \
                 created_at = excluded.created_at"
            }
        };
        sqlx::query(sql)
            .bind(estimate_id)
            .bind(i64::from(version))
            .bind(language)
            .bind(pdf.to_vec())
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn proposal(
        &self,
        estimate_id: &str,
        version: u32,
        language: &str,
    ) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query(
            "SELECT pdf FROM proposals WHERE estimate_id = $1 AND version = $2 AND language = $3",
        )
        .bind(estimate_id)
        .bind(i64::from(version))
        .bind(language)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
    }

    pub async fn odoo_link(&self, estimate_id: &str) -> Result<Option<OdooLink>> {
        let row = sqlx::query(
            "SELECT order_id, order_name, pushed_version, attachment_id, sent_digest, \
             lines_digest FROM odoo_links WHERE estimate_id = $1",
        )
        .bind(estimate_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(OdooLink {
                estimate_id: estimate_id.to_string(),
                order_id: r.try_get(0)?,
                order_name: r.try_get(1)?,
                pushed_version: r.try_get::<i64, _>(2)? as u32,
                attachment_id: r.try_get(3)?,
                sent_digest: r.try_get(4)?,
                lines_digest: r.try_get(5)?,
            })
        })
        .transpose()
    }

    pub async fn set_odoo_link(&self, link: &OdooLink) -> Result<()> {
        sqlx::query(
            "INSERT INTO odoo_links (estimate_id, order_id, order_name, pushed_version, \
             attachment_id, updated_at, sent_digest, lines_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (estimate_id) DO UPDATE SET order_id = excluded.order_id, \
             order_name = excluded.order_name, pushed_version = excluded.pushed_version, \
             attachment_id = excluded.attachment_id, updated_at = excluded.updated_at, \
             sent_digest = excluded.sent_digest, lines_digest = excluded.lines_digest",
        )
        .bind(&link.estimate_id)
        .bind(link.order_id)
        .bind(&link.order_name)
        .bind(i64::from(link.pushed_version))
        .bind(link.attachment_id)
        .bind(now_ms())
        .bind(&link.sent_digest)
        .bind(&link.lines_digest)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

async fn insert_documents(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    estimate: &Estimate,
    takeoffs: &[Takeoff],
) -> Result<()> {
    for (i, t) in takeoffs.iter().enumerate() {
        let sha = estimate
            .documents
            .get(i)
            .map(|d| d.sha256.clone())
            .unwrap_or_default();
        sqlx::query(
            "INSERT INTO documents (estimate_id, position, file, sha256, takeoff) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&estimate.id)
        .bind(i as i64)
        .bind(&t.file)
        .bind(sha)
        .bind(serde_json::to_string(t).map_err(json_err)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Hides the password of a database URL in messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
