//! GuideLLM YAML reports, through the same dispatch as a file named `.yaml`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = speclat::ingest::parse_bytes(Path::new("fuzz.yaml"), data);
});
