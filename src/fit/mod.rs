//! Fitting the stage coefficients to measured sweeps, with accuracy and uncertainty.
//!
//! The phases, in order:
//!
//! 1. [`select`]: keep the points of the stable regime, with a reason for every exclusion;
//! 2. [`identify`]: decide which coefficients the configurations in the data can separate;
//! 3. [`nnls`]: a feasible start from the linearised model `1 = C1 / L + rate * C2`, solved by
//!    non-negative least squares (the published analysis stopped here, unconstrained);
//! 4. [`solver`]: robust, bound-constrained Levenberg-Marquardt on the relative latency error;
//! 5. [`uncertainty`]: standard errors, or seeded bootstrap intervals;
//! 6. accuracy: in-sample and leave-one-series-out errors, and where the residuals are largest;
//! 7. [`percentile`]: the same closed form fitted to each latency percentile the files record.
//!
//! All series are pooled into one fit: they share the six coefficients of one system.

pub mod identify;
pub mod nnls;
pub mod percentile;
pub mod problem;
pub mod select;
pub mod solver;
pub mod uncertainty;

mod accuracy;
mod report;

pub use accuracy::{Accuracy, PointResidual, ResidualAnalysis, ResidualGroup};
pub use identify::Identifiability;
pub use percentile::{Percentile, PercentileModel};
pub use report::{
    FIT_SCHEMA_VERSION, FitReport, FittedModel, MAX_MODEL_FILE_BYTES, ModelFileError, PointCounts,
    SeriesFit, SolverSummary,
};
pub use select::{
    Exclusion, ExclusionReason, PointSelector, SelectionOptions, drop_excluded_series,
    selectors_for,
};
pub use solver::{SolverSettings, StopReason};
pub use uncertainty::{CoefficientEstimate, IntervalMethod};

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use crate::ingest::{Series, Strategy};
use problem::FitPoint;
use select::Selection;

/// Fewest stable points a series needs: two fix its C1 and C2.
pub const MIN_POINTS_PER_SERIES: usize = 2;

/// Settings of a fit.
#[derive(Clone, Debug)]
pub struct FitOptions {
    pub selection: SelectionOptions,
    pub solver: SolverSettings,
    /// Bootstrap refits for the coefficient intervals; 0 uses standard errors.
    pub bootstrap_samples: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Whether to run leave-one-series-out cross-validation.
    pub cross_validate: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            selection: SelectionOptions::default(),
            solver: SolverSettings::default(),
            bootstrap_samples: 0,
            seed: 0,
            cross_validate: true,
        }
    }
}

/// A problem that stops a fit: what, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error(
        "no input files: there is no series to fit\n\nhint: pass benchmark files or directories, or --example qwen3-8b"
    )]
    NoSeries,

    #[error(
        "{file}: series {series}, benchmark {index}: missing the mean output tokens per request\n\nhint: the model needs output tokens to split costs per verification; use a report that records output token counts"
    )]
    MissingOutputTokens {
        series: String,
        file: String,
        index: usize,
    },

    #[error(
        "{file}: series {series}: only {used} of {total} points are in the stable regime, and a series needs at least {MIN_POINTS_PER_SERIES}\n\nhint: {}", too_few_points_hint(*total, series)
    )]
    TooFewPoints {
        series: String,
        file: String,
        used: usize,
        total: usize,
    },

    #[error(
        "{file}: series {series}: all {total} points lie past saturation: the server did not keep up with the offered load at any of them, and the latency model holds only below saturation\n\nhint: rerun the sweep at lower rates (the fit needs at least {MIN_POINTS_PER_SERIES} stable points), or pass --include-saturated to fit the saturated points anyway"
    )]
    AllPastSaturation {
        series: String,
        file: String,
        total: usize,
    },

    #[error(
        "{flag} {selector} matches no benchmark; the series are: {series}\n\nhint: SERIES is a series label or part of a file name, INDEX a benchmark position from 0"
    )]
    UnmatchedSelector {
        flag: &'static str,
        selector: String,
        series: String,
    },

    #[error("invalid fit option {name} = {value}: {problem}")]
    InvalidOption {
        name: &'static str,
        value: String,
        problem: &'static str,
    },
}

