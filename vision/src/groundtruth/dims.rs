//! Exterior dimension chains: on each dimensioned side, from the building outwards, the
//! openings chain (faces and jambs), the partitions chain (faces and partition axes) and
//! the overall dimension; extension lines, ticks or dots, and the value above the line
//! (horizontal) or left of it (vertical, text turned 90°).

use super::drawing::{Drawing, HAlign, Layer, Shape, Text, VAlign, pt};
use super::layout::{self, Layout};
use super::{DimFormat, DimTick, DimensionTruth, SheetSpec, metrics};

const INCH: f64 = 0.0254;
pub const TEXT_H: f64 = 2.5;
/// First dimension line from the building face, then the spacing between lines (mm).
pub const FIRST: f64 = 10.0;
pub const STEP: f64 = 8.0;
/// Paper depth a dimensioned side needs (three lines and their text).
pub const BAND: f64 = FIRST + 2.0 * STEP + 6.0;
const GAP: f64 = 2.0;
const OVERSHOOT: f64 = 2.0;

/// A length as the sheet writes it, and the value that text stands for (metres).
pub fn format_length(spec: &SheetSpec, len_m: f64) -> (String, f64) {
    match spec.dim_format {
        DimFormat::FeetInches => {
            let inches = (len_m / INCH).round() as i64;
            (
                format!("{}'-{}\"", inches / 12, inches % 12),
                inches as f64 * INCH,
            )
        }
        f => {
            let cm = (len_m * 100.0).round() as i64;
            let text = match f {
                DimFormat::Centimetres => format!("{cm}"),
                DimFormat::MetresComma => format!("{},{:02}", cm / 100, cm % 100),
                _ => format!("{}.{:02}", cm / 100, cm % 100),
            };
            (text, cm as f64 / 100.0)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Bottom,
    Left,
    Top,
    Right,
}

impl Side {
    fn wall(self) -> usize {
        match self {
            Side::Bottom => layout::BOTTOM,
            Side::Top => layout::TOP,
            Side::Left => layout::LEFT,
            Side::Right => layout::RIGHT,
        }
    }
    fn horizontal(self) -> bool {
        matches!(self, Side::Bottom | Side::Top)
    }
}

/// The chains of one side, innermost first, as along-wall model coordinates.
fn chains(l: &Layout, side: Side) -> Vec<Vec<f64>> {
    let o = l.outer();
    let (f0, f1) = if side.horizontal() {
        (o.x0, o.x1)
    } else {
        (o.y0, o.y1)
    };
    let w = side.wall();
    let mut openings: Vec<f64> = l
        .doors
        .iter()
        .filter(|d| d.wall == w)
        .flat_map(|d| [d.a, d.b])
        .chain(
            l.windows
                .iter()
                .filter(|d| d.wall == w)
                .flat_map(|d| [d.a, d.b]),
        )
        .collect();
    let mut axes: Vec<f64> = l
        .walls
        .iter()
        .filter(|x| !x.exterior && (x.start_wall == w || x.end_wall == w))
        .map(|x| x.pos)
        .collect();
    let mut out = Vec::new();
    for pts in [&mut openings, &mut axes] {
        if pts.is_empty() {
            continue;
        }
        pts.push(f0);
        pts.push(f1);
        pts.sort_by(f64::total_cmp);
        pts.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        out.push(pts.clone());
    }
    out.push(vec![f0, f1]);
    out
}

/// Drops points until every segment's text fits between its ticks.
fn fit(spec: &SheetSpec, mut pts: Vec<f64>, mm_per_m: f64) -> Vec<f64> {
    let em = TEXT_H / metrics::CAP_HEIGHT_EM;
    loop {
        let bad = pts.windows(2).position(|s| {
            let (text, _) = format_length(spec, s[1] - s[0]);
            metrics::width_em(&text, false) * em + 2.0 > (s[1] - s[0]) * mm_per_m
        });
        match bad {
            Some(i) if pts.len() > 2 => {
                // Remove an inner end of the short segment.
                let k = if i + 1 < pts.len() - 1 { i + 1 } else { i };
                pts.remove(k);
            }
            _ => return pts,
        }
    }
}

/// Draws the dimension chains of the sheet and returns what they say.
pub fn draw(spec: &SheetSpec, l: &Layout, d: &mut Drawing) -> Vec<DimensionTruth> {
    let mut sides = vec![Side::Bottom, Side::Left];
    if spec.dimension_all_sides {
        sides.extend([Side::Top, Side::Right]);
    }
    let mut truth = Vec::new();
    let o = l.outer();
    for side in sides {
        let mut all: Vec<Vec<f64>> = Vec::new();
        for c in chains(l, side) {
            let c = fit(spec, c, d.mm_per_m);
            if !all.contains(&c) {
                all.push(c);
            }
        }
        // Paper coordinates: the face line (across) and points along.
        let face = match side {
            Side::Bottom => d.to_paper(0.0, o.y0).y,
            Side::Top => d.to_paper(0.0, o.y1).y,
            Side::Left => d.to_paper(o.x0, 0.0).x,
            Side::Right => d.to_paper(o.x1, 0.0).x,
        };
        // Outwards on paper: +y below, -y above, -x left, +x right.
        let out = match side {
            Side::Bottom | Side::Right => 1.0,
            Side::Top | Side::Left => -1.0,
        };
        let (org, k) = (d.model_origin_mm, d.mm_per_m);
        let along = move |m: f64| {
            if side.horizontal() {
                org.x + m * k
            } else {
                org.y - m * k
            }
        };
        let at = |a: f64, c: f64| {
            if side.horizontal() {
                pt(a, c)
            } else {
                pt(c, a)
            }
        };
        let mut texts: Vec<[f64; 4]> = Vec::new();
        let mut ext_lines: Vec<(f64, f64)> = Vec::new(); // (along, far end across)
        for (level, c) in all.iter().enumerate() {
            let line = face + out * (FIRST + STEP * level as f64);
            let ps: Vec<f64> = c.iter().map(|&m| along(m)).collect();
            let (lo, hi) = (
                ps.iter().copied().fold(f64::MAX, f64::min),
                ps.iter().copied().fold(f64::MIN, f64::max),
            );
            d.line(
                Layer::Cotes,
                at(lo - OVERSHOOT, line),
                at(hi + OVERSHOOT, line),
                0.18,
            );
            for &p in &ps {
                ext_lines.push((p, line + out * OVERSHOOT));
                let centre = at(p, line);
                match spec.ticks {
                    DimTick::Oblique => d.line(
                        Layer::Cotes,
                        centre.plus(pt(-1.1, 1.1)),
                        centre.plus(pt(1.1, -1.1)),
                        0.35,
                    ),
                    DimTick::Dot => d.push(
                        Layer::Cotes,
                        Shape::Disc {
                            centre,
                            radius: 0.45,
                        },
                    ),
                }
            }
            for s in c.windows(2) {
                let (text, value_m) = format_length(spec, s[1] - s[0]);
                let mid = (along(s[0]) + along(s[1])) / 2.0;
                let t = if side.horizontal() {
                    Text {
                        text: text.clone(),
                        at: pt(mid, line - 1.0),
                        height_mm: TEXT_H,
                        rotation_deg: 0.0,
                        h: HAlign::Center,
                        v: VAlign::Baseline,
                        kern: false,
                    }
                } else {
                    Text {
                        text: text.clone(),
                        at: pt(line - 1.0, mid),
                        height_mm: TEXT_H,
                        rotation_deg: 90.0,
                        h: HAlign::Center,
                        v: VAlign::Baseline,
                        kern: false,
                    }
                };
                let bbox = d.text(Layer::Cotes, t);
                texts.push(bbox);
                truth.push(DimensionTruth {
                    text,
                    value_m,
                    bbox_mm: bbox,
                    vertical: !side.horizontal(),
                });
            }
        }
        // Extension lines from near the face to past their dimension line, broken where
        // they would cross a value.
        ext_lines.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then((a.1 * out).total_cmp(&(b.1 * out)))
        });
        ext_lines.dedup_by(|far, near| {
            (far.0 - near.0).abs() < 1e-6 && {
                // Keep the farther one.
                if far.1 * out > near.1 * out {
                    near.1 = far.1;
                }
                true
            }
        });
        for (p, far) in ext_lines {
            let start = face + out * GAP;
            let mut cuts: Vec<(f64, f64)> = texts
                .iter()
                .filter_map(|b| {
                    let (a0, a1, c0, c1) = if side.horizontal() {
                        (b[0], b[2], b[1], b[3])
                    } else {
                        (b[1], b[3], b[0], b[2])
                    };
                    (p > a0 - 0.5 && p < a1 + 0.5).then_some((c0 - 0.5, c1 + 0.5))
                })
                .collect();
            cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (mut s, e) = (start.min(far), start.max(far));
            for (c0, c1) in cuts {
                if c0 > s && c0 < e {
                    d.line(Layer::Cotes, at(p, s), at(p, c0), 0.18);
                }
                s = s.max(c1);
            }
            if e > s {
                d.line(Layer::Cotes, at(p, s), at(p, e), 0.18);
            }
        }
    }
    truth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_exact() {
        let mut s = SheetSpec::new(1);
        assert_eq!(format_length(&s, 3.5), ("350".to_string(), 3.5));
        s.dim_format = DimFormat::MetresComma;
        assert_eq!(format_length(&s, 12.05).0, "12,05");
        s.dim_format = DimFormat::MetresDot;
        assert_eq!(format_length(&s, 0.9).0, "0.90");
        s.dim_format = DimFormat::FeetInches;
        let (t, v) = format_length(&s, 150.0 * INCH);
        assert_eq!(t, "12'-6\"");
        assert!((v - 3.81).abs() < 1e-12);
    }
}
