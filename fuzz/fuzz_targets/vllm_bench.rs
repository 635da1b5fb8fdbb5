//! `vllm bench serve` results, parsed directly so that inputs the sniffer would send elsewhere
//! still reach the vLLM reader.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.json");
    let _ = speclat::ingest::vllm_bench::parse(path, data);
    let _ = speclat::ingest::parse_bytes(path, data);
});
