//! The sheets as one PDF, a page per plan, the way CAD programs export them: content
//! streams compressed (FlateDecode), drawn in millimetres through a CTM that also flips y
//! (so a reader must honour `cm`), the title block in a form XObject with its own
//! `/Matrix`, text in standard Helvetica with WinAnsi encoding placed by `Tm` (turned for
//! vertical dimensions, some strings kerned with `TJ` arrays), arcs as Bézier curves.
//! Variants: text as filled glyph outlines (no text objects), or each page a single
//! scanned image.

use std::io::Cursor;

use lopdf::{Dictionary, Document, Object, Stream, dictionary};

use super::degrade::{Degrade, degrade};
use super::drawing::{Drawing, Layer, Pt, Shape, Text};
use super::glyphs::{self, Seg};
use super::{SynthPlan, metrics, raster};

const PT_PER_MM: f64 = 72.0 / 25.4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextMode {
    /// Text objects in Helvetica.
    #[default]
    Text,
    /// Glyphs as filled paths (DejaVu Sans), no text objects, as some CAD exports do.
    Outlines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageEncoding {
    /// DCTDecode, grey JPEG of this quality.
    Jpeg { quality: u8 },
    /// FlateDecode, 8-bit grey.
    FlateGray,
}

/// A "scanned PDF": each page is the sheet rendered at `dpi`, degraded, as one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanOptions {
    pub dpi: u32,
    /// The degradation; each page's seed is this seed plus the page index.
    pub degrade: Degrade,
    pub encoding: ImageEncoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PdfOptions {
    pub text: TextMode,
    pub scanned: Option<ScanOptions>,
}

/// Writes `plans` as a PDF, one page each. Empty only if writing to memory failed.
pub fn to_pdf(plans: &[SynthPlan], opts: &PdfOptions) -> Vec<u8> {
    let mut doc = Document::with_version("1.6");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let d = &plan.drawing;
        let (w, h) = (d.paper_mm.0 * PT_PER_MM, d.paper_mm.1 * PT_PER_MM);
        let (content, resources) = match opts.scanned {
            Some(scan) => scanned_page(&mut doc, plan, &scan, i, w, h),
            None => vector_page(&mut doc, d, opts.text, font_id, h),
        };
        let mut stream = Stream::new(Dictionary::new(), content);
        let _ = stream.compress();
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), real(w), real(h)],
            "Contents" => content_id,
            "Resources" => resources,
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let info_id = doc.add_object(dictionary! {
        "Producer" => Object::string_literal("chantier groundtruth"),
        "Title" => Object::string_literal("Plans"),
    });
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    if let Err(e) = doc.save_to(&mut out) {
        tracing::warn!("ground-truth PDF not written: {e}");
        return Vec::new();
    }
    out
}

fn real(v: f64) -> Object {
    Object::Real(((v * 1000.0).round() / 1000.0) as f32)
}

fn vector_page(
    doc: &mut Document,
    d: &Drawing,
    mode: TextMode,
    font_id: lopdf::ObjectId,
    h_pt: f64,
) -> (Vec<u8>, Dictionary) {
    let origin = d.form_origin_mm;
    // The title block: its own content, in coordinates relative to its corner.
    let mut form = Content::new(mode);
    let mut bounds: Option<[f64; 4]> = None;
    for item in d.items.iter().filter(|i| i.layer == Layer::Cartouche) {
        let shifted = shift(&item.shape, origin);
        if let Some(b) = shape_bounds(&shifted) {
            bounds = Some(bounds.map_or(b, |a| super::drawing::union(a, b)));
        }
        form.shape(&shifted);
    }
    let b = bounds.unwrap_or([0.0, 0.0, 1.0, 1.0]);
    let mut form_stream = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![real(b[0] - 1.0), real(b[1] - 1.0), real(b[2] + 1.0), real(b[3] + 1.0)],
            "Matrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), real(origin.x), real(origin.y)],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        },
        form.bytes,
    );
    let _ = form_stream.compress();
    let form_id = doc.add_object(form_stream);

    let mut c = Content::new(mode);
    c.op(&format!(
        "q {} 0 0 {} 0 {} cm 2 J 0 j",
        num(PT_PER_MM),
        num(-PT_PER_MM),
        num(h_pt)
    ));
    for item in d.items.iter().filter(|i| i.layer != Layer::Cartouche) {
        c.shape(&item.shape);
    }
    c.op("q /TB Do Q");
    c.op("Q");
    let resources = dictionary! {
        "Font" => dictionary! { "F1" => font_id },
        "XObject" => dictionary! { "TB" => form_id },
    };
    (c.bytes, resources)
}

