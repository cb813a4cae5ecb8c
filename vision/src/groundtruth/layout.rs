//! The floor plan in model space (metres, y up): a rectangular dwelling whose axis
//! rectangle is split recursively into rooms, the walls that result, the doors that connect
//! every room (and the entrance), the windows, and where each room's label goes.
//!
//! Positions snap to a grid (5 cm for partitions and 1 cm for openings; 2" and 1" on
//! imperial sheets) so that every dimension written on the sheet is exact.

use serde::{Deserialize, Serialize};

use super::label;
use super::rng::Rng;
use super::{DimFormat, SheetSpec};

const INCH: f64 = 0.0254;

/// An axis-aligned rectangle in model metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn w(&self) -> f64 {
        self.x1 - self.x0
    }
    pub fn h(&self) -> f64 {
        self.y1 - self.y0
    }
    pub fn area(&self) -> f64 {
        self.w() * self.h()
    }
    pub fn centre(&self) -> (f64, f64) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
    /// The interiors overlap once grown by `margin`.
    pub fn overlaps(&self, o: &Rect, margin: f64) -> bool {
        self.x0 < o.x1 + margin
            && o.x0 < self.x1 + margin
            && self.y0 < o.y1 + margin
            && o.y0 < self.y1 + margin
    }
    pub fn contains(&self, o: &Rect, eps: f64) -> bool {
        o.x0 >= self.x0 - eps
            && o.x1 <= self.x1 + eps
            && o.y0 >= self.y0 - eps
            && o.y1 <= self.y1 + eps
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Orient {
    /// Runs along x at `y = pos`.
    Horizontal,
    /// Runs along y at `x = pos`.
    Vertical,
}

/// Indices of the exterior walls in [`Layout::walls`].
pub const BOTTOM: usize = 0;
pub const TOP: usize = 1;
pub const LEFT: usize = 2;
pub const RIGHT: usize = 3;

/// A straight wall. `start..end` is its span along its axis between the axes of the walls
/// it meets (exterior walls: the corners of the axis rectangle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wall {
    pub orient: Orient,
    pub pos: f64,
    pub start: f64,
    pub end: f64,
    pub thickness: f64,
    pub exterior: bool,
    /// Thickness of the walls met at `start` and `end`.
    pub start_t: f64,
    pub end_t: f64,
    /// The walls met at `start` and `end`.
    pub start_wall: usize,
    pub end_wall: usize,
}

impl Wall {
    /// The span that counts as the wall's length: corner to corner on the axis rectangle
    /// for exterior walls, face to face of the walls met for partitions.
    pub fn measured(&self) -> (f64, f64) {
        if self.exterior {
            (self.start, self.end)
        } else {
            (self.start + self.start_t / 2.0, self.end - self.end_t / 2.0)
        }
    }

    /// The span of the drawn body. Exterior horizontal walls run over the corners, vertical
    /// ones between them, so that bodies never overlap.
    pub fn body(&self) -> (f64, f64) {
        match (self.exterior, self.orient) {
            (true, Orient::Horizontal) => {
                (self.start - self.start_t / 2.0, self.end + self.end_t / 2.0)
            }
            _ => (self.start + self.start_t / 2.0, self.end - self.end_t / 2.0),
        }
    }

    /// Model point at `along` the axis, `across` from it (towards +y or +x).
    pub fn point(&self, along: f64, across: f64) -> (f64, f64) {
        match self.orient {
            Orient::Horizontal => (along, self.pos + across),
            Orient::Vertical => (self.pos + across, along),
        }
    }

    /// The body rectangle between `a` and `b` along the wall.
    pub fn rect(&self, a: f64, b: f64) -> Rect {
        self.band(a, b, -self.thickness / 2.0, self.thickness / 2.0)
    }

    /// A rectangle `a..b` along, `c..d` across (relative to the axis).
    pub fn band(&self, a: f64, b: f64, c: f64, d: f64) -> Rect {
        let (p, q) = (self.point(a, c), self.point(b, d));
        Rect {
            x0: p.0.min(q.0),
            y0: p.1.min(q.1),
            x1: p.0.max(q.0),
            y1: p.1.max(q.1),
        }
    }
}

