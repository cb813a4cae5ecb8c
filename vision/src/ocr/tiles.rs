//! Cutting a page into tiles, and merging the tiles' words back into one list.
//!
//! Each tile owns a core; the cores partition the page, so keeping a word only from the
//! tile whose core holds its centre keeps every word once. Seams are placed in white space
//! where there is some: near each even cut, the widest band of rows (or, within a row of
//! tiles, of columns) with no ink at all. No word crosses such a seam, so its tiles need
//! no overlap there and nothing is read twice (reading the overlap twice cost a third more
//! Tesseract time on an A1 plan with 1400-pixel tiles). Where no white band exists, the
//! tiles reach `overlap_px` past the seam, so a word at most twice that wide whose centre
//! is in a core is seen whole by its tile, and the cut-off fragments the neighbours see
//! at their edges are dropped by the centre rule.

use image::GrayImage;
use rayon::prelude::*;

use super::OcrWord;

/// A half-open pixel rectangle `[x0, x1) x [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl Rect {
    fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x0 as f32 && x < self.x1 as f32 && y >= self.y0 as f32 && y < self.y1 as f32
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tile {
    /// The words this tile keeps have their centre here.
    pub core: Rect,
    /// What Tesseract sees: the core, plus the overlap across seams that are not white.
    pub bounds: Rect,
    /// Ink pixels in the tile: none means no Tesseract call, the inkiest go first.
    pub ink: u64,
}

/// Where a page is cut along one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cut {
    at: u32,
    /// The cut runs through a white band at least `min_gap` wide.
    white: bool,
}

/// Tiles of about `tile_px` on a side over the ink (pixels at or below `level`) of `img`,
/// with seams in white bands of at least `min_gap` pixels where possible.
pub(crate) fn layout(
    img: &GrayImage,
    level: u8,
    tile_px: u32,
    overlap_px: u32,
    min_gap: u32,
) -> Vec<Tile> {
    let (w, h) = img.dimensions();
    let (wu, raw) = (w as usize, img.as_raw());
    let row_ink: Vec<u32> = raw
        .par_chunks(wu.max(1))
        .map(|row| row.iter().filter(|&&p| p <= level).count() as u32)
        .collect();
    let rows = cuts(&row_ink, tile_px, min_gap);
    let bands: Vec<(Cut, Cut)> = rows.windows(2).map(|p| (p[0], p[1])).collect();
    bands
        .par_iter()
        .flat_map_iter(|&(top, bottom)| {
            let y0 = reach_back(top, overlap_px);
            let y1 = reach_forward(bottom, overlap_px, h);
            let mut col_ink = vec![0u32; wu];
            for row in raw[y0 as usize * wu..y1 as usize * wu].chunks(wu.max(1)) {
                for (c, &p) in col_ink.iter_mut().zip(row) {
                    *c += u32::from(p <= level);
                }
            }
            let cols = cuts(&col_ink, tile_px, min_gap);
            let tiles: Vec<Tile> = cols
                .windows(2)
                .map(|p| {
                    let (left, right) = (p[0], p[1]);
                    Tile {
                        core: Rect {
                            x0: left.at,
                            y0: top.at,
                            x1: right.at,
                            y1: bottom.at,
                        },
                        bounds: Rect {
                            x0: reach_back(left, overlap_px),
                            y0,
                            x1: reach_forward(right, overlap_px, w),
                            y1,
                        },
                        ink: col_ink[left.at as usize..right.at as usize]
                            .iter()
                            .map(|&c| u64::from(c))
                            .sum(),
                    }
                })
                .collect();
            tiles
        })
        .collect()
}

/// Where a tile starts, given the cut before its core.
fn reach_back(cut: Cut, overlap: u32) -> u32 {
    if cut.white {
        cut.at
    } else {
        cut.at.saturating_sub(overlap)
    }
}

/// Where a tile ends, given the cut after its core.
fn reach_forward(cut: Cut, overlap: u32, len: u32) -> u32 {
    if cut.white {
        cut.at
    } else {
        cut.at.saturating_add(overlap).min(len)
    }
}

