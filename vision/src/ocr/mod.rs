//! OCR of scanned plans: Tesseract on tiles of the sheet, in parallel.
//!
//! A plan is a large sheet (an A1 at 300 dpi is 9933x7016 pixels) of scattered labels:
//! room names, areas, dimensions, a title block, among walls, hatching and dimension lines.
//! One Tesseract on the whole sheet uses one core, spends most of its time on paper and
//! drawing, and reads pieces of lines as dashes. Here:
//!
//! - [`read_scan`] straightens the scan ([`estimate_skew`], [`deskew`]), cuts it to black
//!   and white ([`binarize`]) and takes the drawing out ([`strip_graphics`]), then calls
//!   [`recognize`] and reports boxes in the scan's own pixels;
//! - [`recognize`] cuts the sheet into tiles, with seams in white space where there is
//!   some and overlapping tiles where there is not; each worker reads tiles with its own
//!   Tesseract, given only the inked boxes of a tile; a word is kept from the tile whose
//!   core holds its centre, so words on seams are kept once.
//!
//! Tesseract is built with OpenMP on Debian and would start its own threads inside every
//! engine, fighting the workers for the cores: run the process with `OMP_THREAD_LIMIT=1`
//! (read by the OpenMP runtime at start-up, so it cannot be set from here).

mod engine;
mod graphics;
mod input;
mod prepare;
mod regions;
mod tiles;
mod tsv;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use image::GrayImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Result, VisionError};
use engine::{Engine, EngineKey};
pub use graphics::{remove_large_blobs, remove_lines, strip_graphics};
pub use input::decode_scan;
pub(crate) use prepare::otsu_level;
pub use prepare::{binarize, deskew, estimate_skew};

/// How a page is read. Deserialises with every field optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct OcrConfig {
    /// Tesseract language codes joined by `+`; French first, then English for the
    /// English labels of imported details.
    pub languages: String,
    /// Side of a tile's core, in pixels, before its seams move into white space (up to a
    /// quarter tile). About 12 cm at 300 dpi: tens of tiles on an A1, so the workers
    /// finish together.
    pub tile_px: u32,
    /// Pixels a tile reaches beyond its core across a seam that is not in white space. A
    /// word up to twice this wide is seen whole by the tile that keeps it.
    pub overlap_px: u32,
    /// Workers (one Tesseract each); 0 uses the current rayon pool.
    pub threads: usize,
    /// Words below this confidence (0..1) are dropped: on plans they are mostly hatching,
    /// arrows and wall ends read as letters.
    pub min_confidence: f32,
    /// Larger images are refused before any work (`VisionError::ImageSize`). The default
    /// admits an A0 sheet at 300 dpi (14043x9933).
    pub max_pixels: u64,
    /// Folder holding `<lang>.traineddata`; `None` looks in `$TESSDATA_PREFIX` and the usual
    /// system folders.
    pub tessdata: Option<PathBuf>,
    /// Scan resolution told to Tesseract, which otherwise guesses it per tile from too few
    /// letters.
    pub dpi: u32,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            languages: "fra+eng".into(),
            tile_px: 1400,
            overlap_px: 160,
            threads: 0,
            min_confidence: 0.4,
            max_pixels: 150_000_000,
            tessdata: None,
            dpi: 300,
        }
    }
}

impl OcrConfig {
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(VisionError::Config(m));
        if !(256..=16_384).contains(&self.tile_px) {
            return bad(format!(
                "OCR tile_px {} is outside 256..=16384",
                self.tile_px
            ));
        }
        if self.overlap_px >= self.tile_px {
            return bad(format!(
                "OCR overlap_px {} must be smaller than tile_px {}",
                self.overlap_px, self.tile_px
            ));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return bad(format!(
                "OCR min_confidence {} is outside 0..=1",
                self.min_confidence
            ));
        }
        if !(50..=2400).contains(&self.dpi) {
            return bad(format!("OCR dpi {} is outside 50..=2400", self.dpi));
        }
        Ok(())
    }
}

/// One recognised word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcrWord {
    pub text: String,
    /// Box in the pixels of the image given, y down.
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// Tesseract's confidence, 0..1.
    pub confidence: f32,
}

/// The words of one page, top to bottom then left to right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcrPage {
    pub width: u32,
    pub height: u32,
    pub words: Vec<OcrWord>,
    /// Mean confidence of the words kept; 0 without words.
    pub mean_confidence: f32,
    /// Tiles Tesseract read (blank tiles are skipped without calling it).
    pub tiles: usize,
}

