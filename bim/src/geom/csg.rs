//! Boolean operations on closed polygon meshes with binary space partitioning trees, after
//! Evan Wallace's csg.js. Iterative (arena + explicit stacks) so that a hostile or merely
//! large model cannot overflow the stack of a worker thread.

use super::mesh::{EPS, Mesh, Poly};

/// Meshes above this many polygons are not combined: BSP cost grows quickly, and such
/// operands are rare enough in building models to report instead of stalling a worker.
pub const MAX_POLYS: usize = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolOp {
    Union,
    Difference,
    Intersection,
}

#[derive(Debug, thiserror::Error)]
#[error("boolean too large ({0} polygons or fragments)")]
pub struct TooLarge(pub usize);

pub fn boolean(a: Mesh, b: Mesh, op: BoolOp) -> Result<Mesh, TooLarge> {
    if a.polys.len() + b.polys.len() > MAX_POLYS {
        return Err(TooLarge(a.polys.len() + b.polys.len()));
    }
    if b.is_empty() {
        return Ok(if op == BoolOp::Intersection {
            Mesh::default()
        } else {
            a
        });
    }
    if a.is_empty() {
        return Ok(if op == BoolOp::Union {
            b
        } else {
            Mesh::default()
        });
    }
    // Disjoint bounding boxes: the answer needs no tree.
    if let (Some((alo, ahi)), Some((blo, bhi))) = (a.bounds(), b.bounds()) {
        let disjoint = ahi.x < blo.x - EPS
            || bhi.x < alo.x - EPS
            || ahi.y < blo.y - EPS
            || bhi.y < alo.y - EPS
            || ahi.z < blo.z - EPS
            || bhi.z < alo.z - EPS;
        if disjoint {
            return Ok(match op {
                BoolOp::Union => {
                    let mut m = a;
                    m.extend(b);
                    m
                }
                BoolOp::Difference => a,
                BoolOp::Intersection => Mesh::default(),
            });
        }
    }
    let mut ta = Bsp::new(a.polys);
    let mut tb = Bsp::new(b.polys);
    match op {
        BoolOp::Union => {
            ta.clip_to(&tb);
            tb.clip_to(&ta);
            tb.invert();
            tb.clip_to(&ta);
            tb.invert();
            ta.build(tb.all_polygons());
        }
        BoolOp::Difference => {
            ta.invert();
            ta.clip_to(&tb);
            tb.clip_to(&ta);
            tb.invert();
            tb.clip_to(&ta);
            tb.invert();
            ta.build(tb.all_polygons());
            ta.invert();
        }
        BoolOp::Intersection => {
            ta.invert();
            tb.clip_to(&ta);
            tb.invert();
            ta.clip_to(&tb);
            tb.clip_to(&ta);
            ta.build(tb.all_polygons());
            ta.invert();
        }
    }
    if ta.over_budget() || tb.over_budget() {
        return Err(TooLarge(ta.made.get() + tb.made.get()));
    }
    Ok(Mesh {
        polys: ta.all_polygons(),
    })
}

#[derive(Debug, Clone, Copy)]
struct Plane {
    n: super::math::V3,
    w: f64,
}

#[derive(Debug, Default)]
struct Node {
    plane: Option<Plane>,
    front: Option<usize>,
    back: Option<usize>,
    polys: Vec<Poly>,
}

#[derive(Debug)]
struct Bsp {
    nodes: Vec<Node>,
    /// Fragments made by splitting, against [`MAX_FRAGMENTS`]: splits can multiply polygons
    /// quadratically, so the count is watched while the trees are built and clipped.
    made: std::cell::Cell<usize>,
}

/// Split fragments one boolean may create before it is abandoned.
const MAX_FRAGMENTS: usize = 1_000_000;

const COPLANAR: u8 = 0;
const FRONT: u8 = 1;
const BACK: u8 = 2;
const SPANNING: u8 = 3;

/// Splits `p` by `plane` into the four csg.js buckets.
fn split(
    plane: Plane,
    p: Poly,
    coplanar_front: &mut Vec<Poly>,
    coplanar_back: &mut Vec<Poly>,
    front: &mut Vec<Poly>,
    back: &mut Vec<Poly>,
) -> usize {
    let mut kind = 0u8;
    let types: Vec<u8> =
        p.v.iter()
            .map(|v| {
                let t = plane.n.dot(*v) - plane.w;
                let k = if t < -EPS {
                    BACK
                } else if t > EPS {
                    FRONT
                } else {
                    COPLANAR
                };
                kind |= k;
                k
            })
            .collect();
    match kind {
        COPLANAR => {
            if plane.n.dot(p.n) > 0.0 {
                coplanar_front.push(p)
            } else {
                coplanar_back.push(p)
            }
            0
        }
        FRONT => {
            front.push(p);
            0
        }
        BACK => {
            back.push(p);
            0
        }
        _ => {
            let mut f = Vec::with_capacity(p.v.len() + 1);
            let mut b = Vec::with_capacity(p.v.len() + 1);
            let n = p.v.len();
            for i in 0..n {
                let j = (i + 1) % n;
                let (ti, tj) = (types[i], types[j]);
                let (vi, vj) = (p.v[i], p.v[j]);
                if ti != BACK {
                    f.push(vi);
                }
                if ti != FRONT {
                    b.push(vi);
                }
                if (ti | tj) == SPANNING {
                    let denom = plane.n.dot(vj - vi);
                    if denom.abs() > 1e-300 {
                        let t = (plane.w - plane.n.dot(vi)) / denom;
                        let v = vi.lerp(vj, t);
                        f.push(v);
                        b.push(v);
                    }
                }
            }
            if f.len() >= 3 {
                front.push(Poly {
                    v: f,
                    n: p.n,
                    w: p.w,
                });
            }
            if b.len() >= 3 {
                back.push(Poly {
                    v: b,
                    n: p.n,
                    w: p.w,
                });
            }
            2
        }
    }
}

