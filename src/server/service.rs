//! `chantier.v1.TakeoffService`: uploads in, takeoffs out. The CPU-heavy takeoff runs on
//! the blocking pool so the async workers keep serving health checks and other calls.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chantier_bim::{Format, Limits};
use chantier_proto::v1::takeoff_service_server::TakeoffService;
use chantier_proto::v1::{
    TakeoffRequest, TakeoffResult, UploadTakeoffRequest, upload_takeoff_request::Part,
};
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use super::admission::{Admission, UploadLimits};
use super::{convert, status};

/// Runs `work` within a request's time limit: DEADLINE_EXCEEDED past it. Shared by every
/// service so that all calls end the same way.
pub(super) async fn in_time<T>(
    timeout: Duration,
    work: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(Status::deadline_exceeded(format!(
                "the request took longer than {timeout:?}"
            )))
        })
}

#[derive(Debug, Clone)]
pub struct Takeoffs {
    pub limits: Limits,
    pub timeout: Duration,
    /// Takeoffs and estimates admitted at once, the bounded queue before them and the
    /// memory uploads may hold (shared with the estimate service).
    pub admission: Arc<Admission>,
    pub upload: UploadLimits,
    /// How plans are read when a request asks for annotated pages.
    pub plans: chantier_vision::plan::PlanOptions,
}

fn parse_hint(hint: &str) -> Result<Option<Format>, Status> {
    if hint.trim().is_empty() {
        return Ok(None);
    }
    Format::from_hint(hint).map(Some).ok_or_else(|| {
        Status::invalid_argument(format!(
            "format_hint {hint:?} is not one of ifc, ifczip, dxf, pdf, png, jpeg, tiff"
        ))
    })
}

/// What a takeoff of `bytes` may take in memory, for admission; the most cautious format's
/// when it is not recognised (the takeoff will refuse it soon enough). A picture's cost is in
/// its pixels, not its compressed bytes: 12 bytes a pixel (measured: a 9600 x 6784 PNG plan of
/// 80-110 KB peaks at 475-540 MB, 7-8 bytes a pixel), from the header alone.
pub(super) fn memory_estimate(name: &str, hint: Option<Format>, bytes: &[u8]) -> u64 {
    let len = bytes.len() as u64;
    let format = hint.or_else(|| chantier_bim::detect(name, bytes));
    if format == Some(Format::Image)
        && let Ok((w, h)) = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| ())
            .and_then(|r| r.into_dimensions().map_err(|_| ()))
    {
        return (u64::from(w) * u64::from(h))
            .saturating_mul(12)
            .saturating_add(64 << 20);
    }
    format.map_or(Format::Pdf.memory_estimate(len), |f| f.memory_estimate(len))
}

/// A plan read with its annotated pages, for requests that ask for them.
impl Takeoffs {
    /// Runs `work` within the request time limit: DEADLINE_EXCEEDED past it.
    async fn in_time<T>(&self, work: impl Future<Output = Result<T, Status>>) -> Result<T, Status> {
        in_time(self.timeout, work).await
    }

    async fn run(
        &self,
        name: String,
        hint: Option<Format>,
        bytes: Vec<u8>,
        annotate: bool,
    ) -> Result<TakeoffResult, Status> {
        // The engine stops itself at the deadline, so an abandoned request frees its thread.
        let limits = Limits {
            deadline: Some(std::time::Instant::now() + self.timeout),
            ..self.limits
        };
        let size = bytes.len();
        let started = std::time::Instant::now();
        let plans = self.plans.clone();
        let result = tokio::task::spawn_blocking(move || {
            if annotate {
                chantier_vision::plan::takeoff_annotated(&name, bytes, hint, &limits, &plans)
            } else {
                chantier_bim::takeoff_bytes(&name, bytes, hint, &limits).map(|t| (t, Vec::new()))
            }
        })
        .await
        .map_err(|e| Status::internal(format!("takeoff task failed: {e}")))?;
        match result {
            Ok((t, pngs)) => {
                tracing::info!(file = %t.file, format = %t.format, bytes = size, ms = started.elapsed().as_millis() as u64, warnings = t.warnings.len(), "takeoff");
                let mut out = convert::takeoff(t);
                for (page, png) in out.pages.iter_mut().zip(pngs) {
                    page.annotated_png = png;
                }
                Ok(out)
            }
            Err(e) => {
                tracing::warn!(bytes = size, error = %e, "takeoff refused");
                Err(status::status(e))
            }
        }
    }