fn scanned_page(
    doc: &mut Document,
    plan: &SynthPlan,
    scan: &ScanOptions,
    index: usize,
    w_pt: f64,
    h_pt: f64,
) -> (Vec<u8>, Dictionary) {
    let mut deg = scan.degrade;
    deg.seed = deg.seed.wrapping_add(index as u64);
    let img = degrade(&raster::render(plan, scan.dpi), &deg);
    let (iw, ih) = img.dimensions();
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => iw as i64,
        "Height" => ih as i64,
        "ColorSpace" => "DeviceGray",
        "BitsPerComponent" => 8,
    };
    let stream = match scan.encoding {
        ImageEncoding::Jpeg { quality } => {
            let mut jpeg = Vec::new();
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(
                Cursor::new(&mut jpeg),
                quality.clamp(1, 100),
            );
            match img.write_with_encoder(enc) {
                Ok(()) => {
                    dict.set("Filter", "DCTDecode");
                    let mut s = Stream::new(dict, jpeg);
                    s.allows_compression = false;
                    s
                }
                Err(e) => {
                    tracing::warn!("JPEG encoding failed, page stored with Flate: {e}");
                    let mut s = Stream::new(
                        dictionary! {
                            "Type" => "XObject",
                            "Subtype" => "Image",
                            "Width" => iw as i64,
                            "Height" => ih as i64,
                            "ColorSpace" => "DeviceGray",
                            "BitsPerComponent" => 8,
                        },
                        img.into_raw(),
                    );
                    let _ = s.compress();
                    s
                }
            }
        }
        ImageEncoding::FlateGray => {
            let mut s = Stream::new(dict, img.into_raw());
            let _ = s.compress();
            s
        }
    };
    let image_id = doc.add_object(stream);
    let content = format!("q {} 0 0 {} 0 0 cm /Im0 Do Q\n", num(w_pt), num(h_pt)).into_bytes();
    let resources = dictionary! { "XObject" => dictionary! { "Im0" => image_id } };
    (content, resources)
}

/// A number as PDF writes it: at most 4 decimals, no trailing zeros.
fn num(v: f64) -> String {
    let mut s = format!("{:.4}", v);
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" { "0".to_string() } else { s }
}

fn p(q: Pt) -> String {
    format!("{} {}", num(q.x), num(q.y))
}

/// Moves a shape by `-o` (into the form's coordinates).
fn shift(s: &Shape, o: Pt) -> Shape {
    let m = |q: Pt| q.minus(o);
    match s {
        Shape::Line { a, b, pen_mm } => Shape::Line {
            a: m(*a),
            b: m(*b),
            pen_mm: *pen_mm,
        },
        Shape::Polyline {
            points,
            closed,
            pen_mm,
        } => Shape::Polyline {
            points: points.iter().map(|&q| m(q)).collect(),
            closed: *closed,
            pen_mm: *pen_mm,
        },
        Shape::Arc {
            centre,
            radius,
            start_deg,
            sweep_deg,
            pen_mm,
        } => Shape::Arc {
            centre: m(*centre),
            radius: *radius,
            start_deg: *start_deg,
            sweep_deg: *sweep_deg,
            pen_mm: *pen_mm,
        },
        Shape::Fill { points, grey } => Shape::Fill {
            points: points.iter().map(|&q| m(q)).collect(),
            grey: *grey,
        },
        Shape::Hatch {
            boundary,
            angle_deg,
            spacing_mm,
            pen_mm,
            lines,
        } => Shape::Hatch {
            boundary: boundary.iter().map(|&q| m(q)).collect(),
            angle_deg: *angle_deg,
            spacing_mm: *spacing_mm,
            pen_mm: *pen_mm,
            lines: lines.iter().map(|&(a, b)| (m(a), m(b))).collect(),
        },
        Shape::Disc { centre, radius } => Shape::Disc {
            centre: m(*centre),
            radius: *radius,
        },
        Shape::Text(t) => Shape::Text(Text {
            at: m(t.at),
            ..t.clone()
        }),
    }
}

