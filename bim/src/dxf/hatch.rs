//! HATCH boundary paths and their net area.
//!
//! The `dxf` crate drops HATCH entirely, yet hatch areas are what an area takeoff is made
//! of (floor finishes, insulation, concrete in section). The groups are read in order
//! because the same codes (10/20, 40, 97) mean different things in different places.

use std::f64::consts::TAU;

use super::curve;
use super::tokens::Pair;

/// Loops per hatch whose nesting is resolved.
const MAX_NESTED_LOOPS: usize = 5_000;

/// One boundary loop: its signed area (CCW positive) and a flattened outline for nesting.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loop {
    pub area: f64,
    pub outline: Vec<(f64, f64)>,
}

/// A decoded hatch: loops and hatch style (75: 0 normal/odd parity, 1 outermost, 2 ignore).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hatch {
    pub loops: Vec<Loop>,
    pub style: i64,
}

/// A failure to decode, with the position of the pair that did not fit.
#[derive(Debug, Clone, PartialEq)]
pub struct HatchError {
    pub message: String,
    pub pos: usize,
}

struct Cur<'p, 'a> {
    pairs: &'p [Pair<'a>],
    i: usize,
    end_pos: usize,
}

impl Cur<'_, '_> {
    fn peek(&self) -> Option<i32> {
        self.pairs.get(self.i).map(|p| p.code)
    }
    fn err(&self, message: String) -> HatchError {
        HatchError {
            message,
            pos: self.pairs.get(self.i).map_or(self.end_pos, |p| p.pos),
        }
    }
    /// The next value, which must have `code`.
    fn f(&mut self, code: i32) -> Result<f64, HatchError> {
        match self.pairs.get(self.i) {
            Some(p) if p.code == code => {
                self.i += 1;
                p.f64()
                    .ok_or_else(|| self.err(format!("HATCH group {code} is not a number")))
            }
            Some(p) => Err(self.err(format!(
                "HATCH boundary: expected group {code}, found {}",
                p.code
            ))),
            None => Err(self.err(format!(
                "HATCH boundary: expected group {code}, found end of entity"
            ))),
        }
    }
    fn n(&mut self, code: i32) -> Result<usize, HatchError> {
        let v = self.f(code)?;
        // A count larger than the pairs left cannot be right; refuse it before allocating.
        if v < 0.0 || v > (self.pairs.len() - self.i.min(self.pairs.len())) as f64 + 1.0 {
            return Err(self.err(format!("HATCH count {v} in group {code} is out of range")));
        }
        Ok(v as usize)
    }
    fn opt(&mut self, code: i32) -> Option<f64> {
        if self.peek() == Some(code) {
            self.f(code).ok()
        } else {
            None
        }
    }
    fn xy(&mut self, x: i32) -> Result<(f64, f64), HatchError> {
        Ok((self.f(x)?, self.f(x + 10)?))
    }
    /// Skips a following Z group, which some writers add to 2D points.
    fn skip_z(&mut self, z: i32) {
        if self.peek() == Some(z) {
            self.i += 1;
        }
    }
}

