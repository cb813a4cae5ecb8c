//! The sheet as a grey image: anti-aliased coverage (exact area, `ab_glyph_rasterizer`)
//! of every stroke outline, fill and glyph, composited black-on-white with the real pen
//! widths. Each shape is rasterised in its own bounding box only, so an A1 sheet at 300 dpi
//! (about 9 900 x 7 000 px) renders in a fraction of a second per thousand shapes.

use ab_glyph_rasterizer::{Rasterizer, point};
use image::{GrayImage, Luma};

use super::SynthPlan;
use super::drawing::{Drawing, Pt, Shape, pt};
use super::glyphs::{self, Seg};

/// Renders `plan` at `dpi` (the image is the whole sheet, `paper * dpi / 25.4` pixels).
pub fn render(plan: &SynthPlan, dpi: u32) -> GrayImage {
    render_drawing(&plan.drawing, dpi)
}

pub fn render_drawing(d: &Drawing, dpi: u32) -> GrayImage {
    let k = dpi.max(1) as f64 / 25.4;
    let w = (d.paper_mm.0 * k).round().max(1.0) as u32;
    let h = (d.paper_mm.1 * k).round().max(1.0) as u32;
    let mut c = Canvas {
        img: GrayImage::from_pixel(w, h, Luma([255])),
        k,
        rast: Rasterizer::new(1, 1),
    };
    for item in &d.items {
        c.shape(&item.shape);
    }
    c.img
}

struct Canvas {
    img: GrayImage,
    /// Pixels per millimetre.
    k: f64,
    rast: Rasterizer,
}

impl Canvas {
    fn px(&self, p: Pt) -> Pt {
        pt(p.x * self.k, p.y * self.k)
    }

    /// Pen width in pixels; hairlines keep at least 0.8 px, as a scanner still sees them.
    fn pen(&self, mm: f64) -> f64 {
        (mm * self.k).max(0.8)
    }

    fn shape(&mut self, s: &Shape) {
        match s {
            Shape::Line { a, b, pen_mm } => self.stroke(*a, *b, *pen_mm),
            Shape::Polyline {
                points,
                closed,
                pen_mm,
            } => {
                for w in points.windows(2) {
                    self.stroke(w[0], w[1], *pen_mm);
                }
                if let (true, Some(&a), Some(&b)) = (*closed, points.last(), points.first()) {
                    self.stroke(a, b, *pen_mm);
                }
            }
            Shape::Arc {
                centre,
                radius,
                start_deg,
                sweep_deg,
                pen_mm,
            } => self.arc(*centre, *radius, *start_deg, *sweep_deg, *pen_mm),
            Shape::Fill { points, grey } => {
                let path = polygon(points);
                self.fill(&path, *grey);
            }
            Shape::Hatch { lines, pen_mm, .. } => {
                for (a, b) in lines {
                    self.stroke(*a, *b, *pen_mm);
                }
            }
            Shape::Disc { centre, radius } => {
                let pts: Vec<Pt> = (0..24)
                    .map(|i| Shape::arc_point(*centre, *radius, i as f64 * 15.0))
                    .collect();
                self.fill(&polygon(&pts), 0.0);
            }
            Shape::Text(t) => {
                let path = glyphs::text_path(t);
                self.fill(&path, 0.0);
            }
        }
    }

    /// A straight stroke with square caps.
    fn stroke(&mut self, a: Pt, b: Pt, pen_mm: f64) {
        let (a, b) = (self.px(a), self.px(b));
        let r = self.pen(pen_mm) / 2.0;
        let d = b.minus(a);
        let len = d.len();
        let u = if len > 1e-9 {
            d.times(1.0 / len)
        } else {
            pt(1.0, 0.0)
        };
        let n = pt(-u.y, u.x);
        let (a, b) = (a.minus(u.times(r)), b.plus(u.times(r)));
        let pts = [
            a.plus(n.times(r)),
            b.plus(n.times(r)),
            b.minus(n.times(r)),
            a.minus(n.times(r)),
        ];
        self.fill_px(&polygon(&pts), 0.0);
    }

