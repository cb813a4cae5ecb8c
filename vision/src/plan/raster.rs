//! Scans to the page model: straightened, OCR'd for text and vectorised for geometry, all
//! in the straightened picture's frame so that labels and lines stay together.

use chantier_bim::plan::page::{BBox, PageSource, PlanPage, Pt, TextRun};
use image::GrayImage;

use super::PlanOptions;
use super::dimslots::reread_dimensions;
use super::vectorize::vectorize;
use crate::error::Result;
use crate::ocr::{self, OcrConfig, OcrWord};

/// Reads a scanned sheet at `dpi` into a page in paper millimetres, with a reduced copy of
/// the straightened picture: the page's boxes are in its frame, so the annotated rendering
/// draws on it (on the scan as received, a turned sheet's boxes would sit off their text).
pub fn page_from_scan(
    img: &GrayImage,
    dpi: u32,
    number: u32,
    opts: &PlanOptions,
) -> Result<(PlanPage, GrayImage)> {
    let skew = ocr::estimate_skew(img);
    let straight;
    let img = if skew.abs() >= 0.1 {
        straight = ocr::deskew(img, skew);
        &straight
    } else {
        img
    };
    let binary = ocr::binarize(img);
    let cfg = OcrConfig {
        dpi,
        ..opts.ocr.clone()
    };
    let px_to_mm = 25.4 / dpi.max(1) as f64;
    let (texts, chars) = ocr_runs(&binary, &cfg, true)?;
    let mut page = PlanPage::new(
        number,
        img.width() as f64 * px_to_mm,
        img.height() as f64 * px_to_mm,
        PageSource::Raster,
    );
    let empty = texts.is_empty();
    // Only words read with some confidence are left out of the drawing: OCR also reads
    // "words" into the speckle of grey fills and between window lines, with low
    // confidence, and cutting those out breaks walls and windows.
    let boxes: Vec<BBox> = texts
        .iter()
        .filter(|t| t.confidence >= 0.7)
        .map(|t| t.bbox)
        .collect();
    page.text_chars = chars;
    let (segments, curves) = vectorize(&binary, img, px_to_mm, &boxes);
    page.texts = reread_dimensions(img, &binary, px_to_mm, &segments, texts, &cfg)?;
    page.segments = segments;
    page.curves = curves;
    if skew.abs() >= 0.1 {
        page.warnings
            .push(format!("the scan was straightened by {skew:.2} degrees"));
    }
    if empty {
        page.warnings.push("OCR found no text on the page".into());
    }
    Ok((page, super::thumbnail(img)))
}

/// Reads a page's text both ways: as it stands, then turned a quarter clockwise for the
/// text that reads bottom to top (vertical dimension values), mapped back to the page.
pub fn ocr_runs(binary: &GrayImage, cfg: &OcrConfig, strip: bool) -> Result<(Vec<TextRun>, usize)> {
    let px_to_mm = 25.4 / cfg.dpi.max(1) as f64;
    // On scans, walls, hatching and dimension lines drown the labels on busy tiles: read
    // the text with the drawing taken out (the caller keeps the picture for the geometry).
    // Clean renderings read better whole: the removal also eats ticks next to values.
    let text_only;
    let binary = if strip {
        text_only = ocr::strip_graphics(binary, cfg.dpi);
        &text_only
    } else {
        binary
    };
    let upright = reread(binary, ocr::recognize(binary, cfg)?.words, cfg)?;
    let mut runs = words_to_runs(&upright, px_to_mm);
    let mut chars: usize = upright.iter().map(|w| w.text.chars().count()).sum();
    let turned = image::imageops::rotate90(binary);
    let sideways = reread(&turned, ocr::recognize(&turned, cfg)?.words, cfg)?;
    let h_mm = binary.height() as f64 * px_to_mm;
    for r in words_to_runs(&sideways, px_to_mm) {
        // Turned picture (x', y') is the page's (y', H - x').
        let bbox = BBox {
            x0: r.bbox.y0,
            y0: h_mm - r.bbox.x1,
            x1: r.bbox.y1,
            y1: h_mm - r.bbox.x0,
        };
        let clash = runs
            .iter()
            .any(|u| u.angle_deg == 0.0 && overlap(&u.bbox, &bbox) > 0.2);
        if clash || r.confidence < 0.6 {
            continue;
        }
        chars += r.text.chars().count();
        runs.push(TextRun {
            bbox,
            origin: Pt::new(r.origin.y, h_mm - r.origin.x),
            angle_deg: 90.0,
            ..r
        });
    }
    Ok((runs, chars))
}

