//! A group-code tokenizer for ASCII and binary DXF.
//!
//! The `dxf` crate is the reader for the entities it knows, but it drops what it does not
//! know (HATCH, MULTILEADER, ACAD_TABLE...) and gives up on some real-world files. This
//! tokenizer sees every group of every entity, so the takeoff can count, measure and
//! repair what the crate misses, and report positions in the user's file.

use std::borrow::Cow;

use crate::BimError;

/// The sentinel that opens a binary DXF file.
pub const BINARY_SENTINEL: &[u8] = b"AutoCAD Binary DXF\r\n\x1a\0";

/// One group value, typed by the group code range in binary files and kept as text in
/// ASCII files (parsed on demand, so unused values cost nothing).
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Real(f64),
    Int(i64),
    Bytes,
}

/// One (group code, value) pair with its position: the 1-based line of the code line in
/// ASCII files, the byte offset of the code in binary files.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair<'a> {
    pub code: i32,
    pub value: Value<'a>,
    pub pos: usize,
    /// Byte range of the code and value lines in an ASCII file (empty for binary), so a
    /// repaired stream can be rebuilt from the original bytes without re-encoding.
    pub span: (usize, usize),
}

impl Pair<'_> {
    /// The value as text ("" for binary chunks; numbers formatted).
    pub fn text(&self) -> Cow<'_, str> {
        match &self.value {
            Value::Text(s) => Cow::Borrowed(s.as_ref()),
            Value::Real(f) => Cow::Owned(f.to_string()),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Bytes => Cow::Borrowed(""),
        }
    }

    /// The value as a float, `None` when it is not a number.
    pub fn f64(&self) -> Option<f64> {
        match &self.value {
            Value::Text(s) => s.trim().parse().ok(),
            Value::Real(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::Bytes => None,
        }
    }

    /// The value as an integer, `None` when it is not one.
    pub fn i64(&self) -> Option<i64> {
        match &self.value {
            Value::Text(s) => {
                let t = s.trim();
                t.parse().ok().or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i64)
                })
            }
            Value::Int(i) => Some(*i),
            Value::Real(f) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        }
    }

    /// True when the pair is `0 / name`.
    pub fn is(&self, code: i32, name: &str) -> bool {
        self.code == code && matches!(&self.value, Value::Text(s) if s.trim() == name)
    }
}

/// The whole file as pairs.
#[derive(Debug)]
pub struct Tokens<'a> {
    pub pairs: Vec<Pair<'a>>,
    pub binary: bool,
}

pub(crate) fn dxf_error(message: impl Into<String>, binary: bool, pos: usize) -> BimError {
    let (line, offset) = if binary {
        (None, Some(pos))
    } else {
        (Some(pos), None)
    };
    BimError::Dxf {
        message: message.into(),
        line,
        offset,
    }
}

/// Splits a DXF file into pairs.
pub fn tokenize(bytes: &[u8]) -> Result<Tokens<'_>, BimError> {
    if bytes.starts_with(BINARY_SENTINEL) {
        Ok(Tokens {
            pairs: super::binary::read_binary(bytes)?,
            binary: true,
        })
    } else if bytes.starts_with(b"AutoCAD Binary DXF") {
        Err(dxf_error("truncated binary DXF sentinel", true, 0))
    } else {
        Ok(Tokens {
            pairs: read_ascii(bytes)?,
            binary: false,
        })
    }
}

/// Decodes a string that is not valid UTF-8 as Latin-1: pre-2007 files are written in the
/// drawing's ANSI code page, and Latin-1 keeps every byte visible rather than failing.
pub fn decode_bytes(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(b.iter().map(|&c| c as char).collect()),
    }
}

/// Reads ASCII DXF: a code line then a value line, CRLF or LF.
fn read_ascii(bytes: &[u8]) -> Result<Vec<Pair<'_>>, BimError> {
    let mut pairs = Vec::with_capacity(bytes.len() / 64);
    let mut pos = 0usize;
    let mut line = 0usize;
    let next_line = |pos: &mut usize| -> Option<&[u8]> {
        if *pos >= bytes.len() {
            return None;
        }
        let rest = bytes.get(*pos..)?;
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let l = rest.get(..len)?;
        *pos += (len + 1).min(rest.len());
        Some(l.strip_suffix(b"\r").unwrap_or(l))
    };
    loop {
        let start = pos;
        let Some(code_line) = next_line(&mut pos) else {
            break;
        };
        line += 1;
        let code_line_no = line;
        let code_text = decode_bytes(code_line);
        let code_text = code_text.trim();
        if code_text.is_empty() && pos >= bytes.len() {
            break;
        }
        let code: i32 = code_text.parse().map_err(|_| {
            dxf_error(
                format!("expected a group code, found {:?}", truncate(code_text)),
                false,
                code_line_no,
            )
        })?;
        let Some(value_line) = next_line(&mut pos) else {
            return Err(dxf_error(
                format!("group code {code} has no value (file truncated?)"),
                false,
                code_line_no,
            ));
        };
        line += 1;
        let value = decode_bytes(value_line);
        // Strings keep inner and leading spaces (layer names may have them); the trailing
        // whitespace AutoCAD pads numbers with carries no meaning.
        let value = match value {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim_end()),
            Cow::Owned(s) => Cow::Owned(s.trim_end().to_string()),
        };
        pairs.push(Pair {
            code,
            value: Value::Text(value),
            pos: code_line_no,
            span: (start, pos),
        });
        if code == 0 && pairs.last().is_some_and(|p| p.is(0, "EOF")) {
            break;
        }
    }
    Ok(pairs)
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}
