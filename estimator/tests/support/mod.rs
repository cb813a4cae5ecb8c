//! Shared by the Odoo connector tests: a stand-in Odoo server and the estimates pushed to it.

#![allow(dead_code)]

pub mod devis;
pub mod odoo_standin;
