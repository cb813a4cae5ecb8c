//! Room labels with their surfaces, and dimension values tied to their dimension lines.

use serde::{Deserialize, Serialize};

use super::page::{BBox, Segment, TextRun};
use super::text::{DimUnit, parse_area, parse_dimension};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub name: String,
    pub area_m2: f64,
    pub bbox: BBox,
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    pub text: String,
    pub value_m: f64,
    /// The drawn line's length at the page scale, when a line was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_m: Option<f64>,
    pub bbox: BBox,
    pub confidence: f32,
}

fn excluded(b: &BBox, zones: &[BBox]) -> bool {
    zones.iter().any(|z| z.contains(b.centre()))
}

/// Room labels: a surface ("25,40 m²") with the name before it on the same line, or on
/// the line just above.
///
/// `scanned` holds the drawing's lines on a scanned page: OCR often loses the small "²"
/// ("11,28 m", or the unit altogether), so a metric value in metres that sits on no
/// dimension line and has a name right above it is taken for a surface too, with less
/// confidence.
pub fn rooms(texts: &[TextRun], zones: &[BBox], scanned: Option<&[Segment]>) -> Vec<Room> {
    let mut out: Vec<Room> = Vec::new();
    for (i, r) in texts.iter().enumerate() {
        if excluded(&r.bbox, zones) {
            continue;
        }
        let (area, inferred) = match parse_area(&r.text) {
            Some(a) => (a, false),
            None => match scanned.and_then(|segs| lost_unit_area(r, segs)) {
                Some(a) => (a, true),
                None => continue,
            },
        };
        let mut bbox = r.bbox;
        let mut name = area.before.clone();
        let mut confidence = r.confidence.min(0.95);
        if name.is_empty() {
            // The nearest text above whose centre is over the surface's.
            let c = r.bbox.centre();
            let above = texts
                .iter()
                .enumerate()
                .filter(|&(j, o)| {
                    j != i
                        && o.bbox.y1 <= r.bbox.y0 + 0.3 * r.size_mm
                        && r.bbox.y0 - o.bbox.y1 < 1.5 * r.size_mm.max(o.size_mm)
                        && (o.bbox.centre().x - c.x).abs()
                            < 0.5 * o.bbox.width().max(r.bbox.width())
                        && parse_area(&o.text).is_none()
                })
                .min_by(|a, b| (r.bbox.y0 - a.1.bbox.y1).total_cmp(&(r.bbox.y0 - b.1.bbox.y1)));
            match above {
                Some((j, o)) => {
                    name = o.text.clone();
                    bbox = bbox.union(o.bbox);
                    confidence = confidence.min(o.confidence);
                    // Room tags often read name, number, surface: a bare number above the
                    // surface takes the name above it too ("CORRIDOR 169").
                    let code = o.text.len() <= 6 && o.text.chars().any(|c| c.is_ascii_digit());
                    if code
                        && let Some(n) = texts.iter().enumerate().find(|&(l, t)| {
                            l != j
                                && t.bbox.y1 <= o.bbox.y0 + 0.3 * o.size_mm
                                && o.bbox.y0 - t.bbox.y1 < 1.5 * o.size_mm.max(t.size_mm)
                                && (t.bbox.centre().x - o.bbox.centre().x).abs()
                                    < 0.5 * t.bbox.width().max(o.bbox.width())
                                && t.text.chars().any(char::is_alphabetic)
                        })
                    {
                        name = format!("{} {}", n.1.text, name);
                        bbox = bbox.union(n.1.bbox);
                    }
                }
                None if inferred => continue,
                None => confidence = confidence.min(0.5),
            }
        }
        if inferred {
            if !name.chars().any(char::is_alphabetic) {
                continue;
            }
            confidence = confidence.min(0.6);
        }
        if name.is_empty() {
            name = "(unnamed)".into();
        }
        let area_m2 = (area.area_m2 * 100.0).round() / 100.0;
        if out.iter().any(|o| o.name == name && o.area_m2 == area_m2) {
            continue;
        }
        out.push(Room {
            name,
            area_m2,
            bbox,
            confidence,
        });
    }
    out
}

/// A surface whose "m²" OCR lost: "11,28 m" or "19.11", with a decimal part, on no line.
fn lost_unit_area(r: &TextRun, segments: &[Segment]) -> Option<super::text::AreaNote> {
    let t = r.text.trim();
    if !t.contains([',', '.']) {
        return None;
    }
    let v = parse_dimension(t)?;
    if v.unit != DimUnit::Metres || dimension_line(r, segments, false).is_some() {
        return None;
    }
    Some(super::text::AreaNote {
        area_m2: v.value_m,
        before: String::new(),
        text: t.to_string(),
    })
}

/// Dimension lines are drawn with a fine pen; a scan's vectoriser measures them at 0.2 to
/// 0.3 mm, walls at 0.5 and more.
const DIMENSION_PEN_MM: f64 = 0.4;

