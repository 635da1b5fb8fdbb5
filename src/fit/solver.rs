//! Bound-constrained, robust nonlinear least squares for the six stage coefficients.
//!
//! The solver is Levenberg-Marquardt with Marquardt's diagonal scaling, projected onto the
//! non-negative orthant: a coefficient that sits at zero and whose gradient pushes it below
//! zero is held there (the active set), the others take the damped Gauss-Newton step, and the
//! trial point is clipped at zero. A step is accepted only when it lowers the cost and keeps
//! every fitted point below saturation, so the closed form stays finite throughout.
//!
//! Robustness comes from iteratively reweighted least squares with Huber's weights: residuals
//! beyond `huber_delta` (a relative error, 5% by default) count linearly instead of
//! quadratically, so one point caught in a latency jump cannot pull all six coefficients.
//!
//! Six unknowns (or, for the scaling fit, a dozen) and a few hundred points make every solve
//! tiny, so `nalgebra`'s Cholesky on the small normal matrix is both simpler and faster than a
//! general sparse or QR solver.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::problem::FitPoint;

/// Settings of one solve, validated by [`super::FitOptions::validate`].
#[derive(Clone, Copy, Debug)]
pub struct SolverSettings {
    /// Exponent of the headroom weight in the residual (see [`super::problem`]).
    pub gamma: f64,
    /// Huber threshold on the weighted relative residual; `f64::INFINITY` gives plain least
    /// squares.
    pub huber_delta: f64,
    /// Cap on Levenberg-Marquardt iterations, summed over reweighting rounds.
    pub max_iterations: usize,
    /// Convergence threshold on the relative decrease of the cost.
    pub cost_tolerance: f64,
}

impl Default for SolverSettings {
    fn default() -> Self {
        Self {
            gamma: 0.5,
            huber_delta: 0.05,
            max_iterations: 500,
            // Tightening this to 1e-12 changes no reported figure in its fourth decimal on the
            // Qwen3 sweeps and costs a fifth more time in cross-validation.
            cost_tolerance: 1e-10,
        }
    }
}

/// Reason the solver stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The relative cost decrease fell below the tolerance and the robust weights settled.
    Converged,
    /// The projected gradient vanished: no feasible direction lowers the cost.
    GradientVanished,
    /// The damping grew past its cap without finding a better feasible point.
    NoProgress,
    /// The iteration cap was reached first.
    MaxIterations,
}

impl StopReason {
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Converged => "converged (relative cost change below tolerance)",
            Self::GradientVanished => "converged (projected gradient is zero)",
            Self::NoProgress => "stopped: no step lowers the cost further",
            Self::MaxIterations => "stopped: iteration limit reached",
        }
    }
}

/// One term of a least-squares problem that the solver can minimise: a residual that is
/// finite below saturation, with its gradient.
///
/// The six-coefficient fit of one system ([`FitPoint`]) and the cross-system scaling fit
/// (whose unknowns are the weights of descriptor terms) share the solver through this trait.
pub trait Residual {
    /// Residual at coefficients `c`, with its gradient written to `gradient` (one entry per
    /// coefficient); `None` at or past saturation.
    fn residual_into(&self, c: &[f64], gamma: f64, gradient: &mut [f64]) -> Option<f64>;

    /// `rate * C2` of an open-loop point, the quantity that must stay below 1; `None` for a
    /// point that cannot saturate (closed loop).
    fn utilisation(&self, c: &[f64]) -> Option<f64>;
}

impl Residual for FitPoint {
    #[inline(always)]
    fn residual_into(&self, c: &[f64], gamma: f64, gradient: &mut [f64]) -> Option<f64> {
        let c: &[f64; 6] = c.try_into().expect("six stage coefficients");
        let gradient: &mut [f64; 6] = gradient.try_into().expect("six stage coefficients");
        let (c1, c2) = self.costs(c);
        let (residual, dr_dc1, dr_dc2) = super::problem::residual_parts(
            c1,
            c2,
            self.rate_per_s,
            self.latency_s,
            self.closed_loop_concurrency,
            gamma,
        )?;
        for j in 0..3 {
            gradient[j] = self.x[j] * dr_dc1;
            gradient[j + 3] = self.x[j] * dr_dc2;
        }
        Some(residual)
    }

