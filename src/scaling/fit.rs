//! The joint fit over several systems, and leave-one-system-out validation.
//!
//! Every stable point of every system contributes the residual of the single-system fit: the
//! relative latency error, damped by the headroom and Huber-weighted (see
//! [`crate::fit::problem`]). The unknowns, though, are the non-negative weights `theta` of the
//! descriptor terms, so that `c_j = sum_t theta_jt d_t(system, p, g)`. C1 and C2 stay linear
//! in `theta`, so the same projected Levenberg-Marquardt solver runs on them.
//!
//! Point selection is the single-system one, run per system. Each point's descriptors use its
//! own mean prompt and output lengths, so a sweep whose lengths drift between benchmarks is
//! described point by point.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::architecture::Architecture;
use super::terms::{Basis, CoefficientTerms, DropReason, Shape, Term, TermSet, select_terms};
use crate::fit::problem::{FitPoint, latency_from_costs, residual_parts};
use crate::fit::solver::{MAX_PARAMETERS, Residual, make_feasible_general, solve_general};
use crate::fit::{Exclusion, FitError, FitOptions};
use crate::ingest::Series;
use crate::model::COEFFICIENT_NAMES;

/// z value of a two-sided 95% interval.
const Z_95: f64 = 1.959964;

/// Two-sided 95% quantile of Student's t distribution with `dof` degrees of freedom (standard
/// table values to three decimals; the normal value from 31 on).
pub fn t_95(dof: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match dof {
        0 => f64::INFINITY,
        1..=30 => TABLE[dof - 1],
        _ => Z_95,
    }
}

/// Returns the factor that turns a transfer error estimated from `systems` held-out systems into
/// its share of a 95% half-width, in units of `Z_95`. The RMS of `n` errors around zero has `n`
/// degrees of freedom, so the quantile is Student's, not the normal one.
pub(crate) fn transfer_quantile_factor(systems: usize) -> f64 {
    t_95(systems) / Z_95
}

/// One system's measurements and description.
#[derive(Clone, Debug)]
pub struct SystemInput {
    pub name: String,
    pub verifier: Option<Architecture>,
    pub drafter: Option<Architecture>,
    /// Mean prompt tokens to use instead of the measured ones.
    pub prompt_tokens: Option<f64>,
    /// Mean output tokens to use in the descriptors instead of the measured ones.
    pub output_tokens: Option<f64>,
    pub series: Vec<Series>,
}

/// A problem that stops a scaling fit.
#[derive(Debug, thiserror::Error)]
pub enum ScalingError {
    #[error("system {system}: {source}")]
    Fit {
        system: String,
        #[source]
        source: FitError,
    },

    #[error("{source}")]
    Selectors {
        #[source]
        source: FitError,
    },

    #[error(
        "leaving one system out needs at least two systems, but {found} was given\n\nhint: name each system's files in a [[system]] table of the manifest (--manifest), one table per model size or workload"
    )]
    TooFewSystems { found: usize },

    #[error(
        "some systems have a verifier architecture and others do not, and descriptors cannot mix the two (with an architecture: {with}; without: {without})\n\nhint: give every [[system]] a `config` (the verifier's config.json) or its full shape (`hidden_size`, `layers`, `attention_heads`, `kv_heads`, `head_dim`, `intermediate_size`, `vocab_size`), or give none of them to scale by length alone"
    )]
    MixedBasis { with: String, without: String },

    #[error(
        "{file}: system {system}, benchmark {index}: the mean prompt length is missing\n\nhint: add `prompt_tokens = N` to the [[system]] table, or use a report that records prompt token counts"
    )]
    MissingPromptTokens {
        system: String,
        file: String,
        index: usize,
    },

    #[error(
        "system {system}: {value} is not a usable {field}\n\nhint: lengths are positive token counts"
    )]
    InvalidLength {
        system: String,
        field: &'static str,
        value: f64,
    },
}

/// One stable point with its design rows: `C1 = a . theta` and `C2 = b . theta`.
#[derive(Clone, Debug)]
struct ScaledPoint {
    system: usize,
    rate_per_s: f64,
    latency_s: f64,
    closed_loop_concurrency: Option<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl ScaledPoint {
    fn costs(&self, theta: &[f64]) -> (f64, f64) {
        let dot = |row: &[f64]| row.iter().zip(theta).map(|(x, t)| x * t).sum::<f64>();
        (dot(&self.a), dot(&self.b))
    }

    fn predict(&self, theta: &[f64]) -> Option<f64> {
        let (c1, c2) = self.costs(theta);
        latency_from_costs(c1, c2, self.rate_per_s, self.closed_loop_concurrency)
    }
}

/// Computes the ends of a latency interval from C1 and C2 and their relative half-widths:
/// `(low, high)`, with `high = None` when the upper costs reach saturation, and `None` when
/// even the lower costs do.
pub(crate) fn latency_bounds(
    costs: (f64, f64),
    half_widths: (f64, f64),
    rate_per_s: f64,
    closed_loop_concurrency: Option<f64>,
) -> Option<(f64, Option<f64>)> {
    let at = |sign: f64| {
        let c1 = costs.0 * (1.0 + sign * half_widths.0).max(0.0);
        let c2 = costs.1 * (1.0 + sign * half_widths.1).max(0.0);
        latency_from_costs(c1, c2, rate_per_s, closed_loop_concurrency)
    };
    Some((at(-1.0)?, at(1.0)))
}

impl Residual for ScaledPoint {
    fn residual_into(&self, c: &[f64], gamma: f64, gradient: &mut [f64]) -> Option<f64> {
        let (c1, c2) = self.costs(c);
        let (r, d1, d2) = residual_parts(
            c1,
            c2,
            self.rate_per_s,
            self.latency_s,
            self.closed_loop_concurrency,
            gamma,
        )?;
        for ((g, a), b) in gradient.iter_mut().zip(&self.a).zip(&self.b) {
            *g = d1 * a + d2 * b;
        }
        Some(r)
    }

    fn utilisation(&self, c: &[f64]) -> Option<f64> {
        if self.closed_loop_concurrency.is_some() {
            return None;
        }
        Some(self.rate_per_s * self.costs(c).1)
    }
}

/// One fitted weight: coefficient, term, value and standard error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermWeight {
    pub coefficient: String,
    pub term: Term,
    /// Seconds per unit of the term's descriptor.
    pub value: f64,
    pub std_error: f64,
    /// Held at its zero bound by the fit.
    pub at_bound: bool,
}