/// The remedy for a series with too few stable points: more benchmarks when the file has
/// fewer than two, otherwise the flags that keep excluded points.
fn too_few_points_hint(total: usize, series: &str) -> String {
    if total < MIN_POINTS_PER_SERIES {
        "a sweep needs benchmarks at two or more rates or concurrencies; rerun the benchmark as a sweep".to_string()
    } else {
        format!(
            "add lower-rate benchmarks to the sweep, or pass --include-saturated or --include {series}:INDEX to keep excluded points"
        )
    }
}

impl FitOptions {
    /// Checks the settings once, before any work starts.
    pub fn validate(&self) -> Result<(), FitError> {
        let invalid = |name, value: f64, problem| FitError::InvalidOption {
            name,
            value: value.to_string(),
            problem,
        };
        let s = &self.selection;
        if !(s.tail_latency_factor.is_finite() && s.tail_latency_factor >= 1.0) {
            return Err(invalid(
                "--tail-latency-factor",
                s.tail_latency_factor,
                "must be a number of 1 or more",
            ));
        }
        if !(s.min_sustained_ratio.is_finite() && (0.0..=1.0).contains(&s.min_sustained_ratio)) {
            return Err(invalid(
                "min_sustained_ratio",
                s.min_sustained_ratio,
                "must lie in [0, 1]",
            ));
        }
        if !(s.littles_law_tolerance.is_finite() && s.littles_law_tolerance > 0.0) {
            return Err(invalid(
                "littles_law_tolerance",
                s.littles_law_tolerance,
                "must be above 0",
            ));
        }
        if !(s.closed_loop_min_rate_gain.is_finite() && s.closed_loop_min_rate_gain >= 0.0) {
            return Err(invalid(
                "closed_loop_min_rate_gain",
                s.closed_loop_min_rate_gain,
                "must be a fraction, 0 or more",
            ));
        }
        if let Some(max) = s.max_concurrency
            && !(max.is_finite() && max > 0.0)
        {
            return Err(invalid(
                "--max-concurrency",
                max,
                "must be a number of requests in flight above 0",
            ));
        }
        let v = &self.solver;
        if !(v.gamma.is_finite() && (0.0..=2.0).contains(&v.gamma)) {
            return Err(invalid(
                "--headroom-exponent",
                v.gamma,
                "must lie in [0, 2]",
            ));
        }
        if v.huber_delta.is_nan() || v.huber_delta <= 0.0 {
            return Err(invalid(
                "--huber-delta",
                v.huber_delta,
                "must be above 0 (inf for plain least squares)",
            ));
        }
        Ok(())
    }
}

