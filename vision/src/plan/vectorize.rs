//! Scans to lines and arcs: the straight horizontal and vertical strokes of a deskewed
//! sheet as the page model's segments, and door swings as curves.
//!
//! Strokes: ink (the binarised sheet, plus grey fills from the picture) is kept where it
//! lies on a run at least [`MIN_RUN_MM`] long along the direction looked for, which drops
//! letters, hatching and arcs; what is left is cut into slices across the direction, and
//! slices of one thickness in line from column to column stack into a stroke. A stroke's
//! pen is measured on the grey picture (how much darker than the paper it is, summed
//! across: blur and the binarisation threshold do not change that), so a 0.25 mm window
//! line and a 0.5 mm wall face stay apart whatever the resolution. A stroke much darker
//! than a pen (a filled wall body, black or grey) gives its two edges, which is how a
//! vector drawing outlines a wall; a hatched body, whose hatching the runs drop, leaves
//! its two face lines.
//!
//! Door swings: a thin line (the leaf) with ink along the quarter circle its length
//! describes about one of its ends (the hinge) is a door; the swing is given as points on
//! that circle, the leaf as the segment from the hinge.

use chantier_bim::plan::page::{BBox, Curve, Pt, Segment};
use image::GrayImage;
use rayon::prelude::*;

/// Shortest run of ink along a direction that counts as part of a stroke in it, mm.
const MIN_RUN_MM: f64 = 2.5;
/// Shortest stroke kept, mm.
const MIN_LEN_MM: f64 = 1.0;
/// Shortest single stroke given its heavy pen, mm.
const MIN_HEAVY_MM: f64 = 4.0;
/// Strokes darker than this across (mm of full ink) are filled bands.
const BAND_INK_MM: f64 = 0.75;
/// Thickest band taken for a wall body, mm.
const MAX_BAND_MM: f64 = 12.0;
/// Half a face pen: a band's edges are the outer edges of its face lines.
const FACE_INSET_MM: f64 = 0.2;
/// Pen given to band edges.
const FACE_PEN_MM: f64 = 0.5;

/// Pixels of ink: 1, paper: 0.
type Mask = Vec<u8>;

