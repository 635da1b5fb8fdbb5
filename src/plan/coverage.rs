//! The measured ground an answer rests on: which series, and which rates, concurrencies,
//! draft lengths and acceptance rates they covered.
//!
//! A plan is only as good as the sweeps behind it. The latency model of Kong et al. (arXiv
//! 2605.15051) interpolates well within the measured `k`, `alpha` and load, but past the
//! highest measured rate it under-predicts (latency rises faster than `1 / (1 - rate * C2)`
//! once preemption starts), and past the measured `k` the drafter cost is a straight-line
//! guess. [`Coverage::notes`] names each way a question leaves the measured ground.

use serde::Serialize;

use crate::fit::FitReport;

/// The measured range of a fitted model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coverage {
    /// Labels of the fitted series.
    pub series: Vec<String>,
    pub k_min: u32,
    pub k_max: u32,
    /// Smallest and largest `alpha` among the series with `k > 0`; `None` without such series.
    pub alpha_min: Option<f64>,
    pub alpha_max: Option<f64>,
    /// Highest fitted rate, requests per second.
    pub max_rate_per_s: f64,
    /// Highest fitted mean concurrency `rate * L`.
    pub max_concurrency: f64,
    /// Whether a plain-decoding series (k = 0) was measured.
    pub has_baseline: bool,
}

impl Coverage {
    /// Reads the measured range from a fit report.
    pub fn from_report(report: &FitReport) -> Self {
        let mut coverage = Self {
            series: report.series.iter().map(|s| s.label.clone()).collect(),
            k_min: report.series.iter().map(|s| s.k).min().unwrap_or(0),
            k_max: report.series.iter().map(|s| s.k).max().unwrap_or(0),
            alpha_min: None,
            alpha_max: None,
            max_rate_per_s: 0.0,
            max_concurrency: 0.0,
            has_baseline: report.series.iter().any(|s| s.k == 0),
        };
        for s in &report.series {
            if s.k > 0 {
                coverage.alpha_min = Some(coverage.alpha_min.map_or(s.alpha, |a| a.min(s.alpha)));
                coverage.alpha_max = Some(coverage.alpha_max.map_or(s.alpha, |a| a.max(s.alpha)));
            }
            for p in &s.points {
                coverage.max_rate_per_s = coverage.max_rate_per_s.max(p.rate_per_s);
                coverage.max_concurrency = coverage.max_concurrency.max(p.rate_per_s * p.latency_s);
            }
        }
        coverage
    }

    /// Lists one sentence per way the question leaves the measured range, none when it stays
    /// inside. `alpha` is checked only when some `k` in `ks` is above 0.
    pub fn notes(
        &self,
        ks: &[u32],
        alpha: Option<f64>,
        max_rate_per_s: Option<f64>,
        max_concurrency: Option<f64>,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(&k) = ks.iter().max()
            && k > self.k_max
        {
            notes.push(format!(
                "k up to {k} extrapolates beyond the largest measured draft length {}",
                self.k_max
            ));
        }
        if ks.contains(&0) && !self.has_baseline {
            notes.push(
                "k = 0 comes from the k = 0 limit of the stage coefficients; no plain-decoding sweep was measured"
                    .to_string(),
            );
        }
        if let (Some(alpha), Some(low), Some(high)) = (alpha, self.alpha_min, self.alpha_max)
            && ks.iter().any(|&k| k > 0)
            && (alpha < low - 1e-9 || alpha > high + 1e-9)
        {
            notes.push(format!(
                "alpha {alpha:.3} extrapolates beyond the measured acceptance range {low:.3} to {high:.3}"
            ));
        }
        if let Some(rate) = max_rate_per_s
            && rate > self.max_rate_per_s * 1.0001
        {
            notes.push(format!(
                "rates up to {rate:.3} req/s extrapolate beyond the highest fitted rate {:.3} req/s, where the model tends to under-predict latency",
                self.max_rate_per_s
            ));
        }
        if let Some(concurrency) = max_concurrency
            && concurrency > self.max_concurrency * 1.05
        {
            notes.push(format!(
                "concurrency up to {concurrency:.0} extrapolates beyond the highest fitted concurrency {:.1}",
                self.max_concurrency
            ));
        }
        notes
    }
}
