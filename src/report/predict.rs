//! Predictions from a fitted model at a list of rates or concurrencies, with the checks that
//! say when a prediction leaves the measured range.

use serde::Serialize;

use crate::fit::FitReport;
use crate::model::{ModelError, OperatingPoint, SpecConfig};

/// Version of the JSON layout of [`PredictDocument`].
pub const PREDICT_SCHEMA_VERSION: u32 = 1;

/// A problem with a prediction request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error(transparent)]
    Model(#[from] ModelError),

    #[error(
        "the model was fitted per series (its stages are not identifiable), and no measured series has k={k}, alpha={alpha}\n\nhint: predict one of the measured configurations: {available}"
    )]
    NotInReducedModel {
        k: u32,
        alpha: f64,
        available: String,
    },
}

/// The prediction at one load, with a flag for saturation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    /// Arrival rate, requests per second.
    pub rate_per_s: f64,
    /// Mean end-to-end latency, seconds; null at or past saturation.
    pub latency_s: Option<f64>,
    /// Mean time to first token, seconds.
    pub ttft_s: Option<f64>,
    /// Mean inter-token latency per output token, seconds.
    pub itl_s: Option<f64>,
    /// Mean requests in flight.
    pub concurrency: Option<f64>,
    /// `rate * C2`; 1 or more means saturated.
    pub utilisation: f64,
    /// Whether the rate is at or past the saturation rate.
    pub saturated: bool,
    /// 95% interval of the mean latency, for a system described rather than measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_interval_95: Option<LatencyInterval>,
}

/// Ends of a latency interval, seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LatencyInterval {
    pub low_s: f64,
    /// `None` (null in JSON) when the upper costs reach saturation at this load: the interval
    /// has no finite upper end.
    pub high_s: Option<f64>,
}

impl From<OperatingPoint> for Prediction {
    fn from(p: OperatingPoint) -> Self {
        Self {
            rate_per_s: p.rate_per_s,
            latency_s: p.latency_s,
            ttft_s: p.ttft_s,
            itl_s: p.itl_s,
            concurrency: p.concurrency,
            utilisation: p.utilisation,
            saturated: p.latency_s.is_none(),
            latency_interval_95: None,
        }
    }
}

/// Everything `speclat predict` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PredictDocument {
    pub schema_version: u32,
    pub k: u32,
    pub alpha: f64,
    /// Expected tokens per verification, `E(alpha, k)`.
    pub expected_tokens: f64,
    /// Mean output tokens per request used for the prediction.
    pub output_tokens: f64,
    /// Load-independent latency, seconds.
    pub c1_s: f64,
    /// Latency added per request in flight, seconds.
    pub c2_s: f64,
    /// `1 / C2`, requests per second; null when C2 is 0.
    pub saturation_rate_per_s: Option<f64>,
    pub predictions: Vec<Prediction>,
    /// The described system, when the model was fitted across systems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub described_system: Option<crate::scaling::describe::DescribedSummary>,
    /// Where the request leaves the measured data, each with what it means.
    pub warnings: Vec<String>,
}

/// Load given to a prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// Open-loop arrival rate, requests per second.
    Rate(f64),
    /// Closed-loop requests in flight.
    Concurrency(f64),
}

/// Predicts latency for `spec` at each load, warning where the model extrapolates.
pub fn predict(
    model: &FitReport,
    spec: SpecConfig,
    output_tokens: Option<f64>,
    loads: &[Load],
) -> Result<PredictDocument, PredictError> {
    let output_tokens = output_tokens.unwrap_or(model.model.output_tokens_mean);
    // Checked first: `FitReport::costs` returns None for an invalid length, which would read
    // as a configuration missing from a per-series model.
    if !(output_tokens.is_finite() && output_tokens > 0.0) {
        return Err(ModelError::InvalidOutputTokens {
            value: output_tokens,
        }
        .into());
    }
    let costs = model.costs(spec, output_tokens).ok_or_else(|| {
        let available = model
            .series
            .iter()
            .map(|s| format!("--k {} --alpha {}", s.k, s.alpha))
            .collect::<Vec<_>>()
            .join(", ");
        PredictError::NotInReducedModel {
            k: spec.k(),
            alpha: spec.alpha(),
            available,
        }
    })?;
    let costs = match model.model.coefficients {
        Some(c) => c.costs(spec, output_tokens)?,
        None => costs,
    };

    let mut predictions = Vec::with_capacity(loads.len());
    for load in loads {
        let point = match *load {
            Load::Rate(rate) => costs.at_rate(rate)?,
            Load::Concurrency(n) => costs.at_concurrency(n)?,
        };
        predictions.push(Prediction::from(point));
    }
    let warnings = extrapolation_warnings(model, spec, output_tokens, &predictions);
    Ok(PredictDocument {
        schema_version: PREDICT_SCHEMA_VERSION,
        k: spec.k(),
        alpha: spec.alpha(),
        expected_tokens: spec.expected_tokens(),
        output_tokens,
        c1_s: costs.c1_s,
        c2_s: costs.c2_s,
        saturation_rate_per_s: (costs.c2_s > 0.0).then(|| 1.0 / costs.c2_s),
        predictions,
        described_system: None,
        warnings,
    })
}

