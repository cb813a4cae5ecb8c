//! Scan clean-up before OCR: straighten a page scanned a few degrees off, and turn uneven
//! grey (yellowed paper, shadows along folds, faint pencil-grey print) into black on white.

use image::{GrayImage, Luma};
use imageproc::filter::box_filter;
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};
use rayon::prelude::*;

/// Side of the square blocks `binarize` works on: they run in parallel, and imageproc's box
/// filter walks columns, which stays in cache on a block but not on a sheet's full width.
const BLOCK: u32 = 512;
/// Radius of the neighbourhood a pixel is compared with: about 4 mm at 300 dpi, wider than
/// a letter's stroke and a wall's fill, narrower than a shadow's gradient.
const RADIUS: u32 = 24;
/// How much darker than its neighbourhood a pixel must be to be ink: above scanner noise
/// on blank paper, below the contrast of the faintest print worth reading.
const DELTA: i16 = 12;

/// Black (0) text and lines on white (255), each pixel against the mean of its
/// neighbourhood (imageproc's running-sum box filter), so a shadowed corner or a grey copy
/// is cut as cleanly as the middle of a white sheet. Blocks run in parallel.
pub fn binarize(img: &GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let mut out = GrayImage::new(w, h);
    if w == 0 || h == 0 {
        return out;
    }
    let wu = w as usize;
    let buf: &mut [u8] = &mut out;
    // A band of block rows per task; its blocks one after the other.
    buf.par_chunks_mut(wu * BLOCK as usize)
        .enumerate()
        .for_each(|(band, dst)| {
            let y = band as u32 * BLOCK;
            let bh = BLOCK.min(h - y);
            let (my, my1) = (y.saturating_sub(RADIUS), (y + bh + RADIUS).min(h));
            for x in (0..w).step_by(BLOCK as usize) {
                let bw = BLOCK.min(w - x);
                // The block plus a margin, so pixels near its edge see their neighbourhood.
                let (mx, mx1) = (x.saturating_sub(RADIUS), (x + bw + RADIUS).min(w));
                let part = image::imageops::crop_imm(img, mx, my, mx1 - mx, my1 - my).to_image();
                let mean = box_filter(&part, RADIUS, RADIUS);
                let pw = (mx1 - mx) as usize;
                for r in 0..bh as usize {
                    let at = (r + (y - my) as usize) * pw + (x - mx) as usize;
                    let src = &part.as_raw()[at..at + bw as usize];
                    let avg = &mean.as_raw()[at..at + bw as usize];
                    let row = &mut dst[r * wu + x as usize..][..bw as usize];
                    for ((d, &p), &m) in row.iter_mut().zip(src).zip(avg) {
                        *d = if i16::from(p) >= i16::from(m) - DELTA {
                            255
                        } else {
                            0
                        };
                    }
                }
            }
        });
    out
}

/// Long side of the copy the skew is measured on: text lines stay several pixels tall on
/// an A0 sheet at 300 dpi, and the search takes tens of milliseconds.
const SKEW_SIDE: u32 = 2400;
/// Angles searched, in degrees either way: scans are fed by hand, a few degrees off.
const SKEW_RANGE: f32 = 6.0;
/// More ink points than this are sampled: the profile's shape does not need them all.
const SKEW_POINTS: usize = 300_000;

/// The angle in degrees the page content is turned by, clockwise on screen (y down) as
/// imageproc's `rotate_about_center` turns for a positive angle; 0 when the page has too
/// little ink to tell. Meant for scans up to about ±5° off.
///
/// Otsu's threshold between ink and paper: the level that best splits the histogram in two
/// (pixels at or below it on one side). Sums are kept in 64 bits: an A1 sheet at 300 dpi
/// has 70 million pixels, and `imageproc::contrast::otsu_level` multiplies level by count
/// in 32 bits, which wraps there (a wrong level in release builds, a panic in debug).
pub(crate) fn otsu_level(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.as_raw() {
        hist[*p as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(t, &n)| t as f64 * n as f64)
        .sum();
    let (mut back_n, mut back_sum) = (0u64, 0f64);
    let (mut best, mut best_var) = (0u8, 0f64);
    for (t, &n) in hist.iter().enumerate() {
        back_n += n;
        if back_n == 0 {
            continue;
        }
        let fore_n = total - back_n;
        if fore_n == 0 {
            break;
        }
        back_sum += t as f64 * n as f64;
        let diff = back_sum / back_n as f64 - (sum - back_sum) / fore_n as f64;
        let var = back_n as f64 * fore_n as f64 * diff * diff;
        if var > best_var {
            (best, best_var) = (t as u8, var);
        }
    }
    best
}

/// Projection profiles: text lines, walls and dimension lines make the count of ink pixels
/// per row sharply peaked when the rows follow them. On a downscaled copy, the angle whose
/// profile changes most sharply from row to row (sum of squared differences) wins; a
/// coarse then a fine search, refined by a parabola through the best three.
pub fn estimate_skew(img: &GrayImage) -> f32 {
    let small = shrink(img, SKEW_SIDE);
    let (w, h) = small.dimensions();
    if w < 16 || h < 16 {
        return 0.0;
    }
    let level = otsu_level(&small);
    let mut points: Vec<(f32, f32)> = small
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] < level)
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    // Mostly dark means Otsu split the paper's own shades, not ink from paper.
    if points.len() < 64 || points.len() > (w as usize * h as usize) / 2 {
        return 0.0;
    }
    if points.len() > SKEW_POINTS {
        let step = points.len().div_ceil(SKEW_POINTS);
        points = points.into_iter().step_by(step).collect();
    }
    let diag = (w as f32).hypot(h as f32).ceil() as usize;
    let score = |deg: f32| profile_sharpness(&points, deg.to_radians(), diag);

    let coarse = search(&score, -SKEW_RANGE, SKEW_RANGE, 0.25);
    let fine = search(&score, coarse - 0.3, coarse + 0.3, 0.02);
    let (a, b, c) = (score(fine - 0.02), score(fine), score(fine + 0.02));
    let denom = a - 2.0 * b + c;
    let offset = if denom < 0.0 {
        ((0.5 * (a - c) / denom).clamp(-0.5, 0.5) * 0.02) as f32
    } else {
        0.0
    };
    let angle = fine + offset;
    if angle.is_finite() { angle } else { 0.0 }
}

