//! The fit report: the fitted model, its accuracy and its provenance, in one serialisable
//! document. `speclat fit --json` prints it and `--save` writes it; `speclat predict` reads it
//! back, so the report is also the saved-model format.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::accuracy::{self, Accuracy, PointResidual, ResidualAnalysis};
use super::identify::Identifiability;
use super::percentile::PercentileModel;
use super::problem::FitPoint;
use super::select::{Exclusion, Selection};
use super::solver::StopReason;
use super::uncertainty::{CoefficientEstimate, IntervalMethod};
use super::{FitOptions, Fitted};
use crate::ingest::{AlphaSource, Series};
use crate::model::acceptance_profile::{
    AcceptanceDrift, DEFAULT_DRIFT_THRESHOLD, acceptance_drift,
};
use crate::model::{LoadCosts, ModelError, SpecConfig, StageCoefficients};

/// Version of the JSON layout of [`FitReport`]; raised on any incompatible change.
pub const FIT_SCHEMA_VERSION: u32 = 1;

/// Solver work and stop reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolverSummary {
    pub stop_reason: StopReason,
    /// `stop_reason` in words.
    pub stop_message: String,
    pub iterations: usize,
    pub residual_evaluations: usize,
    pub jacobian_evaluations: usize,
    /// Final robust cost, half the weighted sum of squared residuals.
    pub cost: f64,
    /// Headroom exponent of the residual weights.
    pub headroom_exponent: f64,
    /// Huber threshold on the weighted relative residual.
    pub huber_delta: f64,
    /// Points whose robust weight fell below 1.
    pub downweighted_points: usize,
    /// Coefficients of the linearised non-negative start, seconds.
    pub start: Vec<f64>,
}

/// The fitted model of one system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedModel {
    pub identifiability: Identifiability,
    /// The six stage coefficients, seconds; `None` for a per-series (reduced) fit.
    pub coefficients: Option<StageCoefficients>,
    /// Each coefficient with its standard error and 95% interval.
    pub coefficient_intervals: Vec<CoefficientEstimate>,
    pub interval_method: IntervalMethod,
    /// Mean output tokens per request over the fitted points.
    pub output_tokens_mean: f64,
}

/// One series of the fit: its configuration, its costs, and how well it is predicted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesFit {
    pub label: String,
    pub file: String,
    pub k: u32,
    pub alpha: f64,
    /// Whether `alpha` was given or solved from the measured acceptance length.
    #[serde(default)]
    pub alpha_source: AlphaSource,
    /// Spread of the measured acceptance length over the used points, where the file has
    /// acceptance counters.
    #[serde(default)]
    pub acceptance_drift: Option<AcceptanceDrift>,
    /// Expected tokens per verification, `E(alpha, k)`.
    pub expected_tokens: f64,
    /// Mean output tokens per request over the used points.
    pub output_tokens_mean: f64,
    pub points_used: usize,
    pub points_total: usize,
    /// Load-independent latency, seconds.
    pub c1_s: f64,
    /// Latency added per request in flight, seconds.
    pub c2_s: f64,
    /// `1 / C2`, requests per second; `None` when C2 is 0.
    pub saturation_rate_per_s: Option<f64>,
    /// Highest measured rate among the used points, requests per second.
    pub max_used_rate_per_s: f64,
    /// In-sample errors of the series, percent; infinite (`null` in JSON) when the fit puts one
    /// of its points past saturation.
    #[serde(deserialize_with = "super::accuracy::infinite_if_null")]
    pub mape_percent: f64,
    #[serde(deserialize_with = "super::accuracy::infinite_if_null")]
    pub max_ape_percent: f64,
    pub loso_mape_percent: Option<f64>,
    /// Every used point of the series.
    pub points: Vec<PointResidual>,
}

/// Points counted by the fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointCounts {
    /// Points fitted.
    pub used: usize,
    /// Points read.
    pub total: usize,
    /// Every point left out, with its reason.
    pub excluded: Vec<Exclusion>,
}

/// Everything `speclat fit` reports; also the saved-model format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    pub schema_version: u32,
    /// Version of speclat that wrote the report.
    pub speclat_version: String,
    pub model: FittedModel,
    /// The six coefficients by name, seconds; `None` for a reduced fit. Same values as
    /// `model.coefficients`, repeated at top level for scripts.
    pub coefficients: Option<StageCoefficients>,
    pub solver: SolverSummary,
    pub accuracy: Accuracy,
    pub points: PointCounts,
    pub series: Vec<SeriesFit>,
    pub residuals: ResidualAnalysis,
    /// The closed form fitted to each latency percentile that every fitted point records;
    /// empirical, see [`super::percentile`].
    #[serde(default)]
    pub percentile_models: Vec<PercentileModel>,
    /// Non-fatal findings, each with its remedy.
    pub warnings: Vec<String>,
}