/// A room: its rectangle between wall axes, its inside-faces rectangle, and its walls
/// (left, right, bottom, top).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    /// Canonical name ("Chambre 1"); the sheet may abbreviate it.
    pub name: String,
    /// The name as written on this sheet.
    pub display: String,
    pub axis: Rect,
    pub inner: Rect,
    pub walls: [usize; 4],
    /// Inside area rounded to 0.01 m².
    pub area_m2: f64,
    pub label_lines: Vec<String>,
    /// The label block's centre (model) and size (metres).
    pub label_centre: (f64, f64),
    pub label_size: (f64, f64),
}

/// A door: an opening `a..b` along its wall, the hinge at `a` or `b`, swinging towards +y/+x
/// (`swing_positive`) or the other side, into `room`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Door {
    pub wall: usize,
    pub a: f64,
    pub b: f64,
    pub hinge_at_a: bool,
    pub swing_positive: bool,
    pub exterior: bool,
    pub room: usize,
}

impl Door {
    pub fn width(&self) -> f64 {
        self.b - self.a
    }

    /// The square the leaf sweeps.
    pub fn swing_rect(&self, walls: &[Wall]) -> Rect {
        let w = &walls[self.wall];
        let (t, d) = (w.thickness / 2.0, self.width());
        if self.swing_positive {
            w.band(self.a, self.b, t, t + d)
        } else {
            w.band(self.a, self.b, -t - d, -t)
        }
    }

    pub fn opening_rect(&self, walls: &[Wall]) -> Rect {
        walls[self.wall].rect(self.a, self.b)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub wall: usize,
    pub a: f64,
    pub b: f64,
    pub room: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The axis rectangle is `0..width_m` by `0..depth_m`.
    pub width_m: f64,
    pub depth_m: f64,
    pub ext_thickness_m: f64,
    pub imperial: bool,
    pub walls: Vec<Wall>,
    pub rooms: Vec<Room>,
    pub doors: Vec<Door>,
    pub windows: Vec<Window>,
}

impl Layout {
    /// Outer (faces) rectangle of the building.
    pub fn outer(&self) -> Rect {
        let t = self.ext_thickness_m / 2.0;
        Rect {
            x0: -t,
            y0: -t,
            x1: self.width_m + t,
            y1: self.depth_m + t,
        }
    }

    /// Body pieces of every wall with the openings cut out, and whether each is exterior.
    pub fn wall_pieces(&self) -> Vec<(Rect, bool)> {
        let mut out = Vec::new();
        for (i, w) in self.walls.iter().enumerate() {
            let mut cuts: Vec<(f64, f64)> = self
                .doors
                .iter()
                .filter(|d| d.wall == i)
                .map(|d| (d.a, d.b))
                .chain(
                    self.windows
                        .iter()
                        .filter(|o| o.wall == i)
                        .map(|o| (o.a, o.b)),
                )
                .collect();
            cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (mut s, e) = w.body();
            for (a, b) in cuts {
                if a > s {
                    out.push((w.rect(s, a), w.exterior));
                }
                s = s.max(b);
            }
            if e > s {
                out.push((w.rect(s, e), w.exterior));
            }
        }
        out
    }
}

/// Sizes and rules, metric or imperial.
struct Params {
    grid: f64,
    fine: f64,
    ext_t: f64,
    int_t: f64,
    thin_t: Option<f64>,
    min_side: f64,
    min_area: f64,
    doors: [f64; 3],
    entrance: [f64; 3],
}

fn params(spec: &SheetSpec) -> Params {
    if spec.imperial() || spec.dim_format == DimFormat::FeetInches {
        Params {
            grid: 2.0 * INCH,
            fine: INCH,
            ext_t: 8.0 * INCH,
            int_t: 4.0 * INCH,
            thin_t: None,
            min_side: 96.0 * INCH,
            min_area: 6.5,
            doors: [30.0 * INCH, 32.0 * INCH, 36.0 * INCH],
            entrance: [36.0 * INCH, 36.0 * INCH, 38.0 * INCH],
        }
    } else {
        Params {
            grid: 0.05,
            fine: 0.01,
            ext_t: 0.20,
            int_t: 0.10,
            thin_t: spec.thin_partitions.then_some(0.07),
            min_side: 2.4,
            min_area: 6.5,
            doors: [0.73, 0.83, 0.93],
            entrance: [0.90, 0.93, 1.00],
        }
    }
}

fn snap(v: f64, g: f64) -> f64 {
    (v / g).round() * g
}

/// Lays out the dwelling of `spec` so that its outer rectangle fits in `max_outer_m`
/// (width, depth in metres). Deterministic: the attempts are seeded from `spec.seed`.
pub fn generate(spec: &SheetSpec, max_outer_m: (f64, f64)) -> Layout {
    let p = params(spec);
    let mut last = None;
    for attempt in 0..500u64 {
        let mut rng = Rng::new(spec.seed ^ attempt.wrapping_mul(0xA076_1D64_78BD_642F));
        match attempt_layout(spec, &p, max_outer_m, &mut rng) {
            Ok(l) => return l,
            Err(l) => last = Some(l),
        }
    }
    // Never seen with the corpus' specs: the best effort of the last attempt.
    last.map(|l| *l).unwrap_or_else(|| Layout {
        width_m: 10.0,
        depth_m: 8.0,
        ext_thickness_m: p.ext_t,
        imperial: false,
        walls: Vec::new(),
        rooms: Vec::new(),
        doors: Vec::new(),
        windows: Vec::new(),
    })
}

struct Builder<'a> {
    p: &'a Params,
    walls: Vec<Wall>,
    rooms: Vec<Room>,
}

