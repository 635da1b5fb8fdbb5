//! The mixture-of-experts extension of the latency model.
//!
//! A decode step of a mixture-of-experts verifier reads only the experts its tokens route to.
//! With `m` experts per token out of `M` and `T` tokens routed in a step, the expected fraction
//! of experts touched is `phi(T) = 1 - (1 - m/M)^T`, where `T = B` for plain decoding and
//! `T = B (k + 1)` for verification, with `B` requests in flight. Kong et al. (arXiv
//! 2605.15051) split each cost into a part that does not depend on coverage and a part that
//! scales with it:
//!
//! ```text
//! L = (C1u + phi * C1s) / (1 - rate * (C2u + phi * C2s)),   B = rate * L
//! ```
//!
//! `phi` depends on `L` through `B`, so [`MoeCosts::latency_at_rate`] solves it by damped
//! fixed-point iteration. With `phi = 1` (a dense model, or `m = M`) the form reduces to the
//! dense `C1 / (1 - rate * C2)` with `C1 = C1u + C1s`, `C2 = C2u + C2s`.
//! NOTE: this module is checked against generated data only; it has not been validated on
//! measured mixture-of-experts sweeps.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::PlanError;

/// Costs of one configuration of a mixture-of-experts model, seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MoeCosts {
    /// Load-independent cost that does not depend on expert coverage.
    pub c1_unscaled_s: f64,
    /// Load-independent cost at full coverage (`phi = 1`).
    pub c1_scaled_s: f64,
    /// Per-request-in-flight cost that does not depend on coverage.
    pub c2_unscaled_s: f64,
    /// Per-request-in-flight cost at full coverage.
    pub c2_scaled_s: f64,
    /// Experts each token routes to, `m`.
    pub experts_per_token: u32,
    /// Experts per layer, `M`.
    pub experts: u32,
    /// Tokens routed per request in flight and step: 1 for plain decoding, `k + 1` for
    /// verification of `k` draft tokens.
    pub tokens_per_request: f64,
}

/// The solution of the fixed-point iteration at one rate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MoeSolution {
    /// Mean latency, seconds; `None` when the iteration found the rate saturated.
    pub latency_s: Option<f64>,
    /// Requests in flight, `rate * L`.
    pub concurrency: Option<f64>,
    /// Expert coverage `phi` at the solution.
    pub coverage: Option<f64>,
    pub iterations: usize,
    pub converged: bool,
    /// Relative change of `L` in the last iteration.
    pub last_relative_change: f64,
}

/// Damping of the fixed-point update `L <- (1 - d) L + d f(L)`. `f` is increasing in `L`, and
/// near saturation its slope passes 1, where the undamped update overshoots and oscillates.
pub const DAMPING: f64 = 0.5;
/// Relative change of `L` below which the iteration stops.
pub const TOLERANCE: f64 = 1e-12;
/// Iterations after which the iteration gives up and reports no convergence.
pub const MAX_ITERATIONS: usize = 10_000;

