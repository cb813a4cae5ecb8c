//! Image decoding under limits, and letterboxing into the model's input tensor.

use std::io::Cursor;

use fast_image_resize as fr;
use image::{ImageReader, RgbImage};

use crate::error::{Result, VisionError};

/// Limits on what a caller may send; a 30000x30000 JPEG is a few KB on the wire and 2.7 GB
/// decoded, so sizes are checked from the header before any pixel is allocated.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_width: 16_384,
            max_height: 16_384,
            max_pixels: 40_000_000,
        }
    }
}

impl ImageLimits {
    pub fn check(&self, width: u32, height: u32) -> Result<()> {
        let refuse = |limit: String| {
            Err(VisionError::ImageSize {
                width,
                height,
                limit,
            })
        };
        if width == 0 || height == 0 {
            return refuse("an image needs at least one pixel in each direction".into());
        }
        if width > self.max_width || height > self.max_height {
            return refuse(format!(
                "the limit is {}x{}",
                self.max_width, self.max_height
            ));
        }
        if u64::from(width) * u64::from(height) > self.max_pixels {
            return refuse(format!("the limit is {} pixels", self.max_pixels));
        }
        Ok(())
    }
}

/// Decode a JPEG or PNG into RGB, refusing oversized or corrupt pictures with a reason.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<RgbImage> {
    if bytes.is_empty() {
        return Err(VisionError::Image("empty file".into()));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| VisionError::Image(e.to_string()))?;
    let Some(format) = reader.format() else {
        return Err(VisionError::Image(
            "not a JPEG or PNG picture (unrecognised header)".into(),
        ));
    };
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| VisionError::Image(format!("{format:?}: {e}")))?;
    limits.check(w, h)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut lim = image::Limits::default();
    lim.max_image_width = Some(limits.max_width);
    lim.max_image_height = Some(limits.max_height);
    lim.max_alloc = Some(limits.max_pixels.saturating_mul(4).max(64 << 20));
    reader.limits(lim);
    let img = reader
        .decode()
        .map_err(|e| VisionError::Image(format!("{format:?}: {e}")))?;
    Ok(img.into_rgb8())
}

/// How the picture was placed into the model input, to map boxes back.
#[derive(Debug, Clone, Copy)]
pub struct Letterbox {
    pub gain_x: f32,
    pub gain_y: f32,
    pub pad_x: f32,
    pub pad_y: f32,
    pub src_w: u32,
    pub src_h: u32,
}

impl Letterbox {
    /// Same arithmetic as Ultralytics' `LetterBox` (centre, pad 114, Python's round-half-even),
    /// so detections match its own pipeline box for box.
    pub fn plan(src_w: u32, src_h: u32, dst_w: u32, dst_h: u32) -> (Letterbox, u32, u32) {
        let r = (dst_h as f64 / src_h as f64).min(dst_w as f64 / src_w as f64);
        let new_w = ((src_w as f64 * r).round_ties_even() as u32).clamp(1, dst_w);
        let new_h = ((src_h as f64 * r).round_ties_even() as u32).clamp(1, dst_h);
        let dw = (dst_w - new_w) as f64 / 2.0;
        let dh = (dst_h - new_h) as f64 / 2.0;
        let pad_x = (dw - 0.1).round_ties_even().max(0.0);
        let pad_y = (dh - 0.1).round_ties_even().max(0.0);
        let lb = Letterbox {
            gain_x: new_w as f32 / src_w as f32,
            gain_y: new_h as f32 / src_h as f32,
            pad_x: pad_x as f32,
            pad_y: pad_y as f32,
            src_w,
            src_h,
        };
        (lb, new_w, new_h)
    }

    /// A box in model input pixels back to the source picture, clipped to it.
    pub fn unmap(&self, b: crate::detection::BoxF) -> crate::detection::BoxF {
        crate::detection::BoxF {
            x1: (b.x1 - self.pad_x) / self.gain_x,
            y1: (b.y1 - self.pad_y) / self.gain_y,
            x2: (b.x2 - self.pad_x) / self.gain_x,
            y2: (b.y2 - self.pad_y) / self.gain_y,
        }
        .clamp(self.src_w as f32, self.src_h as f32)
    }
}