impl Bsp {
    fn new(polys: Vec<Poly>) -> Self {
        let mut t = Bsp {
            nodes: vec![Node::default()],
            made: std::cell::Cell::new(0),
        };
        t.build(polys);
        t
    }

    fn over_budget(&self) -> bool {
        self.made.get() > MAX_FRAGMENTS
    }

    fn build(&mut self, polys: Vec<Poly>) {
        let mut stack = vec![(0usize, polys)];
        while let Some((ni, polys)) = stack.pop() {
            if self.over_budget() {
                return;
            }
            if polys.is_empty() {
                continue;
            }
            let plane = *self.nodes[ni].plane.get_or_insert(Plane {
                n: polys[0].n,
                w: polys[0].w,
            });
            let (mut front, mut back) = (Vec::new(), Vec::new());
            let mut mine = Vec::new();
            let mut mine_back = Vec::new();
            for p in polys {
                let n = split(plane, p, &mut mine, &mut mine_back, &mut front, &mut back);
                self.made.set(self.made.get() + n);
            }
            self.nodes[ni].polys.append(&mut mine);
            self.nodes[ni].polys.append(&mut mine_back);
            if !front.is_empty() {
                let child = self.child(ni, true);
                stack.push((child, front));
            }
            if !back.is_empty() {
                let child = self.child(ni, false);
                stack.push((child, back));
            }
        }
    }

    fn child(&mut self, ni: usize, front: bool) -> usize {
        let existing = if front {
            self.nodes[ni].front
        } else {
            self.nodes[ni].back
        };
        if let Some(c) = existing {
            return c;
        }
        self.nodes.push(Node::default());
        let c = self.nodes.len() - 1;
        if front {
            self.nodes[ni].front = Some(c);
        } else {
            self.nodes[ni].back = Some(c);
        }
        c
    }

    /// Removes the parts of `polys` that lie inside this tree's solid.
    fn clip_polygons(&self, polys: Vec<Poly>) -> Vec<Poly> {
        let mut out = Vec::new();
        let mut stack = vec![(0usize, polys)];
        while let Some((ni, polys)) = stack.pop() {
            if self.over_budget() {
                return out;
            }
            let node = &self.nodes[ni];
            let Some(plane) = node.plane else {
                out.extend(polys);
                continue;
            };
            let (mut front, mut back) = (Vec::new(), Vec::new());
            let (mut cf, mut cb) = (Vec::new(), Vec::new());
            for p in polys {
                let n = split(plane, p, &mut cf, &mut cb, &mut front, &mut back);
                self.made.set(self.made.get() + n);
            }
            front.append(&mut cf);
            back.append(&mut cb);
            match node.front {
                Some(c) => stack.push((c, front)),
                None => out.extend(front),
            }
            if let Some(c) = node.back {
                stack.push((c, back));
            }
        }
        out
    }

    fn clip_to(&mut self, other: &Bsp) {
        for i in 0..self.nodes.len() {
            let polys = std::mem::take(&mut self.nodes[i].polys);
            self.nodes[i].polys = other.clip_polygons(polys);
        }
    }

    fn invert(&mut self) {
        for node in &mut self.nodes {
            node.polys.iter_mut().for_each(Poly::flip);
            if let Some(p) = &mut node.plane {
                p.n = -p.n;
                p.w = -p.w;
            }
            std::mem::swap(&mut node.front, &mut node.back);
        }
    }

    fn all_polygons(&self) -> Vec<Poly> {
        self.nodes
            .iter()
            .flat_map(|n| n.polys.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::math::v3;
    use crate::geom::primitives::box_mesh;

    #[test]
    fn box_minus_box_through_hole() {
        let wall = box_mesh(v3(0.0, 0.0, 0.0), v3(4.0, 0.2, 3.0));
        let hole = box_mesh(v3(1.0, -0.1, 1.0), v3(2.0, 0.3, 2.0));
        let m = boolean(wall, hole, BoolOp::Difference).unwrap();
        let s = m.measures();
        assert!(
            (s.volume - (4.0 * 0.2 * 3.0 - 0.2)).abs() < 1e-9,
            "{}",
            s.volume
        );
        // The opening's sill faces up but is under the wall top: footprint is unchanged.
        assert!(
            (s.footprint_area - 0.8).abs() < 1e-6,
            "{}",
            s.footprint_area
        );
    }

    #[test]
    fn intersection_and_union_volumes() {
        let a = box_mesh(v3(0.0, 0.0, 0.0), v3(2.0, 2.0, 2.0));
        let b = box_mesh(v3(1.0, 1.0, 1.0), v3(3.0, 3.0, 3.0));
        let i = boolean(a.clone(), b.clone(), BoolOp::Intersection)
            .unwrap()
            .measures();
        let u = boolean(a, b, BoolOp::Union).unwrap().measures();
        assert!((i.volume - 1.0).abs() < 1e-9);
        assert!((u.volume - 15.0).abs() < 1e-9);
    }
}
