//! Loading with the `dxf` crate, and repairing the stream when the crate refuses it.
//!
//! Known refusals on real files: an R12 DIMSTYLE entry whose group 5 is the DIMBLK name
//! (e.g. `BOXBLANK`; the crate reads 5 as a handle), and XDATA points whose 1021/1031
//! groups repeat (the crate expects x, y, z once). The repaired stream keeps the original
//! bytes of every other pair, so nothing is re-encoded.

use std::fmt::Write as _;

use std::collections::HashSet;

use super::scan::{Scan, group2_name};
use super::tokens::{Pair, Tokens, dxf_error};
use crate::BimError;

/// The loaded drawing and, when a repair was needed, the warning that says what was done.
pub fn load(
    bytes: &[u8],
    tokens: &Tokens<'_>,
    scan: &Scan,
) -> Result<(Vec<dxf::Drawing>, Option<String>), BimError> {
    let acadver = scan.header.acadver.as_str();
    let keep = kept_ranges(tokens, &used_blocks(tokens, scan));
    let load_ranges = |r: &[(usize, usize)]| dxf::Drawing::load(&mut &view(bytes, tokens, r)[..]);
    // Groups the crate is known to refuse are dropped up front, so it reads the file once.
    let (_, to_drop) = sanitize(bytes, tokens, acadver, Some(&keep), false);
    if to_drop == 0 {
        // The crate reads byte by byte; a long entity list is read as two halves at once.
        let loaded = match split_entities(&keep, tokens, scan) {
            Some((first, second)) => {
                let (a, b) = rayon::join(|| load_ranges(&first), || load_ranges(&second));
                a.and_then(|a| b.map(|b| vec![a, b]))
            }
            None => load_ranges(&keep).map(|d| vec![d]),
        };
        return loaded
            .map(|d| (d, None))
            .map_err(|e| crate_error(&e, tokens.binary));
    }
    let (cleaned, dropped) = sanitize(bytes, tokens, acadver, Some(&keep), true);
    match dxf::Drawing::load(&mut &cleaned[..]) {
        Ok(d) => Ok((
            vec![d],
            Some(format!(
                "{dropped} malformed group(s) the dxf crate cannot read were dropped (R12 DIMSTYLE group 5, repeated XDATA coordinates) before reading the drawing"
            )),
        )),
        // The repaired stream has fewer lines: report the error as found in the user's file.
        Err(e) => Err(crate_error(
            &load_ranges(&keep).err().unwrap_or(e),
            tokens.binary,
        )),
    }
}

/// Entity sections shorter than this many pairs are read in one piece.
const SPLIT_ENTITIES_PAIRS: usize = 10_000;

/// Two views of the kept pairs that together hold every entity once: the first with the
/// block definitions and the first half of the entities, the second with the header and the
/// other half (cut at a top-level entity, so a POLYLINE keeps its vertices).
type Ranges = Vec<(usize, usize)>;
fn split_entities(
    keep: &[(usize, usize)],
    tokens: &Tokens<'_>,
    scan: &Scan,
) -> Option<(Ranges, Ranges)> {
    let pairs = &tokens.pairs;
    let is_section = |i: usize, name: &str| {
        pairs.get(i).is_some_and(|p| p.is(0, "SECTION"))
            && pairs
                .get(i + 1)
                .is_some_and(|p| p.code == 2 && p.text().trim().eq_ignore_ascii_case(name))
    };
    let &(start, end) = keep.iter().find(|r| is_section(r.0, "ENTITIES"))?;
    if end - start < SPLIT_ENTITIES_PAIRS {
        return None;
    }
    let cut = scan.entities.get(scan.entities.len() / 2)?.start;
    if cut <= start + 2 || cut >= end {
        return None;
    }
    let mut first = Vec::new();
    let mut second = Vec::new();
    for &r in keep {
        if r.0 == start {
            first.push((start, cut - 1));
            first.push((end, end));
            second.push((start, start + 1));
            second.push((cut, end));
        } else if is_section(r.0, "HEADER") || pairs.get(r.0).is_some_and(|p| p.is(0, "EOF")) {
            first.push(r);
            second.push(r);
        } else {
            first.push(r);
        }
    }
    Some((first, second))
}

/// The pairs the crate is asked to read, as inclusive index ranges, or `None` for all.
/// CLASSES, TABLES, OBJECTS and thumbnails hold nothing takeoff uses but are often most of
/// the file (dictionaries, layouts, visual styles), and so are unused block definitions:
/// parsing them would double the time of a whole takeoff.
fn kept_ranges(tokens: &Tokens<'_>, used: &HashSet<String>) -> Vec<(usize, usize)> {
    let pairs = &tokens.pairs;
    let mut keep: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < pairs.len() {
        if pairs[i].is(0, "SECTION") {
            let name = pairs
                .get(i + 1)
                .map(|p| p.text().trim().to_ascii_uppercase())
                .unwrap_or_default();
            let Some(end) = (i..pairs.len()).find(|&j| pairs[j].is(0, "ENDSEC")) else {
                break;
            };
            if name == "BLOCKS" {
                // Only the block definitions model space uses, directly or nested: drawings
                // carry libraries of unused blocks and every paper-space layout as a block.
                keep.push((i, i + 1));
                let mut b = i + 2;
                while b < end {
                    let next = (b + 1..end)
                        .find(|&k| pairs[k].is(0, "BLOCK"))
                        .unwrap_or(end);
                    let name = group2_name(&pairs[b..next]);
                    if pairs[b].is(0, "BLOCK") && name.is_some_and(|n| used.contains(&n)) {
                        keep.push((b, next - 1));
                    }
                    b = next;
                }
                keep.push((end, end));
            } else if matches!(name.as_str(), "HEADER" | "ENTITIES") {
                keep.push((i, end));
            }
            i = end + 1;
        } else if pairs[i].is(0, "EOF") {
            keep.push((i, i));
            break;
        } else {
            i += 1;
        }
    }
    keep
}

