//! Vector PDF reading with `lopdf`: each page's content streams are interpreted (graphics
//! state, CTM, paths, text with fonts and positions, Form XObjects) into a
//! [`PlanPage`](crate::plan::page::PlanPage) in paper millimetres, and the pictures a
//! scanned page holds are kept for OCR.

mod cmap;
mod fonts;
mod images;
mod interp;
mod matrix;
mod runs;

use lopdf::{Dictionary, Document, Object, ObjectId};

pub use fonts::helvetica as helvetica_advance;
pub use images::{PageImage, PixelData};
pub use interp::ImageSource;
use interp::{Budget, Interpreter, Stop};
use matrix::Matrix;

use crate::BimError;
use crate::plan::page::{PageSource, PlanPage};

/// Limits for untrusted PDFs.
#[derive(Debug, Clone, Copy)]
pub struct PdfLimits {
    pub max_pages: u32,
    /// Operators run per page, Form XObjects included.
    pub max_operations: u64,
    /// Segments and curves kept per page.
    pub max_segments: usize,
    /// Largest decompressed stream.
    pub max_stream_bytes: usize,
    pub deadline: Option<std::time::Instant>,
}

impl Default for PdfLimits {
    fn default() -> Self {
        Self {
            max_pages: 500,
            max_operations: 20_000_000,
            max_segments: 4_000_000,
            max_stream_bytes: 256 << 20,
            deadline: None,
        }
    }
}

/// An opened PDF.
pub struct PdfFile {
    doc: Document,
    pages: Vec<ObjectId>,
    limits: PdfLimits,
}

/// One page read: its geometry and text, and the pictures it draws.
pub struct ReadPage {
    pub page: PlanPage,
    pub images: Vec<ImageSource>,
}

