//! From takeoff quantities to a priced, legally complete devis, and into Odoo.
//!
//! - [`library`]: price libraries (CSV, TOML, FIEBDC-3).
//! - [`rules`]: mapping rules from takeoff quantities to price items.
//! - [`estimate`]: lots, lines, totals, VAT regimes, payment terms.
//! - [`clauses`] and [`profile`]: the legal mentions and the firm's identity.
//! - [`export`]: DPGF / DQE as CSV and XLSX, and JSON.
//! - [`pdf`]: the devis PDF.
//! - [`store`]: durable estimates, proposals and the Odoo outbox (SQLite or PostgreSQL).
//! - [`odoo`]: the Odoo connector (JSON-2, XML-RPC, JSON-RPC).

pub mod app;
pub mod clauses;
mod error;
pub mod estimate;
pub mod export;
pub mod library;
pub mod odoo;
pub mod pdf;
pub mod profile;
pub mod rules;
pub mod store;

pub use error::{EstimatorError, Position, Result};
