//! The structure of a tokenized file: header variables, model-space entities, blocks.
//!
//! Only positions and the few groups every entity shares (type, layer, handle, paper-space
//! flag) are read here; each consumer decodes the groups it needs from the pair range.

use super::tokens::{Pair, Tokens};

/// The header variables the takeoff needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeaderVars {
    pub acadver: String,
    pub insunits: Option<i64>,
    pub measurement: Option<i64>,
    pub codepage: String,
}

/// One top-level entity: its type as written (as ezdxf's dxftype() reports it) and the
/// index range of its pairs, `0/TYPE` included.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntity {
    pub kind: String,
    pub layer: String,
    pub handle: String,
    pub paper: bool,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawBlock {
    pub name: String,
    pub entities: Vec<RawEntity>,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub header: HeaderVars,
    /// Model-space entities of the ENTITIES section (paper space, VERTEX, ATTRIB and SEQEND
    /// excluded), in file order.
    pub entities: Vec<RawEntity>,
    pub blocks: Vec<RawBlock>,
    /// True when the file has an ENTITIES section (a file without one is not a drawing).
    pub has_entities_section: bool,
}

/// The name in group 2 of an entity's pairs (a BLOCK's or an INSERT's block name), with
/// `\U+XXXX` escapes decoded, as every consumer compares it.
pub fn group2_name(pairs: &[Pair<'_>]) -> Option<String> {
    pairs
        .iter()
        .find(|p| p.code == 2)
        .map(|p| super::annot::unescape_unicode(&p.text()))
}

/// Entities that belong to the previous POLYLINE or INSERT and are not counted alone.
fn is_sub_entity(kind: &str) -> bool {
    matches!(kind, "VERTEX" | "SEQEND" | "ATTRIB")
}

/// Splits `pairs[from..to]` at every code 0 into raw entities.
fn entities_in(pairs: &[Pair<'_>], from: usize, to: usize) -> Vec<RawEntity> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        let Some(p) = pairs.get(i) else { break };
        if p.code != 0 {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < to && pairs.get(end).is_some_and(|q| q.code != 0) {
            end += 1;
        }
        let kind = p.text().trim().to_string();
        // ezdxf reads R12's 3DLINE as LINE; count it the same way.
        let kind = if kind == "3DLINE" {
            "LINE".to_string()
        } else {
            kind
        };
        if !is_sub_entity(&kind) {
            out.push(raw_entity(pairs, kind, i, end));
        }
        i = end;
    }
    out
}

fn raw_entity(pairs: &[Pair<'_>], kind: String, start: usize, end: usize) -> RawEntity {
    let mut e = RawEntity {
        kind,
        layer: String::new(),
        handle: String::new(),
        paper: false,
        start,
        end,
    };
    let mut layer_seen = false;
    let mut seen_entity_marker = false;
    for p in pairs.get(start + 1..end).unwrap_or_default() {
        match p.code {
            // Common groups live in AcDbEntity; later subclasses reuse the codes.
            100 => {
                if seen_entity_marker {
                    break;
                }
                seen_entity_marker = p.text() == "AcDbEntity";
            }
            5 if e.handle.is_empty() => e.handle = p.text().into_owned(),
            8 if !layer_seen => {
                layer_seen = true;
                e.layer = super::annot::unescape_unicode(&p.text());
            }
            67 => e.paper = p.i64() == Some(1),
            1001 => break,
            _ => {}
        }
    }
    if !layer_seen {
        e.layer = "0".into();
    }
    e
}

/// Walks the sections.
pub fn scan(tokens: &Tokens<'_>) -> Scan {
    let pairs = &tokens.pairs;
    let mut s = Scan::default();
    let mut i = 0;
    while i < pairs.len() {
        let Some(p) = pairs.get(i) else { break };
        if !p.is(0, "SECTION") {
            i += 1;
            continue;
        }
        let name = pairs
            .get(i + 1)
            .filter(|q| q.code == 2)
            .map(|q| q.text().trim().to_string())
            .unwrap_or_default();
        let body = i + 2;
        let mut end = body;
        while end < pairs.len() && !pairs.get(end).is_some_and(|q| q.is(0, "ENDSEC")) {
            end += 1;
        }
        match name.as_str() {
            "HEADER" => s.header = header(pairs, body, end),
            "ENTITIES" => {
                s.has_entities_section = true;
                s.entities.extend(
                    entities_in(pairs, body, end)
                        .into_iter()
                        .filter(|e| !e.paper),
                );
            }
            "BLOCKS" => s.blocks = blocks(pairs, body, end),
            _ => {}
        }
        i = end + 1;
    }
    s
}

fn header(pairs: &[Pair<'_>], from: usize, to: usize) -> HeaderVars {
    let mut h = HeaderVars::default();
    let slice = pairs.get(from..to).unwrap_or_default();
    for (k, p) in slice.iter().enumerate() {
        if p.code != 9 {
            continue;
        }
        let Some(v) = slice.get(k + 1) else { break };
        match p.text().trim() {
            "$ACADVER" => h.acadver = v.text().trim().to_string(),
            "$INSUNITS" => h.insunits = v.i64(),
            "$MEASUREMENT" => h.measurement = v.i64(),
            "$DWGCODEPAGE" => h.codepage = v.text().trim().to_string(),
            _ => {}
        }
    }
    h
}

fn blocks(pairs: &[Pair<'_>], from: usize, to: usize) -> Vec<RawBlock> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if !pairs.get(i).is_some_and(|p| p.is(0, "BLOCK")) {
            i += 1;
            continue;
        }
        let mut head_end = i + 1;
        while head_end < to && pairs.get(head_end).is_some_and(|q| q.code != 0) {
            head_end += 1;
        }
        let name = group2_name(pairs.get(i + 1..head_end).unwrap_or_default()).unwrap_or_default();
        let mut end = head_end;
        while end < to && !pairs.get(end).is_some_and(|q| q.is(0, "ENDBLK")) {
            end += 1;
        }
        out.push(RawBlock {
            name,
            entities: entities_in(pairs, head_end, end),
        });
        i = end + 1;
    }
    out
}
