//! Verifier and drafter architectures: from a Hugging Face `config.json` read from disk, or
//! from numbers stated in a manifest.
//!
//! # Parameter counts
//!
//! With hidden size `H`, `L` layers, `n_q` attention heads, `n_kv` key-value heads, head
//! dimension `d`, MLP width `I` and vocabulary size `V`, one dense layer has
//!
//! ```text
//! attention = 2 * H * n_q * d  +  2 * H * n_kv * d      (q and o; k and v projections)
//! mlp       = 3 * H * I                                 (gated MLP: gate, up and down)
//! ```
//!
//! A mixture-of-experts layer with `E` experts, `m` of them routed per token, expert width
//! `I_e` and shared experts of total width `I_s` replaces the MLP by the weights that one token
//! multiplies:
//!
//! ```text
//! moe = H * E  +  m * 3 * H * I_e  +  3 * H * I_s       (router, routed experts, shared experts)
//! ```
//!
//! [`Architecture::layer_params`] is `L * (attention + mlp)`, or `L * (attention + moe)`, and
//! [`Architecture::streamed_params`] adds the LM head, `H * V`, which every forward pass reads
//! once. The input embedding is left out because a pass looks up only one row per token, and
//! so are norm weights (0.002% to 0.011% of the dense Qwen3 models) and biases. The counts are
//! parameters, not bytes: with bf16 weights a pass reads `2 * streamed_params()` bytes.
//!
//! When the shape is incomplete, both counts fall back, in this order:
//!
//! 1. `params`, the stated total parameter count. It includes the input embedding and, for a
//!    mixture of experts, every expert, so it overstates what one pass reads (Qwen3-8B, whose
//!    input embedding is not tied to the LM head, has 8.19e9 in total against 7.57e9 streamed).
//! 2. `12 * H^2 * L` for the layers, plus `H * V` for the streamed count when `V` is known: the
//!    standard estimate for a dense transformer with full multi-head attention (`4 * H^2`) and
//!    a two-matrix MLP of width `4 * H` (`8 * H^2`).
//! 3. Zero, when neither the shape nor `params` is known.
//!
//! [`Architecture::params_source`] names the formula in use. A complete shape is `H`, `L`,
//! `n_q` and the MLP width (`I`, or `I_e` for a mixture of experts). When `V` is unknown, the
//! LM head is left out of the streamed count.
//!
//! # KV cache
//!
//! Each token stores a key and a value vector of width `n_kv * d` in every layer:
//! `kv_bytes_per_token(b) = 2 * L * n_kv * d * b` for `b` bytes per value. Without the head
//! counts, `n_kv * d` falls back to `H`, which is right for full multi-head attention and an
//! overestimate under grouped-query attention.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Largest `config.json` read. Real configurations are a few kilobytes, and the limit stops a
/// wrong path (a weights file, say) from being read into memory.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Largest count accepted, 2^53: every whole number up to it is exact as an `f64`.
pub const MAX_COUNT: u64 = 1 << 53;

/// Fix for a configuration that lacks the fields everything else depends on.
const MISSING_SHAPE_HINT: &str = "pass the model's config.json from its Hugging Face \
    repository, or state the full shape (hidden_size, layers, attention_heads, kv_heads, \
    head_dim, intermediate_size, vocab_size) in the manifest";

/// Fix for a configuration value of the wrong type or range.
const DAMAGED_CONFIG_HINT: &str = "the file may be damaged or hand-edited; copy config.json \
    again from the model's Hugging Face repository, or state the value in the manifest, where \
    it overrides the file's";

/// A problem with an architecture description: the file, the field, what is wrong, the fix.
#[derive(Debug, thiserror::Error)]
pub enum ArchitectureError {
    #[error("{path}: {field}: {problem}\n\nhint: {hint}", path = path.display())]
    Invalid {
        path: PathBuf,
        field: String,
        problem: String,
        hint: String,
    },

    #[error("{path}: cannot read the model configuration: {error}\n\nhint: check the path; `config` and `drafter_config` in a manifest are relative to the manifest's directory", path = path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{path}: the file is {size} bytes, more than the limit of {limit} bytes for a model configuration\n\nhint: pass the model's config.json, not its weights or tokenizer", path = path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },

    #[error("{path}: invalid JSON at line {line}, column {column}: {message}\n\nhint: {DAMAGED_CONFIG_HINT}", path = path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The formula behind [`Architecture::layer_params`] and [`Architecture::streamed_params`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamsSource {
    /// Counted from the complete shape.
    Shape,
    /// The stated total parameter count, `params`.
    Stated,
    /// The dense-transformer estimate `12 * H^2 * L` (plus `H * V` when streamed).
    DenseEstimate,
    /// Neither a shape nor `params` is known; both counts are zero.
    Unknown,
}

/// The shape of a transformer, as far as its serving cost depends on it.
///
/// Every field is optional so that a manifest can state only part of the shape. The methods
/// fall back as the module documentation describes. [`Architecture::from_hf_config`] always sets
/// `hidden_size` and `layers`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Architecture {
    /// Model width `H`.
    pub hidden_size: Option<u64>,
    /// Transformer layers `L`.
    pub layers: Option<u64>,
    /// Query heads `n_q`.
    pub attention_heads: Option<u64>,
    /// Key-value heads `n_kv`. `None` means as many as `attention_heads`.
    pub kv_heads: Option<u64>,
    /// Width of one head `d`. `None` means `hidden_size / attention_heads`.
    pub head_dim: Option<u64>,
    /// Width `I` of the gated MLP of a dense layer.
    pub intermediate_size: Option<u64>,
    /// Vocabulary size `V`, the row count of the LM head.
    pub vocab_size: Option<u64>,
    /// Routed experts per layer `E`, or `None` for a dense model.
    pub experts_total: Option<u64>,
    /// Routed experts each token uses, `m`.
    pub experts_per_token: Option<u64>,
    /// Width `I_e` of one routed expert's gated MLP. `None` means `intermediate_size`.
    pub expert_intermediate_size: Option<u64>,
    /// Shared experts per layer, which every token uses. `None` means one when
    /// `shared_expert_intermediate_size` is set and none otherwise, and 0 means none.
    pub shared_experts: Option<u64>,
    /// Width of one shared expert. `None` means `expert_intermediate_size`.
    pub shared_expert_intermediate_size: Option<u64>,
    /// Total parameters as stated by the user, when given instead of (or beside) the shape.
    pub params: Option<f64>,
}

