//! The neutral drawing: one sheet as plain primitives on paper (millimetres, origin at the
//! top-left corner, y down). Every writer (DXF, PDF, raster) draws this same list, so the
//! outputs cannot drift apart and the truth computed with it holds for all of them.

use serde::{Deserialize, Serialize};

use super::metrics;

/// A point on paper, millimetres, y down.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

pub const fn pt(x: f64, y: f64) -> Pt {
    Pt { x, y }
}

impl Pt {
    pub fn plus(self, o: Pt) -> Pt {
        pt(self.x + o.x, self.y + o.y)
    }
    pub fn minus(self, o: Pt) -> Pt {
        pt(self.x - o.x, self.y - o.y)
    }
    pub fn times(self, k: f64) -> Pt {
        pt(self.x * k, self.y * k)
    }
    pub fn len(self) -> f64 {
        self.x.hypot(self.y)
    }
}

/// CAD layers, named as French offices name them; the DXF keeps them and the PDF groups the
/// title block (`Cartouche`) in a form XObject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Layer {
    Murs,
    Portes,
    Fenetres,
    Cotes,
    Textes,
    Cartouche,
}

impl Layer {
    pub const ALL: [Layer; 6] = [
        Layer::Murs,
        Layer::Portes,
        Layer::Fenetres,
        Layer::Cotes,
        Layer::Textes,
        Layer::Cartouche,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Murs => "MURS",
            Layer::Portes => "PORTES",
            Layer::Fenetres => "FENETRES",
            Layer::Cotes => "COTES",
            Layer::Textes => "TEXTES",
            Layer::Cartouche => "CARTOUCHE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VAlign {
    Baseline,
    Middle,
    Top,
}

/// One line of text. `height_mm` is the CAD text height (capital height); the font size
/// (em) is `height_mm / 0.718`, Helvetica's cap height.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub text: String,
    /// The anchor point, which `h` and `v` say how the text sits on.
    pub at: Pt,
    pub height_mm: f64,
    /// Counter-clockwise as seen on the sheet (90: reads bottom to top).
    pub rotation_deg: f64,
    pub h: HAlign,
    pub v: VAlign,
    /// Pair kerning applied (the PDF writes such strings with `TJ` arrays).
    pub kern: bool,
}

impl Text {
    pub fn em(&self) -> f64 {
        self.height_mm / metrics::CAP_HEIGHT_EM
    }

    /// Unit vectors on paper along the baseline and towards the top of the glyphs.
    pub fn axes(&self) -> (Pt, Pt) {
        let a = self.rotation_deg.to_radians();
        let (s, c) = a.sin_cos();
        (pt(c, -s), pt(-s, -c))
    }

    /// Where the baseline starts, on paper.
    pub fn origin(&self) -> Pt {
        let em = self.em();
        let w = metrics::width_em(&self.text, self.kern) * em;
        let du = match self.h {
            HAlign::Left => 0.0,
            HAlign::Center => -w / 2.0,
            HAlign::Right => -w,
        };
        let dv = match self.v {
            VAlign::Baseline => 0.0,
            VAlign::Middle => -self.height_mm / 2.0,
            VAlign::Top => -self.height_mm,
        };
        let (u, v) = self.axes();
        self.at.plus(u.times(du)).plus(v.times(dv))
    }

    /// Paper box `[x_min, y_min, x_max, y_max]`: the advance width by Helvetica's descender
    /// to ascender, turned with the text.
    pub fn bbox(&self) -> [f64; 4] {
        let em = self.em();
        let w = metrics::width_em(&self.text, self.kern) * em;
        let (u, v) = self.axes();
        let o = self.origin();
        let corners = [
            (0.0, -metrics::DESCENT_EM * em),
            (w, -metrics::DESCENT_EM * em),
            (0.0, metrics::ASCENT_EM * em),
            (w, metrics::ASCENT_EM * em),
        ];
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for (du, dv) in corners {
            let p = o.plus(u.times(du)).plus(v.times(dv));
            b[0] = b[0].min(p.x);
            b[1] = b[1].min(p.y);
            b[2] = b[2].max(p.x);
            b[3] = b[3].max(p.y);
        }
        b
    }
}

/// Union of two boxes.
pub fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Shape {
    Line {
        a: Pt,
        b: Pt,
        pen_mm: f64,
    },
    Polyline {
        points: Vec<Pt>,
        closed: bool,
        pen_mm: f64,
    },
    /// A circular arc: the point at angle `t` is `centre + r (cos t, -sin t)` (angles
    /// counter-clockwise as seen on the sheet), from `start_deg` over `sweep_deg` (> 0).
    Arc {
        centre: Pt,
        radius: f64,
        start_deg: f64,
        sweep_deg: f64,
        pen_mm: f64,
    },
    /// A filled polygon; `grey` 0 is black, 1 white.
    Fill {
        points: Vec<Pt>,
        grey: f64,
    },
    /// Parallel hatch lines inside a convex boundary (the lines are computed once, here,
    /// so that every writer draws the same ones; the DXF writes a pattern HATCH instead).
    Hatch {
        boundary: Vec<Pt>,
        angle_deg: f64,
        spacing_mm: f64,
        pen_mm: f64,
        lines: Vec<(Pt, Pt)>,
    },
    /// A filled dot (dimension ends in the "dot" style).
    Disc {
        centre: Pt,
        radius: f64,
    },
    Text(Text),
}

