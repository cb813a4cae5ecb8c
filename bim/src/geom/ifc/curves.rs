//! Curves to polylines: polylines, composite curves, trimmed circles, ellipses and lines,
//! and IFC4's indexed poly curves with three-point arcs.

use std::f64::consts::TAU;

use crate::step::Value;

use super::super::math::{Affine, V3, v3};
use super::{GResult, GeomBuilder, MAX_DEPTH, err, one_based};

/// Segments for a full circle: a regular 64-gon has 99.84 % of the circle's area.
const CIRCLE_SEGMENTS: f64 = 64.0;

impl GeomBuilder<'_> {
    /// Points along a bounded curve, in its parent's coordinates (file units).
    pub(super) fn curve_points(&self, id: u32, depth: usize) -> GResult<Vec<V3>> {
        if depth > MAX_DEPTH {
            return err(id, "curve nesting too deep (reference cycle?)");
        }
        let a = self.args(id)?;
        match self.ty(id)? {
            "IFCPOLYLINE" => a
                .first()
                .map(Value::refs)
                .unwrap_or_default()
                .into_iter()
                .map(|p| self.point(p))
                .collect(),
            "IFCCOMPOSITECURVE" | "IFCCOMPOSITECURVEONSURFACE" => {
                let mut out: Vec<V3> = Vec::new();
                for seg in a.first().map(Value::refs).unwrap_or_default() {
                    let sa = self.args(seg)?;
                    let (same_sense, parent) = match self.ty(seg)? {
                        "IFCCOMPOSITECURVESEGMENT" | "IFCREPARAMETRISEDCOMPOSITECURVESEGMENT" => (
                            sa.get(1).and_then(Value::as_bool).unwrap_or(true),
                            sa.get(2).and_then(Value::as_ref_id),
                        ),
                        other => return err(seg, format!("{other} segments are not supported")),
                    };
                    let Some(parent) = parent else { continue };
                    let mut pts = self.curve_points(parent, depth + 1)?;
                    if !same_sense {
                        pts.reverse();
                    }
                    append_joined(&mut out, pts);
                }
                Ok(out)
            }
            "IFCTRIMMEDCURVE" => self.trimmed_curve(id, &a, depth),
            "IFCCIRCLE" | "IFCELLIPSE" => {
                let (frame, r1, r2) = self.conic(id, &a)?;
                Ok(arc_points(&frame, r1, r2, 0.0, TAU))
            }
            "IFCINDEXEDPOLYCURVE" => self.indexed_poly_curve(id, &a),
            other => err(id, format!("{other} curves are not supported")),
        }
    }

    /// (placement, semi axis 1, semi axis 2) of an IfcCircle or IfcEllipse.
    fn conic(&self, id: u32, a: &[Value<'_>]) -> GResult<(Affine, f64, f64)> {
        let frame = self.opt_axis_placement(a.first())?;
        let r1 = a.get(1).and_then(Value::as_f64).unwrap_or(0.0);
        let r2 = if self.ty(id)? == "IFCELLIPSE" {
            a.get(2).and_then(Value::as_f64).unwrap_or(r1)
        } else {
            r1
        };
        if !(r1 > 0.0 && r2 > 0.0) {
            return err(id, "conic with non-positive radius");
        }
        Ok((frame, r1, r2))
    }

    fn trimmed_curve(&self, id: u32, a: &[Value<'_>], depth: usize) -> GResult<Vec<V3>> {
        let Some(basis) = a.first().and_then(Value::as_ref_id) else {
            return err(id, "trimmed curve without basis");
        };
        let sense = a.get(3).and_then(Value::as_bool).unwrap_or(true);
        let prefer_param = a.get(4).and_then(Value::as_enum) == Some("PARAMETER");
        let trim = |i: usize| -> (Option<u32>, Option<f64>) {
            let items = a.get(i).and_then(Value::as_list).unwrap_or(&[]);
            let point = items.iter().find_map(Value::as_ref_id);
            let param = items.iter().find_map(|v| match v {
                Value::Typed(_, inner) => inner.as_f64(),
                Value::Real(r) => Some(*r),
                _ => None,
            });
            (point, param)
        };
        let (t1, t2) = (trim(1), trim(2));
        let bty = self.ty(basis)?;
        match bty {
            "IFCCIRCLE" | "IFCELLIPSE" => {
                let ba = self.args(basis)?;
                let (frame, r1, r2) = self.conic(basis, &ba)?;
                let inv = frame.inverse().unwrap_or(Affine::IDENTITY);
                let angle_of = |t: (Option<u32>, Option<f64>)| -> GResult<f64> {
                    match t {
                        (_, Some(p)) if prefer_param || t.0.is_none() => Ok(p * self.angle),
                        (Some(pt), _) => {
                            let l = inv.apply(self.point(pt)?);
                            Ok((l.y / r2).atan2(l.x / r1))
                        }
                        (None, Some(p)) => Ok(p * self.angle),
                        (None, None) => err(id, "trim without point or parameter"),
                    }
                };
                let (s, e) = (angle_of(t1)?, angle_of(t2)?);
                if !(s.is_finite() && e.is_finite()) {
                    return err(id, "trim angle is not a finite number");
                }
                // One sweep from Trim1 to Trim2, in the sense given; never more than a turn.
                let sweep = if sense {
                    (e - s).rem_euclid(TAU)
                } else {
                    (s - e).rem_euclid(TAU)
                };
                let sweep = if sweep < 1e-12 { TAU } else { sweep };
                let e = if sense { s + sweep } else { s - sweep };
                Ok(arc_points(&frame, r1, r2, s, e))
            }
            "IFCLINE" => {
                let ba = self.args(basis)?;
                let origin = ba
                    .first()
                    .and_then(Value::as_ref_id)
                    .map(|p| self.point(p))
                    .transpose()?
                    .unwrap_or_default();
                let (dir, mag) = match ba.get(1).and_then(Value::as_ref_id) {
                    Some(vec) => {
                        let va = self.args(vec)?;
                        let d = self.opt_direction(va.first())?;
                        (
                            d.and_then(V3::normalized).unwrap_or(v3(1.0, 0.0, 0.0)),
                            va.get(1).and_then(Value::as_f64).unwrap_or(1.0),
                        )
                    }
                    None => (v3(1.0, 0.0, 0.0), 1.0),
                };
                let at = |t: (Option<u32>, Option<f64>)| -> GResult<V3> {
                    match t {
                        (Some(p), _) if !prefer_param || t.1.is_none() => self.point(p),
                        (_, Some(u)) => Ok(origin + dir * (u * mag)),
                        (Some(p), None) => self.point(p),
                        (None, None) => err(id, "trim without point or parameter"),
                    }
                };
                let (p1, p2) = (at(t1)?, at(t2)?);
                // A trimmed curve runs from Trim1 to Trim2; the sense only says which way
                // along the basis, which for a line is the same segment.
                Ok(vec![p1, p2])
            }
            _ => {
                // Other bases: use the cartesian trims when given, else the whole curve.
                match (t1.0, t2.0) {
                    (Some(p1), Some(p2)) => {
                        let (p1, p2) = (self.point(p1)?, self.point(p2)?);
                        let pts = self.curve_points(basis, depth + 1)?;
                        Ok(sub_polyline(&pts, p1, p2))
                    }
                    _ => self.curve_points(basis, depth + 1),
                }
            }
        }
    }

    fn indexed_poly_curve(&self, id: u32, a: &[Value<'_>]) -> GResult<Vec<V3>> {
        let pts = self.point_list(id, a.first())?;
        let get = |i: i64| -> GResult<V3> {
            one_based(&pts, &[], i).map_or_else(|| err(id, format!("index {i} out of range")), Ok)
        };
        let Some(segments) = a.get(1).and_then(Value::as_list) else {
            return Ok(pts);
        };
        let mut out = Vec::new();
        for seg in segments {
            let Value::Typed(kind, inner) = seg else {
                continue;
            };
            let idx: Vec<i64> = inner
                .as_list()
                .unwrap_or(&[])
                .iter()
                .filter_map(Value::as_i64)
                .collect();
            if kind.eq_ignore_ascii_case(b"IFCARCINDEX") && idx.len() == 3 {
                append_joined(
                    &mut out,
                    three_point_arc(get(idx[0])?, get(idx[1])?, get(idx[2])?),
                );
            } else {
                let seg_pts = idx.iter().map(|&i| get(i)).collect::<GResult<Vec<_>>>()?;
                append_joined(&mut out, seg_pts);
            }
        }
        Ok(out)
    }
}

/// Points of an elliptic arc from angle `s` to `e` (either direction), in `frame`.
pub(super) fn arc_points(frame: &Affine, r1: f64, r2: f64, s: f64, e: f64) -> Vec<V3> {
    // At most one turn's worth of segments, whatever the angles say.
    let turns = ((e - s).abs() / TAU).min(1.0);
    let n = if turns.is_finite() {
        (turns * CIRCLE_SEGMENTS).ceil().max(1.0) as usize
    } else {
        1
    };
    (0..=n)
        .map(|i| {
            let t = s + (e - s) * i as f64 / n as f64;
            frame.apply(v3(r1 * t.cos(), r2 * t.sin(), 0.0))
        })
        .collect()
}

/// A circular arc through three points (2D, in the XY plane).
fn three_point_arc(p1: V3, p2: V3, p3: V3) -> Vec<V3> {
    let (ax, ay, bx, by, cx, cy) = (p1.x, p1.y, p2.x, p2.y, p3.x, p3.y);
    let d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
    if d.abs() < 1e-12 {
        return vec![p1, p2, p3];
    }
    let ux = ((ax * ax + ay * ay) * (by - cy)
        + (bx * bx + by * by) * (cy - ay)
        + (cx * cx + cy * cy) * (ay - by))
        / d;
    let uy = ((ax * ax + ay * ay) * (cx - bx)
        + (bx * bx + by * by) * (ax - cx)
        + (cx * cx + cy * cy) * (bx - ax))
        / d;
    let r = ((ax - ux).powi(2) + (ay - uy).powi(2)).sqrt();
    let ang = |p: V3| (p.y - uy).atan2(p.x - ux);
    let (s, m, mut e) = (ang(p1), ang(p2), ang(p3));
    // Go counter-clockwise if the middle point lies on the CCW sweep from s to e.
    let ccw_span = |from: f64, to: f64| (to - from).rem_euclid(TAU);
    if ccw_span(s, m) <= ccw_span(s, e) {
        e = s + ccw_span(s, e);
    } else {
        e = s - ccw_span(e, s);
    }
    arc_points(&Affine::translation(v3(ux, uy, 0.0)), r, r, s, e)
}

/// Appends `pts`, dropping its first point when it repeats the last one.
fn append_joined(out: &mut Vec<V3>, pts: Vec<V3>) {
    let mut it = pts.into_iter().peekable();
    if let (Some(last), Some(first)) = (out.last(), it.peek())
        && (*last - *first).len() < 1e-9
    {
        it.next();
    }
    out.extend(it);
}

/// The part of a polyline from the vertex closest to `a` to the one closest to `b`.
fn sub_polyline(pts: &[V3], a: V3, b: V3) -> Vec<V3> {
    if pts.is_empty() {
        return Vec::new();
    }
    let closest = |q: V3| {
        pts.iter()
            .enumerate()
            .min_by(|x, y| (*x.1 - q).len().total_cmp(&(*y.1 - q).len()))
            .map_or(0, |(i, _)| i)
    };
    let (i, j) = (closest(a), closest(b));
    if i <= j {
        pts[i..=j].to_vec()
    } else {
        pts[j..=i].iter().rev().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_point_arc_goes_through_middle() {
        let pts = three_point_arc(v3(1.0, 0.0, 0.0), v3(0.0, 1.0, 0.0), v3(-1.0, 0.0, 0.0));
        assert!(pts.iter().all(|p| p.y >= -1e-9), "upper half circle");
        let pts = three_point_arc(v3(1.0, 0.0, 0.0), v3(0.0, -1.0, 0.0), v3(-1.0, 0.0, 0.0));
        assert!(pts.iter().all(|p| p.y <= 1e-9), "lower half circle");
    }
}
