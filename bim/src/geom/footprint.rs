//! Footprint area: the union of the up-facing faces projected on the XY plane.
//!
//! A plain sum would count twice every point covered by two up-facing faces (a window
//! sill under a wall top, stair treads under a landing); the union does not, which is
//! also how IfcOpenShell's `get_footprint_area` measures it.

use i_overlay::core::fill_rule::FillRule;

use super::primitives::signed_area;
use i_overlay::float::simplify::SimplifyShape;

/// Triangles smaller than this (m²) are dropped: they carry no area and upset the overlay.
const MIN_TRIANGLE_AREA: f64 = 1e-10;

pub fn union_area(triangles: &[[[f64; 2]; 3]]) -> f64 {
    let contours: Vec<Vec<[f64; 2]>> = triangles
        .iter()
        .filter_map(|t| {
            let a = signed_area(t);
            if a.abs() < MIN_TRIANGLE_AREA || !a.is_finite() {
                None
            } else if a > 0.0 {
                Some(t.to_vec())
            } else {
                Some(vec![t[0], t[2], t[1]])
            }
        })
        .collect();
    if contours.is_empty() {
        return 0.0;
    }
    if contours.len() == 1 {
        return signed_area(&contours[0]).abs();
    }
    let shapes = contours.simplify_shape(FillRule::NonZero);
    shapes
        .iter()
        .flat_map(|shape| shape.iter())
        .map(|c| signed_area(c))
        .sum::<f64>()
        .abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_triangles_count_once() {
        let t = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        assert!((union_area(&[t, t]) - 0.5).abs() < 1e-9);
        let sq = [
            [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0]],
            [[0.0, 0.0], [2.0, 2.0], [0.0, 2.0]],
        ];
        assert!((union_area(&sq) - 4.0).abs() < 1e-9);
    }
}
