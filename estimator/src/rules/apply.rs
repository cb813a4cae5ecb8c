//! Runs a rule set over takeoffs: per rule, the quantities of the elements it matches, summed
//! into groups, with where each number came from.

use std::collections::{BTreeMap, BTreeSet};

use chantier_bim::takeoff::{DxfLayer, ElementQuantities, PropertyValue, Takeoff};
use serde::{Deserialize, Serialize};

use super::expr::{Value, Vars};
use super::{GroupBy, Rule, RuleSet, RuleSource};

/// Classes that are never priced by themselves: the holes and helpers of the model.
const NOT_PRICED: [&str; 5] = [
    "IfcOpeningElement",
    "IfcOpeningStandardCase",
    "IfcVoidingFeature",
    "IfcVirtualElement",
    "IfcAnnotation",
];

/// The documents a line's quantity was measured on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    pub file: String,
    /// IFC element ids (STEP instance numbers) in that file.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub element_ids: Vec<u32>,
    /// IFC GlobalIds of the same elements, for viewers and BCF.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub global_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub layers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub blocks: Vec<String>,
}

/// One rule's measured quantity for one group, before pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub rule: String,
    pub item: String,
    /// The rule's description, shown to the estimator beside the line.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub description: String,
    /// The rule's waste factor when it overrides the item's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waste: Option<rust_decimal::Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vat: Option<crate::library::VatCategory>,
    /// Option the line belongs to; base lines have none.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<String>,
    /// Storey or type name when the rule splits its lines, else empty.
    pub group: String,
    pub quantity: f64,
    pub element_count: u64,
    /// Rule confidence, lowered by the share of matched elements that could not be measured.
    pub confidence: f64,
    pub sources: Vec<SourceRef>,
}

/// Something in the documents no rule priced, or a match whose quantity could not be computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    pub file: String,
    /// "element", "layer" or "block".
    pub kind: String,
    /// IFC class, or the DXF layer/block name.
    pub class: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<u32>,
    /// Why it needs review: "no rule matched", or the rule and the quantity that failed.
    pub reason: String,
    /// The measures that could be priced by a new rule.
    pub quantities: BTreeMap<String, f64>,
}

/// The outcome of a rule set over documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Match {
    pub measured: Vec<Measured>,
    pub unmatched: Vec<Unmatched>,
    pub warnings: Vec<String>,
}

struct ElementVars<'a>(&'a ElementQuantities);

impl Vars for ElementVars<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        if name == "count" {
            return Some(Value::Num(1.0));
        }
        if let Some(q) = self.0.quantities.iter().find(|q| q.name == name) {
            return Some(Value::Num(q.value));
        }
        self.0.properties.get(name).map(|p| match p {
            PropertyValue::Bool(b) => Value::Num(f64::from(*b as u8)),
            PropertyValue::Number(n) => Value::Num(*n),
            PropertyValue::Text(t) => Value::Text(t.clone()),
        })
    }
}

struct LayerVars<'a>(&'a DxfLayer);

impl Vars for LayerVars<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        let l = self.0;
        let v = match name {
            "length" => l.length_m,
            "polyline_length" => l.polyline_length_m,
            "closed_area" => l.polyline_closed_area_m2,
            "closed_count" => l.polyline_closed_count as f64,
            "hatch_area" => l.hatch_area_m2,
            "expanded_length" => l.expanded_length_m,
            "expanded_hatch_area" => l.expanded_hatch_area_m2,
            "count" => l.entity_counts.values().sum::<u64>() as f64,
            _ => {
                let kind = name.strip_prefix("count.")?;
                l.entity_counts
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(kind))
                    .map_or(0, |(_, n)| *n) as f64
            }
        };
        Some(Value::Num(v))
    }
}

struct PlanItemVars<'a>(&'a chantier_bim::plan::PlanItem);

impl Vars for PlanItemVars<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        let i = self.0;
        let v = match name {
            "quantity" => i.quantity,
            "area" if i.unit == "m2" => i.quantity,
            "length" if i.unit == "m" => i.quantity,
            "count" if i.unit == "u" => i.quantity,
            "thickness" => i.thickness_m?,
            "confidence" => i.confidence as f64,
            "page" => i.page as f64,
            _ => return None,
        };
        Some(Value::Num(v))
    }
}

struct BlockVars(u64);

impl Vars for BlockVars {
    fn get(&self, name: &str) -> Option<Value> {
        (name == "count").then_some(Value::Num(self.0 as f64))
    }
}

fn ifc_matches(rule: &Rule, e: &ElementQuantities) -> bool {
    let opt = |p: &Option<super::Pattern>, v: Option<&str>| match p {
        None => true,
        Some(p) => v.is_some_and(|v| p.matches(v)),
    };
    opt(&rule.class, Some(&e.class))
        && opt(&rule.predefined_type, e.predefined_type.as_deref())
        && opt(&rule.type_name, e.type_name.as_deref())
        && opt(&rule.storey, e.storey.as_deref())
        && opt(&rule.name, Some(&e.name))
        && rule
            .material
            .as_ref()
            .is_none_or(|p| p.matches_any(e.materials.iter().map(|m| m.name.as_str())))
        && rule
            .condition
            .as_ref()
            .is_none_or(|c| c.eval(&ElementVars(e)) == Value::Num(1.0))
}