/// A scan read by [`read_scan`], with the skew that was undone before reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReading {
    pub page: OcrPage,
    /// Degrees, as [`estimate_skew`] gives them; 0 when the page was read as it was.
    pub skew_deg: f32,
}

/// Below this, turning the page costs more (a full resample) than Tesseract loses: a
/// 300-pixel word tilts by half a pixel.
const MIN_SKEW_DEG: f32 = 0.1;

/// A scan read end to end: skew measured and undone, adaptive binarisation, the drawing
/// (lines, hatching, symbols) taken out, then [`recognize`]. Word boxes are mapped back to
/// `img`'s pixels (the axis-aligned box of the turned box).
pub fn read_scan(img: &GrayImage, cfg: &OcrConfig) -> Result<ScanReading> {
    check_size(img.width(), img.height(), cfg.max_pixels)?;
    cfg.validate()?;
    let skew = estimate_skew(img);
    let skew = if skew.abs() >= MIN_SKEW_DEG {
        skew
    } else {
        0.0
    };
    let binary = if skew == 0.0 {
        binarize(img)
    } else {
        binarize(&deskew(img, skew))
    };
    let clean = strip_graphics(&binary, cfg.dpi);
    drop(binary);
    let mut page = recognize(&clean, cfg)?;
    drop(clean);
    if skew != 0.0 {
        let (w, h) = (page.width, page.height);
        for word in &mut page.words {
            let corners = [
                (word.x0, word.y0),
                (word.x1, word.y0),
                (word.x0, word.y1),
                (word.x1, word.y1),
            ]
            .map(|(x, y)| prepare::unskew_point(x, y, w, h, skew));
            let xs = corners.map(|c| c.0);
            let ys = corners.map(|c| c.1);
            word.x0 = xs.iter().copied().fold(f32::MAX, f32::min).max(0.0);
            word.x1 = xs.iter().copied().fold(f32::MIN, f32::max).min(w as f32);
            word.y0 = ys.iter().copied().fold(f32::MAX, f32::min).max(0.0);
            word.y1 = ys.iter().copied().fold(f32::MIN, f32::max).min(h as f32);
        }
        sort_words(&mut page.words);
    }
    Ok(ScanReading {
        page,
        skew_deg: skew,
    })
}