/// A system of the fit: its descriptors, its configurations and how well the joint fit
/// reproduces it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemSummary {
    pub name: String,
    /// The verifier as described, so that a prediction can start from a fitted system.
    pub verifier: Option<Architecture>,
    pub drafter: Option<Architecture>,
    /// Descriptor values at the system's mean lengths, by term name.
    pub descriptors: Vec<(Term, f64)>,
    pub prompt_tokens_mean: f64,
    pub output_tokens_mean: f64,
    /// Points fitted.
    pub points: usize,
    /// Points read.
    #[serde(default)]
    pub points_total: usize,
    /// Every point left out, with its reason, as in a single-system fit.
    #[serde(default)]
    pub excluded: Vec<Exclusion>,
    /// Draft lengths and acceptance probabilities of its series.
    pub configurations: Vec<(u32, f64)>,
    /// Highest `rate * C2` among its points under the joint fit.
    pub max_utilisation: f64,
    /// Highest measured concurrency among its closed-loop points.
    pub max_concurrency: Option<f64>,
    /// In-sample errors of the joint fit over its points, percent; `None` when the fit puts one
    /// of them past saturation.
    pub mape_percent: Option<f64>,
    pub max_ape_percent: Option<f64>,
    /// The stage coefficients the joint fit gives this system, seconds.
    pub coefficients: [f64; 6],
}

/// A held-out system: its position relative to the systems it was predicted from, and the
/// errors of that prediction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    pub name: String,
    /// Distance outside the others' descriptor range in doublings; 0 inside it (see
    /// [`extrapolation_distance`]).
    pub extrapolation: f64,
    pub points: usize,
    /// Points the prediction puts at or past saturation.
    pub saturated_points: usize,
    /// Mean and largest absolute percentage error over the points still below saturation.
    pub mape_percent: Option<f64>,
    pub max_ape_percent: Option<f64>,
    /// RMS relative error of the predicted C1 and C2 against the joint fit that includes the
    /// system, over its configurations.
    pub c1_relative_error: f64,
    pub c2_relative_error: f64,
    /// Terms used by the fit without this system.
    pub terms: Vec<CoefficientTerms>,
    /// Share of its points whose measured latency lies inside the 95% interval of a
    /// description from the other systems. That interval uses the transfer error of those
    /// others alone, which needs three or more systems (`None` otherwise).
    #[serde(default)]
    pub interval_coverage: Option<f64>,
}

/// The fitted scaling model; also the saved-model format of a fit across systems.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingModel {
    /// Kind tag, always `scaling`, which distinguishes this file from a single-system model.
    pub kind: String,
    pub schema_version: u32,
    pub speclat_version: String,
    pub basis: Basis,
    pub terms: Vec<CoefficientTerms>,
    pub weights: Vec<TermWeight>,
    /// Covariance of the weights, in the order of `weights`.
    pub covariance: Vec<Vec<f64>>,
    pub systems: Vec<SystemSummary>,
    pub points: usize,
    /// In-sample errors over all points, percent.
    pub mape_percent: Option<f64>,
    pub max_ape_percent: Option<f64>,
    pub leave_one_system_out: Option<Vec<HeldOut>>,
    /// Relative error of C1 and C2 when a system inside the others' range is predicted from
    /// them: the RMS of the held-out errors, each divided by `1 + e` for its extrapolation
    /// distance `e` in doublings. `None` without a leave-one-system-out run.
    pub transfer_error: Option<[f64; 2]>,
    /// Share of all held-out points inside their 95% intervals (see
    /// [`HeldOut::interval_coverage`]); `None` with fewer than three systems.
    #[serde(default)]
    pub interval_coverage: Option<f64>,
    /// Held-out systems behind `transfer_error`: the degrees of freedom of its interval.
    #[serde(default)]
    pub transfer_error_systems: usize,
    pub warnings: Vec<String>,
}

/// Version of the JSON layout of [`ScalingModel`].
pub const SCALING_SCHEMA_VERSION: u32 = 1;

/// Kind tag of a saved [`ScalingModel`].
pub const SCALING_KIND: &str = "scaling";

/// Systems prepared for fitting: points, per-system mean shapes.
struct Prepared {
    basis: Basis,
    points: Vec<ScaledPointSource>,
    /// Per system: mean prompt and output tokens.
    means: Vec<(f64, f64)>,
    /// Per system: the points read and those the selection left out.
    totals: Vec<usize>,
    excluded: Vec<Vec<Exclusion>>,
    configurations: Vec<Vec<(u32, f64)>>,
}

/// A point before its design rows are built: what the rows are built from.
#[derive(Clone, Debug)]
struct ScaledPointSource {
    system: usize,
    x: [f64; 3],
    prompt_tokens: f64,
    output_tokens: f64,
    rate_per_s: f64,
    latency_s: f64,
    closed_loop_concurrency: Option<f64>,
}

