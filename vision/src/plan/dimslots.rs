//! Dimension values read where the drawing says they are. On a scan, the general OCR pass
//! reads a short value squeezed between two tick marks badly ("60" as "so" or "0", "120"
//! as "12") or not at all. The geometry knows better where to look: a dimension line is
//! cut by extension lines into intervals, and each interval's value sits just above it
//! (or left of it, turned, for an upright line). Each interval whose text is missing or
//! doubtful is read again alone, as digits, without the ticks and lines around it.

use chantier_bim::plan::page::{BBox, Pt, Segment, TextRun};
use image::GrayImage;

use crate::error::Result;
use crate::ocr::{self, OcrConfig};

/// Thinnest pen of the lines a dimension chain is drawn with is under this, mm.
const THIN_MM: f64 = 0.3;
/// Shortest interval read, mm on paper (a value needs room between its ticks).
const MIN_INTERVAL_MM: f64 = 3.0;
/// Kept clear of each extension line, where the tick or dot is, mm.
const TICK_CLEAR_MM: f64 = 0.6;
/// Scans coarser than this have their boxes read enlarged to [`READ_DPI`].
const ENLARGE_BELOW_DPI: u32 = 250;
const READ_DPI: u32 = 300;
/// How sure the general reading must be of a number for it to stand.
const SURE: f32 = 0.85;

/// A piece of a chain: start and end along it.
type Piece = (f64, f64);

/// Where a value is looked for: the box on the page (mm) and whether it reads upwards.
struct Slot {
    bbox: BBox,
    upright: bool,
}

/// `texts` with the values of the page's dimension intervals read again where the first
/// reading missed them or doubted them. `gray` is the straightened sheet at `px_to_mm`,
/// `binary` its black-and-white cut.
pub fn reread_dimensions(
    gray: &GrayImage,
    binary: &GrayImage,
    px_to_mm: f64,
    segments: &[Segment],
    mut texts: Vec<TextRun>,
    cfg: &OcrConfig,
) -> Result<Vec<TextRun>> {
    let number = |t: &str| ocr::is_number(t.trim());
    // The height of the values already read with confidence sizes the boxes.
    let mut heights: Vec<f64> = texts
        .iter()
        .filter(|t| number(&t.text) && t.confidence >= SURE)
        .map(|t| {
            if t.angle_deg.abs() < 1.0 {
                t.bbox.height()
            } else {
                t.bbox.width()
            }
        })
        .collect();
    if heights.len() < 3 {
        return Ok(texts);
    }
    heights.sort_by(f64::total_cmp);
    let text_h = heights[heights.len() / 2];
    let slots = slots(segments, text_h);
    let (w, h) = binary.dimensions();
    let px = |v: f64| (v / px_to_mm).round().max(0.0) as u32;
    let mut crops: Vec<(usize, GrayImage)> = Vec::new();
    for (i, s) in slots.iter().enumerate() {
        // A sure value in or across the box stands (and a box cut through one of them,
        // by an extension line of another chain, would read a piece of it).
        let meets =
            |b: &BBox| b.x0 < s.bbox.x1 && b.x1 > s.bbox.x0 && b.y0 < s.bbox.y1 && b.y1 > s.bbox.y0;
        if texts
            .iter()
            .any(|t| number(&t.text) && t.confidence >= SURE && meets(&t.bbox))
        {
            continue;
        }
        let (x0, y0) = (px(s.bbox.x0).min(w), px(s.bbox.y0).min(h));
        let (x1, y1) = (px(s.bbox.x1).min(w), px(s.bbox.y1).min(h));
        if x1 <= x0 + 4 || y1 <= y0 + 4 {
            continue;
        }
        let crop = image::imageops::crop_imm(binary, x0, y0, x1 - x0, y1 - y0).to_image();
        let crop = if s.upright {
            image::imageops::rotate90(&crop)
        } else {
            crop
        };
        // A box whose end cuts through ink cuts through a value (an extension line of
        // another chain made a false cut): a piece of it would read as another number.
        let (cw, ch) = crop.dimensions();
        let cut = |x: u32| (ch / 5..ch - ch / 5).any(|y| crop.get_pixel(x, y)[0] < 128);
        if cut(0) || cut(cw - 1) {
            continue;
        }
        // Tesseract reads small type best at about 300 dpi: a coarser scan's box is
        // enlarged to that from the grey picture, then cut at its own level.
        let crop = if cfg.dpi < ENLARGE_BELOW_DPI {
            let k = READ_DPI as f64 / cfg.dpi.max(1) as f64;
            let g = image::imageops::crop_imm(gray, x0, y0, x1 - x0, y1 - y0).to_image();
            let g = if s.upright {
                image::imageops::rotate90(&g)
            } else {
                g
            };
            let (ew, eh) = (
                (g.width() as f64 * k).round() as u32,
                (g.height() as f64 * k).round() as u32,
            );
            let mut big =
                image::imageops::resize(&g, ew, eh, image::imageops::FilterType::CatmullRom);
            let level = ocr::otsu_level(&big);
            for p in big.pixels_mut() {
                p[0] = if p[0] <= level { 0 } else { 255 };
            }
            big
        } else {
            crop
        };
        crops.push((i, crop));
    }
    let read_cfg = OcrConfig {
        dpi: cfg.dpi.max(READ_DPI),
        ..cfg.clone()
    };
    for (i, crop) in crops {
        let whole = [[0, 0, crop.width(), crop.height()]];
        let Some(Some((value, conf))) = ocr::read_numbers(&crop, &whole, &read_cfg)?.pop() else {
            continue;
        };
        // One digit alone is a piece of a value (a "6" of "60" beside its tick), not a
        // length a chain would give in centimetres or metres.
        if conf < 0.6 || value.chars().filter(|c| c.is_ascii_digit()).count() < 2 {
            continue;
        }
        let s = &slots[i];
        texts.retain(|t| !s.bbox.contains(t.bbox.centre()));
        let (angle_deg, origin) = if s.upright {
            (90.0, Pt::new(s.bbox.x1, s.bbox.y1))
        } else {
            (0.0, Pt::new(s.bbox.x0, s.bbox.y1))
        };
        texts.push(TextRun {
            text: value,
            bbox: s.bbox,
            origin,
            angle_deg,
            size_mm: text_h * 1.1,
            confidence: conf.min(0.9),
        });
    }
    Ok(texts)
}

