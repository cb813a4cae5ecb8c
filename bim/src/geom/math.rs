//! Minimal 3D affine math. Kept local: takeoff needs a handful of operations, and owning
//! them keeps the hot loops free of generic indirection.

use std::ops::{Add, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

pub const fn v3(x: f64, y: f64, z: f64) -> V3 {
    V3 { x, y, z }
}

impl V3 {
    pub fn dot(self, o: V3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }
    pub fn cross(self, o: V3) -> V3 {
        v3(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }
    pub fn len(self) -> f64 {
        self.dot(self).sqrt()
    }
    /// Unit vector, or `None` for a (near) zero vector.
    pub fn normalized(self) -> Option<V3> {
        let l = self.len();
        (l > 1e-12 && l.is_finite()).then(|| self * (1.0 / l))
    }
    pub fn lerp(self, o: V3, t: f64) -> V3 {
        self + (o - self) * t
    }
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.z.is_finite()
    }
    /// Any unit vector perpendicular to `self` (assumed unit).
    pub fn any_perpendicular(self) -> V3 {
        let a = if self.x.abs() < 0.9 {
            v3(1.0, 0.0, 0.0)
        } else {
            v3(0.0, 1.0, 0.0)
        };
        self.cross(a).normalized().unwrap_or(v3(0.0, 0.0, 1.0))
    }
}

impl Add for V3 {
    type Output = V3;
    fn add(self, o: V3) -> V3 {
        v3(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}
impl Sub for V3 {
    type Output = V3;
    fn sub(self, o: V3) -> V3 {
        v3(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}
impl Mul<f64> for V3 {
    type Output = V3;
    fn mul(self, s: f64) -> V3 {
        v3(self.x * s, self.y * s, self.z * s)
    }
}
impl Neg for V3 {
    type Output = V3;
    fn neg(self) -> V3 {
        v3(-self.x, -self.y, -self.z)
    }
}

/// An affine transform: columns x, y, z (which may be scaled or sheared) and a translation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub x: V3,
    pub y: V3,
    pub z: V3,
    pub t: V3,
}

impl Default for Affine {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Affine {
    pub const IDENTITY: Affine = Affine {
        x: v3(1.0, 0.0, 0.0),
        y: v3(0.0, 1.0, 0.0),
        z: v3(0.0, 0.0, 1.0),
        t: v3(0.0, 0.0, 0.0),
    };

    pub fn translation(t: V3) -> Self {
        Affine {
            t,
            ..Self::IDENTITY
        }
    }

    pub fn scale(s: f64) -> Self {
        Affine {
            x: v3(s, 0.0, 0.0),
            y: v3(0.0, s, 0.0),
            z: v3(0.0, 0.0, s),
            t: V3::default(),
        }
    }

    /// A right-handed frame from an origin, a z axis and an approximate x axis, as
    /// IfcAxis2Placement3D defines it (x is made orthogonal to z).
    pub fn frame(origin: V3, z: Option<V3>, x: Option<V3>) -> Self {
        let z = z.and_then(V3::normalized).unwrap_or(v3(0.0, 0.0, 1.0));
        let x_hint =
            x.and_then(V3::normalized)
                .unwrap_or(if z.x.abs() > 0.99 && z.y.abs() < 1e-9 {
                    v3(0.0, 0.0, -z.x.signum())
                } else {
                    v3(1.0, 0.0, 0.0)
                });
        let x = (x_hint - z * x_hint.dot(z))
            .normalized()
            .unwrap_or_else(|| z.any_perpendicular());
        let y = z.cross(x);
        Affine { x, y, z, t: origin }
    }

    pub fn apply(&self, p: V3) -> V3 {
        self.x * p.x + self.y * p.y + self.z * p.z + self.t
    }

    pub fn apply_vec(&self, d: V3) -> V3 {
        self.x * d.x + self.y * d.y + self.z * d.z
    }

    /// `self ∘ o`: apply `o` first, then `self`.
    pub fn then(&self, o: &Affine) -> Affine {
        Affine {
            x: self.apply_vec(o.x),
            y: self.apply_vec(o.y),
            z: self.apply_vec(o.z),
            t: self.apply(o.t),
        }
    }

    pub fn determinant(&self) -> f64 {
        self.x.dot(self.y.cross(self.z))
    }

    pub fn inverse(&self) -> Option<Affine> {
        let det = self.determinant();
        if det.abs() < 1e-300 || !det.is_finite() {
            return None;
        }
        let inv_det = 1.0 / det;
        // Rows of the inverse linear part are the cross products of the columns.
        let r0 = self.y.cross(self.z) * inv_det;
        let r1 = self.z.cross(self.x) * inv_det;
        let r2 = self.x.cross(self.y) * inv_det;
        let x = v3(r0.x, r1.x, r2.x);
        let y = v3(r0.y, r1.y, r2.y);
        let z = v3(r0.z, r1.z, r2.z);
        let lin = Affine {
            x,
            y,
            z,
            t: V3::default(),
        };
        let t = -lin.apply_vec(self.t);
        Some(Affine { t, ..lin })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_and_inverse_round_trip() {
        let f = Affine::frame(
            v3(1.0, 2.0, 3.0),
            Some(v3(0.0, 0.0, 1.0)),
            Some(v3(0.0, 1.0, 0.0)),
        );
        let p = v3(0.3, -4.0, 7.0);
        let q = f.inverse().unwrap().apply(f.apply(p));
        assert!((q - p).len() < 1e-12);
        assert!((f.determinant() - 1.0).abs() < 1e-12);
        assert!((f.apply(v3(1.0, 0.0, 0.0)) - v3(1.0, 3.0, 3.0)).len() < 1e-12);
    }
}
