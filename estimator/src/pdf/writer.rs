//! Laid-out pages to a PDF file: content streams, the two embedded fonts, the page tree and
//! the Info dictionary.

use std::io::Write as _;

use chrono::{DateTime, Utc};
use lopdf::{Document, Object, Stream, dictionary};

use super::font::{self, Encoder, Font, Usage};
use super::layout::{Color, Op, PAGE_HEIGHT, PAGE_WIDTH, Page};
use crate::error::{EstimatorError, Result};

/// The document information printed in the Info dictionary.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub title: String,
    pub subject: String,
    pub author: String,
    pub created: DateTime<Utc>,
}

fn render_error(what: &str, e: impl std::fmt::Display) -> EstimatorError {
    EstimatorError::Render(format!("{what}: {e}"))
}

/// Writes a number with at most 2 decimals and no trailing zeros.
fn num(out: &mut Vec<u8>, v: f32) {
    let v = (v * 100.0).round() / 100.0;
    if v == v.trunc() {
        let _ = write!(out, "{}", v as i64);
    } else {
        let s = format!("{v:.2}");
        out.extend_from_slice(s.trim_end_matches('0').as_bytes());
    }
}

fn nums(out: &mut Vec<u8>, values: &[f32]) {
    for v in values {
        num(out, *v);
        out.push(b' ');
    }
}

fn color(out: &mut Vec<u8>, c: Color, op: &str) {
    nums(out, &[c.0, c.1, c.2]);
    out.extend_from_slice(op.as_bytes());
    out.push(b'\n');
}

/// The content stream of one page.
fn content(page: &Page, encoders: &[(Font, Encoder)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.ops.len() * 48);
    for op in &page.ops {
        match op {
            Op::Text {
                x,
                y,
                font,
                size,
                color: c,
                text,
            } => {
                let Some((_, enc)) = encoders.iter().find(|(f, _)| f == font) else {
                    continue;
                };
                out.extend_from_slice(b"BT\n/");
                out.extend_from_slice(font.resource().as_bytes());
                out.push(b' ');
                num(&mut out, *size);
                out.extend_from_slice(b" Tf\n");
                color(&mut out, *c, "rg");
                out.extend_from_slice(b"1 0 0 1 ");
                nums(&mut out, &[*x, *y]);
                out.extend_from_slice(b"Tm\n");
                enc.encode(text, &mut out);
                out.extend_from_slice(b" Tj\nET\n");
            }
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                out.extend_from_slice(b"q\n");
                if let Some(f) = fill {
                    color(&mut out, *f, "rg");
                }
                if let Some((s, width)) = stroke {
                    color(&mut out, *s, "RG");
                    num(&mut out, *width);
                    out.extend_from_slice(b" w\n");
                }
                nums(&mut out, &[*x, *y, *w, *h]);
                let paint = match (fill.is_some(), stroke.is_some()) {
                    (true, true) => "re B\n",
                    (true, false) => "re f\n",
                    (false, true) => "re S\n",
                    (false, false) => "re n\n",
                };
                out.extend_from_slice(paint.as_bytes());
                out.extend_from_slice(b"Q\n");
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                color: c,
                width,
            } => {
                out.extend_from_slice(b"q\n");
                color(&mut out, *c, "RG");
                num(&mut out, *width);
                out.extend_from_slice(b" w\n");
                nums(&mut out, &[*x1, *y1]);
                out.extend_from_slice(b"m ");
                nums(&mut out, &[*x2, *y2]);
                out.extend_from_slice(b"l S\nQ\n");
            }
        }
    }
    out
}

/// "D:20260312101500Z", the PDF date format.
fn pdf_date(d: DateTime<Utc>) -> Object {
    Object::string_literal(d.format("D:%Y%m%d%H%M%SZ").to_string())
}

pub(crate) fn write(pages: &[Page], meta: &Meta) -> Result<Vec<u8>> {
    let mut doc = Document::with_version("1.7");

    let mut encoders = Vec::new();
    let mut font_ids = Vec::new();
    for f in Font::ALL {
        let mut usage = Usage::default();
        for page in pages {
            for op in &page.ops {
                if let Op::Text { font, text, .. } = op
                    && *font == f
                {
                    usage.add(text);
                }
            }
        }
        let (id, encoder) = font::embed(&mut doc, f, &usage)?;
        font_ids.push((f.resource(), id));
        encoders.push((f, encoder));
    }
    let mut fonts = lopdf::Dictionary::new();
    for (name, id) in font_ids {
        fonts.set(name, id);
    }
    let resources_id = doc.add_object(dictionary! { "Font" => fonts });

    let pages_id = doc.new_object_id();
    let media_box: Vec<Object> = vec![
        0.into(),
        0.into(),
        Object::Real(PAGE_WIDTH),
        Object::Real(PAGE_HEIGHT),
    ];
    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let mut stream = Stream::new(lopdf::Dictionary::new(), content(page, &encoders));
        stream
            .compress()
            .map_err(|e| render_error("cannot compress a page", e))?;
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => media_box.clone(),
            "Resources" => resources_id,
            "Contents" => content_id,
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
            "MediaBox" => media_box,
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    let info_id = doc.add_object(dictionary! {
        "Title" => font::text_string(&meta.title),
        "Subject" => font::text_string(&meta.subject),
        "Author" => font::text_string(&meta.author),
        "Creator" => font::text_string("chantier"),
        "Producer" => font::text_string(concat!("chantier-estimator ", env!("CARGO_PKG_VERSION"))),
        "CreationDate" => pdf_date(meta.created),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);

    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| render_error("cannot write the PDF", e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        let mut out = Vec::new();
        nums(&mut out, &[1.0, 0.5, 12.345, -3.1, 0.001]);
        assert_eq!(String::from_utf8(out).unwrap(), "1 0.5 12.35 -3.1 0 ");
    }
}
