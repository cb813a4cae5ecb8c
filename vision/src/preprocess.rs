//! Image decoding under limits, and letterboxing into the model's input tensor.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, RgbImage};

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
            return Err(VisionError::Image(format!(
                "a {width}x{height} image: an image needs at least one pixel in each direction"
            )));
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
    if format == ImageFormat::Jpeg {
        check_jpeg_end(bytes)?;
        match decode_jpeg(bytes, (w, h)) {
            Ok(img) => return Ok(img),
            // CMYK, or damage libjpeg-turbo stops at: the other decoder has its say.
            Err(e) => tracing::debug!(error = %e, "libjpeg-turbo did not decode; trying zune-jpeg"),
        }
    }
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

/// A JPEG cut short (an upload broken off, a camera's partial frame) decodes "fine": the
/// decoders fill what is missing with grey and say nothing. Its entropy-coded data must be
/// followed by the end-of-image marker (FF D9); bytes after it (camera trailers) are allowed.
fn check_jpeg_end(bytes: &[u8]) -> Result<()> {
    let scan = bytes.windows(2).position(|w| w == [0xFF, 0xDA]);
    let end = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    match (scan, end) {
        (Some(s), Some(e)) if e > s => Ok(()),
        _ => Err(VisionError::Image(format!(
            "the JPEG data is cut short: no end-of-image marker after its {} bytes",
            bytes.len()
        ))),
    }
}

thread_local! {
    static TURBO: std::cell::RefCell<Option<turbojpeg::Decompressor>> =
        const { std::cell::RefCell::new(None) };
}

/// JPEG through libjpeg-turbo, the decoder inside OpenCV and Pillow: pictures come out
/// byte for byte as in the Python tools models are trained and checked with (another IDCT
/// moves a level here and there, and boxes by a pixel), and faster than zune-jpeg here.
/// `checked` is the size the limits were checked against; a header that says otherwise is
/// left to the other decoder.
fn decode_jpeg(
    bytes: &[u8],
    checked: (u32, u32),
) -> std::result::Result<RgbImage, turbojpeg::Error> {
    TURBO.with(|cell| {
        let mut slot = cell.borrow_mut();
        let tj = match slot.as_mut() {
            Some(tj) => tj,
            None => slot.insert(turbojpeg::Decompressor::new()?),
        };
        let header = tj.read_header(bytes)?;
        let (w, h) = (header.width, header.height);
        if (w as u64, h as u64) != (checked.0 as u64, checked.1 as u64) {
            return Err(turbojpeg::Error::IntegerOverflow(
                "size differs from the checked header",
            ));
        }
        let mut pixels = vec![0u8; w * h * 3];
        tj.decompress(
            bytes,
            turbojpeg::Image {
                pixels: pixels.as_mut_slice(),
                width: w,
                pitch: w * 3,
                height: h,
                format: turbojpeg::PixelFormat::RGB,
            },
        )?;
        Ok(RgbImage::from_raw(w as u32, h as u32, pixels).unwrap_or_default())
    })
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

/// One output column or row of a linear resize: the two source indices and their weights
/// in 1/2048ths, as OpenCV computes them (f32 position, each weight rounded on its own).
#[derive(Debug, Clone, Copy)]
struct Tap {
    i0: usize,
    i1: usize,
    w0: i32,
    w1: i32,
}

/// `clamp_edges` is OpenCV's treatment of columns: a position outside the picture takes
/// the edge pixel whole; rows keep their weights and only the row index is clamped.
fn taps(dst: usize, src: usize, clamp_edges: bool) -> Vec<Tap> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|d| {
            let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let mut s = f.floor() as i64;
            let mut frac = f - s as f32;
            if clamp_edges {
                if s < 0 {
                    (s, frac) = (0, 0.0);
                }
                if s >= src as i64 - 1 {
                    (s, frac) = (src as i64 - 1, 0.0);
                }
            }
            let last = src as i64 - 1;
            Tap {
                i0: s.clamp(0, last) as usize,
                i1: (s + 1).clamp(0, last) as usize,
                w0: ((1.0 - frac) * 2048.0).round_ties_even() as i32,
                w1: (frac * 2048.0).round_ties_even() as i32,
            }
        })
        .collect()
}

