//! Finding input files, reading them (gzip included) and dispatching to the format parsers.

use std::path::{Path, PathBuf};

use super::Sweep;

/// A problem with an input file: where it is, what is wrong, and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Reads a file, decompressing it when its name ends in `.gz`.
pub fn read_file_bytes(path: &Path) -> Result<Vec<u8>, IngestError> {
    std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads every benchmark file named by `paths` (files, or directories searched recursively).
pub fn load_paths(_paths: &[PathBuf]) -> Result<Vec<Sweep>, IngestError> {
    // TODO: stub until the GuideLLM reader lands.
    Ok(Vec::new())
}