impl MoeCosts {
    /// Builds costs, rejecting negative or non-finite costs, `m = 0`, `m > M` and fewer than
    /// one token per request.
    pub fn new(
        [c1_unscaled_s, c1_scaled_s, c2_unscaled_s, c2_scaled_s]: [f64; 4],
        experts_per_token: u32,
        experts: u32,
        tokens_per_request: f64,
    ) -> Result<Self, PlanError> {
        for value in [c1_unscaled_s, c1_scaled_s, c2_unscaled_s, c2_scaled_s] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(PlanError::InvalidValue {
                    name: "mixture-of-experts cost",
                    value,
                    problem: "a finite number of seconds, 0 or more",
                    hint: "fit the costs with fit_moe_costs or pass measured values",
                });
            }
        }
        if experts_per_token == 0 || experts_per_token > experts {
            return Err(PlanError::InvalidValue {
                name: "experts per token",
                value: f64::from(experts_per_token),
                problem: "at least 1 and at most the number of experts",
                hint: "for example 8 experts per token out of 128",
            });
        }
        if !(tokens_per_request.is_finite() && tokens_per_request >= 1.0) {
            return Err(PlanError::InvalidValue {
                name: "tokens per request",
                value: tokens_per_request,
                problem: "1 (plain decoding) or k + 1 (verification)",
                hint: "pass k + 1 for speculative decoding with k draft tokens",
            });
        }
        Ok(Self {
            c1_unscaled_s,
            c1_scaled_s,
            c2_unscaled_s,
            c2_scaled_s,
            experts_per_token,
            experts,
            tokens_per_request,
        })
    }

    /// Expected fraction of experts touched with `concurrency` requests in flight.
    pub fn coverage(&self, concurrency: f64) -> f64 {
        coverage(
            self.experts_per_token,
            self.experts,
            concurrency * self.tokens_per_request,
        )
    }

    /// Latency from the affine form at a known concurrency, `C1(phi) + B * C2(phi)`.
    pub fn latency_at_concurrency(&self, concurrency: f64) -> f64 {
        let phi = self.coverage(concurrency);
        self.c1_unscaled_s
            + phi * self.c1_scaled_s
            + concurrency * (self.c2_unscaled_s + phi * self.c2_scaled_s)
    }

    /// Solves `L = (C1u + phi C1s) / (1 - rate (C2u + phi C2s))` with `phi = phi(rate L)`.
    pub fn latency_at_rate(&self, rate_per_s: f64) -> Result<MoeSolution, PlanError> {
        if !(rate_per_s.is_finite() && rate_per_s >= 0.0) {
            return Err(crate::model::ModelError::InvalidRate { value: rate_per_s }.into());
        }
        let update = |latency: f64| -> Option<f64> {
            let phi = self.coverage(rate_per_s * latency);
            let headroom = 1.0 - rate_per_s * (self.c2_unscaled_s + phi * self.c2_scaled_s);
            (headroom > 0.0).then(|| (self.c1_unscaled_s + phi * self.c1_scaled_s) / headroom)
        };

        // Start from the load-independent latency at zero coverage, below the solution: f is
        // increasing in L, so the damped iterates then rise monotonically to the smallest
        // fixed point, or past saturation when there is none.
        let mut latency = self.c1_unscaled_s + self.coverage(0.0) * self.c1_scaled_s;
        let mut change = f64::INFINITY;
        for iteration in 1..=MAX_ITERATIONS {
            let Some(target) = update(latency) else {
                return Ok(MoeSolution {
                    latency_s: None,
                    concurrency: None,
                    coverage: None,
                    iterations: iteration,
                    converged: true,
                    last_relative_change: change,
                });
            };
            let next = (1.0 - DAMPING) * latency + DAMPING * target;
            change = (next - latency).abs() / next.max(f64::MIN_POSITIVE);
            latency = next;
            if change < TOLERANCE {
                return Ok(self.solution(rate_per_s, latency, iteration, true, change));
            }
        }
        Ok(self.solution(rate_per_s, latency, MAX_ITERATIONS, false, change))
    }

    fn solution(
        &self,
        rate_per_s: f64,
        latency: f64,
        iterations: usize,
        converged: bool,
        change: f64,
    ) -> MoeSolution {
        let concurrency = rate_per_s * latency;
        MoeSolution {
            latency_s: Some(latency),
            concurrency: Some(concurrency),
            coverage: Some(self.coverage(concurrency)),
            iterations,
            converged,
            last_relative_change: change,
        }
    }
}

/// `phi(T) = 1 - (1 - m/M)^T`: the expected fraction of `M` experts touched by `T` tokens that
/// each route to `m` of them independently.
///
/// A dense layer (`m = M`) returns 1 at any load, zero tokens included, so that the model
/// reduces to the dense one there.
pub fn coverage(experts_per_token: u32, experts: u32, tokens: f64) -> f64 {
    if experts_per_token >= experts {
        return 1.0;
    }
    let miss = 1.0 - f64::from(experts_per_token) / f64::from(experts);
    1.0 - miss.powf(tokens.max(0.0))
}

