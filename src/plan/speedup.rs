//! Speedup of speculative decoding against plain decoding, and where it turns into a slowdown.
//!
//! With the baseline costs `C1_D, C2_D` (k = 0) and the speculative-decoding costs
//! `C1_S, C2_S`, write `C1R = C1_S / C1_D`, `C2R = C2_S / C2_D` and `r = rate * C2_D`. The
//! open-loop closed form `L = C1 / (1 - rate * C2)` of Kong et al. (arXiv 2605.15051) gives
//!
//! ```text
//! speedup(rate) = L_D / L_S = (1 / C1R) * (1 - r * C2R) / (1 - r)
//! ```
//!
//! Setting it to 1 gives the break-even utilisation `r* = (1 - C1R) / (C2R - C1R)` and rate
//! `rate* = r* / C2_D` (our derivation from the closed form). SD pays over the whole stable
//! range when `C2R <= C1R` or `r* >= 1`. For closed loop, `L = C1 + N * C2` gives the
//! break-even concurrency `N* = (C1_D - C1_S) / (C2_S - C2_D)`, which exists when SD is faster
//! alone (`C1_S < C1_D`) and costs more per request in flight (`C2_S > C2_D`).

use serde::Serialize;

use crate::model::LoadCosts;

/// Whether speculative decoding beats plain decoding, and over which loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SdPays {
    /// Faster at every load below saturation.
    WholeRange,
    /// Faster below the break-even load, slower above it.
    BelowBreakEven,
    /// Slower even at zero load.
    Never,
}

/// The comparison of one speculative-decoding configuration with plain decoding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeedupAnalysis {
    pub baseline_c1_s: f64,
    pub baseline_c2_s: f64,
    pub sd_c1_s: f64,
    pub sd_c2_s: f64,
    /// `C1_S / C1_D`.
    pub c1_ratio: f64,
    /// `C2_S / C2_D`.
    pub c2_ratio: f64,
    /// `1 / C1R`: the speedup of a request that runs alone.
    pub zero_load_speedup: f64,
    pub sd_pays: SdPays,
    /// `r* = rate* * C2_D`; `None` unless `sd_pays` is `below_break_even`.
    pub break_even_utilisation: Option<f64>,
    /// Open-loop rate above which plain decoding is faster, requests per second.
    pub break_even_rate_per_s: Option<f64>,
    /// Closed-loop requests in flight above which plain decoding is faster.
    pub break_even_concurrency: Option<f64>,
    /// `1 / C2_D`, requests per second; `None` when C2_D is 0.
    pub baseline_saturation_rate_per_s: Option<f64>,
    /// `1 / C2_S`, requests per second; `None` when C2_S is 0.
    pub sd_saturation_rate_per_s: Option<f64>,
}

impl SpeedupAnalysis {
    /// Compares `sd` with `baseline`. Both must have positive C1 and C2, which the fitted
    /// costs of any real sweep have.
    pub fn new(baseline: &LoadCosts, sd: &LoadCosts) -> Self {
        let c1_ratio = sd.c1_s / baseline.c1_s;
        let c2_ratio = sd.c2_s / baseline.c2_s;

        let (sd_pays, break_even_utilisation) = if c1_ratio >= 1.0 {
            (SdPays::Never, None)
        } else if c2_ratio <= c1_ratio {
            (SdPays::WholeRange, None)
        } else {
            let r_star = (1.0 - c1_ratio) / (c2_ratio - c1_ratio);
            if r_star >= 1.0 {
                (SdPays::WholeRange, None)
            } else {
                (SdPays::BelowBreakEven, Some(r_star))
            }
        };

        // Closed loop has no saturation, so the crossing exists whenever the lines cross.
        let break_even_concurrency = (sd.c1_s < baseline.c1_s && sd.c2_s > baseline.c2_s)
            .then(|| (baseline.c1_s - sd.c1_s) / (sd.c2_s - baseline.c2_s));

        Self {
            baseline_c1_s: baseline.c1_s,
            baseline_c2_s: baseline.c2_s,
            sd_c1_s: sd.c1_s,
            sd_c2_s: sd.c2_s,
            c1_ratio,
            c2_ratio,
            zero_load_speedup: 1.0 / c1_ratio,
            sd_pays,
            break_even_utilisation,
            break_even_rate_per_s: break_even_utilisation.map(|r| r / baseline.c2_s),
            break_even_concurrency,
            baseline_saturation_rate_per_s: (baseline.c2_s > 0.0).then(|| 1.0 / baseline.c2_s),
            sd_saturation_rate_per_s: (sd.c2_s > 0.0).then(|| 1.0 / sd.c2_s),
        }
    }

