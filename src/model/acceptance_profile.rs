//! Conversions between the ways engines and papers report draft-token acceptance.
//!
//! Four quantities describe acceptance, and files mix them:
//!
//! - `alpha`, the per-token acceptance probability of the i.i.d. model, in (0, 1];
//! - the acceptance length `E`, mean tokens committed per verification with the bonus token,
//!   `1 + accepted / drafts`;
//! - vLLM's acceptance rate, accepted / drafted tokens **in percent**
//!   (`spec_decode_acceptance_rate` in `vllm bench serve` results);
//! - per-position rates `p_i`, the fraction of drafts whose token at position `i` was accepted
//!   (vLLM counter `vllm:spec_decode_num_accepted_tokens_per_pos`, divided by the drafts).
//!
//! A token at position `i` is accepted only if every earlier one was, so `p_i` is the probability
//! that the first `i + 1` tokens were all accepted, and `E = 1 + sum(p_i)` holds for any
//! drafter, with no independence assumption. Under i.i.d. acceptance `p_i = alpha^(i+1)`; real
//! drafters decay faster or slower than that, so an `alpha` solved from `E` is an effective value
//! that only reproduces `E` at the draft length it was measured with.

use serde::Serialize;

use super::{ModelError, expected_tokens};

/// Largest increase from one position's rate to the next that [`AcceptanceProfile::measured`]
/// tolerates. Rates taken from one window of counters never increase (acceptance at position
/// `i + 1` implies acceptance at `i`); averages over several runs or rounding in a report can
/// break that by a little, so small increases are accepted and larger ones are rejected as a
/// sign of a wrong column or a mixed-up file.
pub const MONOTONE_TOLERANCE: f64 = 0.01;

/// Relative spread of acceptance length across a sweep above which [`acceptance_drift`] flags
/// it: 5%.
pub const DEFAULT_DRIFT_THRESHOLD: f64 = 0.05;

/// Converts vLLM's acceptance rate in percent (accepted / drafted × 100) to a fraction in [0, 1].
pub fn percent_to_fraction(percent: f64) -> Result<f64, ModelError> {
    if !(percent.is_finite() && (0.0..=100.0).contains(&percent)) {
        return Err(ModelError::InvalidAcceptancePercent { value: percent });
    }
    Ok(percent / 100.0)
}

/// Converts an acceptance fraction in [0, 1] to vLLM's percent scale.
pub fn fraction_to_percent(fraction: f64) -> Result<f64, ModelError> {
    check_rate(None, fraction)?;
    Ok(fraction * 100.0)
}

/// Computes vLLM's acceptance rate in percent from token counts: accepted / drafted × 100.
pub fn acceptance_rate_percent(
    num_accepted_tokens: f64,
    num_draft_tokens: f64,
) -> Result<f64, ModelError> {
    check_count("num_accepted_tokens", num_accepted_tokens)?;
    check_count("num_draft_tokens", num_draft_tokens)?;
    if num_draft_tokens == 0.0 || num_accepted_tokens > num_draft_tokens {
        return Err(ModelError::InvalidAcceptanceCounts {
            accepted: num_accepted_tokens,
            proposed: num_draft_tokens,
        });
    }
    Ok(num_accepted_tokens / num_draft_tokens * 100.0)
}

/// Computes the acceptance length `E = 1 + accepted / drafts` from counters.
pub fn acceptance_length_from_counts(
    num_accepted_tokens: f64,
    num_drafts: f64,
) -> Result<f64, ModelError> {
    check_count("num_accepted_tokens", num_accepted_tokens)?;
    check_count("num_drafts", num_drafts)?;
    if num_drafts == 0.0 {
        return Err(ModelError::InvalidAcceptanceCounts {
            accepted: num_accepted_tokens,
            proposed: num_drafts,
        });
    }
    Ok(1.0 + num_accepted_tokens / num_drafts)
}

/// Computes the acceptance length `E = 1 + sum(p_i)` from measured per-position rates.
///
/// Exact for any drafter, because `p_i` already is the probability that the first `i + 1`
/// tokens were accepted. The rates are checked as in [`AcceptanceProfile::measured`].
pub fn acceptance_length_from_per_position(per_position: &[f64]) -> Result<f64, ModelError> {
    check_profile(per_position)?;
    Ok(1.0 + per_position.iter().sum::<f64>())
}

