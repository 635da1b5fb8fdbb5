//! `[[system]]` entries of a manifest, end to end.
//!
//! A manifest in a temporary directory points at copies of the handwritten Qwen3 configurations
//! and of a handwritten GuideLLM report. The tests check the system descriptions and the system
//! name of each labelled series.

use std::path::{Path, PathBuf};

use speclat::ingest::labels::{LabelOptions, label_sweeps, load_systems};
use speclat::ingest::{IngestError, load_paths};
use speclat::scaling::architecture::{Architecture, ParamsSource, SystemDescription};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Copies a fixture configuration to `configs/<name>.json` under `dir`.
fn copy_config(dir: &Path, name: &str) {
    let target = dir.join("configs").join(format!("{name}.json"));
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let source = Path::new(FIXTURES)
        .join("hf-config")
        .join(name)
        .join("config.json");
    std::fs::copy(source, target).unwrap();
}

/// Copies the handwritten GuideLLM 0.7 report to `relative` under `dir`.
fn copy_report(dir: &Path, relative: &str) -> PathBuf {
    let target = dir.join(relative);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("guidellm-0.7-handwritten.json"),
        &target,
    )
    .unwrap();
    target
}

const MANIFEST: &str = r#"
[[system]]
name = "Qwen3-0.6B"
files = "Qwen3-0.6B/*.json"
config = "configs/qwen3-0.6b.json"

[[system]]
name = "Qwen3-8B"
files = "Qwen3-8B/*.json"
config = "configs/qwen3-8b.json"
drafter_config = "configs/qwen3-0.6b.json"
prompt_tokens = 512
output_tokens = 128

[[system]]
name = "Qwen3-32B"
files = ["Qwen3-32B/*.json"]
config = "configs/qwen3-32b.json"
drafter_params = 0.38e9

[[system]]
name = "Qwen3-30B-A3B"
files = "Qwen3-30B-A3B/*.json"
config = "configs/qwen3-30b-a3b.json"

[[system]]
name = "stated only"
files = "other/*.json"
verifier_params = 4.02e9
hidden_size = 2560
layers = 36
"#;

/// Writes the manifest and the configurations it names. Returns the manifest's path.
fn setup(dir: &Path) -> PathBuf {
    for name in ["qwen3-0.6b", "qwen3-8b", "qwen3-32b", "qwen3-30b-a3b"] {
        copy_config(dir, name);
    }
    let manifest = dir.join("sweeps.toml");
    std::fs::write(&manifest, MANIFEST).unwrap();
    manifest
}

fn system<'a>(systems: &'a [SystemDescription], name: &str) -> &'a SystemDescription {
    systems
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no system named {name}"))
}

fn within(actual: f64, expected: f64, tolerance: f64) -> bool {
    ((actual - expected) / expected).abs() <= tolerance
}

#[test]
fn systems_read_in_manifest_order() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = setup(dir.path());
    let systems = load_systems(&manifest).unwrap();

    let names: Vec<&str> = systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Qwen3-0.6B",
            "Qwen3-8B",
            "Qwen3-32B",
            "Qwen3-30B-A3B",
            "stated only"
        ]
    );
    assert!(systems.iter().all(|s| s.source == manifest));
}

#[test]
fn qwen3_8b_system_from_configs() {
    let dir = tempfile::tempdir().unwrap();
    let systems = load_systems(&setup(dir.path())).unwrap();
    let qwen3_8b = system(&systems, "Qwen3-8B");

    let verifier = qwen3_8b.verifier.as_ref().unwrap();
    assert_eq!(verifier.params_source(), ParamsSource::Shape);
    assert!(within(verifier.streamed_params(), 7.568e9, 1e-3));
    assert_eq!(verifier.kv_bytes_per_token(2.0), 147_456.0);
    assert_eq!(verifier.attention_width(), 4096.0);

    let drafter = qwen3_8b.drafter.as_ref().unwrap();
    assert_eq!(drafter.hidden_size, Some(1024));
    assert!(within(drafter.streamed_params(), 0.596e9, 1e-3));

    assert_eq!(qwen3_8b.prompt_tokens, Some(512.0));
    assert_eq!(qwen3_8b.output_tokens, Some(128.0));
}

#[test]
fn other_sizes_match_hand_counts() {
    let dir = tempfile::tempdir().unwrap();
    let systems = load_systems(&setup(dir.path())).unwrap();

    let small = system(&systems, "Qwen3-0.6B");
    assert_eq!(
        small.verifier.as_ref().unwrap().streamed_params(),
        595_984_384.0
    );
    assert_eq!(small.drafter, None);
    assert_eq!(small.prompt_tokens, None);

    let large = system(&systems, "Qwen3-32B");
    assert!(within(
        large.verifier.as_ref().unwrap().streamed_params(),
        31.98e9,
        1e-3
    ));
    assert_eq!(large.drafter, Some(Architecture::from_params(0.38e9)));

    let moe = system(&systems, "Qwen3-30B-A3B");
    let verifier = moe.verifier.as_ref().unwrap();
    assert!(verifier.is_moe());
    assert_eq!(verifier.streamed_params(), 3_041_656_832.0);
}

