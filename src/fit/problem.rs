//! The least-squares problem the fitter solves: points, residuals and their Jacobian.
//!
//! Each fitted point contributes the residual
//!
//! ```text
//! r = (L_pred / L - 1) * (1 - rate * C2)^gamma,   L_pred = C1 / (1 - rate * C2)
//! ```
//!
//! that is, the relative error of the predicted mean latency, damped by the remaining headroom
//! below saturation. With `gamma = 0` this is the plain relative error; with `gamma = 1` it is
//! the residual of the linearised form `1 = C1 / L + rate * C2` that the published analysis
//! minimised. Near saturation the measured mean latency is noisy (queueing delay has a variance
//! that grows like `1 / (1 - rho)^2`) and the closed form amplifies any error in C2, so points
//! there deserve less weight; `gamma = 0.5` is the default, chosen on the Qwen3 fixed-acceptance
//! sweeps where it gave lower leave-one-series-out error than either end.
//!
//! A closed-loop point (a fixed number of requests in flight, GuideLLM's `concurrent`
//! strategy) is predicted with the affine form `L_pred = C1 + B * C2` at its measured
//! concurrency `B`, and its residual is the plain relative error. Both forms agree on exact
//! data, because Little's law makes `B = rate * L`; but at a busy closed-loop point
//! `1 / (1 - rate * C2)` multiplies any error in C2 several times over, while the server never
//! approaches the divergence that the open-loop form describes.

use crate::model::SpecConfig;

/// Smallest headroom `1 - rate * C2` at which a prediction counts as finite.
pub const MIN_HEADROOM: f64 = 1e-9;

/// One measured point prepared for fitting.
#[derive(Clone, Copy, Debug)]
pub struct FitPoint {
    /// Index of the series in the fitted set.
    pub series: usize,
    /// Index of the measurement in its series.
    pub measurement: usize,
    /// Measured rate, requests per second.
    pub rate_per_s: f64,
    /// Measured mean latency, seconds.
    pub latency_s: f64,
    /// Mean output tokens per request, `g`.
    pub output_tokens: f64,
    /// Regressors `[1, g / E, g k / E]`, shared by the C1 and C2 parts.
    pub x: [f64; 3],
    /// Measured requests in flight of a closed-loop point; `None` for an open-loop point.
    pub closed_loop_concurrency: Option<f64>,
}

impl FitPoint {
    pub fn new(
        series: usize,
        measurement: usize,
        spec: SpecConfig,
        output_tokens: f64,
        rate_per_s: f64,
        latency_s: f64,
    ) -> Self {
        let cycles = output_tokens / spec.expected_tokens();
        Self {
            series,
            measurement,
            rate_per_s,
            latency_s,
            output_tokens,
            x: [1.0, cycles, cycles * f64::from(spec.k())],
            closed_loop_concurrency: None,
        }
    }

    /// Marks the point as closed loop with `concurrency` requests in flight.
    pub fn with_closed_loop(mut self, concurrency: f64) -> Self {
        self.closed_loop_concurrency = Some(concurrency);
        self
    }

    /// C1 and C2 of this point's configuration under coefficients `c`.
    #[inline]
    pub fn costs(&self, c: &[f64; 6]) -> (f64, f64) {
        let c1 = self.x[0] * c[0] + self.x[1] * c[1] + self.x[2] * c[2];
        let c2 = self.x[0] * c[3] + self.x[1] * c[4] + self.x[2] * c[5];
        (c1, c2)
    }

    /// Predicted mean latency, `None` at or past saturation.
    #[inline]
    pub fn predict(&self, c: &[f64; 6]) -> Option<f64> {
        let (c1, c2) = self.costs(c);
        latency_from_costs(c1, c2, self.rate_per_s, self.closed_loop_concurrency)
    }

    /// Signed relative error of the prediction, `L_pred / L - 1`.
    pub fn relative_error(&self, c: &[f64; 6]) -> Option<f64> {
        self.predict(c).map(|l| l / self.latency_s - 1.0)
    }

    /// Residual and its gradient with respect to the six coefficients; `None` past
    /// saturation.
    #[inline]
    pub fn residual_and_gradient(&self, c: &[f64; 6], gamma: f64) -> Option<(f64, [f64; 6])> {
        let mut gradient = [0.0; 6];
        let residual = super::solver::Residual::residual_into(self, c, gamma, &mut gradient)?;
        Some((residual, gradient))
    }
}

/// Predicts mean latency from C1 and C2: `C1 + B C2` at a closed-loop concurrency `B`,
/// otherwise `C1 / (1 - rate C2)`, and `None` at or past saturation.
#[inline]
pub fn latency_from_costs(
    c1: f64,
    c2: f64,
    rate_per_s: f64,
    closed_loop_concurrency: Option<f64>,
) -> Option<f64> {
    if let Some(concurrency) = closed_loop_concurrency {
        return Some(c1 + concurrency * c2);
    }
    let headroom = 1.0 - rate_per_s * c2;
    (headroom > MIN_HEADROOM).then(|| c1 / headroom)
}