/// OpenCV's `resize(INTER_LINEAR)` on 8-bit RGB, bit for bit: rows are weighted into
/// 11-bit fixed point, then columns with its rounding. Ultralytics letterboxes with it, so
/// the model sees exactly the tensor it sees there and boxes agree to the pixel (a
/// convolution resize such as `fast_image_resize` rounds differently: a level here and there,
/// which moved a few boxes by a pixel and swapped candidates near the thresholds).
pub fn resize_linear(src: &RgbImage, dst_w: u32, dst_h: u32) -> RgbImage {
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let (dw, dh) = (dst_w as usize, dst_h as usize);
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return RgbImage::new(dst_w, dst_h);
    }
    let cols = taps(dw, sw, true);
    let rows = taps(dh, sh, false);
    let raw = src.as_raw();
    let horizontal = |y: usize, out: &mut Vec<i32>| {
        let line = &raw[y * sw * 3..(y + 1) * sw * 3];
        out.clear();
        for t in &cols {
            let (a, b) = (&line[t.i0 * 3..t.i0 * 3 + 3], &line[t.i1 * 3..t.i1 * 3 + 3]);
            for c in 0..3 {
                out.push(a[c] as i32 * t.w0 + b[c] as i32 * t.w1);
            }
        }
    };
    let mut out = vec![0u8; dw * dh * 3];
    // The two source rows in use, by index: rows are visited in order, so each is weighted once.
    let (mut r0, mut r1) = ((usize::MAX, Vec::new()), (usize::MAX, Vec::new()));
    for (y, t) in rows.iter().enumerate() {
        for (want, slot) in [(t.i0, 0), (t.i1, 1)] {
            let (have, other) = if slot == 0 {
                (&mut r0, &r1)
            } else {
                (&mut r1, &r0)
            };
            if have.0 != want {
                if other.0 == want {
                    have.1.clone_from(&other.1);
                } else {
                    horizontal(want, &mut have.1);
                }
                have.0 = want;
            }
        }
        let (b0, b1) = (t.w0, t.w1);
        for ((o, &s0), &s1) in out[y * dw * 3..(y + 1) * dw * 3]
            .iter_mut()
            .zip(&r0.1)
            .zip(&r1.1)
        {
            *o = ((((b0 * (s0 >> 4)) >> 16) + ((b1 * (s1 >> 4)) >> 16) + 2) >> 2).clamp(0, 255)
                as u8;
        }
    }
    RgbImage::from_raw(dst_w, dst_h, out).unwrap_or_default()
}

/// Letterbox into the model input and write it as NCHW f32 in `[0, 1]` into `out`.
pub fn letterbox(img: &RgbImage, dst_w: u32, dst_h: u32, out: &mut Vec<f32>) -> Result<Letterbox> {
    let (lb, new_w, new_h) = Letterbox::plan(img.width(), img.height(), dst_w, dst_h);
    let resized;
    let buf = if (new_w, new_h) == (img.width(), img.height()) {
        img.as_raw()
    } else {
        resized = resize_linear(img, new_w, new_h);
        resized.as_raw()
    };
    let plane = (dst_w * dst_h) as usize;
    out.clear();
    out.resize(plane * 3, 114.0 / 255.0);
    let (r_plane, rest) = out.split_at_mut(plane);
    let (g_plane, b_plane) = rest.split_at_mut(plane);
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

    /// Reference values from OpenCV 5.0 (`cv2.resize(img, size, interpolation=INTER_LINEAR)`
    /// in the opencv-python wheel Ultralytics installs) on a 7x5 test pattern.
    #[test]
    fn resize_matches_opencv_bit_for_bit() {
        let img = RgbImage::from_fn(7, 5, |x, y| {
            image::Rgb([
                ((37 * x + 11 * y) % 256) as u8,
                ((255 + 256 - 29 * y - 3 * x) % 256) as u8,
                ((x * y * 41) % 256) as u8,
            ])
        });
        let down = resize_linear(&img, 4, 3);
        assert_eq!(
            down.as_raw().as_slice(),
            [
                17, 244, 5, 82, 239, 29, 147, 233, 53, 212, 228, 77, 36, 196, 31, 101, 191, 174,
                165, 185, 94, 230, 180, 205, 54, 147, 56, 119, 142, 138, 184, 137, 177, 142, 132,
                163
            ]
        );
        let up = resize_linear(&img, 11, 8);
        let sum: u64 = up.as_raw().iter().map(|&v| v as u64).sum();
        assert_eq!(sum, 37092);
        assert_eq!(up.get_pixel(10, 7).0, [10, 121, 216]);
        assert_eq!(up.get_pixel(5, 3).0, [129, 197, 207]);
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
        assert!(matches!(limits.check(0, 0), Err(VisionError::Image(_))));
        // A photograph cut in half: libjpeg-turbo and zune-jpeg would fill the rest with grey.
        let photo = RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
        });
        let mut full = Vec::new();
        photo
            .write_to(&mut Cursor::new(&mut full), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(decode(&full, &limits).is_ok());
        let mut trailer = full.clone();
        trailer.extend_from_slice(b"camera trailer");
        assert!(
            decode(&trailer, &limits).is_ok(),
            "bytes after the end are allowed"
        );
        let cut = decode(&full[..full.len() / 2], &limits).unwrap_err();
        assert!(cut.to_string().contains("cut short"), "{cut}");
    }
}