impl PdfFile {
    pub fn open(bytes: &[u8], limits: PdfLimits) -> Result<PdfFile, BimError> {
        if !bytes.starts_with(b"%PDF-")
            && !bytes[..bytes.len().min(1024)]
                .windows(5)
                .any(|w| w == b"%PDF-")
        {
            return Err(pdf_error("not a PDF file (no %PDF- header)".into(), None));
        }
        let options = lopdf::LoadOptions {
            max_decompressed_size: Some(limits.max_stream_bytes),
            ..Default::default()
        };
        let doc = Document::load_mem_with_options(bytes, options).map_err(|e| {
            let text = e.to_string();
            if text.to_ascii_lowercase().contains("decrypt")
                || text.to_ascii_lowercase().contains("password")
            {
                pdf_error(
                    format!(
                        "the PDF is encrypted and cannot be opened without its password ({text})"
                    ),
                    None,
                )
            } else {
                pdf_error(format!("cannot parse the PDF: {text}"), None)
            }
        })?;
        if doc.is_encrypted() {
            return Err(pdf_error(
                "the PDF is encrypted and cannot be opened without its password".into(),
                None,
            ));
        }
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if pages.is_empty() {
            return Err(pdf_error("the PDF has no pages".into(), None));
        }
        if pages.len() as u64 > limits.max_pages as u64 {
            return Err(BimError::Limit(format!(
                "the PDF has {} pages; plans are read up to {} pages (limits.max_pdf_pages)",
                pages.len(),
                limits.max_pages
            )));
        }
        Ok(PdfFile { doc, pages, limits })
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Interprets page `number` (1-based).
    pub fn read_page(&self, number: u32) -> Result<ReadPage, BimError> {
        let id = *self
            .pages
            .get(number.wrapping_sub(1) as usize)
            .ok_or_else(|| pdf_error(format!("no page {number}"), None))?;
        let page_dict = self
            .doc
            .get_dictionary(id)
            .map_err(|e| pdf_error(e.to_string(), Some(number)))?;
        let geometry = PageGeometry::of(&self.doc, page_dict);
        let page = PlanPage::new(
            number,
            geometry.width_mm,
            geometry.height_mm,
            PageSource::Vector,
        );
        let budget = Budget {
            max_operations: self.limits.max_operations,
            max_segments: self.limits.max_segments,
            max_depth: 16,
            deadline: self.limits.deadline,
        };
        let content = self
            .doc
            .get_page_content_with_limit(id, self.limits.max_stream_bytes)
            .map_err(|e| BimError::Limit(format!("page {number}: {e}")))?;
        let (own, ids) = self
            .doc
            .get_page_resources(id)
            .map_err(|e| pdf_error(e.to_string(), Some(number)))?;
        let mut resources: Vec<&Dictionary> = own.into_iter().collect();
        resources.extend(ids.iter().filter_map(|r| self.doc.get_dictionary(*r).ok()));
        let mut it = Interpreter::new(&self.doc, page, budget);
        match it.run(&content, &resources, geometry.to_paper, 0) {
            Ok(()) => {}
            Err(Stop::Budget(why)) => return Err(BimError::Limit(why)),
            Err(Stop::Deadline) => {
                return Err(BimError::Limit(format!(
                    "the time limit ran out while reading page {number}"
                )));
            }
        }
        let mut page = it.page;
        page.texts = runs::group(&it.glyphs);
        Ok(ReadPage {
            page,
            images: it.images,
        })
    }

    /// Decodes a picture that a page draws, for OCR of scanned pages.
    pub fn image(&self, source: &ImageSource, max_pixels: u64) -> Result<PageImage, BimError> {
        images::decode(&self.doc, source, max_pixels, self.limits.max_stream_bytes)
    }
}

/// A page's visible area and the matrix from its user space to paper millimetres (y down,
/// origin at the visible top-left, `/Rotate` applied as a viewer shows it).
struct PageGeometry {
    width_mm: f64,
    height_mm: f64,
    to_paper: Matrix,
}

impl PageGeometry {
    fn of(doc: &Document, page: &Dictionary) -> PageGeometry {
        let media = inherited(doc, page, b"MediaBox")
            .and_then(|o| rect(doc, o))
            .unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let crop = inherited(doc, page, b"CropBox")
            .and_then(|o| rect(doc, o))
            .map(|c| {
                [
                    c[0].max(media[0]),
                    c[1].max(media[1]),
                    c[2].min(media[2]),
                    c[3].min(media[3]),
                ]
            })
            .filter(|c| c[2] > c[0] && c[3] > c[1])
            .unwrap_or(media);
        let unit = page
            .get(b"UserUnit")
            .ok()
            .and_then(interp::num)
            .filter(|u| *u > 0.0)
            .unwrap_or(1.0);
        let rotate = inherited(doc, page, b"Rotate")
            .and_then(interp::num)
            .map_or(0, |r| (r as i64).rem_euclid(360) / 90 * 90);
        let k = unit * 25.4 / 72.0;
        let (w, h) = ((crop[2] - crop[0]) * k, (crop[3] - crop[1]) * k);
        // User space -> millimetres from the crop box's lower-left corner, y up.
        let base = Matrix::translate(-crop[0], -crop[1]).then(&Matrix([k, 0.0, 0.0, k, 0.0, 0.0]));
        // Clockwise rotation as displayed, then y flipped downwards.
        let (rot, dw, dh) = match rotate {
            90 => (Matrix([0.0, -1.0, 1.0, 0.0, 0.0, w]), h, w),
            180 => (Matrix([-1.0, 0.0, 0.0, -1.0, w, h]), w, h),
            270 => (Matrix([0.0, 1.0, -1.0, 0.0, h, 0.0]), h, w),
            _ => (Matrix::IDENTITY, w, h),
        };
        let flip = Matrix([1.0, 0.0, 0.0, -1.0, 0.0, dh]);
        PageGeometry {
            width_mm: dw,
            height_mm: dh,
            to_paper: base.then(&rot).then(&flip),
        }
    }
}

fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..32 {
        if let Ok(v) = node.get(key) {
            return Some(match v {
                Object::Reference(id) => doc.get_object(*id).ok()?,
                v => v,
            });
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn rect(doc: &Document, o: &Object) -> Option<[f64; 4]> {
    let a = o.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut v = [0.0; 4];
    for (i, x) in a.iter().enumerate() {
        let x = match x {
            Object::Reference(id) => doc.get_object(*id).ok()?,
            x => x,
        };
        v[i] = interp::num(x)?;
    }
    Some([
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ])
}

fn pdf_error(message: String, page: Option<u32>) -> BimError {
    BimError::Pdf { message, page }
}
