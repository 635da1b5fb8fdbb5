//! TOML manifests that map files to k and alpha.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = speclat::ingest::labels::Manifest::parse_text(Path::new("fuzz/sweeps.toml"), text);
});
