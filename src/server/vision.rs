//! `chantier.v1.VisionService`: pictures and frame streams in, detections and events out.
//! Decoding and inference run on the blocking pool; the async workers only move bytes.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use chantier_proto::v1 as pb;
use chantier_proto::v1::vision_service_server::VisionService;
use chantier_vision::events::{Event, EventConfig};
use chantier_vision::pipeline::{self, Analysis, CameraAnalyzer};
use chantier_vision::preprocess::{ImageLimits, decode};
use chantier_vision::safety::{SafetyRules, Zone, ZoneKind};
use chantier_vision::track::TrackerConfig;
use chantier_vision::{Detector, Thresholds, VisionError};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::status::vision_status;
use crate::vision::SharedDetector;
use crate::vision::cameras::{Cameras, now_ms};
use crate::vision::hub::Hub;

#[derive(Clone)]
pub struct Vision {
    pub detector: SharedDetector,
    pub limits: ImageLimits,
    pub safety: SafetyRules,
    pub events: EventConfig,
    pub hub: Hub,
    pub cameras: Cameras,
    pub timeout: std::time::Duration,
    /// Turns true when the server drains: open streams end with UNAVAILABLE.
    pub stop: tokio::sync::watch::Receiver<bool>,
}

/// The status a stream ends with when the server shuts down.
fn shutting_down() -> Status {
    Status::unavailable("the server is shutting down; reconnect to it (or another replica) later")
}

/// Resolves when the server starts draining.
async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SafetyEvent, Status>> + Send>>;

impl Vision {
    fn detector(&self) -> Result<Arc<Detector>, Status> {
        self.detector
            .clone()
            .map_err(|e| Status::failed_precondition(format!("vision is unavailable: {e}")))
    }

    fn model_name(&self) -> String {
        self.detector
            .as_ref()
            .map(|d| d.spec().name.clone())
            .unwrap_or_default()
    }
}

/// Settings from a request over the server's defaults.
fn merge_safety(base: &SafetyRules, s: Option<pb::SafetySettings>) -> Result<SafetyRules, Status> {
    let mut r = base.clone();
    if let Some(s) = s {
        if let Some(v) = s.require_helmet {
            r.require_helmet = v;
        }
        if let Some(v) = s.require_vest {
            r.require_vest = v;
        }
        if let Some(v) = s.min_confidence {
            r.min_confidence = v;
        }
        if let Some(v) = s.min_person_height {
            r.min_person_height = v;
        }
        if !s.zones.is_empty() {
            r.zones = s.zones.into_iter().map(zone).collect::<Result<_, _>>()?;
        }
    }
    r.validate().map_err(vision_status)?;
    Ok(r)
}

fn zone(z: pb::Zone) -> Result<Zone, Status> {
    let kind = match z.kind.as_str() {
        "restricted" => ZoneKind::Restricted,
        "ppe_required" => ZoneKind::PpeRequired,
        other => {
            return Err(Status::invalid_argument(format!(
                "zone `{}`: kind {other:?} is not \"restricted\" or \"ppe_required\"",
                z.name
            )));
        }
    };
    if !z.polygon.len().is_multiple_of(2) {
        return Err(Status::invalid_argument(format!(
            "zone `{}`: polygon needs x, y pairs",
            z.name
        )));
    }
    Ok(Zone {
        name: z.name,
        kind,
        polygon: z.polygon.chunks_exact(2).map(|p| [p[0], p[1]]).collect(),
    })
}

fn bbox(b: &chantier_vision::BoxF) -> pb::Box {
    pb::Box {
        x1: b.x1,
        y1: b.y1,
        x2: b.x2,
        y2: b.y2,
    }
}

fn times(t: &chantier_vision::StageTimes) -> pb::StageTimes {
    pb::StageTimes {
        decode_us: t.decode_us,
        preprocess_us: t.preprocess_us,
        inference_us: t.inference_us,
        postprocess_us: t.postprocess_us,
        rules_us: t.rules_us,
    }
}

fn detections(a: &Analysis) -> Vec<pb::Detection> {
    a.detections
        .iter()
        .map(|d| pb::Detection {
            class_name: d.class.clone(),
            class_id: d.class_id as u32,
            confidence: d.confidence,
            r#box: Some(bbox(&d.bbox)),
        })
        .collect()
}