/// One of the shape fields of [`Architecture`], for error messages that must use the name of
/// the file the value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShapeField {
    HiddenSize,
    Layers,
    AttentionHeads,
    KvHeads,
    HeadDim,
    IntermediateSize,
    VocabSize,
    ExpertsTotal,
    ExpertsPerToken,
    ExpertIntermediateSize,
    SharedExperts,
    SharedExpertIntermediateSize,
    Params,
}

impl ShapeField {
    /// Returns the key in a `[[system]]` entry of a manifest.
    pub(crate) fn manifest_key(self) -> &'static str {
        match self {
            Self::HiddenSize => "hidden_size",
            Self::Layers => "layers",
            Self::AttentionHeads => "attention_heads",
            Self::KvHeads => "kv_heads",
            Self::HeadDim => "head_dim",
            Self::IntermediateSize => "intermediate_size",
            Self::VocabSize => "vocab_size",
            Self::ExpertsTotal => "experts_total",
            Self::ExpertsPerToken => "experts_per_token",
            Self::ExpertIntermediateSize => "expert_intermediate_size",
            Self::SharedExperts => "shared_experts",
            Self::SharedExpertIntermediateSize => "shared_expert_intermediate_size",
            Self::Params => "verifier_params",
        }
    }

    /// Returns the key in a Hugging Face `config.json`.
    fn config_key(self) -> &'static str {
        match self {
            Self::HiddenSize => "hidden_size",
            Self::Layers => "num_hidden_layers",
            Self::AttentionHeads => "num_attention_heads",
            Self::KvHeads => "num_key_value_heads",
            Self::HeadDim => "head_dim",
            Self::IntermediateSize => "intermediate_size",
            Self::VocabSize => "vocab_size",
            Self::ExpertsTotal => "num_experts",
            Self::ExpertsPerToken => "num_experts_per_tok",
            Self::ExpertIntermediateSize => "moe_intermediate_size",
            Self::SharedExperts => "n_shared_experts",
            Self::SharedExpertIntermediateSize => "shared_expert_intermediate_size",
            Self::Params => "params",
        }
    }
}

/// An inconsistency between the fields of an [`Architecture`], with its fix.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ShapeProblem {
    pub(crate) field: ShapeField,
    pub(crate) problem: String,
    pub(crate) hint: &'static str,
}

impl ShapeProblem {
    /// Returns the problem as the `Err` of a check.
    fn new(field: ShapeField, problem: String, hint: &'static str) -> Result<(), Self> {
        Err(Self {
            field,
            problem,
            hint,
        })
    }
}

impl Architecture {
    /// Creates an architecture known only by its total parameter count.
    pub fn from_params(params: f64) -> Self {
        Self {
            params: Some(params),
            ..Self::default()
        }
    }

    /// Reads a Hugging Face `config.json` from disk.
    ///
    /// Reads the fields of the top-level object, or of `text_config` when the top level has
    /// no `hidden_size` (multimodal models). `hidden_size` and `num_hidden_layers` are
    /// required. The routed expert count is the first of `num_experts`, `num_local_experts`
    /// and `n_routed_experts` that is present. `params` is left unset, because Hugging Face
    /// configurations do not state it. Fails on a file that cannot be read, is larger than
    /// [`MAX_CONFIG_BYTES`], is not JSON, lacks a required field, or has a value that is not
    /// a positive whole number or does not fit the other values.
    pub fn from_hf_config(path: &Path) -> Result<Self, ArchitectureError> {
        let bytes = read_limited(path)?;
        Self::from_hf_config_bytes(path, &bytes)
    }

    /// Parses the bytes of a Hugging Face `config.json` as [`Architecture::from_hf_config`]
    /// does; `path` appears only in error messages.
    pub fn from_hf_config_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ArchitectureError> {
        // Editors on some systems save JSON with a UTF-8 byte order mark, which JSON forbids.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| ArchitectureError::Syntax {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        let Value::Object(top) = &value else {
            return Err(ArchitectureError::Invalid {
                path: path.to_path_buf(),
                field: "top level".to_string(),
                problem: format!("expected a JSON object, found {}", describe_json(&value)),
                hint: MISSING_SHAPE_HINT.to_string(),
            });
        };

