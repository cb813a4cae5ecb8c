//! What the estimator decides per estimate: client, site, rates, VAT regime, payment terms.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{EstimatorError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "fr" | "fr_fr" | "fr-fr" | "french" => Some(Language::Fr),
            "en" | "en_us" | "en-gb" | "en_gb" | "en-us" | "english" => Some(Language::En),
            _ => None,
        }
    }
}

/// Which VAT rates the works qualify for; decided per project, not per item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRegime {
    /// New building or non-residential works: 20 % on every line.
    #[default]
    Standard,
    /// Works on a dwelling completed more than two years ago: 10 % and 5.5 % (energy) lines,
    /// 20 % for items that never qualify. The client's certification is printed.
    Renovation,
    /// Sub-contracting in construction: no VAT invoiced, the main contractor pays it
    /// (autoliquidation, CGI art. 283-2 nonies).
    ReverseCharge,
}

/// How the untaxed total and the VAT are rounded: Odoo's `tax_calculation_rounding_method`,
/// so that a quotation pushed to Odoo adds up to the same cents as the devis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// Lines are summed unrounded, the total HT and each rate's VAT rounded once (the
    /// French chart of accounts' default in Odoo). The devis shows the few cents between its
    /// lines and its total HT as a rounding row.
    #[default]
    #[serde(alias = "round_globally", alias = "global")]
    Globally,
    /// Each line and each line's VAT is rounded, then summed.
    #[serde(alias = "round_per_line")]
    PerLine,
}

impl TaxRounding {
    /// Odoo's name for the method.
    pub fn odoo_name(self) -> &'static str {
        match self {
            TaxRounding::Globally => "round_globally",
            TaxRounding::PerLine => "round_per_line",
        }
    }

    /// From Odoo's name (or ours).
    pub fn parse(s: &str) -> Option<TaxRounding> {
        match s.trim().to_ascii_lowercase().as_str() {
            "round_globally" | "globally" | "global" => Some(TaxRounding::Globally),
            "round_per_line" | "per_line" | "per-line" => Some(TaxRounding::PerLine),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Party {
    pub name: String,
    pub address: Vec<String>,
    pub email: String,
    pub phone: String,
    /// A company (B2B terms, late-payment fee) or a consumer (mediator, withdrawal right).
    pub is_company: bool,
    pub siret: String,
    pub vat_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Installment {
    pub label_fr: String,
    pub label_en: String,
    pub rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EstimateSettings {
    pub language: Language,
    /// Nature of the works, the devis title.
    pub title: String,
    pub client: Party,
    pub site_address: Vec<String>,
    /// Date of the devis; today when absent.
    pub date: Option<NaiveDate>,
    /// Days the offer stays valid; the firm's default when absent.
    pub validity_days: Option<u32>,
    pub vat_regime: VatRegime,
    /// Site and general overheads on cost (frais de chantier et frais généraux).
    pub overhead_rate: Decimal,
    /// Allowance for unforeseen works (aléas).
    pub contingency_rate: Decimal,
    /// Profit (bénéfice).
    pub margin_rate: Decimal,
    /// Decimals of printed quantities (2 = centimetres and cm²).
    pub quantity_decimals: u32,
    /// Retenue de garantie, at most 5 % (loi n° 71-584).
    pub retenue_rate: Decimal,
    /// Deposit at signature; the firm's default when absent.
    pub deposit_rate: Option<Decimal>,
    /// Installments after the deposit; rates with the deposit sum to 1. Empty: the balance
    /// is due at reception of the works.
    pub schedule: Vec<Installment>,
    /// Whether the estimate itself is free; the firm's default when absent.
    pub free_estimate: Option<bool>,
    /// Condition clause ids; the library's defaults when absent.
    pub clauses: Option<Vec<String>>,
    /// The Odoo opportunity (crm.lead id) this estimate answers.
    pub opportunity_id: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub duration_weeks: Option<u32>,
    /// How totals are rounded; the firm's (or the connected Odoo company's) when absent. Fixed
    /// once priced, so a re-pricing keeps the method the devis was issued with.
    pub tax_rounding: Option<TaxRounding>,
}

impl Default for EstimateSettings {
    fn default() -> Self {
        Self {
            language: Language::Fr,
            title: String::new(),
            client: Party::default(),
            site_address: Vec::new(),
            date: None,
            validity_days: None,
            vat_regime: VatRegime::Standard,
            overhead_rate: Decimal::new(15, 2),
            contingency_rate: Decimal::new(3, 2),
            margin_rate: Decimal::new(8, 2),
            quantity_decimals: 2,
            retenue_rate: Decimal::ZERO,
            deposit_rate: None,
            schedule: Vec::new(),
            free_estimate: None,
            clauses: None,
            opportunity_id: None,
            start_date: None,
            duration_weeks: None,
            tax_rounding: None,
        }
    }
}

impl EstimateSettings {
    /// Rejects settings no devis could be issued with.
    pub fn check(&self) -> Result<()> {
        let rate = |what: &str, r: Decimal, max: Decimal| {
            if r.is_sign_negative() && !r.is_zero() || r > max {
                Err(EstimatorError::Invalid(format!(
                    "{what} must be between 0 and {max}, got {r}"
                )))
            } else {
                Ok(())
            }
        };
        rate("overhead_rate", self.overhead_rate, Decimal::ONE)?;
        rate("contingency_rate", self.contingency_rate, Decimal::ONE)?;
        rate("margin_rate", self.margin_rate, Decimal::ONE)?;
        rate("retenue_rate", self.retenue_rate, Decimal::new(5, 2)).map_err(|_| {
            EstimatorError::Invalid(format!(
                "retenue_rate is capped at 5 % by law (loi n° 71-584), got {}",
                self.retenue_rate
            ))
        })?;
        if let Some(d) = self.deposit_rate {
            rate("deposit_rate", d, Decimal::ONE)?;
        }
        if self.vat_regime == VatRegime::ReverseCharge && !self.client.is_company {
            return Err(EstimatorError::Invalid(
                "reverse charge (autoliquidation) applies between businesses: the client must be a company".into(),
            ));
        }
        if self.quantity_decimals > 4 {
            return Err(EstimatorError::Invalid(
                "quantity_decimals must be at most 4".into(),
            ));
        }
        let mut sum = self.deposit_rate.unwrap_or_default();
        for i in &self.schedule {
            rate(&format!("schedule {:?}", i.label_fr), i.rate, Decimal::ONE)?;
            sum += i.rate;
        }
        if !self.schedule.is_empty() && self.deposit_rate.is_some() && sum != Decimal::ONE {
            return Err(EstimatorError::Invalid(format!(
                "the deposit and the payment schedule add up to {sum}, not 1"
            )));
        }
        Ok(())
    }
}
