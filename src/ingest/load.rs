//! Finding input files, reading them (gzip included) and dispatching to the format parsers.

use std::path::{Path, PathBuf};

use super::Sweep;

/// A problem with an input file: the file, the place inside it, what is wrong, and the fix.
///
/// `location` is a JSON path (`benchmarks[3].metrics.request_latency`), a line and column, or a
/// CSV row and column, whichever the format has. Messages start with the subject, in lower
/// case and without a trailing period; the `hint` paragraph names the flag or edit that fixes
/// the problem.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: not found\n\nhint: check the spelling; speclat accepts files and directories", path = path.display())]
    NotFound { path: PathBuf },

    #[error("{path}: no benchmark files found (looked for {looked_for})\n\nhint: point speclat at the files themselves or at the directory that holds them", path = path.display())]
    EmptyDirectory { path: PathBuf, looked_for: String },

    #[error("{path}: invalid {format} at line {line}, column {column}: {message}\n\nhint: the file may be truncated or hand-edited; rerun the benchmark or repair the file", path = path.display())]
    Syntax {
        path: PathBuf,
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{path}: {location}: missing field `{field}`\n\nhint: {hint}", path = path.display())]
    MissingField {
        path: PathBuf,
        location: String,
        field: String,
        hint: String,
    },

    #[error("{path}: {location}: invalid value {value} for `{field}`: {problem}\n\nhint: {hint}", path = path.display())]
    InvalidValue {
        path: PathBuf,
        location: String,
        field: String,
        value: String,
        problem: String,
        hint: String,
    },

    #[error("{path}: unrecognised file format: {problem}\n\nhint: {hint}", path = path.display())]
    UnknownFormat {
        path: PathBuf,
        problem: String,
        hint: String,
    },

    #[error("{path}: {problem}\n\nhint: {hint}", path = path.display())]
    Label {
        path: PathBuf,
        problem: String,
        hint: String,
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
