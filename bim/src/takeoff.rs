//! The takeoff output contract: what `chantier takeoff --format json` prints and what the
//! gRPC `TakeoffResult` mirrors. Keys are stable; add fields, never rename them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The takeoff of one file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Takeoff {
    pub file: String,
    /// "ifc", "dxf", "pdf" or "image".
    pub format: String,
    /// IFC schema identifier (IFC2X3, IFC4, IFC4X3_ADD2...); absent for drawings.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub schema: Option<String>,
    /// Inconsistent or unsupported data that did not stop the takeoff.
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default, flatten)]
    pub ifc: Option<IfcTakeoff>,
    #[serde(skip_serializing_if = "Option::is_none", default, flatten)]
    pub dxf: Option<DxfTakeoff>,
    #[serde(skip_serializing_if = "Option::is_none", default, flatten)]
    pub plan: Option<PlanTakeoff>,
}

/// A plan read from a PDF or a picture: one entry per page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PlanTakeoff {
    pub pages: Vec<crate::plan::PageTakeoff>,
}

/// Reads the format first, then the part it names: serde's flatten of two optional parts
/// cannot tell them apart and silently dropped the DXF part of stored takeoffs.
impl<'de> Deserialize<'de> for Takeoff {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        struct Head {
            file: String,
            format: String,
            #[serde(default)]
            schema: Option<String>,
            #[serde(default)]
            warnings: Vec<String>,
        }
        let v = serde_json::Value::deserialize(d)?;
        let head: Head = serde_json::from_value(v.clone()).map_err(D::Error::custom)?;
        let (mut ifc, mut dxf, mut plan) = (None, None, None);
        match head.format.as_str() {
            "ifc" => ifc = Some(serde_json::from_value(v).map_err(D::Error::custom)?),
            "dxf" => dxf = Some(serde_json::from_value(v).map_err(D::Error::custom)?),
            "pdf" | "image" => plan = Some(serde_json::from_value(v).map_err(D::Error::custom)?),
            _ => {}
        }
        Ok(Takeoff {
            file: head.file,
            format: head.format,
            schema: head.schema,
            warnings: head.warnings,
            ifc,
            dxf,
            plan,
        })
    }
}

/// Where a quantity comes from, so an estimate line can be traced and trusted.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Computed by chantier from the element's body geometry.
    Geometry,
    /// Read from an IfcElementQuantity attached to the element.
    QuantitySet,
}

// ---------------------------------------------------------------- IFC

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IfcTakeoff {
    pub header: IfcHeader,
    pub units: IfcUnits,
    /// Number of entity instances in the file.
    pub entity_count: u64,
    pub spatial: Vec<SpatialNode>,
    /// Totals per exact IFC class (e.g. "IfcWallStandardCase" is not counted in "IfcWall").
    pub classes: BTreeMap<String, GroupQuantities>,
    /// Totals per building storey name ("(none)" for elements outside any storey).
    pub storeys: BTreeMap<String, GroupQuantities>,
    /// Totals per element type name (IfcRelDefinesByType), "(none)" without type.
    pub types: BTreeMap<String, GroupQuantities>,
    /// Totals per material name; an element with a layer set counts once per material with
    /// the volume share of that layer.
    pub materials: BTreeMap<String, GroupQuantities>,
    /// Every element with its own quantities and provenance.
    pub elements: Vec<ElementQuantities>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IfcHeader {
    pub name: String,
    pub description: Vec<String>,
    pub time_stamp: String,
    pub originating_system: String,
    pub preprocessor_version: String,
}

/// Factors from the file's project units to SI.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IfcUnits {
    pub length_unit: String,
    pub length_to_m: f64,
    pub area_to_m2: f64,
    pub volume_to_m3: f64,
    pub mass_to_kg: f64,
    pub plane_angle_to_rad: f64,
}

impl Default for IfcUnits {
    fn default() -> Self {
        Self {
            length_unit: "METRE".into(),
            length_to_m: 1.0,
            area_to_m2: 1.0,
            volume_to_m3: 1.0,
            mass_to_kg: 1.0,
            plane_angle_to_rad: 1.0,
        }
    }
}

/// A node of the spatial structure: site, building, storey or space.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SpatialNode {
    pub id: u32,
    pub global_id: String,
    pub class: String,
    pub name: String,
    /// Storey elevation in metres, when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub elevation_m: Option<f64>,
    /// Parent node id (0 for the root).
    pub parent: u32,
    /// Elements contained directly.
    pub element_count: u64,
}

