//! The one inference queue all cameras share.
//!
//! Bounded, because a machine that cannot keep up must shed load rather than grow memory
//! and latency without limit; and fair, because when it is full the frame dropped is the
//! oldest one of the camera that has the most frames waiting, so one busy camera cannot
//! starve the others. Old frames are the ones to drop: a safety alert is about now.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Queued<T> {
    pub camera: String,
    pub enqueued: Instant,
    pub item: T,
}

#[derive(Debug)]
struct Inner<T> {
    items: VecDeque<Queued<T>>,
    dropped: HashMap<String, u64>,
    closed: bool,
}

#[derive(Debug)]
pub struct InferenceQueue<T> {
    capacity: usize,
    inner: Mutex<Inner<T>>,
    ready: Condvar,
}

impl<T> InferenceQueue<T> {
    pub fn new(capacity: usize) -> Self {
        InferenceQueue {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                dropped: HashMap::new(),
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    /// Queue a frame; returns the camera whose frame was dropped to make room, if any.
    pub fn push(&self, camera: &str, item: T) -> Option<String> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut victim = None;
        if g.items.len() >= self.capacity {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for q in &g.items {
                *counts.entry(q.camera.as_str()).or_default() += 1;
            }
            // The camera with most frames waiting (this one on ties), its oldest frame.
            let own = counts.get(camera).copied().unwrap_or(0);
            let busiest = counts
                .iter()
                .max_by_key(|(c, n)| (**n, **c == camera))
                .map(|(c, n)| {
                    if *n > own {
                        c.to_string()
                    } else {
                        camera.to_string()
                    }
                })
                .unwrap_or_else(|| camera.to_string());
            let target = if own == 0 && busiest == camera {
                None
            } else {
                Some(busiest)
            };
            let pos = target
                .as_ref()
                .and_then(|t| g.items.iter().position(|q| &q.camera == t))
                .unwrap_or(0);
            if let Some(old) = g.items.remove(pos) {
                *g.dropped.entry(old.camera.clone()).or_default() += 1;
                victim = Some(old.camera);
            }
        }
        g.items.push_back(Queued {
            camera: camera.to_string(),
            enqueued: Instant::now(),
            item,
        });
        drop(g);
        self.ready.notify_one();
        victim
    }

    /// Wait up to `timeout` for a frame; `None` on timeout or once closed and empty.
    pub fn pop(&self, timeout: Duration) -> Option<Queued<T>> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(q) = g.items.pop_front() {
                return Some(q);
            }
            if g.closed {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            g = self
                .ready
                .wait_timeout(g, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    pub fn dropped(&self, camera: &str) -> u64 {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .dropped
            .get(camera)
            .copied()
            .unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .items
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Wake the workers so they stop.
    pub fn close(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overload_drops_the_busiest_cameras_oldest_frame() {
        let q = InferenceQueue::new(4);
        for i in 0..3 {
            assert_eq!(q.push("a", i), None);
        }
        assert_eq!(q.push("b", 100), None);
        // Full: camera b arrives again; a has most frames waiting, its oldest (0) goes.
        assert_eq!(q.push("b", 101).as_deref(), Some("a"));
        assert_eq!(q.dropped("a"), 1);
        let order: Vec<i32> =
            std::iter::from_fn(|| q.pop(Duration::ZERO).map(|x| x.item)).collect();
        assert_eq!(order, vec![1, 2, 100, 101]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn a_lone_camera_drops_its_own_oldest() {
        let q = InferenceQueue::new(2);
        q.push("a", 1);
        q.push("a", 2);
        assert_eq!(q.push("a", 3).as_deref(), Some("a"));
        assert_eq!(q.pop(Duration::ZERO).map(|x| x.item), Some(2));
        q.close();
        assert_eq!(q.pop(Duration::ZERO).map(|x| x.item), Some(3));
        assert!(
            q.pop(Duration::from_secs(5)).is_none(),
            "closed and empty returns at once"
        );
    }
}
