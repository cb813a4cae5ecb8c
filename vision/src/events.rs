//! Violation events: one per tracked worker and rule, instead of one per frame.
//!
//! A violation must persist before it starts (a worker taking a hard hat off for a second
//! to wipe their forehead is not an incident), it is updated only when the snapshot gets
//! clearly better or the worker moves into another zone, and it ends when the worker is
//! compliant or gone for a while. A cooldown, counted from the last alert actually sent
//! for that worker and rule, keeps a worker who keeps taking the hat off from flooding
//! the safety manager's phone.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::detection::BoxF;
use crate::safety::Rule;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventConfig {
    /// Seconds a violation must last before its event starts.
    pub persist_secs: f32,
    /// Seconds without the violation before its event ends.
    pub end_after_secs: f32,
    /// Seconds after an alert during which the same worker and rule raise no new one.
    pub cooldown_secs: f32,
    /// Relative gain in snapshot quality needed for an `update`.
    pub update_gain: f32,
    pub snapshot_quality: u8,
}

impl Default for EventConfig {
    fn default() -> Self {
        EventConfig {
            persist_secs: 2.0,
            end_after_secs: 5.0,
            cooldown_secs: 60.0,
            update_gain: 0.2,
            snapshot_quality: 85,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Start,
    Update,
    End,
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The same id for the start, updates and end of one violation.
    pub id: String,
    pub camera: String,
    pub kind: EventKind,
    pub rule: Rule,
    pub track_id: u64,
    pub zone: Option<String>,
    pub confidence: f32,
    pub bbox: BoxF,
    /// Milliseconds since the Unix epoch, from the frames' timestamps.
    pub started_at_ms: i64,
    pub at_ms: i64,
    /// Annotated JPEG for start and update events.
    #[serde(skip)]
    pub snapshot: Option<Arc<Vec<u8>>>,
}

/// One violation seen in a frame, already tied to a track.
#[derive(Debug, Clone)]
pub struct Observation {
    pub track_id: u64,
    pub rule: Rule,
    pub zone: Option<String>,
    pub confidence: f32,
    pub bbox: BoxF,
    /// How good a snapshot of this frame would be (confident and large is better).
    pub quality: f32,
}

#[derive(Debug)]
struct Open {
    first_seen: i64,
    last_seen: i64,
    started: Option<(String, i64)>,
    best_quality: f32,
    zone: Option<String>,
    confidence: f32,
    bbox: BoxF,
}

/// What the caller must do for this frame: the events, and whether they need a snapshot.
#[derive(Debug, Default)]
pub struct Transitions {
    pub events: Vec<Event>,
}

impl Transitions {
    pub fn needs_snapshot(&self) -> bool {
        self.events.iter().any(|e| e.kind != EventKind::End)
    }
    /// Attach one snapshot to every start and update of this frame.
    pub fn attach(&mut self, jpeg: Vec<u8>) {
        let shared = Arc::new(jpeg);
        for e in self.events.iter_mut().filter(|e| e.kind != EventKind::End) {
            e.snapshot = Some(shared.clone());
        }
    }
}

#[derive(Debug)]
pub struct EventEngine {
    camera: String,
    config: EventConfig,
    open: HashMap<(u64, Rule), Open>,
    last_sent: HashMap<(u64, Rule), i64>,
}

impl EventEngine {
    pub fn new(camera: impl Into<String>, config: EventConfig) -> EventEngine {
        EventEngine {
            camera: camera.into(),
            config,
            open: HashMap::new(),
            last_sent: HashMap::new(),
        }
    }

    pub fn config(&self) -> &EventConfig {
        &self.config
    }

    /// Feed one analysed frame at `now_ms`; `dropped` are tracks the tracker gave up on.
    pub fn observe(&mut self, now_ms: i64, seen: &[Observation], dropped: &[u64]) -> Transitions {
        let ms = |s: f32| (s * 1000.0) as i64;
        let mut out = Transitions::default();
        for o in seen {
            let key = (o.track_id, o.rule);
            let open = self.open.entry(key).or_insert_with(|| Open {
                first_seen: now_ms,
                last_seen: now_ms,
                started: None,
                best_quality: 0.0,
                zone: o.zone.clone(),
                confidence: o.confidence,
                bbox: o.bbox,
            });
            open.last_seen = now_ms;
            open.confidence = o.confidence;
            open.bbox = o.bbox;
            match &open.started {
                None => {
                    let persisted = now_ms - open.first_seen >= ms(self.config.persist_secs);
                    let cooled = self
                        .last_sent
                        .get(&key)
                        .is_none_or(|t| now_ms - t >= ms(self.config.cooldown_secs));
                    if persisted && cooled {
                        let id = format!(
                            "{}-{}-{}-{}",
                            self.camera,
                            o.track_id,
                            o.rule.as_str(),
                            now_ms
                        );
                        open.started = Some((id, now_ms));
                        open.best_quality = o.quality;
                        open.zone = o.zone.clone();
                        self.last_sent.insert(key, now_ms);
                        out.events
                            .push(event(&self.camera, EventKind::Start, key, open, now_ms));
                    }
                }
                Some(_) => {
                    let zone_changed = o.zone != open.zone;
                    let better = o.quality > open.best_quality * (1.0 + self.config.update_gain);
                    if zone_changed || better {
                        open.zone = o.zone.clone();
                        open.best_quality = open.best_quality.max(o.quality);
                        self.last_sent.insert(key, now_ms);
                        out.events
                            .push(event(&self.camera, EventKind::Update, key, open, now_ms));
                    }
                }
            }
        }
        let end_after = ms(self.config.end_after_secs);
        let mut ended: Vec<(u64, Rule)> = self
            .open
            .iter()
            .filter(|(k, o)| dropped.contains(&k.0) || now_ms - o.last_seen >= end_after)
            .map(|(k, _)| *k)
            .collect();
        ended.sort();
        for key in ended {
            if let Some(open) = self.open.remove(&key)
                && open.started.is_some()
            {
                out.events
                    .push(event(&self.camera, EventKind::End, key, &open, now_ms));
            }
        }
        // Forget cooldowns long past, so a camera running for months stays small.
        let horizon = ms(self.config.cooldown_secs).max(end_after);
        self.last_sent.retain(|_, t| now_ms - *t < horizon);
        out
    }

    /// End every open event (camera stopped or stream ended).
    pub fn finish(&mut self, now_ms: i64) -> Transitions {
        let mut out = Transitions::default();
        let mut keys: Vec<_> = self.open.keys().copied().collect();
        keys.sort();
        for key in keys {
            if let Some(open) = self.open.remove(&key)
                && open.started.is_some()
            {
                out.events
                    .push(event(&self.camera, EventKind::End, key, &open, now_ms));
            }
        }
        out
    }
}

fn event(camera: &str, kind: EventKind, key: (u64, Rule), open: &Open, now_ms: i64) -> Event {
    let (id, started_at_ms) = open.started.clone().unwrap_or_default();
    Event {
        id,
        camera: camera.to_string(),
        kind,
        rule: key.1,
        track_id: key.0,
        zone: open.zone.clone(),
        confidence: open.confidence,
        bbox: open.bbox,
        started_at_ms,
        at_ms: now_ms,
        snapshot: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(track: u64, quality: f32, zone: Option<&str>) -> Observation {
        Observation {
            track_id: track,
            rule: Rule::NoHelmet,
            zone: zone.map(str::to_string),
            confidence: 0.8,
            bbox: BoxF::default(),
            quality,
        }
    }

    fn kinds(t: &Transitions) -> Vec<EventKind> {
        t.events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn one_event_per_violation_with_start_update_end() {
        let mut e = EventEngine::new("cam1", EventConfig::default());
        assert!(
            e.observe(0, &[obs(1, 0.5, None)], &[]).events.is_empty(),
            "not persisted yet"
        );
        assert!(e.observe(1000, &[obs(1, 0.5, None)], &[]).events.is_empty());
        let t = e.observe(2000, &[obs(1, 0.5, None)], &[]);
        assert_eq!(kinds(&t), vec![EventKind::Start]);
        assert!(t.needs_snapshot());
        let id = t.events[0].id.clone();
        // Same quality: no update; much better: update; zone change: update.
        assert!(
            e.observe(2500, &[obs(1, 0.55, None)], &[])
                .events
                .is_empty()
        );
        assert_eq!(
            kinds(&e.observe(3000, &[obs(1, 0.9, None)], &[])),
            vec![EventKind::Update]
        );
        assert_eq!(
            kinds(&e.observe(3500, &[obs(1, 0.9, Some("fouille"))], &[])),
            vec![EventKind::Update]
        );
        // Compliant for less than end_after: still open; then ended, with the same id.
        assert!(e.observe(6000, &[], &[]).events.is_empty());
        let t = e.observe(8600, &[], &[]);
        assert_eq!(kinds(&t), vec![EventKind::End]);
        assert_eq!(t.events[0].id, id);
        assert!(!t.needs_snapshot());
    }

    #[test]
    fn a_brief_violation_raises_nothing() {
        let mut e = EventEngine::new("cam1", EventConfig::default());
        e.observe(0, &[obs(1, 0.5, None)], &[]);
        assert!(e.observe(1000, &[], &[1]).events.is_empty());
        assert!(e.observe(9000, &[], &[]).events.is_empty());
    }

    #[test]
    fn cooldown_counts_from_the_last_alert_sent() {
        let cfg = EventConfig {
            persist_secs: 0.0,
            end_after_secs: 1.0,
            cooldown_secs: 30.0,
            ..Default::default()
        };
        let mut e = EventEngine::new("cam1", cfg);
        assert_eq!(
            kinds(&e.observe(0, &[obs(1, 0.5, None)], &[])),
            vec![EventKind::Start]
        );
        assert_eq!(kinds(&e.observe(2000, &[], &[])), vec![EventKind::End]);
        // Back at 10 s: within the cooldown, no alert.
        assert!(
            e.observe(10_000, &[obs(1, 0.5, None)], &[])
                .events
                .is_empty()
        );
        // At 30 s the cooldown from the alert at 0 s has passed.
        assert_eq!(
            kinds(&e.observe(30_000, &[obs(1, 0.5, None)], &[])),
            vec![EventKind::Start]
        );
        // Another worker is not affected by worker 1's cooldown.
        assert_eq!(
            kinds(&e.observe(30_500, &[obs(1, 0.5, None), obs(2, 0.5, None)], &[])),
            vec![EventKind::Start]
        );
    }

    #[test]
    fn a_lost_track_ends_its_events_and_finish_closes_all() {
        let cfg = EventConfig {
            persist_secs: 0.0,
            ..Default::default()
        };
        let mut e = EventEngine::new("cam1", cfg);
        e.observe(0, &[obs(1, 0.5, None), obs(2, 0.5, None)], &[]);
        let t = e.observe(100, &[obs(2, 0.5, None)], &[1]);
        assert_eq!(
            t.events
                .iter()
                .map(|e| (e.kind, e.track_id))
                .collect::<Vec<_>>(),
            vec![(EventKind::End, 1)]
        );
        assert_eq!(kinds(&e.finish(200)), vec![EventKind::End]);
    }
}
