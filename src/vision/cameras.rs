//! The configured RTSP cameras: one supervisor thread per camera, one shared inference queue.
//!
//! Each camera runs on its own thread with its own small runtime, so a camera whose server
//! hangs, sends garbage or decodes slowly holds nobody else back. It reconnects with
//! backoff forever; its state is kept for `ListCameras` and the metrics. Frames that pass
//! the analysis rate and the motion gate go to the one bounded queue, which the inference
//! workers drain; under overload the queue drops the busiest camera's oldest frame.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chantier_proto::v1 as pb;
use chantier_vision::motion::MotionGate;
use chantier_vision::pipeline::{self, CameraAnalyzer};
use chantier_vision::preprocess::ImageLimits;
use chantier_vision::queue::InferenceQueue;
use chantier_vision::stream::{RtspCamera, Step, StreamTimeouts, redact};
use chantier_vision::track::TrackerConfig;
use chantier_vision::{Detector, Thresholds};
use image::RgbImage;

use super::config::{CameraSection, VisionSection};
use super::hub::Hub;

#[derive(Debug, Clone, Default)]
struct Health {
    url: String,
    state: &'static str,
    last_frame_ms: i64,
    frames_received: u64,
    frames_analysed: u64,
    frames_skipped: u64,
    reconnects: u64,
    last_error: String,
}

struct Job {
    image: RgbImage,
    at_ms: i64,
}

struct Shared {
    configs: Vec<CameraSection>,
    health: Mutex<HashMap<String, Health>>,
    analyzers: Mutex<HashMap<String, Arc<Mutex<CameraAnalyzer>>>>,
    queue: InferenceQueue<Job>,
    stop: AtomicBool,
    stop_tx: tokio::sync::watch::Sender<bool>,
}

/// Handle on the cameras; cheap to clone.
#[derive(Clone)]
pub struct Cameras {
    shared: Arc<Shared>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wall-clock milliseconds, the time base of camera frames and events.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Cameras {
    pub fn new(configs: Vec<CameraSection>, queue_capacity: usize) -> Cameras {
        let health = configs
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    Health {
                        url: redact(&c.url),
                        state: "stopped",
                        ..Health::default()
                    },
                )
            })
            .collect();
        let (stop_tx, _) = tokio::sync::watch::channel(false);
        Cameras {
            shared: Arc::new(Shared {
                configs,
                health: Mutex::new(health),
                analyzers: Mutex::new(HashMap::new()),
                queue: InferenceQueue::new(queue_capacity),
                stop: AtomicBool::new(false),
                stop_tx,
            }),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.shared.configs.iter().map(|c| c.name.clone()).collect()
    }

    pub fn statuses(&self) -> Vec<pb::CameraStatus> {
        let health = lock(&self.shared.health);
        self.shared
            .configs
            .iter()
            .filter_map(|c| {
                let h = health.get(&c.name)?;
                Some(pb::CameraStatus {
                    name: c.name.clone(),
                    url: h.url.clone(),
                    state: h.state.into(),
                    last_frame_ms: h.last_frame_ms,
                    frames_received: h.frames_received,
                    frames_analysed: h.frames_analysed,
                    frames_skipped_motion: h.frames_skipped,
                    frames_dropped: self.shared.queue.dropped(&c.name),
                    reconnects: h.reconnects,
                    last_error: h.last_error.clone(),
                })
            })
            .collect()
    }

    /// Start every camera and the inference workers. Returns at once.
    pub fn start(&self, detector: Arc<Detector>, section: &VisionSection, hub: Hub) {
        if self.shared.configs.is_empty() {
            return;
        }
        for c in &self.shared.configs {
            let rules = c.safety.clone().unwrap_or_else(|| section.safety.clone());
            let events = c.events.clone().unwrap_or_else(|| section.events.clone());
            let analyzer =
                CameraAnalyzer::new(c.name.clone(), rules, events, TrackerConfig::default());
            lock(&self.shared.analyzers).insert(c.name.clone(), Arc::new(Mutex::new(analyzer)));
        }
        // As many workers as sessions: each keeps one session busy, no more.
        for i in 0..section.sessions.max(1) {
            let shared = self.shared.clone();
            let detector = detector.clone();
            let hub = hub.clone();
            let _ = std::thread::Builder::new()
                .name(format!("vision-worker-{i}"))
                .spawn(move || worker(shared, detector, hub));
        }
        let limits = section.limits();
        for c in self.shared.configs.clone() {
            let shared = self.shared.clone();
            let hub = hub.clone();
            let _ = std::thread::Builder::new()
                .name(format!("camera-{}", c.name))
                .spawn(move || supervise(shared, c, limits, hub));
        }
    }

    /// Stop the cameras and workers; open events end.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = self.shared.stop_tx.send(true);
        self.shared.queue.close();
    }
}

