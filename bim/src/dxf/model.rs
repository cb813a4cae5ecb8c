//! Merges the crate's entities and the raw scan into the takeoff, converting to metres.

use std::collections::{BTreeMap, HashMap};

use dxf::Drawing;
use dxf::entities::{Entity, EntityType, Insert};

use super::expand::{Expander, Local, Ref, Totals};
use super::scan::{RawEntity, Scan};
use super::tokens::{Pair, Tokens};
use super::{annot, dims, hatch, measure, units};
use crate::takeoff::{DxfAttribute, DxfDimension, DxfLayer, DxfTakeoff, DxfText};

/// Strings as the crate returns them from binary files are one char per byte; rebuild the
/// bytes and decode them as UTF-8 (kept as-is when that fails, i.e. genuine Latin-1).
/// A layer or block name as the raw scan spells it (binary strings repaired, `\U+XXXX`
/// escapes decoded), so counts and measures of one layer land under one key.
fn name(s: &str, binary: bool) -> String {
    annot::unescape_unicode(&fix(s, binary))
}

fn fix(s: &str, binary: bool) -> String {
    if !binary || s.is_ascii() || s.chars().any(|c| c as u32 > 0xFF) {
        return s.to_string();
    }
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).unwrap_or_else(|_| s.to_string())
}

fn insert_ref(ins: &Insert, layer: String) -> Ref {
    let count = u64::from(ins.row_count.max(1).unsigned_abs())
        * u64::from(ins.column_count.max(1).unsigned_abs());
    Ref {
        name: String::new(),
        layer,
        det: ins.x_scale_factor * ins.y_scale_factor,
        count,
    }
}

fn is_non_uniform(ins: &Insert) -> bool {
    let (x, y) = (ins.x_scale_factor.abs(), ins.y_scale_factor.abs());
    (x - y).abs() > 1e-9 * x.max(y)
}

