//! A system that was never measured, described by its architecture and lengths, turned into a
//! model that `predict` and `plan` use like a fitted one, with honest intervals.
//!
//! The intervals of a described system combine two errors:
//!
//! - the statistical error of the joint fit, carried to each stage coefficient through the
//!   descriptors (delta method on the weights' covariance);
//! - the transfer error: how far a system's C1 and C2 were off when the leave-one-system-out
//!   run predicted it from the others ([`ScalingModel::transfer_error`]). It is scaled back to
//!   a system inside the measured range, then grown by `1 + e` for this system's distance `e`
//!   in doublings beyond the fitted systems' descriptors
//!   ([`super::fit::extrapolation_distance`]).
//!
//! The transfer part of the 95% half-width uses Student's t quantile with one degree of freedom
//! per held-out system, because the transfer error is an RMS of that many errors. With the
//! normal quantile, the held-out Qwen3 sizes fell inside their intervals only 87.7% of the time.
//!
//! The growth by one transfer error per doubling is a heuristic, not a law. On the Qwen3 sizes
//! held out one at a time, the C1 error of the two sizes outside the others' range (2.2 and 3.0
//! doublings out) was 3.3 and 5 times the RMS of the two inside it, near `1 + e`; the C2 error
//! of the smallest size grew faster, and the prediction saturated at one of its points.

use serde::Serialize;

use super::architecture::Architecture;
use super::fit::{ScalingModel, descriptor_values, extrapolation_distance};
use super::terms::{Basis, Shape, Term};
use crate::fit::{Accuracy, PointResidual, ResidualAnalysis};
use crate::fit::{
    CoefficientEstimate, FitReport, Identifiability, IntervalMethod, SolverSettings, StopReason,
};
use crate::fit::{FittedModel, PointCounts, SeriesFit, SolverSummary};
use crate::model::{COEFFICIENT_NAMES, LoadCosts, SpecConfig, StageCoefficients};
use crate::report::predict::{LatencyInterval, Load, PredictDocument};

/// Description of the system to predict, as the user gives it.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// The fitted system this query repeats unchanged, if any: its prediction is the joint
    /// fit's description of a measured system.
    pub fitted_system: Option<String>,
    /// The fitted system whose measured configurations (`k`, `alpha`) the description keeps;
    /// `None` keeps those of every fitted system.
    pub configurations_of: Option<String>,
    pub verifier: Option<Architecture>,
    pub drafter: Option<Architecture>,
    /// Mean prompt tokens; default: the mean over the fitted systems.
    pub prompt_tokens: Option<f64>,
    /// Mean output tokens; default: the mean over the fitted systems.
    pub output_tokens: Option<f64>,
}

/// A problem with a description.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DescribeError {
    #[error(
        "this scaling model describes systems by their architecture, and no verifier was described\n\nhint: pass --verifier-config PATH (the verifier's config.json), or --hidden-size and --layers with --verifier-params"
    )]
    NoVerifier,

    #[error(
        "the term {term} of {coefficient} needs {what}, which the description lacks\n\nhint: {hint}"
    )]
    MissingValue {
        term: &'static str,
        coefficient: String,
        what: &'static str,
        hint: &'static str,
    },

    #[error("{value} is not a usable {field}\n\nhint: lengths are positive token counts")]
    InvalidLength { field: &'static str, value: f64 },
}

/// Basis of a prediction for a described system, for the predict and plan documents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DescribedSummary {
    /// The fitted system described unchanged, or `None` for a system that was not measured.
    pub fitted_system: Option<String>,
    /// The fitted system the description started from (`--system`), changed or not.
    pub based_on: Option<String>,
    /// Descriptor values of the described system.
    pub descriptors: Vec<(Term, f64)>,
    pub prompt_tokens: f64,
    pub output_tokens: f64,
    /// Stage coefficients of the described system, seconds.
    pub coefficients: StageCoefficients,
    /// Doublings beyond the fitted systems' descriptors; 0 inside their range.
    pub extrapolation_doublings: f64,
    /// Half-widths of the 95% intervals of C1 and C2 for the configuration asked, percent.
    pub c1_interval_percent: f64,
    pub c2_interval_percent: f64,
    /// Whether the intervals include the measured leave-one-system-out transfer error; without
    /// it they cover the fit's statistical error only.
    pub includes_transfer_error: bool,
    /// Draft lengths and acceptance probabilities measured on the fitted systems, `[min, max]`.
    pub measured_k: [u32; 2],
    pub measured_alpha: Option<[f64; 2]>,
}

