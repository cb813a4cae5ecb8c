//! The clause library: legal mentions the devis must carry and conditions the estimator picks
//! per estimate, in French and English, with `{placeholders}` filled from the estimate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EstimatorError, Result};

pub const SAMPLE_CLAUSES_TOML: &str = include_str!("../../datasets/clauses/clauses.toml");

/// Legal mentions the estimate code prints by id; a clause library must define them all.
pub const LEGAL_IDS: [&str; 13] = [
    "acompte",
    "gestion_dechets",
    "validite",
    "devis_gratuit",
    "devis_payant",
    "tva_attestation_2025",
    "autoliquidation",
    "assurance_decennale",
    "retenue_garantie",
    "penalites_retard",
    "mediateur",
    "retractation",
    "bon_pour_accord",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClauseKind {
    Legal,
    Condition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clause {
    pub id: String,
    pub kind: ClauseKind,
    #[serde(default)]
    pub default: bool,
    pub title_fr: String,
    pub title_en: String,
    pub text_fr: String,
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseLibrary {
    #[serde(rename = "clause")]
    pub clauses: Vec<Clause>,
}

/// A clause with its placeholders filled, in the estimate's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderedClause {
    pub id: String,
    pub title: String,
    pub text: String,
}

impl ClauseLibrary {
    pub fn sample() -> ClauseLibrary {
        ClauseLibrary::from_toml_str(SAMPLE_CLAUSES_TOML, "clauses.toml")
            .expect("the bundled clause library is valid (checked by tests)")
    }

    pub fn from_toml_str(text: &str, file: &str) -> Result<ClauseLibrary> {
        let lib: ClauseLibrary =
            toml::from_str(text).map_err(|e| crate::library::toml_error(text, file, &e))?;
        for id in LEGAL_IDS {
            if !lib.clauses.iter().any(|c| c.id == id) {
                return Err(EstimatorError::input(
                    file,
                    0,
                    0,
                    format!("the legal clause {id:?} is missing"),
                ));
            }
        }
        Ok(lib)
    }

    pub fn from_path(path: &std::path::Path) -> Result<ClauseLibrary> {
        let text = std::fs::read_to_string(path).map_err(|source| EstimatorError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        ClauseLibrary::from_toml_str(&text, &path.display().to_string())
    }

    pub fn get(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// Ids of the conditions selected when an estimate names none.
    pub fn default_conditions(&self) -> Vec<String> {
        self.clauses
            .iter()
            .filter(|c| c.kind == ClauseKind::Condition && c.default)
            .map(|c| c.id.clone())
            .collect()
    }

    pub fn render(
        &self,
        id: &str,
        english: bool,
        values: &BTreeMap<&str, String>,
    ) -> Result<RenderedClause> {
        let c = self
            .get(id)
            .ok_or_else(|| EstimatorError::Invalid(format!("unknown clause {id:?}")))?;
        let (title, text) = if english {
            (&c.title_en, &c.text_en)
        } else {
            (&c.title_fr, &c.text_fr)
        };
        Ok(RenderedClause {
            id: c.id.clone(),
            title: title.clone(),
            text: fill(text, values),
        })
    }
}

/// Replaces `{name}` by its value; unknown names stay visible rather than vanish.
pub fn fill(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if values.contains_key(&after[..close]) => {
                out.push_str(&values[&after[..close]]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let v = BTreeMap::from([("validity_days", "90".to_string())]);
        assert_eq!(
            fill("valable {validity_days} jours {x}", &v),
            "valable 90 jours {x}"
        );
    }

    #[test]
    fn sample_clauses_have_every_legal_mention_in_both_languages() {
        let lib = ClauseLibrary::sample();
        for c in &lib.clauses {
            assert!(!c.text_fr.is_empty() && !c.text_en.is_empty(), "{}", c.id);
        }
        assert!(lib.default_conditions().len() >= 3);
        let a = lib.get("autoliquidation").unwrap();
        assert!(a.text_fr.contains("283"), "{}", a.text_fr);
    }
}
