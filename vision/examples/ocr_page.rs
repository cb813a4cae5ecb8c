//! Reads one scanned sheet (PNG, JPEG or TIFF) with chantier's tiled OCR and prints JSON:
//! the words with their boxes and confidences, the skew undone, and the time of each stage.
//!
//! cargo run --release -p chantier-vision --example ocr_page -- page.png \
//!     [--tile PX] [--overlap PX] [--threads N] [--min-confidence F] [--raw]
//!
//! `--raw` skips deskew and binarisation (OCR of the image as it is). Run it with
//! `OMP_THREAD_LIMIT=1`: Tesseract's own OpenMP threads would fight the tile workers.

use std::time::Instant;

use chantier_vision::ocr::{OcrConfig, decode_scan, read_scan, recognize};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!(
            "usage: ocr_page IMAGE [--tile PX] [--overlap PX] [--threads N] \
             [--min-confidence F] [--raw]"
        );
        std::process::exit(2);
    };
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<f64>().unwrap_or_else(|_| {
                    eprintln!("{flag} takes a number, not {v}");
                    std::process::exit(2)
                })
            })
    };
    let mut cfg = OcrConfig::default();
    if let Some(v) = value("--tile") {
        cfg.tile_px = v as u32;
    }
    if let Some(v) = value("--overlap") {
        cfg.overlap_px = v as u32;
    }
    if let Some(v) = value("--threads") {
        cfg.threads = v as usize;
    }
    if let Some(v) = value("--min-confidence") {
        cfg.min_confidence = v as f32;
    }
    let raw = args.iter().any(|a| a == "--raw");

    let start = Instant::now();
    let result = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| decode_scan(&bytes, cfg.max_pixels).map_err(|e| e.to_string()));
    let img = match result {
        Ok(img) => img,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let decoded = start.elapsed().as_secs_f64();
    let read = if raw {
        recognize(&img, &cfg).map(|page| (page, 0.0))
    } else {
        read_scan(&img, &cfg).map(|r| (r.page, r.skew_deg))
    };
    let (page, skew) = match read {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let total = start.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "file": path,
        "width": page.width,
        "height": page.height,
        "skew_deg": skew,
        "tiles": page.tiles,
        "mean_confidence": page.mean_confidence,
        "seconds": { "decode": decoded, "ocr": total - decoded, "total": total },
        "words": page.words,
    });
    println!("{out}");
}
