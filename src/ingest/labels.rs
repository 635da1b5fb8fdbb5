//! Attaching `k` and `alpha` to sweeps: flags, a TOML manifest, or the file name.
//!
//! Benchmark reports do not record the speculative-decoding configuration, so each sweep gets
//! its draft length `k` and acceptance probability `alpha` from, in order of precedence:
//!
//! 1. `--k` and `--alpha`, which apply only when exactly one file is read;
//! 2. a TOML manifest whose `[[series]]` entries map file names or globs, relative to the
//!    manifest's directory, to `k`, `alpha` and an optional label (`baseline = true` means
//!    `k = 0`; `alpha = "measured"`, or no `alpha`, takes it from the acceptance counters);
//! 3. the `alpha-<A>_draft-<K>` pattern in the file name, as in the speculators project's
//!    fixed-acceptance sweeps (`…_alpha-0.70_draft-3_prompt-512_…_reduced.json`).
//!
//! When `k` is known but `alpha` is not (`--k` alone, or a manifest entry without `alpha`), and
//! the file has the engine's acceptance counters (vLLM `spec_decode_*` fields, SGLang's
//! `accept_length`, the speculators CSV, Prometheus counters), `alpha` is solved from the
//! sweep's mean acceptance length with [`alpha_from_acceptance_length`]. The series records
//! that in [`AlphaSource::MeasuredAcceptanceLength`].
//!
//! A manifest looks like this:
//!
//! ```toml
//! [[series]]
//! files = "Qwen3-8B/*alpha-0.70_draft-3_*.json"
//! k = 3
//! alpha = 0.7
//! label = "eagle k3"
//!
//! [[series]]
//! files = ["baseline/run1.json", "baseline/run2.json"]
//! baseline = true
//!
//! [[series]]
//! files = "dspark_*.csv"
//! k = 7
//! alpha = "measured"
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;

use super::{
    AlphaSource, IngestError, LabelSource, MAX_INPUT_FILE_BYTES, Series, Sweep,
    mean_acceptance_length,
};
use crate::model::SpecConfig;
use crate::model::acceptance_profile::alpha_from_acceptance_length;

/// Sources of `k` and `alpha` for the sweeps being labelled.
#[derive(Clone, Debug, Default)]
pub struct LabelOptions {
    /// Draft length from `--k`, valid only when exactly one file is read.
    pub k: Option<i64>,
    /// Acceptance probability from `--alpha`, valid only when exactly one file is read.
    pub alpha: Option<f64>,
    /// Display name from `--label`, valid only when exactly one file is read.
    pub label: Option<String>,
    /// TOML manifest mapping files to configurations.
    pub manifest: Option<PathBuf>,
}

/// Attaches a speculative-decoding configuration and a label to every sweep.
///
/// Fails when a sweep's `k` or `alpha` cannot be found, when a value is out of range, when the
/// flags are given for more than one file, or when the manifest cannot be read or is ambiguous.
pub fn label_sweeps(
    sweeps: Vec<Sweep>,
    options: &LabelOptions,
) -> Result<Vec<Series>, IngestError> {
    let flags_given = options.k.is_some() || options.alpha.is_some() || options.label.is_some();
    if flags_given && sweeps.len() != 1 {
        let path = sweeps.first().map_or_else(PathBuf::new, |s| s.file.clone());
        return Err(IngestError::Label {
            path,
            problem: format!(
                "--k, --alpha and --label apply to one file, but {} sweeps were read",
                sweeps.len()
            ),
            hint: format!(
                "use a manifest (--manifest FILE) to give each file its own configuration, \
                 for example:\n\n{}",
                manifest_example("*alpha-0.70_draft-3_*.json")
            ),
        });
    }

    let manifest = match &options.manifest {
        Some(path) => Some(Manifest::load(path)?),
        None => None,
    };

    let mut series = Vec::with_capacity(sweeps.len());
    for sweep in sweeps {
        let from_manifest = match &manifest {
            Some(manifest) if !flags_given => manifest.lookup(&sweep.file)?,
            _ => None,
        };
        let assignment = if flags_given {
            Assignment {
                config: config_from_flags(&sweep.file, options)?,
                label: options.label.clone(),
                source: LabelSource::Flags,
            }
        } else if let Some(found) = from_manifest {
            found
        } else if let Some(spec) = spec_from_file_name(&sweep.file)? {
            Assignment {
                config: Config::Given(spec),
                label: None,
                source: LabelSource::FileName,
            }
        } else {
            return Err(unknown_config_error(&sweep.file, manifest.is_some()));
        };

        let (spec, alpha_source) = resolve(&sweep, assignment.config)?;
        series.push(Series {
            label: assignment.label.unwrap_or_else(|| default_label(spec)),
            spec,
            label_source: assignment.source,
            alpha_source,
            file: sweep.file,
            format: sweep.format,
            measurements: sweep.measurements,
        });
    }

    disambiguate_labels(&mut series);
    Ok(series)
}

