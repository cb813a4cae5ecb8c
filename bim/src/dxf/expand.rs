//! Block expansion: what model-space INSERTs add once their blocks (and the blocks nested
//! in them) are laid out.
//!
//! Lengths and areas do not move with translation or rotation, so of each INSERT's
//! transform translate(location)·rotate·scale·translate(−base) only the determinant of the
//! linear part matters: areas scale by |det|, lengths by √|det| (exact for uniform scales,
//! an approximation for non-uniform ones, which the takeoff warns about). Per-block totals
//! are memoised, so a block inserted a thousand times is measured once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

/// Deepest nesting followed; real drawings stay far below, cycles and bombs do not.
pub const MAX_DEPTH: usize = 32;

/// A nested INSERT inside a block definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub name: String,
    pub layer: String,
    /// Determinant of the insert's linear part (x scale · y scale, sign = mirroring).
    pub det: f64,
    /// Copies: rows × columns for MINSERT, 1 otherwise.
    pub count: u64,
}

/// The direct content of one block definition, in its own units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Local {
    /// Layer → (length, hatch area); layer "0" takes the layer of the INSERT.
    pub layers: HashMap<String, (f64, f64)>,
    pub inserts: Vec<Ref>,
}

/// A block fully expanded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub layers: HashMap<String, (f64, f64)>,
    /// Nested INSERT counts by block name (the block itself not included).
    pub counts: BTreeMap<String, u64>,
}

pub struct Expander<'a> {
    locals: &'a HashMap<String, Local>,
    memo: HashMap<String, Rc<Totals>>,
    pub warnings: BTreeSet<String>,
}

impl<'a> Expander<'a> {
    pub fn new(locals: &'a HashMap<String, Local>) -> Self {
        Self {
            locals,
            memo: HashMap::new(),
            warnings: BTreeSet::new(),
        }
    }

    /// Adds what one INSERT brings: its block's totals scaled, layer "0" mapped to `layer`.
    pub fn add_insert(&mut self, r: &Ref, into: &mut Totals) {
        let mut stack = Vec::new();
        self.add_ref(r, into, &mut stack);
    }

    fn add_ref(&mut self, r: &Ref, into: &mut Totals, stack: &mut Vec<String>) {
        let c = into.counts.entry(r.name.clone()).or_default();
        *c = c.saturating_add(r.count);
        let t = self.totals(&r.name, stack);
        let (lf, af) = (
            r.det.abs().sqrt() * r.count as f64,
            r.det.abs() * r.count as f64,
        );
        for (layer, (l, a)) in &t.layers {
            let key = if layer == "0" {
                r.layer.clone()
            } else {
                layer.clone()
            };
            let e = into.layers.entry(key).or_default();
            e.0 += l * lf;
            e.1 += a * af;
        }
        for (name, n) in &t.counts {
            let c = into.counts.entry(name.clone()).or_default();
            *c = c.saturating_add(n.saturating_mul(r.count));
        }
    }

    fn totals(&mut self, name: &str, stack: &mut Vec<String>) -> Rc<Totals> {
        if let Some(t) = self.memo.get(name) {
            return t.clone();
        }
        if stack.iter().any(|s| s == name) {
            self.warnings.insert(format!(
                "block {name:?} references itself; the recursion is not expanded"
            ));
            return Rc::default();
        }
        if stack.len() >= MAX_DEPTH {
            self.warnings.insert(format!(
                "blocks nested deeper than {MAX_DEPTH} levels are not expanded (at {name:?})"
            ));
            return Rc::default();
        }
        let Some(local) = self.locals.get(name) else {
            self.warnings
                .insert(format!("INSERT of undefined block {name:?}"));
            return Rc::default();
        };
        stack.push(name.to_string());
        let mut t = Totals {
            layers: local.layers.clone(),
            counts: BTreeMap::new(),
        };
        for r in &local.inserts {
            self.add_ref(r, &mut t, stack);
        }
        stack.pop();
        let t = Rc::new(t);
        self.memo.insert(name.to_string(), t.clone());
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, layer: &str, det: f64, count: u64) -> Ref {
        Ref {
            name: name.into(),
            layer: layer.into(),
            det,
            count,
        }
    }

    #[test]
    fn nested_blocks_scale_and_count() {
        let mut locals = HashMap::new();
        // B: 1 unit of line on layer 0, 2 units² of hatch on "H".
        locals.insert(
            "B".to_string(),
            Local {
                layers: HashMap::from([("0".into(), (1.0, 0.0)), ("H".into(), (0.0, 2.0))]),
                inserts: vec![],
            },
        );
        // A: two INSERTs of B at scale 2 on layer "W".
        locals.insert(
            "A".to_string(),
            Local {
                layers: HashMap::new(),
                inserts: vec![r("B", "W", 4.0, 1), r("B", "W", 4.0, 1)],
            },
        );
        let mut x = Expander::new(&locals);
        let mut t = Totals::default();
        x.add_insert(&r("A", "M", 1.0, 3), &mut t);
        assert_eq!(t.counts.get("A"), Some(&3));
        assert_eq!(t.counts.get("B"), Some(&6));
        assert!((t.layers["W"].0 - 12.0).abs() < 1e-12); // 6 copies × length 1 × scale 2
        assert!((t.layers["H"].1 - 48.0).abs() < 1e-12); // 6 copies × 2 × 4
        assert!(x.warnings.is_empty());
    }

    #[test]
    fn recursion_is_cut_with_a_warning() {
        let mut locals = HashMap::new();
        locals.insert(
            "A".to_string(),
            Local {
                layers: HashMap::new(),
                inserts: vec![r("B", "0", 1.0, 1)],
            },
        );
        locals.insert(
            "B".to_string(),
            Local {
                layers: HashMap::new(),
                inserts: vec![r("A", "0", 1.0, 1)],
            },
        );
        let mut x = Expander::new(&locals);
        let mut t = Totals::default();
        x.add_insert(&r("A", "0", 1.0, 1), &mut t);
        assert_eq!(x.warnings.len(), 1);
    }
}
