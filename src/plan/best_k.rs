//! The draft length with the lowest predicted mean latency at each load.
//!
//! For draft length `k` with `E_k` expected tokens per verification and `g` output tokens,
//! the stage model of Kong et al. (arXiv 2605.15051) gives
//! `C1(k) = c1_prefill + (g / E_k)(c1_verify + k c1_draft)` and the same for C2. Latency is
//! `C1 / (1 - rate * C2)` open loop and `C1 + N * C2` closed loop, so the best `k` moves from
//! the minimiser of C1 at zero load towards the minimiser of C2 near saturation. A `k` that is
//! saturated at a rate cannot win there. `E_k` comes from an [`AcceptanceProfile`]: the i.i.d.
//! formula for an `alpha`, or measured per-position rates, extrapolated past the measured
//! positions by a fitted geometric decay (marked `extrapolated`).

use serde::Serialize;

use super::{KRange, PlanError, check_loads};
use crate::fit::FitReport;
use crate::model::acceptance_profile::{AcceptanceProfile, EstimateBasis};
use crate::model::{LoadCosts, ModelError, SpecConfig, StageCoefficients};

/// One load at which to choose `k`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// Open-loop arrival rate, requests per second.
    Rate(f64),
    /// Closed-loop requests in flight (the batch size).
    Concurrency(f64),
}

/// One candidate draft length with its costs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub k: u32,
    pub expected_tokens: f64,
    /// Source of `expected_tokens`: `iid`, `measured` or `extrapolated`.
    pub basis: EstimateBasis,
    pub c1_s: f64,
    pub c2_s: f64,
}

impl Candidate {
    /// Builds a candidate from the costs of one configuration, with `E` from its `k` and
    /// i.i.d. `alpha`.
    pub fn from_costs(costs: &LoadCosts) -> Self {
        let spec = costs.spec();
        // Plain decoding commits exactly one token per pass, so its `E` is marked measured, as
        // in [`candidates`].
        let basis = if spec.is_baseline() {
            EstimateBasis::Measured
        } else {
            EstimateBasis::Iid
        };
        Self {
            k: spec.k(),
            expected_tokens: spec.expected_tokens(),
            basis,
            c1_s: costs.c1_s,
            c2_s: costs.c2_s,
        }
    }

    fn latency_at(&self, load: Load) -> Option<f64> {
        match load {
            Load::Rate(rate) => {
                let headroom = 1.0 - rate * self.c2_s;
                (headroom > 0.0).then(|| self.c1_s / headroom)
            }
            Load::Concurrency(n) => Some(self.c1_s + n * self.c2_s),
        }
    }
}

/// The best draft length at one load.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BestK {
    /// Open-loop rate, requests per second; absent for a concurrency entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<f64>,
    /// Closed-loop requests in flight; absent for a rate entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<f64>,
    /// The best draft length; `None` when every candidate is saturated.
    pub k: Option<u32>,
    /// Predicted mean latency with that `k`, seconds.
    pub latency_s: Option<f64>,
    /// Predicted mean latency of plain decoding, seconds, when 0 is a candidate; `None` there
    /// when plain decoding is saturated.
    pub baseline_latency_s: Option<f64>,
}

/// Best draft lengths over a load grid, with the zero-load and near-saturation optima.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BestKTable {
    pub candidates: Vec<Candidate>,
    /// The `k` minimising C1: best for a request alone.
    pub zero_load_k: u32,
    /// The `k` minimising C2: best as the load approaches saturation.
    pub high_load_k: u32,
    pub entries: Vec<BestK>,
}

/// Computes C1 and C2 of each `k` in `ks` for the acceptance `profile`.
pub fn candidates(
    coefficients: &StageCoefficients,
    output_tokens: f64,
    profile: &AcceptanceProfile,
    ks: KRange,
) -> Result<Vec<Candidate>, PlanError> {
    if !(output_tokens.is_finite() && output_tokens > 0.0) {
        return Err(crate::model::ModelError::InvalidOutputTokens {
            value: output_tokens,
        }
        .into());
    }
    let c = coefficients;
    ks.iter()
        .map(|k| {
            let estimate = if k == 0 {
                crate::model::acceptance_profile::ExpectedTokensEstimate {
                    tokens: 1.0,
                    basis: EstimateBasis::Measured,
                }
            } else {
                profile.expected_tokens(k)?
            };
            let cycles = output_tokens / estimate.tokens;
            let kf = f64::from(k);
            Ok(Candidate {
                k,
                expected_tokens: estimate.tokens,
                basis: estimate.basis,
                c1_s: c.c1_prefill + cycles * (c.c1_verify + kf * c.c1_draft),
                c2_s: c.c2_prefill + cycles * (c.c2_verify + kf * c.c2_draft),
            })
        })
        .collect()
}