/// A configuration as stated: complete, or a draft length whose `alpha` the counters give.
#[derive(Clone, Copy, Debug)]
enum Config {
    Given(SpecConfig),
    MeasuredAlpha { k: u32 },
}

/// The configuration found for one sweep, with an explicit label where one was given.
struct Assignment {
    config: Config,
    label: Option<String>,
    source: LabelSource,
}

/// Turns a stated configuration into a [`SpecConfig`], solving `alpha` from the sweep's
/// acceptance counters where it was not stated.
fn resolve(sweep: &Sweep, config: Config) -> Result<(SpecConfig, AlphaSource), IngestError> {
    let k = match config {
        Config::Given(spec) => return Ok((spec, AlphaSource::Given)),
        Config::MeasuredAlpha { k } => k,
    };
    let error = |problem: String| IngestError::Label {
        path: sweep.file.clone(),
        problem,
        hint: format!(
            "state alpha (`--alpha 0.7`, or `alpha = 0.7` in the manifest), or use a report that \
             records the engine's acceptance counters (vLLM `spec_decode_*` fields, SGLang \
             `accept_length`, or the Prometheus counters); `speclat acceptance \
             --acceptance-length E --k {k}` converts a length you know into alpha"
        ),
    };

    let Some(acceptance_length) = mean_acceptance_length(&sweep.measurements) else {
        return Err(error(format!(
            "alpha is not given for k = {k} and the file has no acceptance counters to measure it"
        )));
    };
    let alpha = alpha_from_acceptance_length(acceptance_length, k).map_err(|e| {
        error(format!(
            "cannot solve alpha from the measured counters: {e}"
        ))
    })?;
    let spec = SpecConfig::new(k, alpha).map_err(|e| {
        error(format!(
            "the measured acceptance length {acceptance_length:.3} gives {e}"
        ))
    })?;
    Ok((
        spec,
        AlphaSource::MeasuredAcceptanceLength { acceptance_length },
    ))
}

/// Converts a signed draft length to the unsigned one of [`Config::MeasuredAlpha`].
fn measured_k(k: i64) -> Result<u32, crate::model::ModelError> {
    SpecConfig::from_signed(k, 1.0).map(|spec| spec.k())
}

/// Returns `alpha-0.70_draft-3`, or `k0` for plain decoding.
fn default_label(spec: SpecConfig) -> String {
    if spec.is_baseline() {
        "k0".to_string()
    } else {
        format!("alpha-{:.2}_draft-{}", spec.alpha(), spec.k())
    }
}

/// Appends the file stem to labels that several series share, then the path if still shared.
fn disambiguate_labels(series: &mut [Series]) {
    for use_path in [false, true] {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for s in series.iter() {
            *counts.entry(s.label.clone()).or_default() += 1;
        }

        for s in series.iter_mut() {
            if counts[&s.label] < 2 {
                continue;
            }
            let suffix = if use_path {
                s.file.display().to_string()
            } else {
                file_stem(&s.file)
            };
            s.label = format!("{} {suffix}", s.label);
        }
    }
}

/// Returns the file name without `.gz` and the format extension.
fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}

