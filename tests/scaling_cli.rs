//! The fit across systems through the `speclat` binary: `fit` with `[[system]]` tables, then
//! `predict` and `plan` for systems that were never measured.
//!
//! - Qwen3 fixed-acceptance sweeps at four sizes (vllm-project/speculators, branch
//!   `researchScaling`, commit fd1375ae, Apache-2.0), each described by its handwritten public
//!   configuration, and Qwen3-14B, which was not measured, predicted from them.
//! - The DSpark set (vllm-project/speculators, `examples/evaluate/results/qwen3_8_27b_dspark`,
//!   commits 01d6d4d4 and 8685273f, Apache-2.0): one server and two datasets, described by
//!   their prompt and output lengths alone.
//!
//! Every manifest, configuration copy and output lives in a temporary directory. The manifests
//! reach the real data through globs that start with `..`.

use std::path::{Component, Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

const FIXED_ALPHA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/real/speculators-researchScaling-fixed-alpha"
);
const DSPARK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/real/speculators-dspark-qwen3.8-27b"
);
const CONFIGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hf-config");

/// The measured sizes, with the fixture folder of each configuration.
const SIZES: [(&str, &str); 4] = [
    ("Qwen3-0.6B", "qwen3-0.6b"),
    ("Qwen3-4B", "qwen3-4b"),
    ("Qwen3-8B", "qwen3-8b"),
    ("Qwen3-32B", "qwen3-32b"),
];

const RANGE_WARNING: &str = "outside the fitted systems' range";

fn speclat() -> Command {
    Command::cargo_bin("speclat").unwrap()
}

