//! Planning from a fitted model: whether speculative decoding pays at a load, which draft
//! length to run, what to paste into vLLM, and how much traffic a latency target allows.
//!
//! Every computation here uses the closed forms of Kong et al., "An Interpretable Latency Model
//! for Speculative Decoding in LLM Serving" (arXiv 2605.15051, 2026): `L = C1 / (1 - rate * C2)`
//! for open-loop traffic and `L = C1 + N * C2` with `N` requests in flight for closed loop.
//! The break-even formulas are derived from those forms in [`speedup`].
//!
//! The modules, one concept each:
//!
//! - [`coverage`]: which measured series an answer rests on, and where it extrapolates;
//! - [`speedup`]: speedup against plain decoding, break-even rate and concurrency;
//! - [`best_k`]: the draft length with the lowest predicted latency at each load;
//! - [`engine_config`]: a vLLM `--speculative-config` with a draft length per batch size;
//! - [`capacity`]: the highest load that meets a latency target, mean or percentile;
//! - [`moe`]: the mixture-of-experts extension, solved by fixed-point iteration.

pub mod best_k;
pub mod capacity;
pub mod coverage;
pub mod engine_config;
pub mod moe;
pub mod speedup;

pub use best_k::{BestK, BestKTable, Load, best_k_table};
pub use capacity::{Capacity, capacity_for_k};
pub use coverage::Coverage;
pub use engine_config::{SpeculativeConfig, speculative_config};
pub use speedup::{SdPays, SpeedupAnalysis};

use crate::model::ModelError;

/// An invalid planning request or a model that cannot serve it, with the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Model(#[from] ModelError),

    #[error(
        "the model has no stage coefficients (it was fitted per series), so it cannot predict draft lengths it did not measure\n\nhint: refit with several draft lengths or acceptance rates together, so that prefill, verification and drafting separate"
    )]
    NoStageCoefficients,

    #[error(
        "no plain-decoding latency to compare with: the model has no k = 0 series and no stage coefficients\n\nhint: fit a baseline sweep (k = 0) together with the speculative-decoding sweeps"
    )]
    NoBaseline,

    #[error("invalid draft-length range {start}..={end}: {problem}\n\nhint: write the range as START:END with 0 <= START <= END <= {max}, for example 0:10", max = crate::model::MAX_DRAFT_LENGTH)]
    InvalidKRange {
        start: i64,
        end: i64,
        problem: &'static str,
    },

    #[error(
        "invalid latency target {value} s: it must be a finite number of seconds above 0\n\nhint: pass the target in seconds, for example --latency-target 2.5"
    )]
    InvalidLatencyTarget { value: f64 },

    #[error(
        "the model has {count} measured speculative-decoding configurations{at}, and a plan without an acceptance flag needs exactly one (measured: {available})\n\nhint: pass --alpha (or --acceptance-length with --k), or --k naming one measured draft length{system_hint}"
    )]
    AmbiguousAcceptance {
        count: usize,
        at: String,
        available: String,
        system_hint: &'static str,
    },

    #[error("invalid {name} {value}: it must be {problem}\n\nhint: {hint}")]
    InvalidValue {
        name: &'static str,
        value: f64,
        problem: &'static str,
        hint: &'static str,
    },

    #[error(
        "no {percentile} latency model: the fitted files did not record {percentile} at every fitted point (available: {available})\n\nhint: plan for the mean latency without --percentile, or refit with files that record {percentile}"
    )]
    NoPercentileModel {
        percentile: &'static str,
        available: String,
    },

    #[error("empty {what} grid\n\nhint: pass at least one value, for example 1,2,4 or 1:64:1")]
    EmptyGrid { what: &'static str },
}

/// A validated inclusive range of draft lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KRange {
    pub start: u32,
    pub end: u32,
}

impl KRange {
    /// Builds a range, rejecting negative bounds, `start > end` and lengths past
    /// [`crate::model::MAX_DRAFT_LENGTH`].
    pub fn new(start: i64, end: i64) -> Result<Self, PlanError> {
        let invalid = |problem| PlanError::InvalidKRange {
            start,
            end,
            problem,
        };
        if start < 0 || end < 0 {
            return Err(invalid("draft lengths are 0 or more"));
        }
        if start > end {
            return Err(invalid("the start is above the end"));
        }
        if end > i64::from(crate::model::MAX_DRAFT_LENGTH) {
            return Err(invalid(
                "the end is above the largest supported draft length",
            ));
        }
        Ok(Self {
            start: start as u32,
            end: end as u32,
        })
    }

    /// Returns the default range 0..=10: plain decoding and the draft lengths engines usually
    /// offer.
    pub fn default_range() -> Self {
        Self { start: 0, end: 10 }
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + use<> {
        self.start..=self.end
    }
}

/// Parses `START:END` (or a single `K`) into a [`KRange`].
impl std::str::FromStr for KRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parse = |part: &str| {
            part.trim().parse::<i64>().map_err(|_| {
                format!("invalid draft-length range `{text}`: expected START:END with whole numbers, for example 0:10")
            })
        };
        let (start, end) = match text.split_once(':') {
            Some((start, end)) => (parse(start)?, parse(end)?),
            None => {
                let k = parse(text)?;
                (k, k)
            }
        };
        Self::new(start, end).map_err(|e| e.to_string())
    }
}

/// Checks that a rate or concurrency grid is non-empty, finite and non-negative.
pub(crate) fn check_loads(values: &[f64], what: &'static str) -> Result<(), PlanError> {
    if values.is_empty() {
        return Err(PlanError::EmptyGrid { what });
    }
    for &value in values {
        if !(value.is_finite() && value >= 0.0) {
            return Err(match what {
                "concurrency" => ModelError::InvalidConcurrency { value }.into(),
                _ => ModelError::InvalidRate { value }.into(),
            });
        }
    }
    Ok(())
}