/// Relative one-sigma uncertainty of C1 and C2 for one configuration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CostUncertainty {
    pub c1_relative: f64,
    pub c2_relative: f64,
}

/// A described system ready to predict with.
#[derive(Clone, Debug)]
pub struct Described {
    /// The fitted system described unchanged, if any.
    pub fitted_system: Option<String>,
    /// The fitted system the description started from, if any.
    pub based_on: Option<String>,
    /// Descriptor values of the described system.
    pub descriptors: Vec<(Term, f64)>,
    /// A model in the single-system format, built from the described coefficients.
    pub report: FitReport,
    pub coefficients: [f64; 6],
    covariance: [[f64; 6]; 6],
    /// Relative transfer error of C1 and C2 at this system's extrapolation distance.
    pub transfer: Option<[f64; 2]>,
    /// Distance outside the fitted systems' descriptor range (0 inside).
    pub extrapolation: f64,
    pub prompt_tokens: f64,
    pub output_tokens: f64,
    pub z: f64,
}

impl ScalingModel {
    /// Describes a system from `query`; see the module documentation for the intervals.
    pub fn describe(&self, query: &Query) -> Result<Described, DescribeError> {
        if self.basis == Basis::Architecture && query.verifier.is_none() {
            return Err(DescribeError::NoVerifier);
        }
        let mean = |f: &dyn Fn(&super::fit::SystemSummary) -> f64| {
            self.systems.iter().map(f).sum::<f64>() / self.systems.len().max(1) as f64
        };
        let prompt_tokens = query
            .prompt_tokens
            .unwrap_or_else(|| mean(&|s| s.prompt_tokens_mean));
        let output_tokens = query
            .output_tokens
            .unwrap_or_else(|| mean(&|s| s.output_tokens_mean));
        for (field, value) in [
            ("prompt length", prompt_tokens),
            ("output length", output_tokens),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(DescribeError::InvalidLength { field, value });
            }
        }
        let shape = Shape {
            verifier: query.verifier.as_ref(),
            drafter: query.drafter.as_ref(),
            prompt_tokens,
            output_tokens,
        };
        for weight in &self.weights {
            if shape.value(weight.term, self.basis).is_none() {
                return Err(missing(weight.term, &weight.coefficient));
            }
        }

        let (coefficients, covariance) = self.coefficients(&shape);
        let values = descriptor_values(&shape, self.basis);
        let used: Vec<Term> = self.weights.iter().map(|w| w.term).collect();
        let relevant: Vec<(Term, f64)> = values
            .into_iter()
            .filter(|(t, _)| used.contains(t))
            .collect();
        let reference: Vec<Vec<(Term, f64)>> =
            self.systems.iter().map(|s| s.descriptors.clone()).collect();
        let descriptor_distance = extrapolation_distance(&relevant, &reference);
        let (length_distance, length_notes) = self.length_distance(prompt_tokens, output_tokens);
        let extrapolation = descriptor_distance.max(length_distance);
        let transfer = self.transfer_error.map(|[u1, u2]| {
            // Scaled so that Z_95 times it is the t-quantile half-width (see the module
            // documentation).
            let systems = match self.transfer_error_systems {
                0 => self.systems.len(),
                n => n,
            };
            let factor = (1.0 + extrapolation) * super::fit::transfer_quantile_factor(systems);
            [u1 * factor, u2 * factor]
        });

