//! The STEP reader on arbitrary bytes: indexing, then decoding every record, must never
//! panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = chantier_bim::step::StepFile::parse(data.to_vec()) {
        for r in f.records() {
            let _ = f.record_args(r);
        }
    }
});
