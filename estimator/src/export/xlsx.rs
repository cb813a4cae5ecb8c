//! XLSX exports with real numbers and formulas-free totals (the figures are the devis's own,
//! not recomputed by the spreadsheet), formatted for printing.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use super::{Row, Table, headers, rows};
use crate::error::{EstimatorError, Result};
use crate::estimate::Estimate;

pub fn to_xlsx(e: &Estimate, table: Table) -> Result<Vec<u8>> {
    let english = e.english();
    let err = |x: rust_xlsxwriter::XlsxError| EstimatorError::Render(x.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(match table {
        Table::Dpgf => "DPGF",
        Table::Dqe => "DQE",
    })
    .map_err(err)?;
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("D9E1F2")
        .set_align(FormatAlign::Center);
    let money = Format::new().set_num_format("#,##0.00 €");
    let money_bold = Format::new().set_num_format("#,##0.00 €").set_bold();
    let qty = Format::new().set_num_format("#,##0.00");
    let rate = Format::new().set_num_format("0.0%");
    let f = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);

    ws.write_string_with_format(0, 0, table.title(english), &bold)
        .map_err(err)?;
    ws.write_string(1, 0, format!("{} — {}", e.reference, e.title))
        .map_err(err)?;
    ws.write_string(2, 0, &e.client.name).map_err(err)?;
    let h = headers(table, english);
    for (c, name) in h.iter().enumerate() {
        ws.write_string_with_format(4, c as u16, *name, &head)
            .map_err(err)?;
    }
    for (r, row) in (5u32..).zip(rows(e, english)) {
        match row {
            Row::Lot { number, name } => {
                ws.write_string_with_format(r, 0, number, &bold)
                    .map_err(err)?;
                ws.write_string_with_format(r, 2, name, &bold)
                    .map_err(err)?;
            }
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
                ws.write_string(r, 0, number).map_err(err)?;
                ws.write_string(r, 1, code).map_err(err)?;
                ws.write_string(r, 2, designation).map_err(err)?;
                ws.write_string(r, 3, unit).map_err(err)?;
                ws.write_number_with_format(r, 4, f(quantity), &qty)
                    .map_err(err)?;
                ws.write_number_with_format(r, 5, f(unit_price), &money)
                    .map_err(err)?;
                ws.write_number_with_format(r, 6, f(total), &money)
                    .map_err(err)?;
                if table == Table::Dqe {
                    ws.write_number_with_format(r, 7, f(vat_rate), &rate)
                        .map_err(err)?;
                }
            }
            Row::Subtotal { label, amount } => {
                ws.write_string_with_format(r, 2, label, &bold)
                    .map_err(err)?;
                ws.write_number_with_format(r, 6, f(amount), &money_bold)
                    .map_err(err)?;
            }
            Row::Total { label, amount } => {
                ws.write_string_with_format(r, 2, label, &bold)
                    .map_err(err)?;
                ws.write_number_with_format(r, 6, f(amount), &money_bold)
                    .map_err(err)?;
            }
        }
    }
    ws.set_column_width(0, 7).map_err(err)?;
    ws.set_column_width(1, 10).map_err(err)?;
    ws.set_column_width(2, 70).map_err(err)?;
    ws.set_column_width(3, 5).map_err(err)?;
    for c in 4..8 {
        ws.set_column_width(c, 15).map_err(err)?;
    }
    ws.set_freeze_panes(5, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}
