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