/// Runs `speclat ARGS` and returns its output, whatever the exit status.
fn run(args: &[&str]) -> Output {
    speclat().args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Runs `speclat ARGS`, checks exit status 0 and parses standard output as JSON.
fn json(args: &[&str]) -> Value {
    let output = run(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Runs `speclat ARGS`, checks exit status 2 and an empty standard output, and returns
/// standard error.
fn failure(args: &[&str]) -> String {
    let output = run(args);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?} printed a result");
    stderr
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `target` relative to `base`, as a glob prefix: `..` up to their common ancestor, then down.
/// Characters that globs treat specially are wrapped in brackets so that they match literally.
fn glob_prefix(base: &Path, target: &str) -> String {
    let base = base.canonicalize().unwrap();
    let target = Path::new(target).canonicalize().unwrap();
    let common = base
        .components()
        .zip(target.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = base
        .components()
        .skip(common)
        .map(|_| "..".to_string())
        .collect();
    for component in target.components().skip(common) {
        let Component::Normal(name) = component else {
            panic!("unexpected component in {}", target.display());
        };
        let escaped: String = name
            .to_str()
            .unwrap()
            .chars()
            .map(|c| match c {
                '*' | '?' | '[' | ']' | '{' | '}' => format!("[{c}]"),
                _ => c.to_string(),
            })
            .collect();
        parts.push(escaped);
    }
    assert_eq!(
        parts[0],
        "..",
        "the data must lie outside {}",
        base.display()
    );
    parts.join("/")
}

/// Copies the fixture configuration `name` to `configs/<name>/config.json` under `dir`.
fn copy_config(dir: &Path, name: &str) -> PathBuf {
    let target = dir.join("configs").join(name).join("config.json");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(Path::new(CONFIGS).join(name).join("config.json"), &target).unwrap();
    target
}

/// Writes `systems.toml` with one `[[system]]` table per measured Qwen3 size, and copies the
/// configurations it names and the Qwen3-14B one. Returns the manifest's path.
fn qwen3_manifest(dir: &Path) -> PathBuf {
    let prefix = glob_prefix(dir, FIXED_ALPHA);
    let mut manifest = String::new();
    for (name, config) in SIZES {
        copy_config(dir, config);
        manifest.push_str(&format!(
            "[[system]]\nname = \"{name}\"\nfiles = \"{prefix}/{name}/*.json\"\nconfig = \"configs/{config}/config.json\"\n\n"
        ));
    }
    copy_config(dir, "qwen3-14b");
    let path = dir.join("systems.toml");
    std::fs::write(&path, manifest).unwrap();
    path
}

/// Fits the four sizes with each held out in turn and saves the model as `scaling.json`.
/// Returns the model's path.
fn qwen3_model(dir: &Path) -> PathBuf {
    let manifest = qwen3_manifest(dir);
    let model = dir.join("scaling.json");
    let output = run(&[
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--leave-one-system-out",
        "--quiet",
        "--save",
        path_str(&model),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    model
}

/// `speclat predict --model MODEL ARGS --k 3 --alpha 0.7 --json`.
fn predict_json(model: &Path, args: &[&str]) -> Value {
    let mut all = vec!["predict", "--model", path_str(model)];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--k", "3", "--alpha", "0.7", "--json"]);
    json(&all)
}

fn f64_at(value: &Value, pointer: &str) -> f64 {
    value
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {pointer} in {value}"))
}

/// Mean latency at rate 0 and the relative half-width of its 95% interval.
fn synchronous_latency(document: &Value) -> (f64, f64) {
    let first = &document["predictions"][0];
    assert_eq!(f64_at(first, "/rate_per_s"), 0.0);
    let latency = f64_at(first, "/latency_s");
    let low = f64_at(first, "/latency_interval_95/low_s");
    let high = f64_at(first, "/latency_interval_95/high_s");
    (latency, (high - low) / 2.0 / latency)
}

fn warnings(document: &Value) -> Vec<String> {
    document["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

/// Checks whether the text output of `predict` or `plan` carries the described system's summary.
fn stdout_has_described_line(output: &Output) -> bool {
    text(&output.stdout).contains("described system (not measured)")
}

fn qwen3_14b_config(dir: &Path) -> String {
    path_str(&dir.join("configs/qwen3-14b/config.json")).to_string()
}

#[test]
fn qwen3_fit_holds_out_each_size() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = qwen3_manifest(dir.path());
    let model = dir.path().join("scaling.json");
    let output = run(&[
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--leave-one-system-out",
        "--save",
        path_str(&model),
    ]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    let table = stdout
        .split("Leave one system out")
        .nth(1)
        .expect("no leave-one-system-out table");
    let row = table
        .lines()
        .find(|line| line.trim_start().starts_with("Qwen3-8B "))
        .expect("no Qwen3-8B row");
    assert!(row.contains("interpolated"), "{row}");

    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["kind"], "scaling");
    assert_eq!(saved["basis"], "architecture");
    assert_eq!(saved["systems"].as_array().unwrap().len(), 4);
    let held_out = saved["leave_one_system_out"].as_array().unwrap();
    assert_eq!(held_out.len(), 4);
    let qwen3_8b = held_out.iter().find(|h| h["name"] == "Qwen3-8B").unwrap();
    let mape = f64_at(qwen3_8b, "/mape_percent");
    assert!(mape <= 6.0, "Qwen3-8B held out: MAPE {mape:.2}%");
    assert_eq!(f64_at(qwen3_8b, "/extrapolation"), 0.0);
    assert_eq!(qwen3_8b["saturated_points"], 0);

    // --json prints the document that --save writes.
    let printed = json(&[
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--leave-one-system-out",
        "--json",
    ]);
    let printed_weights = printed["weights"].as_array().unwrap();
    let saved_weights = saved["weights"].as_array().unwrap();
    assert_eq!(printed_weights.len(), saved_weights.len());
    for (p, s) in printed_weights.iter().zip(saved_weights) {
        assert_eq!(p["coefficient"], s["coefficient"]);
        assert_eq!(p["term"], s["term"]);
        assert_eq!(p["at_bound"], s["at_bound"]);
        let (a, b) = (f64_at(p, "/value"), f64_at(s, "/value"));
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{}: {a} against {b}", s);
    }
}

#[test]
fn single_system_fit_counts_one_system() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = qwen3_manifest(dir.path());
    let text_8b = std::fs::read_to_string(&manifest)
        .unwrap()
        .split("\n\n")
        .find(|table| table.contains("\"Qwen3-8B\""))
        .unwrap()
        .to_string();
    std::fs::write(&manifest, text_8b).unwrap();

    let output = run(&[
        "fit",
        &format!("{FIXED_ALPHA}/Qwen3-8B"),
        "--manifest",
        path_str(&manifest),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("Fit across 1 system, "), "{stdout}");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("fitting 1 system as a function of its lengths"),
        "{stderr}"
    );
}

#[test]
fn qwen3_14b_lies_between_8b_and_32b() {
    let dir = tempfile::tempdir().unwrap();
    let model = qwen3_model(dir.path());
    let rates = ["--rate", "0,2,4"];
    let config = qwen3_14b_config(dir.path());
    let mut args = vec!["--verifier-config", config.as_str()];
    args.extend_from_slice(&rates);
    let qwen3_14b = predict_json(&model, &args);

    let described = &qwen3_14b["described_system"];
    assert_eq!(f64_at(described, "/extrapolation_doublings"), 0.0);
    assert_eq!(described["includes_transfer_error"], true);
    assert!(warnings(&qwen3_14b).is_empty(), "{qwen3_14b}");
    let predictions = qwen3_14b["predictions"].as_array().unwrap();
    assert_eq!(predictions.len(), 3);
    for p in predictions {
        let latency = f64_at(p, "/latency_s");
        let low = f64_at(p, "/latency_interval_95/low_s");
        let high = f64_at(p, "/latency_interval_95/high_s");
        assert!(low < latency, "{p}");
        assert!(latency < high, "{p}");
    }

    let (latency_14b, _) = synchronous_latency(&qwen3_14b);
    let (latency_8b, _) = synchronous_latency(&predict_json(
        &model,
        &["--system", "Qwen3-8B", "--rate", "0"],
    ));
    let (latency_32b, _) = synchronous_latency(&predict_json(
        &model,
        &["--system", "Qwen3-32B", "--rate", "0"],
    ));
    assert!(
        latency_8b < latency_14b,
        "8B {latency_8b} s, 14B {latency_14b} s"
    );
    assert!(
        latency_14b < latency_32b,
        "14B {latency_14b} s, 32B {latency_32b} s"
    );
}

#[test]
fn larger_shape_widens_interval() {
    let dir = tempfile::tempdir().unwrap();
    let model = qwen3_model(dir.path());
    let config_32b = path_str(&dir.path().join("configs/qwen3-32b/config.json")).to_string();
    let big = [
        "--verifier-config",
        config_32b.as_str(),
        "--hidden-size",
        "8192",
        "--layers",
        "80",
        "--rate",
        "0",
    ];

    let mut args = vec!["predict", "--model", path_str(&model)];
    args.extend_from_slice(&big);
    args.extend_from_slice(&["--k", "3", "--alpha", "0.7"]);
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(RANGE_WARNING), "{stderr}");
    assert!(
        stdout_has_described_line(&output),
        "{}",
        text(&output.stdout)
    );

    let outside = predict_json(&model, &big);
    assert!(f64_at(&outside, "/described_system/extrapolation_doublings") > 0.0);
    let config_14b = qwen3_14b_config(dir.path());
    let inside = predict_json(
        &model,
        &["--verifier-config", config_14b.as_str(), "--rate", "0"],
    );
    let (_, half_width_outside) = synchronous_latency(&outside);
    let (_, half_width_inside) = synchronous_latency(&inside);
    assert!(
        half_width_outside > half_width_inside,
        "outside {half_width_outside}, inside {half_width_inside}"
    );
}

#[test]
fn longer_prompt_raises_c1_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let model = qwen3_model(dir.path());
    let at = |prompt: &str| {
        predict_json(
            &model,
            &[
                "--system",
                "Qwen3-8B",
                "--prompt-tokens",
                prompt,
                "--rate",
                "0,2",
            ],
        )
    };
    let short = at("512");
    let long = at("1024");

    let (c1_short, c1_long) = (f64_at(&short, "/c1_s"), f64_at(&long, "/c1_s"));
    assert!(
        c1_long > c1_short,
        "C1 {c1_long} s at 1024, {c1_short} s at 512"
    );
    assert_eq!(f64_at(&short, "/described_system/prompt_tokens"), 512.0);
    assert_eq!(f64_at(&long, "/described_system/prompt_tokens"), 1024.0);

    // At 512 prompt tokens every descriptor of the 8B lies within the fitted systems' range.
    assert!(
        !warnings(&short).iter().any(|w| w.contains(RANGE_WARNING)),
        "{:?}",
        warnings(&short)
    );
    // At 1024 prompt tokens the 8B reads more KV cache per step than the 32B did at the
    // measured 520, while its prefill work stays below the 32B's.
    let long_warnings = warnings(&long);
    let range = long_warnings
        .iter()
        .find(|w| w.contains(RANGE_WARNING))
        .unwrap_or_else(|| panic!("no range warning in {long_warnings:?}"));
    assert!(range.contains("kv_read"), "{range}");
    assert!(!range.contains("prefill_work"), "{range}");
    assert!(f64_at(&long, "/described_system/extrapolation_doublings") > 0.0);
}

#[test]
fn plan_for_described_system() {
    let dir = tempfile::tempdir().unwrap();
    let model = qwen3_model(dir.path());
    let config = qwen3_14b_config(dir.path());
    let args = [
        "plan",
        "--model",
        path_str(&model),
        "--verifier-config",
        config.as_str(),
        "--alpha",
        "0.7",
    ];

    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        stdout_has_described_line(&output),
        "{}",
        text(&output.stdout)
    );

    let mut with_json = args.to_vec();
    with_json.push("--json");
    let document = json(&with_json);
    let described = &document["described_system"];
    assert!(described.is_object(), "{document}");
    assert_eq!(f64_at(described, "/extrapolation_doublings"), 0.0);
    assert!(f64_at(described, "/c1_interval_percent") > 0.0);
    assert!(f64_at(&document, "/speedup/k") >= 1.0);
}

#[test]
fn predict_rejects_bad_descriptions() {
    let dir = tempfile::tempdir().unwrap();
    let model = qwen3_model(dir.path());
    let model = path_str(&model);
    let config = qwen3_14b_config(dir.path());
    let load = ["--k", "3", "--alpha", "0.7", "--rate", "0"];
    let predict = |extra: &[&str]| {
        let mut args = vec!["predict", "--model", model];
        args.extend_from_slice(extra);
        args.extend_from_slice(&load);
        failure(&args)
    };

    let unknown = predict(&["--system", "NoSuch"]);
    assert!(unknown.contains("no system `NoSuch`"), "{unknown}");
    assert!(
        unknown.contains("Qwen3-0.6B, Qwen3-4B, Qwen3-8B, Qwen3-32B"),
        "{unknown}"
    );
    assert!(
        unknown.contains("hint: pass one of those names"),
        "{unknown}"
    );

    let negative = predict(&["--system", "Qwen3-8B", "--prompt-tokens", "-5"]);
    assert!(
        negative.contains("invalid --prompt-tokens -5"),
        "{negative}"
    );
    assert!(
        negative.contains("a number of tokens above 0"),
        "{negative}"
    );

    let nan = predict(&[
        "--verifier-config",
        config.as_str(),
        "--verifier-params",
        "nan",
    ]);
    assert!(nan.contains("invalid --verifier-params NaN"), "{nan}");
    assert!(nan.contains("positive parameter count"), "{nan}");

    let nothing = predict(&[]);
    assert!(nothing.contains("no verifier was described"), "{nothing}");
    assert!(
        nothing.contains("hint: pass --verifier-config"),
        "{nothing}"
    );
}

#[test]
fn predict_rejects_edited_scaling_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = qwen3_model(dir.path());
    let saved = std::fs::read_to_string(&model).unwrap();
    let load = [
        "--system", "Qwen3-8B", "--k", "3", "--alpha", "0.7", "--rate", "0",
    ];

    let mut document: Value = serde_json::from_str(&saved).unwrap();
    document["weights"][1]["value"] = Value::from(-0.5);
    let negative = dir.path().join("negative.json");
    std::fs::write(&negative, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let mut args = vec!["predict", "--model", path_str(&negative)];
    args.extend_from_slice(&load);
    let message = failure(&args);
    assert!(message.contains("weights[1].value"), "{message}");
    assert!(
        message.contains("-0.5 is not a finite non-negative weight"),
        "{message}"
    );
    assert!(
        message.contains("hint: the file was edited or corrupted"),
        "{message}"
    );

    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &saved[..saved.len() / 2]).unwrap();
    let mut args = vec!["predict", "--model", path_str(&truncated)];
    args.extend_from_slice(&load);
    let message = failure(&args);
    assert!(message.contains("it may be truncated"), "{message}");
    assert!(
        message.contains("hint: pass a file written by `speclat fit --save`"),
        "{message}"
    );
}

#[test]
fn scaling_terms_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let message = failure(&[
        "fit",
        path_str(&missing),
        "--scaling-terms",
        "c1_draft=mass",
    ]);
    assert!(message.contains("unknown term `mass`"), "{message}");
    assert!(
        message.contains("hint: write COEFFICIENT=TERM+TERM"),
        "{message}"
    );
    assert!(!message.contains("missing"), "{message}");
}

#[test]
fn failed_scaling_fit_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = qwen3_manifest(dir.path());
    let before: Vec<PathBuf> = listing(dir.path());

    // Qwen3-32B without its configuration: the fit fails after the temporary file beside
    // --save was created.
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mixed = text.replace("config = \"configs/qwen3-32b/config.json\"\n", "");
    assert_ne!(mixed, text);
    std::fs::write(&manifest, mixed).unwrap();
    let model = dir.path().join("scaling.json");
    let message = failure(&[
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--save",
        path_str(&model),
    ]);
    assert!(
        message.contains("descriptors cannot mix the two"),
        "{message}"
    );
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn scaling_fit_keeps_existing_model_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = qwen3_manifest(dir.path());
    let model = dir.path().join("scaling.json");
    std::fs::write(&model, "keep me").unwrap();
    let args = [
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--quiet",
        "--save",
        path_str(&model),
    ];

    let message = failure(&args);
    assert!(message.contains("file exists"), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "keep me");

    let mut forced = args.to_vec();
    forced.push("--force");
    let output = run(&forced);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["kind"], "scaling");
}

