//! Series built in code for the property and edge-case tests.

use std::path::PathBuf;

use speclat::ingest::{
    LabelSource, LatencyPercentiles, Measurement, Series, SourceFormat, Strategy,
};
use speclat::model::SpecConfig;

/// Builds a steady open-loop benchmark of 128 output tokens per request. Its concurrency is
/// `rate * latency`, so the Little's-law rule keeps it.
pub fn measurement(index: usize, rate_per_s: f64, latency_s: f64) -> Measurement {
    Measurement {
        index,
        strategy: Strategy::Constant,
        strategy_inferred: false,
        target_rate_per_s: Some(rate_per_s),
        target_concurrency: None,
        rate_per_s,
        latency_s,
        latency_std_s: None,
        latency_percentiles: LatencyPercentiles::default(),
        concurrency: Some(rate_per_s * latency_s),
        ttft_s: None,
        itl_s: None,
        tpot_s: None,
        prompt_tokens: None,
        output_tokens: Some(128.0),
        requests_successful: None,
        requests_errored: None,
        requests_incomplete: None,
        acceptance: None,
    }
}

/// Builds a series labelled `alpha-A_draft-K` from in-memory measurements.
pub fn series(spec: SpecConfig, measurements: Vec<Measurement>) -> Series {
    let label = if spec.is_baseline() {
        "k0".to_string()
    } else {
        format!("alpha-{:.2}_draft-{}", spec.alpha(), spec.k())
    };
    Series {
        file: PathBuf::from(format!("generated/{label}")),
        label,
        spec,
        label_source: LabelSource::BuiltIn,
        alpha_source: Default::default(),
        system: None,
        format: SourceFormat::BuiltIn,
        measurements,
    }
}