        let mut warnings = Vec::new();
        for (flag, given, of) in [
            (
                "--prompt-tokens",
                query.prompt_tokens.is_some(),
                (|s: &super::fit::SystemSummary| s.prompt_tokens_mean) as fn(&_) -> f64,
            ),
            ("--output-tokens", query.output_tokens.is_some(), |s| {
                s.output_tokens_mean
            }),
        ] {
            let low = self.systems.iter().map(of).fold(f64::INFINITY, f64::min);
            let high = self.systems.iter().map(of).fold(0.0, f64::max);
            if !given && high > 1.05 * low {
                warnings.push(format!(
                    "no {flag} given: the length is the mean over the fitted systems, which ran {} to {}; pass {flag} or --system NAME",
                    crate::report::significant(low, 4),
                    crate::report::significant(high, 4)
                ));
            }
        }
        if let Some(caveat) = query
            .verifier
            .as_ref()
            .and_then(Architecture::estimate_caveat)
        {
            warnings.push(format!(
                "the described verifier's shape is incomplete: {caveat}; pass --verifier-config with its config.json for exact descriptors"
            ));
        }
        warnings.extend(length_notes);
        if descriptor_distance > 0.0 {
            warnings.push(format!(
                "the described system's descriptors lie outside the fitted systems' range ({}), by {descriptor_distance:.1} doublings",
                range_text(&relevant, &reference),
            ));
        }
        if extrapolation > 0.0 {
            let widening = if transfer.is_some() {
                format!(
                    "its transfer error is widened by a factor {:.1}",
                    1.0 + extrapolation
                )
            } else {
                "no transfer error was measured to widen, so the interval understates the risk"
                    .to_string()
            };
            warnings.push(format!(
                "the prediction extrapolates by {extrapolation:.1} doublings beyond the fitted systems (the larger of the descriptor and length distances), and {widening}"
            ));
        }
        for system in &self.systems {
            if let Some(caveat) = system
                .verifier
                .as_ref()
                .and_then(Architecture::estimate_caveat)
            {
                warnings.push(format!(
                    "fitted system {} was described by an incomplete shape ({caveat}), so every prediction from this model carries that estimate",
                    system.name
                ));
            }
        }
        if transfer.is_none() {
            let remedy = if self.systems.len() < 2 {
                "fit two or more systems with --leave-one-system-out to measure it"
            } else {
                "refit with --leave-one-system-out"
            };
            warnings.push(format!(
                "the scaling model has no leave-one-system-out error: the intervals cover the joint fit's statistical error only and are too narrow for an unmeasured system; {remedy}"
            ));
        }
        let fitted_moe = self
            .systems
            .iter()
            .any(|s| s.verifier.as_ref().is_some_and(Architecture::is_moe));
        if query.verifier.as_ref().is_some_and(Architecture::is_moe) && !fitted_moe {
            warnings.push(
                "the described verifier is a mixture of experts and every fitted system is dense: `weights` counts the experts one token uses, but a busy batch touches more of them, which the fitted load terms never saw".to_string(),
            );
        }
        // Held-out failures matter for a description as far from the others as they were.
        if let Some(held) = self
            .leave_one_system_out
            .as_ref()
            .filter(|_| descriptor_distance >= 1.0)
        {
            let failed: Vec<&str> = held
                .iter()
                .filter(|h| h.saturated_points > 0)
                .map(|h| h.name.as_str())
                .collect();
            if !failed.is_empty() {
                warnings.push(format!(
                    "when held out, {} could not be predicted from the other systems (the prediction saturated below its measured rates): extrapolated predictions can fail the same way",
                    failed.join(", ")
                ));
            }
        }

