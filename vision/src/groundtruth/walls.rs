//! Walls on paper: bodies filled (exterior hatched or grey, partitions black or empty) and
//! the face lines, which are the outline of the union of the wall bodies: partitions meet
//! the exterior walls in clean T-junctions and every opening shows its two jambs.

use super::drawing::{Drawing, Layer, Shape, pt};
use super::layout::{Layout, Rect};
use super::{ExteriorFill, InteriorFill, SheetSpec};

pub fn draw(spec: &SheetSpec, l: &Layout, d: &mut Drawing) {
    let pieces = l.wall_pieces();
    let spacing = if spec.scale >= 96 { 0.7 } else { 1.0 };
    for (r, exterior) in &pieces {
        let a = d.to_paper(r.x0, r.y1);
        let b = d.to_paper(r.x1, r.y0);
        let boundary = vec![a, pt(b.x, a.y), b, pt(a.x, b.y)];
        match (exterior, spec.exterior_fill, spec.interior_fill) {
            (true, ExteriorFill::Hatch, _) => {
                d.push(Layer::Murs, Shape::hatch(boundary, 45.0, spacing, 0.13))
            }
            (true, ExteriorFill::Grey, _) => d.push(
                Layer::Murs,
                Shape::Fill {
                    points: boundary,
                    grey: 0.6,
                },
            ),
            (false, _, InteriorFill::Solid) => d.push(
                Layer::Murs,
                Shape::Fill {
                    points: boundary,
                    grey: 0.15,
                },
            ),
            (false, _, InteriorFill::Empty) => {}
        }
    }
    let rects: Vec<Rect> = pieces.iter().map(|p| p.0).collect();
    for ((x0, y0), (x1, y1)) in outline(&rects) {
        let (a, b) = (d.to_paper(x0, y0), d.to_paper(x1, y1));
        d.line(Layer::Murs, a, b, spec.wall_pen_mm);
    }
}

type Seg = ((f64, f64), (f64, f64));

fn coords(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| (*a - *b).abs() < 1e-7);
    v
}

/// The boundary of the union of axis-aligned rectangles, as maximal straight segments.
pub fn outline(rects: &[Rect]) -> Vec<Seg> {
    let xs = coords(rects.iter().flat_map(|r| [r.x0, r.x1]).collect());
    let ys = coords(rects.iter().flat_map(|r| [r.y0, r.y1]).collect());
    if xs.len() < 2 || ys.len() < 2 {
        return Vec::new();
    }
    let (nx, ny) = (xs.len() - 1, ys.len() - 1);
    let mut covered = vec![false; nx * ny];
    for i in 0..nx {
        let cx = (xs[i] + xs[i + 1]) / 2.0;
        for j in 0..ny {
            let cy = (ys[j] + ys[j + 1]) / 2.0;
            covered[i * ny + j] = rects
                .iter()
                .any(|r| cx > r.x0 && cx < r.x1 && cy > r.y0 && cy < r.y1);
        }
    }
    let cov = |i: isize, j: isize| {
        i >= 0
            && j >= 0
            && (i as usize) < nx
            && (j as usize) < ny
            && covered[i as usize * ny + j as usize]
    };
    let mut out = Vec::new();
    // Vertical boundaries at xs[i], merged along y.
    for (i, &x) in xs.iter().enumerate() {
        let mut run: Option<usize> = None;
        for (j, &y) in ys.iter().enumerate() {
            let edge = j < ny && cov(i as isize - 1, j as isize) != cov(i as isize, j as isize);
            match (edge, run) {
                (true, None) => run = Some(j),
                (false, Some(s)) => {
                    out.push(((x, ys[s]), (x, y)));
                    run = None;
                }
                _ => {}
            }
        }
    }
    for (j, &y) in ys.iter().enumerate() {
        let mut run: Option<usize> = None;
        for (i, &x) in xs.iter().enumerate() {
            let edge = i < nx && cov(i as isize, j as isize - 1) != cov(i as isize, j as isize);
            match (edge, run) {
                (true, None) => run = Some(i),
                (false, Some(s)) => {
                    out.push(((xs[s], y), (x, y)));
                    run = None;
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_junction_outline() {
        // A horizontal bar with a vertical stem below it: 8 boundary segments.
        let rects = [
            Rect {
                x0: 0.0,
                y0: 1.0,
                x1: 3.0,
                y1: 1.2,
            },
            Rect {
                x0: 1.4,
                y0: 0.0,
                x1: 1.6,
                y1: 1.0,
            },
        ];
        let segs = outline(&rects);
        assert_eq!(segs.len(), 8);
        let total: f64 = segs
            .iter()
            .map(|((a, b), (c, d))| (c - a).abs() + (d - b).abs())
            .sum();
        assert!((total - (3.0 * 2.0 + 0.2 * 2.0 + 1.0 * 2.0 + 0.2 - 0.2)).abs() < 1e-9);
    }
}
