//! Dimension values read where the drawing says they are. On a scan, the general OCR pass
//! reads a short value squeezed between two tick marks badly ("60" as "so" or "0", "120"
//! as "12") or not at all. The geometry knows better where to look: a dimension line is
//! cut by extension lines into intervals, and each interval's value sits just above it
//! (or left of it, turned, for an upright line). Each interval whose text is missing or
//! doubtful is read again alone, as digits, without the ticks and lines around it.

use chantier_bim::plan::page::{BBox, Pt, Segment, TextRun};
use chantier_bim::plan::scale;
use chantier_bim::plan::text::{DimUnit, parse_dimension};
use image::GrayImage;

use crate::error::Result;
use crate::ocr::{self, NumberKind, OcrConfig};

/// Thinnest pen of the lines a dimension chain is drawn with is under this, mm.
const THIN_MM: f64 = 0.3;
/// Shortest interval read, mm on paper (a value needs room between its ticks).
const MIN_INTERVAL_MM: f64 = 3.0;
/// How far an extension line runs past the last chain it serves, at most, mm (ISO 129
/// draws it about 2 mm past).
const OVERSHOOT_MM: f64 = 3.5;
/// Kept clear of each extension line, where the tick or dot is, mm.
const TICK_CLEAR_MM: f64 = 0.6;
/// Scans coarser than this have their boxes read enlarged to [`READ_DPI`].
const ENLARGE_BELOW_DPI: u32 = 250;
const READ_DPI: u32 = 300;
/// How sure the general reading must be of a number for it to stand.
const SURE: f32 = 0.85;

/// A piece of a chain: start and end along it.
type Piece = (f64, f64);

/// Where a value is looked for: the box on the page (mm), whether it reads upwards, and
/// the length of the interval it dimensions on paper (mm).
struct Slot {
    bbox: BBox,
    upright: bool,
    length_mm: f64,
}

/// Ink an oblique tick leaves off the two lines it marks, mm² (a 0.35 mm pen 3 mm long
/// leaves about 0.8; specks of a scan's noise a few hundredths).
const TICK_INK_MM2: f64 = 0.25;
/// Confidence of a value read again that agrees with the drawing.
const AGREED: f32 = 0.8;
/// How far a value may be from the length its interval measures on paper, mm: the cuts
/// are found within a pen's width or two on a scan.
const AGREE_MM: f64 = 0.6;