    #[inline]
    fn utilisation(&self, c: &[f64]) -> Option<f64> {
        if self.closed_loop_concurrency.is_some() {
            return None;
        }
        let c: &[f64; 6] = c.try_into().expect("six stage coefficients");
        Some(self.rate_per_s * self.costs(c).1)
    }
}

/// The result of one solve, with what it cost.
#[derive(Clone, Debug)]
pub struct SolverOutcome {
    pub coefficients: [f64; 6],
    pub stop_reason: StopReason,
    pub iterations: usize,
    pub residual_evaluations: usize,
    pub jacobian_evaluations: usize,
    /// Final cost `sum(w_i r_i^2) / 2` with the final robust weights.
    pub cost: f64,
    /// Coefficients held at their zero bound at the end.
    pub at_bound: [bool; 6],
    /// Final robust weight of each point, in the order given.
    pub weights: Vec<f64>,
    /// Weighted normal matrix `J^T W J` at the solution, for standard errors.
    pub normal_matrix: DMatrix<f64>,
}

/// [`SolverOutcome`] for any number of coefficients.
#[derive(Clone, Debug)]
pub struct GeneralOutcome {
    pub coefficients: Vec<f64>,
    pub stop_reason: StopReason,
    pub iterations: usize,
    pub residual_evaluations: usize,
    pub jacobian_evaluations: usize,
    /// Final cost `sum(w_i r_i^2) / 2` with the final robust weights.
    pub cost: f64,
    /// Coefficients held at their zero bound at the end.
    pub at_bound: Vec<bool>,
    /// Final robust weight of each point, in the order given.
    pub weights: Vec<f64>,
    /// Weighted normal matrix `J^T W J` at the solution, for standard errors.
    pub normal_matrix: DMatrix<f64>,
}

/// Most unknowns a problem may have: six coefficients of up to six descriptor terms each.
pub const MAX_PARAMETERS: usize = 36;

/// Weighted cost, or `None` when a point is at or past saturation. `N` bounds the number of
/// unknowns and sizes the stack buffers, so that the residual loop allocates nothing.
fn cost<P: Residual, const N: usize>(
    points: &[P],
    weights: &[f64],
    c: &[f64],
    gamma: f64,
) -> Option<f64> {
    let mut total = 0.0;
    let mut scratch = [0.0; N];
    let scratch = &mut scratch[..c.len()];
    for (point, weight) in points.iter().zip(weights) {
        let residual = point.residual_into(c, gamma, scratch)?;
        total += weight * residual * residual;
    }
    Some(total / 2.0)
}

/// Residuals, the normal matrix `J^T W J` and the gradient `J^T W r`.
fn linearise<P: Residual, const N: usize>(
    points: &[P],
    weights: &[f64],
    c: &[f64],
    gamma: f64,
) -> Option<(Vec<f64>, DMatrix<f64>, DVector<f64>)> {
    let n = c.len();
    assert!(n <= N, "{n} unknowns exceed the buffer size {N}");
    let mut residuals = Vec::with_capacity(points.len());
    let mut lower = [[0.0; N]; N];
    let mut gradient = [0.0; N];
    let mut row = [0.0; N];
    for (point, weight) in points.iter().zip(weights) {
        let residual = point.residual_into(c, gamma, &mut row[..n])?;
        residuals.push(residual);
        for i in 0..n {
            let weighted = weight * row[i];
            gradient[i] += weighted * residual;
            for j in 0..=i {
                lower[i][j] += weighted * row[j];
            }
        }
    }
    let normal = DMatrix::from_fn(n, n, |i, j| if j <= i { lower[i][j] } else { lower[j][i] });
    Some((
        residuals,
        normal,
        DVector::from_column_slice(&gradient[..n]),
    ))
}

