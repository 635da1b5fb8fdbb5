//! Stage coefficients, the per-configuration costs C1 and C2, and the closed-form latency.

use serde::{Deserialize, Serialize};

use super::{ModelError, SpecConfig};

/// The six stage costs of one system (a verifier and drafter pair on given hardware), in seconds.
///
/// The `c1_*` costs are load-independent; the `c2_*` costs are added per request in flight.
/// Prefill runs once per request, verification once per cycle, drafting `k` times per cycle.
/// Invariant: every field is finite and non-negative (checked by [`StageCoefficients::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageCoefficients {
    /// Load-independent prefill cost per request, seconds.
    pub c1_prefill: f64,
    /// Load-independent cost of one verifier pass, seconds.
    pub c1_verify: f64,
    /// Load-independent cost of one drafter step, seconds.
    pub c1_draft: f64,
    /// Prefill cost added per request in flight, seconds.
    pub c2_prefill: f64,
    /// Verifier-pass cost added per request in flight, seconds.
    pub c2_verify: f64,
    /// Drafter-step cost added per request in flight, seconds.
    pub c2_draft: f64,
}

/// Coefficient names in the order of [`StageCoefficients::to_array`].
pub const COEFFICIENT_NAMES: [&str; 6] = [
    "c1_prefill",
    "c1_verify",
    "c1_draft",
    "c2_prefill",
    "c2_verify",
    "c2_draft",
];

impl StageCoefficients {
    /// Builds coefficients from `[c1_prefill, c1_verify, c1_draft, c2_prefill, c2_verify,
    /// c2_draft]`, rejecting NaN, infinite and negative values.
    pub fn new(values: [f64; 6]) -> Result<Self, ModelError> {
        for (name, value) in COEFFICIENT_NAMES.iter().zip(values) {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ModelError::InvalidCoefficient { name, value });
            }
        }
        Ok(Self::from_array_unchecked(values))
    }

    pub(crate) fn from_array_unchecked(values: [f64; 6]) -> Self {
        let [
            c1_prefill,
            c1_verify,
            c1_draft,
            c2_prefill,
            c2_verify,
            c2_draft,
        ] = values;
        Self {
            c1_prefill,
            c1_verify,
            c1_draft,
            c2_prefill,
            c2_verify,
            c2_draft,
        }
    }

    /// Returns the coefficients in the order of [`COEFFICIENT_NAMES`].
    pub fn to_array(&self) -> [f64; 6] {
        [
            self.c1_prefill,
            self.c1_verify,
            self.c1_draft,
            self.c2_prefill,
            self.c2_verify,
            self.c2_draft,
        ]
    }

    /// Checks the invariant of [`StageCoefficients::new`] on a value built field by field, for
    /// example one read back from a saved model.
    pub fn validate(&self) -> Result<(), ModelError> {
        Self::new(self.to_array()).map(|_| ())
    }

    /// The per-request costs C1 and C2 of one configuration at `output_tokens` mean output
    /// tokens per request.
    pub fn costs(&self, spec: SpecConfig, output_tokens: f64) -> Result<LoadCosts, ModelError> {
        if !(output_tokens.is_finite() && output_tokens > 0.0) {
            return Err(ModelError::InvalidOutputTokens {
                value: output_tokens,
            });
        }
        Ok(self.costs_unchecked(spec, output_tokens))
    }

    /// [`StageCoefficients::costs`] without the check on `output_tokens`, for hot loops whose
    /// inputs were validated once.
    #[inline]
    pub fn costs_unchecked(&self, spec: SpecConfig, output_tokens: f64) -> LoadCosts {
        let k = f64::from(spec.k());
        let cycles = output_tokens / spec.expected_tokens();
        let cycle_c1 = self.c1_verify + k * self.c1_draft;
        let cycle_c2 = self.c2_verify + k * self.c2_draft;
        LoadCosts {
            c1_s: self.c1_prefill + cycles * cycle_c1,
            c2_s: self.c2_prefill + cycles * cycle_c2,
            spec,
            coefficients: *self,
        }
    }
}

/// The load-independent and load-dependent latency of one configuration at one output length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadCosts {
    /// Latency of a request that runs alone, seconds.
    pub c1_s: f64,
    /// Latency added per request in flight, seconds.
    pub c2_s: f64,
    spec: SpecConfig,
    coefficients: StageCoefficients,
}

/// The model's prediction at one request rate or concurrency.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// Arrival rate, requests per second.
    pub rate_per_s: f64,
    /// Mean end-to-end latency, seconds; `None` at or past saturation.
    pub latency_s: Option<f64>,
    /// Mean time to first token, seconds; `None` at or past saturation.
    pub ttft_s: Option<f64>,
    /// Mean inter-token latency per output token, seconds; `None` at or past saturation.
    pub itl_s: Option<f64>,
    /// Mean requests in flight `B = rate * L`; `None` at or past saturation.
    pub concurrency: Option<f64>,
    /// Offered load `rate * C2`; the model is valid below 1.
    pub utilisation: f64,
}

