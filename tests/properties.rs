//! Property tests of the model, the fit and predictions: the closed form, Little's law, the
//! expected tokens per verification, recovery of known coefficients, and predictions that
//! never panic. Every test runs a fixed number of cases from a fixed seed.

mod common;

use std::sync::OnceLock;

use common::measurement;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use speclat::fit::{FitOptions, FitReport, fit};
use speclat::ingest::Series;
use speclat::model::acceptance_profile::AcceptanceProfile;
use speclat::model::{MAX_DRAFT_LENGTH, SpecConfig, StageCoefficients, expected_tokens};
use speclat::plan::KRange;
use speclat::plan::best_k::{Load as PlanLoad, best_k_table};
use speclat::plan::speedup::SpeedupAnalysis;
use speclat::report::predict::{Load, predict};

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5eed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Stage costs of the size real systems have: tens of milliseconds of prefill, a few
/// milliseconds per verification and less per draft step, and per-request increments about
/// one to two orders of magnitude smaller.
fn coefficients() -> impl Strategy<Value = StageCoefficients> {
    (
        0.01f64..0.2,
        0.002f64..0.03,
        0.0001f64..0.003,
        0.005f64..0.05,
        0.00002f64..0.0005,
        0.000005f64..0.0002,
    )
        .prop_map(|(a, b, c, d, e, f)| StageCoefficients::new([a, b, c, d, e, f]).unwrap())
}

fn spec() -> impl Strategy<Value = SpecConfig> {
    (0u32..=16, 0.01f64..=1.0).prop_map(|(k, alpha)| SpecConfig::new(k, alpha).unwrap())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn latency_rises_with_rate(
        c in coefficients(),
        spec in spec(),
        output_tokens in 1.0f64..2048.0,
        fractions in (0.0f64..0.999, 0.0f64..0.999),
    ) {
        let costs = c.costs(spec, output_tokens).unwrap();
        let saturation = costs.saturation_rate_per_s();
        let (low, high) = if fractions.0 < fractions.1 { fractions } else { (fractions.1, fractions.0) };
        prop_assume!(high - low > 1e-9);

        let l_low = costs.latency_at_rate(low * saturation).unwrap();
        let l_high = costs.latency_at_rate(high * saturation).unwrap();
        prop_assert!(l_low >= costs.c1_s);
        prop_assert!(l_high > l_low, "L({}) = {l_high} not above L({}) = {l_low}", high * saturation, low * saturation);
    }

    #[test]
    fn latency_diverges_at_saturation(
        c in coefficients(),
        spec in spec(),
        output_tokens in 1.0f64..2048.0,
    ) {
        let costs = c.costs(spec, output_tokens).unwrap();
        let saturation = costs.saturation_rate_per_s();

        // A millionth below saturation the latency is a million times C1, finite.
        let near = costs.latency_at_rate(saturation * (1.0 - 1e-6)).unwrap();
        prop_assert!(near.is_finite());
        prop_assert!((near / costs.c1_s / 1e6 - 1.0).abs() < 1e-6, "{near} against C1 {}", costs.c1_s);

        // At and past saturation there is no finite mean latency.
        prop_assert_eq!(costs.latency_at_rate(saturation), None);
        prop_assert_eq!(costs.latency_at_rate(saturation * 1.5), None);
        let point = costs.at_rate(saturation).unwrap();
        prop_assert_eq!(point.latency_s, None);
        prop_assert_eq!(point.concurrency, None);
    }

    #[test]
    fn concurrency_is_rate_times_latency(
        c in coefficients(),
        spec in spec(),
        output_tokens in 1.0f64..2048.0,
        fraction in 0.0f64..0.99,
        concurrency in 0.0f64..512.0,
    ) {
        let costs = c.costs(spec, output_tokens).unwrap();
        let rate = fraction * costs.saturation_rate_per_s();
        let open = costs.at_rate(rate).unwrap();
        let expected = rate * open.latency_s.unwrap();
        prop_assert!((open.concurrency.unwrap() - expected).abs() <= 1e-12 * expected.max(1.0));

        let closed = costs.at_concurrency(concurrency).unwrap();
        let product = closed.rate_per_s * closed.latency_s.unwrap();
        prop_assert!((product - concurrency).abs() <= 1e-12 * concurrency.max(1.0));
    }

    #[test]
    fn expected_tokens_bounds(k in 0u32..=MAX_DRAFT_LENGTH, alpha in 1e-12f64..=1.0) {
        let e = expected_tokens(alpha, k);
        prop_assert!(e >= 1.0, "E({alpha}, {k}) = {e}");
        prop_assert!(e <= f64::from(k) + 1.0, "E({alpha}, {k}) = {e}");
    }

    #[test]
    fn expected_tokens_rise_with_alpha_and_k(
        k in 0u32..MAX_DRAFT_LENGTH,
        alphas in (1e-12f64..=1.0, 1e-12f64..=1.0),
    ) {
        let (low, high) = if alphas.0 < alphas.1 { alphas } else { (alphas.1, alphas.0) };
        prop_assert!(expected_tokens(low, k) <= expected_tokens(high, k));
        prop_assert!(expected_tokens(high, k) <= expected_tokens(high, k + 1));

        // One more draft token adds alpha^(k+1); it is visible whenever it exceeds rounding.
        let added = high.powi(k as i32 + 1);
        if added > 1e-12 * (f64::from(k) + 1.0) {
            prop_assert!(expected_tokens(high, k + 1) > expected_tokens(high, k));
        }
    }
}

