//! The devis itself: what goes where, page by page. Produces laid-out pages; writing them
//! as PDF objects is [`super::writer`]'s job.

use rust_decimal::Decimal;

use super::font::Font;
use super::format;
use super::layout::{
    ACCENT, Align, BLACK, FOOTER_Y, Flow, GREY, HEADER_FILL, LEFT, MUTED, Page, RIGHT, RULE, Style,
    TOP, WIDTH, wrap,
};
use super::table::{self, TableFormat};
use super::text::{Texts, labelled, texts};
use crate::clauses::RenderedClause;
use crate::estimate::{Estimate, VatAmount, VatRegime};

const BODY: Style = Style::new(Font::Regular, 8.5, BLACK);
const SMALL: Style = Style::new(Font::Regular, 8.0, BLACK);
const CAPTION: Style = Style::new(Font::Bold, 8.5, ACCENT);
const HEADING: Style = Style::new(Font::Bold, 10.5, ACCENT);
const FOOTER: Style = Style::new(Font::Regular, 7.0, GREY);

/// Lays the devis out on pages, footers included.
pub(crate) fn layout(e: &Estimate) -> Vec<Page> {
    let t = texts(e.english());
    let running = running_header_text(e, t);
    let firm_name = e.firm.firm.name.clone();
    let mut flow = Flow::new(move |page: &mut Page| {
        let y = TOP - 8.0;
        page.text_fit(
            LEFT,
            y,
            WIDTH / 2.0,
            Align::Left,
            Style::new(Font::Bold, 8.0, ACCENT),
            &firm_name,
        );
        page.text_fit(
            LEFT + WIDTH / 2.0,
            y,
            WIDTH / 2.0,
            Align::Right,
            Style::new(Font::Regular, 8.0, GREY),
            &running,
        );
        page.line(LEFT, TOP - 12.0, RIGHT, TOP - 12.0, RULE, 0.5);
        22.0
    });
    header(&mut flow, e, t);
    let format = TableFormat {
        texts: t,
        english: e.english(),
        quantity_decimals: e.settings.quantity_decimals.max(2),
        reverse_charge: e.vat_regime == VatRegime::ReverseCharge,
    };
    table::lines_table(&mut flow, &e.lots, &format);
    totals(&mut flow, e, t);
    options(&mut flow, e, t, &format);
    payments(&mut flow, e, t);
    clauses(&mut flow, e, t);
    signature(&mut flow, e, t);
    let mut pages = flow.pages;
    footers(&mut pages, e, t);
    pages
}

fn running_header_text(e: &Estimate, t: &Texts) -> String {
    format!(
        "{} {} {} – {}",
        t.quote_short,
        t.number,
        e.reference,
        format::date(e.date, e.english())
    )
}

