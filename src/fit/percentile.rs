//! Latency percentiles fitted with the same closed form as the mean.
//!
//! The model of Kong et al. (arXiv 2605.15051) is derived for mean latency. A percentile of
//! latency is not `C1 / (1 - rate * C2)` in general, but on the Qwen3 fixed-acceptance sweeps it
//! follows that shape closely (in-sample MAPE 2.5% for p50, 3.1% for p90, 5.8% for p99 on
//! Qwen3-8B). So speclat fits the six coefficients to each percentile that every fitted point
//! records (`p50`, `p90`, `p99`). It uses the points the mean fit kept, with the percentile in
//! place of the mean. The result is empirical: its accuracy is reported per
//! percentile, and plans that use it say so.

use serde::{Deserialize, Serialize};

use super::{FitOptions, fit_without_percentiles};
use crate::ingest::{LatencyPercentiles, Series};
use crate::model::StageCoefficients;

/// A latency percentile that files record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Percentile {
    P50,
    P90,
    P99,
}

impl Percentile {
    pub const ALL: [Percentile; 3] = [Self::P50, Self::P90, Self::P99];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::P50 => "p50",
            Self::P90 => "p90",
            Self::P99 => "p99",
        }
    }

    fn value(&self, percentiles: &LatencyPercentiles) -> Option<f64> {
        match self {
            Self::P50 => percentiles.p50_s,
            Self::P90 => percentiles.p90_s,
            Self::P99 => percentiles.p99_s,
        }
    }
}

impl std::str::FromStr for Percentile {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text.to_ascii_lowercase())
            .ok_or_else(|| format!("invalid percentile `{text}`: expected p50, p90 or p99"))
    }
}

/// C1 and C2 of one series under a percentile model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PercentileSeries {
    pub label: String,
    pub k: u32,
    pub alpha: f64,
    pub c1_s: f64,
    pub c2_s: f64,
}

/// The closed form fitted to one latency percentile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PercentileModel {
    pub percentile: Percentile,
    /// Stage coefficients fitted to the percentile; `None` for a per-series fit.
    pub coefficients: Option<StageCoefficients>,
    pub series: Vec<PercentileSeries>,
    pub points: usize,
    /// In-sample error of the predicted percentile, percent.
    pub mape_percent: f64,
    pub max_ape_percent: f64,
}

/// Fits every percentile that all the points in `used` record.
pub(crate) fn fit_percentiles(
    series: &[Series],
    used: &[Vec<usize>],
    options: &FitOptions,
) -> Vec<PercentileModel> {
    let mut models = Vec::new();
    for percentile in Percentile::ALL {
        let mut substituted = Vec::with_capacity(series.len());
        let mut complete = true;
        for (one, indices) in series.iter().zip(used) {
            let mut copy = one.clone();
            copy.measurements = Vec::with_capacity(indices.len());
            for &i in indices {
                let m = &one.measurements[i];
                let Some(value) = percentile
                    .value(&m.latency_percentiles)
                    .filter(|v| *v > 0.0)
                else {
                    complete = false;
                    break;
                };
                let mut point = m.clone();
                point.latency_s = value;
                // The measured concurrency belongs to the mean; a closed-loop point keeps it.
                copy.measurements.push(point);
            }
            if !complete {
                break;
            }
            substituted.push(copy);
        }
        if !complete || substituted.is_empty() {
            continue;
        }

        // The mean fit already chose the stable points, so every rule is off here.
        let mut percentile_options = options.clone();
        percentile_options.selection = super::SelectionOptions {
            include_saturated: true,
            ..super::SelectionOptions::default()
        };
        percentile_options.bootstrap_samples = 0;
        percentile_options.cross_validate = false;
        let Ok(report) = fit_without_percentiles(&substituted, &percentile_options, &|| {}) else {
            continue;
        };
        models.push(PercentileModel {
            percentile,
            coefficients: report.coefficients,
            series: report
                .series
                .iter()
                .map(|s| PercentileSeries {
                    label: s.label.clone(),
                    k: s.k,
                    alpha: s.alpha,
                    c1_s: s.c1_s,
                    c2_s: s.c2_s,
                })
                .collect(),
            points: report.accuracy.points,
            mape_percent: report.accuracy.mape_percent,
            max_ape_percent: report.accuracy.max_ape_percent,
        });
    }
    models
}
