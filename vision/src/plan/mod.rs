//! Plans as pictures and PDFs, end to end: vector PDF pages are interpreted
//! (`chantier_bim::pdf`); pages without a text layer are rendered and OCR'd; scanned pages
//! and image files are straightened, OCR'd and vectorised; then every page goes through the
//! same recognisers (`chantier_bim::plan`). The vision crate holds this because OCR and
//! picture work live here; the takeoff types stay in `chantier_bim`.

mod annotate;
mod dimslots;
mod raster;
mod render;
mod vectorize;

use chantier_bim::pdf::{PdfFile, PdfLimits, PixelData};
use chantier_bim::plan::page::PlanPage;
use chantier_bim::plan::{PageTakeoff, analyse};
use chantier_bim::takeoff::{PlanTakeoff, Takeoff};
use image::GrayImage;
use serde::Deserialize;

use crate::error::{Result, VisionError};
use crate::ocr::OcrConfig;

pub use annotate::annotate_page;
pub use raster::{ocr_runs, page_from_scan, words_to_runs};
pub use render::render_page;

/// How plans are read. Deserialises with every field optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanOptions {
    pub ocr: OcrConfig,
    /// Pages per PDF.
    pub max_pages: u32,
    /// Drawing operators per page (Form XObjects included).
    pub max_operations: u64,
    /// Resolution of the rendering OCR reads when a vector page has no text layer.
    pub render_dpi: u32,
    /// Resolution assumed for image files that do not say theirs.
    pub default_dpi: u32,
    #[serde(skip)]
    pub deadline: Option<std::time::Instant>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            ocr: OcrConfig::default(),
            max_pages: 500,
            max_operations: 20_000_000,
            render_dpi: 200,
            default_dpi: 300,
            deadline: None,
        }
    }
}

/// A plan file read: its pages' takeoffs and, for each page, the page model the recognisers
/// saw (kept for the annotated rendering).
pub struct PlanReading {
    /// "pdf" or "image".
    pub format: &'static str,
    pub pages: Vec<PageTakeoff>,
    pub models: Vec<PlanPage>,
    /// Scanned pages' pictures (reduced), for the annotated rendering.
    pub scans: Vec<Option<GrayImage>>,
    pub warnings: Vec<String>,
}

impl PlanReading {
    /// PNG pictures of each page with what was recognised drawn over it.
    pub fn annotated(&self) -> Result<Vec<Vec<u8>>> {
        self.models
            .iter()
            .zip(&self.pages)
            .zip(&self.scans)
            .map(|((m, p), s)| annotate_page(m, p, s.as_ref()))
            .collect()
    }

    /// The takeoff contract for this reading.
    pub fn takeoff(&self, name: &str) -> Takeoff {
        let mut warnings = self.warnings.clone();
        for p in &self.pages {
            warnings.extend(p.warnings.iter().map(|w| format!("page {}: {w}", p.number)));
        }
        Takeoff {
            file: name.to_string(),
            format: self.format.into(),
            schema: None,
            warnings,
            ifc: None,
            dxf: None,
            plan: Some(PlanTakeoff {
                pages: self.pages.clone(),
            }),
        }
    }
}

/// A reduced copy of a scan for the annotated page (about 100 dpi is plenty to check).
fn thumbnail(img: &GrayImage) -> GrayImage {
    let k = (3000.0 / img.width().max(img.height()) as f64).min(1.0);
    if k >= 1.0 {
        return img.clone();
    }
    image::imageops::resize(
        img,
        ((img.width() as f64 * k).round() as u32).max(1),
        ((img.height() as f64 * k).round() as u32).max(1),
        image::imageops::FilterType::Triangle,
    )
}

/// The plan reader the `chantier` binary registers with `chantier_bim`, so that every
/// takeoff entry point (CLI, gRPC, the estimator's Odoo path) reads PDFs and pictures with
/// OCR. Errors come back as `BimError`s so they keep one status mapping.
pub fn bim_reader(opts: PlanOptions) -> chantier_bim::plan::read::Reader {
    Box::new(move |name, bytes, _format, limits| {
        let opts = PlanOptions {
            max_pages: limits.max_pdf_pages,
            deadline: limits.deadline,
            ..opts.clone()
        };
        read_plan(bytes, &opts)
            .map(|r| r.takeoff(name))
            .map_err(to_bim_error)
    })
}

/// A plan reading error as the takeoff engine reports it, keeping whose fault it is.
pub fn to_bim_error(e: VisionError) -> chantier_bim::BimError {
    match e {
        VisionError::Limit(m) => chantier_bim::BimError::Limit(m),
        VisionError::ImageSize { .. } => chantier_bim::BimError::Limit(e.to_string()),
        VisionError::Plan(m) => chantier_bim::BimError::Pdf {
            message: m,
            page: None,
        },
        other => chantier_bim::BimError::Image(other.to_string()),
    }
}

