//! Polygon meshes and the measures taken from them.
//!
//! A mesh is a soup of planar convex polygons (triangles and quads mostly): the shape the
//! BSP booleans in [`super::csg`] need, and trivially fanned into triangles for measuring.

use std::collections::HashMap;

use super::math::{Affine, V3, v3};

/// Vertices closer than this (metres) are the same point.
pub const EPS: f64 = 1e-5;

/// A vertex snapped to the `EPS` grid, for matching shared edges.
type VKey = (i64, i64, i64);

/// A planar convex polygon with its supporting plane `n · p = w`.
#[derive(Debug, Clone)]
pub struct Poly {
    pub v: Vec<V3>,
    pub n: V3,
    pub w: f64,
}

impl Poly {
    /// Builds a polygon, or `None` when it is degenerate (no area).
    pub fn new(v: Vec<V3>) -> Option<Poly> {
        if v.len() < 3 {
            return None;
        }
        let n = newell_normal(&v).normalized()?;
        let w = n.dot(v[0]);
        Some(Poly { v, n, w })
    }

    pub fn flip(&mut self) {
        self.v.reverse();
        self.n = -self.n;
        self.w = -self.w;
    }

    /// Area via the Newell normal (exact for planar polygons).
    pub fn area(&self) -> f64 {
        newell_normal(&self.v).len() * 0.5
    }
}

/// The unnormalised Newell normal: twice the vector area of the polygon.
pub fn newell_normal(v: &[V3]) -> V3 {
    let mut n = V3::default();
    for (i, a) in v.iter().enumerate() {
        let b = v[(i + 1) % v.len()];
        n.x += (a.y - b.y) * (a.z + b.z);
        n.y += (a.z - b.z) * (a.x + b.x);
        n.z += (a.x - b.x) * (a.y + b.y);
    }
    n
}

#[derive(Debug, Clone, Default)]
pub struct Mesh {
    pub polys: Vec<Poly>,
}

/// What takeoff measures on one mesh, in metres.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measures {
    pub volume: f64,
    pub surface_area: f64,
    pub footprint_area: f64,
    pub lateral_area: f64,
    pub min: V3,
    pub max: V3,
}

impl Mesh {
    pub fn is_empty(&self) -> bool {
        self.polys.is_empty()
    }

    pub fn extend(&mut self, other: Mesh) {
        self.polys.extend(other.polys);
    }

    pub fn push(&mut self, v: Vec<V3>) {
        if let Some(p) = Poly::new(v) {
            self.polys.push(p);
        }
    }

    pub fn transform(&mut self, t: &Affine) {
        let mirror = t.determinant() < 0.0;
        for p in &mut self.polys {
            for q in &mut p.v {
                *q = t.apply(*q);
            }
            if mirror {
                p.v.reverse();
            }
            if let Some(n) = newell_normal(&p.v).normalized() {
                p.n = n;
                p.w = n.dot(p.v[0]);
            }
        }
        self.polys.retain(|p| p.v.iter().all(|q| q.is_finite()));
    }

    pub fn flip(&mut self) {
        self.polys.iter_mut().for_each(Poly::flip);
    }

    pub fn bounds(&self) -> Option<(V3, V3)> {
        let mut it = self.polys.iter().flat_map(|p| p.v.iter());
        let first = *it.next()?;
        Some(it.fold((first, first), |(lo, hi), q| {
            (
                v3(lo.x.min(q.x), lo.y.min(q.y), lo.z.min(q.z)),
                v3(hi.x.max(q.x), hi.y.max(q.y), hi.z.max(q.z)),
            )
        }))
    }

    /// Signed volume by the divergence theorem, about a local origin so that far-from-origin
    /// (georeferenced) models keep their precision.
    pub fn signed_volume(&self) -> f64 {
        let Some(o) = self.polys.first().map(|p| p.v[0]) else {
            return 0.0;
        };
        let mut vol = 0.0;
        for p in &self.polys {
            let a = p.v[0] - o;
            for i in 1..p.v.len() - 1 {
                let b = p.v[i] - o;
                let c = p.v[i + 1] - o;
                vol += a.dot(b.cross(c));
            }
        }
        vol / 6.0
    }

    /// Makes a closed mesh face outward (positive volume).
    pub fn orient_outward(&mut self) {
        if self.signed_volume() < 0.0 {
            self.flip();
        }
    }

