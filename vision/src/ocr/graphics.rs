//! Drawing taken out of a binarised sheet before OCR, so Tesseract sees the words alone.
//!
//! Tesseract sizes letters from the blobs it finds. On a tile where hatching, door swings
//! or walls outnumber the letters it takes them for the text and drops the real words as
//! noise (a tile of a room with a hatched corner read nothing at all); a whole sheet hides
//! the problem under its many letters, a tile does not. Long straight lines go first (they
//! often touch labels), then every connected blob too large to be a letter.
//!
//! Both work on runs of ink along rows rather than on pixels: a sheet is mostly paper, so
//! an A1 at 300 dpi (70 M pixels) has a few hundred thousand runs, labelled in tens of
//! milliseconds where a pixel labelling takes seconds and a `u32` per pixel.

use image::GrayImage;
use rayon::prelude::*;

/// Everything that is not text-sized ink, whitened: lines at least half an inch long, then
/// blobs taller than a third of an inch (an 8 mm capital) or wider than an inch and a half
/// (a word whose letters touch), and specks of a few pixels (scanner dust).
pub fn strip_graphics(img: &GrayImage, dpi: u32) -> GrayImage {
    let no_lines = remove_lines(img, dpi);
    remove_large_blobs(&no_lines, dpi / 3, dpi * 3 / 2, (dpi / 100).pow(2).min(9))
}

/// Whitens straight lines along rows and columns of a binarised page (ink below 128) at
/// `dpi`: walls, dimension lines, frames and table rules, half an inch long or more.
///
/// Tesseract's layout analysis mistakes text boxed in by such lines for part of a drawing
/// and drops it, more so on a tile than on a whole sheet, and reads their pieces as dashes.
/// No letter has a straight stroke that long (half an inch at 300 dpi is 150 pixels, a
/// capital's bar is under 40). A run counts as a line when it is solid, or when it has
/// gaps of up to 1/40 inch but paper on both sides 1/75 inch away: a thin line a scan or a
/// rotation broke into dashes, which a row through a line of text never is (one side or
/// the other runs through the letters). A line goes with the 1/150 inch either side of it,
/// where a slightly turned line leaves a dotted fringe of its edge.
pub fn remove_lines(img: &GrayImage, dpi: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let mut out = img.clone();
    let p = LineRule {
        min_len: (dpi / 2).max(8) as usize,
        max_gap: (dpi / 40).max(1) as usize,
        side: (dpi / 75).max(2) as usize,
    };
    let fringe = (dpi / 150) as usize;
    if w == 0 || h == 0 {
        return out;
    }
    let (wu, hu) = (w as usize, h as usize);
    let src = img.as_raw();
    let ink = |x: usize, y: usize| src[y * wu + x] < 128;
    // Rows, in parallel; each segment is (row, start, end).
    let across: Vec<(usize, usize, usize)> = (0..hu)
        .into_par_iter()
        .flat_map_iter(|y| {
            let mut run = Run::default();
            let mut found = Vec::new();
            for x in 0..wu {
                if ink(x, y) {
                    let above = y >= p.side && ink(x, y - p.side);
                    let below = y + p.side < hu && ink(x, y + p.side);
                    run.ink(x, above, below, &p, &mut found);
                }
            }
            run.close(&p, &mut found);
            found.into_iter().map(move |(a, b)| (y, a, b))
        })
        .collect();
    // Columns: strips of columns in parallel, each walked row by row (memory order) with
    // the open run of every column; each segment is (column, start, end).
    const STRIP: usize = 256;
    let down: Vec<(usize, usize, usize)> = (0..wu.div_ceil(STRIP))
        .into_par_iter()
        .flat_map_iter(|s| {
            let (x0, x1) = (s * STRIP, ((s + 1) * STRIP).min(wu));
            let mut runs = vec![Run::default(); x1 - x0];
            let mut found = Vec::new();
            let mut segs = Vec::new();
            for y in 0..hu {
                for (i, run) in runs.iter_mut().enumerate() {
                    let x = x0 + i;
                    if ink(x, y) {
                        let left = x >= p.side && ink(x - p.side, y);
                        let right = x + p.side < wu && ink(x + p.side, y);
                        run.ink(y, left, right, &p, &mut segs);
                        found.extend(segs.drain(..).map(|(a, b)| (x, a, b)));
                    }
                }
            }
            for (i, run) in runs.iter_mut().enumerate() {
                run.close(&p, &mut segs);
                found.extend(segs.drain(..).map(|(a, b)| (x0 + i, a, b)));
            }
            found
        })
        .collect();
    let buf: &mut [u8] = &mut out;
    for (y, a, b) in across {
        for yy in y.saturating_sub(fringe)..(y + fringe + 1).min(hu) {
            buf[yy * wu + a..yy * wu + b].fill(255);
        }
    }
    for (x, a, b) in down {
        for y in a..b {
            let row = &mut buf[y * wu..(y + 1) * wu];
            row[x.saturating_sub(fringe)..(x + fringe + 1).min(wu)].fill(255);
        }
    }
    out
}

