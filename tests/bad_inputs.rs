//! Every kind of bad input file, run through the `speclat` binary: exit status 2 and the full
//! error message, kept as an `insta` snapshot.
//!
//! The committed files live in `tests/bad_inputs/`. The empty directory and the oversized file
//! are made by the tests, in temporary directories whose paths are replaced by `[TMP]`.

use std::path::Path;

use assert_cmd::Command;

/// Runs `speclat ARGS` from the crate root, checks exit status 2 and an empty standard output,
/// and returns standard error with `tmp` (if given) replaced by `[TMP]`.
fn failure(args: &[&str], tmp: Option<&Path>) -> String {
    let output = Command::cargo_bin("speclat")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?} printed a result");
    match tmp {
        Some(dir) => stderr.replace(&dir.display().to_string(), "[TMP]"),
        None => stderr,
    }
}

/// `speclat fit tests/bad_inputs/NAME --k 3 --alpha 0.7`.
fn fit_failure(name: &str) -> String {
    let path = format!("tests/bad_inputs/{name}");
    failure(&["fit", &path, "--k", "3", "--alpha", "0.7"], None)
}

#[test]
fn truncated_json() {
    insta::assert_snapshot!(fit_failure("truncated.json"));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(fit_failure("wrong_type.json"));
}

#[test]
fn missing_field() {
    insta::assert_snapshot!(fit_failure("missing_field.json"));
}

#[test]
fn yaml_nan() {
    insta::assert_snapshot!(fit_failure("nan.yaml"));
}

#[test]
fn yaml_infinity() {
    insta::assert_snapshot!(fit_failure("infinity.yaml"));
}

#[test]
fn vllm_python_nan() {
    insta::assert_snapshot!(fit_failure("vllm_nan.json"));
}

#[test]
fn negative_rate() {
    insta::assert_snapshot!(fit_failure("negative_rate.json"));
}

#[test]
fn zero_latency() {
    insta::assert_snapshot!(fit_failure("zero_latency.json"));
}

#[test]
fn duplicated_points() {
    insta::assert_snapshot!(fit_failure("duplicated_points.json"));
}

#[test]
fn sweep_with_one_point() {
    insta::assert_snapshot!(fit_failure("one_point.json"));
}

#[test]
fn sweep_all_past_saturation() {
    insta::assert_snapshot!(fit_failure("all_saturated.json"));
}

#[test]
fn binary_file() {
    insta::assert_snapshot!(fit_failure("binary.bin"));
}

#[test]
fn not_utf8() {
    insta::assert_snapshot!(fit_failure("not_utf8.json"));
}

#[test]
fn manifest_alpha_above_one() {
    let args = [
        "fit",
        "tests/bad_inputs/one_point.json",
        "--manifest",
        "tests/bad_inputs/alpha_above_one.toml",
    ];
    insta::assert_snapshot!(failure(&args, None));
}

#[test]
fn manifest_negative_k() {
    let args = [
        "fit",
        "tests/bad_inputs/one_point.json",
        "--manifest",
        "tests/bad_inputs/negative_k.toml",
    ];
    insta::assert_snapshot!(failure(&args, None));
}

#[test]
fn manifest_system_infinite_params() {
    let args = [
        "fit",
        "tests/bad_inputs/one_point.json",
        "--manifest",
        "tests/bad_inputs/system_infinite_params.toml",
    ];
    insta::assert_snapshot!(failure(&args, None));
}

#[test]
fn manifest_system_config_not_object() {
    let args = [
        "fit",
        "tests/bad_inputs/one_point.json",
        "--manifest",
        "tests/bad_inputs/system_config_not_object.toml",
    ];
    insta::assert_snapshot!(failure(&args, None));
}

#[test]
fn truncated_model() {
    let args = [
        "predict",
        "--model",
        "tests/bad_inputs/model_truncated.json",
        "--k",
        "3",
        "--alpha",
        "0.7",
        "--rate",
        "1",
    ];
    insta::assert_snapshot!(failure(&args, None));
}

#[test]
fn empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let message = failure(&["fit", empty.to_str().unwrap()], Some(dir.path()));
    insta::assert_snapshot!(message);
}

#[test]
fn oversized_file() {
    // A sparse file one byte over the limit: its size is checked before any byte is read, so
    // the test neither writes nor reads a gigabyte.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(speclat::ingest::MAX_INPUT_FILE_BYTES + 1)
        .unwrap();
    drop(file);

    let args = ["fit", path.to_str().unwrap(), "--k", "3", "--alpha", "0.7"];
    insta::assert_snapshot!(failure(&args, Some(dir.path())));
}

