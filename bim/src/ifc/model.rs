//! An IFC model: the indexed STEP file plus the relationships takeoff follows (containment,
//! aggregation, types, property and quantity sets, materials, openings).

use std::collections::HashMap;

use crate::BimError;
use crate::step::{StepFile, Value};
use crate::takeoff::IfcUnits;

use super::units::read_units;

#[derive(Debug)]
pub struct IfcModel {
    pub step: StepFile,
    /// Schema identifier from FILE_SCHEMA, e.g. "IFC2X3".
    pub schema: String,
    pub units: IfcUnits,
    pub rel: Relations,
    pub warnings: Vec<String>,
}

/// Relationships resolved into maps keyed by the related object's id.
#[derive(Debug, Default)]
pub struct Relations {
    /// Element -> spatial structure element containing it.
    pub container: HashMap<u32, u32>,
    /// Part -> whole (IfcRelAggregates / IfcRelNests are not followed for nesting).
    pub parent: HashMap<u32, u32>,
    /// Object -> type object.
    pub type_of: HashMap<u32, u32>,
    /// Object -> property set definitions (IfcPropertySet, IfcElementQuantity...).
    pub definitions: HashMap<u32, Vec<u32>>,
    /// Object -> material select (IfcMaterial, IfcMaterialLayerSetUsage, ...).
    pub material: HashMap<u32, u32>,
    /// Element -> opening elements voiding it.
    pub openings: HashMap<u32, Vec<u32>>,
    /// Opening -> element it voids.
    pub voided_by: HashMap<u32, u32>,
}

impl IfcModel {
    pub fn parse(bytes: Vec<u8>) -> Result<Self, BimError> {
        let step = StepFile::parse(bytes)?;
        let schema = step
            .header
            .schemas
            .first()
            .cloned()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !schema.starts_with("IFC") {
            return Err(BimError::Ifc(format!(
                "FILE_SCHEMA is {:?}, not an IFC schema",
                step.header.schemas
            )));
        }
        let mut warnings = step.warnings.clone();
        let units = read_units(&step, &mut warnings);
        let rel = Relations::read(&step, &mut warnings);
        Ok(Self {
            step,
            schema,
            units,
            rel,
            warnings,
        })
    }

    /// Decoded attributes of `id`, empty when it does not exist or does not decode.
    pub fn args(&self, id: u32) -> Vec<Value<'_>> {
        self.step.args(id).unwrap_or_default()
    }

    pub fn string_attr(&self, id: u32, index: usize) -> Option<String> {
        self.args(id).get(index).and_then(Value::as_string)
    }
}

impl Relations {
    fn read(step: &StepFile, warnings: &mut Vec<String>) -> Self {
        let mut r = Relations::default();
        let mut each = |ty: &str, f: &mut dyn FnMut(&[Value<'_>])| {
            for &pos in step.of_type(ty) {
                let rec = step.records()[pos as usize];
                match step.record_args(&rec) {
                    Ok(args) => f(&args),
                    Err(e) if warnings.len() < 100 => {
                        warnings.push(format!("#{}: {ty} skipped: {e}", rec.id))
                    }
                    Err(_) => {}
                }
            }
        };
        each("IFCRELCONTAINEDINSPATIALSTRUCTURE", &mut |a| {
            if let Some(s) = a.get(5).and_then(Value::as_ref_id) {
                for e in a.get(4).map(Value::refs).unwrap_or_default() {
                    r.container.insert(e, s);
                }
            }
        });
        each("IFCRELAGGREGATES", &mut |a| {
            if let Some(whole) = a.get(4).and_then(Value::as_ref_id) {
                for part in a.get(5).map(Value::refs).unwrap_or_default() {
                    r.parent.insert(part, whole);
                }
            }
        });
        each("IFCRELDEFINESBYTYPE", &mut |a| {
            if let Some(t) = a.get(5).and_then(Value::as_ref_id) {
                for o in a.get(4).map(Value::refs).unwrap_or_default() {
                    r.type_of.insert(o, t);
                }
            }
        });
        each("IFCRELDEFINESBYPROPERTIES", &mut |a| {
            let defs = a.get(5).map(Value::refs).unwrap_or_default();
            for o in a.get(4).map(Value::refs).unwrap_or_default() {
                r.definitions
                    .entry(o)
                    .or_default()
                    .extend(defs.iter().copied());
            }
        });
        each("IFCRELASSOCIATESMATERIAL", &mut |a| {
            if let Some(m) = a.get(5).and_then(Value::as_ref_id) {
                for o in a.get(4).map(Value::refs).unwrap_or_default() {
                    r.material.insert(o, m);
                }
            }
        });
        each("IFCRELVOIDSELEMENT", &mut |a| {
            if let (Some(el), Some(op)) = (
                a.get(4).and_then(Value::as_ref_id),
                a.get(5).and_then(Value::as_ref_id),
            ) {
                r.openings.entry(el).or_default().push(op);
                r.voided_by.insert(op, el);
            }
        });
        r
    }
}
