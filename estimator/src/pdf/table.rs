//! The priced lines table: lot header rows, line rows with wrapped designations and lot
//! subtotals, broken across pages between rows with the column header repeated.

use rust_decimal::Decimal;

use super::font::Font;
use super::format;
use super::layout::{
    ACCENT, Align, BLACK, Flow, GREY, HEADER_FILL, LEFT, LOT_FILL, Page, RULE, Style, WIDTH, wrap,
};
use super::text::Texts;
use crate::estimate::{Line, LotSection};

const CELL: Style = Style::new(Font::Regular, 8.0, BLACK);
const HEAD: Style = Style::new(Font::Bold, 8.0, ACCENT);
const GROUP: Style = Style::new(Font::Regular, 7.0, GREY);
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 3.2;
const HEADER_HEIGHT: f32 = 16.0;
const LOT_HEIGHT: f32 = 15.0;
const SUBTOTAL_HEIGHT: f32 = 15.0;
/// Most lines of a designation (a row never outgrows a page).
const MAX_LINES: usize = 40;

/// Column widths, left to right: N°, designation, unit, quantity, unit price, amount, VAT.
const FIXED: [f32; 6] = [34.0, 26.0, 46.0, 62.0, 70.0, 36.0];

/// Left edges of the seven columns, and the table's right edge.
fn edges() -> [f32; 8] {
    let designation = WIDTH - FIXED.iter().sum::<f32>();
    let widths = [
        FIXED[0],
        designation,
        FIXED[1],
        FIXED[2],
        FIXED[3],
        FIXED[4],
        FIXED[5],
    ];
    let mut e = [LEFT; 8];
    for i in 0..7 {
        e[i + 1] = e[i] + widths[i];
    }
    e
}

/// Baseline of a single line of `style` in a row whose top is `top`.
fn baseline(top: f32, style: Style) -> f32 {
    top - PAD_Y - style.size * 0.82
}

/// How the table prints numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableFormat<'a> {
    pub texts: &'a Texts,
    pub english: bool,
    pub quantity_decimals: u32,
    /// Under reverse charge the VAT column shows a dash instead of 0 %.
    pub reverse_charge: bool,
}

/// The column header; returns its height.
pub(crate) fn draw_header(page: &mut Page, top: f32, t: &Texts) -> f32 {
    let e = edges();
    page.rect(
        LEFT,
        top - HEADER_HEIGHT,
        WIDTH,
        HEADER_HEIGHT,
        Some(HEADER_FILL),
        None,
    );
    let y = top - HEADER_HEIGHT / 2.0 - HEAD.size * 0.35;
    let cols = [
        (t.col_number, Align::Left),
        (t.col_designation, Align::Left),
        (t.col_unit, Align::Center),
        (t.col_quantity, Align::Right),
        (t.col_unit_price, Align::Right),
        (t.col_total, Align::Right),
        (t.col_vat, Align::Right),
    ];
    for (i, (label, align)) in cols.into_iter().enumerate() {
        page.text_fit(
            e[i] + PAD_X,
            y,
            e[i + 1] - e[i] - 2.0 * PAD_X,
            align,
            HEAD,
            label,
        );
    }
    page.line(
        LEFT,
        top - HEADER_HEIGHT,
        LEFT + WIDTH,
        top - HEADER_HEIGHT,
        ACCENT,
        0.8,
    );
    HEADER_HEIGHT
}

/// A line row, measured before it is drawn.
struct LineRow<'a> {
    line: &'a Line,
    designation: Vec<String>,
    group: Vec<String>,
    height: f32,
}

