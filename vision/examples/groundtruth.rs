//! Writes the ground-truth corpus:
//! `cargo run --profile test -p chantier-vision --example groundtruth OUTDIR` (about 20 s;
//! the plain dev profile leaves this crate unoptimised and rendering the scans then takes
//! minutes).
//!
//! OUTDIR gets, for each sheet N of the corpus, `plan-N.dxf`; for each scan of
//! `groundtruth::scans()`, `plan-N-DPI.png`, `.jpg` and `.tif`; `plans.pdf` (vector, text),
//! `plans-outlined.pdf` (glyphs as paths), `plans-scanned.pdf` (one JPEG per page, 200 dpi),
//! and `truth.json` with every sheet's truth and every scan's.

use std::path::PathBuf;
use std::time::Instant;

use chantier_vision::groundtruth::{
    self, Degrade, ImageEncoding, PdfOptions, ScanOptions, TextMode, Truth,
};
use serde::Serialize;

#[derive(Serialize)]
struct ScanEntry {
    plan: usize,
    files: Vec<String>,
    degrade: Degrade,
    truth: Truth,
}

#[derive(Serialize)]
struct Output {
    sheets: Vec<Truth>,
    scans: Vec<ScanEntry>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: groundtruth OUTDIR")?);
    std::fs::create_dir_all(&out)?;
    let t0 = Instant::now();
    let plans = groundtruth::corpus();
    println!("{} sheets generated in {:?}", plans.len(), t0.elapsed());
    for (i, p) in plans.iter().enumerate() {
        std::fs::write(out.join(format!("plan-{i}.dxf")), groundtruth::to_dxf(p))?;
    }
    std::fs::write(
        out.join("plans.pdf"),
        groundtruth::to_pdf(&plans, &PdfOptions::default()),
    )?;
    std::fs::write(
        out.join("plans-outlined.pdf"),
        groundtruth::to_pdf(
            &plans,
            &PdfOptions {
                text: TextMode::Outlines,
                scanned: None,
            },
        ),
    )?;
    let t1 = Instant::now();
    std::fs::write(
        out.join("plans-scanned.pdf"),
        groundtruth::to_pdf(
            &plans,
            &PdfOptions {
                text: TextMode::Text,
                scanned: Some(ScanOptions {
                    dpi: 200,
                    degrade: Degrade {
                        rotation_deg: 0.8,
                        blur_sigma: 0.7,
                        noise: 0.03,
                        seed: 42,
                    },
                    encoding: ImageEncoding::Jpeg { quality: 80 },
                }),
            },
        ),
    )?;
    println!("scanned PDF in {:?}", t1.elapsed());
    let mut scans = Vec::new();
    for (plan, dpi, deg) in groundtruth::scans() {
        let Some(p) = plans.get(plan) else { continue };
        let t = Instant::now();
        let img = groundtruth::degrade(&groundtruth::render(p, dpi), &deg);
        let stem = format!("plan-{plan}-{dpi}");
        let mut files = Vec::new();
        for ext in ["png", "jpg", "tif"] {
            let name = format!("{stem}.{ext}");
            img.save(out.join(&name))?;
            files.push(name);
        }
        println!(
            "{stem}: {}x{} in {:?}",
            img.width(),
            img.height(),
            t.elapsed()
        );
        scans.push(ScanEntry {
            plan,
            files,
            degrade: deg,
            truth: p.truth.for_scan(dpi, &deg),
        });
    }
    let output = Output {
        sheets: plans.iter().map(|p| p.truth.clone()).collect(),
        scans,
    };
    std::fs::write(
        out.join("truth.json"),
        serde_json::to_string_pretty(&output)?,
    )?;
    println!("written to {} in {:?}", out.display(), t0.elapsed());
    Ok(())
}
