//! Ingest tests against published GuideLLM reports and hand-written fixtures.
//!
//! The real files live beside the repository and are not copied into it. The Qwen3-8B numbers
//! come from the speculators project's fixed-acceptance sweeps (GuideLLM 0.2/0.3, reduced
//! layout), the single-benchmark reports from GuideLLM's own test fixture (0.3.0) and from a
//! GuideLLM 0.5.0.dev0 run of gpt-oss-20b on Intel XPU.

use std::io::Write;
use std::path::{Path, PathBuf};

use speclat::ingest::{IngestError, SourceFormat, Strategy, Sweep, load_paths};

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn qwen8b_dir() -> PathBuf {
    Path::new(REAL).join("speculators-researchScaling-fixed-alpha/Qwen3-8B")
}

fn qwen8b_file(alpha: &str, k: u32) -> PathBuf {
    qwen8b_dir().join(format!(
        "output_Qwen3-8B_FS_alpha-{alpha}_draft-{k}_prompt-512_output-128_concurrency-128_reduced.json"
    ))
}

fn load_one(path: PathBuf) -> Sweep {
    let mut sweeps = load_paths(&[path]).expect("the file should load");
    assert_eq!(sweeps.len(), 1);
    sweeps.remove(0)
}

fn load_error(path: PathBuf) -> String {
    match load_paths(&[path]) {
        Ok(sweeps) => panic!("expected an error, got {} sweeps", sweeps.len()),
        Err(error) => error.to_string(),
    }
}

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "expected {expected} within {tolerance}, got {actual}"
    );
}

#[test]
fn qwen8b_alpha07_k3_values() {
    let sweep = load_one(qwen8b_file("0.70", 3));
    assert_eq!(sweep.format, SourceFormat::GuideLlmReduced);
    assert_eq!(sweep.measurements.len(), 10);

    let sync = &sweep.measurements[0];
    assert_eq!(sync.strategy, Strategy::Synchronous);
    assert!(sync.strategy_inferred);
    assert_close(sync.rate_per_s, 0.990, 1e-3);
    assert_close(sync.latency_s, 1.008, 1e-3);
    assert_eq!(sync.target_concurrency, Some(1.0));

    let throughput = &sweep.measurements[1];
    assert_eq!(throughput.strategy, Strategy::Throughput);
    assert!(throughput.strategy_inferred);
    assert_close(throughput.rate_per_s, 13.513, 1e-3);

    let last = &sweep.measurements[9];
    assert_eq!(last.strategy, Strategy::Constant);
    assert_close(last.rate_per_s, 12.77, 1e-2);
    assert_close(last.latency_s, 5.26, 1e-2);

    for m in &sweep.measurements {
        assert_close(m.output_tokens.unwrap(), 128.0, 1e-9);
        assert_eq!(m.requests_errored, Some(0));
    }
    assert_eq!(sync.requests_successful, Some(89));
    assert_eq!(sync.requests_incomplete, Some(1));
    assert_close(sync.ttft_s.unwrap(), 0.07225, 1e-5);
    assert_close(sync.itl_s.unwrap(), 0.0073705, 1e-6);
    assert_close(sync.tpot_s.unwrap(), 0.0073129, 1e-6);
    assert_close(sync.prompt_tokens.unwrap(), 520.10, 1e-2);
    assert_close(sync.latency_std_s.unwrap(), 0.08487, 1e-5);
    // The 0.2/0.3 percentile table has no p50, so the median is used instead.
    assert_close(sync.latency_percentiles.p50_s.unwrap(), 1.00439, 1e-5);
    assert!(sync.latency_percentiles.p99_s.is_some());
}

#[test]
fn qwen8b_constant_points_obey_littles_law() {
    let sweep = load_one(qwen8b_file("0.70", 3));
    for m in &sweep.measurements[2..] {
        let in_flight = m.rate_per_s * m.latency_s;
        let concurrency = m.concurrency.expect("the file has request_concurrency");
        assert!(
            (concurrency - in_flight).abs() <= 0.01 * in_flight,
            "benchmark {}: concurrency {concurrency} vs rate * latency {in_flight}",
            m.index
        );
    }
}