/// Computes the residual of one point with costs `c1` and `c2` and its derivatives with respect
/// to them, `(r, dr/dC1, dr/dC2)`, or `None` past saturation. Any parameterisation that makes
/// C1 and C2 linear in its unknowns gets its gradient from these two derivatives.
#[inline]
pub fn residual_parts(
    c1: f64,
    c2: f64,
    rate_per_s: f64,
    latency_s: f64,
    closed_loop_concurrency: Option<f64>,
    gamma: f64,
) -> Option<(f64, f64, f64)> {
    if let Some(concurrency) = closed_loop_concurrency {
        // r = (C1 + B C2) / L - 1, linear in the coefficients.
        let residual = (c1 + concurrency * c2) / latency_s - 1.0;
        return Some((residual, 1.0 / latency_s, concurrency / latency_s));
    }
    let headroom = 1.0 - rate_per_s * c2;
    if headroom <= MIN_HEADROOM {
        return None;
    }

    // r = c1 h^(gamma - 1) / L - h^gamma with h the headroom.
    let h_gamma = headroom_power(headroom, gamma);
    let h_gamma_minus_1 = h_gamma / headroom;
    let residual = c1 * h_gamma_minus_1 / latency_s - h_gamma;

    // dr/dh, then dh/dC2 = -rate.
    let dr_dh =
        c1 * (gamma - 1.0) * h_gamma_minus_1 / headroom / latency_s - gamma * h_gamma_minus_1;
    Some((residual, h_gamma_minus_1 / latency_s, -rate_per_s * dr_dh))
}

/// `headroom^gamma`, with the default exponents computed without `powf`, which dominates the
/// cost of a residual otherwise.
#[inline]
fn headroom_power(headroom: f64, gamma: f64) -> f64 {
    if gamma == 0.5 {
        headroom.sqrt()
    } else if gamma == 0.0 {
        1.0
    } else if gamma == 1.0 {
        headroom
    } else {
        headroom.powf(gamma)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let spec = SpecConfig::new(3, 0.7).unwrap();
        let point = FitPoint::new(0, 0, spec, 128.0, 8.7, 1.87);
        let c = [0.07, 0.014, 0.0013, 0.035, 2.0e-4, 8.0e-5];
        for gamma in [0.0, 0.5, 1.0] {
            let (_, gradient) = point.residual_and_gradient(&c, gamma).unwrap();
            for j in 0..6 {
                let step = c[j] * 1e-6;
                let mut up = c;
                up[j] += step;
                let mut down = c;
                down[j] -= step;
                let numeric = (point.residual_and_gradient(&up, gamma).unwrap().0
                    - point.residual_and_gradient(&down, gamma).unwrap().0)
                    / (2.0 * step);
                let scale = numeric.abs().max(1e-9);
                assert!(
                    (gradient[j] - numeric).abs() / scale < 1e-5,
                    "gamma {gamma}, coefficient {j}: analytic {} numeric {numeric}",
                    gradient[j]
                );
            }
        }
    }

    #[test]
    fn residual_is_relative_error_at_gamma_zero() {
        let point = FitPoint::new(0, 0, SpecConfig::baseline(), 100.0, 2.0, 1.5);
        let c = [0.1, 0.01, 0.0, 0.01, 1e-3, 0.0];
        let (residual, _) = point.residual_and_gradient(&c, 0.0).unwrap();
        // C1 = 0.1 + 100 * 0.01 = 1.1, C2 = 0.01 + 100 * 1e-3 = 0.11, L = 1.1 / 0.78.
        let expected = 1.1 / 0.78 / 1.5 - 1.0;
        assert!((residual - expected).abs() < 1e-12);
    }

    #[test]
    fn closed_loop_residual_is_affine() {
        let point =
            FitPoint::new(0, 0, SpecConfig::baseline(), 100.0, 2.0, 1.5).with_closed_loop(3.0);
        let c = [0.1, 0.01, 0.0, 0.01, 1e-3, 0.0];
        // C1 = 1.1, C2 = 0.11: L = 1.1 + 3 * 0.11 = 1.43, whatever the rate.
        assert!((point.predict(&c).unwrap() - 1.43).abs() < 1e-12);
        let (residual, gradient) = point.residual_and_gradient(&c, 0.5).unwrap();
        assert!((residual - (1.43 / 1.5 - 1.0)).abs() < 1e-12);
        assert!((gradient[1] - 100.0 / 1.5).abs() < 1e-9);
        assert!((gradient[4] - 300.0 / 1.5).abs() < 1e-9);
    }

    #[test]
    fn saturated_point_has_no_residual() {
        let point = FitPoint::new(0, 0, SpecConfig::baseline(), 100.0, 10.0, 1.5);
        let c = [0.1, 0.01, 0.0, 0.01, 1e-3, 0.0];
        assert!(point.residual_and_gradient(&c, 0.5).is_none());
        assert!(point.predict(&c).is_none());
    }
}
