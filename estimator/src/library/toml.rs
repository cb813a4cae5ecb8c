//! The TOML library format: the one people write by hand and review in pull requests.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{LibraryInfo, Lot, PriceItem, PriceLibrary, Unit, VatCategory, check_item};
use crate::error::{EstimatorError, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    library: Header,
    #[serde(default)]
    lot: Vec<Lot>,
    #[serde(default)]
    item: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: String,
    #[serde(default = "eur")]
    currency: String,
    #[serde(default)]
    date: String,
    hourly_rate: Decimal,
    #[serde(default)]
    note: String,
}

fn eur() -> String {
    "EUR".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    code: String,
    lot: String,
    fr: String,
    #[serde(default)]
    en: String,
    unit: String,
    #[serde(default)]
    material: Decimal,
    #[serde(default)]
    hours: Decimal,
    rate: Option<Decimal>,
    #[serde(default)]
    waste: Decimal,
    #[serde(default)]
    vat: String,
    price: Option<Decimal>,
}

impl PriceLibrary {
    pub fn from_toml_str(text: &str, name: &str) -> Result<Self> {
        let file: File = toml::from_str(text).map_err(|e| toml_error(text, name, &e))?;
        let info = LibraryInfo {
            name: file.library.name,
            currency: file.library.currency,
            date: file.library.date,
            hourly_rate: file.library.hourly_rate,
            note: file.library.note,
        };
        let mut items = Vec::with_capacity(file.item.len());
        for (n, it) in file.item.into_iter().enumerate() {
            let line = item_line(text, n);
            let unit = Unit::parse(&it.unit).ok_or_else(|| {
                EstimatorError::input(
                    name,
                    line,
                    0,
                    format!("item {}: unknown unit {:?}", it.code, it.unit),
                )
            })?;
            let vat = VatCategory::parse(&it.vat).ok_or_else(|| {
                EstimatorError::input(
                    name,
                    line,
                    0,
                    format!("item {}: unknown VAT category {:?}", it.code, it.vat),
                )
            })?;
            let mut item = PriceItem {
                code: it.code,
                lot: it.lot,
                designation_en: if it.en.is_empty() {
                    it.fr.clone()
                } else {
                    it.en
                },
                designation_fr: it.fr,
                unit,
                material_cost: it.material,
                labour_hours: it.hours,
                hourly_rate: it.rate.unwrap_or(info.hourly_rate),
                waste: it.waste,
                vat,
                unit_price: Decimal::ZERO,
            };
            item.unit_price = it.price.unwrap_or_else(|| item.computed_price());
            check_item(&item).map_err(|r| {
                EstimatorError::input(name, line, 0, format!("item {}: {r}", item.code))
            })?;
            items.push(item);
        }
        PriceLibrary::new(info, file.lot, items).map_err(|e| match e {
            EstimatorError::Invalid(reason) => {
                let line = duplicate_line(text, &reason);
                EstimatorError::input(name, line, 0, reason)
            }
            other => other,
        })
    }
}

/// Line and column of a TOML syntax or type error.
pub(crate) fn toml_error(text: &str, name: &str, e: &toml::de::Error) -> EstimatorError {
    let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
    EstimatorError::input(name, line, column, e.message().to_string())
}

pub(crate) fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

/// Line of the n-th `[[item]]` table (0-based), for errors found after parsing.
fn item_line(text: &str, n: usize) -> u64 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[item]]"))
        .nth(n)
        .map_or(0, |(i, _)| i as u64 + 1)
}

/// Line of the second definition of a duplicated code named in `reason`.
fn duplicate_line(text: &str, reason: &str) -> u64 {
    let Some(code) = reason.strip_prefix("duplicate item code ") else {
        return 0;
    };
    let needle = format!("\"{code}\"");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("code") && l.contains(&needle))
        .nth(1)
        .map_or(0, |(i, _)| i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[library]
name = "t"
hourly_rate = 50

[[item]]
code = "A"
lot = "GO"
fr = "Béton"
unit = "m3"
material = 100
hours = 2
waste = 0.05
"#;

    #[test]
    fn computes_the_price_from_its_split() {
        let lib = PriceLibrary::from_toml_str(OK, "t.toml").unwrap();
        // 100 x 1.05 + 2 x 50
        assert_eq!(lib.get("A").unwrap().unit_price, Decimal::new(205, 0));
        assert_eq!(lib.get("A").unwrap().designation_en, "Béton");
    }

    #[test]
    fn duplicate_codes_and_bad_numbers_have_positions() {
        let dup = format!(
            "{OK}\n[[item]]\ncode = \"A\"\nlot = \"GO\"\nfr = \"x\"\nunit = \"u\"\nprice = 3\n"
        );
        let e = PriceLibrary::from_toml_str(&dup, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:16:") && e.contains("duplicate item code A"),
            "{e}"
        );
        let bad = OK.replace("material = 100", "material = \"cent\"");
        let e = PriceLibrary::from_toml_str(&bad, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml:11:"), "{e}");
        let neg = OK.replace("material = 100", "material = -100");
        let e = PriceLibrary::from_toml_str(&neg, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml:6:") && e.contains("negative"), "{e}");
        let unit = OK.replace("\"m3\"", "\"furlong\"");
        let e = PriceLibrary::from_toml_str(&unit, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown unit"), "{e}");
    }
}