/// `texts` with the values of the page's dimension intervals read again where the first
/// reading missed them, doubted them or disagrees with the drawing. `gray` is the
/// straightened sheet at `px_to_mm`, `binary` its black-and-white cut.
///
/// The drawing is a check, never a source: when the page's scale is known, each interval's
/// length says roughly what its value must be, which tells a misread ("3.80" for "1.60")
/// from a good one and chooses among readings of the same box made at other enlargements.
/// A value is always one that was read; one that no reading makes agree keeps its first
/// reading.
pub fn reread_dimensions(
    gray: &GrayImage,
    binary: &GrayImage,
    px_to_mm: f64,
    segments: &[Segment],
    mut texts: Vec<TextRun>,
    cfg: &OcrConfig,
) -> Result<Vec<TextRun>> {
    let found = scale::find(&texts, segments);
    let kind = if found
        .findings
        .iter()
        .any(|f| f.source == "note" && f.text.contains('"'))
    {
        NumberKind::FeetInches
    } else {
        NumberKind::Decimal
    };
    let value = |t: &str| {
        parse_dimension(t.trim()).filter(|v| {
            (kind == NumberKind::FeetInches) == (v.unit == DimUnit::FeetInches)
                && (kind == NumberKind::FeetInches || ocr::is_number(t.trim()))
        })
    };
    // The height of the values already read with confidence sizes the boxes.
    let mut heights: Vec<f64> = texts
        .iter()
        .filter(|t| value(&t.text).is_some() && t.confidence >= SURE)
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
    let mark = |along: f64, across: f64, flat: bool| {
        let (x, y) = if flat {
            (along, across)
        } else {
            (across, along)
        };
        oblique_tick(binary, px_to_mm, x, y)
    };
    let slots = slots(segments, text_h, &mark);
    // Does a reading agree with the interval it stands on? A bare integer may be
    // centimetres or millimetres.
    let agrees = |t: &str, s: &Slot| {
        let (Some(v), Some(k)) = (value(t), found.scale) else {
            return false;
        };
        let (measured, tol) = (s.length_mm * k / 1000.0, AGREE_MM * k / 1000.0);
        (v.value_m - measured).abs() <= tol
            || (v.unit == DimUnit::Integer && (v.value_m / 10.0 - measured).abs() <= tol)
    };
    for s in &slots {
        // A sure value in or across the box stands when it agrees with the drawing or the
        // drawing cannot tell (and a box cut through one of them, by an extension line of
        // another chain, would read a piece of it).
        let meets =
            |b: &BBox| b.x0 < s.bbox.x1 && b.x1 > s.bbox.x0 && b.y0 < s.bbox.y1 && b.y1 > s.bbox.y0;
        let first: Vec<&TextRun> = texts
            .iter()
            .filter(|t| value(&t.text).is_some() && meets(&t.bbox))
            .collect();
        if first.iter().any(|t| agrees(&t.text, s)) {
            continue;
        }
        let sure = first.iter().any(|t| t.confidence >= SURE);
        if sure && found.scale.is_none() {
            continue;
        }
        let mut pick = None;
        let mut fallback = None;
        for (n, (crop, dpi)) in crops(gray, binary, px_to_mm, s, cfg.dpi)
            .into_iter()
            .enumerate()
        {
            let read_cfg = OcrConfig { dpi, ..cfg.clone() };
            let whole = [[0, 0, crop.width(), crop.height()]];
            let Some(Some((read, conf))) = ocr::read_numbers(&crop, &whole, &read_cfg, kind)?.pop()
            else {
                continue;
            };
            // A reading the drawing bears out is worth more than Tesseract's own doubt
            // about a figure or two.
            if agrees(&read, s) {
                pick = Some((read, conf.max(AGREED)));
                break;
            }
            // One digit alone is a piece of a value (a "6" of "60" beside its tick), not
            // a length a chain would give in centimetres or metres.
            if n == 0
                && !sure
                && conf >= 0.6
                && read.chars().filter(|c| c.is_ascii_digit()).count() >= 2
            {
                fallback = Some((read, conf));
            }
            if found.scale.is_none() {
                break;
            }
        }
        let Some((read, conf)) = pick.or(fallback) else {
            continue;
        };
        texts.retain(|t| !s.bbox.contains(t.bbox.centre()));
        let (angle_deg, origin) = if s.upright {
            (90.0, Pt::new(s.bbox.x1, s.bbox.y1))
        } else {
            (0.0, Pt::new(s.bbox.x0, s.bbox.y1))
        };
        texts.push(TextRun {
            text: read,
            bbox: s.bbox,
            origin,
            angle_deg,
            size_mm: text_h * 1.1,
            confidence: conf.min(0.9),
        });
    }
    Ok(texts)
}

