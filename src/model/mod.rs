//! The interpretable latency model of speculative decoding under load.
//!
//! Mean end-to-end latency below saturation is affine in the mean number of requests in flight,
//! `L = C1 + B * C2`. Little's law (`B = rate * L`) removes the unobserved batch size and gives
//! the closed form `L(rate) = C1 / (1 - rate * C2)`, valid while `rate * C2 < 1`. With
//! speculative decoding, C1 and C2 split into prefill, verification and drafting costs:
//!
//! ```text
//! C1 = c1_prefill + (g / E) * (c1_verify + k * c1_draft)
//! C2 = c2_prefill + (g / E) * (c2_verify + k * c2_draft)
//! ```
//!
//! where `g` is the mean number of output tokens and `E = E(alpha, k)` the expected tokens per
//! verification. Source: Kong et al., "An Interpretable Latency Model for Speculative Decoding
//! in LLM Serving", arXiv 2605.15051 (2026), and the fitting code published with it in the
//! vllm-project/speculators repository, branch `researchScaling`.
//!
//! This module holds the values ([`SpecConfig`], [`StageCoefficients`], [`LoadCosts`]) and the
//! formulas. Fitting lives in [`crate::fit`], file reading in [`crate::ingest`].

mod acceptance;
pub mod acceptance_profile;
mod latency;

pub use acceptance::{MAX_DRAFT_LENGTH, SpecConfig, expected_tokens};
pub use latency::{COEFFICIENT_NAMES, LoadCosts, OperatingPoint, StageCoefficients};

/// An invalid value given to the model: the parameter, the value, and the valid range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("invalid acceptance probability alpha = {value}: it must lie in (0, 1]")]
    InvalidAlpha { value: f64 },

    #[error("invalid draft length k = {value}: it must be an integer from 0 to {MAX_DRAFT_LENGTH}")]
    InvalidDraftLength { value: i64 },

    #[error(
        "invalid coefficient {name} = {value}: stage costs must be finite and non-negative seconds"
    )]
    InvalidCoefficient { name: &'static str, value: f64 },

    #[error(
        "invalid request rate {value}: it must be a finite number of requests per second, 0 or more"
    )]
    InvalidRate { value: f64 },

    #[error(
        "invalid concurrency {value}: it must be a finite number of requests in flight, 0 or more"
    )]
    InvalidConcurrency { value: f64 },

    #[error(
        "invalid output length {value}: the mean output tokens per request must be finite and above 0"
    )]
    InvalidOutputTokens { value: f64 },

    #[error(
        "invalid acceptance length E = {value} for k = {k}: it must lie in [1, k + 1] and k must be at least 1"
    )]
    InvalidAcceptanceLength { value: f64, k: u32 },

    #[error(
        "invalid acceptance length E = {value}: it counts the bonus token, so it must be finite and at least 1"
    )]
    AcceptanceLengthBelowOne { value: f64 },

    #[error(
        "invalid acceptance rate {value}{}: it must be a fraction in [0, 1]",
        position.map(|p| format!(" at draft position {p}")).unwrap_or_default()
    )]
    InvalidAcceptanceRate { position: Option<usize>, value: f64 },

    #[error(
        "invalid acceptance rate {value}%: vLLM reports accepted / drafted tokens in percent, from 0 to 100"
    )]
    InvalidAcceptancePercent { value: f64 },

    #[error(
        "invalid acceptance counts: {accepted} accepted against {proposed} drafted; the drafted count must be above 0 and at least the accepted count"
    )]
    InvalidAcceptanceCounts { accepted: f64, proposed: f64 },

    #[error("invalid count {name} = {value}: it must be finite and non-negative")]
    InvalidCount { name: &'static str, value: f64 },

    #[error("empty acceptance profile: at least one per-position rate is needed")]
    EmptyAcceptanceProfile,

    #[error(
        "acceptance rate rises from {previous} to {value} at draft position {position}: a token is accepted only after every earlier one, so rates cannot rise by more than rounding"
    )]
    IncreasingAcceptance {
        position: usize,
        previous: f64,
        value: f64,
    },

    #[error("invalid drift threshold {value}: it must be a finite fraction, 0 or more")]
    InvalidDriftThreshold { value: f64 },
}
