//! The inked parts of a tile: Tesseract is given these, not the tile.
//!
//! Tesseract's cost grows with the pixels it is given, paper included: a nearly blank
//! 2000x2000 tile takes 64 ms, a 300x300 crop of it 2 ms, and a plan is mostly paper. So each
//! tile is cut recursively at white gaps (rows or columns with no ink, an XY-cut) into boxes
//! around its labels, and each box is read on its own.

use image::GrayImage;

use super::tiles::Rect;

/// Side of the cells the ink map is kept in: cutting works on cells, 16 times fewer than
/// pixels.
const CELL: u32 = 4;

/// Boxes (in the tile's pixels) around the ink of `tile` (pixels at or below `level`),
/// split wherever a white gap of at least `gap` pixels runs across a box, each grown by up to
/// `margin` pixels of the surrounding paper (Tesseract reads a word touching the border less
/// well). Boxes with fewer than `min_ink` ink pixels are left out.
pub(crate) fn regions(
    tile: &GrayImage,
    level: u8,
    gap: u32,
    margin: u32,
    min_ink: u64,
) -> Vec<Rect> {
    let (w, h) = tile.dimensions();
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let (cw, ch) = (w.div_ceil(CELL) as usize, h.div_ceil(CELL) as usize);
    let mut cells = vec![0u32; cw * ch];
    for (y, row) in tile.as_raw().chunks(w as usize).enumerate() {
        let line = &mut cells[(y / CELL as usize) * cw..][..cw];
        for (x, &p) in row.iter().enumerate() {
            if p <= level {
                line[x / CELL as usize] += 1;
            }
        }
    }
    let map = Cells {
        ink: cells,
        width: cw,
    };
    let gap_cells = (gap / CELL).max(1) as usize;
    let mut found = Vec::new();
    let mut todo = vec![(0usize, 0usize, cw, ch)];
    while let Some((x0, y0, x1, y1)) = todo.pop() {
        let rows: Vec<u64> = (y0..y1).map(|y| map.sum(x0, x1, y, y + 1)).collect();
        let cols: Vec<u64> = (x0..x1).map(|x| map.sum(x, x + 1, y0, y1)).collect();
        // Trim to the ink.
        let (Some(top), Some(left)) = (
            rows.iter().position(|&n| n > 0),
            cols.iter().position(|&n| n > 0),
        ) else {
            continue;
        };
        let bottom = rows.iter().rposition(|&n| n > 0).map_or(top, |b| b + 1);
        let right = cols.iter().rposition(|&n| n > 0).map_or(left, |r| r + 1);
        let (ry, rx) = (
            widest_gap(&rows[top..bottom]),
            widest_gap(&cols[left..right]),
        );
        let (x0, y0, x1, y1) = (x0 + left, y0 + top, x0 + right, y0 + bottom);
        match (ry, rx) {
            (Some((ya, yb)), rx)
                if rx.is_none_or(|(a, b)| b - a <= yb - ya) && yb - ya >= gap_cells =>
            {
                todo.push((x0, y0, x1, y0 + ya));
                todo.push((x0, y0 + yb, x1, y1));
            }
            (_, Some((xa, xb))) if xb - xa >= gap_cells => {
                todo.push((x0, y0, x0 + xa, y1));
                todo.push((x0 + xb, y0, x1, y1));
            }
            _ => {
                if map.sum(x0, x1, y0, y1) >= min_ink {
                    found.push(Rect {
                        x0: (x0 as u32 * CELL).saturating_sub(margin),
                        y0: (y0 as u32 * CELL).saturating_sub(margin),
                        x1: (x1 as u32 * CELL + margin).min(w),
                        y1: (y1 as u32 * CELL + margin).min(h),
                    });
                }
            }
        }
    }
    // Top to bottom, for a stable order of work.
    found.sort_by_key(|r| (r.y0, r.x0));
    found
}

/// Ink pixels per cell.
struct Cells {
    ink: Vec<u32>,
    width: usize,
}

impl Cells {
    fn sum(&self, x0: usize, x1: usize, y0: usize, y1: usize) -> u64 {
        (y0..y1)
            .map(|y| {
                self.ink[y * self.width + x0..y * self.width + x1]
                    .iter()
                    .map(|&n| u64::from(n))
                    .sum::<u64>()
            })
            .sum()
    }
}

/// The widest run of zeros strictly inside `profile` (its ends are ink), as `[a, b)`.
fn widest_gap(profile: &[u64]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = None;
    for (i, &n) in profile.iter().enumerate() {
        match (n == 0, start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                if best.is_none_or(|(ba, bb)| i - a > bb - ba) {
                    best = Some((a, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::draw_filled_rect_mut;

    #[test]
    fn labels_far_apart_get_their_own_boxes() {
        let mut img = GrayImage::from_pixel(1400, 1400, Luma([255]));
        // A two-line label (line gap 30 px) and a dimension far to its right and above.
        draw_filled_rect_mut(
            &mut img,
            imageproc::rect::Rect::at(500, 600).of_size(200, 40),
            Luma([0]),
        );
        draw_filled_rect_mut(
            &mut img,
            imageproc::rect::Rect::at(480, 670).of_size(240, 40),
            Luma([0]),
        );
        draw_filled_rect_mut(
            &mut img,
            imageproc::rect::Rect::at(1100, 100).of_size(90, 35),
            Luma([0]),
        );
        let boxes = regions(&img, 128, 48, 16, 10);
        assert_eq!(boxes.len(), 2, "{boxes:?}");
        let dim = boxes[0];
        assert!(
            dim.x0 <= 1100 && dim.x1 >= 1190 && dim.y0 <= 100 && dim.y1 >= 135,
            "{dim:?}"
        );
        assert!(dim.x1 - dim.x0 <= 90 + 2 * 16 + 8, "{dim:?}");
        let label = boxes[1];
        assert!(label.y0 <= 600 && label.y1 >= 710 && label.x0 <= 480 && label.x1 >= 720);
        // Paper only is no box; one ink speck is under the minimum.
        assert!(
            regions(
                &GrayImage::from_pixel(300, 300, Luma([255])),
                128,
                48,
                16,
                10
            )
            .is_empty()
        );
        let mut speck = GrayImage::from_pixel(300, 300, Luma([255]));
        speck.put_pixel(10, 10, Luma([0]));
        assert!(regions(&speck, 128, 48, 16, 10).is_empty());
    }

    #[test]
    fn gaps_are_found_inside_only() {
        assert_eq!(widest_gap(&[1, 0, 0, 1, 0, 1]), Some((1, 3)));
        assert_eq!(widest_gap(&[1, 1]), None);
    }
}
