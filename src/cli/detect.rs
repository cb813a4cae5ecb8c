//! `chantier detect IMAGE...|DIR|VIDEO|rtsp://...`: PPE detection, one JSON line per picture.
//!
//! The JSON keys are a contract for scripts: `file`, `width`, `height`, `detections`
//! (`class`, `confidence`, `box` as `[x1, y1, x2, y2]` pixels) and `violations` (`rule`,
//! `box`, `confidence`). A file that fails prints `file` and `error` instead, and the exit
//! code is non-zero once every file has been tried.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chantier_vision::pipeline::{self, Analysis};
use chantier_vision::{Detector, Thresholds};
use rayon::prelude::*;
use serde_json::json;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// JPEG/PNG pictures, folders of them, videos (MP4/MOV with H.264, or raw .h264) or an
    /// rtsp:// camera URL.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Detection model (.onnx, with its .toml card beside it); the bundled PPE model by default.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Annotated JPEG: a file for one picture, a folder for several.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// One JSON object per picture (JSON Lines) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Minimum detection confidence (the model card's default otherwise).
    #[arg(long)]
    pub confidence: Option<f32>,
    /// IoU threshold of the non-maximum suppression.
    #[arg(long)]
    pub iou: Option<f32>,
    /// Pictures to analyse from a camera or video before stopping.
    #[arg(long, default_value_t = 10)]
    pub frames: u32,
    /// Pictures per second taken from a camera or video, on the video's own clock (a raw
    /// .h264 file has none and is read as 25 fps).
    #[arg(long, default_value_t = 2.0)]
    pub fps: f32,
}

const PICTURES: [&str; 4] = ["jpg", "jpeg", "png", "jpe"];

fn expand(inputs: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for i in inputs {
        let p = Path::new(i);
        if p.is_dir() {
            let mut found: Vec<String> = std::fs::read_dir(p)
                .with_context(|| format!("reading {i}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.extension()
                        .and_then(|x| x.to_str())
                        .is_some_and(|x| PICTURES.contains(&x.to_ascii_lowercase().as_str()))
                })
                .map(|f| f.display().to_string())
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(i.clone());
        }
    }
    Ok(out)
}

pub fn line(file: &str, a: &Analysis) -> serde_json::Value {
    json!({
        "file": file,
        "width": a.width,
        "height": a.height,
        "detections": a.detections.iter().map(|d| json!({
            "class": d.class, "confidence": round(d.confidence), "box": d.bbox.to_array().map(round),
        })).collect::<Vec<_>>(),
        "violations": a.violations.iter().map(|v| json!({
            "rule": v.rule.as_str(), "box": v.bbox.to_array().map(round), "confidence": round(v.confidence),
            "zone": v.zone,
        })).collect::<Vec<_>>(),
    })
}

fn round(v: f32) -> f64 {
    (v as f64 * 1000.0).round() / 1000.0
}

/// What one input gives: pictures, each with the name it is reported under.
enum Source {
    Picture,
    Video,
    Camera,
}

fn source(input: &str) -> Source {
    let lower = input.to_ascii_lowercase();
    if lower.starts_with("rtsp://") || lower.starts_with("rtsps://") {
        Source::Camera
    } else if VIDEOS.iter().any(|x| lower.ends_with(&format!(".{x}"))) {
        Source::Video
    } else {
        Source::Picture
    }
}

const VIDEOS: [&str; 6] = ["mp4", "mov", "m4v", "h264", "264", "avc"];