fn huber_weights(residuals: &[f64], delta: f64) -> Vec<f64> {
    residuals
        .iter()
        .map(|r| {
            let magnitude = r.abs();
            if magnitude <= delta {
                1.0
            } else {
                delta / magnitude
            }
        })
        .collect()
}

/// Shrinks the load-dependent coefficients until every point is below saturation, so that
/// a start taken from the linearised solution is feasible.
pub fn make_feasible(points: &[FitPoint], c: &mut [f64; 6]) {
    make_feasible_general(points, c, &[false, false, false, true, true, true]);
}

/// [`make_feasible`] for any problem: scales the coefficients marked in `load_dependent`.
pub fn make_feasible_general<P: Residual>(points: &[P], c: &mut [f64], load_dependent: &[bool]) {
    // Closed-loop points have no saturation rate to stay below.
    let worst = points
        .iter()
        .filter_map(|p| p.utilisation(c))
        .fold(0.0_f64, f64::max);
    if worst >= 0.99 {
        let shrink = 0.99 / worst;
        for (value, scaled) in c.iter_mut().zip(load_dependent) {
            if *scaled {
                *value *= shrink;
            }
        }
    }
}

/// Minimises the robust weighted cost from the feasible start `start`.
pub fn solve(points: &[FitPoint], start: [f64; 6], settings: &SolverSettings) -> SolverOutcome {
    solve_masked(points, start, &[false; 6], settings)
}

/// [`solve`] with the coefficients marked in `fixed` held at zero.
pub fn solve_masked(
    points: &[FitPoint],
    start: [f64; 6],
    fixed: &[bool; 6],
    settings: &SolverSettings,
) -> SolverOutcome {
    solve_warm(points, start, None, fixed, settings)
}

/// [`solve_masked`] starting from given robust weights, one per point, instead of all ones.
/// Refits on subsets of the data (cross-validation folds) start from the full fit's weights
/// and so need fewer reweighting rounds; the fixed point they reach is the same.
pub fn solve_warm(
    points: &[FitPoint],
    start: [f64; 6],
    initial_weights: Option<Vec<f64>>,
    fixed: &[bool; 6],
    settings: &SolverSettings,
) -> SolverOutcome {
    let general = solve_general::<FitPoint, 6>(
        points,
        start.to_vec(),
        initial_weights,
        fixed,
        &[false, false, false, true, true, true],
        settings,
    );
    SolverOutcome {
        coefficients: general.coefficients.try_into().expect("six coefficients"),
        stop_reason: general.stop_reason,
        iterations: general.iterations,
        residual_evaluations: general.residual_evaluations,
        jacobian_evaluations: general.jacobian_evaluations,
        cost: general.cost,
        at_bound: general.at_bound.try_into().expect("six coefficients"),
        weights: general.weights,
        normal_matrix: general.normal_matrix,
    }
}