fn config_from_flags(file: &Path, options: &LabelOptions) -> Result<Config, IngestError> {
    let invalid_k = |e: crate::model::ModelError| IngestError::Label {
        path: file.to_path_buf(),
        problem: format!("invalid --k: {e}"),
        hint: "give k as a whole number from 0, for example `--k 3`".to_string(),
    };
    let problem = match (options.k, options.alpha) {
        (Some(0), None) => return Ok(Config::Given(SpecConfig::baseline())),
        (Some(k), None) => {
            return Ok(Config::MeasuredAlpha {
                k: measured_k(k).map_err(invalid_k)?,
            });
        }
        (Some(k), Some(alpha)) => {
            return SpecConfig::from_signed(k, alpha)
                .map(Config::Given)
                .map_err(|e| IngestError::Label {
                    path: file.to_path_buf(),
                    problem: format!("invalid --k/--alpha: {e}"),
                    hint: "give k as a whole number from 0 and alpha in (0, 1], for example \
                       `--k 3 --alpha 0.7`"
                        .to_string(),
                });
        }
        (None, Some(_)) => "--alpha is given without --k",
        (None, None) => "--label is given without --k and --alpha",
    };

    Err(IngestError::Label {
        path: file.to_path_buf(),
        problem: problem.to_string(),
        hint: "give both, for example `--k 3 --alpha 0.7`, or `--k 0` for plain decoding"
            .to_string(),
    })
}

/// Reads `alpha-<A>` and `draft-<K>` from the underscore-separated parts of the file name.
///
/// Returns `None` when either part is absent, and an error when a part is present but invalid.
fn spec_from_file_name(file: &Path) -> Result<Option<SpecConfig>, IngestError> {
    let stem = file_stem(file);
    let mut alpha_text = None;
    let mut k_text = None;
    for part in stem.split('_') {
        if let Some(value) = part.strip_prefix("alpha-") {
            alpha_text = Some(value);
        } else if let Some(value) = part.strip_prefix("draft-") {
            k_text = Some(value);
        }
    }
    let (Some(alpha_text), Some(k_text)) = (alpha_text, k_text) else {
        return Ok(None);
    };

    let invalid = |problem: String| IngestError::Label {
        path: file.to_path_buf(),
        problem,
        hint: format!(
            "rename the file so that it contains `alpha-0.70_draft-3` (alpha in (0, 1], k a \
             whole number), or give the configuration in a manifest:\n\n{}",
            manifest_example(&file_name(file))
        ),
    };
    let alpha: f64 = alpha_text.parse().map_err(|_| {
        invalid(format!(
            "invalid alpha `{alpha_text}` in the file name: not a number"
        ))
    })?;
    let k: i64 = k_text.parse().map_err(|_| {
        invalid(format!(
            "invalid draft length `{k_text}` in the file name: not a whole number"
        ))
    })?;
    SpecConfig::from_signed(k, alpha)
        .map(Some)
        .map_err(|e| invalid(format!("file name: {e}")))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn manifest_example(files: &str) -> String {
    format!("    [[series]]\n    files = \"{files}\"\n    k = 3\n    alpha = 0.7")
}

fn unknown_config_error(file: &Path, have_manifest: bool) -> IngestError {
    let problem = if have_manifest {
        "unknown draft length k and acceptance probability alpha: no manifest entry matches \
         this file and its name has no `alpha-<A>_draft-<K>` part"
    } else {
        "unknown draft length k and acceptance probability alpha: the report does not record \
         them and the file name has no `alpha-<A>_draft-<K>` part"
    };
    IngestError::Label {
        path: file.to_path_buf(),
        problem: problem.to_string(),
        hint: format!(
            "for a single file pass `--k 3 --alpha 0.7` (or `--k 0` for plain decoding); for \
             several files write a manifest and pass it with --manifest FILE, with an entry \
             such as\n\n{}\n\nGlobs in `files` are relative to the manifest's directory.",
            manifest_example(&file_name(file))
        ),
    }
}

/// `files` in a manifest entry: one name or glob, or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum FilePatterns {
    One(String),
    Many(Vec<String>),
}