    async fn upload(
        &self,
        mut stream: Streaming<UploadTakeoffRequest>,
    ) -> Result<TakeoffResult, Status> {
        let header = match stream.next().await {
            Some(Ok(UploadTakeoffRequest {
                part: Some(Part::Header(h)),
            })) => h,
            Some(Ok(_)) => {
                return Err(Status::invalid_argument(
                    "the first message must carry the file header",
                ));
            }
            Some(Err(e)) => return Err(e),
            None => {
                return Err(Status::invalid_argument(
                    "empty upload: no header and no data",
                ));
            }
        };
        let hint = parse_hint(&header.format_hint)?;
        // The whole body first, then a slot: see `admission`.
        let mut bytes = Vec::new();
        let mut late_header = false;
        let _held = self
            .admission
            .read_upload(
                &mut stream,
                UploadLimits {
                    max_bytes: self.upload.max_bytes.min(self.limits.max_file_bytes),
                    ..self.upload
                },
                |m: &UploadTakeoffRequest| match &m.part {
                    Some(Part::Chunk(c)) => c.len(),
                    _ => 0,
                },
                |m| {
                    match m.part {
                        Some(Part::Chunk(c)) => bytes.extend_from_slice(&c),
                        Some(Part::Header(_)) => late_header = true,
                        None => {}
                    }
                    if late_header {
                        return Err(Status::invalid_argument(
                            "only the first message may carry a header",
                        ));
                    }
                    Ok(())
                },
            )
            .await?;
        if bytes.is_empty() {
            return Err(Status::invalid_argument(format!(
                "{}: the upload holds no data",
                header.file_name
            )));
        }
        let _slot = self
            .admission
            .enter(memory_estimate(&header.file_name, hint, &bytes))
            .await?;
        self.run(header.file_name, hint, bytes, header.annotate)
            .await
    }
}

#[tonic::async_trait]
impl TakeoffService for Takeoffs {
    async fn upload_takeoff(
        &self,
        request: Request<Streaming<UploadTakeoffRequest>>,
    ) -> Result<Response<TakeoffResult>, Status> {
        self.in_time(self.upload(request.into_inner()))
            .await
            .map(Response::new)
    }

    async fn takeoff(
        &self,
        request: Request<TakeoffRequest>,
    ) -> Result<Response<TakeoffResult>, Status> {
        let r = request.into_inner();
        let hint = parse_hint(&r.format_hint)?;
        if r.content.is_empty() {
            return Err(Status::invalid_argument(format!(
                "{}: no content",
                r.file_name
            )));
        }
        self.in_time(async {
            let _slot = self
                .admission
                .enter(memory_estimate(&r.file_name, hint, &r.content))
                .await?;
            self.run(r.file_name, hint, r.content, r.annotate).await
        })
        .await
        .map(Response::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pictures_memory_is_counted_in_pixels() {
        let mut png = Vec::new();
        image::GrayImage::new(2000, 1000)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(png.len() < 100_000, "a small file");
        assert_eq!(
            memory_estimate("plan.png", None, &png),
            2_000_000 * 12 + (64 << 20)
        );
        let dxf = b"  0\nSECTION\n  2\nHEADER\n";
        assert_eq!(
            memory_estimate("a.dxf", None, dxf),
            Format::Dxf.memory_estimate(dxf.len() as u64)
        );
    }
}
