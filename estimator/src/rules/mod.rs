//! Mapping rules: which takeoff quantities become which priced lines.
//!
//! A rule matches elements (IFC) or layers and blocks (DXF) by name patterns, evaluates a
//! quantity expression on each, and sends the sum to one price item. Several rules may match
//! the same element (a wall is masonry, plaster and paint); an element no rule matches is
//! listed for review, never dropped.

mod apply;
pub mod expr;
mod pattern;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{EstimatorError, Result};
use crate::library::{PriceLibrary, VatCategory};

pub use apply::{Match, Measured, SourceRef, Unmatched, apply};
pub use expr::Expr;
pub use pattern::Pattern;

/// The sample rule set shipped in `datasets/`, compiled in like the sample library.
pub const SAMPLE_RULES_TOML: &str =
    include_str!("../../../datasets/rules/maison-individuelle.toml");

/// Which kind of document a rule prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSource {
    Ifc,
    Dxf,
    /// Items read off PDF or picture plans: `class` matches the item kind (room_area,
    /// wall_length, door, window), `name` its description (the room name).
    Plan,
}

/// How a rule's matches are split into lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// One line per rule.
    #[default]
    None,
    /// One line per building storey (IFC) — how estimators split a DPGF by level.
    Storey,
    /// One line per element type name (IFC), or per block name (DXF).
    Type,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub item: String,
    pub source: RuleSource,
    pub class: Option<Pattern>,
    pub predefined_type: Option<Pattern>,
    pub type_name: Option<Pattern>,
    pub material: Option<Pattern>,
    pub storey: Option<Pattern>,
    pub name: Option<Pattern>,
    pub layer: Option<Pattern>,
    pub block: Option<Pattern>,
    pub condition: Option<Expr>,
    pub quantity: Expr,
    pub confidence: f64,
    pub waste: Option<Decimal>,
    pub group_by: GroupBy,
    pub variant: Option<String>,
    pub vat: Option<VatCategory>,
    /// Skip the rule when the documents include this kind: a drawing's wall layer is a
    /// fallback when no model gives the walls, never an addition to it.
    pub unless: Option<RuleSource>,
    /// 1-based line of the rule in its file, for messages.
    pub line: u64,
}

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub name: String,
    /// The file the rules came from, for error positions.
    pub file: String,
    pub description: String,
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    rules: Header,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    #[serde(default)]
    description: String,
    item: String,
    source: RuleSource,
    class: Option<OneOrMany>,
    predefined_type: Option<OneOrMany>,
    type_name: Option<OneOrMany>,
    material: Option<OneOrMany>,
    storey: Option<OneOrMany>,
    name: Option<OneOrMany>,
    layer: Option<OneOrMany>,
    block: Option<OneOrMany>,
    #[serde(rename = "where")]
    condition: Option<String>,
    quantity: String,
    #[serde(default = "one")]
    confidence: f64,
    waste: Option<Decimal>,
    #[serde(default)]
    group_by: GroupBy,
    variant: Option<String>,
    vat: Option<String>,
    unless: Option<RuleSource>,
}

fn one() -> f64 {
    1.0
}

impl RuleSet {
    pub fn sample() -> RuleSet {
        RuleSet::from_toml_str(SAMPLE_RULES_TOML, "maison-individuelle.toml")
            .expect("the bundled sample rules are valid (checked by tests)")
    }