/// The intervals of the page's dimension lines. A chain is a thin line, which a scan's
/// vectoriser gives in pieces: it breaks where a tick or a dot crosses it, and those
/// crossings read as short pieces of a heavier pen. The chain's cuts are those crossings
/// and the extension lines that reach it; each stretch between two cuts long enough for a
/// value gives the box above it (left of it for an upright line) where the value sits.
fn slots(segments: &[Segment], text_h: f64) -> Vec<Slot> {
    let horizontal = |s: &Segment| (s.b.y - s.a.y).abs() < 0.02 * s.len().max(1e-9);
    let vertical = |s: &Segment| (s.b.x - s.a.x).abs() < 0.02 * s.len().max(1e-9);
    let thin: Vec<&Segment> = segments
        .iter()
        .filter(|s| !s.fill && s.width_mm < THIN_MM && (horizontal(s) || vertical(s)))
        .collect();
    let reach = text_h * 1.5 + 0.8;
    let mut out: Vec<Slot> = Vec::new();
    for flat in [true, false] {
        // (across, along0, along1) in the chain's frame.
        let frame = |p: Pt| if flat { (p.x, p.y) } else { (p.y, p.x) };
        let mut pieces: Vec<(f64, f64, f64)> = thin
            .iter()
            .filter(|s| if flat { horizontal(s) } else { vertical(s) })
            .map(|s| {
                let ((a0, c), (a1, _)) = (frame(s.a), frame(s.b));
                (c, a0.min(a1), a0.max(a1))
            })
            .collect();
        let across: Vec<(f64, f64, f64)> = thin
            .iter()
            .filter(|s| if flat { vertical(s) } else { horizontal(s) })
            .map(|s| {
                // An extension line's place along the chain, and its extent across.
                let ((pos, c0), (_, c1)) = (frame(s.a), frame(s.b));
                (pos, c0.min(c1), c0.max(c1))
            })
            .collect();
        // In order along, so that each piece meets the chain it continues at its end.
        pieces.sort_by(|a, b| a.1.total_cmp(&b.1));
        // Chains: pieces on one line, each within a tick's width of the next.
        let mut chains: Vec<(f64, Vec<Piece>)> = Vec::new();
        for &(c, a0, a1) in &pieces {
            match chains
                .iter_mut()
                .find(|(cc, ps)| (cc - c).abs() < 0.3 && ps.last().is_some_and(|l| a0 - l.1 < 1.5))
            {
                Some((_, ps)) => ps.push((a0, a1)),
                None => chains.push((c, vec![(a0, a1)])),
            }
        }
        for (c, ps) in chains {
            let (lo, hi) = (ps[0].0, ps.iter().map(|p| p.1).fold(f64::MIN, f64::max));
            if hi - lo < MIN_INTERVAL_MM {
                continue;
            }
            // Crossings: short pieces between longer ones (a tick or dot widens the line
            // where it crosses, and the vectoriser gives that stretch apart).
            let mut cuts: Vec<f64> = ps
                .iter()
                .enumerate()
                .filter(|&(i, p)| p.1 - p.0 < 1.5 && i > 0 && i + 1 < ps.len())
                .map(|(_, p)| (p.0 + p.1) / 2.0)
                .collect();
            cuts.extend(
                across
                    .iter()
                    // Reaching the chain, or stopping short of it by a tick's size.
                    .filter(|&&(pos, e0, e1)| {
                        pos >= lo - 0.5 && pos <= hi + 0.5 && e0 <= c + 1.5 && e1 >= c - 1.5
                    })
                    .map(|&(pos, _, _)| pos),
            );
            cuts.sort_by(f64::total_cmp);
            cuts.dedup_by(|a, b| (*a - *b).abs() < 0.8);
            for pair in cuts.windows(2) {
                if pair[1] - pair[0] < MIN_INTERVAL_MM {
                    continue;
                }
                let (p0, p1) = (pair[0] + TICK_CLEAR_MM, pair[1] - TICK_CLEAR_MM);
                // Above a level line; left of an upright one (its text reads upwards).
                let bbox = if flat {
                    BBox {
                        x0: p0,
                        y0: c - reach,
                        x1: p1,
                        y1: c - 0.2,
                    }
                } else {
                    BBox {
                        x0: c - reach,
                        y0: p0,
                        x1: c - 0.2,
                        y1: p1,
                    }
                };
                let centre = bbox.centre();
                if out.iter().any(|o| o.bbox.contains(centre)) {
                    continue;
                }
                out.push(Slot {
                    bbox,
                    upright: !flat,
                });
            }
        }
    }
    out
}
