//! The detector: a pool of ONNX Runtime sessions behind one model contract.
//!
//! `Session::run` takes `&mut self`, so concurrent requests each borrow a session from the
//! pool. On a small machine one session with all cores as intra-op threads gives the best
//! latency; several sessions with one thread each give the best throughput for many
//! cameras. Both are settings; the product of the two should not exceed the core count.

use std::path::Path;
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use image::RgbImage;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

use crate::detection::{Detection, StageTimes};
use crate::error::{Result, VisionError};
use crate::model::{Layout, ModelCard, ModelSpec, layout};
use crate::nms::nms;
use crate::preprocess::letterbox;

#[derive(Debug, Clone)]
pub struct DetectorOptions {
    /// Sessions in the pool (concurrent inferences).
    pub sessions: usize,
    /// Intra-op threads per session; 0 means cores divided by sessions.
    pub intra_threads: usize,
    /// Let ONNX Runtime's threads spin while waiting: lower latency, but burns the cores
    /// other work (decoding, other cameras) needs, so off by default.
    pub spinning: bool,
}

impl Default for DetectorOptions {
    fn default() -> Self {
        DetectorOptions {
            sessions: 1,
            intra_threads: 0,
            spinning: false,
        }
    }
}

/// Per-call thresholds; `None` takes the model card's defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct Thresholds {
    pub confidence: Option<f32>,
    pub iou: Option<f32>,
    pub max_detections: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct DetectOutput {
    pub width: u32,
    pub height: u32,
    pub detections: Vec<Detection>,
    pub times: StageTimes,
}

pub struct Detector {
    spec: ModelSpec,
    pool: Mutex<Vec<Session>>,
    returned: Condvar,
    layout: Mutex<Option<Layout>>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("spec", &self.spec)
            .finish()
    }
}

impl Detector {
    /// Load `model.onnx` and the card `model.toml` beside it, if any.
    pub fn load(path: &Path, options: &DetectorOptions) -> Result<Detector> {
        let bytes = std::fs::read(path).map_err(|e| VisionError::Model {
            path: path.to_path_buf(),
            reason: format!("cannot read: {e}"),
        })?;
        let card = ModelCard::beside(path)?;
        Detector::from_bytes(path, &bytes, card, options)
    }