#[test]
fn qwen8b_inferred_target_rates() {
    let sweep = load_one(qwen8b_file("0.70", 3));
    let sync_rate = sweep.measurements[0].rate_per_s;
    let throughput_rate = sweep.measurements[1].rate_per_s;

    // Eight constant rates, evenly spaced after the synchronous rate up to the throughput rate.
    let step = (throughput_rate - sync_rate) / 8.0;
    for (j, m) in sweep.measurements[2..].iter().enumerate() {
        let target = m
            .target_rate_per_s
            .expect("constant points get a target rate");
        assert_close(target, sync_rate + (j + 1) as f64 * step, 1e-9);
    }
    let last_target = sweep.measurements[9].target_rate_per_s.unwrap();
    assert_close(last_target, throughput_rate, 1e-9);

    // Below saturation the measured rate tracks the target within 2 %.
    for m in &sweep.measurements[2..7] {
        let target = m.target_rate_per_s.unwrap();
        assert!(
            (m.rate_per_s - target).abs() <= 0.02 * target,
            "benchmark {}: measured {} vs target {target}",
            m.index,
            m.rate_per_s
        );
    }
}

#[test]
fn qwen8b_directory_loads_48_sweeps() {
    let sweeps = load_paths(&[qwen8b_dir()]).expect("the directory should load");
    assert_eq!(sweeps.len(), 48);

    let mut names: Vec<_> = sweeps.iter().map(|s| s.file.clone()).collect();
    let loaded_order = names.clone();
    names.sort();
    assert_eq!(loaded_order, names, "sweeps come back in sorted path order");

    for sweep in &sweeps {
        assert_eq!(sweep.measurements.len(), 10, "{}", sweep.file.display());
        assert_eq!(sweep.measurements[0].strategy, Strategy::Synchronous);
        assert_eq!(sweep.measurements[1].strategy, Strategy::Throughput);
    }
}

#[test]
fn qwen4b_twenty_point_sweep() {
    let path = Path::new(REAL).join(
        "speculators-researchScaling-fixed-alpha/Qwen3-4B/\
         output_Qwen3-4B_FS_alpha-0.80_draft-3_prompt-512_output-128_concurrency-128_reduced.json",
    );
    let sweep = load_one(path);
    assert_eq!(sweep.measurements.len(), 20);
    let last = sweep.measurements[19].target_rate_per_s.unwrap();
    assert_close(last, sweep.measurements[1].rate_per_s, 1e-9);
}

/// Compares two measurements to a relative 1e-12, because serde_json's default float parser
/// may round the last bit differently from serde_yaml's.
fn assert_same_numbers(a: &speclat::ingest::Measurement, b: &speclat::ingest::Measurement) {
    let numbers = |m: &speclat::ingest::Measurement| {
        vec![
            Some(m.rate_per_s),
            Some(m.latency_s),
            m.latency_std_s,
            m.latency_percentiles.p50_s,
            m.latency_percentiles.p90_s,
            m.latency_percentiles.p95_s,
            m.latency_percentiles.p99_s,
            m.concurrency,
            m.ttft_s,
            m.itl_s,
            m.tpot_s,
            m.prompt_tokens,
            m.output_tokens,
        ]
    };
    for (x, y) in numbers(a).into_iter().zip(numbers(b)) {
        let (x, y) = (x.expect("value present"), y.expect("value present"));
        assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{x} vs {y}");
    }
    assert_eq!(a.strategy, b.strategy);
    assert_eq!(a.target_concurrency, b.target_concurrency);
    assert_eq!(a.requests_successful, b.requests_successful);
    assert_eq!(a.requests_errored, b.requests_errored);
    assert_eq!(a.requests_incomplete, b.requests_incomplete);
}

#[test]
fn test_fixture_json_and_yaml_agree() {
    let dir = Path::new(REAL).join("guidellm-test-fixture");
    let json = load_one(dir.join("benchmarks_stripped.json"));
    let yaml = load_one(dir.join("benchmarks_stripped.yaml"));

    assert_eq!(json.format, SourceFormat::GuideLlmV02);
    assert_eq!(yaml.format, SourceFormat::GuideLlmV02);
    assert_same_numbers(&json.measurements[0], &yaml.measurements[0]);

    let m = &json.measurements[0];
    assert_eq!(m.strategy, Strategy::Synchronous);
    assert!(!m.strategy_inferred);
    assert_close(m.rate_per_s, 1.54818, 1e-5);
    assert_close(m.latency_s, 0.644474, 1e-6);
    assert_close(m.concurrency.unwrap(), 0.99776, 1e-5);
    assert_close(m.ttft_s.unwrap(), 0.0167925, 1e-7);
    assert_close(m.output_tokens.unwrap(), 128.0, 1e-9);
    assert_close(m.latency_percentiles.p50_s.unwrap(), 0.642457, 1e-6);
    assert_close(m.latency_percentiles.p90_s.unwrap(), 0.648874, 1e-6);
    // The 0.3 report keeps request_totals beside metrics.
    assert_eq!(m.requests_successful, Some(46));
    assert_eq!(m.requests_errored, Some(0));
    assert_eq!(m.requests_incomplete, Some(1));
}

