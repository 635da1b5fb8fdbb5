//! Finding input files, reading them (gzip included) and dispatching to the format parsers.
//!
//! [`parse_bytes`] is the single place that decides which parser reads a file. A new input
//! format (vLLM bench results, SGLang, CSV, Prometheus) gets its own module and one branch there.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use super::{Measurement, Sweep, guidellm, prometheus, sglang, speculators_csv, vllm_bench};

/// File name endings that a directory search picks up.
const EXTENSIONS: [&str; 10] = [
    ".json",
    ".yaml",
    ".yml",
    ".jsonl",
    ".csv",
    ".json.gz",
    ".yaml.gz",
    ".yml.gz",
    ".jsonl.gz",
    ".csv.gz",
];

/// Largest input file speclat reads, in bytes, after gzip decompression. A benchmark report
/// with every request recorded is tens of MiB; a file past this limit is a wrong path or a
/// decompression bomb, and reading it whole would exhaust memory.
pub const MAX_INPUT_FILE_BYTES: u64 = 1 << 30;

const LARGE_FILE_HINT: &str = "speclat reads benchmark result files, which are far smaller; \
     check the path, or split the results into several files";

/// A problem with an input file: the file, the place inside it, what is wrong, and the fix.
///
/// `location` is a JSON path (`benchmarks[3].metrics.request_latency`), a line and column, or a
/// CSV row and column, whichever the format has. Messages start with the subject, in lower
/// case and without a trailing period; the `hint` paragraph names the flag or edit that fixes
/// the problem.
/// Returns the fix for a syntax error. A manifest is written by hand, a benchmark file by a
/// tool.
fn syntax_hint(format: &str) -> &'static str {
    if format == "TOML manifest" {
        "fix the manifest at that place: each [[series]] or [[system]] table holds `key = value` lines, strings in double quotes, for example `files = \"runs/*.json\"` and `k = 3`"
    } else {
        "the file may be truncated or hand-edited; repair it, or rerun the tool that wrote it"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: the file is {size} bytes, more than the limit of {limit} bytes\n\nhint: {LARGE_FILE_HINT}", path = path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },

    #[error("{path}: the file decompresses to more than the limit of {limit} bytes\n\nhint: {LARGE_FILE_HINT}", path = path.display())]
    TooLargeDecompressed { path: PathBuf, limit: u64 },

    #[error("{path}: benchmarks {first} and {second} (counting from 0) are identical: rate {rate_per_s} req/s, latency {latency_s} s\n\nhint: a repeated record would count twice in the fit; delete the repeat, and if the file was assembled from several runs, check that none was appended twice", path = path.display())]
    DuplicateBenchmark {
        path: PathBuf,
        first: usize,
        second: usize,
        rate_per_s: f64,
        latency_s: f64,
    },

    #[error("{path}: read twice, the first time as {first}\n\nhint: name each file once; a directory argument already includes the files under it", path = path.display(), first = first.display())]
    RepeatedFile { path: PathBuf, first: PathBuf },

    #[error("{path}: not found\n\nhint: check the spelling; speclat accepts files and directories", path = path.display())]
    NotFound { path: PathBuf },

    #[error("{path}: no benchmark files found (looked for {looked_for})\n\nhint: point speclat at the files themselves or at the directory that holds them", path = path.display())]
    EmptyDirectory { path: PathBuf, looked_for: String },

    #[error("{path}: invalid {format} at line {line}, column {column}: {message}\n\nhint: {hint}", path = path.display(), hint = syntax_hint(format))]
    Syntax {
        path: PathBuf,
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{path}: {location} (line {line}, column {column}): {problem}\n\nhint: {hint}", path = path.display())]
    WrongType {
        path: PathBuf,
        location: String,
        line: usize,
        column: usize,
        problem: String,
        hint: String,
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

    #[error("{path}: {location}: no benchmarks\n\nhint: the run stopped before its first benchmark finished; rerun it or remove the file", path = path.display())]
    NoBenchmarks { path: PathBuf, location: String },

    #[error("{path}: not a text file: {problem}\n\nhint: {hint}", path = path.display())]
    NotText {
        path: PathBuf,
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

    /// A model configuration, named by a `[[system]]` entry of the manifest at `path`, that
    /// cannot be read or is invalid.
    #[error("{path}: system entry at line {line}: {error}", path = path.display())]
    Architecture {
        path: PathBuf,
        line: usize,
        error: crate::scaling::architecture::ArchitectureError,
    },
}

impl IngestError {
    /// Replaces the hint of an error that has one, for a caller that knows a better fix than
    /// the shared value checks do.
    pub(crate) fn with_hint(mut self, new_hint: &str) -> Self {
        match &mut self {
            Self::InvalidValue { hint, .. }
            | Self::MissingField { hint, .. }
            | Self::WrongType { hint, .. }
            | Self::NotText { hint, .. }
            | Self::UnknownFormat { hint, .. }
            | Self::Label { hint, .. } => *hint = new_hint.to_string(),
            _ => {}
        }
        self
    }

    /// Maps a failed file-system call on `path`: a missing file is [`IngestError::NotFound`],
    /// anything else [`IngestError::Read`].
    pub(crate) fn from_io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            Self::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Reads a file, decompressing it when its name ends in `.gz`, up to [`MAX_INPUT_FILE_BYTES`].
pub fn read_file_bytes(path: &Path) -> Result<Vec<u8>, IngestError> {
    read_file_bytes_limited(path, MAX_INPUT_FILE_BYTES)
}

/// [`read_file_bytes`] with another limit on the file size and on the decompressed size.
pub fn read_file_bytes_limited(path: &Path, limit: u64) -> Result<Vec<u8>, IngestError> {
    let read_error = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };

    // The size is checked before reading, so that a huge file fails at once and costs no memory.
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > limit {
        return Err(IngestError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        });
    }
    let raw = std::fs::read(path).map_err(read_error)?;
    if !is_gzip_name(path) {
        return Ok(raw);
    }

    // Reading one byte past the limit distinguishes a file at the limit from one beyond it.
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(IngestError::TooLargeDecompressed {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads every benchmark file named by `paths` (files, or directories searched recursively).
///
/// Sweeps come back in argument order, and each directory's files in sorted path order,
/// whatever order the parallel parsers finish in. A file named directly is read whatever its
/// extension; a directory search takes only the endings in `EXTENSIONS`. On failure the error of
/// the first failing file in that order is returned.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Sweep>, IngestError> {
    load_paths_with_progress(paths, &|_| {}, &|| {})
}

/// [`load_paths`] with progress callbacks for progress bars: `found` is called once with the
/// number of files to read, then `progress` once per file read, from any thread.
pub fn load_paths_with_progress(
    paths: &[PathBuf],
    found: &dyn Fn(usize),
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Sweep>, IngestError> {
    let files = collect_files(paths)?;
    found(files.len());

    let results: Vec<Result<Vec<Sweep>, IngestError>> = files
        .par_iter()
        .map(|file| {
            let bytes = read_file_bytes(file)?;
            let parsed = parse_bytes(file, &bytes);
            progress();
            parsed
        })
        .collect();

    let mut sweeps = Vec::with_capacity(files.len());
    for result in results {
        sweeps.extend(result?);
    }
    Ok(sweeps)
}

/// Parses the contents of one file into sweeps, choosing the parser by name and content.
///
/// `path` is used for the format choice and in error messages; a `.gz` suffix is ignored, as
/// `bytes` are already decompressed. JSON goes to the GuideLLM report parser when the top level
/// is an object and to the reduced-array parser when it is an array. YAML contains the same
/// structures. A name without a known extension is read as JSON when its first non-blank
/// character is `{` or `[`, and as YAML otherwise. A sweep in which two benchmarks agree in
/// every value is rejected as a record written twice.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Vec<Sweep>, IngestError> {
    let sweeps = parse_any_format(path, bytes)?;
    for sweep in &sweeps {
        reject_duplicates(sweep)?;
    }
    Ok(sweeps)
}

fn parse_any_format(path: &Path, bytes: &[u8]) -> Result<Vec<Sweep>, IngestError> {
    let text = decode_text(path, bytes)?;

    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let is_yaml = if name.ends_with(".yaml") || name.ends_with(".yml") {
        true
    } else if name.ends_with(".json") {
        false
    } else {
        !matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
    };

    // A bare JSON array can only be a reduced GuideLLM sweep, so it skips the other checks.
    if text.trim_start().starts_with('[') {
        return guidellm::parse_json(path, text).map(|sweep| vec![sweep]);
    }

    // A model saved into the directory of its own inputs is found by the next directory
    // search. Name it for what it is, instead of failing as a broken GuideLLM report.
    let head = super::json_records::head_text(bytes);
    if head.contains("\"speclat_version\"") && head.contains("\"schema_version\"") {
        return Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: "this is a model written by `speclat fit --save`, not a benchmark result"
                .to_string(),
            hint: "move the model out of the benchmark directory, or name the benchmark files \
                   instead of their directory"
                .to_string(),
        });
    }

    // A Hugging Face model configuration kept beside the benchmarks, for a `[[system]]` of the
    // manifest, is named for what it is.
    if head.contains("\"model_type\"")
        && (head.contains("\"hidden_size\"")
            || head.contains("\"num_hidden_layers\"")
            || head.contains("\"text_config\""))
        && !head.contains("\"benchmarks\"")
    {
        return Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: "this is a model configuration (config.json), not a benchmark result"
                .to_string(),
            hint: "keep model configurations outside the benchmark folder (a manifest's \
                   `config` may point anywhere), or name the benchmark files instead of their \
                   folder"
                .to_string(),
        });
    }

    // Formats other than GuideLLM recognise themselves by content, so that a renamed file
    // still reaches the right parser; GuideLLM is the fallback and gives the clearest errors.
    if speculators_csv::sniff(bytes) {
        return speculators_csv::parse(path, bytes);
    }
    if vllm_bench::sniff(bytes) {
        return vllm_bench::parse(path, bytes);
    }
    if sglang::sniff(bytes) {
        return sglang::parse(path, bytes);
    }
    if prometheus::sniff(bytes) {
        return prometheus::parse(path, bytes);
    }

    // A CSV that none of the CSV readers recognised would otherwise fail as YAML.
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".csv") || name.ends_with(".csv.gz") {
        let header = text.lines().next().unwrap_or("").trim();
        return Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: format!(
                "a CSV file whose columns match no supported layout (header: `{}`)",
                header.chars().take(120).collect::<String>()
            ),
            hint: "speclat reads the speculators throughput CSVs (`offered_concurrency`, \
                   `completed_rps`, `mean_active_concurrency`, ...) and `perf_results.csv`; \
                   name the benchmark files instead of their directory to leave other CSVs out"
                .to_string(),
        });
    }

    let sweep = if is_yaml {
        guidellm::parse_yaml(path, text)?
    } else {
        guidellm::parse_json(path, text)?
    };
    Ok(vec![sweep])
}

