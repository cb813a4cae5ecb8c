//! Pictures out of a PDF, for the OCR of scanned pages. JPEG data is handed over as it is
//! (the vision crate decodes it); other pictures are unpacked to 8-bit samples here.

use lopdf::{Document, Object};

use super::interp::{ImageSource, num};
use crate::BimError;

#[derive(Debug, Clone)]
pub enum PixelData {
    /// A complete JPEG file (DCTDecode).
    Jpeg(Vec<u8>),
    /// 8-bit samples, one per pixel.
    Gray(Vec<u8>),
    /// 8-bit samples, three per pixel.
    Rgb(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    pub data: PixelData,
}

pub fn decode(
    doc: &Document,
    source: &ImageSource,
    max_pixels: u64,
    max_bytes: usize,
) -> Result<PageImage, BimError> {
    let stream = match source {
        ImageSource::XObject(id) => doc
            .get_object(*id)
            .and_then(Object::as_stream)
            .map_err(|e| err(format!("image {} {}: {e}", id.0, id.1)))?,
        ImageSource::Inline(s) => s.as_ref(),
    };
    let d = &stream.dict;
    let get = |k: &[u8], short: &[u8]| d.get(k).or_else(|_| d.get(short)).ok();
    let width = get(b"Width", b"W").and_then(num).unwrap_or(0.0) as u64;
    let height = get(b"Height", b"H").and_then(num).unwrap_or(0.0) as u64;
    if width == 0 || height == 0 {
        return Err(err("an image without a width or height".into()));
    }
    if width * height > max_pixels {
        return Err(BimError::Limit(format!(
            "an embedded image is {width}x{height} pixels, over the {max_pixels} pixel limit"
        )));
    }
    let filters = filter_names(get(b"Filter", b"F"));
    let (width, height) = (width as u32, height as u32);
    if filters.iter().any(|f| f == "DCTDecode" || f == "DCT") {
        let data = if filters.len() > 1 {
            stream
                .decompressed_content_with_limit(max_bytes)
                .map_err(|e| err(e.to_string()))?
        } else {
            stream.content.clone()
        };
        return Ok(PageImage {
            width,
            height,
            data: PixelData::Jpeg(data),
        });
    }
    if let Some(f) = filters.iter().find(|f| {
        matches!(
            f.as_str(),
            "CCITTFaxDecode" | "CCF" | "JBIG2Decode" | "JPXDecode"
        )
    }) {
        return Err(err(format!(
            "embedded images compressed with {f} are not supported yet"
        )));
    }
    let raw = if filters.is_empty() {
        stream.content.clone()
    } else {
        stream
            .decompressed_content_with_limit(max_bytes)
            .map_err(|e| err(format!("cannot decompress an image: {e}")))?
    };
    let bpc = get(b"BitsPerComponent", b"BPC")
        .and_then(num)
        .unwrap_or(1.0) as u32;
    let mask = matches!(get(b"ImageMask", b"IM"), Some(Object::Boolean(true)));
    let components = if mask {
        1
    } else {
        components(doc, get(b"ColorSpace", b"CS"))
    };
    let inverted = get(b"Decode", b"D")
        .and_then(|o| o.as_array().ok())
        .and_then(|a| a.first())
        .and_then(num)
        .is_some_and(|v| v > 0.5);
    let samples = unpack(&raw, width, height, bpc, components)
        .ok_or_else(|| err(format!("image data too short for {width}x{height}")))?;
    let data = match components {
        3 => PixelData::Rgb(samples),
        4 => PixelData::Rgb(
            samples
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - p[3] as u32;
                    [0, 1, 2].map(|i| ((255 - p[i] as u32) * k / 255) as u8)
                })
                .collect(),
        ),
        _ => {
            let mut g = samples;
            // Image masks paint their 0 samples; a Decode of [1 0] swaps black and white.
            if inverted != mask {
                g.iter_mut().for_each(|v| *v = 255 - *v);
            }
            PixelData::Gray(g)
        }
    };
    Ok(PageImage {
        width,
        height,
        data,
    })
}

fn filter_names(o: Option<&Object>) -> Vec<String> {
    match o {
        Some(Object::Name(n)) => vec![String::from_utf8_lossy(n).into_owned()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

fn components(doc: &Document, cs: Option<&Object>) -> usize {
    let cs = match cs {
        Some(Object::Reference(id)) => doc.get_object(*id).ok(),
        o => o,
    };
    match cs {
        Some(Object::Name(n)) => match n.as_slice() {
            b"DeviceRGB" | b"RGB" | b"CalRGB" => 3,
            b"DeviceCMYK" | b"CMYK" => 4,
            _ => 1,
        },
        Some(Object::Array(a)) => match a.first().and_then(|o| o.as_name().ok()) {
            Some(b"ICCBased") => a
                .get(1)
                .and_then(|o| match o {
                    Object::Reference(id) => doc.get_object(*id).ok(),
                    o => Some(o),
                })
                .and_then(|o| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").ok().and_then(num))
                .map_or(3, |n| n as usize),
            Some(b"CalRGB") | Some(b"Lab") => 3,
            // Indexed palettes are rare in scans; their indices read as gray levels.
            _ => 1,
        },
        _ => 1,
    }
}

/// Samples of `bpc` bits to 8-bit values, rows padded to whole bytes as PDF requires.
fn unpack(raw: &[u8], w: u32, h: u32, bpc: u32, comps: usize) -> Option<Vec<u8>> {
    let per_row = w as usize * comps;
    let row_bytes = (per_row * bpc as usize).div_ceil(8);
    if raw.len() < row_bytes * h as usize {
        return None;
    }
    if bpc == 8 {
        let mut out = Vec::with_capacity(per_row * h as usize);
        for r in 0..h as usize {
            out.extend_from_slice(&raw[r * row_bytes..r * row_bytes + per_row]);
        }
        return Some(out);
    }
    if !matches!(bpc, 1 | 2 | 4 | 16) {
        return None;
    }
    let max = (1u32 << bpc.min(8)) - 1;
    let mut out = Vec::with_capacity(per_row * h as usize);
    for r in 0..h as usize {
        let row = &raw[r * row_bytes..(r + 1) * row_bytes];
        for i in 0..per_row {
            let v = if bpc == 16 {
                row[i * 2] as u32
            } else {
                let bit = i * bpc as usize;
                let byte = row[bit / 8] as u32;
                let shift = 8 - bpc as usize - bit % 8;
                ((byte >> shift) & max) * 255 / max
            };
            out.push(v as u8);
        }
    }
    Some(out)
}

fn err(message: String) -> BimError {
    BimError::Pdf {
        message,
        page: None,
    }
}