impl Builder<'_> {
    fn need(&self, k: usize, other: f64) -> f64 {
        let by_area = if k == 0 {
            0.0
        } else {
            k as f64 * self.p.min_area / other
        };
        // A part that will be split again must hold k rooms of the minimum side.
        by_area.max(self.p.min_side * if k >= 3 { 2.0 } else { 1.0 })
    }

    /// Splits `r` among `names`, each part in proportion to its rooms' typical areas.
    fn split(&mut self, r: Rect, sides: [usize; 4], names: &[&'static str], rng: &mut Rng) {
        let n = names.len();
        if n > 1 {
            let vertical_first = if (r.w() - r.h()).abs() < 1.0 {
                rng.chance(0.5)
            } else {
                r.w() > r.h()
            };
            for vertical in [vertical_first, !vertical_first] {
                let (len, other) = if vertical {
                    (r.w(), r.h())
                } else {
                    (r.h(), r.w())
                };
                let n1 = if n % 2 == 1 && rng.chance(0.5) {
                    n / 2 + 1
                } else {
                    n / 2
                };
                let n2 = n - n1;
                let lo = (self.need(n1, other) / self.p.grid).ceil() * self.p.grid;
                let hi = ((len - self.need(n2, other)) / self.p.grid).floor() * self.p.grid;
                if lo > hi + 1e-9 {
                    continue;
                }
                let weight = |v: &[&str]| v.iter().map(|n| typical_area(n)).sum::<f64>();
                let frac = weight(&names[..n1]) / weight(names) + rng.range(-0.06, 0.06);
                let a = snap((frac * len).clamp(lo, hi), self.p.grid).clamp(lo, hi);
                let thickness = match self.p.thin_t {
                    Some(t) if rng.chance(0.3) => t,
                    _ => self.p.int_t,
                };
                let id = self.walls.len();
                let (lo_side, hi_side) = if vertical {
                    (sides[2], sides[3])
                } else {
                    (sides[0], sides[1])
                };
                let (pos, start, end) = if vertical {
                    (r.x0 + a, r.y0, r.y1)
                } else {
                    (r.y0 + a, r.x0, r.x1)
                };
                self.walls.push(Wall {
                    orient: if vertical {
                        Orient::Vertical
                    } else {
                        Orient::Horizontal
                    },
                    pos,
                    start,
                    end,
                    thickness,
                    exterior: false,
                    start_t: self.walls[lo_side].thickness,
                    end_t: self.walls[hi_side].thickness,
                    start_wall: lo_side,
                    end_wall: hi_side,
                });
                if vertical {
                    let (r1, r2) = (Rect { x1: pos, ..r }, Rect { x0: pos, ..r });
                    self.split(r1, [sides[0], id, sides[2], sides[3]], &names[..n1], rng);
                    self.split(r2, [id, sides[1], sides[2], sides[3]], &names[n1..], rng);
                } else {
                    let (r1, r2) = (Rect { y1: pos, ..r }, Rect { y0: pos, ..r });
                    self.split(r1, [sides[0], sides[1], sides[2], id], &names[..n1], rng);
                    self.split(r2, [sides[0], sides[1], id, sides[3]], &names[n1..], rng);
                }
                return;
            }
        }
        let t = |i: usize| self.walls[sides[i]].thickness / 2.0;
        let inner = Rect {
            x0: r.x0 + t(0),
            x1: r.x1 - t(1),
            y0: r.y0 + t(2),
            y1: r.y1 - t(3),
        };
        self.rooms.push(Room {
            name: names.first().copied().unwrap_or("Pièce").to_string(),
            display: String::new(),
            axis: r,
            inner,
            walls: sides,
            area_m2: (inner.area() * 100.0).round() / 100.0,
            label_lines: Vec::new(),
            label_centre: inner.centre(),
            label_size: (0.0, 0.0),
        });
    }
}

