//! The CSV library format: what a firm exports from its spreadsheet. French spreadsheets
//! write `;` separators and decimal commas, so both are accepted.

use rust_decimal::Decimal;

use super::{LibraryInfo, PriceItem, PriceLibrary, Unit, VatCategory, check_item, parse_decimal};
use crate::error::{EstimatorError, Result};

/// Columns, in any order; only `code`, `lot`, `designation_fr` and `unit` are required.
const COLUMNS: [&str; 11] = [
    "code",
    "lot",
    "designation_fr",
    "designation_en",
    "unit",
    "material_cost",
    "labour_hours",
    "hourly_rate",
    "waste",
    "vat",
    "unit_price",
];

impl PriceLibrary {
    pub fn from_csv(bytes: &[u8], name: &str) -> Result<Self> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|e| EstimatorError::input(name, 0, 0, format!("not UTF-8 text: {e}")))?;
        let first = text.lines().next().unwrap_or_default();
        let delimiter = if first.matches(';').count() > first.matches(',').count() {
            b';'
        } else {
            b','
        };
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| csv_error(name, &e))?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect::<Vec<_>>();
        for h in &headers {
            if !COLUMNS.contains(&h.as_str()) {
                return Err(EstimatorError::input(
                    name,
                    1,
                    0,
                    format!(
                        "unknown column {h:?}; expected some of {}",
                        COLUMNS.join(", ")
                    ),
                ));
            }
        }
        let col = |c: &str| headers.iter().position(|h| h == c);
        for required in ["code", "lot", "designation_fr", "unit"] {
            if col(required).is_none() {
                return Err(EstimatorError::input(
                    name,
                    1,
                    0,
                    format!("missing column {required:?}"),
                ));
            }
        }
        let info = LibraryInfo {
            name: name.rsplit('/').next().unwrap_or(name).to_string(),
            ..LibraryInfo::default()
        };
        let mut items = Vec::new();
        let mut lines = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(name, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |c: &str| col(c).and_then(|i| record.get(i)).unwrap_or("").trim();
            let number = |c: &str| -> Result<Decimal> {
                parse_decimal(field(c)).ok_or_else(|| {
                    EstimatorError::input(
                        name,
                        line,
                        col(c).map_or(0, |i| i as u64 + 1),
                        format!("{c}: not a number: {:?}", field(c)),
                    )
                })
            };
            let unit = Unit::parse(field("unit")).ok_or_else(|| {
                EstimatorError::input(
                    name,
                    line,
                    col("unit").map_or(0, |i| i as u64 + 1),
                    format!("unknown unit {:?}", field("unit")),
                )
            })?;
            let vat = VatCategory::parse(field("vat")).ok_or_else(|| {
                EstimatorError::input(
                    name,
                    line,
                    col("vat").map_or(0, |i| i as u64 + 1),
                    format!("unknown VAT category {:?}", field("vat")),
                )
            })?;
            let hourly_rate = match field("hourly_rate") {
                "" => info.hourly_rate,
                _ => number("hourly_rate")?,
            };
            let mut item = PriceItem {
                code: field("code").to_string(),
                lot: field("lot").to_string(),
                designation_fr: field("designation_fr").to_string(),
                designation_en: match field("designation_en") {
                    "" => field("designation_fr").to_string(),
                    en => en.to_string(),
                },
                unit,
                material_cost: number("material_cost")?,
                labour_hours: number("labour_hours")?,
                hourly_rate,
                waste: number("waste")?,
                vat,
                unit_price: number("unit_price")?,
            };
            if item.unit_price.is_zero() {
                item.unit_price = item.computed_price();
            }
            check_item(&item).map_err(|r| EstimatorError::input(name, line, 0, r))?;
            lines.push(line);
            items.push(item);
        }
        PriceLibrary::new(info, Vec::new(), items).map_err(|e| match e {
            EstimatorError::Invalid(reason) => {
                // Point at the second occurrence of a duplicated code.
                let at = reason
                    .strip_prefix("duplicate item code ")
                    .and_then(|code| {
                        let mut seen = 0;
                        lines
                            .iter()
                            .zip(text_codes(text, delimiter))
                            .find_map(|(l, c)| {
                                (c == code)
                                    .then(|| {
                                        seen += 1;
                                        *l
                                    })
                                    .filter(|_| seen == 2)
                            })
                    })
                    .unwrap_or(0);
                EstimatorError::input(name, at, 1, reason)
            }
            other => other,
        })
    }
}

fn text_codes(text: &str, delimiter: u8) -> Vec<String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let code = reader
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c.trim().eq_ignore_ascii_case("code")))
        .unwrap_or(0);
    reader
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r.get(code).unwrap_or("").trim().to_string())
        .collect()
}

fn csv_error(name: &str, e: &::csv::Error) -> EstimatorError {
    let line = e.position().map_or(0, |p| p.line());
    EstimatorError::input(name, line, 0, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_french_spreadsheet_exports() {
        let csv = "code;lot;designation_fr;unit;material_cost;labour_hours;hourly_rate;waste;unit_price\n\
                   A;GO;Béton C25/30;m3;100,00;2;50;0,05;\n\
                   B;PEI;Peinture;m²;;;;;12,5\n";
        let lib = PriceLibrary::from_csv(csv.as_bytes(), "l.csv").unwrap();
        assert_eq!(lib.get("A").unwrap().unit_price, Decimal::new(205, 0));
        assert_eq!(lib.get("B").unwrap().unit, Unit::M2);
    }

    #[test]
    fn errors_give_line_and_column() {
        let bad = "code,lot,designation_fr,unit,unit_price\nA,GO,x,u,12\nB,GO,y,u,douze\n";
        let e = PriceLibrary::from_csv(bad.as_bytes(), "l.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "l.csv:3:5: unit_price: not a number: \"douze\"");
        let dup = "code,lot,designation_fr,unit,unit_price\nA,GO,x,u,12\nA,GO,y,u,13\n";
        let e = PriceLibrary::from_csv(dup.as_bytes(), "l.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "l.csv:3:1: duplicate item code A");
        let ragged = "code,lot,designation_fr,unit,unit_price\nA,GO,x,u\n";
        let e = PriceLibrary::from_csv(ragged.as_bytes(), "l.csv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("l.csv:2"), "{e}");
    }
}
