//! What every sheet carries besides the plan: the border, the title block (bottom right,
//! with the written scale), the graphic scale bar above it and, on some sheets, the room
//! schedule "TABLEAU DES SURFACES". All of it is on the `CARTOUCHE` layer.

use super::drawing::{Drawing, HAlign, Layer, Pt, Shape, Text, VAlign, pt};
use super::label;
use super::{Paper, ScaleStyle, ScheduleRow, SheetSpec, TitleTruth};

/// Where things go on a sheet (mm).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub margin: f64,
    /// Left edge and width of the right-hand column (schedule, scale bar, title block).
    pub col_x: f64,
    pub col_w: f64,
    pub row_h: f64,
    pub title_h: f64,
}

pub fn frame(spec: &SheetSpec) -> Frame {
    let (w, _) = spec.paper.size_mm();
    let (margin, col_w, row_h, title_h) = match spec.paper {
        Paper::A3 => (10.0, 110.0, 8.0, 3.0),
        Paper::A1 => (15.0, 170.0, 11.0, 4.5),
    };
    Frame {
        margin,
        col_x: w - margin - col_w,
        col_w,
        row_h,
        title_h,
    }
}

/// The plan's area on paper: left of the column, inside the border.
pub fn plan_region(spec: &SheetSpec) -> [f64; 4] {
    let f = frame(spec);
    let (_, h) = spec.paper.size_mm();
    [
        f.margin + 5.0,
        f.margin + 5.0,
        f.col_x - 5.0,
        h - f.margin - 5.0,
    ]
}

pub fn scale_text(spec: &SheetSpec) -> String {
    let s = spec.scale;
    match spec.scale_style {
        ScaleStyle::Echelle => format!("ECHELLE : 1/{s}"),
        ScaleStyle::EchelleMixedCase => format!("Echelle 1/{s}"),
        ScaleStyle::Ech => format!("ECH. 1/{s}"),
        ScaleStyle::Ratio => format!("1:{s}"),
        ScaleStyle::Imperial => "SCALE: 1/8\" = 1'-0\"".to_string(),
    }
}

/// The scale the graphic bar is drawn for: the sheet's, or another one on mismatch sheets.
pub fn bar_scale(spec: &SheetSpec) -> u32 {
    if !spec.scale_bar_mismatch {
        spec.scale
    } else if spec.scale == 50 {
        100
    } else {
        spec.scale / 2
    }
}

fn rect(d: &mut Drawing, x0: f64, y0: f64, x1: f64, y1: f64, pen: f64) {
    d.push(
        Layer::Cartouche,
        Shape::Polyline {
            points: vec![pt(x0, y0), pt(x1, y0), pt(x1, y1), pt(x0, y1)],
            closed: true,
            pen_mm: pen,
        },
    );
}

fn text(d: &mut Drawing, s: &str, at: Pt, h: f64, ha: HAlign, va: VAlign, kern: bool) {
    d.text(
        Layer::Cartouche,
        Text {
            text: s.to_string(),
            at,
            height_mm: h,
            rotation_deg: 0.0,
            h: ha,
            v: va,
            kern,
        },
    );
}

/// Border and title block; returns what the title block says.
pub fn draw_title_block(spec: &SheetSpec, d: &mut Drawing) -> TitleTruth {
    let f = frame(spec);
    let (w, h) = spec.paper.size_mm();
    let x1 = w - f.margin;
    let y1 = h - f.margin;
    let rows = [
        format!("PROJET : {}", spec.project),
        format!("PLAN : {}", spec.level.label()),
        format!("N° : {}", spec.number),
        format!("DATE : {}", spec.date),
        scale_text(spec),
    ];
    let top = y1 - rows.len() as f64 * f.row_h;
    d.form_origin_mm = pt(f.col_x, top);
    rect(d, f.margin, f.margin, x1, y1, 0.7);
    rect(d, f.col_x, top, x1, y1, 0.5);
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as f64 * f.row_h;
        if i > 0 {
            d.line(Layer::Cartouche, pt(f.col_x, y), pt(x1, y), 0.25);
        }
        // The project name is set with pair kerning (a TJ array in the PDF).
        text(
            d,
            r,
            pt(f.col_x + 3.0, y + f.row_h / 2.0),
            f.title_h,
            HAlign::Left,
            VAlign::Middle,
            i == 0,
        );
    }
    TitleTruth {
        project: spec.project.clone(),
        plan: spec.level.label().to_string(),
        number: spec.number.clone(),
        date: spec.date.clone(),
        scale_text: scale_text(spec),
    }
}

