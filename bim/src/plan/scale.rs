//! The page's scale, from what is written (title block, view titles) and from graphic scale
//! bars, with a warning when they disagree: a plan printed at the wrong size or a bar
//! copied from another view would otherwise silently skew every quantity.

use serde::{Deserialize, Serialize};

use super::page::{BBox, Segment, TextRun};
use super::text::{FOOT_M, parse_bar_label, parse_scale};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleFinding {
    /// The denominator (100 for 1:100).
    pub scale: f64,
    /// "note" or "bar".
    pub source: String,
    pub text: String,
    pub bbox: BBox,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageScale {
    pub scale: Option<f64>,
    pub findings: Vec<ScaleFinding>,
    pub warnings: Vec<String>,
    /// Boxes of the scale bars found, so their labels are not read as dimensions.
    #[serde(skip)]
    pub bar_boxes: Vec<BBox>,
}

pub fn find(texts: &[TextRun], segments: &[Segment]) -> PageScale {
    let mut out = PageScale::default();
    let mut labelled = Vec::new();
    let mut bare = Vec::new();
    for r in texts {
        if let Some(note) = parse_scale(&r.text) {
            let f = ScaleFinding {
                scale: note.scale,
                source: "note".into(),
                text: note.text,
                bbox: r.bbox,
            };
            if note.labelled {
                labelled.push(f);
            } else {
                bare.push(f);
            }
        }
    }
    let bars = bars(texts, segments);
    out.bar_boxes = bars.iter().map(|b| b.bbox).collect();
    let notes = if labelled.is_empty() {
        &bare
    } else {
        &labelled
    };
    let imperial_note = notes.iter().any(|n| n.text.contains('"'));
    let bars: Vec<ScaleFinding> = bars
        .into_iter()
        .map(|b| {
            let unit_m = match b.unit {
                Some("ft") => FOOT_M,
                Some(_) => 1.0,
                None if imperial_note => FOOT_M,
                None => 1.0,
            };
            ScaleFinding {
                scale: unit_m * 1000.0 / b.mm_per_unit,
                source: "bar".into(),
                text: b.text,
                bbox: b.bbox,
            }
        })
        .collect();
    // The most frequent written scale wins; ties go to the first on the page.
    let mut chosen = None;
    let mut best = 0;
    for n in notes {
        let count = notes.iter().filter(|m| same(m.scale, n.scale)).count();
        if count > best {
            best = count;
            chosen = Some(n.scale);
        }
    }
    // Without a written scale, a bar decides only when it measures a usual scale.
    if chosen.is_none() {
        chosen = bars
            .iter()
            .map(|b| round_scale(b.scale))
            .find(|s| USUAL.contains(s));
    }
    if let Some(s) = chosen {
        let others: Vec<String> = notes
            .iter()
            .filter(|n| !same(n.scale, s))
            .map(|n| format!("\"{}\"", n.text))
            .collect();
        if !others.is_empty() {
            out.warnings.push(format!(
                "several scales are written on the page; using 1:{} and not {}",
                fmt(s),
                others.join(", ")
            ));
        }
        for b in &bars {
            if !same(b.scale, s) {
                out.warnings.push(format!(
                    "the graphic scale bar measures 1:{} but the page says 1:{}: check the print size",
                    fmt(b.scale),
                    fmt(s)
                ));
            }
        }
    }
    out.scale = chosen;
    out.findings = notes.iter().cloned().chain(bars).collect();
    out
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.02 * b.abs().max(1e-9)
}

/// A scale measured on a bar is rounded to the usual value it is within 2 % of.
const USUAL: [f64; 20] = [
    10.0, 20.0, 25.0, 48.0, 50.0, 64.0, 75.0, 96.0, 100.0, 125.0, 128.0, 150.0, 192.0, 200.0,
    250.0, 500.0, 1000.0, 2000.0, 2500.0, 5000.0,
];

fn round_scale(s: f64) -> f64 {
    USUAL.into_iter().find(|u| same(s, *u)).unwrap_or(s)
}

fn fmt(s: f64) -> String {
    if (s - s.round()).abs() < 0.05 {
        format!("{}", s.round())
    } else {
        format!("{s:.1}")
    }
}

struct Bar {
    mm_per_unit: f64,
    unit: Option<&'static str>,
    text: String,
    bbox: BBox,
}

/// Scale bars: three or more number labels on one line, placed in proportion to their
/// values, beside a drawn bar (a line along them) — grid bubbles and table columns of
/// numbers have no such line.
fn bars(texts: &[TextRun], segments: &[Segment]) -> Vec<Bar> {
    // The middle of a label's digits ("5" of "5 m"), where its tick is.
    fn number_centre(r: &TextRun) -> (f64, f64) {
        let a = r.angle_deg.to_radians();
        let (ux, uy) = (a.cos(), -a.sin());
        let length = (r.bbox.width() * ux.abs()).max(r.bbox.height() * uy.abs());
        let total = r.text.chars().count().max(1) as f64;
        let digits = r
            .text
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .count()
            .max(1) as f64;
        let half = length * digits / total / 2.0;
        (r.origin.x + ux * half, r.origin.y + uy * half)
    }

    let labels: Vec<(usize, f64, Option<&'static str>)> = texts
        .iter()
        .enumerate()
        .filter_map(|(i, r)| parse_bar_label(&r.text).map(|(v, u)| (i, v, u)))
        .collect();
    let mut used = vec![false; texts.len()];
    let mut out = Vec::new();
    // Zeros first: a bar's origin is its best anchor; OCR may miss it, so any label can
    // start a bar when three or more labels line up.
    let mut seeds: Vec<(usize, f64, Option<&'static str>)> = labels.clone();
    seeds.sort_by(|a, b| a.1.total_cmp(&b.1));
    for &(i, v, _) in &seeds {
        if used[i] {
            continue;
        }
        let zero = &texts[i];
        let (ux, uy) = {
            let a = zero.angle_deg.to_radians();
            (a.cos(), -a.sin())
        };
        let c0 = number_centre(zero);
        let mut row: Vec<(usize, f64, f64, Option<&'static str>)> = labels
            .iter()
            .filter(|&&(j, _, _)| j != i && !used[j])
            .filter_map(|&(j, vj, u)| {
                let r = &texts[j];
                if (r.angle_deg - zero.angle_deg).abs() > 2.0
                    || (r.size_mm - zero.size_mm).abs() > 0.3 * zero.size_mm
                {
                    return None;
                }
                let c = number_centre(r);
                let (dx, dy) = (c.0 - c0.0, c.1 - c0.1);
                let along = dx * ux + dy * uy;
                let across = (-dx * uy + dy * ux).abs();
                (across < 0.6 * zero.size_mm
                    && along > 0.0
                    && vj > v
                    && along < 60.0 * zero.size_mm)
                    .then_some((j, vj, along, u))
            })
            .collect();
        row.sort_by(|a, b| a.2.total_cmp(&b.2));
        let mut seq: Vec<(usize, f64, f64, Option<&'static str>)> = vec![(i, v, 0.0, None)];
        for item in row {
            if seq.last().is_none_or(|l| item.1 > l.1) {
                seq.push(item);
            }
        }
        if seq.len() < 3 {
            continue;
        }
        // Without its zero, a bar still counts whole units: small integers.
        if v != 0.0 && seq.iter().any(|s| s.1 > 100.0 || s.1.fract() != 0.0) {
            continue;
        }
        // Least squares: position = a + k * value.
        let n = seq.len() as f64;
        let (sx, sy) = (
            seq.iter().map(|s| s.1).sum::<f64>(),
            seq.iter().map(|s| s.2).sum::<f64>(),
        );
        let sxx = seq.iter().map(|s| s.1 * s.1).sum::<f64>();
        let sxy = seq.iter().map(|s| s.1 * s.2).sum::<f64>();
        let den = n * sxx - sx * sx;
        if den.abs() < 1e-12 {
            continue;
        }
        let k = (n * sxy - sx * sy) / den;
        let a0 = (sy - k * sx) / n;
        let span = seq.last().map_or(0.0, |l| l.2);
        let fits = k > 0.0
            && seq
                .iter()
                .all(|s| (s.2 - a0 - k * s.1).abs() < 0.03 * span.max(1e-9));
        if !fits {
            continue;
        }
        // The drawn bar: a line parallel to the labels, near them, as long as their span.
        let first = a0 + k * v;
        let last = a0 + k * seq.last().map_or(v, |l| l.1);
        let span_len = last - first;
        let drawn: Vec<&Segment> = segments
            .iter()
            .filter(|sg| {
                let rel = |p: super::page::Pt| {
                    let (dx, dy) = (p.x - c0.0, p.y - c0.1);
                    (dx * ux + dy * uy, -dx * uy + dy * ux)
                };
                let (sa, oa) = rel(sg.a);
                let (sb, ob) = rel(sg.b);
                (oa - ob).abs() < 0.1 * zero.size_mm
                    && oa.abs() < 4.0 * zero.size_mm
                    && sa.min(sb) <= first + 0.1 * span_len
                    && sa.max(sb) >= last - 0.1 * span_len
            })
            .collect();
        // A bar is compact: a few centimetres of paper, not labels across a sheet.
        if drawn.is_empty() || span_len > 40.0 * zero.size_mm {
            continue;
        }
        let seq: Vec<(usize, f64, f64, Option<&'static str>)> = seq[1..].to_vec();
        let unit = seq.iter().find_map(|s| s.3);
        used[i] = true;
        // The box holds the drawn bar too: its lines are not walls.
        let mut bbox = drawn
            .iter()
            .fold(zero.bbox, |b, sg| b.union(BBox::from_points([sg.a, sg.b])));
        let mut text = zero.text.clone();
        for s in &seq {
            used[s.0] = true;
            bbox = bbox.union(texts[s.0].bbox);
            text.push(' ');
            text.push_str(&texts[s.0].text);
        }
        out.push(Bar {
            mm_per_unit: k,
            unit,
            text,
            bbox: bbox.grow(2.5 * zero.size_mm),
        });
    }
    out
}
