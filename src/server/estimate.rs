//! `chantier.v1.EstimateService`: documents to priced estimates, renderings, and Odoo.
//! All the logic is in `chantier_estimator::app`; this file converts messages and statuses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chantier_bim::Format;
use chantier_estimator::app::{App, Rendering, Upload};
use chantier_estimator::estimate::{
    EstimateSettings, Installment, Language, Party, TaxRounding, VatRegime,
};
use chantier_estimator::export::Table;
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::rules::RuleSet;
use chantier_proto::v1 as pb;
use chantier_proto::v1::estimate_service_server::EstimateService;
use pb::create_estimate_request::Part;
use rust_decimal::Decimal;
use tonic::{Request, Response, Status, Streaming};

use super::admission::{Admission, UploadLimits};
use super::status::estimator_status;
use super::{convert, push};

#[derive(Debug, Clone)]
pub struct Estimates {
    pub app: Arc<App>,
    pub timeout: Duration,
    /// Shared with the takeoff service: uploads held in memory and takeoffs running at once
    /// are bounded together (see `admission`).
    pub admission: Arc<Admission>,
    /// Largest sum of documents in one request, idle and rate limits of its upload.
    pub upload: UploadLimits,
}

fn decimal(what: &str, s: &str) -> Result<Option<Decimal>, Status> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    s.trim()
        .replace(',', ".")
        .parse::<Decimal>()
        .map(Some)
        .map_err(|e| Status::invalid_argument(format!("{what}: {s:?} is not a decimal: {e}")))
}

fn party(p: Option<pb::Party>) -> Party {
    let p = p.unwrap_or_default();
    Party {
        name: p.name,
        address: p.address,
        email: p.email,
        phone: p.phone,
        is_company: p.is_company,
        siret: p.siret,
        vat_number: p.vat_number,
    }
}

pub(super) fn settings(s: pb::EstimateSettings) -> Result<EstimateSettings, Status> {
    let d = EstimateSettings::default();
    let language = Language::parse(&s.language).ok_or_else(|| {
        Status::invalid_argument(format!("language {:?}: use fr or en", s.language))
    })?;
    let date = if s.date.is_empty() {
        None
    } else {
        Some(
            chrono::NaiveDate::parse_from_str(&s.date, "%Y-%m-%d")
                .map_err(|e| Status::invalid_argument(format!("date {:?}: {e}", s.date)))?,
        )
    };
    let schedule = s
        .schedule
        .into_iter()
        .map(|i| {
            Ok(Installment {
                rate: decimal("schedule rate", &i.rate)?.unwrap_or_default(),
                label_fr: i.label_fr,
                label_en: i.label_en,
            })
        })
        .collect::<Result<Vec<_>, Status>>()?;
    Ok(EstimateSettings {
        language,
        title: s.title,
        client: party(s.client),
        site_address: s.site_address,
        date,
        validity_days: (s.validity_days > 0).then_some(s.validity_days),
        vat_regime: match pb::VatRegime::try_from(s.vat_regime).unwrap_or_default() {
            pb::VatRegime::Renovation => VatRegime::Renovation,
            pb::VatRegime::ReverseCharge => VatRegime::ReverseCharge,
            _ => VatRegime::Standard,
        },
        overhead_rate: decimal("overhead_rate", &s.overhead_rate)?.unwrap_or(d.overhead_rate),
        contingency_rate: decimal("contingency_rate", &s.contingency_rate)?
            .unwrap_or(d.contingency_rate),
        margin_rate: decimal("margin_rate", &s.margin_rate)?.unwrap_or(d.margin_rate),
        retenue_rate: decimal("retenue_rate", &s.retenue_rate)?.unwrap_or(d.retenue_rate),
        deposit_rate: decimal("deposit_rate", &s.deposit_rate)?,
        schedule,
        free_estimate: s.free_estimate,
        clauses: (!s.clauses.is_empty()).then_some(s.clauses),
        opportunity_id: (s.opportunity_id > 0).then_some(s.opportunity_id),
        tax_rounding: match pb::TaxRounding::try_from(s.tax_rounding).unwrap_or_default() {
            pb::TaxRounding::Globally => Some(TaxRounding::Globally),
            pb::TaxRounding::PerLine => Some(TaxRounding::PerLine),
            pb::TaxRounding::Unspecified => None,
        },
        ..d
    })
}