/// Builds the configuration for `k` and `alpha`, with `k = 0` as plain decoding, whose `alpha`
/// is 1 by convention.
pub fn spec_for(k: u32, alpha: f64) -> Result<SpecConfig, ModelError> {
    if k == 0 {
        Ok(SpecConfig::baseline())
    } else {
        SpecConfig::new(k, alpha)
    }
}

/// Computes the candidates in `ks` at the i.i.d. acceptance `alpha` from a fitted model.
///
/// The costs come from the stage coefficients, the same as [`candidates`] with an i.i.d.
/// profile, and no `k` is left when `output_tokens` is not a positive number. A per-series fit
/// has no coefficients, so each `k` takes the fitted C1 and C2 of the series with that `k` and
/// `alpha`, at that series' own output length, and a `k` without such a series is left out.
/// Every `k > 0` is left out when `alpha` is outside (0, 1].
pub fn candidates_from_report(
    report: &FitReport,
    output_tokens: f64,
    alpha: f64,
    ks: KRange,
) -> Vec<Candidate> {
    ks.iter()
        .filter_map(|k| report.costs(spec_for(k, alpha).ok()?, output_tokens))
        .map(|costs| Candidate::from_costs(&costs))
        .collect()
}

/// Chooses the best `k` at every load of `loads`.
///
/// Ties go to the smaller `k`, which drafts less for the same latency.
pub fn best_k_table(
    coefficients: &StageCoefficients,
    output_tokens: f64,
    profile: &AcceptanceProfile,
    ks: KRange,
    loads: &[Load],
) -> Result<BestKTable, PlanError> {
    let rates: Vec<f64> = loads
        .iter()
        .map(|l| match l {
            Load::Rate(v) | Load::Concurrency(v) => *v,
        })
        .collect();
    check_loads(&rates, "load")?;
    let candidates = candidates(coefficients, output_tokens, profile, ks)?;
    Ok(BestKTable::from_candidates(candidates, loads))
}

impl BestKTable {
    /// Chooses the best of `candidates` at every load; the loads must be validated already.
    pub fn from_candidates(candidates: Vec<Candidate>, loads: &[Load]) -> Self {
        let first_k = candidates.first().map_or(0, |c| c.k);
        let argmin = |value: &dyn Fn(&Candidate) -> f64| {
            candidates
                .iter()
                .min_by(|a, b| value(a).total_cmp(&value(b)).then(a.k.cmp(&b.k)))
                .map_or(first_k, |c| c.k)
        };
        let zero_load_k = argmin(&|c| c.c1_s);
        let high_load_k = argmin(&|c| c.c2_s);

        let entries = loads
            .iter()
            .map(|&load| choose(&candidates, load))
            .collect();
        Self {
            candidates,
            zero_load_k,
            high_load_k,
            entries,
        }
    }
}

