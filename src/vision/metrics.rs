//! Prometheus metrics for the vision pipeline, served as text on `GET /metrics`.

use std::sync::{Arc, Mutex};

use chantier_vision::StageTimes;
use chantier_vision::events::Event;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabel {
    pub stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CameraLabel {
    pub camera: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabel {
    pub camera: String,
    pub kind: String,
    pub rule: String,
}

#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    stage_seconds: Family<StageLabel, Histogram>,
    queue_seconds: Histogram,
    pub frames_analysed: Family<CameraLabel, Counter>,
    pub frames_dropped: Family<CameraLabel, Counter>,
    pub frames_skipped: Family<CameraLabel, Counter>,
    pub camera_up: Family<CameraLabel, Gauge>,
    events: Family<EventLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("chantier_vision");
        let stage_seconds = Family::<StageLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        let queue_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        let m = Metrics {
            registry: Arc::new(Mutex::new(Registry::default())),
            stage_seconds,
            queue_seconds,
            frames_analysed: Family::default(),
            frames_dropped: Family::default(),
            frames_skipped: Family::default(),
            camera_up: Family::default(),
            events: Family::default(),
        };
        registry.register(
            "stage_seconds",
            "Time per pipeline stage (decode, preprocess, inference, postprocess, rules)",
            m.stage_seconds.clone(),
        );
        registry.register(
            "queue_wait_seconds",
            "Time a camera frame waited for inference",
            m.queue_seconds.clone(),
        );
        registry.register(
            "frames_analysed",
            "Frames that went through the detector",
            m.frames_analysed.clone(),
        );
        registry.register(
            "frames_dropped",
            "Frames dropped because the inference queue was full",
            m.frames_dropped.clone(),
        );
        registry.register(
            "frames_skipped_motion",
            "Frames not analysed because nothing moved",
            m.frames_skipped.clone(),
        );
        registry.register(
            "camera_up",
            "1 while a camera is streaming",
            m.camera_up.clone(),
        );
        registry.register("events", "Safety events emitted", m.events.clone());
        *m.registry.lock().unwrap_or_else(|e| e.into_inner()) = registry;
        m
    }

    pub fn stages(&self, t: &StageTimes) {
        for (stage, us) in [
            ("decode", t.decode_us),
            ("preprocess", t.preprocess_us),
            ("inference", t.inference_us),
            ("postprocess", t.postprocess_us),
            ("rules", t.rules_us),
        ] {
            self.stage_seconds
                .get_or_create(&StageLabel {
                    stage: stage.into(),
                })
                .observe(us as f64 / 1e6);
        }
    }

    pub fn queue_wait(&self, secs: f64) {
        self.queue_seconds.observe(secs);
    }

    pub fn camera(&self, camera: &str) -> CameraLabel {
        CameraLabel {
            camera: camera.to_string(),
        }
    }

    pub fn event(&self, e: &Event) {
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.events
            .get_or_create(&EventLabel {
                camera: e.camera.clone(),
                kind,
                rule: e.rule.as_str().into(),
            })
            .inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}
