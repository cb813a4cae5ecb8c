//! DXF drawings to per-layer quantities.
//!
//! Two readers work together: [`tokens`] splits the file into group-code pairs (ASCII and
//! binary) and [`scan`] finds model space in them, which gives exact per-type counts and
//! the entities the `dxf` crate drops (HATCH, MULTILEADER, ACAD_TABLE, some DIMENSIONs);
//! the `dxf` crate reads everything it supports ([`repair`] loads it, mending the streams
//! it refuses). [`model`] merges both into the takeoff.

mod annot;
mod binary;
mod curve;
mod dims;
mod expand;
mod hatch;
mod measure;
mod model;
mod repair;
mod scan;
mod tokens;
mod units;

use crate::BimError;
use crate::takeoff::Takeoff;

/// Reads an ASCII or binary DXF file and measures its model space.
///
/// Errors carry the 1-based line (ASCII) or byte offset (binary) of the problem. Problems
/// that do not stop the takeoff (guessed units, unreadable hatch boundaries, repaired
/// groups) are listed in `warnings`.
pub fn takeoff_dxf(file_name: &str, bytes: &[u8]) -> Result<Takeoff, BimError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BimError::Dxf {
            message: "empty file".into(),
            line: Some(1),
            offset: Some(0),
        });
    }
    let toks = tokens::tokenize(bytes)?;
    let last_pos = toks
        .pairs
        .last()
        .map_or(if toks.binary { bytes.len() } else { 1 }, |p| p.pos);
    if !toks.pairs.last().is_some_and(|p| p.is(0, "EOF")) {
        return Err(tokens::dxf_error(
            "file ends without 0/EOF (truncated?)",
            toks.binary,
            last_pos,
        ));
    }
    let scanned = scan::scan(&toks);
    if !scanned.has_entities_section {
        return Err(tokens::dxf_error(
            "no ENTITIES section",
            toks.binary,
            last_pos,
        ));
    }
    let (drawings, repair_warning) = repair::load(bytes, &toks, &scanned)?;
    let mut warnings: Vec<String> = repair_warning.into_iter().collect();
    let dxf = model::build(&toks, &scanned, &drawings, &mut warnings);
    Ok(Takeoff {
        file: file_name.to_string(),
        format: "dxf".into(),
        schema: None,
        warnings,
        ifc: None,
        dxf: Some(dxf),
        plan: None,
    })
}
