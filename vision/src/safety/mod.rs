//! PPE compliance: detections → workers → violations, per camera settings and zones.

pub mod workers;
pub mod zones;

use serde::{Deserialize, Serialize};

pub use workers::{Ppe, Worker, build_workers};
pub use zones::{Zone, ZoneKind};

use crate::detection::{BoxF, Detection};
use crate::error::{Result, VisionError};
use crate::model::ModelSpec;

/// What a camera requires; every field has a default so a camera needs no rules section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SafetyRules {
    pub require_helmet: bool,
    pub require_vest: bool,
    /// Detections below this confidence are not used by the rules.
    pub min_confidence: f32,
    /// Workers whose estimated height is below this many pixels are too far to judge.
    pub min_person_height: f32,
    /// With person-class models: a person with no hard hat detected on the head counts as a
    /// violation (off when the model is unreliable on small heads).
    pub absent_means_missing: bool,
    pub zones: Vec<Zone>,
}

impl Default for SafetyRules {
    fn default() -> Self {
        SafetyRules {
            require_helmet: true,
            require_vest: true,
            min_confidence: 0.35,
            min_person_height: 40.0,
            absent_means_missing: true,
            zones: Vec::new(),
        }
    }
}

impl SafetyRules {
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(VisionError::Config(format!(
                "min_confidence {} is not in 0..1",
                self.min_confidence
            )));
        }
        if self.min_person_height.is_nan() || self.min_person_height < 0.0 {
            return Err(VisionError::Config(
                "min_person_height must be 0 or more".into(),
            ));
        }
        let mut names = std::collections::HashSet::new();
        for z in &self.zones {
            z.validate()?;
            if !names.insert(&z.name) {
                return Err(VisionError::Config(format!(
                    "zone `{}` is defined twice",
                    z.name
                )));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    NoHelmet,
    NoVest,
    RestrictedZone,
}

impl Rule {
    pub fn as_str(&self) -> &'static str {
        match self {
            Rule::NoHelmet => "no_helmet",
            Rule::NoVest => "no_vest",
            Rule::RestrictedZone => "restricted_zone",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub rule: Rule,
    /// Index into the frame's workers.
    pub worker: usize,
    pub bbox: BoxF,
    pub confidence: f32,
    /// The zone the worker stands in, when the rule involves one.
    pub zone: Option<String>,
}

/// Apply the rules to one frame's detections.
pub fn evaluate(
    spec: &ModelSpec,
    detections: &[Detection],
    rules: &SafetyRules,
    width: u32,
    height: u32,
) -> (Vec<Worker>, Vec<Violation>) {
    let workers = build_workers(spec, detections, rules);
    let mut violations = Vec::new();
    let ppe_zones: Vec<&Zone> = rules
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::PpeRequired)
        .collect();
    for (i, w) in workers.iter().enumerate() {
        if w.bbox.height() < rules.min_person_height {
            continue;
        }
        // Feet estimated below the frame stand on its bottom edge, where the zone is drawn.
        let (fx, fy) = w.bbox.bottom_centre();
        let fy = fy.min(height as f32 - 0.5);
        for z in rules
            .zones
            .iter()
            .filter(|z| z.kind == ZoneKind::Restricted)
        {
            if z.contains(fx, fy, width, height) {
                violations.push(Violation {
                    rule: Rule::RestrictedZone,
                    worker: i,
                    bbox: w.bbox,
                    confidence: w.confidence,
                    zone: Some(z.name.clone()),
                });
            }
        }
        let ppe_zone = ppe_zones.iter().find(|z| z.contains(fx, fy, width, height));
        if !ppe_zones.is_empty() && ppe_zone.is_none() {
            continue;
        }
        let zone = ppe_zone.map(|z| z.name.clone());
        let mut push = |rule, state: Ppe| {
            if let Ppe::Missing(confidence) = state {
                violations.push(Violation {
                    rule,
                    worker: i,
                    bbox: w.bbox,
                    confidence,
                    zone: zone.clone(),
                });
            }
        };
        if rules.require_helmet {
            push(Rule::NoHelmet, w.helmet);
        }
        if rules.require_vest {
            push(Rule::NoVest, w.vest);
        }
    }
    (workers, violations)
}
