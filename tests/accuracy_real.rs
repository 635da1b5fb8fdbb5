//! Fit accuracy on the real Qwen3 fixed-acceptance sweeps (vllm-project/speculators, branch
//! `researchScaling`, commit fd1375ae, Apache-2.0), against the published method: ordinary
//! least squares on the linearised form with the three highest-latency points of each sweep
//! dropped, re-run on the same files.

use std::path::PathBuf;

use speclat::fit::{FitOptions, FitReport, fit};
use speclat::ingest::labels::{LabelOptions, label_sweeps};
use speclat::ingest::load_paths;

fn fixed_alpha_dir(size: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/real/speculators-researchScaling-fixed-alpha"
    ))
    .join(size);
    assert!(dir.is_dir(), "real data not found at {}", dir.display());
    dir
}

fn fit_size(size: &str) -> FitReport {
    let sweeps = load_paths(&[fixed_alpha_dir(size)]).unwrap();
    let series = label_sweeps(sweeps, &LabelOptions::default()).unwrap();
    fit(&series, &FitOptions::default(), &|| {}).unwrap()
}

/// Published method: points used and leave-one-series-out MAPE in percent.
const PUBLISHED: &[(&str, usize, f64)] = &[
    ("Qwen3-8B", 336, 2.48),
    ("Qwen3-32B", 84, 1.75),
    ("Qwen3-0.6B", 84, 3.79),
    ("Qwen3-4B", 68, 4.96),
];

#[test]
fn beats_published_method_on_every_size() {
    for &(size, published_points, published_loso) in PUBLISHED {
        let report = fit_size(size);
        let loso = report.accuracy.loso_mape_percent.unwrap();
        assert!(
            loso <= published_loso,
            "{size}: leave-one-series-out MAPE {loso:.3}% above the published {published_loso}%"
        );
        assert!(
            report.points.used >= published_points,
            "{size}: {} points used, published method used {published_points}",
            report.points.used
        );
        let coefficients = report.coefficients.unwrap().to_array();
        assert!(
            coefficients.iter().all(|c| *c >= 0.0),
            "{size}: negative coefficient in {coefficients:?}"
        );
    }
}

#[test]
fn qwen3_8b_figures() {
    let report = fit_size("Qwen3-8B");
    let a = &report.accuracy;
    assert!(
        (a.mape_percent - 2.40).abs() < 0.01,
        "MAPE {}",
        a.mape_percent
    );
    assert!((a.loso_mape_percent.unwrap() - 2.45).abs() < 0.01);
    assert!(a.r2.unwrap() > 0.988);
    assert_eq!(report.series.len(), 48);
    assert_eq!(report.points.total, 480);

    // Every throughput benchmark is excluded, with its reason.
    let throughput = report
        .points
        .excluded
        .iter()
        .filter(|e| e.message.starts_with("throughput benchmark"))
        .count();
    assert_eq!(throughput, 48);

    // The largest residuals under-predict at the top of the sweeps.
    let top = &report.residuals.by_rate_rank[0];
    assert_eq!(top.group, "rate rank 1 (highest used)");
    assert!(top.mean_error_percent < 0.0, "{top:?}");
    let largest = &report.residuals.largest;
    assert!(largest.iter().filter(|r| r.rate_rank_from_top <= 2).count() >= 8);
}

#[test]
fn qwen3_32b_keeps_unsaturated_tail() {
    // The 32B sweeps rarely pass half their saturation rate, so the tail rule keeps most top
    // points that the published method dropped.
    let report = fit_size("Qwen3-32B");
    assert_eq!(report.points.used, 107);
}

#[test]
fn fitted_latency_matches_measured_synchronous_point() {
    // Qwen3-8B, alpha 1.0: synchronous latency 1.079 s at k=1, 0.680 s at k=3, 0.415 s at k=10.
    let report = fit_size("Qwen3-8B");
    for (label, measured) in [
        ("alpha-1.00_draft-1", 1.079),
        ("alpha-1.00_draft-3", 0.680),
        ("alpha-1.00_draft-10", 0.415),
    ] {
        let series = report.series.iter().find(|s| s.label == label).unwrap();
        let point = series.points.iter().find(|p| p.index == 0).unwrap();
        let predicted = point.predicted_latency_s.unwrap();
        assert!(
            (predicted / measured - 1.0).abs() < 0.06,
            "{label}: predicted {predicted}, measured {measured}"
        );
    }
}
