//! Closed meshes from swept profiles and boxes, and triangulation of planar faces.

use super::math::{Affine, V3, v3};
use super::mesh::{Mesh, Poly, newell_normal};

/// A planar region: one outer loop and its holes, in 2D.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Region {
    pub outer: Vec<[f64; 2]>,
    pub holes: Vec<Vec<[f64; 2]>>,
}

impl Region {
    pub fn area(&self) -> f64 {
        signed_area(&self.outer).abs()
            - self.holes.iter().map(|h| signed_area(h).abs()).sum::<f64>()
    }

    pub fn transformed(&self, f: impl Fn([f64; 2]) -> [f64; 2]) -> Region {
        Region {
            outer: self.outer.iter().map(|&p| f(p)).collect(),
            holes: self
                .holes
                .iter()
                .map(|h| h.iter().map(|&p| f(p)).collect())
                .collect(),
        }
    }

    /// Outer loop counter-clockwise, holes clockwise, no repeated closing point.
    pub fn normalized(mut self) -> Region {
        dedup_loop(&mut self.outer);
        if signed_area(&self.outer) < 0.0 {
            self.outer.reverse();
        }
        for h in &mut self.holes {
            dedup_loop(h);
            if signed_area(h) > 0.0 {
                h.reverse();
            }
        }
        self.holes.retain(|h| h.len() >= 3);
        self
    }
}

pub fn signed_area(c: &[[f64; 2]]) -> f64 {
    let mut a = 0.0;
    for i in 0..c.len() {
        let p = c[i];
        let q = c[(i + 1) % c.len()];
        a += p[0] * q[1] - q[0] * p[1];
    }
    a * 0.5
}