/// Minimises any [`Residual`]. Coefficients marked in `fixed` are held at zero, and those
/// marked in `load_dependent` are shrunk together when the start is past saturation.
pub fn solve_general<P: Residual, const N: usize>(
    points: &[P],
    start: Vec<f64>,
    initial_weights: Option<Vec<f64>>,
    fixed: &[bool],
    load_dependent: &[bool],
    settings: &SolverSettings,
) -> GeneralOutcome {
    let n = start.len();
    assert!(n <= N, "{n} unknowns exceed the solver's buffer size {N}");
    let mut c = start;
    for j in 0..n {
        if fixed[j] {
            c[j] = 0.0;
        }
    }
    make_feasible_general(points, &mut c, load_dependent);
    let mut weights = initial_weights
        .filter(|w| w.len() == points.len())
        .unwrap_or_else(|| vec![1.0; points.len()]);
    let mut iterations = 0;
    let mut residual_evaluations = 0;
    let mut jacobian_evaluations = 0;
    let mut stop_reason = StopReason::MaxIterations;
    let mut scratch = [0.0; N];
    let scratch = &mut scratch[..n];

    // Reweighting rounds: each solves the weighted problem, then updates Huber's weights.
    for _round in 0..50 {
        let inner =
            levenberg_marquardt::<P, N>(points, &weights, &mut c, fixed, settings, iterations);
        iterations += inner.iterations;
        residual_evaluations += inner.residual_evaluations;
        jacobian_evaluations += inner.jacobian_evaluations;
        stop_reason = inner.stop_reason;
        if iterations >= settings.max_iterations {
            stop_reason = StopReason::MaxIterations;
            break;
        }
        if !settings.huber_delta.is_finite() {
            break;
        }
        let residuals: Vec<f64> = points
            .iter()
            .map(|p| p.residual_into(&c, settings.gamma, scratch).unwrap_or(0.0))
            .collect();
        residual_evaluations += 1;
        let updated = huber_weights(&residuals, settings.huber_delta);
        let change = updated
            .iter()
            .zip(&weights)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        weights = updated;
        if change < 1e-6 {
            break;
        }
    }

    let (_, normal, gradient) = linearise::<P, N>(points, &weights, &c, settings.gamma)
        .expect("solver keeps points feasible");
    jacobian_evaluations += 1;
    let at_bound = (0..n)
        .map(|j| !fixed[j] && c[j] == 0.0 && gradient[j] >= 0.0)
        .collect();
    let final_cost = cost::<P, N>(points, &weights, &c, settings.gamma).unwrap_or(f64::NAN);
    GeneralOutcome {
        coefficients: c,
        stop_reason,
        iterations,
        residual_evaluations,
        jacobian_evaluations,
        cost: final_cost,
        at_bound,
        weights,
        normal_matrix: normal,
    }
}

struct InnerOutcome {
    iterations: usize,
    residual_evaluations: usize,
    jacobian_evaluations: usize,
    stop_reason: StopReason,
}

