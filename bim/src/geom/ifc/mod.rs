//! IFC geometry to meshes: placements, profiles and curves, swept solids, B-reps,
//! tessellations, mapped items and booleans (clipping by half-spaces, openings).
//!
//! Everything is built in the product's object coordinates (file units), then moved to
//! world metres with the product's placement and the project's length unit.

mod curves;
mod items;
mod placement;
mod profiles;

use std::fmt;

use crate::ifc::IfcModel;
use crate::step::Value;

use super::math::Affine;
use super::mesh::Mesh;

/// Why one product's geometry could not be (fully) built. Never fatal for the takeoff.
#[derive(Debug, Clone, PartialEq)]
pub struct GeomError {
    pub id: u32,
    pub message: String,
}

impl fmt::Display for GeomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}: {}", self.id, self.message)
    }
}

pub type GResult<T> = Result<T, GeomError>;

fn err<T>(id: u32, message: impl Into<String>) -> GResult<T> {
    Err(GeomError {
        id,
        message: message.into(),
    })
}

/// The point at a 1-based index, through an optional 1-based index map (IFC4's PnIndex);
/// `None` for any index out of range, negative or overflowing.
pub(super) fn one_based(pts: &[super::math::V3], pn: &[i64], i: i64) -> Option<super::math::V3> {
    let i = usize::try_from(i.checked_sub(1)?).ok()?;
    let j = if pn.is_empty() {
        i
    } else {
        usize::try_from(pn.get(i)?.checked_sub(1)?).ok()?
    };
    pts.get(j).copied()
}

/// References deeper than this are treated as a cycle: real models nest a few levels.
const MAX_DEPTH: usize = 48;

/// A solid (or surface) built from representation items.
#[derive(Debug, Clone, Default)]
pub struct Solid {
    pub mesh: Mesh,
    /// False when some item was an open surface: volumes and booleans are then unreliable.
    pub closed: bool,
    /// The product's local X axis in world coordinates (unit): the direction along which
    /// walls, beams and members are laid out, used to measure their length.
    pub axis_x: super::math::V3,
}

/// Builds meshes for the products of one model. Shared across rayon workers (read-only).
pub struct GeomBuilder<'a> {
    model: &'a IfcModel,
    /// Radians per file plane-angle unit, for curve trimming parameters.
    angle: f64,
    /// Metres per file length unit.
    scale: f64,
}

impl<'a> GeomBuilder<'a> {
    pub fn new(model: &'a IfcModel) -> Self {
        Self {
            model,
            angle: model.units.plane_angle_to_rad,
            scale: model.units.length_to_m,
        }
    }

    fn args(&self, id: u32) -> GResult<Vec<Value<'a>>> {
        self.model.step.args(id).map_err(|e| GeomError {
            id,
            message: e.to_string(),
        })
    }

    fn ty(&self, id: u32) -> GResult<&'a str> {
        match self.model.step.type_of(id) {
            Some(t) => Ok(t),
            None => err(id, "referenced entity does not exist"),
        }
    }

    /// The points of an IfcCartesianPointList2D/3D (2D points get z = 0).
    fn point_list(&self, id: u32, list: Option<&Value<'_>>) -> GResult<Vec<super::math::V3>> {
        let Some(list) = list.and_then(Value::as_ref_id) else {
            return err(id, "no coordinate list");
        };
        let la = self.args(list)?;
        Ok(la
            .first()
            .and_then(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| {
                let c = c.as_f64_list()?;
                Some(super::math::v3(
                    *c.first()?,
                    *c.get(1)?,
                    c.get(2).copied().unwrap_or(0.0),
                ))
            })
            .collect())
    }

    /// The product's body in world metres, `None` when it has no 3D body representation.
    pub fn product_solid(&self, product: u32) -> GResult<Option<Solid>> {
        let a = self.args(product)?;
        let Some(shape) = a.get(6).and_then(Value::as_ref_id) else {
            return Ok(None);
        };
        let items = self.body_items(shape)?;
        if items.is_empty() {
            return Ok(None);
        }
        let mut solid = Solid {
            mesh: Mesh::default(),
            closed: true,
            axis_x: super::math::v3(1.0, 0.0, 0.0),
        };
        for item in items {
            let s = self.item(item, 0)?;
            solid.closed &= s.closed;
            solid.mesh.extend(s.mesh);
        }
        let place = match a.get(5).and_then(Value::as_ref_id) {
            Some(p) => self.object_placement(p, 0)?,
            None => Affine::IDENTITY,
        };
        let world = Affine::scale(self.scale).then(&place);
        solid.mesh.transform(&world);
        if let Some(x) = place.x.normalized() {
            solid.axis_x = x;
        }
        Ok(Some(solid))
    }

    /// The items of the representation takeoff measures: "Body" first, as IfcOpenShell does.
    fn body_items(&self, shape: u32) -> GResult<Vec<u32>> {
        let reps = self
            .args(shape)?
            .get(2)
            .map(Value::refs)
            .unwrap_or_default();
        let mut fallback = None;
        for rep in reps {
            let a = self.args(rep)?;
            let ident = a.get(1).and_then(Value::as_string).unwrap_or_default();
            let kind = a.get(2).and_then(Value::as_string).unwrap_or_default();
            let items = a.get(3).map(Value::refs).unwrap_or_default();
            if ident.eq_ignore_ascii_case("Body") {
                return Ok(items);
            }
            let solid_kind = matches!(
                kind.as_str(),
                "SweptSolid"
                    | "AdvancedSweptSolid"
                    | "Brep"
                    | "AdvancedBrep"
                    | "CSG"
                    | "Clipping"
                    | "SurfaceModel"
                    | "Tessellation"
                    | "MappedRepresentation"
            );
            if fallback.is_none()
                && solid_kind
                && !matches!(ident.as_str(), "Box" | "Axis" | "FootPrint" | "Annotation")
            {
                fallback = Some(items);
            }
        }
        Ok(fallback.unwrap_or_default())
    }
}
