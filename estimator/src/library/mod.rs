//! Price libraries: the firm's priced items (ouvrages), read from CSV, TOML or FIEBDC-3.
//!
//! Prices are `Decimal`, never floats: a devis is a contract and its totals must add up to the
//! cent whichever order lines are summed in.

mod bc3;
mod csv;
mod lots;
mod toml;

pub(crate) use toml::toml_error;

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{EstimatorError, Result};

pub use lots::{Lot, standard_lots};

/// The units a devis line may be expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Each (unité).
    U,
    /// Linear metre (mètre linéaire).
    Ml,
    M2,
    M3,
    Kg,
    H,
    /// Lump sum (ensemble / forfait).
    Ens,
}

impl Unit {
    pub const ALL: [Unit; 7] = [
        Unit::U,
        Unit::Ml,
        Unit::M2,
        Unit::M3,
        Unit::Kg,
        Unit::H,
        Unit::Ens,
    ];

    /// Reads the spellings found in French price databases ("m²", "ML", "forfait", "pce"...).
    pub fn parse(s: &str) -> Option<Unit> {
        let t = s.trim().to_lowercase();
        Some(match t.as_str() {
            "u" | "un" | "unité" | "unite" | "pce" | "pc" | "pièce" | "piece" | "nr" | "ud" => {
                Unit::U
            }
            "ml" | "m" | "mètre" | "metre" | "m.l." => Unit::Ml,
            "m2" | "m²" | "m^2" => Unit::M2,
            "m3" | "m³" | "m^3" => Unit::M3,
            "kg" => Unit::Kg,
            "h" | "heure" | "hr" => Unit::H,
            "ens" | "ft" | "forfait" | "fft" | "ensemble" | "pa" => Unit::Ens,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::U => "u",
            Unit::Ml => "ml",
            Unit::M2 => "m2",
            Unit::M3 => "m3",
            Unit::Kg => "kg",
            Unit::H => "h",
            Unit::Ens => "ens",
        }
    }

    /// How the unit is printed on a devis.
    pub fn label(self) -> &'static str {
        match self {
            Unit::U => "u",
            Unit::Ml => "ml",
            Unit::M2 => "m²",
            Unit::M3 => "m³",
            Unit::Kg => "kg",
            Unit::H => "h",
            Unit::Ens => "ens",
        }
    }

    /// The takeoff unit ("m", "m2", "m3", "kg", "u") a quantity must have to price this unit.
    pub fn takeoff_unit(self) -> &'static str {
        match self {
            Unit::U | Unit::Ens => "u",
            Unit::Ml => "m",
            Unit::M2 => "m2",
            Unit::M3 => "m3",
            Unit::Kg => "kg",
            Unit::H => "h",
        }
    }
}

/// The VAT treatment an item qualifies for when the works allow a reduced rate.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum VatCategory {
    /// 20 % whatever the works.
    #[default]
    Standard,
    /// 10 % on improvement, conversion and maintenance works in dwellings over two years old.
    Renovation,
    /// 5.5 % on energy-renovation works (CGI art. 278-0 bis A) in the same dwellings.
    Energy,
}

impl VatCategory {
    pub fn parse(s: &str) -> Option<VatCategory> {
        match s.trim().to_lowercase().as_str() {
            "" | "standard" | "normal" | "20" | "20%" => Some(VatCategory::Standard),
            "renovation" | "rénovation" | "intermediate" | "10" | "10%" => {
                Some(VatCategory::Renovation)
            }
            "energy" | "energie" | "énergie" | "reduced" | "5.5" | "5,5" | "5.5%" => {
                Some(VatCategory::Energy)
            }
            _ => None,
        }
    }
}

/// One priced item (ouvrage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceItem {
    pub code: String,
    /// Lot (trade) code, e.g. "GO", "PLA"; see [`standard_lots`].
    pub lot: String,
    pub designation_fr: String,
    pub designation_en: String,
    pub unit: Unit,
    /// Supplies per unit, before waste, excl. VAT.
    pub material_cost: Decimal,
    /// Labour hours per unit.
    pub labour_hours: Decimal,
    /// Hourly labour rate excl. VAT (the library's rate unless the item sets its own).
    pub hourly_rate: Decimal,
    /// Share of supplies lost to cutting and breakage (0.05 = 5 %), priced into the unit
    /// price so that devis quantities stay the measured ones the client can check.
    pub waste: Decimal,
    pub vat: VatCategory,
    /// Unit price excl. VAT (déboursé), as given or computed from the split.
    pub unit_price: Decimal,
}

impl PriceItem {
    /// material x (1 + waste) + hours x rate, rounded to the cent.
    pub fn computed_price(&self) -> Decimal {
        (self.material_cost * (Decimal::ONE + self.waste) + self.labour_hours * self.hourly_rate)
            .round_dp(2)
    }

    /// Labour share of the unit price.
    pub fn labour_cost(&self) -> Decimal {
        (self.labour_hours * self.hourly_rate).round_dp(2)
    }
}

/// Library-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryInfo {
    pub name: String,
    pub currency: String,
    /// Price date, e.g. "2026-01".
    pub date: String,
    pub hourly_rate: Decimal,
    /// Shown with the library: sample prices are illustrative, never a quotation basis.
    pub note: String,
}

impl Default for LibraryInfo {
    fn default() -> Self {
        Self {
            name: String::new(),
            currency: "EUR".into(),
            date: String::new(),
            hourly_rate: Decimal::new(48, 0),
            note: String::new(),
        }
    }
}

