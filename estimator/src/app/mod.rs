//! The estimating application: documents to stored estimates, renderings, and the jobs that
//! carry them to Odoo. Transport-free: the gRPC service, the webhook endpoint and the CLI
//! all call this, so they behave the same.

mod worker;

use std::sync::Arc;
use std::time::Duration;

use chantier_bim::takeoff::Takeoff;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::clauses::ClauseLibrary;
use crate::error::{EstimatorError, Result};
use crate::estimate::{self, Document, Estimate, EstimateSettings, Inputs, TaxRounding};
use crate::export::{self, Table};
use crate::library::PriceLibrary;
use crate::odoo::setup::Finding;
use crate::odoo::{OdooClient, OdooConfig};
use crate::profile::FirmProfile;
use crate::rules::RuleSet;
use crate::store::{Job, NewJob, Store};

pub use worker::{Outcome, WorkerConfig};

/// The library, rules, clauses and firm used when a request brings none.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub library: Arc<PriceLibrary>,
    pub rules: Arc<RuleSet>,
    pub clauses: Arc<ClauseLibrary>,
    pub firm: Arc<FirmProfile>,
}

impl Defaults {
    /// The samples bundled from `datasets/`.
    pub fn samples() -> Defaults {
        Defaults {
            library: Arc::new(PriceLibrary::sample()),
            rules: Arc::new(RuleSet::sample()),
            clauses: Arc::new(ClauseLibrary::sample()),
            firm: Arc::new(FirmProfile::sample()),
        }
    }
}

/// A document sent for estimating.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub format_hint: Option<String>,
    pub bytes: Vec<u8>,
}

/// Renderings of an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    Pdf,
    Xlsx(Table),
    Csv(Table),
    Json,
}

/// A rendered file.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub file_name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

pub const JOB_PUSH: &str = "odoo_push";
pub const JOB_LEAD: &str = "odoo_lead";

pub fn push_key(estimate_id: &str) -> String {
    format!("{JOB_PUSH}:{estimate_id}")
}

pub fn lead_key(lead_id: i64) -> String {
    format!("{JOB_LEAD}:{lead_id}")
}

#[derive(Debug)]
pub struct App {
    pub store: Store,
    pub defaults: Defaults,
    pub limits: chantier_bim::Limits,
    pub odoo: Option<Arc<OdooClient>>,
    /// Wakes the worker when a job is queued, instead of waiting for its next poll.
    pub(crate) wake: Arc<Notify>,
    /// Wakes callers waiting on a job when the worker finishes one.
    pub(crate) done: Arc<Notify>,
    /// Runners of job kinds the binary adds (alert deliveries): the outbox's lease, retries
    /// and backoff serve them as they serve Odoo pushes.
    handlers: Handlers,
    /// The Odoo company's tax rounding method, once the start-up check has read it: new
    /// estimates follow it when neither the request nor the firm profile chooses one.
    odoo_rounding: std::sync::RwLock<Option<TaxRounding>>,
}

#[derive(Default)]
struct Handlers(std::sync::RwLock<std::collections::HashMap<String, JobHandler>>);

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<String> = self
            .0
            .read()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_tuple("Handlers").field(&kinds).finish()
    }
}

