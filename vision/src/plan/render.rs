//! A page model drawn as a picture: what OCR reads when a PDF's text is outlines, and the
//! background of the annotated page.

use std::collections::BTreeMap;

use chantier_bim::plan::page::{PlanPage, Pt};
use image::{GrayImage, Luma};

use crate::error::{Result, VisionError};

/// Renders strokes and fills in black on white at `dpi`.
pub fn render_page(page: &PlanPage, dpi: u32, max_pixels: u64) -> Result<GrayImage> {
    let k = dpi as f64 / 25.4;
    let (w, h) = (
        (page.width_mm * k).ceil().max(1.0) as u64,
        (page.height_mm * k).ceil().max(1.0) as u64,
    );
    if w * h > max_pixels {
        return Err(VisionError::ImageSize {
            width: w.min(u32::MAX as u64) as u32,
            height: h.min(u32::MAX as u64) as u32,
            limit: format!("a {dpi} dpi rendering is over the {max_pixels} pixel limit"),
        });
    }
    let mut img = GrayImage::from_pixel(w as u32, h as u32, Luma([255]));
    // Filled shapes, one path at a time, even-odd.
    let mut fills: BTreeMap<u32, Vec<(Pt, Pt)>> = BTreeMap::new();
    for s in page.segments.iter().filter(|s| s.fill) {
        fills.entry(s.path).or_default().push((s.a, s.b));
    }
    for c in page.curves.iter().filter(|c| c.fill) {
        let e = fills.entry(c.path).or_default();
        e.extend(c.points.windows(2).map(|w| (w[0], w[1])));
    }
    for edges in fills.values() {
        fill_even_odd(&mut img, edges, k);
    }
    for s in page.segments.iter().filter(|s| !s.fill) {
        stroke(&mut img, s.a, s.b, s.width_mm, k);
    }
    for c in page.curves.iter().filter(|c| !c.fill) {
        for w in c.points.windows(2) {
            stroke(&mut img, w[0], w[1], 0.18, k);
        }
    }
    Ok(img)
}

fn fill_even_odd(img: &mut GrayImage, edges: &[(Pt, Pt)], k: f64) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let ys = edges.iter().flat_map(|(a, b)| [a.y * k, b.y * k]);
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for y in ys {
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !y0.is_finite() {
        return;
    }
    let mut xs: Vec<f64> = Vec::new();
    for py in (y0.floor().max(0.0) as i64)..=(y1.ceil().min(h as f64 - 1.0) as i64) {
        let yc = py as f64 + 0.5;
        xs.clear();
        for (a, b) in edges {
            let (ay, by) = (a.y * k, b.y * k);
            if (ay <= yc && by > yc) || (by <= yc && ay > yc) {
                let t = (yc - ay) / (by - ay);
                xs.push(a.x * k + t * (b.x * k - a.x * k));
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let (xa, xb) = (
                pair[0].round().max(0.0) as i64,
                pair[1].round().min(w as f64) as i64,
            );
            for px in xa..xb {
                img.put_pixel(px as u32, py as u32, Luma([0]));
            }
        }
    }
}

fn stroke(img: &mut GrayImage, a: Pt, b: Pt, width_mm: f64, k: f64) {
    let (ax, ay, bx, by) = (a.x * k, a.y * k, b.x * k, b.y * k);
    let half = (width_mm * k / 2.0).max(0.5);
    let len = (bx - ax).hypot(by - ay);
    if len < 1e-9 {
        return;
    }
    let (nx, ny) = (-(by - ay) / len * half, (bx - ax) / len * half);
    let quad = [
        (Pt::new(ax + nx, ay + ny), Pt::new(bx + nx, by + ny)),
        (Pt::new(bx + nx, by + ny), Pt::new(bx - nx, by - ny)),
        (Pt::new(bx - nx, by - ny), Pt::new(ax - nx, ay - ny)),
        (Pt::new(ax - nx, ay - ny), Pt::new(ax + nx, ay + ny)),
    ];
    // Thin strokes cover less than a pixel row: widen them to one pixel so they show.
    fill_even_odd(img, &quad, 1.0);
}
