//! Lengths and polyline areas of the entities the `dxf` crate reads, in drawing units.

use std::f64::consts::TAU;

use dxf::entities::{EntityType, Polyline};

use super::curve::{self, PolyMeasure};

/// What one entity adds to its layer.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Measure {
    /// Length counted in `length_m`.
    pub length: f64,
    /// Set for LWPOLYLINE and POLYLINE (meshes excluded): polyline length and closed area.
    pub poly: Option<PolyMeasure>,
}

/// The DXF type name of a crate entity as ezdxf reports it, for the entities whose counts
/// are cross-checked against the raw scan.
pub fn type_name(e: &EntityType) -> Option<&'static str> {
    Some(match e {
        EntityType::Line(_) => "LINE",
        EntityType::Arc(_) => "ARC",
        EntityType::Circle(_) => "CIRCLE",
        EntityType::Ellipse(_) => "ELLIPSE",
        EntityType::Spline(_) => "SPLINE",
        EntityType::LwPolyline(_) => "LWPOLYLINE",
        EntityType::Polyline(_) => "POLYLINE",
        EntityType::Insert(_) => "INSERT",
        EntityType::Text(_) => "TEXT",
        EntityType::MText(_) => "MTEXT",
        _ => return None,
    })
}

pub fn measure(e: &EntityType) -> Measure {
    let length = match e {
        EntityType::Line(l) => curve::dist3([l.p1.x, l.p1.y, l.p1.z], [l.p2.x, l.p2.y, l.p2.z]),
        EntityType::Arc(a) => curve::arc_length(a.radius, a.start_angle, a.end_angle),
        EntityType::Circle(c) => TAU * c.radius.abs(),
        EntityType::Ellipse(el) => {
            let m = &el.major_axis;
            let a = (m.x * m.x + m.y * m.y + m.z * m.z).sqrt();
            curve::ellipse_length(
                a,
                a * el.minor_axis_ratio.abs(),
                el.start_parameter,
                el.end_parameter,
            )
        }
        EntityType::Spline(s) => {
            let ctrl: Vec<[f64; 3]> = s.control_points.iter().map(|p| [p.x, p.y, p.z]).collect();
            let fit: Vec<[f64; 3]> = s.fit_points.iter().map(|p| [p.x, p.y, p.z]).collect();
            let degree = usize::try_from(s.degree_of_curve).unwrap_or(0);
            curve::spline_length(degree, &s.knot_values, &ctrl, &s.weight_values, &fit)
        }
        EntityType::LwPolyline(p) => {
            let pts: Vec<curve::BulgeVertex> =
                p.vertices.iter().map(|v| (v.x, v.y, v.bulge)).collect();
            let m = curve::measure_2d(&pts, p.flags & 1 != 0);
            return Measure {
                length: m.length,
                poly: Some(m),
            };
        }
        EntityType::Polyline(p) => return polyline(p),
        _ => 0.0,
    };
    Measure { length, poly: None }
}

/// POLYLINE by mode, as ezdxf's reference measures it: 3D polylines count length only,
/// polygon and polyface meshes are surfaces and count nothing.
fn polyline(p: &Polyline) -> Measure {
    if p.flags & 8 != 0 {
        let pts: Vec<[f64; 3]> = p
            .vertices()
            .map(|v| [v.location.x, v.location.y, v.location.z])
            .collect();
        let length = curve::length_3d(&pts, p.flags & 1 != 0);
        return Measure {
            length,
            poly: Some(PolyMeasure {
                length,
                closed_area: None,
            }),
        };
    }
    if p.flags & (16 | 64) != 0 {
        return Measure::default();
    }
    let pts: Vec<curve::BulgeVertex> = p
        .vertices()
        .map(|v| (v.location.x, v.location.y, v.bulge))
        .collect();
    let m = curve::measure_2d(&pts, p.flags & 1 != 0);
    Measure {
        length: m.length,
        poly: Some(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dxf::curve::{bulge_segment, measure_2d};

    #[test]
    fn half_circle_bulge() {
        // Bulge 1 is a half circle on a chord of 2: length pi, segment area pi/2.
        let (l, a) = bulge_segment((0.0, 0.0), (2.0, 0.0), 1.0);
        assert!((l - std::f64::consts::PI).abs() < 1e-12);
        assert!((a - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        let (_, a) = bulge_segment((0.0, 0.0), (2.0, 0.0), -1.0);
        assert!((a + std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn closed_by_repeated_vertex() {
        let sq = [
            (0.0, 0.0, 0.0),
            (2.0, 0.0, 0.0),
            (2.0, 2.0, 0.0),
            (0.0, 2.0, 0.0),
            (0.0, 0.0, 0.0),
        ];
        let m = measure_2d(&sq, false);
        assert_eq!(m.closed_area, Some(4.0));
        assert!((m.length - 8.0).abs() < 1e-12);
        let open = measure_2d(&sq[..4], false);
        assert_eq!(open.closed_area, None);
        assert!((open.length - 6.0).abs() < 1e-12);
        // A disc from two half-circle bulges.
        let disc = measure_2d(&[(0.0, 0.0, 1.0), (2.0, 0.0, 1.0)], true);
        assert!((disc.closed_area.unwrap_or(0.0) - std::f64::consts::PI).abs() < 1e-12);
    }

    #[test]
    fn ellipse_and_arc_lengths() {
        let c = curve::ellipse_length(1.0, 1.0, 0.0, TAU);
        assert!((c - TAU).abs() < 1e-9);
        // Ramanujan's approximation is ~exact for a 2:1 ellipse.
        let (a, b) = (2.0f64, 1.0f64);
        let h = ((a - b) / (a + b)).powi(2);
        let ram =
            std::f64::consts::PI * (a + b) * (1.0 + 3.0 * h / (10.0 + (4.0 - 3.0 * h).sqrt()));
        assert!((curve::ellipse_length(a, b, 0.0, 0.0) - ram).abs() < 1e-6);
        assert!((curve::arc_length(2.0, 350.0, 10.0) - 2.0 * 20f64.to_radians()).abs() < 1e-12);
    }

    #[test]
    fn spline_through_line() {
        // A degree-1 spline is its control polygon.
        let ctrl = [[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [3.0, 10.0, 0.0]];
        let l = curve::spline_length(1, &[0.0, 0.0, 1.0, 2.0, 2.0], &ctrl, &[], &[]);
        assert!((l - 11.0).abs() < 1e-9);
    }
}