/// `alpha` in a manifest entry: a probability, or `"measured"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum AlphaSetting {
    Value(f64),
    Word(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestEntry {
    files: FilePatterns,
    k: Option<i64>,
    alpha: Option<AlphaSetting>,
    label: Option<String>,
    #[serde(default)]
    baseline: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    series: Vec<toml::Spanned<ManifestEntry>>,
}

/// One validated manifest entry.
struct Rule {
    line: usize,
    matchers: Vec<GlobMatcher>,
    config: Config,
    label: Option<String>,
}

/// A parsed manifest with its globs compiled.
pub struct Manifest {
    path: PathBuf,
    /// Canonical directory that the globs are relative to.
    directory: PathBuf,
    rules: Vec<Rule>,
}

impl Manifest {
    fn load(path: &Path) -> Result<Self, IngestError> {
        let size = std::fs::metadata(path)
            .map_err(|source| IngestError::from_io(path, source))?
            .len();
        if size > MAX_INPUT_FILE_BYTES {
            return Err(IngestError::TooLarge {
                path: path.to_path_buf(),
                size,
                limit: MAX_INPUT_FILE_BYTES,
            });
        }
        let text =
            std::fs::read_to_string(path).map_err(|source| IngestError::from_io(path, source))?;
        let directory = path.parent().unwrap_or(Path::new("."));
        let directory = if directory.as_os_str().is_empty() {
            Path::new(".")
        } else {
            directory
        };
        let directory = directory
            .canonicalize()
            .unwrap_or_else(|_| directory.to_path_buf());
        Self::parse(path, directory, &text)
    }

    /// Parses manifest text and checks every entry, as [`label_sweeps`] does before it matches
    /// any file. Globs are relative to the directory of `path`.
    pub fn parse_text(path: &Path, text: &str) -> Result<Self, IngestError> {
        let directory = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Self::parse(path, directory, text)
    }

    /// Number of `[[series]]` entries.
    pub fn entry_count(&self) -> usize {
        self.rules.len()
    }

    fn parse(path: &Path, directory: PathBuf, text: &str) -> Result<Self, IngestError> {
        let file: ManifestFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| line_and_column(text, span.start));
            IngestError::Syntax {
                path: path.to_path_buf(),
                format: "TOML manifest",
                line,
                column,
                message: e.message().to_string(),
            }
        })?;

        let mut rules = Vec::with_capacity(file.series.len());
        for spanned in file.series {
            let (line, _) = line_and_column(text, spanned.span().start);
            let entry = spanned.into_inner();
            rules.push(Self::rule(path, line, entry)?);
        }
        Ok(Self {
            path: path.to_path_buf(),
            directory,
            rules,
        })
    }

    fn rule(path: &Path, line: usize, entry: ManifestEntry) -> Result<Rule, IngestError> {
        let error = |problem: String, hint: &str| IngestError::Label {
            path: path.to_path_buf(),
            problem: format!("entry at line {line}: {problem}"),
            hint: hint.to_string(),
        };

        let alpha = match entry.alpha {
            None => None,
            Some(AlphaSetting::Value(value)) => Some(Some(value)),
            Some(AlphaSetting::Word(word)) if word == "measured" => Some(None),
            Some(AlphaSetting::Word(word)) => {
                return Err(error(
                    format!("invalid alpha `{word}`"),
                    "alpha is a number in (0, 1] or the word \"measured\", which solves it from \
                     the file's acceptance counters",
                ));
            }
        };
        let config = match (entry.baseline, entry.k, alpha) {
            (true, None | Some(0), None) => Config::Given(SpecConfig::baseline()),
            (true, _, _) => {
                return Err(error(
                    "`baseline = true` conflicts with a nonzero `k` or an `alpha`".to_string(),
                    "a baseline entry is plain decoding; remove `k` and `alpha` from it",
                ));
            }
            (false, Some(0), None | Some(None)) => Config::Given(SpecConfig::baseline()),
            (false, Some(k), Some(Some(alpha))) => SpecConfig::from_signed(k, alpha)
                .map(Config::Given)
                .map_err(|e| {
                    error(
                        e.to_string(),
                        "k is a whole number from 0 and alpha lies in (0, 1], for example \
                         `k = 3` and `alpha = 0.7`",
                    )
                })?,
            (false, Some(k), None | Some(None)) => Config::MeasuredAlpha {
                k: measured_k(k).map_err(|e| {
                    error(
                        e.to_string(),
                        "k is a whole number from 0, for example `k = 3`",
                    )
                })?,
            },
            (false, None, _) => {
                return Err(error(
                    "the entry needs `k` (with `alpha`, or `alpha = \"measured\"`), or \
                     `baseline = true`"
                        .to_string(),
                    "add the missing key, for example `k = 3` and `alpha = 0.7`",
                ));
            }
        };

        let patterns = match entry.files {
            FilePatterns::One(pattern) => vec![pattern],
            FilePatterns::Many(patterns) => patterns,
        };
        if patterns.is_empty() {
            return Err(error(
                "`files` is an empty list".to_string(),
                "list at least one file name or glob, relative to the manifest's directory",
            ));
        }
        let mut matchers = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let glob = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    error(
                        format!("invalid glob `{pattern}`: {e}"),
                        "use `*` within a name, `**` across directories, for example \
                         `Qwen3-8B/*draft-3_*.json`",
                    )
                })?;
            matchers.push(glob.compile_matcher());
        }

        Ok(Rule {
            line,
            matchers,
            config,
            label: entry.label,
        })
    }

    /// Finds the entry matching `file`. Two matching entries are an error.
    fn lookup(&self, file: &Path) -> Result<Option<Assignment>, IngestError> {
        let absolute = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        let Ok(relative) = absolute.strip_prefix(&self.directory) else {
            return Ok(None);
        };

        let mut matching = self
            .rules
            .iter()
            .filter(|rule| rule.matchers.iter().any(|m| m.is_match(relative)));
        let Some(first) = matching.next() else {
            return Ok(None);
        };
        if let Some(second) = matching.next() {
            return Err(IngestError::Label {
                path: self.path.clone(),
                problem: format!(
                    "entries at lines {} and {} both match {}",
                    first.line,
                    second.line,
                    relative.display()
                ),
                hint: "narrow the globs so that each file matches one entry".to_string(),
            });
        }

        Ok(Some(Assignment {
            config: first.config,
            label: first.label.clone(),
            source: LabelSource::Manifest(self.path.clone()),
        }))
    }
}

