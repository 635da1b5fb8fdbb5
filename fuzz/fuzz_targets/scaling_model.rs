//! Saved scaling models (fits across systems) and Hugging Face configurations: the checks
//! `speclat predict` runs, then a described system and its latency intervals. The first byte
//! chooses the input kind.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use speclat::model::SpecConfig;
use speclat::scaling::architecture::Architecture;
use speclat::scaling::describe::Query;
use speclat::scaling::fit::ScalingModel;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, data)) = data.split_first() else {
        return;
    };
    if kind % 2 == 0 {
        // A configuration that reads must give finite, non-negative counts.
        if let Ok(architecture) = Architecture::from_hf_config_bytes(Path::new("config.json"), data)
        {
            for value in [
                architecture.streamed_params(),
                architecture.layer_params(),
                architecture.kv_bytes_per_token(2.0),
                architecture.attention_width(),
            ] {
                assert!(value.is_finite(), "{architecture:?}: {value}");
                assert!(value >= 0.0, "{architecture:?}: {value}");
            }
        }
        return;
    }

    let Ok(model) = ScalingModel::from_json_bytes(Path::new("fuzz-scaling.json"), data) else {
        return;
    };
    let verifier = model.systems.first().and_then(|s| s.verifier.clone());
    let queries = [
        Query::default(),
        Query {
            verifier: verifier.clone(),
            prompt_tokens: Some(1024.0),
            output_tokens: Some(64.0),
            ..Query::default()
        },
        Query {
            verifier,
            prompt_tokens: Some(1e9),
            output_tokens: Some(1e-3),
            ..Query::default()
        },
    ];
    for query in queries {
        let Ok(described) = model.describe(&query) else {
            continue;
        };
        for spec in [SpecConfig::baseline(), SpecConfig::new(3, 0.7).unwrap()] {
            let _ = described.summary(spec);
            for rate in [0.0, 1.0, 1e9] {
                if let Some((low, high)) = described.latency_interval(spec, Some(rate), None) {
                    assert!(!low.is_nan(), "low end NaN at rate {rate}");
                    if let Some(high) = high {
                        assert!(!high.is_nan(), "high end NaN at rate {rate}");
                    }
                }
            }
            let _ = described.latency_interval(spec, None, Some(64.0));
        }
    }
    // A model that passed the checks must come back through them after a save.
    let saved = serde_json::to_vec(&model).unwrap();
    if let Err(error) = ScalingModel::from_json_bytes(Path::new("resaved.json"), &saved) {
        panic!("a checked scaling model failed to load after saving: {error}");
    }
});