/// Lists every file below `dir`, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(dir);
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Writes a manifest of the DSpark CSVs: one system per dataset, each with plain decoding,
/// DSpark (k = 7) and MTP (k = 2), alpha solved from the measured acceptance length.
fn dspark_manifest(dir: &Path) -> PathBuf {
    let prefix = glob_prefix(dir, DSPARK);
    let manifest = format!(
        r#"[[system]]
name = "HumanEval"
files = "{prefix}/*_HumanEval.csv"

[[system]]
name = "math_reasoning"
files = "{prefix}/*_math_reasoning.csv"

[[series]]
files = "{prefix}/baseline_*.csv"
baseline = true

[[series]]
files = "{prefix}/dspark_*.csv"
k = 7
alpha = "measured"

[[series]]
files = "{prefix}/mtp_*.csv"
k = 2
alpha = "measured"
"#
    );
    let path = dir.join("dspark.toml");
    std::fs::write(&path, manifest).unwrap();
    path
}

/// Returns the paths of the six DSpark CSVs, leaving out the diagnostic folder beside them.
fn dspark_files() -> Vec<String> {
    let mut files = Vec::new();
    for config in ["baseline", "dspark", "mtp"] {
        for dataset in ["HumanEval", "math_reasoning"] {
            files.push(format!("{DSPARK}/{config}_{dataset}.csv"));
        }
    }
    files
}