    /// Makes the orientation of a polygon soup consistent across shared edges, then outward.
    /// Exporters sometimes write faces of one closed shell with mixed orientations, which
    /// makes the divergence-theorem volume meaningless (and origin-dependent).
    pub fn repair_orientation(&mut self) {
        let n = self.polys.len();
        if n == 0 {
            return;
        }
        let key = |p: V3| {
            (
                (p.x / EPS).round() as i64,
                (p.y / EPS).round() as i64,
                (p.z / EPS).round() as i64,
            )
        };
        // Map undirected edge -> list of (poly, forward?)
        let mut edges: HashMap<(VKey, VKey), Vec<(usize, bool)>> = HashMap::new();
        for (pi, p) in self.polys.iter().enumerate() {
            for i in 0..p.v.len() {
                let a = key(p.v[i]);
                let b = key(p.v[(i + 1) % p.v.len()]);
                if a == b {
                    continue;
                }
                let (k, fwd) = if a < b {
                    ((a, b), true)
                } else {
                    ((b, a), false)
                };
                edges.entry(k).or_default().push((pi, fwd));
            }
        }
        let mut adj: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
        for list in edges.values() {
            if list.len() == 2 {
                let (p, fp) = list[0];
                let (q, fq) = list[1];
                // Consistent neighbours traverse a shared edge in opposite directions.
                let same_dir = fp == fq;
                adj[p].push((q, same_dir));
                adj[q].push((p, same_dir));
            }
        }
        // A face with an edge not shared by exactly two faces (a border or a T-junction)
        // leaves its patch open.
        let mut open_face = vec![false; n];
        for list in edges.values() {
            if list.len() != 2 {
                for &(p, _) in list {
                    open_face[p] = true;
                }
            }
        }
        // Each connected patch keeps the orientation of its first face as written and makes
        // its other faces agree with it.
        let mut flip = vec![None::<bool>; n];
        let mut patches: Vec<Vec<usize>> = Vec::new();
        for start in 0..n {
            if flip[start].is_some() {
                continue;
            }
            flip[start] = Some(false);
            let mut patch = vec![start];
            let mut stack = vec![start];
            while let Some(p) = stack.pop() {
                let fp = flip[p].unwrap_or(false);
                for &(q, same_dir) in &adj[p] {
                    if flip[q].is_none() {
                        flip[q] = Some(fp ^ same_dir);
                        patch.push(q);
                        stack.push(q);
                    }
                }
            }
            patches.push(patch);
        }
        for (i, f) in flip.iter().enumerate() {
            if *f == Some(true) {
                self.polys[i].flip();
            }
        }
        // A closed patch is a shell of its own and faces outward on its own (several shells in
        // one surface model must not cancel out). Open patches only make sense together, so
        // they face outward as a group.
        let mut open_group: Vec<usize> = Vec::new();
        for patch in patches {
            if patch.iter().any(|&i| open_face[i]) {
                open_group.extend(patch);
            } else {
                self.orient_outward_subset(&patch);
            }
        }
        self.orient_outward_subset(&open_group);
    }

    fn orient_outward_subset(&mut self, subset: &[usize]) {
        let part = Mesh {
            polys: subset.iter().map(|&i| self.polys[i].clone()).collect(),
        };
        if part.signed_volume() < 0.0 {
            for &i in subset {
                self.polys[i].flip();
            }
        }
    }

    /// Extent of the mesh along a unit direction, e.g. a wall's or a beam's length along its
    /// local X axis.
    pub fn extent_along(&self, dir: V3) -> f64 {
        let mut it = self
            .polys
            .iter()
            .flat_map(|p| p.v.iter())
            .map(|q| q.dot(dir));
        let Some(first) = it.next() else { return 0.0 };
        let (lo, hi) = it.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
        hi - lo
    }

    pub fn measures(&self) -> Measures {
        let (min, max) = self.bounds().unwrap_or_default();
        let mut surface = 0.0;
        let mut lateral = 0.0;
        let mut up_triangles: Vec<[[f64; 2]; 3]> = Vec::new();
        for p in &self.polys {
            let a = p.area();
            surface += a;
            if p.n.z.abs() <= 0.1 {
                lateral += a;
            }
            // Same filter as IfcOpenShell's footprint: faces whose normal points up.
            if p.n.z > 0.01 {
                for i in 1..p.v.len() - 1 {
                    up_triangles.push([
                        [p.v[0].x, p.v[0].y],
                        [p.v[i].x, p.v[i].y],
                        [p.v[i + 1].x, p.v[i + 1].y],
                    ]);
                }
            }
        }
        Measures {
            volume: self.signed_volume().abs(),
            surface_area: surface,
            footprint_area: super::footprint::union_area(&up_triangles),
            lateral_area: lateral,
            min,
            max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::primitives::box_mesh;

    #[test]
    fn unit_box_measures() {
        let m = box_mesh(v3(0.0, 0.0, 0.0), v3(2.0, 3.0, 4.0));
        let s = m.measures();
        assert!((s.volume - 24.0).abs() < 1e-9);
        assert!((s.surface_area - 52.0).abs() < 1e-9);
        assert!((s.footprint_area - 6.0).abs() < 1e-9);
        assert!((s.lateral_area - 40.0).abs() < 1e-9);
    }

    #[test]
    fn repairs_mixed_orientation() {
        let mut m = box_mesh(v3(100.0, 0.0, 0.0), v3(101.0, 1.0, 1.0));
        m.polys[0].flip();
        m.polys[3].flip();
        m.repair_orientation();
        let s = m.measures();
        assert!((s.volume - 1.0).abs() < 1e-9, "{}", s.volume);
        assert!((s.footprint_area - 1.0).abs() < 1e-9);
    }
}
