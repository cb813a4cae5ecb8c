//! Lengths and areas of the curves a drawing is made of.
//!
//! Polyline figures follow ezdxf's reference definitions exactly (bulge arcs integrated
//! analytically; closed = closed flag or first vertex == last vertex) so the takeoff can be
//! checked against it to 0.01%.

use std::f64::consts::TAU;

/// A 2D polyline vertex: x, y and the bulge of the segment that starts at it.
pub type BulgeVertex = (f64, f64, f64);

/// Length and signed (CCW positive) shoelace area contribution of one segment with bulge.
pub fn bulge_segment(p1: (f64, f64), p2: (f64, f64), bulge: f64) -> (f64, f64) {
    let (x1, y1) = p1;
    let (x2, y2) = p2;
    let shoelace = (x1 * y2 - x2 * y1) / 2.0;
    let c = (x2 - x1).hypot(y2 - y1);
    if bulge == 0.0 || !bulge.is_finite() || c == 0.0 {
        return (c, shoelace);
    }
    let theta = 4.0 * bulge.abs().atan();
    let r = c / (2.0 * (theta / 2.0).sin());
    let seg_area = 0.5 * r * r * (theta - theta.sin());
    (r * theta, shoelace + seg_area.copysign(bulge))
}

/// Length and, when `closed`, absolute enclosed area of a polyline.
pub fn poly_metrics(points: &[BulgeVertex], closed: bool) -> (f64, Option<f64>) {
    let n = points.len();
    if n < 2 {
        return (0.0, None);
    }
    let segs = if closed { n } else { n - 1 };
    let (mut len, mut area) = (0.0, 0.0);
    for i in 0..segs {
        let (Some(&(x1, y1, b)), Some(&(x2, y2, _))) = (points.get(i), points.get((i + 1) % n))
        else {
            break;
        };
        let (l, a) = bulge_segment((x1, y1), (x2, y2), b);
        len += l;
        area += a;
    }
    (len, closed.then_some(area.abs()))
}

/// True when the last vertex repeats the first (ezdxf's tolerance).
pub fn is_geom_closed(points: &[BulgeVertex]) -> bool {
    if points.len() < 3 {
        return false;
    }
    match (points.first(), points.last()) {
        (Some(&(x0, y0, _)), Some(&(xn, yn, _))) => {
            (xn - x0).hypot(yn - y0) <= 1e-9 * (x0.abs() + y0.abs()).max(1.0)
        }
        _ => false,
    }
}

/// A measured 2D polyline.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PolyMeasure {
    pub length: f64,
    /// The enclosed area when the polyline is closed.
    pub closed_area: Option<f64>,
}

/// Measures a 2D polyline: closed by flag, or geometrically (the repeated last vertex is
/// then dropped so its zero-length segment and bulge do not count twice).
pub fn measure_2d(points: &[BulgeVertex], closed_flag: bool) -> PolyMeasure {
    let geom_closed = !closed_flag && is_geom_closed(points);
    let pts = if geom_closed {
        points.get(..points.len() - 1).unwrap_or(points)
    } else {
        points
    };
    let (length, closed_area) = poly_metrics(pts, closed_flag || geom_closed);
    PolyMeasure {
        length,
        closed_area,
    }
}

/// Length of a 3D polyline (closing segment included when flagged closed).
pub fn length_3d(points: &[[f64; 3]], closed: bool) -> f64 {
    let mut l: f64 = points.windows(2).map(|w| dist3(w[0], w[1])).sum();
    if let (true, Some(&a), Some(&b)) = (closed && points.len() > 2, points.first(), points.last())
    {
        l += dist3(a, b);
    }
    l
}

pub fn dist3(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt()
}

/// Sweep of an arc from `start` to `end` degrees, counter-clockwise, in (0, 360].
pub fn ccw_sweep_deg(start: f64, end: f64) -> f64 {
    let s = (end - start).rem_euclid(360.0);
    if s == 0.0 { 360.0 } else { s }
}

pub fn arc_length(radius: f64, start_deg: f64, end_deg: f64) -> f64 {
    radius.abs() * ccw_sweep_deg(start_deg, end_deg).to_radians()
}