/// The angle in `[from, to]` by `step` with the best score (evaluated in parallel).
fn search(score: &(dyn Fn(f32) -> f64 + Sync), from: f32, to: f32, step: f32) -> f32 {
    let n = ((to - from) / step).round() as i32;
    (0..=n)
        .into_par_iter()
        .map(|i| {
            let deg = from + i as f32 * step;
            (score(deg), deg)
        })
        .reduce(
            || (f64::MIN, 0.0),
            |a, b| {
                if b.0 > a.0 || (b.0 == a.0 && b.1.abs() < a.1.abs()) {
                    b
                } else {
                    a
                }
            },
        )
        .1
}

/// Sum of squared differences between neighbouring rows of the ink profile, rows taken
/// along the angle `theta` (radians, clockwise): large when lines of ink fall in few rows.
fn profile_sharpness(points: &[(f32, f32)], theta: f32, diag: usize) -> f64 {
    let (sin, cos) = theta.sin_cos();
    let mut bins = vec![0u32; 2 * diag + 2];
    for &(x, y) in points {
        let r = y * cos - x * sin + diag as f32;
        if r >= 0.0
            && let Some(b) = bins.get_mut(r as usize)
        {
            *b += 1;
        }
    }
    bins.windows(2)
        .map(|p| {
            let d = f64::from(p[1]) - f64::from(p[0]);
            d * d
        })
        .sum()
}

/// A copy whose long side is at most `side`, each pixel the mean of a square block of the
/// original (so thin lines fade to grey rather than vanish between samples).
fn shrink(img: &GrayImage, side: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let f = w.max(h).div_ceil(side.max(1)).max(1);
    if f == 1 {
        return img.clone();
    }
    let (sw, sh) = (w / f, h / f);
    let mut out = GrayImage::new(sw, sh);
    if sw == 0 || sh == 0 {
        return out;
    }
    let src = img.as_raw();
    let stride = w as usize;
    let area = f * f;
    let buf: &mut [u8] = &mut out;
    buf.par_chunks_mut(sw as usize)
        .enumerate()
        .for_each(|(sy, row)| {
            let mut sums = vec![0u32; sw as usize];
            for dy in 0..f as usize {
                let line = &src[(sy * f as usize + dy) * stride..][..stride];
                for (sx, sum) in sums.iter_mut().enumerate() {
                    let start = sx * f as usize;
                    *sum += line[start..start + f as usize]
                        .iter()
                        .map(|&p| u32::from(p))
                        .sum::<u32>();
                }
            }
            for (o, s) in row.iter_mut().zip(sums) {
                *o = (s / area) as u8;
            }
        });
    out
}

/// The page turned back by `angle_deg` (as `estimate_skew` measures it) about its centre
/// with imageproc, with white where the turned page leaves the frame: white reads as paper,
/// black corners would read as ink. Nearest-pixel sampling: at 300 dpi its one-pixel steps
/// on letter edges left the benchmark sheet's word accuracy unchanged, and it turns an A1
/// page in 0.3 s where bilinear takes 0.7 s.
pub fn deskew(img: &GrayImage, angle_deg: f32) -> GrayImage {
    if !angle_deg.is_finite() || angle_deg == 0.0 || img.width() == 0 || img.height() == 0 {
        return img.clone();
    }
    rotate_about_center(
        img,
        -angle_deg.to_radians(),
        Interpolation::Nearest,
        Border::Constant(Luma([255])),
    )
}