fn library(f: Option<pb::NamedFile>) -> Result<Option<PriceLibrary>, Status> {
    f.filter(|f| !f.content.is_empty())
        .map(|f| PriceLibrary::from_bytes(&f.content, &f.name).map_err(estimator_status))
        .transpose()
}

fn rules(f: Option<pb::NamedFile>) -> Result<Option<RuleSet>, Status> {
    f.filter(|f| !f.content.is_empty())
        .map(|f| {
            let text = String::from_utf8(f.content).map_err(|_| {
                Status::invalid_argument(format!("{}: rules must be UTF-8 TOML", f.name))
            })?;
            RuleSet::from_toml_str(&text, &f.name).map_err(estimator_status)
        })
        .transpose()
}

impl Estimates {
    /// The state of the push a Create or Reprice queued, within the caller's deadline. An
    /// unreachable Odoo is a pending push here: the estimate itself is saved.
    async fn push_result(
        &self,
        estimate_id: &str,
        deadline: Option<Duration>,
        started: Instant,
    ) -> Result<pb::PushToOdooResponse, Status> {
        let wait = push::wait_budget(deadline, self.timeout, started.elapsed());
        push::push_state(
            &self.app,
            &chantier_estimator::app::push_key(estimate_id),
            wait,
        )
        .await
    }

    async fn in_time<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, Status>>,
    ) -> Result<T, Status> {
        super::service::in_time(self.timeout, work).await
    }
}

#[tonic::async_trait]
impl EstimateService for Estimates {
    async fn create_estimate(
        &self,
        request: Request<Streaming<pb::CreateEstimateRequest>>,
    ) -> Result<Response<pb::Estimate>, Status> {
        let started = Instant::now();
        let deadline = push::caller_deadline(request.metadata());
        let mut stream = request.into_inner();
        self.in_time(async move {
            let mut header: Option<pb::EstimateHeader> = None;
            let mut uploads: Vec<Upload> = Vec::new();
            // The whole body first, then a slot: see `admission`.
            let _held = self
                .admission
                .read_upload(
                    &mut stream,
                    self.upload,
                    |m: &pb::CreateEstimateRequest| match &m.part {
                        Some(Part::Chunk(c)) => c.len(),
                        Some(Part::Document(d)) => d.file_name.len(),
                        _ => 0,
                    },
                    |m| match m.part {
                        Some(Part::Header(h)) if header.is_none() && uploads.is_empty() => {
                            header = Some(h);
                            Ok(())
                        }
                        Some(Part::Header(_)) => {
                            Err(Status::invalid_argument("the header must come first, once"))
                        }
                        Some(Part::Document(d)) => {
                            if d.file_name.trim().is_empty() {
                                return Err(Status::invalid_argument("a document needs a file_name"));
                            }
                            uploads.push(Upload {
                                name: d.file_name,
                                format_hint: (!d.format_hint.is_empty()).then_some(d.format_hint),
                                bytes: Vec::new(),
                            });
                            Ok(())
                        }
                        Some(Part::Chunk(c)) => {
                            let doc = uploads.last_mut().ok_or_else(|| {
                                Status::invalid_argument("a chunk came before any document")
                            })?;
                            doc.bytes.extend_from_slice(&c);
                            Ok(())
                        }
                        None => Err(Status::invalid_argument("empty message")),
                    },
                )
                .await?;
            let memory = uploads
                .iter()
                .map(|u| {
                    let hint = u.format_hint.as_deref().and_then(Format::from_hint);
                    super::service::memory_estimate(&u.name, hint, &u.bytes)
                })
                .sum();
            let _slot = self.admission.enter(memory).await?;
            let header = header.ok_or_else(|| Status::invalid_argument("no header"))?;
            let settings = settings(header.settings.unwrap_or_default())?;
            let library = library(header.library)?;
            let rules = rules(header.rules)?;
            let e = self
                .app
                .create(uploads, settings, library, rules, header.push_to_odoo)
                .await
                .map_err(estimator_status)?;
            tracing::info!(estimate = %e.id, reference = %e.reference, total_ht = %e.total_ht, lines = e.lines().count(), "estimate created");
            let mut out = convert::estimate(&e);
            if header.push_to_odoo {
                out.odoo_push = Some(self.push_result(&e.id, deadline, started).await?);
            }
            Ok(Response::new(out))
        })
        .await
    }

