//! The models the stand-in knows, with just the fields the connector and the recorded
//! exchanges use. Field names follow the server's major version: Odoo 19 renamed the order
//! line's `product_uom` / `tax_id` to `product_uom_id` / `tax_ids`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Char,
    Text,
    /// Plain text is wrapped in `<p>…</p>` (and escaped) on write, as Odoo's sanitizer does.
    Html,
    Int,
    Float,
    Bool,
    /// "YYYY-MM-DD".
    Date,
    Datetime,
    /// Base64 text (ir.attachment.datas).
    Binary,
    Selection(&'static [&'static str]),
    Many2one(&'static str),
    /// (comodel, inverse many2one)
    One2many(&'static str, &'static str),
    Many2many(&'static str),
    /// A record id in the model named by another field (res_id).
    Reference,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Odoo's label, used in "Missing required value for the field 'Customer' (partner_id)".
    pub label: &'static str,
    pub required: bool,
    /// Computed on read; writes to it are ignored.
    pub computed: bool,
    /// The model a selection error names (product.product's type lives on product.template).
    pub owner: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub name: &'static str,
    /// Odoo's `_description`, used in constraint messages.
    pub description: &'static str,
    /// Default `_order`.
    pub order: &'static str,
    /// Inherits mail.thread: has message_post.
    pub thread: bool,
    pub fields: Vec<Field>,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn has_active(&self) -> bool {
        self.field("active").is_some()
    }
}

fn field(name: &'static str, kind: Kind, label: &'static str) -> Field {
    Field {
        name,
        kind,
        label,
        required: false,
        computed: false,
        owner: None,
    }
}

fn required(mut f: Field) -> Field {
    f.required = true;
    f
}

fn computed(mut f: Field) -> Field {
    f.computed = true;
    f
}

fn model(
    name: &'static str,
    description: &'static str,
    order: &'static str,
    thread: bool,
    mut fields: Vec<Field>,
) -> Model {
    fields.insert(0, computed(field("id", Kind::Int, "ID")));
    fields.insert(
        1,
        computed(field("display_name", Kind::Char, "Display Name")),
    );
    Model {
        name,
        description,
        order,
        thread,
        fields,
    }
}

use Kind::*;

/// Every model of the stand-in, for a server of version `major`.
pub fn models(major: u32) -> BTreeMap<&'static str, Model> {
    let product_types: &'static [&'static str] = if major >= 18 {
        &["consu", "service", "combo"]
    } else {
        &["consu", "service"]
    };
    let (uom_field, tax_field) = if major >= 19 {
        ("product_uom_id", "tax_ids")
    } else {
        ("product_uom", "tax_id")
    };
    let mut line_fields = vec![
        required(field("order_id", Many2one("sale.order"), "Order Reference")),
        field("sequence", Int, "Sequence"),
        field(
            "display_type",
            Selection(&["line_section", "line_subsection", "line_note"]),
            "Display Type",
        ),
        required(field("name", Text, "Description")),
        field("product_id", Many2one("product.product"), "Product"),
        field("product_uom_qty", Float, "Quantity"),
        field(uom_field, Many2one("uom.uom"), "Unit"),
        field("price_unit", Float, "Unit Price"),
        field("discount", Float, "Discount (%)"),
        field(tax_field, Many2many("account.tax"), "Taxes"),
        field("customer_lead", Float, "Lead Time"),
        computed(field("price_subtotal", Float, "Subtotal")),
        computed(field("price_tax", Float, "Total Tax")),
        computed(field("price_total", Float, "Total")),
        computed(field(
            "state",
            Selection(&["draft", "sent", "sale", "cancel"]),
            "Order Status",
        )),
    ];
    if major >= 19 {
        // sale_management: lines under an optional section are optional in the portal.
        line_fields.push(field("is_optional", Bool, "Optional Line"));
    }
    let mut product = vec![
        required(field("name", Char, "Name")),
        field("default_code", Char, "Internal Reference"),
        field("type", Selection(product_types), "Product Type"),
        field("list_price", Float, "Sales Price"),
        field("standard_price", Float, "Cost"),
        field("uom_id", Many2one("uom.uom"), "Unit"),
        field("sale_ok", Bool, "Can be Sold"),
        field("purchase_ok", Bool, "Can be Purchased"),
        field("description_sale", Text, "Sales Description"),
        field("taxes_id", Many2many("account.tax"), "Sales Taxes"),
        field("active", Bool, "Active"),
    ];
    product[2].owner = Some("product.template");
    let all = vec![
        model(
            "res.partner",
            "Contact",
            "complete_name asc, id desc",
            true,
            vec![
                required(field("name", Char, "Name")),
                field("street", Char, "Street"),
                field("street2", Char, "Street2"),
                field("zip", Char, "Zip"),
                field("city", Char, "City"),
                field("email", Char, "Email"),
                field("phone", Char, "Phone"),
                field("vat", Char, "Tax ID"),
                field("is_company", Bool, "Is a Company"),
                field("active", Bool, "Active"),
            ],
        ),
        model(
            "res.currency",
            "Currency",
            "active desc, name",
            false,
            vec![required(field("name", Char, "Currency"))],
        ),
        model(
            "product.product",
            "Product Variant",
            "default_code, name, id",
            true,
            product,
        ),
        model(
            "uom.uom",
            "Product Unit of Measure",
            "sequence, relative_uom_id, id",
            false,
            vec![
                required(field("name", Char, "Unit Name")),
                field("active", Bool, "Active"),
            ],
        ),
        model(
            "res.company",
            "Companies",
            "sequence, name",
            false,
            vec![
                required(field("name", Char, "Company Name")),
                field("currency_id", Many2one("res.currency"), "Currency"),
                field(
                    "tax_calculation_rounding_method",
                    Selection(&["round_per_line", "round_globally"]),
                    "Tax Calculation Rounding Method",
                ),
            ],
        ),
        model(
            "decimal.precision",
            "Decimal Precision",
            "id",
            false,
            vec![
                required(field("name", Char, "Usage")),
                field("digits", Int, "Digits"),
            ],
        ),
        model(
            "ir.model.data",
            "Model Data",
            "module, model, name",
            false,
            vec![
                required(field("name", Char, "External Identifier")),
                required(field("module", Char, "Module")),
                required(field("model", Char, "Model Name")),
                field("res_id", Reference, "Record ID"),
            ],
        ),
        model(
            "ir.module.module",
            "Module",
            "application desc, sequence, name",
            false,
            vec![
                required(field("name", Char, "Technical Name")),
                field(
                    "state",
                    Selection(&[
                        "uninstallable",
                        "uninstalled",
                        "installed",
                        "to upgrade",
                        "to remove",
                        "to install",
                    ]),
                    "Status",
                ),
            ],
        ),
        model(
            "account.tax",
            "Tax",
            "sequence,id",
            false,
            vec![
                required(field("name", Char, "Tax Name")),
                field("amount", Float, "Amount"),
                field(
                    "amount_type",
                    Selection(&["group", "fixed", "percent", "division"]),
                    "Tax Computation",
                ),
                field("price_include", Bool, "Included in Price"),
                field("tax_scope", Selection(&["service", "consu"]), "Tax Scope"),
                field("company_id", Many2one("res.company"), "Company"),
                field(
                    "type_tax_use",
                    Selection(&["sale", "purchase", "none"]),
                    "Tax Type",
                ),
                field("active", Bool, "Active"),
            ],
        ),
        model(
            "crm.stage",
            "CRM Stages",
            "sequence, name, id",
            false,
            vec![
                required(field("name", Char, "Stage Name")),
                field("sequence", Int, "Sequence"),
            ],
        ),
        model(
            "project.project",
            "Project",
            "sequence, name, id",
            true,
            vec![
                required(field("name", Char, "Name")),
                field("partner_id", Many2one("res.partner"), "Customer"),
                field("active", Bool, "Active"),
                field("task_ids", One2many("project.task", "project_id"), "Tasks"),
            ],
        ),
        model(
            "project.task",
            "Task",
            "priority desc, sequence, date_deadline asc, id desc",
            true,
            vec![
                required(field("name", Char, "Title")),
                field("project_id", Many2one("project.project"), "Project"),
                field("description", Html, "Description"),
                field("priority", Selection(&["0", "1"]), "Priority"),
                field("partner_id", Many2one("res.partner"), "Customer"),
                field("sequence", Int, "Sequence"),
                field("date_deadline", Datetime, "Deadline"),
                // Written by message_subscribe, read-only to create and write, as in Odoo.
                computed(field(
                    "message_partner_ids",
                    Many2many("res.partner"),
                    "Followers (Partners)",
                )),
                field("active", Bool, "Active"),
            ],
        ),
        model(
            "crm.lead",
            "Lead",
            "priority desc, id desc",
            true,
            vec![
                required(field("name", Char, "Opportunity")),
                field("type", Selection(&["lead", "opportunity"]), "Type"),
                field("priority", Selection(&["0", "1", "2", "3"]), "Priority"),
                field("partner_id", Many2one("res.partner"), "Customer"),
                field("partner_name", Char, "Company Name"),
                field("contact_name", Char, "Contact Name"),
                field("email_from", Char, "Email"),
                field("phone", Char, "Phone"),
                field("street", Char, "Street"),
                field("zip", Char, "Zip"),
                field("city", Char, "City"),
                field("description", Html, "Notes"),
                field("stage_id", Many2one("crm.stage"), "Stage"),
                field("expected_revenue", Float, "Expected Revenue"),
                field(
                    "order_ids",
                    One2many("sale.order", "opportunity_id"),
                    "Orders",
                ),
                field("active", Bool, "Active"),
            ],
        ),
        model(
            "sale.order",
            "Sales Order",
            "date_order desc, id desc",
            true,
            vec![
                field("name", Char, "Order Reference"),
                field(
                    "state",
                    Selection(&["draft", "sent", "sale", "cancel"]),
                    "Status",
                ),
                required(field("partner_id", Many2one("res.partner"), "Customer")),
                field("client_order_ref", Char, "Customer Reference"),
                field("company_id", Many2one("res.company"), "Company"),
                field("opportunity_id", Many2one("crm.lead"), "Opportunity"),
                field("validity_date", Date, "Expiration"),
                field("date_order", Datetime, "Order Date"),
                field("note", Html, "Terms and conditions"),
                field(
                    "order_line",
                    One2many("sale.order.line", "order_id"),
                    "Order Lines",
                ),
                field("currency_id", Many2one("res.currency"), "Currency"),
                computed(field("amount_untaxed", Float, "Untaxed Amount")),
                computed(field("amount_tax", Float, "Taxes")),
                computed(field("amount_total", Float, "Total")),
            ],
        ),
        model(
            "sale.order.line",
            "Sales Order Line",
            "order_id, sequence, id",
            false,
            line_fields,
        ),
        model(
            "ir.attachment",
            "Attachment",
            "id desc",
            false,
            vec![
                required(field("name", Char, "Name")),
                field("type", Selection(&["url", "binary"]), "Type"),
                field("datas", Binary, "File Content (base64)"),
                field("url", Char, "Url"),
                field("res_model", Char, "Resource Model"),
                field("res_id", Reference, "Resource ID"),
                field("mimetype", Char, "Mime Type"),
                field("description", Text, "Description"),
                field("public", Bool, "Is public document"),
                computed(field("file_size", Int, "File Size")),
            ],
        ),
        model(
            "mail.message.subtype",
            "Message subtypes",
            "sequence, id",
            false,
            vec![required(field("name", Char, "Message Type"))],
        ),
        model(
            "mail.message",
            "Message",
            "id desc",
            false,
            vec![
                field("model", Char, "Related Document Model"),
                field("res_id", Reference, "Related Document ID"),
                field("subject", Char, "Subject"),
                field("body", Html, "Contents"),
                required(field(
                    "message_type",
                    Selection(&[
                        "email",
                        "comment",
                        "email_outgoing",
                        "notification",
                        "auto_comment",
                        "user_notification",
                        "out_of_office",
                    ]),
                    "Type",
                )),
                field("subtype_id", Many2one("mail.message.subtype"), "Subtype"),
                field("attachment_ids", Many2many("ir.attachment"), "Attachments"),
                field("author_id", Many2one("res.partner"), "Author"),
                field("date", Datetime, "Date"),
            ],
        ),
    ];
    all.into_iter().map(|m| (m.name, m)).collect()
}
