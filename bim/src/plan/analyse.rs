//! One page to what an estimator reads off it, and to takeoff items with provenance.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::labels::{Dimension, Room};
use super::openings::Opening;
use super::page::{BBox, PageSource, PlanPage};
use super::scale::ScaleFinding;
use super::tables::{Table, TitleBlock};
use super::walls::{Wall, WallOptions};
use super::{labels, openings, scale, tables, walls};

/// Walls of one thickness, summed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WallGroup {
    pub thickness_m: f64,
    pub length_m: f64,
    pub count: usize,
}

/// A quantity read off a plan, with where it was read and how sure the reader is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    /// "room_area", "wall_length", "door", "window".
    pub kind: String,
    pub description: String,
    pub quantity: f64,
    /// "m2", "m" or "u".
    pub unit: String,
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
    /// 0 to 1.
    pub confidence: f32,
    /// "text" (written on the plan), "geometry" (measured from the drawing) or "symbol".
    pub source: String,
    /// Wall thickness for wall lengths, so rules can tell partitions from load-bearing walls.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub thickness_m: Option<f64>,
}

/// Everything read on one page: the `pages[]` entries of a plan takeoff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageTakeoff {
    pub number: u32,
    pub width_mm: f64,
    pub height_mm: f64,
    /// "vector" or "raster".
    pub source: PageSource,
    /// The scale denominator (100 for 1:100), null when none was found.
    pub scale: Option<f64>,
    pub text_chars: usize,
    pub rooms: Vec<Room>,
    pub dimensions: Vec<Dimension>,
    pub walls: Vec<WallGroup>,
    pub openings: Vec<Opening>,
    pub tables: Vec<Table>,
    pub title_block: TitleBlock,
    pub scale_findings: Vec<ScaleFinding>,
    pub items: Vec<PlanItem>,
    /// How much of a plan was recognised, 0 to 1 (0 for a picture that is not a plan).
    pub confidence: f32,
    pub warnings: Vec<String>,
    /// The recognised walls' axes, for the annotated rendering; not in the JSON.
    #[serde(skip)]
    pub wall_axes: Vec<Wall>,
}

