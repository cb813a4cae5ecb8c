//! Doors and windows by their symbols. A door is a swing: a quarter circle whose radius is
//! the leaf's width. A window is three (or more) parallel lines of one length across a
//! wall's thickness, lying on the wall's axis.

use serde::{Deserialize, Serialize};

use super::page::{BBox, Curve, Pt, Segment};
use super::walls::Wall;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opening {
    /// "door" or "window".
    pub kind: String,
    pub width_m: f64,
    pub bbox: BBox,
    pub confidence: f32,
    /// A door's leaf line, which is not a wall face.
    #[serde(skip)]
    pub leaf: Option<usize>,
}

/// Door swings among the page's curves. Curves of one path that follow each other are
/// joined first (CAD programs split arcs into several Béziers).
pub fn doors(
    curves: &[Curve],
    segments: &[Segment],
    excluded: &[BBox],
    scale: f64,
) -> Vec<Opening> {
    let k = 1000.0 / scale;
    let mut joined: Vec<Vec<Pt>> = Vec::new();
    let mut last_path = u32::MAX;
    for c in curves {
        if c.fill || c.points.len() < 3 {
            continue;
        }
        let start = c.points[0];
        match joined.last_mut() {
            Some(prev)
                if c.path == last_path && prev.last().is_some_and(|p| p.dist(start) < 1e-3 * k) =>
            {
                prev.extend_from_slice(&c.points[1..]);
            }
            _ => joined.push(c.points.clone()),
        }
        last_path = c.path;
    }
    let mut out = Vec::new();
    for pts in joined {
        let Some((centre, r, sweep)) = fit_arc(&pts) else {
            continue;
        };
        let width = r / k;
        if !(0.5..=1.4).contains(&width) || !(75.0..=105.0).contains(&sweep) {
            continue;
        }
        if excluded.iter().any(|b| b.contains(centre)) {
            continue;
        }
        // A leaf line from the hinge to one end of the swing confirms the symbol.
        let ends = [pts[0], pts[pts.len() - 1]];
        let leaf = segments.iter().position(|s| {
            let hinge = s.a.dist(centre).min(s.b.dist(centre)) < 0.08 * r;
            let tip = ends
                .iter()
                .any(|e| s.a.dist(*e).min(s.b.dist(*e)) < 0.08 * r);
            hinge && tip && (s.len() - r).abs() < 0.1 * r
        });
        let mut bbox = BBox::from_points(pts.iter().copied());
        bbox = bbox.union(BBox::from_points([centre]));
        out.push(Opening {
            kind: "door".into(),
            width_m: (width * 100.0).round() / 100.0,
            bbox,
            confidence: if leaf.is_some() { 0.95 } else { 0.7 },
            leaf,
        });
    }
    out
}

/// Centre, radius and sweep (degrees) of a polyline that follows a circle closely.
fn fit_arc(pts: &[Pt]) -> Option<(Pt, f64, f64)> {
    let (a, b, c) = (pts[0], pts[pts.len() / 2], pts[pts.len() - 1]);
    let d = 2.0 * (a.x * (b.y - c.y) + b.x * (c.y - a.y) + c.x * (a.y - b.y));
    if d.abs() < 1e-9 {
        return None;
    }
    let sq = |p: Pt| p.x * p.x + p.y * p.y;
    let ux = (sq(a) * (b.y - c.y) + sq(b) * (c.y - a.y) + sq(c) * (a.y - b.y)) / d;
    let uy = (sq(a) * (c.x - b.x) + sq(b) * (a.x - c.x) + sq(c) * (b.x - a.x)) / d;
    let centre = Pt::new(ux, uy);
    let r = centre.dist(a);
    if !r.is_finite() || r <= 0.0 {
        return None;
    }
    if pts.iter().any(|p| (p.dist(centre) - r).abs() > 0.03 * r) {
        return None;
    }
    let ang = |p: Pt| (p.y - uy).atan2(p.x - ux);
    let mut sweep = 0.0;
    for w in pts.windows(2) {
        let mut d = ang(w[1]) - ang(w[0]);
        if d > std::f64::consts::PI {
            d -= 2.0 * std::f64::consts::PI;
        }
        if d < -std::f64::consts::PI {
            d += 2.0 * std::f64::consts::PI;
        }
        sweep += d;
    }
    Some((centre, r, sweep.abs().to_degrees()))
}

