//! Walls from their drawn faces: two parallel heavy lines a wall's thickness apart. Pairs
//! give wall pieces; collinear pieces of one thickness join across openings (a wall's
//! length includes its doors and windows) but not across a wall that crosses them; pieces
//! that only fill another wall's band (a window's glass line) are dropped; L corners are
//! closed to the axes, so an exterior wall measures corner to corner on its axis.

use serde::{Deserialize, Serialize};

use super::page::{BBox, Pt, Segment};

#[derive(Debug, Clone, Copy)]
pub struct WallOptions {
    /// Plan scale denominator.
    pub scale: f64,
    /// Thinnest and thickest walls looked for, in metres.
    pub min_thickness_m: f64,
    pub max_thickness_m: f64,
    /// Thinnest pen that draws wall faces, in paper millimetres (cut lines are heavy).
    pub min_pen_mm: f64,
    /// Widest opening bridged along a wall, in metres.
    pub max_opening_m: f64,
}

impl WallOptions {
    pub fn new(scale: f64) -> Self {
        Self {
            scale,
            min_thickness_m: 0.05,
            max_thickness_m: 0.45,
            min_pen_mm: 0.3,
            max_opening_m: 2.6,
        }
    }
}

/// A straight wall: its axis on the paper and its thickness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Wall {
    pub a: Pt,
    pub b: Pt,
    pub thickness_m: f64,
    pub length_m: f64,
}

/// A run along a direction: `off` is the axis position across, `s0..s1` along.
#[derive(Debug, Clone, Copy)]
struct Run {
    dir: usize,
    off: f64,
    t: f64,
    s0: f64,
    s1: f64,
}

/// A heavy line in its direction's frame: offset across, start and end along.
type Line = (f64, f64, f64);

/// Directions are bucketed by angle: 0 = horizontal, 1 = vertical, others for oblique walls.
fn frame(angle_deg: f64) -> (f64, f64) {
    let a = angle_deg.to_radians();
    (a.cos(), a.sin())
}

fn coords(p: Pt, (ux, uy): (f64, f64)) -> (f64, f64) {
    (p.x * ux + p.y * uy, -p.x * uy + p.y * ux)
}

pub fn find(segments: &[Segment], excluded: &[BBox], opt: &WallOptions) -> Vec<Wall> {
    let k = 1000.0 / opt.scale; // paper mm per metre
    let (tmin, tmax) = (opt.min_thickness_m * k, opt.max_thickness_m * k);
    let min_len = 0.08 * k;
    // Heavy strokes, out of the title block and tables, bucketed by direction.
    let mut by_dir: Vec<(f64, Vec<Line>)> = Vec::new();
    for s in segments {
        if s.fill || s.width_mm + 1e-9 < opt.min_pen_mm || s.len() < min_len {
            continue;
        }
        let m = s.a.mid(s.b);
        if excluded.iter().any(|b| b.contains(m)) {
            continue;
        }
        let ang = s.angle_deg();
        let slot = match by_dir
            .iter()
            .position(|(a, _)| ((a - ang).abs()).min(180.0 - (a - ang).abs()) < 0.5)
        {
            Some(i) => i,
            None => {
                by_dir.push((ang, Vec::new()));
                by_dir.len() - 1
            }
        };
        let f = frame(by_dir[slot].0);
        let (sa, oa) = coords(s.a, f);
        let (sb, ob) = coords(s.b, f);
        by_dir[slot]
            .1
            .push(((oa + ob) / 2.0, sa.min(sb), sa.max(sb)));
    }
    let mut runs: Vec<Run> = Vec::new();
    for (dir, (_, lines)) in by_dir.iter_mut().enumerate() {
        lines.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut pieces: Vec<Run> = Vec::new();
        for i in 0..lines.len() {
            let (oi, a0, a1) = lines[i];
            // The nearest parallel line at a wall's distance that overlaps this one.
            for &(oj, b0, b1) in &lines[i + 1..] {
                let t = oj - oi;
                if t > tmax {
                    break;
                }
                if t < tmin {
                    continue;
                }
                let (s0, s1) = (a0.max(b0), a1.min(b1));
                if s1 - s0 >= min_len {
                    pieces.push(Run {
                        dir,
                        off: (oi + oj) / 2.0,
                        t,
                        s0,
                        s1,
                    });
                }
            }
        }
        // A piece inside the band of a thicker one is a window or hatch line, not a wall.
        let keep: Vec<bool> = pieces
            .iter()
            .map(|p| {
                !pieces.iter().any(|q| {
                    q.t > p.t * 1.2
                        && (p.off - q.off).abs() + p.t / 2.0 <= q.t / 2.0 + 0.05 * q.t
                        && p.s1.min(q.s1) - p.s0.max(q.s0) > 0.5 * (p.s1 - p.s0)
                })
            })
            .collect();
        runs.extend(
            pieces
                .into_iter()
                .zip(keep)
                .filter_map(|(p, k)| k.then_some(p)),
        );
    }
    let runs = merge(runs, opt.max_opening_m * k);
    let runs = close_corners(runs, &by_dir.iter().map(|d| d.0).collect::<Vec<_>>());
    runs.iter()
        .map(|r| {
            let (ux, uy) = frame(by_dir[r.dir].0);
            let p = |s: f64| Pt::new(s * ux - r.off * uy, s * uy + r.off * ux);
            Wall {
                a: p(r.s0),
                b: p(r.s1),
                thickness_m: (r.t / k * 100.0).round() / 100.0,
                length_m: (r.s1 - r.s0) / k,
            }
        })
        .collect()
}

