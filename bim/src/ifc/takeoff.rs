//! IFC quantity takeoff: per-element quantities from geometry and quantity sets, grouped by
//! class, storey, type and material, with warnings where the file contradicts itself.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::geom::csg::{BoolOp, boolean};
use crate::geom::ifc::GeomBuilder;
use crate::geom::mesh::Measures;
use crate::step::Value;
use crate::takeoff::{
    ElementQuantities, GroupQuantities, IfcHeader, IfcTakeoff, Quantity, Source, SpatialNode,
    Takeoff,
};

use super::model::IfcModel;
use super::properties::{QtoKind, QtoValue};
use super::schema::{class_info, class_name};

/// How many per-element geometry problems are listed before they are summarised.
const MAX_LISTED_WARNINGS: usize = 40;

/// Measures of one element, before grouping.
struct Measured {
    id: u32,
    class: String,
    net: Option<Measures>,
    gross: Option<Measures>,
    /// Extent along the element's local X axis (gross), in metres.
    length: f64,
    openings: Vec<u32>,
    open_surface: bool,
    problems: Vec<String>,
}

/// Measures every element. Past `deadline` the remaining elements are skipped and the
/// takeoff fails with a limit error rather than return partial totals.
pub fn takeoff(
    file: &str,
    model: &IfcModel,
    deadline: Option<std::time::Instant>,
) -> Result<Takeoff, crate::BimError> {
    let step = &model.step;
    let mut warnings = model.warnings.clone();
    let products: Vec<u32> = step
        .records()
        .iter()
        .filter(|r| {
            class_info(step.type_name(r))
                .is_some_and(|c| c.element || (c.spatial && step.type_name(r) == "IFCSPACE"))
        })
        .map(|r| r.id)
        .collect();

    let builder = GeomBuilder::new(model);
    let late = std::sync::atomic::AtomicBool::new(false);
    let measured: Vec<Measured> = products
        .par_iter()
        .map(|&id| {
            if deadline.is_some_and(|d| std::time::Instant::now() > d) {
                late.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            if late.load(std::sync::atomic::Ordering::Relaxed) {
                return Measured::empty(id, String::new());
            }
            measure(model, &builder, id)
        })
        .collect();
    if late.into_inner() {
        return Err(crate::BimError::Limit(
            "the takeoff ran past its time limit".into(),
        ));
    }

    let mut problems: Vec<String> = measured
        .iter()
        .flat_map(|m| m.problems.iter().cloned())
        .collect();
    if problems.len() > MAX_LISTED_WARNINGS {
        let more = problems.len() - MAX_LISTED_WARNINGS;
        problems.truncate(MAX_LISTED_WARNINGS);
        problems.push(format!("... and {more} more geometry problems"));
    }
    warnings.extend(problems);

    let mut out = IfcTakeoff {
        header: IfcHeader {
            name: step.header.name.clone(),
            description: step.header.description.clone(),
            time_stamp: step.header.time_stamp.clone(),
            originating_system: step.header.originating_system.clone(),
            preprocessor_version: step.header.preprocessor_version.clone(),
        },
        units: model.units.clone(),
        entity_count: step.len() as u64,
        spatial: spatial_nodes(model),
        ..Default::default()
    };
    let storey_names: HashMap<u32, String> = out
        .spatial
        .iter()
        .filter(|n| n.class == "IfcBuildingStorey")
        .map(|n| {
            (
                n.id,
                if n.name.is_empty() {
                    format!("#{}", n.id)
                } else {
                    n.name.clone()
                },
            )
        })
        .collect();

    // Reading each element's sets, materials and properties decodes many entities: done in
    // parallel, in element order.
    let described: Vec<(ElementQuantities, Vec<QtoValue>)> = measured
        .par_iter()
        .map(|m| {
            let qtos = model.quantities(m.id);
            let a = model.args(m.id);
            let storey = storey_of(model, m.id).and_then(|s| storey_names.get(&s).cloned());
            let type_name = model
                .rel
                .type_of
                .get(&m.id)
                .and_then(|t| model.string_attr(*t, 2));
            // PredefinedType follows the IfcProduct attributes; spatial elements carry a
            // CompositionType (ELEMENT, COMPLEX, PARTIAL) there first, which is not a type.
            let predefined_type = a
                .iter()
                .skip(8)
                .filter_map(Value::as_enum)
                .find(|e| !matches!(*e, "T" | "F" | "U" | "ELEMENT" | "COMPLEX" | "PARTIAL"))
                .filter(|e| *e != "NOTDEFINED")
                .map(str::to_string);
            let mut quantities = Vec::new();
            let geo = |name: &str, value: f64, unit: &str| Quantity {
                name: name.into(),
                value,
                unit: unit.into(),
                source: Source::Geometry,
            };
            if let (Some(n), Some(g)) = (m.net, m.gross) {
                quantities.push(geo("volume", n.volume, "m3"));
                quantities.push(geo("gross_volume", g.volume, "m3"));
                quantities.push(geo("footprint_area", n.footprint_area, "m2"));
                quantities.push(geo("surface_area", n.surface_area, "m2"));
                quantities.push(geo("lateral_area", n.lateral_area, "m2"));
                quantities.push(geo("height", g.max.z - g.min.z, "m"));
                quantities.push(geo("length", m.length, "m"));
            }
            for q in &qtos {
                quantities.push(Quantity {
                    name: q.key.clone(),
                    value: q.value,
                    unit: q.kind.unit().into(),
                    source: Source::QuantitySet,
                });
            }
            let element = ElementQuantities {
                id: m.id,
                global_id: a.first().and_then(Value::as_string).unwrap_or_default(),
                class: m.class.clone(),
                name: a.get(2).and_then(Value::as_string).unwrap_or_default(),
                predefined_type,
                type_name,
                storey,
                materials: model.materials(m.id),
                quantities,
                properties: model.properties(m.id),
                openings: m.openings.clone(),
            };
            (element, qtos)
        })
        .collect();
    let (elements, qto_by_element): (Vec<ElementQuantities>, Vec<Vec<QtoValue>>) =
        described.into_iter().unzip();
    out.elements = elements;

    for ((m, e), qtos) in measured.iter().zip(&out.elements).zip(&qto_by_element) {
        let add = |g: &mut GroupQuantities, share: f64| {
            g.count += 1;
            g.element_ids.push(m.id);
            if let (Some(n), Some(gr)) = (m.net, m.gross) {
                g.with_geometry += 1;
                g.volume_m3 += n.volume * share;
                g.gross_volume_m3 += gr.volume * share;
                g.footprint_area_m2 += n.footprint_area * share;
                g.surface_area_m2 += n.surface_area * share;
                g.lateral_area_m2 += n.lateral_area * share;
                g.length_m += m.length * share;
            }
            for q in qtos {
                *g.qto.entry(q.key.clone()).or_insert(0.0) += q.value * share;
            }
        };
        add(out.classes.entry(m.class.clone()).or_default(), 1.0);
        add(
            out.storeys
                .entry(e.storey.clone().unwrap_or_else(|| "(none)".into()))
                .or_default(),
            1.0,
        );
        add(
            out.types
                .entry(e.type_name.clone().unwrap_or_else(|| "(none)".into()))
                .or_default(),
            1.0,
        );
        if e.materials.is_empty() {
            add(out.materials.entry("(none)".into()).or_default(), 1.0);
        }
        for mat in &e.materials {
            add(
                out.materials.entry(mat.name.clone()).or_default(),
                mat.fraction,
            );
        }
    }
    warnings.extend(consistency_warnings(&measured, &qto_by_element));
    let mut open_surfaces: BTreeMap<&str, u64> = BTreeMap::new();
    for m in measured.iter().filter(|m| m.open_surface) {
        *open_surfaces.entry(&m.class).or_default() += 1;
    }
    for (class, n) in open_surfaces {
        warnings.push(format!(
            "{class}: {n} element(s) have an open surface body (surface model); their volume is measured as if the surface were closed"
        ));
    }
    Ok(Takeoff {
        file: file.to_string(),
        format: "ifc".into(),
        schema: Some(model.schema.clone()),
        warnings,
        ifc: Some(out),
        dxf: None,
        plan: None,
    })
}

impl Measured {
    /// An element without measures (no geometry yet, or skipped past the deadline).
    fn empty(id: u32, class: String) -> Self {
        Measured {
            id,
            class,
            net: None,
            gross: None,
            length: 0.0,
            openings: Vec::new(),
            open_surface: false,
            problems: Vec::new(),
        }
    }
}

fn measure(model: &IfcModel, builder: &GeomBuilder<'_>, id: u32) -> Measured {
    let mut m = Measured::empty(id, class_name(model.step.type_of(id).unwrap_or("")));
    let solid = match builder.product_solid(id) {
        Ok(Some(s)) => s,
        Ok(None) => return m,
        Err(e) => {
            m.problems
                .push(format!("{} #{id}: geometry skipped: {e}", m.class));
            return m;
        }
    };
    if solid.mesh.is_empty() {
        return m;
    }
    m.open_surface = !solid.closed;
    m.length = solid.mesh.extent_along(solid.axis_x);
    let gross = solid.mesh.measures();
    m.gross = Some(gross);
    let mut net = solid.mesh;
    for &op in model
        .rel
        .openings
        .get(&id)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        m.openings.push(op);
        if !solid.closed {
            continue;
        }
        match builder.product_solid(op) {
            Ok(Some(o)) => match boolean(net.clone(), o.mesh, BoolOp::Difference) {
                Ok(r) => net = r,
                Err(e) => m.problems.push(format!(
                    "{} #{id}: opening #{op} not subtracted: {e}",
                    m.class
                )),
            },
            Ok(None) => {}
            Err(e) => m.problems.push(format!(
                "{} #{id}: opening #{op} not subtracted: {e}",
                m.class
            )),
        }
    }
    m.net = Some(if m.openings.is_empty() {
        gross
    } else {
        net.measures()
    });
    m
}

