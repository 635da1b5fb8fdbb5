//! SGLang `bench_serving` JSON Lines, parsed directly and through the dispatch.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.jsonl");
    let _ = speclat::ingest::sglang::parse(path, data);
    let _ = speclat::ingest::parse_bytes(path, data);
});
