//! `[vision]`, `[[cameras]]` and `[alerts]` configuration sections.

use std::net::SocketAddr;
use std::path::PathBuf;

use chantier_vision::events::EventConfig;
use chantier_vision::safety::SafetyRules;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VisionSection {
    /// An Ultralytics detection ONNX; the bundled PPE model when absent.
    pub model: Option<PathBuf>,
    /// The ONNX Runtime library; searched for when absent (see `scripts/fetch-onnxruntime.sh`).
    pub onnxruntime: Option<PathBuf>,
    /// Inference sessions (concurrent detections) and intra-op threads per session; 0 threads
    /// means cores divided by sessions, so the two never oversubscribe the machine.
    pub sessions: usize,
    pub intra_threads: usize,
    /// Largest picture accepted, per side and in total pixels.
    pub max_image_side: u32,
    pub max_image_pixels: u64,
    /// Frames waiting for inference across all cameras; past it each camera's oldest
    /// frame is dropped (and counted) instead of the queue growing.
    pub queue_capacity: usize,
    /// Prometheus metrics (`GET /metrics`); off when absent.
    pub metrics_listen: Option<SocketAddr>,
    /// Rules for `Detect` calls and cameras that set none.
    pub safety: SafetyRules,
    pub events: EventConfig,
}

impl Default for VisionSection {
    fn default() -> Self {
        VisionSection {
            model: None,
            onnxruntime: None,
            sessions: 1,
            intra_threads: 0,
            max_image_side: 16_384,
            max_image_pixels: 40_000_000,
            queue_capacity: 16,
            metrics_listen: None,
            safety: SafetyRules::default(),
            events: EventConfig::default(),
        }
    }
}

impl VisionSection {
    pub fn limits(&self) -> chantier_vision::preprocess::ImageLimits {
        chantier_vision::preprocess::ImageLimits {
            max_width: self.max_image_side,
            max_height: self.max_image_side,
            max_pixels: self.max_image_pixels,
        }
    }
}

/// One `[[cameras]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CameraSection {
    pub name: String,
    /// `rtsp://user:password@host:554/path`; the password never appears in logs or status.
    pub url: String,
    /// Frames analysed per second (the rest are decoded and skipped).
    #[serde(default = "default_fps")]
    pub fps: f32,
    #[serde(default)]
    pub safety: Option<SafetyRules>,
    #[serde(default)]
    pub events: Option<EventConfig>,
    /// Motion gating: `pixel_threshold` (0-255), `min_changed` (fraction of the picture; 0 =
    /// off), `max_idle_ms` (analyse at least this often anyway).
    #[serde(default)]
    pub motion: chantier_vision::motion::MotionConfig,
    /// Odoo project (id) that receives this camera's incident tasks.
    #[serde(default)]
    pub odoo_project_id: Option<i64>,
}

fn default_fps() -> f32 {
    2.0
}

/// `[alerts]`: where violation events go besides the gRPC stream.
#[derive(Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsSection {
    /// POSTed JSON for every event, signed in `X-Chantier-Signature: sha256=<hex>`.
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// `mqtt://host:1883`; events go to `<mqtt_topic>/<camera>/<kind>`.
    pub mqtt_url: Option<String>,
    pub mqtt_topic: String,
    /// Create an incident `project.task` in Odoo on each event start (needs `[odoo]`).
    pub odoo_tasks: bool,
    /// Default project for cameras that name none.
    pub odoo_project_id: Option<i64>,
    /// Odoo partner ids of the safety team, added as followers of each incident.
    pub odoo_followers: Vec<i64>,
}

impl std::fmt::Debug for AlertsSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertsSection")
            .field("webhook_url", &self.webhook_url)
            .field("mqtt_url", &self.mqtt_url)
            .field("mqtt_topic", &self.mqtt_topic)
            .field("odoo_tasks", &self.odoo_tasks)
            .finish_non_exhaustive()
    }
}
