//! Every way the estimator can fail, as one type the service maps to gRPC statuses in one
//! table. Variants carry the position in the user's file where there is one, because an
//! estimator fixing a price library needs the line and column, not a stack trace.

use std::path::PathBuf;

/// Where in an input file a problem was found (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EstimatorError {
    /// A price library, rule set, clause library or profile that cannot be used as written.
    #[error("{at}: {reason}")]
    Input { at: Position, reason: String },
    /// A request that contradicts itself or the library (unknown item, bad rate...).
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// Someone else changed the same estimate first.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The server lacks what the request needs (no Odoo configured).
    #[error("{0}")]
    NotConfigured(String),
    /// The takeoff of a source document failed.
    #[error("{file}: {source}")]
    Takeoff {
        file: String,
        #[source]
        source: chantier_bim::BimError,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("rendering failed: {0}")]
    Render(String),
    #[error("storage: {0}")]
    Storage(String),
    #[error(transparent)]
    Odoo(#[from] crate::odoo::OdooError),
}

impl EstimatorError {
    pub(crate) fn input(file: &str, line: u64, column: u64, reason: impl Into<String>) -> Self {
        EstimatorError::Input {
            at: Position {
                file: file.to_string(),
                line,
                column,
            },
            reason: reason.into(),
        }
    }
}

impl From<sqlx::Error> for EstimatorError {
    fn from(e: sqlx::Error) -> Self {
        EstimatorError::Storage(e.to_string())
    }
}

pub type Result<T, E = EstimatorError> = std::result::Result<T, E>;