/// Checks whether two benchmarks agree in every value read from the file. The position is not
/// such a value, and neither are the strategy and target load inferred from it.
fn same_values(a: &Measurement, b: &Measurement) -> bool {
    let mut a = a.clone();
    a.index = b.index;
    if a.strategy_inferred && b.strategy_inferred {
        a.strategy = b.strategy;
        a.target_concurrency = b.target_concurrency;
        a.target_rate_per_s = b.target_rate_per_s;
    }
    a == *b
}

/// Rejects a sweep in which two benchmarks agree in every measured value.
///
/// Two real runs never agree to the last bit in rate, latency and every other mean, so such a
/// pair is one record written twice. Fitting it would give that load point double weight.
fn reject_duplicates(sweep: &Sweep) -> Result<(), IngestError> {
    let mut seen: HashMap<(u64, u64), Vec<&Measurement>> = HashMap::new();
    for m in &sweep.measurements {
        let key = (m.rate_per_s.to_bits(), m.latency_s.to_bits());
        let bucket = seen.entry(key).or_default();
        let repeat = bucket.iter().find(|earlier| same_values(earlier, m));
        if let Some(earlier) = repeat {
            return Err(IngestError::DuplicateBenchmark {
                path: sweep.file.clone(),
                first: earlier.index,
                second: m.index,
                rate_per_s: m.rate_per_s,
                latency_s: m.latency_s,
            });
        }
        bucket.push(m);
    }
    Ok(())
}