/// The slot's box cut out, upright, alone on white, in the ways it is read, each with its
/// resolution: first as the scan gives it (a coarse scan's enlarged to [`READ_DPI`], where
/// Tesseract reads small type best), then enlarged to twice that from the grey picture.
/// Nothing when the box's end cuts through ink: an extension line of another chain made a
/// false cut, and a piece of a value would read as another number.
fn crops(
    gray: &GrayImage,
    binary: &GrayImage,
    px_to_mm: f64,
    s: &Slot,
    dpi: u32,
) -> Vec<(GrayImage, u32)> {
    let (w, h) = binary.dimensions();
    let px = |v: f64| (v / px_to_mm).round().max(0.0) as u32;
    let (x0, y0) = (px(s.bbox.x0).min(w), px(s.bbox.y0).min(h));
    let (x1, y1) = (px(s.bbox.x1).min(w), px(s.bbox.y1).min(h));
    if x1 <= x0 + 4 || y1 <= y0 + 4 {
        return Vec::new();
    }
    let turn = |c: GrayImage| {
        if s.upright {
            image::imageops::rotate90(&c)
        } else {
            c
        }
    };
    let crop = turn(image::imageops::crop_imm(binary, x0, y0, x1 - x0, y1 - y0).to_image());
    let (cw, ch) = crop.dimensions();
    // Ink along a good part of the edge, not a speck of the scan's noise.
    let cut = |x: u32| {
        let (mut run, mut best) = (0, 0);
        for y in ch / 5..ch - ch / 5 {
            run = if crop.get_pixel(x, y)[0] < 128 {
                run + 1
            } else {
                0
            };
            best = best.max(run);
        }
        best >= (ch / 8).max(3)
    };
    if cut(0) || cut(cw - 1) {
        return Vec::new();
    }
    let g = turn(image::imageops::crop_imm(gray, x0, y0, x1 - x0, y1 - y0).to_image());
    let enlarged = |target: u32| {
        let k = target as f64 / dpi.max(1) as f64;
        let (ew, eh) = (
            (g.width() as f64 * k).round() as u32,
            (g.height() as f64 * k).round() as u32,
        );
        let mut big = image::imageops::resize(&g, ew, eh, image::imageops::FilterType::CatmullRom);
        let level = ocr::otsu_level(&big);
        for p in big.pixels_mut() {
            p[0] = if p[0] <= level { 0 } else { 255 };
        }
        big
    };
    let mut out = Vec::new();
    if dpi < ENLARGE_BELOW_DPI {
        out.push((enlarged(READ_DPI), READ_DPI));
    } else {
        out.push((crop, dpi));
    }
    out.push((enlarged(2 * READ_DPI), 2 * READ_DPI));
    for (c, _) in &mut out {
        clear_sides(c);
    }
    out
}

/// Whites out the ink that touches the box's left or right side: the ends of ticks and
/// extension lines reaching in (the value itself stands clear of both, or the box was
/// refused), which Tesseract reads as a "1" or a comma before the value.
fn clear_sides(img: &mut GrayImage) {
    let (w, h) = img.dimensions();
    let mut todo: Vec<(u32, u32)> = (0..h)
        .flat_map(|y| [(0, y), (w - 1, y)])
        .filter(|&(x, y)| img.get_pixel(x, y)[0] < 128)
        .collect();
    while let Some((x, y)) = todo.pop() {
        if img.get_pixel(x, y)[0] >= 128 {
            continue;
        }
        img.put_pixel(x, y, image::Luma([255]));
        for (dx, dy) in [
            (-1i64, -1i64),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ] {
            let (nx, ny) = (x as i64 + dx, y as i64 + dy);
            if nx >= 0 && ny >= 0 && nx < w as i64 && ny < h as i64 {
                todo.push((nx as u32, ny as u32));
            }
        }
    }
}