/// The strokes and door swings of a deskewed sheet: `binary` is its black-and-white cut,
/// `gray` the picture it was cut from, `text` the boxes (mm) of the words read on it,
/// which are left out of the drawing (letters' stems are short heavy lines).
pub fn vectorize(
    binary: &GrayImage,
    gray: &GrayImage,
    px_to_mm: f64,
    text: &[BBox],
) -> (Vec<Segment>, Vec<Curve>) {
    let (w, h) = (binary.width() as usize, binary.height() as usize);
    if w < 2 || h < 2 || gray.dimensions() != binary.dimensions() {
        return (Vec::new(), Vec::new());
    }
    let levels = Levels::measure(binary.as_raw(), gray.as_raw(), w);
    // Strokes are cut from the picture at a global level well above the paper's noise:
    // the adaptive binarisation turns noise on blank paper into specks that glue onto
    // strokes, and hollows out grey fills wider than its neighbourhood.
    let fill = levels.paper - 0.3 * levels.contrast;
    let mut mask: Mask = gray
        .as_raw()
        .par_iter()
        .map(|&g| u8::from((g as f32) < fill))
        .collect();
    let px = |v: f64| (v / px_to_mm).max(0.0) as usize;
    let reach = (0.4 / px_to_mm).ceil() as usize;
    // OCR reads words into the speckle of grey wall fills and between window lines: a
    // box that a line runs right through, in one side and out the other, or that is
    // ringed with ink for more than a third, is not a word (words stand on paper).
    let not_a_word = |mask: &[u8], x0: usize, x1: usize, y0: usize, y1: usize| {
        let (xa, xb) = (x0.saturating_sub(reach), (x1 + reach).min(w - 1));
        let (ya, yb) = (y0.saturating_sub(reach), (y1 + reach).min(h - 1));
        let through = (y0..y1).any(|y| mask[y * w + xa..=y * w + xb].iter().all(|&m| m != 0))
            || (x0..x1).any(|x| (ya..=yb).all(|y| mask[y * w + x] != 0));
        let ring = (xa..=xb)
            .flat_map(|x| [(x, ya), (x, yb)])
            .chain((ya..=yb).flat_map(|y| [(xa, y), (xb, y)]));
        let (mut inked, mut all) = (0usize, 0usize);
        for (x, y) in ring {
            all += 1;
            inked += usize::from(mask[y * w + x] != 0);
        }
        through || inked * 3 > all
    };
    for b in text {
        let (x0, x1) = (px(b.x0).min(w), (px(b.x1) + 1).min(w));
        let (y0, y1) = (px(b.y0).min(h), (px(b.y1) + 1).min(h));
        if x0 >= x1 || y0 >= y1 || not_a_word(&mask, x0, x1, y0, y1) {
            continue;
        }
        for y in y0..y1 {
            mask[y * w + x0..y * w + x1].fill(0);
        }
    }
    let mask_t = transpose(&mask, w, h);
    let gray_t = transpose(gray.as_raw(), w, h);
    let p = Params::new(px_to_mm);
    let (rows, cols) = rayon::join(
        || strokes(&mask, &gray_t, w, h, &p, &levels),
        || strokes(&mask_t, gray.as_raw(), h, w, &p, &levels),
    );
    // A filled wall read the other way is cut into short pieces as long as the wall is
    // thick (noise and grey fills break it where a clean fill would be one band too wide to
    // keep): a stroke lying wholly inside a band of the other direction is such a cut.
    let tol = 2.0;
    let bands = |list: &[Stroke]| -> Vec<[f64; 4]> {
        list.iter()
            // A band shorter than it is thick is itself a cut through a wall the other way.
            .filter(|s| s.ink_mm >= BAND_INK_MM && s.end - s.start >= 1.5 * s.thick)
            .map(|s| {
                let lo = s.top0.min(s.top1);
                let hi = s.bot0.max(s.bot1);
                [s.start, s.end, lo, hi]
            })
            .collect()
    };
    let (row_bands, col_bands) = (bands(&rows), bands(&cols));
    // `across` bands are [along0, along1, across0, across1] in their own direction; a stroke
    // of the other direction runs along their across axis.
    let inside = |s: &Stroke, across: &[[f64; 4]]| {
        let (lo, hi) = (
            s.c0.min(s.c1) - s.thick / 2.0,
            s.c0.max(s.c1) + s.thick / 2.0,
        );
        across.iter().any(|b| {
            s.start >= b[2] - tol && s.end <= b[3] + tol && lo >= b[0] - tol && hi <= b[1] + tol
        })
    };
    let rows: Vec<Stroke> = rows
        .into_iter()
        .filter(|s| !inside(s, &col_bands))
        .collect();
    let cols: Vec<Stroke> = cols
        .into_iter()
        .filter(|s| !inside(s, &row_bands))
        .collect();
    let mut segments = Vec::new();
    let mut path = 0u32;
    // Thin strokes: (index in `segments`, horizontal, index in its list).
    let mut thin: Vec<(usize, bool, usize)> = Vec::new();
    for (horizontal, list) in [(true, &rows), (false, &cols)] {
        for (i, s) in list.iter().enumerate() {
            let to_pt = |along: f64, across: f64| {
                if horizontal {
                    Pt::new(along * px_to_mm, across * px_to_mm)
                } else {
                    Pt::new(across * px_to_mm, along * px_to_mm)
                }
            };
            let len_mm = (s.end - s.start) * px_to_mm;
            let thick_mm = s.thick * px_to_mm;
            if len_mm < MIN_LEN_MM {
                continue;
            }
            if s.ink_mm >= BAND_INK_MM {
                // A band shorter than it is thick is a cut through a wall the other way.
                if thick_mm > MAX_BAND_MM || len_mm < 1.5 * thick_mm {
                    continue;
                }
                let inset = FACE_INSET_MM / px_to_mm;
                for (c0, c1) in [
                    (s.top0 + inset, s.top1 + inset),
                    (s.bot0 - inset, s.bot1 - inset),
                ] {
                    segments.push(Segment {
                        a: to_pt(s.start, c0),
                        b: to_pt(s.end, c1),
                        width_mm: FACE_PEN_MM,
                        path,
                        fill: false,
                    });
                }
            } else {
                thin.push((segments.len(), horizontal, i));
                // Short heavy strokes are ticks, extension lines crossed by ticks and
                // symbols far more often than bits of wall face.
                let width_mm = if len_mm < MIN_HEAVY_MM {
                    s.ink_mm.min(0.25)
                } else {
                    s.ink_mm
                };
                segments.push(Segment {
                    a: to_pt(s.start, s.c0),
                    b: to_pt(s.end, s.c1),
                    width_mm,
                    path,
                    fill: false,
                });
            }
            path += 1;
        }
    }
    let ink = |x: f64, y: f64| {
        let (xi, yi) = (x.round(), y.round());
        xi >= 0.0
            && yi >= 0.0
            && (xi as usize) < w
            && (yi as usize) < h
            && binary.as_raw()[yi as usize * w + xi as usize] < 128
    };
    let mut curves: Vec<Curve> = Vec::new();
    let mut found: Vec<(Pt, f64)> = Vec::new();
    for &(k, horizontal, i) in &thin {
        let s = if horizontal { &rows[i] } else { &cols[i] };
        let len_mm = (s.end - s.start) * px_to_mm;
        if !(DOOR_MIN_MM..=DOOR_MAX_MM).contains(&len_mm) || s.ink_mm > 0.8 {
            continue;
        }
        let at = |along: f64| {
            let c = s.c0 + (s.c1 - s.c0) * (along - s.start) / (s.end - s.start).max(1.0);
            if horizontal { (along, c) } else { (c, along) }
        };
        let ends = [at(s.start), at(s.end)];
        let best = [(0, 1), (1, 0)]
            .into_iter()
            .filter_map(|(hi, ti)| swing(&ink, ends[hi], ends[ti], px_to_mm))
            .max_by(|a, b| a.4.total_cmp(&b.4));
        let Some((hinge, r, a0, turn, _)) = best else {
            continue;
        };
        let hinge = Pt::new(hinge.0 * px_to_mm, hinge.1 * px_to_mm);
        let r_mm = r * px_to_mm;
        if found
            .iter()
            .any(|(c, fr)| c.dist(hinge) < 0.2 * r_mm && (fr - r_mm).abs() < 0.2 * r_mm)
        {
            continue;
        }
        found.push((hinge, r_mm));
        let points: Vec<Pt> = (0..=ARC_POINTS)
            .map(|j| {
                let a = a0 + turn * std::f64::consts::FRAC_PI_2 * j as f64 / ARC_POINTS as f64;
                Pt::new(hinge.x + r_mm * a.cos(), hinge.y + r_mm * a.sin())
            })
            .collect();
        // The leaf, from the hinge to the swing's start.
        segments[k].a = hinge;
        segments[k].b = points[0];
        curves.push(Curve {
            points,
            path,
            fill: false,
        });
        path += 1;
    }
    (segments, curves)
}

