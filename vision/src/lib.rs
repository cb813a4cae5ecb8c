//! Site safety vision for chantier: YOLO detection through ONNX Runtime, PPE rules per
//! worker, zones, tracking, violation events with snapshots, and camera streams.
//!
//! The crate knows nothing of gRPC; the `chantier` binary wires it to its services.

pub mod annotate;
pub mod detection;
pub mod detector;
pub mod error;
pub mod events;
pub mod groundtruth;
pub mod model;
pub mod motion;
pub mod mp4;
pub mod nms;
pub mod ocr;
pub mod pipeline;
pub mod plan;
pub mod preprocess;
pub mod queue;
pub mod runtime;
pub mod safety;
pub mod stream;
pub mod track;

pub use detection::{BoxF, Detection, StageTimes};
pub use detector::{DetectOutput, Detector, DetectorOptions, Thresholds};
pub use error::{Result, VisionError};
pub use model::{ModelCard, ModelSpec, Role};