/// Measurements generated by the model, each latency scaled by a noise factor in
/// [1 - noise, 1 + noise].
fn generated_series(c: &StageCoefficients, noise: f64, seed: u64) -> Vec<Series> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut series = Vec::new();
    for k in [1u32, 2, 3, 5, 8] {
        for alpha in [0.6, 0.8, 1.0] {
            let spec = SpecConfig::new(k, alpha).unwrap();
            let costs = c.costs(spec, 128.0).unwrap();
            let saturation = costs.saturation_rate_per_s();
            // Utilisations up to 0.45, so that no point reaches the saturated-tail rule.
            let measurements = [0.05, 0.12, 0.2, 0.28, 0.36, 0.45]
                .iter()
                .enumerate()
                .map(|(index, fraction)| {
                    let rate = fraction * saturation;
                    let latency = costs.latency_at_rate(rate).unwrap()
                        * (1.0 + rng.gen_range(-noise..=noise));
                    measurement(index, rate, latency)
                })
                .collect();
            series.push(common::series(spec, measurements));
        }
    }
    series
}

fn fit_options() -> FitOptions {
    FitOptions {
        cross_validate: false,
        ..FitOptions::default()
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn fit_recovers_coefficients(c in coefficients(), seed in any::<u64>()) {
        // 0.1% noise on each latency; the tolerances below are about ten times the scatter
        // this gives over the cases of this seed.
        let series = generated_series(&c, 0.001, seed);
        let report = fit(&series, &fit_options(), &|| {}).unwrap();
        let fitted = report.coefficients.expect("six identifiable coefficients");

        // The load-independent and load-dependent totals of each configuration are what the
        // data pin down; the split into stages is looser for the smallest costs.
        for s in &series {
            let truth = c.costs(s.spec, 128.0).unwrap();
            let got = fitted.costs(s.spec, 128.0).unwrap();
            prop_assert!((got.c1_s / truth.c1_s - 1.0).abs() < 0.01, "{}: C1 {} against {}", s.label, got.c1_s, truth.c1_s);
            prop_assert!((got.c2_s / truth.c2_s - 1.0).abs() < 0.01, "{}: C2 {} against {}", s.label, got.c2_s, truth.c2_s);
        }
        let names = ["c1_prefill", "c1_verify", "c1_draft", "c2_prefill", "c2_verify", "c2_draft"];
        for ((name, got), truth) in names.iter().zip(fitted.to_array()).zip(c.to_array()) {
            prop_assert!((got / truth - 1.0).abs() < 0.25, "{name}: {got} against {truth}");
        }
    }
}

/// Fits one model to noiseless generated data, once for all prediction properties.
fn model() -> &'static FitReport {
    static MODEL: OnceLock<FitReport> = OnceLock::new();
    MODEL.get_or_init(|| {
        let truth = StageCoefficients::new([0.07, 0.014, 0.0013, 0.035, 2.0e-4, 8.0e-5]).unwrap();
        fit(&generated_series(&truth, 0.0, 0), &fit_options(), &|| {}).unwrap()
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn predictions_never_panic(
        k in 0u32..=MAX_DRAFT_LENGTH,
        alpha in 1e-12f64..=1.0,
        output_tokens in prop::option::of(prop_oneof![1e-9f64..1e9, Just(f64::MIN_POSITIVE)]),
        rates in prop::collection::vec(prop_oneof![0.0f64..1e3, Just(0.0), Just(1e300)], 1..8),
        concurrencies in prop::collection::vec(0.0f64..1e6, 0..4),
    ) {
        let spec = SpecConfig::new(k, alpha).unwrap();
        let mut loads: Vec<Load> = rates.iter().map(|&r| Load::Rate(r)).collect();
        loads.extend(concurrencies.iter().map(|&n| Load::Concurrency(n)));

        let document = predict(model(), spec, output_tokens, &loads).unwrap();
        let saturation = document.saturation_rate_per_s.unwrap();
        for p in document.predictions.iter().take(rates.len()) {
            if p.rate_per_s >= saturation {
                prop_assert_eq!(p.latency_s, None, "rate {} at or past {}", p.rate_per_s, saturation);
                prop_assert!(p.saturated);
            } else {
                let latency = p.latency_s.unwrap();
                prop_assert!(latency.is_finite() && latency > 0.0, "rate {}: {latency}", p.rate_per_s);
            }
        }
    }
}

/// Coefficients with every cost above zero, as `SpeedupAnalysis` requires.
fn positive_coefficients() -> impl Strategy<Value = StageCoefficients> {
    (
        1e-3f64..0.3,
        1e-3f64..0.05,
        1e-5f64..0.01,
        1e-3f64..0.2,
        1e-6f64..1e-3,
        1e-7f64..1e-4,
    )
        .prop_map(|(a, b, c, d, e, f)| StageCoefficients::new([a, b, c, d, e, f]).unwrap())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn speedup_equals_latency_ratio(
        coefficients in positive_coefficients(),
        k in 1u32..=10,
        alpha in 0.05f64..=1.0,
        output_tokens in 8.0f64..2048.0,
        fraction in 0.0f64..0.99,
        concurrency in 0.0f64..256.0,
    ) {
        let baseline = coefficients.costs(SpecConfig::baseline(), output_tokens).unwrap();
        let sd = coefficients.costs(SpecConfig::new(k, alpha).unwrap(), output_tokens).unwrap();
        let analysis = SpeedupAnalysis::new(&baseline, &sd);

        // Open loop: at a rate below both saturation rates, the formula
        // (1 / C1R) (1 - r C2R) / (1 - r) equals L_D / L_S.
        let rate = fraction / baseline.c2_s.max(sd.c2_s);
        let ratio = baseline.latency_at_rate(rate).unwrap() / sd.latency_at_rate(rate).unwrap();
        let speedup = analysis.speedup_at_rate(rate).unwrap();
        prop_assert!((speedup / ratio - 1.0).abs() < 1e-9, "rate {rate}: {speedup} against {ratio}");

        // Closed loop: L = C1 + N C2 on both sides.
        let ratio = baseline.latency_at_concurrency(concurrency) / sd.latency_at_concurrency(concurrency);
        let speedup = analysis.speedup_at_concurrency(concurrency);
        prop_assert!((speedup / ratio - 1.0).abs() < 1e-9, "N {concurrency}: {speedup} against {ratio}");
    }

    #[test]
    fn best_k_is_never_beaten(
        coefficients in positive_coefficients(),
        alpha in 0.05f64..=1.0,
        output_tokens in 8.0f64..2048.0,
        rates in prop::collection::vec(0.0f64..40.0, 1..12),
        concurrencies in prop::collection::vec(0.0f64..256.0, 1..6),
    ) {
        let profile = AcceptanceProfile::iid(alpha).unwrap();
        let ks = KRange::new(0, 16).unwrap();
        let mut loads: Vec<PlanLoad> = rates.iter().map(|&r| PlanLoad::Rate(r)).collect();
        loads.extend(concurrencies.iter().map(|&n| PlanLoad::Concurrency(n)));
        let table = best_k_table(&coefficients, output_tokens, &profile, ks, &loads).unwrap();

        // No other k predicts a lower latency at the same load, and saturated k's never win.
        for (entry, load) in table.entries.iter().zip(&loads) {
            let latency_of = |k: u32| -> Option<f64> {
                let spec = if k == 0 { SpecConfig::baseline() } else { SpecConfig::new(k, alpha).unwrap() };
                let costs = coefficients.costs(spec, output_tokens).unwrap();
                match *load {
                    PlanLoad::Rate(r) => costs.latency_at_rate(r),
                    PlanLoad::Concurrency(n) => Some(costs.latency_at_concurrency(n)),
                }
            };
            match entry.k {
                Some(best) => {
                    let best_latency = latency_of(best).unwrap();
                    for k in 0..=16 {
                        if let Some(other) = latency_of(k) {
                            prop_assert!(best_latency <= other * (1.0 + 1e-12), "{load:?}: k={best} gives {best_latency}, k={k} gives {other}");
                        }
                    }
                }
                None => {
                    for k in 0..=16 {
                        prop_assert!(latency_of(k).is_none(), "{load:?}: k={k} is stable but no best k was chosen");
                    }
                }
            }
        }
    }
}
