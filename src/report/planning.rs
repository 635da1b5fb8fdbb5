//! Speedup, break-even, best draft length and capacity, computed from a fitted model for the
//! figures and the HTML report.
//!
//! Every helper here uses only the public model API: [`LoadCosts`] of plain decoding (`k = 0`)
//! and of a speculative configuration, and the closed form `L = C1 / (1 - rate * C2)`.
//! The formulas, derived from the closed form (docs/model.md):
//!
//! - speedup is `L_0 / L_k`;
//! - at a fixed rate the two latencies are equal at
//!   `rate* = (C1_0 - C1_k) / (C1_0 * C2_k - C1_k * C2_0)`;
//! - at a fixed concurrency `N` (closed loop) they are equal at
//!   `N* = (C1_0 - C1_k) / (C2_k - C2_0)`;
//! - the highest rate that keeps latency at or below a target `T` is `(1 - C1 / T) / C2`.
//!
//! NOTE: these are stand-ins for the planning module (speedup, break-even, best k, capacity)
//! being written separately; move the callers to it and delete this file when it lands.

use crate::fit::FitReport;
use crate::model::{LoadCosts, SpecConfig};

/// Costs of a configuration from a fitted model: from the stage coefficients, or, for a
/// per-series fit, from the measured series with the same `k` and `alpha`.
pub(crate) fn costs(report: &FitReport, spec: SpecConfig, output_tokens: f64) -> Option<LoadCosts> {
    report.costs(spec, output_tokens)
}

/// Costs of plain decoding (`k = 0`): the `k = 0` limit of the stage coefficients, or a measured
/// baseline series of a per-series fit.
pub(crate) fn baseline_costs(report: &FitReport, output_tokens: f64) -> Option<LoadCosts> {
    costs(report, SpecConfig::baseline(), output_tokens)
}

/// Speedup of `sd` over `baseline` at an open-loop rate, `L_0 / L_k`; `None` when either
/// configuration is saturated there.
pub(crate) fn speedup_at_rate(
    baseline: &LoadCosts,
    sd: &LoadCosts,
    rate_per_s: f64,
) -> Option<f64> {
    let base = baseline.latency_at_rate(rate_per_s)?;
    let spec = sd.latency_at_rate(rate_per_s)?;
    Some(base / spec)
}

/// Speedup of `sd` over `baseline` with `concurrency` requests in flight (closed loop).
pub(crate) fn speedup_at_concurrency(
    baseline: &LoadCosts,
    sd: &LoadCosts,
    concurrency: f64,
) -> f64 {
    baseline.latency_at_concurrency(concurrency) / sd.latency_at_concurrency(concurrency)
}

/// Rate above which plain decoding is faster than `sd`, requests per second.
///
/// `None` when the two latency curves do not cross below both saturation rates: speculative
/// decoding then wins (or loses) at every stable rate.
pub(crate) fn break_even_rate(baseline: &LoadCosts, sd: &LoadCosts) -> Option<f64> {
    let numerator = baseline.c1_s - sd.c1_s;
    let denominator = baseline.c1_s * sd.c2_s - sd.c1_s * baseline.c2_s;
    if denominator == 0.0 {
        return None;
    }
    let rate = numerator / denominator;
    let limit = baseline
        .saturation_rate_per_s()
        .min(sd.saturation_rate_per_s());
    (rate > 0.0 && rate < limit).then_some(rate)
}

/// Concurrency above which plain decoding is faster than `sd` in a closed loop; `None` when
/// the lines `C1 + N * C2` do not cross at a positive concurrency.
pub(crate) fn break_even_concurrency(baseline: &LoadCosts, sd: &LoadCosts) -> Option<f64> {
    let denominator = sd.c2_s - baseline.c2_s;
    if denominator == 0.0 {
        return None;
    }
    let concurrency = (baseline.c1_s - sd.c1_s) / denominator;
    (concurrency > 0.0).then_some(concurrency)
}

/// Returns the draft length in `0..=max_k` with the lowest predicted latency at `rate_per_s`,
/// and that latency in seconds; ties go to the shorter draft. `None` when every draft length is
/// saturated at that rate or the model cannot predict the configurations.
pub(crate) fn best_k_at_rate(
    report: &FitReport,
    alpha: f64,
    output_tokens: f64,
    max_k: u32,
    rate_per_s: f64,
) -> Option<(u32, f64)> {
    let mut best: Option<(u32, f64)> = None;
    for k in 0..=max_k {
        let Ok(spec) = spec_for(k, alpha) else {
            continue;
        };
        let Some(latency_s) =
            costs(report, spec, output_tokens).and_then(|c| c.latency_at_rate(rate_per_s))
        else {
            continue;
        };
        if best.is_none_or(|(_, l)| latency_s < l) {
            best = Some((k, latency_s));
        }
    }
    best
}

