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

/// A reduced sweep of four stable benchmarks, for tests that need a real input file.
const SWEEP: &str = r#"[
 {"requests_per_second": {"successful": {"mean": 1.0}}, "request_concurrency": {"successful": {"mean": 0.5}},
  "request_latency": {"successful": {"mean": 0.5}}, "output_token_count": {"successful": {"mean": 128}}},
 {"requests_per_second": {"successful": {"mean": 2.0}}, "request_concurrency": {"successful": {"mean": 1.1}},
  "request_latency": {"successful": {"mean": 0.55}}, "output_token_count": {"successful": {"mean": 128}}},
 {"requests_per_second": {"successful": {"mean": 3.0}}, "request_concurrency": {"successful": {"mean": 1.83}},
  "request_latency": {"successful": {"mean": 0.61}}, "output_token_count": {"successful": {"mean": 128}}},
 {"requests_per_second": {"successful": {"mean": 4.0}}, "request_concurrency": {"successful": {"mean": 2.72}},
  "request_latency": {"successful": {"mean": 0.68}}, "output_token_count": {"successful": {"mean": 128}}}]"#;

#[test]
fn save_refuses_an_input_path() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sweep.json");
    std::fs::write(&input, SWEEP).unwrap();
    // The same file by another spelling, with --force: still refused, before any fit.
    let other_spelling = dir.path().join(".").join("sweep.json");
    speclat()
        .arg("fit")
        .arg(&input)
        .args(["--k", "3", "--alpha", "0.7", "--force", "--save"])
        .arg(&other_spelling)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "refusing to save the model over an input file",
        ))
        .stderr(predicate::str::contains("hint: choose another --save path"));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), SWEEP);
}

#[test]
fn save_refuses_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sweep.json"), SWEEP).unwrap();
    let manifest = dir.path().join("m.toml");
    let text = "[[series]]\nfiles = \"sweep.json\"\nk = 3\nalpha = 0.7\n";
    std::fs::write(&manifest, text).unwrap();
    speclat()
        .arg("fit")
        .arg(dir.path().join("sweep.json"))
        .arg("--manifest")
        .arg(&manifest)
        .args(["--force", "--save"])
        .arg(&manifest)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "refusing to save the model over an input file",
        ));
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
}

#[test]
fn save_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sweep.json");
    std::fs::write(&input, SWEEP).unwrap();
    let model = dir.path().join("model.json");
    for force in [false, true] {
        let mut command = speclat();
        command
            .arg("fit")
            .arg(&input)
            .args(["--k", "3", "--alpha", "0.7", "--quiet", "--save"])
            .arg(&model);
        if force {
            command.arg("--force");
        }
        command.assert().success();
    }

    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["model.json", "sweep.json"]);
    let saved: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 1);
}

#[test]
fn save_into_missing_directory_fails_before_fit() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("no-such-dir").join("model.json");
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--save"])
        .arg(&model)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "no-such-dir: cannot create a file in this directory",
        ))
        .stderr(predicate::str::contains("hint: choose a --save path"));
    assert!(!model.exists());
}

#[test]
fn save_into_read_only_directory_fails() {
    let dir = tempfile::tempdir().unwrap();
    let read_only = dir.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    let mut permissions = std::fs::metadata(&read_only).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&read_only, permissions).unwrap();

    // Root ignores permission bits; /proc refuses new files even to root on Linux.
    let probe = read_only.join("probe");
    let target = if std::fs::write(&probe, b"").is_err() {
        read_only.clone()
    } else if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc")
    } else {
        return;
    };

    speclat()
        .args(["fit", "--example", "qwen3-8b", "--save"])
        .arg(target.join("model.json"))
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(format!(
            "{}: cannot create a file in this directory",
            target.display()
        )));
    assert!(!target.join("model.json").exists());
}

#[test]
fn unmatched_selector_is_an_error() {
    for (flag, selector) in [
        ("--exclude", "alpha-0.70_draft-33"),
        ("--include", "draft-3:99"),
    ] {
        speclat()
            .args(["fit", "--example", "qwen3-8b", flag, selector])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(format!(
                "{flag} {selector} matches no benchmark; the series are: alpha-0.50_draft-1, "
            )))
            .stderr(predicate::str::contains("and 38 more"));
    }
}

#[test]
fn negative_fit_option_reaches_validation() {
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--headroom-exponent", "-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid fit option --headroom-exponent = -1: must lie in [0, 2]",
        ));
}
