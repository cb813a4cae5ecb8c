//! Reads one plan file (PDF or picture) and writes each page's annotated PNG beside
//! OUTDIR, with the recognised rooms, dimensions, walls and openings printed, to look at
//! what a reading saw:
//! `cargo run --release -p chantier-vision --example plan_page FILE OUTDIR [DPI]`.

use std::path::PathBuf;

use chantier_vision::plan::{PlanOptions, read_plan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = PathBuf::from(args.next().ok_or("usage: plan_page FILE OUTDIR [DPI]")?);
    let out = PathBuf::from(args.next().ok_or("usage: plan_page FILE OUTDIR [DPI]")?);
    let mut opts = PlanOptions::default();
    if let Some(dpi) = args.next() {
        opts.default_dpi = dpi.parse()?;
    }
    std::fs::create_dir_all(&out)?;
    let reading = read_plan(&std::fs::read(&file)?, &opts)?;
    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
    // `PLAN_BOX=x0,y0,x1,y1` (mm) prints the page model's lines and curves inside it.
    let window: Option<Vec<f64>> = std::env::var("PLAN_BOX")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    for ((page, model), png) in reading
        .pages
        .iter()
        .zip(&reading.models)
        .zip(reading.annotated()?)
    {
        if let Some(b) = window.as_ref().filter(|b| b.len() == 4) {
            let inside = |p: chantier_bim::plan::page::Pt| {
                p.x >= b[0] && p.x <= b[2] && p.y >= b[1] && p.y <= b[3]
            };
            for s in &model.segments {
                if inside(s.a) || inside(s.b) {
                    println!(
                        "  line ({:.2},{:.2})-({:.2},{:.2}) pen {:.2} path {}",
                        s.a.x, s.a.y, s.b.x, s.b.y, s.width_mm, s.path
                    );
                }
            }
            for t in &model.texts {
                if inside(t.bbox.centre()) {
                    println!(
                        "  text {:?} ({:.2},{:.2})-({:.2},{:.2}) {}° conf {:.2}",
                        t.text,
                        t.bbox.x0,
                        t.bbox.y0,
                        t.bbox.x1,
                        t.bbox.y1,
                        t.angle_deg,
                        t.confidence
                    );
                }
            }
            for c in &model.curves {
                if c.points.iter().any(|p| inside(*p)) {
                    let (a, z) = (c.points[0], c.points[c.points.len() - 1]);
                    println!(
                        "  curve ({:.2},{:.2})..({:.2},{:.2}) {} points",
                        a.x,
                        a.y,
                        z.x,
                        z.y,
                        c.points.len()
                    );
                }
            }
        }
        let path = out.join(format!("{stem}-p{}.png", page.number));
        std::fs::write(&path, png)?;
        println!("page {} -> {}", page.number, path.display());
        println!("  scale {:?}, warnings {:?}", page.scale, page.warnings);
        for f in &page.scale_findings {
            println!("  scale finding {f:?}");
        }
        for r in &page.rooms {
            println!("  room {:?} {} m²", r.name, r.area_m2);
        }
        for d in &page.dimensions {
            println!(
                "  dimension {:?} = {} m at ({:.1},{:.1})-({:.1},{:.1}) measured {:?} conf {:.2}",
                d.text,
                d.value_m,
                d.bbox.x0,
                d.bbox.y0,
                d.bbox.x1,
                d.bbox.y1,
                d.measured_m,
                d.confidence
            );
        }
        for w in &page.wall_axes {
            println!(
                "  wall ({:.1},{:.1})-({:.1},{:.1}) t {} len {:.3}",
                w.a.x, w.a.y, w.b.x, w.b.y, w.thickness_m, w.length_m
            );
        }
        for o in &page.openings {
            println!(
                "  {} {} m at ({:.1},{:.1})-({:.1},{:.1}) conf {}",
                o.kind, o.width_m, o.bbox.x0, o.bbox.y0, o.bbox.x1, o.bbox.y1, o.confidence
            );
        }
    }
    Ok(())
}