/// Checks that `bytes` are UTF-8 text, naming the first bad byte and a likely cause.
fn decode_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, IngestError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(IngestError::NotText {
            path: path.to_path_buf(),
            problem: "the file is gzip-compressed".to_string(),
            hint: "give it a name ending in `.gz` so that speclat decompresses it".to_string(),
        });
    }

    let text = std::str::from_utf8(bytes).map_err(|e| IngestError::NotText {
        path: path.to_path_buf(),
        problem: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        hint: "speclat reads JSON and YAML reports, which are UTF-8 text; check that the path \
               names a report and not a binary or differently encoded file"
            .to_string(),
    })?;

    // UTF-8 allows NUL, but no text report contains one. `contains` on bytes uses memchr, so
    // the common case costs one fast pass.
    if bytes.contains(&0)
        && let Some(offset) = bytes.iter().position(|&b| b == 0)
    {
        return Err(IngestError::NotText {
            path: path.to_path_buf(),
            problem: format!("NUL byte at byte {offset}"),
            hint: "check that the path names a JSON or YAML report".to_string(),
        });
    }
    Ok(text)
}

fn is_gzip_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn has_benchmark_extension(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

/// Expands directories into their benchmark files, sorted by path within each directory.
fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).map_err(|source| IngestError::from_io(path, source))?;
        if !metadata.is_dir() {
            files.push(path.clone());
            continue;
        }

        let mut found = Vec::new();
        for entry in WalkDir::new(path).sort_by_file_name() {
            let entry = entry.map_err(|e| IngestError::Read {
                path: e.path().unwrap_or(path).to_path_buf(),
                source: e.into(),
            })?;
            if entry.file_type().is_file() && has_benchmark_extension(entry.path()) {
                found.push(entry.into_path());
            }
        }
        // Sorting whole paths keeps the order independent of how walkdir descends.
        found.sort();
        if found.is_empty() {
            return Err(IngestError::EmptyDirectory {
                path: path.clone(),
                looked_for: EXTENSIONS.join(", "),
            });
        }
        files.extend(found);
    }
    reject_repeated_files(&files)?;
    Ok(files)
}