/// Joins collinear pieces of one thickness across gaps up to `max_gap`, unless a wall
/// crosses the gap from one side of the band to the other.
fn merge(mut runs: Vec<Run>, max_gap: f64) -> Vec<Run> {
    runs.sort_by(|a, b| {
        (a.dir, a.off.round() as i64)
            .cmp(&(b.dir, b.off.round() as i64))
            .then(a.s0.total_cmp(&b.s0))
    });
    let all = runs.clone();
    let mut out: Vec<Run> = Vec::new();
    let mut used = vec![false; runs.len()];
    for i in 0..runs.len() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let mut cur = runs[i];
        loop {
            // The next piece on the same axis with the same thickness, nearest ahead.
            let next = (0..runs.len())
                .filter(|&j| !used[j])
                .filter(|&j| {
                    let r = &runs[j];
                    r.dir == cur.dir
                        && (r.off - cur.off).abs() < 0.25 * cur.t.min(r.t)
                        && (r.t - cur.t).abs() < 0.15 * cur.t
                        && r.s0 <= cur.s1 + max_gap
                        && r.s1 > cur.s0
                })
                .min_by(|&a, &b| runs[a].s0.total_cmp(&runs[b].s0));
            let Some(j) = next else { break };
            let r = runs[j];
            if r.s0 > cur.s1 + 1e-6 && crossed(&all, &cur, cur.s1, r.s0) {
                break;
            }
            used[j] = true;
            cur.s0 = cur.s0.min(r.s0);
            cur.s1 = cur.s1.max(r.s1);
            cur.off = (cur.off + r.off) / 2.0;
        }
        out.push(cur);
    }
    // Runs wholly inside another run on the same axis are the same wall.
    let keep: Vec<bool> = out
        .iter()
        .enumerate()
        .map(|(i, a)| {
            !out.iter().enumerate().any(|(j, b)| {
                i != j
                    && a.dir == b.dir
                    && (a.off - b.off).abs() < 0.25 * a.t.min(b.t)
                    && (a.t - b.t).abs() < 0.15 * a.t
                    && b.s0 <= a.s0 + 1e-6
                    && b.s1 >= a.s1 - 1e-6
                    && (b.s1 - b.s0 > a.s1 - a.s0 || j < i)
            })
        })
        .collect();
    out.into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}

/// Is the gap `g0..g1` along `run` crossed by a perpendicular wall that extends past both
/// faces of the run?
fn crossed(all: &[Run], run: &Run, g0: f64, g1: f64) -> bool {
    all.iter().any(|q| {
        q.dir != run.dir
            && q.off - q.t / 2.0 < g1
            && q.off + q.t / 2.0 > g0
            && q.s0 < run.off - run.t / 2.0 - 0.25 * q.t
            && q.s1 > run.off + run.t / 2.0 + 0.25 * q.t
    })
}

