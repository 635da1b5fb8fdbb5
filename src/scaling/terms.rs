//! The descriptor terms a stage coefficient is built from, and which of them a set of systems
//! can identify.
//!
//! Each stage coefficient of a system is modelled as a non-negative combination of a few
//! descriptors of that system, `c_j = sum_t theta_jt * d_t`, with `theta >= 0`. The descriptors
//! follow what a forward pass reads and computes:
//!
//! | term | value | unit | physical reading |
//! |---|---|---|---|
//! | `constant` | 1 | - | fixed overhead (scheduling, sampling, launches) |
//! | `weights` | verifier parameters streamed per pass | 1e9 parameters | weight reads of a memory-bound pass |
//! | `layers` | verifier layer count | layers | per-layer launch and synchronisation cost |
//! | `prefill_work` | `2 W_layers p + 2 A n_layers p^2` | TFLOP | matrix and attention work of prefilling `p` prompt tokens |
//! | `kv_read` | `kv_bytes_per_token * (p + g / 2)` | GB | KV cache read per request per decode step, at the mean decode length |
//! | `drafter_weights` | drafter parameters streamed per step | 1e9 parameters | weight reads of a drafter step |
//!
//! Here `W_layers` is the verifier's layer weights, `A` its attention width (heads times head
//! dimension), `p` the mean prompt tokens and `g` the mean output tokens; KV values are counted
//! at two bytes. The mean KV length during decode, `p + g / 2`, and the linear growth of the
//! load-dependent prefill cost with `p` are the length trends reported for this model (arXiv
//! 2605.15051).
//!
//! When no system of a fit has an architecture, the size terms are the same for every system
//! and the descriptors fall back to lengths alone ([`Basis::LengthOnly`]): `weights` and
//! `layers` are 1, `prefill_work` is `p / 1000` and `kv_read` is `(p + g / 2) / 1000`.
//!
//! Which terms a fit may use depends on the systems it is given. With `n` distinct systems a
//! coefficient can separate at most `n` terms. A term whose values across the systems are
//! (nearly) a combination of the terms before it adds nothing. [`select_terms`] walks each
//! coefficient's candidate list in priority order and keeps a term only when its column,
//! normalised, keeps more than [`SEPARATION_THRESHOLD`] of its length after projection onto
//! the kept ones.

use serde::{Deserialize, Serialize};

use super::architecture::Architecture;

/// Fraction of a normalised descriptor column that must remain after projecting out the
/// columns already kept for the term to count as separable. 2% keeps two runs of one model
/// whose mean prompt lengths differ by measurement noise from posing as two lengths.
pub const SEPARATION_THRESHOLD: f64 = 0.02;

/// Bytes per KV-cache value (bf16 or fp16).
pub const KV_BYTES_PER_VALUE: f64 = 2.0;

/// One regressor of a stage coefficient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    Constant,
    Weights,
    Layers,
    PrefillWork,
    KvRead,
    DrafterWeights,
}

impl Term {
    pub const ALL: [Term; 6] = [
        Term::Constant,
        Term::Weights,
        Term::Layers,
        Term::PrefillWork,
        Term::KvRead,
        Term::DrafterWeights,
    ];

    /// Returns the name used in flags, tables and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Term::Constant => "constant",
            Term::Weights => "weights",
            Term::Layers => "layers",
            Term::PrefillWork => "prefill_work",
            Term::KvRead => "kv_read",
            Term::DrafterWeights => "drafter_weights",
        }
    }

    /// Parses [`Term::name`].
    pub fn from_name(name: &str) -> Option<Term> {
        Term::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Unit of the descriptor value under `basis`.
    pub fn unit(&self, basis: Basis) -> &'static str {
        match (self, basis) {
            (Term::Constant, _) => "1",
            (Term::Weights, Basis::Architecture) | (Term::DrafterWeights, _) => "1e9 parameters",
            (Term::Weights | Term::Layers, Basis::LengthOnly) => "1",
            (Term::Layers, Basis::Architecture) => "layers",
            (Term::PrefillWork, Basis::Architecture) => "TFLOP",
            (Term::PrefillWork, Basis::LengthOnly) => "1000 prompt tokens",
            (Term::KvRead, Basis::Architecture) => "GB",
            (Term::KvRead, Basis::LengthOnly) => "1000 tokens of KV length",
        }
    }

    /// Returns whether the descriptor changes with prompt or output length.
    pub fn depends_on_length(&self) -> bool {
        matches!(self, Term::PrefillWork | Term::KvRead)
    }
}

/// Whether descriptors use the systems' architectures or lengths alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Every system has a verifier architecture.
    Architecture,
    /// No system has one: the systems differ in workload length only.
    LengthOnly,
}

