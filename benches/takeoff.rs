//! Criterion benchmarks of the takeoff engine on the shared corpus (skipped, with a message,
//! where ../shared is absent). Side-by-side ratios against IfcOpenShell and ezdxf come from
//! `benches/compare.py`.

use std::path::PathBuf;

use chantier_bim::{Limits, takeoff_bytes};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn data(rel: &str) -> Option<(String, Vec<u8>)> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/datasets/bim"
    ))
    .join(rel);
    let bytes = std::fs::read(&p).ok()?;
    Some((p.file_name()?.to_string_lossy().into_owned(), bytes))
}

fn benches(c: &mut Criterion) {
    let files = [
        "ifc/Office_A_Revit2011.ifc",
        "ifc/Tekla_MiniProject_Carwash.ifc",
        "dxf/acadsharp_sample_2000_AC1015.dxf",
        "dxf/gds_api-cw750-curtainwall-details_2013.dxf",
    ];
    let mut any = false;
    for rel in files {
        let Some((name, bytes)) = data(rel) else {
            continue;
        };
        any = true;
        let mut g = c.benchmark_group(name.clone());
        g.sample_size(10);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        if rel.ends_with(".ifc") {
            g.bench_function("step_index", |b| {
                b.iter(|| chantier_bim::step::StepFile::parse(bytes.clone()).map(|s| s.len()))
            });
        }
        g.bench_function("takeoff", |b| {
            b.iter(|| {
                takeoff_bytes(&name, bytes.clone(), None, &Limits::default())
                    .map(|t| t.warnings.len())
            })
        });
        g.finish();
    }
    if !any {
        eprintln!("skipping: ../shared/datasets/bim not found");
    }
}

criterion_group!(takeoff, benches);
criterion_main!(takeoff);
