//! Uncertainty of the fitted coefficients: asymptotic standard errors and, on request, a
//! seeded bootstrap.
//!
//! Standard errors come from the weighted normal matrix at the solution,
//! `Cov = s^2 (J^T W J)^-1` with `s^2 = sum(w r^2) / (n - p)`, over the coefficients not held
//! at a bound. The 95% interval is `value +- 1.96 SE`, cut at zero. The bootstrap resamples the
//! points of every series with replacement (each series keeps its size, so every
//! configuration stays in the data), refits from the full-data solution, and reports the 2.5th
//! and 97.5th percentiles. Each replicate draws from its own ChaCha stream seeded with
//! `seed + replicate`, so results do not depend on thread scheduling.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::problem::FitPoint;
use super::solver::{SolverOutcome, SolverSettings, solve_masked};
use crate::model::COEFFICIENT_NAMES;

/// Normal quantile for a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// One coefficient with its uncertainty, seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoefficientEstimate {
    pub name: String,
    /// Fitted value, seconds.
    pub value: f64,
    /// Asymptotic standard error, seconds; `None` for a coefficient held at zero.
    pub standard_error: Option<f64>,
    /// Lower end of the 95% interval, seconds.
    pub lower: f64,
    /// Upper end of the 95% interval, seconds.
    pub upper: f64,
    /// Whether the non-negativity bound is active.
    pub at_bound: bool,
    /// Whether the coefficient was fixed at zero because the data cannot identify it.
    pub fixed: bool,
}

/// How the intervals were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    Asymptotic,
    Bootstrap,
}

/// Asymptotic estimates from a solver outcome.
pub fn asymptotic(
    outcome: &SolverOutcome,
    points: &[FitPoint],
    fixed: &[bool; 6],
    gamma: f64,
) -> Vec<CoefficientEstimate> {
    let free: Vec<usize> = (0..6)
        .filter(|&j| !fixed[j] && !outcome.at_bound[j])
        .collect();
    let weighted_sum: f64 = points
        .iter()
        .zip(&outcome.weights)
        .filter_map(|(p, w)| {
            p.residual_and_gradient(&outcome.coefficients, gamma)
                .map(|(r, _)| w * r * r)
        })
        .sum();
    let dof = points.len().saturating_sub(free.len()).max(1);
    let variance = weighted_sum / dof as f64;
    let sub = outcome
        .normal_matrix
        .select_rows(&free)
        .select_columns(&free);
    let inverse = sub.try_inverse();

    (0..6)
        .map(|j| {
            let value = outcome.coefficients[j];
            let standard_error = free.iter().position(|&f| f == j).and_then(|position| {
                inverse
                    .as_ref()
                    .map(|inv| (variance * inv[(position, position)]).max(0.0).sqrt())
            });
            let half_width = standard_error.map_or(0.0, |se| Z_95 * se);
            CoefficientEstimate {
                name: COEFFICIENT_NAMES[j].to_string(),
                value,
                standard_error,
                lower: (value - half_width).max(0.0),
                upper: value + half_width,
                at_bound: outcome.at_bound[j] && !fixed[j],
                fixed: fixed[j],
            }
        })
        .collect()
}

/// Replaces the intervals of `estimates` with bootstrap percentiles over `samples` refits.
#[allow(clippy::too_many_arguments)]
pub fn bootstrap(
    estimates: &mut [CoefficientEstimate],
    points: &[FitPoint],
    solution: [f64; 6],
    fixed: &[bool; 6],
    settings: &SolverSettings,
    samples: usize,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) {
    let series_count = points.iter().map(|p| p.series + 1).max().unwrap_or(0);
    let mut by_series: Vec<Vec<usize>> = vec![Vec::new(); series_count];
    for (i, p) in points.iter().enumerate() {
        by_series[p.series].push(i);
    }

    let replicates: Vec<[f64; 6]> = (0..samples)
        .into_par_iter()
        .map(|replicate| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(replicate as u64));
            let mut resampled = Vec::with_capacity(points.len());
            for members in &by_series {
                for _ in 0..members.len() {
                    let pick = members[rng.gen_range(0..members.len())];
                    resampled.push(points[pick]);
                }
            }
            let outcome = solve_masked(&resampled, solution, fixed, settings);
            progress();
            outcome.coefficients
        })
        .collect();

    for (j, estimate) in estimates.iter_mut().enumerate() {
        if fixed[j] {
            continue;
        }
        let mut values: Vec<f64> = replicates.iter().map(|c| c[j]).collect();
        values.sort_by(f64::total_cmp);
        estimate.lower = percentile(&values, 0.025);
        estimate.upper = percentile(&values, 0.975);
    }
}

/// Linear-interpolated percentile of sorted values, `q` in [0, 1].
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    let fraction = position - low as f64;
    sorted[low] * (1.0 - fraction) + sorted[high] * fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&values, 0.0), 1.0);
        assert_eq!(percentile(&values, 0.5), 3.0);
        assert!((percentile(&values, 0.1) - 1.4).abs() < 1e-12);
    }
}