        let report = self.as_report(
            coefficients,
            &covariance,
            output_tokens,
            warnings,
            query.configurations_of.as_deref(),
        );
        Ok(Described {
            fitted_system: query.fitted_system.clone(),
            based_on: query.configurations_of.clone(),
            descriptors: descriptor_values(&shape, self.basis),
            report,
            coefficients,
            covariance,
            transfer,
            extrapolation,
            prompt_tokens,
            output_tokens,
            z: self.z(),
        })
    }

    /// Measures how far the requested lengths lie outside the fitted systems' mean prompt and
    /// output lengths, in doublings, with one note per length outside. The size descriptors
    /// can hide a length change: across model sizes `kv_read` varies with the KV width, so a
    /// prompt twice as long as any measured one can still fall inside its range.
    fn length_distance(&self, prompt_tokens: f64, output_tokens: f64) -> (f64, Vec<String>) {
        let mut worst: f64 = 0.0;
        let mut notes = Vec::new();
        let prompts: Vec<f64> = self.systems.iter().map(|s| s.prompt_tokens_mean).collect();
        let outputs: Vec<f64> = self.systems.iter().map(|s| s.output_tokens_mean).collect();
        for (name, value, fitted) in [
            ("prompt", prompt_tokens, prompts),
            ("output", output_tokens, outputs),
        ] {
            let Some((outside, low, high)) = super::fit::length_outside(value, &fitted) else {
                continue;
            };
            worst = worst.max(outside);
            let basis = if high / low < 1.05 {
                format!(
                    "every fitted system ran one {name} length, so its effect rests on the terms' physics, not on measurements"
                )
            } else {
                "the length terms extrapolate".to_string()
            };
            notes.push(format!(
                "{} {name} tokens lies outside the fitted systems' {} to {}: {basis}",
                crate::report::significant(value, 4),
                crate::report::significant(low, 4),
                crate::report::significant(high, 4),
            ));
        }
        (worst, notes)
    }

    fn as_report(
        &self,
        c: [f64; 6],
        covariance: &[[f64; 6]; 6],
        output_tokens: f64,
        warnings: Vec<String>,
        fitted_system: Option<&str>,
    ) -> FitReport {
        let coefficients = StageCoefficients::new(c).ok();
        let intervals = (0..6)
            .map(|j| {
                let se = covariance[j][j].max(0.0).sqrt();
                CoefficientEstimate {
                    name: COEFFICIENT_NAMES[j].to_string(),
                    value: c[j],
                    standard_error: Some(se),
                    lower: (c[j] - self.z() * se).max(0.0),
                    upper: c[j] + self.z() * se,
                    at_bound: false,
                    fixed: false,
                }
            })
            .collect();
        let series = self.carried_series(coefficients, output_tokens, fitted_system);
        let accuracy = Accuracy {
            points: self.points,
            mape_percent: self.mape_percent.unwrap_or(f64::INFINITY),
            max_ape_percent: self.max_ape_percent.unwrap_or(f64::INFINITY),
            r2: None,
            loso_mape_percent: None,
            loso_max_ape_percent: None,
        };
        let solver = SolverSettings::default();

        FitReport {
            schema_version: crate::fit::FIT_SCHEMA_VERSION,
            speclat_version: self.speclat_version.clone(),
            model: FittedModel {
                identifiability: Identifiability::Full,
                coefficients,
                coefficient_intervals: intervals,
                interval_method: IntervalMethod::Asymptotic,
                output_tokens_mean: output_tokens,
            },
            coefficients,
            solver: SolverSummary {
                stop_reason: StopReason::Converged,
                stop_message: "described from a scaling model".to_string(),
                iterations: 0,
                residual_evaluations: 0,
                jacobian_evaluations: 0,
                cost: 0.0,
                headroom_exponent: solver.gamma,
                huber_delta: solver.huber_delta,
                downweighted_points: 0,
                start: c.to_vec(),
            },
            accuracy,
            points: PointCounts {
                used: 0,
                total: 0,
                excluded: Vec::new(),
            },
            series,
            residuals: ResidualAnalysis {
                by_rate_rank: Vec::new(),
                by_k: Vec::new(),
                by_alpha: Vec::new(),
                largest: Vec::new(),
                summary: "a described system has no measured points".to_string(),
            },
            percentile_models: Vec::new(),
            warnings,
        }
    }

    /// Carries the fitted configurations (`k`, `alpha`) over to the described system, with the
    /// load range the fitted systems covered.
    fn carried_series(
        &self,
        coefficients: Option<StageCoefficients>,
        output_tokens: f64,
        fitted_system: Option<&str>,
    ) -> Vec<SeriesFit> {
        let max_utilisation = self
            .systems
            .iter()
            .map(|s| s.max_utilisation)
            .fold(0.0, f64::max);
        // Closed-loop systems bound the load by the concurrency they ran.
        let max_concurrency = self
            .systems
            .iter()
            .filter_map(|s| s.max_concurrency)
            .reduce(f64::max);

        // A named system keeps its own configurations, so that a plan can use its measured
        // acceptance; otherwise every fitted configuration is carried over.
        let mut configurations: Vec<(u32, f64)> = self
            .systems
            .iter()
            .filter(|s| fitted_system.is_none_or(|name| s.name == name))
            .flat_map(|s| s.configurations.iter().copied())
            .collect();
        configurations.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        configurations.dedup_by(|a, b| a.0 == b.0 && (a.1 - b.1).abs() < 1e-9);

        configurations
            .into_iter()
            .filter_map(|(k, alpha)| {
                let spec = SpecConfig::new(k, alpha).ok()?;
                let costs = coefficients?.costs(spec, output_tokens).ok()?;
                Some(described_series(
                    spec,
                    costs,
                    output_tokens,
                    max_utilisation,
                    max_concurrency,
                ))
            })
            .collect()
    }
}

