//! Takeoff results to their protobuf mirror (same keys as the CLI's JSON).

use chantier_bim::takeoff as t;
use chantier_proto::v1 as pb;

pub fn takeoff(x: t::Takeoff) -> pb::TakeoffResult {
    let mut out = pb::TakeoffResult {
        file: x.file,
        format: x.format,
        schema: x.schema.unwrap_or_default(),
        warnings: x.warnings,
        ..Default::default()
    };
    if let Some(i) = x.ifc {
        out.entity_count = i.entity_count;
        out.header = Some(pb::IfcHeader {
            name: i.header.name,
            description: i.header.description,
            time_stamp: i.header.time_stamp,
            originating_system: i.header.originating_system,
            preprocessor_version: i.header.preprocessor_version,
        });
        out.units = Some(pb::IfcUnits {
            length_unit: i.units.length_unit,
            length_to_m: i.units.length_to_m,
            area_to_m2: i.units.area_to_m2,
            volume_to_m3: i.units.volume_to_m3,
            mass_to_kg: i.units.mass_to_kg,
            plane_angle_to_rad: i.units.plane_angle_to_rad,
        });
        out.spatial = i
            .spatial
            .into_iter()
            .map(|n| pb::SpatialNode {
                id: n.id,
                global_id: n.global_id,
                class: n.class,
                name: n.name,
                elevation_m: n.elevation_m,
                parent: n.parent,
                element_count: n.element_count,
            })
            .collect();
        out.classes = groups(i.classes);
        out.storeys = groups(i.storeys);
        out.types = groups(i.types);
        out.materials = groups(i.materials);
        out.elements = i.elements.into_iter().map(element).collect();
    }
    if let Some(d) = x.dxf {
        out.entity_count = d.entity_count;
        out.version = d.version;
        out.binary = d.binary;
        out.insunits = d.insunits;
        out.units_to_m = d.units_to_m;
        out.layers = d
            .layers
            .into_iter()
            .map(|(k, l)| {
                (
                    k,
                    pb::DxfLayer {
                        entity_counts: l.entity_counts.into_iter().collect(),
                        length_m: l.length_m,
                        polyline_length_m: l.polyline_length_m,
                        polyline_closed_area_m2: l.polyline_closed_area_m2,
                        polyline_closed_count: l.polyline_closed_count,
                        hatch_area_m2: l.hatch_area_m2,
                        expanded_length_m: l.expanded_length_m,
                        expanded_hatch_area_m2: l.expanded_hatch_area_m2,
                    },
                )
            })
            .collect();
        out.blocks = d.blocks.into_iter().collect();
        out.blocks_expanded = d.blocks_expanded.into_iter().collect();
        out.attributes = d
            .attributes
            .into_iter()
            .map(|a| pb::DxfAttribute {
                block: a.block,
                tag: a.tag,
                value: a.value,
                layer: a.layer,
            })
            .collect();
        out.texts = d
            .texts
            .into_iter()
            .map(|a| pb::DxfText {
                layer: a.layer,
                text: a.text,
                x: a.x,
                y: a.y,
            })
            .collect();
        out.dimensions = d
            .dimensions
            .into_iter()
            .map(|a| pb::DxfDimension {
                layer: a.layer,
                kind: a.kind,
                measurement: a.measurement,
                value_m: a.value_m,
                text: a.text,
            })
            .collect();
    }
    if let Some(p) = x.plan {
        out.pages = p.pages.into_iter().map(plan_page).collect();
    }
    out
}

fn groups(
    g: std::collections::BTreeMap<String, t::GroupQuantities>,
) -> std::collections::HashMap<String, pb::GroupQuantities> {
    g.into_iter()
        .map(|(k, g)| {
            (
                k,
                pb::GroupQuantities {
                    count: g.count,
                    with_geometry: g.with_geometry,
                    volume_m3: g.volume_m3,
                    gross_volume_m3: g.gross_volume_m3,
                    footprint_area_m2: g.footprint_area_m2,
                    surface_area_m2: g.surface_area_m2,
                    lateral_area_m2: g.lateral_area_m2,
                    length_m: g.length_m,
                    qto: g.qto.into_iter().collect(),
                    element_ids: g.element_ids,
                },
            )
        })
        .collect()
}

fn element(e: t::ElementQuantities) -> pb::ElementQuantities {
    pb::ElementQuantities {
        id: e.id,
        global_id: e.global_id,
        class: e.class,
        name: e.name,
        predefined_type: e.predefined_type,
        type_name: e.type_name,
        storey: e.storey,
        materials: e
            .materials
            .into_iter()
            .map(|m| pb::MaterialShare {
                name: m.name,
                fraction: m.fraction,
                thickness_m: m.thickness_m,
            })
            .collect(),
        quantities: e
            .quantities
            .into_iter()
            .map(|q| pb::Quantity {
                name: q.name,
                value: q.value,
                unit: q.unit,
                source: match q.source {
                    t::Source::Geometry => pb::Source::Geometry,
                    t::Source::QuantitySet => pb::Source::QuantitySet,
                } as i32,
            })
            .collect(),
        properties: e
            .properties
            .into_iter()
            .map(|(k, v)| {
                let value = match v {
                    t::PropertyValue::Bool(b) => pb::property_value::Value::BoolValue(b),
                    t::PropertyValue::Number(n) => pb::property_value::Value::NumberValue(n),
                    t::PropertyValue::Text(s) => pb::property_value::Value::TextValue(s),
                };
                (k, pb::PropertyValue { value: Some(value) })
            })
            .collect(),
        openings: e.openings,
    }
}