fn prepare(systems: &[SystemInput], options: &FitOptions) -> Result<Prepared, ScalingError> {
    let with: Vec<&str> = systems
        .iter()
        .filter(|s| s.verifier.is_some())
        .map(|s| s.name.as_str())
        .collect();
    let without: Vec<&str> = systems
        .iter()
        .filter(|s| s.verifier.is_none())
        .map(|s| s.name.as_str())
        .collect();
    let basis = match (with.is_empty(), without.is_empty()) {
        (false, true) => Basis::Architecture,
        (true, _) => Basis::LengthOnly,
        (false, false) => {
            return Err(ScalingError::MixedBasis {
                with: with.join(", "),
                without: without.join(", "),
            });
        }
    };

    let mut points = Vec::new();
    let mut means = Vec::new();
    let mut totals = Vec::new();
    let mut excluded = Vec::new();
    let mut configurations = Vec::new();
    for (index, system) in systems.iter().enumerate() {
        for (field, value) in [
            ("prompt_tokens", system.prompt_tokens),
            ("output_tokens", system.output_tokens),
        ] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                return Err(ScalingError::InvalidLength {
                    system: system.name.clone(),
                    field,
                    value: v,
                });
            }
        }
        // Selectors apply to the systems whose series they name.
        let local = FitOptions {
            selection: crate::fit::selectors_for(&system.series, &options.selection),
            ..options.clone()
        };
        let (selection, fit_points) =
            crate::fit::prepare_points(&system.series, &local).map_err(|source| {
                ScalingError::Fit {
                    system: system.name.clone(),
                    source,
                }
            })?;
        let (mut p_sum, mut g_sum) = (0.0, 0.0);
        for point in &fit_points {
            let series = &system.series[point.series];
            let measurement = &series.measurements[point.measurement];
            let prompt_tokens = match system.prompt_tokens.or(measurement.prompt_tokens) {
                Some(p) if p > 0.0 => p,
                _ => {
                    return Err(ScalingError::MissingPromptTokens {
                        system: system.name.clone(),
                        file: series.file.display().to_string(),
                        index: measurement.index,
                    });
                }
            };
            let output_tokens = system.output_tokens.unwrap_or(point.output_tokens);
            p_sum += prompt_tokens;
            g_sum += output_tokens;
            points.push(source_of(index, point, prompt_tokens, output_tokens));
        }
        let n = fit_points.len().max(1) as f64;
        means.push((p_sum / n, g_sum / n));
        totals.push(system.series.iter().map(|s| s.measurements.len()).sum());
        excluded.push(selection.excluded);
        let mut configs: Vec<(u32, f64)> = system
            .series
            .iter()
            .map(|s| (s.spec.k(), s.spec.alpha()))
            .collect();
        configs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        configs.dedup();
        configurations.push(configs);
    }
    Ok(Prepared {
        basis,
        points,
        means,
        totals,
        excluded,
        configurations,
    })
}

fn source_of(system: usize, p: &FitPoint, prompt: f64, output: f64) -> ScaledPointSource {
    ScaledPointSource {
        system,
        x: p.x,
        prompt_tokens: prompt,
        output_tokens: output,
        rate_per_s: p.rate_per_s,
        latency_s: p.latency_s,
        closed_loop_concurrency: p.closed_loop_concurrency,
    }
}

/// Builds the shape of `system` at lengths `p` and `g`.
fn shape(system: &SystemInput, p: f64, g: f64) -> Shape<'_> {
    Shape {
        verifier: system.verifier.as_ref(),
        drafter: system.drafter.as_ref(),
        prompt_tokens: p,
        output_tokens: g,
    }
}

/// Chooses the terms of each coefficient that the systems in `members` identify.
fn choose_terms(
    systems: &[SystemInput],
    prepared: &Prepared,
    members: &[usize],
    candidates: &TermSet,
) -> Vec<CoefficientTerms> {
    let uses_draft = prepared
        .points
        .iter()
        .any(|p| p.x[2] > 0.0 && members.contains(&p.system));
    (0..6)
        .map(|j| {
            // Without architectures the size terms are 1 for every system: name them for what
            // they are, a constant.
            let mut list: Vec<Term> = Vec::new();
            for &term in &candidates.0[j] {
                let term = match (prepared.basis, term) {
                    (Basis::LengthOnly, Term::Weights | Term::Layers) => Term::Constant,
                    _ => term,
                };
                if !list.contains(&term) {
                    list.push(term);
                }
            }
            let list = &list;
            if j % 3 == 2 && !uses_draft {
                return CoefficientTerms {
                    coefficient: COEFFICIENT_NAMES[j].to_string(),
                    used: Vec::new(),
                    dropped: list
                        .iter()
                        .map(|t| (*t, DropReason::CoefficientUnused))
                        .collect(),
                };
            }
            let values: Vec<Vec<Option<f64>>> = members
                .iter()
                .map(|&s| {
                    let (p, g) = prepared.means[s];
                    let shape = shape(&systems[s], p, g);
                    list.iter()
                        .map(|t| shape.value(*t, prepared.basis))
                        .collect()
                })
                .collect();
            let (used, dropped) = select_terms(list, &values);
            CoefficientTerms {
                coefficient: COEFFICIENT_NAMES[j].to_string(),
                used,
                dropped,
            }
        })
        .collect()
}

/// `(coefficient index, term)` of each unknown, in order.
fn layout(terms: &[CoefficientTerms]) -> Vec<(usize, Term)> {
    terms
        .iter()
        .enumerate()
        .flat_map(|(j, c)| c.used.iter().map(move |t| (j, *t)))
        .collect()
}

fn design(
    systems: &[SystemInput],
    basis: Basis,
    source: &ScaledPointSource,
    params: &[(usize, Term)],
) -> ScaledPoint {
    let shape = shape(
        &systems[source.system],
        source.prompt_tokens,
        source.output_tokens,
    );
    let mut a = vec![0.0; params.len()];
    let mut b = vec![0.0; params.len()];
    for (m, &(j, term)) in params.iter().enumerate() {
        let value = shape.value(term, basis).unwrap_or(0.0);
        if j < 3 {
            a[m] = source.x[j] * value;
        } else {
            b[m] = source.x[j - 3] * value;
        }
    }
    ScaledPoint {
        system: source.system,
        rate_per_s: source.rate_per_s,
        latency_s: source.latency_s,
        closed_loop_concurrency: source.closed_loop_concurrency,
        a,
        b,
    }
}

/// Result of one joint solve.
struct Solved {
    params: Vec<(usize, Term)>,
    theta: Vec<f64>,
    at_bound: Vec<bool>,
    covariance: DMatrix<f64>,
    points: Vec<ScaledPoint>,
}

