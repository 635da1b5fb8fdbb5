//! Times the fit across the four Qwen3 sizes (595 stable points), alone and with every size held
//! out in turn, and describing an unmeasured size.
//!
//! Run with `cargo bench --bench scaling`. The sweeps are read once, outside the timed part,
//! from the shared data folder beside the repository. Without them the benchmark is skipped
//! with a message.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use speclat::fit::FitOptions;
use speclat::ingest::labels::{LabelOptions, label_sweeps};
use speclat::ingest::load_paths;
use speclat::scaling::architecture::Architecture;
use speclat::scaling::describe::Query;
use speclat::scaling::fit::{SystemInput, fit_systems};
use speclat::scaling::terms::TermSet;

const SIZES: [&str; 4] = ["Qwen3-0.6B", "Qwen3-4B", "Qwen3-8B", "Qwen3-32B"];

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/real/speculators-researchScaling-fixed-alpha"
    ))
}

fn config(size: &str) -> Architecture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hf-config")
        .join(size.to_lowercase())
        .join("config.json");
    Architecture::from_hf_config(&path).expect("fixture config")
}

fn scaling(c: &mut Criterion) {
    let dir = data_dir();
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let systems: Vec<SystemInput> = SIZES
        .iter()
        .map(|size| {
            let sweeps = load_paths(&[dir.join(size)]).expect("the sweeps should load");
            SystemInput {
                name: size.to_string(),
                verifier: Some(config(size)),
                drafter: None,
                prompt_tokens: None,
                output_tokens: None,
                series: label_sweeps(sweeps, &LabelOptions::default()).unwrap(),
            }
        })
        .collect();
    let terms = TermSet::default();
    let options = FitOptions::default();

    c.bench_function("fit 4 Qwen3 sizes together", |b| {
        b.iter(|| fit_systems(std::hint::black_box(&systems), &terms, &options, false).unwrap())
    });
    c.bench_function("fit 4 Qwen3 sizes, each held out in turn", |b| {
        b.iter(|| fit_systems(std::hint::black_box(&systems), &terms, &options, true).unwrap())
    });

    let model = fit_systems(&systems, &terms, &options, true).unwrap();
    let query = Query {
        verifier: Some(config("Qwen3-8B")),
        prompt_tokens: Some(1024.0),
        ..Query::default()
    };
    c.bench_function("describe an unmeasured system", |b| {
        b.iter(|| model.describe(std::hint::black_box(&query)).unwrap())
    });
}

criterion_group!(benches, scaling);
criterion_main!(benches);