/// Accumulates one group of one rule.
#[derive(Default)]
struct Acc {
    quantity: f64,
    count: u64,
    failed: u64,
    sources: BTreeMap<String, SourceRef>,
}

impl Acc {
    fn source(&mut self, file: &str) -> &mut SourceRef {
        self.sources
            .entry(file.to_string())
            .or_insert_with(|| SourceRef {
                file: file.to_string(),
                ..SourceRef::default()
            })
    }
}

/// Checks an evaluated quantity: a line is never priced on NaN, infinity or a negative value.
fn quantity_of(v: Value) -> Result<f64, String> {
    match v {
        // Above a billion units a quantity is a unit or model error, and it would overflow
        // the decimal arithmetic of prices.
        Value::Num(x) if x.is_finite() && (0.0..=1e9).contains(&x) => Ok(x),
        Value::Num(x) => Err(format!("the quantity is {x}, not a measure")),
        Value::Text(t) => Err(format!("the quantity is the text {t:?}")),
        Value::Missing(m) => Err(format!("missing {m}")),
    }
}

/// Something in the documents rules may price: an IFC element, a DXF layer or a block.
struct Subject<'a> {
    file: &'a str,
    kind: &'static str,
    class: &'a str,
    name: &'a str,
    id: Option<u32>,
    vars: &'a dyn Vars,
    /// Units it adds to a line's count (1 per element or layer, the inserts of a block).
    units: u64,
    /// The measures shown for review, so a new rule can be written from them.
    measures: &'a dyn Fn() -> BTreeMap<String, f64>,
}

impl Subject<'_> {
    fn review(&self, reason: String) -> Unmatched {
        Unmatched {
            file: self.file.to_string(),
            kind: self.kind.into(),
            class: self.class.to_string(),
            name: self.name.to_string(),
            id: self.id,
            reason,
            quantities: (self.measures)(),
        }
    }
}

/// The running state of a rule set over documents.
struct Pricing<'r> {
    rules: &'r RuleSet,
    /// Rules that step aside because the documents hold a better source.
    skipped: Vec<bool>,
    /// (rule index, group) -> accumulator; BTreeMap keeps lines in rule order.
    acc: BTreeMap<(usize, String), Acc>,
    hits: Vec<u64>,
    out: Match,
}

impl Pricing<'_> {
    /// Offers a subject to every rule `applies` accepts, measuring it into the rule's group.
    /// Returns whether some rule took it, or stepped aside for a better source (then the
    /// model measures it, and it is not left for review either).
    fn offer(
        &mut self,
        s: &Subject<'_>,
        applies: impl Fn(&Rule) -> bool,
        group: impl Fn(&Rule) -> String,
        record: impl Fn(&mut SourceRef),
    ) -> bool {
        let mut matched = false;
        for (ri, rule) in self.rules.rules.iter().enumerate() {
            if !applies(rule) {
                continue;
            }
            matched = true;
            if self.skipped[ri] {
                continue;
            }
            self.hits[ri] += 1;
            let a = self.acc.entry((ri, group(rule))).or_default();
            match quantity_of(rule.quantity.eval(s.vars)) {
                Ok(q) => {
                    a.quantity += q;
                    a.count += s.units;
                    record(a.source(s.file));
                }
                Err(reason) => {
                    a.failed += 1;
                    self.out
                        .unmatched
                        .push(s.review(format!("rule {}: {}: {reason}", rule.id, rule.quantity)));
                }
            }
        }
        matched
    }
}