fn violations(a: &Analysis, tracks: &[Option<u64>]) -> Vec<pb::Violation> {
    a.violations
        .iter()
        .map(|v| pb::Violation {
            rule: v.rule.as_str().into(),
            r#box: Some(bbox(&v.bbox)),
            confidence: v.confidence,
            zone: v.zone.clone().unwrap_or_default(),
            track_id: tracks.get(v.worker).copied().flatten().unwrap_or(0),
        })
        .collect()
}

pub fn event(e: &Event, with_snapshot: bool) -> pb::SafetyEvent {
    pb::SafetyEvent {
        id: e.id.clone(),
        camera: e.camera.clone(),
        kind: serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        rule: e.rule.as_str().into(),
        track_id: e.track_id,
        zone: e.zone.clone().unwrap_or_default(),
        confidence: e.confidence,
        r#box: Some(bbox(&e.bbox)),
        started_at_ms: e.started_at_ms,
        at_ms: e.at_ms,
        snapshot_jpeg: if with_snapshot {
            e.snapshot.as_ref().map(|s| s.to_vec()).unwrap_or_default()
        } else {
            Vec::new()
        },
    }
}

#[tonic::async_trait]
impl VisionService for Vision {
    async fn detect(
        &self,
        request: Request<pb::DetectRequest>,
    ) -> Result<Response<pb::DetectResponse>, Status> {
        let req = request.into_inner();
        let detector = self.detector()?;
        let rules = merge_safety(&self.safety, req.safety)?;
        let limits = self.limits;
        let thresholds = Thresholds {
            confidence: req.confidence,
            iou: req.iou,
            max_detections: None,
        };
        let metrics = self.hub.metrics().clone();
        let model = self.model_name();
        let work = async move {
            tokio::task::spawn_blocking(move || {
                let t = Instant::now();
                let img = decode(&req.image, &limits)?;
                let decode_us = t.elapsed().as_micros() as u64;
                let mut a = pipeline::analyze(&detector, &img, &rules, thresholds)?;
                a.times.decode_us = decode_us;
                metrics.stages(&a.times);
                let annotated = if req.annotate {
                    let pic = pipeline::render(&img, &a, &rules, &[]);
                    chantier_vision::annotate::encode_jpeg(&pic, 85)?
                } else {
                    Vec::new()
                };
                Ok::<_, VisionError>((a, annotated))
            })
            .await
            .map_err(|e| Status::internal(format!("detection task failed: {e}")))?
            .map_err(vision_status)
        };
        let (a, annotated) = super::service::in_time(self.timeout, work).await?;
        Ok(Response::new(pb::DetectResponse {
            width: a.width,
            height: a.height,
            detections: detections(&a),
            violations: violations(&a, &[]),
            annotated_jpeg: annotated,
            times: Some(times(&a.times)),
            model,
        }))
    }

    type AnalyzeStreamStream = ReceiverStream<Result<pb::AnalyzeResponse, Status>>;