    /// An arc stroke as one ring-sector polygon (no overlaps, so no darker joints).
    fn arc(&mut self, c: Pt, radius: f64, start: f64, sweep: f64, pen_mm: f64) {
        let r_px = radius * self.k;
        let half = self.pen(pen_mm) / 2.0 / self.k;
        let step = 2.0 * (2.0 * 0.1 / r_px.max(1.0)).sqrt();
        let n = ((sweep.to_radians() / step).ceil() as usize).clamp(4, 720);
        let at = |r: f64, i: usize| Shape::arc_point(c, r, start + sweep * i as f64 / n as f64);
        let mut pts: Vec<Pt> = (0..=n).map(|i| at(radius + half, i)).collect();
        pts.extend((0..=n).rev().map(|i| at((radius - half).max(0.0), i)));
        let path = polygon(&pts);
        self.fill(&path, 0.0);
    }

    /// Fills a path given on paper (mm).
    fn fill(&mut self, path: &[Seg], grey: f64) {
        let k = self.k;
        let m = |p: Pt| pt(p.x * k, p.y * k);
        let px: Vec<Seg> = path
            .iter()
            .map(|s| match *s {
                Seg::Move(p) => Seg::Move(m(p)),
                Seg::Line(p) => Seg::Line(m(p)),
                Seg::Quad(c, p) => Seg::Quad(m(c), m(p)),
                Seg::Cubic(c1, c2, p) => Seg::Cubic(m(c1), m(c2), m(p)),
                Seg::Close => Seg::Close,
            })
            .collect();
        self.fill_px(&px, grey);
    }

    /// Fills a path given in pixels with coverage anti-aliasing; `grey` 0 is black.
    fn fill_px(&mut self, path: &[Seg], grey: f64) {
        let Some(b) = glyphs::bounds(path) else {
            return;
        };
        let (iw, ih) = (self.img.width() as f64, self.img.height() as f64);
        if b[2] < 0.0 || b[3] < 0.0 || b[0] > iw || b[1] > ih {
            return;
        }
        // Clip the box to the image; the rasteriser only needs to be as large as the part
        // that shows, plus the shape's coordinates shifted into it.
        let x0 = b[0].floor().max(0.0);
        let y0 = b[1].floor().max(0.0);
        let x1 = (b[2].ceil() + 1.0).min(iw);
        let y1 = (b[3].ceil() + 1.0).min(ih);
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
        // Shapes that extend past the image are clamped point by point: fine for the
        // few that touch the sheet's edge (none do on a generated sheet).
        let clampx = |v: f64| (v - x0).clamp(0.0, w as f64);
        let clampy = |v: f64| (v - y0).clamp(0.0, h as f64);
        let p = |q: Pt| point(clampx(q.x) as f32, clampy(q.y) as f32);
        self.rast.reset(w, h);
        let mut start: Option<Pt> = None;
        let mut cur = pt(0.0, 0.0);
        for s in path {
            match *s {
                Seg::Move(q) => {
                    if let Some(st) = start.filter(|&st| st != cur) {
                        self.rast.draw_line(p(cur), p(st));
                    }
                    start = Some(q);
                    cur = q;
                }
                Seg::Line(q) => {
                    self.rast.draw_line(p(cur), p(q));
                    cur = q;
                }
                Seg::Quad(c, q) => {
                    self.rast.draw_quad(p(cur), p(c), p(q));
                    cur = q;
                }
                Seg::Cubic(c1, c2, q) => {
                    self.rast.draw_cubic(p(cur), p(c1), p(c2), p(q));
                    cur = q;
                }
                Seg::Close => {
                    if let Some(st) = start {
                        if st != cur {
                            self.rast.draw_line(p(cur), p(st));
                        }
                        cur = st;
                    }
                }
            }
        }
        if let Some(st) = start.filter(|&st| st != cur) {
            self.rast.draw_line(p(cur), p(st));
        }
        let ink = (grey.clamp(0.0, 1.0) * 255.0) as f32;
        let stride = self.img.width() as usize;
        let (ox, oy) = (x0 as usize, y0 as usize);
        let buf: &mut [u8] = &mut self.img;
        self.rast.for_each_pixel_2d(|x, y, a| {
            let a = a.min(1.0);
            if a > 0.002 {
                let i = (oy + y as usize) * stride + ox + x as usize;
                if let Some(v) = buf.get_mut(i) {
                    *v = (*v as f32 * (1.0 - a) + ink * a).round() as u8;
                }
            }
        });
    }
}

fn polygon(pts: &[Pt]) -> Vec<Seg> {
    let mut v = Vec::with_capacity(pts.len() + 2);
    if let Some(&first) = pts.first() {
        v.push(Seg::Move(first));
        v.extend(pts[1..].iter().map(|&p| Seg::Line(p)));
        v.push(Seg::Close);
    }
    v
}