/// Decodes the boundary of a HATCH from its pairs (`0/HATCH` included). `fit_data` is true
/// for R2010+ files, whose spline edges carry a fit-point count.
pub fn decode(pairs: &[Pair<'_>], fit_data: bool) -> Result<Hatch, HatchError> {
    let end_pos = pairs.last().map_or(0, |p| p.pos);
    let start = pairs.iter().position(|p| p.code == 91).ok_or(HatchError {
        message: "HATCH without boundary path count (91)".into(),
        pos: pairs.first().map_or(0, |p| p.pos),
    })?;
    let mut c = Cur {
        pairs,
        i: start,
        end_pos,
    };
    let n_paths = c.n(91)?;
    let mut loops = Vec::with_capacity(n_paths);
    for _ in 0..n_paths {
        let flags = c.f(92)? as i64;
        let lp = if flags & 2 != 0 {
            polyline_path(&mut c)?
        } else {
            edge_path(&mut c, fit_data)?
        };
        // Source boundary objects: a count and that many handles.
        if c.peek() == Some(97) {
            let k = c.n(97)?;
            for _ in 0..k {
                if c.peek() == Some(330) {
                    c.i += 1;
                }
            }
        }
        loops.push(lp);
    }
    let style = c.opt(75).map_or(0, |s| s as i64);
    Ok(Hatch { loops, style })
}

fn polyline_path(c: &mut Cur<'_, '_>) -> Result<Loop, HatchError> {
    let has_bulge = c.f(72)? != 0.0;
    let _closed = c.opt(73);
    let n = c.n(93)?;
    let mut pts = Vec::with_capacity(n);
    for _ in 0..n {
        let (x, y) = c.xy(10)?;
        let b = if has_bulge || c.peek() == Some(42) {
            c.opt(42).unwrap_or(0.0)
        } else {
            0.0
        };
        pts.push((x, y, b));
    }
    // Hatch polyline paths are always closed.
    let mut area = 0.0;
    let mut outline = Vec::with_capacity(n * 2);
    for (k, &(x1, y1, b)) in pts.iter().enumerate() {
        let Some(&(x2, y2, _)) = pts.get((k + 1) % n) else {
            break;
        };
        area += curve::bulge_segment((x1, y1), (x2, y2), b).1;
        outline.push((x1, y1));
        if b != 0.0 {
            outline.extend(bulge_arc_points((x1, y1), (x2, y2), b, 8));
        }
    }
    Ok(Loop { area, outline })
}

/// Inner points of the arc a bulge describes, for the outline used in nesting tests.
fn bulge_arc_points(p1: (f64, f64), p2: (f64, f64), bulge: f64, k: usize) -> Vec<(f64, f64)> {
    let (dx, dy) = (p2.0 - p1.0, p2.1 - p1.1);
    let c = dx.hypot(dy);
    if c == 0.0 || !bulge.is_finite() {
        return Vec::new();
    }
    let theta = 4.0 * bulge.atan(); // signed included angle
    let r = c / (2.0 * (theta / 2.0).sin());
    // Centre: from the chord midpoint along the chord normal.
    let h = r * (theta / 2.0).cos();
    let (mx, my) = ((p1.0 + p2.0) / 2.0, (p1.1 + p2.1) / 2.0);
    let (nx, ny) = (-dy / c, dx / c);
    let (cx, cy) = (mx + nx * h, my + ny * h);
    let a0 = (p1.1 - cy).atan2(p1.0 - cx);
    let rr = r.abs();
    (1..k)
        .map(|s| {
            let a = a0 + theta * s as f64 / k as f64;
            (cx + rr * a.cos(), cy + rr * a.sin())
        })
        .collect()
}

fn edge_path(c: &mut Cur<'_, '_>, fit_data: bool) -> Result<Loop, HatchError> {
    let n = c.n(93)?;
    let mut area = 0.0;
    let mut outline = Vec::new();
    for _ in 0..n {
        let kind = c.f(72)? as i64;
        match kind {
            1 => {
                let p1 = c.xy(10)?;
                let p2 = c.xy(11)?;
                area += 0.5 * (p1.0 * p2.1 - p2.0 * p1.1);
                outline.push(p1);
            }
            2 | 3 => {
                let centre = c.xy(10)?;
                let (m, ratio) = if kind == 2 {
                    let r = c.f(40)?;
                    ((r, 0.0), 1.0)
                } else {
                    let m = c.xy(11)?;
                    (m, c.f(40)?)
                };
                let (s, e) = (c.f(50)?.to_radians(), c.f(51)?.to_radians());
                let ccw = c.opt(73).is_none_or(|v| v != 0.0);
                let nvec = (-m.1 * ratio, m.0 * ratio);
                let mut sweep = (e - s).rem_euclid(TAU);
                if sweep < 1e-12 {
                    sweep = TAU;
                }
                // Clockwise edges are stored mirrored: angles run CCW from -start.
                let (t0, t1) = if ccw {
                    (s, s + sweep)
                } else {
                    (-s, -s - sweep)
                };
                area += curve::ellipse_green(centre, m, nvec, t0, t1);
                for k in 0..16 {
                    let t = t0 + (t1 - t0) * k as f64 / 16.0;
                    outline.push((
                        centre.0 + m.0 * t.cos() + nvec.0 * t.sin(),
                        centre.1 + m.1 * t.cos() + nvec.1 * t.sin(),
                    ));
                }
            }
            4 => {
                let pts = spline_edge(c, fit_data)?;
                for w in pts.windows(2) {
                    area += 0.5 * (w[0].0 * w[1].1 - w[1].0 * w[0].1);
                }
                outline.extend(pts.iter().take(pts.len().saturating_sub(1)));
            }
            other => return Err(c.err(format!("unknown HATCH edge type {other}"))),
        }
    }
    Ok(Loop { area, outline })
}

fn spline_edge(c: &mut Cur<'_, '_>, fit_data: bool) -> Result<Vec<(f64, f64)>, HatchError> {
    let degree = c.f(94)? as usize;
    let rational = c.opt(73).is_some_and(|v| v != 0.0);
    let _periodic = c.opt(74);
    let nk = c.n(95)?;
    let nc = c.n(96)?;
    let mut knots = Vec::with_capacity(nk);
    for _ in 0..nk {
        knots.push(c.f(40)?);
    }
    let mut ctrl = Vec::with_capacity(nc);
    let mut weights = Vec::new();
    for _ in 0..nc {
        let (x, y) = c.xy(10)?;
        ctrl.push([x, y, 0.0]);
        if rational || c.peek() == Some(42) {
            weights.push(c.opt(42).unwrap_or(1.0));
        }
    }
    let mut fit = Vec::new();
    if fit_data && c.peek() == Some(97) {
        let nf = c.n(97)?;
        for _ in 0..nf {
            let (x, y) = c.xy(11)?;
            fit.push([x, y, 0.0]);
        }
        if c.peek() == Some(12) {
            c.xy(12)?;
        }
        if c.peek() == Some(13) {
            c.xy(13)?;
        }
    }
    c.skip_z(30);
    let pts = curve::bspline_points(degree, &knots, &ctrl, &weights, 32);
    let pts = if pts.len() >= 2 { pts } else { fit };
    Ok(pts.into_iter().map(|p| (p[0], p[1])).collect())
}

/// Even-odd point in polygon.
fn contains(poly: &[(f64, f64)], p: (f64, f64)) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (Some(&a), Some(&b)) = (poly.get(i), poly.get((i + n - 1) % n)) else {
            break;
        };
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 {
            inside = !inside;
        }
    }
    inside
}

