//! vLLM `/metrics` text: one snapshot, and a window between the input and its first half,
//! which exercises the counter differences.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use speclat::ingest::prometheus;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.txt");
    let _ = prometheus::parse(path, data);
    let Ok(after) = prometheus::parse_snapshot(path, data) else {
        return;
    };
    let half = &data[..data.len() / 2];
    if let Ok(before) = prometheus::parse_snapshot(path, half) {
        let _ = prometheus::window_between(&before, &after, Some(60.0));
        let _ = prometheus::window_between(&before, &after, None);
    }
});