fn solve_members(
    systems: &[SystemInput],
    prepared: &Prepared,
    members: &[usize],
    terms: &[CoefficientTerms],
    options: &FitOptions,
) -> Solved {
    let params = layout(terms);
    let points: Vec<ScaledPoint> = prepared
        .points
        .iter()
        .filter(|p| members.contains(&p.system))
        .map(|p| design(systems, prepared.basis, p, &params))
        .collect();
    let n = params.len();

    // Start: non-negative least squares on the linearised form 1 = C1 / L + rate * C2
    // (closed loop: 1 = (C1 + B C2) / L).
    let mut matrix = DMatrix::<f64>::zeros(points.len(), n);
    for (i, p) in points.iter().enumerate() {
        for m in 0..n {
            matrix[(i, m)] = match p.closed_loop_concurrency {
                Some(b) => (p.a[m] + b * p.b[m]) / p.latency_s,
                None => p.a[m] / p.latency_s + p.rate_per_s * p.b[m],
            };
        }
    }
    let ones = DVector::<f64>::from_element(points.len(), 1.0);
    let mut start: Vec<f64> = crate::fit::nnls::nnls(&matrix, &ones)
        .map(|v| v.iter().copied().collect())
        .unwrap_or_else(|| vec![1e-6; n]);
    let load_dependent: Vec<bool> = params.iter().map(|(j, _)| *j >= 3).collect();
    make_feasible_general(&points, &mut start, &load_dependent);

    let fixed = vec![false; n];
    let outcome = solve_general::<ScaledPoint, MAX_PARAMETERS>(
        &points,
        start,
        None,
        &fixed,
        &load_dependent,
        &options.solver,
    );

    // Covariance of the free weights: s^2 (J^T W J)^-1, with s^2 from the weighted residuals.
    let free: Vec<usize> = (0..n).filter(|&m| !outcome.at_bound[m]).collect();
    let dof = points.len().saturating_sub(free.len()).max(1) as f64;
    let s2 = 2.0 * outcome.cost / dof;
    let mut covariance = DMatrix::<f64>::zeros(n, n);
    let mut sub = DMatrix::<f64>::zeros(free.len(), free.len());
    for (a, &i) in free.iter().enumerate() {
        for (b, &j) in free.iter().enumerate() {
            sub[(a, b)] = outcome.normal_matrix[(i, j)];
        }
    }
    if let Some(inverse) = sub.clone().try_inverse() {
        for (a, &i) in free.iter().enumerate() {
            for (b, &j) in free.iter().enumerate() {
                covariance[(i, j)] = s2 * inverse[(a, b)];
            }
        }
    }
    Solved {
        params,
        theta: outcome.coefficients,
        at_bound: outcome.at_bound,
        covariance,
        points,
    }
}

/// Stage coefficients of a shape under fitted weights.
fn coefficients_for(
    params: &[(usize, Term)],
    theta: &[f64],
    shape: &Shape,
    basis: Basis,
) -> [f64; 6] {
    let mut c = [0.0; 6];
    for (&(j, term), value) in params.iter().zip(theta) {
        c[j] += value * shape.value(term, basis).unwrap_or(0.0);
    }
    c
}

/// Mean and largest absolute percentage error, and the number of saturated predictions.
fn errors(points: &[&ScaledPoint], theta: &[f64]) -> (Option<f64>, Option<f64>, usize) {
    let mut sum = 0.0;
    let mut max: f64 = 0.0;
    let mut count = 0;
    let mut saturated = 0;
    for p in points {
        match p.predict(theta) {
            Some(l) => {
                let e = (l / p.latency_s - 1.0).abs() * 100.0;
                sum += e;
                max = max.max(e);
                count += 1;
            }
            None => saturated += 1,
        }
    }
    if count == 0 {
        return (None, None, saturated);
    }
    (Some(sum / count as f64), Some(max), saturated)
}

/// Measures how far `values` lie outside the ranges of `reference`, in doublings. Each
/// descriptor contributes `log2(value / largest)` above its range or `log2(smallest / value)`
/// below it, and the result is the largest contribution. 0 means inside every range, and 1
/// means twice the largest (or half the smallest) value seen.
pub fn extrapolation_distance(values: &[(Term, f64)], reference: &[Vec<(Term, f64)>]) -> f64 {
    let mut worst: f64 = 0.0;
    for &(term, value) in values {
        if term == Term::Constant || value.is_nan() || value <= 0.0 {
            continue;
        }
        let Some((low, high)) = descriptor_range(term, reference) else {
            continue;
        };
        // Differences below 1% are measurement noise in the mean lengths, not extrapolation.
        if let Some(outside) = doublings_outside(value, low, high, DESCRIPTOR_TOLERANCE) {
            worst = worst.max(outside);
        }
    }
    worst
}

/// Ratio within which a descriptor counts as inside the fitted range.
pub(crate) const DESCRIPTOR_TOLERANCE: f64 = 1.01;

/// Returns the smallest and largest positive value of `term` among `reference`.
pub(crate) fn descriptor_range(term: Term, reference: &[Vec<(Term, f64)>]) -> Option<(f64, f64)> {
    let seen: Vec<f64> = reference
        .iter()
        .filter_map(|r| r.iter().find(|(t, _)| *t == term).map(|(_, v)| *v))
        .filter(|v| *v > 0.0)
        .collect();
    let low = seen.iter().copied().reduce(f64::min)?;
    let high = seen.iter().copied().reduce(f64::max)?;
    Some((low, high))
}

/// Returns the doublings by which `value` lies outside `low..high`, or `None` when it lies
/// within the range widened by the ratio `tolerance`.
fn doublings_outside(value: f64, low: f64, high: f64, tolerance: f64) -> Option<f64> {
    let outside = (value / high).log2().max((low / value).log2());
    (outside > tolerance.log2()).then_some(outside)
}

/// Descriptor values of a shape, for every term that can be computed.
pub(crate) fn descriptor_values(shape: &Shape, basis: Basis) -> Vec<(Term, f64)> {
    Term::ALL
        .iter()
        .filter_map(|t| shape.value(*t, basis).map(|v| (*t, v)))
        .collect()
}