/// Rooms that may have no exterior wall.
fn may_be_inside(name: &str) -> bool {
    matches!(name, "Dégagement" | "Cellier" | "WC" | "SdB")
}

fn is_hub(name: &str) -> bool {
    matches!(name, "Entrée" | "Dégagement" | "Séjour")
}

/// Typical floor area (m²), the weight of a room when a rectangle is split.
fn typical_area(name: &str) -> f64 {
    match name {
        "Séjour" => 30.0,
        "Garage" => 18.0,
        n if n.starts_with("Chambre") => 12.0,
        "Cuisine" => 11.0,
        "Bureau" => 9.0,
        "Entrée" => 7.0,
        "SdB" => 6.5,
        "Dégagement" => 6.0,
        "Cellier" => 5.0,
        _ => 4.0,
    }
}

fn names_for(n: usize, rng: &mut Rng) -> Vec<&'static str> {
    let mut v = vec!["Séjour", "Chambre 1", "Chambre 2", "Cuisine", "SdB"];
    let extra = ["Entrée", "WC", "Dégagement"];
    for e in extra.iter().take(n.saturating_sub(5)) {
        v.push(e);
    }
    if n >= 9 {
        v.push(
            rng.pick(&["Bureau", "Cellier", "Garage", "Chambre 3"])
                .unwrap_or("Bureau"),
        );
    }
    rng.shuffle(&mut v);
    v
}

fn attempt_layout(
    spec: &SheetSpec,
    p: &Params,
    max_outer: (f64, f64),
    rng: &mut Rng,
) -> Result<Layout, Box<Layout>> {
    // Footprint: outer size within 10-16 m by 8-12 m and what the sheet can hold.
    let outer_step = if p.fine < 0.02 { 0.1 } else { 12.0 * INCH };
    let pick = |rng: &mut Rng, lo: f64, hi: f64, max: f64| {
        let hi = hi.min(max);
        let lo = lo.min(hi);
        let v = (rng.range(lo, hi) / outer_step).round() * outer_step;
        if v > max {
            (max / outer_step).floor() * outer_step
        } else {
            v
        }
    };
    let n = spec.rooms.clamp(5, 9);
    // More rooms want more floor.
    let lo_w = 10.0 + (n as f64 - 5.0) * 0.8;
    let outer_w = pick(rng, lo_w, 16.0, max_outer.0);
    let outer_d = pick(rng, 8.0, 12.0, max_outer.1.min(outer_w - 1.0));
    let (w, d) = (outer_w - p.ext_t, outer_d - p.ext_t);
    let ext = |orient, pos, end, sw, ew| Wall {
        orient,
        pos,
        start: 0.0,
        end,
        thickness: p.ext_t,
        exterior: true,
        start_t: p.ext_t,
        end_t: p.ext_t,
        start_wall: sw,
        end_wall: ew,
    };
    let walls = vec![
        ext(Orient::Horizontal, 0.0, w, LEFT, RIGHT),
        ext(Orient::Horizontal, d, w, LEFT, RIGHT),
        ext(Orient::Vertical, 0.0, d, BOTTOM, TOP),
        ext(Orient::Vertical, w, d, BOTTOM, TOP),
    ];
    let mut b = Builder {
        p,
        walls,
        rooms: Vec::new(),
    };
    b.split(
        Rect {
            x0: 0.0,
            y0: 0.0,
            x1: w,
            y1: d,
        },
        [LEFT, RIGHT, BOTTOM, TOP],
        &names_for(n, rng),
        rng,
    );
    let Builder {
        walls, mut rooms, ..
    } = b;
    let mut layout = Layout {
        width_m: w,
        depth_m: d,
        ext_thickness_m: p.ext_t,
        imperial: spec.imperial(),
        walls,
        rooms: Vec::new(),
        doors: Vec::new(),
        windows: Vec::new(),
    };
    if rooms.len() != n {
        layout.rooms = rooms;
        return Err(Box::new(layout));
    }
    name_rooms(&mut rooms, &layout.walls);
    let mm_per_m = 1000.0 / spec.scale as f64;
    for r in rooms.iter_mut() {
        r.display = label::display_name(spec, &r.name);
        let plan = label::plan(spec, &r.display, r.area_m2, r.inner.w() * mm_per_m);
        r.label_lines = plan.lines;
        r.label_size = (plan.width_mm / mm_per_m, plan.height_mm / mm_per_m);
    }
    layout.rooms = rooms;
    let ok = place_entrance(&mut layout, p, rng) && place_doors(&mut layout, p, rng) && {
        place_windows(&mut layout, p, rng);
        place_labels(&mut layout)
    };
    if ok {
        Ok(layout)
    } else {
        Err(Box::new(layout))
    }
}

