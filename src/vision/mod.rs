//! Wiring of the vision crate into the binary: which model, which settings, where events go.

pub mod alerts;
pub mod cameras;
pub mod config;
pub mod hub;
pub mod incidents;
pub mod metrics;
pub mod outbox;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use chantier_vision::{Detector, DetectorOptions, ModelCard};

pub use config::VisionSection;

/// The PPE model trained by the project (models/ppe/MODEL_CARD.md), built into the binary so
/// `chantier serve` and `chantier detect` work from any directory with no download.
const BUNDLED_MODEL: &[u8] = include_bytes!("../../models/ppe/ppe-yolo11n.onnx");
const BUNDLED_CARD: &str = include_str!("../../models/ppe/ppe-yolo11n.toml");
pub const BUNDLED_NAME: &str = "models/ppe/ppe-yolo11n.onnx (bundled)";

/// Load the configured model, or the bundled one.
pub fn load_detector(model: Option<&Path>, section: &VisionSection) -> Result<Detector> {
    if let Some(lib) = &section.onnxruntime {
        chantier_vision::runtime::set_library_path(lib);
    }
    let options = DetectorOptions {
        sessions: section.sessions,
        intra_threads: section.intra_threads,
        spinning: false,
    };
    match model.or(section.model.as_deref()) {
        Some(path) => {
            Detector::load(path, &options).with_context(|| format!("loading {}", path.display()))
        }
        None => {
            let card = ModelCard::parse(BUNDLED_CARD).map_err(anyhow::Error::msg)?;
            Ok(Detector::from_bytes(
                &PathBuf::from(BUNDLED_NAME),
                BUNDLED_MODEL,
                Some(card),
                &options,
            )?)
        }
    }
}

/// A detector shared by the services; the error is kept so calls can say why vision is off.
pub type SharedDetector = Result<Arc<Detector>, String>;