/// Per-position rates of the i.i.d. model, `p_i = alpha^(i+1)` for `i = 0..k-1`.
pub fn iid_per_position(alpha: f64, k: u32) -> Result<Vec<f64>, ModelError> {
    check_alpha(alpha)?;
    Ok((1..=k)
        .map(|exponent| alpha.powi(exponent as i32))
        .collect())
}

/// Solves `E(alpha, k) = acceptance_length` for the effective `alpha`.
///
/// `E` is continuous and strictly increasing in `alpha` on [0, 1], from 1 to `k + 1`, so
/// bisection always converges; 100 halvings bring the bracket below 1e-30. An acceptance length
/// of exactly 1 returns 0 (nothing accepted), which [`super::SpecConfig`] rejects on purpose.
pub fn alpha_from_acceptance_length(acceptance_length: f64, k: u32) -> Result<f64, ModelError> {
    let max_length = f64::from(k) + 1.0;
    let in_range = acceptance_length.is_finite() && (1.0..=max_length).contains(&acceptance_length);
    if k == 0 || !in_range {
        return Err(ModelError::InvalidAcceptanceLength {
            value: acceptance_length,
            k,
        });
    }
    if acceptance_length == 1.0 {
        return Ok(0.0);
    }
    if acceptance_length == max_length {
        return Ok(1.0);
    }

    let mut low = 0.0_f64;
    let mut high = 1.0_f64;
    for _ in 0..100 {
        let middle = 0.5 * (low + high);
        if expected_tokens(middle, k) < acceptance_length {
            low = middle;
        } else {
            high = middle;
        }
    }
    Ok(0.5 * (low + high))
}

/// A geometric decay `p_i ≈ alpha^(i+1)` fitted to a per-position profile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GeometricFit {
    /// Effective per-token acceptance probability.
    pub alpha: f64,
    /// Root-mean-square difference between the profile and `alpha^(i+1)`.
    pub rms_residual: f64,
}

/// Fits `p_i ≈ alpha^(i+1)` by least squares on the rates themselves.
///
/// Least squares on `p_i` (rather than on `log p_i`) keeps positions with a rate of 0 usable and
/// weights the early positions, which carry most of `E`, the most. The objective is minimised
/// over `alpha` in [0, 1] by a grid of 1001 points followed by golden-section refinement around
/// the best grid point. A fitted `alpha` of 0 (every rate 0) is returned as is.
pub fn fit_geometric(per_position: &[f64]) -> Result<GeometricFit, ModelError> {
    check_profile(per_position)?;

    let squared_error = |alpha: f64| -> f64 {
        let mut power = 1.0;
        let mut total = 0.0;
        for &rate in per_position {
            power *= alpha;
            total += (rate - power).powi(2);
        }
        total
    };

    // A coarse grid first, because the objective need not be unimodal for odd profiles.
    const GRID_STEPS: usize = 1000;
    let mut best_step = 0;
    let mut best_error = f64::INFINITY;
    for step in 0..=GRID_STEPS {
        let error = squared_error(step as f64 / GRID_STEPS as f64);
        if error < best_error {
            best_error = error;
            best_step = step;
        }
    }

    // Golden-section search inside the two grid cells around the best grid point.
    let inverse_golden = (5.0_f64.sqrt() - 1.0) / 2.0;
    let mut low = best_step.saturating_sub(1) as f64 / GRID_STEPS as f64;
    let mut high = (best_step + 1).min(GRID_STEPS) as f64 / GRID_STEPS as f64;
    for _ in 0..100 {
        let left = high - inverse_golden * (high - low);
        let right = low + inverse_golden * (high - low);
        if squared_error(left) <= squared_error(right) {
            high = right;
        } else {
            low = left;
        }
    }
    let alpha = 0.5 * (low + high);

    let rms_residual = (squared_error(alpha) / per_position.len() as f64).sqrt();
    Ok(GeometricFit {
        alpha,
        rms_residual,
    })
}

/// Where a value of [`AcceptanceProfile::expected_tokens`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateBasis {
    /// The i.i.d. formula `E(alpha, k)`.
    Iid,
    /// Measured per-position rates only: `k` is within the measured positions.
    Measured,
    /// Measured rates extended past the last measured position by a fitted geometric decay.
    Extrapolated,
}

/// Expected tokens per verification at one draft length, with where the value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ExpectedTokensEstimate {
    pub tokens: f64,
    pub basis: EstimateBasis,
}