/// Net area: loops nested at even depth fill, at odd depth are islands (style 0); style 1
/// fills only the outermost ring, style 2 ignores islands.
pub fn net_area(loops: &[Loop], style: i64) -> f64 {
    // Nesting is found by testing loops against each other; past this many loops (no real
    // hatch has them) nesting is not resolved and the largest loop is taken.
    if loops.len() > MAX_NESTED_LOOPS {
        return loops.iter().map(|l| l.area.abs()).fold(0.0, f64::max);
    }
    let mut total = 0.0;
    for (i, l) in loops.iter().enumerate() {
        let a = l.area.abs();
        // Probe a few points of the loop so a shared vertex does not decide alone.
        let probes: Vec<(f64, f64)> = sample_probes(&l.outline);
        let depth = loops
            .iter()
            .enumerate()
            .filter(|&(j, o)| j != i && o.area.abs() > a && o.outline.len() >= 3)
            .filter(|(_, o)| {
                let inside = probes.iter().filter(|&&p| contains(&o.outline, p)).count();
                inside * 2 > probes.len()
            })
            .count();
        let sign = match (style, depth) {
            (_, 0) => 1.0,
            (2, _) => 0.0,
            (1, 1) => -1.0,
            (1, _) => 0.0,
            (_, d) if d % 2 == 1 => -1.0,
            _ => 1.0,
        };
        total += sign * a;
    }
    total.max(0.0)
}

/// Probe points on a loop: midpoints of up to three well-spread segments.
fn sample_probes(outline: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = outline.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for k in [0, n / 3, 2 * n / 3] {
        if let (Some(a), Some(b)) = (outline.get(k), outline.get((k + 1) % n)) {
            let m = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64, ccw: bool) -> Loop {
        let mut pts = vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)];
        if !ccw {
            pts.reverse();
        }
        let n = pts.len();
        let area = (0..n)
            .map(|i| 0.5 * (pts[i].0 * pts[(i + 1) % n].1 - pts[(i + 1) % n].0 * pts[i].1))
            .sum();
        Loop { area, outline: pts }
    }

    #[test]
    fn island_is_subtracted() {
        let loops = vec![
            square(0.0, 0.0, 10.0, true),
            square(2.0, 2.0, 2.0, false),
            square(5.0, 5.0, 3.0, true),
        ];
        assert!((net_area(&loops, 0) - (100.0 - 4.0 - 9.0)).abs() < 1e-9);
        assert!((net_area(&loops, 2) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn island_in_island_fills_again() {
        let loops = vec![
            square(0.0, 0.0, 10.0, true),
            square(1.0, 1.0, 8.0, true),
            square(3.0, 3.0, 2.0, true),
        ];
        assert!((net_area(&loops, 0) - (100.0 - 64.0 + 4.0)).abs() < 1e-9);
        assert!((net_area(&loops, 1) - (100.0 - 64.0)).abs() < 1e-9);
    }

    #[test]
    fn separate_loops_add_up() {
        let loops = vec![square(0.0, 0.0, 1.0, true), square(5.0, 0.0, 2.0, false)];
        assert!((net_area(&loops, 0) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn full_circle_edge_area() {
        let a = curve::ellipse_green((3.0, 4.0), (2.0, 0.0), (0.0, 2.0), 0.0, TAU);
        assert!((a - std::f64::consts::PI * 4.0).abs() < 1e-9);
        // The same circle walked clockwise has negative area.
        let a = curve::ellipse_green((3.0, 4.0), (2.0, 0.0), (0.0, 2.0), 0.0, -TAU);
        assert!((a + std::f64::consts::PI * 4.0).abs() < 1e-9);
    }
}
