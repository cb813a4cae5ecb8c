//! Scans to lines: the straight horizontal and vertical strokes of a binarised sheet, as
//! the page model's segments. Runs of ink along rows (and columns) that stack into a
//! stroke give its centre line and pen width; a band wider than a pen (a filled wall) gives
//! its two edges, which is how the vector recognisers see a wall.

use chantier_bim::plan::page::{Curve, Pt, Segment};
use image::GrayImage;

/// Thickest ink that is still one pen stroke, in millimetres.
const MAX_PEN_MM: f64 = 0.9;
/// Shortest stroke kept, in millimetres on paper.
const MIN_LEN_MM: f64 = 2.0;

pub fn vectorize(binary: &GrayImage, px_to_mm: f64) -> (Vec<Segment>, Vec<Curve>) {
    let (w, h) = (binary.width() as usize, binary.height() as usize);
    let raw = binary.as_raw();
    let min_len = (MIN_LEN_MM / px_to_mm).round().max(3.0) as usize;
    let mut segments = Vec::new();
    // Horizontal strokes: rows as they are; vertical ones: columns.
    let rows = strokes(w, h, min_len, |x, y| raw[y * w + x] < 128);
    let cols = strokes(h, w, min_len, |y, x| raw[y * w + x] < 128);
    let mut path = 0u32;
    for (horizontal, list) in [(true, rows), (false, cols)] {
        for s in list {
            let to_pt = |along: f64, across: f64| {
                if horizontal {
                    Pt::new(along * px_to_mm, across * px_to_mm)
                } else {
                    Pt::new(across * px_to_mm, along * px_to_mm)
                }
            };
            let thick = (s.last - s.first + 1) as f64;
            let (a0, a1) = (s.start as f64, s.end as f64 + 1.0);
            if thick * px_to_mm <= MAX_PEN_MM {
                let c = (s.first + s.last + 1) as f64 / 2.0;
                segments.push(Segment {
                    a: to_pt(a0, c),
                    b: to_pt(a1, c),
                    width_mm: thick * px_to_mm,
                    path,
                    fill: false,
                });
            } else {
                // A filled band: its edges are the faces, drawn with a nominal pen.
                for edge in [s.first as f64 + 0.5, s.last as f64 + 0.5] {
                    segments.push(Segment {
                        a: to_pt(a0, edge),
                        b: to_pt(a1, edge),
                        width_mm: 0.5,
                        path,
                        fill: false,
                    });
                }
            }
            path += 1;
        }
    }
    (segments, Vec::new())
}

/// A stack of runs along one axis: `start..=end` along, rows `first..=last` across.
struct Stroke {
    start: usize,
    end: usize,
    first: usize,
    last: usize,
}

/// Runs of at least `min_len` ink pixels along the first axis, stacked across the second
/// when they cover about the same span.
fn strokes(
    len: usize,
    lines: usize,
    min_len: usize,
    ink: impl Fn(usize, usize) -> bool,
) -> Vec<Stroke> {
    let mut open: Vec<Stroke> = Vec::new();
    let mut done: Vec<Stroke> = Vec::new();
    for line in 0..lines {
        let mut runs = Vec::new();
        let mut x = 0;
        while x < len {
            if ink(x, line) {
                let s = x;
                while x < len && ink(x, line) {
                    x += 1;
                }
                if x - s >= min_len {
                    runs.push((s, x - 1));
                }
            } else {
                x += 1;
            }
        }
        let mut next_open = Vec::with_capacity(open.len());
        let mut matched = vec![false; runs.len()];
        for st in open.drain(..) {
            let tol = ((st.end - st.start) / 50).max(2);
            let hit = runs.iter().enumerate().find(|(i, (s, e))| {
                !matched[*i] && s.abs_diff(st.start) <= tol && e.abs_diff(st.end) <= tol
            });
            match hit {
                Some((i, _)) => {
                    matched[i] = true;
                    next_open.push(Stroke { last: line, ..st });
                }
                None => done.push(st),
            }
        }
        for (i, (s, e)) in runs.into_iter().enumerate() {
            if !matched[i] {
                next_open.push(Stroke {
                    start: s,
                    end: e,
                    first: line,
                    last: line,
                });
            }
        }
        open = next_open;
    }
    done.extend(open);
    done
}