/// Firm identity, title block, client and site: the top of page 1.
fn header(flow: &mut Flow<'_>, e: &Estimate, t: &Texts) {
    let en = e.english();
    let f = &e.firm.firm;
    let top = flow.y;
    let page = flow.page();

    // The firm, top left.
    let name = Style::new(Font::Bold, 14.0, ACCENT);
    let left_width = WIDTH * 0.56;
    page.text_fit(LEFT, top - 13.0, left_width, Align::Left, name, &f.name);
    let mut lines: Vec<String> = Vec::new();
    match (f.legal_form.is_empty(), f.capital.is_empty()) {
        (false, false) => lines.push(format!("{} {} {}", f.legal_form, t.capital, f.capital)),
        (false, true) => lines.push(f.legal_form.clone()),
        _ => {}
    }
    lines.extend(f.address.iter().cloned());
    let mut ids = vec![format!("{} {}", t.siret, format::siret(&f.siret))];
    if !f.ape.is_empty() {
        ids.push(format!("{} {}", t.ape, f.ape));
    }
    lines.push(ids.join(" – "));
    if !f.rcs.is_empty() {
        lines.push(f.rcs.clone());
    }
    if !f.vat_number.is_empty() {
        lines.push(format!("{} {}", t.vat_number, f.vat_number));
    }
    let mut contact = Vec::new();
    if !f.phone.is_empty() {
        contact.push(format!("{} {}", t.phone, f.phone));
    }
    if !f.email.is_empty() {
        contact.push(f.email.clone());
    }
    if !contact.is_empty() {
        lines.push(contact.join(" – "));
    }
    if !f.website.is_empty() {
        lines.push(f.website.clone());
    }
    let small = SMALL.colored(MUTED);
    let mut y = top - 13.0 - 13.0;
    for l in &lines {
        page.text_fit(LEFT, y, left_width, Align::Left, small, l);
        y -= small.leading();
    }
    let left_bottom = y + small.leading() - 4.0;

    // The document, top right.
    let mut y = top - 20.0;
    page.text(
        RIGHT,
        y,
        Align::Right,
        Style::new(Font::Bold, 22.0, ACCENT),
        t.quote,
    );
    y -= 17.0;
    page.text(
        RIGHT,
        y,
        Align::Right,
        Style::new(Font::Bold, 10.0, BLACK),
        &format!("{} {}", t.number, e.reference),
    );
    y -= 13.0;
    for l in [
        format!("{} {}", t.version, e.version),
        labelled(t.date, &format::date(e.date, en), en),
        labelled(t.valid_until, &format::date(e.valid_until, en), en),
    ] {
        page.text(RIGHT, y, Align::Right, BODY, &l);
        y -= BODY.leading();
    }
    let right_bottom = y + BODY.leading() - 4.0;
    flow.y = left_bottom.min(right_bottom) - 10.0;

    // Site address (left) and client (right, where a window envelope shows it).
    let gap = 12.0;
    let box_w = (WIDTH - gap) / 2.0;
    let pad = 7.0;
    let inner = box_w - 2.0 * pad;
    let c = &e.client;
    let mut client: Vec<(Style, String)> = vec![(CAPTION, t.client.to_string())];
    if !c.name.is_empty() {
        for l in wrap(&c.name, Style::new(Font::Bold, 10.0, BLACK), inner) {
            client.push((Style::new(Font::Bold, 10.0, BLACK), l));
        }
    }
    for a in &c.address {
        client.extend(wrap(a, BODY, inner).into_iter().map(|l| (BODY, l)));
    }
    if c.is_company {
        if !c.siret.is_empty() {
            client.push((SMALL, format!("{} {}", t.siret, format::siret(&c.siret))));
        }
        if !c.vat_number.is_empty() {
            client.push((SMALL, format!("{} {}", t.vat_number, c.vat_number)));
        }
    }
    let contact: Vec<&str> = [c.phone.as_str(), c.email.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !contact.is_empty() {
        client.push((SMALL, contact.join(" – ")));
    }
    let mut site: Vec<(Style, String)> = vec![(CAPTION, t.site.to_string())];
    for a in &e.site_address {
        site.extend(wrap(a, BODY, inner).into_iter().map(|l| (BODY, l)));
    }
    let height = |rows: &[(Style, String)]| rows.iter().map(|(s, _)| s.leading()).sum::<f32>();
    let box_h = height(&client).max(height(&site)) + 2.0 * pad;
    let top = flow.y;
    let page = flow.page();
    for (x, rows) in [(LEFT, &site), (LEFT + box_w + gap, &client)] {
        page.rect(x, top - box_h, box_w, box_h, None, Some((RULE, 0.7)));
        let mut y = top - pad;
        for (style, text) in rows.iter() {
            y -= style.leading();
            page.text(
                x + pad,
                y + style.leading() - style.size,
                Align::Left,
                *style,
                text,
            );
        }
    }
    flow.advance(box_h + 12.0);

    // Nature of the works, start and duration.
    if !e.title.trim().is_empty() {
        let top = flow.y;
        flow.page()
            .text(LEFT, top - CAPTION.size, Align::Left, CAPTION, t.works);
        flow.advance(CAPTION.leading() + 1.0);
        flow.paragraph(
            LEFT,
            WIDTH,
            Style::new(Font::Bold, 10.5, BLACK),
            e.title.trim(),
        );
    }
    let mut schedule = Vec::new();
    if let Some(d) = e.settings.start_date {
        schedule.push(labelled(t.start, &format::date(d, en), en));
    }
    if let Some(w) = e.settings.duration_weeks {
        schedule.push(labelled(t.duration, &format!("{w} {}", t.weeks), en));
    }
    if !schedule.is_empty() {
        flow.paragraph(LEFT, WIDTH, BODY, &schedule.join("   –   "));
    }
    flow.advance(10.0);
}

/// A section title, kept with `keep` points of what follows it.
fn heading(flow: &mut Flow<'_>, text: &str, keep: f32) {
    let h = HEADING.leading() + 6.0;
    flow.ensure(h + keep);
    flow.advance(4.0);
    let top = flow.y;
    let page = flow.page();
    page.text(LEFT, top - HEADING.size, Align::Left, HEADING, text);
    page.line(
        LEFT,
        top - HEADING.leading() - 1.5,
        RIGHT,
        top - HEADING.leading() - 1.5,
        ACCENT,
        0.7,
    );
    flow.advance(h);
}

/// A right-aligned block of label / amount rows; the flagged rows are emphasized.
fn totals_box(flow: &mut Flow<'_>, rows: &[(String, String, bool)]) {
    const ROW: f32 = 15.0;
    let width = 270.0;
    let x = RIGHT - width;
    let height = rows.len() as f32 * ROW;
    flow.ensure(height + 4.0);
    let mut top = flow.y;
    let page = flow.page();
    for (label, value, strong) in rows {
        let style = if *strong {
            Style::new(Font::Bold, 9.5, BLACK)
        } else {
            BODY
        };
        if *strong {
            page.rect(x, top - ROW, width, ROW, Some(HEADER_FILL), None);
        }
        let y = top - ROW / 2.0 - style.size * 0.35;
        page.text_fit(x + 5.0, y, width * 0.62 - 5.0, Align::Left, style, label);
        page.text_fit(
            x + width * 0.62,
            y,
            width * 0.38 - 5.0,
            Align::Right,
            style,
            value,
        );
        page.line(x, top - ROW, RIGHT, top - ROW, RULE, 0.4);
        top -= ROW;
    }
    flow.advance(height + 8.0);
}

fn vat_rows(vat: &[VatAmount], t: &Texts, en: bool) -> Vec<(String, String, bool)> {
    vat.iter()
        .map(|v| {
            (
                format!(
                    "{} {} {} {}",
                    t.vat,
                    format::rate(v.rate, en),
                    t.vat_on,
                    format::money(v.base_ht, en)
                ),
                format::money(v.amount, en),
                false,
            )
        })
        .collect()
}

fn mention<'e>(e: &'e Estimate, id: &str) -> Option<&'e RenderedClause> {
    e.mentions.iter().find(|m| m.id == id)
}