/// Resize with SIMD (`fast_image_resize`, bilinear interpolation like OpenCV's INTER_LINEAR)
/// and write the letterboxed picture as NCHW f32 in `[0, 1]` into `out`.
pub fn letterbox(img: &RgbImage, dst_w: u32, dst_h: u32, out: &mut Vec<f32>) -> Result<Letterbox> {
    let (lb, new_w, new_h) = Letterbox::plan(img.width(), img.height(), dst_w, dst_h);
    let src =
        fr::images::ImageRef::new(img.width(), img.height(), img.as_raw(), fr::PixelType::U8x3)
            .map_err(|e| VisionError::Image(e.to_string()))?;
    let mut resized = fr::images::Image::new(new_w, new_h, fr::PixelType::U8x3);
    if (new_w, new_h) == (img.width(), img.height()) {
        resized.buffer_mut().copy_from_slice(img.as_raw());
    } else {
        let options = fr::ResizeOptions::new()
            .resize_alg(fr::ResizeAlg::Interpolation(fr::FilterType::Bilinear));
        fr::Resizer::new()
            .resize(&src, &mut resized, &options)
            .map_err(|e| VisionError::Image(e.to_string()))?;
    }
    let plane = (dst_w * dst_h) as usize;
    out.clear();
    out.resize(plane * 3, 114.0 / 255.0);
    let (r_plane, rest) = out.split_at_mut(plane);
    let (g_plane, b_plane) = rest.split_at_mut(plane);
    let buf = resized.buffer();
    let (px, py) = (lb.pad_x as usize, lb.pad_y as usize);
    for y in 0..new_h as usize {
        let row = &buf[y * new_w as usize * 3..(y + 1) * new_w as usize * 3];
        let base = (y + py) * dst_w as usize + px;
        for (x, p) in row.chunks_exact(3).enumerate() {
            r_plane[base + x] = p[0] as f32 * (1.0 / 255.0);
            g_plane[base + x] = p[1] as f32 * (1.0 / 255.0);
            b_plane[base + x] = p[2] as f32 * (1.0 / 255.0);
        }
    }
    Ok(lb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_matches_ultralytics_arithmetic() {
        // 1920x1080 into 416: r = 0.21667, 416x234, padding 91 top (round(90.9)).
        let (lb, w, h) = Letterbox::plan(1920, 1080, 416, 416);
        assert_eq!((w, h), (416, 234));
        assert_eq!((lb.pad_x, lb.pad_y), (0.0, 91.0));
        let back = lb.unmap(crate::detection::BoxF {
            x1: 0.0,
            y1: 91.0,
            x2: 416.0,
            y2: 325.0,
        });
        assert!(
            (back.x2 - 1920.0).abs() < 0.01
                && back.y1.abs() < 0.01
                && (back.y2 - 1080.0).abs() < 0.01
        );
    }

    #[test]
    fn letterbox_fills_padding_and_pixels() {
        let img = RgbImage::from_pixel(20, 10, image::Rgb([255, 0, 0]));
        let mut out = Vec::new();
        let lb = letterbox(&img, 32, 32, &mut out).unwrap();
        assert_eq!(out.len(), 3 * 32 * 32);
        assert_eq!(lb.pad_y, 8.0);
        assert!((out[0] - 114.0 / 255.0).abs() < 1e-6, "top row is padding");
        let centre = 16 * 32 + 16;
        assert!((out[centre] - 1.0).abs() < 1e-6 && out[1024 + centre] == 0.0);
    }

    #[test]
    fn refuses_empty_corrupt_and_huge_pictures() {
        let limits = ImageLimits::default();
        assert!(matches!(decode(&[], &limits), Err(VisionError::Image(_))));
        assert!(matches!(
            decode(b"not a picture", &limits),
            Err(VisionError::Image(_))
        ));
        let mut jpeg = Vec::new();
        RgbImage::new(64, 64)
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(
            decode(&jpeg[..jpeg.len() / 2], &limits).is_err(),
            "truncated JPEG"
        );
        assert!(matches!(
            limits.check(30_000, 30_000),
            Err(VisionError::ImageSize { .. })
        ));
        assert!(matches!(
            limits.check(0, 0),
            Err(VisionError::ImageSize { .. })
        ));
    }
}