#[test]
fn stated_params_stand_in_for_the_shape() {
    let dir = tempfile::tempdir().unwrap();
    let systems = load_systems(&setup(dir.path())).unwrap();
    let stated = system(&systems, "stated only");

    let verifier = stated.verifier.as_ref().unwrap();
    assert_eq!(verifier.params_source(), ParamsSource::Stated);
    assert_eq!(verifier.streamed_params(), 4.02e9);
    assert_eq!(verifier.layer_params(), 4.02e9);
    // No head counts: the KV width falls back to the hidden size.
    assert_eq!(verifier.kv_bytes_per_token(2.0), 2.0 * 36.0 * 2560.0 * 2.0);
}

#[test]
fn series_get_their_system_names() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = setup(dir.path());
    let name = "run_alpha-0.70_draft-3_prompt-512.json";
    let files = vec![
        copy_report(dir.path(), &format!("Qwen3-8B/{name}")),
        copy_report(dir.path(), &format!("Qwen3-32B/{name}")),
        copy_report(dir.path(), &format!("unlisted/{name}")),
    ];

    let sweeps = load_paths(&files).unwrap();
    let options = LabelOptions {
        manifest: Some(manifest),
        ..Default::default()
    };
    let series = label_sweeps(sweeps, &options).unwrap();

    assert_eq!(series.len(), 3);
    assert_eq!(series[0].system.as_deref(), Some("Qwen3-8B"));
    assert_eq!(series[1].system.as_deref(), Some("Qwen3-32B"));
    assert_eq!(series[2].system, None);
    assert!(series.iter().all(|s| s.spec.k() == 3));
}

#[test]
fn missing_config_fails_labelling() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = setup(dir.path());
    std::fs::remove_file(dir.path().join("configs/qwen3-32b.json")).unwrap();
    let file = copy_report(
        dir.path(),
        "Qwen3-8B/run_alpha-0.70_draft-3_prompt-512.json",
    );

    let options = LabelOptions {
        manifest: Some(manifest),
        ..Default::default()
    };
    let error = label_sweeps(load_paths(&[file]).unwrap(), &options).unwrap_err();
    // The Qwen3-32B entry starts on line 15 of the manifest.
    assert!(
        matches!(error, IngestError::Architecture { line: 15, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("sweeps.toml: system entry at line 15: "),
        "{message}"
    );
    assert!(message.contains("qwen3-32b.json: cannot read"), "{message}");
}

/// Runs `speclat fit runs --manifest MANIFEST` in `dir`, where `runs` is a symbolic link, and
/// returns its exit status and standard error.
#[cfg(unix)]
fn fit_through_link(dir: &Path, manifest: &str) -> (i32, String) {
    let output = assert_cmd::Command::cargo_bin("speclat")
        .unwrap()
        .current_dir(dir)
        .args([
            "fit",
            "runs",
            "--manifest",
            manifest,
            "--include-saturated",
            "--json",
        ])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn globs_match_through_a_linked_folder() {
    // The data live elsewhere; `runs` links to them. A manifest named without a folder and
    // one reached by `..` must both match the files as the user spelled their paths.
    let data = tempfile::tempdir().unwrap();
    copy_report(data.path(), "run.json");
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(data.path(), work.path().join("runs")).unwrap();
    let entries = "[[series]]\nfiles = \"runs/*.json\"\nk = 3\nalpha = 0.7\n";
    std::fs::write(work.path().join("labels.toml"), entries).unwrap();

    let (status, stderr) = fit_through_link(work.path(), "labels.toml");
    assert_eq!(status, 0, "{stderr}");
    let (status, stderr) = fit_through_link(work.path(), "./labels.toml");
    assert_eq!(status, 0, "{stderr}");

    // A manifest in a sibling folder reaches the link with `..`.
    std::fs::create_dir(work.path().join("manifests")).unwrap();
    let sibling = "[[series]]\nfiles = \"../runs/*.json\"\nk = 3\nalpha = 0.7\n";
    std::fs::write(work.path().join("manifests/labels.toml"), sibling).unwrap();
    let (status, stderr) = fit_through_link(work.path(), "manifests/labels.toml");
    assert_eq!(status, 0, "{stderr}");

    // `*.json` at the manifest's level does not reach outside its folder.
    let local = "[[series]]\nfiles = \"*.json\"\nk = 3\nalpha = 0.7\n";
    std::fs::write(work.path().join("manifests/local.toml"), local).unwrap();
    let (status, stderr) = fit_through_link(work.path(), "manifests/local.toml");
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("no manifest entry matches"), "{stderr}");
}

#[test]
fn stated_numbers_that_replace_the_config_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    copy_config(dir.path(), "qwen3-8b");
    let manifest = dir.path().join("speclat.toml");
    let text = "[[system]]\nname = \"s\"\nfiles = \"*.json\"\nconfig = \"configs/qwen3-8b.json\"\nhidden_size = 5120\nlayers = 36\n";
    std::fs::write(&manifest, text).unwrap();
    let systems = load_systems(&manifest).unwrap();
    // `layers` repeats the config's value and is no replacement.
    assert_eq!(
        systems[0].overridden,
        vec!["hidden_size: 4096 -> 5120".to_string()]
    );
    assert_eq!(
        systems[0].verifier.as_ref().unwrap().hidden_size,
        Some(5120)
    );
}
