//! The DXF path (ASCII and binary tokenizers, the dxf crate, repairs, hatches, blocks).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = chantier_bim::dxf::takeoff_dxf("fuzz.dxf", data);
});