/// Rejects a file reached twice, named twice or named and also found in a directory, because
/// its sweep would count twice in the fit.
fn reject_repeated_files(files: &[PathBuf]) -> Result<(), IngestError> {
    let mut seen: HashMap<PathBuf, &PathBuf> = HashMap::new();
    for file in files {
        let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
        if let Some(first) = seen.insert(canonical, file) {
            return Err(IngestError::RepeatedFile {
                path: file.clone(),
                first: first.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const REDUCED: &str = r#"[{"requests_per_second": {"successful": {"mean": 2.0}},
                              "request_latency": {"successful": {"mean": 0.5}}}]"#;

    #[test]
    fn benchmark_extensions() {
        for name in [
            "a.json",
            "a.JSON",
            "a.yaml",
            "a.yml",
            "a.json.gz",
            "a.yaml.gz",
            "a.yml.gz",
            "a.jsonl",
            "a.csv",
            "a.csv.gz",
        ] {
            assert!(has_benchmark_extension(Path::new(name)), "{name}");
        }
        for name in ["a.gz", "a.txt", "json", "a.json.bak"] {
            assert!(!has_benchmark_extension(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn model_configuration_is_named() {
        let bytes = br#"{"model_type": "qwen3", "hidden_size": 4096, "num_hidden_layers": 36}"#;
        let message = parse_bytes(Path::new("runs/configs/qwen3-8b.json"), bytes)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("model configuration (config.json)"),
            "{message}"
        );
        assert!(
            message.contains("outside the benchmark folder"),
            "{message}"
        );
    }

    #[test]
    fn unknown_csv_names_its_header() {
        let bytes = b"t,running,waiting,kv_usage\n1,2,0,0.5\n";
        let error = parse_bytes(Path::new("gauges.csv"), bytes).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("match no supported layout"), "{message}");
        assert!(message.contains("t,running,waiting,kv_usage"), "{message}");
        assert!(!message.contains("YAML"), "{message}");
    }

    #[test]
    fn sniffs_json_without_extension() {
        let sweeps = parse_bytes(Path::new("result"), REDUCED.as_bytes()).unwrap();
        assert_eq!(sweeps[0].measurements[0].rate_per_s, 2.0);
    }

    #[test]
    fn sniffs_yaml_without_extension() {
        let text = "- requests_per_second: {successful: {mean: 2.0}}\n  \
                    request_latency: {successful: {mean: 0.5}}\n";
        let sweeps = parse_bytes(Path::new("result"), text.as_bytes()).unwrap();
        assert_eq!(sweeps[0].measurements[0].latency_s, 0.5);
    }

    #[test]
    fn gzip_without_gz_name() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(REDUCED.as_bytes()).unwrap();
        let bytes = encoder.finish().unwrap();

        let message = parse_bytes(Path::new("r.json"), &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("r.json: not a text file: the file is gzip-compressed"),
            "{message}"
        );
        assert!(message.contains("`.gz`"), "{message}");
    }

    #[test]
    fn nul_byte_is_rejected() {
        let message = parse_bytes(Path::new("r.json"), b"[\0]")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("r.json: not a text file: NUL byte at byte 1"),
            "{message}"
        );
    }

    #[test]
    fn empty_file_is_a_syntax_error() {
        let message = parse_bytes(Path::new("r.json"), b"")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("r.json: invalid JSON at line 1"),
            "{message}"
        );
    }

    #[test]
    fn saved_model_is_not_a_benchmark() {
        let text = r#"{"schema_version": 1, "speclat_version": "0.1.0", "model": {}}"#;
        let message = parse_bytes(Path::new("results/model.json"), text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("results/model.json: unrecognised file format: this is a model"),
            "{message}"
        );
        assert!(message.contains("hint: move the model out"), "{message}");
    }

    #[test]
    fn file_over_the_limit_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, REDUCED).unwrap();
        let size = REDUCED.len() as u64;

        assert!(read_file_bytes_limited(&path, size).is_ok());
        let message = read_file_bytes_limited(&path, size - 1)
            .unwrap_err()
            .to_string();
        let expected = format!(
            "big.json: the file is {size} bytes, more than the limit of {}",
            size - 1
        );
        assert!(message.contains(&expected), "{message}");
    }

    #[test]
    fn decompressed_size_is_limited() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.json.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b' '; 100_000]).unwrap();
        std::fs::write(&path, encoder.finish().unwrap()).unwrap();

        assert_eq!(
            read_file_bytes_limited(&path, 100_000).unwrap().len(),
            100_000
        );
        let message = read_file_bytes_limited(&path, 99_999)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(
                "bomb.json.gz: the file decompresses to more than the limit of 99999 bytes"
            ),
            "{message}"
        );
    }

    #[test]
    fn corrupt_gzip_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json.gz");
        std::fs::write(&path, b"\x1f\x8b not really gzip").unwrap();
        let error = read_file_bytes(&path).unwrap_err();
        assert!(matches!(error, IngestError::Read { .. }), "{error}");
        assert!(error.to_string().contains("bad.json.gz: cannot read"));
    }

    #[test]
    fn directories_load_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        for relative in ["b/2.json", "a/10.json", "a/1.yaml", "c.json", "notes.txt"] {
            let path = dir.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, REDUCED).unwrap();
        }

        let sweeps = load_paths(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> = sweeps
            .iter()
            .map(|s| s.file.strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        let expected: Vec<PathBuf> = ["a/1.yaml", "a/10.json", "b/2.json", "c.json"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn file_named_twice_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.json");
        std::fs::write(&file, REDUCED).unwrap();

        for paths in [
            vec![file.clone(), file.clone()],
            vec![
                dir.path().to_path_buf(),
                dir.path().join(".").join("a.json"),
            ],
        ] {
            let error = load_paths(&paths).unwrap_err();
            assert!(matches!(error, IngestError::RepeatedFile { .. }), "{error}");
            let message = error.to_string();
            assert!(
                message.contains("a.json: read twice, the first time as"),
                "{message}"
            );
        }
    }

    #[test]
    fn first_failing_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), REDUCED).unwrap();
        std::fs::write(dir.path().join("b.json"), "[").unwrap();
        std::fs::write(dir.path().join("c.json"), "{").unwrap();

        let message = load_paths(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(message.contains("b.json: invalid JSON"), "{message}");
    }

    #[test]
    fn every_prefix_fails_cleanly() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/guidellm-0.4-handwritten.json"
        ));
        let bytes = std::fs::read(path).unwrap();
        assert!(parse_bytes(path, &bytes).is_ok());

        // The file ends in "}\n", so every shorter prefix lacks the closing brace. Each must come
        // back as an error, never a panic or a partial sweep.
        assert!(bytes.ends_with(b"}\n"));
        for end in 0..bytes.len() - 1 {
            let prefix = &bytes[..end];
            assert!(
                parse_bytes(path, prefix).is_err(),
                "prefix of {end} bytes parsed"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = parse_bytes(Path::new("fuzz.json"), &bytes);
            let _ = parse_bytes(Path::new("fuzz.yaml"), &bytes);
        }
    }
}