impl LoadCosts {
    /// Builds costs from C1 and C2 directly, for series fitted without stage coefficients.
    pub fn from_totals(c1_s: f64, c2_s: f64, spec: SpecConfig) -> Self {
        Self {
            c1_s,
            c2_s,
            spec,
            coefficients: StageCoefficients::from_array_unchecked([c1_s, 0.0, 0.0, c2_s, 0.0, 0.0]),
        }
    }

    /// Rate at which latency diverges, `1 / C2`, requests per second; infinite when `C2 = 0`.
    pub fn saturation_rate_per_s(&self) -> f64 {
        if self.c2_s > 0.0 {
            1.0 / self.c2_s
        } else {
            f64::INFINITY
        }
    }

    /// Mean latency at `rate_per_s`, `C1 / (1 - rate * C2)`; `None` at or past saturation.
    #[inline]
    pub fn latency_at_rate(&self, rate_per_s: f64) -> Option<f64> {
        // At the saturation rate itself, `rate * C2` can round to just below 1 and leave a
        // headroom of one ulp, which would give a finite latency of about 1e16 * C1.
        if rate_per_s >= self.saturation_rate_per_s() {
            return None;
        }
        let headroom = 1.0 - rate_per_s * self.c2_s;
        if headroom > 0.0 {
            Some(self.c1_s / headroom)
        } else {
            None
        }
    }

    /// Mean latency with `concurrency` requests in flight (closed loop), `C1 + N * C2`.
    #[inline]
    pub fn latency_at_concurrency(&self, concurrency: f64) -> f64 {
        self.c1_s + concurrency * self.c2_s
    }

    /// Request rate sustained with `concurrency` requests in flight, `N / (C1 + N * C2)`.
    pub fn rate_at_concurrency(&self, concurrency: f64) -> f64 {
        concurrency / self.latency_at_concurrency(concurrency)
    }

    /// Mean time to first token with `concurrency` requests in flight,
    /// `c1_prefill + B * c2_prefill`.
    pub fn ttft_at_concurrency(&self, concurrency: f64) -> f64 {
        self.coefficients.c1_prefill + concurrency * self.coefficients.c2_prefill
    }

    /// Mean time per output token with `concurrency` requests in flight,
    /// `(c1_verify + k c1_draft + B (c2_verify + k c2_draft)) / E`.
    pub fn itl_at_concurrency(&self, concurrency: f64) -> f64 {
        let k = f64::from(self.spec.k());
        let c = &self.coefficients;
        let cycle = c.c1_verify + k * c.c1_draft + concurrency * (c.c2_verify + k * c.c2_draft);
        cycle / self.spec.expected_tokens()
    }

    /// Returns the configuration these costs belong to.
    pub fn spec(&self) -> SpecConfig {
        self.spec
    }

    /// Latency, TTFT, ITL and concurrency at one open-loop rate.
    pub fn at_rate(&self, rate_per_s: f64) -> Result<OperatingPoint, ModelError> {
        if !(rate_per_s.is_finite() && rate_per_s >= 0.0) {
            return Err(ModelError::InvalidRate { value: rate_per_s });
        }
        let latency_s = self.latency_at_rate(rate_per_s);
        let concurrency = latency_s.map(|l| rate_per_s * l);
        Ok(OperatingPoint {
            rate_per_s,
            latency_s,
            ttft_s: concurrency.map(|b| self.ttft_at_concurrency(b)),
            itl_s: concurrency.map(|b| self.itl_at_concurrency(b)),
            concurrency,
            utilisation: rate_per_s * self.c2_s,
        })
    }