/// The intervals of the page's dimension lines. A chain is a thin line, which a scan's
/// vectoriser gives in pieces: it breaks where a tick or a dot crosses it, and those
/// crossings read as short pieces of a heavier pen. The chain's cuts are those crossings
/// and the extension lines that reach it; each stretch between two cuts long enough for a
/// value gives the box above it (left of it for an upright line) where the value sits.
fn slots(segments: &[Segment], text_h: f64, mark: &dyn Fn(f64, f64, bool) -> bool) -> Vec<Slot> {
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
        let mut across: Vec<(f64, f64, f64)> = thin
            .iter()
            .filter(|s| if flat { vertical(s) } else { horizontal(s) })
            .map(|s| {
                // An extension line's place along the chain, and its extent across.
                let ((pos, c0), (_, c1)) = (frame(s.a), frame(s.b));
                (pos, c0.min(c1), c0.max(c1))
            })
            .collect();
        // An extension line comes out of a scan in pieces, broken where each chain
        // crosses it and where a value written across it was cut out of the drawing:
        // joined again, its ends tell which chain it serves.
        across.sort_by(|a, b| a.1.total_cmp(&b.1));
        let long = 1.25 * text_h;
        let mut joined: Vec<(f64, f64, f64)> = Vec::new();
        for (pos, e0, e1) in across {
            let bridges = |j: &(f64, f64, f64)| {
                let gap = e0 - j.2;
                gap < 1.2 || (gap < 2.0 * text_h && e1 - e0 >= long && j.2 - j.1 >= long)
            };
            match joined
                .iter_mut()
                .find(|j| (j.0 - pos).abs() < 0.3 && bridges(j) && e1 > j.1)
            {
                Some(j) => {
                    j.1 = j.1.min(e0);
                    j.2 = j.2.max(e1);
                }
                None => joined.push((pos, e0, e1)),
            }
        }
        let across = joined;
        // In order along, so that each piece meets the chain it continues at its end.
        pieces.sort_by(|a, b| a.1.total_cmp(&b.1));
        // Chains: pieces on one line, each within a tick's width of the next (a heavy
        // tick on a coarse scan breaks the line over 1.5 mm).
        let mut chains: Vec<(f64, Vec<Piece>)> = Vec::new();
        for &(c, a0, a1) in &pieces {
            match chains
                .iter_mut()
                .find(|(cc, ps)| (cc - c).abs() < 0.3 && ps.last().is_some_and(|l| a0 - l.1 < 2.5))
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
            // Breaks in the chain with an oblique tick's ink: a tick drawn where no
            // extension line reaches (one hidden by the wall it starts from).
            cuts.extend(
                ps.windows(2)
                    .filter(|w| w[1].0 - w[0].1 >= 0.4)
                    .map(|w| (w[0].1 + w[1].0) / 2.0)
                    .filter(|&pos| mark(pos, c, flat)),
            );
            // A tick or dot at `pos`: the chain is broken around it (the mark's ink is
            // not a thin line) or gives a short piece there.
            let ticked = |pos: f64| {
                ps.windows(2)
                    .any(|w| w[0].1 <= pos + 0.3 && w[1].0 >= pos - 0.3 && w[1].0 - w[0].1 >= 0.8)
                    || ps
                        .iter()
                        .any(|p| p.1 - p.0 < 1.5 && p.0 - 0.3 <= pos && pos <= p.1 + 0.3)
            };
            cuts.extend(
                across
                    .iter()
                    // Reaching the chain, or stopping short of it by a tick's size; longer
                    // than a figure's stroke, or across the chain (the upright strokes of
                    // the values above it come out as lines too); and ending here, just
                    // past the chain, or marked on it: an extension line that runs on
                    // through it serves an outer chain.
                    .filter(|&&(pos, e0, e1)| {
                        pos >= lo - 0.5
                            && pos <= hi + 0.5
                            && e0 <= c + 1.5
                            && e1 >= c - 1.5
                            && (e1 - e0 >= long || (e0 < c && e1 > c))
                            && ((e0 - c).abs().min((e1 - c).abs()) <= OVERSHOOT_MM
                                || ticked(pos)
                                || mark(pos, c, flat))
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
                    length_mm: pair[1] - pair[0],
                });
            }
        }
    }
    out
}

