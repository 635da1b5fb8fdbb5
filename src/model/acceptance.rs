//! Draft length, acceptance probability and the expected tokens per verification.
//!
//! A speculative-decoding cycle drafts `k` tokens and verifies them in one pass of the target
//! model. When each draft token is accepted independently with probability `alpha`, the cycle
//! commits `E(alpha, k) = 1 + alpha + ... + alpha^k` tokens on average, the verifier's bonus
//! token included (Leviathan et al., "Fast Inference from Transformers via Speculative
//! Decoding", 2023). `k = 0` is plain decoding with `E = 1`.

use serde::{Deserialize, Serialize};

use super::ModelError;

/// Largest draft length accepted anywhere in speclat. Engines cap `num_speculative_tokens` far
/// lower; the bound only keeps grids and the Horner sum of [`expected_tokens`] finite.
pub const MAX_DRAFT_LENGTH: u32 = 1024;

/// Expected tokens committed per verification, `E(alpha, k) = (1 - alpha^(k+1)) / (1 - alpha)`.
///
/// `alpha` must lie in (0, 1]; callers that build a [`SpecConfig`] have that checked. The sum is
/// evaluated by Horner's rule, which stays exact near `alpha = 1` where the closed form cancels
/// catastrophically.
pub fn expected_tokens(alpha: f64, k: u32) -> f64 {
    if alpha == 1.0 {
        return f64::from(k) + 1.0;
    }
    let mut sum = 1.0;
    for _ in 0..k {
        sum = 1.0 + alpha * sum;
    }
    sum
}

/// One speculative-decoding configuration: the draft length and the acceptance probability.
///
/// Invariant: `alpha` is finite and in (0, 1], and `k <= MAX_DRAFT_LENGTH`. A configuration with
/// `k = 0` is plain decoding; its `alpha` is kept for display only and is 1 by convention.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecConfig {
    k: u32,
    alpha: f64,
}

impl SpecConfig {
    /// Builds a configuration, rejecting `alpha` outside (0, 1] and absurd draft lengths.
    pub fn new(k: u32, alpha: f64) -> Result<Self, ModelError> {
        if !(alpha.is_finite() && alpha > 0.0 && alpha <= 1.0) {
            return Err(ModelError::InvalidAlpha { value: alpha });
        }
        if k > MAX_DRAFT_LENGTH {
            return Err(ModelError::InvalidDraftLength {
                value: i64::from(k),
            });
        }
        Ok(Self { k, alpha })
    }

    /// Builds a configuration from a signed draft length, as read from a file or a flag.
    pub fn from_signed(k: i64, alpha: f64) -> Result<Self, ModelError> {
        let k = u32::try_from(k).map_err(|_| ModelError::InvalidDraftLength { value: k })?;
        Self::new(k, alpha)
    }

    /// Plain decoding: no draft tokens, one token per verifier pass.
    pub fn baseline() -> Self {
        Self { k: 0, alpha: 1.0 }
    }

    /// Draft tokens proposed per cycle.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// Per-token acceptance probability.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Expected tokens committed per verification, `E(alpha, k)`.
    pub fn expected_tokens(&self) -> f64 {
        expected_tokens(self.alpha, self.k)
    }

    /// Whether this configuration is plain decoding (`k = 0`).
    pub fn is_baseline(&self) -> bool {
        self.k == 0
    }
}

impl std::fmt::Display for SpecConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_baseline() {
            write!(f, "k=0 (no SD)")
        } else {
            write!(f, "k={} alpha={:.2}", self.k, self.alpha)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed values of `1 + a + ... + a^k`, tolerance 1e-12.
    const EXPECTED_TOKENS_TABLE: &[(f64, u32, f64)] = &[
        (0.5, 0, 1.0),
        (0.5, 1, 1.5),
        (0.5, 3, 1.875),
        (0.7, 3, 2.533),
        (0.8, 10, 4.570_503_270_4),
        (1.0, 10, 11.0),
        (1.0, 0, 1.0),
    ];

    #[test]
    fn expected_tokens_matches_table() {
        for &(alpha, k, expected) in EXPECTED_TOKENS_TABLE {
            let got = expected_tokens(alpha, k);
            assert!(
                (got - expected).abs() < 1e-9,
                "E({alpha}, {k}) = {got}, expected {expected}"
            );
        }
    }

    #[test]
    fn expected_tokens_matches_closed_form() {
        for k in 0..20 {
            for alpha in [0.05, 0.3, 0.6, 0.9, 0.99] {
                let closed = (1.0 - f64::powi(alpha, k as i32 + 1)) / (1.0 - alpha);
                assert!((expected_tokens(alpha, k) - closed).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn expected_tokens_continuous_at_one() {
        let near = expected_tokens(1.0 - 1e-12, 8);
        assert!((near - 9.0).abs() < 1e-9, "E near alpha = 1 is {near}");
    }

    #[test]
    fn spec_config_rejects_bad_alpha() {
        for alpha in [0.0, -0.1, 1.0 + 1e-9, f64::NAN, f64::INFINITY] {
            assert!(SpecConfig::new(3, alpha).is_err(), "alpha {alpha} accepted");
        }
        assert!(SpecConfig::new(3, 1.0).is_ok());
    }

    #[test]
    fn spec_config_rejects_negative_k() {
        let err = SpecConfig::from_signed(-1, 0.7).unwrap_err();
        assert_eq!(err, ModelError::InvalidDraftLength { value: -1 });
    }
}
