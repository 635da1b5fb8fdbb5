//! Verifier and drafter architectures: from a Hugging Face `config.json` read from disk, or
//! from numbers stated in a manifest.

use std::path::{Path, PathBuf};

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
}

/// The shape of a transformer, as far as its serving cost depends on it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Architecture {
    pub hidden_size: u64,
    pub layers: u64,
    pub attention_heads: Option<u64>,
    pub kv_heads: Option<u64>,
    pub head_dim: Option<u64>,
    pub intermediate_size: Option<u64>,
    pub vocab_size: Option<u64>,
    pub experts_total: Option<u64>,
    pub experts_per_token: Option<u64>,
    pub expert_intermediate_size: Option<u64>,
    /// Total parameters as stated by the user, when given instead of (or beside) the shape.
    pub params: Option<f64>,
}

impl Architecture {
    /// Reads a Hugging Face `config.json` from disk.
    pub fn from_hf_config(path: &Path) -> Result<Self, ArchitectureError> {
        let _ = path;
        unimplemented!("filled in by the architecture reader")
    }

    /// Parameters read from memory by one forward pass of a small batch.
    pub fn streamed_params(&self) -> f64 {
        unimplemented!("filled in by the architecture reader")
    }

    /// Weights of the transformer layers that every token multiplies.
    pub fn layer_params(&self) -> f64 {
        unimplemented!("filled in by the architecture reader")
    }

    /// Bytes of KV cache written per token.
    pub fn kv_bytes_per_token(&self, bytes_per_value: f64) -> f64 {
        let _ = bytes_per_value;
        unimplemented!("filled in by the architecture reader")
    }

    /// Width of the attention computation, `heads * head_dim`.
    pub fn attention_width(&self) -> f64 {
        unimplemented!("filled in by the architecture reader")
    }
}
