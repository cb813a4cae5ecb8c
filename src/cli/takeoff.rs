//! `chantier takeoff FILE...`: quantities of IFC, IFCZIP, DXF files and PDF or picture plans
//! as a table, JSON or CSV.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use chantier_bim::Format;
use chantier_bim::takeoff::{GroupQuantities, Takeoff};

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct TakeoffArgs {
    /// Files to measure (.ifc, .ifczip, .dxf; the content decides, the extension is a fallback).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Force the input format when neither content nor extension tells it (ifc, ifczip,
    /// dxf, pdf, png, jpeg, tiff).
    #[arg(long)]
    pub input_format: Option<String>,
    /// For PDF and picture plans: write one PNG per page into this folder, with what was
    /// recognised drawn over the plan (`<file>-page-<n>.png`).
    #[arg(long, value_name = "DIR")]
    pub annotate: Option<PathBuf>,
}

pub fn run(args: &TakeoffArgs, config: &Config) -> Result<ExitCode> {
    let hint = match &args.input_format {
        Some(h) => Some(Format::from_hint(h).ok_or_else(|| {
            anyhow::anyhow!("--input-format must be ifc, ifczip, dxf, pdf or an image type")
        })?),
        None => None,
    };
    let limits = config.limits();
    let bar = (args.files.len() > 1).then(|| {
        let b = indicatif::ProgressBar::new(args.files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    // Files are measured one after another (each takeoff is already parallel inside), so the
    // progress bar moves in order.
    let results: Vec<(PathBuf, Result<Takeoff, chantier_bim::BimError>)> = args
        .files
        .iter()
        .map(|f| {
            if let Some(b) = &bar {
                b.set_message(f.display().to_string());
            }
            let r = match &args.annotate {
                Some(dir) => annotated(f, dir, hint, &limits, config),
                None => chantier_bim::takeoff_path(f, hint, &limits),
            };
            if let Some(b) = &bar {
                b.inc(1);
            }
            (f.clone(), r)
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut failed = false;
    let mut ok = Vec::new();
    for (path, r) in results {
        match r {
            Ok(t) => ok.push(t),
            Err(e) => {
                failed = true;
                eprintln!("error: {}: {e}", path.display());
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Json => {
            if ok.len() == 1 && args.files.len() == 1 {
                serde_json::to_writer_pretty(&mut out, &ok[0])?;
            } else {
                serde_json::to_writer_pretty(&mut out, &ok)?;
            }
            writeln!(out)?;
        }
        OutputFormat::Csv => write_csv(&mut out, &ok)?,
        OutputFormat::Table => {
            for t in &ok {
                write_table(&mut out, t)?;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads a plan with its annotated pages written to `dir`; other files as usual.
/// The takeoff of one file, with one annotated PNG per plan page written into `dir`.
fn annotated(
    path: &std::path::Path,
    dir: &std::path::Path,
    hint: Option<Format>,
    limits: &chantier_bim::Limits,
    config: &Config,
) -> Result<Takeoff, chantier_bim::BimError> {
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (takeoff, pngs) =
        chantier_vision::plan::takeoff_annotated(&name, bytes, hint, limits, &config.plans)?;
    if pngs.is_empty() {
        return Ok(takeoff);
    }
    std::fs::create_dir_all(dir)?;
    let stem = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    let pages = takeoff.plan.iter().flat_map(|p| &p.pages);
    for (png, page) in pngs.iter().zip(pages) {
        std::fs::write(dir.join(format!("{stem}-page-{}.png", page.number)), png)?;
    }
    Ok(takeoff)
}

/// One row per group (IFC class, storey, type, material; DXF layer; plan item) and per file.
fn write_csv(out: &mut impl Write, all: &[Takeoff]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "file",
        "format",
        "group",
        "name",
        "count",
        "with_geometry",
        "volume_m3",
        "gross_volume_m3",
        "footprint_area_m2",
        "surface_area_m2",
        "lateral_area_m2",
        "length_m",
        "polyline_length_m",
        "polyline_closed_area_m2",
        "hatch_area_m2",
    ])?;
    let f = |v: f64| format!("{v:.6}");
    for t in all {
        if let Some(i) = &t.ifc {
            for (group, map) in [
                ("class", &i.classes),
                ("storey", &i.storeys),
                ("type", &i.types),
                ("material", &i.materials),
            ] {
                for (name, g) in map {
                    w.write_record([
                        t.file.as_str(),
                        "ifc",
                        group,
                        name,
                        &g.count.to_string(),
                        &g.with_geometry.to_string(),
                        &f(g.volume_m3),
                        &f(g.gross_volume_m3),
                        &f(g.footprint_area_m2),
                        &f(g.surface_area_m2),
                        &f(g.lateral_area_m2),
                        &f(g.length_m),
                        "",
                        "",
                        "",
                    ])?;
                }
            }
        }
        if let Some(p) = &t.plan {
            for item in p.pages.iter().flat_map(|p| &p.items) {
                let q = f(item.quantity);
                let (count, length, area) = match item.unit.as_str() {
                    "m" => ("", q.as_str(), ""),
                    "m2" => ("", "", q.as_str()),
                    _ => (q.as_str(), "", ""),
                };
                w.write_record([
                    t.file.as_str(),
                    t.format.as_str(),
                    &format!("page {} {}", item.page, item.kind),
                    item.description.as_str(),
                    count,
                    "",
                    "",
                    "",
                    area,
                    "",
                    "",
                    length,
                    "",
                    "",
                    "",
                ])?;
            }
        }
        if let Some(d) = &t.dxf {
            for (name, l) in &d.layers {
                let count: u64 = l.entity_counts.values().sum();
                w.write_record([
                    t.file.as_str(),
                    "dxf",
                    "layer",
                    name,
                    &count.to_string(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &f(l.length_m),
                    &f(l.polyline_length_m),
                    &f(l.polyline_closed_area_m2),
                    &f(l.hatch_area_m2),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

fn write_table(out: &mut impl Write, t: &Takeoff) -> Result<()> {
    writeln!(
        out,
        "{} ({}{})",
        t.file,
        t.format,
        t.schema
            .as_deref()
            .map(|s| format!(", {s}"))
            .unwrap_or_default()
    )?;
    if let Some(p) = &t.plan {
        for page in &p.pages {
            writeln!(
                out,
                "  page {}: {:.0} x {:.0} mm, scale {}, {} characters, confidence {:.2}",
                page.number,
                page.width_mm,
                page.height_mm,
                page.scale.map_or("unknown".into(), |s| format!("1:{s}")),
                page.text_chars,
                page.confidence
            )?;
            for item in &page.items {
                writeln!(
                    out,
                    "    {:<12} {:<40} {:>10.2} {:<3} ({:.0} %)",
                    item.kind,
                    item.description,
                    item.quantity,
                    item.unit,
                    item.confidence * 100.0
                )?;
            }
            for w in &page.warnings {
                writeln!(out, "    warning: {w}")?;
            }
        }
    }
    if let Some(i) = &t.ifc {
        writeln!(
            out,
            "  {} entities, length unit {} ({} m)",
            i.entity_count, i.units.length_unit, i.units.length_to_m
        )?;
        writeln!(
            out,
            "  {:<28} {:>6} {:>6} {:>12} {:>12} {:>13} {:>13}",
            "class", "count", "geom", "volume m3", "gross m3", "footprint m2", "surface m2"
        )?;
        let row = |out: &mut dyn Write, name: &str, g: &GroupQuantities| {
            writeln!(
                out,
                "  {:<28} {:>6} {:>6} {:>12.3} {:>12.3} {:>13.3} {:>13.3}",
                truncate(name, 28),
                g.count,
                g.with_geometry,
                g.volume_m3,
                g.gross_volume_m3,
                g.footprint_area_m2,
                g.surface_area_m2
            )
        };
        for (name, g) in &i.classes {
            row(out, name, g)?;
        }
        writeln!(out, "  by storey:")?;
        for (name, g) in &i.storeys {
            row(out, name, g)?;
        }
    }
    if let Some(d) = &t.dxf {
        writeln!(
            out,
            "  {} {} entities, units {} m",
            d.version, d.entity_count, d.units_to_m
        )?;
        writeln!(
            out,
            "  {:<28} {:>8} {:>12} {:>14} {:>12}",
            "layer", "entities", "length m", "closed area m2", "hatch m2"
        )?;
        for (name, l) in &d.layers {
            let n: u64 = l.entity_counts.values().sum();
            writeln!(
                out,
                "  {:<28} {:>8} {:>12.3} {:>14.3} {:>12.3}",
                truncate(name, 28),
                n,
                l.length_m,
                l.polyline_closed_area_m2,
                l.hatch_area_m2
            )?;
        }
        if !d.blocks.is_empty() {
            writeln!(
                out,
                "  blocks inserted: {}",
                d.blocks
                    .iter()
                    .map(|(k, v)| format!("{k} x{v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    for w in &t.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    writeln!(out)?;
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}
