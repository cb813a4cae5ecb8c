//! What can go wrong talking to Odoo, classified by what the caller should do about it:
//! retry later, fix the configuration, or fix the data.

#[derive(Debug, Clone, thiserror::Error)]
pub enum OdooError {
    /// Network failure, timeout or 5xx: worth retrying with backoff.
    #[error("Odoo unreachable or failing ({0}); will retry")]
    Transient(String),
    /// Bad URL, database, login or API key: retrying won't help.
    #[error("Odoo refused the credentials: {0}")]
    Auth(String),
    /// The user lacks rights on a model.
    #[error("Odoo access denied: {0}")]
    Access(String),
    /// A module the push needs is not installed (sale_management, crm).
    #[error("Odoo is missing a module or model: {0}")]
    Missing(String),
    /// Odoo rejected the data (validation error, bad field).
    #[error("Odoo rejected the request: {0}")]
    Rejected(String),
    /// Odoo answered something that isn't Odoo (an HTML page, a proxy error...).
    #[error("unexpected answer from Odoo: {0}")]
    Protocol(String),
}

impl OdooError {
    pub fn is_transient(&self) -> bool {
        matches!(self, OdooError::Transient(_))
    }
}
