//! Scanned sheets as files: PNG, JPEG or TIFF into grey, under the OCR pixel limit.

use std::io::Cursor;

use image::{GrayImage, ImageReader};

use super::check_size;
use crate::error::{Result, VisionError};

/// Decodes a PNG, JPEG or TIFF scan (a TIFF's first page) into grey. The size is checked
/// from the header against `max_pixels` before any pixel is allocated: a sheet is often
/// tens of megapixels, and a forged header could ask for far more.
pub fn decode_scan(bytes: &[u8], max_pixels: u64) -> Result<GrayImage> {
    if bytes.is_empty() {
        return Err(VisionError::Image("empty file".into()));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| VisionError::Image(e.to_string()))?;
    let format = match reader.format() {
        Some(
            f @ (image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::Tiff),
        ) => f,
        Some(other) => {
            return Err(VisionError::Image(format!(
                "{other:?} scans are not read; send PNG, JPEG or TIFF"
            )));
        }
        None => {
            return Err(VisionError::Image(
                "not a PNG, JPEG or TIFF scan (unrecognised header)".into(),
            ));
        }
    };
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| VisionError::Image(format!("{format:?}: {e}")))?;
    check_size(w, h, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    // Colour scans decode as RGB(A) 16-bit at worst before turning grey.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).max(64 << 20));
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| VisionError::Image(format!("{format:?}: {e}")))?;
    Ok(img.into_luma8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(img: &GrayImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn png_jpeg_and_tiff_decode_to_grey() {
        let img = GrayImage::from_fn(64, 48, |x, y| image::Luma([((x + y) * 2) as u8]));
        for format in [
            image::ImageFormat::Png,
            image::ImageFormat::Jpeg,
            image::ImageFormat::Tiff,
        ] {
            let back = decode_scan(&encode(&img, format), 10_000).unwrap();
            assert_eq!(back.dimensions(), (64, 48), "{format:?}");
        }
    }

    #[test]
    fn oversized_corrupt_and_empty_are_refused() {
        let img = GrayImage::new(100, 100);
        let png = encode(&img, image::ImageFormat::Png);
        assert!(matches!(
            decode_scan(&png, 9_999),
            Err(VisionError::ImageSize { width: 100, .. })
        ));
        assert!(matches!(
            decode_scan(&png[..40], 1 << 20),
            Err(VisionError::Image(_))
        ));
        assert!(matches!(
            decode_scan(b"", 1 << 20),
            Err(VisionError::Image(_))
        ));
        assert!(matches!(
            decode_scan(b"hello", 1 << 20),
            Err(VisionError::Image(_))
        ));
    }
}
