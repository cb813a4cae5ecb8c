//! Spreadsheet exports: the DPGF (lump-sum breakdown) and the DQE (quantity detail for
//! unit-price contracts), as CSV and XLSX, built from one row model so both always agree.

mod csv;
mod xlsx;

use rust_decimal::Decimal;

use crate::estimate::Estimate;

pub use csv::to_csv;
pub use xlsx::to_xlsx;

/// Which table a buyer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Décomposition du Prix Global et Forfaitaire.
    Dpgf,
    /// Détail Quantitatif Estimatif.
    Dqe,
}

impl Table {
    pub fn parse(s: &str) -> Option<Table> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dpgf" => Some(Table::Dpgf),
            "dqe" => Some(Table::Dqe),
            _ => None,
        }
    }

    pub(crate) fn title(self, english: bool) -> &'static str {
        match (self, english) {
            (Table::Dpgf, false) => "Décomposition du prix global et forfaitaire (DPGF)",
            (Table::Dpgf, true) => "Lump-sum price breakdown (DPGF)",
            (Table::Dqe, false) => "Détail quantitatif estimatif (DQE)",
            (Table::Dqe, true) => "Bill of quantities (DQE)",
        }
    }
}

/// One row of an export.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Row {
    Lot {
        number: String,
        name: String,
    },
    Line {
        number: String,
        code: String,
        designation: String,
        unit: &'static str,
        quantity: Decimal,
        unit_price: Decimal,
        total: Decimal,
        vat_rate: Decimal,
    },
    Subtotal {
        label: String,
        amount: Decimal,
    },
    Total {
        label: String,
        amount: Decimal,
    },
}

pub(crate) fn headers(table: Table, english: bool) -> Vec<&'static str> {
    let mut h = if english {
        vec![
            "No.",
            "Code",
            "Description",
            "Unit",
            "Quantity",
            "Unit price excl. VAT",
            "Amount excl. VAT",
            "VAT rate",
        ]
    } else {
        vec![
            "N°",
            "Code",
            "Désignation",
            "U",
            "Quantité",
            "PU HT",
            "Montant HT",
            "Taux TVA",
        ]
    };
    if table == Table::Dpgf {
        // A DPGF is priced as a lump sum: the VAT rate column belongs to the DQE's unit prices.
        h.pop();
    }
    h
}

pub(crate) fn rows(e: &Estimate, english: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, lot) in e.lots.iter().enumerate() {
        rows.push(Row::Lot {
            number: format!("{}", i + 1),
            name: lot.name.clone(),
        });
        for l in &lot.lines {
            let designation = if l.group.is_empty() {
                l.designation.clone()
            } else {
                format!("{} ({})", l.designation, l.group)
            };
            rows.push(Row::Line {
                number: l.number.clone(),
                code: l.code.clone(),
                designation,
                unit: l.unit.label(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                total: l.total,
                vat_rate: l.vat_rate,
            });
        }
        rows.push(Row::Subtotal {
            label: format!(
                "{} {}",
                if english { "Subtotal" } else { "Sous-total" },
                lot.name
            ),
            amount: lot.total_ht,
        });
    }
    if !e.rounding_adjustment.is_zero() {
        // Global rounding: the cents between the lots and the total HT, as on the PDF.
        rows.push(Row::Total {
            label: if english {
                "Rounding (total of the unrounded amounts)"
            } else {
                "Arrondi (total calculé sur les montants non arrondis)"
            }
            .into(),
            amount: e.rounding_adjustment,
        });
    }
    rows.push(Row::Total {
        label: if english {
            "Total excl. VAT"
        } else {
            "Total HT"
        }
        .into(),
        amount: e.total_ht,
    });
    for v in &e.vat {
        rows.push(Row::Total {
            label: format!(
                "{} {} %",
                if english { "VAT" } else { "TVA" },
                (v.rate * Decimal::ONE_HUNDRED).normalize()
            ),
            amount: v.amount,
        });
    }
    rows.push(Row::Total {
        label: if english {
            "Total incl. VAT"
        } else {
            "Total TTC"
        }
        .into(),
        amount: e.total_ttc,
    });
    rows
}
