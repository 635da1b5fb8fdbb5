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

    // At rate 0 latency is C1, and Little's law is satisfied at every stable rate.
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
    std::fs::write(
        &model,
        "{\"schema_version\": 1, \"speclat_version\": \"0.1.0\",\n \"model\": ",
    )
    .unwrap();
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
    assert!(lower <= value, "{lower} {value} {upper}");
    assert!(value <= upper, "{lower} {value} {upper}");
}

fn real_file(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/real/speculators-researchScaling-fixed-alpha/Qwen3-8B"
    ))
    .join(name)
}

const K3_FILE: &str =
    "output_Qwen3-8B_FS_alpha-0.70_draft-3_prompt-512_output-128_concurrency-128_reduced.json";
const K5_FILE: &str =
    "output_Qwen3-8B_FS_alpha-0.70_draft-5_prompt-512_output-128_concurrency-128_reduced.json";

#[test]
fn force_never_overwrites_a_file_inside_an_input_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for name in [K3_FILE, K5_FILE] {
        std::fs::copy(real_file(name), data.join(name)).unwrap();
    }
    let target = data.join(K3_FILE);
    let before = std::fs::read(&target).unwrap();
    speclat()
        .arg("fit")
        .arg(&data)
        .arg("--save")
        .arg(&target)
        .arg("--force")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "refusing to write over an input file",
        ));
    assert_eq!(std::fs::read(&target).unwrap(), before);
}

#[test]
fn saved_model_inside_input_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for name in [K3_FILE, K5_FILE] {
        std::fs::copy(real_file(name), data.join(name)).unwrap();
    }
    speclat()
        .arg("fit")
        .arg(&data)
        .args(["--quiet", "--save"])
        .arg(data.join("model.json"))
        .assert()
        .success();
    speclat()
        .arg("fit")
        .arg(&data)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("model.json"))
        .stderr(predicate::str::contains("written by `speclat fit --save`"));
}

#[test]
fn predict_rejects_a_benchmark_as_model() {
    speclat()
        .args(["predict", "--model"])
        .arg(real_file(K3_FILE))
        .args(["--k", "3", "--alpha", "0.7", "--rate", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a speclat model"));
}

#[test]
fn single_point_sweep_is_refused_with_remedy() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/real/guidellm-test-fixture/benchmarks_stripped.json"
    );
    speclat()
        .args(["fit", fixture, "--k", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("benchmarks_stripped.json"))
        .stderr(predicate::str::contains("only 1 of 1 points"))
        .stderr(predicate::str::contains("rerun the benchmark as a sweep"));
}

#[test]
fn single_configuration_falls_back_to_per_series_fit() {
    let output = speclat()
        .arg("fit")
        .arg(real_file(K3_FILE))
        .args(["--k", "3", "--alpha", "0.7", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(doc["coefficients"].is_null());
    assert_eq!(doc["model"]["identifiability"]["kind"], "reduced");
    let series = &doc["series"][0];
    // Synchronous latency 1.008 s: C1 lies close to it.
    let c1 = series["c1_s"].as_f64().unwrap();
    assert!((c1 - 1.0).abs() < 0.05, "C1 {c1}");
    assert!(doc["accuracy"]["loso_mape_percent"].is_null());
}

/// Saves the example fit, without cross-validation to keep the test quick, into `directory`.
fn saved_model(directory: &std::path::Path) -> std::path::PathBuf {
    let model = directory.join("model.json");
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
    model
}

#[test]
fn fit_plots_writes_every_figure() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("figures");
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--no-cross-validation",
            "--plots",
        ])
        .arg(&plots)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote 12 figures to"));
    let mut names: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 12);
    assert!(names.contains(&"collapse.svg".to_string()));
    assert!(names.contains(&"best_k.png".to_string()));

    // A second run needs --force, and the error names it before the fit starts.
    speclat()
        .args(["fit", "--example", "qwen3-8b", "--plots"])
        .arg(&plots)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("file exists"))
        .stderr(predicate::str::contains("--force"));
}

#[test]
fn plot_format_limits_files() {
    let dir = tempfile::tempdir().unwrap();
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--no-cross-validation",
            "--quiet",
            "--plot-format",
            "svg",
            "--plots",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    let count = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(count, 6);
}

#[test]
fn plot_alpha_is_validated() {
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--plot-alpha",
            "1.5",
            "--plots",
            "x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--plot-alpha"))
        .stderr(predicate::str::contains("(0, 1]"));
}

#[test]
fn report_from_model_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_model(dir.path());
    let page = dir.path().join("report.html");
    speclat()
        .args(["report", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&page)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote the report to"))
        .stderr(predicate::str::contains("warning: 144 of 480 points"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("id=\"model-data\""));
    assert_eq!(html.matches("<svg").count(), 6);
    assert!(!html.contains("https://"));
}

#[test]
fn report_refuses_existing_output_and_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_model(dir.path());
    let page = dir.path().join("report.html");
    std::fs::write(&page, "keep me").unwrap();
    speclat()
        .args(["report", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&page)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("file exists"));
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "keep me");

    // Never over the model it reads, even with --force.
    speclat()
        .args(["report", "--force", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&model)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "refusing to write over an input file",
        ));
    assert!(
        std::fs::read_to_string(&model)
            .unwrap()
            .contains("schema_version")
    );
}

#[test]
fn report_from_example_with_plots() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let plots = dir.path().join("figures");
    speclat()
        .args([
            "-q",
            "report",
            "--example",
            "qwen3-8b",
            "--no-cross-validation",
            "--plot-k",
            "4",
            "--plot-format",
            "png",
            "-o",
        ])
        .arg(&page)
        .arg("--plots")
        .arg(&plots)
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("built-in example qwen3-8b"));
    assert!(html.contains("Where the time goes at k=4, alpha=0.70"));
    assert_eq!(std::fs::read_dir(&plots).unwrap().count(), 6);
}

#[test]
fn report_model_conflicts_with_paths() {
    speclat()
        .args(["report", "--model", "m.json", "sweep.json", "-o", "r.html"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn verbose_lists_written_figures() {
    let dir = tempfile::tempdir().unwrap();
    speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--no-cross-validation",
            "--verbose",
            "--plot-format",
            "svg",
            "--plots",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("alpha-0.50_draft-1"))
        .stderr(predicate::str::contains("residuals.svg"));
}

#[test]
fn warnings_have_no_colour_off_terminal() {
    // Standard error is a pipe here, so neither colour nor progress bars may appear, even with
    // NO_COLOR unset.
    let output = speclat()
        .args([
            "fit",
            "--example",
            "qwen3-8b",
            "--no-cross-validation",
            "--bootstrap",
            "5",
        ])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("warning: "), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes in {stderr:?}");
}

#[test]
fn quiet_predict_prints_no_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_model(dir.path());
    // k = 20 lies outside the measured draft lengths, which warns unless quiet.
    let args = ["--k", "20", "--alpha", "0.7", "--rate", "1"];
    speclat()
        .args(["predict", "--model"])
        .arg(&model)
        .args(args)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: k=20"));
    speclat()
        .args(["predict", "-q", "--model"])
        .arg(&model)
        .args(args)
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
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
            "refusing to write over an input file",
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
            "refusing to write over an input file",
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
