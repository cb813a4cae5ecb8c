//! DXF takeoff against ezdxf 1.4 reference figures for the 12-file corpus
//! (`shared/datasets/bim/reference/<file>.json`, made by `scripts/dxf_reference.py`).

mod support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chantier_bim::BimError;
use chantier_bim::dxf::takeoff_dxf;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/datasets/bim");

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = Path::new(DATA).join("dxf");
    if !dir.is_dir() {
        println!("skipping: ../shared/datasets/bim not found");
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("dxf")))
        .collect();
    files.sort();
    Some(files)
}

fn reference(file: &Path) -> serde_json::Value {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let path = Path::new(DATA)
        .join("reference")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn corpus_matches_ezdxf() {
    let Some(files) = corpus() else { return };
    let mut bad = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{name}: {e}"));
        let start = Instant::now();
        let t = takeoff_dxf(&name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dt = start.elapsed();
        let d = t
            .dxf
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no dxf part"));
        println!(
            "{name}: {:.1} ms, {} entities, {} layers, hatch {:.3} m², {} texts, {} dims, {} warnings {:?}",
            dt.as_secs_f64() * 1e3,
            d.entity_count,
            d.layers.len(),
            d.layers.values().map(|l| l.hatch_area_m2).sum::<f64>(),
            d.texts.len(),
            d.dimensions.len(),
            t.warnings.len(),
            t.warnings
        );
        assert_eq!(t.format, "dxf");
        let r = reference(file);
        bad.extend(support::check_dxf(&name, &t, &r));
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

fn assert_positioned_error(what: &str, r: Result<chantier_bim::takeoff::Takeoff, BimError>) {
    match r {
        Err(BimError::Dxf {
            line,
            offset,
            message,
        }) => {
            assert!(
                line.is_some() || offset.is_some(),
                "{what}: error without position: {message}"
            );
        }
        Err(e) => panic!("{what}: wrong error kind: {e}"),
        Ok(_) => panic!("{what}: accepted"),
    }
}

#[test]
fn bad_input_is_an_error_with_a_position() {
    assert_positioned_error("empty", takeoff_dxf("e.dxf", b""));
    assert_positioned_error(
        "garbage",
        takeoff_dxf("g.dxf", b"\x00\xffnot a dxf at all\n\x13\x37"),
    );
    assert_positioned_error("text garbage", takeoff_dxf("g.dxf", b"hello\nworld\n"));
    let mut bin = b"AutoCAD Binary DXF\r\n\x1a\0".to_vec();
    bin.extend_from_slice(&[0x00, 0x00, b'S', b'E', 0x07, 0x99, 0xff, 0x12]);
    assert_positioned_error("binary garbage", takeoff_dxf("b.dxf", &bin));
    assert_positioned_error(
        "binary sentinel only",
        takeoff_dxf("b.dxf", b"AutoCAD Binary DXF\r\n\x1a\0"),
    );
    assert_positioned_error(
        "half a sentinel",
        takeoff_dxf("b.dxf", b"AutoCAD Binary DXF\r\n"),
    );
    assert_positioned_error(
        "no entities",
        takeoff_dxf("n.dxf", b"0\nSECTION\n2\nHEADER\n0\nENDSEC\n0\nEOF\n"),
    );
    assert_positioned_error(
        "missing value",
        takeoff_dxf("m.dxf", b"0\nSECTION\n2\nENTITIES\n0\nLINE\n10\n"),
    );
}

#[test]
fn truncated_corpus_files_fail_cleanly() {
    let Some(files) = corpus() else { return };
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        // Cut at several points, including mid-line and mid-value; never a panic.
        for frac in [0.01, 0.3, 0.5, 0.77, 0.999] {
            let cut = ((bytes.len() as f64) * frac) as usize;
            let what = format!("{} cut at {cut}", file.display());
            assert_positioned_error(
                &what,
                takeoff_dxf("t.dxf", bytes.get(..cut).unwrap_or_default()),
            );
        }
    }
}

#[test]
fn minimal_drawing_with_hatch_and_units() {
    // A metre drawing: a 2×3 closed LWPOLYLINE and a HATCH of a 4×4 square with a bulged
    // (half-circle) side and a 1×1 island.
    let src = "0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1015\n9\n$INSUNITS\n70\n6\n0\nENDSEC\n\
0\nSECTION\n2\nENTITIES\n\
0\nLWPOLYLINE\n5\nA1\n100\nAcDbEntity\n8\nW\n100\nAcDbPolyline\n90\n4\n70\n1\n10\n0\n20\n0\n10\n2\n20\n0\n10\n2\n20\n3\n10\n0\n20\n3\n\
0\nHATCH\n5\nA2\n100\nAcDbEntity\n8\nF\n100\nAcDbHatch\n10\n0\n20\n0\n30\n0\n210\n0\n220\n0\n230\n1\n2\nSOLID\n70\n1\n71\n0\n91\n2\n\
92\n3\n72\n1\n73\n1\n93\n4\n10\n0\n20\n0\n42\n0\n10\n4\n20\n0\n42\n0\n10\n4\n20\n4\n42\n0\n10\n0\n20\n4\n42\n0\n97\n0\n\
92\n1\n93\n4\n72\n1\n10\n1\n20\n1\n11\n2\n21\n1\n72\n1\n10\n2\n20\n1\n11\n2\n21\n2\n72\n1\n10\n2\n20\n2\n11\n1\n21\n2\n72\n1\n10\n1\n20\n2\n11\n1\n21\n1\n97\n0\n\
75\n0\n76\n1\n98\n0\n\
0\nENDSEC\n0\nEOF\n";
    let t = takeoff_dxf("mini.dxf", src.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let d = t.dxf.unwrap_or_default();
    assert_eq!(d.units_to_m, 1.0);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let w = &d.layers["W"];
    assert_eq!(w.entity_counts.get("LWPOLYLINE"), Some(&1));
    assert!((w.polyline_closed_area_m2 - 6.0).abs() < 1e-12);
    assert!((w.polyline_length_m - 10.0).abs() < 1e-12);
    let h = &d.layers["F"];
    assert_eq!(h.entity_counts.get("HATCH"), Some(&1));
    assert!((h.hatch_area_m2 - 15.0).abs() < 1e-9, "{}", h.hatch_area_m2);
}

/// Peak resident memory of this process so far, in bytes (Linux only).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kb| kb * 1024)
}

/// Timing and memory print (not an assertion): run with
/// `cargo test --release -p chantier-bim --test dxf_corpus -- --ignored --nocapture timing`.
#[test]
#[ignore]
fn timing() {
    let Some(mut files) = corpus() else { return };
    // Smallest first, so the peak memory printed after each file is that file's own peak.
    files.sort_by_key(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0));
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let runs = 5;
        let mut best = f64::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let r = takeoff_dxf(name, &bytes);
            best = best.min(start.elapsed().as_secs_f64());
            assert!(r.is_ok(), "{name}");
        }
        let peak = peak_rss().unwrap_or(0) as f64 / 1e6;
        let limit = 3.0 * bytes.len() as f64 / 1e6 + 50.0;
        println!(
            "{name:48} {:>9} B  best of {runs}: {:>7.1} ms  peak RSS {peak:.1} MB (limit {limit:.1} MB)",
            bytes.len(),
            best * 1e3
        );
    }
}