/// Fits one system to `series` and reports accuracy and uncertainty.
///
/// `progress` is called once per bootstrap refit, for progress bars.
pub fn fit(
    series: &[Series],
    options: &FitOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<FitReport, FitError> {
    fit_impl(series, options, progress, true)
}

/// [`fit`] without the percentile models, which are fitted by calling this.
pub(crate) fn fit_without_percentiles(
    series: &[Series],
    options: &FitOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<FitReport, FitError> {
    fit_impl(series, options, progress, false)
}

fn fit_impl(
    series: &[Series],
    options: &FitOptions,
    progress: &(dyn Fn() + Sync),
    with_percentiles: bool,
) -> Result<FitReport, FitError> {
    // Phase 1: point selection.
    let (selection, points) = prepare_points(series, options)?;

    // Phase 2: identifiability decides between the stage model and per-series totals.
    let identifiability = identify::classify(&points);
    let fixed: [bool; 6] = match identifiability {
        Identifiability::NoDraft => [false, false, true, false, false, true],
        _ => [false; 6],
    };

    let fitted = match &identifiability {
        Identifiability::Reduced { .. } => fit_reduced(series, &points, &options.solver),
        _ => fit_stages(&points, &fixed, options, progress),
    };
    let percentile_models = if with_percentiles {
        percentile::fit_percentiles(series, &selection.used, options)
    } else {
        Vec::new()
    };
    let mut report = report::assemble(series, selection, points, identifiability, fitted, options);
    report.percentile_models = percentile_models;
    Ok(report)
}

/// Checks the options, selects the points of `series` and turns them into fit points: the
/// first phase of [`fit`], shared with the fit across systems.
pub(crate) fn prepare_points(
    series: &[Series],
    options: &FitOptions,
) -> Result<(Selection, Vec<FitPoint>), FitError> {
    options.validate()?;
    if series.is_empty() {
        return Err(FitError::NoSeries);
    }
    select::check_selectors(series, &options.selection)?;
    let selection = select::select(series, &options.selection);
    let points = build_points(series, &selection)?;
    Ok((selection, points))
}

/// Turns the selected measurements into fit points, checking the output lengths.
fn build_points(series: &[Series], selection: &Selection) -> Result<Vec<FitPoint>, FitError> {
    let mut points = Vec::new();
    for (s, (one, indices)) in series.iter().zip(&selection.used).enumerate() {
        if indices.is_empty() && all_past_saturation(one, selection) {
            return Err(FitError::AllPastSaturation {
                series: one.label.clone(),
                file: one.file.display().to_string(),
                total: one.measurements.len(),
            });
        }
        if indices.len() < MIN_POINTS_PER_SERIES {
            return Err(FitError::TooFewPoints {
                series: one.label.clone(),
                file: one.file.display().to_string(),
                used: indices.len(),
                total: one.measurements.len(),
            });
        }
        for &i in indices {
            let m = &one.measurements[i];
            let Some(output_tokens) = m.output_tokens.filter(|g| *g > 0.0) else {
                return Err(FitError::MissingOutputTokens {
                    series: one.label.clone(),
                    file: one.file.display().to_string(),
                    index: m.index,
                });
            };
            let mut point = FitPoint::new(s, i, one.spec, output_tokens, m.rate_per_s, m.latency_s);
            if m.strategy == Strategy::Concurrent {
                let concurrency = m.concurrency.unwrap_or(m.rate_per_s * m.latency_s);
                point = point.with_closed_loop(concurrency);
            }
            points.push(point);
        }
    }
    Ok(points)
}

/// Checks whether every point of `one` was left out because the server was saturated there.
fn all_past_saturation(one: &Series, selection: &Selection) -> bool {
    let mut reasons = selection
        .excluded
        .iter()
        .filter(|e| e.series == one.label && e.file == one.file.display().to_string())
        .map(|e| &e.reason)
        .peekable();
    reasons.peek().is_some()
        && reasons.all(|reason| {
            matches!(
                reason,
                ExclusionReason::Throughput
                    | ExclusionReason::NotSustained { .. }
                    | ExclusionReason::SaturationTail { .. }
            )
        })
}

/// The solution of the pooled stage fit, before reporting.
pub(crate) struct StageSolution {
    pub outcome: solver::SolverOutcome,
    pub start: [f64; 6],
    pub estimates: Vec<CoefficientEstimate>,
    pub interval_method: IntervalMethod,
    /// Leave-one-series-out prediction error of each point, percent, in point order.
    pub loso_errors_percent: Option<Vec<Option<f64>>>,
}

pub(crate) enum Fitted {
    Stages(Box<StageSolution>),
    /// Per-series `(C1, C2)` and the solver outcome of each series.
    Reduced(Vec<((f64, f64), solver::SolverOutcome)>),
}

fn fit_stages(
    points: &[FitPoint],
    fixed: &[bool; 6],
    options: &FitOptions,
    progress: &(dyn Fn() + Sync),
) -> Fitted {
    let start = linearised_start(points, fixed);
    let outcome = solver::solve_masked(points, start, fixed, &options.solver);
    let mut estimates = uncertainty::asymptotic(&outcome, points, fixed, options.solver.gamma);
    let mut interval_method = IntervalMethod::Asymptotic;
    if options.bootstrap_samples > 0 {
        uncertainty::bootstrap(
            &mut estimates,
            points,
            outcome.coefficients,
            fixed,
            &options.solver,
            options.bootstrap_samples,
            options.seed,
            progress,
        );
        interval_method = IntervalMethod::Bootstrap;
    }
    let loso_errors_percent = options
        .cross_validate
        .then(|| leave_one_series_out(points, &outcome, fixed, &options.solver))
        .flatten();
    Fitted::Stages(Box::new(StageSolution {
        outcome,
        start,
        estimates,
        interval_method,
        loso_errors_percent,
    }))
}

/// Non-negative least squares on the linearised model `1 = C1 / L + rate * C2`.
fn linearised_start(points: &[FitPoint], fixed: &[bool; 6]) -> [f64; 6] {
    let mut a = DMatrix::<f64>::zeros(points.len(), 6);
    for (r, p) in points.iter().enumerate() {
        for j in 0..3 {
            a[(r, j)] = p.x[j] / p.latency_s;
            a[(r, j + 3)] = p.rate_per_s * p.x[j];
        }
    }
    for (j, _) in fixed.iter().enumerate().filter(|(_, f)| **f) {
        a.column_mut(j).fill(0.0);
    }
    let b = DVector::from_element(points.len(), 1.0);
    let solution = nnls::nnls(&a, &b).unwrap_or_else(|| DVector::zeros(6));
    std::array::from_fn(|j| if fixed[j] { 0.0 } else { solution[j] })
}

/// Refits without each series in turn and predicts the points of the series left out.
/// Returns `None` when there is only one series.
fn leave_one_series_out(
    points: &[FitPoint],
    full: &solver::SolverOutcome,
    fixed: &[bool; 6],
    settings: &SolverSettings,
) -> Option<Vec<Option<f64>>> {
    let series_count = points.iter().map(|p| p.series + 1).max().unwrap_or(0);
    if series_count < 2 {
        return None;
    }
    let predictions: Vec<Vec<(usize, Option<f64>)>> = (0..series_count)
        .into_par_iter()
        .map(|left_out| {
            let training: Vec<FitPoint> = points
                .iter()
                .filter(|p| p.series != left_out)
                .copied()
                .collect();
            let weights: Vec<f64> = points
                .iter()
                .zip(&full.weights)
                .filter(|(p, _)| p.series != left_out)
                .map(|(_, w)| *w)
                .collect();
            if training.is_empty() {
                return Vec::new();
            }
            // Starting from the full-data solution only saves iterations: the fold converges
            // to the minimum of its own cost, which does not involve the left-out series.
            let outcome =
                solver::solve_warm(&training, full.coefficients, Some(weights), fixed, settings);
            points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.series == left_out)
                .map(|(i, p)| {
                    let error = p.relative_error(&outcome.coefficients).map(|e| e * 100.0);
                    (i, error)
                })
                .collect()
        })
        .collect();
    let mut errors = vec![None; points.len()];
    for fold in predictions {
        for (i, error) in fold {
            errors[i] = error;
        }
    }
    Some(errors)
}

/// Fits C1 and C2 of each series on its own, for data that cannot separate the stages.
fn fit_reduced(series: &[Series], points: &[FitPoint], settings: &SolverSettings) -> Fitted {
    let fixed = [false, true, true, false, true, true];
    let fits = (0..series.len())
        .map(|s| {
            let own: Vec<FitPoint> = points
                .iter()
                .filter(|p| p.series == s)
                .map(|p| FitPoint {
                    x: [1.0, 0.0, 0.0],
                    ..*p
                })
                .collect();
            let start = linearised_start(&own, &fixed);
            let outcome = solver::solve_masked(&own, start, &fixed, settings);
            ((outcome.coefficients[0], outcome.coefficients[3]), outcome)
        })
        .collect();
    Fitted::Reduced(fits)
}