fn levenberg_marquardt<P: Residual, const N: usize>(
    points: &[P],
    weights: &[f64],
    c: &mut [f64],
    fixed: &[bool],
    settings: &SolverSettings,
    iterations_before: usize,
) -> InnerOutcome {
    let n = c.len();
    let gamma = settings.gamma;
    let mut damping = 1e-3;
    let mut outcome = InnerOutcome {
        iterations: 0,
        residual_evaluations: 0,
        jacobian_evaluations: 0,
        stop_reason: StopReason::MaxIterations,
    };
    let Some(mut current_cost) = cost::<P, N>(points, weights, c, gamma) else {
        outcome.stop_reason = StopReason::NoProgress;
        return outcome;
    };
    outcome.residual_evaluations += 1;
    let mut trial = c.to_vec();

    while iterations_before + outcome.iterations < settings.max_iterations {
        outcome.iterations += 1;
        let Some((_, normal, gradient)) = linearise::<P, N>(points, weights, c, gamma) else {
            outcome.stop_reason = StopReason::NoProgress;
            return outcome;
        };
        outcome.jacobian_evaluations += 1;

        // Active set: coefficients at zero whose gradient would push them negative.
        let free: Vec<usize> = (0..n)
            .filter(|&j| !fixed[j] && (c[j] > 0.0 || gradient[j] < 0.0))
            .collect();
        let projected_gradient = free.iter().fold(0.0_f64, |m, &j| m.max(gradient[j].abs()));
        if free.is_empty() || projected_gradient <= 1e-15 * current_cost.max(1e-300) {
            outcome.stop_reason = StopReason::GradientVanished;
            return outcome;
        }

        // Try steps with growing damping until one lowers the cost feasibly.
        let mut accepted = false;
        while damping < 1e16 {
            let size = free.len();
            let mut system = DMatrix::<f64>::zeros(size, size);
            let mut rhs = DVector::<f64>::zeros(size);
            for (a, &i) in free.iter().enumerate() {
                rhs[a] = -gradient[i];
                for (b, &j) in free.iter().enumerate() {
                    system[(a, b)] = normal[(i, j)];
                }
                let diagonal = normal[(i, i)].max(1e-300);
                system[(a, a)] += damping * diagonal;
            }
            let step = match system.cholesky() {
                Some(factor) => factor.solve(&rhs),
                None => {
                    damping *= 10.0;
                    continue;
                }
            };
            trial.copy_from_slice(c);
            for (a, &i) in free.iter().enumerate() {
                trial[i] = (c[i] + step[a]).max(0.0);
            }
            outcome.residual_evaluations += 1;
            match cost::<P, N>(points, weights, &trial, gamma) {
                Some(trial_cost) if trial_cost < current_cost => {
                    let decrease = (current_cost - trial_cost) / current_cost.max(1e-300);
                    c.copy_from_slice(&trial);
                    current_cost = trial_cost;
                    damping = (damping / 3.0).max(1e-12);
                    accepted = true;
                    if decrease < settings.cost_tolerance {
                        outcome.stop_reason = StopReason::Converged;
                        return outcome;
                    }
                    break;
                }
                _ => damping *= 4.0,
            }
        }
        if !accepted {
            // Residuals near 1e-14 are rounding noise: no step can lower such a cost.
            outcome.stop_reason = if current_cost <= points.len() as f64 * 1e-28 {
                StopReason::Converged
            } else {
                StopReason::NoProgress
            };
            return outcome;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SpecConfig;

    /// Exact data from known coefficients over a grid of k, alpha and rates.
    fn synthetic(c: &[f64; 6]) -> Vec<FitPoint> {
        let mut points = Vec::new();
        let mut series = 0;
        for k in [1, 3, 5, 8] {
            for alpha in [0.6, 0.8, 1.0] {
                let spec = SpecConfig::new(k, alpha).unwrap();
                let probe = FitPoint::new(series, 0, spec, 128.0, 0.0, 1.0);
                let (_, c2) = probe.costs(c);
                for (m, fraction) in [0.05, 0.2, 0.4, 0.6, 0.75].iter().enumerate() {
                    let rate = fraction / c2;
                    let mut point = FitPoint::new(series, m, spec, 128.0, rate, 1.0);
                    point.latency_s = point.predict(c).unwrap();
                    points.push(point);
                }
                series += 1;
            }
        }
        points
    }

    #[test]
    fn recovers_exact_coefficients() {
        let truth = [0.07, 0.014, 0.0013, 0.035, 2.0e-4, 8.0e-5];
        let points = synthetic(&truth);
        let start = [0.05, 0.01, 0.001, 0.02, 1e-4, 1e-4];
        let outcome = solve(&points, start, &SolverSettings::default());
        for (j, (got, expected)) in outcome.coefficients.iter().zip(truth).enumerate() {
            let error = (got - expected).abs() / expected;
            assert!(error < 1e-6, "coefficient {j}: {:?}", outcome.coefficients);
        }
        assert!(matches!(
            outcome.stop_reason,
            StopReason::Converged | StopReason::GradientVanished
        ));
    }

    #[test]
    fn holds_coefficient_at_zero_bound() {
        // The true c1_prefill is zero; a start above it must not go negative.
        let truth = [0.0, 0.014, 0.0013, 0.035, 2.0e-4, 8.0e-5];
        let points = synthetic(&truth);
        let outcome = solve(
            &points,
            [0.02, 0.01, 0.001, 0.02, 1e-4, 1e-4],
            &SolverSettings::default(),
        );
        assert!(outcome.coefficients.iter().all(|v| *v >= 0.0));
        assert!(outcome.coefficients[0] < 1e-6, "{:?}", outcome.coefficients);
    }

    #[test]
    fn start_past_saturation_is_made_feasible() {
        let truth = [0.07, 0.014, 0.0013, 0.035, 2.0e-4, 8.0e-5];
        let points = synthetic(&truth);
        let start = [0.07, 0.014, 0.0013, 0.35, 2.0e-3, 8.0e-4];
        let outcome = solve(&points, start, &SolverSettings::default());
        assert!(
            points
                .iter()
                .all(|p| p.predict(&outcome.coefficients).is_some())
        );
        let error = (outcome.coefficients[3] - truth[3]).abs() / truth[3];
        assert!(error < 1e-4, "{:?}", outcome.coefficients);
    }
}
