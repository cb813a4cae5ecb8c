//! FIEBDC-3 (.bc3) import, the exchange format of construction price databases. Units of work
//! (concepts that are neither chapters nor basic resources) become price items; their
//! decompositions give the labour/material split; the chapter holding an item becomes its lot.
//! See datasets/prices/FIEBDC3.md for the record layouts.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::{
    LibraryInfo, Lot, PriceItem, PriceLibrary, Unit, VatCategory, check_item, standard_lots,
};
use crate::error::{EstimatorError, Result};

/// Code page 850 (MS-DOS Latin-1), bytes 0x80..=0xFF: the default charset of old files.
const CP850: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}";
/// Windows-1252 bytes 0x80..=0x9F (the rest is Latin-1).
const CP1252_80: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";

fn decode(bytes: &[u8], charset: &str) -> String {
    match charset.trim().to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => String::from_utf8_lossy(bytes).into_owned(),
        "ANSI" | "1252" => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_80.chars().nth(usize::from(b - 0x80)).unwrap_or('?'),
                _ => char::from(b),
            })
            .collect(),
        _ => bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    char::from(b)
                } else {
                    CP850.chars().nth(usize::from(b - 0x80)).unwrap_or('?')
                }
            })
            .collect(),
    }
}

struct Record<'a> {
    line: u64,
    kind: u8,
    fields: Vec<&'a [u8]>,
}

fn records(bytes: &[u8]) -> Vec<Record<'_>> {
    let mut out = Vec::new();
    let mut line = 1u64;
    let mut start = None;
    let mut start_line = 1;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'~' {
            if let Some(s) = start {
                out.push((s, i, start_line));
            }
            start = Some(i + 1);
            start_line = line;
        } else if b == b'\n' {
            line += 1;
        }
    }
    if let Some(s) = start {
        out.push((s, bytes.len(), start_line));
    }
    out.into_iter()
        .filter_map(|(s, e, line)| {
            let body = &bytes[s..e];
            let (&kind, rest) = body.split_first()?;
            let rest = rest.strip_prefix(b"|").unwrap_or(rest);
            let fields = rest.split(|&c| c == b'|').map(trim).collect();
            Some(Record {
                line,
                kind: kind.to_ascii_uppercase(),
                fields,
            })
        })
        .collect()
}

fn trim(f: &[u8]) -> &[u8] {
    let keep = |c: &u8| !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x1a | 0);
    let s = f.iter().position(keep).unwrap_or(f.len());
    let e = f.iter().rposition(keep).map_or(s, |p| p + 1);
    &f[s..e.max(s)]
}

