//! Boxes and detections, in image pixels.

use serde::Serialize;

/// An axis-aligned box, `x1 <= x2`, `y1 <= y2` for any box that came out of the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct BoxF {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

impl BoxF {
    pub fn from_centre(cx: f32, cy: f32, w: f32, h: f32) -> BoxF {
        BoxF {
            x1: cx - w / 2.0,
            y1: cy - h / 2.0,
            x2: cx + w / 2.0,
            y2: cy + h / 2.0,
        }
    }
    pub fn width(&self) -> f32 {
        (self.x2 - self.x1).max(0.0)
    }
    pub fn height(&self) -> f32 {
        (self.y2 - self.y1).max(0.0)
    }
    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }
    pub fn centre(&self) -> (f32, f32) {
        ((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)
    }
    /// Where a person stands: zone membership is tested here, as Frigate does, so a worker
    /// leaning over a barrier is not yet inside the zone behind it.
    pub fn bottom_centre(&self) -> (f32, f32) {
        ((self.x1 + self.x2) / 2.0, self.y2)
    }
    pub fn is_finite(&self) -> bool {
        self.x1.is_finite() && self.y1.is_finite() && self.x2.is_finite() && self.y2.is_finite()
    }
    pub fn intersection(&self, o: &BoxF) -> f32 {
        let w = (self.x2.min(o.x2) - self.x1.max(o.x1)).max(0.0);
        let h = (self.y2.min(o.y2) - self.y1.max(o.y1)).max(0.0);
        w * h
    }
    pub fn iou(&self, o: &BoxF) -> f32 {
        let inter = self.intersection(o);
        let union = self.area() + o.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
    pub fn union(&self, o: &BoxF) -> BoxF {
        BoxF {
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
            x2: self.x2.max(o.x2),
            y2: self.y2.max(o.y2),
        }
    }
    pub fn clamp(&self, w: f32, h: f32) -> BoxF {
        BoxF {
            x1: self.x1.clamp(0.0, w),
            y1: self.y1.clamp(0.0, h),
            x2: self.x2.clamp(0.0, w),
            y2: self.y2.clamp(0.0, h),
        }
    }
    pub fn to_array(&self) -> [f32; 4] {
        [self.x1, self.y1, self.x2, self.y2]
    }
}

/// One detected object.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub class_id: usize,
    pub class: String,
    pub confidence: f32,
    pub bbox: BoxF,
}

/// Time spent in each stage of one detection, in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StageTimes {
    pub decode_us: u64,
    pub preprocess_us: u64,
    pub inference_us: u64,
    pub postprocess_us: u64,
    pub rules_us: u64,
}
