//! Room labels: the name as the sheet writes it, the area in the sheet's format, and the
//! choice between one and two lines so that the label fits inside its room.

use super::drawing::{HAlign, Text, VAlign, pt};
use super::metrics;
use super::{AreaUnit, LabelStyle, SheetSpec};

/// The room name as written: short names for sheets that abbreviate.
pub fn display_name(spec: &SheetSpec, name: &str) -> String {
    if !spec.short_names {
        return name.to_string();
    }
    match name {
        "Dégagement" => "Dgt".to_string(),
        "Cellier" => "Cel.".to_string(),
        n if n.starts_with("Chambre ") => format!("CH.{}", &n["Chambre ".len()..]),
        n => n.to_string(),
    }
}

/// An area rounded to 0.01 m², written with the sheet's decimal separator ("25,40").
pub fn format_area(spec: &SheetSpec, area_m2: f64) -> String {
    let cents = (area_m2 * 100.0).round() as i64;
    let s = format!("{}.{:02}", cents / 100, cents % 100);
    if spec.decimal_comma {
        s.replace('.', ",")
    } else {
        s
    }
}

pub fn area_unit(spec: &SheetSpec) -> &'static str {
    match spec.area_unit {
        AreaUnit::Superscript => "m²",
        AreaUnit::Plain => "m2",
    }
}

/// "25,40 m²"
pub fn area_text(spec: &SheetSpec, area_m2: f64) -> String {
    format!("{} {}", format_area(spec, area_m2), area_unit(spec))
}

/// The label's lines and the size of the block on paper (mm): line pitch is 1.6 text
/// heights.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelPlan {
    pub lines: Vec<String>,
    pub width_mm: f64,
    pub height_mm: f64,
}

pub fn pitch(spec: &SheetSpec) -> f64 {
    spec.text_height_mm * 1.6
}

/// One line when the sheet wants it and it fits in `room_w_mm` with a margin, else two.
pub fn plan(spec: &SheetSpec, name: &str, area_m2: f64, room_w_mm: f64) -> LabelPlan {
    let em = spec.text_height_mm / metrics::CAP_HEIGHT_EM;
    let width = |s: &str| metrics::width_em(s, true) * em;
    let area = area_text(spec, area_m2);
    let one = format!("{name} {area}");
    let lines = if spec.label_style == LabelStyle::OneLine && width(&one) + 4.0 <= room_w_mm {
        vec![one]
    } else {
        vec![name.to_string(), area]
    };
    let width_mm = lines.iter().map(|l| width(l)).fold(0.0, f64::max);
    let height_mm = spec.text_height_mm * (1.0 + metrics::DESCENT_EM / metrics::CAP_HEIGHT_EM)
        + (lines.len() - 1) as f64 * pitch(spec);
    LabelPlan {
        lines,
        width_mm,
        height_mm,
    }
}

/// The texts of a label centred on `(cx, cy)` (paper mm).
pub fn texts(spec: &SheetSpec, plan: &LabelPlan, cx: f64, cy: f64) -> Vec<Text> {
    let top = cy - plan.height_mm / 2.0;
    plan.lines
        .iter()
        .enumerate()
        .map(|(i, l)| Text {
            text: l.clone(),
            at: pt(cx, top + spec.text_height_mm + i as f64 * pitch(spec)),
            height_mm: spec.text_height_mm,
            rotation_deg: 0.0,
            h: HAlign::Center,
            v: VAlign::Baseline,
            kern: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut s = SheetSpec::new(1);
        assert_eq!(area_text(&s, 25.4), "25,40 m²");
        s.decimal_comma = false;
        s.area_unit = AreaUnit::Plain;
        assert_eq!(area_text(&s, 11.199), "11.20 m2");
        s.short_names = true;
        assert_eq!(display_name(&s, "Chambre 1"), "CH.1");
    }
}