const TICKS: &[char] = &['|', '/', '\\', '!', '`', '_', '~', '-', '.', ',', ':', ';'];

/// Dimension values in a chain are short numbers between tick marks, which the general
/// reading turns into letters ("60" as "so") or cuts ("120" as "12"). A short word on the
/// line of a confident number, that is not a number itself or is a doubtful one, is read
/// again as digits only; the new reading replaces it when it is a number.
fn reread(img: &GrayImage, mut words: Vec<OcrWord>, cfg: &OcrConfig) -> Result<Vec<OcrWord>> {
    let core = |w: &OcrWord| w.text.trim_matches(TICKS).to_string();
    let sure: Vec<usize> = (0..words.len())
        .filter(|&i| ocr::is_number(&core(&words[i])) && words[i].confidence >= 0.85)
        .collect();
    // Each doubtful word with the confident number on its line, whose height bounds the
    // new reading (extension lines and ticks above and below make the word's box tall).
    let doubtful: Vec<(usize, usize)> = (0..words.len())
        .filter_map(|i| {
            let w = &words[i];
            let t = core(w);
            let n = t.chars().count();
            // "5m" on a scale bar, "m²" after a surface: units are not digits to fix.
            let unit = t.ends_with('m') && t.chars().next().is_some_and(|c| c.is_ascii_digit())
                || (t.starts_with(['m', 'M']) && n <= 3);
            if n == 0 || n > 6 || unit || (ocr::is_number(&t) && w.confidence >= 0.85) {
                return None;
            }
            let h = (w.y1 - w.y0).max(1.0);
            sure.iter()
                .copied()
                .filter(|&j| {
                    let o = &words[j];
                    j != i
                        && o.y1.min(w.y1) - o.y0.max(w.y0) >= 0.5 * h.min(o.y1 - o.y0)
                        && (o.x0 - w.x1).max(w.x0 - o.x1) < 15.0 * h.min(o.y1 - o.y0).max(1.0)
                })
                .min_by(|&a, &b| {
                    let d = |o: &OcrWord| (o.x0 - w.x1).max(w.x0 - o.x1);
                    d(&words[a]).total_cmp(&d(&words[b]))
                })
                .map(|j| (i, j))
        })
        .collect();
    let boxes: Vec<[u32; 4]> = doubtful
        .iter()
        .map(|&(i, j)| {
            let (w, o) = (&words[i], &words[j]);
            let (y0, y1) = (w.y0.max(o.y0 - 2.0), w.y1.min(o.y1 + 2.0));
            [
                w.x0 as u32,
                y0.max(0.0) as u32,
                w.x1.ceil() as u32,
                y1.ceil() as u32,
            ]
        })
        .collect();
    // The word's own box next: a value whose neighbour sits a little higher is cut by the
    // first; the surer reading wins.
    let own: Vec<[u32; 4]> = doubtful
        .iter()
        .map(|&(i, _)| {
            let w = &words[i];
            [
                w.x0 as u32,
                w.y0 as u32,
                w.x1.ceil() as u32,
                w.y1.ceil() as u32,
            ]
        })
        .collect();
    let tight = ocr::read_numbers(img, &boxes, cfg, ocr::NumberKind::Decimal)?;
    let loose = ocr::read_numbers(img, &own, cfg, ocr::NumberKind::Decimal)?;
    for ((&(i, _), a), b) in doubtful.iter().zip(tight).zip(loose) {
        let best = match (a, b) {
            (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
            (a, b) => a.or(b),
        };
        if let Some((text, conf)) = best
            && conf >= 0.5
        {
            words[i].text = text;
            words[i].confidence = conf.max(0.6);
        }
    }
    Ok(words)
}

/// Intersection over the smaller box's area.
fn overlap(a: &BBox, b: &BBox) -> f64 {
    let w = (a.x1.min(b.x1) - a.x0.max(b.x0)).max(0.0);
    let h = (a.y1.min(b.y1) - a.y0.max(b.y0)).max(0.0);
    let small = (a.width() * a.height())
        .min(b.width() * b.height())
        .max(1e-9);
    w * h / small
}

/// "m2", "m²", "m2." and the like: a surface's unit as OCR gives it.
fn is_unit(t: &str) -> bool {
    let core = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '²');
    matches!(core, "m2" | "m²" | "M2")
}

