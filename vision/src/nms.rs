//! Class-aware non-maximum suppression.

use crate::model::layout::Candidate;

/// Keep the best box of each overlapping group, per class, at most `max_det` boxes, best
/// first. Boxes of different classes never suppress each other: a helmet and the bare head
/// next to it are both kept.
pub fn nms(mut candidates: Vec<Candidate>, iou: f32, max_det: usize) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        if kept.len() >= max_det {
            break;
        }
        if kept
            .iter()
            .all(|k| k.class != c.class || k.bbox.iou(&c.bbox) <= iou)
        {
            kept.push(c);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::BoxF;

    fn cand(x: f32, score: f32, class: usize) -> Candidate {
        Candidate {
            bbox: BoxF {
                x1: x,
                y1: 0.0,
                x2: x + 10.0,
                y2: 10.0,
            },
            score,
            class,
        }
    }

    #[test]
    fn suppresses_overlaps_within_a_class_only() {
        let kept = nms(
            vec![
                cand(0.0, 0.8, 0),
                cand(1.0, 0.9, 0),
                cand(1.0, 0.7, 1),
                cand(50.0, 0.5, 0),
            ],
            0.5,
            300,
        );
        let got: Vec<(usize, f32)> = kept.iter().map(|c| (c.class, c.score)).collect();
        assert_eq!(got, vec![(0, 0.9), (1, 0.7), (0, 0.5)]);
    }

    #[test]
    fn caps_the_number_of_boxes() {
        let many: Vec<Candidate> = (0..50).map(|i| cand(i as f32 * 20.0, 0.5, 0)).collect();
        assert_eq!(nms(many, 0.5, 7).len(), 7);
    }
}