/// Inputs of the descriptors: the system's architectures and its workload lengths.
#[derive(Clone, Copy, Debug)]
pub struct Shape<'a> {
    pub verifier: Option<&'a Architecture>,
    pub drafter: Option<&'a Architecture>,
    /// Mean prompt tokens per request.
    pub prompt_tokens: f64,
    /// Mean output tokens per request.
    pub output_tokens: f64,
}

impl Shape<'_> {
    /// Computes the value of `term`. Returns `None` when the system lacks what it needs: a
    /// drafter size, or a verifier architecture under [`Basis::Architecture`].
    pub fn value(&self, term: Term, basis: Basis) -> Option<f64> {
        let p = self.prompt_tokens;
        let g = self.output_tokens;
        let kv_length = p + g / 2.0;
        match (term, basis) {
            (Term::Constant, _) => Some(1.0),
            (Term::DrafterWeights, _) => self.drafter.map(|d| d.streamed_params() / 1e9),
            (Term::Weights | Term::Layers, Basis::LengthOnly) => Some(1.0),
            (Term::PrefillWork, Basis::LengthOnly) => Some(p / 1000.0),
            (Term::KvRead, Basis::LengthOnly) => Some(kv_length / 1000.0),
            (Term::Weights, Basis::Architecture) => {
                self.verifier.map(|v| v.streamed_params() / 1e9)
            }
            (Term::Layers, Basis::Architecture) => self.verifier.and_then(layer_count),
            (Term::PrefillWork, Basis::Architecture) => self.verifier.map(|v| {
                let matrix = 2.0 * v.layer_params() * p;
                // Without a layer count (a size stated in parameters only) the attention part,
                // small below a few thousand prompt tokens, is left out.
                let attention =
                    layer_count(v).map_or(0.0, |layers| 2.0 * v.attention_width() * layers * p * p);
                (matrix + attention) / 1e12
            }),
            (Term::KvRead, Basis::Architecture) => self
                .verifier
                .map(|v| v.kv_bytes_per_token(KV_BYTES_PER_VALUE) * kv_length / 1e9),
        }
    }
}

fn layer_count(v: &Architecture) -> Option<f64> {
    v.layers.map(|l| l as f64)
}

/// Candidate terms of each stage coefficient, in priority order, in the order of
/// [`crate::model::COEFFICIENT_NAMES`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermSet(pub [Vec<Term>; 6]);

impl Default for TermSet {
    /// Returns the default terms. They follow the physics of each stage and were checked on
    /// the Qwen3 sweeps at four sizes (`docs/scaling.md` lists the alternatives tried):
    ///
    /// - `c1_prefill`: prefill work, then a constant (request handling outside the GPU);
    /// - `c1_verify`: streamed weights, then layers (a pass at batch one reads every weight and
    ///   launches per-layer kernels);
    /// - `c1_draft` and `c2_draft`: a constant (a one-layer draft head's step costs about the
    ///   same at every size measured; `drafter_weights` is available for larger drafters);
    /// - `c2_prefill`: prefill work, then layers;
    /// - `c2_verify`: a constant, then the KV read (each request in flight adds its share of
    ///   the batched pass and its own KV cache reads).
    fn default() -> Self {
        TermSet([
            vec![Term::PrefillWork, Term::Constant],
            vec![Term::Weights, Term::Layers],
            vec![Term::Constant],
            vec![Term::PrefillWork, Term::Layers],
            vec![Term::Constant, Term::KvRead],
            vec![Term::Constant],
        ])
    }
}

impl TermSet {
    /// Parses one `COEFFICIENT=TERM+TERM` override, for example `c1_draft=constant+drafter_weights`.
    pub fn apply_override(&mut self, text: &str) -> Result<(), String> {
        let (name, terms) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not COEFFICIENT=TERM+TERM"))?;
        let index = crate::model::COEFFICIENT_NAMES
            .iter()
            .position(|n| *n == name.trim())
            .ok_or_else(|| {
                format!(
                    "unknown coefficient `{}`; the coefficients are {}",
                    name.trim(),
                    crate::model::COEFFICIENT_NAMES.join(", ")
                )
            })?;
        let mut parsed = Vec::new();
        for word in terms.split('+') {
            let term = Term::from_name(word.trim()).ok_or_else(|| {
                format!(
                    "unknown term `{}`; the terms are {}",
                    word.trim(),
                    Term::ALL.map(|t| t.name()).join(", ")
                )
            })?;
            if parsed.contains(&term) {
                return Err(format!("term `{}` is listed twice", term.name()));
            }
            parsed.push(term);
        }
        self.0[index] = parsed;
        Ok(())
    }
}

/// Reason a candidate term was left out of a fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// At least one system lacks the value (no drafter size, for example).
    Unavailable,
    /// Across the given systems the term is a combination of the terms kept before it.
    NotSeparable,
    /// No series of any system exercises the coefficient (no speculative decoding).
    CoefficientUnused,
}