/// Fits both datasets up to 64 requests in flight, each held out in turn, and saves the model
/// as `dspark.json`. Returns the fit's output and the model's path.
fn dspark_fit(dir: &Path) -> (Output, PathBuf) {
    let manifest = dspark_manifest(dir);
    let model = dir.join("dspark.json");
    let files = dspark_files();
    let mut args: Vec<&str> = vec!["fit"];
    args.extend(files.iter().map(String::as_str));
    args.extend_from_slice(&[
        "--manifest",
        path_str(&manifest),
        "--max-concurrency",
        "64",
        "--leave-one-system-out",
        "--save",
        path_str(&model),
    ]);
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    (output, model)
}

#[test]
fn length_only_model_predicts_without_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let (output, model) = dspark_fit(dir.path());
    let stdout = text(&output.stdout);
    assert!(stdout.contains("by length only"), "{stdout}");
    // No system has a size, so no weight is per parameter.
    assert!(!stdout.contains("1e9 parameters"), "{stdout}");

    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["basis"], "length_only");
    assert_eq!(saved["systems"].as_array().unwrap().len(), 2);
    assert_eq!(saved["leave_one_system_out"].as_array().unwrap().len(), 2);

    let document = json(&[
        "predict",
        "--model",
        path_str(&model),
        "--k",
        "0",
        "--concurrency",
        "1,8,64",
        "--prompt-tokens",
        "112",
        "--output-tokens",
        "290",
        "--json",
    ]);
    let described = &document["described_system"];
    assert_eq!(f64_at(described, "/prompt_tokens"), 112.0);
    assert_eq!(f64_at(described, "/output_tokens"), 290.0);
    assert_eq!(f64_at(described, "/extrapolation_doublings"), 0.0);
    assert_eq!(described["includes_transfer_error"], true);
    let predictions = document["predictions"].as_array().unwrap();
    let concurrencies: Vec<f64> = predictions
        .iter()
        .map(|p| f64_at(p, "/concurrency"))
        .collect();
    assert_eq!(concurrencies, [1.0, 8.0, 64.0]);
    let latencies: Vec<f64> = predictions
        .iter()
        .map(|p| f64_at(p, "/latency_s"))
        .collect();
    assert!(latencies[0] < latencies[1], "{latencies:?}");
    assert!(latencies[1] < latencies[2], "{latencies:?}");
    for p in predictions {
        let low = f64_at(p, "/latency_interval_95/low_s");
        let high = f64_at(p, "/latency_interval_95/high_s");
        let latency = f64_at(p, "/latency_s");
        assert!(low < latency, "{p}");
        assert!(latency < high, "{p}");
    }
}

