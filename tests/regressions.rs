//! Inputs that once broke speclat, each with the behaviour it must keep. A comment in each test
//! states what went wrong.

use assert_cmd::Command;
use serde_json::Value;

fn speclat() -> Command {
    Command::cargo_bin("speclat").unwrap()
}

/// A reduced sweep whose three benchmarks all took 0.5 s.
const FLAT_SWEEP: &str = r#"[
 {"requests_per_second": {"successful": {"mean": 1.0}}, "request_concurrency": {"successful": {"mean": 0.5}},
  "request_latency": {"successful": {"mean": 0.5}}, "output_token_count": {"successful": {"mean": 128}}},
 {"requests_per_second": {"successful": {"mean": 2.0}}, "request_concurrency": {"successful": {"mean": 1.0}},
  "request_latency": {"successful": {"mean": 0.5}}, "output_token_count": {"successful": {"mean": 128}}},
 {"requests_per_second": {"successful": {"mean": 3.0}}, "request_concurrency": {"successful": {"mean": 1.5}},
  "request_latency": {"successful": {"mean": 0.5}}, "output_token_count": {"successful": {"mean": 128}}}]"#;

#[test]
fn constant_latency_model_loads_back() {
    // R^2 is undefined when latency does not vary. It was NaN, saved as `null`, and then
    // `speclat predict` rejected the model that `speclat fit --save` had just written.
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("flat.json");
    let model = dir.path().join("model.json");
    std::fs::write(&sweep, FLAT_SWEEP).unwrap();

    speclat()
        .arg("fit")
        .arg(&sweep)
        .args(["--k", "3", "--alpha", "0.7", "--quiet", "--save"])
        .arg(&model)
        .assert()
        .success();
    let saved: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert!(saved["accuracy"]["r2"].is_null());
    assert_eq!(saved["series"][0]["saturation_rate_per_s"], Value::Null);

    let output = speclat()
        .args(["predict", "--model"])
        .arg(&model)
        .args(["--k", "3", "--alpha", "0.7", "--rate", "1,100", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let latency = document["predictions"][1]["latency_s"].as_f64().unwrap();
    assert!(
        (latency - 0.5).abs() < 1e-6,
        "latency at 100 req/s: {latency}"
    );
}

#[test]
fn infinite_error_reads_back_as_infinite() {
    // serde_json writes an infinite error as `null`; a saved model must load with it.
    let output = speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--json",
            "--no-cross-validation",
        ])
        .output()
        .unwrap();
    let mut report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["accuracy"]["mape_percent"] = Value::Null;
    report["series"][0]["max_ape_percent"] = Value::Null;
    let bytes = serde_json::to_vec(&report).unwrap();

    let model =
        speclat::fit::FitReport::from_json_bytes(std::path::Path::new("m.json"), &bytes).unwrap();
    assert_eq!(model.accuracy.mape_percent, f64::INFINITY);
    assert_eq!(model.series[0].max_ape_percent, f64::INFINITY);
}

#[test]
fn invalid_output_tokens_named_as_such() {
    // `--output-tokens 0` was reported as a configuration missing from a per-series model.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--quiet",
            "--no-cross-validation",
            "--save",
        ])
        .arg(&model)
        .assert()
        .success();
    for tokens in ["0", "NaN", "-5"] {
        let output = speclat()
            .args(["predict", "--model"])
            .arg(&model)
            .args([
                "--k",
                "3",
                "--alpha",
                "0.7",
                "--rate",
                "5",
                "--output-tokens",
                tokens,
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{tokens}: {stderr}");
        assert!(
            stderr.contains(&format!("invalid output length {tokens}")),
            "{tokens}: {stderr}"
        );
        assert!(!stderr.contains("fitted per series"), "{tokens}: {stderr}");
    }
}
