//! Prints per-element geometric quantities of one class, to compare with other tools.
//! Usage: cargo run --release -p chantier-bim --example elements -- FILE CLASS

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(class)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: elements FILE CLASS");
        std::process::exit(2);
    };
    let t = match chantier_bim::takeoff_path(
        std::path::Path::new(path),
        None,
        &chantier_bim::Limits::default(),
    ) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for w in &t.warnings {
        eprintln!("warning: {w}");
    }
    let Some(ifc) = t.ifc else { return };
    for e in ifc.elements.iter().filter(|e| &e.class == class) {
        let q = |n: &str| {
            e.quantities
                .iter()
                .find(|q| q.name == n)
                .map_or(f64::NAN, |q| q.value)
        };
        println!(
            "{}\t{}\t{:.4}\t{:.4}\t{:.4}",
            e.id,
            e.global_id,
            q("volume"),
            q("gross_volume"),
            q("footprint_area")
        );
    }
}