    /// Load a model held in memory (the one bundled in the binary); `path` names it in errors.
    pub fn from_bytes(
        path: &Path,
        bytes: &[u8],
        card: Option<ModelCard>,
        options: &DetectorOptions,
    ) -> Result<Detector> {
        let bad = |reason: String| VisionError::Model {
            path: path.to_path_buf(),
            reason,
        };
        // ONNX files are protobuf messages whose first field is ir_version (tag 0x08); a
        // quick look avoids handing ONNX Runtime a JPEG or a text file.
        if bytes.first() != Some(&0x08) {
            return Err(bad(
                "not an ONNX model (the file does not start with an ONNX header)".into(),
            ));
        }
        let env = crate::runtime::environment()?;
        let sessions = options.sessions.max(1);
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let threads = if options.intra_threads == 0 {
            (cores / sessions).max(1)
        } else {
            options.intra_threads
        };
        let mut pool = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            let session = Session::builder(&env)
                .and_then(|b| Ok(b.with_optimization_level(GraphOptimizationLevel::All)?))
                .and_then(|b| Ok(b.with_intra_threads(threads)?))
                .and_then(|b| Ok(b.with_inter_threads(1)?))
                .and_then(|b| Ok(b.with_intra_op_spinning(options.spinning)?))
                .and_then(|mut b| b.commit_from_memory(bytes))
                .map_err(|e| bad(format!("ONNX Runtime refused it: {e}")))?;
            pool.push(session);
        }
        let spec = ModelSpec::from_session(path, &pool[0], card.as_ref())?;
        Ok(Detector {
            layout: Mutex::new(spec.layout),
            spec,
            pool: Mutex::new(pool),
            returned: Condvar::new(),
        })
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Detect objects in one picture. Blocking: call it from a blocking thread.
    pub fn detect(&self, img: &RgbImage, thresholds: Thresholds) -> Result<DetectOutput> {
        let spec = &self.spec;
        let conf = thresholds
            .confidence
            .unwrap_or(spec.default_confidence)
            .clamp(0.0, 1.0);
        let iou = thresholds.iou.unwrap_or(spec.default_iou).clamp(0.0, 1.0);
        let max_det = thresholds.max_detections.unwrap_or(300).clamp(1, 10_000);
        let mut times = StageTimes::default();

        let t = Instant::now();
        let mut input = Vec::new();
        let lb = letterbox(img, spec.input_w, spec.input_h, &mut input)?;
        times.preprocess_us = t.elapsed().as_micros() as u64;

        let t = Instant::now();
        let shape = [1usize, 3, spec.input_h as usize, spec.input_w as usize];
        let tensor = TensorRef::from_array_view((shape, input.as_slice()))
            .map_err(|e| VisionError::Inference(e.to_string()))?;
        let (out_shape, raw) = {
            let mut session = self.checkout();
            let result = (|| {
                let outputs = session.run(ort::inputs![tensor])?;
                let (s, data) = outputs[0].try_extract_tensor::<f32>()?;
                Ok::<_, ort::Error>((s.iter().copied().collect::<Vec<i64>>(), data.to_vec()))
            })();
            self.checkin(session.take());
            result.map_err(|e| VisionError::Inference(e.to_string()))?
        };
        times.inference_us = t.elapsed().as_micros() as u64;

        let t = Instant::now();
        let layout = self.layout_for(&out_shape)?;
        let expected: i64 = out_shape.iter().product();
        if expected as usize != raw.len() {
            return Err(VisionError::Inference(format!(
                "output {out_shape:?} holds {} values",
                raw.len()
            )));
        }
        let candidates = layout::decode(layout, &out_shape, &raw, spec.classes.len(), conf);
        let kept = if layout == Layout::EndToEnd {
            let mut c = candidates;
            c.sort_by(|a, b| b.score.total_cmp(&a.score));
            c.truncate(max_det);
            c
        } else {
            nms(candidates, iou, max_det)
        };
        let detections = kept
            .into_iter()
            .map(|c| Detection {
                class_id: c.class,
                class: spec.classes[c.class].clone(),
                confidence: c.score,
                bbox: lb.unmap(c.bbox),
            })
            .filter(|d| d.bbox.area() > 0.0)
            .collect();
        times.postprocess_us = t.elapsed().as_micros() as u64;
        Ok(DetectOutput {
            width: img.width(),
            height: img.height(),
            detections,
            times,
        })
    }

    fn layout_for(&self, shape: &[i64]) -> Result<Layout> {
        let mut known = self.layout.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = *known {
            return Ok(l);
        }
        let l =
            Layout::detect(shape, self.spec.classes.len()).ok_or_else(|| VisionError::Model {
                path: self.spec.path.clone(),
                reason: format!(
                    "output shape {shape:?} does not match a YOLO detection head for {} classes",
                    self.spec.classes.len()
                ),
            })?;
        *known = Some(l);
        Ok(l)
    }

    fn checkout(&self) -> Checkout<'_> {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(s) = pool.pop() {
                return Checkout {
                    session: Some(s),
                    owner: self,
                };
            }
            pool = self.returned.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn checkin(&self, session: Option<Session>) {
        if let Some(s) = session {
            self.pool.lock().unwrap_or_else(|e| e.into_inner()).push(s);
            self.returned.notify_one();
        }
    }
}

/// A borrowed session that goes back to the pool even if inference panics.
struct Checkout<'a> {
    session: Option<Session>,
    owner: &'a Detector,
}

impl Checkout<'_> {
    fn take(&mut self) -> Option<Session> {
        self.session.take()
    }
}

impl std::ops::Deref for Checkout<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.session.as_ref().expect("session present until taken")
    }
}

impl std::ops::DerefMut for Checkout<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        self.session.as_mut().expect("session present until taken")
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        let s = self.session.take();
        self.owner.checkin(s);
    }
}