/// Length of an elliptic arc with semi-axes `a`, `b` between parameters (radians, CCW),
/// by Gauss-Legendre quadrature on sub-intervals (the integrand is smooth, so this is
/// exact to ~1e-12 relative).
pub fn ellipse_length(a: f64, b: f64, t0: f64, t1: f64) -> f64 {
    let mut sweep = (t1 - t0).rem_euclid(TAU);
    if sweep < 1e-12 {
        sweep = TAU;
    }
    const N: usize = 64;
    let h = sweep / N as f64;
    // 5-point Gauss-Legendre nodes and weights on [-1, 1].
    const X: [f64; 5] = [
        0.0,
        0.538_469_310_105_683,
        -0.538_469_310_105_683,
        0.906_179_845_938_664,
        -0.906_179_845_938_664,
    ];
    const W: [f64; 5] = [
        0.568_888_888_888_889,
        0.478_628_670_499_366,
        0.478_628_670_499_366,
        0.236_926_885_056_189,
        0.236_926_885_056_189,
    ];
    let mut total = 0.0;
    for k in 0..N {
        let mid = t0 + h * (k as f64 + 0.5);
        for (x, w) in X.iter().zip(W) {
            let t = mid + x * h / 2.0;
            total += w * (a * t.sin()).hypot(b * t.cos()) * h / 2.0;
        }
    }
    total
}

/// Green's-theorem integral ½∮(x dy − y dx) over the elliptic arc c + m·cos t + n·sin t
/// from `t0` to `t1` (radians, either direction). A circle is m = (r, 0), n = (0, r).
/// Summed over a closed loop of edges it gives the loop's signed area.
pub fn ellipse_green(c: (f64, f64), m: (f64, f64), n: (f64, f64), t0: f64, t1: f64) -> f64 {
    let cross = |u: (f64, f64), v: (f64, f64)| u.0 * v.1 - u.1 * v.0;
    0.5 * (cross(c, m) * (t1.cos() - t0.cos())
        + cross(c, n) * (t1.sin() - t0.sin())
        + cross(m, n) * (t1 - t0))
}

const MAX_SPLINE_DEGREE: usize = 25;

/// Points of a (possibly rational) B-spline, sampled evenly in every knot span.
/// Returns an empty list when the definition is inconsistent.
pub fn bspline_points(
    degree: usize,
    knots: &[f64],
    ctrl: &[[f64; 3]],
    weights: &[f64],
    per_span: usize,
) -> Vec<[f64; 3]> {
    let n = ctrl.len();
    // Real curves stay under degree 11; a file claiming more is refused rather than sampled
    // at a cost that grows with the square of the degree.
    if degree == 0 || degree > MAX_SPLINE_DEGREE || n <= degree || knots.len() != n + degree + 1 {
        return Vec::new();
    }
    let w = |i: usize| {
        if weights.len() == n {
            weights.get(i).copied().unwrap_or(1.0)
        } else {
            1.0
        }
    };
    let mut out = Vec::new();
    for span in degree..n {
        let (Some(&k0), Some(&k1)) = (knots.get(span), knots.get(span + 1)) else {
            break;
        };
        if k1 <= k0 {
            continue;
        }
        let steps = per_span.max(1);
        let first = if out.is_empty() { 0 } else { 1 };
        for s in first..=steps {
            let u = k0 + (k1 - k0) * s as f64 / steps as f64;
            if let Some(p) = de_boor(degree, knots, ctrl, &w, span, u) {
                out.push(p);
            }
        }
    }
    out
}

/// De Boor's algorithm in homogeneous coordinates for knot span `span`.
fn de_boor(
    p: usize,
    t: &[f64],
    c: &[[f64; 3]],
    w: &dyn Fn(usize) -> f64,
    span: usize,
    u: f64,
) -> Option<[f64; 3]> {
    let mut d: Vec<[f64; 4]> = Vec::with_capacity(p + 1);
    for j in 0..=p {
        let i = (j + span).checked_sub(p)?;
        let q = c.get(i)?;
        let wi = w(i);
        d.push([q[0] * wi, q[1] * wi, q[2] * wi, wi]);
    }
    for r in 1..=p {
        for j in (r..=p).rev() {
            let i = (j + span).checked_sub(p)?;
            let (ti, tk) = (*t.get(i)?, *t.get(i + p + 1 - r)?);
            let alpha = if tk - ti == 0.0 {
                0.0
            } else {
                (u - ti) / (tk - ti)
            };
            let (a, b) = (*d.get(j - 1)?, *d.get(j)?);
            let v = d.get_mut(j)?;
            for k in 0..4 {
                v[k] = (1.0 - alpha) * a[k] + alpha * b[k];
            }
        }
    }
    let r = d.get(p)?;
    if r[3] == 0.0 {
        return None;
    }
    Some([r[0] / r[3], r[1] / r[3], r[2] / r[3]])
}

/// Length of a spline: the flattened B-spline when control points define it, else the
/// fit-point polyline.
pub fn spline_length(
    degree: usize,
    knots: &[f64],
    ctrl: &[[f64; 3]],
    weights: &[f64],
    fit: &[[f64; 3]],
) -> f64 {
    let pts = bspline_points(degree, knots, ctrl, weights, 64);
    if pts.len() >= 2 {
        length_3d(&pts, false)
    } else {
        length_3d(fit, false)
    }
}