/// Fits the stage coefficients of all `systems` at once as functions of their descriptors.
pub fn fit_systems(
    systems: &[SystemInput],
    candidates: &TermSet,
    options: &FitOptions,
    leave_one_system_out: bool,
) -> Result<ScalingModel, ScalingError> {
    if systems.is_empty() || (leave_one_system_out && systems.len() < 2) {
        return Err(ScalingError::TooFewSystems {
            found: systems.len(),
        });
    }
    // Every selector must name a benchmark of some system.
    let all: Vec<&Series> = systems.iter().flat_map(|s| &s.series).collect();
    crate::fit::select::check_selectors(&all, &options.selection)
        .map_err(|source| ScalingError::Selectors { source })?;
    let prepared = prepare(systems, options)?;
    let all: Vec<usize> = (0..systems.len()).collect();
    let terms = choose_terms(systems, &prepared, &all, candidates);
    let solved = solve_members(systems, &prepared, &all, &terms, options);
    let basis = prepared.basis;

    let mut summaries = Vec::new();
    for (s, system) in systems.iter().enumerate() {
        let (p, g) = prepared.means[s];
        let shape = shape(system, p, g);
        let coefficients = coefficients_for(&solved.params, &solved.theta, &shape, basis);
        let members: Vec<&ScaledPoint> = solved.points.iter().filter(|q| q.system == s).collect();
        let (mape, max, saturated) = errors(&members, &solved.theta);
        // Closed-loop points count too: by Little's law their measured rate times C2 is the
        // share of capacity they used.
        let max_utilisation = members
            .iter()
            .map(|q| q.rate_per_s * q.costs(&solved.theta).1)
            .fold(0.0, f64::max);
        let max_concurrency = members
            .iter()
            .filter_map(|q| q.closed_loop_concurrency)
            .reduce(f64::max);
        summaries.push(SystemSummary {
            name: system.name.clone(),
            verifier: system.verifier.clone(),
            drafter: system.drafter.clone(),
            descriptors: descriptor_values(&shape, basis),
            prompt_tokens_mean: p,
            output_tokens_mean: g,
            points: members.len(),
            points_total: prepared.totals[s],
            excluded: prepared.excluded[s].clone(),
            configurations: prepared.configurations[s].clone(),
            max_utilisation,
            max_concurrency,
            mape_percent: if saturated == 0 { mape } else { None },
            max_ape_percent: if saturated == 0 { max } else { None },
            coefficients,
        });
    }
    let everything: Vec<&ScaledPoint> = solved.points.iter().collect();
    let (mape, max, saturated) = errors(&everything, &solved.theta);

    let mut warnings = Vec::new();
    for system in systems {
        if let Some(caveat) = system
            .verifier
            .as_ref()
            .and_then(Architecture::estimate_caveat)
        {
            warnings.push(format!(
                "system {}: the verifier's shape is incomplete: {caveat}; give its config.json (`config`) or the full shape for exact descriptors",
                system.name
            ));
        }
    }
    // Two systems with the same descriptors differ by something the terms do not see
    // (hardware, engine, a mistyped configuration), and their difference becomes fit error.
    for (i, a) in summaries.iter().enumerate() {
        for b in &summaries[i + 1..] {
            let same = a.descriptors.len() == b.descriptors.len()
                && a.descriptors
                    .iter()
                    .zip(&b.descriptors)
                    .all(|((ta, va), (tb, vb))| {
                        ta == tb && (va - vb).abs() <= 0.01 * va.abs().max(vb.abs())
                    });
            if same {
                warnings.push(format!(
                    "systems {} and {} have the same descriptors, so the fit cannot tell them apart and their differences count as error; check their configurations, or fit systems that differ in size or length",
                    a.name, b.name
                ));
            }
        }
    }
    for c in &terms {
        for (term, reason) in &c.dropped {
            if *reason == DropReason::NotSeparable && term.depends_on_length() {
                warnings.push(format!(
                    "{}: the term {} is not identifiable from these systems ({}); predictions at other lengths assume the coefficient scales with its first term alone",
                    c.coefficient,
                    term.name(),
                    reason.describe()
                ));
            }
        }
    }

    let held_out = if leave_one_system_out && systems.len() >= 2 {
        Some(hold_out_each(
            systems, &prepared, candidates, options, &summaries,
        ))
    } else {
        None
    };
    let transfer_error = held_out.as_ref().and_then(|h| transfer_error(h));
    if held_out.is_none() {
        let remedy = if systems.len() < 2 {
            "fit two or more systems with --leave-one-system-out to measure how well systems transfer"
        } else {
            "pass --leave-one-system-out to measure how well systems transfer"
        };
        warnings.push(format!(
            "no leave-one-system-out run: intervals for unmeasured systems cover the fit's statistical error only; {remedy}"
        ));
    }
    if saturated > 0 {
        warnings.push(format!(
            "the joint fit puts {saturated} measured point(s) past saturation: the descriptor terms do not describe every system; check the systems' descriptions or fit fewer systems together"
        ));
    }

    let weights = solved
        .params
        .iter()
        .enumerate()
        .map(|(m, &(j, term))| TermWeight {
            coefficient: COEFFICIENT_NAMES[j].to_string(),
            term,
            value: solved.theta[m],
            std_error: solved.covariance[(m, m)].max(0.0).sqrt(),
            at_bound: solved.at_bound[m],
        })
        .collect();
    let n = solved.params.len();
    let covariance = (0..n)
        .map(|i| (0..n).map(|k| solved.covariance[(i, k)]).collect())
        .collect();
    Ok(ScalingModel {
        kind: SCALING_KIND.to_string(),
        schema_version: SCALING_SCHEMA_VERSION,
        speclat_version: env!("CARGO_PKG_VERSION").to_string(),
        basis,
        terms,
        weights,
        covariance,
        systems: summaries,
        points: everything.len(),
        mape_percent: if saturated == 0 { mape } else { None },
        max_ape_percent: if saturated == 0 { max } else { None },
        transfer_error_systems: held_out.as_ref().map_or(0, Vec::len),
        interval_coverage: held_out.as_deref().and_then(pooled_coverage),
        leave_one_system_out: held_out,
        transfer_error,
        warnings,
    })
}

