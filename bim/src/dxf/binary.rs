//! Binary DXF decoding.
//!
//! Group codes are 2-byte little-endian from R13 on and 1 byte before (255 escaping a
//! 2-byte code); values are typed by code range. Strings are NUL-terminated and decoded as
//! UTF-8 with a Latin-1 fallback (the `dxf` crate reads them byte-per-char, garbling UTF-8).

use std::borrow::Cow;

use super::tokens::{BINARY_SENTINEL, Pair, Value, dxf_error};
use crate::BimError;

/// How a value of a given group code is stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Double,
    I16,
    I32,
    I64,
    Bool,
    Chunk,
}

fn kind(code: i32) -> Option<Kind> {
    Some(match code {
        0..=9 | 100..=102 | 105 | 300..=309 | 320..=369 | 390..=399 | 410..=419 | 430..=439 => {
            Kind::Str
        }
        470..=481 | 999 | 1000..=1003 | 1005..=1009 => Kind::Str,
        10..=59 | 110..=149 | 210..=239 | 460..=469 | 1010..=1059 => Kind::Double,
        60..=79 | 170..=179 | 270..=289 | 370..=389 | 400..=409 | 1060..=1070 => Kind::I16,
        90..=99 | 420..=429 | 440..=459 | 1071 => Kind::I32,
        160..=169 => Kind::I64,
        290..=299 => Kind::Bool,
        310..=319 | 1004 => Kind::Chunk,
        _ => return None,
    })
}

/// A bounds-checked cursor: every read reports the offset it failed at.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BimError> {
        let s = self
            .b
            .get(self.at..self.at.saturating_add(n))
            .ok_or_else(|| dxf_error("unexpected end of binary DXF", true, self.at))?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, BimError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], BimError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn cstr(&mut self) -> Result<Cow<'a, str>, BimError> {
        let rest = self.b.get(self.at..).unwrap_or_default();
        let n = memchr::memchr(0, rest)
            .ok_or_else(|| dxf_error("unterminated string in binary DXF", true, self.at))?;
        let s = self.take(n)?;
        self.at += 1;
        Ok(super::tokens::decode_bytes(s))
    }
}

/// Reads every pair after the sentinel.
pub fn read_binary(bytes: &[u8]) -> Result<Vec<Pair<'_>>, BimError> {
    let mut c = Cursor {
        b: bytes,
        at: BINARY_SENTINEL.len(),
    };
    // The first pair is always 0/SECTION: a zero second byte means 2-byte codes.
    let two_byte = bytes.get(BINARY_SENTINEL.len() + 1) == Some(&0);
    let mut pairs = Vec::with_capacity(bytes.len() / 64);
    while c.at < bytes.len() {
        let pos = c.at;
        let code = if two_byte {
            i32::from(i16::from_le_bytes(c.array::<2>()?))
        } else {
            match c.u8()? {
                255 => i32::from(i16::from_le_bytes(c.array::<2>()?)),
                b => i32::from(b),
            }
        };
        let k =
            kind(code).ok_or_else(|| dxf_error(format!("invalid group code {code}"), true, pos))?;
        let value = match k {
            Kind::Str => Value::Text(c.cstr()?),
            Kind::Double => Value::Real(f64::from_le_bytes(c.array::<8>()?)),
            Kind::I16 => Value::Int(i64::from(i16::from_le_bytes(c.array::<2>()?))),
            Kind::I32 => Value::Int(i64::from(i32::from_le_bytes(c.array::<4>()?))),
            Kind::I64 => Value::Int(i64::from_le_bytes(c.array::<8>()?)),
            Kind::Bool if two_byte => Value::Int(i64::from(c.u8()?)),
            Kind::Bool => Value::Int(i64::from(i16::from_le_bytes(c.array::<2>()?))),
            Kind::Chunk => {
                let n = usize::from(c.u8()?);
                c.take(n)?;
                Value::Bytes
            }
        };
        let eof = code == 0 && matches!(&value, Value::Text(s) if s == "EOF");
        pairs.push(Pair {
            code,
            value,
            pos,
            span: (0, 0),
        });
        if eof {
            break;
        }
    }
    Ok(pairs)
}