fn has_exterior(r: &Room, walls: &[Wall]) -> bool {
    r.walls.iter().any(|&w| walls[w].exterior)
}

/// Rooms that need daylight (or the entrance) get an exterior wall: each swaps its name
/// with the nearest-sized room that may be inside and has one.
fn name_rooms(rooms: &mut [Room], walls: &[Wall]) {
    for i in 0..rooms.len() {
        if has_exterior(&rooms[i], walls) || may_be_inside(&rooms[i].name) {
            continue;
        }
        let swap = (0..rooms.len())
            .filter(|&j| may_be_inside(&rooms[j].name) && has_exterior(&rooms[j], walls))
            .min_by(|&a, &b| {
                let da = (rooms[a].area_m2 - rooms[i].area_m2).abs();
                let db = (rooms[b].area_m2 - rooms[i].area_m2).abs();
                da.total_cmp(&db)
            });
        if let Some(j) = swap {
            let n = std::mem::take(&mut rooms[i].name);
            rooms[i].name = std::mem::replace(&mut rooms[j].name, n);
        }
    }
}

/// Along-wall span of a room's inside faces on its side `k`.
fn inner_span(r: &Room, k: usize) -> (f64, f64) {
    if k < 2 {
        (r.inner.y0, r.inner.y1)
    } else {
        (r.inner.x0, r.inner.x1)
    }
}

/// True when door `d` fits: its swing inside its room, clear of the other doors.
fn door_fits(layout: &Layout, d: &Door) -> bool {
    let walls = &layout.walls;
    let swing = d.swing_rect(walls);
    let room = &layout.rooms[d.room];
    if !room.inner.contains(&swing, 1e-6) {
        return false;
    }
    let open = d.opening_rect(walls);
    layout.doors.iter().all(|o| {
        let (os, oo) = (o.swing_rect(walls), o.opening_rect(walls));
        !swing.overlaps(&os, 0.05) && !swing.overlaps(&oo, 0.05) && !open.overlaps(&os, 0.05)
    })
}

/// Door candidates in the clear span `lo..hi` of `wall`, hinge near either end.
fn door_candidates(
    p: &Params,
    lo: f64,
    hi: f64,
    width: f64,
    clearance: f64,
    rng: &mut Rng,
) -> Vec<(f64, f64, bool)> {
    let mut v = Vec::new();
    if hi - lo < width + 2.0 * clearance {
        return v;
    }
    let a = ((lo + clearance) / p.fine).ceil() * p.fine;
    v.push((a, a + width, true));
    let b = ((hi - clearance) / p.fine).floor() * p.fine;
    v.push((b - width, b, false));
    if rng.chance(0.5) {
        v.reverse();
    }
    v
}

fn place_entrance(layout: &mut Layout, p: &Params, rng: &mut Rng) -> bool {
    let Some(ri) = layout
        .rooms
        .iter()
        .position(|r| r.name == "Entrée")
        .or_else(|| layout.rooms.iter().position(|r| r.name == "Séjour"))
    else {
        return false;
    };
    let room = layout.rooms[ri].clone();
    let mut sides: Vec<usize> = (0..4)
        .filter(|&k| layout.walls[room.walls[k]].exterior)
        .collect();
    rng.shuffle(&mut sides);
    let width = rng.pick(&p.entrance).unwrap_or(p.entrance[0]);
    for k in sides {
        let wall = room.walls[k];
        let (lo, hi) = inner_span(&room, k);
        // The room lies on the +side of the left and bottom walls.
        let swing_positive = k == 0 || k == 2;
        for (a, b, near_lo) in door_candidates(p, lo, hi, width, 0.15, rng) {
            let d = Door {
                wall,
                a: snap(a, p.fine),
                b: snap(b, p.fine),
                hinge_at_a: near_lo,
                swing_positive,
                exterior: true,
                room: ri,
            };
            if door_fits(layout, &d) {
                layout.doors.push(d);
                return true;
            }
        }
    }
    false
}

