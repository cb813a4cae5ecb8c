//! Model methods beyond the CRUD: `message_post` and `message_subscribe` (mail.thread) and
//! the sale order's state changes.

use serde_json::{Value, json};

use super::super::domain::Records;
use super::super::fault::Fault;
use super::super::python;
use super::{Db, Record, ids_in, truthy};

impl Db {
    /// Adds partners to the records' followers, as `mail.thread.message_subscribe` does;
    /// a partner already following is not added twice.
    pub(super) fn message_subscribe(
        &mut self,
        model: &'static str,
        ids: &[i64],
        a: &Record,
    ) -> Result<(), Fault> {
        let partners = a.get("partner_ids").map(ids_in).unwrap_or_default();
        for p in &partners {
            if !self.exists("res.partner", *p) {
                return Err(Fault::Missing(format!(
                    "Record does not exist or has been deleted.\n(Record: res.partner({p},), User: {})",
                    self.uid
                )));
            }
        }
        for id in ids {
            if !self.exists(model, *id) {
                return Err(Fault::Missing(format!(
                    "Record does not exist or has been deleted.\n(Record: {}, User: {})",
                    python::recordset(model, &[*id]),
                    self.uid
                )));
            }
            let mut followers = ids_in(&self.stored(model, *id, "message_partner_ids"));
            for p in &partners {
                if !followers.contains(p) {
                    followers.push(*p);
                }
            }
            self.set(model, *id, "message_partner_ids", json!(followers));
        }
        Ok(())
    }

    pub(super) fn message_post(
        &mut self,
        model: &'static str,
        ids: &[i64],
        a: &Record,
    ) -> Result<i64, Fault> {
        if ids.len() != 1 {
            return Err(Fault::Value(format!(
                "Expected singleton: {}",
                python::recordset(model, ids)
            )));
        }
        let id = ids[0];
        if !self.exists(model, id) {
            return Err(Fault::Missing(format!(
                "Record does not exist or has been deleted.\n(Record: {}, User: {})",
                python::recordset(model, ids),
                self.uid
            )));
        }
        let body = a.get("body").and_then(Value::as_str).unwrap_or_default();
        let body = if a.get("body_is_html").is_some_and(truthy) || body.is_empty() {
            body.to_string()
        } else {
            format!("<p>{}</p>", python::escape_html(body))
        };
        let subtype = match a.get("subtype_xmlid").and_then(Value::as_str) {
            None | Some("mail.mt_note") => 2,
            Some("mail.mt_comment") => 1,
            Some("mail.mt_activities") => 3,
            Some(other) => {
                return Err(Fault::Value(format!(
                    "External ID not found in the system: {other}"
                )));
            }
        };
        let attachments = a.get("attachment_ids").map(ids_in).unwrap_or_default();
        for att in &attachments {
            if !self.exists("ir.attachment", *att) {
                return Err(Fault::Missing(format!(
                    "Record does not exist or has been deleted.\n(Record: {}, User: {})",
                    python::recordset("ir.attachment", &[*att]),
                    self.uid
                )));
            }
            // Attachments not yet on a record are moved onto the thread.
            if self
                .stored("ir.attachment", *att, "res_id")
                .as_i64()
                .unwrap_or(0)
                == 0
            {
                self.set("ir.attachment", *att, "res_model", json!(model));
                self.set("ir.attachment", *att, "res_id", json!(id));
            }
        }
        let vals = json!({
            "model": model,
            "res_id": id,
            "body": body,
            "message_type": a.get("message_type").cloned().unwrap_or(json!("notification")),
            "subtype_id": subtype,
            "attachment_ids": [[6, 0, attachments]],
            "subject": a.get("subject").cloned().unwrap_or(Value::Bool(false)),
        });
        let Value::Object(vals) = vals else {
            unreachable!()
        };
        self.create("mail.message", &vals)
    }

    pub(super) fn set_order_state(
        &mut self,
        ids: &[i64],
        from: &[&str],
        to: &str,
    ) -> Result<(), Fault> {
        for id in ids {
            if !self.exists("sale.order", *id) {
                return Err(Fault::Missing(format!(
                    "Record does not exist or has been deleted.\n(Record: {}, User: {})",
                    python::recordset("sale.order", &[*id]),
                    self.uid
                )));
            }
            let state = self.stored("sale.order", *id, "state");
            if !from.contains(&state.as_str().unwrap_or_default()) {
                return Err(Fault::User(format!(
                    "The following orders are not in a state requiring confirmation: {}",
                    self.display_name("sale.order", *id)
                )));
            }
            self.set("sale.order", *id, "state", json!(to));
        }
        Ok(())
    }
}
