//! A ByteTrack-style tracker: gives each worker a stable id across frames.
//!
//! ByteTrack's point is the second pass: after confident detections are matched to tracks,
//! low-confidence ones (a worker half hidden behind a pallet) are still used to keep
//! existing tracks alive instead of being thrown away, so ids do not change every time a
//! detector's score dips. Motion is a constant-velocity prediction smoothed over frames,
//! enough at 2-5 analysed frames per second for people walking on a site.

use crate::detection::BoxF;

#[derive(Debug, Clone)]
pub struct TrackerConfig {
    /// Detections at or above this score are matched first and may start tracks.
    pub high_score: f32,
    /// Detections between this and `high_score` only extend existing tracks.
    pub low_score: f32,
    /// A new track needs at least this score.
    pub new_track_score: f32,
    /// Minimum IoU with the predicted box for the first pass.
    pub match_iou: f32,
    /// Minimum IoU for the second, low-score pass (stricter: the detection is doubtful).
    pub low_match_iou: f32,
    /// Frames a track survives without a detection before it is dropped.
    pub max_lost_frames: u32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            high_score: 0.5,
            low_score: 0.1,
            new_track_score: 0.55,
            match_iou: 0.2,
            low_match_iou: 0.4,
            max_lost_frames: 10,
        }
    }
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    bbox: BoxF,
    velocity: [f32; 4],
    hits: u32,
    lost: u32,
}

impl Track {
    fn predicted(&self) -> BoxF {
        let v = self.velocity;
        BoxF {
            x1: self.bbox.x1 + v[0],
            y1: self.bbox.y1 + v[1],
            x2: self.bbox.x2 + v[2],
            y2: self.bbox.y2 + v[3],
        }
    }

    fn update(&mut self, b: BoxF) {
        let d = [
            b.x1 - self.bbox.x1,
            b.y1 - self.bbox.y1,
            b.x2 - self.bbox.x2,
            b.y2 - self.bbox.y2,
        ];
        let steps = (self.lost + 1) as f32;
        for (v, d) in self.velocity.iter_mut().zip(d) {
            *v = 0.6 * *v + 0.4 * d / steps;
        }
        self.bbox = b;
        self.hits += 1;
        self.lost = 0;
    }
}

#[derive(Debug)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
}

/// One removed track, reported so its events can end.
pub type Lost = u64;

impl Tracker {
    pub fn new(config: TrackerConfig) -> Tracker {
        Tracker {
            config,
            tracks: Vec::new(),
            next_id: 1,
        }
    }

    /// Assign ids to this frame's boxes (`None` for boxes that start no track) and return
    /// the ids of tracks dropped at this frame.
    pub fn update(&mut self, boxes: &[(BoxF, f32)]) -> (Vec<Option<u64>>, Vec<Lost>) {
        let c = self.config.clone();
        let mut assigned: Vec<Option<u64>> = vec![None; boxes.len()];
        let mut track_matched = vec![false; self.tracks.len()];
        let predicted: Vec<BoxF> = self.tracks.iter().map(Track::predicted).collect();

        let high: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].1 >= c.high_score)
            .collect();
        let low: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].1 >= c.low_score && boxes[i].1 < c.high_score)
            .collect();

        // Pass 1: confident detections against every track. Pass 2: doubtful ones against
        // tracks still unmatched.
        for (dets, min_iou) in [(&high, c.match_iou), (&low, c.low_match_iou)] {
            let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
            for &d in dets.iter() {
                for (t, p) in predicted.iter().enumerate() {
                    if track_matched[t] {
                        continue;
                    }
                    let iou = p.iou(&boxes[d].0);
                    if iou >= min_iou {
                        pairs.push((iou, t, d));
                    }
                }
            }
            pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (_, t, d) in pairs {
                if !track_matched[t] && assigned[d].is_none() {
                    track_matched[t] = true;
                    self.tracks[t].update(boxes[d].0);
                    assigned[d] = Some(self.tracks[t].id);
                }
            }
        }

        let mut dropped = Vec::new();
        for (t, matched) in track_matched.iter().enumerate() {
            if !matched {
                let track = &mut self.tracks[t];
                track.lost += 1;
                track.bbox = track.predicted();
            }
        }
        self.tracks.retain(|t| {
            let keep = t.lost <= c.max_lost_frames;
            if !keep {
                dropped.push(t.id);
            }
            keep
        });

        for &d in &high {
            if assigned[d].is_none() && boxes[d].1 >= c.new_track_score {
                let id = self.next_id;
                self.next_id += 1;
                self.tracks.push(Track {
                    id,
                    bbox: boxes[d].0,
                    velocity: [0.0; 4],
                    hits: 1,
                    lost: 0,
                });
                assigned[d] = Some(id);
            }
        }
        (assigned, dropped)
    }

    /// Ids of the tracks alive now.
    pub fn active(&self) -> Vec<u64> {
        self.tracks.iter().map(|t| t.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: f32) -> BoxF {
        BoxF {
            x1: x,
            y1: 100.0,
            x2: x + 50.0,
            y2: 250.0,
        }
    }

    #[test]
    fn ids_are_stable_while_walking_and_crossing() {
        let mut t = Tracker::new(TrackerConfig::default());
        // Two workers walking towards each other, 8 px per frame.
        let mut first = None;
        for f in 0..20 {
            let a = b(100.0 + f as f32 * 8.0);
            let c = b(400.0 - f as f32 * 8.0);
            let (ids, _) = t.update(&[(a, 0.9), (c, 0.8)]);
            let ids = (ids[0].unwrap(), ids[1].unwrap());
            if let Some(first) = first {
                assert_eq!(ids, first, "frame {f}");
            } else {
                first = Some(ids);
            }
        }
    }

    #[test]
    fn low_scores_keep_a_track_alive_but_do_not_start_one() {
        let mut t = Tracker::new(TrackerConfig::default());
        let (ids, _) = t.update(&[(b(100.0), 0.9)]);
        let id = ids[0].unwrap();
        // Partly hidden: the score drops to 0.3, the id stays.
        let (ids, _) = t.update(&[(b(104.0), 0.3)]);
        assert_eq!(ids[0], Some(id));
        // A doubtful box far away starts nothing.
        let (ids, _) = t.update(&[(b(108.0), 0.9), (b(600.0), 0.3)]);
        assert_eq!(ids, vec![Some(id), None]);
    }

    #[test]
    fn tracks_survive_short_gaps_and_are_dropped_after_long_ones() {
        let mut t = Tracker::new(TrackerConfig {
            max_lost_frames: 3,
            ..Default::default()
        });
        let id = t.update(&[(b(100.0), 0.9)]).0[0].unwrap();
        t.update(&[]);
        t.update(&[]);
        assert_eq!(
            t.update(&[(b(100.0), 0.9)]).0[0],
            Some(id),
            "back after 2 missing frames"
        );
        let mut dropped = Vec::new();
        for _ in 0..4 {
            dropped.extend(t.update(&[]).1);
        }
        assert_eq!(dropped, vec![id]);
        assert!(t.active().is_empty());
        assert_ne!(
            t.update(&[(b(100.0), 0.9)]).0[0],
            Some(id),
            "a new track gets a new id"
        );
    }
}