/// Refits without each system in turn and predicts it.
fn hold_out_each(
    systems: &[SystemInput],
    prepared: &Prepared,
    candidates: &TermSet,
    options: &FitOptions,
    summaries: &[SystemSummary],
) -> Vec<HeldOut> {
    let basis = prepared.basis;
    let runs: Vec<(HeldOut, Solved, Vec<ScaledPoint>)> = (0..systems.len())
        .map(|left| {
            let members: Vec<usize> = (0..systems.len()).filter(|&s| s != left).collect();
            let terms = choose_terms(systems, prepared, &members, candidates);
            let solved = solve_members(systems, prepared, &members, &terms, options);
            let targets: Vec<ScaledPoint> = prepared
                .points
                .iter()
                .filter(|p| p.system == left)
                .map(|p| design(systems, basis, p, &solved.params))
                .collect();
            let refs: Vec<&ScaledPoint> = targets.iter().collect();
            let (mape, max, saturated) = errors(&refs, &solved.theta);

            // C1 and C2 of each configuration against the joint fit that saw the system.
            let (p, g) = prepared.means[left];
            let shape = shape(&systems[left], p, g);
            let predicted = coefficients_for(&solved.params, &solved.theta, &shape, basis);
            let reference = summaries[left].coefficients;
            let (mut e1, mut e2, mut count) = (0.0_f64, 0.0_f64, 0.0_f64);
            for &(k, alpha) in &prepared.configurations[left] {
                let spec = crate::model::SpecConfig::new(k, alpha)
                    .unwrap_or_else(|_| crate::model::SpecConfig::baseline());
                let cycles = g / spec.expected_tokens();
                let x = [1.0, cycles, cycles * f64::from(k)];
                let total = |c: &[f64; 6], o: usize| (0..3).map(|j| x[j] * c[j + o]).sum::<f64>();
                let ratio = |o: usize| {
                    let r = total(&reference, o);
                    if r > 0.0 {
                        total(&predicted, o) / r - 1.0
                    } else {
                        0.0
                    }
                };
                e1 += ratio(0).powi(2);
                e2 += ratio(3).powi(2);
                count += 1.0;
            }
            let reference_descriptors: Vec<Vec<(Term, f64)>> = members
                .iter()
                .map(|&s| summaries[s].descriptors.clone())
                .collect();
            let reference_lengths: Vec<(f64, f64)> =
                members.iter().map(|&s| prepared.means[s]).collect();
            let extrapolation =
                extrapolation_distance(&summaries[left].descriptors, &reference_descriptors)
                    .max(length_distance(p, g, &reference_lengths));
            let held = HeldOut {
                name: systems[left].name.clone(),
                extrapolation,
                points: targets.len(),
                saturated_points: saturated,
                mape_percent: mape,
                max_ape_percent: max,
                c1_relative_error: (e1 / count.max(1.0)).sqrt(),
                c2_relative_error: (e2 / count.max(1.0)).sqrt(),
                terms,
                interval_coverage: None,
            };
            (held, solved, targets)
        })
        .collect();

    // Coverage: each system's intervals use the transfer error of the other held-out systems
    // only, as they would for a system that was never measured.
    let all: Vec<HeldOut> = runs.iter().map(|(h, _, _)| h.clone()).collect();
    runs.into_iter()
        .enumerate()
        .map(|(left, (mut held, solved, targets))| {
            let others: Vec<HeldOut> = all
                .iter()
                .enumerate()
                .filter(|(s, _)| *s != left)
                .map(|(_, h)| h.clone())
                .collect();
            if others.len() >= 2
                && let Some([u1, u2]) = transfer_error(&others)
            {
                let grow = (1.0 + held.extrapolation) * transfer_quantile_factor(others.len());
                let inside = targets
                    .iter()
                    .filter(|p| covers(p, &solved, [u1 * grow, u2 * grow]))
                    .count();
                held.interval_coverage = Some(inside as f64 / targets.len().max(1) as f64);
            }
            held
        })
        .collect()
}

/// Returns whether the 95% interval of `point`'s latency under `solved` contains the measured
/// latency, with relative transfer errors `transfer` for C1 and C2.
fn covers(point: &ScaledPoint, solved: &Solved, transfer: [f64; 2]) -> bool {
    let (c1, c2) = point.costs(&solved.theta);
    let spread = |row: &[f64], value: f64, transfer: f64| {
        let n = row.len();
        let mut variance = 0.0;
        for i in 0..n {
            for k in 0..n {
                variance += row[i] * solved.covariance[(i, k)] * row[k];
            }
        }
        let statistical = if value > 0.0 {
            variance.max(0.0).sqrt() / value
        } else {
            0.0
        };
        Z_95 * statistical.hypot(transfer)
    };
    let half_widths = (
        spread(&point.a, c1, transfer[0]),
        spread(&point.b, c2, transfer[1]),
    );
    let bounds = latency_bounds(
        (c1, c2),
        half_widths,
        point.rate_per_s,
        point.closed_loop_concurrency,
    );
    let Some((low, high)) = bounds else {
        return false;
    };
    // A high end past saturation leaves the interval open above.
    let high = high.unwrap_or(f64::INFINITY);
    low <= point.latency_s && point.latency_s <= high
}

/// Measures how far the lengths `p` and `g` lie outside `reference`, the mean prompt and output
/// tokens of other systems, in doublings.
pub(crate) fn length_distance(p: f64, g: f64, reference: &[(f64, f64)]) -> f64 {
    let prompts: Vec<f64> = reference.iter().map(|r| r.0).collect();
    let outputs: Vec<f64> = reference.iter().map(|r| r.1).collect();
    [length_outside(p, &prompts), length_outside(g, &outputs)]
        .into_iter()
        .flatten()
        .map(|(doublings, _, _)| doublings)
        .fold(0.0, f64::max)
}

/// Doublings by which `value` lies outside the range of `fitted`, with that range, or `None`
/// within it. Within 5% counts as measured: a benchmark asked for 512 prompt tokens reports a
/// mean of 520 once the chat template is counted.
pub(crate) fn length_outside(value: f64, fitted: &[f64]) -> Option<(f64, f64, f64)> {
    let low = fitted.iter().copied().fold(f64::INFINITY, f64::min);
    let high = fitted.iter().copied().fold(0.0, f64::max);
    doublings_outside(value, low, high, 1.05).map(|outside| (outside, low, high))
}

/// Share of all held-out points inside their intervals, or `None` when no system has one.
pub fn pooled_coverage(held_out: &[HeldOut]) -> Option<f64> {
    let covered: Vec<(f64, usize)> = held_out
        .iter()
        .filter_map(|h| h.interval_coverage.map(|c| (c, h.points)))
        .collect();
    let points: usize = covered.iter().map(|(_, n)| n).sum();
    (points > 0).then(|| covered.iter().map(|(c, n)| c * *n as f64).sum::<f64>() / points as f64)
}

/// RMS of the held-out C1 and C2 errors, each scaled back to distance 0 by `1 + e`.
fn transfer_error(held_out: &[HeldOut]) -> Option<[f64; 2]> {
    if held_out.is_empty() {
        return None;
    }
    let n = held_out.len() as f64;
    let rms = |f: &dyn Fn(&HeldOut) -> f64| {
        (held_out
            .iter()
            .map(|h| (f(h) / (1.0 + h.extrapolation)).powi(2))
            .sum::<f64>()
            / n)
            .sqrt()
    };
    Some([rms(&|h| h.c1_relative_error), rms(&|h| h.c2_relative_error)])
}

