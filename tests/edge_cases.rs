//! Numerical edge cases of the model, the fit and the CLI: alpha at 1 and near 0, k = 0, rates
//! a hair below saturation, a zero load-dependent cost, and data that cannot identify every
//! coefficient. Each must give a correct number or a clear refusal.

mod common;

use assert_cmd::Command;
use common::measurement;
use serde_json::Value;
use speclat::fit::{FitOptions, FitReport, Identifiability, fit};
use speclat::ingest::Series;
use speclat::model::{SpecConfig, StageCoefficients, expected_tokens};
use speclat::report::predict::{Load, PredictError, predict};

const TRUTH: [f64; 6] = [0.07, 0.014, 0.0013, 0.035, 2.0e-4, 8.0e-5];

fn truth() -> StageCoefficients {
    StageCoefficients::new(TRUTH).unwrap()
}

/// Builds a noiseless series of the coefficients `c` at the given rates.
fn exact_series(c: &StageCoefficients, spec: SpecConfig, rates: &[f64]) -> Series {
    let costs = c.costs(spec, 128.0).unwrap();
    let measurements = rates
        .iter()
        .enumerate()
        .map(|(i, &rate)| measurement(i, rate, costs.latency_at_rate(rate).unwrap()))
        .collect();
    common::series(spec, measurements)
}

fn options() -> FitOptions {
    FitOptions {
        cross_validate: false,
        ..FitOptions::default()
    }
}

#[test]
fn alpha_one_accepts_every_token() {
    let spec = SpecConfig::new(5, 1.0).unwrap();
    assert_eq!(spec.expected_tokens(), 6.0);

    let costs = truth().costs(spec, 128.0).unwrap();
    let c1 = TRUTH[0] + 128.0 / 6.0 * (TRUTH[1] + 5.0 * TRUTH[2]);
    let c2 = TRUTH[3] + 128.0 / 6.0 * (TRUTH[4] + 5.0 * TRUTH[5]);
    assert!((costs.c1_s - c1).abs() < 1e-15);
    assert!((costs.c2_s - c2).abs() < 1e-15);
}

#[test]
fn alpha_near_zero_is_one_token() {
    let spec = SpecConfig::new(3, 1e-12).unwrap();
    let e = spec.expected_tokens();
    assert!((e - (1.0 + 1e-12)).abs() < 1e-15, "E = {e}");

    // Nearly every draft is wasted: each token costs a verification and three draft steps.
    let costs = truth().costs(spec, 128.0).unwrap();
    let c1 = TRUTH[0] + 128.0 * (TRUTH[1] + 3.0 * TRUTH[2]);
    assert!((costs.c1_s / c1 - 1.0).abs() < 1e-9, "C1 = {}", costs.c1_s);
    assert!(
        costs
            .latency_at_rate(0.5 * costs.saturation_rate_per_s())
            .unwrap()
            .is_finite()
    );

    assert!(SpecConfig::new(3, 0.0).is_err());
    assert!(SpecConfig::new(3, f64::MIN_POSITIVE).is_ok());
    assert_eq!(expected_tokens(f64::MIN_POSITIVE, 3), 1.0);
}

#[test]
fn k_zero_pays_no_draft_cost() {
    let spec = SpecConfig::from_signed(0, 1.0).unwrap();
    assert!(spec.is_baseline());
    assert_eq!(spec.expected_tokens(), 1.0);

    let mut expensive_drafts = TRUTH;
    expensive_drafts[2] = 1.0;
    expensive_drafts[5] = 1.0;
    let plain = truth().costs(spec, 128.0).unwrap();
    let drafted = StageCoefficients::new(expensive_drafts)
        .unwrap()
        .costs(spec, 128.0)
        .unwrap();
    assert_eq!(plain.c1_s, drafted.c1_s);
    assert_eq!(plain.c2_s, drafted.c2_s);
    assert!(SpecConfig::from_signed(-1, 0.7).is_err());
}

