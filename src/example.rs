//! Compiled-in example data, so that `speclat fit --example qwen3-8b` runs with no files.

use std::path::PathBuf;

use crate::example_data::QWEN3_8B;
use crate::ingest::{AlphaSource, LabelSource, Measurement, Series, SourceFormat, Strategy};
use crate::model::SpecConfig;

/// Names accepted by `--example`.
pub const EXAMPLES: &[&str] = &["qwen3-8b"];

/// Returns the series of a built-in example, or `None` for an unknown name.
pub fn series(name: &str) -> Option<Vec<Series>> {
    match name {
        "qwen3-8b" => Some(qwen3_8b()),
        _ => None,
    }
}

fn qwen3_8b() -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for &(k, alpha, index, rate, latency, concurrency, ttft_ms, itl_ms, count, output, prompt) in
        QWEN3_8B
    {
        let label = format!("alpha-{alpha:.2}_draft-{k}");
        if series.last().is_none_or(|s| s.label != label) {
            series.push(Series {
                spec: SpecConfig::new(k, alpha).expect("example table holds valid alpha and k"),
                label_source: LabelSource::BuiltIn,
                alpha_source: AlphaSource::Given,
                system: None,
                file: PathBuf::from(format!("builtin:qwen3-8b/{label}")),
                format: SourceFormat::BuiltIn,
                measurements: Vec::new(),
                label,
            });
        }
        let strategy = match index {
            0 => Strategy::Synchronous,
            1 => Strategy::Throughput,
            _ => Strategy::Constant,
        };
        let current = series.last_mut().expect("pushed above");
        current.measurements.push(Measurement {
            index,
            strategy,
            strategy_inferred: true,
            target_rate_per_s: None,
            target_concurrency: None,
            rate_per_s: rate,
            latency_s: latency,
            latency_std_s: None,
            latency_percentiles: Default::default(),
            concurrency: Some(concurrency),
            ttft_s: Some(ttft_ms / 1000.0),
            itl_s: Some(itl_ms / 1000.0),
            tpot_s: None,
            prompt_tokens: Some(prompt),
            output_tokens: Some(output),
            requests_successful: Some(count),
            requests_errored: None,
            requests_incomplete: None,
            acceptance: None,
        });
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qwen3_8b_has_full_grid() {
        let series = series("qwen3-8b").unwrap();
        assert_eq!(series.len(), 48);
        assert!(series.iter().all(|s| s.measurements.len() == 10));
        // Synchronous point of alpha 0.7, k 3: 0.990 req/s at 1.008 s.
        let s = series
            .iter()
            .find(|s| s.label == "alpha-0.70_draft-3")
            .unwrap();
        assert!((s.measurements[0].rate_per_s - 0.990).abs() < 1e-3);
        assert!((s.measurements[0].latency_s - 1.008).abs() < 1e-3);
    }
}