/// Where a point of the deskewed page was on the original: the inverse of `deskew`, to
/// report boxes in the caller's pixels.
pub(crate) fn unskew_point(x: f32, y: f32, width: u32, height: u32, angle_deg: f32) -> (f32, f32) {
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    let (dx, dy) = (x - cx, y - cy);
    (cx + dx * cos - dy * sin, cy + dx * sin + dy * cos)
}

#[cfg(test)]
mod tests {

    /// Same level as imageproc's where its sums fit in 32 bits, and a sensible one on a
    /// sheet large enough to overflow them.
    #[test]
    fn otsu_matches_imageproc_and_survives_large_sheets() {
        let small = GrayImage::from_fn(300, 200, |x, y| {
            image::Luma([if (x / 7 + y / 5) % 4 == 0 {
                30 + (x % 20) as u8
            } else {
                220 + (y % 30) as u8
            }])
        });
        assert_eq!(otsu_level(&small), imageproc::contrast::otsu_level(&small));
        let mut big = GrayImage::from_pixel(6000, 4000, image::Luma([250]));
        for y in 1000..1100 {
            for x in 0..6000 {
                big.put_pixel(x, y, image::Luma([20]));
            }
        }
        let level = otsu_level(&big);
        assert!((20..250).contains(&level), "{level}");
    }

    use super::*;
    use imageproc::drawing::draw_filled_rect_mut;
    use imageproc::rect::Rect;

    fn lined_page(w: u32, h: u32) -> GrayImage {
        let mut img = GrayImage::from_pixel(w, h, Luma([255]));
        for i in 0..12 {
            let y = 60 + i * 70;
            // Dashed "text lines": runs of ink with gaps, like words.
            for j in 0..20 {
                let x = 50 + j * 55;
                draw_filled_rect_mut(&mut img, Rect::at(x, y).of_size(40, 18), Luma([0]));
            }
        }
        img
    }

    #[test]
    fn skew_is_found_both_ways_and_undone() {
        let page = lined_page(1300, 1000);
        assert!(estimate_skew(&page).abs() < 0.1);
        for angle in [2.0f32, -3.5] {
            let turned = rotate_about_center(
                &page,
                angle.to_radians(),
                Interpolation::Bilinear,
                Border::Constant(Luma([255])),
            );
            let found = estimate_skew(&turned);
            assert!((found - angle).abs() < 0.15, "{angle} found as {found}");
            assert!(estimate_skew(&deskew(&turned, found)).abs() < 0.15);
        }
    }

    #[test]
    fn blank_or_tiny_pages_have_no_skew() {
        assert_eq!(
            estimate_skew(&GrayImage::from_pixel(500, 400, Luma([255]))),
            0.0
        );
        assert_eq!(estimate_skew(&GrayImage::new(3, 2)), 0.0);
        assert_eq!(estimate_skew(&GrayImage::new(0, 0)), 0.0);
        assert_eq!(deskew(&GrayImage::new(0, 0), 2.0).dimensions(), (0, 0));
    }

    #[test]
    fn binarize_reads_grey_ink_in_a_shadow() {
        // Paper going from white to a dark shadow, with grey ink on both ends.
        let mut img = GrayImage::from_fn(2100, 300, |x, _| Luma([255 - (x / 14) as u8]));
        draw_filled_rect_mut(&mut img, Rect::at(100, 100).of_size(30, 30), Luma([170]));
        draw_filled_rect_mut(&mut img, Rect::at(1900, 100).of_size(30, 30), Luma([60]));
        let bin = binarize(&img);
        assert_eq!(bin.dimensions(), img.dimensions());
        assert_eq!(bin.get_pixel(115, 115).0[0], 0);
        assert_eq!(bin.get_pixel(1915, 115).0[0], 0);
        // Paper is white everywhere, shadow included, across block edges.
        assert_eq!(bin.get_pixel(1024, 250).0[0], 255);
        assert_eq!(bin.get_pixel(2000, 50).0[0], 255);
        assert!(bin.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
    }

    #[test]
    fn unskew_finds_the_original_place() {
        let mut img = GrayImage::from_pixel(1000, 800, Luma([255]));
        draw_filled_rect_mut(&mut img, Rect::at(695, 195).of_size(10, 10), Luma([0]));
        let straight = deskew(&img, 3.0);
        let dark: Vec<(f32, f32)> = straight
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] < 128)
            .map(|(x, y, _)| (x as f32 + 0.5, y as f32 + 0.5))
            .collect();
        let n = dark.len() as f32;
        let (mx, my) = dark
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
        assert!((mx - 700.0).hypot(my - 200.0) > 5.0, "the dot moved");
        let (x, y) = unskew_point(mx, my, 1000, 800, 3.0);
        assert!(
            (x - 700.0).abs() < 1.5 && (y - 200.0).abs() < 1.5,
            "{x},{y}"
        );
    }
}
