use std::fmt;

/// Why a STEP file could not be read. Always carries the byte offset and line so a user can
/// open the file at the faulty spot.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct StepError {
    pub kind: StepErrorKind,
    /// Byte offset of the problem in the (decompressed) file.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepErrorKind {
    /// The file does not start with `ISO-10303-21;`.
    NotStep,
    /// A section or record is malformed; the text says what was expected.
    Syntax(String),
    /// The file ends inside a record, a string or a comment.
    Truncated(String),
    /// An id that no record defines was asked for.
    NoSuchEntity { id: u32 },
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}, byte {})",
            self.kind, self.line, self.offset
        )
    }
}

impl fmt::Display for StepErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotStep => write!(f, "not a STEP file: it must start with ISO-10303-21;"),
            Self::Syntax(what) => write!(f, "syntax error: {what}"),
            Self::Truncated(what) => write!(f, "file is truncated: {what}"),
            Self::NoSuchEntity { id } => write!(f, "#{id} does not exist"),
        }
    }
}

impl StepError {
    pub(crate) fn at(data: &[u8], offset: usize, kind: StepErrorKind) -> Self {
        let offset = offset.min(data.len());
        let line = 1 + memchr::memchr_iter(b'\n', &data[..offset]).count();
        Self { kind, offset, line }
    }
}