fn set_health(shared: &Shared, camera: &str, f: impl FnOnce(&mut Health)) {
    if let Some(h) = lock(&shared.health).get_mut(camera) {
        f(h);
    }
}

/// Drains the shared queue: stateless detection, then the camera's tracker and events.
fn worker(shared: Arc<Shared>, detector: Arc<Detector>, hub: Hub) {
    while !shared.stop.load(Ordering::SeqCst) {
        let Some(q) = shared.queue.pop(Duration::from_millis(500)) else {
            continue;
        };
        hub.metrics().queue_wait(q.enqueued.elapsed().as_secs_f64());
        let Some(analyzer) = lock(&shared.analyzers).get(&q.camera).cloned() else {
            continue;
        };
        let rules = lock(&analyzer).rules.clone();
        let analysis =
            match pipeline::analyze(&detector, &q.item.image, &rules, Thresholds::default()) {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(camera = %q.camera, error = %e, "frame not analysed");
                    continue;
                }
            };
        hub.metrics().stages(&analysis.times);
        hub.metrics()
            .frames_analysed
            .get_or_create(&hub.metrics().camera(&q.camera))
            .inc();
        set_health(&shared, &q.camera, |h| h.frames_analysed += 1);
        let outcome = lock(&analyzer).process_analysis(&q.item.image, analysis, q.item.at_ms);
        for e in outcome.transitions.events {
            hub.publish(e);
        }
    }
}

/// One camera, forever: connect, stream, and on failure wait and reconnect.
fn supervise(shared: Arc<Shared>, camera: CameraSection, limits: ImageLimits, hub: Hub) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            set_health(&shared, &camera.name, |h| {
                h.last_error = format!("no runtime: {e}")
            });
            return;
        }
    };
    let label = hub.metrics().camera(&camera.name);
    let mut stop = shared.stop_tx.subscribe();
    let mut backoff = Duration::from_secs(1);
    rt.block_on(async {
        while !shared.stop.load(Ordering::SeqCst) {
            set_health(&shared, &camera.name, |h| h.state = "connecting");
            let started = Instant::now();
            let result = tokio::select! {
                r = stream(&shared, &camera, limits, &hub) => r,
                _ = stop.wait_for(|s| *s) => Ok(()),
            };
            hub.metrics().camera_up.get_or_create(&label).set(0);
            // Open events end with the stream: nobody can see the worker any more.
            if let Some(an) = lock(&shared.analyzers).get(&camera.name).cloned() {
                for e in lock(&an).finish(now_ms()).events {
                    hub.publish(e);
                }
            }
            if shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let reason = match result {
                Ok(()) => "the stream ended".to_string(),
                Err(e) => e.to_string(),
            };
            if started.elapsed() > Duration::from_secs(60) {
                backoff = Duration::from_secs(1);
            }
            tracing::warn!(camera = %camera.name, error = %reason, retry_in = ?backoff, "camera lost");
            set_health(&shared, &camera.name, |h| {
                h.state = "backoff";
                h.last_error = reason;
                h.reconnects += 1;
            });
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
        set_health(&shared, &camera.name, |h| h.state = "stopped");
    });
}

async fn stream(
    shared: &Shared,
    camera: &CameraSection,
    limits: ImageLimits,
    hub: &Hub,
) -> chantier_vision::Result<()> {
    let mut cam = RtspCamera::connect(&camera.url, StreamTimeouts::default(), limits).await?;
    let label = hub.metrics().camera(&camera.name);
    hub.metrics().camera_up.get_or_create(&label).set(1);
    set_health(shared, &camera.name, |h| {
        h.state = "streaming";
        h.last_error.clear();
    });
    tracing::info!(camera = %camera.name, url = %redact(&camera.url), "camera streaming");
    let interval = Duration::from_secs_f32(1.0 / camera.fps.clamp(0.01, 60.0));
    let mut next_due = Instant::now();
    let mut gate = MotionGate::new(camera.motion);
    loop {
        let due = Instant::now() >= next_due;
        let step = cam.next(due).await?;
        let at = now_ms();
        set_health(shared, &camera.name, |h| {
            h.frames_received += 1;
            h.last_frame_ms = at;
        });
        let Step::Picture(image) = step else { continue };
        next_due += interval;
        if next_due < Instant::now() {
            next_due = Instant::now() + interval;
        }
        if !gate.should_detect(&image, at) {
            hub.metrics().frames_skipped.get_or_create(&label).inc();
            set_health(shared, &camera.name, |h| h.frames_skipped += 1);
            continue;
        }
        if let Some(victim) = shared.queue.push(&camera.name, Job { image, at_ms: at }) {
            hub.metrics()
                .frames_dropped
                .get_or_create(&hub.metrics().camera(&victim))
                .inc();
        }
    }
}
