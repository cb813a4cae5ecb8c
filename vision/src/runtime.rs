//! Finding and loading the ONNX Runtime shared library.
//!
//! `ort` is built with `load-dynamic`, so nothing is linked or downloaded at build time and
//! the library is opened on first use. Users should not have to set `ORT_DYLIB_PATH`: the
//! project's setup (`scripts/fetch-onnxruntime.sh`) puts it in `.onnxruntime/` at the
//! repository root, and the search below finds it there, next to the executable, or on the
//! system's library path.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;

use crate::error::{Result, VisionError};

const LIB_NAME: &str = "libonnxruntime.so";

static ENV: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();
static OVERRIDE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Use this library file instead of searching (from configuration). Only effective before
/// the first model is loaded: a process can load ONNX Runtime once.
pub fn set_library_path(path: impl Into<PathBuf>) {
    *OVERRIDE.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.into());
}

/// The places searched, in order; the first that exists wins.
pub fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = OVERRIDE.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        out.push(p);
    }
    if let Some(p) =
        std::env::var_os("CHANTIER_ORT_LIB").or_else(|| std::env::var_os("ORT_DYLIB_PATH"))
    {
        out.push(PathBuf::from(p));
    }
    if let Some(dir) = std::env::var_os("CHANTIER_ORT_DIR") {
        out.push(Path::new(&dir).join(LIB_NAME));
    }
    if let Ok(exe) = std::env::current_exe() {
        // target/{debug,release}[/deps] → repository root, and a library shipped beside the binary.
        for dir in exe.ancestors().skip(1).take(4) {
            out.push(dir.join(LIB_NAME));
            out.push(dir.join(".onnxruntime").join(LIB_NAME));
        }
    }
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.onnxruntime")
            .join(LIB_NAME),
    );
    out.push(PathBuf::from("/usr/local/lib").join(LIB_NAME));
    out.push(PathBuf::from("/usr/lib").join(LIB_NAME));
    out
}

/// The process-wide ONNX Runtime environment, loaded on first call.
pub fn environment() -> Result<Environment> {
    ENV.get_or_init(load).clone().map_err(VisionError::Runtime)
}

/// Where the library was found, for health reports; `None` when it is missing.
pub fn library_path() -> Option<PathBuf> {
    candidates().into_iter().find(|p| p.is_file())
}

fn load() -> std::result::Result<Environment, String> {
    let tried = candidates();
    let Some(path) = tried.iter().find(|p| p.is_file()) else {
        let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "{LIB_NAME} not found (run scripts/fetch-onnxruntime.sh, or set CHANTIER_ORT_LIB); looked in: {}",
            list.join(", ")
        ));
    };
    let builder = ort::init_from(path).map_err(|e| format!("{}: {e}", path.display()))?;
    builder
        .with_name("chantier")
        .with_telemetry(false)
        .build()
        .map_err(|e| format!("{}: {e}", path.display()))
}