impl Shape {
    pub fn arc_point(centre: Pt, radius: f64, deg: f64) -> Pt {
        let (s, c) = deg.to_radians().sin_cos();
        pt(centre.x + radius * c, centre.y - radius * s)
    }

    /// A hatch of `boundary` (convex) with lines at `angle_deg` (counter-clockwise as seen)
    /// every `spacing_mm`, phased on the sheet origin so that neighbouring boundaries'
    /// lines continue each other.
    pub fn hatch(boundary: Vec<Pt>, angle_deg: f64, spacing_mm: f64, pen_mm: f64) -> Shape {
        let lines = hatch_lines(&boundary, angle_deg, spacing_mm);
        Shape::Hatch {
            boundary,
            angle_deg,
            spacing_mm,
            pen_mm,
            lines,
        }
    }
}

fn hatch_lines(poly: &[Pt], angle_deg: f64, spacing: f64) -> Vec<(Pt, Pt)> {
    let mut out = Vec::new();
    if poly.len() < 3 || spacing <= 0.0 {
        return out;
    }
    let (s, c) = angle_deg.to_radians().sin_cos();
    let dir = pt(c, -s);
    let n = pt(s, c); // perpendicular to dir
    let proj = |p: Pt| p.x * n.x + p.y * n.y;
    let lo = poly.iter().map(|&p| proj(p)).fold(f64::MAX, f64::min);
    let hi = poly.iter().map(|&p| proj(p)).fold(f64::MIN, f64::max);
    let mut k = (lo / spacing).floor() as i64;
    while (k as f64) * spacing <= hi {
        let off = k as f64 * spacing;
        k += 1;
        if off <= lo || off >= hi {
            continue;
        }
        // Intersections of the line {p . n = off} with the polygon's edges.
        let mut ts: Vec<f64> = Vec::new();
        for i in 0..poly.len() {
            let a = poly[i];
            let b = poly[(i + 1) % poly.len()];
            let (pa, pb) = (proj(a) - off, proj(b) - off);
            if (pa < 0.0) != (pb < 0.0) {
                let t = pa / (pa - pb);
                let p = a.plus(b.minus(a).times(t));
                ts.push(p.x * dir.x + p.y * dir.y);
            }
        }
        if ts.len() >= 2 {
            let t0 = ts.iter().copied().fold(f64::MAX, f64::min);
            let t1 = ts.iter().copied().fold(f64::MIN, f64::max);
            let base = n.times(off);
            out.push((base.plus(dir.times(t0)), base.plus(dir.times(t1))));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub layer: Layer,
    pub shape: Shape,
}

/// One sheet's drawing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drawing {
    pub paper_mm: (f64, f64),
    pub items: Vec<Item>,
    /// Where the model origin (0, 0 in metres) lies on paper.
    pub model_origin_mm: Pt,
    /// Paper millimetres per model metre (1000 / scale).
    pub mm_per_m: f64,
    /// The title block's top-left corner: the origin of the PDF form XObject that holds
    /// the `Cartouche` layer.
    pub form_origin_mm: Pt,
}

impl Drawing {
    pub fn push(&mut self, layer: Layer, shape: Shape) {
        self.items.push(Item { layer, shape });
    }

    pub fn line(&mut self, layer: Layer, a: Pt, b: Pt, pen_mm: f64) {
        self.push(layer, Shape::Line { a, b, pen_mm });
    }

    pub fn text(&mut self, layer: Layer, t: Text) -> [f64; 4] {
        let b = t.bbox();
        self.push(layer, Shape::Text(t));
        b
    }

    /// Model metres (y up) to paper millimetres (y down).
    pub fn to_paper(&self, x_m: f64, y_m: f64) -> Pt {
        pt(
            self.model_origin_mm.x + x_m * self.mm_per_m,
            self.model_origin_mm.y - y_m * self.mm_per_m,
        )
    }

    /// Paper millimetres to model metres: how the DXF places the whole sheet in model
    /// space at its real size.
    pub fn to_model(&self, p: Pt) -> (f64, f64) {
        (
            (p.x - self.model_origin_mm.x) / self.mm_per_m,
            (self.model_origin_mm.y - p.y) / self.mm_per_m,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hatch_of_a_square_is_clipped() {
        let sq = vec![pt(0.0, 0.0), pt(10.0, 0.0), pt(10.0, 10.0), pt(0.0, 10.0)];
        let lines = hatch_lines(&sq, 45.0, 1.0);
        assert!(lines.len() > 10);
        for (a, b) in lines {
            for p in [a, b] {
                assert!((-1e-9..=10.0 + 1e-9).contains(&p.x));
                assert!((-1e-9..=10.0 + 1e-9).contains(&p.y));
            }
        }
    }

    #[test]
    fn rotated_text_box() {
        let t = Text {
            text: "350".into(),
            at: pt(100.0, 50.0),
            height_mm: 2.5,
            rotation_deg: 90.0,
            h: HAlign::Center,
            v: VAlign::Baseline,
            kern: false,
        };
        let b = t.bbox();
        // Reads bottom to top, left of the anchor: x extent is the glyph height.
        assert!(b[2] <= 100.0 + 1.0 && b[0] < 98.0);
        assert!(b[1] < 50.0 && b[3] > 50.0);
    }
}
