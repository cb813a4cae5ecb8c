//! The recorded exchanges the stand-in answers from (tests/fixtures/odoo19): exact bodies
//! for the version and authentication answers, templates for error bodies, and the master
//! data (units, taxes, CRM stages) of the recorded database.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

macro_rules! recorded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../fixtures/odoo19/", $name, ".json")))),*]
    };
}

const RECORDED: &[(&str, &str)] = recorded![
    "http_web_version",
    "xmlrpc_common_version",
    "jsonrpc_common_version",
    "json2_error_wrong_api_key",
    "json2_error_missing_authorization",
    "json2_error_unknown_database",
    "json2_error_get_instead_of_post",
    "json2_error_unknown_model",
    "json2_error_unknown_method",
    "json2_error_create_wrong_argument_name",
    "json2_error_ids_on_model_method",
    "json2_error_invalid_json_body",
    "json2_error_user_error_unlink_confirmed",
    "json2_error_validation_sale_order_without_partner",
    "json2_error_missing_record_write",
    "json2_error_access_limited_sale_order_create",
    "json2_error_bad_field_in_vals",
    "json2_error_unexpected_argument",
    "json2_uom_search_read",
    "json2_tax_search_read_sale",
    "json2_fresh_uom_search_read_with_inactive",
    "json2_fresh_tax_search_read_sale_with_inactive",
    "json2_fresh_decimal_precision_search_read",
    "json2_fresh_ir_model_data_uom",
    "json2_fresh_ir_module_module_search_read",
    "json2_crm_stage_search_read",
];

/// One recorded exchange, parsed.
pub fn exchange(name: &str) -> &'static Value {
    static PARSED: OnceLock<BTreeMap<&'static str, Value>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            RECORDED
                .iter()
                .map(|(n, text)| {
                    let v =
                        serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture {n}: {e}"));
                    (*n, v)
                })
                .collect()
        })
        .get(name)
        .unwrap_or_else(|| panic!("fixture {name} is not loaded by the stand-in"))
}

/// The exact response body of a recorded exchange.
pub fn body(name: &str) -> &'static str {
    exchange(name)["response"]["body"]
        .as_str()
        .unwrap_or_else(|| panic!("fixture {name} has no response body"))
}

/// The rows of a recorded search_read answer.
pub fn rows(name: &str) -> Vec<serde_json::Map<String, Value>> {
    match serde_json::from_str(body(name)) {
        Ok(Value::Array(rows)) => rows
            .into_iter()
            .filter_map(|r| match r {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => panic!("fixture {name} is not a list of records"),
    }
}
