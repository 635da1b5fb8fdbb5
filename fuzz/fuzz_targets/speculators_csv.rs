//! The speculators CSV layouts: sweeps and acceptance counters.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.csv");
    let _ = speclat::ingest::speculators_csv::parse(path, data);
    let _ = speclat::ingest::speculators_csv::parse_acceptance(path, data);
    let _ = speclat::ingest::parse_bytes(path, data);
});