    async fn get_estimate(
        &self,
        request: Request<pb::GetEstimateRequest>,
    ) -> Result<Response<pb::Estimate>, Status> {
        let e = self
            .app
            .get(&request.into_inner().id)
            .await
            .map_err(estimator_status)?;
        Ok(Response::new(convert::estimate(&e)))
    }

    async fn list_estimates(
        &self,
        request: Request<pb::ListEstimatesRequest>,
    ) -> Result<Response<pb::ListEstimatesResponse>, Status> {
        let r = request.into_inner();
        let size = if r.page_size == 0 { 50 } else { r.page_size };
        let list = self
            .app
            .store
            .list_estimates(size, r.offset)
            .await
            .map_err(estimator_status)?;
        Ok(Response::new(pb::ListEstimatesResponse {
            estimates: list
                .into_iter()
                .map(|s| pb::EstimateSummary {
                    id: s.id,
                    reference: s.reference,
                    version: s.version,
                    client: s.client,
                    title: s.title,
                    total_ht: s.total_ht.to_string(),
                    total_ttc: s.total_ttc.to_string(),
                    opportunity_id: s.opportunity_id.unwrap_or_default(),
                })
                .collect(),
        }))
    }

    async fn reprice_estimate(
        &self,
        request: Request<pb::RepriceEstimateRequest>,
    ) -> Result<Response<pb::Estimate>, Status> {
        let started = Instant::now();
        let deadline = push::caller_deadline(request.metadata());
        let r = request.into_inner();
        let settings = r.settings.map(settings).transpose()?;
        let library = library(r.library)?;
        self.in_time(async {
            let e = self
                .app
                .reprice(&r.id, settings, library, r.push_to_odoo)
                .await
                .map_err(estimator_status)?;
            let mut out = convert::estimate(&e);
            if r.push_to_odoo {
                out.odoo_push = Some(self.push_result(&e.id, deadline, started).await?);
            }
            Ok(Response::new(out))
        })
        .await
    }

    async fn render_proposal(
        &self,
        request: Request<pb::RenderProposalRequest>,
    ) -> Result<Response<pb::Proposal>, Status> {
        let r = request.into_inner();
        let what = match pb::ProposalFormat::try_from(r.format).unwrap_or_default() {
            pb::ProposalFormat::Unspecified | pb::ProposalFormat::Pdf => Rendering::Pdf,
            pb::ProposalFormat::DpgfXlsx => Rendering::Xlsx(Table::Dpgf),
            pb::ProposalFormat::DqeXlsx => Rendering::Xlsx(Table::Dqe),
            pb::ProposalFormat::DpgfCsv => Rendering::Csv(Table::Dpgf),
            pb::ProposalFormat::DqeCsv => Rendering::Csv(Table::Dqe),
            pb::ProposalFormat::Json => Rendering::Json,
        };
        let language = if r.language.is_empty() {
            None
        } else {
            Some(Language::parse(&r.language).ok_or_else(|| {
                Status::invalid_argument(format!("language {:?}: use fr or en", r.language))
            })?)
        };
        let out = self
            .in_time(async {
                self.app
                    .render(&r.id, what, language)
                    .await
                    .map_err(estimator_status)
            })
            .await?;
        Ok(Response::new(pb::Proposal {
            file_name: out.file_name,
            media_type: out.media_type.to_string(),
            content: out.bytes,
        }))
    }

    async fn push_to_odoo(
        &self,
        request: Request<pb::PushToOdooRequest>,
    ) -> Result<Response<pb::PushToOdooResponse>, Status> {
        let started = Instant::now();
        let deadline = push::caller_deadline(request.metadata());
        let id = request.into_inner().id;
        let key = self.app.push(&id).await.map_err(estimator_status)?;
        let wait = push::wait_budget(deadline, self.timeout, started.elapsed());
        let state = push::push_state(&self.app, &key, wait).await?;
        push::as_reply(state).map(Response::new)
    }

    async fn request_proposal(
        &self,
        request: Request<pb::RequestProposalRequest>,
    ) -> Result<Response<pb::RequestProposalResponse>, Status> {
        let key = self
            .app
            .request_proposal(request.into_inner().lead_id)
            .await
            .map_err(estimator_status)?;
        Ok(Response::new(pb::RequestProposalResponse {
            state: "queued".into(),
            job_key: key,
        }))
    }
}
