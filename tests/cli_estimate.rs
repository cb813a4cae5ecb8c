//! `chantier estimate` on the sample house with the bundled library and rules.

use std::process::Command;

fn chantier() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chantier"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn writes_the_devis_the_dpgf_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("devis.pdf");
    let xlsx = dir.path().join("dpgf.xlsx");
    let out = chantier()
        .args([
            "estimate",
            "datasets/sample_house/maison.ifc",
            "datasets/sample_house/maison-rdc.dxf",
        ])
        .args([
            "--client",
            "SCI Les Tilleuls",
            "--site",
            "12 chemin des Vignes",
            "--site",
            "69130 Écully",
        ])
        .arg("--out")
        .arg(&pdf)
        .arg("--xlsx")
        .arg(&xlsx)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK\x03\x04"));
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in [
        "total_ht",
        "total_vat",
        "total_ttc",
        "lots",
        "unmatched",
        "mentions",
    ] {
        assert!(e.get(k).is_some(), "{k} missing");
    }
    let line = &e["lots"][0]["lines"][0];
    for k in [
        "quantity",
        "unit",
        "unit_price",
        "total",
        "vat_rate",
        "provenance",
    ] {
        assert!(line.get(k).is_some(), "line.{k} missing: {line}");
    }
    let ht: f64 = e["total_ht"].as_str().unwrap().parse().unwrap();
    let lots: f64 = e["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["total_ht"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((ht - lots).abs() < 0.005);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("total HT"), "{stderr}");
}

#[test]
fn bad_library_fails_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("prix.csv");
    std::fs::write(
        &lib,
        "code,lot,designation_fr,unit,unit_price\nGO-020,GO,Voile,m3,abc\n",
    )
    .unwrap();
    let out = chantier()
        .args([
            "estimate",
            "datasets/sample_house/maison.ifc",
            "--json",
            "--library",
        ])
        .arg(&lib)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("prix.csv:2:5") && err.contains("not a number"),
        "{err}"
    );
    let out = chantier()
        .args(["estimate", "datasets/sample_house/maison.ifc"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "no output asked for");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to write"));
}