fn subfields(f: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = f.split(|&c| c == b'\\').map(trim).collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

fn bare(code: &str) -> &str {
    code.trim_end_matches('#')
}

struct Concept {
    line: u64,
    code: String,
    unit: String,
    summary: String,
    price: Decimal,
    kind: u8,
    chapter: bool,
}

fn bc3_unit(s: &str) -> Option<Unit> {
    let t = s.trim().trim_end_matches('.').to_lowercase();
    match t.as_str() {
        "m" => Some(Unit::Ml),
        "ud" | "u" | "un" => Some(Unit::U),
        "pa" | "%" => Some(Unit::Ens),
        "t" => None,
        _ => Unit::parse(&t),
    }
}

impl PriceLibrary {
    pub fn from_bc3(bytes: &[u8], name: &str) -> Result<Self> {
        let err = |line: u64, r: String| EstimatorError::input(name, line, 0, r);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let recs = records(bytes);
        if recs.is_empty() {
            return Err(err(1, "not a FIEBDC-3 file: no ~ record".into()));
        }
        let mut charset = "850".to_string();
        let mut info = LibraryInfo {
            name: name.rsplit('/').next().unwrap_or(name).to_string(),
            note: "Imported from FIEBDC-3".into(),
            ..LibraryInfo::default()
        };
        if let Some(v) = recs.iter().find(|r| r.kind == b'V') {
            let f = |i: usize| {
                v.fields
                    .get(i)
                    .map(|x| String::from_utf8_lossy(x).into_owned())
            };
            if let Some(cs) = f(4).filter(|c| !c.is_empty()) {
                charset = cs;
            }
            if let Some(owner) = f(0).filter(|o| !o.is_empty()) {
                info.name = decode(v.fields[0], &charset);
                let _ = owner;
            }
            if let Some(version) = f(1) {
                info.date = version.split('\\').nth(1).unwrap_or_default().to_string();
            }
        }
        let text = |b: &[u8]| decode(b, &charset);
        let mut concepts: BTreeMap<String, Concept> = BTreeMap::new();
        let mut children: HashMap<String, Vec<(String, Decimal, Decimal)>> = HashMap::new();
        for r in &recs {
            match r.kind {
                b'C' => {
                    let code_field = r.fields.first().copied().unwrap_or_default();
                    let code = text(subfields(code_field).first().copied().unwrap_or_default());
                    if code.is_empty() {
                        return Err(err(r.line, "~C record without a code".into()));
                    }
                    let price_field = r.fields.get(3).copied().unwrap_or_default();
                    let first_price = subfields(price_field)
                        .first()
                        .map(|p| text(p))
                        .unwrap_or_default();
                    let price = if first_price.is_empty() {
                        Decimal::ZERO
                    } else {
                        super::parse_decimal(&first_price).ok_or_else(|| {
                            err(r.line, format!("concept {code}: bad price {first_price:?}"))
                        })?
                    };
                    let kind = r
                        .fields
                        .get(5)
                        .and_then(|k| text(k).trim().parse::<u8>().ok())
                        .unwrap_or(0);
                    concepts.insert(
                        bare(&code).to_string(),
                        Concept {
                            line: r.line,
                            chapter: code.ends_with('#'),
                            code: bare(&code).to_string(),
                            unit: text(r.fields.get(1).copied().unwrap_or_default()),
                            summary: text(r.fields.get(2).copied().unwrap_or_default()),
                            price,
                            kind,
                        },
                    );
                }
                b'D' => {
                    let parent =
                        bare(&text(r.fields.first().copied().unwrap_or_default())).to_string();
                    let subs = subfields(r.fields.get(1).copied().unwrap_or_default());
                    if !subs.len().is_multiple_of(3) {
                        return Err(err(
                            r.line,
                            format!(
                                "decomposition of {parent}: {} subfields, expected triples child\\factor\\yield",
                                subs.len()
                            ),
                        ));
                    }
                    let mut list = Vec::new();
                    for t in subs.chunks(3) {
                        let num = |b: &[u8]| -> Result<Decimal> {
                            let s = text(b);
                            if s.is_empty() {
                                return Ok(Decimal::ONE);
                            }
                            super::parse_decimal(&s).ok_or_else(|| {
                                err(
                                    r.line,
                                    format!("decomposition of {parent}: bad number {s:?}"),
                                )
                            })
                        };
                        list.push((bare(&text(t[0])).to_string(), num(t[1])?, num(t[2])?));
                    }
                    children.insert(parent, list);
                }
                b'V' | b'K' | b'T' | b'M' | b'L' | b'Q' | b'J' | b'W' | b'G' | b'E' | b'O'
                | b'X' | b'N' | b'B' | b'F' | b'A' | b'R' | b'P' | b'Y' | b'Z' => {}
                other => {
                    return Err(err(
                        r.line,
                        format!("unknown record type ~{}", char::from(other)),
                    ));
                }
            }
        }
        if concepts.is_empty() {
            return Err(err(1, "no ~C concept in the file".into()));
        }
        // The chapter holding each unit of work.
        let mut lot_of: HashMap<&str, &str> = HashMap::new();
        for (parent, list) in &children {
            if concepts.get(parent).is_some_and(|c| c.chapter) {
                for (child, _, _) in list {
                    lot_of.insert(child.as_str(), parent.as_str());
                }
            }
        }
        let known = standard_lots();
        let mut lots: Vec<Lot> = Vec::new();
        let mut items = Vec::new();
        for c in concepts.values() {
            // Basic resources (labour 1, machinery 2, materials 3) are parts, not items.
            if c.chapter || matches!(c.kind, 1..=3) {
                continue;
            }
            let Some(unit) = bc3_unit(&c.unit) else {
                return Err(err(
                    c.line,
                    format!(
                        "concept {}: unit {:?} has no devis equivalent",
                        c.code, c.unit
                    ),
                ));
            };
            let chapter = lot_of.get(c.code.as_str()).copied().unwrap_or("DIV");
            let lot_code = known
                .iter()
                .find(|l| l.code.eq_ignore_ascii_case(chapter))
                .map(|l| l.code.clone())
                .unwrap_or_else(|| chapter.to_string());
            if !known.iter().any(|l| l.code == lot_code) && !lots.iter().any(|l| l.code == lot_code)
            {
                lots.push(Lot {
                    name_fr: concepts
                        .get(chapter)
                        .map_or_else(|| chapter.to_string(), |ch| ch.summary.clone()),
                    name_en: concepts
                        .get(chapter)
                        .map_or_else(|| chapter.to_string(), |ch| ch.summary.clone()),
                    order: 1000 + lots.len() as u32,
                    code: lot_code.clone(),
                });
            }
            let (mut material, mut hours, mut labour) =
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            let mut decomposed = Decimal::ZERO;
            for (child, factor, yield_) in children.get(&c.code).into_iter().flatten() {
                let Some(ch) = concepts.get(child) else {
                    return Err(err(
                        c.line,
                        format!(
                            "concept {}: its decomposition names unknown {child}",
                            c.code
                        ),
                    ));
                };
                let amount = factor * yield_ * ch.price;
                decomposed += amount;
                if ch.kind == 1 {
                    labour += amount;
                    if bc3_unit(&ch.unit) == Some(Unit::H) {
                        hours += factor * yield_;
                    }
                } else {
                    material += amount;
                }
            }
            // FIEBDC-3: when the stated price and the decomposition disagree, the
            // decomposition wins.
            let price = if decomposed.is_zero() {
                c.price
            } else {
                decomposed.round_dp(2)
            };
            let hourly_rate = if hours.is_zero() {
                info.hourly_rate
            } else {
                (labour / hours).round_dp(2)
            };
            let item = PriceItem {
                code: c.code.clone(),
                lot: lot_code,
                designation_fr: c.summary.clone(),
                designation_en: c.summary.clone(),
                unit,
                material_cost: material.round_dp(2),
                labour_hours: hours,
                hourly_rate,
                waste: Decimal::ZERO,
                vat: VatCategory::Standard,
                unit_price: price,
            };
            check_item(&item).map_err(|r| err(c.line, format!("concept {}: {r}", c.code)))?;
            items.push(item);
        }
        if items.is_empty() {
            return Err(err(
                1,
                "the file has no unit of work to price (only chapters and resources)".into(),
            ));
        }
        PriceLibrary::new(info, lots, items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sample_with_its_decompositions() {
        let bytes = include_bytes!("../../../datasets/prices/exemple-fiebdc3.bc3");
        let lib = PriceLibrary::from_bc3(bytes, "exemple.bc3").unwrap();
        let go = lib.get("GO_030").unwrap();
        assert_eq!(go.lot, "GO");
        assert_eq!(go.unit, Unit::M3);
        assert!(go.designation_fr.contains("béton"), "{}", go.designation_fr);
        assert!(go.labour_hours > Decimal::ZERO && go.material_cost > Decimal::ZERO);
        // The sample's prices equal its decompositions.
        assert_eq!(go.unit_price, Decimal::new(36225, 2));
        assert!(lib.get("MO_COMP").is_none(), "resources are not items");
    }

    #[test]
    fn malformed_files_are_located() {
        let e = PriceLibrary::from_bc3(b"hello", "x.bc3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a FIEBDC-3 file"), "{e}");
        let bad = b"~V||FIEBDC-3/2016|x||ANSI|\r\n~C|A|m2|Mur|douze|\r\n";
        let e = PriceLibrary::from_bc3(bad, "x.bc3")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "x.bc3:2: concept A: bad price \"douze\"");
        let bad = b"~V||FIEBDC-3/2016|x||ANSI|\r\n~C|A|m2|Mur|12|\r\n~D|A|B\\1\\\r\n";
        let e = PriceLibrary::from_bc3(bad, "x.bc3")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.bc3:3:") && e.contains("triples"), "{e}");
    }
}
