//! From a picture to violations (stateless) and from a camera's frames to events (stateful).

use std::time::Instant;

use image::RgbImage;
use serde::Serialize;

use crate::annotate::{Overlay, annotate, encode_jpeg};
use crate::detection::{Detection, StageTimes};
use crate::detector::{Detector, Thresholds};
use crate::error::Result;
use crate::events::{EventConfig, EventEngine, Observation, Transitions};
use crate::safety::{self, SafetyRules, Violation, Worker};
use crate::track::{Tracker, TrackerConfig};

/// Everything known about one picture.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub width: u32,
    pub height: u32,
    pub detections: Vec<Detection>,
    pub workers: Vec<Worker>,
    pub violations: Vec<Violation>,
    pub times: StageTimes,
}

/// Detect and apply the rules to one picture.
pub fn analyze(
    detector: &Detector,
    img: &RgbImage,
    rules: &SafetyRules,
    thresholds: Thresholds,
) -> Result<Analysis> {
    let out = detector.detect(img, thresholds)?;
    let t = Instant::now();
    let (workers, violations) = safety::evaluate(
        detector.spec(),
        &out.detections,
        rules,
        out.width,
        out.height,
    );
    let mut times = out.times;
    times.rules_us = t.elapsed().as_micros() as u64;
    Ok(Analysis {
        width: out.width,
        height: out.height,
        detections: out.detections,
        workers,
        violations,
        times,
    })
}

/// Render the analysis on the picture (for `--out` and snapshots).
pub fn render(
    img: &RgbImage,
    a: &Analysis,
    rules: &SafetyRules,
    track_ids: &[Option<u64>],
) -> RgbImage {
    annotate(
        img,
        &Overlay {
            detections: &a.detections,
            violations: &a.violations,
            zones: &rules.zones,
            track_ids,
        },
    )
}

/// One camera's state across frames: tracker and event lifecycle.
#[derive(Debug)]
pub struct CameraAnalyzer {
    pub rules: SafetyRules,
    tracker: Tracker,
    events: EventEngine,
}

/// The result of one analysed camera frame.
#[derive(Debug)]
pub struct FrameOutcome {
    pub analysis: Analysis,
    /// Track id per worker.
    pub tracks: Vec<Option<u64>>,
    pub transitions: Transitions,
}

impl CameraAnalyzer {
    pub fn new(
        camera: impl Into<String>,
        rules: SafetyRules,
        events: EventConfig,
        tracker: TrackerConfig,
    ) -> Self {
        CameraAnalyzer {
            rules,
            tracker: Tracker::new(tracker),
            events: EventEngine::new(camera, events),
        }
    }

    pub fn process(
        &mut self,
        detector: &Detector,
        img: &RgbImage,
        at_ms: i64,
        thresholds: Thresholds,
    ) -> Result<FrameOutcome> {
        let analysis = analyze(detector, img, &self.rules, thresholds)?;
        Ok(self.process_analysis(img, analysis, at_ms))
    }

    /// The stateful half, separate so a frame analysed elsewhere (the shared queue) can be fed.
    pub fn process_analysis(
        &mut self,
        img: &RgbImage,
        analysis: Analysis,
        at_ms: i64,
    ) -> FrameOutcome {
        let boxes: Vec<_> = analysis
            .workers
            .iter()
            .map(|w| (w.bbox, w.confidence))
            .collect();
        let (tracks, dropped) = self.tracker.update(&boxes);
        let h = analysis.height.max(1) as f32;
        let seen: Vec<Observation> = analysis
            .violations
            .iter()
            .filter_map(|v| {
                let track_id = tracks.get(v.worker).copied().flatten()?;
                Some(Observation {
                    track_id,
                    rule: v.rule,
                    zone: v.zone.clone(),
                    confidence: v.confidence,
                    bbox: v.bbox,
                    quality: v.confidence * (v.bbox.height() / h).sqrt(),
                })
            })
            .collect();
        let mut transitions = self.events.observe(at_ms, &seen, &dropped);
        if transitions.needs_snapshot() {
            let ids: Vec<Option<u64>> = analysis
                .violations
                .iter()
                .map(|v| tracks.get(v.worker).copied().flatten())
                .collect();
            let picture = render(img, &analysis, &self.rules, &ids);
            if let Ok(jpeg) = encode_jpeg(&picture, self.events.config().snapshot_quality) {
                transitions.attach(jpeg);
            }
        }
        FrameOutcome {
            analysis,
            tracks,
            transitions,
        }
    }

    /// Close every open event, e.g. when the stream ends.
    pub fn finish(&mut self, at_ms: i64) -> Transitions {
        self.events.finish(at_ms)
    }
}