/// Is this a PDF or a picture that the plan reader takes?
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match chantier_bim::detect("", bytes) {
        Some(chantier_bim::Format::Pdf) => Some("pdf"),
        Some(chantier_bim::Format::Image) => Some("image"),
        _ => None,
    }
}

/// A takeoff and, for plans, a PNG of each page (in page order) with what was recognised
/// drawn over it, for the estimator to check at a glance. Other formats, and plans over the
/// size limit (which the engine refuses with its own message), come without pictures.
pub fn takeoff_annotated(
    name: &str,
    bytes: Vec<u8>,
    hint: Option<chantier_bim::Format>,
    limits: &chantier_bim::Limits,
    plans: &PlanOptions,
) -> std::result::Result<(Takeoff, Vec<Vec<u8>>), chantier_bim::BimError> {
    use chantier_bim::Format;
    let plan = matches!(
        chantier_bim::detect(name, &bytes).or(hint),
        Some(Format::Pdf | Format::Image)
    );
    if !plan || bytes.len() as u64 > limits.max_file_bytes {
        return chantier_bim::takeoff_bytes(name, bytes, hint, limits).map(|t| (t, Vec::new()));
    }
    let opts = PlanOptions {
        max_pages: limits.max_pdf_pages,
        deadline: limits.deadline,
        ..plans.clone()
    };
    let reading = read_plan(&bytes, &opts).map_err(to_bim_error)?;
    let pngs = reading.annotated().map_err(to_bim_error)?;
    Ok((reading.takeoff(name), pngs))
}

pub fn read_plan(bytes: &[u8], opts: &PlanOptions) -> Result<PlanReading> {
    match sniff(bytes) {
        Some("pdf") => read_pdf(bytes, opts),
        Some(_) => read_image(bytes, opts),
        None => Err(VisionError::Image(
            "neither a PDF nor a PNG, JPEG or TIFF picture".into(),
        )),
    }
}

fn bim(e: chantier_bim::BimError) -> VisionError {
    match e {
        chantier_bim::BimError::Limit(m) => VisionError::Limit(m),
        other => VisionError::Plan(other.to_string()),
    }
}

fn check_deadline(opts: &PlanOptions) -> Result<()> {
    match opts.deadline {
        Some(d) if std::time::Instant::now() > d => Err(VisionError::Limit(
            "the time limit ran out while reading the plan".into(),
        )),
        _ => Ok(()),
    }
}

fn read_pdf(bytes: &[u8], opts: &PlanOptions) -> Result<PlanReading> {
    let limits = PdfLimits {
        max_pages: opts.max_pages,
        max_operations: opts.max_operations,
        deadline: opts.deadline,
        ..PdfLimits::default()
    };
    let pdf = PdfFile::open(bytes, limits).map_err(bim)?;
    let mut pages = Vec::new();
    let mut models = Vec::new();
    let mut scans = Vec::new();
    for n in 1..=pdf.page_count() as u32 {
        let mut thumb = None;
        check_deadline(opts)?;
        let read = pdf.read_page(n).map_err(bim)?;
        let mut page = read.page;
        let area = page.width_mm * page.height_mm;
        // A page that is one big picture is a scan.
        let scan = page
            .images
            .iter()
            .filter(|i| i.index != usize::MAX && i.bbox.width() * i.bbox.height() > 0.5 * area)
            .max_by(|a, b| (a.width_px * a.height_px).cmp(&(b.width_px * b.height_px)))
            .cloned();
        if page.texts.is_empty() {
            if let Some(placement) = scan {
                let img = pdf
                    .image(&read.images[placement.index], opts.ocr.max_pixels)
                    .map_err(bim)?;
                let gray = to_gray(img)?;
                let dpi = (placement.width_px as f64 / (placement.bbox.width() / 25.4)).round();
                let (mut scanned, picture) = page_from_scan(&gray, dpi.max(1.0) as u32, n, opts)?;
                thumb = Some(picture);
                // Paper coordinates of the picture's placement.
                scanned.shift(placement.bbox.x0, placement.bbox.y0);
                scanned.width_mm = page.width_mm;
                scanned.height_mm = page.height_mm;
                scanned.text_chars += page.text_chars;
                page = scanned;
            } else if !page.segments.is_empty() || !page.curves.is_empty() {
                // Text drawn as outlines: render the page and read it.
                let dpi = opts.render_dpi;
                let img = render_page(&page, dpi, opts.ocr.max_pixels)?;
                let binary = crate::ocr::binarize(&img);
                let (texts, _) = raster::ocr_runs(
                    &binary,
                    &OcrConfig {
                        dpi,
                        ..opts.ocr.clone()
                    },
                    false,
                )?;
                page.texts = texts;
                page.warnings.push(format!(
                    "no text layer: the text was read by OCR of a {dpi} dpi rendering"
                ));
            }
        }
        pages.push(analyse(&page));
        models.push(page);
        scans.push(thumb);
    }
    Ok(PlanReading {
        format: "pdf",
        pages,
        models,
        scans,
        warnings: Vec::new(),
    })
}