/// The storey of an element: its container, or its whole's container, up to a storey.
fn storey_of(model: &IfcModel, id: u32) -> Option<u32> {
    let mut cur = id;
    for _ in 0..32 {
        let next = model
            .rel
            .container
            .get(&cur)
            .or_else(|| model.rel.parent.get(&cur))
            .copied()?;
        if model.step.type_of(next) == Some("IFCBUILDINGSTOREY") {
            return Some(next);
        }
        cur = next;
    }
    None
}

fn spatial_nodes(model: &IfcModel) -> Vec<SpatialNode> {
    let step = &model.step;
    let mut contained: HashMap<u32, u64> = HashMap::new();
    for s in model.rel.container.values() {
        *contained.entry(*s).or_default() += 1;
    }
    step.records()
        .iter()
        .filter(|r| class_info(step.type_name(r)).is_some_and(|c| c.spatial))
        .map(|r| {
            let a = step.record_args(r).unwrap_or_default();
            let class = class_name(step.type_name(r));
            let elevation_m = (class == "IfcBuildingStorey")
                .then(|| {
                    a.get(9)
                        .and_then(Value::as_f64)
                        .map(|e| e * model.units.length_to_m)
                })
                .flatten();
            SpatialNode {
                id: r.id,
                global_id: a.first().and_then(Value::as_string).unwrap_or_default(),
                class,
                name: a.get(2).and_then(Value::as_string).unwrap_or_default(),
                elevation_m,
                parent: model
                    .rel
                    .parent
                    .get(&r.id)
                    .or_else(|| model.rel.container.get(&r.id))
                    .copied()
                    .unwrap_or(0),
                element_count: contained.get(&r.id).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// Compares quantity sets with geometry and with themselves, per class. Geometry is the
/// reference: a quantity set that disagrees wildly is reported, not used.
fn consistency_warnings(measured: &[Measured], qtos: &[Vec<QtoValue>]) -> Vec<String> {
    #[derive(Default)]
    struct Acc {
        geo_volume: f64,
        qto_volume: f64,
        n_volume: usize,
        net_area: BTreeMap<String, f64>,
        gross_area: BTreeMap<String, f64>,
    }
    let mut by_class: BTreeMap<&str, Acc> = BTreeMap::new();
    for (m, q) in measured.iter().zip(qtos) {
        // Openings are modelled deeper than the wall they cut on purpose: their geometry is
        // no measure of the void, so they are not compared.
        if m.class.starts_with("IfcOpening") || m.class == "IfcVoidingFeature" {
            continue;
        }
        let acc = by_class.entry(&m.class).or_default();
        let vol = q
            .iter()
            .filter(|v| v.kind == QtoKind::Volume)
            .find(|v| v.key.ends_with("NetVolume") || v.key.ends_with(".Volume"))
            .or_else(|| q.iter().find(|v| v.kind == QtoKind::Volume));
        if let (Some(v), Some(n)) = (vol, m.net) {
            acc.geo_volume += n.volume;
            acc.qto_volume += v.value;
            acc.n_volume += 1;
        }
        for v in q.iter().filter(|v| v.kind == QtoKind::Area) {
            if let Some((set, name)) = v.key.rsplit_once('.') {
                if let Some(base) = name.strip_prefix("Net") {
                    *acc.net_area.entry(format!("{set}.{base}")).or_default() += v.value;
                } else if let Some(base) = name.strip_prefix("Gross") {
                    *acc.gross_area.entry(format!("{set}.{base}")).or_default() += v.value;
                }
            }
        }
    }
    let mut out = Vec::new();
    for (class, acc) in by_class {
        if acc.n_volume > 0 && acc.geo_volume > 1e-6 && acc.qto_volume > 1e-6 {
            let ratio = acc.qto_volume / acc.geo_volume;
            if !(0.5..=2.0).contains(&ratio) {
                out.push(format!(
                    "{class}: quantity-set volumes sum to {:.3} m3, {ratio:.1}x the geometric volume {:.3} m3 of the same {} elements; geometry is used",
                    acc.qto_volume, acc.geo_volume, acc.n_volume
                ));
            }
        }
        for (key, net) in &acc.net_area {
            if let Some(gross) = acc.gross_area.get(key)
                && *gross > 1e-6
                && *net > gross * 1.01
            {
                let (set, base) = key.rsplit_once('.').unwrap_or((key, ""));
                out.push(format!(
                        "{class}: {set}.Net{base} sums to {net:.3} m2, {:.1}x {set}.Gross{base} ({gross:.3} m2); a net area cannot exceed the gross one",
                        net / gross
                    ));
            }
        }
    }
    out
}