/// Largest saved model speclat reads. A report of a few hundred series is well under 10 MiB,
/// so a larger file is almost certainly not a model.
pub const MAX_MODEL_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// A problem with a saved model file: the file, what is wrong, and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("{path}: cannot read the model: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{path}: the model file is {size} bytes, more than the limit of {MAX_MODEL_FILE_BYTES}\n\nhint: pass the file written by `speclat fit --save`",
        path = path.display()
    )]
    TooLarge { path: PathBuf, size: u64 },

    #[error(
        "{path}: invalid model file at line {line}, column {column}: {message}\n\nhint: pass a file written by `speclat fit --save`",
        path = path.display()
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "{path}: model schema version {found} is not supported (expected {FIT_SCHEMA_VERSION})\n\nhint: refit with this version of speclat",
        path = path.display()
    )]
    SchemaVersion { path: PathBuf, found: u32 },

    #[error(
        "{path}: {location}: {source}\n\nhint: the file was edited or corrupted; refit with `speclat fit --save`",
        path = path.display()
    )]
    InvalidValue {
        path: PathBuf,
        location: String,
        #[source]
        source: ModelError,
    },
}

impl FitReport {
    /// Reads and checks a model saved by `speclat fit --save`; see [`FitReport::from_json_bytes`].
    pub fn load(path: &Path) -> Result<Self, ModelFileError> {
        let bytes = Self::read_model_bytes(path)?;
        Self::from_json_bytes(path, &bytes)
    }

    /// Reads a saved model file of either kind, refusing one over [`MAX_MODEL_FILE_BYTES`].
    pub fn read_model_bytes(path: &Path) -> Result<Vec<u8>, ModelFileError> {
        let read_error = |source| ModelFileError::Read {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_error)?.len();
        if size > MAX_MODEL_FILE_BYTES {
            return Err(ModelFileError::TooLarge {
                path: path.to_path_buf(),
                size,
            });
        }
        std::fs::read(path).map_err(read_error)
    }

    /// Parses a saved model and checks every value that `speclat predict` computes with.
    ///
    /// `path` appears only in error messages. Beyond the JSON layout, the checks cover the schema
    /// version, the stage coefficients (finite, non-negative) and the mean output length (finite,
    /// above 0). They also cover `k`, `alpha`, C1 and C2 of each series, so that a hand-edited
    /// file fails here with its location instead of giving a wrong prediction.
    pub fn from_json_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ModelFileError> {
        let report: FitReport =
            serde_json::from_slice(bytes).map_err(|e| ModelFileError::Syntax {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column().max(1),
                message: crate::ingest::checks::json_error_message(&e),
            })?;
        if report.schema_version != FIT_SCHEMA_VERSION {
            return Err(ModelFileError::SchemaVersion {
                path: path.to_path_buf(),
                found: report.schema_version,
            });
        }
        report.validate(path)?;
        Ok(report)
    }

    fn validate(&self, path: &Path) -> Result<(), ModelFileError> {
        let invalid = |location: &str, source| ModelFileError::InvalidValue {
            path: path.to_path_buf(),
            location: location.to_string(),
            source,
        };

        for (location, coefficients) in [
            ("model.coefficients", &self.model.coefficients),
            ("coefficients", &self.coefficients),
        ] {
            if let Some(c) = coefficients {
                c.validate().map_err(|e| invalid(location, e))?;
            }
        }
        let g = self.model.output_tokens_mean;
        if !(g.is_finite() && g > 0.0) {
            return Err(invalid(
                "model.output_tokens_mean",
                ModelError::InvalidOutputTokens { value: g },
            ));
        }

        for (i, s) in self.series.iter().enumerate() {
            let location = |field: &str| format!("series[{i}].{field}");
            SpecConfig::new(s.k, s.alpha).map_err(|e| invalid(&location("k/alpha"), e))?;
            for (name, value) in [("c1_s", s.c1_s), ("c2_s", s.c2_s)] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(invalid(
                        &location(name),
                        ModelError::InvalidCoefficient { name, value },
                    ));
                }
            }
            let g = s.output_tokens_mean;
            if !(g.is_finite() && g > 0.0) {
                return Err(invalid(
                    &location("output_tokens_mean"),
                    ModelError::InvalidOutputTokens { value: g },
                ));
            }
        }
        Ok(())
    }

    /// The percentile model for `percentile`, where the fitted files recorded it.
    pub fn percentile_model(&self, percentile: super::Percentile) -> Option<&PercentileModel> {
        self.percentile_models
            .iter()
            .find(|m| m.percentile == percentile)
    }

    /// C1 and C2 for a configuration: from the stage coefficients, or, for a reduced fit,
    /// from the measured series with the same `k` and `alpha`.
    pub fn costs(&self, spec: SpecConfig, output_tokens: f64) -> Option<LoadCosts> {
        if let Some(coefficients) = &self.model.coefficients {
            return coefficients.costs(spec, output_tokens).ok();
        }
        self.series
            .iter()
            .find(|s| s.k == spec.k() && (s.alpha - spec.alpha()).abs() < 1e-9)
            .map(|s| LoadCosts::from_totals(s.c1_s, s.c2_s, spec))
    }
}

