//! Grouping detections into workers.
//!
//! Two kinds of models exist. Some detect whole persons and PPE items (hard hat, vest, and
//! sometimes `NO-Hardhat`): items are assigned to a person by where they sit in the box
//! (the head region is the top quarter, the torso from 20 % to 65 % of the height). Others,
//! like the shipped model, detect heads and torsos directly, each already labelled with or
//! without PPE: a worker is a head paired with the torso just below it.

use serde::Serialize;

use super::SafetyRules;
use crate::detection::{BoxF, Detection};
use crate::model::{ModelSpec, Role};

/// The state of one piece of PPE on a worker.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
#[serde(tag = "state", content = "confidence", rename_all = "snake_case")]
pub enum Ppe {
    /// Seen worn, with this confidence.
    Worn(f32),
    /// Seen missing (a bare head, a torso without a vest), or absent where it should be.
    Missing(f32),
    /// Not visible (head out of the picture, torso hidden): no judgement.
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Worker {
    /// The person's box: the detected person, or estimated from head and torso down to the
    /// feet, so zone membership is tested where the worker stands.
    pub bbox: BoxF,
    pub head: Option<BoxF>,
    pub torso: Option<BoxF>,
    pub helmet: Ppe,
    pub vest: Ppe,
    pub confidence: f32,
}

pub fn build_workers(
    spec: &ModelSpec,
    detections: &[Detection],
    rules: &SafetyRules,
) -> Vec<Worker> {
    let usable: Vec<(&Detection, Role)> = detections
        .iter()
        .filter(|d| d.confidence >= rules.min_confidence)
        .map(|d| (d, spec.role(d.class_id)))
        .filter(|(_, r)| *r != Role::Other)
        .collect();
    if usable.iter().any(|(_, r)| *r == Role::Person) {
        from_persons(&usable, rules)
    } else {
        from_heads_and_torsos(&usable)
    }
}

fn from_persons(dets: &[(&Detection, Role)], rules: &SafetyRules) -> Vec<Worker> {
    let mut workers: Vec<Worker> = dets
        .iter()
        .filter(|(_, r)| *r == Role::Person)
        .map(|(d, _)| Worker {
            bbox: d.bbox,
            head: Some(region(&d.bbox, 0.0, 0.25)),
            torso: Some(region(&d.bbox, 0.2, 0.65)),
            helmet: Ppe::Unknown,
            vest: Ppe::Unknown,
            confidence: d.confidence,
        })
        .collect();
    for (d, role) in dets {
        let (cx, cy) = d.bbox.centre();
        let inside = |b: &Option<BoxF>| {
            b.is_some_and(|b| cx >= b.x1 && cx <= b.x2 && cy >= b.y1 && cy <= b.y2)
        };
        // The person whose region holds the item's centre; the smallest such person when
        // several overlap, since the nearer worker's box is usually the tighter one.
        let target = |head: bool, workers: &[Worker]| {
            workers
                .iter()
                .enumerate()
                .filter(|(_, w)| inside(if head { &w.head } else { &w.torso }))
                .min_by(|a, b| a.1.bbox.area().total_cmp(&b.1.bbox.area()))
                .map(|(i, _)| i)
        };
        match role {
            Role::Helmet | Role::HeadWithHelmet => {
                if let Some(i) = target(true, &workers) {
                    workers[i].helmet = merge(workers[i].helmet, Ppe::Worn(d.confidence));
                }
            }
            Role::HeadWithoutHelmet => {
                if let Some(i) = target(true, &workers) {
                    workers[i].helmet = merge(workers[i].helmet, Ppe::Missing(d.confidence));
                }
            }
            Role::Vest | Role::TorsoWithVest => {
                if let Some(i) = target(false, &workers) {
                    workers[i].vest = merge(workers[i].vest, Ppe::Worn(d.confidence));
                }
            }
            Role::TorsoWithoutVest => {
                if let Some(i) = target(false, &workers) {
                    workers[i].vest = merge(workers[i].vest, Ppe::Missing(d.confidence));
                }
            }
            Role::Person | Role::Other => {}
        }
    }
    if rules.absent_means_missing {
        for w in &mut workers {
            if w.helmet == Ppe::Unknown {
                w.helmet = Ppe::Missing(w.confidence);
            }
            if w.vest == Ppe::Unknown {
                w.vest = Ppe::Missing(w.confidence);
            }
        }
    }
    workers
}

/// Worn beats missing when both are seen for the same worker only if more confident.
fn merge(old: Ppe, new: Ppe) -> Ppe {
    let conf = |p: Ppe| match p {
        Ppe::Worn(c) | Ppe::Missing(c) => c,
        Ppe::Unknown => -1.0,
    };
    if conf(new) > conf(old) { new } else { old }
}

fn region(b: &BoxF, from: f32, to: f32) -> BoxF {
    let h = b.height();
    BoxF {
        x1: b.x1,
        y1: b.y1 + h * from,
        x2: b.x2,
        y2: b.y1 + h * to,
    }
}

fn from_heads_and_torsos(dets: &[(&Detection, Role)]) -> Vec<Worker> {
    let heads: Vec<&(&Detection, Role)> = dets
        .iter()
        .filter(|(_, r)| {
            matches!(
                r,
                Role::HeadWithHelmet | Role::HeadWithoutHelmet | Role::Helmet
            )
        })
        .collect();
    let torsos: Vec<&(&Detection, Role)> = dets
        .iter()
        .filter(|(_, r)| matches!(r, Role::TorsoWithVest | Role::TorsoWithoutVest | Role::Vest))
        .collect();

    // Score every plausible (head, torso) pair, then pair greedily, best first.
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (hi, (h, _)) in heads.iter().enumerate() {
        for (ti, (t, _)) in torsos.iter().enumerate() {
            if let Some(s) = pair_score(&h.bbox, &t.bbox) {
                pairs.push((s, hi, ti));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut head_of = vec![None; torsos.len()];
    let mut used_head = vec![false; heads.len()];
    for (_, hi, ti) in pairs {
        if !used_head[hi] && head_of[ti].is_none() {
            used_head[hi] = true;
            head_of[ti] = Some(hi);
        }
    }

    let helmet_state = |(d, r): &(&Detection, Role)| match r {
        Role::HeadWithoutHelmet => Ppe::Missing(d.confidence),
        _ => Ppe::Worn(d.confidence),
    };
    let vest_state = |(d, r): &(&Detection, Role)| match r {
        Role::TorsoWithoutVest => Ppe::Missing(d.confidence),
        _ => Ppe::Worn(d.confidence),
    };
    let mut workers = Vec::new();
    for (ti, t) in torsos.iter().enumerate() {
        let head = head_of[ti].map(|hi| heads[hi]);
        let tb = t.0.bbox;
        let mut bbox = head.map_or(tb, |h| h.0.bbox.union(&tb));
        // Legs are about as long as the torso is tall: extend to where the feet should be.
        bbox.y2 = tb.y2 + tb.height() * 1.1;
        workers.push(Worker {
            bbox,
            head: head.map(|h| h.0.bbox),
            torso: Some(tb),
            helmet: head.map_or(Ppe::Unknown, helmet_state),
            vest: vest_state(t),
            confidence: head.map_or(t.0.confidence, |h| h.0.confidence.min(t.0.confidence)),
        });
    }
    for (hi, h) in heads.iter().enumerate() {
        if used_head[hi] {
            continue;
        }
        let hb = h.0.bbox;
        // A head alone: a standing adult is about seven heads tall.
        let bbox = BoxF {
            x1: hb.x1 - hb.width() * 0.8,
            y1: hb.y1,
            x2: hb.x2 + hb.width() * 0.8,
            y2: hb.y1 + hb.height() * 7.0,
        };
        workers.push(Worker {
            bbox,
            head: Some(hb),
            torso: None,
            helmet: helmet_state(h),
            vest: Ppe::Unknown,
            confidence: h.0.confidence,
        });
    }
    workers
}

/// How well a head sits on a torso: `None` when it cannot be the same person. The head's
/// centre must be above the torso's middle and horizontally within the torso (widened by
/// half a head), and its bottom close to the torso's top.
fn pair_score(head: &BoxF, torso: &BoxF) -> Option<f32> {
    let (hx, hy) = head.centre();
    let (hw, hh) = (head.width().max(1.0), head.height().max(1.0));
    if hx < torso.x1 - hw * 0.5 || hx > torso.x2 + hw * 0.5 {
        return None;
    }
    if hy > torso.centre().1 || head.y2 < torso.y1 - hh * 1.0 {
        return None;
    }
    if hw > torso.width() * 1.5 || torso.height() > hh * 8.0 {
        return None;
    }
    let dx = (hx - torso.centre().0).abs() / torso.width().max(1.0);
    let dy = (head.y2 - torso.y1).abs() / hh;
    Some(1.0 / (1.0 + 2.0 * dx + dy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    fn spec(classes: &[(&str, Role)]) -> ModelSpec {
        ModelSpec {
            path: "test.onnx".into(),
            name: "test".into(),
            input_name: "images".into(),
            output_name: "output0".into(),
            input_w: 640,
            input_h: 640,
            classes: classes.iter().map(|(n, _)| n.to_string()).collect(),
            roles: classes.iter().map(|(_, r)| *r).collect(),
            layout: None,
            default_confidence: 0.25,
            default_iou: 0.7,
            has_roles: true,
        }
    }

    fn det(class_id: usize, conf: f32, x1: f32, y1: f32, x2: f32, y2: f32) -> Detection {
        Detection {
            class_id,
            class: String::new(),
            confidence: conf,
            bbox: BoxF { x1, y1, x2, y2 },
        }
    }

    fn ppe_spec() -> ModelSpec {
        spec(&[
            ("helmet", Role::HeadWithHelmet),
            ("no_helmet", Role::HeadWithoutHelmet),
            ("no_wear", Role::TorsoWithoutVest),
            ("wear", Role::TorsoWithVest),
        ])
    }

    #[test]
    fn heads_pair_with_the_torso_below_them() {
        // Two workers side by side: A has a helmet and no vest, B a bare head and a vest.
        let dets = vec![
            det(0, 0.9, 100.0, 100.0, 130.0, 130.0),
            det(2, 0.8, 85.0, 132.0, 145.0, 220.0),
            det(1, 0.7, 300.0, 90.0, 332.0, 122.0),
            det(3, 0.9, 280.0, 125.0, 350.0, 215.0),
        ];
        let w = build_workers(&ppe_spec(), &dets, &SafetyRules::default());
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].helmet, Ppe::Worn(0.9));
        assert_eq!(w[0].vest, Ppe::Missing(0.8));
        assert_eq!(w[1].helmet, Ppe::Missing(0.7));
        assert_eq!(w[1].vest, Ppe::Worn(0.9));
        assert!(w[0].bbox.y2 > 220.0, "the box is extended down to the feet");
    }

    #[test]
    fn a_head_beside_a_torso_is_not_paired_with_it() {
        let dets = vec![
            det(1, 0.9, 400.0, 100.0, 430.0, 130.0),
            det(3, 0.9, 85.0, 132.0, 145.0, 220.0),
        ];
        let w = build_workers(&ppe_spec(), &dets, &SafetyRules::default());
        assert_eq!(w.len(), 2);
        assert!(
            w.iter()
                .any(|w| w.torso.is_none() && w.helmet == Ppe::Missing(0.9))
        );
        assert!(
            w.iter()
                .any(|w| w.head.is_none() && w.helmet == Ppe::Unknown)
        );
    }

    #[test]
    fn person_models_assign_items_by_region() {
        let s = spec(&[
            ("Person", Role::Person),
            ("Hardhat", Role::Helmet),
            ("NO-Hardhat", Role::HeadWithoutHelmet),
            ("Safety Vest", Role::Vest),
        ]);
        let dets = vec![
            det(0, 0.9, 0.0, 0.0, 100.0, 300.0),
            det(1, 0.8, 30.0, 0.0, 70.0, 40.0),
            det(0, 0.9, 200.0, 0.0, 300.0, 300.0),
            det(2, 0.6, 230.0, 5.0, 270.0, 45.0),
            det(3, 0.7, 210.0, 100.0, 290.0, 170.0),
        ];
        let w = build_workers(&s, &dets, &SafetyRules::default());
        assert_eq!(w[0].helmet, Ppe::Worn(0.8));
        assert_eq!(
            w[0].vest,
            Ppe::Missing(0.9),
            "no vest seen on a person model counts as missing"
        );
        assert_eq!(w[1].helmet, Ppe::Missing(0.6));
        assert_eq!(w[1].vest, Ppe::Worn(0.7));
        let lenient = SafetyRules {
            absent_means_missing: false,
            ..SafetyRules::default()
        };
        assert_eq!(build_workers(&s, &dets, &lenient)[0].vest, Ppe::Unknown);
    }

    #[test]
    fn low_confidence_and_other_classes_are_ignored() {
        let s = spec(&[("helmet", Role::HeadWithHelmet), ("excavator", Role::Other)]);
        let dets = vec![
            det(0, 0.1, 0.0, 0.0, 10.0, 10.0),
            det(1, 0.9, 0.0, 0.0, 100.0, 100.0),
        ];
        assert!(build_workers(&s, &dets, &SafetyRules::default()).is_empty());
    }
}