/// The cuts along an axis with ink `profile`: both ends (white: nothing lies beyond), and
/// between them cores of at most `tile_px`. Each inner cut moves, within a quarter tile of
/// its even place, to the middle of the widest run of empty rows or columns; with no run
/// `min_gap` wide it stays at the even place and the tiles overlap there.
fn cuts(profile: &[u32], tile_px: u32, min_gap: u32) -> Vec<Cut> {
    let len = profile.len() as u32;
    let n = len.div_ceil(tile_px.max(1)).max(1);
    let reach = tile_px / 4;
    let mut out = vec![Cut { at: 0, white: true }];
    for i in 1..n {
        let even = (u64::from(len) * u64::from(i) / u64::from(n)) as u32;
        let lo = even.saturating_sub(reach).max(out[out.len() - 1].at + 1);
        let hi = even.saturating_add(reach).min(len - 1);
        // The widest empty run in [lo, hi]; among equals, the one nearest the even place.
        let mut best: Option<(u32, u32)> = None;
        let mut start = None;
        for x in lo..=hi + 1 {
            let empty = x <= hi && profile[x as usize] == 0;
            match (empty, start) {
                (true, None) => start = Some(x),
                (false, Some(a)) => {
                    let (width, mid) = (x - a, a + (x - a) / 2);
                    let better = best.is_none_or(|(bw, bm)| {
                        width > bw || (width == bw && mid.abs_diff(even) < bm.abs_diff(even))
                    });
                    if better {
                        best = Some((width, mid));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        out.push(match best {
            Some((width, mid)) if width >= min_gap.max(1) => Cut {
                at: mid,
                white: true,
            },
            _ => Cut {
                at: even,
                white: false,
            },
        });
    }
    out.push(Cut {
        at: len,
        white: true,
    });
    out
}

/// The tile's pixels as their own image (Tesseract copies them anyway).
pub(crate) fn crop(img: &GrayImage, r: &Rect) -> GrayImage {
    image::imageops::crop_imm(img, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0).to_image()
}

/// Keeps each tile's words whose centre is in its core, then, as a safety net for words
/// longer than twice the overlap, drops a word from one tile that mostly covers a word
/// kept from another (the smaller, less confident one goes).
pub(crate) fn merge(tiles: &[Tile], per_tile: Vec<(usize, Vec<OcrWord>)>) -> Vec<OcrWord> {
    let mut kept: Vec<(usize, OcrWord)> = per_tile
        .into_iter()
        .flat_map(|(t, words)| words.into_iter().map(move |w| (t, w)))
        .filter(|(t, w)| {
            let (cx, cy) = ((w.x0 + w.x1) / 2.0, (w.y0 + w.y1) / 2.0);
            tiles.get(*t).is_some_and(|tile| tile.core.contains(cx, cy))
        })
        .collect();
    kept.sort_by(|a, b| a.1.x0.total_cmp(&b.1.x0));
    let mut dropped = vec![false; kept.len()];
    for i in 0..kept.len() {
        for j in i + 1..kept.len() {
            let (a, b) = (&kept[i], &kept[j]);
            if b.1.x0 >= a.1.x1 {
                break;
            }
            if a.0 == b.0 || dropped[i] || dropped[j] {
                continue;
            }
            let inter = intersection(&a.1, &b.1);
            let (area_a, area_b) = (area(&a.1), area(&b.1));
            if inter > 0.5 * area_a.min(area_b) {
                let a_wins = (area_a, a.1.confidence) >= (area_b, b.1.confidence);
                dropped[if a_wins { j } else { i }] = true;
            }
        }
    }
    kept.into_iter()
        .zip(dropped)
        .filter(|(_, d)| !d)
        .map(|((_, w), _)| w)
        .collect()
}

fn area(w: &OcrWord) -> f32 {
    (w.x1 - w.x0).max(0.0) * (w.y1 - w.y0).max(0.0)
}

fn intersection(a: &OcrWord, b: &OcrWord) -> f32 {
    let w = a.x1.min(b.x1) - a.x0.max(b.x0);
    let h = a.y1.min(b.y1) - a.y0.max(b.y0);
    w.max(0.0) * h.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn word(text: &str, x0: f32, y0: f32, x1: f32, y1: f32, confidence: f32) -> OcrWord {
        OcrWord {
            text: text.into(),
            x0,
            y0,
            x1,
            y1,
            confidence,
        }
    }

    fn covered(tiles: &[Tile]) -> u64 {
        tiles
            .iter()
            .map(|t| u64::from(t.core.x1 - t.core.x0) * u64::from(t.core.y1 - t.core.y0))
            .sum()
    }

    #[test]
    fn cores_partition_a_blank_page_without_overlap() {
        let img = GrayImage::from_pixel(5000, 3000, Luma([255]));
        let tiles = layout(&img, 128, 1000, 200, 15);
        assert_eq!(tiles.len(), 5 * 3);
        assert_eq!(covered(&tiles), 5000 * 3000);
        for t in &tiles {
            assert_eq!(t.core, t.bounds);
            assert_eq!(t.ink, 0);
        }
        assert_eq!(layout(&GrayImage::new(10, 10), 128, 1000, 200, 15).len(), 1);
    }

    #[test]
    fn seams_go_through_white_space_or_overlap() {
        // Ink everywhere except a white band of rows 1080..1120 and columns 700..760.
        let img = GrayImage::from_fn(2000, 2000, |x, y| {
            let white = (1080..1120).contains(&y) || (700..760).contains(&x);
            Luma([if white { 255 } else { 0 }])
        });
        let tiles = layout(&img, 128, 1000, 200, 15);
        assert_eq!(tiles.len(), 4);
        assert_eq!(covered(&tiles), 2000 * 2000);
        // Rows: cut in the middle of the white band, no overlap across it.
        assert_eq!(tiles[0].core.y1, 1100);
        assert_eq!(tiles[0].bounds.y1, 1100);
        // Columns: the band at 700..760 is beyond a quarter tile (250) from 1000, so the
        // cut stays at 1000 and the tiles overlap there.
        assert_eq!(tiles[0].core.x1, 1000);
        assert_eq!(tiles[0].bounds.x1, 1200);
        assert_eq!(tiles[1].bounds.x0, 800);
        assert!(tiles.iter().all(|t| t.ink > 0));
    }

    #[test]
    fn narrow_gaps_are_not_seams() {
        let mut profile = vec![5u32; 2000];
        profile[990..1000].fill(0);
        let c = cuts(&profile, 1000, 15);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c[1],
            Cut {
                at: 1000,
                white: false
            }
        );
        profile[1100..1140].fill(0);
        assert_eq!(
            cuts(&profile, 1000, 15)[1],
            Cut {
                at: 1120,
                white: true
            }
        );
    }

    #[test]
    fn a_seam_word_is_kept_once_and_fragments_go() {
        let img = GrayImage::from_pixel(2000, 1000, Luma([0]));
        let tiles = layout(&img, 128, 1000, 200, 15);
        assert_eq!(tiles.len(), 2);
        assert_eq!(tiles[0].core.x1, 1000);
        // "Séjour" straddles x = 1000 with its centre at 1010: the right tile's. The left
        // tile sees it whole too.
        let left = vec![word("Séjour", 940.0, 100.0, 1080.0, 140.0, 0.9)];
        let right = vec![
            word("Séjour", 940.0, 100.0, 1080.0, 140.0, 0.95),
            word("3,50", 1500.0, 500.0, 1600.0, 540.0, 0.9),
        ];
        let merged = merge(&tiles, vec![(0, left), (1, right)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].confidence, 0.95);

        // A word longer than the overlap allows: the left tile's fragment has its centre
        // in its own core; the safety net keeps the whole word only.
        let left = vec![word("DEGAGEME", 700.0, 100.0, 1200.0, 140.0, 0.6)];
        let right = vec![word("DEGAGEMENT", 700.0, 100.0, 1400.0, 140.0, 0.9)];
        let merged = merge(&tiles, vec![(0, left), (1, right)]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].text, "DEGAGEMENT");
    }

    #[test]
    fn crop_takes_the_rectangle() {
        let mut img = GrayImage::from_pixel(50, 40, Luma([255]));
        img.put_pixel(10, 10, Luma([0]));
        let r = Rect {
            x0: 5,
            y0: 5,
            x1: 25,
            y1: 20,
        };
        let c = crop(&img, &r);
        assert_eq!(c.dimensions(), (20, 15));
        assert_eq!(c.get_pixel(5, 5).0[0], 0);
    }
}
