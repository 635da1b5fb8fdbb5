//! Result files of SGLang's serving benchmark, `python -m sglang.bench_serving --output-file`.
//!
//! The client appends one JSON object per run, so a file is JSON Lines; every line becomes one
//! [`Measurement`] and the file one [`Sweep`] in file order. A single pretty-printed object is
//! read too.
//!
//! Field mapping (names differ from vLLM's client):
//!
//! - rate: `request_throughput`, measured;
//! - latency: `mean_e2e_latency_ms`, with `median_`, `p90_`, `p99_` and `std_e2e_latency_ms`;
//! - `concurrency`: the measured mean number of requests in flight, which vLLM's client lacks;
//! - `mean_ttft_ms`, `mean_tpot_ms`, `mean_itl_ms`, and token means from the totals over
//!   `completed`;
//! - load: `request_rate` (a number, or infinity) and `max_concurrency`, mapped as described at
//!   [`super::json_records::load_targets`]. The client draws Poisson arrivals unless a
//!   `burstiness` field says otherwise;
//! - `accept_length`: the server's mean speculative acceptance length, bonus token included,
//!   present when speculative decoding is on. The client records no raw draft counters.

use std::path::Path;

use super::checks;
use super::json_records::{self, JsonRecord};
use super::{
    AcceptanceCounters, IngestError, LatencyPercentiles, Measurement, SourceFormat, Sweep,
};

const FORMAT: &str = "JSON";

/// Checks whether the start of `bytes` looks like an SGLang benchmark result.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = json_records::head_text(bytes);
    let starts_as_json = head.trim_start().starts_with('{');
    let has_sglang_keys = head.contains("\"mean_e2e_latency_ms\"")
        || head.contains("\"total_output_tokens_retokenized\"");
    starts_as_json && has_sglang_keys && head.contains("\"request_throughput\"")
}

/// Parses a `bench_serving` output file into one sweep.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Sweep>, IngestError> {
    let records = json_records::read_records(path, bytes, FORMAT)?;
    let mut measurements = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        measurements.push(parse_record(path, index, record)?);
    }
    Ok(vec![Sweep {
        file: path.to_path_buf(),
        format: SourceFormat::SglangBenchServing,
        measurements,
    }])
}

