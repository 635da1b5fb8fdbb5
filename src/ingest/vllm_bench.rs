//! Result files of vLLM's serving benchmark client: `vllm bench serve --save-result` (vLLM
//! v0.10 and later) and its predecessor `benchmarks/benchmark_serving.py` (2024–2025).
//!
//! `--save-result` writes one JSON object per run, and `--append-result` appends one object per
//! line. Every object in a file becomes one [`Measurement`], and a file becomes one [`Sweep`] in
//! file order. Both spellings of the goodput key (`request_goodput` and the older
//! `request_goodput:`) occur, but goodput is not used here.
//!
//! Field mapping:
//!
//! - rate: `request_throughput`, the measured completion rate;
//! - latency: `mean_e2el_ms`, which the client writes only when `e2el` is among
//!   `--percentile-metrics`; otherwise the mean of the per-request `latencies` list (seconds);
//! - percentiles: `median_e2el_ms`, `p90_e2el_ms`, `p95_e2el_ms`, `p99_e2el_ms`;
//! - `mean_ttft_ms`, `mean_tpot_ms`, `mean_itl_ms`, and token means from the totals over
//!   `completed`;
//! - load: see [`super::json_records::load_targets`] for the strategy rule. The measured mean
//!   concurrency is not in the file, so `concurrency` stays empty;
//! - speculative decoding (clients from 2026 that read the server's counters before and after the
//!   run): `spec_decode_acceptance_length`, `spec_decode_num_drafts`,
//!   `spec_decode_draft_tokens`, `spec_decode_accepted_tokens`,
//!   `spec_decode_per_position_acceptance_rates` (fractions). `spec_decode_acceptance_rate` is
//!   in percent and only checked against [0, 100].

use std::path::Path;

use super::checks::{self, invalid};
use super::json_records::{self, JsonRecord};
use super::{
    AcceptanceCounters, IngestError, LatencyPercentiles, Measurement, SourceFormat, Sweep,
};
use crate::model::acceptance_profile;

const FORMAT: &str = "JSON";

const LATENCY_HINT: &str = "the file has neither `mean_e2el_ms` nor a `latencies` list; rerun the benchmark with `--percentile-metrics ttft,tpot,itl,e2el` (or with `--save-detailed`)";

/// Checks whether the start of `bytes` looks like a vLLM benchmark result.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = json_records::head_text(bytes);
    let starts_as_json = head.trim_start().starts_with('{');
    let has_results = head.contains("\"request_throughput\"");
    let is_sglang = head.contains("\"mean_e2e_latency_ms\"")
        || head.contains("\"total_output_tokens_retokenized\"");
    let has_vllm_keys = [
        "\"request_goodput",
        "\"mean_e2el_ms\"",
        "\"num_prompts\"",
        "\"burstiness\"",
    ]
    .iter()
    .any(|key| head.contains(key));
    starts_as_json && has_results && has_vllm_keys && !is_sglang
}