/// Applies `rules` to takeoffs in order.
pub fn apply(rules: &RuleSet, takeoffs: &[Takeoff]) -> Match {
    let has = |s: RuleSource| {
        takeoffs.iter().any(|t| match s {
            RuleSource::Ifc => t.ifc.is_some(),
            RuleSource::Dxf => t.dxf.is_some(),
            RuleSource::Plan => t.plan.is_some(),
        })
    };
    let mut p = Pricing {
        rules,
        skipped: rules
            .rules
            .iter()
            .map(|r| r.unless.is_some_and(has))
            .collect(),
        acc: BTreeMap::new(),
        hits: vec![0; rules.rules.len()],
        out: Match::default(),
    };
    for t in takeoffs {
        if let Some(ifc) = &t.ifc {
            for e in &ifc.elements {
                if NOT_PRICED.contains(&e.class.as_str()) {
                    continue;
                }
                let measures = || element_measures(e);
                let s = Subject {
                    file: &t.file,
                    kind: "element",
                    class: &e.class,
                    name: &e.name,
                    id: Some(e.id),
                    vars: &ElementVars(e),
                    units: 1,
                    measures: &measures,
                };
                let matched = p.offer(
                    &s,
                    |r| r.source == RuleSource::Ifc && ifc_matches(r, e),
                    |r| match r.group_by {
                        GroupBy::None => String::new(),
                        GroupBy::Storey => e.storey.clone().unwrap_or_else(|| "(none)".into()),
                        GroupBy::Type => e.type_name.clone().unwrap_or_else(|| "(none)".into()),
                    },
                    |src| {
                        src.element_ids.push(e.id);
                        if !e.global_id.is_empty() {
                            src.global_ids.push(e.global_id.clone());
                        }
                    },
                );
                if !matched {
                    p.out.unmatched.push(s.review("no rule matched".into()));
                }
            }
        }
        if let Some(plan) = &t.plan {
            for item in plan.pages.iter().flat_map(|p| &p.items) {
                let measures = || BTreeMap::from([(item.unit.clone(), item.quantity)]);
                let s = Subject {
                    file: &t.file,
                    kind: "plan_item",
                    class: &item.kind,
                    name: &item.description,
                    id: None,
                    vars: &PlanItemVars(item),
                    units: 1,
                    measures: &measures,
                };
                let matched = p.offer(
                    &s,
                    |r| {
                        r.source == RuleSource::Plan
                            && r.class.as_ref().is_some_and(|pat| pat.matches(&item.kind))
                            && r.name
                                .as_ref()
                                .is_none_or(|pat| pat.matches(&item.description))
                            && r.condition
                                .as_ref()
                                .is_none_or(|c| c.eval(&PlanItemVars(item)) == Value::Num(1.0))
                    },
                    |_| String::new(),
                    |_| {},
                );
                if !matched {
                    p.out.unmatched.push(s.review("no rule matched".into()));
                }
            }
        }
        if let Some(dxf) = &t.dxf {
            for (layer_name, layer) in &dxf.layers {
                let measures = || {
                    BTreeMap::from([
                        ("length".into(), layer.length_m),
                        ("closed_area".into(), layer.polyline_closed_area_m2),
                        ("hatch_area".into(), layer.hatch_area_m2),
                    ])
                };
                let s = Subject {
                    file: &t.file,
                    kind: "layer",
                    class: layer_name,
                    name: layer_name,
                    id: None,
                    vars: &LayerVars(layer),
                    units: 1,
                    measures: &measures,
                };
                let matched = p.offer(
                    &s,
                    |r| {
                        r.source == RuleSource::Dxf
                            && r.block.is_none()
                            && r.layer.as_ref().is_some_and(|pat| pat.matches(layer_name))
                            && r.condition
                                .as_ref()
                                .is_none_or(|c| c.eval(&LayerVars(layer)) == Value::Num(1.0))
                    },
                    |_| String::new(),
                    |src| src.layers.push(layer_name.clone()),
                );
                // Layers holding only annotations or block references have nothing to price
                // by themselves: their blocks are priced by block rules.
                let drawn = layer.length_m > 0.0
                    || layer.hatch_area_m2 > 0.0
                    || layer.polyline_closed_area_m2 > 0.0;
                if drawn && !matched {
                    p.out.unmatched.push(s.review("no rule matched".into()));
                }
            }
            for (block, &count) in &dxf.blocks_expanded {
                if block.starts_with('*') || count == 0 {
                    continue;
                }
                let measures = || BTreeMap::from([("count".into(), count as f64)]);
                let s = Subject {
                    file: &t.file,
                    kind: "block",
                    class: block,
                    name: block,
                    id: None,
                    vars: &BlockVars(count),
                    units: count,
                    measures: &measures,
                };
                let matched = p.offer(
                    &s,
                    |r| {
                        r.source == RuleSource::Dxf
                            && r.block.as_ref().is_some_and(|pat| pat.matches(block))
                    },
                    |r| match r.group_by {
                        GroupBy::Type => block.clone(),
                        _ => String::new(),
                    },
                    |src| src.blocks.push(block.clone()),
                );
                if !matched {
                    p.out.unmatched.push(s.review("no rule matched".into()));
                }
            }
        }
    }

    let Pricing {
        skipped,
        acc,
        hits,
        mut out,
        ..
    } = p;
    for ((ri, group), a) in acc {
        let rule = &rules.rules[ri];
        if a.count == 0 {
            continue;
        }
        let measured_share = a.count as f64 / (a.count + a.failed) as f64;
        out.measured.push(Measured {
            rule: rule.id.clone(),
            item: rule.item.clone(),
            description: rule.description.clone(),
            waste: rule.waste,
            vat: rule.vat,
            variant: rule.variant.clone(),
            group,
            quantity: a.quantity,
            element_count: a.count,
            confidence: rule.confidence * measured_share,
            sources: a.sources.into_values().collect(),
        });
    }
    let mut silent: BTreeSet<&str> = BTreeSet::new();
    for (ri, rule) in rules.rules.iter().enumerate() {
        if hits[ri] == 0 && has(rule.source) && !skipped[ri] {
            silent.insert(&rule.id);
        }
    }
    if !silent.is_empty() {
        out.warnings.push(format!(
            "{} rule(s) matched nothing in these documents: {}",
            silent.len(),
            silent.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

fn element_measures(e: &ElementQuantities) -> BTreeMap<String, f64> {
    e.quantities
        .iter()
        .map(|q| (q.name.clone(), q.value))
        .collect()
}