fn read_image(bytes: &[u8], opts: &PlanOptions) -> Result<PlanReading> {
    let gray = crate::ocr::decode_scan(bytes, opts.ocr.max_pixels)?;
    let dpi = image_dpi(bytes).unwrap_or(opts.default_dpi);
    let (page, picture) = page_from_scan(&gray, dpi, 1, opts)?;
    let mut takeoff = analyse(&page);
    let mut warnings = Vec::new();
    if image_dpi(bytes).is_none() {
        warnings.push(format!(
            "the picture does not give its resolution; {dpi} dpi assumed for the page size"
        ));
    }
    // An image's paper size is a guess; the scale bar, when there is one, may know better:
    // unless the picture gives its resolution, or the guess is a standard sheet and the
    // bar's is not (then the bar was drawn for another scale, which the page warns of).
    let calibration = bar_calibration(&takeoff).filter(|&f| {
        let off = |k: f64| paper_misfit(page.width_mm * k, page.height_mm * k);
        image_dpi(bytes).is_none() && (off(1.0) > 0.03 || off(f) < off(1.0))
    });
    if let Some(factor) = calibration {
        let mut page = page;
        page.scale_by(factor);
        takeoff = analyse(&page);
        takeoff.warnings.push(format!(
            "page size calibrated from the graphic scale bar ({:.0} dpi)",
            dpi as f64 / factor
        ));
        return Ok(PlanReading {
            format: "image",
            pages: vec![takeoff],
            models: vec![page],
            scans: vec![Some(picture)],
            warnings,
        });
    }
    Ok(PlanReading {
        format: "image",
        pages: vec![takeoff],
        models: vec![page],
        scans: vec![Some(picture)],
        warnings,
    })
}

/// When a written scale and a bar disagree on a picture, the picture's resolution is what
/// is wrong: the factor that makes the bar agree with the written scale.
fn bar_calibration(t: &PageTakeoff) -> Option<f64> {
    let written = t.scale_findings.iter().find(|f| f.source == "note")?.scale;
    let bar = t.scale_findings.iter().find(|f| f.source == "bar")?.scale;
    let factor = written / bar;
    ((factor - 1.0).abs() > 0.02 && (0.25..=4.0).contains(&factor)).then_some(factor)
}

/// How far a page is from the nearest standard drawing sheet (ISO A0 to A4, ANSI A to E,
/// ARCH A to E), relative, either way round.
fn paper_misfit(w_mm: f64, h_mm: f64) -> f64 {
    const SHEETS: [(f64, f64); 15] = [
        (1189.0, 841.0),
        (841.0, 594.0),
        (594.0, 420.0),
        (420.0, 297.0),
        (297.0, 210.0),
        (279.4, 215.9),
        (431.8, 279.4),
        (558.8, 431.8),
        (863.6, 558.8),
        (1117.6, 863.6),
        (304.8, 228.6),
        (457.2, 304.8),
        (609.6, 457.2),
        (914.4, 609.6),
        (1219.2, 914.4),
    ];
    let (long, short) = (w_mm.max(h_mm), w_mm.min(h_mm));
    SHEETS
        .iter()
        .map(|&(l, s)| ((long - l).abs() / l).max((short - s).abs() / s))
        .fold(f64::INFINITY, f64::min)
}

/// Resolution from a PNG pHYs chunk or a JPEG JFIF header.
fn image_dpi(bytes: &[u8]) -> Option<u32> {
    if bytes.starts_with(b"\x89PNG") {
        let pos = bytes.windows(4).position(|w| w == b"pHYs")?;
        let d = bytes.get(pos + 4..pos + 13)?;
        let ppu = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
        return (d[8] == 1 && ppu > 0).then(|| (ppu as f64 * 0.0254).round() as u32);
    }
    if bytes.starts_with(b"\xff\xd8") {
        let pos = bytes.windows(5).position(|w| w == b"JFIF\0")?;
        let d = bytes.get(pos + 5..pos + 12)?;
        let (unit, x) = (d[2], u16::from_be_bytes([d[3], d[4]]) as u32);
        return match unit {
            1 if x > 1 => Some(x),
            2 if x > 1 => Some((x as f64 * 2.54).round() as u32),
            _ => None,
        };
    }
    None
}

fn to_gray(img: chantier_bim::pdf::PageImage) -> Result<GrayImage> {
    let (w, h) = (img.width, img.height);
    match img.data {
        PixelData::Gray(d) => GrayImage::from_raw(w, h, d)
            .ok_or_else(|| VisionError::Image("embedded picture data is short".into())),
        PixelData::Rgb(d) => image::RgbImage::from_raw(w, h, d)
            .map(|rgb| image::DynamicImage::ImageRgb8(rgb).into_luma8())
            .ok_or_else(|| VisionError::Image("embedded picture data is short".into())),
        PixelData::Jpeg(d) => image::load_from_memory_with_format(&d, image::ImageFormat::Jpeg)
            .map(|i| i.into_luma8())
            .map_err(|e| VisionError::Image(format!("embedded JPEG: {e}"))),
    }
}