fn shape_bounds(s: &Shape) -> Option<[f64; 4]> {
    let pts: Vec<Pt> = match s {
        Shape::Line { a, b, .. } => vec![*a, *b],
        Shape::Polyline { points, .. } | Shape::Fill { points, .. } => points.clone(),
        Shape::Hatch { boundary, .. } => boundary.clone(),
        Shape::Arc { centre, radius, .. } | Shape::Disc { centre, radius } => vec![
            centre.minus(Pt {
                x: *radius,
                y: *radius,
            }),
            centre.plus(Pt {
                x: *radius,
                y: *radius,
            }),
        ],
        Shape::Text(t) => return Some(t.bbox()),
    };
    let mut it = pts.into_iter();
    let first = it.next()?;
    Some(it.fold([first.x, first.y, first.x, first.y], |b, q| {
        [b[0].min(q.x), b[1].min(q.y), b[2].max(q.x), b[3].max(q.y)]
    }))
}

/// A content stream being written, with the graphics state it has set.
struct Content {
    bytes: Vec<u8>,
    mode: TextMode,
    pen: f64,
}

impl Content {
    fn new(mode: TextMode) -> Content {
        Content {
            bytes: Vec::new(),
            mode,
            pen: -1.0,
        }
    }

    fn op(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(b'\n');
    }

    fn pen(&mut self, w: f64) {
        if (w - self.pen).abs() > 1e-9 {
            self.pen = w;
            self.op(&format!("{} w", num(w)));
        }
    }

    fn shape(&mut self, s: &Shape) {
        match s {
            Shape::Line { a, b, pen_mm } => {
                self.pen(*pen_mm);
                self.op(&format!("{} m {} l S", p(*a), p(*b)));
            }
            Shape::Polyline {
                points,
                closed,
                pen_mm,
            } => {
                self.pen(*pen_mm);
                let mut s = String::new();
                for (i, &q) in points.iter().enumerate() {
                    s.push_str(&p(q));
                    s.push_str(if i == 0 { " m " } else { " l " });
                }
                s.push_str(if *closed { "s" } else { "S" });
                self.op(&s);
            }
            Shape::Arc {
                centre,
                radius,
                start_deg,
                sweep_deg,
                pen_mm,
            } => {
                self.pen(*pen_mm);
                let s = arc_path(*centre, *radius, *start_deg, *sweep_deg, true);
                self.op(&format!("{s} S"));
            }
            Shape::Fill { points, grey } => {
                let mut s = format!("{} g ", num(*grey));
                for (i, &q) in points.iter().enumerate() {
                    s.push_str(&p(q));
                    s.push_str(if i == 0 { " m " } else { " l " });
                }
                s.push_str("h f 0 g");
                self.op(&s);
            }
            Shape::Hatch { lines, pen_mm, .. } => {
                self.pen(*pen_mm);
                let mut s = String::new();
                for (a, b) in lines {
                    s.push_str(&format!("{} m {} l ", p(*a), p(*b)));
                }
                s.push('S');
                self.op(&s);
            }
            Shape::Disc { centre, radius } => {
                let s = arc_path(*centre, *radius, 0.0, 360.0, true);
                self.op(&format!("{s} h f"));
            }
            Shape::Text(t) => match self.mode {
                TextMode::Text => self.text(t),
                TextMode::Outlines => self.outline(t),
            },
        }
    }

