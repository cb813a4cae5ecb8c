//! Profile definitions to planar regions (outer loop and holes) in profile coordinates.

use std::f64::consts::TAU;

use crate::step::Value;

use super::super::math::{Affine, V3, v3};
use super::super::primitives::Region;
use super::curves::arc_points;
use super::{GResult, GeomBuilder, MAX_DEPTH, err};

impl GeomBuilder<'_> {
    pub(super) fn profile(&self, id: u32, depth: usize) -> GResult<Vec<Region>> {
        if depth > MAX_DEPTH {
            return err(id, "profile nesting too deep (reference cycle?)");
        }
        let a = self.args(id)?;
        let ty = self.ty(id)?;
        let num = |i: usize| a.get(i).and_then(Value::as_f64);
        let req = |i: usize, what: &str| -> GResult<f64> {
            match num(i) {
                Some(v) if v.is_finite() && v > 0.0 => Ok(v),
                _ => err(id, format!("{ty}: {what} must be a positive number")),
            }
        };
        let loop2 = |pts: Vec<V3>| pts.into_iter().map(|p| [p.x, p.y]).collect::<Vec<_>>();
        let region = match ty {
            "IFCARBITRARYCLOSEDPROFILEDEF" | "IFCARBITRARYPROFILEDEFWITHVOIDS" => {
                let Some(outer) = a.get(2).and_then(Value::as_ref_id) else {
                    return err(id, "profile without outer curve");
                };
                let mut r = Region {
                    outer: loop2(self.curve_points(outer, depth + 1)?),
                    holes: Vec::new(),
                };
                for inner in a.get(3).map(Value::refs).unwrap_or_default() {
                    r.holes.push(loop2(self.curve_points(inner, depth + 1)?));
                }
                return Ok(vec![r]);
            }
            "IFCDERIVEDPROFILEDEF" => {
                let Some(parent) = a.get(2).and_then(Value::as_ref_id) else {
                    return err(id, "derived profile without parent");
                };
                let op = match a.get(3).and_then(Value::as_ref_id) {
                    Some(o) => self.transform_operator(o)?,
                    None => Affine::IDENTITY,
                };
                return Ok(self
                    .profile(parent, depth + 1)?
                    .iter()
                    .map(|r| map_region(r, &op))
                    .collect());
            }
            "IFCCOMPOSITEPROFILEDEF" => {
                let mut out = Vec::new();
                for p in a.get(2).map(Value::refs).unwrap_or_default() {
                    out.extend(self.profile(p, depth + 1)?);
                }
                return Ok(out);
            }
            "IFCARBITRARYOPENPROFILEDEF" | "IFCCENTERLINEPROFILEDEF" => {
                return err(id, "open profiles enclose no area");
            }
            "IFCRECTANGLEPROFILEDEF" => rect(req(3, "XDim")?, req(4, "YDim")?),
            "IFCROUNDEDRECTANGLEPROFILEDEF" => {
                rounded_rect(req(3, "XDim")?, req(4, "YDim")?, num(5).unwrap_or(0.0))
            }
            "IFCRECTANGLEHOLLOWPROFILEDEF" => {
                let (x, y, t) = (req(3, "XDim")?, req(4, "YDim")?, req(5, "WallThickness")?);
                let mut r = rect(x, y);
                if x > 2.0 * t && y > 2.0 * t {
                    r.holes.push(rect(x - 2.0 * t, y - 2.0 * t).outer);
                }
                r
            }
            "IFCCIRCLEPROFILEDEF" => circle(req(3, "Radius")?),
            "IFCCIRCLEHOLLOWPROFILEDEF" => {
                let (r, t) = (req(3, "Radius")?, req(4, "WallThickness")?);
                let mut c = circle(r);
                if r > t {
                    c.holes.push(circle(r - t).outer);
                }
                c
            }
            "IFCELLIPSEPROFILEDEF" => {
                let pts = arc_points(
                    &Affine::IDENTITY,
                    req(3, "SemiAxis1")?,
                    req(4, "SemiAxis2")?,
                    0.0,
                    TAU,
                );
                Region {
                    outer: loop2(pts),
                    holes: Vec::new(),
                }
            }
            "IFCISHAPEPROFILEDEF" => {
                let (b, h, tw, tf) = (
                    req(3, "OverallWidth")?,
                    req(4, "OverallDepth")?,
                    req(5, "WebThickness")?,
                    req(6, "FlangeThickness")?,
                );
                i_shape(b, b, h, tw, tf, tf)
            }
            "IFCASYMMETRICISHAPEPROFILEDEF" => {
                let (bb, h, tw, tfb) = (
                    req(3, "BottomFlangeWidth")?,
                    req(4, "OverallDepth")?,
                    req(5, "WebThickness")?,
                    req(6, "BottomFlangeThickness")?,
                );
                let bt = num(8).unwrap_or(bb);
                let tft = num(9).unwrap_or(tfb);
                i_shape(bb, bt, h, tw, tfb, tft)
            }
            "IFCLSHAPEPROFILEDEF" => {
                let d = req(3, "Depth")?;
                let b = num(4).filter(|w| *w > 0.0).unwrap_or(d);
                let t = req(5, "Thickness")?;
                let (x0, y0) = (-b / 2.0, -d / 2.0);
                poly(&[
                    [x0, y0],
                    [x0 + b, y0],
                    [x0 + b, y0 + t],
                    [x0 + t, y0 + t],
                    [x0 + t, y0 + d],
                    [x0, y0 + d],
                ])
            }
            "IFCTSHAPEPROFILEDEF" => {
                let (d, bf, tw, tf) = (
                    req(3, "Depth")?,
                    req(4, "FlangeWidth")?,
                    req(5, "WebThickness")?,
                    req(6, "FlangeThickness")?,
                );
                let (hd, hb, hw) = (d / 2.0, bf / 2.0, tw / 2.0);
                poly(&[
                    [-hw, -hd],
                    [hw, -hd],
                    [hw, hd - tf],
                    [hb, hd - tf],
                    [hb, hd],
                    [-hb, hd],
                    [-hb, hd - tf],
                    [-hw, hd - tf],
                ])
            }
            "IFCUSHAPEPROFILEDEF" => {
                let (d, bf, tw, tf) = (
                    req(3, "Depth")?,
                    req(4, "FlangeWidth")?,
                    req(5, "WebThickness")?,
                    req(6, "FlangeThickness")?,
                );
                let (hd, hb) = (d / 2.0, bf / 2.0);
                poly(&[
                    [-hb, -hd],
                    [hb, -hd],
                    [hb, -hd + tf],
                    [-hb + tw, -hd + tf],
                    [-hb + tw, hd - tf],
                    [hb, hd - tf],
                    [hb, hd],
                    [-hb, hd],
                ])
            }
            "IFCCSHAPEPROFILEDEF" => {
                let (d, w, t) = (req(3, "Depth")?, req(4, "Width")?, req(5, "WallThickness")?);
                let g = num(6).unwrap_or(0.0).max(t);
                let (hd, hw) = (d / 2.0, w / 2.0);
                poly(&[
                    [-hw, -hd],
                    [hw, -hd],
                    [hw, -hd + g],
                    [hw - t, -hd + g],
                    [hw - t, -hd + t],
                    [-hw + t, -hd + t],
                    [-hw + t, hd - t],
                    [hw - t, hd - t],
                    [hw - t, hd - g],
                    [hw, hd - g],
                    [hw, hd],
                    [-hw, hd],
                ])
            }
            "IFCZSHAPEPROFILEDEF" => {
                let (d, bf, tw, tf) = (
                    req(3, "Depth")?,
                    req(4, "FlangeWidth")?,
                    req(5, "WebThickness")?,
                    req(6, "FlangeThickness")?,
                );
                let (hd, hw) = (d / 2.0, tw / 2.0);
                poly(&[
                    [-hw, -hd],
                    [bf - hw, -hd],
                    [bf - hw, -hd + tf],
                    [hw, -hd + tf],
                    [hw, hd],
                    [-bf + hw, hd],
                    [-bf + hw, hd - tf],
                    [-hw, hd - tf],
                ])
            }
            other => return err(id, format!("{other} profiles are not supported")),
        };
        // Parameterised profiles carry their own 2D position.
        let pos = self.opt_axis_placement(a.get(2))?;
        Ok(vec![map_region(&region, &pos)])
    }
}