    async fn analyze_stream(
        &self,
        request: Request<Streaming<pb::AnalyzeRequest>>,
    ) -> Result<Response<Self::AnalyzeStreamStream>, Status> {
        let detector = self.detector()?;
        let mut input = request.into_inner();
        let first = input
            .next()
            .await
            .ok_or_else(|| Status::invalid_argument("empty stream: send a StreamConfig first"))??;
        let Some(pb::analyze_request::Kind::Config(cfg)) = first.kind else {
            return Err(Status::invalid_argument(
                "the first message must be a StreamConfig",
            ));
        };
        let camera = if cfg.camera.trim().is_empty() {
            "stream".to_string()
        } else {
            cfg.camera.clone()
        };
        if self.cameras.names().contains(&camera) {
            return Err(Status::already_exists(format!(
                "`{camera}` is a configured camera's name"
            )));
        }
        let rules = merge_safety(&self.safety, cfg.safety)?;
        let mut events = self.events.clone();
        if let Some(e) = cfg.events {
            events.persist_secs = e.persist_secs.unwrap_or(events.persist_secs);
            events.end_after_secs = e.end_after_secs.unwrap_or(events.end_after_secs);
            events.cooldown_secs = e.cooldown_secs.unwrap_or(events.cooldown_secs);
        }
        let (tx, rx) = mpsc::channel(16);
        let limits = self.limits;
        let hub = self.hub.clone();
        let stop = self.stop.clone();
        tokio::spawn(async move {
            let mut analyzer = Some(CameraAnalyzer::new(
                camera.clone(),
                rules,
                events,
                TrackerConfig::default(),
            ));
            let mut last_ms = now_ms();
            let send_events = |evs: Vec<Event>, tx: mpsc::Sender<_>, hub: Hub| async move {
                for e in evs {
                    let msg = pb::AnalyzeResponse {
                        kind: Some(pb::analyze_response::Kind::Event(event(&e, true))),
                    };
                    hub.publish(e);
                    if tx.send(Ok(msg)).await.is_err() {
                        return false;
                    }
                }
                true
            };
            let mut stop = stop;
            loop {
                let next = tokio::select! {
                    m = input.next() => Some(m),
                    _ = stop.wait_for(|s| *s) => None,
                };
                let Some(next) = next else {
                    // Draining: the events this stream opened end first, then the status.
                    if let Some(mut an) = analyzer.take() {
                        let ended = an.finish(last_ms).events;
                        send_events(ended, tx.clone(), hub.clone()).await;
                    }
                    let _ = tx.send(Err(shutting_down())).await;
                    break;
                };
                let msg = match next {
                    None => break,
                    Some(Err(e)) => {
                        tracing::warn!(%camera, error = %e, "frame stream broke off");
                        break;
                    }
                    Some(Ok(m)) => m,
                };
                let Some(pb::analyze_request::Kind::Frame(frame)) = msg.kind else {
                    let _ = tx
                        .send(Err(Status::invalid_argument(
                            "only frames may follow the StreamConfig",
                        )))
                        .await;
                    break;
                };
                let at = if frame.timestamp_ms > 0 {
                    frame.timestamp_ms
                } else {
                    now_ms()
                };
                last_ms = at;
                let det = detector.clone();
                let Some(mut an) = analyzer.take() else { break };
                let metrics = hub.metrics().clone();
                let joined = tokio::task::spawn_blocking(move || {
                    let t = Instant::now();
                    let r = decode(&frame.image, &limits).and_then(|img| {
                        let decode_us = t.elapsed().as_micros() as u64;
                        let mut a =
                            pipeline::analyze(&det, &img, &an.rules, Thresholds::default())?;
                        a.times.decode_us = decode_us;
                        metrics.stages(&a.times);
                        Ok(an.process_analysis(&img, a, at))
                    });
                    (an, r)
                })
                .await;
                let Ok((an, result)) = joined else { break };
                analyzer = Some(an);
                match result {
                    Ok(out) => {
                        let fr = pb::FrameResult {
                            timestamp_ms: at,
                            width: out.analysis.width,
                            height: out.analysis.height,
                            detections: detections(&out.analysis),
                            violations: violations(&out.analysis, &out.tracks),
                            times: Some(times(&out.analysis.times)),
                        };
                        if tx
                            .send(Ok(pb::AnalyzeResponse {
                                kind: Some(pb::analyze_response::Kind::Frame(fr)),
                            }))
                            .await
                            .is_err()
                        {
                            break;
                        }
                        if !send_events(out.transitions.events, tx.clone(), hub.clone()).await {
                            break;
                        }
                    }
                    // A bad frame ends the stream with its reason; the events it opened end too.
                    Err(e) => {
                        let _ = tx.send(Err(vision_status(e))).await;
                        break;
                    }
                }
            }
            if let Some(mut an) = analyzer {
                let ended = an.finish(last_ms).events;
                send_events(ended, tx, hub).await;
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    type WatchEventsStream = EventStream;

    async fn watch_events(
        &self,
        request: Request<pb::WatchEventsRequest>,
    ) -> Result<Response<Self::WatchEventsStream>, Status> {
        let req = request.into_inner();
        let rx = self.hub.subscribe();
        let stream =
            tokio_stream::wrappers::BroadcastStream::new(rx).filter_map(move |item| match item {
                Ok(e) if req.cameras.is_empty() || req.cameras.contains(&e.camera) => {
                    Some(Ok(event(&e, req.include_snapshots)))
                }
                Ok(_) => None,
                Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "an event watcher is too slow; events skipped");
                    None
                }
            });
        // Ends with a clear status when the server drains, instead of holding it open.
        let stream = futures::StreamExt::chain(
            futures::StreamExt::take_until(stream, stopped(self.stop.clone())),
            futures::stream::once(async { Err(shutting_down()) }),
        );
        Ok(Response::new(Box::pin(stream)))
    }

    async fn list_cameras(
        &self,
        _request: Request<pb::ListCamerasRequest>,
    ) -> Result<Response<pb::ListCamerasResponse>, Status> {
        Ok(Response::new(pb::ListCamerasResponse {
            cameras: self.cameras.statuses(),
            model: self.model_name(),
        }))
    }
}
