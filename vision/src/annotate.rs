//! Annotated snapshots: what the safety manager sees in the alert, so each box says why.

use std::io::Cursor;
use std::sync::OnceLock;

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{
    draw_filled_rect_mut, draw_hollow_polygon_mut, draw_hollow_rect_mut, draw_text_mut, text_size,
};
use imageproc::point::Point;
use imageproc::rect::Rect;

use crate::detection::{BoxF, Detection};
use crate::error::{Result, VisionError};
use crate::safety::{Violation, Zone, ZoneKind};

const RED: Rgb<u8> = Rgb([220, 30, 30]);
const GREEN: Rgb<u8> = Rgb([30, 170, 60]);
const ORANGE: Rgb<u8> = Rgb([255, 150, 0]);
const BLUE: Rgb<u8> = Rgb([40, 110, 230]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

pub(crate) fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(dejavu::sans::regular()).expect("DejaVu Sans is a valid font")
    })
}

/// What to draw on a frame.
#[derive(Debug, Default)]
pub struct Overlay<'a> {
    pub detections: &'a [Detection],
    pub violations: &'a [Violation],
    pub zones: &'a [Zone],
    /// Track id per violation, when known, printed in its label.
    pub track_ids: &'a [Option<u64>],
}

/// Draw detections (green when compliant, red when a violation class), violation boxes
/// with their rule, and zone outlines; return the picture as a JPEG.
pub fn annotate(img: &RgbImage, overlay: &Overlay<'_>) -> RgbImage {
    let mut canvas = img.clone();
    let (w, h) = (canvas.width(), canvas.height());
    let thick = ((w.max(h) as f32) / 500.0).ceil().max(1.0) as i32;
    let scale = PxScale::from(((h as f32) / 40.0).clamp(12.0, 36.0));
    for z in overlay.zones {
        let pts: Vec<Point<f32>> = z
            .polygon
            .iter()
            .map(|p| Point::new(p[0] * w as f32, p[1] * h as f32))
            .collect();
        let colour = if z.kind == ZoneKind::Restricted {
            ORANGE
        } else {
            BLUE
        };
        for t in 0..thick {
            let shifted: Vec<Point<f32>> = pts
                .iter()
                .map(|p| Point::new(p.x + t as f32, p.y))
                .collect();
            if shifted.first() != shifted.last() {
                draw_hollow_polygon_mut(&mut canvas, &shifted, colour);
            }
        }
        if let Some(p) = pts.first() {
            label(&mut canvas, p.x as i32, p.y as i32, &z.name, colour, scale);
        }
    }
    for d in overlay.detections {
        let bad = d.class.starts_with("no") || d.class.starts_with("NO");
        rect(&mut canvas, &d.bbox, if bad { RED } else { GREEN }, thick);
    }
    for (i, v) in overlay.violations.iter().enumerate() {
        rect(&mut canvas, &v.bbox, RED, thick + 1);
        let id = overlay
            .track_ids
            .get(i)
            .copied()
            .flatten()
            .map(|id| format!("#{id} "))
            .unwrap_or_default();
        let text = format!("{id}{} {:.0}%", v.rule.as_str(), v.confidence * 100.0);
        label(
            &mut canvas,
            v.bbox.x1 as i32,
            v.bbox.y1 as i32,
            &text,
            RED,
            scale,
        );
    }
    canvas
}

pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(
        Cursor::new(&mut out),
        quality.clamp(1, 100),
    );
    img.write_with_encoder(enc)
        .map_err(|e| VisionError::Image(format!("JPEG encoding: {e}")))?;
    Ok(out)
}

fn rect(canvas: &mut RgbImage, b: &BoxF, colour: Rgb<u8>, thick: i32) {
    for t in 0..thick {
        let (x, y) = (b.x1 as i32 - t, b.y1 as i32 - t);
        let (rw, rh) = (
            (b.width() as i32 + 2 * t).max(1),
            (b.height() as i32 + 2 * t).max(1),
        );
        draw_hollow_rect_mut(canvas, Rect::at(x, y).of_size(rw as u32, rh as u32), colour);
    }
}

pub(crate) fn label(
    canvas: &mut RgbImage,
    x: i32,
    y: i32,
    text: &str,
    colour: Rgb<u8>,
    scale: PxScale,
) {
    let (tw, th) = text_size(scale, font(), text);
    let top = (y - th as i32 - 4).max(0);
    draw_filled_rect_mut(canvas, Rect::at(x, top).of_size(tw + 6, th + 4), colour);
    draw_text_mut(canvas, WHITE, x + 3, top + 1, scale, font(), text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::Rule;

    #[test]
    fn violations_are_drawn_in_red_and_encoded() {
        let img = RgbImage::from_pixel(320, 240, Rgb([128, 128, 128]));
        let v = Violation {
            rule: Rule::NoHelmet,
            worker: 0,
            bbox: BoxF {
                x1: 100.0,
                y1: 80.0,
                x2: 160.0,
                y2: 200.0,
            },
            confidence: 0.8,
            zone: None,
        };
        let zone = Zone {
            name: "grue".into(),
            kind: ZoneKind::Restricted,
            polygon: vec![[0.0, 0.0], [0.3, 0.0], [0.3, 0.3]],
        };
        let out = annotate(
            &img,
            &Overlay {
                violations: &[v],
                zones: &[zone],
                track_ids: &[Some(7)],
                ..Default::default()
            },
        );
        assert_eq!(out.get_pixel(100, 150), &RED);
        assert_eq!(
            out.get_pixel(130, 150),
            &Rgb([128, 128, 128]),
            "inside the box is untouched"
        );
        let jpeg = encode_jpeg(&out, 85).unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (320, 240));
    }
}