#[test]
fn length_only_model_matches_math_reasoning() {
    // Plain decoding on math_reasoning at 8 and 64 requests in flight: the mean prompt and
    // output tokens of the baseline CSV's rows, and their mean latency by Little's law (mean
    // active concurrency over completed requests per second).
    let measured = [
        ("8", "112.87", "301.52", 7.997_618 / 2.222_175),
        ("64", "111.72", "271.19", 63.987_570 / 12.441_412),
    ];
    let dir = tempfile::tempdir().unwrap();
    let (_, model) = dspark_fit(dir.path());

    for (concurrency, prompt, output_tokens, latency) in measured {
        let document = json(&[
            "predict",
            "--model",
            path_str(&model),
            "--system",
            "math_reasoning",
            "--k",
            "0",
            "--concurrency",
            concurrency,
            "--prompt-tokens",
            prompt,
            "--output-tokens",
            output_tokens,
            "--json",
        ]);
        let predicted = f64_at(&document, "/predictions/0/latency_s");
        let error = (predicted / latency - 1.0).abs();
        assert!(
            error < 0.05,
            "N = {concurrency}: predicted {predicted:.3} s, measured {latency:.3} s"
        );
        let low = f64_at(&document, "/predictions/0/latency_interval_95/low_s");
        let high = f64_at(&document, "/predictions/0/latency_interval_95/high_s");
        assert!(
            low < latency,
            "N = {concurrency}: {low} .. {high} against {latency}"
        );
        assert!(
            latency < high,
            "N = {concurrency}: {low} .. {high} against {latency}"
        );
    }
}

