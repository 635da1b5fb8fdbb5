//! The highest load that keeps predicted latency within a target.
//!
//! From `L = C1 / (1 - rate * C2)` (Kong et al., arXiv 2605.15051), `L <= T` holds up to
//! `rate = (1 - C1 / T) / C2` when `T > C1`; no rate meets a target at or below C1. Closed loop,
//! `C1 + N * C2 <= T` holds up to `N = (T - C1) / C2`. The same forms apply to a latency
//! percentile when C1 and C2 were fitted to that percentile. Such predictions are empirical,
//! because the model is derived for the mean.

use serde::Serialize;

use super::PlanError;
use super::best_k::Candidate;

/// The capacity of one draft length under a latency target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Capacity {
    pub k: u32,
    /// Highest open-loop rate meeting the target, requests per second; `None` when even a
    /// request alone misses it. Infinite when C2 is 0.
    pub max_rate_per_s: Option<f64>,
    /// Highest closed-loop requests in flight meeting the target.
    pub max_concurrency: Option<f64>,
}

/// Checks a latency target in seconds.
pub fn check_target(target_s: f64) -> Result<(), PlanError> {
    if target_s.is_finite() && target_s > 0.0 {
        Ok(())
    } else {
        Err(PlanError::InvalidLatencyTarget { value: target_s })
    }
}

/// Capacity of one candidate under `target_s`.
pub fn capacity_for_k(candidate: &Candidate, target_s: f64) -> Result<Capacity, PlanError> {
    check_target(target_s)?;
    let (c1, c2) = (candidate.c1_s, candidate.c2_s);
    let (max_rate_per_s, max_concurrency) = if target_s <= c1 {
        (None, None)
    } else if c2 <= 0.0 {
        (Some(f64::INFINITY), Some(f64::INFINITY))
    } else {
        (Some((1.0 - c1 / target_s) / c2), Some((target_s - c1) / c2))
    };
    Ok(Capacity {
        k: candidate.k,
        max_rate_per_s,
        max_concurrency,
    })
}

/// Returns the capacity of the candidate with the highest rate capacity, or `None` when no
/// candidate meets the target. Ties go to the smaller `k`.
pub fn best_capacity(
    candidates: &[Candidate],
    target_s: f64,
) -> Result<Option<Capacity>, PlanError> {
    let mut best: Option<Capacity> = None;
    for candidate in candidates {
        let capacity = capacity_for_k(candidate, target_s)?;
        let Some(rate) = capacity.max_rate_per_s else {
            continue;
        };
        if best.is_none_or(|b| rate > b.max_rate_per_s.unwrap_or(0.0)) {
            best = Some(capacity);
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::acceptance_profile::EstimateBasis;

    fn candidate(k: u32, c1: f64, c2: f64) -> Candidate {
        Candidate {
            k,
            expected_tokens: 1.0,
            basis: EstimateBasis::Iid,
            c1_s: c1,
            c2_s: c2,
        }
    }

    #[test]
    fn capacity_meets_target_exactly() {
        let c = candidate(3, 1.0, 0.1);
        let capacity = capacity_for_k(&c, 2.0).unwrap();
        // (1 - 1/2) / 0.1 = 5 req/s, where L = 1 / (1 - 0.5) = 2 s.
        assert!((capacity.max_rate_per_s.unwrap() - 5.0).abs() < 1e-12);
        assert!((capacity.max_concurrency.unwrap() - 10.0).abs() < 1e-12);
        assert_eq!(capacity_for_k(&c, 1.0).unwrap().max_rate_per_s, None);
        assert_eq!(capacity_for_k(&c, 0.5).unwrap().max_concurrency, None);
    }

    #[test]
    fn best_capacity_picks_highest_rate() {
        let candidates = [candidate(0, 1.5, 0.05), candidate(3, 0.8, 0.09)];
        // k=0: (1 - 1.5/2)/0.05 = 5; k=3: (1 - 0.4)/0.09 = 6.67.
        let best = best_capacity(&candidates, 2.0).unwrap().unwrap();
        assert_eq!(best.k, 3);
        // k=0: (1 - 0.3)/0.05 = 14; k=3: (1 - 0.16)/0.09 = 9.33.
        assert_eq!(best_capacity(&candidates, 5.0).unwrap().unwrap().k, 0);
        assert_eq!(best_capacity(&candidates, 0.5).unwrap(), None);
    }

    #[test]
    fn rejects_bad_target() {
        let c = candidate(1, 1.0, 0.1);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(capacity_for_k(&c, bad).is_err(), "target {bad}");
        }
    }
}
