//! Saved model files: the checks `speclat predict` runs, then a prediction from each model
//! that passes them.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use speclat::fit::FitReport;
use speclat::model::SpecConfig;
use speclat::report::predict::{Load, predict};

fuzz_target!(|data: &[u8]| {
    let Ok(model) = FitReport::from_json_bytes(Path::new("fuzz-model.json"), data) else {
        return;
    };
    let loads = [
        Load::Rate(0.0),
        Load::Rate(1.0),
        Load::Rate(1e9),
        Load::Concurrency(0.0),
        Load::Concurrency(64.0),
    ];
    let specs = [
        SpecConfig::baseline(),
        SpecConfig::new(3, 0.7).unwrap(),
        SpecConfig::new(1024, 1.0).unwrap(),
    ];
    for spec in specs {
        let _ = predict(&model, spec, None, &loads);
    }
    // A model that passed the checks must come back through them after a save.
    let saved = serde_json::to_vec(&model).unwrap();
    if let Err(error) = FitReport::from_json_bytes(Path::new("resaved.json"), &saved) {
        panic!("a checked model failed to load after saving: {error}");
    }
});