pub(crate) fn assemble(
    series: &[Series],
    selection: Selection,
    points: Vec<FitPoint>,
    identifiability: Identifiability,
    fitted: Fitted,
    options: &FitOptions,
) -> FitReport {
    let gamma = options.solver.gamma;

    // Per-point predictions: shared coefficients, or each series' own C1 and C2.
    let point_coefficients = |p: &FitPoint| -> [f64; 6] {
        match &fitted {
            Fitted::Stages(solution) => solution.outcome.coefficients,
            Fitted::Reduced(fits) => {
                let ((c1, c2), _) = fits[p.series];
                [c1, 0.0, 0.0, c2, 0.0, 0.0]
            }
        }
    };
    let point_x = |p: &FitPoint| -> FitPoint {
        match &fitted {
            Fitted::Stages(_) => *p,
            Fitted::Reduced(_) => FitPoint {
                x: [1.0, 0.0, 0.0],
                ..*p
            },
        }
    };
    let loso = match &fitted {
        Fitted::Stages(solution) => solution.loso_errors_percent.clone(),
        Fitted::Reduced(_) => None,
    };
    let weights: Vec<f64> = match &fitted {
        Fitted::Stages(solution) => solution.outcome.weights.clone(),
        Fitted::Reduced(fits) => {
            let mut next = vec![0usize; fits.len()];
            points
                .iter()
                .map(|p| {
                    let w = fits[p.series]
                        .1
                        .weights
                        .get(next[p.series])
                        .copied()
                        .unwrap_or(1.0);
                    next[p.series] += 1;
                    w
                })
                .collect()
        }
    };

    let mut residuals = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        let one = &series[p.series];
        let m = &one.measurements[p.measurement];
        let rank = selection.used[p.series]
            .iter()
            .filter(|&&j| one.measurements[j].rate_per_s > m.rate_per_s)
            .count()
            + 1;
        let c = point_coefficients(p);
        let q = point_x(p);
        let predicted = q.predict(&c);
        residuals.push(PointResidual {
            series: one.label.clone(),
            k: one.spec.k(),
            alpha: one.spec.alpha(),
            index: m.index,
            rate_rank_from_top: rank,
            rate_per_s: m.rate_per_s,
            latency_s: m.latency_s,
            predicted_latency_s: predicted,
            error_percent: predicted.map(|l| (l / m.latency_s - 1.0) * 100.0),
            loso_error_percent: loso.as_ref().and_then(|e| e[i]),
            weight: weights.get(i).copied().unwrap_or(1.0),
        });
    }
    let accuracy = accuracy::summarise(&residuals, loso.is_some());
    let analysis = accuracy::analyse(&residuals);

    let series_fits = series_summaries(series, &selection, &points, &residuals, &fitted);
    let (model, solver) = model_and_solver(&fitted, &identifiability, &points, gamma, options);
    let mut warnings = collect_warnings(&selection, &points, &model, &solver);
    warnings.extend(acceptance_warnings(&series_fits));
    FitReport {
        schema_version: FIT_SCHEMA_VERSION,
        speclat_version: env!("CARGO_PKG_VERSION").to_string(),
        coefficients: model.coefficients,
        model,
        solver,
        accuracy,
        points: PointCounts {
            used: points.len(),
            total: series.iter().map(|s| s.measurements.len()).sum(),
            excluded: selection.excluded,
        },
        series: series_fits,
        residuals: analysis,
        percentile_models: Vec::new(),
        warnings,
    }
}