/// What makes a run of ink a line, in pixels.
struct LineRule {
    min_len: usize,
    max_gap: usize,
    side: usize,
}

/// A run of ink along a row or column, gaps of up to `max_gap` included.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    start: Option<usize>,
    last: usize,
    /// Where the current gapless stretch began.
    solid: usize,
    /// Ink pixels in the run, and how many have ink `side` pixels away on each side.
    ink: usize,
    side_a: usize,
    side_b: usize,
}

impl Run {
    /// Ink at `at`; lines found so far go to `found` as `[start, end)`.
    fn ink(
        &mut self,
        at: usize,
        a: bool,
        b: bool,
        rule: &LineRule,
        found: &mut Vec<(usize, usize)>,
    ) {
        if self.start.is_some() && at - self.last > rule.max_gap + 1 {
            self.close(rule, found);
        }
        if self.start.is_none() {
            *self = Run {
                start: Some(at),
                solid: at,
                ..Run::default()
            };
        } else if at != self.last + 1 {
            self.end_solid(rule, found);
            self.solid = at;
        }
        self.last = at;
        self.ink += 1;
        self.side_a += usize::from(a);
        self.side_b += usize::from(b);
    }

    /// A gapless stretch long enough is a line whatever surrounds it (a wall's edge).
    fn end_solid(&self, rule: &LineRule, found: &mut Vec<(usize, usize)>) {
        if self.last + 1 - self.solid >= rule.min_len {
            found.push((self.solid, self.last + 1));
        }
    }

    /// Ends the run and judges it.
    fn close(&mut self, rule: &LineRule, found: &mut Vec<(usize, usize)>) {
        if let Some(start) = self.start.take() {
            let len = self.last + 1 - start;
            let thin = self.side_a * 100 <= self.ink * 15 && self.side_b * 100 <= self.ink * 15;
            if len >= rule.min_len && thin {
                found.push((start, self.last + 1));
            } else {
                self.end_solid(rule, found);
            }
        }
    }
}

/// `[start, end)` of each run of ink (below 128) in a row.
fn ink_runs(row: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &p) in row.iter().enumerate() {
        match (p < 128, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, row.len()));
    }
    runs
}

