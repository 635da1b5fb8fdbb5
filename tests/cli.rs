//! Command-line tests: exit codes, JSON fields and messages, run in temporary directories.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn speclat() -> Command {
    Command::cargo_bin("speclat").unwrap()
}

fn fit_example_json() -> Value {
    let output = speclat()
        .args(["fit", "--example", "qwen3-8b", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn fit_example_json_fields() {
    let doc = fit_example_json();
    assert_eq!(doc["schema_version"], 1);
    let coefficients = &doc["coefficients"];
    for name in [
        "c1_prefill",
        "c1_verify",
        "c1_draft",
        "c2_prefill",
        "c2_verify",
        "c2_draft",
    ] {
        let value = coefficients[name].as_f64().unwrap();
        assert!(value >= 0.0, "{name} = {value}");
    }
    // The example rounds the published figures to five digits; the accuracy matches the
    // full files to the second decimal.
    let accuracy = &doc["accuracy"];
    let loso = accuracy["loso_mape_percent"].as_f64().unwrap();
    assert!(loso < 2.48, "leave-one-series-out MAPE {loso}");
    assert!(accuracy["mape_percent"].as_f64().unwrap() < 2.43);
    assert!(accuracy["r2"].as_f64().unwrap() > 0.98);
    assert_eq!(doc["points"]["used"], 336);
    let excluded = doc["points"]["excluded"].as_array().unwrap();
    assert_eq!(excluded.len(), 144);
    let throughput = excluded
        .iter()
        .filter(|e| e["reason"]["kind"] == "throughput")
        .count();
    assert_eq!(throughput, 48);
}

#[test]
fn fit_example_table_names_sections() {
    speclat()
        .args(["fit", "--example", "qwen3-8b"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Coefficients (seconds"))
        .stdout(predicate::str::contains(
            "leave one series out:     MAPE 2.4",
        ))
        .stdout(predicate::str::contains("Excluded points (144)"))
        .stderr(predicate::str::contains("pass --include-saturated"));
}

#[test]
fn quiet_fit_prints_no_warnings() {
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--quiet"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}

#[test]
fn save_then_predict_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--quiet", "--save"])
        .arg(&model)
        .assert()
        .success();
    let output = speclat()
        .args(["predict", "--model"])
        .arg(&model)
        .args(["--k", "3", "--alpha", "0.7", "--rate", "0:20:2", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let predictions = doc["predictions"].as_array().unwrap();
    assert_eq!(predictions.len(), 11);

    // At rate 0 latency is C1; Little's law holds at every stable rate.
    let c1 = doc["c1_s"].as_f64().unwrap();
    assert!((predictions[0]["latency_s"].as_f64().unwrap() - c1).abs() < 1e-12);
    for p in predictions {
        if let Some(latency) = p["latency_s"].as_f64() {
            let rate = p["rate_per_s"].as_f64().unwrap();
            let concurrency = p["concurrency"].as_f64().unwrap();
            assert!((concurrency - rate * latency).abs() < 1e-9);
        }
    }
    // Measured: 10.25 req/s gives 2.254 s for alpha 0.7, k 3; the fit is within 5% there.
    let at_10 = predictions[5]["latency_s"].as_f64().unwrap();
    assert!(
        (at_10 - 2.2).abs() / 2.2 < 0.1,
        "latency at 10 req/s: {at_10}"
    );
    // Past the saturation rate (about 17.5 req/s) latency is null, not negative.
    assert!(predictions[10]["latency_s"].is_null());
    assert_eq!(predictions[10]["saturated"], true);
}

#[test]
fn save_refuses_existing_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    std::fs::write(&model, "keep me").unwrap();
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--save"])
        .arg(&model)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("file exists"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "keep me");
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--quiet",
            "--force",
            "--save",
        ])
        .arg(&model)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&model)
            .unwrap()
            .contains("schema_version")
    );
}

#[test]
fn predict_rejects_alpha_outside_unit_interval() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--quiet", "--save"])
        .arg(&model)
        .assert()
        .success();
    for (k, alpha) in [("3", "1.5"), ("3", "0"), ("3", "NaN")] {
        speclat()
            .args(["predict", "--model"])
            .arg(&model)
            .args(["--k", k, "--alpha", alpha, "--rate", "1"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("alpha"))
            .stderr(predicate::str::contains("(0, 1]"));
    }
    speclat()
        .args(["predict", "--model"])
        .arg(&model)
        .args(["--k", "-1", "--alpha", "0.7", "--rate", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("draft length k = -1"));
    speclat()
        .args(["predict", "--model"])
        .arg(&model)
        .args(["--k", "3", "--alpha", "0.7", "--rate", "-2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must not be negative"));
}

#[test]
fn predict_rejects_invalid_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("broken.json");
    std::fs::write(&model, "{\"schema_version\": 1,\n \"model\": ").unwrap();
    speclat()
        .args(["predict", "--model"])
        .arg(&model)
        .args(["--k", "3", "--alpha", "0.7", "--rate", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.json"))
        .stderr(predicate::str::contains("line 2"));
}

#[test]
fn unknown_example_is_an_error() {
    speclat()
        .args(["fit", "--example", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown example `nope`"));
}

#[test]
fn fit_without_inputs_is_an_error() {
    speclat()
        .arg("fit")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--example qwen3-8b"));
}

#[test]
fn bootstrap_is_seeded() {
    let run = || {
        let output = speclat()
            .args([
                "fit",
                "--example",
                "qwen3-8b",
                "--json",
                "--bootstrap",
                "20",
                "--seed",
                "7",
                "--no-cross-validation",
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        doc["model"]["coefficient_intervals"].clone()
    };
    let first = run();
    assert_eq!(first, run());
    assert_eq!(first[0]["name"], "c1_prefill");
    let lower = first[1]["lower"].as_f64().unwrap();
    let upper = first[1]["upper"].as_f64().unwrap();
    let value = first[1]["value"].as_f64().unwrap();
    assert!(lower <= value && value <= upper, "{lower} {value} {upper}");
}

/// Saves the Qwen3-8B example model in `dir` and returns its path.
fn saved_example_model(dir: &std::path::Path) -> std::path::PathBuf {
    let model = dir.join("model.json");
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--no-cross-validation",
            "-q",
            "--save",
        ])
        .arg(&model)
        .assert()
        .success();
    model
}

#[test]
fn plan_json_fields() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_example_model(dir.path());
    let output = speclat()
        .args(["plan", "--model"])
        .arg(&model)
        .args([
            "--alpha",
            "0.6",
            "--k",
            "3",
            "--rate",
            "0,4,8",
            "--concurrency",
            "1,32",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert!(doc["break_even_rate_per_s"].is_number() || doc["break_even_rate_per_s"].is_null());
    assert!(doc.get("break_even_concurrency").is_some());
    let best_k = doc["best_k"].as_array().unwrap();
    assert_eq!(best_k.len(), 5);
    assert_eq!(best_k[0]["rate_per_s"], 0.0);
    assert!(best_k[0]["k"].as_u64().unwrap() < 10);
    assert_eq!(best_k[3]["concurrency"], 1.0);
    assert!(best_k[3].get("rate_per_s").is_none());
    assert_eq!(doc["speedup"]["k"], 3);
    // No plain-decoding series was measured, so k = 0 is extrapolated and says so.
    let notes = doc["extrapolation"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("k = 0 limit")),
        "{notes:?}"
    );
}

#[test]
fn plan_vllm_config_is_json_only() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_example_model(dir.path());
    let output = speclat()
        .args(["plan", "--model"])
        .arg(&model)
        .args([
            "--alpha",
            "0.8",
            "--vllm-config",
            "--max-batch-size",
            "64",
            "--draft-model",
            "my/drafter",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let config: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(config["method"], "eagle3");
    assert_eq!(config["model"], "my/drafter");
    let ranges = config["num_speculative_tokens_per_batch_size"]
        .as_array()
        .unwrap();
    assert_eq!(ranges[0][0], 1);
    assert_eq!(ranges[ranges.len() - 1][1], 64);
    let max_k = ranges.iter().map(|r| r[2].as_u64().unwrap()).max().unwrap();
    assert_eq!(config["num_speculative_tokens"].as_u64().unwrap(), max_k);
}

#[test]
fn plan_target_missed_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_example_model(dir.path());
    // A request alone takes about 0.4 s at best, so 0.1 s is out of reach.
    speclat()
        .args(["plan", "--model"])
        .arg(&model)
        .args(["--alpha", "0.7", "--rate", "1", "--latency-target", "0.1"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no k meets the target"))
        .stderr(predicate::str::contains("warning: no draft length"));
    speclat()
        .args(["plan", "--model"])
        .arg(&model)
        .args(["--alpha", "0.7", "--rate", "1", "--latency-target", "2"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("best: k="));
}

#[test]
fn plan_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_example_model(dir.path());
    for (args, message) in [
        (
            vec!["--alpha", "1.5"],
            "invalid acceptance probability alpha = 1.5",
        ),
        (
            vec!["--alpha", "0.7", "--k-range", "5:2"],
            "the start is above the end",
        ),
        (
            vec!["--alpha", "0.7", "--rate", "-1"],
            "--rate: invalid value `-1`",
        ),
        (
            vec!["--alpha", "0.7", "--latency-target", "nan"],
            "invalid latency target NaN",
        ),
        (vec!["--per-position", "0.5,0.9"], "acceptance rate rises"),
        (
            vec![
                "--alpha",
                "0.7",
                "--latency-target",
                "2",
                "--percentile",
                "p90",
            ],
            "percentile",
        ),
    ] {
        speclat()
            .args(["plan", "--model"])
            .arg(&model)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn acceptance_converts_units() {
    let output = speclat()
        .args(["acceptance", "--per-position", "0.8,0.6,0.45", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!((doc["acceptance_length"].as_f64().unwrap() - 2.85).abs() < 1e-12);
    assert_eq!(doc["by_k"][3]["basis"], "extrapolated");

    speclat()
        .args(["acceptance", "--rate-percent", "61.3", "--k", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "acceptance length E:                   2.8390",
        ));
    speclat()
        .args(["acceptance", "--acceptance-length", "5", "--k", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid acceptance length E = 5"));
}

#[test]
fn fit_takes_alpha_from_counters() {
    let output = speclat()
        .args([
            "fit",
            "tests/fixtures/vllm_bench_append_handwritten.jsonl",
            "--k",
            "3",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let series = &doc["series"][0];
    assert_eq!(series["alpha_source"]["kind"], "measured_acceptance_length");
    let length = series["alpha_source"]["acceptance_length"]
        .as_f64()
        .unwrap();
    let alpha = series["alpha"].as_f64().unwrap();
    // E(alpha, 3) = 1 + a + a^2 + a^3 reproduces the measured length.
    let expected = 1.0 + alpha + alpha * alpha + alpha * alpha * alpha;
    assert!(
        (expected - length).abs() < 1e-9,
        "E {expected} against {length}"
    );
    assert!(doc["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str()
            .unwrap()
            .contains("was solved from the measured mean acceptance length")
    }));
}
