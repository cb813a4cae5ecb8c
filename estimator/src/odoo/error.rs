//! What can go wrong talking to Odoo, classified by what the caller should do about it:
//! retry later, fix the configuration, or fix the data.

#[derive(Debug, Clone, thiserror::Error)]
pub enum OdooError {
    /// The server could not be reached at all (connection refused, DNS, connect timeout):
    /// worth retrying with backoff, and what a caller waiting on a push is told as such.
    #[error("{UNREACHABLE} ({0}); will retry")]
    Unreachable(String),
    /// Timeout, 5xx or a locked record: worth retrying with backoff.
    #[error("Odoo unreachable or failing ({0}); will retry")]
    Transient(String),
    /// Bad URL, database, login or API key: retrying won't help.
    #[error("Odoo refused the credentials: {0}")]
    Auth(String),
    /// The user lacks rights on a model.
    #[error("Odoo access denied: {0}")]
    Access(String),
    /// A module, unit or tax the push needs is missing in Odoo; the message says what to
    /// install or create.
    #[error("Odoo is missing what the push needs: {0}")]
    Missing(String),
    /// Odoo rejected the data (validation error, bad field).
    #[error("Odoo rejected the request: {0}")]
    Rejected(String),
    /// The quotation in Odoo cannot be (or was not) made to say what the devis says: another
    /// rounding method or precision, or Odoo's totals read back differ.
    #[error("the Odoo quotation would not equal the devis: {0}")]
    Mismatch(String),
    /// Someone changed the quotation in Odoo (confirmed it, edited its lines): chantier will
    /// not overwrite their work.
    #[error("the Odoo quotation was changed in Odoo: {0}")]
    Conflict(String),
    /// Odoo answered something that isn't Odoo (an HTML page, a proxy error...).
    #[error("unexpected answer from Odoo: {0}")]
    Protocol(String),
}

/// How an unreachable server's error begins, in a job's stored error too.
const UNREACHABLE: &str = "Odoo cannot be reached";

impl OdooError {
    pub fn is_transient(&self) -> bool {
        matches!(self, OdooError::Transient(_) | OdooError::Unreachable(_))
    }

    /// Whether an error text (a job's last error) says the server could not be reached.
    pub fn text_is_unreachable(text: &str) -> bool {
        text.starts_with(UNREACHABLE)
    }
}