#[test]
fn selectors_apply_to_the_systems_they_name() {
    // `alpha-0.50_draft-1` exists only in the 8B sweeps, and must neither fail on the other
    // sizes nor take the 8B's `alpha-0.50_draft-10` with it.
    let dir = tempfile::tempdir().unwrap();
    let manifest = qwen3_manifest(dir.path());
    let fit = |extra: &[&str]| {
        let mut args = vec![
            "fit",
            FIXED_ALPHA,
            "--manifest",
            path_str(&manifest),
            "--json",
        ];
        args.extend_from_slice(extra);
        let output = run(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let model: Value = serde_json::from_slice(&output.stdout).unwrap();
        let qwen8 = model["systems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "Qwen3-8B")
            .unwrap()
            .clone();
        (qwen8["points"].as_u64().unwrap(), text(&output.stderr))
    };
    let (all, _) = fit(&[]);
    let (fewer, _) = fit(&["--exclude", "alpha-0.50_draft-1"]);
    assert_eq!(all, 336);
    assert_eq!(fewer, 329, "one series of 7 stable points left out");

    // Without --json the status line names the series left out.
    let output = run(&[
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--exclude",
        "alpha-0.50_draft-1",
    ]);
    let status = text(&output.stderr);
    assert!(
        status.contains("left out 1 series named by --exclude"),
        "{status}"
    );
    assert!(status.contains("(Qwen3-8B)"), "{status}");

    // A selector that names no benchmark of any system is still an error.
    let message = failure(&[
        "fit",
        FIXED_ALPHA,
        "--manifest",
        path_str(&manifest),
        "--exclude",
        "alpha-0.55",
    ]);
    assert!(
        message.contains("--exclude alpha-0.55 matches no benchmark"),
        "{message}"
    );
}