/// A wall two rooms share, with the clear span between the faces of the walls at its ends.
struct Shared {
    i: usize,
    j: usize,
    wall: usize,
    lo: f64,
    hi: f64,
}

fn shared_walls(layout: &Layout) -> Vec<Shared> {
    let rooms = &layout.rooms;
    let walls = &layout.walls;
    let mut out = Vec::new();
    for i in 0..rooms.len() {
        for j in 0..rooms.len() {
            let (a, b) = (&rooms[i], &rooms[j]);
            // i left of j (shared vertical wall) or i below j (shared horizontal wall).
            let (wall, (alo, ahi), (blo, bhi), alo_w, blo_w, ahi_w, bhi_w) =
                if a.walls[1] == b.walls[0] {
                    (
                        a.walls[1],
                        (a.axis.y0, a.axis.y1),
                        (b.axis.y0, b.axis.y1),
                        a.walls[2],
                        b.walls[2],
                        a.walls[3],
                        b.walls[3],
                    )
                } else if a.walls[3] == b.walls[2] {
                    (
                        a.walls[3],
                        (a.axis.x0, a.axis.x1),
                        (b.axis.x0, b.axis.x1),
                        a.walls[0],
                        b.walls[0],
                        a.walls[1],
                        b.walls[1],
                    )
                } else {
                    continue;
                };
            let (lo, lo_w) = if alo >= blo {
                (alo, alo_w)
            } else {
                (blo, blo_w)
            };
            let (hi, hi_w) = if ahi <= bhi {
                (ahi, ahi_w)
            } else {
                (bhi, bhi_w)
            };
            let lo = lo + walls[lo_w].thickness / 2.0;
            let hi = hi - walls[hi_w].thickness / 2.0;
            if hi > lo {
                out.push(Shared { i, j, wall, lo, hi });
            }
        }
    }
    out
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn place_doors(layout: &mut Layout, p: &Params, rng: &mut Rng) -> bool {
    let mut shared = shared_walls(layout);
    rng.shuffle(&mut shared);
    // Hubs first: rooms open onto the entrance, the corridor or the living room.
    shared.sort_by_key(|s| {
        let hub = is_hub(&layout.rooms[s.i].name) || is_hub(&layout.rooms[s.j].name);
        !hub
    });
    let n = layout.rooms.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for s in &shared {
        let (ri, rj) = (find(&mut parent, s.i), find(&mut parent, s.j));
        if ri == rj {
            continue;
        }
        let (ni, nj) = (&layout.rooms[s.i].name, &layout.rooms[s.j].name);
        let small = |n: &str| matches!(n, "WC" | "SdB" | "Cellier");
        let width = if small(ni) || small(nj) {
            p.doors[0]
        } else {
            p.doors[1 + rng.below(2)]
        };
        // A door swings into the room it serves, not into the hub.
        let mut swing_rooms = if is_hub(ni) { [s.j, s.i] } else { [s.i, s.j] };
        if is_hub(ni) == is_hub(nj) && rng.chance(0.5) {
            swing_rooms.reverse();
        }
        let wall = &layout.walls[s.wall];
        let mut placed = false;
        'outer: for (a, b, near_lo) in door_candidates(p, s.lo, s.hi, width, 0.10, rng) {
            for &room in &swing_rooms {
                let (cx, cy) = layout.rooms[room].axis.centre();
                let across = match wall.orient {
                    Orient::Horizontal => cy,
                    Orient::Vertical => cx,
                };
                let d = Door {
                    wall: s.wall,
                    a,
                    b,
                    hinge_at_a: near_lo,
                    swing_positive: across > wall.pos,
                    exterior: false,
                    room,
                };
                if door_fits(layout, &d) {
                    layout.doors.push(d);
                    placed = true;
                    break 'outer;
                }
            }
        }
        if placed {
            parent[ri] = rj;
        }
    }
    let root = find(&mut parent, 0);
    (0..n).all(|i| find(&mut parent, i) == root)
}