/// Fits `[C1u, C1s, C2u, C2s]` to measured `(rate, latency)` points of one configuration.
///
/// With the measured concurrency `B = rate * L` known, `phi` is known at each point and
/// `L = C1u + phi C1s + B C2u + B phi C2s` is linear in the four costs. Each row is divided by
/// `L`, so the fit minimises relative error, and the costs are kept non-negative.
pub fn fit_moe_costs(
    points: &[(f64, f64)],
    experts_per_token: u32,
    experts: u32,
    tokens_per_request: f64,
) -> Result<MoeCosts, PlanError> {
    // Validates m, M and the tokens per request before any fitting.
    let shape = MoeCosts::new([0.0; 4], experts_per_token, experts, tokens_per_request)?;
    if points.len() < 4 {
        return Err(PlanError::InvalidValue {
            name: "number of points",
            value: points.len() as f64,
            problem: "at least 4, one per cost",
            hint: "measure at least four rates of the configuration",
        });
    }

    let mut a = DMatrix::<f64>::zeros(points.len(), 4);
    for (row, &(rate, latency)) in points.iter().enumerate() {
        if !(rate.is_finite() && rate >= 0.0 && latency.is_finite() && latency > 0.0) {
            return Err(PlanError::InvalidValue {
                name: "point latency",
                value: latency,
                problem: "a finite latency above 0 at a finite rate, 0 or more",
                hint: "drop the point or fix the file it came from",
            });
        }
        let concurrency = rate * latency;
        let phi = shape.coverage(concurrency);
        for (column, value) in [1.0, phi, concurrency, concurrency * phi]
            .into_iter()
            .enumerate()
        {
            a[(row, column)] = value / latency;
        }
    }
    let b = DVector::from_element(points.len(), 1.0);
    let solution = crate::fit::nnls::nnls(&a, &b).unwrap_or_else(|| DVector::zeros(4));
    MoeCosts::new(
        [solution[0], solution[1], solution[2], solution[3]],
        experts_per_token,
        experts,
        tokens_per_request,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_limit_matches_closed_form() {
        // m = M makes phi = 1 at any load.
        let costs = MoeCosts::new([0.3, 0.9, 0.01, 0.04], 8, 8, 1.0).unwrap();
        for rate in [0.0, 2.0, 10.0, 19.0] {
            let solution = costs.latency_at_rate(rate).unwrap();
            let dense = 1.2 / (1.0 - rate * 0.05);
            let latency = solution.latency_s.unwrap();
            assert!(solution.converged);
            assert!(
                (latency - dense).abs() < 1e-9 * dense,
                "rate {rate}: {latency} against {dense}"
            );
        }
        assert_eq!(costs.latency_at_rate(20.0).unwrap().latency_s, None);
    }

    #[test]
    fn solution_satisfies_fixed_point() {
        let costs = MoeCosts::new([0.2, 0.8, 0.005, 0.03], 8, 128, 4.0).unwrap();
        let solution = costs.latency_at_rate(12.0).unwrap();
        let latency = solution.latency_s.unwrap();
        assert!(solution.converged, "{solution:?}");
        // Little's law and the affine form agree at the solution.
        let affine = costs.latency_at_concurrency(12.0 * latency);
        assert!((affine - latency).abs() < 1e-9 * latency);
        // Partial coverage makes it faster than the dense model with the same costs.
        assert!(latency < 1.0 / (1.0 - 12.0 * 0.035));
    }

    #[test]
    fn fit_recovers_generated_costs() {
        let truth = [0.25, 0.6, 0.004, 0.02];
        let costs = MoeCosts::new(truth, 8, 128, 3.0).unwrap();
        let points: Vec<(f64, f64)> = [0.5, 2.0, 5.0, 10.0, 15.0, 20.0, 25.0]
            .iter()
            .map(|&rate| {
                (
                    rate,
                    costs.latency_at_rate(rate).unwrap().latency_s.unwrap(),
                )
            })
            .collect();
        let fitted = fit_moe_costs(&points, 8, 128, 3.0).unwrap();
        let got = [
            fitted.c1_unscaled_s,
            fitted.c1_scaled_s,
            fitted.c2_unscaled_s,
            fitted.c2_scaled_s,
        ];
        for (g, t) in got.iter().zip(truth) {
            assert!(
                (g - t).abs() < 1e-6 * t.max(1e-3),
                "fitted {got:?}, truth {truth:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(MoeCosts::new([-0.1, 0.0, 0.0, 0.0], 8, 128, 1.0).is_err());
        assert!(MoeCosts::new([0.1, f64::NAN, 0.0, 0.0], 8, 128, 1.0).is_err());
        assert!(MoeCosts::new([0.1, 0.1, 0.0, 0.0], 0, 128, 1.0).is_err());
        assert!(MoeCosts::new([0.1, 0.1, 0.0, 0.0], 9, 8, 1.0).is_err());
        assert!(MoeCosts::new([0.1, 0.1, 0.0, 0.0], 8, 128, 0.5).is_err());
        let costs = MoeCosts::new([0.1, 0.1, 0.0, 0.0], 8, 128, 1.0).unwrap();
        assert!(costs.latency_at_rate(-1.0).is_err());
        assert!(fit_moe_costs(&[(1.0, 1.0)], 8, 128, 1.0).is_err());
    }
}
