//! Accuracy figures of a fit and where its residuals concentrate.
//!
//! Errors are absolute percentage errors of the predicted mean latency, `|L_pred / L - 1|`,
//! over the points used in the fit. R^2 is computed on latency in seconds. Leave-one-series-out
//! errors come from fits that never saw the series they predict.

use serde::{Deserialize, Serialize};

/// Summary accuracy of a fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Points the figures are computed over.
    pub points: usize,
    /// Mean absolute percentage error in sample, percent; infinite (`null` in JSON) when the
    /// fit puts a fitted point past saturation.
    #[serde(deserialize_with = "infinite_if_null")]
    pub mape_percent: f64,
    /// Largest absolute percentage error in sample, percent; infinite as for `mape_percent`.
    #[serde(deserialize_with = "infinite_if_null")]
    pub max_ape_percent: f64,
    /// Coefficient of determination of latency in seconds; `None` when the measured latency
    /// does not vary or a fitted point has no prediction.
    pub r2: Option<f64>,
    /// Mean absolute percentage error when each series is predicted by a fit without it,
    /// percent; `None` with fewer than two series or for a per-series (reduced) fit.
    pub loso_mape_percent: Option<f64>,
    /// Largest leave-one-series-out absolute percentage error, percent.
    pub loso_max_ape_percent: Option<f64>,
}

/// Reads `null` as infinity. serde_json writes an infinite error as `null`, and a saved model
/// must load back whatever its errors were.
pub(crate) fn infinite_if_null<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::INFINITY))
}

/// The fit at one measured point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResidual {
    /// Series label.
    pub series: String,
    pub k: u32,
    pub alpha: f64,
    /// Position of the benchmark in its file, from 0.
    pub index: usize,
    /// 1 for the highest used rate of its series, 2 for the next, and so on.
    pub rate_rank_from_top: usize,
    /// Measured rate, requests per second.
    pub rate_per_s: f64,
    /// Measured mean latency, seconds.
    pub latency_s: f64,
    /// Predicted mean latency, seconds; `None` when the fit puts the point past saturation.
    pub predicted_latency_s: Option<f64>,
    /// Signed error `L_pred / L - 1`, percent; negative means under-prediction.
    pub error_percent: Option<f64>,
    /// Signed error of the leave-one-series-out prediction, percent.
    pub loso_error_percent: Option<f64>,
    /// Robust weight the point carried in the fit, 1 for a full-weight point.
    pub weight: f64,
}

/// Residuals of a group of points sharing one trait.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResidualGroup {
    /// The shared trait, for example `rate rank 1 (highest)` or `k=3`.
    pub group: String,
    pub points: usize,
    /// Mean signed error, percent.
    pub mean_error_percent: f64,
    /// Mean absolute error, percent.
    pub mape_percent: f64,
}

/// Location of the largest residuals and the traits those points share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResidualAnalysis {
    /// Grouped by position of the rate within its series, highest first.
    pub by_rate_rank: Vec<ResidualGroup>,
    /// Grouped by draft length.
    pub by_k: Vec<ResidualGroup>,
    /// Grouped by acceptance probability.
    pub by_alpha: Vec<ResidualGroup>,
    /// The largest absolute residuals, largest first (at most 10).
    pub largest: Vec<PointResidual>,
    /// What the largest residuals share, in one sentence.
    pub summary: String,
}

pub(crate) fn summarise(residuals: &[PointResidual], loso: bool) -> Accuracy {
    let errors: Vec<f64> = residuals
        .iter()
        .map(|r| r.error_percent.map_or(f64::INFINITY, f64::abs))
        .collect();
    let n = errors.len().max(1) as f64;
    let mean_latency = residuals.iter().map(|r| r.latency_s).sum::<f64>() / n;
    let total: f64 = residuals
        .iter()
        .map(|r| (r.latency_s - mean_latency).powi(2))
        .sum();
    let residual_sum: f64 = residuals
        .iter()
        .map(|r| (r.predicted_latency_s.unwrap_or(f64::INFINITY) - r.latency_s).powi(2))
        .sum();
    let loso_errors: Vec<f64> = residuals
        .iter()
        .map(|r| r.loso_error_percent.map_or(f64::INFINITY, f64::abs))
        .collect();
    Accuracy {
        points: residuals.len(),
        mape_percent: errors.iter().sum::<f64>() / n,
        max_ape_percent: errors.iter().copied().fold(0.0, f64::max),
        r2: (total > 0.0 && residual_sum.is_finite()).then(|| 1.0 - residual_sum / total),
        loso_mape_percent: loso.then(|| loso_errors.iter().sum::<f64>() / n),
        loso_max_ape_percent: loso.then(|| loso_errors.iter().copied().fold(0.0, f64::max)),
    }
}

