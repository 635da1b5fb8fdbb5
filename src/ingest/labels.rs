//! Attaching `k` and `alpha` to sweeps: flags, a TOML manifest, or the file name.

use std::path::PathBuf;

use super::{IngestError, Series, Sweep};

/// Where `k` and `alpha` may come from.
#[derive(Clone, Debug, Default)]
pub struct LabelOptions {
    pub k: Option<i64>,
    pub alpha: Option<f64>,
    pub label: Option<String>,
    pub manifest: Option<PathBuf>,
}

/// Labels each sweep with its configuration.
pub fn label_sweeps(
    _sweeps: Vec<Sweep>,
    _options: &LabelOptions,
) -> Result<Vec<Series>, IngestError> {
    // TODO: stub until the labelling code lands.
    Ok(Vec::new())
}