#[test]
fn hair_below_saturation_is_finite() {
    let costs = truth()
        .costs(SpecConfig::new(3, 0.7).unwrap(), 128.0)
        .unwrap();
    let saturation = costs.saturation_rate_per_s();
    let rate = saturation * (1.0 - 1e-12);

    let latency = costs.latency_at_rate(rate).unwrap();
    assert!(latency.is_finite());
    // 1 - rate * C2 is 1e-12 up to rounding of a few ulps of 1.
    assert!(
        (latency / costs.c1_s / 1e12 - 1.0).abs() < 1e-3,
        "latency {latency}"
    );
    assert_eq!(costs.latency_at_rate(saturation), None);
}

#[test]
fn zero_c2_never_saturates() {
    let mut flat = TRUTH;
    flat[3..].fill(0.0);
    let costs = StageCoefficients::new(flat)
        .unwrap()
        .costs(SpecConfig::new(3, 0.7).unwrap(), 128.0)
        .unwrap();
    assert_eq!(costs.c2_s, 0.0);
    assert_eq!(costs.saturation_rate_per_s(), f64::INFINITY);
    assert_eq!(costs.latency_at_rate(1e12), Some(costs.c1_s));
    assert_eq!(costs.latency_at_rate(f64::MAX), Some(costs.c1_s));
}

/// Series at three draft lengths and two acceptance rates, enough to identify all six costs.
fn full_design(c: &StageCoefficients, rates: impl Fn(f64) -> Vec<f64>) -> Vec<Series> {
    let mut series = Vec::new();
    for k in [1, 3, 5] {
        for alpha in [0.6, 0.9] {
            let spec = SpecConfig::new(k, alpha).unwrap();
            let saturation = c.costs(spec, 128.0).unwrap().saturation_rate_per_s();
            series.push(exact_series(c, spec, &rates(saturation)));
        }
    }
    series
}

#[test]
fn zero_c2_fit_saves_null_saturation() {
    // Latency does not grow with load: every C2 is 0, so the saturation rate is infinite and
    // JSON must carry null for it, never a string or a missing number.
    let mut flat = TRUTH;
    flat[3..].fill(0.0);
    let c = StageCoefficients::new(flat).unwrap();
    let series = full_design(&c, |_| vec![1.0, 2.0, 4.0, 8.0, 16.0]);
    let report = fit(&series, &options(), &|| {}).unwrap();

    let fitted = report.coefficients.unwrap();
    for (got, expected) in fitted.to_array().iter().zip(flat) {
        assert!((got - expected).abs() < 1e-9, "{:?}", fitted.to_array());
    }
    assert!(
        report
            .series
            .iter()
            .all(|s| s.saturation_rate_per_s.is_none())
    );

    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("inf"), "JSON with an infinite value");
    assert!(!json.contains("NaN"), "JSON with a NaN");
    let value: Value = serde_json::from_str(&json).unwrap();
    assert!(value["series"][0]["saturation_rate_per_s"].is_null());
    let model =
        FitReport::from_json_bytes(std::path::Path::new("zero-c2.json"), json.as_bytes()).unwrap();

    let spec = SpecConfig::new(3, 0.7).unwrap();
    let document = predict(&model, spec, None, &[Load::Rate(1e6)]).unwrap();
    assert_eq!(document.saturation_rate_per_s, None);
    let latency = document.predictions[0].latency_s.unwrap();
    assert!((latency - document.c1_s).abs() < 1e-6 * document.c1_s);
    let document_json = serde_json::to_value(&document).unwrap();
    assert!(document_json["saturation_rate_per_s"].is_null());
}