impl<'a> LineRow<'a> {
    fn new(line: &'a Line) -> LineRow<'a> {
        let e = edges();
        let width = e[2] - e[1] - 2.0 * PAD_X;
        let mut designation = wrap(line.designation.trim(), CELL, width);
        // A row must fit a page: an absurdly long designation is cut, visibly.
        if designation.len() > MAX_LINES {
            designation.truncate(MAX_LINES);
            if let Some(last) = designation.last_mut() {
                last.push_str(" […]");
            }
        }
        let group = if line.group.trim().is_empty() {
            Vec::new()
        } else {
            wrap(line.group.trim(), GROUP, width)
        };
        let height = 2.0 * PAD_Y
            + designation.len() as f32 * CELL.leading()
            + group.len() as f32 * GROUP.leading();
        LineRow {
            line,
            designation,
            group,
            height: height.max(14.0),
        }
    }

    fn draw(&self, page: &mut Page, top: f32, f: &TableFormat<'_>) {
        let e = edges();
        let l = self.line;
        let y = baseline(top, CELL);
        let cell = |page: &mut Page, i: usize, align: Align, text: &str| {
            page.text_fit(
                e[i] + PAD_X,
                y,
                e[i + 1] - e[i] - 2.0 * PAD_X,
                align,
                CELL,
                text,
            );
        };
        cell(page, 0, Align::Left, &l.number);
        for (i, d) in self.designation.iter().enumerate() {
            page.text(
                e[1] + PAD_X,
                y - i as f32 * CELL.leading(),
                Align::Left,
                CELL,
                d,
            );
        }
        let mut gy = y - (self.designation.len() as f32 - 1.0) * CELL.leading();
        for g in &self.group {
            gy -= GROUP.leading();
            page.text(e[1] + PAD_X, gy, Align::Left, GROUP, g);
        }
        cell(page, 2, Align::Center, l.unit.label());
        cell(
            page,
            3,
            Align::Right,
            &format::quantity(l.quantity, f.quantity_decimals, f.english),
        );
        cell(
            page,
            4,
            Align::Right,
            &format::money(l.unit_price, f.english),
        );
        cell(page, 5, Align::Right, &format::money(l.total, f.english));
        let vat = if f.reverse_charge {
            "–".to_string()
        } else {
            format::rate(l.vat_rate, f.english)
        };
        cell(page, 6, Align::Right, &vat);
        let bottom = top - self.height;
        page.line(LEFT, bottom, LEFT + WIDTH, bottom, RULE, 0.4);
    }
}

/// The lot title, "Lot 2 – Maçonnerie", numbered from its first line ("2.1" -> "2").
pub(crate) fn lot_title(lot: &LotSection, t: &Texts) -> String {
    let number = lot
        .lines
        .first()
        .and_then(|l| l.number.rsplit_once('.'))
        .map(|(n, _)| n.to_string());
    match number {
        Some(n) => format!("{} {n} – {}", t.lot, lot.name),
        None => format!("{} – {}", t.lot, lot.name),
    }
}

fn draw_lot_row(page: &mut Page, top: f32, title: &str) {
    page.rect(
        LEFT,
        top - LOT_HEIGHT,
        WIDTH,
        LOT_HEIGHT,
        Some(LOT_FILL),
        None,
    );
    let style = CELL.bold().colored(ACCENT);
    page.text_fit(
        LEFT + PAD_X,
        top - LOT_HEIGHT / 2.0 - style.size * 0.35,
        WIDTH - 2.0 * PAD_X,
        Align::Left,
        style,
        title,
    );
}

fn draw_subtotal_row(page: &mut Page, top: f32, label: &str, amount: Decimal, english: bool) {
    let e = edges();
    let style = CELL.bold();
    let y = top - SUBTOTAL_HEIGHT / 2.0 - style.size * 0.35;
    page.text_fit(
        e[0] + PAD_X,
        y,
        e[5] - e[0] - 2.0 * PAD_X,
        Align::Right,
        style,
        label,
    );
    page.text_fit(
        e[5] + PAD_X,
        y,
        e[6] - e[5] - 2.0 * PAD_X,
        Align::Right,
        style,
        &format::money(amount, english),
    );
    page.line(
        LEFT,
        top - SUBTOTAL_HEIGHT,
        LEFT + WIDTH,
        top - SUBTOTAL_HEIGHT,
        GREY,
        0.6,
    );
}

/// Starts a page when `height` does not fit, and repeats the column header there (with the
/// lot being printed, marked as continued).
fn room_for(flow: &mut Flow<'_>, height: f32, f: &TableFormat<'_>, lot: Option<&str>) {
    if flow.ensure(height) {
        let top = flow.y;
        let h = draw_header(flow.page(), top, f.texts);
        flow.advance(h);
        if let Some(title) = lot {
            let top = flow.y;
            let title = format!("{title} {}", f.texts.continued);
            draw_lot_row(flow.page(), top, &title);
            flow.advance(LOT_HEIGHT);
        }
    }
}

/// Draws the lots as one table at the flow's cursor.
pub(crate) fn lines_table(flow: &mut Flow<'_>, lots: &[LotSection], f: &TableFormat<'_>) {
    let first = lots
        .first()
        .and_then(|l| l.lines.first())
        .map_or(0.0, |l| LineRow::new(l).height);
    room_for(flow, HEADER_HEIGHT + LOT_HEIGHT + first, f, None);
    let top = flow.y;
    let h = draw_header(flow.page(), top, f.texts);
    flow.advance(h);
    for lot in lots {
        let title = lot_title(lot, f.texts);
        let rows: Vec<LineRow<'_>> = lot.lines.iter().map(LineRow::new).collect();
        // A lot title never ends a page: it keeps its first line with it.
        let first = rows.first().map_or(SUBTOTAL_HEIGHT, |r| r.height);
        room_for(flow, LOT_HEIGHT + first, f, None);
        let top = flow.y;
        draw_lot_row(flow.page(), top, &title);
        flow.advance(LOT_HEIGHT);
        for row in &rows {
            room_for(flow, row.height, f, Some(&title));
            let top = flow.y;
            row.draw(flow.page(), top, f);
            flow.advance(row.height);
        }
        room_for(flow, SUBTOTAL_HEIGHT, f, Some(&title));
        let top = flow.y;
        let label = format!("{} {title}", f.texts.subtotal);
        draw_subtotal_row(flow.page(), top, &label, lot.total_ht, f.english);
        flow.advance(SUBTOTAL_HEIGHT + 4.0);
    }
}
