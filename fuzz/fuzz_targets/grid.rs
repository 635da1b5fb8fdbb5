//! Rate and concurrency grids from the command line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = speclat::grid::parse_grid(text);
    }
});
