//! The firm's identity, insurer and default terms: the mentions French law requires on every
//! devis, kept in one reviewed file instead of typed into each estimate.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{EstimatorError, Result};

pub const SAMPLE_FIRM_TOML: &str = include_str!("../../datasets/firms/exemple.toml");

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Firm {
    pub name: String,
    pub legal_form: String,
    pub capital: String,
    pub address: Vec<String>,
    pub siret: String,
    pub rcs: String,
    pub vat_number: String,
    pub ape: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub iban: String,
}

/// The ten-year (décennale) insurer: name, address and geographic coverage must be printed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Insurer {
    pub name: String,
    pub address: String,
    pub policy: String,
    pub coverage_area: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mediator {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Terms {
    pub validity_days: u32,
    pub deposit_rate: Decimal,
    pub late_penalty_rate: String,
    pub recovery_fee: String,
    pub free_estimate: bool,
    pub quote_fee: String,
    /// How the firm rounds totals (as its Odoo company does); when absent, the connected Odoo
    /// company's method, else globally.
    pub tax_rounding: Option<crate::estimate::TaxRounding>,
}

impl Default for Terms {
    fn default() -> Self {
        Self {
            validity_days: 90,
            deposit_rate: Decimal::new(30, 2),
            late_penalty_rate: "3 fois le taux d'intérêt légal".into(),
            recovery_fee: "40 €".into(),
            free_estimate: true,
            quote_fee: "0 €".into(),
            tax_rounding: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FirmProfile {
    pub firm: Firm,
    #[serde(default)]
    pub insurer: Insurer,
    #[serde(default)]
    pub mediator: Mediator,
    #[serde(default)]
    pub terms: Terms,
}

impl FirmProfile {
    pub fn sample() -> FirmProfile {
        FirmProfile::from_toml_str(SAMPLE_FIRM_TOML, "exemple.toml")
            .expect("the bundled firm profile is valid (checked by tests)")
    }

    pub fn from_toml_str(text: &str, file: &str) -> Result<FirmProfile> {
        let p: FirmProfile =
            toml::from_str(text).map_err(|e| crate::library::toml_error(text, file, &e))?;
        p.check()
            .map_err(|r| EstimatorError::input(file, 0, 0, r))?;
        Ok(p)
    }

    pub fn from_path(path: &std::path::Path) -> Result<FirmProfile> {
        let text = std::fs::read_to_string(path).map_err(|source| EstimatorError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        FirmProfile::from_toml_str(&text, &path.display().to_string())
    }

    /// The identity fields a devis may not omit.
    pub fn check(&self) -> std::result::Result<(), String> {
        let f = &self.firm;
        let missing: Vec<&str> = [
            ("firm.name", f.name.is_empty()),
            ("firm.legal_form", f.legal_form.is_empty()),
            ("firm.address", f.address.is_empty()),
            ("firm.siret", f.siret.is_empty()),
            ("firm.vat_number", f.vat_number.is_empty()),
            ("insurer.name", self.insurer.name.is_empty()),
            (
                "insurer.coverage_area",
                self.insurer.coverage_area.is_empty(),
            ),
        ]
        .into_iter()
        .filter_map(|(k, m)| m.then_some(k))
        .collect();
        if !missing.is_empty() {
            return Err(format!("required for a devis: {}", missing.join(", ")));
        }
        let digits: String = f.siret.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 14 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("firm.siret must have 14 digits, got {:?}", f.siret));
        }
        if self.terms.deposit_rate.is_sign_negative() || self.terms.deposit_rate > Decimal::ONE {
            return Err("terms.deposit_rate must be in [0, 1]".into());
        }
        Ok(())
    }
}
