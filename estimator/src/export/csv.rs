//! CSV exports, in the dialect French spreadsheets open directly: `;` separators, decimal
//! commas and a UTF-8 byte-order mark so accents survive Excel.

use rust_decimal::Decimal;

use super::{Row, Table, headers, rows};
use crate::error::{EstimatorError, Result};
use crate::estimate::Estimate;

fn num(d: Decimal, english: bool) -> String {
    let s = d.normalize().to_string();
    if english { s } else { s.replace('.', ",") }
}

pub fn to_csv(e: &Estimate, table: Table) -> Result<Vec<u8>> {
    let english = e.english();
    let mut out = Vec::from(*b"\xEF\xBB\xBF");
    {
        let mut w = ::csv::WriterBuilder::new()
            .delimiter(if english { b',' } else { b';' })
            .from_writer(&mut out);
        let h = headers(table, english);
        let width = h.len();
        let err = |e: ::csv::Error| EstimatorError::Render(e.to_string());
        w.write_record(&h).map_err(err)?;
        for row in rows(e, english) {
            let mut rec: Vec<String> = match row {
                Row::Lot { number, name } => vec![number, String::new(), name],
                Row::Line {
                    number,
                    code,
                    designation,
                    unit,
                    quantity,
                    unit_price,
                    total,
                    vat_rate,
                } => {
                    let mut r = vec![
                        number,
                        code,
                        designation,
                        unit.to_string(),
                        num(quantity, english),
                        num(unit_price, english),
                        num(total, english),
                    ];
                    if table == Table::Dqe {
                        r.push(num(vat_rate, english));
                    }
                    r
                }
                Row::Subtotal { label, amount } | Row::Total { label, amount } => {
                    let mut r = vec![String::new(), String::new(), label];
                    r.resize(6, String::new());
                    r.push(num(amount, english));
                    r
                }
            };
            rec.resize(width, String::new());
            w.write_record(&rec).map_err(err)?;
        }
        w.flush()
            .map_err(|e| EstimatorError::Render(e.to_string()))?;
    }
    Ok(out)
}
