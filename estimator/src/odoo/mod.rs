//! The Odoo connector: transports, pushing quotations, reading opportunities, incidents.

mod client;
mod error;
pub mod incident;
pub mod lead;
mod order;
mod push;
pub mod setup;
mod xmlrpc;

pub use client::{EditedDraft, OdooClient, OdooConfig, Server, Transport};
pub use error::OdooError;
pub use push::{Previous, PushOutcome, push_estimate};