impl ScalingModel {
    /// Lists the fitted weights with their `(coefficient, term)` positions, for
    /// [`coefficients_for`].
    fn params(&self) -> (Vec<(usize, Term)>, Vec<f64>) {
        let params = self
            .weights
            .iter()
            .map(|w| {
                let j = COEFFICIENT_NAMES
                    .iter()
                    .position(|n| *n == w.coefficient)
                    .unwrap_or(0);
                (j, w.term)
            })
            .collect();
        (params, self.weights.iter().map(|w| w.value).collect())
    }

    /// Stage coefficients of a described system, with their covariance.
    pub fn coefficients(&self, shape: &Shape) -> ([f64; 6], [[f64; 6]; 6]) {
        let (params, theta) = self.params();
        let c = coefficients_for(&params, &theta, shape, self.basis);
        let mut jacobian = vec![[0.0; 6]; params.len()];
        for (m, &(j, term)) in params.iter().enumerate() {
            jacobian[m][j] = shape.value(term, self.basis).unwrap_or(0.0);
        }
        let mut cov = [[0.0; 6]; 6];
        for (a, row_a) in jacobian.iter().enumerate() {
            for (b, row_b) in jacobian.iter().enumerate() {
                let v = self
                    .covariance
                    .get(a)
                    .and_then(|r| r.get(b))
                    .copied()
                    .unwrap_or(0.0);
                for i in 0..6 {
                    for k in 0..6 {
                        cov[i][k] += row_a[i] * v * row_b[k];
                    }
                }
            }
        }
        (c, cov)
    }

    /// Z value used for the intervals.
    pub fn z(&self) -> f64 {
        Z_95
    }
}

/// A problem with a saved scaling model.
#[derive(Debug, thiserror::Error)]
pub enum ScalingModelError {
    #[error(
        "{path}: invalid scaling model at line {line}, column {column}: {message}\n\nhint: pass a file written by `speclat fit --save` from a fit with [[system]] tables",
        path = path.display()
    )]
    Syntax {
        path: std::path::PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "{path}: scaling model schema version {found} is not supported (expected {SCALING_SCHEMA_VERSION})\n\nhint: refit with this version of speclat",
        path = path.display()
    )]
    SchemaVersion {
        path: std::path::PathBuf,
        found: u32,
    },

    #[error(
        "{path}: {location}: {problem}\n\nhint: the file was edited or corrupted; refit with `speclat fit --save`",
        path = path.display()
    )]
    InvalidValue {
        path: std::path::PathBuf,
        location: String,
        problem: String,
    },
}

