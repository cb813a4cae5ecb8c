//! Reading an opportunity and the plans attached to it, for proposals Odoo asks for.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{OdooClient, OdooError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: i64,
    pub name: String,
    pub partner_name: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub zip: String,
    pub city: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    pub bytes: Vec<u8>,
}

fn text(v: &serde_json::Value, k: &str) -> String {
    // Odoo sends False for empty fields.
    v[k].as_str().unwrap_or_default().to_string()
}

pub async fn read_lead(odoo: &OdooClient, id: i64) -> Result<Lead, OdooError> {
    let rows = odoo
        .search_read(
            "crm.lead",
            json!([["id", "=", id]]),
            &[
                "id",
                "name",
                "partner_name",
                "contact_name",
                "email_from",
                "phone",
                "street",
                "zip",
                "city",
                "description",
            ],
            Some(1),
        )
        .await?;
    let v = rows
        .first()
        .ok_or_else(|| OdooError::Rejected(format!("crm.lead {id} does not exist")))?;
    Ok(Lead {
        id,
        name: text(v, "name"),
        partner_name: text(v, "partner_name"),
        contact_name: text(v, "contact_name"),
        email: text(v, "email_from"),
        phone: text(v, "phone"),
        street: text(v, "street"),
        zip: text(v, "zip"),
        city: text(v, "city"),
        description: text(v, "description"),
    })
}

/// The lead's attachments whose names say they are plans chantier can read. Sizes are
/// checked before any content is downloaded: a lead may also carry videos and photos.
pub async fn plans(
    odoo: &OdooClient,
    lead: i64,
    extensions: &[&str],
    max_bytes: u64,
) -> Result<Vec<Attachment>, OdooError> {
    let rows = odoo
        .search_read(
            "ir.attachment",
            json!([["res_model", "=", "crm.lead"], ["res_id", "=", lead]]),
            &["id", "name", "file_size"],
            None,
        )
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let name = text(&r, "name");
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if !extensions.contains(&ext.as_str()) {
            continue;
        }
        let size = r["file_size"].as_u64().unwrap_or(0);
        if size > max_bytes {
            return Err(OdooError::Rejected(format!(
                "attachment {name} is {size} bytes, over the upload limit of {max_bytes}"
            )));
        }
        let id = r["id"].as_i64().unwrap_or_default();
        let content = odoo
            .search_read(
                "ir.attachment",
                json!([["id", "=", id]]),
                &["datas"],
                Some(1),
            )
            .await?;
        let datas = content
            .first()
            .and_then(|c| c["datas"].as_str())
            .ok_or_else(|| OdooError::Protocol(format!("attachment {name} has no content")))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(datas)
            .map_err(|e| OdooError::Protocol(format!("attachment {name}: bad base64: {e}")))?;
        out.push(Attachment { id, name, bytes });
    }
    Ok(out)
}