/// Extends the ends of runs that meet another run in an L (both end there) to the other
/// run's axis, so that the corner is counted once on each axis as drawings are measured.
fn close_corners(mut runs: Vec<Run>, dirs: &[f64]) -> Vec<Run> {
    let n = runs.len();
    let snapshot = runs.clone();
    for i in 0..n {
        let r = snapshot[i];
        let (ur, _) = (frame(dirs[r.dir]), ());
        for end in [0, 1] {
            let s_end = if end == 0 { r.s0 } else { r.s1 };
            // The end point on the page.
            let p = Pt::new(s_end * ur.0 - r.off * ur.1, s_end * ur.1 + r.off * ur.0);
            for q in snapshot.iter() {
                if q.dir == r.dir {
                    continue;
                }
                let uq = frame(dirs[q.dir]);
                // Only square corners are closed.
                let dot = (ur.0 * uq.0 + ur.1 * uq.1).abs();
                if dot > 0.05 {
                    continue;
                }
                let (sq, oq) = coords(p, uq);
                // The end sits on q's face, and within q's extent near one of q's ends.
                let on_face = ((oq - q.off).abs() - q.t / 2.0).abs() < 0.3 * q.t.max(r.t);
                let near_end = (sq - q.s0).abs() < q.t.max(r.t) * 1.2
                    || (sq - q.s1).abs() < q.t.max(r.t) * 1.2;
                if on_face && near_end {
                    let ext = q.t / 2.0;
                    if end == 0 {
                        runs[i].s0 = r.s0 - ext;
                    } else {
                        runs[i].s1 = r.s1 + ext;
                    }
                    break;
                }
            }
        }
    }
    runs
}