/// Total HT, VAT per rate, total TTC (or the reverse-charge mention), retenue de garantie.
fn totals(flow: &mut Flow<'_>, e: &Estimate, t: &Texts) {
    let en = e.english();
    flow.advance(4.0);
    let mut rows = Vec::new();
    if !e.rounding_adjustment.is_zero() {
        // Global rounding: the lots, the cents it moves, then the total, so the page adds up.
        rows.push((
            t.lots_total.to_string(),
            format::money(e.total_ht - e.rounding_adjustment, en),
            false,
        ));
        rows.push((
            t.rounding.to_string(),
            format::money(e.rounding_adjustment, en),
            false,
        ));
    }
    rows.push((t.total_ht.to_string(), format::money(e.total_ht, en), false));
    let reverse = e.vat_regime == VatRegime::ReverseCharge;
    if reverse {
        rows.push((
            t.net_payable.to_string(),
            format::money(e.total_ht, en),
            true,
        ));
    } else {
        rows.extend(vat_rows(&e.vat, t, en));
        rows.push((
            t.total_ttc.to_string(),
            format::money(e.total_ttc, en),
            true,
        ));
    }
    if e.retenue_rate > Decimal::ZERO {
        rows.push((
            format!("{} ({})", t.retenue, format::rate(e.retenue_rate, en)),
            format::money(e.retenue_amount, en),
            false,
        ));
    }
    totals_box(flow, &rows);
    if reverse && let Some(m) = mention(e, "autoliquidation") {
        framed_note(flow, m);
    }
}