/// Is there an oblique tick at (x, y) on the page (mm)? Its stroke, a heavier pen at 45°
/// across the crossing, leaves ink in the corners between the chain and the extension
/// line, where two thin lines crossing leave none.
fn oblique_tick(binary: &GrayImage, px_to_mm: f64, x: f64, y: f64) -> bool {
    let (w, h) = binary.dimensions();
    let (cx, cy) = (x / px_to_mm, y / px_to_mm);
    let half = (1.0 / px_to_mm).ceil() as i64;
    // Half the width of a thin line on the scan, and a pixel for its blur.
    let band = 0.25 / px_to_mm + 1.0;
    let mut ink = 0usize;
    for dy in -half..=half {
        for dx in -half..=half {
            if (dx as f64).abs() <= band || (dy as f64).abs() <= band {
                continue;
            }
            let (px, py) = (cx.round() as i64 + dx, cy.round() as i64 + dy);
            if px < 0 || py < 0 || px >= w as i64 || py >= h as i64 {
                continue;
            }
            if binary.get_pixel(px as u32, py as u32)[0] < 128 {
                ink += 1;
            }
        }
    }
    ink as f64 * px_to_mm * px_to_mm >= TICK_INK_MM2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(x0: f64, y0: f64, x1: f64, y1: f64) -> Segment {
        Segment {
            a: Pt::new(x0, y0),
            b: Pt::new(x1, y1),
            width_mm: 0.2,
            path: 0,
            fill: false,
        }
    }

    /// A level chain at y = 50 from x = 10 to 90, broken by the vectoriser where lines
    /// cross it, with extension lines at 10, 40 and 90 that end 2 mm past it, and one at
    /// 60 that runs on to an outer chain at y = 58.
    fn chain() -> Vec<Segment> {
        vec![
            line(10.0, 50.0, 39.7, 50.0),
            line(40.3, 50.0, 59.7, 50.0),
            line(60.3, 50.0, 90.0, 50.0),
            line(10.0, 40.0, 10.0, 52.0),
            line(40.0, 40.0, 40.0, 52.0),
            line(90.0, 40.0, 90.0, 52.0),
            line(60.0, 40.0, 60.0, 49.7),
            line(60.0, 50.3, 60.0, 60.0),
            // An upright stroke of a figure above the chain, not a cut.
            line(25.0, 45.5, 25.0, 48.0),
        ]
    }

    #[test]
    fn intervals_are_cut_by_their_own_extension_lines_only() {
        let no_tick = |_: f64, _: f64, _: bool| false;
        let found = slots(&chain(), 2.5, &no_tick);
        let mut lengths: Vec<f64> = found.iter().map(|s| s.length_mm).collect();
        lengths.sort_by(f64::total_cmp);
        assert_eq!(lengths, [30.0, 50.0], "{lengths:?}");
        assert!(found.iter().all(|s| !s.upright && s.bbox.y1 < 50.0));
        // The same line at 60 with a tick drawn on this chain is a cut of it.
        let tick_at_60 = |along: f64, across: f64, flat: bool| {
            flat && (along - 60.0).abs() < 0.5 && (across - 50.0).abs() < 0.5
        };
        let mut lengths: Vec<f64> = slots(&chain(), 2.5, &tick_at_60)
            .iter()
            .map(|s| s.length_mm)
            .collect();
        lengths.sort_by(f64::total_cmp);
        assert_eq!(lengths, [20.0, 30.0, 30.0], "{lengths:?}");
    }

    /// A 300 dpi patch with a level and an upright thin line crossing at its centre.
    fn crossing() -> GrayImage {
        GrayImage::from_fn(60, 60, |x, y| {
            image::Luma([if (29..=31).contains(&x) || (29..=31).contains(&y) {
                0
            } else {
                255
            }])
        })
    }

    #[test]
    fn an_oblique_tick_is_told_from_a_plain_crossing() {
        let px_to_mm = 25.4 / 300.0;
        let (x, y) = (30.0 * px_to_mm, 30.0 * px_to_mm);
        let mut img = crossing();
        assert!(!oblique_tick(&img, px_to_mm, x, y));
        // A 0.35 mm pen at 45° across the crossing, 2.2 mm each way.
        for t in -13i32..=13 {
            for w in -2i32..=2 {
                let (px, py) = ((30 + t + w) as u32, (30 - t) as u32);
                img.put_pixel(px, py, image::Luma([0]));
            }
        }
        assert!(oblique_tick(&img, px_to_mm, x, y));
    }

    #[test]
    fn ink_touching_the_sides_is_cleared_and_the_value_kept() {
        let mut img = GrayImage::from_fn(40, 20, |x, y| {
            let tick = x + y == 19 && x < 5;
            let figure = (15..=20).contains(&x) && (5..=15).contains(&y);
            image::Luma([if tick || figure { 0 } else { 255 }])
        });
        clear_sides(&mut img);
        assert_eq!(img.get_pixel(0, 19)[0], 255);
        assert_eq!(img.get_pixel(2, 17)[0], 255, "the tick's end goes");
        assert_eq!(img.get_pixel(17, 10)[0], 0, "the figure stays");
    }
}