/// The graphic scale bar above the title block: alternate filled and empty blocks of 1 m
/// (5 ft on imperial sheets), labelled under each division. Returns the scale it is drawn
/// for.
pub fn draw_scale_bar(spec: &SheetSpec, d: &mut Drawing) -> u32 {
    let f = frame(spec);
    let (_, h) = spec.paper.size_mm();
    let bar = bar_scale(spec);
    let (block_m, blocks, step_label, unit) = if spec.imperial() {
        (5.0 * 0.3048, 4, 5, "ft")
    } else {
        (1.0, 5, 1, "m")
    };
    let block_mm = block_m * 1000.0 / bar as f64;
    let (bar_h, text_h) = match spec.paper {
        Paper::A3 => (2.5, 2.5),
        Paper::A1 => (3.0, 3.0),
    };
    let title_top = h - f.margin - 5.0 * f.row_h;
    let y0 = title_top - 9.0 - bar_h - text_h;
    let x0 = f.col_x + 4.0;
    for i in 0..blocks {
        let xa = x0 + i as f64 * block_mm;
        let xb = xa + block_mm;
        if i % 2 == 0 {
            d.push(
                Layer::Cartouche,
                Shape::Fill {
                    points: vec![
                        pt(xa, y0),
                        pt(xb, y0),
                        pt(xb, y0 + bar_h),
                        pt(xa, y0 + bar_h),
                    ],
                    grey: 0.0,
                },
            );
        }
        rect(d, xa, y0, xb, y0 + bar_h, 0.18);
    }
    for i in 0..=blocks {
        let x = x0 + i as f64 * block_mm;
        let s = (i * step_label).to_string();
        text(
            d,
            &s,
            pt(x, y0 + bar_h + 1.0 + text_h),
            text_h,
            HAlign::Center,
            VAlign::Baseline,
            false,
        );
        if i == blocks {
            let half =
                super::metrics::width_em(&s, false) * text_h / super::metrics::CAP_HEIGHT_EM / 2.0;
            text(
                d,
                unit,
                pt(x + half + 1.2, y0 + bar_h + 1.0 + text_h),
                text_h,
                HAlign::Left,
                VAlign::Baseline,
                false,
            );
        }
    }
    bar
}

/// The room schedule at the top of the column; returns its rows, TOTAL last.
pub fn draw_schedule(
    spec: &SheetSpec,
    rooms: &[(String, f64)],
    d: &mut Drawing,
) -> Vec<ScheduleRow> {
    let f = frame(spec);
    let (row_h, text_h) = match spec.paper {
        Paper::A3 => (6.0, 2.5),
        Paper::A1 => (8.0, 3.0),
    };
    let x0 = f.col_x;
    let x1 = f.col_x + f.col_w;
    let xm = x0 + f.col_w * 0.6;
    let y0 = f.margin + 5.0;
    let mut rows: Vec<ScheduleRow> = rooms
        .iter()
        .map(|(n, a)| ScheduleRow {
            name: n.clone(),
            area_text: label::format_area(spec, *a),
            area_m2: *a,
        })
        .collect();
    let total: f64 = rooms.iter().map(|(_, a)| a).sum();
    let total = (total * 100.0).round() / 100.0;
    rows.push(ScheduleRow {
        name: "TOTAL".into(),
        area_text: label::format_area(spec, total),
        area_m2: total,
    });
    let n = rows.len() + 2;
    let y1 = y0 + n as f64 * row_h;
    rect(d, x0, y0, x1, y1, 0.5);
    for i in 1..n {
        let y = y0 + i as f64 * row_h;
        d.line(
            Layer::Cartouche,
            pt(x0, y),
            pt(x1, y),
            if i == 2 || i == n - 1 { 0.35 } else { 0.18 },
        );
    }
    d.line(Layer::Cartouche, pt(xm, y0 + row_h), pt(xm, y1), 0.25);
    let mid = |i: usize| y0 + (i as f64 + 0.5) * row_h;
    text(
        d,
        "TABLEAU DES SURFACES",
        pt((x0 + x1) / 2.0, mid(0)),
        text_h,
        HAlign::Center,
        VAlign::Middle,
        false,
    );
    text(
        d,
        "Pièce",
        pt(x0 + 2.0, mid(1)),
        text_h,
        HAlign::Left,
        VAlign::Middle,
        false,
    );
    text(
        d,
        &format!("Surface ({})", label::area_unit(spec)),
        pt(x1 - 2.0, mid(1)),
        text_h,
        HAlign::Right,
        VAlign::Middle,
        false,
    );
    for (k, r) in rows.iter().enumerate() {
        text(
            d,
            &r.name,
            pt(x0 + 2.0, mid(k + 2)),
            text_h,
            HAlign::Left,
            VAlign::Middle,
            false,
        );
        text(
            d,
            &r.area_text,
            pt(x1 - 2.0, mid(k + 2)),
            text_h,
            HAlign::Right,
            VAlign::Middle,
            false,
        );
    }
    rows
}