/// The original bytes of the kept pairs (no re-encoding, so nothing is lost).
fn view(bytes: &[u8], tokens: &Tokens<'_>, keep: &[(usize, usize)]) -> Vec<u8> {
    let pairs = &tokens.pairs;
    let start_of = |i: usize| {
        if tokens.binary {
            pairs[i].pos
        } else {
            pairs[i].span.0
        }
    };
    let end_of = |i: usize| {
        if tokens.binary {
            pairs.get(i + 1).map_or(bytes.len(), |p| p.pos)
        } else {
            pairs[i].span.1
        }
    };
    let mut out = Vec::with_capacity(bytes.len() / 2);
    if tokens.binary {
        out.extend_from_slice(super::tokens::BINARY_SENTINEL);
    }
    for &(a, b) in keep {
        if let Some(s) = bytes.get(start_of(a)..end_of(b)) {
            out.extend_from_slice(s);
        }
    }
    out
}

/// Names of the blocks model space inserts, followed through nested INSERTs.
fn used_blocks(tokens: &Tokens<'_>, scan: &Scan) -> HashSet<String> {
    let insert_name = |e: &super::scan::RawEntity| {
        (e.kind == "INSERT")
            .then(|| group2_name(tokens.pairs.get(e.start..e.end)?))
            .flatten()
    };
    let mut used: HashSet<String> = scan.entities.iter().filter_map(insert_name).collect();
    let mut todo: Vec<String> = used.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        for b in scan.blocks.iter().filter(|b| b.name == name) {
            for n in b.entities.iter().filter_map(insert_name) {
                if used.insert(n.clone()) {
                    todo.push(n);
                }
            }
        }
    }
    used
}

/// The crate's error as ours, its position (line for ASCII, byte offset for binary) kept.
fn crate_error(e: &dxf::DxfError, binary: bool) -> BimError {
    let msg = e.to_string();
    let pos = msg
        .rsplit(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    dxf_error(format!("dxf crate: {msg}"), binary, pos)
}

/// True when a pair should be dropped; `prev` is the code of the last kept pair.
fn drop_pair(p: &Pair<'_>, entity: &str, old_r12: bool, prev: i32) -> bool {
    if old_r12 && entity == "DIMSTYLE" && p.code == 5 {
        return true;
    }
    // XDATA y (1021..1029) must follow its x, z (1031..1039) its y.
    (1021..=1039).contains(&p.code) && prev != p.code - 10
}

/// The kept pairs rebuilt as ASCII DXF without the offending ones (when `write`), and how
/// many were dropped.
pub fn sanitize(
    bytes: &[u8],
    tokens: &Tokens<'_>,
    acadver: &str,
    keep: Option<&[(usize, usize)]>,
    write: bool,
) -> (Vec<u8>, usize) {
    let old_r12 = acadver.is_empty() || acadver < "AC1012";
    let mut out = Vec::with_capacity(if write { bytes.len() } else { 0 });
    let mut entity = String::new();
    let mut prev = 0;
    let mut dropped = 0;
    let all = [(0, tokens.pairs.len().saturating_sub(1))];
    let indices = keep.unwrap_or(&all).iter().flat_map(|&(a, b)| a..=b);
    for p in indices.filter_map(|i| tokens.pairs.get(i)) {
        if p.code == 0 {
            entity = p.text().trim().to_string();
        }
        if drop_pair(p, &entity, old_r12, prev) {
            dropped += 1;
            continue;
        }
        prev = p.code;
        if !write {
            continue;
        }
        if tokens.binary {
            let mut s = String::new();
            let _ = write!(s, "{}\r\n{}\r\n", p.code, p.text());
            out.extend_from_slice(s.as_bytes());
        } else if let Some(raw) = bytes.get(p.span.0..p.span.1) {
            out.extend_from_slice(raw);
            if !raw.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    (out, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dxf::tokens::tokenize;

    #[test]
    fn drops_r12_dimblk_and_repeated_xdata_points() {
        let src = "0\nDIMSTYLE\n2\nS\n5\nBOXBLANK\n0\nLINE\n1001\nACAD\n1011\n1.0\n1021\n2.0\n1031\n3.0\n1021\n2.0\n1031\n3.0\n0\nEOF\n";
        let t = tokenize(src.as_bytes()).ok();
        let Some(t) = t else {
            panic!("tokenize failed")
        };
        let (out, n) = sanitize(src.as_bytes(), &t, "AC1009", None, true);
        assert_eq!(n, 3);
        let s = String::from_utf8_lossy(&out);
        assert!(!s.contains("BOXBLANK"));
        assert_eq!(s.matches("1021").count(), 1);
    }
}
