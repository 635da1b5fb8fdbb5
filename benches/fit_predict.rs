//! Criterion benchmarks of fitting and prediction on the built-in Qwen3-8B example.

use criterion::{Criterion, black_box, criterion_group, criterion_main};

use speclat::fit::{FitOptions, fit};
use speclat::model::{SpecConfig, StageCoefficients};

fn bench_fit(c: &mut Criterion) {
    let series = speclat::example::series("qwen3-8b").expect("built-in example");
    let options = FitOptions::default();
    c.bench_function("fit qwen3-8b with leave-one-series-out", |b| {
        b.iter(|| fit(black_box(&series), &options, &|| {}).unwrap())
    });
    let no_cv = FitOptions {
        cross_validate: false,
        ..FitOptions::default()
    };
    c.bench_function("fit qwen3-8b without cross-validation", |b| {
        b.iter(|| fit(black_box(&series), &no_cv, &|| {}).unwrap())
    });
}

/// Latency over a grid of 1,000 rates x k = 0..=16 x 10 alpha values: 170,000 points.
fn bench_predict(c: &mut Criterion) {
    let coefficients =
        StageCoefficients::new([0.0757, 0.01388, 0.001293, 0.03442, 2.092e-4, 8.0e-5]).unwrap();
    let rates: Vec<f64> = (0..1000).map(|i| i as f64 * 0.02).collect();
    let specs: Vec<SpecConfig> = (0..=16)
        .flat_map(|k| (1..=10).map(move |a| SpecConfig::new(k, a as f64 / 10.0).unwrap()))
        .collect();
    c.bench_function("predict 170k (rate, k, alpha) points", |b| {
        b.iter(|| {
            let mut total = 0.0;
            for &spec in &specs {
                let costs = coefficients.costs_unchecked(spec, 128.0);
                for &rate in &rates {
                    total += costs.latency_at_rate(rate).unwrap_or(0.0);
                }
            }
            black_box(total)
        })
    });
}

criterion_group!(benches, bench_fit, bench_predict);
criterion_main!(benches);
