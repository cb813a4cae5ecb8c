//! The output layouts of Ultralytics detection exports, and their decoding into candidates.
//!
//! Three families exist in the wild and all are accepted, recognised from the output shape
//! and the number of classes, so a user can drop in any of them without configuring it.

use crate::detection::BoxF;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// YOLOv8/YOLO11: `[1, 4 + nc, N]`, centre boxes then class scores, anchors last.
    AnchorsLast,
    /// The same transposed: `[1, N, 4 + nc]` (some re-exports).
    AnchorsFirst,
    /// YOLOv5: `[1, N, 5 + nc]` with an objectness score.
    Objectness,
    /// YOLOv10 / YOLO26 end-to-end: `[1, K, 6]` as `x1 y1 x2 y2 score class`, NMS done.
    EndToEnd,
}

impl Layout {
    /// Recognise the layout from a `[1, a, b]` output; `None` when it is not a detection head
    /// for `nc` classes. Negative (dynamic) dimensions are not decidable.
    pub fn detect(shape: &[i64], nc: usize) -> Option<Layout> {
        let [batch, a, b] = shape else { return None };
        if *batch > 1 || *a <= 0 || *b <= 0 {
            return None;
        }
        let (a, b, nc) = (*a as usize, *b as usize, nc);
        if b == 6 && a != 4 + nc && a <= 1000 {
            return Some(Layout::EndToEnd);
        }
        if a == 4 + nc {
            return Some(Layout::AnchorsLast);
        }
        if b == 5 + nc {
            return Some(Layout::Objectness);
        }
        if b == 4 + nc {
            return Some(Layout::AnchorsFirst);
        }
        None
    }
}

/// One box before NMS, in model input pixels.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub bbox: BoxF,
    pub score: f32,
    pub class: usize,
}

/// Decode a raw output into candidates above `conf`. The class is the best-scoring one, as
/// Ultralytics' own `non_max_suppression` does with `multi_label=False`.
pub fn decode(layout: Layout, shape: &[i64], data: &[f32], nc: usize, conf: f32) -> Vec<Candidate> {
    let (a, b) = (shape[1] as usize, shape[2] as usize);
    let mut out = Vec::new();
    match layout {
        Layout::AnchorsLast => {
            let n = b;
            for j in 0..n {
                let (mut best, mut class) = (f32::MIN, 0);
                for c in 0..nc {
                    let s = data[(4 + c) * n + j];
                    if s > best {
                        best = s;
                        class = c;
                    }
                }
                if best > conf {
                    let (cx, cy, w, h) = (data[j], data[n + j], data[2 * n + j], data[3 * n + j]);
                    out.push(Candidate {
                        bbox: BoxF::from_centre(cx, cy, w, h),
                        score: best,
                        class,
                    });
                }
            }
        }
        Layout::AnchorsFirst | Layout::Objectness => {
            let skip = if layout == Layout::Objectness { 5 } else { 4 };
            for row in data.chunks_exact(b).take(a) {
                let obj = if layout == Layout::Objectness {
                    row[4]
                } else {
                    1.0
                };
                if obj <= conf {
                    continue;
                }
                let (mut best, mut class) = (f32::MIN, 0);
                for (c, &s) in row[skip..skip + nc].iter().enumerate() {
                    if s > best {
                        best = s;
                        class = c;
                    }
                }
                let score = best * obj;
                if score > conf {
                    out.push(Candidate {
                        bbox: BoxF::from_centre(row[0], row[1], row[2], row[3]),
                        score,
                        class,
                    });
                }
            }
        }
        Layout::EndToEnd => {
            for row in data.chunks_exact(6).take(a) {
                let class = row[5];
                if row[4] > conf && class >= 0.0 && (class as usize) < nc {
                    let bbox = BoxF {
                        x1: row[0],
                        y1: row[1],
                        x2: row[2],
                        y2: row[3],
                    };
                    out.push(Candidate {
                        bbox,
                        score: row[4],
                        class: class as usize,
                    });
                }
            }
        }
    }
    out.retain(|c| c.bbox.is_finite());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_told_apart_by_shape() {
        assert_eq!(Layout::detect(&[1, 8, 3549], 4), Some(Layout::AnchorsLast));
        assert_eq!(
            Layout::detect(&[1, 84, 8400], 80),
            Some(Layout::AnchorsLast)
        );
        assert_eq!(Layout::detect(&[1, 300, 6], 80), Some(Layout::EndToEnd));
        assert_eq!(Layout::detect(&[1, 300, 6], 4), Some(Layout::EndToEnd));
        assert_eq!(
            Layout::detect(&[1, 25200, 85], 80),
            Some(Layout::Objectness)
        );
        assert_eq!(
            Layout::detect(&[1, 8400, 84], 80),
            Some(Layout::AnchorsFirst)
        );
        assert_eq!(Layout::detect(&[1, 1000], 80), None);
        assert_eq!(Layout::detect(&[1, 10, 10], 80), None);
        assert_eq!(Layout::detect(&[1, -1, 6], 4), None);
    }

    #[test]
    fn anchors_last_picks_the_best_class_and_filters() {
        // Two anchors, two classes: anchor 0 is class 1 at 0.9, anchor 1 is below threshold.
        let n = 2;
        let mut data = vec![0.0; 6 * n];
        data[0] = 50.0;
        data[n] = 40.0;
        data[2 * n] = 20.0;
        data[3 * n] = 10.0;
        data[4 * n] = 0.1;
        data[5 * n] = 0.9;
        data[4 * n + 1] = 0.2;
        data[5 * n + 1] = 0.1;
        let c = decode(Layout::AnchorsLast, &[1, 6, 2], &data, 2, 0.25);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].class, 1);
        assert_eq!(
            (c[0].bbox.x1, c[0].bbox.y1, c[0].bbox.x2, c[0].bbox.y2),
            (40.0, 35.0, 60.0, 45.0)
        );
    }

    #[test]
    fn objectness_multiplies_scores() {
        let data = vec![10.0, 10.0, 4.0, 4.0, 0.5, 0.6, 0.4];
        let c = decode(Layout::Objectness, &[1, 1, 7], &data, 2, 0.25);
        assert_eq!(c.len(), 1);
        assert!((c[0].score - 0.3).abs() < 1e-6);
        let c = decode(Layout::Objectness, &[1, 1, 7], &data, 2, 0.35);
        assert!(c.is_empty());
    }

    #[test]
    fn end_to_end_rejects_out_of_range_classes_and_nan() {
        let data = vec![
            1.0,
            2.0,
            3.0,
            4.0,
            0.9,
            1.0, //
            1.0,
            2.0,
            3.0,
            4.0,
            0.9,
            7.0, //
            f32::NAN,
            2.0,
            3.0,
            4.0,
            0.9,
            0.0,
        ];
        let c = decode(Layout::EndToEnd, &[1, 3, 6], &data, 2, 0.25);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].class, 1);
    }
}