    /// Open-loop speedup `(1 / C1R) (1 - r C2R) / (1 - r)`; `None` when either
    /// configuration is saturated at `rate_per_s`.
    pub fn speedup_at_rate(&self, rate_per_s: f64) -> Option<f64> {
        let r = rate_per_s * self.baseline_c2_s;
        let sd_headroom = 1.0 - r * self.c2_ratio;
        let baseline_headroom = 1.0 - r;
        (sd_headroom > 0.0 && baseline_headroom > 0.0)
            .then(|| sd_headroom / (self.c1_ratio * baseline_headroom))
    }

    /// Closed-loop speedup `(C1_D + N C2_D) / (C1_S + N C2_S)` with `N` requests in flight.
    pub fn speedup_at_concurrency(&self, concurrency: f64) -> f64 {
        (self.baseline_c1_s + concurrency * self.baseline_c2_s)
            / (self.sd_c1_s + concurrency * self.sd_c2_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SpecConfig;

    fn costs(c1: f64, c2: f64) -> LoadCosts {
        LoadCosts::from_totals(c1, c2, SpecConfig::baseline())
    }

    #[test]
    fn formula_equals_latency_ratio() {
        let baseline = costs(8.5, 0.077);
        let sd = costs(3.0, 0.127);
        let analysis = SpeedupAnalysis::new(&baseline, &sd);
        for rate in [0.0, 0.5, 1.0, 2.5, 4.0, 6.0, 7.8] {
            let ratio = baseline.latency_at_rate(rate).unwrap() / sd.latency_at_rate(rate).unwrap();
            let formula = analysis.speedup_at_rate(rate).unwrap();
            assert!(
                (formula - ratio).abs() < 1e-12 * ratio,
                "rate {rate}: {formula} against {ratio}"
            );
        }
        for n in [1.0, 8.0, 64.0, 200.0] {
            let ratio = baseline.latency_at_concurrency(n) / sd.latency_at_concurrency(n);
            assert!((analysis.speedup_at_concurrency(n) - ratio).abs() < 1e-12);
        }
    }

    #[test]
    fn break_even_is_where_latencies_cross() {
        let baseline = costs(8.5, 0.077);
        let sd = costs(3.0, 0.127);
        let analysis = SpeedupAnalysis::new(&baseline, &sd);
        assert_eq!(analysis.sd_pays, SdPays::BelowBreakEven);
        assert!((analysis.zero_load_speedup - 8.5 / 3.0).abs() < 1e-12);

        let rate = analysis.break_even_rate_per_s.unwrap();
        let gap = baseline.latency_at_rate(rate).unwrap() - sd.latency_at_rate(rate).unwrap();
        assert!(
            gap.abs() < 1e-9,
            "latencies differ by {gap} s at the break-even rate"
        );
        // Beyond the break-even rate plain decoding is faster.
        assert!(analysis.speedup_at_rate(rate * 1.01).unwrap() < 1.0);

        // N* = (8.5 - 3.0) / (0.127 - 0.077) = 110.
        let n = analysis.break_even_concurrency.unwrap();
        assert!((n - 110.0).abs() < 1e-9, "N* = {n}");
        assert!((analysis.speedup_at_concurrency(n) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn whole_range_and_never() {
        // C2R <= C1R: the speedup grows with load.
        let whole = SpeedupAnalysis::new(&costs(2.0, 0.1), &costs(1.0, 0.04));
        assert_eq!(whole.sd_pays, SdPays::WholeRange);
        assert_eq!(whole.break_even_rate_per_s, None);
        assert_eq!(whole.break_even_concurrency, None);

        // r* >= 1: break-even would lie past the baseline's saturation.
        let beyond = SpeedupAnalysis::new(&costs(2.0, 0.1), &costs(1.0, 0.095));
        assert_eq!(beyond.sd_pays, SdPays::WholeRange);
        assert_eq!(beyond.break_even_rate_per_s, None);

        let never = SpeedupAnalysis::new(&costs(1.0, 0.1), &costs(1.2, 0.2));
        assert_eq!(never.sd_pays, SdPays::Never);
        assert_eq!(never.break_even_rate_per_s, None);
        assert_eq!(never.break_even_concurrency, None);
    }
}
