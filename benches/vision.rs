//! Criterion benchmarks of the vision pipeline on 1080p JPEGs: decode, letterbox, detection
//! (pre-process + inference + post-process) and the whole picture analysis, then a stage
//! breakdown that says what share of inference time pre- and post-processing take.
//!
//! Pictures are the labelled site photos of ../shared/datasets/ppe/val scaled to 1920x1080
//! (skipped, with a message, where ../shared is absent). Models: the shipped PPE model, plus
//! any ONNX listed in `CHANTIER_BENCH_MODELS` (`path[:path...]`), e.g. the 80-class YOLO11n
//! at 640 px that `benches/compare_vision.py` exports. Side-by-side throughput against
//! Ultralytics comes from `benches/compare_vision.py`.

use std::io::Cursor;
use std::path::PathBuf;

use chantier_vision::preprocess::{ImageLimits, decode, letterbox};
use chantier_vision::safety::SafetyRules;
use chantier_vision::{Detector, DetectorOptions, StageTimes, Thresholds, pipeline};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::imageops::FilterType;

fn pictures() -> Option<Vec<Vec<u8>>> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/datasets/ppe/val/images"
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let out: Vec<Vec<u8>> = files
        .iter()
        .take(8)
        .filter_map(|f| image::open(f).ok())
        .map(|img| {
            let big = img.resize_exact(1920, 1080, FilterType::Triangle).to_rgb8();
            let mut jpeg = Cursor::new(Vec::new());
            big.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
            jpeg.into_inner()
        })
        .collect();
    (!out.is_empty()).then_some(out)
}

fn models() -> Vec<(String, Detector)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("models/ppe/ppe-yolo11n.onnx")];
    if let Ok(extra) = std::env::var("CHANTIER_BENCH_MODELS") {
        paths.extend(
            extra
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        );
    }
    let options = DetectorOptions::default();
    paths
        .into_iter()
        .filter_map(|p| match Detector::load(&p, &options) {
            Ok(d) => Some((p.file_stem().unwrap().to_string_lossy().into_owned(), d)),
            Err(e) => {
                eprintln!("skipping {}: {e}", p.display());
                None
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let Some(jpegs) = pictures() else {
        eprintln!("SKIPPED: ../shared/datasets/ppe/val is absent; no pictures to measure");
        return;
    };
    let limits = ImageLimits::default();
    let decoded: Vec<_> = jpegs.iter().map(|j| decode(j, &limits).unwrap()).collect();
    let mut g = c.benchmark_group("1080p");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("decode_jpeg", |b| {
        b.iter(|| {
            i = (i + 1) % jpegs.len();
            decode(&jpegs[i], &limits).unwrap()
        })
    });
    g.finish();
    let rules = SafetyRules::default();
    for (name, det) in models() {
        let (w, h) = (det.spec().input_w, det.spec().input_h);
        let mut g = c.benchmark_group(format!("1080p/{name}"));
        g.sample_size(20);
        g.throughput(Throughput::Elements(1));
        let mut buf = Vec::new();
        g.bench_function("letterbox", |b| {
            b.iter(|| {
                i = (i + 1) % decoded.len();
                letterbox(&decoded[i], w, h, &mut buf).unwrap()
            })
        });
        g.bench_function("detect", |b| {
            b.iter(|| {
                i = (i + 1) % decoded.len();
                det.detect(&decoded[i], Thresholds::default()).unwrap()
            })
        });
        g.bench_function("jpeg_to_violations", |b| {
            b.iter(|| {
                i = (i + 1) % jpegs.len();
                let img = decode(&jpegs[i], &limits).unwrap();
                pipeline::analyze(&det, &img, &rules, Thresholds::default()).unwrap()
            })
        });
        g.finish();
        breakdown(&name, &det, &jpegs, &limits, &rules);
    }
}

/// Mean time of each stage over the pictures, as the service measures it.
fn breakdown(
    name: &str,
    det: &Detector,
    jpegs: &[Vec<u8>],
    limits: &ImageLimits,
    rules: &SafetyRules,
) {
    let mut sum = StageTimes::default();
    let rounds = 4;
    for _ in 0..rounds {
        for j in jpegs {
            let t = std::time::Instant::now();
            let img = decode(j, limits).unwrap();
            let decode_us = t.elapsed().as_micros() as u64;
            let a = pipeline::analyze(det, &img, rules, Thresholds::default()).unwrap();
            sum.decode_us += decode_us;
            sum.preprocess_us += a.times.preprocess_us;
            sum.inference_us += a.times.inference_us;
            sum.postprocess_us += a.times.postprocess_us;
            sum.rules_us += a.times.rules_us;
        }
    }
    let n = (rounds * jpegs.len()) as f64;
    let ms = |us: u64| us as f64 / n / 1000.0;
    let share =
        (sum.preprocess_us + sum.postprocess_us) as f64 / sum.inference_us.max(1) as f64 * 100.0;
    println!(
        "stages {name} 1080p (ms, mean of {n}): decode {:.2} | preprocess {:.2} | inference {:.2} | postprocess {:.3} | rules {:.3} || pre+post = {share:.1}% of inference",
        ms(sum.decode_us),
        ms(sum.preprocess_us),
        ms(sum.inference_us),
        ms(sum.postprocess_us),
        ms(sum.rules_us),
    );
}

criterion_group!(vision, benches);
criterion_main!(vision);