fn series_summaries(
    series: &[Series],
    selection: &Selection,
    points: &[FitPoint],
    residuals: &[PointResidual],
    fitted: &Fitted,
) -> Vec<SeriesFit> {
    series
        .iter()
        .enumerate()
        .map(|(s, one)| {
            let own: Vec<usize> = (0..points.len())
                .filter(|&i| points[i].series == s)
                .collect();
            let output_tokens_mean =
                own.iter().map(|&i| points[i].output_tokens).sum::<f64>() / own.len().max(1) as f64;
            let (c1_s, c2_s) = match fitted {
                Fitted::Stages(solution) => {
                    let c = StageCoefficients::from_array_unchecked(solution.outcome.coefficients);
                    let costs = c.costs_unchecked(one.spec, output_tokens_mean);
                    (costs.c1_s, costs.c2_s)
                }
                Fitted::Reduced(fits) => fits[s].0,
            };
            let errors: Vec<f64> = own
                .iter()
                .map(|&i| residuals[i].error_percent.map_or(f64::INFINITY, f64::abs))
                .collect();
            let loso: Option<Vec<f64>> = own
                .iter()
                .map(|&i| residuals[i].loso_error_percent.map(f64::abs))
                .collect();
            let n = errors.len().max(1) as f64;
            let lengths: Vec<f64> = selection.used[s]
                .iter()
                .filter_map(|&i| one.measurements[i].acceptance.as_ref())
                .filter_map(|c| c.length())
                .collect();
            // The parsers check each length, so an error here can only come from a file
            // that slipped past them; no drift figure is better than a failed fit.
            let drift = acceptance_drift(&lengths, DEFAULT_DRIFT_THRESHOLD)
                .ok()
                .flatten();
            SeriesFit {
                label: one.label.clone(),
                file: one.file.display().to_string(),
                k: one.spec.k(),
                alpha: one.spec.alpha(),
                alpha_source: one.alpha_source,
                acceptance_drift: drift,
                expected_tokens: one.spec.expected_tokens(),
                output_tokens_mean,
                points_used: selection.used[s].len(),
                points_total: one.measurements.len(),
                c1_s,
                c2_s,
                saturation_rate_per_s: (c2_s > 0.0).then(|| 1.0 / c2_s),
                max_used_rate_per_s: own
                    .iter()
                    .map(|&i| points[i].rate_per_s)
                    .fold(0.0, f64::max),
                mape_percent: errors.iter().sum::<f64>() / n,
                max_ape_percent: errors.iter().copied().fold(0.0, f64::max),
                loso_mape_percent: loso
                    .filter(|v| !v.is_empty())
                    .map(|v| v.iter().sum::<f64>() / v.len() as f64),
                points: own.iter().map(|&i| residuals[i].clone()).collect(),
            }
        })
        .collect()
}

fn model_and_solver(
    fitted: &Fitted,
    identifiability: &Identifiability,
    points: &[FitPoint],
    gamma: f64,
    options: &FitOptions,
) -> (FittedModel, SolverSummary) {
    let g_mean = points.iter().map(|p| p.output_tokens).sum::<f64>() / points.len().max(1) as f64;
    match fitted {
        Fitted::Stages(solution) => {
            let outcome = &solution.outcome;
            let model = FittedModel {
                identifiability: identifiability.clone(),
                coefficients: Some(StageCoefficients::from_array_unchecked(
                    outcome.coefficients,
                )),
                coefficient_intervals: solution.estimates.clone(),
                interval_method: solution.interval_method,
                output_tokens_mean: g_mean,
            };
            let solver = SolverSummary {
                stop_reason: outcome.stop_reason,
                stop_message: outcome.stop_reason.describe().to_string(),
                iterations: outcome.iterations,
                residual_evaluations: outcome.residual_evaluations,
                jacobian_evaluations: outcome.jacobian_evaluations,
                cost: outcome.cost,
                headroom_exponent: gamma,
                huber_delta: options.solver.huber_delta,
                downweighted_points: outcome.weights.iter().filter(|w| **w < 1.0).count(),
                start: solution.start.to_vec(),
            };
            (model, solver)
        }
        Fitted::Reduced(fits) => {
            let worst = fits
                .iter()
                .map(|(_, o)| o.stop_reason)
                .find(|r| !matches!(r, StopReason::Converged | StopReason::GradientVanished))
                .unwrap_or(StopReason::Converged);
            let model = FittedModel {
                identifiability: identifiability.clone(),
                coefficients: None,
                coefficient_intervals: Vec::new(),
                interval_method: IntervalMethod::Asymptotic,
                output_tokens_mean: g_mean,
            };
            let solver = SolverSummary {
                stop_reason: worst,
                stop_message: worst.describe().to_string(),
                iterations: fits.iter().map(|(_, o)| o.iterations).sum(),
                residual_evaluations: fits.iter().map(|(_, o)| o.residual_evaluations).sum(),
                jacobian_evaluations: fits.iter().map(|(_, o)| o.jacobian_evaluations).sum(),
                cost: fits.iter().map(|(_, o)| o.cost).sum(),
                headroom_exponent: gamma,
                huber_delta: options.solver.huber_delta,
                downweighted_points: fits
                    .iter()
                    .map(|(_, o)| o.weights.iter().filter(|w| **w < 1.0).count())
                    .sum(),
                start: Vec::new(),
            };
            (model, solver)
        }
    }
}

