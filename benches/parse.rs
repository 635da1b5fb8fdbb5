//! Times loading the 48 Qwen3-8B fixed-acceptance sweeps (GuideLLM reduced layout, 17 MB).
//!
//! Run with `cargo bench --bench parse`. The files are read from the shared data folder beside
//! the repository; the benchmark is skipped with a message when they are absent.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn qwen8b_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/real/speculators-researchScaling-fixed-alpha/Qwen3-8B"
    ))
}

fn load_qwen8b(c: &mut Criterion) {
    let dir = qwen8b_dir();
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }

    let paths = vec![dir];
    let sweeps = speclat::ingest::load_paths(&paths).expect("the Qwen3-8B sweeps should load");
    assert_eq!(sweeps.len(), 48);

    c.bench_function("load_paths Qwen3-8B (48 files)", |b| {
        b.iter(|| speclat::ingest::load_paths(std::hint::black_box(&paths)).unwrap())
    });
}

criterion_group!(benches, load_qwen8b);
criterion_main!(benches);
