//! Plan files to takeoffs. The library reads vector PDFs itself; pictures and pages
//! without a text layer need OCR, which a reader registered with [`register_reader`] (the
//! `chantier` binary registers the vision crate's) brings. One entry point,
//! [`crate::takeoff_bytes`], then serves every caller, the estimator's Odoo path included.

use std::sync::OnceLock;

use crate::engine::Limits;
use crate::pdf::{PdfFile, PdfLimits};
use crate::takeoff::{PlanTakeoff, Takeoff};
use crate::{BimError, Format};

/// A full plan reader: file name, content, format (PDF or image) and limits.
pub type Reader =
    Box<dyn Fn(&str, &[u8], Format, &Limits) -> Result<Takeoff, BimError> + Send + Sync>;

static READER: OnceLock<Reader> = OnceLock::new();

/// Installs the process's plan reader; the first registration wins.
pub fn register_reader(reader: Reader) -> bool {
    READER.set(reader).is_ok()
}

pub fn takeoff_plan(
    name: &str,
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Takeoff, BimError> {
    if let Some(reader) = READER.get() {
        return reader(name, bytes, format, limits);
    }
    match format {
        Format::Pdf => vector_pdf(name, bytes, limits),
        _ => Err(BimError::UnknownFormat(format!(
            "{name}: pictures of plans need OCR, which this build has not registered"
        ))),
    }
}

/// Vector text and geometry only; pages without a text layer are reported, not read.
fn vector_pdf(name: &str, bytes: &[u8], limits: &Limits) -> Result<Takeoff, BimError> {
    let pdf = PdfFile::open(
        bytes,
        PdfLimits {
            max_pages: limits.max_pdf_pages,
            deadline: limits.deadline,
            ..PdfLimits::default()
        },
    )?;
    let mut pages = Vec::new();
    let mut warnings = Vec::new();
    for n in 1..=pdf.page_count() as u32 {
        let read = pdf.read_page(n)?;
        if read.page.texts.is_empty() {
            warnings.push(format!(
                "page {n} has no text layer; OCR is not available here"
            ));
        }
        pages.push(super::analyse(&read.page));
    }
    Ok(Takeoff {
        file: name.to_string(),
        format: "pdf".into(),
        schema: None,
        warnings,
        ifc: None,
        dxf: None,
        plan: Some(PlanTakeoff { pages }),
    })
}
