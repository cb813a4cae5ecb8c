//! Name matchers for rules: case-insensitive globs ("IfcWall*", "*béton*") or regexes
//! ("re:(?i)salle de bain|sdb").

use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;

#[derive(Debug, Clone)]
enum One {
    Glob(GlobMatcher),
    Regex(Regex),
}

/// Any of several patterns.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: Vec<String>,
    any: Vec<One>,
}

impl Pattern {
    pub fn new(sources: &[String]) -> Result<Pattern, String> {
        let mut any = Vec::with_capacity(sources.len());
        for s in sources {
            any.push(if let Some(re) = s.strip_prefix("re:") {
                One::Regex(Regex::new(re).map_err(|e| format!("bad regex {re:?}: {e}"))?)
            } else {
                One::Glob(
                    GlobBuilder::new(s)
                        .case_insensitive(true)
                        .literal_separator(false)
                        .build()
                        .map_err(|e| format!("bad glob {s:?}: {e}"))?
                        .compile_matcher(),
                )
            });
        }
        Ok(Pattern {
            source: sources.to_vec(),
            any,
        })
    }

    pub fn matches(&self, value: &str) -> bool {
        self.any.iter().any(|p| match p {
            One::Glob(g) => g.is_match(value),
            One::Regex(r) => r.is_match(value),
        })
    }

    /// True when some of several values (an element's materials) matches.
    pub fn matches_any<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> bool {
        values.into_iter().any(|v| self.matches(v))
    }

    pub fn sources(&self) -> &[String] {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_ignore_case_and_regexes_work() {
        let p = Pattern::new(&["IfcWall*".into(), "re:^IfcCurtain".into()]).unwrap();
        assert!(p.matches("IFCWALLSTANDARDCASE"));
        assert!(p.matches("IfcCurtainWall"));
        assert!(!p.matches("IfcSlab"));
        let m = Pattern::new(&["*béton*".into()]).unwrap();
        assert!(m.matches("Béton C25/30"));
        assert!(Pattern::new(&["re:(".into()]).is_err());
    }
}