/// Warnings on measured acceptance: where `alpha` was solved from counters, and where the
/// acceptance length drifts with load.
fn acceptance_warnings(series: &[SeriesFit]) -> Vec<String> {
    let mut warnings = Vec::new();
    for s in series {
        if let AlphaSource::MeasuredAcceptanceLength { acceptance_length } = s.alpha_source {
            warnings.push(format!(
                "series {}: alpha = {:.4} was solved from the measured mean acceptance length {acceptance_length:.3} at k = {}; it is an effective value that reproduces that length, not a per-token probability the drafter was measured to have",
                s.label, s.alpha, s.k
            ));
        }
        if let Some(drift) = &s.acceptance_drift
            && drift.exceeds_threshold
        {
            warnings.push(format!(
                "series {}: the measured acceptance length drifts with load from {:.3} to {:.3} ({:.1}% of its mean, above {:.0}%); one alpha per series misdescribes it and the fitted costs absorb the drift. Split the sweep by load or fit the low-load points only (--max-concurrency)",
                s.label,
                drift.min,
                drift.max,
                drift.relative_spread * 100.0,
                drift.threshold * 100.0
            ));
        }
    }
    warnings
}

fn collect_warnings(
    selection: &Selection,
    points: &[FitPoint],
    model: &FittedModel,
    solver: &SolverSummary,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let excluded = selection.excluded.len();
    if excluded > 0 {
        warnings.push(format!(
            "{excluded} of {} points were left out by the selection rules (listed under excluded points); pass --include-saturated to fit them, or --include SERIES:INDEX for single points",
            excluded + points.len()
        ));
    }
    for estimate in &model.coefficient_intervals {
        if estimate.at_bound {
            warnings.push(format!(
                "{} sits at its lower bound 0: an unconstrained fit would make it negative, which has no physical meaning; the other coefficients absorb that cost. Measure more draft lengths or acceptance rates to pin it down",
                estimate.name
            ));
        }
        if estimate.fixed {
            warnings.push(format!(
                "{} is fixed at 0 because no fitted series drafts tokens; fit speculative-decoding series together with the baseline to estimate it",
                estimate.name
            ));
        }
    }
    if let Identifiability::Reduced {
        not_identifiable,
        reason,
    } = &model.identifiability
    {
        warnings.push(format!(
            "stage coefficients not identifiable ({}): {reason}. C1 and C2 were fitted per series; predictions are limited to the measured configurations",
            not_identifiable.join(", ")
        ));
    }
    if !matches!(
        solver.stop_reason,
        StopReason::Converged | StopReason::GradientVanished
    ) {
        warnings.push(format!(
            "the solver {}; the coefficients may not be the optimum. Check the excluded points and the residual table",
            solver.stop_message
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{FitOptions, fit};

    fn saved_model() -> serde_json::Value {
        let series = crate::example::series("qwen3-8b").unwrap();
        let options = FitOptions {
            cross_validate: false,
            ..FitOptions::default()
        };
        let report = fit(&series, &options, &|| {}).unwrap();
        serde_json::to_value(&report).unwrap()
    }

    fn load(value: &serde_json::Value) -> Result<FitReport, ModelFileError> {
        FitReport::from_json_bytes(Path::new("m.json"), value.to_string().as_bytes())
    }

    #[test]
    fn saved_model_loads_back() {
        let value = saved_model();
        let report = load(&value).unwrap();

        // serde_json may round the last bit of a float on the way back, so compare with a
        // relative tolerance rather than exactly.
        let saved = value["coefficients"]["c2_draft"].as_f64().unwrap();
        let loaded = report.coefficients.unwrap().c2_draft;
        assert!(
            (loaded / saved - 1.0).abs() < 1e-15,
            "{loaded} against {saved}"
        );
        assert_eq!(report.series.len(), 48);
        assert_eq!(report.points.used, 336);
    }

    #[test]
    fn model_checks_name_the_location() {
        type Edit = fn(&mut serde_json::Value);
        let cases: [(&str, Edit, &str); 6] = [
            (
                "schema",
                |v| v["schema_version"] = 99.into(),
                "m.json: model schema version 99 is not supported (expected 1)",
            ),
            (
                "negative coefficient",
                |v| v["model"]["coefficients"]["c2_verify"] = (-1.0).into(),
                "m.json: model.coefficients: invalid coefficient c2_verify = -1",
            ),
            (
                "top-level coefficient",
                |v| v["coefficients"]["c1_draft"] = (-0.5).into(),
                "m.json: coefficients: invalid coefficient c1_draft = -0.5",
            ),
            (
                "output tokens",
                |v| v["model"]["output_tokens_mean"] = 0.0.into(),
                "m.json: model.output_tokens_mean: invalid output length 0",
            ),
            (
                "series alpha",
                |v| v["series"][2]["alpha"] = 1.5.into(),
                "m.json: series[2].k/alpha: invalid acceptance probability alpha = 1.5",
            ),
            (
                "series c2",
                |v| v["series"][0]["c2_s"] = (-0.001).into(),
                "m.json: series[0].c2_s: invalid coefficient c2_s = -0.001",
            ),
        ];
        let original = saved_model();
        for (name, edit, expected) in cases {
            let mut value = original.clone();
            edit(&mut value);
            let message = load(&value).unwrap_err().to_string();
            assert!(message.starts_with(expected), "{name}: {message}");
            assert!(message.contains("\n\nhint: "), "{name}: {message}");
        }
    }

    #[test]
    fn truncated_model_is_a_syntax_error() {
        let error = FitReport::from_json_bytes(Path::new("m.json"), b"{\"schema_version\": 1,")
            .unwrap_err();
        assert!(
            matches!(error, ModelFileError::Syntax { line: 1, .. }),
            "{error}"
        );
    }

    fn series_fit(alpha_source: AlphaSource, lengths: &[f64]) -> SeriesFit {
        SeriesFit {
            label: "mtp".to_string(),
            file: "mtp.csv".to_string(),
            k: 2,
            alpha: 0.7329,
            alpha_source,
            acceptance_drift: acceptance_drift(lengths, DEFAULT_DRIFT_THRESHOLD).unwrap(),
            expected_tokens: 2.27,
            output_tokens_mean: 760.0,
            points_used: lengths.len(),
            points_total: lengths.len(),
            c1_s: 4.2,
            c2_s: 0.08,
            saturation_rate_per_s: Some(12.5),
            max_used_rate_per_s: 6.8,
            mape_percent: 2.8,
            max_ape_percent: 10.1,
            loso_mape_percent: None,
            points: Vec::new(),
        }
    }

    #[test]
    fn drift_above_threshold_warns() {
        // 2.0 to 2.3 around a mean of 2.15 is a 14% spread.
        let drifting = series_fit(AlphaSource::Given, &[2.0, 2.15, 2.3]);
        let warnings = acceptance_warnings(&[drifting]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .contains("drifts with load from 2.000 to 2.300 (14.0% of its mean, above 5%)"),
            "{}",
            warnings[0]
        );

        // The MTP HumanEval sweep: 2.251 to 2.286, a 1.5% spread.
        let flat = series_fit(AlphaSource::Given, &[2.251, 2.270, 2.286]);
        assert!(acceptance_warnings(&[flat]).is_empty());
    }

    #[test]
    fn measured_alpha_is_reported() {
        let measured = series_fit(
            AlphaSource::MeasuredAcceptanceLength {
                acceptance_length: 2.27,
            },
            &[2.27],
        );
        let warnings = acceptance_warnings(&[measured]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains(
                "alpha = 0.7329 was solved from the measured mean acceptance length 2.270 at k = 2"
            ),
            "{}",
            warnings[0]
        );
    }
}
