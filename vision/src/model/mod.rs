//! Loading a YOLO detection model and learning its contract (input size, classes, layout,
//! class roles) from the ONNX metadata and the model card beside it.

pub mod card;
pub mod layout;

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::ValueType;

pub use card::{ModelCard, Role};
pub use layout::Layout;

use crate::error::{Result, VisionError};

/// What the rest of the crate needs to know about a loaded model.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    pub path: PathBuf,
    pub name: String,
    pub input_name: String,
    pub output_name: String,
    /// Model input width and height in pixels.
    pub input_w: u32,
    pub input_h: u32,
    pub classes: Vec<String>,
    pub roles: Vec<Role>,
    /// Known at load when the output shape is static; otherwise found on the first run.
    pub layout: Option<Layout>,
    pub default_confidence: f32,
    pub default_iou: f32,
    /// Whether the card declared roles; without it the safety rules have nothing to reason on.
    pub has_roles: bool,
}

impl ModelSpec {
    pub fn role(&self, class: usize) -> Role {
        self.roles.get(class).copied().unwrap_or(Role::Other)
    }

    /// Read the contract from a session and its card, refusing anything that is not a
    /// single-image detector.
    pub fn from_session(
        path: &Path,
        session: &Session,
        card: Option<&ModelCard>,
    ) -> Result<ModelSpec> {
        let bad = |reason: String| VisionError::Model {
            path: path.to_path_buf(),
            reason,
        };
        let meta = session
            .metadata()
            .map_err(|e| bad(format!("cannot read metadata: {e}")))?;
        let names_meta = meta.custom("names");
        let imgsz_meta = meta.custom("imgsz");
        let task = meta.custom("task");
        if let Some(task) = task.as_deref()
            && task != "detect"
        {
            return Err(bad(format!(
                "this is a `{task}` model; chantier needs a `detect` model"
            )));
        }

        let [input] = session.inputs() else {
            return Err(bad(format!(
                "expected one image input, found {}",
                session.inputs().len()
            )));
        };
        let [output, ..] = session.outputs() else {
            return Err(bad("the model has no output".into()));
        };
        let in_shape =
            tensor_shape(input.dtype()).ok_or_else(|| bad("the input is not a tensor".into()))?;
        if in_shape.len() != 4 || (in_shape[1] != 3 && in_shape[1] != -1) {
            return Err(bad(format!(
                "input shape {in_shape:?} is not an NCHW RGB image [1, 3, H, W]"
            )));
        }

        let mut classes = card.map(|c| c.classes.clone()).unwrap_or_default();
        if classes.is_empty()
            && let Some(names) = names_meta.as_deref()
        {
            classes = parse_names(names).map_err(|e| bad(format!("metadata `names`: {e}")))?;
        }
        if classes.is_empty() {
            return Err(bad(
                "class names unknown: neither the ONNX metadata (`names`) nor a model card gives them".into(),
            ));
        }

        let card_size = card.and_then(|c| c.model.imgsz).map(|s| match s {
            card::Imgsz::Square(n) => (n, n),
            card::Imgsz::HeightWidth([h, w]) => (h, w),
        });
        let meta_size = imgsz_meta.as_deref().and_then(parse_imgsz);
        let static_size =
            (in_shape[2] > 0 && in_shape[3] > 0).then(|| (in_shape[2] as u32, in_shape[3] as u32));
        let (input_h, input_w) = static_size.or(card_size).or(meta_size).ok_or_else(|| {
            bad("input size unknown: dynamic input and no `imgsz` in metadata or card".into())
        })?;
        if !(32..=4096).contains(&input_w) || !(32..=4096).contains(&input_h) {
            return Err(bad(format!(
                "input size {input_w}x{input_h} is outside 32..4096"
            )));
        }

        let out_shape =
            tensor_shape(output.dtype()).ok_or_else(|| bad("the output is not a tensor".into()))?;
        if out_shape.len() != 3 {
            return Err(bad(format!(
                "output shape {out_shape:?} is not a detection head ([1, 4+nc, N], [1, N, 5+nc] or [1, K, 6])"
            )));
        }
        let layout = Layout::detect(&out_shape, classes.len());
        let dynamic = out_shape.iter().any(|d| *d < 0);
        if layout.is_none() && !dynamic {
            return Err(bad(format!(
                "output shape {out_shape:?} does not match a YOLO detection head for {} classes",
                classes.len()
            )));
        }

        let roles: Vec<Role> = classes
            .iter()
            .map(|n| {
                card.and_then(|c| c.roles.get(n).copied())
                    .unwrap_or(Role::Other)
            })
            .collect();
        if let Some(card) = card {
            for name in card.roles.keys() {
                if !classes.contains(name) {
                    return Err(bad(format!(
                        "model card gives a role to `{name}`, which is not a class"
                    )));
                }
            }
        }
        let name = card
            .and_then(|c| c.model.name.clone())
            .or_else(|| meta.description())
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        Ok(ModelSpec {
            path: path.to_path_buf(),
            name,
            input_name: input.name().to_string(),
            output_name: output.name().to_string(),
            input_w,
            input_h,
            has_roles: roles.iter().any(|r| *r != Role::Other),
            classes,
            roles,
            layout,
            default_confidence: card.and_then(|c| c.defaults.confidence).unwrap_or(0.25),
            default_iou: card.and_then(|c| c.defaults.iou).unwrap_or(0.7),
        })
    }
}

fn tensor_shape(v: &ValueType) -> Option<Vec<i64>> {
    v.tensor_shape().map(|s| s.iter().copied().collect())
}

/// Ultralytics writes `names` as a Python dict literal: `{0: 'helmet', 1: "no 'x'"}`.
pub fn parse_names(text: &str) -> std::result::Result<Vec<String>, String> {
    let body = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or("not a {index: name} dict")?;
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let colon = rest.find(':').ok_or("missing `:`")?;
        let index: usize = rest[..colon]
            .trim()
            .parse()
            .map_err(|_| format!("bad index `{}`", &rest[..colon]))?;
        rest = rest[colon + 1..].trim_start();
        let quote = rest
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')
            .ok_or("name is not quoted")?;
        let end = rest[1..].find(quote).ok_or("unterminated name")? + 1;
        out.push((index, rest[1..end].to_string()));
        rest = rest[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    out.sort_by_key(|(i, _)| *i);
    if out.iter().enumerate().any(|(i, (j, _))| i != *j) {
        return Err("indices are not 0..n".into());
    }
    Ok(out.into_iter().map(|(_, n)| n).collect())
}

/// `imgsz` is `[640, 640]` (height, width) or a single number.
fn parse_imgsz(text: &str) -> Option<(u32, u32)> {
    let nums: Vec<u32> = text
        .trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')')
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    match nums[..] {
        [n] => Some((n, n)),
        [h, w] => Some((h, w)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_dict_names_are_parsed_in_index_order() {
        let names = parse_names("{1: 'no_helmet', 0: 'helmet', 2: \"NO-Safety Vest\"}").unwrap();
        assert_eq!(names, vec!["helmet", "no_helmet", "NO-Safety Vest"]);
        assert!(parse_names("{0: 'a', 2: 'b'}").is_err());
        assert!(parse_names("[a, b]").is_err());
        assert_eq!(parse_imgsz("[416, 640]"), Some((416, 640)));
        assert_eq!(parse_imgsz("320"), Some((320, 320)));
    }
}
