//! Prints what the PDF reader finds on each page of a file, and how long it took:
//! `cargo run --release -p chantier-bim --example pdf_pages -- plan.pdf [--texts] [--analyse]`.

use chantier_bim::pdf::{PdfFile, PdfLimits};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: pdf_pages FILE.pdf [--texts] [--analyse]");
        std::process::exit(2);
    };
    let rest: Vec<String> = args.collect();
    let show_texts = rest.iter().any(|a| a == "--texts");
    let analyse = rest.iter().any(|a| a == "--analyse");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let t = std::time::Instant::now();
    let pdf = match PdfFile::open(&bytes, PdfLimits::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    for n in 1..=pdf.page_count() as u32 {
        match pdf.read_page(n) {
            Ok(r) => {
                let p = &r.page;
                println!(
                    "page {n}: {:.1}x{:.1} mm, {} chars, {} runs, {} segments, {} curves, {} images, {} warnings",
                    p.width_mm,
                    p.height_mm,
                    p.text_chars,
                    p.texts.len(),
                    p.segments.len(),
                    p.curves.len(),
                    p.images.len(),
                    p.warnings.len()
                );
                for w in &p.warnings {
                    println!("  warning: {w}");
                }
                if analyse {
                    let a = chantier_bim::plan::analyse(p);
                    println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
                }
                if show_texts {
                    for r in &p.texts {
                        println!(
                            "  [{:7.1} {:7.1} {:5.0}°] {}",
                            r.bbox.x0, r.bbox.y0, r.angle_deg, r.text
                        );
                    }
                }
            }
            Err(e) => println!("page {n}: {e}"),
        }
    }
    eprintln!("{:.3} s", t.elapsed().as_secs_f64());
}
