//! Fonts as text extraction needs them: codes to Unicode and glyph advances, so that each
//! character gets its own position (plans place labels glyph by glyph, and kerning in `TJ`
//! arrays moves them).

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::cmap::ToUnicode;
use super::matrix::Matrix;

/// One decoded glyph.
#[derive(Debug, Clone)]
pub struct Glyph {
    pub text: String,
    /// Horizontal advance in text space units (before font size and scaling).
    pub advance: f64,
    /// A single-byte code 32: the word spacing operator applies to it.
    pub word_space: bool,
}

#[derive(Debug, Clone)]
pub struct Font {
    pub name: String,
    /// Bytes per code for fonts without a code space map (2 for Type0, else 1).
    code_len: usize,
    to_unicode: Option<ToUnicode>,
    /// Simple fonts: the text of each single-byte code per the font's encoding.
    table: Option<Vec<String>>,
    widths: HashMap<u32, f64>,
    default_width: f64,
    /// Glyph space to text space (1/1000 except for Type3 fonts).
    matrix: Matrix,
    /// Standard-14 metrics stand in when a simple font has no `/Widths`.
    standard: Option<Standard>,
    pub unknown_encoding: bool,
}

#[derive(Debug, Clone, Copy)]
enum Standard {
    Helvetica,
    Courier,
    Times,
}

impl Font {
    pub fn load(doc: &Document, dict: &Dictionary) -> Font {
        let name = dict
            .get(b"BaseFont")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let subtype = dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"Type1");
        let to_unicode = deref(doc, dict.get(b"ToUnicode").ok())
            .and_then(|o| o.as_stream().ok())
            .and_then(|s| s.get_plain_content().ok())
            .map(|data| ToUnicode::parse(&data))
            .filter(|m| !m.is_empty());
        let mut font = Font {
            name: name.clone(),
            code_len: 1,
            to_unicode,
            table: None,
            widths: HashMap::new(),
            default_width: 0.0,
            matrix: Matrix([0.001, 0.0, 0.0, 0.001, 0.0, 0.0]),
            standard: None,
            unknown_encoding: false,
        };
        if subtype == b"Type0" {
            font.code_len = 2;
            font.default_width = 1000.0;
            if let Some(desc) = deref(doc, dict.get(b"DescendantFonts").ok())
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .and_then(|o| deref(doc, Some(o)))
                .and_then(|o| o.as_dict().ok())
            {
                if let Some(dw) = deref(doc, desc.get(b"DW").ok()).and_then(number) {
                    font.default_width = dw;
                }
                if let Some(w) = deref(doc, desc.get(b"W").ok()).and_then(|o| o.as_array().ok()) {
                    font.widths = cid_widths(doc, w);
                }
            }
            if font.to_unicode.is_none() {
                font.unknown_encoding = true;
            }
            return font;
        }
        if subtype == b"Type3"
            && let Some(m) = deref(doc, dict.get(b"FontMatrix").ok())
                .and_then(|o| o.as_array().ok())
                .and_then(|a| matrix_of(doc, a))
        {
            font.matrix = m;
        }
        // Simple fonts: one byte per code.
        let first = deref(doc, dict.get(b"FirstChar").ok())
            .and_then(number)
            .unwrap_or(0.0) as u32;
        if let Some(w) = deref(doc, dict.get(b"Widths").ok()).and_then(|o| o.as_array().ok()) {
            for (i, v) in w.iter().enumerate() {
                if let Some(v) = deref(doc, Some(v)).and_then(number) {
                    font.widths.insert(first + i as u32, v);
                }
            }
        } else {
            let base = name
                .rsplit('+')
                .next()
                .unwrap_or(&name)
                .to_ascii_lowercase();
            font.standard = Some(if base.contains("courier") {
                Standard::Courier
            } else if base.contains("times") {
                Standard::Times
            } else {
                Standard::Helvetica
            });
        }
        font.table = Some(match dict.get_font_encoding(doc) {
            Ok(enc) => (0u16..256)
                .map(|c| enc.bytes_to_string(&[c as u8]).unwrap_or_default())
                .collect(),
            Err(_) => {
                font.unknown_encoding = true;
                (0u16..256)
                    .map(|c| {
                        char::from_u32(c as u32)
                            .filter(|c| !c.is_control())
                            .map(String::from)
                            .unwrap_or_default()
                    })
                    .collect()
            }
        });
        font
    }

    /// A font for `Tf` names that the resources do not define: text is still counted and
    /// placed with Helvetica metrics rather than dropped.
    pub fn fallback(name: &str) -> Font {
        Font {
            name: name.to_string(),
            code_len: 1,
            to_unicode: None,
            table: Some(
                (0u16..256)
                    .map(|c| {
                        char::from_u32(c as u32)
                            .filter(|c| !c.is_control())
                            .map(String::from)
                            .unwrap_or_default()
                    })
                    .collect(),
            ),
            widths: HashMap::new(),
            default_width: 0.0,
            matrix: Matrix([0.001, 0.0, 0.0, 0.001, 0.0, 0.0]),
            standard: Some(Standard::Helvetica),
            unknown_encoding: true,
        }
    }

    pub fn decode(&self, bytes: &[u8]) -> Vec<Glyph> {
        let codes: Vec<(u32, usize)> = match &self.to_unicode {
            Some(map) => map.codes(bytes, self.code_len),
            None => bytes
                .chunks(self.code_len)
                .map(|c| (c.iter().fold(0u32, |a, &b| (a << 8) | b as u32), c.len()))
                .collect(),
        };
        codes
            .into_iter()
            .map(|(code, len)| {
                let text = self
                    .to_unicode
                    .as_ref()
                    .and_then(|m| m.get(code, len))
                    .map(str::to_string)
                    .or_else(|| {
                        self.table
                            .as_ref()
                            .and_then(|t| t.get(code as usize).cloned())
                    })
                    .unwrap_or_default();
                let w = match self.widths.get(&code) {
                    Some(&w) => w,
                    None => match self.standard {
                        Some(s) => standard_width(s, &text),
                        None => self.default_width,
                    },
                };
                Glyph {
                    advance: w * self.matrix.0[0],
                    word_space: len == 1 && code == 32,
                    text,
                }
            })
            .collect()
    }

    /// Ascent and descent in text space, for glyph boxes (typical Latin CAD fonts).
    pub fn vertical_extent(&self) -> (f64, f64) {
        (0.75, -0.22)
    }
}

