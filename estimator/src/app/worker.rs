//! The outbox worker: takes queued jobs (push an estimate, answer an opportunity), runs them
//! against Odoo, retries what may succeed later with backoff, and gives up at once on what
//! never will (bad credentials, rejected data).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{App, JOB_LEAD, JOB_PUSH, Upload, lead_key};
use crate::error::EstimatorError;
use crate::estimate::{EstimateSettings, Party};
use crate::odoo::{OdooError, Previous, lead, push_estimate};
use crate::store::{Job, OdooLink};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in job leases (host and process, for several replicas).
    pub id: String,
    /// How long a claimed job stays ours; a worker that dies loses it after this.
    pub lease: Duration,
    /// How often to look for due jobs when nothing wakes the worker.
    pub poll: Duration,
    /// Attempts before a transiently failing job is marked failed.
    pub max_attempts: u32,
    /// First retry delay; doubled per attempt up to ten minutes.
    pub backoff: Duration,
    /// How often to look in Odoo for opportunities that asked for a proposal and got none
    /// (Odoo's webhook never retries); `None` disables it.
    pub reconcile_every: Option<Duration>,
    /// The CRM stage whose opportunities expect a proposal, e.g. "Proposition".
    pub proposal_stage: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            // Unique across replicas: containers all run as pid 1.
            id: format!(
                "chantier-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(5),
            // 2 s doubling to 10 min: about 37 minutes of retries before a job is failed.
            max_attempts: 12,
            backoff: Duration::from_secs(2),
            reconcile_every: None,
            proposal_stage: "Proposition".into(),
        }
    }
}

/// How a job ended: its result, or an error and whether to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done(String),
    Retry(String),
    Fail(String),
}

fn classify(e: EstimatorError) -> Outcome {
    match e {
        EstimatorError::Odoo(o) if o.is_transient() => Outcome::Retry(o.to_string()),
        EstimatorError::Storage(s) => Outcome::Retry(format!("storage: {s}")),
        other => Outcome::Fail(other.to_string()),
    }
}