/// A loaded, validated price library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceLibrary {
    pub info: LibraryInfo,
    pub lots: Vec<Lot>,
    pub items: Vec<PriceItem>,
    #[serde(skip)]
    index: BTreeMap<String, usize>,
}

/// Formats a library can be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryFormat {
    Csv,
    Toml,
    Bc3,
}

impl LibraryFormat {
    pub fn from_name(name: &str) -> Option<LibraryFormat> {
        let ext = name.rsplit('.').next()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(LibraryFormat::Csv),
            "toml" => Some(LibraryFormat::Toml),
            "bc3" => Some(LibraryFormat::Bc3),
            _ => None,
        }
    }
}

/// The sample library shipped in `datasets/`, compiled in so the service and the CLI work
/// with no file at hand.
pub const SAMPLE_LIBRARY_TOML: &str =
    include_str!("../../../datasets/prices/bibliotheque-exemple-2026.toml");

impl PriceLibrary {
    /// Builds a library, refusing duplicate codes and unknown lots.
    pub fn new(info: LibraryInfo, mut lots: Vec<Lot>, items: Vec<PriceItem>) -> Result<Self> {
        for std in standard_lots() {
            if !lots.iter().any(|l| l.code == std.code) {
                lots.push(std);
            }
        }
        let mut index = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if index.insert(item.code.clone(), i).is_some() {
                return Err(EstimatorError::Invalid(format!(
                    "duplicate item code {}",
                    item.code
                )));
            }
            if !lots.iter().any(|l| l.code == item.lot) {
                return Err(EstimatorError::Invalid(format!(
                    "item {}: unknown lot {}",
                    item.code, item.lot
                )));
            }
        }
        Ok(Self {
            info,
            lots,
            items,
            index,
        })
    }

    pub fn sample() -> Self {
        Self::from_toml_str(SAMPLE_LIBRARY_TOML, "bibliotheque-exemple-2026.toml")
            .expect("the bundled sample library is valid (checked by tests)")
    }

    pub fn get(&self, code: &str) -> Option<&PriceItem> {
        self.index.get(code).map(|&i| &self.items[i])
    }

    pub fn lot(&self, code: &str) -> Option<&Lot> {
        self.lots.iter().find(|l| l.code == code)
    }

    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self> {
        match LibraryFormat::from_name(name) {
            Some(LibraryFormat::Csv) => Self::from_csv(bytes, name),
            Some(LibraryFormat::Toml) => {
                let text = std::str::from_utf8(bytes).map_err(|e| {
                    EstimatorError::input(name, 0, 0, format!("not UTF-8 text: {e}"))
                })?;
                Self::from_toml_str(text, name)
            }
            Some(LibraryFormat::Bc3) => Self::from_bc3(bytes, name),
            None => Err(EstimatorError::input(
                name,
                0,
                0,
                "unknown price library format: expected .csv, .toml or .bc3",
            )),
        }
    }

    pub fn from_path(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| EstimatorError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }
}

/// Parses a decimal the way French spreadsheets write it ("1 234,50", "12.5", "12,5 €").
pub(crate) fn parse_decimal(s: &str) -> Option<Decimal> {
    let t: String = s
        .trim()
        .trim_end_matches('€')
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if t.is_empty() {
        return Some(Decimal::ZERO);
    }
    t.parse::<Decimal>().ok()
}

/// Checks a decoded item's numbers, so every format reports the same mistakes the same way.
pub(crate) fn check_item(item: &PriceItem) -> std::result::Result<(), String> {
    if item.code.trim().is_empty() {
        return Err("empty item code".into());
    }
    for (what, v) in [
        ("material_cost", item.material_cost),
        ("labour_hours", item.labour_hours),
        ("hourly_rate", item.hourly_rate),
        ("unit_price", item.unit_price),
    ] {
        if v.is_sign_negative() && !v.is_zero() {
            return Err(format!("{what} is negative ({v})"));
        }
    }
    if item.waste.is_sign_negative() || item.waste >= Decimal::ONE {
        return Err(format!("waste must be in [0, 1), got {}", item.waste));
    }
    if item.unit_price.is_zero() {
        return Err("the item has no price: give unit_price or material_cost/labour_hours".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_decimals_parse_french_spellings() {
        assert_eq!(Unit::parse("m²"), Some(Unit::M2));
        assert_eq!(Unit::parse("Forfait"), Some(Unit::Ens));
        assert_eq!(Unit::parse("furlong"), None);
        assert_eq!(parse_decimal("1 234,50 €"), Some(Decimal::new(123450, 2)));
        assert_eq!(parse_decimal("12.5"), Some(Decimal::new(125, 1)));
        assert_eq!(parse_decimal("douze"), None);
    }

    #[test]
    fn sample_library_is_complete() {
        let lib = PriceLibrary::sample();
        assert!(lib.items.len() >= 80, "{} items", lib.items.len());
        let lots: std::collections::BTreeSet<_> = lib.items.iter().map(|i| &i.lot).collect();
        assert!(lots.len() >= 8, "{lots:?}");
        assert!(lib.info.note.to_lowercase().contains("illustrati"));
        for item in &lib.items {
            check_item(item).unwrap();
            assert!(
                !item.designation_en.is_empty(),
                "{} has no English",
                item.code
            );
        }
    }
}
