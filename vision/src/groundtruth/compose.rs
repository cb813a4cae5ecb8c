//! One sheet from its spec: places the building in the plan area, draws walls, openings,
//! labels, dimensions, title block, scale bar and schedule, and records the truth.

use super::drawing::{Drawing, Layer, pt, union};
use super::layout;
use super::{
    RoomTruth, SheetSpec, SynthPlan, Truth, WallLength, WallTruth, dims, label, openings, sheet,
    walls,
};

/// Paper a side without dimensions keeps between the building and the plan area's edge.
const BARE: f64 = 12.0;

pub fn compose(spec: &SheetSpec) -> SynthPlan {
    let paper = spec.paper.size_mm();
    let mm_per_m = 1000.0 / spec.scale as f64;
    let region = sheet::plan_region(spec);
    let (ml, mb) = (dims::BAND, dims::BAND);
    let (mr, mt) = if spec.dimension_all_sides {
        (dims::BAND, dims::BAND)
    } else {
        (BARE, BARE)
    };
    let avail_w = region[2] - region[0] - ml - mr;
    let avail_h = region[3] - region[1] - mt - mb;
    let layout = layout::generate(spec, (avail_w / mm_per_m, avail_h / mm_per_m));
    let outer = layout.outer();
    let (ow, oh) = (outer.w() * mm_per_m, outer.h() * mm_per_m);
    // Centre the building with its dimensions in the plan area, on a 0.1 mm grid.
    let left = region[0] + ml + ((avail_w - ow) / 2.0).max(0.0);
    let top = region[1] + mt + ((avail_h - oh) / 2.0).max(0.0);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let model_origin = pt(
        round(left - outer.x0 * mm_per_m),
        round(top + outer.y1 * mm_per_m),
    );
    let mut d = Drawing {
        paper_mm: paper,
        items: Vec::new(),
        model_origin_mm: model_origin,
        mm_per_m,
        form_origin_mm: pt(0.0, 0.0),
    };
    walls::draw(spec, &layout, &mut d);
    let (doors, windows) = openings::draw(&layout, &mut d);
    let mut rooms = Vec::new();
    for r in &layout.rooms {
        let c = d.to_paper(r.label_centre.0, r.label_centre.1);
        let plan = label::LabelPlan {
            lines: r.label_lines.clone(),
            width_mm: r.label_size.0 * mm_per_m,
            height_mm: r.label_size.1 * mm_per_m,
        };
        let mut bbox: Option<[f64; 4]> = None;
        for t in label::texts(spec, &plan, c.x, c.y) {
            let b = d.text(Layer::Textes, t);
            bbox = Some(bbox.map_or(b, |a| union(a, b)));
        }
        rooms.push(RoomTruth {
            name: r.display.clone(),
            area_m2: r.area_m2,
            area_text: label::area_text(spec, r.area_m2),
            label_text: r.label_lines.join("\n"),
            bbox_mm: bbox.unwrap_or([c.x, c.y, c.x, c.y]),
            inner_m: [r.inner.x0, r.inner.y0, r.inner.x1, r.inner.y1],
        });
    }
    let dimensions = dims::draw(spec, &layout, &mut d);
    let title = sheet::draw_title_block(spec, &mut d);
    let scale_bar_scale = sheet::draw_scale_bar(spec, &mut d);
    let schedule = if spec.schedule {
        let rows: Vec<(String, f64)> = layout
            .rooms
            .iter()
            .map(|r| (r.display.clone(), r.area_m2))
            .collect();
        sheet::draw_schedule(spec, &rows, &mut d)
    } else {
        Vec::new()
    };
    let walls: Vec<WallTruth> = layout
        .walls
        .iter()
        .map(|w| {
            let (a, b) = w.measured();
            let (p, q) = (w.point(a, 0.0), w.point(b, 0.0));
            WallTruth {
                x0: p.0,
                y0: p.1,
                x1: q.0,
                y1: q.1,
                thickness_m: w.thickness,
                exterior: w.exterior,
            }
        })
        .collect();
    let truth = Truth {
        spec: spec.clone(),
        scale: spec.scale,
        paper_mm: paper,
        rooms,
        dimensions,
        wall_length_by_thickness: lengths_by_thickness(&walls),
        walls,
        doors,
        windows,
        title,
        scale_bar_scale,
        schedule,
        model_origin_mm: model_origin,
        mm_per_m,
        dpi: None,
        rotation_deg: None,
    };
    SynthPlan {
        spec: spec.clone(),
        layout,
        drawing: d,
        truth,
    }
}

/// Sums wall lengths per thickness (thicknesses within 0.1 mm are one), thickest first.
pub fn lengths_by_thickness(walls: &[WallTruth]) -> Vec<WallLength> {
    let mut out: Vec<WallLength> = Vec::new();
    for w in walls {
        match out
            .iter_mut()
            .find(|l| (l.thickness_m - w.thickness_m).abs() < 1e-4)
        {
            Some(l) => l.length_m += w.length_m(),
            None => out.push(WallLength {
                thickness_m: w.thickness_m,
                length_m: w.length_m(),
            }),
        }
    }
    out.sort_by(|a, b| b.thickness_m.total_cmp(&a.thickness_m));
    out
}