fn dedup_loop(l: &mut Vec<[f64; 2]>) {
    l.dedup_by(|a, b| (a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9);
    while l.len() > 1 {
        let (f, e) = (l[0], l[l.len() - 1]);
        if (f[0] - e[0]).abs() < 1e-9 && (f[1] - e[1]).abs() < 1e-9 {
            l.pop();
        } else {
            break;
        }
    }
}

/// Triangulates a region; triangles are counter-clockwise.
pub fn triangulate(region: &Region) -> Vec<[[f64; 2]; 3]> {
    let mut data: Vec<[f64; 2]> = region.outer.clone();
    let mut holes: Vec<u32> = Vec::new();
    for h in &region.holes {
        holes.push(data.len() as u32);
        data.extend_from_slice(h);
    }
    if data.len() < 3 || data.iter().any(|p| !p[0].is_finite() || !p[1].is_finite()) {
        return Vec::new();
    }
    let mut idx: Vec<u32> = Vec::new();
    earcut::Earcut::new().earcut(data.iter().copied(), &holes, &mut idx);
    idx.chunks_exact(3)
        .filter_map(|t| {
            let tri = [
                data[t[0] as usize],
                data[t[1] as usize],
                data[t[2] as usize],
            ];
            let a = signed_area(&tri);
            if a.abs() < 1e-14 {
                None
            } else if a > 0.0 {
                Some(tri)
            } else {
                Some([tri[0], tri[2], tri[1]])
            }
        })
        .collect()
}

/// Extrudes a region (in the XY plane of `frame`) along `dir` (profile coordinates) by
/// `depth`, giving a closed, outward-facing mesh in the frame's parent coordinates.
pub fn extrude(region: &Region, dir: V3, depth: f64, frame: &Affine) -> Mesh {
    let region = region.clone().normalized();
    if region.outer.len() < 3 {
        return Mesh::default();
    }
    let d = dir.normalized().unwrap_or(v3(0.0, 0.0, 1.0)) * depth;
    let mut m = Mesh::default();
    let p3 = |p: [f64; 2]| v3(p[0], p[1], 0.0);
    for t in triangulate(&region) {
        m.push(vec![p3(t[0]), p3(t[2]), p3(t[1])]);
        m.push(vec![p3(t[0]) + d, p3(t[1]) + d, p3(t[2]) + d]);
    }
    for l in std::iter::once(&region.outer).chain(region.holes.iter()) {
        for i in 0..l.len() {
            let a = p3(l[i]);
            let b = p3(l[(i + 1) % l.len()]);
            m.push(vec![a, b, b + d, a + d]);
        }
    }
    m.transform(frame);
    m.orient_outward();
    m
}

/// Revolves a region (XY plane of `frame`) about the axis through `origin` along `axis`
/// (profile coordinates) by `angle` radians.
pub fn revolve(region: &Region, origin: V3, axis: V3, angle: f64, frame: &Affine) -> Mesh {
    let region = region.clone().normalized();
    let Some(k) = axis.normalized() else {
        return Mesh::default();
    };
    if region.outer.len() < 3 || !angle.is_finite() || angle.abs() < 1e-9 {
        return Mesh::default();
    }
    let angle = angle.clamp(-std::f64::consts::TAU, std::f64::consts::TAU);
    let steps = ((angle.abs() / std::f64::consts::TAU) * 48.0)
        .ceil()
        .max(2.0) as usize;
    let rot = |p: V3, a: f64| {
        // Rodrigues' rotation about k through origin.
        let r = p - origin;
        let (s, c) = a.sin_cos();
        origin + r * c + k.cross(r) * s + k * (k.dot(r) * (1.0 - c))
    };
    let p3 = |p: [f64; 2]| v3(p[0], p[1], 0.0);
    let mut m = Mesh::default();
    for l in std::iter::once(&region.outer).chain(region.holes.iter()) {
        for i in 0..l.len() {
            let a = p3(l[i]);
            let b = p3(l[(i + 1) % l.len()]);
            for s in 0..steps {
                let (t0, t1) = (
                    angle * s as f64 / steps as f64,
                    angle * (s + 1) as f64 / steps as f64,
                );
                let quad = vec![rot(a, t0), rot(b, t0), rot(b, t1), rot(a, t1)];
                push_split(&mut m, quad);
            }
        }
    }
    if angle.abs() < std::f64::consts::TAU - 1e-9 {
        for t in triangulate(&region) {
            m.push(vec![p3(t[0]), p3(t[2]), p3(t[1])]);
            m.push(vec![
                rot(p3(t[0]), angle),
                rot(p3(t[1]), angle),
                rot(p3(t[2]), angle),
            ]);
        }
    }
    m.transform(frame);
    m.repair_orientation();
    m
}

/// Pushes a quad that may be non-planar (or degenerate on the axis) as two triangles.
fn push_split(m: &mut Mesh, q: Vec<V3>) {
    m.push(vec![q[0], q[1], q[2]]);
    m.push(vec![q[0], q[2], q[3]]);
}

pub fn box_mesh(lo: V3, hi: V3) -> Mesh {
    let c = |x: bool, y: bool, z: bool| {
        v3(
            if x { hi.x } else { lo.x },
            if y { hi.y } else { lo.y },
            if z { hi.z } else { lo.z },
        )
    };
    let mut m = Mesh::default();
    let faces = [
        [
            c(false, false, false),
            c(false, true, false),
            c(true, true, false),
            c(true, false, false),
        ],
        [
            c(false, false, true),
            c(true, false, true),
            c(true, true, true),
            c(false, true, true),
        ],
        [
            c(false, false, false),
            c(true, false, false),
            c(true, false, true),
            c(false, false, true),
        ],
        [
            c(false, true, false),
            c(false, true, true),
            c(true, true, true),
            c(true, true, false),
        ],
        [
            c(false, false, false),
            c(false, false, true),
            c(false, true, true),
            c(false, true, false),
        ],
        [
            c(true, false, false),
            c(true, true, false),
            c(true, true, true),
            c(true, false, true),
        ],
    ];
    for f in faces {
        m.push(f.to_vec());
    }
    m
}

/// Triangulates a planar 3D face with holes (a B-rep face), keeping the orientation of the
/// outer loop.
pub fn face_polys(outer: &[V3], holes: &[Vec<V3>]) -> Vec<Poly> {
    let Some(n) = newell_normal(outer).normalized() else {
        return Vec::new();
    };
    if holes.is_empty() && outer.len() == 3 {
        return Poly::new(outer.to_vec()).into_iter().collect();
    }
    let u = n.any_perpendicular();
    let v = n.cross(u);
    let to2 = |p: &V3| [p.dot(u), p.dot(v)];
    let mut all: Vec<V3> = outer.to_vec();
    let mut region = Region {
        outer: outer.iter().map(to2).collect(),
        holes: Vec::new(),
    };
    for h in holes {
        region.holes.push(h.iter().map(to2).collect());
        all.extend_from_slice(h);
    }
    // Convex faces without holes need no triangulation.
    if holes.is_empty() && is_convex(&region.outer) {
        return Poly::new(outer.to_vec()).into_iter().collect();
    }
    let plane_w = n.dot(outer[0]);
    let back = |p: [f64; 2]| u * p[0] + v * p[1] + n * plane_w;
    triangulate(&region)
        .into_iter()
        .filter_map(|t| Poly::new(vec![back(t[0]), back(t[1]), back(t[2])]))
        .collect()
}

fn is_convex(l: &[[f64; 2]]) -> bool {
    let n = l.len();
    if n < 3 {
        return false;
    }
    let mut sign = 0.0f64;
    for i in 0..n {
        let (a, b, c) = (l[i], l[(i + 1) % n], l[(i + 2) % n]);
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross.abs() < 1e-14 {
            continue;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extrusion_with_void() {
        let r = Region {
            outer: vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]],
            holes: vec![vec![[0.5, 0.5], [1.5, 0.5], [1.5, 1.5], [0.5, 1.5]]],
        };
        let m = extrude(&r, v3(0.0, 0.0, 1.0), 3.0, &Affine::IDENTITY);
        let s = m.measures();
        assert!((s.volume - 9.0).abs() < 1e-9);
        assert!((s.footprint_area - 3.0).abs() < 1e-9);
    }

    #[test]
    fn oblique_and_downward_extrusions_are_positive() {
        let r = Region {
            outer: vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
            holes: vec![],
        };
        let m = extrude(&r, v3(0.0, 1.0, 1.0), 2.0f64.sqrt(), &Affine::IDENTITY);
        assert!((m.measures().volume - 1.0).abs() < 1e-9);
        let m = extrude(&r, v3(0.0, 0.0, -1.0), 2.0, &Affine::IDENTITY);
        assert!((m.measures().volume - 2.0).abs() < 1e-9);
    }

    #[test]
    fn revolved_rectangle_is_a_ring() {
        // Rectangle x in [1,2], y in [0,1], revolved a full turn about the y axis.
        let r = Region {
            outer: vec![[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]],
            holes: vec![],
        };
        let m = revolve(
            &r,
            v3(0.0, 0.0, 0.0),
            v3(0.0, 1.0, 0.0),
            std::f64::consts::TAU,
            &Affine::IDENTITY,
        );
        let exact = std::f64::consts::PI * (4.0 - 1.0);
        assert!((m.measures().volume - exact).abs() / exact < 0.01);
    }
}