    fn text(&mut self, t: &Text) {
        let em = t.em();
        let (u, v) = t.axes();
        let o = t.origin();
        let tm = format!(
            "{} {} {} {} {} {}",
            num(u.x * em),
            num(u.y * em),
            num(v.x * em),
            num(v.y * em),
            num(o.x),
            num(o.y)
        );
        let run = metrics::layout(&t.text, t.kern);
        let shows = if t.kern && run.kerns.iter().any(|&k| k != 0.0) {
            // TJ: a number moves the next glyph left by 1/1000 em, so a kerning of -70
            // is written 70.
            let mut s = String::from("[");
            let mut chunk = String::new();
            for ((c, _), k) in run.glyphs.iter().zip(&run.kerns) {
                if *k != 0.0 {
                    s.push_str(&pdf_string(&chunk));
                    s.push_str(&format!(" {} ", num(-k)));
                    chunk.clear();
                }
                chunk.push(*c);
            }
            s.push_str(&pdf_string(&chunk));
            s.push_str("] TJ");
            s
        } else {
            format!("{} Tj", pdf_string(&t.text))
        };
        self.op(&format!("BT /F1 1 Tf {tm} Tm {shows} ET"));
    }

    fn outline(&mut self, t: &Text) {
        let path = glyphs::text_path(t);
        if path.is_empty() {
            return;
        }
        let mut s = String::from("0 g ");
        let mut cur = Pt { x: 0.0, y: 0.0 };
        for seg in path {
            match seg {
                Seg::Move(q) => {
                    s.push_str(&format!("{} m ", p(q)));
                    cur = q;
                }
                Seg::Line(q) => {
                    s.push_str(&format!("{} l ", p(q)));
                    cur = q;
                }
                Seg::Quad(c, q) => {
                    // Degree elevation of the quadratic.
                    let c1 = cur.plus(c.minus(cur).times(2.0 / 3.0));
                    let c2 = q.plus(c.minus(q).times(2.0 / 3.0));
                    s.push_str(&format!("{} {} {} c ", p(c1), p(c2), p(q)));
                    cur = q;
                }
                Seg::Cubic(c1, c2, q) => {
                    s.push_str(&format!("{} {} {} c ", p(c1), p(c2), p(q)));
                    cur = q;
                }
                Seg::Close => s.push_str("h "),
            }
        }
        s.push('f');
        self.op(&s);
    }
}

/// An arc as cubic Bézier pieces of at most 90°, starting with `m` when `move_to`.
fn arc_path(c: Pt, r: f64, start: f64, sweep: f64, move_to: bool) -> String {
    let n = (sweep.abs() / 90.0).ceil().max(1.0) as usize;
    let step = sweep / n as f64;
    let k = 4.0 / 3.0 * (step.to_radians() / 4.0).tan() * r;
    // Tangent (direction of increasing angle) on paper, y down.
    let tan = |deg: f64| {
        let (s, co) = deg.to_radians().sin_cos();
        Pt { x: -s, y: -co }
    };
    let mut out = String::new();
    let p0 = Shape::arc_point(c, r, start);
    if move_to {
        out.push_str(&format!("{} m ", p(p0)));
    }
    for i in 0..n {
        let (a0, a1) = (start + step * i as f64, start + step * (i + 1) as f64);
        let (q0, q3) = (Shape::arc_point(c, r, a0), Shape::arc_point(c, r, a1));
        let q1 = q0.plus(tan(a0).times(k));
        let q2 = q3.minus(tan(a1).times(k));
        out.push_str(&format!("{} {} {} c ", p(q1), p(q2), p(q3)));
    }
    out.trim_end().to_string()
}

/// A PDF string literal in WinAnsiEncoding (é = \351, ² = \262, É = \311).
fn pdf_string(s: &str) -> String {
    let mut out = String::from("(");
    for c in s.chars() {
        let b: u8 = match c {
            c if (c as u32) < 0x80 => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            '€' => 0x80,
            '’' => 0x92,
            _ => b'?',
        };
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7E => out.push(b as char),
            _ => out.push_str(&format!("\\{:03o}", b)),
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winansi_strings() {
        assert_eq!(pdf_string("Séjour (2)"), "(S\\351jour \\(2\\))");
        assert_eq!(pdf_string("m²"), "(m\\262)");
        assert_eq!(pdf_string("Étage"), "(\\311tage)");
        assert_eq!(num(2.834645669), "2.8346");
        assert_eq!(num(-0.00001), "0");
    }
}
