//! Zones drawn on a camera's picture: restricted areas and areas where PPE is required.

use serde::{Deserialize, Serialize};

use crate::error::{Result, VisionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// Nobody may stand here (crane swing area, open trench): presence is a violation.
    Restricted,
    /// PPE rules apply here; when a camera has such zones, they apply only inside them.
    PpeRequired,
}

/// A polygon in coordinates relative to the picture (0..1 on each axis), so the same zone
/// stays right when a camera switches between its main and sub stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    pub kind: ZoneKind,
    pub polygon: Vec<[f32; 2]>,
}

impl Zone {
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(VisionError::Config("a zone needs a name".into()));
        }
        if self.polygon.len() < 3 {
            return Err(VisionError::Config(format!(
                "zone `{}`: a polygon needs at least 3 points",
                self.name
            )));
        }
        if let Some(p) = self
            .polygon
            .iter()
            .find(|p| !p.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)))
        {
            return Err(VisionError::Config(format!(
                "zone `{}`: point {p:?} is outside the picture (coordinates are relative, 0 to 1)",
                self.name
            )));
        }
        Ok(())
    }

    /// Whether a point in pixels of a `w` x `h` picture lies inside (even-odd rule).
    pub fn contains(&self, x: f32, y: f32, w: u32, h: u32) -> bool {
        let (px, py) = (x / w as f32, y / h as f32);
        let n = self.polygon.len();
        let mut inside = false;
        let mut j = n - 1;
        for i in 0..n {
            let [xi, yi] = self.polygon[i];
            let [xj, yj] = self.polygon[j];
            if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_and_validation() {
        let z = Zone {
            name: "fouille".into(),
            kind: ZoneKind::Restricted,
            polygon: vec![[0.5, 0.5], [1.0, 0.5], [1.0, 1.0], [0.5, 1.0]],
        };
        z.validate().unwrap();
        assert!(z.contains(150.0, 150.0, 200, 200));
        assert!(!z.contains(50.0, 150.0, 200, 200));
        let bad = Zone {
            polygon: vec![[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]],
            ..z.clone()
        };
        assert!(bad.validate().is_err());
        let short = Zone {
            polygon: vec![[0.0, 0.0], [1.0, 0.0]],
            ..z
        };
        assert!(short.validate().is_err());
    }
}
