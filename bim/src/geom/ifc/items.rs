//! Representation items to solids: swept areas, B-reps, tessellations, CSG primitives,
//! mapped items, and boolean results (including half-space clipping).

use crate::step::Value;

use super::super::csg::{BoolOp, boolean};
use super::super::math::{Affine, V3, v3};
use super::super::mesh::{Mesh, Poly};
use super::super::primitives::{Region, box_mesh, extrude, face_polys, revolve};
use super::{GResult, GeomBuilder, MAX_DEPTH, Solid, err, one_based};

impl GeomBuilder<'_> {
    /// A representation item in its representation's coordinates (file units).
    pub(super) fn item(&self, id: u32, depth: usize) -> GResult<Solid> {
        let solid = self.item_unchecked(id, depth)?;
        // Shared sub-items can be mapped or combined into exponentially many copies; the
        // budget stops such a file long before it exhausts memory.
        if solid.mesh.polys.len() > MAX_ITEM_POLYS {
            return err(id, format!("geometry exceeds {MAX_ITEM_POLYS} polygons"));
        }
        Ok(solid)
    }

    fn item_unchecked(&self, id: u32, depth: usize) -> GResult<Solid> {
        if depth > MAX_DEPTH {
            return err(id, "representation nesting too deep (reference cycle?)");
        }
        let a = self.args(id)?;
        let closed = |mesh: Mesh| {
            Ok(Solid {
                mesh,
                closed: true,
                ..Solid::default()
            })
        };
        match self.ty(id)? {
            "IFCEXTRUDEDAREASOLID" | "IFCEXTRUDEDAREASOLIDTAPERED" => {
                let Some(profile) = a.first().and_then(Value::as_ref_id) else {
                    return err(id, "extrusion without profile");
                };
                let frame = self.opt_axis_placement(a.get(1))?;
                let dir = match a.get(2).and_then(Value::as_ref_id) {
                    Some(d) => self.direction(d)?,
                    None => v3(0.0, 0.0, 1.0),
                };
                let depth_v = a.get(3).and_then(Value::as_f64).unwrap_or(0.0);
                if !(depth_v.is_finite() && depth_v > 0.0) {
                    return err(id, "extrusion depth must be positive");
                }
                let mut mesh = Mesh::default();
                for r in self.profile(profile, depth + 1)? {
                    mesh.extend(extrude(&r, dir, depth_v, &frame));
                }
                closed(mesh)
            }
            "IFCREVOLVEDAREASOLID" | "IFCREVOLVEDAREASOLIDTAPERED" => {
                let Some(profile) = a.first().and_then(Value::as_ref_id) else {
                    return err(id, "revolution without profile");
                };
                let frame = self.opt_axis_placement(a.get(1))?;
                let Some(axis) = a.get(2).and_then(Value::as_ref_id) else {
                    return err(id, "revolution without axis");
                };
                let ax = self.axis_placement(axis)?;
                let angle = a.get(3).and_then(Value::as_f64).unwrap_or(0.0) * self.angle;
                let mut mesh = Mesh::default();
                for r in self.profile(profile, depth + 1)? {
                    mesh.extend(revolve(&r, ax.t, ax.z, angle, &frame));
                }
                closed(mesh)
            }
            "IFCBOOLEANRESULT" | "IFCBOOLEANCLIPPINGRESULT" => self.boolean_result(id, &a, depth),
            "IFCFACETEDBREP"
            | "IFCFACETEDBREPWITHVOIDS"
            | "IFCADVANCEDBREP"
            | "IFCMANIFOLDSOLIDBREP" => {
                let mut shells = a.first().map(Value::refs).unwrap_or_default();
                let voids = a.get(1).map(Value::refs).unwrap_or_default();
                shells.truncate(1);
                let mut outer = self.shell(shells.first().copied().unwrap_or(0), depth)?;
                outer.repair_orientation();
                for v in voids {
                    let mut m = self.shell(v, depth)?;
                    m.repair_orientation();
                    m.flip();
                    outer.extend(m);
                }
                closed(outer)
            }
            "IFCCLOSEDSHELL" => {
                let mut m = self.shell(id, depth)?;
                m.repair_orientation();
                closed(m)
            }
            "IFCOPENSHELL" | "IFCCONNECTEDFACESET" => {
                let mut m = self.shell(id, depth)?;
                m.repair_orientation();
                Ok(Solid {
                    mesh: m,
                    closed: false,
                    ..Solid::default()
                })
            }
            "IFCFACEBASEDSURFACEMODEL" | "IFCSHELLBASEDSURFACEMODEL" => {
                let mut mesh = Mesh::default();
                for s in a.first().map(Value::refs).unwrap_or_default() {
                    mesh.extend(self.shell(s, depth)?);
                }
                mesh.repair_orientation();
                Ok(Solid {
                    mesh,
                    closed: false,
                    ..Solid::default()
                })
            }
            "IFCTRIANGULATEDFACESET" | "IFCTRIANGULATEDIRREGULARNETWORK" => {
                self.triangulated(id, &a)
            }
            "IFCPOLYGONALFACESET" => self.polygonal(id, &a),
            "IFCMAPPEDITEM" => {
                let Some(source) = a.first().and_then(Value::as_ref_id) else {
                    return err(id, "mapped item without source");
                };
                let sa = self.args(source)?;
                let origin = self.opt_axis_placement(sa.first())?;
                let target = match a.get(1).and_then(Value::as_ref_id) {
                    Some(t) => self.transform_operator(t)?,
                    None => Affine::IDENTITY,
                };
                let Some(rep) = sa.get(1).and_then(Value::as_ref_id) else {
                    return err(source, "map without representation");
                };
                let mut out = Solid {
                    mesh: Mesh::default(),
                    closed: true,
                    ..Solid::default()
                };
                for item in self.args(rep)?.get(3).map(Value::refs).unwrap_or_default() {
                    let s = self.item(item, depth + 1)?;
                    out.closed &= s.closed;
                    out.mesh.extend(s.mesh);
                }
                out.mesh.transform(&target.then(&origin));
                Ok(out)
            }
            "IFCCSGSOLID" => match a.first().and_then(Value::as_ref_id) {
                Some(root) => self.item(root, depth + 1),
                None => err(id, "CSG solid without tree"),
            },
            "IFCBLOCK" => {
                let frame = self.opt_axis_placement(a.first())?;
                let (x, y, z) = (num(&a, 1), num(&a, 2), num(&a, 3));
                let mut m = box_mesh(V3::default(), v3(x, y, z));
                m.transform(&frame);
                closed(m)
            }
            "IFCRIGHTCIRCULARCYLINDER" => {
                let frame = self.opt_axis_placement(a.first())?;
                let (h, r) = (num(&a, 1), num(&a, 2));
                closed(extrude(&circle_region(r), v3(0.0, 0.0, 1.0), h, &frame))
            }
            "IFCSWEPTDISKSOLID" => {
                let Some(directrix) = a.first().and_then(Value::as_ref_id) else {
                    return err(id, "swept disk without directrix");
                };
                let r = num(&a, 1);
                if !(r.is_finite() && r > 0.0) {
                    return err(id, "swept disk radius must be positive");
                }
                // Hollow pipes keep their bore; segments are measured as straight cylinders.
                let mut disk = circle_region(r);
                let inner = num(&a, 2);
                if inner.is_finite() && inner > 0.0 && inner < r {
                    disk.holes.push(circle_region(inner).outer);
                }
                let pts = self.curve_points(directrix, depth + 1)?;
                let mut mesh = Mesh::default();
                for w in pts.windows(2) {
                    let d = w[1] - w[0];
                    let len = d.len();
                    if len > 1e-12 {
                        let frame = Affine::frame(w[0], Some(d), None);
                        mesh.extend(extrude(&disk, v3(0.0, 0.0, 1.0), len, &frame));
                    }
                }
                closed(mesh)
            }
            "IFCHALFSPACESOLID" | "IFCPOLYGONALBOUNDEDHALFSPACE" | "IFCBOXEDHALFSPACE" => err(
                id,
                "a half-space is only meaningful as the second operand of a boolean",
            ),
            other => err(id, format!("{other} items are not supported")),
        }
    }

    fn boolean_result(&self, id: u32, a: &[Value<'_>], depth: usize) -> GResult<Solid> {
        let op = match a.first().and_then(Value::as_enum) {
            Some("UNION") => BoolOp::Union,
            Some("INTERSECTION") => BoolOp::Intersection,
            _ => BoolOp::Difference,
        };
        let (Some(first), Some(second)) = (
            a.get(1).and_then(Value::as_ref_id),
            a.get(2).and_then(Value::as_ref_id),
        ) else {
            return err(id, "boolean without two operands");
        };
        let first = self.item(first, depth + 1)?;
        let Some(bounds) = first.mesh.bounds() else {
            return Ok(first);
        };
        let second_mesh = match self.ty(second)? {
            "IFCHALFSPACESOLID" | "IFCPOLYGONALBOUNDEDHALFSPACE" | "IFCBOXEDHALFSPACE" => {
                self.half_space(second, bounds, depth + 1)?
            }
            _ => self.item(second, depth + 1)?.mesh,
        };
        if !first.closed {
            // Booleans on open surfaces are meaningless; keep the surface as it is.
            return Ok(first);
        }
        match boolean(first.mesh, second_mesh, op) {
            Ok(mesh) => Ok(Solid {
                mesh,
                closed: true,
                ..Solid::default()
            }),
            Err(e) => err(id, e.to_string()),
        }
    }

    /// A half-space as a closed box large enough to cover `bounds` (the other operand).
    fn half_space(&self, id: u32, bounds: (V3, V3), depth: usize) -> GResult<Mesh> {
        let a = self.args(id)?;
        let Some(plane) = a.first().and_then(Value::as_ref_id) else {
            return err(id, "half-space without surface");
        };
        if self.ty(plane)? != "IFCPLANE" {
            return err(plane, "only planar half-spaces are supported");
        }
        let frame = self.opt_axis_placement(self.args(plane)?.first())?;
        let agreement = a.get(1).and_then(Value::as_bool).unwrap_or(true);
        let corners = corners(bounds);
        let margin = (bounds.1 - bounds.0).len() + 1.0;
        let local_bounds = |f: &Affine| -> Option<(V3, V3)> {
            let inv = f.inverse()?;
            let pts: Vec<V3> = corners.iter().map(|&c| inv.apply(c)).collect();
            let lo = pts
                .iter()
                .fold(pts[0], |m, p| v3(m.x.min(p.x), m.y.min(p.y), m.z.min(p.z)));
            let hi = pts
                .iter()
                .fold(pts[0], |m, p| v3(m.x.max(p.x), m.y.max(p.y), m.z.max(p.z)));
            Some((
                lo - v3(margin, margin, margin),
                hi + v3(margin, margin, margin),
            ))
        };
        let Some((lo, hi)) = local_bounds(&frame) else {
            return err(plane, "degenerate plane placement");
        };
        // Agreement TRUE: the material lies opposite the plane normal (z < 0).
        let (zlo, zhi) = if agreement {
            (lo.z.min(-margin), 0.0)
        } else {
            (0.0, hi.z.max(margin))
        };
        let mut space = box_mesh(v3(lo.x, lo.y, zlo), v3(hi.x, hi.y, zhi));
        space.transform(&frame);
        if self.ty(id)? != "IFCPOLYGONALBOUNDEDHALFSPACE" {
            return Ok(space);
        }
        let position = self.opt_axis_placement(a.get(2))?;
        let Some(boundary) = a.get(3).and_then(Value::as_ref_id) else {
            return err(id, "bounded half-space without boundary");
        };
        let outer: Vec<[f64; 2]> = self
            .curve_points(boundary, depth + 1)?
            .into_iter()
            .map(|p| [p.x, p.y])
            .collect();
        let Some((plo, phi)) = local_bounds(&position) else {
            return err(id, "degenerate boundary placement");
        };
        let prism_frame = position.then(&Affine::translation(v3(0.0, 0.0, plo.z)));
        let prism = extrude(
            &Region {
                outer,
                holes: Vec::new(),
            },
            v3(0.0, 0.0, 1.0),
            phi.z - plo.z,
            &prism_frame,
        );
        boolean(space, prism, BoolOp::Intersection).or_else(|e| err(id, e.to_string()))
    }

    /// Faces of a shell or connected face set.
    fn shell(&self, id: u32, depth: usize) -> GResult<Mesh> {
        if depth > MAX_DEPTH {
            return err(id, "shell nesting too deep");
        }
        let faces = self.args(id)?.first().map(Value::refs).unwrap_or_default();
        let mut mesh = Mesh::default();
        for f in faces {
            let bounds = self.args(f)?.first().map(Value::refs).unwrap_or_default();
            let mut outer: Option<Vec<V3>> = None;
            let mut holes = Vec::new();
            for b in bounds {
                let ba = self.args(b)?;
                let is_outer = self.ty(b)? == "IFCFACEOUTERBOUND";
                let orientation = ba.get(1).and_then(Value::as_bool).unwrap_or(true);
                let Some(lp) = ba.first().and_then(Value::as_ref_id) else {
                    continue;
                };
                if self.ty(lp)? != "IFCPOLYLOOP" {
                    return err(lp, "only polygonal face loops are supported");
                }
                let mut pts = self
                    .args(lp)?
                    .first()
                    .map(Value::refs)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| self.point(p))
                    .collect::<GResult<Vec<_>>>()?;
                if !orientation {
                    pts.reverse();
                }
                if is_outer && outer.is_none() {
                    outer = Some(pts);
                } else {
                    holes.push(pts);
                }
            }
            let outer = match outer {
                Some(o) => o,
                None if !holes.is_empty() => holes.remove(0),
                None => continue,
            };
            mesh.polys.extend(face_polys(&outer, &holes));
        }
        Ok(mesh)
    }

    fn triangulated(&self, id: u32, a: &[Value<'_>]) -> GResult<Solid> {
        let pts = self.point_list(id, a.first())?;
        let pn: Vec<i64> = a
            .get(4)
            .and_then(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        let get = |i: i64| -> GResult<V3> {
            one_based(&pts, &pn, i).ok_or_else(|| super::GeomError {
                id,
                message: format!("index {i} out of range"),
            })
        };
        let closed = a.iter().take(3).any(|v| v.as_bool() == Some(true));
        let mut mesh = Mesh::default();
        for t in a.get(3).and_then(Value::as_list).unwrap_or(&[]) {
            let idx: Vec<i64> = t
                .as_list()
                .unwrap_or(&[])
                .iter()
                .filter_map(Value::as_i64)
                .collect();
            if let [i, j, k] = idx[..]
                && let Some(p) = Poly::new(vec![get(i)?, get(j)?, get(k)?])
            {
                mesh.polys.push(p);
            }
        }
        mesh.repair_orientation();
        Ok(Solid {
            mesh,
            closed,
            ..Solid::default()
        })
    }

    fn polygonal(&self, id: u32, a: &[Value<'_>]) -> GResult<Solid> {
        let pts = self.point_list(id, a.first())?;
        let closed = a.get(1).and_then(Value::as_bool).unwrap_or(false);
        let pn: Vec<i64> = a
            .get(3)
            .and_then(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        let resolve = |v: &Value<'_>| -> GResult<Vec<V3>> {
            v.as_list()
                .unwrap_or(&[])
                .iter()
                .filter_map(Value::as_i64)
                .map(|i| {
                    one_based(&pts, &pn, i).ok_or_else(|| super::GeomError {
                        id,
                        message: format!("index {i} out of range"),
                    })
                })
                .collect()
        };
        let mut mesh = Mesh::default();
        for f in a.get(2).map(Value::refs).unwrap_or_default() {
            let fa = self.args(f)?;
            let outer = resolve(fa.first().unwrap_or(&Value::Null))?;
            let holes = fa
                .get(1)
                .and_then(Value::as_list)
                .unwrap_or(&[])
                .iter()
                .map(resolve)
                .collect::<GResult<Vec<_>>>()?;
            mesh.polys.extend(face_polys(&outer, &holes));
        }
        mesh.repair_orientation();
        Ok(Solid {
            mesh,
            closed,
            ..Solid::default()
        })
    }
}

/// Polygons one representation item may produce (a detailed B-rep has tens of thousands).
const MAX_ITEM_POLYS: usize = 2_000_000;

fn num(a: &[Value<'_>], i: usize) -> f64 {
    a.get(i).and_then(Value::as_f64).unwrap_or(0.0)
}

fn circle_region(r: f64) -> Region {
    let n = 64;
    Region {
        outer: (0..n)
            .map(|i| {
                let t = std::f64::consts::TAU * i as f64 / n as f64;
                [r * t.cos(), r * t.sin()]
            })
            .collect(),
        holes: Vec::new(),
    }
}

fn corners((lo, hi): (V3, V3)) -> [V3; 8] {
    let mut out = [V3::default(); 8];
    for (i, c) in out.iter_mut().enumerate() {
        *c = v3(
            if i & 1 == 0 { lo.x } else { hi.x },
            if i & 2 == 0 { lo.y } else { hi.y },
            if i & 4 == 0 { lo.z } else { hi.z },
        );
    }
    out
}
