//! `chantier takeoff` on PDF plans: the JSON contract for plans and the annotated pages.

use std::process::Command;

use chantier_vision::groundtruth::{self, PdfOptions, TextMode};

#[test]
fn takeoff_json_and_annotated_pages() {
    let dir = tempfile::tempdir().unwrap();
    let plans: Vec<_> = groundtruth::corpus().into_iter().take(1).collect();
    let pdf = groundtruth::to_pdf(
        &plans,
        &PdfOptions {
            text: TextMode::Text,
            scanned: None,
        },
    );
    let path = dir.path().join("rdc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out_dir = dir.path().join("annotated");
    let out = Command::new(env!("CARGO_BIN_EXE_chantier"))
        .args([
            "takeoff",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--annotate",
        ])
        .arg(&out_dir)
        .env("CHANTIER_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "pdf");
    let page = &v["pages"][0];
    assert_eq!(page["number"], 1);
    assert!((page["width_mm"].as_f64().unwrap() - 420.0).abs() < 0.5);
    assert!((page["height_mm"].as_f64().unwrap() - 297.0).abs() < 0.5);
    assert_eq!(page["scale"].as_f64(), Some(plans[0].truth.scale as f64));
    assert!(page["text_chars"].as_u64().unwrap() > 100);
    let rooms = page["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), plans[0].truth.rooms.len());
    assert!(
        rooms
            .iter()
            .all(|r| r["name"].is_string() && r["area_m2"].is_number())
    );
    assert!(
        page["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["value_m"].as_f64().unwrap() > 0.0)
    );
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "door")
    );
    let png = std::fs::read(out_dir.join("rdc-page-1.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let img = image::load_from_memory(&png).unwrap();
    assert!(img.width() > 1000, "readable size");

    // The table shows the items; CSV carries one row per item.
    let out = Command::new(env!("CARGO_BIN_EXE_chantier"))
        .args(["takeoff", path.to_str().unwrap(), "--format", "csv"])
        .env("CHANTIER_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.lines().any(|l| l.contains("room_area")), "{csv}");
}

/// A PDF plan alone prices: walls, partitions, wet-room tiling, doors and windows come
/// from the plan rules of the sample rule set.
#[test]
fn a_pdf_plan_is_priced_by_the_plan_rules() {
    let dir = tempfile::tempdir().unwrap();
    let plans: Vec<_> = groundtruth::corpus().into_iter().take(1).collect();
    let pdf = groundtruth::to_pdf(
        &plans,
        &PdfOptions {
            text: TextMode::Text,
            scanned: None,
        },
    );
    let path = dir.path().join("rdc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chantier"))
        .args(["estimate", path.to_str().unwrap(), "--json"])
        .env("CHANTIER_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<&serde_json::Value> = e["lots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["lines"].as_array().unwrap())
        .collect();
    let qty = |code: &str| -> f64 {
        lines
            .iter()
            .filter(|l| l.to_string().contains(code))
            .map(|l| {
                l["quantity"]
                    .as_str()
                    .map_or_else(|| l["quantity"].as_f64().unwrap(), |s| s.parse().unwrap())
            })
            .sum()
    };
    let truth = &plans[0].truth;
    assert_eq!(
        qty("MINT-010"),
        truth.doors as f64,
        "doors priced one by one"
    );
    assert_eq!(qty("MEXT-010"), truth.windows as f64);
    let walls = truth.wall_length(0.2) * 2.5;
    assert!(
        (qty("MAC-010") - walls).abs() <= 0.03 * walls,
        "{} vs {walls}",
        qty("MAC-010")
    );
}