/// Reads `img` as it is, tile by tile on `cfg.threads` workers, each with its own
/// Tesseract taken from a process-wide pool for all the tiles it reads. The inkiest tiles
/// go first so the last tile to finish is a light one.
///
/// Give it a clean page (black text on white, as [`read_scan`] prepares): Tesseract takes
/// hatching and walls for text on a tile where they outnumber the letters, and drops the
/// real words.
/// Leaves the digits of a cropped value: a dimension's tick marks and extension lines
/// touch its ends ("|/60/"), and Tesseract reads them as digits. Blobs shorter than half
/// the line or thin as a pen stroke across its height go when they lie outside the run of
/// digit-sized blobs; a decimal comma between digits stays.
fn keep_digits(word: &mut GrayImage, marks: bool) {
    use imageproc::region_labelling::{Connectivity, connected_components};
    let (w, h) = word.dimensions();
    let ink = GrayImage::from_fn(w, h, |x, y| {
        image::Luma([u8::from(word.get_pixel(x, y)[0] < 128)])
    });
    let labels = connected_components(&ink, Connectivity::Eight, image::Luma([0u8]));
    let mut boxes: std::collections::HashMap<u32, [u32; 4]> = Default::default();
    for (x, y, l) in labels.enumerate_pixels() {
        if l[0] == 0 {
            continue;
        }
        let b = boxes.entry(l[0]).or_insert([x, y, x, y]);
        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    // Figures are the tallest marks short of a line across the whole box (a box drawn
    // around a value leaves room above it, so the box's height says little).
    let tallest = boxes
        .values()
        .map(|b| b[3] - b[1] + 1)
        .filter(|&bh| bh < h - 1)
        .max()
        .unwrap_or(h) as f32;
    let digit = |b: &[u32; 4]| {
        let (bw, bh) = ((b[2] - b[0] + 1) as f32, (b[3] - b[1] + 1) as f32);
        bh >= 0.7 * tallest && bh >= 0.3 * h as f32 && bw >= 0.18 * bh
    };
    let (Some(first), Some(last)) = (
        boxes.values().filter(|b| digit(b)).map(|b| b[0]).min(),
        boxes.values().filter(|b| digit(b)).map(|b| b[2]).max(),
    ) else {
        return;
    };
    // Foot and inch marks sit in the upper half of the digits' band, after them; a tick
    // reaches its foot.
    let top = boxes
        .values()
        .filter(|b| digit(b))
        .map(|b| b[1])
        .min()
        .unwrap_or(0);
    let foot = boxes
        .values()
        .filter(|b| digit(b))
        .map(|b| b[3])
        .max()
        .unwrap_or(h);
    let mark = |b: &[u32; 4]| marks && b[0] > last && b[1] + 1 >= top && b[3] * 2 < top + foot + 1;
    let drop: std::collections::HashSet<u32> = boxes
        .iter()
        .filter(|(_, b)| {
            !digit(b) && !mark(b) && (b[2] < first || b[0] > last || b[3] - b[1] + 1 >= h - 1)
        })
        .map(|(&l, _)| l)
        .collect();
    for (x, y, l) in labels.enumerate_pixels() {
        if drop.contains(&l[0]) {
            word.put_pixel(x, y, image::Luma([255]));
        }
    }
}

/// A number as plans write them: digits with a decimal comma or point, starting with a
/// digit ("350", "3,50", "2.40").
pub fn is_number(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// How the numbers read again are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// Digits with a decimal comma or point ("3,50", "350").
    Decimal,
    /// Feet and inches (`12'-6"`).
    FeetInches,
}

impl NumberKind {
    fn chars(self) -> &'static str {
        match self {
            NumberKind::Decimal => "0123456789,.",
            NumberKind::FeetInches => "0123456789'\"-",
        }
    }

    /// The reading as a number of this kind, or None. The foot mark is the smallest
    /// figure of a feet-and-inches value and the one Tesseract loses most (`3-6"`); a
    /// dash between two numbers ending in an inch mark can only stand for it.
    fn normalise(self, t: &str) -> Option<String> {
        let t = t.trim_end_matches(['-', '.', ',']);
        let starts = t.chars().next().is_some_and(|c| c.is_ascii_digit());
        match self {
            NumberKind::Decimal => is_number(t).then(|| t.to_string()),
            NumberKind::FeetInches if starts && t.contains('\'') => Some(t.to_string()),
            NumberKind::FeetInches => {
                let (feet, inches) = t.strip_suffix('"')?.split_once('-')?;
                let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
                (digits(feet) && digits(inches) && inches.len() <= 2)
                    .then(|| format!("{feet}'-{inches}\""))
            }
        }
    }
}

/// Reads each box of `img` again as one number of `kind`, for values the general reading
/// doubts: short numbers between tick marks come out as letters ("60" as "so") or lose a
/// digit. Gives the text and confidence (0..1) of each box that reads as such a number,
/// `None` for the others.
pub fn read_numbers(
    img: &GrayImage,
    boxes: &[[u32; 4]],
    cfg: &OcrConfig,
    kind: NumberKind,
) -> Result<Vec<Option<(String, f32)>>> {
    if boxes.is_empty() {
        return Ok(Vec::new());
    }
    let key =
        EngineKey::new(&cfg.languages, cfg.tessdata.as_deref(), cfg.dpi)?.for_numbers(kind.chars());
    let mut engine = Engine::checkout(&key)?;
    let (w, h) = img.dimensions();
    let mut out = Vec::with_capacity(boxes.len());
    for &[x0, y0, x1, y1] in boxes {
        // The word alone on white paper, as Tesseract expects a line: what lies around it
        // in the picture is ticks and extension lines.
        let (x1, y1) = (x1.min(w), y1.min(h));
        if x1 <= x0 + 2 || y1 <= y0 + 2 {
            out.push(None);
            continue;
        }
        let pad = ((y1 - y0) / 2).max(4);
        let mut crop =
            GrayImage::from_pixel(x1 - x0 + 2 * pad, y1 - y0 + 2 * pad, image::Luma([255]));
        let mut word = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
        keep_digits(&mut word, kind == NumberKind::FeetInches);
        image::imageops::replace(&mut crop, &word, pad as i64, pad as i64);
        let words = engine.read(&crop)?;
        let text: String = words.iter().map(|w| w.text.as_str()).collect();
        let conf = words.iter().map(|w| w.conf).fold(100.0f32, f32::min) / 100.0;
        out.push(kind.normalise(&text).map(|t| (t, conf)));
    }
    Ok(out)
}

