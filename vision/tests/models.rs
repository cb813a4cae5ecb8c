//! Loading real ONNX files through ONNX Runtime: every Ultralytics output layout, the
//! letterbox mapping back to image pixels, and the refusal of files that are not detectors.

use std::path::PathBuf;

use chantier_vision::safety::{self, Rule, SafetyRules};
use chantier_vision::{Detector, DetectorOptions, Role, Thresholds, VisionError};
use image::RgbImage;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(name: &str) -> Result<Detector, VisionError> {
    Detector::load(&fixture(name), &DetectorOptions::default())
}

/// The synthetic models answer in a 64x64 input; a 128x64 picture is letterboxed to 64x32
/// with 16 pixels of padding on top, so a box at (28,12)-(36,20) in the input is
/// (56,-8)-(72,8) in the picture, clipped to (56,0)-(72,8).
fn picture() -> RgbImage {
    RgbImage::new(128, 64)
}

#[test]
fn every_ultralytics_layout_decodes_to_the_same_boxes() {
    for name in [
        "yolo11-layout.onnx",
        "yolov5-layout.onnx",
        "yolo26-layout.onnx",
    ] {
        let det = load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            det.spec().classes,
            ["helmet", "no_helmet", "no_wear", "wear"]
        );
        assert_eq!((det.spec().input_w, det.spec().input_h), (64, 64));
        let out = det.detect(&picture(), Thresholds::default()).unwrap();
        let mut found: Vec<(String, [i32; 4])> = out
            .detections
            .iter()
            .map(|d| (d.class.clone(), d.bbox.to_array().map(|v| v.round() as i32)))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ("no_helmet".to_string(), [56, 0, 72, 8]),
                ("no_wear".to_string(), [48, 8, 80, 40])
            ],
            "{name}"
        );
    }
}

#[test]
fn thresholds_change_what_is_kept() {
    let det = load("yolo11-layout.onnx").unwrap();
    let strict = det
        .detect(
            &picture(),
            Thresholds {
                confidence: Some(0.86),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(strict.detections.len(), 1);
    // With NMS off (IoU 1.0) the duplicate bare head survives; the `wear` box lies in the
    // padding below the picture and is dropped, not clipped into a zero-height box.
    let loose = det
        .detect(
            &picture(),
            Thresholds {
                iou: Some(1.0),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(loose.detections.len(), 3);
}

#[test]
fn the_model_card_gives_roles_and_rules_find_the_violations() {
    let det = load("yolo11-layout.onnx").unwrap();
    assert!(det.spec().has_roles);
    assert_eq!(det.spec().role(1), Role::HeadWithoutHelmet);
    let img = RgbImage::new(640, 640);
    let out = det.detect(&img, Thresholds::default()).unwrap();
    let rules = SafetyRules {
        min_person_height: 0.0,
        ..Default::default()
    };
    let (workers, violations) = safety::evaluate(det.spec(), &out.detections, &rules, 640, 640);
    assert_eq!(
        workers.len(),
        1,
        "the bare head sits on the torso below it: one worker"
    );
    let mut rules_hit: Vec<Rule> = violations.iter().map(|v| v.rule).collect();
    rules_hit.sort();
    assert_eq!(rules_hit, vec![Rule::NoHelmet, Rule::NoVest]);
    // Without a card (the yolov5 fixture has none) nothing has a role.
    assert!(!load("yolov5-layout.onnx").unwrap().spec().has_roles);
}

#[test]
fn files_that_are_not_detectors_are_refused_with_a_reason() {
    let err = load("classifier.onnx").unwrap_err().to_string();
    assert!(err.contains("classify"), "{err}");
    let err = load("wrong-classes.onnx").unwrap_err().to_string();
    assert!(
        err.contains("does not match a YOLO detection head for 3 classes"),
        "{err}"
    );
    let err = load("make_models.py").unwrap_err().to_string();
    assert!(err.contains("not an ONNX model"), "{err}");
    let err = load("missing.onnx").unwrap_err().to_string();
    assert!(err.contains("cannot read"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("yolo26-layout.onnx")).unwrap();
    let truncated = dir.path().join("truncated.onnx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = Detector::load(&truncated, &DetectorOptions::default()).unwrap_err();
    assert!(matches!(err, VisionError::Model { .. }), "{err}");
}

#[test]
fn a_pool_of_sessions_serves_concurrent_callers() {
    let det = std::sync::Arc::new(
        Detector::load(
            &fixture("yolo11-layout.onnx"),
            &DetectorOptions {
                sessions: 2,
                intra_threads: 1,
                spinning: false,
            },
        )
        .unwrap(),
    );
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let det = det.clone();
            std::thread::spawn(move || {
                det.detect(&picture(), Thresholds::default())
                    .unwrap()
                    .detections
                    .len()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 2);
    }
}