/// How acceptance depends on the draft position.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceProfile {
    /// Every draft token accepted independently with probability `alpha`.
    Iid { alpha: f64 },
    /// Measured per-position rates `p_0, p_1, ...`, fractions in [0, 1].
    Measured { per_position: Vec<f64> },
}

impl AcceptanceProfile {
    /// Builds an i.i.d. profile, rejecting `alpha` outside (0, 1].
    pub fn iid(alpha: f64) -> Result<Self, ModelError> {
        check_alpha(alpha)?;
        Ok(Self::Iid { alpha })
    }

    /// Builds a measured profile from per-position rates.
    ///
    /// Rejects an empty list, rates outside [0, 1] or not finite, and a rate that exceeds the
    /// one before it by more than [`MONOTONE_TOLERANCE`].
    pub fn measured(per_position: Vec<f64>) -> Result<Self, ModelError> {
        check_profile(&per_position)?;
        Ok(Self::Measured { per_position })
    }

    /// Expected tokens committed per verification when drafting `k` tokens.
    ///
    /// For a measured profile and `k` up to the number of measured positions this is
    /// `1 + p_0 + ... + p_(k-1)`, which assumes that the first positions behave the same when
    /// fewer tokens are drafted. Beyond the measured positions the rates continue from the last
    /// measured one, multiplied by the fitted geometric `alpha` per extra position, and the
    /// result is marked [`EstimateBasis::Extrapolated`].
    pub fn expected_tokens(&self, k: u32) -> Result<ExpectedTokensEstimate, ModelError> {
        if k > super::MAX_DRAFT_LENGTH {
            return Err(ModelError::InvalidDraftLength {
                value: i64::from(k),
            });
        }

        match self {
            Self::Iid { alpha } => Ok(ExpectedTokensEstimate {
                tokens: expected_tokens(*alpha, k),
                basis: EstimateBasis::Iid,
            }),
            Self::Measured { per_position } => {
                let k = k as usize;
                let measured_count = k.min(per_position.len());
                let measured_sum: f64 = per_position[..measured_count].iter().sum();
                if k <= per_position.len() {
                    return Ok(ExpectedTokensEstimate {
                        tokens: 1.0 + measured_sum,
                        basis: EstimateBasis::Measured,
                    });
                }

                let decay = fit_geometric(per_position)?.alpha;
                let mut rate = per_position.last().copied().unwrap_or(0.0);
                let mut tail_sum = 0.0;
                for _ in per_position.len()..k {
                    rate *= decay;
                    tail_sum += rate;
                }
                Ok(ExpectedTokensEstimate {
                    tokens: 1.0 + measured_sum + tail_sum,
                    basis: EstimateBasis::Extrapolated,
                })
            }
        }
    }
}

/// The spread of acceptance length over the benchmarks of one sweep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct AcceptanceDrift {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// `(max - min) / mean`.
    pub relative_spread: f64,
    /// Threshold the spread was compared with, as a fraction.
    pub threshold: f64,
    /// Whether `relative_spread` exceeds `threshold`, a sign that acceptance changed with load
    /// and one `alpha` per sweep misdescribes it.
    pub exceeds_threshold: bool,
}

/// Measures how much the acceptance length varies across a sweep.
///
/// Returns `Ok(None)` for an empty list. `threshold` is a fraction such as
/// [`DEFAULT_DRIFT_THRESHOLD`]; every length must be finite and at least 1.
pub fn acceptance_drift(
    acceptance_lengths: &[f64],
    threshold: f64,
) -> Result<Option<AcceptanceDrift>, ModelError> {
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(ModelError::InvalidDriftThreshold { value: threshold });
    }
    for &length in acceptance_lengths {
        if !(length.is_finite() && length >= 1.0) {
            return Err(ModelError::AcceptanceLengthBelowOne { value: length });
        }
    }
    if acceptance_lengths.is_empty() {
        return Ok(None);
    }

    let min = acceptance_lengths
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let max = acceptance_lengths
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let mean = acceptance_lengths.iter().sum::<f64>() / acceptance_lengths.len() as f64;
    let relative_spread = (max - min) / mean;
    Ok(Some(AcceptanceDrift {
        min,
        max,
        mean,
        relative_spread,
        threshold,
        exceeds_threshold: relative_spread > threshold,
    }))
}

fn check_alpha(alpha: f64) -> Result<(), ModelError> {
    if alpha.is_finite() && alpha > 0.0 && alpha <= 1.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidAlpha { value: alpha })
    }
}