#[test]
fn single_configuration_is_reduced_with_warning() {
    let spec = SpecConfig::new(3, 0.7).unwrap();
    let c = truth();
    let saturation = c.costs(spec, 128.0).unwrap().saturation_rate_per_s();
    let rates: Vec<f64> = [0.05, 0.15, 0.25, 0.35]
        .iter()
        .map(|f| f * saturation)
        .collect();
    let report = fit(&[exact_series(&c, spec, &rates)], &options(), &|| {}).unwrap();

    assert!(matches!(
        report.model.identifiability,
        Identifiability::Reduced { .. }
    ));
    assert!(report.coefficients.is_none());
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("not identifiable") && w.contains("fitted per series")),
        "{:?}",
        report.warnings
    );

    // The measured configuration is predicted from its own C1 and C2; any other is refused.
    let truth_costs = c.costs(spec, 128.0).unwrap();
    let document = predict(&report, spec, None, &[Load::Rate(rates[2])]).unwrap();
    assert!((document.c1_s / truth_costs.c1_s - 1.0).abs() < 1e-6);
    assert!((document.c2_s / truth_costs.c2_s - 1.0).abs() < 1e-6);
    let other = SpecConfig::new(5, 0.7).unwrap();
    let error = predict(&report, other, None, &[Load::Rate(1.0)]).unwrap_err();
    assert!(matches!(
        error,
        PredictError::NotInReducedModel { k: 5, .. }
    ));
    assert!(error.to_string().contains("--k 3 --alpha 0.7"), "{error}");
}

#[test]
fn plain_decoding_fixes_draft_costs() {
    let c = truth();
    let spec = SpecConfig::baseline();
    let saturation = c.costs(spec, 128.0).unwrap().saturation_rate_per_s();
    let rates: Vec<f64> = [0.05, 0.15, 0.25, 0.35]
        .iter()
        .map(|f| f * saturation)
        .collect();

    // Two output lengths separate prefill from verification; drafting never happens.
    let mut short = exact_series(&c, spec, &rates);
    let short_costs = c.costs(spec, 64.0).unwrap();
    for m in &mut short.measurements {
        m.output_tokens = Some(64.0);
        m.latency_s = short_costs.latency_at_rate(m.rate_per_s).unwrap();
        m.concurrency = Some(m.rate_per_s * m.latency_s);
    }
    short.label = "k0 short".to_string();
    let series = [exact_series(&c, spec, &rates), short];
    let report = fit(&series, &options(), &|| {}).unwrap();

    assert_eq!(report.model.identifiability, Identifiability::NoDraft);
    let fitted = report.coefficients.unwrap();
    assert_eq!(fitted.c1_draft, 0.0);
    assert_eq!(fitted.c2_draft, 0.0);
    for (got, expected) in [
        (fitted.c1_prefill, TRUTH[0]),
        (fitted.c1_verify, TRUTH[1]),
        (fitted.c2_prefill, TRUTH[3]),
        (fitted.c2_verify, TRUTH[4]),
    ] {
        assert!(
            (got / expected - 1.0).abs() < 1e-4,
            "{got} against {expected}"
        );
    }
    let intervals = &report.model.coefficient_intervals;
    assert!(intervals[2].fixed, "{intervals:?}");
    assert!(intervals[5].fixed, "{intervals:?}");
}

#[test]
fn predict_cli_prints_null_for_infinite_saturation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flat.json");
    let mut flat = TRUTH;
    flat[3..].fill(0.0);
    let c = StageCoefficients::new(flat).unwrap();
    let series = full_design(&c, |_| vec![1.0, 2.0, 4.0, 8.0, 16.0]);
    let report = fit(&series, &options(), &|| {}).unwrap();
    std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();

    let output = Command::cargo_bin("speclat")
        .unwrap()
        .args(["predict", "--model"])
        .arg(&path)
        .args(["--k", "3", "--alpha", "0.7", "--rate", "0,1e6", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["saturation_rate_per_s"].is_null());
    assert_eq!(document["predictions"][1]["saturated"], false);
    assert!(document["predictions"][1]["latency_s"].as_f64().unwrap() > 0.0);
}
