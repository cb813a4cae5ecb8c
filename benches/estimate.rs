//! Criterion benchmarks of estimating: the whole path from the largest corpus IFC file to a
//! devis PDF (takeoff, rules, pricing, rendering), and the PDF rendering of a 300-line devis.
//! Goals (issue 3): under 2 s and under 100 ms on the development machine.

use std::path::PathBuf;

use chantier_estimator::clauses::ClauseLibrary;
use chantier_estimator::estimate::{self, Estimate, EstimateSettings, Inputs, Party};
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::profile::FirmProfile;
use chantier_estimator::rules::RuleSet;
use criterion::{Criterion, criterion_group, criterion_main};

fn settings() -> EstimateSettings {
    EstimateSettings {
        title: "Bench".into(),
        client: Party {
            name: "Client".into(),
            ..Party::default()
        },
        site_address: vec!["1 rue du Banc".into(), "69000 Lyon".into()],
        ..EstimateSettings::default()
    }
}

fn price(takeoffs: &[chantier_bim::takeoff::Takeoff]) -> Estimate {
    estimate::build(
        Inputs {
            takeoffs,
            documents: &[],
            library: &PriceLibrary::sample(),
            rules: &RuleSet::sample(),
            clauses: &ClauseLibrary::sample(),
            firm: &FirmProfile::sample(),
        },
        settings(),
    )
    .unwrap()
}

/// The sample house's estimate with its lines repeated up to `n`, numbered again.
fn long_estimate(n: usize) -> Estimate {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house");
    let t =
        chantier_bim::takeoff_path(&root.join("maison.ifc"), None, &Default::default()).unwrap();
    let mut e = price(&[t]);
    let lines: Vec<_> = e.lines().cloned().collect();
    let per_lot = n / e.lots.len() + 1;
    let mut left = n;
    for (i, lot) in e.lots.iter_mut().enumerate() {
        lot.lines = (0..per_lot.min(left))
            .map(|j| {
                let mut l = lines[(i * 7 + j) % lines.len()].clone();
                l.number = format!("{}.{}", i + 1, j + 1);
                l
            })
            .collect();
        left -= lot.lines.len();
    }
    e
}

fn benches(c: &mut Criterion) {
    let e = long_estimate(300);
    assert_eq!(e.lines().count(), 300);
    let mut g = c.benchmark_group("devis_pdf");
    g.sample_size(20);
    g.bench_function("render_300_lines", |b| {
        b.iter(|| chantier_estimator::pdf::render(&e).unwrap().len())
    });
    g.finish();

    let big = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets/bim/ifc/Office_A_Revit2011.ifc");
    let Ok(bytes) = std::fs::read(&big) else {
        eprintln!(
            "skipping the end-to-end benchmark: {} is absent",
            big.display()
        );
        return;
    };
    let mut g = c.benchmark_group("estimate_end_to_end");
    g.sample_size(10);
    g.bench_function("Office_A_Revit2011.ifc", |b| {
        b.iter(|| {
            let t = chantier_bim::takeoff_bytes(
                "Office_A_Revit2011.ifc",
                bytes.clone(),
                None,
                &Default::default(),
            )
            .unwrap();
            let e = price(&[t]);
            chantier_estimator::pdf::render(&e).unwrap().len()
        })
    });
    g.finish();
}

criterion_group!(estimate_benches, benches);
criterion_main!(estimate_benches);
