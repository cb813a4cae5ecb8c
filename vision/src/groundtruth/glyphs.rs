//! Text as glyph outlines (DejaVu Sans), each glyph squeezed to Helvetica's advance so that
//! outlined and rasterised text occupy exactly the boxes the truth gives. The outlined PDF
//! fills these paths (as CAD exports that "explode" text do) and the raster fills them too.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, OutlineCurve};

use super::drawing::{Pt, Text};
use super::metrics;

/// A path segment on paper (mm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seg {
    Move(Pt),
    Line(Pt),
    Quad(Pt, Pt),
    Cubic(Pt, Pt, Pt),
    Close,
}

fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(dejavu::sans::regular()).ok())
        .as_ref()
}

/// The outline of `t` on paper.
pub fn text_path(t: &Text) -> Vec<Seg> {
    let mut out = Vec::new();
    let Some(font) = font() else {
        return out;
    };
    let upem = font.units_per_em().unwrap_or(2048.0) as f64;
    let em = t.em();
    let (u, v) = t.axes();
    let o = t.origin();
    let run = metrics::layout(&t.text, t.kern);
    for (c, pen) in run.glyphs {
        let id = font.glyph_id(c);
        let Some(outline) = font.outline(id) else {
            continue;
        };
        let adv = font.h_advance_unscaled(id) as f64 / upem;
        let sx = if adv > 0.0 {
            metrics::advance(c) / 1000.0 / adv
        } else {
            1.0
        };
        let map = |p: ab_glyph::Point| -> Pt {
            let gu = (pen + p.x as f64 / upem * sx) * em;
            let gv = p.y as f64 / upem * em;
            o.plus(u.times(gu)).plus(v.times(gv))
        };
        let mut last: Option<ab_glyph::Point> = None;
        for curve in &outline.curves {
            let (start, end) = match curve {
                OutlineCurve::Line(a, b) => (*a, *b),
                OutlineCurve::Quad(a, _, b) => (*a, *b),
                OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
            };
            if last != Some(start) {
                if last.is_some() {
                    out.push(Seg::Close);
                }
                out.push(Seg::Move(map(start)));
            }
            out.push(match curve {
                OutlineCurve::Line(_, b) => Seg::Line(map(*b)),
                OutlineCurve::Quad(_, c, b) => Seg::Quad(map(*c), map(*b)),
                OutlineCurve::Cubic(_, c1, c2, b) => Seg::Cubic(map(*c1), map(*c2), map(*b)),
            });
            last = Some(end);
        }
        if last.is_some() {
            out.push(Seg::Close);
        }
    }
    out
}

/// Bounds of a path (control points included).
pub fn bounds(path: &[Seg]) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    let mut add = |p: Pt| {
        let v = b.get_or_insert([p.x, p.y, p.x, p.y]);
        v[0] = v[0].min(p.x);
        v[1] = v[1].min(p.y);
        v[2] = v[2].max(p.x);
        v[3] = v[3].max(p.y);
    };
    for s in path {
        match *s {
            Seg::Move(p) | Seg::Line(p) => add(p),
            Seg::Quad(c, p) => {
                add(c);
                add(p)
            }
            Seg::Cubic(c1, c2, p) => {
                add(c1);
                add(c2);
                add(p)
            }
            Seg::Close => {}
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groundtruth::drawing::{HAlign, VAlign, pt};

    #[test]
    fn outline_fits_the_helvetica_box() {
        let t = Text {
            text: "Séjour 25,40 m²".into(),
            at: pt(50.0, 50.0),
            height_mm: 3.0,
            rotation_deg: 0.0,
            h: HAlign::Center,
            v: VAlign::Baseline,
            kern: true,
        };
        let path = text_path(&t);
        assert!(path.len() > 50);
        let b = bounds(&path).unwrap();
        let bb = t.bbox();
        assert!(
            b[0] >= bb[0] - 0.3 && b[2] <= bb[2] + 0.3,
            "{b:?} vs {bb:?}"
        );
        // Capitals stand above the baseline (y up in the font, down on paper).
        assert!(b[1] < 50.0 - 2.5 && b[3] > 50.0);
    }
}
