//! Door and window symbols, French convention: a door is its leaf drawn open, perpendicular
//! to the wall from the hinge jamb, and a quarter-circle swing from the leaf's end to the
//! other jamb; a window is three lines across the opening, parallel to the wall (both faces
//! and the glass in the middle). The jambs themselves are wall face lines.

use super::drawing::{Drawing, Layer, Pt, Shape};
use super::layout::Layout;

fn angle(c: Pt, p: Pt) -> f64 {
    // Counter-clockwise as seen on the sheet (paper y is down).
    (-(p.y - c.y))
        .atan2(p.x - c.x)
        .to_degrees()
        .rem_euclid(360.0)
}

/// Draws every door and window; returns how many of each were drawn.
pub fn draw(l: &Layout, d: &mut Drawing) -> (usize, usize) {
    for w in &l.windows {
        let wall = &l.walls[w.wall];
        let t = wall.thickness / 2.0;
        for (off, pen) in [(-t, 0.25), (0.0, 0.18), (t, 0.25)] {
            let a = wall.point(w.a, off);
            let b = wall.point(w.b, off);
            d.line(
                Layer::Fenetres,
                d.to_paper(a.0, a.1),
                d.to_paper(b.0, b.1),
                pen,
            );
        }
    }
    for door in &l.doors {
        let wall = &l.walls[door.wall];
        let sign = if door.swing_positive { 1.0 } else { -1.0 };
        let face = sign * wall.thickness / 2.0;
        let w = door.width();
        let (hinge, other) = if door.hinge_at_a {
            (door.a, door.b)
        } else {
            (door.b, door.a)
        };
        let to = |along: f64, across: f64| {
            let p = wall.point(along, across);
            d.to_paper(p.0, p.1)
        };
        let h = to(hinge, face);
        let leaf = to(hinge, face + sign * w);
        let jamb = to(other, face);
        d.line(Layer::Portes, h, leaf, 0.35);
        let (t_leaf, t_jamb) = (angle(h, leaf), angle(h, jamb));
        let start = if ((t_jamb - t_leaf).rem_euclid(360.0) - 90.0).abs() < 1.0 {
            t_leaf
        } else {
            t_jamb
        };
        d.push(
            Layer::Portes,
            Shape::Arc {
                centre: h,
                radius: w * d.mm_per_m,
                start_deg: start,
                sweep_deg: 90.0,
                pen_mm: 0.18,
            },
        );
    }
    (l.doors.len(), l.windows.len())
}