#[test]
fn intel_xpu_v05_report() {
    let path = Path::new(REAL)
        .join("guidellm-bench-intel-xpu/openai_gpt-oss-20b_tp4_quant-none_benchmarks.json");
    let sweep = load_one(path);
    assert_eq!(sweep.format, SourceFormat::GuideLlmV05);
    assert_eq!(sweep.measurements.len(), 1);

    let m = &sweep.measurements[0];
    assert_eq!(m.strategy, Strategy::Synchronous);
    assert!(!m.strategy_inferred);
    assert_close(m.rate_per_s, 1.0 / 30.0, 1e-9);
    assert_close(m.latency_s, 30.6441, 1e-4);
    assert_close(m.ttft_s.unwrap(), 0.048844, 1e-6);
    assert_close(m.itl_s.unwrap(), 0.029906, 1e-6);
    assert_close(m.output_tokens.unwrap(), 1024.0, 1e-9);
    assert_close(m.prompt_tokens.unwrap(), 92.72, 1e-9);
    assert_close(m.latency_percentiles.p50_s.unwrap(), 30.64617, 1e-5);
    assert_close(m.latency_percentiles.p99_s.unwrap(), 30.87824, 1e-5);
    assert_eq!(m.requests_successful, Some(25));
    assert_eq!(m.requests_errored, Some(0));
    assert_eq!(m.requests_incomplete, Some(0));
}

#[test]
fn handwritten_v04_report() {
    let sweep = load_one(Path::new(FIXTURES).join("guidellm-0.4-handwritten.json"));
    assert_eq!(sweep.format, SourceFormat::GuideLlmV04);
    assert_eq!(sweep.measurements.len(), 2);

    let first = &sweep.measurements[0];
    assert_eq!(first.strategy, Strategy::Concurrent);
    assert_eq!(first.target_concurrency, Some(4.0));
    assert_close(first.rate_per_s, 3.2, 1e-12);
    assert_close(first.latency_s, 1.25, 1e-12);
    assert_close(first.tpot_s.unwrap(), 0.0046, 1e-12);
    assert_eq!(first.latency_percentiles.p50_s, Some(1.21));
    assert_eq!(first.latency_percentiles.p95_s, Some(1.45));
    assert_eq!(first.requests_successful, Some(200));
    assert_eq!(first.requests_errored, Some(2));
    assert_eq!(first.requests_incomplete, Some(4));

    let second = &sweep.measurements[1];
    assert_eq!(second.strategy, Strategy::Concurrent);
    assert_eq!(second.target_concurrency, Some(16.0));
    assert!(!second.strategy_inferred);
}

#[test]
fn handwritten_v07_report() {
    let sweep = load_one(Path::new(FIXTURES).join("guidellm-0.7-handwritten.json"));
    assert_eq!(sweep.format, SourceFormat::GuideLlmV07);

    let poisson = &sweep.measurements[0];
    assert_eq!(poisson.strategy, Strategy::Poisson);
    assert_eq!(poisson.target_rate_per_s, Some(2.0));
    assert_close(poisson.rate_per_s, 1.97, 1e-12);
    assert_close(poisson.ttft_s.unwrap(), 0.055, 1e-12);
    assert_eq!(poisson.requests_errored, Some(1));

    let throughput = &sweep.measurements[1];
    assert_eq!(throughput.strategy, Strategy::Throughput);
    assert_eq!(throughput.target_concurrency, Some(64.0));
    assert_eq!(throughput.target_rate_per_s, None);
}