fn check_rate(position: Option<usize>, rate: f64) -> Result<(), ModelError> {
    if rate.is_finite() && (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(ModelError::InvalidAcceptanceRate {
            position,
            value: rate,
        })
    }
}

fn check_count(name: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidCount { name, value })
    }
}

fn check_profile(per_position: &[f64]) -> Result<(), ModelError> {
    if per_position.is_empty() {
        return Err(ModelError::EmptyAcceptanceProfile);
    }
    for (position, &rate) in per_position.iter().enumerate() {
        check_rate(Some(position), rate)?;
    }
    for (position, pair) in per_position.windows(2).enumerate() {
        if pair[1] > pair[0] + MONOTONE_TOLERANCE {
            return Err(ModelError::IncreasingAcceptance {
                position: position + 1,
                previous: pair[0],
                value: pair[1],
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: f64, expected: f64, tolerance: f64) {
        assert!(
            (got - expected).abs() <= tolerance,
            "got {got}, expected {expected} within {tolerance}"
        );
    }

    #[test]
    fn length_from_per_position_hand_example() {
        // 1 + 0.8 + 0.5 + 0.2 = 2.5, whatever the decay shape.
        let length = acceptance_length_from_per_position(&[0.8, 0.5, 0.2]).unwrap();
        assert_close(length, 2.5, 1e-12);
    }

    #[test]
    fn length_from_per_position_matches_iid() {
        let rates = iid_per_position(0.7, 3).unwrap();
        let length = acceptance_length_from_per_position(&rates).unwrap();
        assert_close(length, expected_tokens(0.7, 3), 1e-12);
    }

    #[test]
    fn length_from_counts_hand_example() {
        // The vLLM example: 41400 accepted over 22500 drafts.
        let length = acceptance_length_from_counts(41_400.0, 22_500.0).unwrap();
        assert_close(length, 2.84, 1e-12);
        assert!(acceptance_length_from_counts(1.0, 0.0).is_err());
    }

    #[test]
    fn percent_conversions() {
        assert_close(percent_to_fraction(61.3).unwrap(), 0.613, 1e-12);
        assert_close(fraction_to_percent(0.613).unwrap(), 61.3, 1e-9);
        let percent = acceptance_rate_percent(41_400.0, 67_500.0).unwrap();
        assert_close(percent, 61.333_333_333, 1e-6);
    }

    #[test]
    fn percent_rejects_out_of_range() {
        assert_eq!(
            percent_to_fraction(130.0),
            Err(ModelError::InvalidAcceptancePercent { value: 130.0 })
        );
        assert!(percent_to_fraction(-1.0).is_err());
        assert!(percent_to_fraction(f64::NAN).is_err());
        assert!(fraction_to_percent(1.5).is_err());
        assert!(acceptance_rate_percent(10.0, 5.0).is_err());
        assert!(acceptance_rate_percent(1.0, 0.0).is_err());
    }

    #[test]
    fn alpha_round_trips_through_length() {
        for k in [1, 2, 3, 7, 10] {
            for alpha in [0.05, 0.3, 0.5, 0.73, 0.9, 0.99] {
                let length = expected_tokens(alpha, k);
                let solved = alpha_from_acceptance_length(length, k).unwrap();
                assert_close(solved, alpha, 1e-9);
            }
        }
    }

    #[test]
    fn alpha_from_dspark_and_mtp_lengths() {
        // MTP, k = 2: 1 + a + a^2 = 2.27 gives a = (-1 + sqrt(6.08)) / 2 = 0.7329.
        let mtp = alpha_from_acceptance_length(2.27, 2).unwrap();
        assert_close(mtp, (-1.0 + 6.08_f64.sqrt()) / 2.0, 1e-9);
        assert_close(mtp, 0.7329, 1e-4);

        // DSpark, k = 7, E = 3.4: the value is checked against the closed form and pinned.
        let dspark = alpha_from_acceptance_length(3.4, 7).unwrap();
        assert_close(expected_tokens(dspark, 7), 3.4, 1e-9);
        assert_close(dspark, 0.7295, 1e-4);
    }

    #[test]
    fn alpha_edges_and_rejections() {
        assert_eq!(alpha_from_acceptance_length(1.0, 3), Ok(0.0));
        assert_eq!(alpha_from_acceptance_length(4.0, 3), Ok(1.0));
        for bad in [0.99, 4.01, f64::NAN, f64::INFINITY] {
            let result = alpha_from_acceptance_length(bad, 3);
            assert!(
                matches!(
                    result,
                    Err(ModelError::InvalidAcceptanceLength { k: 3, .. })
                ),
                "E = {bad} gave {result:?}"
            );
        }
        assert!(alpha_from_acceptance_length(1.0, 0).is_err());
    }

    #[test]
    fn geometric_fit_recovers_alpha() {
        for alpha in [0.2, 0.55, 0.73, 0.95, 1.0] {
            let rates = iid_per_position(alpha, 6).unwrap();
            let fit = fit_geometric(&rates).unwrap();
            assert_close(fit.alpha, alpha, 1e-7);
            assert!(fit.rms_residual < 1e-7, "residual {}", fit.rms_residual);
        }
    }

    #[test]
    fn geometric_fit_of_zero_profile() {
        let fit = fit_geometric(&[0.0, 0.0]).unwrap();
        assert_close(fit.alpha, 0.0, 1e-6);
    }

    #[test]
    fn profile_validation() {
        assert_eq!(
            AcceptanceProfile::measured(vec![]),
            Err(ModelError::EmptyAcceptanceProfile)
        );
        assert_eq!(
            AcceptanceProfile::measured(vec![0.8, 1.2]),
            Err(ModelError::InvalidAcceptanceRate {
                position: Some(1),
                value: 1.2
            })
        );
        assert_eq!(
            AcceptanceProfile::measured(vec![0.5, 0.7]),
            Err(ModelError::IncreasingAcceptance {
                position: 1,
                previous: 0.5,
                value: 0.7
            })
        );
        // An increase within the tolerance passes.
        assert!(AcceptanceProfile::measured(vec![0.5, 0.505, 0.3]).is_ok());
        assert!(AcceptanceProfile::measured(vec![0.5, f64::NAN]).is_err());
        assert!(AcceptanceProfile::iid(0.0).is_err());
        assert!(AcceptanceProfile::iid(1.0).is_ok());
    }

    #[test]
    fn profile_expected_tokens_bases() {
        let iid = AcceptanceProfile::iid(0.7).unwrap();
        let estimate = iid.expected_tokens(3).unwrap();
        assert_eq!(estimate.basis, EstimateBasis::Iid);
        assert_close(estimate.tokens, 2.533, 1e-12);

        let measured = AcceptanceProfile::measured(vec![0.78, 0.61, 0.45]).unwrap();
        let within = measured.expected_tokens(2).unwrap();
        assert_eq!(within.basis, EstimateBasis::Measured);
        assert_close(within.tokens, 2.39, 1e-12);
        let all = measured.expected_tokens(3).unwrap();
        assert_eq!(all.basis, EstimateBasis::Measured);
        assert_close(all.tokens, 2.84, 1e-12);

        let beyond = measured.expected_tokens(5).unwrap();
        assert_eq!(beyond.basis, EstimateBasis::Extrapolated);
        let decay = fit_geometric(&[0.78, 0.61, 0.45]).unwrap().alpha;
        let tail = 0.45 * decay + 0.45 * decay * decay;
        assert_close(beyond.tokens, 2.84 + tail, 1e-12);
        assert!(beyond.tokens > all.tokens);
    }

    #[test]
    fn extrapolation_exact_for_geometric_profile() {
        let measured = AcceptanceProfile::measured(iid_per_position(0.6, 3).unwrap()).unwrap();
        let estimate = measured.expected_tokens(8).unwrap();
        assert_eq!(estimate.basis, EstimateBasis::Extrapolated);
        assert_close(estimate.tokens, expected_tokens(0.6, 8), 1e-7);
    }

    #[test]
    fn drift_flags_spread_above_threshold() {
        let flat = acceptance_drift(&[3.36, 3.40, 3.45], DEFAULT_DRIFT_THRESHOLD)
            .unwrap()
            .unwrap();
        assert_close(flat.relative_spread, 0.09 / (10.21 / 3.0), 1e-12);
        assert!(!flat.exceeds_threshold);

        let drifting = acceptance_drift(&[3.0, 3.5], DEFAULT_DRIFT_THRESHOLD)
            .unwrap()
            .unwrap();
        assert_close(drifting.relative_spread, 0.5 / 3.25, 1e-12);
        assert!(drifting.exceeds_threshold);

        assert_eq!(acceptance_drift(&[], 0.05), Ok(None));
        assert!(acceptance_drift(&[0.5], 0.05).is_err());
        assert!(acceptance_drift(&[2.0], f64::NAN).is_err());
    }
}