/// Windows: groups of three or more parallel lines of one length, evenly spread across a
/// wall's thickness on its axis.
/// `end_tol_mm` is how far on paper the ends of one symbol's lines may differ beyond 3 cm
/// at the scale: a scan's strokes end a pixel or two apart.
pub fn windows(
    segments: &[Segment],
    walls: &[Wall],
    excluded: &[BBox],
    scale: f64,
    end_tol_mm: f64,
) -> Vec<Opening> {
    let k = 1000.0 / scale;
    let lines: Vec<&Segment> = segments
        .iter()
        .filter(|s| !s.fill && s.len() >= 0.3 * k && s.len() <= 3.0 * k)
        .filter(|s| !excluded.iter().any(|b| b.contains(s.a.mid(s.b))))
        .collect();
    let mut used = vec![false; lines.len()];
    let mut out = Vec::new();
    for wall in walls {
        let (dx, dy) = (wall.b.x - wall.a.x, wall.b.y - wall.a.y);
        let len = dx.hypot(dy);
        if len == 0.0 {
            continue;
        }
        let (ux, uy) = (dx / len, dy / len);
        let t = wall.thickness_m * k;
        // Lines parallel to this wall, within its band and its extent.
        let mut cands: Vec<(usize, f64, f64, f64)> = Vec::new();
        for (i, s) in lines.iter().enumerate() {
            if used[i] {
                continue;
            }
            let (sx, sy) = (s.b.x - s.a.x, s.b.y - s.a.y);
            let cross = (sx * uy - sy * ux).abs() / s.len();
            if cross > 0.01 {
                continue;
            }
            let rel = |p: Pt| {
                let (px, py) = (p.x - wall.a.x, p.y - wall.a.y);
                (px * ux + py * uy, -px * uy + py * ux)
            };
            let (a_along, a_off) = rel(s.a);
            let (b_along, b_off) = rel(s.b);
            let off = (a_off + b_off) / 2.0;
            let (s0, s1) = (a_along.min(b_along), a_along.max(b_along));
            if off.abs() <= 0.6 * t && s0 >= -0.05 * k && s1 <= len + 0.05 * k {
                cands.push((i, off, s0, s1));
            }
        }
        cands.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.1.total_cmp(&b.1)));
        // Lines sharing their ends make one symbol.
        let tol = (0.03 * k).max(end_tol_mm);
        let mut taken = vec![false; cands.len()];
        for i in 0..cands.len() {
            if taken[i] {
                continue;
            }
            let group: Vec<usize> = (i..cands.len())
                .filter(|&j| {
                    !taken[j]
                        && (cands[j].2 - cands[i].2).abs() < tol
                        && (cands[j].3 - cands[i].3).abs() < tol
                })
                .collect();
            if group.len() < 3 {
                continue;
            }
            let offs: Vec<f64> = group.iter().map(|&j| cands[j].1).collect();
            let spread = offs.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - offs.iter().cloned().fold(f64::INFINITY, f64::min);
            if spread < 0.6 * t || spread > 1.3 * t {
                continue;
            }
            for &j in &group {
                taken[j] = true;
                used[cands[j].0] = true;
            }
            let bbox = BBox::from_points(
                group
                    .iter()
                    .flat_map(|&j| [lines[cands[j].0].a, lines[cands[j].0].b]),
            );
            out.push(Opening {
                kind: "window".into(),
                width_m: ((cands[i].3 - cands[i].2) / k * 100.0).round() / 100.0,
                bbox,
                confidence: 0.9,
                leaf: None,
            });
        }
    }
    out
}