/// A clause in a frame, full width (the reverse-charge mention next to the totals).
fn framed_note(flow: &mut Flow<'_>, m: &RenderedClause) {
    let pad = 6.0;
    let title = SMALL.bold();
    let lines = wrap(&m.text, SMALL, WIDTH - 2.0 * pad);
    let h = title.leading() + lines.len() as f32 * SMALL.leading() + 2.0 * pad;
    flow.ensure(h);
    let top = flow.y;
    let page = flow.page();
    page.rect(LEFT, top - h, WIDTH, h, None, Some((ACCENT, 0.7)));
    let mut y = top - pad - title.size;
    page.text(LEFT + pad, y, Align::Left, title, &m.title);
    for l in &lines {
        y -= SMALL.leading();
        page.text(LEFT + pad, y, Align::Left, SMALL, l);
    }
    flow.advance(h + 8.0);
}

/// Options priced beside the base, each with its lines and totals.
fn options(flow: &mut Flow<'_>, e: &Estimate, t: &Texts, format: &TableFormat<'_>) {
    if e.variants.is_empty() {
        return;
    }
    let en = e.english();
    heading(flow, t.options, 60.0);
    for (k, v) in e.variants.iter().enumerate() {
        let title = format!("{} {}\u{a0}: {}", t.option, k + 1, v.name);
        let title = if en {
            title.replace("\u{a0}:", ":")
        } else {
            title
        };
        let style = Style::new(Font::Bold, 9.5, BLACK);
        flow.ensure(style.leading() + 60.0);
        flow.paragraph(LEFT, WIDTH, style, &title);
        flow.advance(2.0);
        table::lines_table(flow, &v.lots, format);
        let mut rows = vec![(
            t.option_total_ht.to_string(),
            format::money(v.totals.total_ht, en),
            false,
        )];
        if e.vat_regime != VatRegime::ReverseCharge {
            rows.extend(vat_rows(&v.totals.vat, t, en));
            rows.push((
                t.option_total_ttc.to_string(),
                format::money(v.totals.total_ttc, en),
                true,
            ));
        }
        totals_box(flow, &rows);
    }
}

/// The payment schedule: instalment, rate, amount.
fn payments(flow: &mut Flow<'_>, e: &Estimate, t: &Texts) {
    if e.payments.is_empty() {
        return;
    }
    let en = e.english();
    const ROW: f32 = 15.0;
    let rate_w = 60.0;
    let amount_w = 110.0;
    let label_w = WIDTH - rate_w - amount_w;
    heading(flow, t.payments, 2.0 * ROW);
    let amount_title = if e.vat_regime == VatRegime::ReverseCharge {
        t.col_amount
    } else {
        t.col_amount_ttc
    };
    let mut rows: Vec<(Style, [String; 3])> = vec![(
        Style::new(Font::Bold, 8.0, ACCENT),
        [
            t.col_instalment.to_string(),
            t.col_rate.to_string(),
            amount_title.to_string(),
        ],
    )];
    for p in &e.payments {
        rows.push((
            BODY,
            [
                p.label.clone(),
                format::rate(p.rate, en),
                format::money(p.amount, en),
            ],
        ));
    }
    for (i, (style, [label, rate, amount])) in rows.iter().enumerate() {
        flow.ensure(ROW);
        let top = flow.y;
        let page = flow.page();
        if i == 0 {
            page.rect(LEFT, top - ROW, WIDTH, ROW, Some(HEADER_FILL), None);
        }
        let y = top - ROW / 2.0 - style.size * 0.35;
        page.text_fit(LEFT + 4.0, y, label_w - 8.0, Align::Left, *style, label);
        page.text_fit(LEFT + label_w, y, rate_w - 4.0, Align::Right, *style, rate);
        page.text_fit(
            LEFT + label_w + rate_w,
            y,
            amount_w - 4.0,
            Align::Right,
            *style,
            amount,
        );
        page.line(LEFT, top - ROW, RIGHT, top - ROW, RULE, 0.4);
        flow.advance(ROW);
    }
    flow.advance(6.0);
}

/// One clause: its title in bold, then its text, flowing across pages between lines.
fn clause(flow: &mut Flow<'_>, c: &RenderedClause) {
    let title = SMALL.bold();
    flow.ensure(title.leading() + 2.0 * SMALL.leading());
    flow.paragraph(LEFT, WIDTH, title, &c.title);
    flow.paragraph(LEFT, WIDTH, SMALL, &c.text);
    flow.advance(5.0);
}

