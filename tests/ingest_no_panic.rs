//! Property tests: no parser, manifest, grid, model-file reader or acceptance conversion
//! panics, whatever the input. These are the in-process counterparts of the fuzz targets in
//! `fuzz/`, so that a stable toolchain covers the same entry points.

use std::path::Path;

use proptest::prelude::*;
use speclat::ingest::{prometheus, sglang, speculators_csv, vllm_bench};
use speclat::model::acceptance_profile::{self, AcceptanceProfile};

/// Text built from the characters that matter to the JSON, CSV and exposition grammars, so that
/// the inputs reach deep into the parsers instead of failing on the first byte.
fn grammar_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[{}\[\]":,=#\n\r .+\-0-9eEaNfInt_a-z]{0,300}"#)
        .expect("valid regex")
}

/// Builds a hand-written result record with one span replaced by generated text.
fn damaged_record() -> impl Strategy<Value = String> {
    const RECORD: &str = r#"{"request_rate": "inf", "max_concurrency": 8, "completed": 10, "request_throughput": 3.9, "mean_e2el_ms": 1045.0, "mean_e2e_latency_ms": 900.0, "spec_decode_per_position_acceptance_rates": [0.8, 0.5]}"#;
    (0..RECORD.len(), 0..40usize, grammar_text()).prop_map(|(start, length, insert)| {
        let end = (start + length).min(RECORD.len());
        let mut text = RECORD.to_string();
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            text.replace_range(start..end, &insert);
        }
        text
    })
}

/// Returns a model as `speclat fit --save` writes it, fitted once for all cases.
fn saved_model() -> &'static str {
    static MODEL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let series = speclat::example::series("qwen3-8b").unwrap();
        let options = speclat::fit::FitOptions {
            cross_validate: false,
            ..Default::default()
        };
        let report = speclat::fit::fit(&series[..4], &options, &|| {}).unwrap();
        serde_json::to_string(&report).unwrap()
    })
}

proptest! {
    #[test]
    fn parsers_never_panic(text in grammar_text()) {
        let path = Path::new("generated.txt");
        let bytes = text.as_bytes();
        let _ = vllm_bench::sniff(bytes);
        let _ = vllm_bench::parse(path, bytes);
        let _ = sglang::sniff(bytes);
        let _ = sglang::parse(path, bytes);
        let _ = speculators_csv::sniff(bytes);
        let _ = speculators_csv::parse(path, bytes);
        let _ = speculators_csv::parse_acceptance(path, bytes);
        let _ = prometheus::sniff(bytes);
        let _ = prometheus::parse_snapshot(path, bytes);
    }

    #[test]
    fn json_parsers_survive_damaged_records(text in damaged_record()) {
        let path = Path::new("damaged.jsonl");
        let _ = vllm_bench::parse(path, text.as_bytes());
        let _ = sglang::parse(path, text.as_bytes());
    }

    #[test]
    fn parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let path = Path::new("generated.bin");
        let _ = vllm_bench::parse(path, &bytes);
        let _ = sglang::parse(path, &bytes);
        let _ = speculators_csv::parse(path, &bytes);
        let _ = prometheus::parse_snapshot(path, &bytes);
    }

    #[test]
    fn manifests_never_panic(text in r#"[\[\]\n "=,.*a-z0-9_\-]{0,200}"#) {
        let _ = speclat::ingest::labels::Manifest::parse_text(Path::new("m.toml"), &text);
    }

    #[test]
    fn manifest_values_are_checked(
        k in any::<i64>(),
        alpha in any::<f64>(),
        baseline in any::<bool>(),
    ) {
        let text = format!(
            "[[series]]\nfiles = \"*.json\"\nk = {k}\nalpha = {alpha:?}\nbaseline = {baseline}\n"
        );
        let result = speclat::ingest::labels::Manifest::parse_text(Path::new("m.toml"), &text);
        // `{:?}` writes NaN, which TOML rejects as syntax, and inf, which TOML reads as
        // infinity; either way the entry is invalid.
        let valid = !baseline && (0..=1024).contains(&k) && alpha > 0.0 && alpha <= 1.0;
        prop_assert_eq!(result.is_ok(), valid, "{}", text);
    }

    #[test]
    fn system_values_are_checked(hidden_size in any::<f64>(), verifier_params in any::<f64>()) {
        let text = format!(
            "[[system]]\nname = \"s\"\nfiles = \"*.json\"\nhidden_size = {hidden_size:?}\n\
             layers = 2\nverifier_params = {verifier_params:?}\n"
        );
        let result = speclat::ingest::labels::Manifest::parse_text(Path::new("m.toml"), &text);
        let whole = hidden_size >= 1.0 && hidden_size <= 2f64.powi(53) && hidden_size.fract() == 0.0;
        let valid = whole && verifier_params.is_finite() && verifier_params > 0.0;
        prop_assert_eq!(result.is_ok(), valid, "{}", text);
    }

    #[test]
    fn grids_never_panic(text in "[0-9.:,eE+\\- ]{0,40}") {
        if let Ok(values) = speclat::grid::parse_grid(&text) {
            prop_assert!(values.len() <= speclat::grid::MAX_GRID_POINTS);
            prop_assert!(values.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
    }

    #[test]
    fn model_files_never_panic(cut in 0usize..4000, insert in grammar_text()) {
        let mut text = saved_model().to_string();
        let cut = cut.min(text.len());
        if text.is_char_boundary(cut) {
            text.insert_str(cut, &insert);
        }
        let _ = speclat::fit::FitReport::from_json_bytes(Path::new("m.json"), text.as_bytes());
    }

    #[test]
    fn acceptance_conversions_never_panic(
        length in any::<f64>(),
        k in 0u32..2000,
        rates in proptest::collection::vec(any::<f64>(), 0..8),
    ) {
        let _ = acceptance_profile::alpha_from_acceptance_length(length, k);
        let _ = acceptance_profile::fit_geometric(&rates);
        let _ = acceptance_profile::acceptance_drift(&rates, 0.05);
        if let Ok(profile) = AcceptanceProfile::measured(rates) {
            let _ = profile.expected_tokens(k);
        }
    }

    #[test]
    fn solved_alpha_reproduces_length(alpha in 0.01f64..1.0, k in 1u32..16) {
        let length = speclat::model::expected_tokens(alpha, k);
        let solved = acceptance_profile::alpha_from_acceptance_length(length, k).unwrap();
        let back = speclat::model::expected_tokens(solved, k);
        prop_assert!((back - length).abs() < 1e-9, "E {} against {}", back, length);
    }
}