/// Second pass over the walls found, with the doors known: a partition whose end stops
/// short of a wall across it, with a door in between, runs on to that wall's face (its
/// length includes the door, as a drawing is measured); and a piece shorter than it is
/// thick, or lying wholly inside the body of a wall across it (the two faces of a
/// partition where it meets that wall), is not a wall, nor is one that meets no other.
pub fn tidy(walls: Vec<Wall>, doors: &[BBox], opt: &WallOptions) -> Vec<Wall> {
    let k = 1000.0 / opt.scale;
    let unit = |w: &Wall| {
        let (dx, dy) = (w.b.x - w.a.x, w.b.y - w.a.y);
        let l = dx.hypot(dy).max(1e-9);
        (dx / l, dy / l)
    };
    // Position of `p` in `q`'s frame: along its axis from `q.a`, and across it.
    let local = |q: &Wall, p: Pt| coords(Pt::new(p.x - q.a.x, p.y - q.a.y), unit(q));
    let square = |a: &Wall, b: &Wall| {
        let (u, v) = (unit(a), unit(b));
        (u.0 * v.0 + u.1 * v.1).abs() < 0.05
    };
    let inside = |w: &Wall, q: &Wall| {
        let t = q.thickness_m * k;
        let len = q.a.dist(q.b);
        w.a.dist(w.b) <= 1.5 * t
            && [w.a, w.b].iter().all(|&p| {
                let (s, o) = local(q, p);
                o.abs() <= 0.6 * t && s >= -0.6 * t && s <= len + 0.6 * t
            })
    };
    let kept: Vec<Wall> = walls
        .iter()
        .filter(|w| w.length_m >= w.thickness_m)
        .filter(|w| !walls.iter().any(|q| square(w, q) && inside(w, q)))
        .copied()
        .collect();
    // Distance between two walls' axes (segments), on the paper.
    let apart = |a: &Wall, b: &Wall| {
        let seg_pt = |p: Pt, q: &Wall| {
            let (dx, dy) = (q.b.x - q.a.x, q.b.y - q.a.y);
            let l2 = (dx * dx + dy * dy).max(1e-12);
            let t = (((p.x - q.a.x) * dx + (p.y - q.a.y) * dy) / l2).clamp(0.0, 1.0);
            p.dist(Pt::new(q.a.x + t * dx, q.a.y + t * dy))
        };
        seg_pt(a.a, b)
            .min(seg_pt(a.b, b))
            .min(seg_pt(b.a, a))
            .min(seg_pt(b.b, a))
    };
    let mut out = kept.clone();
    for w in out.iter_mut() {
        let (ux, uy) = unit(w);
        for end in [0, 1] {
            let (p, dir) = if end == 0 {
                (w.a, (-ux, -uy))
            } else {
                (w.b, (ux, uy))
            };
            // The nearest wall across, ahead of this end within an opening's width.
            // (gap to its face, half its thickness when the end meets it at its end: a
            // corner, closed to the axes as `close_corners` does).
            let target = kept
                .iter()
                .filter(|q| square(w, q))
                .filter_map(|q| {
                    let (s, o) = local(q, p);
                    let len = q.a.dist(q.b);
                    let t = q.thickness_m * k;
                    if s < -t || s > len + t {
                        return None;
                    }
                    // Distance to q's near face, going `dir`.
                    let (qx, qy) = unit(q);
                    let toward = -(dir.0 * -qy + dir.1 * qx) * o.signum();
                    let gap = o.abs() - t / 2.0;
                    // An end inside q's body is at q, whichever side of its axis.
                    if gap <= 0.3 * k {
                        return Some((gap.max(0.0), 0.0));
                    }
                    let corner = if s < t || s > len - t { t / 2.0 } else { 0.0 };
                    (toward > 0.9).then_some((gap, corner))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            // Already at a wall, or too far from the next one for a door.
            let Some((gap, corner)) =
                target.filter(|&(g, _)| g > 0.3 * k && g <= opt.max_opening_m * k)
            else {
                continue;
            };
            let face = Pt::new(p.x + dir.0 * gap, p.y + dir.1 * gap);
            // A door in the gap: its symbol reaches the axis between the end and the face.
            let probe = BBox::from_points([p, face]).grow(w.thickness_m * k + 0.5);
            let door = doors
                .iter()
                .any(|d| d.x0 < probe.x1 && d.x1 > probe.x0 && d.y0 < probe.y1 && d.y1 > probe.y0);
            if !door {
                continue;
            }
            let to = Pt::new(face.x + dir.0 * corner, face.y + dir.1 * corner);
            if end == 0 {
                w.a = to;
            } else {
                w.b = to;
            }
        }
        w.length_m = w.a.dist(w.b) / k;
    }
    // A wall that meets no other is a drawn bar or a frame, not part of a building: a
    // scale bar whose labels OCR missed has two long parallel edges a wall's thickness apart.
    let out: Vec<Wall> = out
        .iter()
        .filter(|w| {
            out.iter().any(|q| {
                !std::ptr::eq(*w, q)
                    && apart(w, q) <= (w.thickness_m + q.thickness_m) * k / 2.0 + 0.3 * k
            })
        })
        .copied()
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wall at 1:100 (10 paper mm per metre) from (x0, y0) to (x1, y1) in metres.
    fn wall(x0: f64, y0: f64, x1: f64, y1: f64, t: f64) -> Wall {
        let (a, b) = (Pt::new(x0 * 10.0, y0 * 10.0), Pt::new(x1 * 10.0, y1 * 10.0));
        Wall {
            a,
            b,
            thickness_m: t,
            length_m: a.dist(b) / 10.0,
        }
    }

    fn door_box(x0: f64, y0: f64, x1: f64, y1: f64) -> BBox {
        BBox::from_points([Pt::new(x0 * 10.0, y0 * 10.0), Pt::new(x1 * 10.0, y1 * 10.0)])
    }

    #[test]
    fn a_partition_stopped_by_a_door_runs_on_to_the_wall_it_meets() {
        let opt = WallOptions::new(100.0);
        // Exterior walls on x = 0 and x = 6 (0.2 m), a partition from x = 1.0 to the
        // second one on y = 3: a 0.9 m door between x = 0.1 (the first one's face) and 1.0,
        // swinging up.
        let walls = vec![
            wall(0.0, 0.0, 0.0, 8.0, 0.2),
            wall(6.0, 0.0, 6.0, 8.0, 0.2),
            wall(1.0, 3.0, 5.9, 3.0, 0.1),
        ];
        let out = tidy(walls.clone(), &[door_box(0.1, 2.1, 1.0, 3.0)], &opt);
        let p = out
            .iter()
            .find(|w| w.thickness_m == 0.1)
            .expect("partition kept");
        assert!((p.length_m - 5.8).abs() < 1e-6, "{}", p.length_m);
        // Without a door the gap is an open end, left as drawn.
        let out = tidy(walls, &[], &opt);
        let p = out
            .iter()
            .find(|w| w.thickness_m == 0.1)
            .expect("partition kept");
        assert!((p.length_m - 4.9).abs() < 1e-6, "{}", p.length_m);
    }

    #[test]
    fn stubs_inside_a_wall_and_lone_lines_are_not_walls() {
        let opt = WallOptions::new(100.0);
        let walls = vec![
            wall(0.0, 0.0, 10.0, 0.0, 0.2),
            wall(0.0, 0.0, 0.0, 6.0, 0.2),
            // Across the first wall's body, shorter than that wall is thick.
            wall(5.0, -0.05, 5.0, 0.05, 0.1),
            // Shorter than it is thick.
            wall(3.0, 3.0, 3.1, 3.0, 0.3),
            // Far from everything: a scale bar's edges.
            wall(20.0, 20.0, 25.0, 20.0, 0.12),
        ];
        let out = tidy(walls, &[], &opt);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out.iter().all(|w| w.thickness_m == 0.2));
    }
}