/// Groups residuals by `key`, which returns a sort key and the group's name.
fn group_by(
    residuals: &[PointResidual],
    key: impl Fn(&PointResidual) -> (f64, String),
) -> Vec<ResidualGroup> {
    let mut groups: Vec<(f64, String, Vec<f64>)> = Vec::new();
    for r in residuals {
        let Some(error) = r.error_percent else {
            continue;
        };
        let (order, name) = key(r);
        match groups.iter_mut().find(|(_, g, _)| *g == name) {
            Some((_, _, errors)) => errors.push(error),
            None => groups.push((order, name, vec![error])),
        }
    }
    groups.sort_by(|a, b| a.0.total_cmp(&b.0));
    groups
        .into_iter()
        .map(|(_, group, errors)| {
            let n = errors.len() as f64;
            ResidualGroup {
                group,
                points: errors.len(),
                mean_error_percent: errors.iter().sum::<f64>() / n,
                mape_percent: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
            }
        })
        .collect()
}

pub(crate) fn analyse(residuals: &[PointResidual]) -> ResidualAnalysis {
    let by_rate_rank = group_by(residuals, |r| match r.rate_rank_from_top {
        1 => (1.0, "rate rank 1 (highest used)".to_string()),
        rank @ (2 | 3) => (rank as f64, format!("rate rank {rank}")),
        _ => (4.0, "rate rank 4 and lower".to_string()),
    });
    let by_k = group_by(residuals, |r| (f64::from(r.k), format!("k={}", r.k)));
    let by_alpha = group_by(residuals, |r| (r.alpha, format!("alpha={:.2}", r.alpha)));

    let mut largest: Vec<PointResidual> = residuals
        .iter()
        .filter(|r| r.error_percent.is_some())
        .cloned()
        .collect();
    largest.sort_by(|a, b| {
        let ea = a.error_percent.map_or(f64::INFINITY, f64::abs);
        let eb = b.error_percent.map_or(f64::INFINITY, f64::abs);
        eb.total_cmp(&ea)
    });
    largest.truncate(10);
    let summary = describe_largest(&largest);
    ResidualAnalysis {
        by_rate_rank,
        by_k,
        by_alpha,
        largest,
        summary,
    }
}

/// Describes in one sentence what the largest residuals share: rate position, sign, k and alpha.
fn describe_largest(largest: &[PointResidual]) -> String {
    if largest.is_empty() {
        return "no residuals".to_string();
    }
    let n = largest.len();
    let top_rate = largest.iter().filter(|r| r.rate_rank_from_top <= 2).count();
    let under = largest
        .iter()
        .filter(|r| r.error_percent.is_some_and(|e| e < 0.0))
        .count();
    let most_common = |values: Vec<String>| -> (String, usize) {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for v in values {
            match counts.iter_mut().find(|(k, _)| *k == v) {
                Some((_, c)) => *c += 1,
                None => counts.push((v, 1)),
            }
        }
        counts
            .into_iter()
            .max_by_key(|(_, c)| *c)
            .unwrap_or_default()
    };
    let (k, k_count) = most_common(largest.iter().map(|r| r.k.to_string()).collect());
    let (alpha, alpha_count) =
        most_common(largest.iter().map(|r| format!("{:.2}", r.alpha)).collect());
    format!(
        "of the {n} largest residuals, {top_rate} sit at one of the two highest used rates of their series and {under} under-predict; the most frequent draft length among them is k={k} ({k_count} of {n}) and the most frequent acceptance alpha={alpha} ({alpha_count} of {n})"
    )
}