pub fn recognize(img: &GrayImage, cfg: &OcrConfig) -> Result<OcrPage> {
    let (width, height) = img.dimensions();
    check_size(width, height, cfg.max_pixels)?;
    cfg.validate()?;
    let key = EngineKey::new(&cfg.languages, cfg.tessdata.as_deref(), cfg.dpi)?;
    // Seams need a white band of 1.3 mm at 300 dpi: wider than the gap between an accent
    // and its letter, narrower than the space between two lines of labels.
    let level = ink_level(img);
    let layout = tiles::layout(
        img,
        level,
        cfg.tile_px,
        cfg.overlap_px,
        (cfg.dpi / 20).max(4),
    );
    let mut order: Vec<(usize, u64)> = layout
        .iter()
        .enumerate()
        .map(|(i, t)| (i, t.ink))
        .filter(|&(_, ink)| ink >= MIN_INK)
        .collect();
    order.sort_by_key(|&(i, ink)| (std::cmp::Reverse(ink), i));

    // Within a tile, labels further apart than 4 mm at 300 dpi are read apart, each with
    // up to 1.3 mm of paper around it (under half the gap, so no neighbour's ink).
    let (gap, margin) = ((cfg.dpi / 6).max(8), (cfg.dpi / 20).max(2));
    let workers = match cfg.threads {
        0 => rayon::current_num_threads(),
        n => n,
    }
    .clamp(1, order.len().max(1));
    let next = AtomicUsize::new(0);
    let read_all = || -> Result<TileWords> {
        let per_worker: Vec<Result<TileWords>> = (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut engine: Option<Engine> = None;
                let mut done = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(t, _)) = order.get(k) else { break };
                    let bounds = layout[t].bounds;
                    // Started on the first tile only: a worker rayon runs after the queue
                    // is empty must not pay for an engine.
                    let eng = match engine.as_mut() {
                        Some(e) => e,
                        None => engine.insert(Engine::checkout(&key).inspect_err(|_| {
                            next.store(order.len(), Ordering::Relaxed);
                        })?),
                    };
                    let tile = tiles::crop(img, &bounds);
                    let mut words = Vec::new();
                    for r in regions::regions(&tile, level, gap, margin, MIN_INK) {
                        let raw = eng.read(&tiles::crop(&tile, &r)).inspect_err(|_| {
                            next.store(order.len(), Ordering::Relaxed);
                        })?;
                        let (ox, oy) = (bounds.x0 + r.x0, bounds.y0 + r.y0);
                        words.extend(
                            raw.into_iter()
                                .map(|w| OcrWord {
                                    x0: (ox + w.left) as f32,
                                    y0: (oy + w.top) as f32,
                                    x1: (ox + w.left + w.width) as f32,
                                    y1: (oy + w.top + w.height) as f32,
                                    confidence: w.conf / 100.0,
                                    text: w.text,
                                })
                                .filter(|w| w.confidence >= cfg.min_confidence),
                        );
                    }
                    done.push((t, words));
                }
                Ok(done)
            })
            .collect();
        let mut all = Vec::new();
        for part in per_worker {
            all.extend(part?);
        }
        Ok(all)
    };
    let per_tile = if cfg.threads == 0 {
        read_all()?
    } else {
        rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads)
            .thread_name(|i| format!("ocr-{i}"))
            .build()
            .map_err(|e| VisionError::Ocr(format!("cannot start OCR workers: {e}")))?
            .install(read_all)?
    };
    let tiles_read = per_tile.len();
    let mut words = tiles::merge(&layout, per_tile);
    sort_words(&mut words);
    let mean_confidence = if words.is_empty() {
        0.0
    } else {
        words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
    };
    Ok(OcrPage {
        width,
        height,
        words,
        mean_confidence,
        tiles: tiles_read,
    })
}

/// Words read per tile, by index in the layout.
type TileWords = Vec<(usize, Vec<OcrWord>)>;

/// A tile with fewer ink pixels than this holds no letter worth a Tesseract call (a full
/// stop at 300 dpi is about 25 pixels).
const MIN_INK: u64 = 12;

/// Grey level at or below which a pixel counts as ink for tile ordering: Otsu's between
/// paper and ink (0 on a binarised page), but never above mid-grey, so a blank page's
/// noise is not ink.
fn ink_level(img: &GrayImage) -> u8 {
    prepare::otsu_level(img).min(160)
}

fn sort_words(words: &mut [OcrWord]) {
    words.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
}

