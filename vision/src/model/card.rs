//! Model cards: the TOML file beside an ONNX model that says what its classes mean.
//!
//! Safety rules reason about roles (a bare head, a torso without a vest, a person), never
//! about class names, because every data set names its classes differently (`no_helmet`,
//! `NO-Hardhat`, `head`...). The card is where a model's author maps one to the other.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Result, VisionError};

/// What a class stands for in the safety rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A whole person (models trained on COCO-like person boxes).
    Person,
    /// A head wearing a hard hat.
    HeadWithHelmet,
    /// A bare head: an explicit helmet violation.
    HeadWithoutHelmet,
    /// A torso wearing high-visibility workwear.
    TorsoWithVest,
    /// A torso without it: an explicit vest violation.
    TorsoWithoutVest,
    /// A hard hat on its own, to be associated with a person's head region.
    Helmet,
    /// A vest on its own, to be associated with a person's torso region.
    Vest,
    /// Anything else (machines, cones...): detected and reported, not used by the rules.
    Other,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
    #[serde(default)]
    pub model: CardModel,
    /// Class names in index order; overrides the ONNX metadata when given.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Class name → role; classes not listed are `other`.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    #[serde(default)]
    pub defaults: CardDefaults,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardModel {
    pub name: Option<String>,
    /// Input size, square or `[height, width]`.
    pub imgsz: Option<Imgsz>,
    pub license: Option<String>,
    pub data: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum Imgsz {
    Square(u32),
    HeightWidth([u32; 2]),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardDefaults {
    pub confidence: Option<f32>,
    pub iou: Option<f32>,
}

impl ModelCard {
    /// The card for `model.onnx` is `model.toml` in the same folder; absent is not an error.
    pub fn beside(model: &Path) -> Result<Option<ModelCard>> {
        let path = model.with_extension("toml");
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| VisionError::Model {
            path: path.clone(),
            reason: format!("cannot read model card: {e}"),
        })?;
        ModelCard::parse(&text)
            .map(Some)
            .map_err(|reason| VisionError::Model { path, reason })
    }

    pub fn parse(text: &str) -> std::result::Result<ModelCard, String> {
        toml::from_str(text).map_err(|e| format!("model card: {e}"))
    }
}
