//! The IFC corpus in ../shared/datasets/bim against IfcOpenShell 0.9 reference results
//! (see support/mod.rs for the bounds and for the references we believe wrong).
//! Skips (with a message) when ../shared is absent.

mod support;

use chantier_bim::{Limits, takeoff_path};

#[test]
fn ifc_corpus_matches_ifcopenshell() {
    let Some(root) = support::data_dir() else {
        return;
    };
    let files = support::files(&root, "ifc");
    assert_eq!(files.len(), 13, "the corpus has 13 IFC files");
    let mut failures = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match takeoff_path(&path, None, &Limits::default()) {
            Ok(t) => failures.extend(support::check_ifc(
                &name,
                &t,
                &support::reference(&root, &name),
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