fn parse_record(
    path: &Path,
    index: usize,
    record: &JsonRecord,
) -> Result<Measurement, IngestError> {
    let rate_per_s = record.required_positive(
        path,
        "request_throughput",
        "every bench_serving result has `request_throughput`; check that this file is one",
    )?;
    let latency_ms = record.required_positive(
        path,
        "mean_e2e_latency_ms",
        "bench_serving writes `mean_e2e_latency_ms` for every run; the file may come from another tool or an edited copy",
    )?;

    let seconds = |field: &str| -> Result<Option<f64>, IngestError> {
        Ok(record.optional(path, field)?.map(|ms| ms / 1000.0))
    };

    let targets = json_records::load_targets(
        record.request_rate(path, "request_rate")?,
        record.optional(path, "burstiness")?,
        record.count(path, "max_concurrency")?,
    );

    let acceptance = match record.optional(path, "accept_length")? {
        Some(length) => Some(AcceptanceCounters {
            acceptance_length: Some(checks::acceptance_length(
                path,
                &record.location(),
                "accept_length",
                length,
            )?),
            ..AcceptanceCounters::default()
        }),
        None => None,
    };

    let completed = record.count(path, "completed")?;
    Ok(Measurement {
        index,
        strategy: targets.strategy,
        strategy_inferred: false,
        target_rate_per_s: targets.target_rate_per_s,
        target_concurrency: targets.target_concurrency,
        rate_per_s,
        latency_s: latency_ms / 1000.0,
        latency_std_s: seconds("std_e2e_latency_ms")?,
        latency_percentiles: LatencyPercentiles {
            p50_s: seconds("median_e2e_latency_ms")?,
            p90_s: seconds("p90_e2e_latency_ms")?,
            p95_s: seconds("p95_e2e_latency_ms")?,
            p99_s: seconds("p99_e2e_latency_ms")?,
        },
        concurrency: record.optional(path, "concurrency")?,
        ttft_s: seconds("mean_ttft_ms")?,
        itl_s: seconds("mean_itl_ms")?,
        tpot_s: seconds("mean_tpot_ms")?,
        prompt_tokens: record.per_request_mean(path, "total_input_tokens", completed)?,
        output_tokens: record.per_request_mean(path, "total_output_tokens", completed)?,
        requests_successful: completed,
        requests_errored: None,
        requests_incomplete: None,
        acceptance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Strategy;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sglang_bench_serving_handwritten.jsonl"
    );

    fn load() -> Sweep {
        let bytes = std::fs::read(FIXTURE).expect("fixture readable");
        assert!(sniff(&bytes));
        let mut sweeps = parse(Path::new(FIXTURE), &bytes).expect("fixture parses");
        assert_eq!(sweeps.len(), 1);
        sweeps.remove(0)
    }

    fn assert_close(got: f64, expected: f64) {
        assert!(
            (got - expected).abs() < 1e-9,
            "got {got}, expected {expected}"
        );
    }

    fn error_text(name: &str, text: &str) -> String {
        match parse(Path::new(name), text.as_bytes()) {
            Ok(sweeps) => panic!("expected an error, got {sweeps:?}"),
            Err(error) => error.to_string(),
        }
    }

    const RECORD: &str = r#"{"backend": "sglang", "request_rate": 8.0, "max_concurrency": null, "completed": 50, "total_output_tokens": 6400, "request_throughput": 7.8, "mean_e2e_latency_ms": 1500.0, "concurrency": 11.7, "accept_length": 3.1}"#;

    #[test]
    fn fixture_fields() {
        let sweep = load();
        assert_eq!(sweep.format, SourceFormat::SglangBenchServing);
        assert_eq!(sweep.measurements.len(), 3);

        let first = &sweep.measurements[0];
        assert_eq!(first.index, 0);
        assert_eq!(first.strategy, Strategy::Poisson);
        assert_eq!(first.target_rate_per_s, Some(2.0));
        assert_close(first.rate_per_s, 1.97);
        assert_close(first.latency_s, 0.812);
        assert_close(first.latency_std_s.unwrap(), 0.09);
        assert_close(first.latency_percentiles.p50_s.unwrap(), 0.8);
        assert_close(first.latency_percentiles.p99_s.unwrap(), 1.05);
        assert_close(first.concurrency.unwrap(), 1.6);
        assert_close(first.ttft_s.unwrap(), 0.045);
        assert_close(first.tpot_s.unwrap(), 0.0059);
        assert_close(first.itl_s.unwrap(), 0.0172);
        assert_close(first.output_tokens.unwrap(), 128.0);
        assert_close(first.prompt_tokens.unwrap(), 256.0);
        assert_eq!(first.requests_successful, Some(200));
        let counters = first.acceptance.as_ref().unwrap();
        assert_eq!(counters.acceptance_length, Some(2.91));
        assert_eq!(counters.num_drafts, None);
    }

    #[test]
    fn fixture_strategies() {
        let sweep = load();
        // Line 2: Python's json module writes an infinite rate as `Infinity`; no cap.
        assert_eq!(sweep.measurements[1].strategy, Strategy::Throughput);
        assert_eq!(sweep.measurements[1].target_rate_per_s, None);
        // Line 3: infinite rate with `max_concurrency` is a closed loop; SD off.
        let closed = &sweep.measurements[2];
        assert_eq!(closed.strategy, Strategy::Concurrent);
        assert_eq!(closed.target_concurrency, Some(32.0));
        assert_eq!(closed.acceptance, None);
    }

    #[test]
    fn sniff_separates_from_vllm() {
        assert!(sniff(RECORD.as_bytes()));
        assert!(!sniff(
            br#"{"request_throughput": 1.0, "mean_e2el_ms": 10.0, "num_prompts": 5}"#
        ));
        assert!(!sniff(b"subset,num_drafts\n"));
    }

    #[test]
    fn missing_latency_named() {
        let message = error_text(
            "no_latency.jsonl",
            &RECORD.replace(r#""mean_e2e_latency_ms": 1500.0, "#, ""),
        );
        assert!(message.contains("no_latency.jsonl"), "{message}");
        assert!(
            message.contains("missing field `mean_e2e_latency_ms`"),
            "{message}"
        );
    }

    #[test]
    fn truncated_line_named() {
        let text = format!("{RECORD}\n{RECORD}\n{}", &RECORD[..40]);
        let message = error_text("cut.jsonl", &text);
        assert!(message.contains("cut.jsonl"), "{message}");
        assert!(message.contains("line 3"), "{message}");
    }

    #[test]
    fn negative_concurrency_rejected() {
        let message = error_text(
            "negative.jsonl",
            &RECORD.replace(r#""concurrency": 11.7"#, r#""concurrency": -1"#),
        );
        assert!(message.contains("negative.jsonl"), "{message}");
        assert!(message.contains("`concurrency`"), "{message}");
    }

    #[test]
    fn infinite_latency_rejected() {
        let message = error_text(
            "inf.jsonl",
            &RECORD.replace(
                r#""mean_e2e_latency_ms": 1500.0"#,
                r#""mean_e2e_latency_ms": Infinity"#,
            ),
        );
        assert!(message.contains("inf.jsonl"), "{message}");
        assert!(message.contains("`mean_e2e_latency_ms`"), "{message}");
        assert!(message.contains("finite"), "{message}");
    }

    #[test]
    fn accept_length_below_one_rejected() {
        let message = error_text(
            "accept.jsonl",
            &RECORD.replace(r#""accept_length": 3.1"#, r#""accept_length": 0.4"#),
        );
        assert!(message.contains("accept.jsonl"), "{message}");
        assert!(message.contains("`accept_length`"), "{message}");
    }
}