/// Hatch area of a raw HATCH, in drawing units²; undecodable boundaries become warnings.
fn hatch_area(
    pairs: &[Pair<'_>],
    e: &RawEntity,
    fit_data: bool,
    binary: bool,
    warnings: &mut Vec<String>,
) -> f64 {
    let Some(slice) = pairs.get(e.start..e.end) else {
        return 0.0;
    };
    match hatch::decode(slice, fit_data) {
        Ok(h) => hatch::net_area(&h.loops, h.style),
        Err(err) => {
            let at = if binary {
                format!("byte {}", err.pos)
            } else {
                format!("line {}", err.pos)
            };
            warnings.push(format!(
                "HATCH {} on layer {:?} skipped: {} ({at})",
                e.handle, e.layer, err.message
            ));
            0.0
        }
    }
}

pub fn build(
    toks: &Tokens<'_>,
    scan: &Scan,
    drawings: &[Drawing],
    warnings: &mut Vec<String>,
) -> DxfTakeoff {
    let binary = toks.binary;
    let pairs = &toks.pairs;
    let h = &scan.header;
    let (f, unit_warning) = units::units_to_m(h.insunits, h.measurement);
    warnings.extend(unit_warning);
    let f2 = f * f;
    // Spline edges in hatches carry fit data from R2010 (AC1024) on.
    let fit_data = h.acadver.as_str() >= "AC1024";

    let mut out = DxfTakeoff {
        version: h.acadver.clone(),
        binary,
        insunits: h.insunits.and_then(|v| i32::try_from(v).ok()).unwrap_or(0),
        units_to_m: f,
        entity_count: scan.entities.len() as u64,
        ..Default::default()
    };
    let mut layers: BTreeMap<String, DxfLayer> = BTreeMap::new();

    // Counts, and what only the raw scan can read.
    let mut raw_dims = Vec::new();
    for e in &scan.entities {
        let l = layers.entry(e.layer.clone()).or_default();
        *l.entity_counts.entry(e.kind.clone()).or_default() += 1;
        let slice = pairs.get(e.start..e.end).unwrap_or_default();
        match e.kind.as_str() {
            "HATCH" => {
                let a = hatch_area(pairs, e, fit_data, binary, warnings) * f2;
                l.hatch_area_m2 += a;
                l.expanded_hatch_area_m2 += a;
            }
            "MULTILEADER" => out
                .texts
                .extend(annot::multileader_text(slice).map(|t| DxfText {
                    layer: e.layer.clone(),
                    text: t.text,
                    x: t.x,
                    y: t.y,
                })),
            "ACAD_TABLE" => out
                .texts
                .extend(annot::table_texts(slice).into_iter().map(|t| DxfText {
                    layer: e.layer.clone(),
                    text: t.text,
                    x: t.x,
                    y: t.y,
                })),
            "DIMENSION" => raw_dims.push(e),
            _ => {}
        }
    }

    // The crate's model-space entities.
    let mut crate_counts: HashMap<(String, &'static str), u64> = HashMap::new();
    let mut crate_dims: HashMap<u64, dims::Dim> = HashMap::new();
    let mut expanded = Totals::default();
    let locals = block_locals(toks, scan, drawings, fit_data, warnings);
    let mut expander = Expander::new(&locals);
    let mut non_uniform = false;
    for e in drawings
        .iter()
        .flat_map(|d| d.entities())
        .filter(|e| !e.common.is_in_paper_space)
    {
        let layer = name(&e.common.layer, binary);
        if let Some(t) = measure::type_name(&e.specific) {
            *crate_counts.entry((layer.clone(), t)).or_default() += 1;
        }
        if let Some(d) = dims::crate_dim(&e.specific) {
            crate_dims.insert(e.common.handle.0, d);
            continue;
        }
        let m = measure::measure(&e.specific);
        let l = layers.entry(layer.clone()).or_default();
        l.length_m += m.length * f;
        l.expanded_length_m += m.length * f;
        if let Some(p) = m.poly {
            l.polyline_length_m += p.length * f;
            if let Some(a) = p.closed_area {
                l.polyline_closed_area_m2 += a * f2;
                l.polyline_closed_count += 1;
            }
        }
        annotate(e, &layer, binary, &mut out);
        if let EntityType::Insert(ins) = &e.specific {
            let name = name(&ins.name, binary);
            *out.blocks.entry(name.clone()).or_default() += 1;
            non_uniform |= is_non_uniform(ins);
            let r = Ref {
                name,
                ..insert_ref(ins, layer)
            };
            expander.add_insert(&r, &mut expanded);
        }
    }
    warnings.extend(expander.warnings.iter().cloned());
    if non_uniform {
        warnings.push("INSERTs with non-uniform scales: expanded lengths approximated by the geometric mean scale".into());
    }
    for (layer, (len, area)) in expanded.layers {
        let l = layers.entry(layer).or_default();
        l.expanded_length_m += len * f;
        l.expanded_hatch_area_m2 += area * f2;
    }
    out.blocks_expanded = expanded.counts;

    // Dimensions in file order: the crate's reading when it has one, else the raw groups.
    for e in raw_dims {
        let d = u64::from_str_radix(&e.handle, 16)
            .ok()
            .and_then(|h| crate_dims.remove(&h))
            .unwrap_or_else(|| dims::raw_dim(pairs.get(e.start..e.end).unwrap_or_default()));
        let value_m = (!dims::is_angular(d.kind)).then_some(d.measurement * f);
        out.dimensions.push(DxfDimension {
            layer: e.layer.clone(),
            kind: d.kind.into(),
            measurement: d.measurement,
            value_m,
            text: fix(&d.text, binary),
        });
    }

    cross_check(scan, &crate_counts, warnings);
    out.layers = layers;
    out
}

/// TEXT, MTEXT and ATTRIB content.
fn annotate(e: &Entity, layer: &str, binary: bool, out: &mut DxfTakeoff) {
    match &e.specific {
        EntityType::Text(t) => out.texts.push(DxfText {
            layer: layer.into(),
            text: annot::plain_text(&fix(&t.value, binary)),
            x: t.location.x,
            y: t.location.y,
        }),
        EntityType::MText(t) => {
            let raw: String = t
                .extended_text
                .iter()
                .map(String::as_str)
                .chain([t.text.as_str()])
                .collect();
            out.texts.push(DxfText {
                layer: layer.into(),
                text: annot::strip_mtext(&fix(&raw, binary)),
                x: t.insertion_point.x,
                y: t.insertion_point.y,
            });
        }
        EntityType::Insert(ins) => {
            let block = name(&ins.name, binary);
            for a in ins.attributes() {
                out.attributes.push(DxfAttribute {
                    block: block.clone(),
                    tag: fix(&a.attribute_tag, binary),
                    value: annot::plain_text(&fix(&a.value, binary)),
                    layer: layer.into(),
                });
            }
        }
        _ => {}
    }
}

/// Direct content of every block definition: lengths and nested INSERTs from the crate,
/// hatch areas from the raw scan.
fn block_locals(
    toks: &Tokens<'_>,
    scan: &Scan,
    drawings: &[Drawing],
    fit_data: bool,
    warnings: &mut Vec<String>,
) -> HashMap<String, Local> {
    let binary = toks.binary;
    let mut locals: HashMap<String, Local> = HashMap::new();
    for b in drawings.iter().flat_map(|d| d.blocks()) {
        let local = locals.entry(name(&b.name, binary)).or_default();
        for e in &b.entities {
            let layer = name(&e.common.layer, binary);
            if let EntityType::Insert(ins) = &e.specific {
                local.inserts.push(Ref {
                    name: name(&ins.name, binary),
                    ..insert_ref(ins, layer)
                });
                continue;
            }
            if dims::crate_dim(&e.specific).is_some() {
                continue;
            }
            let m = measure::measure(&e.specific);
            if m.length != 0.0 {
                local.layers.entry(layer).or_default().0 += m.length;
            }
        }
    }
    for b in &scan.blocks {
        for e in b.entities.iter().filter(|e| e.kind == "HATCH") {
            let a = hatch_area(&toks.pairs, e, fit_data, binary, warnings);
            locals
                .entry(b.name.clone())
                .or_default()
                .layers
                .entry(e.layer.clone())
                .or_default()
                .1 += a;
        }
    }
    locals
}

/// The crate turns an entity it cannot parse into the end of the section; compare its
/// counts with the raw scan so such silent losses become warnings.
fn cross_check(
    scan: &Scan,
    crate_counts: &HashMap<(String, &'static str), u64>,
    warnings: &mut Vec<String>,
) {
    let mut raw: HashMap<(String, &str), u64> = HashMap::new();
    for e in &scan.entities {
        if let Some(t) = [
            "LINE",
            "ARC",
            "CIRCLE",
            "ELLIPSE",
            "SPLINE",
            "LWPOLYLINE",
            "POLYLINE",
            "INSERT",
            "TEXT",
            "MTEXT",
        ]
        .into_iter()
        .find(|t| *t == e.kind)
        {
            *raw.entry((e.layer.clone(), t)).or_default() += 1;
        }
    }
    let mut lost: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for ((layer, t), n) in &raw {
        let got = crate_counts.get(&(layer.clone(), *t)).copied().unwrap_or(0);
        if got != *n {
            let e = lost.entry(t).or_default();
            e.0 += got.min(*n);
            e.1 += n;
        }
    }
    for (t, (got, n)) in lost {
        warnings.push(format!("the dxf crate read {got} of {n} model-space {t} entities on some layers; their lengths are missing"));
    }
}