/// OCR words to text runs: a word joins the run on its left when their boxes share most of
/// their height and the gap is under about a letter's height ("Séjour", "25,40", "m²").
pub fn words_to_runs(words: &[OcrWord], px_to_mm: f64) -> Vec<TextRun> {
    // Ticks, dots and line ends read as punctuation carry nothing.
    let mut sorted: Vec<&OcrWord> = words
        .iter()
        .filter(|w| w.text.chars().any(char::is_alphanumeric))
        .collect();
    sorted.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let numeric = |t: &str| t.chars().next().is_some_and(|c| c.is_ascii_digit());
    // Each run: its text run, the last word's box (px) and the tallest word's height.
    let mut runs: Vec<(TextRun, [f32; 4], f32)> = Vec::new();
    let mut last_words: Vec<(bool, f32)> = Vec::new(); // per run: last word numeric, its confidence
    for w in sorted {
        let h = (w.y1 - w.y0).max(1.0);
        let best = runs
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                // Two numbers side by side are two values of a chain, and a doubtful word
                // (a tick read as "so") must not spoil the number next to it.
                // A unit after a number ("m2.", "m²") joins it however doubtful: small
                // superscripts are read with low confidence.
                let (last_num, last_conf) = last_words[*i];
                let unit = last_num && is_unit(&w.text);
                !(last_num && numeric(&w.text)) && last_conf >= 0.6 && (w.confidence >= 0.6 || unit)
            })
            .filter(|(_, (_, last, lh))| {
                let shared = w.y1.min(last[3]) - w.y0.max(last[1]);
                let gap = w.x0 - last[2];
                shared >= 0.5 * h.min(last[3] - last[1]) && gap > -0.3 * h && gap < 1.2 * lh.max(h)
            })
            .min_by(|a, b| (w.x0 - a.1.1[2]).total_cmp(&(w.x0 - b.1.1[2])))
            .map(|(i, _)| i);
        let bbox = BBox {
            x0: w.x0 as f64 * px_to_mm,
            y0: w.y0 as f64 * px_to_mm,
            x1: w.x1 as f64 * px_to_mm,
            y1: w.y1 as f64 * px_to_mm,
        };
        // Tick marks and extension lines glued to a value ("/60", "255|").
        let text = w
            .text
            .trim_start_matches([
                '|', '/', '\\', '!', '`', '‘', '_', '~', '-', '.', ',', ':', ';',
            ])
            .trim_end_matches(['|', '/', '\\', '!', '`', '_', '~']);
        if text.is_empty() {
            continue;
        }
        match best {
            Some(i) => {
                let (r, last, lh) = &mut runs[i];
                r.text.push(' ');
                r.text.push_str(text);
                r.bbox = r.bbox.union(bbox);
                r.confidence = r.confidence.min(w.confidence);
                *last = [w.x0, w.y0, w.x1, w.y1];
                *lh = lh.max(h);
                last_words[i] = (numeric(&w.text), w.confidence);
            }
            None => {
                // Tesseract boxes hold the ink: the em is a little taller than a capital.
                let size_mm = h as f64 * px_to_mm * 1.1;
                runs.push((
                    TextRun {
                        text: text.to_string(),
                        bbox,
                        origin: Pt::new(bbox.x0, bbox.y1),
                        angle_deg: 0.0,
                        size_mm,
                        confidence: w.confidence,
                    },
                    [w.x0, w.y0, w.x1, w.y1],
                    h,
                ));
                last_words.push((numeric(&w.text), w.confidence));
            }
        }
    }
    let mut out: Vec<TextRun> = runs.into_iter().map(|(r, _, _)| r).collect();
    out.sort_by(|a, b| {
        a.bbox
            .y0
            .total_cmp(&b.bbox.y0)
            .then(a.bbox.x0.total_cmp(&b.bbox.x0))
    });
    out
}
