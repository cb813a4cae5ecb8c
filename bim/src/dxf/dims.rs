//! DIMENSION entities: the crate's reading where it has one, a fallback from the raw
//! groups where it drops them (2-line angular dimensions, and every R12 dimension, which
//! has no subclass markers and often no group 42).

use dxf::entities::{DimensionBase, EntityType};
use dxf::enums::DimensionType;

use super::tokens::Pair;

/// Kind names of the output contract, by DXF dimension type (group 70 & 7).
pub fn kind_name(t: i64) -> &'static str {
    match t {
        0 => "linear",
        1 => "aligned",
        2 => "angular",
        3 => "diameter",
        4 => "radius",
        5 => "angular3p",
        _ => "ordinate",
    }
}

pub fn is_angular(kind: &str) -> bool {
    matches!(kind, "angular" | "angular3p")
}

/// A dimension before unit conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct Dim {
    pub kind: &'static str,
    pub measurement: f64,
    pub text: String,
}

/// The dimension base of a crate entity, if it is a dimension.
pub fn crate_dim(e: &EntityType) -> Option<Dim> {
    let base: &DimensionBase = match e {
        EntityType::RotatedDimension(d) => &d.dimension_base,
        EntityType::RadialDimension(d) => &d.dimension_base,
        EntityType::DiameterDimension(d) => &d.dimension_base,
        EntityType::AngularThreePointDimension(d) => &d.dimension_base,
        EntityType::OrdinateDimension(d) => &d.dimension_base,
        _ => return None,
    };
    // Aligned dimensions come back as RotatedDimension; the type group says which it is.
    let t = match base.dimension_type {
        DimensionType::RotatedHorizontalOrVertical => 0,
        DimensionType::Aligned => 1,
        DimensionType::Angular => 2,
        DimensionType::Diameter => 3,
        DimensionType::Radius => 4,
        DimensionType::AngularThreePoint => 5,
        DimensionType::Ordinate => 6,
    };
    Some(Dim {
        kind: kind_name(t),
        measurement: base.actual_measurement,
        text: base.text.clone(),
    })
}

/// Reads a DIMENSION from its groups; without group 42 the measurement is computed from
/// the definition points the way AutoCAD measures it.
pub fn raw_dim(pairs: &[Pair<'_>]) -> Dim {
    let mut g = std::collections::HashMap::<i32, f64>::new();
    let mut text = String::new();
    let mut flags = 0i64;
    for p in pairs.iter().skip(1) {
        match p.code {
            1001 => break,
            1 => text = super::annot::unescape_unicode(&p.text()),
            70 => flags = p.i64().unwrap_or(0),
            10..=16 | 20..=26 | 42 | 50 => {
                if let Some(v) = p.f64() {
                    g.entry(p.code).or_insert(v);
                }
            }
            _ => {}
        }
    }
    let t = flags & 7;
    let kind = kind_name(t);
    let pt = |k: i32| {
        (
            g.get(&k).copied().unwrap_or(0.0),
            g.get(&(k + 10)).copied().unwrap_or(0.0),
        )
    };
    let measurement = match g.get(&42) {
        Some(&m) if m.is_finite() && m != 0.0 => m,
        _ => computed(t, flags, &pt, g.get(&50).copied().unwrap_or(0.0)),
    };
    Dim {
        kind,
        measurement,
        text,
    }
}

fn computed(t: i64, flags: i64, pt: &dyn Fn(i32) -> (f64, f64), rot_deg: f64) -> f64 {
    let sub = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0, a.1 - b.1);
    let len = |v: (f64, f64)| v.0.hypot(v.1);
    let angle = |u: (f64, f64), v: (f64, f64)| {
        let a = (u.0 * v.1 - u.1 * v.0)
            .atan2(u.0 * v.0 + u.1 * v.1)
            .abs()
            .to_degrees();
        if a.is_finite() { a } else { 0.0 }
    };
    match t {
        0 => {
            let d = sub(pt(14), pt(13));
            let r = rot_deg.to_radians();
            (d.0 * r.cos() + d.1 * r.sin()).abs()
        }
        1 => len(sub(pt(14), pt(13))),
        2 => angle(sub(pt(14), pt(13)), sub(pt(10), pt(15))),
        3 | 4 => len(sub(pt(15), pt(10))),
        5 => angle(sub(pt(13), pt(15)), sub(pt(14), pt(15))),
        _ => {
            let d = sub(pt(13), pt(10));
            if flags & 64 != 0 {
                d.0.abs()
            } else {
                d.1.abs()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dxf::tokens::tokenize;

    #[test]
    fn r12_rotated_dimension_is_measured_from_points() {
        let src = "0\nDIMENSION\n8\nL\n70\n0\n13\n0\n23\n0\n14\n3\n24\n4\n50\n0\n0\nEOF\n";
        let t = tokenize(src.as_bytes())
            .ok()
            .map(|t| t.pairs)
            .unwrap_or_default();
        let d = raw_dim(&t);
        assert_eq!(d.kind, "linear");
        assert!((d.measurement - 3.0).abs() < 1e-12);
        let src = "0\nDIMENSION\n70\n33\n13\n0\n23\n0\n14\n3\n24\n4\n0\nEOF\n";
        let t = tokenize(src.as_bytes())
            .ok()
            .map(|t| t.pairs)
            .unwrap_or_default();
        let d = raw_dim(&t);
        assert_eq!(d.kind, "aligned");
        assert!((d.measurement - 5.0).abs() < 1e-12);
    }
}
