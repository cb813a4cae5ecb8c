//! The whole IFC path (units, relations, geometry, booleans) on arbitrary STEP content.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = chantier_bim::takeoff_bytes("fuzz.ifc", data.to_vec(), Some(chantier_bim::Format::Ifc), &chantier_bim::Limits::default());
});