/// Leaf lengths looked for, mm on paper (0.5 to 1.4 m from 1:20 to 1:200, roughly).
const DOOR_MIN_MM: f64 = 3.0;
const DOOR_MAX_MM: f64 = 40.0;
/// Points given per swing.
const ARC_POINTS: usize = 16;
/// Samples checked along a swing, and the share that must find a thin arc.
const ARC_SAMPLES: usize = 30;
const ARC_COVER: f64 = 0.8;
/// Most of a circle inside a swing that may find ink (text, a crossing line).
const MAX_INNER_COVER: f64 = 0.4;

/// A found swing: hinge (px), radius (px), start angle, turn (+1 or -1) and score.
type Swing = ((f64, f64), f64, f64, f64, f64);

/// A door swing whose leaf ends at `tip` (pixels) and lies towards `toward`, when there is
/// one: the hinge (on the leaf, where the swing's centre fits the ink best, which need not
/// be the line's end: a leaf drawn from a wall runs on into it), the radius, the start
/// angle and the turn (+1 or -1: the quarter goes that way).
fn swing(
    ink: &impl Fn(f64, f64) -> bool,
    toward: (f64, f64),
    tip: (f64, f64),
    px_to_mm: f64,
) -> Option<Swing> {
    let (dx, dy) = (toward.0 - tip.0, toward.1 - tip.1);
    let len = dx.hypot(dy);
    if len < 4.0 {
        return None;
    }
    let (ux, uy) = (dx / len, dy / len);
    // The swing starts at the tip: the angle from the hinge to the tip.
    let a0 = (-uy).atan2(-ux);
    let tol = (0.3 / px_to_mm).max(1.5);
    let clear = tol + (0.3 / px_to_mm).max(2.0);
    let mut best: Option<Swing> = None;
    let (r0, r1) = ((0.7 * len).floor() as i64, (len + tol).ceil() as i64);
    // Samples of the quarter circle of radius `r` about `hinge` turning `turn` that find
    // ink within `tol` of it, and of those how many find paper `clear` beyond on both sides.
    let ring = |hinge: (f64, f64), r: f64, turn: f64| {
        let mut hits = 0usize;
        let mut thin = 0usize;
        for j in 0..ARC_SAMPLES {
            // Skip the ends, where the leaf and the jamb are.
            let f = 0.06 + 0.88 * (j as f64 + 0.5) / ARC_SAMPLES as f64;
            let a = a0 + turn * std::f64::consts::FRAC_PI_2 * f;
            let (c, s) = (a.cos(), a.sin());
            let p = |d: f64| (hinge.0 + (r + d) * c, hinge.1 + (r + d) * s);
            let steps = tol.ceil() as i64;
            let hit = (0..=steps)
                .flat_map(|d| [d, -d])
                .map(|d| (d as f64).clamp(-tol, tol))
                .find(|&d| {
                    let q = p(d);
                    ink(q.0, q.1)
                });
            if let Some(d) = hit {
                hits += 1;
                let (o, i) = (p(d + clear), p(d - clear));
                if !ink(o.0, o.1) && !ink(i.0, i.1) {
                    thin += 1;
                }
            }
        }
        (hits as f64 / ARC_SAMPLES as f64, thin)
    };
    for turn in [1.0, -1.0] {
        for ri in r0..=r1 {
            let r = ri as f64;
            let hinge = (tip.0 + r * ux, tip.1 + r * uy);
            let (cover, thin) = ring(hinge, r, turn);
            if cover < ARC_COVER || (thin as f64) < 0.6 * ARC_SAMPLES as f64 {
                continue;
            }
            // A swing is ink on one circle and paper inside it: on a noisy scan specks
            // within a pixel or two of any circle pass the test above, and they pass it
            // as well on a smaller circle about the same hinge.
            let inner = r - (4.0 * tol).max(0.15 * r);
            if inner > 2.0 * tol && ring(hinge, inner, turn).0 > MAX_INNER_COVER {
                continue;
            }
            let score = cover + thin as f64 / ARC_SAMPLES as f64 * 0.01;
            if best.is_none_or(|b| score > b.4) {
                best = Some((hinge, r, a0, turn, score));
            }
        }
    }
    best
}