    pub fn from_path(path: &std::path::Path) -> Result<RuleSet> {
        let text = std::fs::read_to_string(path).map_err(|source| EstimatorError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        RuleSet::from_toml_str(&text, &path.display().to_string())
    }

    pub fn from_toml_str(text: &str, file: &str) -> Result<RuleSet> {
        let raw: File =
            toml::from_str(text).map_err(|e| crate::library::toml_error(text, file, &e))?;
        let lines: Vec<u64> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("[[rule]]"))
            .map(|(i, _)| i as u64 + 1)
            .collect();
        let mut rules = Vec::with_capacity(raw.rule.len());
        for (n, r) in raw.rule.into_iter().enumerate() {
            let line = lines.get(n).copied().unwrap_or(0);
            let bad = |what: &str, reason: String| {
                EstimatorError::input(file, line, 0, format!("rule {}: {what}: {reason}", r.id))
            };
            let pat = |what: &str, p: Option<OneOrMany>| -> Result<Option<Pattern>> {
                p.map(|p| Pattern::new(&p.into_vec()).map_err(|e| bad(what, e)))
                    .transpose()
            };
            if rules.iter().any(|x: &Rule| x.id == r.id) {
                return Err(bad("id", "duplicate rule id".into()));
            }
            if !(0.0..=1.0).contains(&r.confidence) {
                return Err(bad(
                    "confidence",
                    format!("{} is not in [0, 1]", r.confidence),
                ));
            }
            if let Some(w) = r.waste
                && (w.is_sign_negative() || w >= Decimal::ONE)
            {
                return Err(bad("waste", format!("{w} is not in [0, 1)")));
            }
            let plan_only_ok = r.predefined_type.is_none()
                && r.type_name.is_none()
                && r.material.is_none()
                && r.storey.is_none()
                && r.layer.is_none()
                && r.block.is_none();
            let ifc_only = r.class.is_some()
                || r.predefined_type.is_some()
                || r.type_name.is_some()
                || r.material.is_some()
                || r.storey.is_some();
            let dxf_only = r.layer.is_some() || r.block.is_some();
            match r.source {
                RuleSource::Ifc if dxf_only => {
                    return Err(bad("match", "layer and block apply to dxf rules".into()));
                }
                RuleSource::Dxf if ifc_only => {
                    return Err(bad(
                        "match",
                        "class, predefined_type, type_name, material and storey apply to ifc rules"
                            .into(),
                    ));
                }
                RuleSource::Plan if !plan_only_ok || r.class.is_none() => {
                    return Err(bad(
                        "match",
                        "a plan rule matches an item kind with class (room_area, wall_length, door, window) and optionally its name".into(),
                    ));
                }
                RuleSource::Dxf if r.layer.is_none() && r.block.is_none() => {
                    return Err(bad(
                        "match",
                        "a dxf rule needs a layer or a block pattern".into(),
                    ));
                }
                _ => {}
            }
            let vat = r
                .vat
                .as_deref()
                .map(|v| {
                    VatCategory::parse(v)
                        .ok_or_else(|| bad("vat", format!("unknown category {v:?}")))
                })
                .transpose()?;
            rules.push(Rule {
                quantity: Expr::parse(&r.quantity).map_err(|e| bad("quantity", e.to_string()))?,
                condition: r
                    .condition
                    .as_deref()
                    .map(Expr::parse)
                    .transpose()
                    .map_err(|e| bad("where", e.to_string()))?,
                class: pat("class", r.class)?,
                predefined_type: pat("predefined_type", r.predefined_type)?,
                type_name: pat("type_name", r.type_name)?,
                material: pat("material", r.material)?,
                storey: pat("storey", r.storey)?,
                name: pat("name", r.name)?,
                layer: pat("layer", r.layer)?,
                block: pat("block", r.block)?,
                id: r.id,
                description: r.description,
                item: r.item,
                source: r.source,
                confidence: r.confidence,
                waste: r.waste,
                group_by: r.group_by,
                variant: r.variant,
                vat,
                unless: r.unless,
                line,
            });
        }
        Ok(RuleSet {
            file: file.to_string(),
            name: raw.rules.name,
            description: raw.rules.description,
            rules,
        })
    }

    /// Checks the rules against a library: every item exists.
    pub fn check(&self, library: &PriceLibrary) -> Result<()> {
        let file = &self.file;
        for r in &self.rules {
            if library.get(&r.item).is_none() {
                return Err(EstimatorError::input(
                    file,
                    r.line,
                    0,
                    format!(
                        "rule {}: item {} is not in the price library {}",
                        r.id, r.item, library.info.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rules_load_and_refer_to_the_sample_library() {
        let rules = RuleSet::sample();
        assert!(rules.rules.len() >= 15);
        rules.check(&PriceLibrary::sample()).unwrap();
    }

    #[test]
    fn bad_rules_are_located() {
        let head = "[rules]\nname = \"t\"\n\n";
        let e = RuleSet::from_toml_str(
            &format!("{head}[[rule]]\nid = \"a\"\nitem = \"X\"\nsource = \"ifc\"\nquantity = \"volume *\"\n"),
            "r.toml",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "r.toml:4: rule a: quantity: column 9: unexpected end of expression"
        );
        let e = RuleSet::from_toml_str(
            &format!("{head}[[rule]]\nid = \"a\"\nitem = \"X\"\nsource = \"dxf\"\nclass = \"IfcWall\"\nquantity = \"1\"\n"),
            "r.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("apply to ifc rules"), "{e}");
        let e = RuleSet::from_toml_str(&format!("{head}[[rule]]\nid = \"a\"\n"), "r.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r.toml:4:"), "{e}");
    }
}