fn choose(candidates: &[Candidate], load: Load) -> BestK {
    let mut best: Option<(u32, f64)> = None;
    let mut baseline_latency_s = None;
    for candidate in candidates {
        let Some(latency) = candidate.latency_at(load) else {
            continue;
        };
        if candidate.k == 0 {
            baseline_latency_s = Some(latency);
        }
        if best.is_none_or(|(_, l)| latency < l) {
            best = Some((candidate.k, latency));
        }
    }
    let (rate_per_s, concurrency) = match load {
        Load::Rate(rate) => (Some(rate), None),
        Load::Concurrency(n) => (None, Some(n)),
    };
    BestK {
        rate_per_s,
        concurrency,
        k: best.map(|(k, _)| k),
        latency_s: best.map(|(_, l)| l),
        baseline_latency_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Qwen3-8B coefficients of the published least-squares method.
    fn qwen3_8b() -> StageCoefficients {
        StageCoefficients::new([7.344e-2, 1.389e-2, 1.302e-3, 3.485e-2, 2.073e-4, 7.898e-5])
            .unwrap()
    }

    #[test]
    fn zero_load_optimum_minimises_c1() {
        let profile = AcceptanceProfile::iid(0.6).unwrap();
        let table = best_k_table(
            &qwen3_8b(),
            128.0,
            &profile,
            KRange::new(0, 10).unwrap(),
            &[Load::Rate(0.0)],
        )
        .unwrap();
        let by_hand = table
            .candidates
            .iter()
            .min_by(|a, b| a.c1_s.total_cmp(&b.c1_s))
            .unwrap()
            .k;
        assert_eq!(table.zero_load_k, by_hand);
        assert_eq!(table.entries[0].k, Some(by_hand));
        assert!(table.high_load_k <= table.zero_load_k);
    }

    #[test]
    fn saturated_candidates_lose() {
        let profile = AcceptanceProfile::iid(0.6).unwrap();
        let ks = KRange::new(0, 10).unwrap();
        let candidates = candidates(&qwen3_8b(), 128.0, &profile, ks).unwrap();
        let lowest_c2 = candidates
            .iter()
            .map(|c| c.c2_s)
            .fold(f64::INFINITY, f64::min);
        // Just below the last saturation rate only the lowest-C2 candidate is left.
        let rate = 0.999 / lowest_c2;
        let table = best_k_table(&qwen3_8b(), 128.0, &profile, ks, &[Load::Rate(rate)]).unwrap();
        assert_eq!(table.entries[0].k, Some(table.high_load_k));
        let past =
            best_k_table(&qwen3_8b(), 128.0, &profile, ks, &[Load::Rate(rate * 2.0)]).unwrap();
        assert_eq!(past.entries[0].k, None);
        assert_eq!(past.entries[0].latency_s, None);
    }

    #[test]
    fn measured_profile_marks_extrapolation() {
        let profile = AcceptanceProfile::measured(vec![0.8, 0.6, 0.45]).unwrap();
        let ks = KRange::new(0, 6).unwrap();
        let candidates = candidates(&qwen3_8b(), 128.0, &profile, ks).unwrap();
        assert!((candidates[3].expected_tokens - 2.85).abs() < 1e-12);
        assert_eq!(candidates[3].basis, EstimateBasis::Measured);
        assert_eq!(candidates[4].basis, EstimateBasis::Extrapolated);
    }

    fn fit_example(series_count: usize) -> FitReport {
        let series: Vec<_> = crate::example::series("qwen3-8b")
            .unwrap()
            .into_iter()
            .take(series_count)
            .collect();
        let options = crate::fit::FitOptions {
            cross_validate: false,
            ..crate::fit::FitOptions::default()
        };
        crate::fit::fit(&series, &options, &|| {}).unwrap()
    }

    #[test]
    fn report_candidates_match_stage_candidates() {
        let report = fit_example(usize::MAX);
        let coefficients = report.model.coefficients.unwrap();
        let ks = KRange::new(0, 10).unwrap();
        let profile = AcceptanceProfile::iid(0.7).unwrap();
        let from_stages = candidates(&coefficients, 128.0, &profile, ks).unwrap();
        let from_report = candidates_from_report(&report, 128.0, 0.7, ks);
        assert_eq!(from_report, from_stages);
    }

    #[test]
    fn report_candidates_of_per_series_fit() {
        let report = fit_example(1);
        assert!(report.model.coefficients.is_none());
        let measured = &report.series[0];
        let ks = KRange::new(0, 10).unwrap();

        let found = candidates_from_report(&report, 128.0, measured.alpha, ks);
        assert_eq!(found.len(), 1, "only the measured k: {found:?}");
        assert_eq!(found[0].k, measured.k);
        assert_eq!(found[0].c1_s, measured.c1_s);
        assert_eq!(found[0].c2_s, measured.c2_s);

        let other_alpha = candidates_from_report(&report, 128.0, measured.alpha / 2.0, ks);
        assert!(other_alpha.is_empty(), "{other_alpha:?}");
    }

    #[test]
    fn rejects_bad_loads() {
        let profile = AcceptanceProfile::iid(0.6).unwrap();
        let ks = KRange::default_range();
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(best_k_table(&qwen3_8b(), 128.0, &profile, ks, &[Load::Rate(bad)]).is_err());
        }
        assert!(best_k_table(&qwen3_8b(), 128.0, &profile, ks, &[]).is_err());
        assert!(best_k_table(&qwen3_8b(), 0.0, &profile, ks, &[Load::Rate(1.0)]).is_err());
    }
}