/// Legal mentions, then conditions, in the estimate's order.
fn clauses(flow: &mut Flow<'_>, e: &Estimate, t: &Texts) {
    let reverse = e.vat_regime == VatRegime::ReverseCharge;
    let mentions: Vec<&RenderedClause> = e
        .mentions
        .iter()
        // The acceptance is the signature block; the reverse charge is by the totals.
        .filter(|m| m.id != "bon_pour_accord" && !(reverse && m.id == "autoliquidation"))
        .collect();
    let keep = SMALL.bold().leading() + 2.0 * SMALL.leading();
    if !mentions.is_empty() {
        heading(flow, t.mentions, keep);
        for m in mentions {
            clause(flow, m);
        }
    }
    if !e.conditions.is_empty() {
        heading(flow, t.conditions, keep);
        for c in &e.conditions {
            clause(flow, c);
        }
    }
}

/// "Bon pour accord": a frame with the client's side and the firm's side, never split.
fn signature(flow: &mut Flow<'_>, e: &Estimate, t: &Texts) {
    let m = mention(e, "bon_pour_accord");
    let pad = 8.0;
    let col = (WIDTH - 3.0 * pad) / 2.0;
    let caption = Style::new(Font::Bold, 9.0, ACCENT);
    let name = Style::new(Font::Bold, 8.5, BLACK);
    let sign_h = 58.0;

    let mut client: Vec<(Style, String)> = vec![(caption, t.client_side.to_string())];
    if !e.client.name.is_empty() {
        client.extend(
            wrap(&e.client.name, name, col)
                .into_iter()
                .map(|l| (name, l)),
        );
    }
    if let Some(m) = m {
        client.extend(wrap(&m.text, SMALL, col).into_iter().map(|l| (SMALL, l)));
    }
    let mut firm: Vec<(Style, String)> = vec![(caption, t.firm_side.to_string())];
    firm.extend(
        wrap(&e.firm.firm.name, name, col)
            .into_iter()
            .map(|l| (name, l)),
    );
    for l in [t.firm_date, t.firm_signatory, t.firm_signature] {
        firm.extend(wrap(l, SMALL, col).into_iter().map(|l| (SMALL, l)));
    }
    let height = |rows: &[(Style, String)]| rows.iter().map(|(s, _)| s.leading()).sum::<f32>();
    let box_h = height(&client).max(height(&firm)) + sign_h + 2.0 * pad + 4.0;
    let title = m.map_or(t.acceptance, |m| m.title.as_str());

    heading(flow, title, box_h);
    let top = flow.y;
    let page = flow.page();
    page.rect(LEFT, top - box_h, WIDTH, box_h, None, Some((ACCENT, 0.9)));
    page.line(
        LEFT + WIDTH / 2.0,
        top - box_h,
        LEFT + WIDTH / 2.0,
        top,
        RULE,
        0.6,
    );
    for (x, rows) in [(LEFT + pad, &client), (LEFT + 2.0 * pad + col, &firm)] {
        let mut y = top - pad;
        for (style, text) in rows.iter() {
            page.text(x, y - style.size, Align::Left, *style, text);
            y -= style.leading();
        }
        // The space left for the signature.
        page.rect(x, top - box_h + pad, col, sign_h, None, Some((RULE, 0.5)));
    }
    flow.advance(box_h + 6.0);
}

/// Firm name, SIRET and "Page n / N" at the bottom of every page.
fn footers(pages: &mut [Page], e: &Estimate, t: &Texts) {
    let f = &e.firm.firm;
    let mut parts = vec![f.name.clone()];
    if !f.legal_form.is_empty() {
        parts.push(f.legal_form.clone());
    }
    parts.push(format!("{} {}", t.siret, format::siret(&f.siret)));
    if !f.rcs.is_empty() {
        parts.push(f.rcs.clone());
    }
    let left = parts.join(" – ");
    let n = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        page.line(LEFT, FOOTER_Y + 9.0, RIGHT, FOOTER_Y + 9.0, RULE, 0.5);
        page.text_fit(LEFT, FOOTER_Y, WIDTH - 80.0, Align::Left, FOOTER, &left);
        page.text(
            RIGHT,
            FOOTER_Y,
            Align::Right,
            FOOTER.sized(7.5),
            &format!("{} {} / {n}", t.page, i + 1),
        );
    }
}