/// Paper and ink grey levels of the picture.
struct Levels {
    paper: f32,
    contrast: f32,
}

impl Levels {
    /// Paper: the median grey. Ink: the median grey inside strokes (pixels whose whole
    /// 3x3 neighbourhood is ink), not of every ink pixel, which counts blurred edges,
    /// hatching and noise specks.
    fn measure(binary: &[u8], gray: &[u8], w: usize) -> Levels {
        let mut all = [0u64; 256];
        let mut ink = [0u64; 256];
        let h = binary.len() / w.max(1);
        for y in (1..h.saturating_sub(1)).step_by(2) {
            for x in (1..w - 1).step_by(2) {
                let i = y * w + x;
                let g = gray[i] as usize;
                all[g] += 1;
                let core = [
                    i - w - 1,
                    i - w,
                    i - w + 1,
                    i - 1,
                    i,
                    i + 1,
                    i + w - 1,
                    i + w,
                    i + w + 1,
                ]
                .iter()
                .all(|&j| binary[j] < 128);
                if core {
                    ink[g] += 1;
                }
            }
        }
        let pct = |hist: &[u64; 256], q: f64| {
            let total: u64 = hist.iter().sum();
            let target = (total as f64 * q) as u64;
            let mut acc = 0;
            for (v, &n) in hist.iter().enumerate() {
                acc += n;
                if acc > target {
                    return v as f32;
                }
            }
            255.0
        };
        let paper = pct(&all, 0.5);
        let dark = pct(&ink, 0.5).min(paper - 40.0);
        Levels {
            paper,
            contrast: (paper - dark).max(1.0),
        }
    }
}