pub fn analyse(page: &PlanPage) -> PageTakeoff {
    let mut warnings = page.warnings.clone();
    let found = scale::find(&page.texts, &page.segments);
    warnings.extend(found.warnings.iter().cloned());
    let tables = tables::find_tables(&page.texts);
    let title_block = tables::title_block(&page.texts);
    let mut zones: Vec<BBox> = tables.iter().map(|t| t.bbox).collect();
    zones.extend(title_block.bbox);
    zones.extend(found.bar_boxes.iter().copied());
    let raster = page.source == PageSource::Raster;
    let mut rooms = labels::rooms(&page.texts, &zones, raster.then_some(&page.segments[..]));
    let mut dim_zones = zones.clone();
    dim_zones.extend(rooms.iter().map(|r| r.bbox));
    let listed = labels::schedule_rooms(&tables, &rooms);
    rooms.extend(listed);
    let imperial = found
        .findings
        .iter()
        .any(|f| f.source == "note" && f.text.contains('"'));
    let dimensions = labels::dimensions(
        &page.texts,
        &page.segments,
        &dim_zones,
        found.scale,
        imperial,
        raster,
    );
    let (wall_axes, openings) = match found.scale {
        Some(s) => {
            let mut o = openings::doors(&page.curves, &page.segments, &zones, s);
            // Door leaves and the page frame are heavy lines that are not walls.
            let wall_zones: Vec<BBox> = zones.iter().map(|z| z.grow(3.0)).collect();
            let leaves: Vec<usize> = o.iter().filter_map(|d| d.leaf).collect();
            let faces: Vec<_> = page
                .segments
                .iter()
                .enumerate()
                .filter(|(i, seg)| {
                    !leaves.contains(i)
                        && (seg.b.x - seg.a.x).abs() < 0.6 * page.width_mm
                        && (seg.b.y - seg.a.y).abs() < 0.6 * page.height_mm
                })
                .map(|(_, seg)| *seg)
                .collect();
            let opt = WallOptions::new(s);
            let door_boxes: Vec<BBox> = o.iter().map(|d| d.bbox).collect();
            let w = walls::tidy(walls::find(&faces, &wall_zones, &opt), &door_boxes, &opt);
            let end_tol_mm = if raster { 0.6 } else { 0.0 };
            o.extend(openings::windows(&page.segments, &w, &zones, s, end_tol_mm));
            (w, o)
        }
        None => {
            if !page.segments.is_empty() {
                warnings.push(
                    "no scale found: walls and openings are not measured (write the scale, e.g. \"Echelle 1/100\", or pass it)"
                        .into(),
                );
            }
            (Vec::new(), Vec::new())
        }
    };
    let mut groups: BTreeMap<i64, WallGroup> = BTreeMap::new();
    for w in &wall_axes {
        let key = (w.thickness_m * 100.0).round() as i64;
        let g = groups.entry(key).or_insert(WallGroup {
            thickness_m: w.thickness_m,
            length_m: 0.0,
            count: 0,
        });
        g.length_m += w.length_m;
        g.count += 1;
    }
    let walls: Vec<WallGroup> = groups
        .into_values()
        .rev()
        .map(|mut g| {
            g.length_m = (g.length_m * 1000.0).round() / 1000.0;
            g
        })
        .collect();
    let mut items = Vec::new();
    for r in &rooms {
        items.push(PlanItem {
            kind: "room_area".into(),
            description: r.name.clone(),
            quantity: r.area_m2,
            unit: "m2".into(),
            page: page.number,
            bbox: Some(r.bbox),
            confidence: r.confidence,
            source: "text".into(),
            thickness_m: None,
        });
    }
    for g in &walls {
        let bbox = wall_axes
            .iter()
            .filter(|w| (w.thickness_m - g.thickness_m).abs() < 0.005)
            .map(|w| BBox::from_points([w.a, w.b]))
            .reduce(BBox::union);
        items.push(PlanItem {
            kind: "wall_length".into(),
            description: format!(
                "Murs ép. {:.2} m / walls {:.2} m thick",
                g.thickness_m, g.thickness_m
            ),
            quantity: g.length_m,
            unit: "m".into(),
            page: page.number,
            bbox,
            confidence: if raster { 0.6 } else { 0.85 },
            source: "geometry".into(),
            thickness_m: Some(g.thickness_m),
        });
    }
    for kind in ["door", "window"] {
        let list: Vec<&Opening> = openings.iter().filter(|o| o.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        let conf = list.iter().map(|o| o.confidence).sum::<f32>() / list.len() as f32;
        items.push(PlanItem {
            kind: kind.into(),
            description: if kind == "door" {
                "Portes / doors".into()
            } else {
                "Fenêtres / windows".into()
            },
            quantity: list.len() as f64,
            unit: "u".into(),
            page: page.number,
            bbox: list.iter().map(|o| o.bbox).reduce(BBox::union),
            confidence: if raster { conf * 0.8 } else { conf },
            source: "symbol".into(),
            thickness_m: None,
        });
    }
    let signals = [
        found.scale.is_some(),
        !rooms.is_empty(),
        !dimensions.is_empty(),
        !wall_axes.is_empty(),
        !openings.is_empty(),
    ];
    let confidence = signals.iter().filter(|s| **s).count() as f32 / signals.len() as f32;
    if confidence == 0.0 {
        warnings.push(
            "nothing of a plan was recognised on this page (no scale, room, dimension or wall)"
                .into(),
        );
    }
    PageTakeoff {
        number: page.number,
        width_mm: (page.width_mm * 10.0).round() / 10.0,
        height_mm: (page.height_mm * 10.0).round() / 10.0,
        source: page.source,
        scale: found.scale,
        text_chars: page.text_chars,
        rooms,
        dimensions,
        walls,
        openings,
        tables,
        title_block,
        scale_findings: found.findings,
        items,
        confidence,
        warnings,
        wall_axes,
    }
}
