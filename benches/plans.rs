//! Plan reading speed: the PDF interpreter on the real VA sheet set (shared corpus, when
//! present) and on a generated plan set, and the recognisers on their pages.
//! `cargo bench --bench plans`; `benches/compare_plans.py` times pdfplumber beside it.

use std::hint::black_box;

use chantier_bim::pdf::{PdfFile, PdfLimits};
use chantier_bim::plan::analyse;
use chantier_vision::groundtruth::{self, PdfOptions, TextMode};
use criterion::{Criterion, criterion_group, criterion_main};

fn read_all(bytes: &[u8]) -> usize {
    let pdf = PdfFile::open(bytes, PdfLimits::default()).expect("readable PDF");
    (1..=pdf.page_count() as u32)
        .map(|n| pdf.read_page(n).expect("page").page.text_chars)
        .sum()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("plans");
    g.sample_size(10);
    let va = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets/bim/pdf/VA_medcenter_floor_finish_plan.pdf");
    if let Ok(bytes) = std::fs::read(&va) {
        g.bench_function("va_plan_text_and_paths", |b| {
            b.iter(|| read_all(black_box(&bytes)))
        });
        let pdf = PdfFile::open(&bytes, PdfLimits::default()).expect("VA plan");
        let page = pdf.read_page(1).expect("page 1").page;
        g.bench_function("va_plan_recognise_page1", |b| {
            b.iter(|| analyse(black_box(&page)))
        });
    } else {
        eprintln!("skipping the VA plan: ../shared is absent");
    }
    let plans = groundtruth::corpus();
    let pdf = groundtruth::to_pdf(
        &plans,
        &PdfOptions {
            text: TextMode::Text,
            scanned: None,
        },
    );
    g.bench_function("groundtruth_8_sheets_read_and_recognise", |b| {
        b.iter(|| {
            let file = PdfFile::open(black_box(&pdf), PdfLimits::default()).expect("pdf");
            (1..=file.page_count() as u32)
                .map(|n| analyse(&file.read_page(n).expect("page").page).rooms.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
