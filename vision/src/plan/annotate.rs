//! The annotated page: the plan with what was recognised drawn over it, for the estimator
//! to check at a glance — walls in red along their axes, rooms in green, dimensions in
//! blue, doors in orange, windows in cyan, scales in magenta, tables and title block in
//! grey.

use ab_glyph::PxScale;
use chantier_bim::plan::PageTakeoff;
use chantier_bim::plan::page::{BBox, PlanPage};
use image::{DynamicImage, GrayImage, Rgb, RgbImage};
use imageproc::drawing::{draw_hollow_rect_mut, draw_line_segment_mut};
use imageproc::rect::Rect;

use super::render::render_page;
use crate::annotate::label;
use crate::error::{Result, VisionError};

const RED: Rgb<u8> = Rgb([220, 30, 30]);
const GREEN: Rgb<u8> = Rgb([20, 150, 60]);
const BLUE: Rgb<u8> = Rgb([40, 90, 230]);
const ORANGE: Rgb<u8> = Rgb([245, 140, 0]);
const CYAN: Rgb<u8> = Rgb([0, 170, 200]);
const MAGENTA: Rgb<u8> = Rgb([200, 0, 180]);
const GREY: Rgb<u8> = Rgb([120, 120, 120]);

/// Longest side of the annotated picture, in pixels.
const MAX_SIDE: f64 = 3000.0;

/// Draws the page (its scan when given, else a rendering of the page model) and the
/// findings over it, as PNG bytes.
pub fn annotate_page(
    model: &PlanPage,
    page: &PageTakeoff,
    scan: Option<&GrayImage>,
) -> Result<Vec<u8>> {
    let dpi = (MAX_SIDE / (model.width_mm.max(model.height_mm) / 25.4)).clamp(30.0, 150.0);
    let k = dpi / 25.4;
    let background = match scan {
        Some(img) => image::imageops::resize(
            img,
            (model.width_mm * k).round().max(1.0) as u32,
            (model.height_mm * k).round().max(1.0) as u32,
            image::imageops::FilterType::Triangle,
        ),
        None => render_page(model, dpi.round() as u32, 64_000_000)?,
    };
    let mut canvas: RgbImage = DynamicImage::ImageLuma8(background).into_rgb8();
    // Faded background so the colours stand out.
    for p in canvas.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = 255 - (255 - *c) / 2;
        }
    }
    let scale = PxScale::from((2.5 * k).clamp(10.0, 28.0) as f32);
    let boxed = |canvas: &mut RgbImage, b: &BBox, colour: Rgb<u8>| {
        let (x0, y0) = ((b.x0 * k).floor() as i32, (b.y0 * k).floor() as i32);
        let (w, h) = (
            ((b.width() * k).ceil() as u32).max(2),
            ((b.height() * k).ceil() as u32).max(2),
        );
        for t in 0..2 {
            draw_hollow_rect_mut(
                canvas,
                Rect::at(x0 - t, y0 - t).of_size(w + 2 * t as u32, h + 2 * t as u32),
                colour,
            );
        }
    };
    for t in &page.tables {
        boxed(&mut canvas, &t.bbox, GREY);
    }
    if let Some(b) = &page.title_block.bbox {
        boxed(&mut canvas, b, GREY);
    }
    for f in &page.scale_findings {
        boxed(&mut canvas, &f.bbox, MAGENTA);
    }
    for w in &page.wall_axes {
        for d in -1..=1 {
            let o = d as f32;
            draw_line_segment_mut(
                &mut canvas,
                ((w.a.x * k) as f32 + o, (w.a.y * k) as f32 + o),
                ((w.b.x * k) as f32 + o, (w.b.y * k) as f32 + o),
                RED,
            );
        }
    }
    for o in &page.openings {
        boxed(
            &mut canvas,
            &o.bbox,
            if o.kind == "door" { ORANGE } else { CYAN },
        );
    }
    for d in &page.dimensions {
        boxed(&mut canvas, &d.bbox, BLUE);
    }
    for r in &page.rooms {
        boxed(&mut canvas, &r.bbox, GREEN);
        let text = format!("{} {:.2} m²", r.name, r.area_m2);
        label(
            &mut canvas,
            (r.bbox.x0 * k) as i32,
            (r.bbox.y0 * k) as i32,
            &text,
            GREEN,
            scale,
        );
    }
    let summary = format!(
        "page {} | scale {} | {} rooms | {} dims | {:.1} m of walls | {} doors | {} windows",
        page.number,
        page.scale.map_or("?".into(), |s| format!("1:{s}")),
        page.rooms.len(),
        page.dimensions.len(),
        page.walls.iter().map(|w| w.length_m).sum::<f64>(),
        page.openings.iter().filter(|o| o.kind == "door").count(),
        page.openings.iter().filter(|o| o.kind == "window").count(),
    );
    label(
        &mut canvas,
        4,
        (scale.y * 1.6) as i32,
        &summary,
        MAGENTA,
        scale,
    );
    let mut out = Vec::new();
    canvas
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| VisionError::Image(format!("PNG encoding: {e}")))?;
    Ok(out)
}