struct Params {
    min_run: usize,
    gap: usize,
    /// Widest hole of paper inside ink that is taken for noise, px.
    hole: usize,
    margin: usize,
    /// Change of ink across (px) that ends a stroke: a window line after a wall face.
    ink_tol: f64,
    px_to_mm: f64,
}

impl Params {
    fn new(px_to_mm: f64) -> Params {
        Params {
            min_run: (MIN_RUN_MM / px_to_mm).round().max(4.0) as usize,
            gap: (0.5 / px_to_mm).round().max(2.0) as usize,
            hole: (0.15 / px_to_mm).round().max(1.0) as usize,
            margin: (0.2 / px_to_mm).round().max(2.0) as usize,
            ink_tol: 0.1 / px_to_mm,
            px_to_mm,
        }
    }
}

fn transpose<T: Copy + Default + Send + Sync>(src: &[T], w: usize, h: usize) -> Vec<T> {
    const B: usize = 64;
    let mut out = vec![T::default(); w * h];
    // Bands of output rows (input columns) in parallel.
    out.par_chunks_mut(B * h)
        .enumerate()
        .for_each(|(band, dst)| {
            let x0 = band * B;
            let x1 = (x0 + B).min(w);
            for y0 in (0..h).step_by(B) {
                let y1 = (y0 + B).min(h);
                for y in y0..y1 {
                    let row = &src[y * w..];
                    for x in x0..x1 {
                        dst[(x - x0) * h + y] = row[x];
                    }
                }
            }
        });
    out
}

/// A stroke along the rows: `start..end` along (pixels), its centre line from `c0` to
/// `c1` across, its top and bottom edges, mean thickness (px) and ink across (mm).
#[derive(Debug, Clone, Copy)]
struct Stroke {
    start: f64,
    end: f64,
    c0: f64,
    c1: f64,
    top0: f64,
    top1: f64,
    bot0: f64,
    bot1: f64,
    thick: f64,
    ink_mm: f64,
}

/// A stroke being stacked: its slices' edges, for a fit of its edges along x.
#[derive(Debug, Clone, Default)]
struct Open {
    first: usize,
    last: usize,
    lo: usize,
    hi: usize,
    n: f64,
    sthick: f64,
    sink: f64,
    /// (x, top, bottom) of each slice.
    edges: Vec<(u32, u32, u32)>,
}

impl Open {
    fn add(&mut self, x: usize, lo: usize, hi: usize, ink: f64) {
        self.last = x;
        self.lo = lo;
        self.hi = hi;
        self.n += 1.0;
        self.sthick += (hi + 1 - lo) as f64;
        self.sink += ink;
        self.edges.push((x as u32, lo as u32, hi as u32 + 1));
    }

    fn thick(&self) -> f64 {
        self.sthick / self.n
    }

    /// Each edge at the median of its slices: a speck glued to an edge or a notch cut by
    /// a word's box moves a least-squares line, not a median. The sheet is straightened
    /// and only rows and columns are looked along, so strokes are level.
    fn finish(&self, px_to_mm: f64) -> Stroke {
        let fit = |pick: fn(&(u32, u32, u32)) -> u32| {
            let mut v: Vec<u32> = self.edges.iter().map(pick).collect();
            let k = v.len() / 2;
            let (_, m, _) = v.select_nth_unstable(k);
            (*m as f64, *m as f64)
        };
        let (top0, top1) = fit(|e| e.1);
        let (bot0, bot1) = fit(|e| e.2);
        Stroke {
            start: self.first as f64,
            end: self.last as f64 + 1.0,
            c0: (top0 + bot0) / 2.0,
            c1: (top1 + bot1) / 2.0,
            top0,
            top1,
            bot0,
            bot1,
            thick: self.thick(),
            ink_mm: self.sink / self.n * px_to_mm,
        }
    }
}