// ---------------------------------------------------------------- estimates

use chantier_estimator::estimate::{Estimate, Line, LotSection};

fn lot(l: &LotSection) -> pb::Lot {
    pb::Lot {
        code: l.code.clone(),
        name: l.name.clone(),
        lines: l.lines.iter().map(line).collect(),
        total_ht: l.total_ht.to_string(),
    }
}

fn line(l: &Line) -> pb::EstimateLine {
    pb::EstimateLine {
        number: l.number.clone(),
        code: l.code.clone(),
        designation: l.designation.clone(),
        group: l.group.clone(),
        unit: l.unit.as_str().into(),
        quantity: l.quantity.to_string(),
        unit_price: l.unit_price.to_string(),
        total: l.total.to_string(),
        vat_rate: l.vat_rate.normalize().to_string(),
        rule: l.rule.clone(),
        confidence: l.confidence,
        provenance: l
            .provenance
            .iter()
            .map(|p| pb::Provenance {
                file: p.file.clone(),
                element_ids: p.element_ids.clone(),
                global_ids: p.global_ids.clone(),
                layers: p.layers.clone(),
                blocks: p.blocks.clone(),
            })
            .collect(),
    }
}

pub fn estimate(e: &Estimate) -> pb::Estimate {
    pb::Estimate {
        id: e.id.clone(),
        reference: e.reference.clone(),
        version: e.version,
        date: e.date.to_string(),
        valid_until: e.valid_until.to_string(),
        language: if e.english() { "en" } else { "fr" }.into(),
        title: e.title.clone(),
        client: Some(pb::Party {
            name: e.client.name.clone(),
            address: e.client.address.clone(),
            email: e.client.email.clone(),
            phone: e.client.phone.clone(),
            is_company: e.client.is_company,
            siret: e.client.siret.clone(),
            vat_number: e.client.vat_number.clone(),
        }),
        lots: e.lots.iter().map(lot).collect(),
        variants: e
            .variants
            .iter()
            .map(|v| pb::Variant {
                name: v.name.clone(),
                lots: v.lots.iter().map(lot).collect(),
                total_ht: v.totals.total_ht.to_string(),
                total_ttc: v.totals.total_ttc.to_string(),
            })
            .collect(),
        total_ht: e.total_ht.to_string(),
        vat: e
            .vat
            .iter()
            .map(|v| pb::VatAmount {
                rate: v.rate.normalize().to_string(),
                base_ht: v.base_ht.to_string(),
                amount: v.amount.to_string(),
            })
            .collect(),
        total_vat: e.total_vat.to_string(),
        total_ttc: e.total_ttc.to_string(),
        unmatched: e
            .unmatched
            .iter()
            .map(|u| pb::ReviewItem {
                file: u.file.clone(),
                kind: u.kind.clone(),
                class: u.class.clone(),
                name: u.name.clone(),
                id: u.id.unwrap_or_default(),
                reason: u.reason.clone(),
            })
            .collect(),
        warnings: e.warnings.clone(),
        opportunity_id: e.opportunity_id.unwrap_or_default(),
        tax_rounding: e
            .tax_rounding()
            .map(|r| r.odoo_name().to_string())
            .unwrap_or_default(),
        rounding_adjustment: e.rounding_adjustment.to_string(),
        odoo_push: None,
        json: serde_json::to_string(e).unwrap_or_default(),
    }
}

fn plan_box(b: chantier_bim::plan::page::BBox) -> pb::PlanBox {
    pb::PlanBox {
        x0: b.x0,
        y0: b.y0,
        x1: b.x1,
        y1: b.y1,
    }
}

fn plan_page(p: chantier_bim::plan::PageTakeoff) -> pb::PlanPage {
    let json = serde_json::to_string(&p).unwrap_or_default();
    let count = |k: &str| p.openings.iter().filter(|o| o.kind == k).count() as u32;
    pb::PlanPage {
        number: p.number,
        width_mm: p.width_mm,
        height_mm: p.height_mm,
        scale: p.scale,
        text_chars: p.text_chars as u64,
        doors: count("door"),
        windows: count("window"),
        rooms: p
            .rooms
            .iter()
            .map(|r| pb::PlanRoom {
                name: r.name.clone(),
                area_m2: r.area_m2,
                bbox: Some(plan_box(r.bbox)),
                confidence: r.confidence,
            })
            .collect(),
        dimensions: p
            .dimensions
            .iter()
            .map(|d| pb::PlanDimension {
                text: d.text.clone(),
                value_m: d.value_m,
                bbox: Some(plan_box(d.bbox)),
                confidence: d.confidence,
            })
            .collect(),
        walls: p
            .walls
            .iter()
            .map(|w| pb::PlanWallGroup {
                thickness_m: w.thickness_m,
                length_m: w.length_m,
                count: w.count as u32,
            })
            .collect(),
        items: p
            .items
            .iter()
            .map(|i| pb::PlanItem {
                kind: i.kind.clone(),
                description: i.description.clone(),
                quantity: i.quantity,
                unit: i.unit.clone(),
                page: i.page,
                bbox: i.bbox.map(plan_box),
                confidence: i.confidence,
                source: i.source.clone(),
            })
            .collect(),
        confidence: p.confidence,
        warnings: p.warnings.clone(),
        source: match p.source {
            chantier_bim::plan::page::PageSource::Vector => "vector".into(),
            chantier_bim::plan::page::PageSource::Raster => "raster".into(),
        },
        json,
        annotated_png: Vec::new(),
    }
}