impl App {
    /// Runs jobs until `shutdown` completes. A job interrupted by shutdown is resumed by the
    /// next worker once its lease expires.
    pub async fn run_worker(
        self: Arc<Self>,
        cfg: WorkerConfig,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut next_reconcile = tokio::time::Instant::now();
        loop {
            loop {
                match self.run_one(&cfg).await {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "outbox worker cannot read its queue");
                        break;
                    }
                }
            }
            if let Some(every) = cfg.reconcile_every
                && tokio::time::Instant::now() >= next_reconcile
            {
                next_reconcile = tokio::time::Instant::now() + every;
                match self.reconcile(&cfg.proposal_stage).await {
                    Ok(n) if n > 0 => {
                        tracing::info!(queued = n, "reconciliation found unanswered opportunities")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "reconciliation with Odoo failed"),
                }
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(cfg.poll) => {}
            }
        }
    }

    /// Claims and runs one due job; false when none is due.
    pub async fn run_one(self: &Arc<Self>, cfg: &WorkerConfig) -> crate::Result<bool> {
        let lease_ms = cfg.lease.as_millis() as i64;
        let Some(job) = self.store.claim(&cfg.id, lease_ms).await? else {
            return Ok(false);
        };
        tracing::info!(job = %job.key, attempt = job.attempts, "running job");
        let outcome = if job.attempts > cfg.max_attempts + 1 {
            // Claimed again and again: its workers died holding it (a crash, a panic).
            Outcome::Fail(format!("abandoned after {} attempts", job.attempts - 1))
        } else {
            // The job runs in its own task: a panic fails the job instead of the worker,
            // and the lease is renewed while it runs, so a slow job is not taken over.
            let app = self.clone();
            let j = job.clone();
            let mut task = tokio::spawn(async move {
                match j.kind.as_str() {
                    JOB_PUSH => app.run_push(&j).await,
                    JOB_LEAD => app.run_lead(&j).await,
                    other => match app.handler(other) {
                        Some(h) => h(j).await,
                        // Registered later at start-up, or by another replica: tried again.
                        None => Outcome::Retry(format!("no runner for job kind {other} here")),
                    },
                }
            });
            let mut renew = tokio::time::interval(cfg.lease / 3);
            renew.tick().await;
            loop {
                tokio::select! {
                    r = &mut task => break r.unwrap_or_else(|e| Outcome::Fail(format!("the job crashed: {e}"))),
                    _ = renew.tick() => {
                        if !self.store.renew(job.id, &cfg.id, lease_ms).await.unwrap_or(false) {
                            tracing::warn!(job = %job.key, "lease lost while running");
                        }
                    }
                }
            }
        };
        let kept = match outcome {
            Outcome::Done(result) => {
                tracing::info!(job = %job.key, "job done");
                self.store.complete(job.id, &cfg.id, &result).await?
            }
            Outcome::Retry(error) if job.attempts < cfg.max_attempts => {
                let delay = cfg
                    .backoff
                    .saturating_mul(1 << job.attempts.min(16).saturating_sub(1))
                    .min(Duration::from_secs(600));
                tracing::warn!(job = %job.key, %error, retry_in = ?delay, "job failed, will retry");
                let at = crate::store::now_ms() + delay.as_millis() as i64;
                self.store.fail(job.id, &cfg.id, &error, Some(at)).await?
            }
            Outcome::Retry(error) | Outcome::Fail(error) => {
                tracing::error!(job = %job.key, %error, "job failed");
                self.store.fail(job.id, &cfg.id, &error, None).await?
            }
        };
        if !kept {
            tracing::warn!(job = %job.key, "another worker holds the job now; its outcome stands");
        }
        self.done.notify_waiters();
        Ok(true)
    }

    async fn run_push(&self, job: &Job) -> Outcome {
        let id = match serde_json::from_str::<Value>(&job.payload) {
            Ok(v) => v["estimate_id"].as_str().unwrap_or_default().to_string(),
            Err(e) => return Outcome::Fail(format!("bad payload: {e}")),
        };
        match self.push_now(&id).await {
            Ok(v) => Outcome::Done(v.to_string()),
            Err(e) => classify(e),
        }
    }

    /// Pushes the estimate's current version and records the order it became.
    async fn push_now(&self, id: &str) -> crate::Result<Value> {
        let odoo = self
            .odoo
            .clone()
            .ok_or_else(|| EstimatorError::Invalid("Odoo is not configured".into()))?;
        let e = self.store.estimate(id).await?;
        let lang = if e.english() { "en" } else { "fr" };
        let pdf = self.pdf(&e, lang).await?;
        let link = self.store.odoo_link(&e.id).await?;
        let previous = link
            .map(|l| Previous {
                order_id: Some(l.order_id),
                sent_digest: l.sent_digest,
                lines_digest: l.lines_digest,
            })
            .unwrap_or_default();
        let out = push_estimate(&odoo, &e, &pdf, &previous).await?;
        for w in &out.warnings {
            tracing::warn!(estimate = %e.reference, order = %out.order_name, "{w}");
        }
        self.store
            .set_odoo_link(&OdooLink {
                estimate_id: e.id.clone(),
                order_id: out.order_id,
                order_name: out.order_name.clone(),
                pushed_version: e.version,
                attachment_id: Some(out.attachment_id),
                sent_digest: Some(out.sent_digest.clone()),
                lines_digest: Some(out.lines_digest.clone()),
            })
            .await?;
        Ok(json!({
            "estimate_id": e.id, "version": e.version, "order_id": out.order_id,
            "order_name": out.order_name, "created": out.created, "unchanged": out.unchanged,
            "attachment_id": out.attachment_id, "message_ids": out.message_ids,
            "amount_untaxed": out.amount_untaxed.to_string(),
            "amount_tax": out.amount_tax.to_string(),
            "amount_total": out.amount_total.to_string(),
            "warnings": out.warnings,
        }))
    }

    async fn run_lead(&self, job: &Job) -> Outcome {
        let lead_id = match serde_json::from_str::<Value>(&job.payload) {
            Ok(v) => v["lead_id"].as_i64().unwrap_or_default(),
            Err(e) => return Outcome::Fail(format!("bad payload: {e}")),
        };
        match self.answer_lead(lead_id).await {
            Ok(v) => Outcome::Done(v.to_string()),
            Err(e) => classify(e),
        }
    }

    /// Reads an opportunity and its plans, estimates them, and pushes the quotation back.
    async fn answer_lead(&self, lead_id: i64) -> crate::Result<Value> {
        let odoo = self
            .odoo
            .clone()
            .ok_or_else(|| EstimatorError::Invalid("Odoo is not configured".into()))?;
        let l = lead::read_lead(&odoo, lead_id).await?;
        let plans = lead::plans(
            &odoo,
            lead_id,
            &["ifc", "ifczip", "dxf"],
            self.limits.max_file_bytes,
        )
        .await?;
        if plans.is_empty() {
            let text = "chantier : aucun plan IFC ou DXF n'est joint à cette opportunité ; \
                        joignez les plans puis redemandez le devis.";
            odoo.message_post("crm.lead", lead_id, text, &[]).await?;
            return Err(EstimatorError::Invalid(format!(
                "opportunity {lead_id} has no IFC or DXF attachment"
            )));
        }
        let client_name = [&l.partner_name, &l.contact_name, &l.name]
            .into_iter()
            .find(|s| !s.trim().is_empty())
            .cloned()
            .unwrap_or_default();
        let city_line = format!("{} {}", l.zip, l.city).trim().to_string();
        let address: Vec<String> = [l.street.clone(), city_line]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let settings = EstimateSettings {
            title: l.name.clone(),
            client: Party {
                name: client_name,
                address: address.clone(),
                email: l.email.clone(),
                phone: l.phone.clone(),
                is_company: !l.partner_name.is_empty(),
                ..Party::default()
            },
            site_address: address,
            opportunity_id: Some(lead_id),
            ..EstimateSettings::default()
        };
        let uploads = plans
            .into_iter()
            .map(|a| Upload {
                name: a.name,
                format_hint: None,
                bytes: a.bytes,
            })
            .collect();
        let previous = self.store.estimate_for_opportunity(lead_id).await?;
        let (takeoffs, documents) = self.takeoffs(uploads).await?;
        if let Some(p) = &previous {
            let same = p.documents.len() == documents.len()
                && p.documents
                    .iter()
                    .zip(&documents)
                    .all(|(a, b)| a.sha256 == b.sha256);
            if same {
                // Asked again with the same plans (or a retry): the estimate stands; make
                // sure Odoo has it.
                let pushed = self.push_now(&p.id).await?;
                return Ok(
                    json!({ "lead_id": lead_id, "estimate_id": p.id, "push": pushed, "unchanged": true }),
                );
            }
        }
        // New plans: a new version keeps what the estimator decided (rates, VAT regime,
        // terms, library) and takes the client and site from the opportunity.
        let (settings, library) = match &previous {
            Some(p) => (
                EstimateSettings {
                    title: settings.title,
                    client: settings.client,
                    site_address: settings.site_address,
                    opportunity_id: settings.opportunity_id,
                    date: None,
                    ..p.settings.clone()
                },
                self.library_for(p, None),
            ),
            None => (settings, self.defaults.library.clone()),
        };
        let settings = self.with_rounding(settings);
        let mut e = crate::estimate::build(
            crate::estimate::Inputs {
                takeoffs: &takeoffs,
                documents: &documents,
                library: &library,
                rules: &self.defaults.rules,
                clauses: &self.defaults.clauses,
                firm: &self.defaults.firm,
            },
            settings,
        )?;
        match previous {
            // The opportunity asked again: the same estimate, next version, same quotation.
            Some(p) => {
                e.id = p.id;
                e.reference = p.reference;
                e.version = p.version + 1;
                self.store.update_estimate(&e, Some(&takeoffs), &[]).await?;
            }
            None => self.store.create_estimate(&e, &takeoffs, &[]).await?,
        }
        let pushed = self.push_now(&e.id).await?;
        Ok(json!({ "lead_id": lead_id, "estimate_id": e.id, "push": pushed }))
    }

    /// Queues opportunities in the proposal stage that have no quotation and no job yet.
    pub async fn reconcile(&self, stage: &str) -> crate::Result<usize> {
        let Some(odoo) = self.odoo.clone() else {
            return Ok(0);
        };
        let leads = odoo
            .search_read(
                "crm.lead",
                json!([["stage_id.name", "=", stage], ["type", "=", "opportunity"]]),
                &["id"],
                Some(200),
            )
            .await
            .map_err(EstimatorError::from)?;
        let ids: Vec<i64> = leads.iter().filter_map(|l| l["id"].as_i64()).collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let answered: Vec<i64> = odoo
            .search_read(
                "sale.order",
                json!([["opportunity_id", "in", ids]]),
                &["opportunity_id"],
                None,
            )
            .await
            .map_err(EstimatorError::from)?
            .iter()
            .filter_map(|o| {
                o["opportunity_id"]
                    .get(0)
                    .and_then(Value::as_i64)
                    .or(o["opportunity_id"].as_i64())
            })
            .collect();
        let mut queued = 0;
        for id in ids {
            if answered.contains(&id) || self.store.job(&lead_key(id)).await?.is_some() {
                continue;
            }
            self.request_proposal(id).await?;
            queued += 1;
        }
        Ok(queued)
    }
}

impl From<OdooError> for Outcome {
    fn from(e: OdooError) -> Self {
        classify(EstimatorError::Odoo(e))
    }
}