/// Copies the handwritten GuideLLM report to `runs/<system>/run.json` under `dir` for each of
/// `reports`, copies the Qwen3-8B configuration to `configs/qwen3-8b.json`, and writes
/// `systems.toml`: `systems` followed by a `[[series]]` entry that labels every report k = 3,
/// alpha = 0.7. Returns the manifest's path.
fn systems_setup(dir: &Path, reports: &[&str], systems: &str) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for system in reports {
        let target = dir.join("runs").join(system).join("run.json");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root.join("guidellm-0.7-handwritten.json"), target).unwrap();
    }
    std::fs::create_dir_all(dir.join("configs")).unwrap();
    std::fs::copy(
        root.join("hf-config/qwen3-8b/config.json"),
        dir.join("configs/qwen3-8b.json"),
    )
    .unwrap();
    let manifest = dir.join("systems.toml");
    let series = "[[series]]\nfiles = \"runs/**/*.json\"\nk = 3\nalpha = 0.7\n";
    std::fs::write(&manifest, format!("{systems}\n{series}")).unwrap();
    manifest
}

/// Systems `a` and `b`, both described by the Qwen3-8B configuration.
const TWO_SYSTEMS: &str = r#"
[[system]]
name = "a"
files = "runs/a/*.json"
config = "configs/qwen3-8b.json"

[[system]]
name = "b"
files = "runs/b/*.json"
config = "configs/qwen3-8b.json"
"#;

/// `speclat fit DIR/runs --manifest MANIFEST ARGS`, with `DIR` replaced by `[TMP]`.
fn systems_failure(dir: &Path, manifest: &Path, args: &[&str]) -> String {
    let runs = dir.join("runs");
    let mut all = vec![
        "fit",
        runs.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    failure(&all, Some(dir))
}

#[test]
fn file_outside_every_system() {
    let dir = tempfile::tempdir().unwrap();
    let systems = "[[system]]\nname = \"a\"\nfiles = \"runs/a/*.json\"\n";
    let manifest = systems_setup(dir.path(), &["a", "b"], systems);
    insta::assert_snapshot!(systems_failure(dir.path(), &manifest, &[]));
}

#[test]
fn system_without_files() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = systems_setup(dir.path(), &["a"], TWO_SYSTEMS);
    insta::assert_snapshot!(systems_failure(dir.path(), &manifest, &[]));
}

#[test]
fn systems_mixing_architecture_and_none() {
    let dir = tempfile::tempdir().unwrap();
    let systems = TWO_SYSTEMS.replacen("config = \"configs/qwen3-8b.json\"\n", "", 1);
    let manifest = systems_setup(dir.path(), &["a", "b"], &systems);
    insta::assert_snapshot!(systems_failure(dir.path(), &manifest, &[]));
}

#[test]
fn scaling_terms_unknown_coefficient() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = systems_setup(dir.path(), &["a", "b"], TWO_SYSTEMS);
    let args = ["--scaling-terms", "c9=constant"];
    insta::assert_snapshot!(systems_failure(dir.path(), &manifest, &args));
}

#[test]
fn scaling_terms_unknown_term() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = systems_setup(dir.path(), &["a", "b"], TWO_SYSTEMS);
    let args = ["--scaling-terms", "c1_draft=mass"];
    insta::assert_snapshot!(systems_failure(dir.path(), &manifest, &args));
}

#[test]
fn plots_with_systems() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = systems_setup(dir.path(), &["a", "b"], TWO_SYSTEMS);
    let plots = dir.path().join("plots");
    let args = ["--plots", plots.to_str().unwrap()];
    insta::assert_snapshot!(systems_failure(dir.path(), &manifest, &args));
    assert!(!plots.exists(), "--plots created its folder");
}

#[test]
fn leave_one_system_out_without_systems() {
    let args = [
        "fit",
        "tests/fixtures/guidellm-0.7-handwritten.json",
        "--k",
        "3",
        "--alpha",
        "0.7",
        "--leave-one-system-out",
    ];
    insta::assert_snapshot!(failure(&args, None));
}

#[test]
fn verifier_config_with_single_system_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let status = Command::cargo_bin("speclat")
        .unwrap()
        .args(["fit", "--example", "qwen3-8b", "--quiet", "--save"])
        .arg(&model)
        .output()
        .unwrap()
        .status;
    assert!(status.success());

    let args = [
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--verifier-config",
        "tests/fixtures/hf-config/qwen3-14b/config.json",
        "--k",
        "3",
        "--alpha",
        "0.7",
        "--rate",
        "1",
    ];
    insta::assert_snapshot!(failure(&args, Some(dir.path())));
}