/// Compares a request with the ranges the model was fitted on.
fn extrapolation_warnings(
    model: &FitReport,
    spec: SpecConfig,
    output_tokens: f64,
    predictions: &[Prediction],
) -> Vec<String> {
    let mut warnings = Vec::new();
    let series = &model.series;
    if series.is_empty() {
        return warnings;
    }
    if spec.is_baseline() && !series.iter().any(|s| s.k == 0) {
        warnings.push(
            "plain decoding (k = 0) was not measured: the prediction takes the k = 0 limit of the stage coefficients fitted to speculative-decoding sweeps; measure a baseline sweep to check it".to_string(),
        );
    }
    let k_min = series.iter().map(|s| s.k).min().unwrap_or(0);
    let k_max = series.iter().map(|s| s.k).max().unwrap_or(0);
    if !spec.is_baseline() && (spec.k() < k_min || spec.k() > k_max) {
        warnings.push(format!(
            "k={} lies outside the measured draft lengths {k_min}..={k_max}: the prediction extrapolates the linear draft cost",
            spec.k()
        ));
    }
    // Plain-decoding series carry alpha = 1 by convention and measure no acceptance.
    let speculative = series.iter().filter(|s| s.k > 0);
    let alpha_min = speculative
        .clone()
        .map(|s| s.alpha)
        .fold(f64::INFINITY, f64::min);
    let alpha_max = speculative.map(|s| s.alpha).fold(0.0, f64::max);
    if !spec.is_baseline()
        && alpha_max > 0.0
        && (spec.alpha() < alpha_min - 1e-9 || spec.alpha() > alpha_max + 1e-9)
    {
        warnings.push(format!(
            "alpha={} lies outside the measured acceptance range {alpha_min:.2}..={alpha_max:.2}: the prediction extrapolates",
            spec.alpha()
        ));
    }
    let g_min = series
        .iter()
        .map(|s| s.output_tokens_mean)
        .fold(f64::INFINITY, f64::min);
    let g_max = series
        .iter()
        .map(|s| s.output_tokens_mean)
        .fold(0.0, f64::max);
    if output_tokens < 0.9 * g_min || output_tokens > 1.1 * g_max {
        warnings.push(format!(
            "{output_tokens} output tokens lies outside the measured {g_min:.0}..={g_max:.0}: prefill and KV-cache costs also change with length, which this model does not capture"
        ));
    }

    // Utilisation above what the fitted points reached: the stable-regime form is unverified.
    let max_used_utilisation = series
        .iter()
        .map(|s| s.max_used_rate_per_s * s.c2_s)
        .fold(0.0, f64::max);
    let beyond = predictions
        .iter()
        .filter(|p| !p.saturated && p.utilisation > max_used_utilisation + 1e-9)
        .count();
    if beyond > 0 {
        warnings.push(format!(
            "{beyond} prediction(s) run at utilisation (rate x C2) above {max_used_utilisation:.2}, the highest among the fitted points: latency there is extrapolated toward saturation and the model tended to under-predict near it"
        ));
    }
    let saturated = predictions.iter().filter(|p| p.saturated).count();
    if saturated > 0 {
        warnings.push(format!(
            "{saturated} rate(s) are at or past the saturation rate: no finite mean latency exists there; lower the rate or add capacity"
        ));
    }
    warnings
}