/// Carries a configuration measured on the fitted systems to the described one, so that
/// coverage checks and default load grids work as for a measured model.
fn described_series(
    spec: SpecConfig,
    costs: LoadCosts,
    output_tokens: f64,
    max_utilisation: f64,
    max_concurrency: Option<f64>,
) -> SeriesFit {
    let c2 = costs.c2_s;
    let max_used_rate = match max_concurrency {
        // The rate at which the described system keeps that many requests in flight.
        Some(n) => n / (costs.c1_s + n * c2),
        None if c2 > 0.0 => max_utilisation / c2,
        None => 0.0,
    };
    SeriesFit {
        label: format!("k={} alpha={}", spec.k(), spec.alpha()),
        file: "described system".to_string(),
        k: spec.k(),
        alpha: spec.alpha(),
        alpha_source: Default::default(),
        acceptance_drift: None,
        expected_tokens: spec.expected_tokens(),
        output_tokens_mean: output_tokens,
        points_used: 0,
        points_total: 0,
        c1_s: costs.c1_s,
        c2_s: c2,
        saturation_rate_per_s: (c2 > 0.0).then(|| 1.0 / c2),
        max_used_rate_per_s: max_used_rate,
        mape_percent: f64::NAN,
        max_ape_percent: f64::NAN,
        loso_mape_percent: None,
        points: edge_point(spec, costs, max_used_rate),
    }
}

/// Marks the load range the fitted systems covered with one point at the highest utilisation
/// they reached. Its latency is the described prediction there, not a measurement.
fn edge_point(spec: SpecConfig, costs: LoadCosts, rate_per_s: f64) -> Vec<PointResidual> {
    let Ok(point) = costs.at_rate(rate_per_s) else {
        return Vec::new();
    };
    let Some(latency_s) = point.latency_s else {
        return Vec::new();
    };
    vec![PointResidual {
        series: "described".to_string(),
        k: spec.k(),
        alpha: spec.alpha(),
        index: 0,
        rate_rank_from_top: 1,
        rate_per_s,
        latency_s,
        predicted_latency_s: Some(latency_s),
        error_percent: None,
        loso_error_percent: None,
        weight: 1.0,
    }]
}

fn missing(term: Term, coefficient: &str) -> DescribeError {
    let (what, hint) = match term {
        Term::DrafterWeights => (
            "the drafter's size",
            "pass --drafter-config PATH or --drafter-params N",
        ),
        _ => (
            "the verifier's shape",
            "pass --verifier-config PATH, or --hidden-size, --layers and --verifier-params",
        ),
    };
    DescribeError::MissingValue {
        term: term.name(),
        coefficient: coefficient.to_string(),
        what,
        hint,
    }
}

/// `weights 14.8 vs 0.6..32.0` for each descriptor outside its range.
fn range_text(values: &[(Term, f64)], reference: &[Vec<(Term, f64)>]) -> String {
    let mut parts = Vec::new();
    for &(term, value) in values {
        if term == Term::Constant {
            continue;
        }
        let Some((low, high)) = super::fit::descriptor_range(term, reference) else {
            continue;
        };
        // The same tolerance as the extrapolation distance, so the two always agree.
        let tolerance = super::fit::DESCRIPTOR_TOLERANCE;
        if value < low / tolerance || value > high * tolerance {
            parts.push(format!(
                "{} {} against {} to {}",
                term.name(),
                crate::report::significant(value, 3),
                crate::report::significant(low, 3),
                crate::report::significant(high, 3)
            ));
        }
    }
    parts.join("; ")
}

