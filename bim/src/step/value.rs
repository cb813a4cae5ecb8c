use super::error::{StepError, StepErrorKind};
use super::string::decode_step_string;

/// One decoded attribute. Strings and enumerations borrow the file's bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `$`: unset optional attribute.
    Null,
    /// `*`: value derived by the schema.
    Derived,
    Int(i64),
    Real(f64),
    /// Raw bytes between the quotes, escapes not yet decoded.
    Str(&'a [u8]),
    /// `.NAME.` without the dots.
    Enum(&'a [u8]),
    Ref(u32),
    Binary(&'a [u8]),
    List(Vec<Value<'a>>),
    /// `IFCLABEL('x')`: a value of a defined type inside a SELECT.
    Typed(&'a [u8], Box<Value<'a>>),
}

impl<'a> Value<'a> {
    pub fn as_ref_id(&self) -> Option<u32> {
        match self {
            Self::Ref(r) => Some(*r),
            _ => None,
        }
    }

    /// Numbers, including integers and typed numbers such as `IFCLENGTHMEASURE(2.5)`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Real(v) => Some(*v),
            Self::Int(v) => Some(*v as f64),
            Self::Typed(_, inner) => inner.as_f64(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(v) => Some(*v),
            Self::Typed(_, inner) => inner.as_i64(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value<'a>]> {
        match self {
            Self::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_str_raw(&self) -> Option<&'a [u8]> {
        match self {
            Self::Str(s) => Some(s),
            Self::Typed(_, inner) => inner.as_str_raw(),
            _ => None,
        }
    }

    /// A decoded string (escapes applied).
    pub fn as_string(&self) -> Option<String> {
        self.as_str_raw().map(decode_step_string)
    }

    /// Enumeration literal, e.g. `DIFFERENCE` for `.DIFFERENCE.`.
    pub fn as_enum(&self) -> Option<&'a str> {
        match self {
            Self::Enum(e) => std::str::from_utf8(e).ok(),
            _ => None,
        }
    }

    /// STEP booleans and logicals are enumerations `.T.`, `.F.`, `.U.`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_enum()? {
            "T" | "TRUE" => Some(true),
            "F" | "FALSE" => Some(false),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null | Self::Derived)
    }

    /// Every reference in this value, flattening lists (for sets such as `RelatedObjects`).
    pub fn refs(&self) -> Vec<u32> {
        match self {
            Self::Ref(r) => vec![*r],
            Self::List(l) => l.iter().flat_map(Value::refs).collect(),
            _ => Vec::new(),
        }
    }

    /// A list of numbers, e.g. coordinates.
    pub fn as_f64_list(&self) -> Option<Vec<f64>> {
        self.as_list()?.iter().map(Value::as_f64).collect()
    }
}

/// Parses the text between a record's outer parentheses into its attribute list.
pub(crate) fn parse_args(
    data: &[u8],
    start: usize,
    end: usize,
) -> Result<Vec<Value<'_>>, StepError> {
    let mut p = ArgParser {
        data,
        pos: start,
        end,
        depth: 0,
    };
    let list = p.list_items()?;
    p.skip_ws();
    if p.pos < end {
        return Err(p.error("`,` or `)` between attributes"));
    }
    Ok(list)
}

/// Nesting deeper than this is refused: no schema needs it, and it would overflow the stack.
const MAX_DEPTH: usize = 64;

struct ArgParser<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    depth: usize,
}