#[test]
fn gzip_file_matches_plain() {
    let source = qwen8b_file("0.70", 3);
    let dir = tempfile::tempdir().unwrap();
    let gz_path = dir.path().join("alpha-0.70_draft-3.json.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&std::fs::read(&source).unwrap()).unwrap();
    encoder.finish().unwrap();

    let plain = load_one(source);
    let gz = load_one(gz_path.clone());
    assert_eq!(gz.measurements, plain.measurements);

    // The directory search picks up `.json.gz` too.
    let from_dir = load_paths(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(from_dir.len(), 1);
    assert_eq!(from_dir[0].file, gz_path);
}

#[test]
fn missing_file_is_not_found() {
    let path = PathBuf::from(FIXTURES).join("no-such-report.json");
    let error = load_paths(std::slice::from_ref(&path)).unwrap_err();
    assert!(matches!(error, IngestError::NotFound { .. }));
    assert!(error.to_string().contains("no-such-report.json: not found"));
}

#[test]
fn directory_without_reports_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a report").unwrap();
    let error = load_paths(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(matches!(error, IngestError::EmptyDirectory { .. }));
    let message = error.to_string();
    assert!(message.contains(&dir.path().display().to_string()));
    assert!(message.contains(".json.gz"));
}

#[test]
fn truncated_json_reports_line_and_column() {
    let text = std::fs::read_to_string(qwen8b_file("0.70", 3)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.json");
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();

    let message = load_error(path);
    assert!(message.contains("truncated.json"), "{message}");
    assert!(message.contains("invalid JSON at line "), "{message}");
    assert!(message.contains(", column "), "{message}");
    assert!(message.contains("the file ends while parsing"), "{message}");
}

#[test]
fn missing_latency_names_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-latency.json");
    std::fs::write(
        &path,
        r#"{"benchmarks": [
            {"args": {"strategy": {"type_": "synchronous"}},
             "metrics": {"requests_per_second": {"successful": {"mean": 1.0}},
                         "request_latency": {"successful": {"mean": 1.0}}}},
            {"args": {"strategy": {"type_": "constant", "rate": 2.0}},
             "metrics": {"requests_per_second": {"successful": {"mean": 2.0}},
                         "request_latency": {"successful": {"count": 10}}}}]}"#,
    )
    .unwrap();

    let message = load_error(path);
    assert!(message.contains("no-latency.json"), "{message}");
    assert!(
        message.contains(
            "benchmarks[1].metrics.request_latency.successful.mean: missing field `mean`"
        ),
        "{message}"
    );
    assert!(message.contains("hint:"), "{message}");
}

#[test]
fn negative_rate_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("negative.json");
    std::fs::write(
        &path,
        r#"[{"requests_per_second": {"successful": {"mean": -3.5}},
             "request_latency": {"successful": {"mean": 1.0}}}]"#,
    )
    .unwrap();

    let message = load_error(path);
    assert!(message.contains("negative.json"), "{message}");
    assert!(
        message.contains("[0].requests_per_second.successful.mean: invalid value -3.5"),
        "{message}"
    );
}

#[test]
fn yaml_nan_latency_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.yaml");
    std::fs::write(
        &path,
        "benchmarks:\n\
         - args:\n    strategy:\n      type_: synchronous\n\
         \x20 metrics:\n\
         \x20   requests_per_second:\n      successful:\n        mean: 1.0\n\
         \x20   request_latency:\n      successful:\n        mean: .nan\n",
    )
    .unwrap();

    let message = load_error(path);
    assert!(message.contains("nan.yaml"), "{message}");
    assert!(
        message
            .contains("benchmarks[0].metrics.request_latency.successful.mean: invalid value NaN"),
        "{message}"
    );
}

#[test]
fn non_utf8_bytes_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.json");
    std::fs::write(&path, b"{\"benchmarks\": [\"caf\xe9\"]}").unwrap();

    let message = load_error(path);
    assert!(message.contains("latin1.json"), "{message}");
    assert!(message.contains("invalid UTF-8 at byte 20"), "{message}");
}

#[test]
fn empty_benchmark_list_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.json");
    std::fs::write(&path, r#"{"benchmarks": []}"#).unwrap();

    let message = load_error(path);
    assert!(
        message.contains("empty.json: benchmarks: no benchmarks"),
        "{message}"
    );
}

#[test]
fn qwen8b_labels_from_file_names() {
    use speclat::ingest::labels::{LabelOptions, label_sweeps};

    let sweeps = load_paths(&[qwen8b_dir()]).unwrap();
    let series = label_sweeps(sweeps, &LabelOptions::default()).unwrap();
    assert_eq!(series.len(), 48);

    let mut labels: Vec<_> = series.iter().map(|s| s.label.clone()).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), 48, "every (alpha, k) pair appears once");

    let k3 = series
        .iter()
        .find(|s| s.label == "alpha-0.70_draft-3")
        .expect("the alpha 0.7, k 3 sweep is labelled");
    assert_eq!(k3.spec.k(), 3);
    assert_eq!(k3.spec.alpha(), 0.7);
    assert_eq!(k3.measurements.len(), 10);
}