/// Whitens 8-connected blobs of ink (below 128) taller than `max_h` or wider than `max_w`,
/// and those of fewer than `min_area` pixels. Blobs are labelled exactly over the whole
/// page: runs of each row, joined to the runs they touch in the row above (union-find).
pub fn remove_large_blobs(img: &GrayImage, max_h: u32, max_w: u32, min_area: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let mut out = img.clone();
    if w == 0 || h == 0 {
        return out;
    }
    let wu = w as usize;
    let src = img.as_raw();
    let rows: Vec<Vec<(usize, usize)>> = src.par_chunks(wu).map(ink_runs).collect();
    let mut first = Vec::with_capacity(rows.len() + 1);
    let mut total = 0usize;
    for r in &rows {
        first.push(total);
        total += r.len();
    }
    first.push(total);

    let mut parent: Vec<usize> = (0..total).collect();
    for y in 1..rows.len() {
        let (above, here) = (&rows[y - 1], &rows[y]);
        let mut j = 0;
        for (i, &(s, e)) in here.iter().enumerate() {
            // Runs above that end before this one starts (diagonals included) are done.
            while j < above.len() && above[j].1 < s {
                j += 1;
            }
            let mut k = j;
            while k < above.len() && above[k].0 <= e {
                union(&mut parent, first[y] + i, first[y - 1] + k);
                k += 1;
            }
        }
    }
    // Box (x0, y0, x1, y1 inclusive) and area of each blob, kept at its root.
    let mut blob = vec![(usize::MAX, usize::MAX, 0usize, 0usize, 0usize); total];
    for (y, r) in rows.iter().enumerate() {
        for (i, &(s, e)) in r.iter().enumerate() {
            let root = find(&mut parent, first[y] + i);
            let b = &mut blob[root];
            *b = (
                b.0.min(s),
                b.1.min(y),
                b.2.max(e - 1),
                b.3.max(y),
                b.4 + e - s,
            );
        }
    }
    let (max_h, max_w, min_area) = (max_h as usize, max_w as usize, min_area as usize);
    let doomed: Vec<bool> = (0..total)
        .map(|id| {
            let (x0, y0, x1, y1, n) = blob[find(&mut parent, id)];
            y1 - y0 + 1 > max_h || x1 - x0 + 1 > max_w || n < min_area
        })
        .collect();
    let buf: &mut [u8] = &mut out;
    buf.par_chunks_mut(wu).enumerate().for_each(|(y, dst)| {
        for (i, &(s, e)) in rows[y].iter().enumerate() {
            if doomed[first[y] + i] {
                dst[s..e].fill(255);
            }
        }
    });
    out
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::{draw_filled_rect_mut, draw_line_segment_mut};
    use imageproc::rect::Rect;

    #[test]
    fn long_lines_go_and_letters_stay() {
        let mut img = GrayImage::from_pixel(600, 400, Luma([255]));
        draw_filled_rect_mut(&mut img, Rect::at(10, 100).of_size(560, 12), Luma([0]));
        draw_filled_rect_mut(&mut img, Rect::at(300, 0).of_size(3, 400), Luma([0]));
        // A "letter": strokes shorter than the limit, touching nothing.
        draw_filled_rect_mut(&mut img, Rect::at(100, 200).of_size(40, 6), Luma([0]));
        draw_filled_rect_mut(&mut img, Rect::at(117, 200).of_size(6, 45), Luma([0]));
        let clean = remove_lines(&img, 300);
        assert_eq!(clean.get_pixel(50, 105).0[0], 255);
        assert_eq!(clean.get_pixel(301, 300).0[0], 255);
        assert_eq!(clean.get_pixel(120, 220).0[0], 0);
        assert_eq!(clean.get_pixel(105, 202).0[0], 0);
        let ink = clean.pixels().filter(|p| p.0[0] == 0).count();
        assert_eq!(ink, 40 * 6 + 6 * 39);
        assert_eq!(ink_runs(&[0u8, 0, 255, 0, 0, 0]), [(0, 2), (3, 6)]);
    }

    #[test]
    fn dashed_lines_go_and_lines_of_letters_stay() {
        let mut img = GrayImage::from_pixel(900, 700, Luma([255]));
        // A thin line broken into dashes (10 on, 5 off), across and down.
        for k in 0..50 {
            draw_filled_rect_mut(
                &mut img,
                Rect::at(20 + k * 15, 100).of_size(10, 2),
                Luma([0]),
            );
            draw_filled_rect_mut(
                &mut img,
                Rect::at(850, 20 + k * 13).of_size(2, 9),
                Luma([0]),
            );
        }
        // A line of "letters": 20x30 blobs 5 px apart, 600 px long.
        for k in 0..24 {
            draw_filled_rect_mut(
                &mut img,
                Rect::at(20 + k * 25, 300).of_size(20, 30),
                Luma([0]),
            );
        }
        let clean = remove_lines(&img, 300);
        let ink = |x0: u32, y0: u32, x1: u32, y1: u32| {
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| clean.get_pixel(x, y).0[0] == 0)
                .count()
        };
        assert_eq!(ink(0, 90, 800, 110), 0, "dashes across");
        assert_eq!(ink(840, 0, 860, 700), 0, "dashes down");
        assert_eq!(ink(0, 290, 700, 340), 24 * 20 * 30, "letters");
    }

    #[test]
    fn hatching_and_specks_go_and_letters_stay() {
        let mut img = GrayImage::from_pixel(1500, 1200, Luma([255]));
        // Hatching: diagonal lines 250 px tall, across a block edge (x = 1024).
        for k in 0..10 {
            let x = 900.0 + k as f32 * 20.0;
            draw_line_segment_mut(&mut img, (x, 600.0), (x + 250.0, 350.0), Luma([0]));
        }
        // Letter-sized blobs, one across the block edge, and a speck.
        draw_filled_rect_mut(&mut img, Rect::at(100, 100).of_size(30, 40), Luma([0]));
        draw_filled_rect_mut(&mut img, Rect::at(1010, 1000).of_size(30, 40), Luma([0]));
        img.put_pixel(700, 700, Luma([0]));
        let clean = remove_large_blobs(&img, 100, 450, 4);
        let ink = clean.pixels().filter(|p| p.0[0] == 0).count();
        assert_eq!(ink, 2 * 30 * 40);
        assert_eq!(clean.get_pixel(1020, 1020).0[0], 0);

        let text = strip_graphics(&img, 300);
        assert_eq!(text.pixels().filter(|p| p.0[0] == 0).count(), 2 * 30 * 40);
    }
}
