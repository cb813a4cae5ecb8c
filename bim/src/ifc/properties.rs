//! Quantity sets and materials of an element.

use crate::step::Value;
use std::collections::BTreeMap;

use crate::takeoff::{MaterialShare, PropertyValue};

use super::model::IfcModel;

/// One quantity read from an IfcElementQuantity, already in SI units.
#[derive(Debug, Clone, PartialEq)]
pub struct QtoValue {
    /// "SetName.QuantityName".
    pub key: String,
    pub value: f64,
    pub kind: QtoKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QtoKind {
    Length,
    Area,
    Volume,
    Count,
    Weight,
    Time,
}

impl QtoKind {
    pub fn unit(self) -> &'static str {
        match self {
            Self::Length => "m",
            Self::Area => "m2",
            Self::Volume => "m3",
            Self::Count => "u",
            Self::Weight => "kg",
            Self::Time => "s",
        }
    }
}

impl IfcModel {
    /// The quantity-set values attached to an element.
    pub fn quantities(&self, element: u32) -> Vec<QtoValue> {
        let mut out = Vec::new();
        for &def in self
            .rel
            .definitions
            .get(&element)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if self.step.type_of(def) != Some("IFCELEMENTQUANTITY") {
                continue;
            }
            let a = self.args(def);
            let set = a.get(2).and_then(Value::as_string).unwrap_or_default();
            for q in a.get(5).map(Value::refs).unwrap_or_default() {
                let kind = match self.step.type_of(q) {
                    Some("IFCQUANTITYLENGTH") => QtoKind::Length,
                    Some("IFCQUANTITYAREA") => QtoKind::Area,
                    Some("IFCQUANTITYVOLUME") => QtoKind::Volume,
                    Some("IFCQUANTITYCOUNT") => QtoKind::Count,
                    Some("IFCQUANTITYWEIGHT") => QtoKind::Weight,
                    Some("IFCQUANTITYTIME") => QtoKind::Time,
                    _ => continue,
                };
                let qa = self.args(q);
                let Some(raw) = qa.get(3).and_then(Value::as_f64) else {
                    continue;
                };
                let name = qa.first().and_then(Value::as_string).unwrap_or_default();
                let u = &self.units;
                let scale = match kind {
                    QtoKind::Length => u.length_to_m,
                    QtoKind::Area => u.area_to_m2,
                    QtoKind::Volume => u.volume_to_m3,
                    QtoKind::Weight => u.mass_to_kg,
                    QtoKind::Count | QtoKind::Time => 1.0,
                };
                out.push(QtoValue {
                    key: format!("{set}.{name}"),
                    value: raw * scale,
                    kind,
                });
            }
        }
        out
    }

    /// Single-value properties of the element's property sets, then of its type's.
    pub fn properties(&self, element: u32) -> BTreeMap<String, PropertyValue> {
        let mut out = BTreeMap::new();
        let own = self
            .rel
            .definitions
            .get(&element)
            .cloned()
            .unwrap_or_default();
        let from_type: Vec<u32> = self
            .rel
            .type_of
            .get(&element)
            .map(|t| self.args(*t).get(5).map(Value::refs).unwrap_or_default())
            .unwrap_or_default();
        for def in own.into_iter().chain(from_type) {
            if self.step.type_of(def) != Some("IFCPROPERTYSET") {
                continue;
            }
            let a = self.args(def);
            let set = a.get(2).and_then(Value::as_string).unwrap_or_default();
            for p in a.get(4).map(Value::refs).unwrap_or_default() {
                if self.step.type_of(p) != Some("IFCPROPERTYSINGLEVALUE") {
                    continue;
                }
                let pa = self.args(p);
                let name = pa.first().and_then(Value::as_string).unwrap_or_default();
                let value = match pa.get(2) {
                    Some(Value::Typed(_, inner)) => match inner.as_ref() {
                        Value::Enum(_) => inner.as_bool().map(PropertyValue::Bool),
                        Value::Str(_) => inner.as_string().map(PropertyValue::Text),
                        v => v.as_f64().map(PropertyValue::Number),
                    },
                    _ => None,
                };
                if let Some(v) = value {
                    out.entry(format!("{set}.{name}")).or_insert(v);
                }
            }
        }
        out
    }

    /// Materials with their share of the element; falls back on the element type's materials.
    pub fn materials(&self, element: u32) -> Vec<MaterialShare> {
        let assoc = self.rel.material.get(&element).or_else(|| {
            self.rel
                .type_of
                .get(&element)
                .and_then(|t| self.rel.material.get(t))
        });
        match assoc {
            Some(&m) => self.material_shares(m, 0),
            None => Vec::new(),
        }
    }

    fn material_shares(&self, id: u32, depth: usize) -> Vec<MaterialShare> {
        if depth > 8 {
            return Vec::new();
        }
        let a = self.args(id);
        let name_of = |m: Option<u32>| {
            m.and_then(|m| self.string_attr(m, 0))
                .unwrap_or_else(|| "(unnamed)".into())
        };
        let equal = |names: Vec<String>| -> Vec<MaterialShare> {
            let n = names.len().max(1) as f64;
            names
                .into_iter()
                .map(|name| MaterialShare {
                    name,
                    fraction: 1.0 / n,
                    thickness_m: None,
                })
                .collect()
        };
        match self.step.type_of(id).unwrap_or("") {
            "IFCMATERIAL" => vec![MaterialShare {
                name: name_of(Some(id)),
                fraction: 1.0,
                thickness_m: None,
            }],
            "IFCMATERIALLAYERSETUSAGE" | "IFCMATERIALPROFILESETUSAGE" => {
                match a.first().and_then(Value::as_ref_id) {
                    Some(set) => self.material_shares(set, depth + 1),
                    None => Vec::new(),
                }
            }
            "IFCMATERIALLAYERSET" => {
                let layers: Vec<(String, f64)> = a
                    .first()
                    .map(Value::refs)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| {
                        let la = self.args(l);
                        (
                            name_of(la.first().and_then(Value::as_ref_id)),
                            la.get(1).and_then(Value::as_f64).unwrap_or(0.0),
                        )
                    })
                    .collect();
                let total: f64 = layers.iter().map(|l| l.1.max(0.0)).sum();
                if total <= 0.0 {
                    return equal(layers.into_iter().map(|l| l.0).collect());
                }
                merge(layers.into_iter().map(|(name, t)| MaterialShare {
                    name,
                    fraction: t.max(0.0) / total,
                    thickness_m: Some(t * self.units.length_to_m),
                }))
            }
            "IFCMATERIALLIST" => merge(
                equal(
                    a.first()
                        .map(Value::refs)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|m| name_of(Some(m)))
                        .collect(),
                )
                .into_iter(),
            ),
            "IFCMATERIALCONSTITUENTSET" => {
                let parts: Vec<(String, Option<f64>)> = a
                    .get(2)
                    .map(Value::refs)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| {
                        let ca = self.args(c);
                        (
                            name_of(ca.get(2).and_then(Value::as_ref_id)),
                            ca.get(3).and_then(Value::as_f64),
                        )
                    })
                    .collect();
                let total: f64 = parts.iter().filter_map(|p| p.1).sum();
                if parts.iter().all(|p| p.1.is_some()) && total > 0.0 {
                    merge(parts.into_iter().map(|(name, f)| MaterialShare {
                        name,
                        fraction: f.unwrap_or(0.0) / total,
                        thickness_m: None,
                    }))
                } else {
                    merge(equal(parts.into_iter().map(|p| p.0).collect()).into_iter())
                }
            }
            "IFCMATERIALPROFILESET" => merge(
                equal(
                    a.get(2)
                        .map(Value::refs)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|p| name_of(self.args(p).get(2).and_then(Value::as_ref_id)))
                        .collect(),
                )
                .into_iter(),
            ),
            _ => Vec::new(),
        }
    }
}

/// Merges shares of the same material (a layer set may repeat one).
fn merge(shares: impl Iterator<Item = MaterialShare>) -> Vec<MaterialShare> {
    let mut out: Vec<MaterialShare> = Vec::new();
    for s in shares {
        match out.iter_mut().find(|o| o.name == s.name) {
            Some(o) => {
                o.fraction += s.fraction;
                o.thickness_m = match (o.thickness_m, s.thickness_m) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
            }
            None => out.push(s),
        }
    }
    out
}