/// Parses a `--save-result` JSON object or an `--append-result` JSON Lines file into one sweep.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Sweep>, IngestError> {
    let records = json_records::read_records(path, bytes, FORMAT)?;
    let mut measurements = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        measurements.push(parse_record(path, index, record)?);
    }
    Ok(vec![Sweep {
        file: path.to_path_buf(),
        format: SourceFormat::VllmBenchServe,
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
        "every vLLM benchmark result has `request_throughput`; check that this file is one",
    )?;
    let latency_s = mean_latency_s(path, record)?;

    let seconds = |field: &str| -> Result<Option<f64>, IngestError> {
        Ok(record.optional(path, field)?.map(|ms| ms / 1000.0))
    };

    let max_concurrency = record.count(path, "max_concurrency")?;
    let targets = json_records::load_targets(
        record.request_rate(path, "request_rate")?,
        record.optional(path, "burstiness")?,
        max_concurrency,
    );

    let completed = record.count(path, "completed")?;
    Ok(Measurement {
        index,
        strategy: targets.strategy,
        strategy_inferred: false,
        target_rate_per_s: targets.target_rate_per_s,
        target_concurrency: targets.target_concurrency,
        rate_per_s,
        latency_s,
        latency_std_s: seconds("std_e2el_ms")?,
        latency_percentiles: LatencyPercentiles {
            p50_s: seconds("median_e2el_ms")?,
            p90_s: seconds("p90_e2el_ms")?,
            p95_s: seconds("p95_e2el_ms")?,
            p99_s: seconds("p99_e2el_ms")?,
        },
        concurrency: None,
        ttft_s: seconds("mean_ttft_ms")?,
        itl_s: seconds("mean_itl_ms")?,
        tpot_s: seconds("mean_tpot_ms")?,
        prompt_tokens: record.per_request_mean(path, "total_input_tokens", completed)?,
        output_tokens: record.per_request_mean(path, "total_output_tokens", completed)?,
        requests_successful: completed,
        requests_errored: record.count(path, "failed")?,
        requests_incomplete: None,
        acceptance: acceptance(path, record)?,
    })
}

/// Mean end-to-end latency in seconds, from `mean_e2el_ms` or else from `latencies`.
fn mean_latency_s(path: &Path, record: &JsonRecord) -> Result<f64, IngestError> {
    let mean_e2el_ms = record.raw_number(path, "mean_e2el_ms")?;
    if let Some(ms) = mean_e2el_ms.filter(|ms| !ms.is_nan()) {
        return Ok(checks::positive(path, &record.location(), "mean_e2el_ms", ms)? / 1000.0);
    }

    let latencies = record.number_list(path, "latencies")?.unwrap_or_default();
    if latencies.is_empty() {
        // The client writes NaN when no request finished, which no latency can be taken from.
        if let Some(ms) = mean_e2el_ms {
            return Err(invalid(
                path,
                &record.location(),
                "mean_e2el_ms",
                ms,
                "it must be a finite number; no request may have finished in this run",
            ));
        }
        return Err(IngestError::MissingField {
            path: path.to_path_buf(),
            location: record.location(),
            field: "mean_e2el_ms".to_string(),
            hint: LATENCY_HINT.to_string(),
        });
    }
    let mean_s = latencies.iter().sum::<f64>() / latencies.len() as f64;
    checks::positive(path, &record.location(), "latencies", mean_s)
}

fn acceptance(path: &Path, record: &JsonRecord) -> Result<Option<AcceptanceCounters>, IngestError> {
    let location = record.location();

    if let Some(percent) = record.optional(path, "spec_decode_acceptance_rate")? {
        acceptance_profile::percent_to_fraction(percent).map_err(|_| {
            invalid(
                path,
                &location,
                "spec_decode_acceptance_rate",
                percent,
                "it is accepted / drafted tokens in percent, so it must lie in [0, 100]",
            )
        })?;
    }

    let num_drafts = record.optional(path, "spec_decode_num_drafts")?;
    let num_draft_tokens = record.optional(path, "spec_decode_draft_tokens")?;
    let num_accepted_tokens = record.optional(path, "spec_decode_accepted_tokens")?;
    if let (Some(accepted), Some(proposed)) = (num_accepted_tokens, num_draft_tokens)
        && accepted > proposed
    {
        return Err(invalid(
            path,
            &location,
            "spec_decode_accepted_tokens",
            accepted,
            &format!("more tokens accepted than the {proposed} drafted"),
        ));
    }

    let acceptance_length = match record.optional(path, "spec_decode_acceptance_length")? {
        Some(length) => Some(checks::acceptance_length(
            path,
            &location,
            "spec_decode_acceptance_length",
            length,
        )?),
        None => None,
    };
    let per_position = record
        .number_list(path, "spec_decode_per_position_acceptance_rates")?
        .unwrap_or_default();
    let per_position_acceptance = checks::fractions(
        path,
        &location,
        "spec_decode_per_position_acceptance_rates",
        per_position,
    )?;

    let nothing = acceptance_length.is_none()
        && num_drafts.is_none()
        && num_draft_tokens.is_none()
        && num_accepted_tokens.is_none()
        && per_position_acceptance.is_empty();
    if nothing {
        return Ok(None);
    }
    Ok(Some(AcceptanceCounters {
        acceptance_length,
        num_drafts,
        num_draft_tokens,
        num_accepted_tokens,
        per_position_acceptance,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Strategy;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

    fn load(name: &str) -> Sweep {
        let path = Path::new(FIXTURES).join(name);
        let bytes = std::fs::read(&path).expect("fixture readable");
        assert!(sniff(&bytes), "{name} not recognised");
        let mut sweeps = parse(&path, &bytes).expect("fixture parses");
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

    /// A minimal valid new-spelling record; tests replace one field to break it.
    const RECORD: &str = r#"{"request_rate": 4.0, "burstiness": 1.0, "max_concurrency": null, "completed": 10, "total_output_tokens": 1280, "request_throughput": 3.9, "request_goodput": null, "mean_e2el_ms": 1045.0}"#;

    #[test]
    fn new_spelling_single_object() {
        let sweep = load("vllm_bench_new_handwritten.json");
        assert_eq!(sweep.format, SourceFormat::VllmBenchServe);
        assert_eq!(sweep.measurements.len(), 1);

        let measurement = &sweep.measurements[0];
        assert_eq!(measurement.strategy, Strategy::Poisson);
        assert_eq!(measurement.target_rate_per_s, Some(4.0));
        assert_eq!(measurement.target_concurrency, None);
        assert_close(measurement.rate_per_s, 3.96);
        assert_close(measurement.latency_s, 1.045);
        assert_close(measurement.latency_percentiles.p50_s.unwrap(), 0.98);
        assert_close(measurement.latency_percentiles.p90_s.unwrap(), 1.4);
        assert_close(measurement.latency_percentiles.p99_s.unwrap(), 1.62);
        assert_close(measurement.ttft_s.unwrap(), 0.0412);
        assert_close(measurement.tpot_s.unwrap(), 0.0079);
        assert_close(measurement.itl_s.unwrap(), 0.0174);
        assert_close(measurement.output_tokens.unwrap(), 128.0);
        assert_close(measurement.prompt_tokens.unwrap(), 512.0);
        assert_eq!(measurement.concurrency, None);
        assert_eq!(measurement.requests_successful, Some(500));
        assert_eq!(measurement.requests_errored, Some(0));
    }

    #[test]
    fn new_spelling_acceptance_counters() {
        let sweep = load("vllm_bench_new_handwritten.json");
        let counters = sweep.measurements[0].acceptance.clone().unwrap();
        assert_eq!(counters.acceptance_length, Some(2.84));
        assert_eq!(counters.num_drafts, Some(22500.0));
        assert_eq!(counters.num_draft_tokens, Some(67500.0));
        assert_eq!(counters.num_accepted_tokens, Some(41400.0));
        assert_eq!(counters.per_position_acceptance, vec![0.78, 0.61, 0.45]);
    }

    #[test]
    fn old_spelling_throughput_run() {
        let sweep = load("vllm_bench_old_handwritten.json");
        let measurement = &sweep.measurements[0];
        assert_eq!(measurement.strategy, Strategy::Throughput);
        assert_eq!(measurement.target_rate_per_s, None);
        assert_close(measurement.rate_per_s, 9.5);
        assert_close(measurement.latency_s, 5.25);
        assert_eq!(measurement.acceptance, None);
        assert_eq!(measurement.requests_errored, None);
    }

    #[test]
    fn appended_lines_form_one_sweep() {
        let sweep = load("vllm_bench_append_handwritten.jsonl");
        assert_eq!(sweep.measurements.len(), 3);
        let indexes: Vec<usize> = sweep.measurements.iter().map(|m| m.index).collect();
        assert_eq!(indexes, vec![0, 1, 2]);

        // Line 1 has `mean_e2el_ms`.
        assert_close(sweep.measurements[0].latency_s, 0.9);
        assert_eq!(sweep.measurements[0].strategy, Strategy::Poisson);

        // Line 2 has no e2el statistics, so the latency is the mean of `latencies`.
        assert_close(sweep.measurements[1].latency_s, 1.2);
        assert_eq!(sweep.measurements[1].latency_percentiles.p50_s, None);

        // Line 3 is a closed loop: rate "inf" with a concurrency cap.
        let closed = &sweep.measurements[2];
        assert_eq!(closed.strategy, Strategy::Concurrent);
        assert_eq!(closed.target_concurrency, Some(16.0));
        assert_eq!(closed.target_rate_per_s, None);
    }

    #[test]
    fn sniff_rejects_other_formats() {
        assert!(!sniff(b"model,point,completed_rps\n"));
        assert!(!sniff(
            br#"{"request_throughput": 1.0, "mean_e2e_latency_ms": 10.0}"#
        ));
        assert!(!sniff(br#"{"benchmarks": []}"#));
        assert!(sniff(RECORD.as_bytes()));
    }

    #[test]
    fn missing_latency_names_field_and_hint() {
        let message = error_text(
            "no_e2el.json",
            &RECORD.replace(r#", "mean_e2el_ms": 1045.0"#, ""),
        );
        assert!(message.contains("no_e2el.json"), "{message}");
        assert!(message.contains("`mean_e2el_ms`"), "{message}");
        assert!(
            message.contains("--percentile-metrics ttft,tpot,itl,e2el"),
            "{message}"
        );
    }

    #[test]
    fn truncated_line_names_line() {
        let text = format!("{RECORD}\n{}\n", &RECORD[..60]);
        let message = error_text("cut.jsonl", &text);
        assert!(message.contains("cut.jsonl"), "{message}");
        assert!(message.contains("invalid JSON at line 2"), "{message}");
    }

    #[test]
    fn negative_rate_rejected() {
        let message = error_text(
            "negative.json",
            &RECORD.replace(
                r#""request_throughput": 3.9"#,
                r#""request_throughput": -3.9"#,
            ),
        );
        assert!(message.contains("negative.json"), "{message}");
        assert!(message.contains("`request_throughput`"), "{message}");
        assert!(message.contains("must not be negative"), "{message}");
    }

    #[test]
    fn nan_latency_rejected() {
        // Python's json module writes a bare NaN token.
        let message = error_text(
            "nan.json",
            &RECORD.replace(r#""mean_e2el_ms": 1045.0"#, r#""mean_e2el_ms": NaN"#),
        );
        assert!(message.contains("nan.json"), "{message}");
        assert!(message.contains("`mean_e2el_ms`"), "{message}");
        assert!(message.contains("finite"), "{message}");
    }

    #[test]
    fn nan_latency_falls_back_to_list() {
        let text = RECORD.replace(
            r#""mean_e2el_ms": 1045.0"#,
            r#""mean_e2el_ms": NaN, "latencies": [1.0, 2.0]"#,
        );
        let sweeps = parse(Path::new("nan_list.json"), text.as_bytes()).unwrap();
        assert_close(sweeps[0].measurements[0].latency_s, 1.5);
    }

    #[test]
    fn nan_optional_statistic_is_absent() {
        let text = RECORD.replace(r#""mean_e2el_ms""#, r#""mean_itl_ms": NaN, "mean_e2el_ms""#);
        let sweeps = parse(Path::new("nan_itl.json"), text.as_bytes()).unwrap();
        assert_eq!(sweeps[0].measurements[0].itl_s, None);
    }

    #[test]
    fn acceptance_rate_over_100_rejected() {
        let text = RECORD.replace(
            r#""mean_e2el_ms""#,
            r#""spec_decode_acceptance_rate": 130.0, "mean_e2el_ms""#,
        );
        let message = error_text("percent.json", &text);
        assert!(message.contains("percent.json"), "{message}");
        assert!(
            message.contains("`spec_decode_acceptance_rate`"),
            "{message}"
        );
        assert!(message.contains("[0, 100]"), "{message}");
    }

    #[test]
    fn accepted_above_drafted_rejected() {
        let text = RECORD.replace(
            r#""mean_e2el_ms""#,
            r#""spec_decode_draft_tokens": 10, "spec_decode_accepted_tokens": 11, "mean_e2el_ms""#,
        );
        let message = error_text("counts.json", &text);
        assert!(
            message.contains("`spec_decode_accepted_tokens`"),
            "{message}"
        );
    }

    #[test]
    fn per_position_rate_above_one_rejected() {
        let text = RECORD.replace(
            r#""mean_e2el_ms""#,
            r#""spec_decode_per_position_acceptance_rates": [0.8, 1.3], "mean_e2el_ms""#,
        );
        let message = error_text("positions.json", &text);
        assert!(
            message.contains("spec_decode_per_position_acceptance_rates[1]"),
            "{message}"
        );
    }

    #[test]
    fn string_where_number_expected_rejected() {
        let message = error_text(
            "string.json",
            &RECORD.replace(r#""completed": 10"#, r#""completed": "ten""#),
        );
        assert!(message.contains("`completed`"), "{message}");
        assert!(message.contains("must be a number"), "{message}");
    }

    #[test]
    fn empty_file_rejected() {
        let message = error_text("empty.json", "\n\n");
        assert!(message.contains("empty.json"), "{message}");
        assert!(message.contains("empty"), "{message}");
    }
}