fn map_region(r: &Region, t: &Affine) -> Region {
    r.transformed(|p| {
        let q = t.apply(v3(p[0], p[1], 0.0));
        [q.x, q.y]
    })
}

fn poly(pts: &[[f64; 2]]) -> Region {
    Region {
        outer: pts.to_vec(),
        holes: Vec::new(),
    }
}

fn rect(x: f64, y: f64) -> Region {
    let (hx, hy) = (x / 2.0, y / 2.0);
    poly(&[[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]])
}

fn rounded_rect(x: f64, y: f64, r: f64) -> Region {
    let r = r.clamp(0.0, x.min(y) / 2.0);
    if r <= 0.0 {
        return rect(x, y);
    }
    let (hx, hy) = (x / 2.0 - r, y / 2.0 - r);
    let mut pts = Vec::new();
    for (cx, cy, start) in [
        (hx, -hy, -0.25),
        (hx, hy, 0.0),
        (-hx, hy, 0.25),
        (-hx, -hy, 0.5),
    ] {
        let s = start * TAU;
        for p in arc_points(
            &Affine::translation(v3(cx, cy, 0.0)),
            r,
            r,
            s,
            s + TAU / 4.0,
        ) {
            pts.push([p.x, p.y]);
        }
    }
    poly(&pts)
}

fn circle(r: f64) -> Region {
    let mut pts: Vec<[f64; 2]> = arc_points(&Affine::IDENTITY, r, r, 0.0, TAU)
        .into_iter()
        .map(|p| [p.x, p.y])
        .collect();
    pts.pop();
    poly(&pts)
}

fn i_shape(b_bottom: f64, b_top: f64, h: f64, tw: f64, tf_bottom: f64, tf_top: f64) -> Region {
    let (hd, hw, bb, bt) = (h / 2.0, tw / 2.0, b_bottom / 2.0, b_top / 2.0);
    poly(&[
        [-bb, -hd],
        [bb, -hd],
        [bb, -hd + tf_bottom],
        [hw, -hd + tf_bottom],
        [hw, hd - tf_top],
        [bt, hd - tf_top],
        [bt, hd],
        [-bt, hd],
        [-bt, hd - tf_top],
        [-hw, hd - tf_top],
        [-hw, -hd + tf_bottom],
        [-bb, -hd + tf_bottom],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steel_sections_have_expected_areas() {
        let i = i_shape(0.2, 0.2, 0.4, 0.01, 0.02, 0.02).normalized();
        assert!((i.area() - (2.0 * 0.2 * 0.02 + 0.36 * 0.01)).abs() < 1e-12);
        let c = circle(1.0).normalized();
        assert!((c.area() - std::f64::consts::PI).abs() / std::f64::consts::PI < 0.002);
        let rr = rounded_rect(2.0, 1.0, 0.0).normalized();
        assert!((rr.area() - 2.0).abs() < 1e-12);
    }
}
