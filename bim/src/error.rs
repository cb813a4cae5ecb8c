use crate::step::StepError;

/// Everything that can stop a takeoff. The gRPC layer maps each variant to one status code
/// (see `src/server/status.rs` in the binary); keep variants few and meaningful.
#[derive(Debug, thiserror::Error)]
pub enum BimError {
    /// Neither the name nor the content says IFC or DXF.
    #[error("unrecognised file format: {0}")]
    UnknownFormat(String),
    /// Malformed STEP/IFC content, with byte offset and line.
    #[error("malformed IFC: {0}")]
    Step(#[from] StepError),
    /// Well-formed STEP that is not a usable IFC model.
    #[error("invalid IFC model: {0}")]
    Ifc(String),
    /// Malformed DXF content; `line` is the 1-based line (ASCII) and `offset` the byte offset.
    #[error("malformed DXF: {message}{}", position(*line, *offset))]
    Dxf {
        message: String,
        line: Option<usize>,
        offset: Option<usize>,
    },
    /// A PDF that cannot be read (broken, encrypted, not a PDF), with the page when known.
    #[error("unreadable PDF: {message}{}", page.map(|p| format!(" (page {p})")).unwrap_or_default())]
    Pdf { message: String, page: Option<u32> },
    /// A picture that cannot be decoded or used as a plan.
    #[error("unreadable image: {0}")]
    Image(String),
    /// A broken or suspicious archive (.ifczip).
    #[error("bad archive: {0}")]
    Archive(String),
    /// A configured limit (size, entity count, decompressed size) was exceeded.
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

fn position(line: Option<usize>, offset: Option<usize>) -> String {
    match (line, offset) {
        (Some(l), Some(o)) => format!(" (line {l}, byte {o})"),
        (Some(l), None) => format!(" (line {l})"),
        (None, Some(o)) => format!(" (byte {o})"),
        (None, None) => String::new(),
    }
}
