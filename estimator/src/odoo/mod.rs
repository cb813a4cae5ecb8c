//! The Odoo connector: transports, pushing quotations, reading opportunities, incidents.

mod client;
mod error;
pub mod incident;
pub mod lead;
mod push;
mod xmlrpc;

pub use client::{OdooClient, OdooConfig, Server, Transport};
pub use error::OdooError;
pub use push::{PushOutcome, push_estimate};
