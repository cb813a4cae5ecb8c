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
    /// An entity references an id that no record defines.
    MissingEntity { from: u32, to: u32 },
    /// Following references came back to an entity already on the path.
    ReferenceCycle { id: u32 },
    /// A record holds an attribute of an unexpected kind.
    BadAttribute {
        id: u32,
        index: usize,
        expected: &'static str,
    },
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
            Self::MissingEntity { from, to } => {
                write!(f, "#{from} references #{to}, which does not exist")
            }
            Self::ReferenceCycle { id } => write!(f, "reference cycle through #{id}"),
            Self::BadAttribute {
                id,
                index,
                expected,
            } => {
                write!(f, "#{id}: attribute {index} should be {expected}")
            }
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