/// Converts a byte offset into a 1-based line and column.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset.min(text.len()) - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Measurement, SourceFormat, Strategy};

    fn sweep(file: &Path) -> Sweep {
        Sweep {
            file: file.to_path_buf(),
            format: SourceFormat::GuideLlmReduced,
            measurements: vec![Measurement {
                index: 0,
                strategy: Strategy::Synchronous,
                strategy_inferred: true,
                target_rate_per_s: None,
                target_concurrency: Some(1.0),
                rate_per_s: 1.0,
                latency_s: 1.0,
                latency_std_s: None,
                latency_percentiles: Default::default(),
                concurrency: Some(1.0),
                ttft_s: None,
                itl_s: None,
                tpot_s: None,
                prompt_tokens: None,
                output_tokens: None,
                requests_successful: None,
                requests_errored: None,
                requests_incomplete: None,
                acceptance: None,
            }],
        }
    }

    fn touch(dir: &Path, relative: &str) -> PathBuf {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "[]").unwrap();
        path
    }

    const NAMED: &str = "out_alpha-0.70_draft-3_prompt-512_reduced.json";

    #[test]
    fn file_name_gives_config() {
        let series = label_sweeps(vec![sweep(Path::new(NAMED))], &LabelOptions::default()).unwrap();
        assert_eq!(series[0].spec.k(), 3);
        assert_eq!(series[0].spec.alpha(), 0.7);
        assert_eq!(series[0].label, "alpha-0.70_draft-3");
        assert_eq!(series[0].label_source, LabelSource::FileName);
    }

    #[test]
    fn file_name_with_bad_alpha() {
        let path = Path::new("out_alpha-1.50_draft-3.json");
        let error = label_sweeps(vec![sweep(path)], &LabelOptions::default()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("out_alpha-1.50_draft-3.json"), "{message}");
        assert!(
            message.contains("invalid acceptance probability"),
            "{message}"
        );
    }

    #[test]
    fn flags_override_file_name() {
        let options = LabelOptions {
            k: Some(5),
            alpha: Some(0.9),
            label: Some("mine".to_string()),
            manifest: None,
        };
        let series = label_sweeps(vec![sweep(Path::new(NAMED))], &options).unwrap();
        assert_eq!(series[0].spec.k(), 5);
        assert_eq!(series[0].spec.alpha(), 0.9);
        assert_eq!(series[0].label, "mine");
        assert_eq!(series[0].label_source, LabelSource::Flags);
    }

    #[test]
    fn flags_with_k0_mean_baseline() {
        let options = LabelOptions {
            k: Some(0),
            ..Default::default()
        };
        let series = label_sweeps(vec![sweep(Path::new("run.json"))], &options).unwrap();
        assert!(series[0].spec.is_baseline());
        assert_eq!(series[0].label, "k0");
    }

    #[test]
    fn flags_rejected_for_two_files() {
        let options = LabelOptions {
            k: Some(3),
            alpha: Some(0.7),
            ..Default::default()
        };
        let sweeps = vec![sweep(Path::new("a.json")), sweep(Path::new("b.json"))];
        let message = label_sweeps(sweeps, &options).unwrap_err().to_string();
        assert!(
            message.contains("apply to one file, but 2 sweeps"),
            "{message}"
        );
        assert!(message.contains("--manifest"), "{message}");
        assert!(message.contains("[[series]]"), "{message}");
    }

    #[test]
    fn flags_reject_negative_k() {
        let options = LabelOptions {
            k: Some(-1),
            alpha: Some(0.7),
            ..Default::default()
        };
        let message = label_sweeps(vec![sweep(Path::new("run.json"))], &options)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("run.json: invalid --k/--alpha"),
            "{message}"
        );
        assert!(message.contains("k = -1"), "{message}");
    }

    #[test]
    fn unknown_config_hint_shows_fixes() {
        let message = label_sweeps(vec![sweep(Path::new("run.json"))], &LabelOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("run.json: unknown draft length k"),
            "{message}"
        );
        assert!(message.contains("`--k 3 --alpha 0.7`"), "{message}");
        assert!(message.contains("files = \"run.json\""), "{message}");
    }

    #[test]
    fn manifest_globs_and_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let eagle = touch(dir.path(), "Qwen3-8B/out_alpha-0.70_draft-3_x.json");
        let other = touch(dir.path(), "Qwen3-8B/out_alpha-0.70_draft-5_x.json");
        let base = touch(dir.path(), "base/run.json");
        let manifest = dir.path().join("speclat.toml");
        std::fs::write(
            &manifest,
            "[[series]]\n\
             files = \"Qwen3-8B/*alpha-0.70_draft-3_*.json\"\n\
             k = 3\n\
             alpha = 0.75\n\
             label = \"eagle k3\"\n\
             \n\
             [[series]]\n\
             files = [\"base/run.json\"]\n\
             baseline = true\n",
        )
        .unwrap();

        let options = LabelOptions {
            manifest: Some(manifest.clone()),
            ..Default::default()
        };
        let sweeps = vec![sweep(&eagle), sweep(&other), sweep(&base)];
        let series = label_sweeps(sweeps, &options).unwrap();

        assert_eq!(series[0].label, "eagle k3");
        assert_eq!(series[0].spec.alpha(), 0.75);
        assert_eq!(
            series[0].label_source,
            LabelSource::Manifest(manifest.clone())
        );
        // No entry matches the k = 5 file, so its name decides.
        assert_eq!(series[1].spec.k(), 5);
        assert_eq!(series[1].label_source, LabelSource::FileName);
        assert!(series[2].spec.is_baseline());
        assert_eq!(series[2].label, "k0");
    }

    fn sweep_with_counters(file: &Path, accepted: f64, drafts: f64) -> Sweep {
        let mut sweep = sweep(file);
        sweep.measurements[0].acceptance = Some(crate::ingest::AcceptanceCounters {
            acceptance_length: Some(1.0 + accepted / drafts),
            num_drafts: Some(drafts),
            num_accepted_tokens: Some(accepted),
            ..Default::default()
        });
        sweep
    }

    #[test]
    fn manifest_measured_alpha_from_counters() {
        let dir = tempfile::tempdir().unwrap();
        let file = touch(dir.path(), "mtp.csv");
        let manifest = dir.path().join("m.toml");
        std::fs::write(
            &manifest,
            "[[series]]\nfiles = \"mtp.csv\"\nk = 2\nalpha = \"measured\"\n",
        )
        .unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        // 1.27 accepted per draft: E = 2.27 at k = 2, so 1 + a + a^2 = 2.27.
        let series =
            label_sweeps(vec![sweep_with_counters(&file, 127.0, 100.0)], &options).unwrap();
        let expected = (-1.0 + 6.08_f64.sqrt()) / 2.0;
        assert!((series[0].spec.alpha() - expected).abs() < 1e-9);
        assert_eq!(series[0].spec.k(), 2);
        assert_eq!(
            series[0].alpha_source,
            AlphaSource::MeasuredAcceptanceLength {
                acceptance_length: 2.27
            }
        );
    }

    #[test]
    fn flag_k_alone_measures_alpha() {
        let options = LabelOptions {
            k: Some(2),
            ..Default::default()
        };
        let series = label_sweeps(
            vec![sweep_with_counters(Path::new("run.json"), 127.0, 100.0)],
            &options,
        )
        .unwrap();
        assert!((series[0].spec.alpha() - 0.7329).abs() < 1e-4);

        let message = label_sweeps(vec![sweep(Path::new("run.json"))], &options)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(
                "run.json: alpha is not given for k = 2 and the file has no acceptance counters"
            ),
            "{message}"
        );
        assert!(message.contains("hint: state alpha"), "{message}");
    }

    #[test]
    fn manifest_rejects_unknown_alpha_word() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("m.toml");
        std::fs::write(
            &manifest,
            "[[series]]\nfiles = \"a.json\"\nk = 2\nalpha = \"high\"\n",
        )
        .unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        let message = label_sweeps(Vec::new(), &options).unwrap_err().to_string();
        assert!(
            message.contains("line 1: invalid alpha `high`"),
            "{message}"
        );
    }

    #[test]
    fn manifest_star_does_not_cross_directories() {
        let dir = tempfile::tempdir().unwrap();
        let nested = touch(dir.path(), "a/b/run.json");
        let manifest = dir.path().join("m.toml");
        std::fs::write(
            &manifest,
            "[[series]]\nfiles = \"*/run.json\"\nk = 1\nalpha = 0.5\n",
        )
        .unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        let message = label_sweeps(vec![sweep(&nested)], &options)
            .unwrap_err()
            .to_string();
        assert!(message.contains("no manifest entry matches"), "{message}");
    }

    #[test]
    fn oversized_manifest_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("m.toml");
        // Sparse: the size is checked before a byte is read.
        let file = std::fs::File::create(&manifest).unwrap();
        file.set_len(MAX_INPUT_FILE_BYTES + 1).unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        let error = label_sweeps(vec![sweep(Path::new(NAMED))], &options).unwrap_err();
        assert!(matches!(error, IngestError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn manifest_entry_error_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = touch(dir.path(), "run.json");
        let manifest = dir.path().join("m.toml");
        std::fs::write(
            &manifest,
            "[[series]]\nfiles = \"other.json\"\nk = 1\nalpha = 0.5\n\n\
             [[series]]\nfiles = \"run.json\"\nk = 2\nalpha = 1.5\n",
        )
        .unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        let message = label_sweeps(vec![sweep(&file)], &options)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("m.toml: entry at line 6: invalid acceptance"),
            "{message}"
        );
    }

    #[test]
    fn manifest_syntax_error_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("m.toml");
        std::fs::write(&manifest, "[[series]]\nfiles = \"run.json\"\nk = = 2\n").unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        let message = label_sweeps(Vec::new(), &options).unwrap_err().to_string();
        assert!(
            message.contains("m.toml: invalid TOML manifest at line 3"),
            "{message}"
        );
    }

    #[test]
    fn manifest_overlapping_entries_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = touch(dir.path(), "run.json");
        let manifest = dir.path().join("m.toml");
        std::fs::write(
            &manifest,
            "[[series]]\nfiles = \"*.json\"\nk = 1\nalpha = 0.5\n\
             [[series]]\nfiles = \"run.json\"\nbaseline = true\n",
        )
        .unwrap();
        let options = LabelOptions {
            manifest: Some(manifest),
            ..Default::default()
        };
        let message = label_sweeps(vec![sweep(&file)], &options)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("entries at lines 1 and 5 both match run.json"),
            "{message}"
        );
    }

    #[test]
    fn colliding_labels_get_file_stems() {
        let a = Path::new("x/run1_alpha-0.70_draft-3.json");
        let b = Path::new("y/run2_alpha-0.70_draft-3.json.gz");
        let series = label_sweeps(vec![sweep(a), sweep(b)], &LabelOptions::default()).unwrap();
        assert_eq!(
            series[0].label,
            "alpha-0.70_draft-3 run1_alpha-0.70_draft-3"
        );
        assert_eq!(
            series[1].label,
            "alpha-0.70_draft-3 run2_alpha-0.70_draft-3"
        );
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_and_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_and_column("ab\ncd", 4), (2, 2));
    }
}