/// The end (exclusive) of the run of ink starting at `from`, which goes on across gaps of
/// up to `hole` pixels: salt noise pierces fills and lines, and two specks a little
/// apart would otherwise cut a wall body in two along a whole row.
fn run_end(line: &[u8], from: usize, hole: usize) -> usize {
    let mut x = from;
    loop {
        while x < line.len() && line[x] != 0 {
            x += 1;
        }
        let gap = line[x..]
            .iter()
            .take(hole + 1)
            .take_while(|&&v| v == 0)
            .count();
        if gap == 0 || gap > hole || x + gap >= line.len() {
            return x;
        }
        x += gap;
    }
}

/// Strokes along the rows of `mask` (`w` x `h`); `gray_t` is the picture transposed.
fn strokes(mask: &[u8], gray_t: &[u8], w: usize, h: usize, p: &Params, lv: &Levels) -> Vec<Stroke> {
    // Ink on long runs along the rows.
    let mut long = vec![0u8; w * h];
    long.par_chunks_mut(w)
        .zip(mask.par_chunks(w))
        .for_each(|(dst, row)| {
            let mut x = 0;
            while x < w {
                if row[x] != 0 {
                    let s = x;
                    let e = run_end(row, x, p.hole);
                    x = e;
                    if e - s >= p.min_run {
                        dst[s..e].fill(1);
                    }
                } else {
                    x += 1;
                }
            }
        });
    let long_t = transpose(&long, w, h);
    drop(long);
    // Slices per column (a row of the transposed mask): (lo, hi, ink across in px).
    let slices: Vec<Vec<(usize, usize, f64)>> = (0..w)
        .into_par_iter()
        .map(|x| {
            let col = &long_t[x * h..(x + 1) * h];
            let g = &gray_t[x * h..(x + 1) * h];
            let mut out = Vec::new();
            let mut y = 0;
            while y < h {
                if col[y] != 0 {
                    let s = y;
                    y = run_end(col, y, p.hole);
                    let (a, b) = (s.saturating_sub(p.margin), (y + p.margin).min(h));
                    let ink: f32 = g[a..b]
                        .iter()
                        .map(|&v| ((lv.paper - v as f32) / lv.contrast).clamp(0.0, 1.2))
                        .sum();
                    out.push((s, y - 1, ink as f64));
                } else {
                    y += 1;
                }
            }
            out
        })
        .collect();
    let mut open: Vec<Open> = Vec::new();
    let mut done: Vec<Stroke> = Vec::new();
    for (x, col) in slices.iter().enumerate() {
        let mut taken = vec![false; open.len()];
        let mut next: Vec<Open> = Vec::with_capacity(open.len() + col.len());
        for &(lo, hi, ink) in col {
            let t = (hi - lo + 1) as f64;
            // The open stroke this slice continues: overlapping, of about its thickness.
            let end = open.partition_point(|o| o.lo <= hi + 1);
            let best = (end.saturating_sub(8)..end)
                .map(|i| (i, &open[i]))
                .filter(|(i, o)| {
                    !taken[*i] && lo <= o.hi + 1 && hi + 1 >= o.lo && {
                        let ot = o.thick();
                        let oi = o.sink / o.n;
                        (t - ot).abs() <= (0.25 * ot).max(2.0)
                            && (ink - oi).abs() <= (0.25 * oi).max(p.ink_tol)
                    }
                })
                .max_by(|a, b| a.1.n.total_cmp(&b.1.n))
                .map(|(i, _)| i);
            match best {
                Some(i) => {
                    taken[i] = true;
                    // Its slices move over; the rest stays for the search above.
                    let edges = std::mem::take(&mut open[i].edges);
                    let mut o = Open {
                        edges,
                        ..open[i].clone()
                    };
                    o.add(x, lo, hi, ink);
                    next.push(o);
                }
                None => {
                    let mut o = Open {
                        first: x,
                        ..Open::default()
                    };
                    o.add(x, lo, hi, ink);
                    next.push(o);
                }
            }
        }
        for (i, o) in open.into_iter().enumerate() {
            if taken[i] {
                continue;
            }
            if x - o.last <= p.gap {
                next.push(o);
            } else {
                done.push(o.finish(p.px_to_mm));
            }
        }
        next.sort_by_key(|o| o.lo);
        open = next;
    }
    done.extend(open.iter().map(|o| o.finish(p.px_to_mm)));
    done
}
