use std::path::PathBuf;

/// Everything the vision crate can refuse. The binary maps each variant to one gRPC status
/// (see `src/server/status.rs`), so a variant says whose fault it is, not just what failed.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// The picture itself is unusable (corrupt, truncated, unknown format).
    #[error("image: {0}")]
    Image(String),
    /// The picture is valid but outside the configured limits.
    #[error("image is {width}x{height} pixels; {limit}")]
    ImageSize {
        width: u32,
        height: u32,
        limit: String,
    },
    /// The model file cannot be used as a detector.
    #[error("model {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    /// The ONNX Runtime library is missing or the wrong version.
    #[error("ONNX Runtime is not available: {0}")]
    Runtime(String),
    /// Inference failed inside ONNX Runtime on a valid input.
    #[error("inference failed: {0}")]
    Inference(String),
    /// A configuration value (zone, rule, camera) is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A camera stream failed; other cameras are not affected.
    #[error("stream: {0}")]
    Stream(String),
    /// The shared inference queue is full and the caller asked not to wait.
    #[error("inference queue is full")]
    Overloaded,
    #[error("{0}")]
    NotFound(String),
    /// A plan file that cannot be read (broken or encrypted PDF, unsupported content).
    #[error("plan: {0}")]
    Plan(String),
    /// A configured limit (pages, operations, time) was reached.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// Tesseract failed on a valid page (could not start, set the image or recognise).
    #[error("OCR failed: {0}")]
    Ocr(String),
    /// The Tesseract language data a configuration asks for is not installed: the server
    /// lacks a package, the request is fine.
    #[error(
        "Tesseract has no '{language}' language data (looked in {searched}); install the \
         Debian package {package} or point the OCR `tessdata` setting at a folder holding \
         {language}.traineddata"
    )]
    OcrData {
        language: String,
        package: String,
        searched: String,
    },
}

pub type Result<T, E = VisionError> = std::result::Result<T, E>;