/// Highest rate at which `costs` keeps mean latency at or below `target_s`; `None` when even a
/// request alone takes longer than the target.
pub(crate) fn capacity_rate(costs: &LoadCosts, target_latency_s: f64) -> Option<f64> {
    if costs.c1_s > target_latency_s {
        return None;
    }
    if costs.c2_s == 0.0 {
        return Some(f64::INFINITY);
    }
    Some((1.0 - costs.c1_s / target_latency_s) / costs.c2_s)
}

/// Returns the draft length in `0..=max_k` that sustains the highest rate under `target_latency_s`,
/// with that rate; ties go to the shorter draft.
pub(crate) fn best_capacity(
    report: &FitReport,
    alpha: f64,
    output_tokens: f64,
    max_k: u32,
    target_latency_s: f64,
) -> Option<(u32, f64)> {
    let mut best: Option<(u32, f64)> = None;
    for k in 0..=max_k {
        let Ok(spec) = spec_for(k, alpha) else {
            continue;
        };
        let Some(rate) =
            costs(report, spec, output_tokens).and_then(|c| capacity_rate(&c, target_latency_s))
        else {
            continue;
        };
        if best.is_none_or(|(_, r)| rate > r) {
            best = Some((k, rate));
        }
    }
    best
}

/// Builds the configuration for `k` and `alpha`, mapping `k = 0` to plain decoding.
pub(crate) fn spec_for(k: u32, alpha: f64) -> Result<SpecConfig, crate::model::ModelError> {
    if k == 0 {
        Ok(SpecConfig::baseline())
    } else {
        SpecConfig::new(k, alpha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (LoadCosts, LoadCosts) {
        // Baseline: C1 = 2 s, C2 = 0.05 s (saturates at 20 req/s). SD: C1 = 1 s, C2 = 0.08 s
        // (saturates at 12.5 req/s).
        let baseline = LoadCosts::from_totals(2.0, 0.05, SpecConfig::baseline());
        let sd = LoadCosts::from_totals(1.0, 0.08, SpecConfig::new(3, 0.7).unwrap());
        (baseline, sd)
    }

    #[test]
    fn break_even_rate_equalises_latency() {
        let (baseline, sd) = pair();
        let rate = break_even_rate(&baseline, &sd).unwrap();
        // (2 - 1) / (2 * 0.08 - 1 * 0.05) = 1 / 0.11
        assert!((rate - 1.0 / 0.11).abs() < 1e-12);
        let speedup = speedup_at_rate(&baseline, &sd, rate).unwrap();
        assert!((speedup - 1.0).abs() < 1e-12);
        assert!(speedup_at_rate(&baseline, &sd, rate * 0.5).unwrap() > 1.0);
        assert!(speedup_at_rate(&baseline, &sd, rate * 1.1).unwrap() < 1.0);
    }

    #[test]
    fn break_even_concurrency_equalises_latency() {
        let (baseline, sd) = pair();
        let n = break_even_concurrency(&baseline, &sd).unwrap();
        assert!((n - 1.0 / 0.03).abs() < 1e-9);
        assert!((speedup_at_concurrency(&baseline, &sd, n) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn no_break_even_when_sd_always_wins() {
        let baseline = LoadCosts::from_totals(2.0, 0.08, SpecConfig::baseline());
        let sd = LoadCosts::from_totals(1.0, 0.05, SpecConfig::new(3, 0.9).unwrap());
        assert_eq!(break_even_rate(&baseline, &sd), None);
        assert_eq!(break_even_concurrency(&baseline, &sd), None);
    }

    #[test]
    fn capacity_meets_target_exactly() {
        let (_, sd) = pair();
        let rate = capacity_rate(&sd, 4.0).unwrap();
        assert!((sd.latency_at_rate(rate).unwrap() - 4.0).abs() < 1e-12);
        assert_eq!(capacity_rate(&sd, 0.5), None);
    }

    #[test]
    fn speedup_undefined_past_saturation() {
        let (baseline, sd) = pair();
        assert_eq!(speedup_at_rate(&baseline, &sd, 13.0), None);
    }
}