/// Refuses empty images and images over `max_pixels`, before any work.
pub(crate) fn check_size(width: u32, height: u32, max_pixels: u64) -> Result<()> {
    let limit = if width == 0 || height == 0 {
        "an image needs at least one pixel in each direction".to_owned()
    } else if u64::from(width) * u64::from(height) > max_pixels {
        format!("the OCR limit is {max_pixels} pixels")
    } else {
        return Ok(());
    };
    Err(VisionError::ImageSize {
        width,
        height,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_taken_as_their_kind_writes_them() {
        let d = NumberKind::Decimal;
        assert_eq!(d.normalise("3,50").as_deref(), Some("3,50"));
        assert_eq!(d.normalise("120.").as_deref(), Some("120"));
        assert_eq!(d.normalise(",1,20"), None);
        assert_eq!(d.normalise("12'-6\""), None);
        let f = NumberKind::FeetInches;
        assert_eq!(f.normalise("12'-6\"").as_deref(), Some("12'-6\""));
        assert_eq!(f.normalise("6'-3\"-").as_deref(), Some("6'-3\""));
        // The foot mark lost: a dash between numbers before an inch mark stands for it.
        assert_eq!(f.normalise("3-6\"").as_deref(), Some("3'-6\""));
        assert_eq!(f.normalise("145"), None);
        assert_eq!(f.normalise("8\"4"), None);
    }

    /// Draws filled rectangles (x0, y0, x1, y1) black on white.
    fn marks(w: u32, h: u32, rects: &[(u32, u32, u32, u32)]) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let ink = rects
                .iter()
                .any(|&(x0, y0, x1, y1)| x >= x0 && x <= x1 && y >= y0 && y <= y1);
            image::Luma([if ink { 0 } else { 255 }])
        })
    }

    #[test]
    fn figures_stay_and_marks_outside_them_go() {
        // A line across the whole box, a thin "1" short of the box height, a "0", and a
        // small mark after them: high (a foot mark) and low (a tick's end).
        let (w, h) = (60, 40);
        let rects = [
            (2, 0, 3, 39),
            (12, 14, 15, 33),
            (20, 14, 28, 33),
            (32, 14, 33, 18),
            (38, 30, 40, 33),
        ];
        let mut word = marks(w, h, &rects);
        keep_digits(&mut word, false);
        let inked = |img: &GrayImage, x: u32, y: u32| img.get_pixel(x, y)[0] < 128;
        assert!(!inked(&word, 2, 20), "the line across the box goes");
        assert!(
            inked(&word, 13, 20),
            "a '1' as tall as the other figures stays"
        );
        assert!(inked(&word, 24, 20));
        assert!(!inked(&word, 32, 15), "marks after the figures go");
        assert!(!inked(&word, 39, 31));
        let mut word = marks(w, h, &rects);
        keep_digits(&mut word, true);
        assert!(inked(&word, 32, 15), "a foot or inch mark stays");
        assert!(!inked(&word, 39, 31), "a tick's end does not");
    }

    #[test]
    fn config_deserialises_with_defaults_and_is_checked() {
        let cfg: OcrConfig = toml::from_str("tile_px = 2000\nlanguages = \"fra\"").unwrap();
        assert_eq!(cfg.tile_px, 2000);
        assert_eq!(cfg.languages, "fra");
        assert_eq!(cfg.overlap_px, OcrConfig::default().overlap_px);
        assert!(cfg.validate().is_ok());
        let bad = OcrConfig {
            overlap_px: 3000,
            ..cfg.clone()
        };
        assert!(matches!(bad.validate(), Err(VisionError::Config(_))));
        let bad = OcrConfig {
            min_confidence: 1.5,
            ..cfg
        };
        assert!(matches!(bad.validate(), Err(VisionError::Config(_))));
    }

    #[test]
    fn sizes_are_checked_before_tesseract() {
        let cfg = OcrConfig {
            max_pixels: 1000,
            languages: "no_such_language".into(),
            ..OcrConfig::default()
        };
        let big = GrayImage::new(40, 30);
        assert!(matches!(
            recognize(&big, &cfg),
            Err(VisionError::ImageSize { width: 40, .. })
        ));
        assert!(matches!(
            recognize(&GrayImage::new(0, 10), &cfg),
            Err(VisionError::ImageSize { .. })
        ));
        assert!(matches!(
            read_scan(&big, &cfg),
            Err(VisionError::ImageSize { .. })
        ));
        assert!(matches!(
            recognize(&GrayImage::new(20, 20), &cfg),
            Err(VisionError::OcrData { .. })
        ));
    }
}
