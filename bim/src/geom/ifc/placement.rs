use crate::step::Value;

use super::super::math::{Affine, V3, v3};
use super::{GResult, GeomBuilder, MAX_DEPTH, err};

impl GeomBuilder<'_> {
    /// World transform of an IfcObjectPlacement (file units).
    pub(super) fn object_placement(&self, id: u32, depth: usize) -> GResult<Affine> {
        if depth > MAX_DEPTH {
            return err(id, "placement chain too deep (reference cycle?)");
        }
        match self.ty(id)? {
            "IFCLOCALPLACEMENT" => {
                let a = self.args(id)?;
                let local = match a.get(1).and_then(Value::as_ref_id) {
                    Some(r) => self.axis_placement(r)?,
                    None => Affine::IDENTITY,
                };
                match a.first().and_then(Value::as_ref_id) {
                    Some(parent) => Ok(self.object_placement(parent, depth + 1)?.then(&local)),
                    None => Ok(local),
                }
            }
            other => err(id, format!("{other} placements are not supported")),
        }
    }

    /// IfcAxis2Placement2D/3D as a transform.
    pub(super) fn axis_placement(&self, id: u32) -> GResult<Affine> {
        let a = self.args(id)?;
        let origin = match a.first().and_then(Value::as_ref_id) {
            Some(p) => self.point(p)?,
            None => V3::default(),
        };
        match self.ty(id)? {
            "IFCAXIS2PLACEMENT3D" => {
                let z = self.opt_direction(a.get(1))?;
                let x = self.opt_direction(a.get(2))?;
                Ok(Affine::frame(origin, z, x))
            }
            "IFCAXIS2PLACEMENT2D" => {
                let x = self.opt_direction(a.get(1))?;
                Ok(Affine::frame(origin, None, x))
            }
            "IFCAXIS1PLACEMENT" => {
                let z = self.opt_direction(a.get(1))?;
                Ok(Affine::frame(origin, z, None))
            }
            other => err(id, format!("{other} is not an axis placement")),
        }
    }

    pub(super) fn opt_axis_placement(&self, v: Option<&Value<'_>>) -> GResult<Affine> {
        match v.and_then(Value::as_ref_id) {
            Some(r) => self.axis_placement(r),
            None => Ok(Affine::IDENTITY),
        }
    }

    /// An optional IfcDirection attribute.
    pub(super) fn opt_direction(&self, v: Option<&Value<'_>>) -> GResult<Option<V3>> {
        v.and_then(Value::as_ref_id)
            .map(|d| self.direction(d))
            .transpose()
    }

    pub(super) fn point(&self, id: u32) -> GResult<V3> {
        let a = self.args(id)?;
        let c = a.first().and_then(Value::as_f64_list).unwrap_or_default();
        match c.as_slice() {
            [x, y] => Ok(v3(*x, *y, 0.0)),
            [x, y, z] => Ok(v3(*x, *y, *z)),
            _ => err(id, "a cartesian point needs 2 or 3 coordinates"),
        }
    }

    pub(super) fn direction(&self, id: u32) -> GResult<V3> {
        let a = self.args(id)?;
        let c = a.first().and_then(Value::as_f64_list).unwrap_or_default();
        let d = match c.as_slice() {
            [x, y] => v3(*x, *y, 0.0),
            [x, y, z] => v3(*x, *y, *z),
            _ => return err(id, "a direction needs 2 or 3 ratios"),
        };
        if !d.is_finite() || d.len() < 1e-12 {
            return err(id, "zero-length direction");
        }
        Ok(d)
    }

    /// IfcCartesianTransformationOperator2D/3D (uniform or not) as a transform.
    pub(super) fn transform_operator(&self, id: u32) -> GResult<Affine> {
        let ty = self.ty(id)?;
        let a = self.args(id)?;
        let dir = |i: usize| self.opt_direction(a.get(i));
        let x_axis = dir(0)?;
        let origin = match a.get(2).and_then(Value::as_ref_id) {
            Some(p) => self.point(p)?,
            None => V3::default(),
        };
        let s = a.get(3).and_then(Value::as_f64).unwrap_or(1.0);
        let three_d = ty.contains("3D");
        let z_axis = if three_d { dir(4)? } else { None };
        let (s2, s3) = if ty.contains("NONUNIFORM") {
            let s2 = a
                .get(if three_d { 5 } else { 4 })
                .and_then(Value::as_f64)
                .unwrap_or(s);
            let s3 = a.get(6).and_then(Value::as_f64).unwrap_or(s);
            (s2, s3)
        } else {
            (s, s)
        };
        let mut f = Affine::frame(origin, z_axis, x_axis);
        // IfcBaseAxis: the second axis is Axis2 (default +Y) made perpendicular to the
        // others, keeping its sign, so an operator can mirror (a door opening the other way).
        let y_hint = dir(1)?.unwrap_or(v3(0.0, 1.0, 0.0));
        if y_hint.dot(f.y) < 0.0 {
            f.y = -f.y;
        }
        f.x = f.x * s;
        f.y = f.y * s2;
        f.z = f.z * s3;
        Ok(f)
    }
}
