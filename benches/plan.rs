//! Planning speed: the best-k table over 1,000 rates and k = 0..16 for one acceptance profile,
//! i.i.d. and measured per position (the measured one fits a geometric tail for k past 3).

use criterion::{Criterion, black_box, criterion_group, criterion_main};

use speclat::model::StageCoefficients;
use speclat::model::acceptance_profile::AcceptanceProfile;
use speclat::plan::{KRange, Load, best_k_table};

fn best_k(c: &mut Criterion) {
    // Qwen3-8B coefficients of the published least-squares method, seconds.
    let coefficients =
        StageCoefficients::new([7.344e-2, 1.389e-2, 1.302e-3, 3.485e-2, 2.073e-4, 7.898e-5])
            .unwrap();
    let ks = KRange::new(0, 16).unwrap();
    let rates: Vec<Load> = (0..1000).map(|i| Load::Rate(f64::from(i) * 0.02)).collect();

    for (name, profile) in [
        ("iid", AcceptanceProfile::iid(0.7).unwrap()),
        (
            "per_position",
            AcceptanceProfile::measured(vec![0.8, 0.6, 0.45]).unwrap(),
        ),
    ] {
        c.bench_function(&format!("best_k_1000_rates_k0_16_{name}"), |b| {
            b.iter(|| {
                best_k_table(
                    &coefficients,
                    128.0,
                    black_box(&profile),
                    ks,
                    black_box(&rates),
                )
                .unwrap()
            })
        });
    }
}

criterion_group!(benches, best_k);
criterion_main!(benches);