/// Runs one job of a registered kind.
pub type JobHandler = Arc<
    dyn Fn(
            crate::store::Job,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send>>
        + Send
        + Sync,
>;

impl App {
    pub fn new(
        store: Store,
        defaults: Defaults,
        limits: chantier_bim::Limits,
        odoo: Option<OdooConfig>,
    ) -> Result<App> {
        let odoo = odoo.map(OdooClient::new).transpose()?.map(Arc::new);
        Ok(App {
            store,
            defaults,
            limits,
            odoo,
            wake: Arc::new(Notify::new()),
            done: Arc::new(Notify::new()),
            handlers: Default::default(),
            odoo_rounding: std::sync::RwLock::new(None),
        })
    }

    /// Checks the Odoo connection, key, modules, company, units and taxes once (see
    /// [`crate::odoo::setup::check`]) and remembers the company's rounding method. Empty when
    /// Odoo is not configured.
    pub async fn check_odoo(&self) -> Vec<Finding> {
        let Some(odoo) = self.odoo.clone() else {
            return Vec::new();
        };
        let (mut findings, company) =
            crate::odoo::setup::check(&odoo, odoo.config().reactivate_archived).await;
        if let Some(theirs) = company.and_then(|c| c.rounding) {
            if let Ok(mut r) = self.odoo_rounding.write() {
                *r = Some(theirs);
            }
            if let Some(ours) = self.defaults.firm.terms.tax_rounding
                && ours != theirs
            {
                findings.push(Finding::Problem(format!(
                    "the firm profile rounds taxes {} but the Odoo company {}: its quotations \
                     would not equal the devis, and pushes are refused; set [terms] tax_rounding \
                     = \"{}\" or change Odoo's rounding method",
                    ours.odoo_name(),
                    theirs.odoo_name(),
                    theirs.odoo_name()
                )));
            }
        }
        findings
    }

    /// The settings with the rounding method filled from the Odoo company when neither
    /// the request nor the firm profile chose one.
    pub(crate) fn with_rounding(&self, mut s: EstimateSettings) -> EstimateSettings {
        if s.tax_rounding.is_none() && self.defaults.firm.terms.tax_rounding.is_none() {
            s.tax_rounding = self.odoo_rounding.read().ok().and_then(|r| *r);
        }
        s
    }

    /// Lets the outbox worker run jobs of `kind` with `handler`.
    pub fn register_jobs(&self, kind: &str, handler: JobHandler) {
        if let Ok(mut h) = self.handlers.0.write() {
            h.insert(kind.to_string(), handler);
        }
    }

    pub(crate) fn handler(&self, kind: &str) -> Option<JobHandler> {
        self.handlers.0.read().ok()?.get(kind).cloned()
    }

    /// Queues a job durably and wakes the worker.
    pub async fn queue(&self, job: &crate::store::NewJob) -> Result<()> {
        self.store.enqueue(job).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Measures documents in parallel (on the blocking pool: takeoff is CPU work).
    pub async fn takeoffs(&self, uploads: Vec<Upload>) -> Result<(Vec<Takeoff>, Vec<Document>)> {
        if uploads.is_empty() {
            return Err(EstimatorError::Invalid("no document to estimate".into()));
        }
        let limits = self.limits;
        tokio::task::spawn_blocking(move || {
            use rayon::prelude::*;
            uploads
                .into_par_iter()
                .map(|u| {
                    let hint = match u.format_hint.as_deref().filter(|h| !h.is_empty()) {
                        Some(h) => Some(chantier_bim::Format::from_hint(h).ok_or_else(|| {
                            EstimatorError::Invalid(format!(
                                "{}: unknown format hint {h:?}",
                                u.name
                            ))
                        })?),
                        None => None,
                    };
                    let doc = Document {
                        file: u.name.clone(),
                        format: String::new(),
                        bytes: u.bytes.len() as u64,
                        sha256: format!("{:x}", Sha256::digest(&u.bytes)),
                    };
                    let t = chantier_bim::takeoff_bytes(&u.name, u.bytes, hint, &limits).map_err(
                        |source| EstimatorError::Takeoff {
                            file: u.name.clone(),
                            source,
                        },
                    )?;
                    Ok((
                        Document {
                            format: t.format.clone(),
                            ..doc
                        },
                        t,
                    ))
                })
                .collect::<Result<Vec<_>>>()
                .map(|v| {
                    let (docs, takeoffs): (Vec<_>, Vec<_>) = v.into_iter().unzip();
                    (takeoffs, docs)
                })
        })
        .await
        .map_err(|e| EstimatorError::Render(format!("takeoff task failed: {e}")))?
    }

    /// Prices documents and stores the estimate, queuing its push to Odoo in the same
    /// transaction when asked.
    pub async fn create(
        &self,
        uploads: Vec<Upload>,
        settings: EstimateSettings,
        library: Option<PriceLibrary>,
        rules: Option<RuleSet>,
        push: bool,
    ) -> Result<Estimate> {
        if push && self.odoo.is_none() {
            return Err(EstimatorError::NotConfigured(
                "Odoo is not configured on this server".into(),
            ));
        }
        let settings = self.with_rounding(settings);
        let (takeoffs, documents) = self.takeoffs(uploads).await?;
        let library = library
            .map(Arc::new)
            .unwrap_or_else(|| self.defaults.library.clone());
        let rules = rules
            .map(Arc::new)
            .unwrap_or_else(|| self.defaults.rules.clone());
        let e = estimate::build(
            Inputs {
                takeoffs: &takeoffs,
                documents: &documents,
                library: &library,
                rules: &rules,
                clauses: &self.defaults.clauses,
                firm: &self.defaults.firm,
            },
            settings,
        )?;
        let jobs = if push { vec![push_job(&e)] } else { Vec::new() };
        self.store.create_estimate(&e, &takeoffs, &jobs).await?;
        if push {
            self.wake.notify_one();
        }
        Ok(e)
    }

    pub async fn get(&self, id: &str) -> Result<Estimate> {
        self.store.estimate(id).await
    }

    pub async fn reprice(
        &self,
        id: &str,
        settings: Option<EstimateSettings>,
        library: Option<PriceLibrary>,
        push: bool,
    ) -> Result<Estimate> {
        let previous = self.store.estimate(id).await?;
        let library = self.library_for(&previous, library);
        let mut settings =
            self.with_rounding(settings.unwrap_or_else(|| previous.settings.clone()));
        if settings.opportunity_id.is_none() {
            // New terms don't unlink the estimate from its opportunity.
            settings.opportunity_id = previous.opportunity_id;
        }
        let e = estimate::reprice(
            &previous,
            &library,
            &self.defaults.clauses,
            &self.defaults.firm,
            settings,
        )?;
        // A re-priced estimate that was already pushed updates its draft quotation.
        let pushed = self.store.odoo_link(&e.id).await?.is_some();
        let jobs = if push || pushed {
            vec![push_job(&e)]
        } else {
            Vec::new()
        };
        self.store.update_estimate(&e, None, &jobs).await?;
        if !jobs.is_empty() {
            self.wake.notify_one();
        }
        Ok(e)
    }

    /// The library to re-price with: the request's, else the one the estimate was priced
    /// with, else the server's default.
    pub(crate) fn library_for(
        &self,
        e: &Estimate,
        given: Option<PriceLibrary>,
    ) -> Arc<PriceLibrary> {
        given
            .or_else(|| e.library_snapshot())
            .map(Arc::new)
            .unwrap_or_else(|| self.defaults.library.clone())
    }

    /// Renders an estimate; PDFs are kept, so the file sent to Odoo is the one shown here.
    pub async fn render(
        &self,
        id: &str,
        what: Rendering,
        language: Option<estimate::Language>,
    ) -> Result<Rendered> {
        let mut e = self.store.estimate(id).await?;
        if let Some(lang) = language
            && lang != e.language
        {
            // Another language is a re-pricing of the same figures with translated texts.
            let mut settings = e.settings.clone();
            settings.language = lang;
            let version = e.version;
            let library = self.library_for(&e, None);
            e = estimate::reprice(
                &e,
                &library,
                &self.defaults.clauses,
                &e.firm.clone(),
                settings,
            )?;
            e.version = version;
        }
        let lang = if e.english() { "en" } else { "fr" };
        let base = format!("{}-v{}", e.reference, e.version);
        Ok(match what {
            Rendering::Pdf => Rendered {
                file_name: format!("{base}.pdf"),
                media_type: "application/pdf",
                bytes: self.pdf(&e, lang).await?,
            },
            Rendering::Xlsx(t) => Rendered {
                file_name: format!("{base}-{}.xlsx", table_name(t)),
                media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes: export::to_xlsx(&e, t)?,
            },
            Rendering::Csv(t) => Rendered {
                file_name: format!("{base}-{}.csv", table_name(t)),
                media_type: "text/csv",
                bytes: export::to_csv(&e, t)?,
            },
            Rendering::Json => Rendered {
                file_name: format!("{base}.json"),
                media_type: "application/json",
                bytes: serde_json::to_vec_pretty(&e)
                    .map_err(|x| EstimatorError::Render(x.to_string()))?,
            },
        })
    }

    pub(crate) async fn pdf(&self, e: &Estimate, lang: &str) -> Result<Vec<u8>> {
        if let Some(pdf) = self.store.proposal(&e.id, e.version, lang).await? {
            return Ok(pdf);
        }
        let owned = e.clone();
        let pdf = tokio::task::spawn_blocking(move || crate::pdf::render(&owned))
            .await
            .map_err(|x| EstimatorError::Render(x.to_string()))??;
        self.store
            .save_proposal(&e.id, e.version, lang, &pdf)
            .await?;
        Ok(pdf)
    }

    /// Queues the push of an estimate's current version to Odoo.
    pub async fn push(&self, id: &str) -> Result<String> {
        if self.odoo.is_none() {
            return Err(EstimatorError::NotConfigured(
                "Odoo is not configured on this server".into(),
            ));
        }
        let e = self.store.estimate(id).await?;
        let job = push_job(&e);
        self.store.enqueue(&job).await?;
        self.wake.notify_one();
        Ok(job.key)
    }

    /// Queues a proposal for an Odoo opportunity: read its plans, estimate, push back.
    pub async fn request_proposal(&self, lead_id: i64) -> Result<String> {
        if self.odoo.is_none() {
            return Err(EstimatorError::NotConfigured(
                "Odoo is not configured on this server".into(),
            ));
        }
        if lead_id <= 0 {
            return Err(EstimatorError::Invalid(format!("bad lead id {lead_id}")));
        }
        let job = NewJob {
            kind: JOB_LEAD.into(),
            key: lead_key(lead_id),
            payload: serde_json::json!({ "lead_id": lead_id }).to_string(),
        };
        self.store.enqueue(&job).await?;
        self.wake.notify_one();
        Ok(job.key)
    }

    /// Waits until a job is done or failed, or `timeout` passes; returns its last state.
    pub async fn wait_job(&self, key: &str, timeout: Duration) -> Result<Job> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let done = self.done.notified();
            let job = self
                .store
                .job(key)
                .await?
                .ok_or_else(|| EstimatorError::NotFound(format!("job {key}")))?;
            if matches!(
                job.state,
                crate::store::JobState::Done | crate::store::JobState::Failed
            ) {
                return Ok(job);
            }
            // Poll as well: another replica may finish the job without notifying us.
            if tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_millis(500)),
                done,
            )
            .await
            .is_err()
                && tokio::time::Instant::now() >= deadline
            {
                return Ok(job);
            }
        }
    }
}

fn table_name(t: Table) -> &'static str {
    match t {
        Table::Dpgf => "dpgf",
        Table::Dqe => "dqe",
    }
}

fn push_job(e: &Estimate) -> NewJob {
    NewJob {
        kind: JOB_PUSH.into(),
        key: push_key(&e.id),
        payload: serde_json::json!({ "estimate_id": e.id }).to_string(),
    }
}