fn deref<'a>(doc: &'a Document, o: Option<&'a Object>) -> Option<&'a Object> {
    let mut o = o?;
    for _ in 0..8 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            _ => return Some(o),
        }
    }
    None
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64),
        _ => None,
    }
}

fn matrix_of(doc: &Document, a: &[Object]) -> Option<Matrix> {
    if a.len() != 6 {
        return None;
    }
    let mut m = [0.0; 6];
    for (i, v) in a.iter().enumerate() {
        m[i] = deref(doc, Some(v)).and_then(number)?;
    }
    Some(Matrix(m)).filter(Matrix::is_finite)
}

/// `/W` of a CID font: `c [w1 w2 ...]` or `c_first c_last w`.
fn cid_widths(doc: &Document, w: &[Object]) -> HashMap<u32, f64> {
    let mut out = HashMap::new();
    let items: Vec<&Object> = w.iter().filter_map(|o| deref(doc, Some(o))).collect();
    let mut i = 0;
    while i < items.len() {
        let Some(first) = number(items[i]) else {
            i += 1;
            continue;
        };
        match items.get(i + 1) {
            Some(Object::Array(ws)) => {
                for (k, v) in ws.iter().enumerate() {
                    if let Some(v) = deref(doc, Some(v)).and_then(number) {
                        out.insert(first as u32 + k as u32, v);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(last), Some(v)) = (number(o), items.get(i + 2).and_then(|o| number(o)))
                else {
                    break;
                };
                let (first, last) = (first as u32, (last as u32).min(first as u32 + 0xFFFF));
                for c in first..=last {
                    out.insert(c, v);
                }
                i += 3;
            }
            None => break,
        }
    }
    out
}

fn standard_width(s: Standard, text: &str) -> f64 {
    let c = text.chars().next().unwrap_or(' ');
    match s {
        Standard::Courier => 600.0,
        Standard::Helvetica => helvetica(c),
        Standard::Times => helvetica(c) * 0.92,
    }
}

/// Helvetica advance widths in 1/1000 em (Adobe core-14 metrics) for ASCII; accented
/// letters take their base letter's width.
pub fn helvetica(c: char) -> f64 {
    const W: [u16; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
        556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
        722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
        667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
        556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
        500, 334, 260, 334, 584,
    ];
    let base = match c {
        'à' | 'â' | 'ä' | 'á' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' => 'i',
        'ô' | 'ö' => 'o',
        'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'É' | 'È' | 'Ê' => 'E',
        'À' | 'Â' => 'A',
        'Ç' => 'C',
        '²' | '³' => return 333.0,
        '°' => return 400.0,
        c => c,
    };
    let i = base as u32;
    if (32..127).contains(&i) {
        W[(i - 32) as usize] as f64
    } else {
        556.0
    }
}