impl ScalingModel {
    /// Parses a saved scaling model and checks every value a prediction computes with.
    pub fn from_json_bytes(
        path: &std::path::Path,
        bytes: &[u8],
    ) -> Result<Self, ScalingModelError> {
        let model: ScalingModel =
            serde_json::from_slice(bytes).map_err(|e| ScalingModelError::Syntax {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column().max(1),
                message: crate::ingest::checks::json_error_message(&e),
            })?;

        if model.schema_version != SCALING_SCHEMA_VERSION {
            return Err(ScalingModelError::SchemaVersion {
                path: path.to_path_buf(),
                found: model.schema_version,
            });
        }

        let invalid = |location: String, problem: String| ScalingModelError::InvalidValue {
            path: path.to_path_buf(),
            location,
            problem,
        };

        for (i, w) in model.weights.iter().enumerate() {
            if !COEFFICIENT_NAMES.contains(&w.coefficient.as_str()) {
                return Err(invalid(
                    format!("weights[{i}].coefficient"),
                    format!("unknown coefficient `{}`", w.coefficient),
                ));
            }
            if !(w.value.is_finite() && w.value >= 0.0) {
                return Err(invalid(
                    format!("weights[{i}].value"),
                    format!("{} is not a finite non-negative weight", w.value),
                ));
            }
        }

        let n = model.weights.len();
        if model.covariance.len() != n
            || model
                .covariance
                .iter()
                .any(|row| row.len() != n || row.iter().any(|v| !v.is_finite()))
        {
            return Err(invalid(
                "covariance".to_string(),
                format!("expected a {n} x {n} matrix of finite numbers"),
            ));
        }

        if model.systems.is_empty() {
            return Err(invalid(
                "systems".to_string(),
                "the model lists no fitted system".to_string(),
            ));
        }

        for (i, s) in model.systems.iter().enumerate() {
            for (field, value) in [
                ("prompt_tokens_mean", s.prompt_tokens_mean),
                ("output_tokens_mean", s.output_tokens_mean),
            ] {
                if !(value.is_finite() && value > 0.0) {
                    return Err(invalid(
                        format!("systems[{i}].{field}"),
                        format!("{value} is not a positive token count"),
                    ));
                }
            }
        }

        if let Some(t) = model.transfer_error
            && t.iter().any(|v| !(v.is_finite() && *v >= 0.0))
        {
            return Err(invalid(
                "transfer_error".to_string(),
                "expected two finite non-negative fractions".to_string(),
            ));
        }

        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{LabelSource, LatencyPercentiles, Measurement, SourceFormat, Strategy};
    use crate::model::SpecConfig;

    fn architecture(hidden: u64, layers: u64, heads: u64, intermediate: u64) -> Architecture {
        Architecture {
            hidden_size: Some(hidden),
            layers: Some(layers),
            attention_heads: Some(heads),
            kv_heads: Some(8),
            head_dim: Some(128),
            intermediate_size: Some(intermediate),
            vocab_size: Some(151_936),
            ..Architecture::default()
        }
    }

    fn measurement(index: usize, rate: f64, latency: f64, prompt: f64) -> Measurement {
        Measurement {
            index,
            strategy: Strategy::Constant,
            strategy_inferred: false,
            target_rate_per_s: Some(rate),
            target_concurrency: None,
            rate_per_s: rate,
            latency_s: latency,
            latency_std_s: None,
            latency_percentiles: LatencyPercentiles::default(),
            concurrency: Some(rate * latency),
            ttft_s: None,
            itl_s: None,
            tpot_s: None,
            prompt_tokens: Some(prompt),
            output_tokens: Some(128.0),
            requests_successful: None,
            requests_errored: None,
            requests_incomplete: None,
            acceptance: None,
        }
    }

    /// Builds a system whose points follow the closed form exactly under weights `theta` of
    /// the default terms.
    fn exact_system(name: &str, verifier: Architecture, prompt: f64, theta: &[f64]) -> SystemInput {
        let terms = TermSet::default();
        let shape = Shape {
            verifier: Some(&verifier),
            drafter: None,
            prompt_tokens: prompt,
            output_tokens: 128.0,
        };
        let params: Vec<(usize, Term)> = terms
            .0
            .iter()
            .enumerate()
            .flat_map(|(j, list)| list.iter().map(move |t| (j, *t)))
            .collect();
        let c = coefficients_for(&params, theta, &shape, Basis::Architecture);
        let coefficients = crate::model::StageCoefficients::new(c).unwrap();
        let mut series = Vec::new();
        for (k, alpha) in [(0, 1.0), (1, 0.6), (3, 0.8), (5, 0.7)] {
            let spec = SpecConfig::new(k, alpha).unwrap();
            let costs = coefficients.costs(spec, 128.0).unwrap();
            let measurements = [0.05, 0.25, 0.45, 0.6]
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    let rate = u / costs.c2_s;
                    let latency = costs.c1_s / (1.0 - u);
                    measurement(i, rate, latency, prompt)
                })
                .collect();
            series.push(Series {
                label: format!("k{k}"),
                spec,
                label_source: LabelSource::BuiltIn,
                alpha_source: Default::default(),
                system: Some(name.to_string()),
                file: format!("generated/{name}/k{k}").into(),
                format: SourceFormat::BuiltIn,
                measurements,
            });
        }
        SystemInput {
            name: name.to_string(),
            verifier: Some(verifier),
            drafter: None,
            prompt_tokens: None,
            output_tokens: None,
            series,
        }
    }

    /// Weights of the default terms, in their order: c1_prefill (prefill_work, constant),
    /// c1_verify (weights, layers), c1_draft (constant), c2_prefill (prefill_work, layers),
    /// c2_verify (constant, kv_read), c2_draft (constant).
    const THETA: [f64; 10] = [
        0.002, 0.04, 0.0011, 0.00016, 0.0015, 0.0054, 3.5e-5, 2e-5, 0.0021, 3.7e-5,
    ];

    fn three_sizes() -> Vec<SystemInput> {
        vec![
            exact_system("small", architecture(1024, 28, 16, 3072), 512.0, &THETA),
            exact_system("middle", architecture(4096, 36, 32, 12288), 512.0, &THETA),
            exact_system("large", architecture(5120, 64, 64, 25600), 1024.0, &THETA),
        ]
    }

    #[test]
    fn recovers_exact_weights_from_three_systems() {
        let model = fit_systems(
            &three_sizes(),
            &TermSet::default(),
            &FitOptions::default(),
            false,
        )
        .unwrap();
        assert_eq!(model.weights.len(), THETA.len());
        for (w, expected) in model.weights.iter().zip(THETA) {
            let error = (w.value - expected).abs() / expected;
            assert!(
                error < 1e-4,
                "{} {:?}: {} against {expected}",
                w.coefficient,
                w.term,
                w.value
            );
        }
        assert!(model.mape_percent.unwrap() < 1e-6);
    }

    #[test]
    fn held_out_exact_system_is_predicted_exactly() {
        let model = fit_systems(
            &three_sizes(),
            &TermSet::default(),
            &FitOptions::default(),
            true,
        )
        .unwrap();
        let held = model.leave_one_system_out.unwrap();
        let middle = held.iter().find(|h| h.name == "middle").unwrap();
        // With two systems left, each coefficient keeps at most two terms, which is all the
        // default terms need; the middle size is then predicted exactly.
        assert!(middle.mape_percent.unwrap() < 1e-4, "{middle:?}");
        assert_eq!(middle.extrapolation, 0.0);
        let large = held.iter().find(|h| h.name == "large").unwrap();
        assert!(large.extrapolation > 0.9, "{large:?}");
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let point = ScaledPoint {
            system: 0,
            rate_per_s: 3.0,
            latency_s: 1.4,
            closed_loop_concurrency: None,
            a: vec![1.0, 40.0, 0.0, 0.0],
            b: vec![0.0, 0.0, 1.0, 40.0],
        };
        let theta = [0.07, 0.014, 0.035, 2.0e-4];
        let mut gradient = [0.0; 4];
        point.residual_into(&theta, 0.5, &mut gradient).unwrap();
        for m in 0..4 {
            let step = theta[m] * 1e-6;
            let mut up = theta;
            up[m] += step;
            let mut down = theta;
            down[m] -= step;
            let mut scratch = [0.0; 4];
            let numeric = (point.residual_into(&up, 0.5, &mut scratch).unwrap()
                - point.residual_into(&down, 0.5, &mut scratch).unwrap())
                / (2.0 * step);
            assert!((gradient[m] - numeric).abs() < 1e-5 * numeric.abs().max(1e-9));
        }
    }

    #[test]
    fn extrapolation_counts_doublings() {
        let reference = vec![
            vec![(Term::Weights, 1.0), (Term::Constant, 1.0)],
            vec![(Term::Weights, 8.0), (Term::Constant, 1.0)],
        ];
        assert_eq!(
            extrapolation_distance(&[(Term::Weights, 4.0)], &reference),
            0.0
        );
        assert!((extrapolation_distance(&[(Term::Weights, 32.0)], &reference) - 2.0).abs() < 1e-12);
        assert!((extrapolation_distance(&[(Term::Weights, 0.5)], &reference) - 1.0).abs() < 1e-12);
        // Within 1% of the range is noise in a measured mean, not extrapolation.
        assert_eq!(
            extrapolation_distance(&[(Term::Weights, 8.05)], &reference),
            0.0
        );
    }

    #[test]
    fn mixing_described_and_undescribed_systems_is_refused() {
        let mut systems = three_sizes();
        systems[1].verifier = None;
        let error =
            fit_systems(&systems, &TermSet::default(), &FitOptions::default(), false).unwrap_err();
        assert!(matches!(error, ScalingError::MixedBasis { .. }), "{error}");
        assert!(error.to_string().contains("middle"));
    }
}
