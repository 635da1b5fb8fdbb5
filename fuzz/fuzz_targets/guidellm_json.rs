//! GuideLLM JSON reports (and whatever else the dispatch recognises in a `.json` file).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = speclat::ingest::parse_bytes(Path::new("fuzz.json"), data);
});