impl<'a> ArgParser<'a> {
    fn error(&self, expected: &str) -> StepError {
        StepError::at(
            self.data,
            self.pos,
            StepErrorKind::Syntax(format!("expected {expected}")),
        )
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.data[self.pos])
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'/' && self.data.get(self.pos + 1) == Some(&b'*') {
                match memchr::memmem::find(&self.data[self.pos + 2..self.end], b"*/") {
                    Some(e) => self.pos += 4 + e,
                    None => self.pos = self.end,
                }
            } else {
                break;
            }
        }
    }

    /// Items up to (not including) the closing `)` or the end of the range.
    fn list_items(&mut self) -> Result<Vec<Value<'a>>, StepError> {
        let mut items = Vec::new();
        self.skip_ws();
        if matches!(self.peek(), Some(b')') | None) {
            return Ok(items);
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                _ => return Ok(items),
            }
        }
    }

    fn value(&mut self) -> Result<Value<'a>, StepError> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Err(self.error("a value"));
        };
        match b {
            b'$' => {
                self.pos += 1;
                Ok(Value::Null)
            }
            b'*' => {
                self.pos += 1;
                Ok(Value::Derived)
            }
            b'#' => {
                self.pos += 1;
                let start = self.pos;
                let mut v: u64 = 0;
                while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                    v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
                    self.pos += 1;
                }
                if self.pos == start || v >= u64::from(u32::MAX) {
                    return Err(self.error("an entity id after `#`"));
                }
                Ok(Value::Ref(v as u32))
            }
            b'\'' => {
                self.pos += 1;
                let start = self.pos;
                loop {
                    let Some(q) = memchr::memchr(b'\'', &self.data[self.pos..self.end]) else {
                        return Err(self.error("the end of a string"));
                    };
                    self.pos += q + 1;
                    if self.peek() == Some(b'\'') {
                        self.pos += 1;
                    } else {
                        return Ok(Value::Str(&self.data[start..self.pos - 1]));
                    }
                }
            }
            b'"' => {
                self.pos += 1;
                let start = self.pos;
                let Some(q) = memchr::memchr(b'"', &self.data[self.pos..self.end]) else {
                    return Err(self.error("the end of a binary value"));
                };
                self.pos += q + 1;
                Ok(Value::Binary(&self.data[start..self.pos - 1]))
            }
            b'.' if self
                .data
                .get(self.pos + 1)
                .is_some_and(u8::is_ascii_alphabetic) =>
            {
                self.pos += 1;
                let start = self.pos;
                let Some(q) = memchr::memchr(b'.', &self.data[self.pos..self.end]) else {
                    return Err(self.error("the closing `.` of an enumeration"));
                };
                self.pos += q + 1;
                Ok(Value::Enum(&self.data[start..self.pos - 1]))
            }
            b'(' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("less deeply nested lists"));
                }
                self.pos += 1;
                let items = self.list_items()?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.error("`)` closing a list"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(Value::List(items))
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => self.number(),
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    self.pos += 1;
                }
                let name = &self.data[start..self.pos];
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    return Err(self.error("`(` after a typed value's type name"));
                }
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("less deeply nested values"));
                }
                self.pos += 1;
                let mut inner = self.list_items()?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.error("`)` closing a typed value"));
                }
                self.pos += 1;
                self.depth -= 1;
                let inner = if inner.len() == 1 {
                    inner.pop().unwrap_or(Value::Null)
                } else {
                    Value::List(inner)
                };
                Ok(Value::Typed(name, Box::new(inner)))
            }
            _ => Err(self.error("a value")),
        }
    }

    fn number(&mut self) -> Result<Value<'a>, StepError> {
        let start = self.pos;
        let mut is_real = false;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' | b'+' | b'-' => {}
                b'.' | b'E' | b'e' => is_real = true,
                _ => break,
            }
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("");
        if !is_real && let Ok(v) = text.parse::<i64>() {
            return Ok(Value::Int(v));
        }
        text.parse::<f64>().map(Value::Real).map_err(|_| {
            StepError::at(
                self.data,
                start,
                StepErrorKind::Syntax(format!("`{text}` is not a number")),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<Value<'_>> {
        parse_args(s.as_bytes(), 0, s.len()).unwrap()
    }

    #[test]
    fn parses_all_kinds() {
        let v = parse("'x',$,*,.T.,#12,(1,2.5,-3.E2),IFCREAL(1.5),\"0FF\",(),1.");
        assert_eq!(v[0], Value::Str(b"x"));
        assert!(v[1].is_null() && v[2].is_null());
        assert_eq!(v[3].as_bool(), Some(true));
        assert_eq!(v[4].as_ref_id(), Some(12));
        assert_eq!(v[5].as_f64_list(), Some(vec![1.0, 2.5, -300.0]));
        assert_eq!(v[6].as_f64(), Some(1.5));
        assert_eq!(v[7], Value::Binary(b"0FF"));
        assert_eq!(v[8], Value::List(vec![]));
        assert_eq!(v[9], Value::Real(1.0));
    }

    #[test]
    fn rejects_bad_numbers_with_offset() {
        let s = "1,2..3";
        let e = parse_args(s.as_bytes(), 0, s.len()).unwrap_err();
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = format!("{}{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_args(s.as_bytes(), 0, s.len()).is_err());
    }
}
