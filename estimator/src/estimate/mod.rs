//! Priced estimates: lots, lines, totals, VAT and payment terms — the content of a devis,
//! independent of how it is printed or exported.

mod compute;
mod settings;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::clauses::RenderedClause;
use crate::library::{LibraryInfo, Lot, PriceItem, PriceLibrary, Unit, VatCategory};
use crate::profile::FirmProfile;
use crate::rules::{Measured, SourceRef, Unmatched};

pub use compute::{Inputs, build, reprice};
pub use settings::{EstimateSettings, Installment, Language, Party, TaxRounding, VatRegime};

/// A document the estimate was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub file: String,
    pub format: String,
    pub bytes: u64,
    /// SHA-256 of the content: the same plans give the same estimate, and a changed plan is
    /// visible.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// "lot.line", e.g. "3.2", as printed.
    pub number: String,
    /// Price item code.
    pub code: String,
    pub designation: String,
    /// Storey or type the line is restricted to, when the rule splits by it.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub group: String,
    pub unit: Unit,
    pub quantity: Decimal,
    /// Selling unit price excl. VAT.
    pub unit_price: Decimal,
    /// quantity x unit_price, rounded to the cent.
    pub total: Decimal,
    /// 0.20, 0.10, 0.055, or 0 under reverse charge.
    pub vat_rate: Decimal,
    pub vat_category: VatCategory,
    /// Cost (déboursé) unit price before overheads, contingency and margin.
    pub cost_unit_price: Decimal,
    pub labour_hours: Decimal,
    pub rule: String,
    pub confidence: f64,
    pub provenance: Vec<SourceRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotSection {
    pub code: String,
    pub name: String,
    pub lines: Vec<Line>,
    pub total_ht: Decimal,
}

/// VAT for one rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VatAmount {
    pub rate: Decimal,
    pub base_ht: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub total_ht: Decimal,
    pub vat: Vec<VatAmount>,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    /// Total HT minus the sum of the lots: the cents global rounding moves (zero when
    /// every line is rounded).
    #[serde(default)]
    pub rounding_adjustment: Decimal,
}

/// An option priced beside the base (a heat pump instead of electric heaters...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub name: String,
    pub lots: Vec<LotSection>,
    pub totals: Totals,
}

/// How the selling price is built from costs, for the firm's eyes (not printed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub cost_ht: Decimal,
    pub labour_hours: Decimal,
    /// Selling price / cost (coefficient de vente).
    pub coefficient: Decimal,
    pub overhead: Decimal,
    pub contingency: Decimal,
    pub margin: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub label: String,
    pub rate: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub id: String,
    /// The number printed on the devis, e.g. "DEV-2026-3F2A9C1B".
    pub reference: String,
    /// 1 for the first pricing, +1 for each re-pricing.
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub date: NaiveDate,
    pub valid_until: NaiveDate,
    pub language: Language,
    pub currency: String,
    pub title: String,
    pub firm: FirmProfile,
    pub client: Party,
    pub site_address: Vec<String>,
    pub library: String,
    pub library_note: String,
    pub rules: String,
    pub documents: Vec<Document>,
    pub lots: Vec<LotSection>,
    pub variants: Vec<Variant>,
    pub total_ht: Decimal,
    /// Total HT minus the sum of the lots (see [`TaxRounding::Globally`]); printed as a
    /// rounding row so the devis adds up on paper.
    #[serde(default)]
    pub rounding_adjustment: Decimal,
    pub vat: Vec<VatAmount>,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    pub vat_regime: VatRegime,
    pub breakdown: Breakdown,
    pub retenue_rate: Decimal,
    pub retenue_amount: Decimal,
    pub payments: Vec<PaymentLine>,
    pub free_estimate: bool,
    /// Legal mentions, in the estimate's language, in print order.
    pub mentions: Vec<RenderedClause>,
    /// Conditions selected for this estimate.
    pub conditions: Vec<RenderedClause>,
    /// What no rule priced, for the estimator to review.
    pub unmatched: Vec<Unmatched>,
    pub warnings: Vec<String>,
    /// The measured quantities, kept so the estimate can be re-priced without the documents.
    pub measured: Vec<Measured>,
    /// The price items and lots the estimate was priced with, so re-pricing new terms or
    /// rendering another language keeps the library the estimator chose.
    #[serde(default)]
    pub library_items: Vec<PriceItem>,
    #[serde(default)]
    pub library_lots: Vec<Lot>,
    #[serde(default)]
    pub library_info: Option<LibraryInfo>,
    pub settings: EstimateSettings,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub opportunity_id: Option<i64>,
}

impl Estimate {
    pub fn english(&self) -> bool {
        self.language == Language::En
    }

    /// The library this estimate was priced with (its items used), when it was kept.
    pub fn library_snapshot(&self) -> Option<PriceLibrary> {
        let info = self.library_info.clone()?;
        PriceLibrary::new(info, self.library_lots.clone(), self.library_items.clone()).ok()
    }

    /// How this estimate's totals were rounded; `None` for estimates priced before the
    /// method was recorded.
    pub fn tax_rounding(&self) -> Option<TaxRounding> {
        self.settings.tax_rounding
    }

    /// Every priced line of the base, in print order.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lots.iter().flat_map(|l| l.lines.iter())
    }
}