    /// Latency, TTFT, ITL and rate at one closed-loop concurrency.
    pub fn at_concurrency(&self, concurrency: f64) -> Result<OperatingPoint, ModelError> {
        if !(concurrency.is_finite() && concurrency >= 0.0) {
            return Err(ModelError::InvalidConcurrency { value: concurrency });
        }
        let latency_s = self.latency_at_concurrency(concurrency);
        let rate_per_s = if latency_s > 0.0 {
            concurrency / latency_s
        } else {
            0.0
        };
        Ok(OperatingPoint {
            rate_per_s,
            latency_s: Some(latency_s),
            ttft_s: Some(self.ttft_at_concurrency(concurrency)),
            itl_s: Some(self.itl_at_concurrency(concurrency)),
            concurrency: Some(concurrency),
            utilisation: rate_per_s * self.c2_s,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn saturation_rate_is_saturated_despite_rounding() {
        // Found by the property tests: here (1 / C2) * C2 rounds to 1 - 2^-53.
        let c = StageCoefficients::new([
            0.01,
            0.002,
            0.0001,
            0.007482604843361724,
            2e-5,
            5.991527122391871e-5,
        ])
        .unwrap();
        let spec = SpecConfig::new(14, 0.49022053746603017).unwrap();
        let costs = c.costs(spec, 379.66170327947714).unwrap();
        let saturation = costs.saturation_rate_per_s();
        assert!(saturation * costs.c2_s < 1.0);

        assert_eq!(costs.latency_at_rate(saturation), None);
        assert_eq!(costs.at_rate(saturation).unwrap().concurrency, None);
        let below = costs.latency_at_rate(saturation * (1.0 - 1e-9)).unwrap();
        assert!((below / costs.c1_s / 1e9 - 1.0).abs() < 1e-6, "{below}");
    }

    use super::*;

    /// The published-method coefficients of Qwen3-8B (ordinary least squares, three
    /// highest-latency points per sweep dropped), as reproduced on the speculators
    /// `researchScaling` sweeps.
    fn qwen3_8b() -> StageCoefficients {
        StageCoefficients::new([
            7.344_32e-2,
            1.388_64e-2,
            1.302_03e-3,
            3.484_65e-2,
            2.073_34e-4,
            7.898_17e-5,
        ])
        .unwrap()
    }

    #[test]
    fn costs_match_hand_computation() {
        // alpha = 0.7, k = 3: E = 2.533, g / E = 128 / 2.533 = 50.533...
        let spec = SpecConfig::new(3, 0.7).unwrap();
        let costs = qwen3_8b().costs(spec, 128.0).unwrap();
        let cycles = 128.0 / 2.533;
        let c1 = 7.344_32e-2 + cycles * (1.388_64e-2 + 3.0 * 1.302_03e-3);
        let c2 = 3.484_65e-2 + cycles * (2.073_34e-4 + 3.0 * 7.898_17e-5);
        assert!((costs.c1_s - c1).abs() < 1e-12);
        assert!((costs.c2_s - c2).abs() < 1e-12);
    }

    #[test]
    fn closed_form_reproduces_measured_synchronous_latency() {
        // Measured: 0.99 req/s, 1.008 s (Qwen3-8B, alpha 0.7, k 3, synchronous benchmark).
        let spec = SpecConfig::new(3, 0.7).unwrap();
        let costs = qwen3_8b().costs(spec, 128.0).unwrap();
        let latency = costs.latency_at_rate(0.990).unwrap();
        assert!((latency - 1.008).abs() / 1.008 < 0.03, "latency {latency}");
    }

    #[test]
    fn saturation_is_explicit() {
        let costs = LoadCosts::from_totals(1.0, 0.1, SpecConfig::baseline());
        assert_eq!(costs.saturation_rate_per_s(), 10.0);
        assert_eq!(costs.latency_at_rate(10.0), None);
        assert_eq!(costs.latency_at_rate(12.0), None);
        assert_eq!(costs.latency_at_rate(5.0), Some(2.0));
        let point = costs.at_rate(12.0).unwrap();
        assert_eq!(point.latency_s, None);
        assert_eq!(point.concurrency, None);
        assert!((point.utilisation - 1.2).abs() < 1e-12);
    }

    #[test]
    fn littles_law_holds_at_prediction() {
        let costs = LoadCosts::from_totals(0.8, 0.05, SpecConfig::baseline());
        let point = costs.at_rate(6.0).unwrap();
        let latency = point.latency_s.unwrap();
        let concurrency = point.concurrency.unwrap();
        assert!((concurrency - 6.0 * latency).abs() < 1e-12);
        // The affine form with that concurrency gives the same latency.
        assert!((costs.latency_at_concurrency(concurrency) - latency).abs() < 1e-12);
    }

    #[test]
    fn baseline_has_no_draft_cost() {
        let coefficients = qwen3_8b();
        let costs = coefficients.costs(SpecConfig::baseline(), 100.0).unwrap();
        let c1 = coefficients.c1_prefill + 100.0 * coefficients.c1_verify;
        assert!((costs.c1_s - c1).abs() < 1e-12);
    }

    #[test]
    fn rejects_invalid_inputs() {
        assert!(StageCoefficients::new([0.1, -1e-9, 0.0, 0.0, 0.0, 0.0]).is_err());
        assert!(StageCoefficients::new([f64::NAN, 0.0, 0.0, 0.0, 0.0, 0.0]).is_err());
        let costs = qwen3_8b().costs(SpecConfig::baseline(), 128.0).unwrap();
        assert!(costs.at_rate(-1.0).is_err());
        assert!(costs.at_rate(f64::NAN).is_err());
        assert!(qwen3_8b().costs(SpecConfig::baseline(), 0.0).is_err());
    }
}
