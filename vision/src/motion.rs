//! Motion gating: skip detection when a camera's picture has not changed.
//!
//! Most of a site camera's day is an empty scaffold. Like Frigate, compare a small
//! grayscale thumbnail of each frame with a slowly updated background and run the detector
//! only when enough of it changed, or when the last detection is too old (a worker standing
//! still without a hard hat is still a violation).

use image::RgbImage;
use image::imageops::FilterType;

/// Per camera; `min_changed = 0` turns gating off (every sampled frame is analysed).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotionConfig {
    /// Per-pixel difference (0-255) that counts as changed.
    pub pixel_threshold: u8,
    /// Fraction of changed thumbnail pixels that counts as motion.
    pub min_changed: f32,
    /// Run the detector at least this often even without motion, in milliseconds.
    pub max_idle_ms: i64,
}

impl Default for MotionConfig {
    fn default() -> Self {
        MotionConfig {
            pixel_threshold: 25,
            min_changed: 0.002,
            max_idle_ms: 5_000,
        }
    }
}

#[derive(Debug)]
pub struct MotionGate {
    config: MotionConfig,
    background: Option<Vec<f32>>,
    last_detect_ms: Option<i64>,
}

const THUMB_W: u32 = 160;
const THUMB_H: u32 = 90;

impl MotionGate {
    pub fn new(config: MotionConfig) -> Self {
        MotionGate {
            config,
            background: None,
            last_detect_ms: None,
        }
    }

    /// Whether this frame should go to the detector.
    pub fn should_detect(&mut self, img: &RgbImage, at_ms: i64) -> bool {
        let thumb = image::imageops::resize(img, THUMB_W, THUMB_H, FilterType::Triangle);
        let gray: Vec<f32> = thumb
            .pixels()
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .collect();
        let changed = match &mut self.background {
            None => {
                self.background = Some(gray);
                1.0
            }
            Some(bg) => {
                let t = self.config.pixel_threshold as f32;
                let n = gray
                    .iter()
                    .zip(bg.iter())
                    .filter(|(g, b)| (*g - *b).abs() > t)
                    .count();
                for (b, g) in bg.iter_mut().zip(&gray) {
                    *b = 0.9 * *b + 0.1 * g;
                }
                n as f32 / gray.len() as f32
            }
        };
        let idle = self
            .last_detect_ms
            .is_none_or(|t| at_ms - t >= self.config.max_idle_ms);
        let go = changed >= self.config.min_changed || idle;
        if go {
            self.last_detect_ms = Some(at_ms);
        }
        go
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_frames_are_skipped_until_the_idle_limit() {
        let mut gate = MotionGate::new(MotionConfig::default());
        let still = RgbImage::from_pixel(640, 360, image::Rgb([90, 90, 90]));
        assert!(gate.should_detect(&still, 0), "first frame");
        assert!(!gate.should_detect(&still, 500));
        assert!(!gate.should_detect(&still, 1000));
        let mut moved = still.clone();
        for y in 100..200 {
            for x in 100..160 {
                moved.put_pixel(x, y, image::Rgb([250, 250, 250]));
            }
        }
        assert!(gate.should_detect(&moved, 1500), "a worker walked in");
        assert!(gate.should_detect(&still, 7000), "idle limit reached");
    }
}