impl Described {
    /// Summarises the described system for `spec`, for documents.
    pub fn summary(&self, spec: SpecConfig) -> DescribedSummary {
        let u = self.uncertainty(spec);
        let series = &self.report.series;
        let speculative = series.iter().filter(|s| s.k > 0);
        DescribedSummary {
            fitted_system: self.fitted_system.clone(),
            based_on: self.based_on.clone(),
            descriptors: self.descriptors.clone(),
            prompt_tokens: self.prompt_tokens,
            output_tokens: self.output_tokens,
            coefficients: StageCoefficients::from_array_unchecked(self.coefficients),
            extrapolation_doublings: self.extrapolation,
            c1_interval_percent: 100.0 * self.z * u.c1_relative,
            c2_interval_percent: 100.0 * self.z * u.c2_relative,
            includes_transfer_error: self.transfer.is_some(),
            measured_k: [
                series.iter().map(|s| s.k).min().unwrap_or(0),
                series.iter().map(|s| s.k).max().unwrap_or(0),
            ],
            measured_alpha: speculative
                .clone()
                .map(|s| s.alpha)
                .reduce(f64::min)
                .zip(speculative.map(|s| s.alpha).reduce(f64::max))
                .map(|(a, b)| [a, b]),
        }
    }

    /// Adds the latency intervals and the summary to a prediction made from [`Self::report`].
    pub fn annotate(&self, document: &mut PredictDocument, spec: SpecConfig, loads: &[Load]) {
        for (prediction, load) in document.predictions.iter_mut().zip(loads) {
            let interval = match *load {
                Load::Rate(rate) => self.latency_interval(spec, Some(rate), None),
                Load::Concurrency(n) => self.latency_interval(spec, None, Some(n)),
            };
            // At a saturated central prediction there is no interval around it to show.
            prediction.latency_interval_95 = interval
                .filter(|_| prediction.latency_s.is_some())
                .map(|(low_s, high_s)| LatencyInterval { low_s, high_s });
        }
        let summary = self.summary(spec);
        let mut warnings = self.report.warnings.clone();
        if summary.c1_interval_percent >= 50.0 || summary.c2_interval_percent >= 50.0 {
            warnings.push(format!(
                "C1 or C2 is uncertain by half its value or more (95%: C1 within {:.0}%, C2 within {:.0}%): the description lies too far from the fitted systems for a useful prediction",
                summary.c1_interval_percent, summary.c2_interval_percent
            ));
        }
        document.described_system = Some(summary);
        warnings.append(&mut document.warnings);
        document.warnings = warnings;
    }

    /// Relative one-sigma uncertainty of C1 and C2 for `spec`: the statistical part from the
    /// covariance and the transfer part, combined in quadrature.
    pub fn uncertainty(&self, spec: SpecConfig) -> CostUncertainty {
        let cycles = self.output_tokens / spec.expected_tokens();
        let x = [1.0, cycles, cycles * f64::from(spec.k())];
        let part = |offset: usize| {
            let mut value = 0.0;
            let mut variance = 0.0;
            for i in 0..3 {
                value += x[i] * self.coefficients[i + offset];
                for k in 0..3 {
                    variance += x[i] * self.covariance[i + offset][k + offset] * x[k];
                }
            }
            if value > 0.0 {
                variance.max(0.0).sqrt() / value
            } else {
                0.0
            }
        };
        let (s1, s2) = (part(0), part(3));
        let (t1, t2) = self.transfer.map_or((0.0, 0.0), |[a, b]| (a, b));
        CostUncertainty {
            c1_relative: s1.hypot(t1),
            c2_relative: s2.hypot(t2),
        }
    }

    /// 95% interval of the mean latency at an open-loop rate or a closed-loop concurrency:
    /// `(low, high)`, with `high = None` when the upper costs reach saturation.
    pub fn latency_interval(
        &self,
        spec: SpecConfig,
        rate_per_s: Option<f64>,
        concurrency: Option<f64>,
    ) -> Option<(f64, Option<f64>)> {
        let costs = StageCoefficients::new(self.coefficients)
            .ok()?
            .costs(spec, self.output_tokens)
            .ok()?;
        if rate_per_s.is_none() && concurrency.is_none() {
            return None;
        }
        let u = self.uncertainty(spec);
        super::fit::latency_bounds(
            (costs.c1_s, costs.c2_s),
            (self.z * u.c1_relative, self.z * u.c2_relative),
            rate_per_s.unwrap_or(0.0),
            concurrency,
        )
    }
}