/// Dimension values: texts that read as a length, outside tables, title block and scale
/// bars, checked against a parallel line next to them when the scale is known.
/// `require_line` (scanned pages) keeps only values drawn on a dimension line: there OCR
/// turns stray marks into numbers, and a surface that lost its "m²" reads as a length.
pub fn dimensions(
    texts: &[TextRun],
    segments: &[Segment],
    zones: &[BBox],
    scale: Option<f64>,
    imperial: bool,
    require_line: bool,
) -> Vec<Dimension> {
    let mut out = Vec::new();
    for r in texts {
        if excluded(&r.bbox, zones) {
            continue;
        }
        let Some(v) = parse_dimension(&r.text) else {
            continue;
        };
        // On a plan drawn in feet and inches, bare numbers are room and grid numbers.
        if imperial && v.unit != DimUnit::FeetInches {
            continue;
        }
        let line = dimension_line(r, segments, require_line);
        let measured = match (line, scale) {
            (Some(len_mm), Some(s)) => Some(len_mm * s / 1000.0),
            _ => None,
        };
        let mut value = v.value_m;
        // A bare integer is centimetres on French plans, or millimetres when the line
        // says so.
        if v.unit == DimUnit::Integer
            && let Some(m) = measured
        {
            let mm = value / 10.0;
            if (mm - m).abs() < (value - m).abs() {
                value = mm;
            }
        }
        let agrees = measured.map(|m| (m - value).abs() <= 0.03 * value.max(0.05));
        let confidence = match (line, agrees) {
            (_, Some(true)) => 0.95,
            (_, Some(false)) => 0.6,
            (Some(_), None) => 0.8,
            (None, None) => 0.5,
        } * r.confidence.min(1.0);
        // A bare number with no line next to it is more likely a note than a dimension.
        if line.is_none() && (v.unit == DimUnit::Integer || require_line) {
            continue;
        }
        // Building dimensions start at a few centimetres; "1" is a tag or a grid number.
        if value < 0.05 {
            continue;
        }
        out.push(Dimension {
            text: r.text.clone(),
            value_m: (value * 10000.0).round() / 10000.0,
            measured_m: measured.map(|m| (m * 1000.0).round() / 1000.0),
            bbox: r.bbox,
            confidence,
        });
    }
    out
}

/// The length of the line a dimension text sits on: parallel to the text, within about
/// a text height of it, spanning the text's middle. `strict` (scans) also wants it thin
/// and longer than the text: there OCR reads "numbers" into a hatched wall, whose edge is
/// a heavy line, and into the short strokes of a window symbol.
fn dimension_line(r: &TextRun, segments: &[Segment], strict: bool) -> Option<f64> {
    let a = r.angle_deg.to_radians();
    let (ux, uy) = (a.cos(), -a.sin());
    let c = r.bbox.centre();
    let mut best: Option<(f64, f64)> = None;
    for s in segments {
        if s.fill {
            continue;
        }
        let (sx, sy) = (s.b.x - s.a.x, s.b.y - s.a.y);
        let len = sx.hypot(sy);
        if len < r.size_mm {
            continue;
        }
        // The box of a value read again is the whole interval it was looked for in; its
        // figures, about 0.6 of their size each, say how long the text itself is.
        let text_len = if r.angle_deg.abs() < 45.0 {
            r.bbox.width()
        } else {
            r.bbox.height()
        }
        .min(r.text.chars().count() as f64 * 0.6 * r.size_mm);
        if strict && (s.width_mm >= DIMENSION_PEN_MM || len < text_len) {
            continue;
        }
        if (sx * uy - sy * ux).abs() / len > 0.02 {
            continue;
        }
        let rel = |p: super::page::Pt| {
            let (px, py) = (p.x - c.x, p.y - c.y);
            (px * ux + py * uy, -px * uy + py * ux)
        };
        let (a_along, a_off) = rel(s.a);
        let (b_along, _) = rel(s.b);
        if a_along.min(b_along) > 0.0 || a_along.max(b_along) < 0.0 {
            continue;
        }
        let dist = a_off.abs();
        if dist > 1.6 * r.size_mm {
            continue;
        }
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, len));
        }
    }
    best.map(|(_, len)| len)
}

/// Rooms a surface schedule lists that no label on the drawing gave ("TABLEAU DES
/// SURFACES": name, then surface in the last column): OCR of a poor scan misses labels
/// that the table, in larger and cleaner type, still gives. Only for a schedule that is
/// this drawing's (most of its surfaces are on labels here; a whole building's table
/// beside one level's plan adds nothing), and never its total.
pub fn schedule_rooms(tables: &[super::tables::Table], found: &[Room]) -> Vec<Room> {
    let mut out = Vec::new();
    for t in tables {
        let lower = t.title.to_lowercase();
        if !(lower.contains("surface") || lower.contains("area") || lower.contains("schedule")) {
            continue;
        }
        let rows: Vec<(String, f64)> = t
            .rows
            .iter()
            .filter_map(|row| {
                let last = row.last()?;
                let value: f64 = last.trim().replace(',', ".").parse().ok()?;
                let name = if row.len() > 1 {
                    row[..row.len() - 1].join(" ")
                } else {
                    String::new()
                };
                let total = name.to_lowercase().contains("total");
                (value > 0.5 && value < 10_000.0 && !total).then_some((name, value))
            })
            .collect();
        // A total whose label OCR did not put on its row is the sum of the others.
        let sum: f64 = rows.iter().map(|r| r.1).sum();
        let rows: Vec<(String, f64)> = rows
            .iter()
            .filter(|(_, v)| ((sum - v) - v).abs() > 0.01 * v)
            .cloned()
            .collect();
        if rows.len() < 2 {
            continue;
        }
        let on_labels = |v: f64| found.iter().any(|r| (r.area_m2 - v).abs() < 0.005);
        let matched = rows.iter().filter(|(_, v)| on_labels(*v)).count();
        if 2 * matched < rows.len() {
            continue;
        }
        for (name, v) in rows {
            if on_labels(v) {
                continue;
            }
            out.push(Room {
                name: if name.is_empty() {
                    "(unnamed)".into()
                } else {
                    name
                },
                area_m2: (v * 100.0).round() / 100.0,
                bbox: t.bbox,
                confidence: 0.6,
            });
        }
    }
    out
}
