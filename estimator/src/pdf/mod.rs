//! The devis PDF: A4, DejaVu Sans embedded (subset) so accents, € and m² print and copy
//! everywhere, French by default and English on request.
//!
//! - [`format`]: money, quantities, rates and dates as French or English readers write them.
//! - [`text`]: the fixed wording, French and English.
//! - [`font`]: font metrics and the Type0 / CIDFontType2 embedding.
//! - [`layout`]: page geometry, drawing operations, wrapping and the flow across pages.
//! - [`table`]: the priced lines table, broken across pages between rows.
//! - [`devis`]: what goes where on the devis.
//! - [`writer`]: laid-out pages to PDF objects.
//!
//! The layout runs first, to completion, so the page count is known when footers are drawn;
//! then the glyphs actually used are subset and written.

mod devis;
mod font;
mod format;
mod layout;
mod table;
mod text;
mod writer;

use crate::error::Result;
use crate::estimate::Estimate;

/// Renders the estimate as a devis PDF. The output depends only on the estimate, apart from
/// the creation date of the Info dictionary.
pub fn render(estimate: &Estimate) -> Result<Vec<u8>> {
    let pages = devis::layout(estimate);
    let t = text::texts(estimate.english());
    let mut title = format!("{} {}", t.quote_short, estimate.reference);
    if !estimate.title.trim().is_empty() {
        title.push_str(" – ");
        title.push_str(estimate.title.trim());
    }
    writer::write(
        &pages,
        &writer::Meta {
            title,
            subject: estimate.title.trim().to_string(),
            author: estimate.firm.firm.name.clone(),
            created: chrono::Utc::now(),
        },
    )
}

#[cfg(test)]
mod tests;
