//! The outbox: jobs that talk to the outside world (Odoo), claimed with a lease so that a
//! crashed worker's job is resumed, retried with backoff, and unique per key so a duplicate
//! request never queues the same work twice.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

use super::{Dialect, Store, now_ms};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Pending,
    Running,
    Done,
    Failed,
}

impl JobState {
    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => JobState::Pending,
        }
    }
}

/// A job to queue. `key` makes it unique: queuing the same key again re-arms the existing
/// job with the new payload instead of adding a second one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    pub key: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub result: Option<String>,
}

const UPSERT: &str = "INSERT INTO outbox (kind, job_key, payload, state, attempts, rerun, \
     next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, 'pending', 0, 0, $4, $4, $4) \
     ON CONFLICT (job_key) DO UPDATE SET payload = excluded.payload, \
     rerun = CASE WHEN outbox.state = 'running' THEN 1 ELSE 0 END, \
     state = CASE WHEN outbox.state = 'running' THEN 'running' ELSE 'pending' END, \
     attempts = CASE WHEN outbox.state = 'running' THEN outbox.attempts ELSE 0 END, \
     next_attempt_at = excluded.next_attempt_at, last_error = NULL, updated_at = excluded.updated_at";

pub(super) async fn enqueue_in(
    tx: &mut Transaction<'_, Any>,
    job: &NewJob,
    now: i64,
) -> Result<()> {
    sqlx::query(UPSERT)
        .bind(&job.kind)
        .bind(&job.key)
        .bind(&job.payload)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn job_of(r: &sqlx::any::AnyRow) -> Result<Job> {
    Ok(Job {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        key: r.try_get("job_key")?,
        payload: r.try_get("payload")?,
        state: JobState::parse(&r.try_get::<String, _>("state")?),
        attempts: r.try_get::<i64, _>("attempts")? as u32,
        last_error: r.try_get("last_error")?,
        result: r.try_get("result")?,
    })
}

const COLUMNS: &str = "id, kind, job_key, payload, state, attempts, last_error, result";

impl Store {
    pub async fn enqueue(&self, job: &NewJob) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        enqueue_in(&mut tx, job, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the oldest due job for `lease_ms`. A job whose worker died (lease expired while
    /// running) is due again.
    pub async fn claim(&self, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
        let now = now_ms();
        let lock = match self.dialect {
            // SQLite has one writer at a time: the UPDATE is atomic as it stands.
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET state = 'running', locked_by = $1, locked_until = $2, \
             attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM outbox WHERE (state = 'pending' AND next_attempt_at <= $3) \
             OR (state = 'running' AND locked_until < $3) ORDER BY id LIMIT 1{lock}) \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_of).transpose()
    }

    /// Marks a job done; if it was re-armed while running, it becomes pending again. Only
    /// the worker holding the lease may: false when the lease was lost to another worker.
    pub async fn complete(&self, id: i64, worker: &str, result: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET state = CASE WHEN rerun = 1 THEN 'pending' ELSE 'done' END, \
             attempts = CASE WHEN rerun = 1 THEN 0 ELSE attempts END, rerun = 0, \
             result = $1, locked_by = NULL, locked_until = NULL, updated_at = $2 \
             WHERE id = $3 AND locked_by = $4 AND state = 'running'",
        )
        .bind(result)
        .bind(now_ms())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends a running job's lease; false when it was lost.
    pub async fn renew(&self, id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(now_ms() + lease_ms)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failure: retried at `retry_at_ms`, or failed for good when `None`. Only
    /// the worker holding the lease may; false when it was lost.
    pub async fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET state = CASE WHEN $1 = 1 OR rerun = 1 THEN 'pending' ELSE 'failed' END, \
             next_attempt_at = $2, rerun = 0, last_error = $3, locked_by = NULL, \
             locked_until = NULL, updated_at = $4 WHERE id = $5 AND locked_by = $6 \
             AND state = 'running'",
        )
        .bind(i64::from(retry_at_ms.is_some()))
        .bind(retry_at_ms.unwrap_or_else(now_ms))
        .bind(error)
        .bind(now_ms())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn job(&self, key: &str) -> Result<Option<Job>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM outbox WHERE job_key = $1"))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_of).transpose()
    }

    /// Deletes finished jobs of `kind` last touched before `before_ms`: deliveries that carry
    /// pictures (alerts) would otherwise grow the database for ever. Returns how many.
    pub async fn purge_done(&self, kind: &str, before_ms: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM outbox WHERE kind = $1 AND state = 'done' AND updated_at < $2",
        )
        .bind(kind)
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Jobs not finished yet (pending or running), oldest first.
    pub async fn open_jobs(&self) -> Result<Vec<Job>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state IN ('pending', 'running') ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_of).collect()
    }
}