        let (object, prefix) = match top.get("text_config") {
            Some(Value::Object(text)) if !top.contains_key("hidden_size") => (text, "text_config."),
            _ => (top, ""),
        };
        let reader = ConfigReader {
            path,
            object,
            prefix,
        };
        let architecture = reader.architecture()?;
        architecture
            .check_shape()
            .map_err(|problem| reader.invalid(problem.field.config_key(), problem.problem))?;
        Ok(architecture)
    }

    /// Returns this architecture with every field that `overrides` sets replaced by its value.
    pub fn with_overrides(&self, overrides: &Architecture) -> Self {
        Self {
            hidden_size: overrides.hidden_size.or(self.hidden_size),
            layers: overrides.layers.or(self.layers),
            attention_heads: overrides.attention_heads.or(self.attention_heads),
            kv_heads: overrides.kv_heads.or(self.kv_heads),
            head_dim: overrides.head_dim.or(self.head_dim),
            intermediate_size: overrides.intermediate_size.or(self.intermediate_size),
            vocab_size: overrides.vocab_size.or(self.vocab_size),
            experts_total: overrides.experts_total.or(self.experts_total),
            experts_per_token: overrides.experts_per_token.or(self.experts_per_token),
            expert_intermediate_size: overrides
                .expert_intermediate_size
                .or(self.expert_intermediate_size),
            shared_experts: overrides.shared_experts.or(self.shared_experts),
            shared_expert_intermediate_size: overrides
                .shared_expert_intermediate_size
                .or(self.shared_expert_intermediate_size),
            params: overrides.params.or(self.params),
        }
    }

    /// Lists the fields that `overrides` sets to a value different from this architecture's,
    /// as `name: old -> new`.
    pub fn differences(&self, overrides: &Architecture) -> Vec<String> {
        let fields: [(&str, Option<u64>, Option<u64>); 12] = [
            ("hidden_size", self.hidden_size, overrides.hidden_size),
            ("layers", self.layers, overrides.layers),
            (
                "attention_heads",
                self.attention_heads,
                overrides.attention_heads,
            ),
            ("kv_heads", self.kv_heads, overrides.kv_heads),
            ("head_dim", self.head_dim, overrides.head_dim),
            (
                "intermediate_size",
                self.intermediate_size,
                overrides.intermediate_size,
            ),
            ("vocab_size", self.vocab_size, overrides.vocab_size),
            ("experts_total", self.experts_total, overrides.experts_total),
            (
                "experts_per_token",
                self.experts_per_token,
                overrides.experts_per_token,
            ),
            (
                "expert_intermediate_size",
                self.expert_intermediate_size,
                overrides.expert_intermediate_size,
            ),
            (
                "shared_experts",
                self.shared_experts,
                overrides.shared_experts,
            ),
            (
                "shared_expert_intermediate_size",
                self.shared_expert_intermediate_size,
                overrides.shared_expert_intermediate_size,
            ),
        ];
        fields
            .into_iter()
            .filter_map(|(name, old, new)| match (old, new) {
                (Some(old), Some(new)) if old != new => Some(format!("{name}: {old} -> {new}")),
                _ => None,
            })
            .collect()
    }

    /// Returns whether the architecture states nothing: no shape and no `params`.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Returns whether the layers route tokens to experts.
    pub fn is_moe(&self) -> bool {
        self.experts_total.is_some()
    }

    /// Key-value heads, defaulting to the attention heads.
    pub fn effective_kv_heads(&self) -> Option<u64> {
        self.kv_heads.or(self.attention_heads)
    }

    /// Head width, defaulting to `hidden_size / attention_heads` (rounded down).
    pub fn effective_head_dim(&self) -> Option<u64> {
        self.head_dim.or_else(|| {
            self.hidden_size
                .zip(self.attention_heads)
                .and_then(|(hidden, heads)| hidden.checked_div(heads))
        })
    }

    /// Describes the estimates that stand in for missing shape values, in one sentence, or
    /// returns `None` when the shape is complete. Descriptors built on an estimate can be far
    /// off: Qwen3-32B described by `hidden_size` and `layers` alone counts 20.1e9 streamed
    /// parameters instead of 32.0e9, and five times its KV cache.
    pub fn estimate_caveat(&self) -> Option<String> {
        let mut parts = Vec::new();
        match self.params_source() {
            ParamsSource::Shape => {}
            ParamsSource::Stated => parts.push(
                "streamed weights are taken as the stated total parameter count, which also \
                 counts the input embedding and every expert"
                    .to_string(),
            ),
            ParamsSource::DenseEstimate => parts.push(
                "streamed weights are estimated as 12 H^2 L (+ H V), which assumes full \
                 multi-head attention and a 4 H MLP"
                    .to_string(),
            ),
            ParamsSource::Unknown => {
                parts.push("streamed weights are unknown and counted as 0".to_string())
            }
        }
        if self.layers.is_some()
            && (self.effective_kv_heads().is_none() || self.effective_head_dim().is_none())
        {
            parts.push(
                "the KV cache assumes one KV head per attention head of width H/heads, which \
                 overstates it under grouped-query attention"
                    .to_string(),
            );
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Returns the formula that [`Architecture::layer_params`] and
    /// [`Architecture::streamed_params`] use.
    pub fn params_source(&self) -> ParamsSource {
        if self.shape_layer_params().is_some() {
            ParamsSource::Shape
        } else if self.params.is_some() {
            ParamsSource::Stated
        } else if self.hidden_size.is_some() && self.layers.is_some() {
            ParamsSource::DenseEstimate
        } else {
            ParamsSource::Unknown
        }
    }

    /// Parameters read from memory by one forward pass of a small batch: the layers' weights
    /// that a token multiplies and the LM head. See the module documentation for the
    /// fallbacks when the shape is incomplete.
    pub fn streamed_params(&self) -> f64 {
        match self.params_source() {
            ParamsSource::Shape | ParamsSource::DenseEstimate => {
                self.layer_params() + self.lm_head_params()
            }
            ParamsSource::Stated => self.params.unwrap_or(0.0),
            ParamsSource::Unknown => 0.0,
        }
    }

    /// Weights of the transformer layers that every token multiplies: for a mixture of
    /// experts, the router, the routed experts of one token and the shared experts. See the
    /// module documentation for the fallbacks when the shape is incomplete.
    pub fn layer_params(&self) -> f64 {
        match self.params_source() {
            ParamsSource::Shape => self.shape_layer_params().unwrap_or(0.0),
            ParamsSource::Stated => self.params.unwrap_or(0.0),
            ParamsSource::DenseEstimate => {
                let hidden = self.hidden_size.unwrap_or(0) as f64;
                let layers = self.layers.unwrap_or(0) as f64;
                12.0 * hidden * hidden * layers
            }
            ParamsSource::Unknown => 0.0,
        }
    }

    /// Bytes of KV cache written per token, `2 * L * n_kv * d * bytes_per_value`.
    ///
    /// `n_kv * d` falls back to `hidden_size` without the head counts. Returns 0 when the
    /// layer count is unknown (an architecture given only by `params`).
    pub fn kv_bytes_per_token(&self, bytes_per_value: f64) -> f64 {
        let Some(layers) = self.layers else {
            return 0.0;
        };
        let width = match (self.effective_kv_heads(), self.effective_head_dim()) {
            (Some(kv_heads), Some(head_dim)) => kv_heads as f64 * head_dim as f64,
            _ => self.hidden_size.unwrap_or(0) as f64,
        };
        2.0 * layers as f64 * width * bytes_per_value
    }

    /// Width of the attention computation, `heads * head_dim`.
    ///
    /// Falls back to `hidden_size` without the head count, and returns 0 when that is unknown
    /// too.
    pub fn attention_width(&self) -> f64 {
        match (self.attention_heads, self.effective_head_dim()) {
            (Some(heads), Some(head_dim)) => heads as f64 * head_dim as f64,
            _ => self.hidden_size.unwrap_or(0) as f64,
        }
    }

    /// `H * V`, or 0 when either is unknown.
    fn lm_head_params(&self) -> f64 {
        match (self.hidden_size, self.vocab_size) {
            (Some(hidden), Some(vocab)) => hidden as f64 * vocab as f64,
            _ => 0.0,
        }
    }

    /// `L * (attention + mlp)`, or `None` when the shape is incomplete.
    fn shape_layer_params(&self) -> Option<f64> {
        let layers = self.layers? as f64;
        let attention = self.attention_params()?;
        let feed_forward = self.feed_forward_params()?;
        Some(layers * (attention + feed_forward))
    }

    fn attention_params(&self) -> Option<f64> {
        let hidden = self.hidden_size? as f64;
        let heads = self.attention_heads? as f64;
        let kv_heads = self.effective_kv_heads()? as f64;
        let head_dim = self.effective_head_dim()? as f64;
        Some(2.0 * hidden * heads * head_dim + 2.0 * hidden * kv_heads * head_dim)
    }

    /// Counts the MLP of a dense layer, or the weights one token uses in a mixture-of-experts
    /// layer.
    fn feed_forward_params(&self) -> Option<f64> {
        let hidden = self.hidden_size? as f64;
        let Some(experts_total) = self.experts_total else {
            return Some(3.0 * hidden * self.intermediate_size? as f64);
        };

        let expert_width = self.expert_intermediate_size.or(self.intermediate_size)? as f64;
        let experts_per_token = self.experts_per_token? as f64;
        let shared_width = self
            .shared_expert_intermediate_size
            .map_or(expert_width, |width| width as f64);
        let shared_experts = match (self.shared_experts, self.shared_expert_intermediate_size) {
            (Some(count), _) => count as f64,
            (None, Some(_)) => 1.0,
            (None, None) => 0.0,
        };

        let router = hidden * experts_total as f64;
        let routed = experts_per_token * 3.0 * hidden * expert_width;
        let shared = shared_experts * 3.0 * hidden * shared_width;
        Some(router + routed + shared)
    }

    /// Checks that the fields fit together: positive counts, key-value heads that divide the
    /// attention heads, a whole default head width, expert counts that come together.
    pub(crate) fn check_shape(&self) -> Result<(), ShapeProblem> {
        use ShapeField as F;

        let positive = [
            (F::HiddenSize, self.hidden_size),
            (F::Layers, self.layers),
            (F::AttentionHeads, self.attention_heads),
            (F::KvHeads, self.kv_heads),
            (F::HeadDim, self.head_dim),
            (F::IntermediateSize, self.intermediate_size),
            (F::VocabSize, self.vocab_size),
            (F::ExpertsTotal, self.experts_total),
            (F::ExpertsPerToken, self.experts_per_token),
            (F::ExpertIntermediateSize, self.expert_intermediate_size),
        ];
        for (field, value) in positive {
            if value == Some(0) {
                return ShapeProblem::new(
                    field,
                    "must be positive, found 0".to_string(),
                    "counts of heads, layers, experts and widths are positive whole numbers, as \
                     in the model's config.json",
                );
            }
        }
        if let Some(params) = self.params
            && !(params.is_finite() && params > 0.0)
        {
            return ShapeProblem::new(
                F::Params,
                format!("must be a positive finite number, found {params}"),
                "give the total parameter count, for example 8.2e9",
            );
        }

        let together_hint = "give hidden_size and layers together, or only the total parameter \
                             count, or the verifier's config.json as `config`";
        match (self.hidden_size, self.layers) {
            (Some(_), None) => {
                return ShapeProblem::new(
                    F::Layers,
                    "missing: hidden_size is given".to_string(),
                    together_hint,
                );
            }
            (None, Some(_)) => {
                return ShapeProblem::new(
                    F::HiddenSize,
                    "missing: layers is given".to_string(),
                    together_hint,
                );
            }
            _ => {}
        }
        if self.hidden_size.is_none() {
            let details = [
                (F::AttentionHeads, self.attention_heads),
                (F::KvHeads, self.kv_heads),
                (F::HeadDim, self.head_dim),
                (F::IntermediateSize, self.intermediate_size),
                (F::VocabSize, self.vocab_size),
                (F::ExpertsTotal, self.experts_total),
                (F::ExpertsPerToken, self.experts_per_token),
                (F::ExpertIntermediateSize, self.expert_intermediate_size),
                (F::SharedExperts, self.shared_experts),
                (
                    F::SharedExpertIntermediateSize,
                    self.shared_expert_intermediate_size,
                ),
            ];
            if let Some((field, _)) = details.iter().find(|(_, value)| value.is_some()) {
                return ShapeProblem::new(
                    *field,
                    "given without hidden_size and layers, which it needs".to_string(),
                    "give hidden_size and layers too, or the verifier's config.json as `config`",
                );
            }
        }

        self.check_heads()?;
        self.check_experts()
    }

    fn check_heads(&self) -> Result<(), ShapeProblem> {
        let Some(heads) = self.attention_heads else {
            for (field, value) in [
                (ShapeField::KvHeads, self.kv_heads),
                (ShapeField::HeadDim, self.head_dim),
            ] {
                if value.is_some() {
                    return ShapeProblem::new(
                        field,
                        "given without the attention head count, which it needs".to_string(),
                        "give attention_heads too, or the verifier's config.json as `config`",
                    );
                }
            }
            return Ok(());
        };

        if let Some(kv_heads) = self.kv_heads
            && (kv_heads > heads || heads % kv_heads != 0)
        {
            return ShapeProblem::new(
                ShapeField::KvHeads,
                format!(
                    "{kv_heads} key-value heads do not divide the {heads} attention heads \
                     evenly, as grouped-query attention requires"
                ),
                "compare both head counts with the model's config.json (Qwen3-8B, for \
                 example, has 8 key-value heads and 32 attention heads)",
            );
        }
        if self.head_dim.is_none()
            && let Some(hidden) = self.hidden_size
            && hidden % heads != 0
        {
            return ShapeProblem::new(
                ShapeField::HeadDim,
                format!(
                    "missing, and the default hidden_size / heads = {hidden} / {heads} is not \
                     a whole number"
                ),
                "give the head width as the model's config.json states it",
            );
        }
        Ok(())
    }

    fn check_experts(&self) -> Result<(), ShapeProblem> {
        match (self.experts_total, self.experts_per_token) {
            (Some(total), Some(per_token)) if per_token > total => ShapeProblem::new(
                ShapeField::ExpertsPerToken,
                format!("{per_token} experts per token is more than the {total} experts"),
                "compare both expert counts with the model's config.json (`num_experts` and \
                 `num_experts_per_tok`)",
            ),
            (Some(total), None) => ShapeProblem::new(
                ShapeField::ExpertsPerToken,
                format!("missing, but the model has {total} routed experts"),
                "give the experts each token is routed to, `num_experts_per_tok` in the \
                 model's config.json",
            ),
            (None, Some(_)) => ShapeProblem::new(
                ShapeField::ExpertsTotal,
                "missing, but experts per token is given".to_string(),
                "give the routed expert count, `num_experts` in the model's config.json, or \
                 remove the expert fields for a dense model",
            ),
            (None, None) => {
                let expert_fields = [
                    (
                        ShapeField::ExpertIntermediateSize,
                        self.expert_intermediate_size,
                    ),
                    (ShapeField::SharedExperts, self.shared_experts),
                    (
                        ShapeField::SharedExpertIntermediateSize,
                        self.shared_expert_intermediate_size,
                    ),
                ];
                match expert_fields.iter().find(|(_, value)| value.is_some()) {
                    Some((field, _)) => ShapeProblem::new(
                        *field,
                        "given for a model without routed experts".to_string(),
                        "give experts_total and experts_per_token too, or remove the expert \
                         fields for a dense model",
                    ),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// A verifier-drafter pair serving a workload: what determines one system's stage costs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SystemDescription {
    /// Name from the manifest, unique within it.
    pub name: String,
    /// The verifier (target) model, or `None` when the manifest gives neither a
    /// configuration, a shape, nor a parameter count.
    pub verifier: Option<Architecture>,
    /// The drafter: from its configuration, or known only by `params`.
    pub drafter: Option<Architecture>,
    /// Mean prompt length in tokens, overriding the measured one.
    pub prompt_tokens: Option<f64>,
    /// Mean output length in tokens, overriding the measured one.
    pub output_tokens: Option<f64>,
    /// The manifest that describes the system, for messages.
    pub source: PathBuf,
    /// Values stated in the manifest that replaced different values of the `config`, one
    /// sentence each, for warnings.
    pub overridden: Vec<String>,
}

/// Reads at most [`MAX_CONFIG_BYTES`] from `path`.
fn read_limited(path: &Path) -> Result<Vec<u8>, ArchitectureError> {
    let read_error = |error| ArchitectureError::Read {
        path: path.to_path_buf(),
        error,
    };
    let too_large = |size| ArchitectureError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit: MAX_CONFIG_BYTES,
    };

    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_CONFIG_BYTES {
        return Err(too_large(size));
    }
    // The size can change between the check and the read, so the read is capped as well.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The object of a configuration that contains the model's fields, with its location.
struct ConfigReader<'a> {
    path: &'a Path,
    object: &'a Map<String, Value>,
    /// `text_config.` when the fields are nested there, otherwise empty.
    prefix: &'static str,
}

impl ConfigReader<'_> {
    fn architecture(&self) -> Result<Architecture, ArchitectureError> {
        let hidden_size = self.required("hidden_size")?;
        let layers = self.required("num_hidden_layers")?;

        // The first of the three names that is present counts, so a configuration with
        // `num_experts: null` and `num_local_experts: 8` has 8 experts.
        let mut experts_total = None;
        for key in ["num_experts", "num_local_experts", "n_routed_experts"] {
            experts_total = self.count(key)?;
            if experts_total.is_some() {
                break;
            }
        }
        // Without an expert count, `num_experts_per_tok` describes nothing that the model
        // has, so it is read only beside one.
        let experts_per_token = match experts_total {
            Some(_) => self.count("num_experts_per_tok")?,
            None => None,
        };
        let (shared_experts, shared_expert_intermediate_size) = match experts_total {
            Some(_) => (
                self.count_or_zero("n_shared_experts")?,
                self.count_or_zero("shared_expert_intermediate_size")?,
            ),
            None => (None, None),
        };

        // NOTE: every layer is taken to be a mixture-of-experts layer when the configuration
        // names experts. Models that keep some layers dense (`first_k_dense_replace`,
        // `mlp_only_layers`, `decoder_sparse_step`) are counted as if all were sparse.
        Ok(Architecture {
            hidden_size: Some(hidden_size),
            layers: Some(layers),
            attention_heads: self.count("num_attention_heads")?,
            kv_heads: self.count("num_key_value_heads")?,
            head_dim: self.count("head_dim")?,
            intermediate_size: self.count("intermediate_size")?,
            vocab_size: self.count("vocab_size")?,
            experts_total,
            experts_per_token,
            expert_intermediate_size: match experts_total {
                Some(_) => self.count("moe_intermediate_size")?,
                None => None,
            },
            shared_experts,
            shared_expert_intermediate_size,
            params: None,
        })
    }

    fn invalid(&self, key: &str, problem: String) -> ArchitectureError {
        ArchitectureError::Invalid {
            path: self.path.to_path_buf(),
            field: format!("{}{key}", self.prefix),
            problem,
            hint: DAMAGED_CONFIG_HINT.to_string(),
        }
    }

    fn required(&self, key: &str) -> Result<u64, ArchitectureError> {
        match self.count(key)? {
            Some(value) => Ok(value),
            None => Err(ArchitectureError::Invalid {
                path: self.path.to_path_buf(),
                field: format!("{}{key}", self.prefix),
                problem: "missing".to_string(),
                hint: MISSING_SHAPE_HINT.to_string(),
            }),
        }
    }

    /// Reads a positive whole number, or `None` when the key is absent or `null`.
    fn count(&self, key: &str) -> Result<Option<u64>, ArchitectureError> {
        match self.whole_number(key)? {
            Some(0) => Err(self.invalid(key, "must be positive, found 0".to_string())),
            other => Ok(other),
        }
    }

    /// Reads a whole number from 0, or `None` when the key is absent, `null` or 0.
    fn count_or_zero(&self, key: &str) -> Result<Option<u64>, ArchitectureError> {
        Ok(self.whole_number(key)?.filter(|&value| value > 0))
    }

    fn whole_number(&self, key: &str) -> Result<Option<u64>, ArchitectureError> {
        let value = match self.object.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(value) => value,
        };
        let Value::Number(number) = value else {
            return Err(self.invalid(
                key,
                format!("expected a whole number, found {}", describe_json(value)),
            ));
        };

        if let Some(whole) = number.as_u64() {
            if whole > MAX_COUNT {
                return Err(self.invalid(
                    key,
                    format!("{whole} is larger than the limit of {MAX_COUNT}"),
                ));
            }
            return Ok(Some(whole));
        }
        if number.as_i64().is_some() {
            return Err(self.invalid(key, format!("must be positive, found {number}")));
        }
        // A float such as 4096.0 is accepted when it is whole.
        match number.as_f64() {
            Some(float) if float < 0.0 => {
                Err(self.invalid(key, format!("must be positive, found {number}")))
            }
            Some(float) if float.fract() == 0.0 && float <= MAX_COUNT as f64 => {
                Ok(Some(float as u64))
            }
            Some(float) if float.fract() == 0.0 => Err(self.invalid(
                key,
                format!("{number} is larger than the limit of {MAX_COUNT}"),
            )),
            _ => Err(self.invalid(key, format!("expected a whole number, found {number}"))),
        }
    }
}

/// Names the JSON type of `value`, with the value when it is short.
fn describe_json(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) if text.len() <= 40 => format!("the string {text:?}"),
        Value::String(_) => "a string".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hf-config")
            .join(name)
            .join("config.json")
    }

    fn write_config(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("config.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn relative_error(actual: f64, expected: f64) -> f64 {
        (actual - expected).abs() / expected
    }

    #[test]
    fn qwen3_fixtures_read_their_fields() {
        let qwen3_8b = Architecture::from_hf_config(&fixture("qwen3-8b")).unwrap();
        assert_eq!(
            qwen3_8b,
            Architecture {
                hidden_size: Some(4096),
                layers: Some(36),
                attention_heads: Some(32),
                kv_heads: Some(8),
                head_dim: Some(128),
                intermediate_size: Some(12288),
                vocab_size: Some(151936),
                ..Architecture::default()
            }
        );
        assert_eq!(qwen3_8b.params_source(), ParamsSource::Shape);
        assert!(!qwen3_8b.is_moe());
    }

    // Hand counts, per layer: attention 2*H*n_q*d + 2*H*n_kv*d, MLP 3*H*I; then
    // L * layer + H * V with V = 151936, d = 128 and n_kv = 8.
    //
    // 0.6B: 2*1024*2048 + 2*1024*1024 = 6,291,456; 3*1024*3072 = 9,437,184;
    //       28 * 15,728,640 = 440,401,920; + 1024*151936 = 155,582,464 -> 595,984,384.
    // 4B:   2*2560*4096 + 2*2560*1024 = 26,214,400; 3*2560*9728 = 74,711,040;
    //       36 * 100,925,440 = 3,633,315,840; + 388,956,160 -> 4,022,272,000.
    // 8B:   2*4096*4096 + 2*4096*1024 = 41,943,040; 3*4096*12288 = 150,994,944;
    //       36 * 192,937,984 = 6,945,767,424; + 622,329,856 -> 7,568,097,280.
    // 32B:  2*5120*8192 + 2*5120*1024 = 94,371,840; 3*5120*25600 = 393,216,000;
    //       64 * 487,587,840 = 31,205,621,760; + 777,912,320 -> 31,983,534,080.
    const QWEN3_COUNTS: [(&str, f64, f64); 4] = [
        ("qwen3-0.6b", 440_401_920.0, 595_984_384.0),
        ("qwen3-4b", 3_633_315_840.0, 4_022_272_000.0),
        ("qwen3-8b", 6_945_767_424.0, 7_568_097_280.0),
        ("qwen3-32b", 31_205_621_760.0, 31_983_534_080.0),
    ];

    #[test]
    fn qwen3_streamed_params_match_hand_counts() {
        for (name, layer, streamed) in QWEN3_COUNTS {
            let architecture = Architecture::from_hf_config(&fixture(name)).unwrap();
            assert_eq!(architecture.layer_params(), layer, "{name}");
            assert_eq!(architecture.streamed_params(), streamed, "{name}");
        }
    }

    #[test]
    fn qwen3_streamed_params_round_to_published_sizes() {
        let rounded = [
            ("qwen3-0.6b", 0.596e9),
            ("qwen3-4b", 4.022e9),
            ("qwen3-8b", 7.568e9),
            ("qwen3-32b", 31.98e9),
        ];
        for (name, expected) in rounded {
            let streamed = Architecture::from_hf_config(&fixture(name))
                .unwrap()
                .streamed_params();
            assert!(
                relative_error(streamed, expected) < 1e-3,
                "{name}: {streamed}"
            );
        }
    }

    #[test]
    fn qwen3_kv_cache_and_attention_width() {
        let qwen3_8b = Architecture::from_hf_config(&fixture("qwen3-8b")).unwrap();
        // 2 * 36 layers * 8 heads * 128 * 2 bytes.
        assert_eq!(qwen3_8b.kv_bytes_per_token(2.0), 147_456.0);
        assert_eq!(qwen3_8b.attention_width(), 4096.0);

        // Qwen3-32B's 64 heads of 128 are wider than its hidden size of 5120.
        let qwen3_32b = Architecture::from_hf_config(&fixture("qwen3-32b")).unwrap();
        assert_eq!(qwen3_32b.attention_width(), 8192.0);
        assert_eq!(qwen3_32b.kv_bytes_per_token(2.0), 2.0 * 64.0 * 1024.0 * 2.0);
    }

    // Qwen3-30B-A3B per layer: attention 2*2048*4096 + 2*2048*512 = 18,874,368; router
    // 2048*128 = 262,144; routed experts 8 * 3*2048*768 = 37,748,736; sum 56,885,248.
    // 48 layers: 2,730,491,904; LM head 2048*151936 = 311,164,928; streamed 3,041,656,832.
    #[test]
    fn moe_fixture_counts_active_experts() {
        let moe = Architecture::from_hf_config(&fixture("qwen3-30b-a3b")).unwrap();
        assert!(moe.is_moe());
        assert_eq!(moe.experts_total, Some(128));
        assert_eq!(moe.experts_per_token, Some(8));
        assert_eq!(moe.expert_intermediate_size, Some(768));
        assert_eq!(moe.layer_params(), 2_730_491_904.0);
        assert_eq!(moe.streamed_params(), 3_041_656_832.0);
        // 2 * 48 layers * 4 heads * 128 * 2 bytes.
        assert_eq!(moe.kv_bytes_per_token(2.0), 98_304.0);
    }

    #[test]
    fn shared_experts_are_always_active() {
        let dir = tempfile::tempdir().unwrap();
        // DeepSeek style: two shared experts as wide as a routed one.
        let deepseek = write_config(
            dir.path(),
            r#"{"hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 4,
                "intermediate_size": 999, "vocab_size": 10, "n_routed_experts": 16,
                "num_experts_per_tok": 2, "moe_intermediate_size": 50, "n_shared_experts": 2}"#,
        );
        let architecture = Architecture::from_hf_config(&deepseek).unwrap();
        // attention 4*100*100 = 40,000; router 1,600; routed 2*3*100*50 = 30,000;
        // shared 2*3*100*50 = 30,000; per layer 101,600.
        assert_eq!(architecture.layer_params(), 2.0 * 101_600.0);
        assert_eq!(architecture.streamed_params(), 2.0 * 101_600.0 + 1_000.0);

        // Qwen2-MoE style: one shared expert of its own width.
        let qwen2_moe = write_config(
            dir.path(),
            r#"{"hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_experts": 16, "num_experts_per_tok": 2, "moe_intermediate_size": 50,
                "shared_expert_intermediate_size": 200}"#,
        );
        let architecture = Architecture::from_hf_config(&qwen2_moe).unwrap();
        // 40,000 + 1,600 + 30,000 + 3*100*200 = 131,600 per layer; no vocabulary.
        assert_eq!(architecture.layer_params(), 2.0 * 131_600.0);
        assert_eq!(architecture.streamed_params(), 2.0 * 131_600.0);
    }

    #[test]
    fn mixtral_expert_width_defaults_to_intermediate() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            r#"{"hidden_size": 100, "num_hidden_layers": 1, "num_attention_heads": 4,
                "num_key_value_heads": 2, "intermediate_size": 300, "num_local_experts": 8,
                "num_experts_per_tok": 2, "n_shared_experts": 0}"#,
        );
        let architecture = Architecture::from_hf_config(&path).unwrap();
        assert_eq!(architecture.shared_experts, None);
        // attention 2*100*100 + 2*100*50 = 30,000; router 800; routed 2*3*100*300 = 180,000.
        assert_eq!(architecture.layer_params(), 210_800.0);
    }

    #[test]
    fn text_config_holds_multimodal_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            r#"{"model_type": "vl", "vision_config": {"hidden_size": 1},
                "text_config": {"hidden_size": 64, "num_hidden_layers": 3}}"#,
        );
        let architecture = Architecture::from_hf_config(&path).unwrap();
        assert_eq!(architecture.hidden_size, Some(64));
        assert_eq!(architecture.layers, Some(3));

        let broken = write_config(
            dir.path(),
            r#"{"text_config": {"hidden_size": 64, "num_hidden_layers": "3"}}"#,
        );
        let message = Architecture::from_hf_config(&broken)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(
                "text_config.num_hidden_layers: expected a whole number, found the string \"3\""
            ),
            "{message}"
        );
    }

    #[test]
    fn defaults_for_kv_heads_and_head_dim() {
        let architecture = Architecture {
            hidden_size: Some(1024),
            layers: Some(2),
            attention_heads: Some(8),
            intermediate_size: Some(4096),
            ..Architecture::default()
        };
        assert_eq!(architecture.effective_kv_heads(), Some(8));
        assert_eq!(architecture.effective_head_dim(), Some(128));
        assert_eq!(architecture.attention_width(), 1024.0);
        assert_eq!(architecture.kv_bytes_per_token(1.0), 2.0 * 2.0 * 1024.0);
        // 4*1024^2 + 3*1024*4096 per layer.
        assert_eq!(architecture.layer_params(), 2.0 * 16_777_216.0);
    }

    #[test]
    fn fallback_to_stated_params() {
        let only_params = Architecture::from_params(8.2e9);
        assert_eq!(only_params.params_source(), ParamsSource::Stated);
        assert_eq!(only_params.layer_params(), 8.2e9);
        assert_eq!(only_params.streamed_params(), 8.2e9);
        assert_eq!(only_params.kv_bytes_per_token(2.0), 0.0);
        assert_eq!(only_params.attention_width(), 0.0);

        let with_width = Architecture {
            hidden_size: Some(4096),
            layers: Some(36),
            params: Some(8.2e9),
            ..Architecture::default()
        };
        assert_eq!(with_width.params_source(), ParamsSource::Stated);
        assert_eq!(with_width.streamed_params(), 8.2e9);
        assert_eq!(
            with_width.kv_bytes_per_token(2.0),
            2.0 * 36.0 * 4096.0 * 2.0
        );
        assert_eq!(with_width.attention_width(), 4096.0);
    }

    #[test]
    fn fallback_to_dense_estimate() {
        let mut architecture = Architecture {
            hidden_size: Some(1000),
            layers: Some(10),
            ..Architecture::default()
        };
        assert_eq!(architecture.params_source(), ParamsSource::DenseEstimate);
        assert_eq!(architecture.layer_params(), 12.0 * 1e6 * 10.0);
        assert_eq!(architecture.streamed_params(), 12.0 * 1e6 * 10.0);

        architecture.vocab_size = Some(50);
        assert_eq!(architecture.streamed_params(), 12.0 * 1e6 * 10.0 + 50_000.0);
    }

    #[test]
    fn empty_architecture_counts_nothing() {
        let empty = Architecture::default();
        assert!(empty.is_empty());
        assert_eq!(empty.params_source(), ParamsSource::Unknown);
        assert_eq!(empty.streamed_params(), 0.0);
        assert_eq!(empty.layer_params(), 0.0);
        assert_eq!(empty.kv_bytes_per_token(2.0), 0.0);
        assert_eq!(empty.attention_width(), 0.0);
    }

    #[test]
    fn overrides_replace_only_given_fields() {
        let base = Architecture::from_hf_config(&fixture("qwen3-8b")).unwrap();
        let overrides = Architecture {
            layers: Some(2),
            params: Some(1e9),
            ..Architecture::default()
        };
        let merged = base.with_overrides(&overrides);
        assert_eq!(merged.layers, Some(2));
        assert_eq!(merged.hidden_size, Some(4096));
        assert_eq!(merged.params, Some(1e9));
        // The shape is still complete, so it decides over params.
        assert_eq!(merged.params_source(), ParamsSource::Shape);
        assert_eq!(merged.layer_params(), 2.0 * 192_937_984.0);
    }

    #[test]
    fn missing_hidden_size_names_file_and_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), r#"{"num_hidden_layers": 2}"#);
        let message = Architecture::from_hf_config(&path).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("{}: hidden_size: missing", path.display())),
            "{message}"
        );
        assert!(
            message.contains("hint: pass the model's config.json"),
            "{message}"
        );
        assert!(
            message.contains("state the full shape (hidden_size, layers"),
            "{message}"
        );
    }

    #[test]
    fn bad_values_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                r#"{"hidden_size": -4096, "num_hidden_layers": 2}"#,
                "hidden_size: must be positive, found -4096",
            ),
            (
                r#"{"hidden_size": 0, "num_hidden_layers": 2}"#,
                "hidden_size: must be positive, found 0",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": 2.5}"#,
                "num_hidden_layers: expected a whole number, found 2.5",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": -2.0}"#,
                "num_hidden_layers: must be positive, found -2.0",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": 1e300}"#,
                "num_hidden_layers: 1e+300 is larger than the limit",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": 18446744073709551615}"#,
                "num_hidden_layers: 18446744073709551615 is larger than the limit",
            ),
            (
                r#"{"hidden_size": true, "num_hidden_layers": 2}"#,
                "hidden_size: expected a whole number, found the boolean true",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 8,
                    "num_key_value_heads": 3}"#,
                "num_key_value_heads: 3 key-value heads do not divide the 8 attention heads",
            ),
            (
                r#"{"hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 8}"#,
                "head_dim: missing, and the default hidden_size / heads = 100 / 8",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": 2, "num_experts": 8}"#,
                "num_experts_per_tok: missing, but the model has 8 routed experts",
            ),
            (
                r#"{"hidden_size": 64, "num_hidden_layers": 2, "num_experts": 8,
                    "num_experts_per_tok": 9}"#,
                "num_experts_per_tok: 9 experts per token is more than the 8 experts",
            ),
            (
                "[1, 2]",
                "top level: expected a JSON object, found an array",
            ),
        ];
        for (text, expected) in cases {
            let path = write_config(dir.path(), text);
            let message = Architecture::from_hf_config(&path).unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
            assert!(message.contains("hint: "), "{text}: {message}");
        }
    }

    #[test]
    fn null_fields_count_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            r#"{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                "head_dim": null, "num_key_value_heads": null, "num_experts_per_tok": 2}"#,
        );
        let architecture = Architecture::from_hf_config(&path).unwrap();
        assert_eq!(architecture.head_dim, None);
        assert_eq!(architecture.kv_heads, None);
        // Without an expert count, the per-token count is ignored.
        assert_eq!(architecture.experts_per_token, None);
        assert_eq!(architecture.effective_head_dim(), Some(16));
    }

    #[test]
    fn unreadable_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent.json");
        let message = Architecture::from_hf_config(&missing)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("absent.json: cannot read the model configuration"),
            "{message}"
        );

        let truncated = write_config(dir.path(), r#"{"hidden_size": 64,"#);
        let error = Architecture::from_hf_config(&truncated).unwrap_err();
        assert!(
            matches!(error, ArchitectureError::Syntax { line: 1, .. }),
            "{error}"
        );

        let large = dir.path().join("weights.json");
        // Sparse: the size is checked before a byte is read.
        std::fs::File::create(&large)
            .unwrap()
            .set_len(MAX_CONFIG_BYTES + 1)
            .unwrap();
        let error = Architecture::from_hf_config(&large).unwrap_err();
        assert!(
            matches!(error, ArchitectureError::TooLarge { .. }),
            "{error}"
        );
    }

    #[test]
    fn check_shape_rejects_incomplete_statements() {
        let cases = [
            (
                Architecture {
                    hidden_size: Some(64),
                    ..Architecture::default()
                },
                ShapeField::Layers,
            ),
            (
                Architecture {
                    attention_heads: Some(8),
                    params: Some(1e9),
                    ..Architecture::default()
                },
                ShapeField::AttentionHeads,
            ),
            (
                Architecture {
                    hidden_size: Some(64),
                    layers: Some(2),
                    kv_heads: Some(2),
                    ..Architecture::default()
                },
                ShapeField::KvHeads,
            ),
            (
                Architecture {
                    hidden_size: Some(64),
                    layers: Some(2),
                    experts_per_token: Some(2),
                    ..Architecture::default()
                },
                ShapeField::ExpertsTotal,
            ),
            (
                Architecture {
                    hidden_size: Some(64),
                    layers: Some(2),
                    expert_intermediate_size: Some(32),
                    ..Architecture::default()
                },
                ShapeField::ExpertIntermediateSize,
            ),
            (Architecture::from_params(f64::INFINITY), ShapeField::Params),
        ];
        for (architecture, field) in cases {
            let problem = architecture.check_shape().unwrap_err();
            assert_eq!(problem.field, field, "{architecture:?}: {problem:?}");
        }
        assert!(Architecture::from_params(8.2e9).check_shape().is_ok());
        assert!(Architecture::default().check_shape().is_ok());
    }
}