/// Quantities summed over a group of elements (a class, a storey, a type, a material).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GroupQuantities {
    pub count: u64,
    /// Elements whose body geometry could be measured.
    pub with_geometry: u64,
    /// Net volume: openings that void the element subtracted.
    pub volume_m3: f64,
    /// Gross volume: openings ignored.
    pub gross_volume_m3: f64,
    /// Area of the projection on the XY plane (net geometry).
    pub footprint_area_m2: f64,
    /// Total area of the body's faces (net geometry).
    pub surface_area_m2: f64,
    /// Area of the near-vertical faces (|normal z| <= 0.1), net: both faces of a wall plus
    /// its ends and reveals. Rules halve it for one face.
    pub lateral_area_m2: f64,
    /// Sum of the elements' lengths along their local X axis (walls, beams, members), in m.
    pub length_m: f64,
    /// Sum of each "SetName.QuantityName" in SI units (m, m2, m3, kg, s, count).
    pub qto: BTreeMap<String, f64>,
    /// The elements that make up this group.
    pub element_ids: Vec<u32>,
}

/// One element's quantities.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ElementQuantities {
    pub id: u32,
    pub global_id: String,
    pub class: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub predefined_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub type_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub storey: Option<String>,
    /// Materials with their share of the element (layer thickness share, or equal shares).
    pub materials: Vec<MaterialShare>,
    pub quantities: Vec<Quantity>,
    /// Single-value properties "SetName.PropertyName" from the element's property sets, then
    /// its type's (the element's own value wins).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub properties: BTreeMap<String, PropertyValue>,
    /// Ids of the opening elements subtracted for the net quantities.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub openings: Vec<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MaterialShare {
    pub name: String,
    pub fraction: f64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub thickness_m: Option<f64>,
}

/// A property's value as the file gives it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum PropertyValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// One measured value with its unit and provenance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quantity {
    /// "volume", "gross_volume", "footprint_area", "surface_area", "lateral_area",
    /// "height" for geometry; "SetName.QuantityName" for quantity sets.
    pub name: String,
    pub value: f64,
    /// "m", "m2", "m3", "kg", "s" or "u".
    pub unit: String,
    pub source: Source,
}

// ---------------------------------------------------------------- DXF

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DxfTakeoff {
    /// $ACADVER, e.g. "AC1027".
    pub version: String,
    pub binary: bool,
    /// $INSUNITS code as found (0 when absent).
    pub insunits: i32,
    /// Factor from drawing units to metres.
    pub units_to_m: f64,
    /// Model-space entity count.
    pub entity_count: u64,
    pub layers: BTreeMap<String, DxfLayer>,
    /// Model-space INSERT count per block name (not expanded).
    pub blocks: BTreeMap<String, u64>,
    /// INSERT count per block name with nested blocks expanded (an INSERT of a block that
    /// holds two INSERTs of "B" adds 2 to "B").
    pub blocks_expanded: BTreeMap<String, u64>,
    /// ATTRIB values of model-space INSERTs.
    pub attributes: Vec<DxfAttribute>,
    /// TEXT and MTEXT content of model space (MTEXT formatting codes removed).
    pub texts: Vec<DxfText>,
    pub dimensions: Vec<DxfDimension>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DxfLayer {
    /// Entity type name to model-space count.
    pub entity_counts: BTreeMap<String, u64>,
    /// Length of LINE, ARC, CIRCLE, ELLIPSE, SPLINE, LWPOLYLINE and POLYLINE, in metres.
    pub length_m: f64,
    /// Length of LWPOLYLINE and POLYLINE alone (bulges included), in metres.
    pub polyline_length_m: f64,
    /// Area enclosed by closed LWPOLYLINE/POLYLINE (closed flag or first == last vertex).
    pub polyline_closed_area_m2: f64,
    pub polyline_closed_count: u64,
    /// HATCH area: outer boundaries minus islands, arcs and ellipse edges included.
    pub hatch_area_m2: f64,
    /// The same measures with block INSERTs expanded (entities on layer "0" in a block take
    /// the INSERT's layer), in metres.
    pub expanded_length_m: f64,
    pub expanded_hatch_area_m2: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DxfAttribute {
    pub block: String,
    pub tag: String,
    pub value: String,
    pub layer: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DxfText {
    pub layer: String,
    pub text: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DxfDimension {
    pub layer: String,
    /// "linear", "aligned", "angular", "diameter", "radius", "angular3p", "ordinate".
    pub kind: String,
    /// Measurement (group 42) in drawing units, or degrees for angular dimensions.
    pub measurement: f64,
    /// The measurement in metres for linear kinds; absent for angles.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value_m: Option<f64>,
    /// Text override as written, "<>" standing for the measurement.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub text: String,
}
