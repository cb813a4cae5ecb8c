//! One timed run, the counterpart of shared/datasets/bim/scripts/bench_one.py: prints one
//! JSON line with in-process timings so `benches/compare.py` can put chantier and the
//! reference tools side by side. Usage: bench_one MODE FILE [REPEAT]
//! (MODE: ifc_open, ifc_geom, dxf_read). With REPEAT > 1 the run is repeated in-process and
//! the fastest is reported, as `benches/compare.py` does for the reference tools.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeat: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(1).max(1);
    let mut best: Option<(f64, serde_json::Value)> = None;
    for _ in 0..repeat {
        let (secs, out) = run_once(&args);
        if best.as_ref().is_none_or(|b| secs < b.0) {
            best = Some((secs, out));
        }
    }
    if let Some((_, out)) = best {
        println!("{out}");
    }
}

/// One timed run: (seconds of the measured step, the JSON line).
fn run_once(args: &[String]) -> (f64, serde_json::Value) {
    let (Some(mode), Some(path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: bench_one ifc_open|ifc_geom|dxf_read FILE");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let size = bytes.len();
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let t0 = Instant::now();
    match mode.as_str() {
        "ifc_open" => {
            let step = chantier_bim::step::StepFile::parse(bytes).unwrap_or_else(fail);
            let t1 = Instant::now();
            // Decode every entity's attributes, as iterating entities does in IfcOpenShell.
            let mut n_values = 0usize;
            for r in step.records() {
                n_values += step.record_args(r).map(|a| a.len()).unwrap_or(0);
            }
            let t2 = Instant::now();
            let secs = (t2 - t0).as_secs_f64();
            (
                secs,
                serde_json::json!({"mode": mode, "file": name, "size_bytes": size, "open_s": (t1 - t0).as_secs_f64(),
                "iterate_s": (t2 - t1).as_secs_f64(), "open_iterate_s": (t2 - t0).as_secs_f64(), "n_entities": step.len(),
                "n_values": n_values, "mb_per_s_open": size as f64 / 1e6 / (t1 - t0).as_secs_f64()}),
            )
        }
        "ifc_geom" => {
            let t =
                chantier_bim::takeoff_bytes(&name, bytes, None, &chantier_bim::Limits::default())
                    .unwrap_or_else(fail);
            let n = t.ifc.map_or(0, |i| i.elements.len());
            let secs = t0.elapsed().as_secs_f64();
            (
                secs,
                serde_json::json!({"mode": mode, "file": name, "size_bytes": size, "geom_takeoff_s": secs, "n_elements": n}),
            )
        }
        "dxf_read" => {
            let t =
                chantier_bim::takeoff_bytes(&name, bytes, None, &chantier_bim::Limits::default())
                    .unwrap_or_else(fail);
            let secs = t0.elapsed().as_secs_f64();
            (
                secs,
                serde_json::json!({"mode": mode, "file": name, "size_bytes": size, "readfile_s": secs,
                "n_msp": t.dxf.map_or(0, |d| d.entity_count), "peak_rss_bytes": peak_rss()}),
            )
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}

fn fail<E: std::fmt::Display, T>(e: E) -> T {
    eprintln!("{e}");
    std::process::exit(1)
}

/// Peak resident memory of this process (Linux), for the DXF memory bound.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb * 1024)
}