impl DropReason {
    pub fn describe(&self) -> &'static str {
        match self {
            DropReason::Unavailable => "a system lacks the value",
            DropReason::NotSeparable => "the systems do not separate it from the terms before it",
            DropReason::CoefficientUnused => "no series uses this stage",
        }
    }
}

/// The terms one coefficient uses in a fit, and those it left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoefficientTerms {
    pub coefficient: String,
    pub used: Vec<Term>,
    pub dropped: Vec<(Term, DropReason)>,
}

/// Keeps the candidates of one coefficient that the systems identify. `values[s][i]` is the
/// value of `candidates[i]` for system `s`.
pub fn select_terms(
    candidates: &[Term],
    values: &[Vec<Option<f64>>],
) -> (Vec<Term>, Vec<(Term, DropReason)>) {
    let mut used = Vec::new();
    let mut dropped = Vec::new();
    // Orthonormal basis of the kept columns.
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for (i, &term) in candidates.iter().enumerate() {
        let column: Option<Vec<f64>> = values.iter().map(|row| row[i]).collect();
        let Some(column) = column else {
            dropped.push((term, DropReason::Unavailable));
            continue;
        };
        let norm = column.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            dropped.push((term, DropReason::NotSeparable));
            continue;
        }
        let mut residual: Vec<f64> = column.iter().map(|v| v / norm).collect();
        for q in &basis {
            let projection: f64 = residual.iter().zip(q).map(|(a, b)| a * b).sum();
            for (r, b) in residual.iter_mut().zip(q) {
                *r -= projection * b;
            }
        }
        let remaining = residual.iter().map(|v| v * v).sum::<f64>().sqrt();
        if remaining > SEPARATION_THRESHOLD {
            basis.push(residual.iter().map(|v| v / remaining).collect());
            used.push(term);
        } else {
            dropped.push((term, DropReason::NotSeparable));
        }
    }
    (used, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_system_keeps_only_the_first_term() {
        let values = vec![vec![Some(0.19), Some(1.0)]];
        let (used, dropped) = select_terms(&[Term::PrefillWork, Term::Constant], &values);
        assert_eq!(used, vec![Term::PrefillWork]);
        assert_eq!(dropped, vec![(Term::Constant, DropReason::NotSeparable)]);
    }

    #[test]
    fn two_lengths_separate_constant_and_length() {
        let values = vec![vec![Some(1.0), Some(0.57)], vec![Some(1.0), Some(0.257)]];
        let (used, _) = select_terms(&[Term::Constant, Term::KvRead], &values);
        assert_eq!(used, vec![Term::Constant, Term::KvRead]);
    }

    #[test]
    fn noise_in_the_prompt_length_does_not_separate() {
        // 512 and 515 prompt tokens: 0.3% apart after normalisation, below the threshold.
        let values = vec![vec![Some(0.512), Some(1.0)], vec![Some(0.515), Some(1.0)]];
        let (used, _) = select_terms(&[Term::PrefillWork, Term::Constant], &values);
        assert_eq!(used, vec![Term::PrefillWork]);
    }

    #[test]
    fn missing_value_drops_the_term() {
        let values = vec![vec![Some(1.0), None], vec![Some(1.0), Some(0.4)]];
        let (used, dropped) = select_terms(&[Term::Constant, Term::DrafterWeights], &values);
        assert_eq!(used, vec![Term::Constant]);
        assert_eq!(
            dropped,
            vec![(Term::DrafterWeights, DropReason::Unavailable)]
        );
    }

    #[test]
    fn length_only_units_match_values() {
        // Without an architecture the size terms are 1 for every system, so their weights are
        // plain seconds; the drafter's size is still counted in parameters.
        let shape = Shape {
            verifier: None,
            drafter: Some(&Architecture::from_params(0.38e9)),
            prompt_tokens: 512.0,
            output_tokens: 128.0,
        };
        assert_eq!(shape.value(Term::Weights, Basis::LengthOnly), Some(1.0));
        assert_eq!(Term::Weights.unit(Basis::LengthOnly), "1");
        assert_eq!(Term::Layers.unit(Basis::LengthOnly), "1");
        assert_eq!(Term::Weights.unit(Basis::Architecture), "1e9 parameters");
        assert_eq!(
            Term::DrafterWeights.unit(Basis::LengthOnly),
            "1e9 parameters"
        );
        assert_eq!(
            shape.value(Term::DrafterWeights, Basis::LengthOnly),
            Some(0.38)
        );
    }

    #[test]
    fn override_replaces_one_coefficient() {
        let mut set = TermSet::default();
        set.apply_override("c1_draft=constant+drafter_weights")
            .unwrap();
        assert_eq!(set.0[2], vec![Term::Constant, Term::DrafterWeights]);
        assert!(
            set.apply_override("c9=constant")
                .unwrap_err()
                .contains("unknown coefficient")
        );
        assert!(
            set.apply_override("c1_draft=mass")
                .unwrap_err()
                .contains("unknown term")
        );
    }
}
