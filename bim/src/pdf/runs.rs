//! Glyphs to text runs. CAD exports place labels glyph by glyph or word by word, in any
//! order; a run is what a reader sees as one piece of text on one baseline. A wide gap ends
//! a run, so that table columns and neighbouring labels stay apart.

use super::interp::PlacedGlyph;
use crate::plan::page::TextRun;

/// Joins glyphs that follow each other along the same baseline, in drawing order.
pub fn group(glyphs: &[PlacedGlyph]) -> Vec<TextRun> {
    let mut runs: Vec<TextRun> = Vec::new();
    let mut last_end = None;
    for g in glyphs {
        let joined = match (runs.last_mut(), last_end) {
            (Some(run), Some(end)) if continues(run, end, g) => {
                let (dx, dy) = (g.origin.x - end.0, g.origin.y - end.1);
                let (ux, uy) = dir(run.angle_deg);
                let gap = dx * ux + dy * uy;
                if gap > 0.2 * run.size_mm && !run.text.ends_with(' ') {
                    run.text.push(' ');
                }
                run.text.push_str(&g.text);
                run.bbox = run.bbox.union(g.bbox);
                true
            }
            _ => false,
        };
        if !joined {
            runs.push(TextRun {
                text: g.text.clone(),
                bbox: g.bbox,
                origin: g.origin,
                angle_deg: g.angle_deg,
                size_mm: g.size_mm,
                confidence: 1.0,
            });
        }
        last_end = Some((g.end.x, g.end.y));
    }
    for r in &mut runs {
        r.text = r.text.trim().to_string();
    }
    runs.retain(|r| !r.text.is_empty());
    runs
}

/// Unit vector of a reader's angle on the y-down page.
fn dir(angle_deg: f64) -> (f64, f64) {
    let a = angle_deg.to_radians();
    (a.cos(), -a.sin())
}

fn continues(run: &TextRun, end: (f64, f64), g: &PlacedGlyph) -> bool {
    let size = run.size_mm.max(1e-6);
    if (g.size_mm - size).abs() > 0.2 * size {
        return false;
    }
    let da = (g.angle_deg - run.angle_deg).rem_euclid(360.0);
    if da > 2.0 && da < 358.0 {
        return false;
    }
    let (ux, uy) = dir(run.angle_deg);
    let (dx, dy) = (g.origin.x - end.0, g.origin.y - end.1);
    let along = dx * ux + dy * uy;
    let across = -dx * uy + dy * ux;
    along > -0.3 * size && along < 1.0 * size && across.abs() < 0.25 * size
}