fn window_widths(name: &str, rng: &mut Rng) -> Vec<f64> {
    match name {
        "Séjour" => vec![1.80, 1.20],
        "Cuisine" => vec![if rng.chance(0.5) { 1.20 } else { 1.00 }],
        n if n.starts_with("Chambre") => vec![if rng.chance(0.6) { 1.20 } else { 1.00 }],
        "Bureau" => vec![1.00],
        "SdB" | "WC" => vec![0.60],
        "Entrée" | "Garage" if rng.chance(0.5) => vec![0.60],
        _ => Vec::new(),
    }
}

fn place_windows(layout: &mut Layout, p: &Params, rng: &mut Rng) {
    for ri in 0..layout.rooms.len() {
        let room = layout.rooms[ri].clone();
        let mut sides: Vec<usize> = (0..4)
            .filter(|&k| layout.walls[room.walls[k]].exterior)
            .collect();
        // Longest side first.
        sides.sort_by(|&a, &b| {
            let la = inner_span(&room, a).1 - inner_span(&room, a).0;
            let lb = inner_span(&room, b).1 - inner_span(&room, b).0;
            lb.total_cmp(&la)
        });
        for (k, want) in sides.into_iter().zip(window_widths(&room.name, rng)) {
            let wall = room.walls[k];
            let (lo, hi) = inner_span(&room, k);
            let mut width = want;
            while width > 0.55 && width > hi - lo - 0.8 {
                width -= 0.2;
            }
            if width < 0.55 {
                continue;
            }
            if p.fine > 0.02 {
                // Imperial: whole 6-inch steps.
                width = ((width / (6.0 * INCH)).round() * 6.0 * INCH).max(24.0 * INCH);
            }
            let slack = (hi - lo - width - 0.8).max(0.0);
            let centre = (lo + hi) / 2.0 + rng.range(-0.5, 0.5) * slack;
            let a = snap(centre - width / 2.0, p.fine);
            let b = snap(a + width, p.fine);
            let clear = layout
                .doors
                .iter()
                .filter(|d| d.wall == wall)
                .all(|d| b + 0.3 <= d.a || a >= d.b + 0.3);
            if clear && a >= lo + 0.3 - 1e-9 && b <= hi - 0.3 + 1e-9 {
                layout.windows.push(Window {
                    wall,
                    a,
                    b,
                    room: ri,
                });
            }
        }
    }
}

/// Puts each label block where no door swings, as near the room's centre as possible.
fn place_labels(layout: &mut Layout) -> bool {
    let swings: Vec<Rect> = layout
        .doors
        .iter()
        .map(|d| d.swing_rect(&layout.walls))
        .collect();
    for r in layout.rooms.iter_mut() {
        let (w, h) = r.label_size;
        let (cx, cy) = r.inner.centre();
        let step = 0.05;
        let mut best: Option<(f64, (f64, f64))> = None;
        for i in -30i32..=30 {
            for j in -30i32..=30 {
                let (x, y) = (cx + i as f64 * step, cy + j as f64 * step);
                let bx = Rect {
                    x0: x - w / 2.0,
                    x1: x + w / 2.0,
                    y0: y - h / 2.0,
                    y1: y + h / 2.0,
                };
                let room = Rect {
                    x0: r.inner.x0 + 0.1,
                    x1: r.inner.x1 - 0.1,
                    y0: r.inner.y0 + 0.1,
                    y1: r.inner.y1 - 0.1,
                };
                if !room.contains(&bx, 0.0) || swings.iter().any(|s| s.overlaps(&bx, 0.08)) {
                    continue;
                }
                let dist = (i * i + j * j) as f64;
                if best.is_none_or(|(b, _)| dist < b) {
                    best = Some((dist, (x, y)));
                }
            }
        }
        match best {
            Some((_, c)) => r.label_centre = c,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_room_is_reached_and_labelled() {
        for seed in 1..20 {
            let mut spec = SheetSpec::new(seed);
            spec.rooms = 5 + (seed as usize % 5);
            let l = generate(&spec, (16.0, 12.0));
            assert_eq!(l.rooms.len(), spec.rooms, "seed {seed}");
            assert!(l.doors.iter().filter(|d| d.exterior).count() == 1);
            assert!(l.doors.len() >= l.rooms.len());
            let total: f64 = l.rooms.iter().map(|r| r.axis.area()).sum();
            assert!((total - l.width_m * l.depth_m).abs() < 1e-6);
        }
    }
}