pub fn run(args: &DetectArgs, config: &Config) -> Result<ExitCode> {
    let files = expand(&args.inputs)?;
    let mut section = config.vision.clone();
    if files.len() > 1 && section.intra_threads == 0 {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        section.sessions = section.sessions.max(cores);
        section.intra_threads = 1;
    }
    let detector = crate::vision::load_detector(args.model.as_deref(), &section)?;
    if files.is_empty() {
        bail!("no pictures found in {:?}", args.inputs);
    }
    let limits = config.vision.limits();
    let several = files.len() > 1 || !matches!(source(&files[0]), Source::Picture);
    if let (Some(out), true) = (&args.out, several) {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    }
    let mut out = Output {
        args,
        detector: &detector,
        rules: config.vision.safety.clone(),
        several,
        failed: 0,
    };
    // Pictures are analysed a window at a time in parallel (one session per core, one thread
    // each: more throughput than one session on all cores) and reported in input order.
    let decode = |file: &String| {
        std::fs::read(file)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .and_then(|bytes| Ok(chantier_vision::preprocess::decode(&bytes, &limits)?))
    };
    for window in files.chunks(32) {
        let results: Vec<Option<Result<Analysis>>> = window
            .par_iter()
            .map(|f| matches!(source(f), Source::Picture).then(|| out.analyze(f, decode(f))))
            .collect();
        for (file, result) in window.iter().zip(results) {
            if let Some(result) = result {
                out.report(file, result)?;
                continue;
            }
            detect_one(&mut out, file, limits)?;
        }
    }
    Ok(if out.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A video or a camera, frame after frame.
fn detect_one(
    out: &mut Output<'_>,
    file: &str,
    limits: chantier_vision::preprocess::ImageLimits,
) -> Result<()> {
    let args = out.args;
    let mut shown = 0u32;
    {
        match source(file) {
            Source::Picture => unreachable!("pictures are analysed in parallel"),
            Source::Video => {
                let mut result = Ok(());
                let read = chantier_vision::stream::video_file_pictures(
                    Path::new(file),
                    args.fps,
                    limits,
                    chantier_vision::mp4::DEFAULT_MAX_INDEX_BYTES,
                    |i, _, img| {
                        result = out.picture(&format!("{file}#{i}"), Ok(img));
                        shown += 1;
                        result.is_ok() && shown < args.frames
                    },
                );
                result?;
                if let Err(e) = read {
                    out.picture(file, Err(e.into()))?;
                }
            }
            Source::Camera => camera(out, file, limits)?,
        }
    }
    Ok(())
}

/// `--frames` pictures from a live camera, `--fps` apart.
fn camera(
    out: &mut Output<'_>,
    url: &str,
    limits: chantier_vision::preprocess::ImageLimits,
) -> Result<()> {
    use chantier_vision::stream::{RtspCamera, Step, StreamTimeouts, redact};
    let shown = redact(url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let frames = out.args.frames;
    let interval = std::time::Duration::from_secs_f32(1.0 / out.args.fps.clamp(0.01, 60.0));
    let result = rt.block_on(async {
        let mut cam = RtspCamera::connect(url, StreamTimeouts::default(), limits).await?;
        let mut next = std::time::Instant::now();
        let mut shown_n = 0;
        while shown_n < frames {
            let due = std::time::Instant::now() >= next;
            if let Step::Picture(img) = cam.next(due).await? {
                next += interval;
                out.picture(&format!("{shown}#{shown_n}"), Ok(img))
                    .map_err(|e| chantier_vision::VisionError::Stream(e.to_string()))?;
                shown_n += 1;
            }
        }
        Ok::<_, chantier_vision::VisionError>(())
    });
    if let Err(e) = result {
        out.picture(&shown, Err(e.into()))?;
    }
    Ok(())
}

struct Output<'a> {
    args: &'a DetectArgs,
    detector: &'a Detector,
    rules: chantier_vision::safety::SafetyRules,
    several: bool,
    failed: usize,
}

impl Output<'_> {
    /// Analyse one picture and write its annotated copy; no printing, so pictures can be
    /// analysed in parallel and reported in order.
    fn analyze(&self, name: &str, img: Result<image::RgbImage>) -> Result<Analysis> {
        let thresholds = Thresholds {
            confidence: self.args.confidence,
            iou: self.args.iou,
            max_detections: None,
        };
        let img = img?;
        let a = pipeline::analyze(self.detector, &img, &self.rules, thresholds)?;
        if let Some(out) = &self.args.out {
            let target = if self.several {
                let stem = Path::new(name)
                    .file_name()
                    .map(|s| s.to_string_lossy().replace(['#', ':', '/'], "_"))
                    .unwrap_or_default();
                out.join(format!("{stem}.annotated.jpg"))
            } else {
                out.clone()
            };
            let jpeg = chantier_vision::annotate::encode_jpeg(
                &pipeline::render(&img, &a, &self.rules, &[]),
                90,
            )?;
            std::fs::write(&target, jpeg)
                .with_context(|| format!("writing {}", target.display()))?;
        }
        Ok(a)
    }

    /// Print one picture's result or its error; only output errors stop the run.
    fn report(&mut self, name: &str, result: Result<Analysis>) -> Result<()> {
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        match result {
            Ok(a) => {
                if self.args.json {
                    writeln!(w, "{}", line(name, &a))?;
                } else {
                    print_table(&mut w, name, &a, self.detector)?;
                }
            }
            Err(e) => {
                self.failed += 1;
                if self.args.json {
                    writeln!(w, "{}", json!({"file": name, "error": format!("{e:#}")}))?;
                }
                eprintln!("{name}: {e:#}");
            }
        }
        Ok(())
    }

    fn picture(&mut self, name: &str, img: Result<image::RgbImage>) -> Result<()> {
        let result = self.analyze(name, img);
        self.report(name, result)
    }
}

fn print_table(w: &mut impl Write, file: &str, a: &Analysis, detector: &Detector) -> Result<()> {
    writeln!(
        w,
        "{file}: {}x{}, {} detections, {} violations ({})",
        a.width,
        a.height,
        a.detections.len(),
        a.violations.len(),
        detector.spec().name
    )?;
    for d in &a.detections {
        let b = d.bbox;
        writeln!(
            w,
            "  {:<12} {:>5.1}%  [{:.0}, {:.0}, {:.0}, {:.0}]",
            d.class,
            d.confidence * 100.0,
            b.x1,
            b.y1,
            b.x2,
            b.y2
        )?;
    }
    for v in &a.violations {
        let b = v.bbox;
        writeln!(
            w,
            "  VIOLATION {:<16} {:>5.1}%  [{:.0}, {:.0}, {:.0}, {:.0}]",
            v.rule.as_str(),
            v.confidence * 100.0,
            b.x1,
            b.y1,
            b.x2,
            b.y2
        )?;
    }
    Ok(())
}
