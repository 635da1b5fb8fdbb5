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
//!
//! # Systems
//!
//! A manifest may also describe the systems that the sweeps measured, for fits across model
//! sizes and workloads. Each `[[system]]` entry has a unique `name` and `files` globs like a
//! `[[series]]` entry. A series whose file one of them matches gets its name in
//! [`Series::system`], and a file that two systems match is an error. [`load_systems`] returns
//! the descriptions. `[[series]]` entries are optional beside `[[system]]` entries, but a
//! manifest needs one or the other.
//!
//! ```toml
//! [[system]]
//! name = "Qwen3-8B"
//! files = "Qwen3-8B/*.json"
//! config = "configs/qwen3-8b.json"   # the verifier's Hugging Face config.json
//! drafter_params = 0.38e9
//! prompt_tokens = 512                # overrides the measured mean prompt length
//! output_tokens = 128                # overrides the measured mean output length
//! ```
//!
//! The verifier comes from `config`, read from disk relative to the manifest's directory, and
//! from numbers stated in the entry: `verifier_params` (total parameters), `hidden_size`,
//! `layers`, `attention_heads`, `kv_heads`, `head_dim`, `intermediate_size`, `vocab_size`,
//! `experts_total`, `experts_per_token`, `expert_intermediate_size`, `shared_experts` and
//! `shared_expert_intermediate_size`. A number stated beside `config` overrides the file's
//! value. Without `config`, `hidden_size` and `layers` come together, and the other shape
//! numbers need them. The drafter comes from `drafter_config`, or only from
//! `drafter_params`. Counts are positive whole numbers (`shared_experts` may be 0), and
//! parameter counts and token lengths are positive finite numbers.

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
use crate::scaling::architecture::{Architecture, MAX_COUNT, ShapeProblem, SystemDescription};

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

/// Attaches a speculative-decoding configuration, a label and, from the manifest's
/// `[[system]]` entries, a system name to every sweep.
///
/// Fails when a sweep's `k` or `alpha` cannot be found, when a value is out of range, when the
/// flags are given for more than one file, or when the manifest cannot be read or is ambiguous.
/// The model configurations that `[[system]]` entries name are read too, so that a broken one
/// is reported before any fit. [`load_systems`] returns what they describe.
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
        Some(path) => {
            let manifest = Manifest::load(path)?;
            manifest.describe_systems()?;
            Some(manifest)
        }
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

        let system = match &manifest {
            Some(manifest) => manifest.system_of(&sweep.file)?,
            None => None,
        };

        let (spec, alpha_source) = resolve(&sweep, assignment.config)?;
        series.push(Series {
            label: assignment.label.unwrap_or_else(|| default_label(spec)),
            spec,
            label_source: assignment.source,
            alpha_source,
            system,
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

/// A `[[system]]` entry as written. Numbers are read as `f64` so that `4096`, `4096.0` and
/// `8.2e9` all parse, and are then checked to be whole where they count something.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemEntry {
    name: String,
    files: FilePatterns,
    config: Option<PathBuf>,
    verifier_params: Option<f64>,
    hidden_size: Option<f64>,
    layers: Option<f64>,
    attention_heads: Option<f64>,
    kv_heads: Option<f64>,
    head_dim: Option<f64>,
    intermediate_size: Option<f64>,
    vocab_size: Option<f64>,
    experts_total: Option<f64>,
    experts_per_token: Option<f64>,
    expert_intermediate_size: Option<f64>,
    shared_experts: Option<f64>,
    shared_expert_intermediate_size: Option<f64>,
    drafter_config: Option<PathBuf>,
    drafter_params: Option<f64>,
    prompt_tokens: Option<f64>,
    output_tokens: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    #[serde(default)]
    series: Vec<toml::Spanned<ManifestEntry>>,
    #[serde(default)]
    system: Vec<toml::Spanned<SystemEntry>>,
}

/// One validated manifest entry.
struct Rule {
    line: usize,
    matchers: Vec<GlobMatcher>,
    config: Config,
    label: Option<String>,
}

/// One validated `[[system]]` entry. The configurations it names are read only when the
/// system is described.
struct SystemRule {
    line: usize,
    name: String,
    matchers: Vec<GlobMatcher>,
    /// The verifier's `config.json`, joined to the directory of the manifest's path.
    config: Option<PathBuf>,
    /// Shape numbers and `verifier_params` stated in the entry.
    stated: Architecture,
    /// The drafter's `config.json`, joined to the directory of the manifest's path.
    drafter_config: Option<PathBuf>,
    drafter_params: Option<f64>,
    prompt_tokens: Option<f64>,
    output_tokens: Option<f64>,
}

/// A parsed manifest with its globs compiled.
pub struct Manifest {
    path: PathBuf,
    /// Canonical directory that the globs are relative to.
    directory: PathBuf,
    /// The same directory as spelled, made absolute without resolving links; `None` when the
    /// working directory is unknown.
    lexical_directory: Option<PathBuf>,
    rules: Vec<Rule>,
    systems: Vec<SystemRule>,
}

/// Reads the manifest at `path` and describes each of its `[[system]]` entries, in file order.
///
/// Reads the Hugging Face configurations that the entries name. Fails when the manifest is
/// invalid (as [`label_sweeps`] would report it), when a configuration cannot be read or is
/// invalid, or when the numbers stated beside a configuration contradict it. Returns an empty
/// list for a manifest with only `[[series]]` entries.
pub fn load_systems(manifest: &Path) -> Result<Vec<SystemDescription>, IngestError> {
    Manifest::load(manifest)?.describe_systems()
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
    /// any file, but does not read the model configurations that `[[system]]` entries name.
    /// Globs are relative to the directory of `path`.
    pub fn parse_text(path: &Path, text: &str) -> Result<Self, IngestError> {
        let directory = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Self::parse(path, directory, text)
    }

    /// Number of `[[series]]` entries.
    pub fn entry_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of `[[system]]` entries.
    pub fn system_count(&self) -> usize {
        self.systems.len()
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

        if file.series.is_empty() && file.system.is_empty() {
            return Err(IngestError::Label {
                path: path.to_path_buf(),
                problem: "the manifest has no `[[series]]` or `[[system]]` entries".to_string(),
                hint: format!(
                    "add an entry for each group of files, for example\n\n{}",
                    manifest_example("*alpha-0.70_draft-3_*.json")
                ),
            });
        }

        let mut rules = Vec::with_capacity(file.series.len());
        for spanned in file.series {
            let (line, _) = line_and_column(text, spanned.span().start);
            let entry = spanned.into_inner();
            rules.push(Self::rule(path, line, entry)?);
        }

        let mut systems: Vec<SystemRule> = Vec::with_capacity(file.system.len());
        for spanned in file.system {
            let (line, _) = line_and_column(text, spanned.span().start);
            let system = system_rule(path, line, spanned.into_inner())?;
            if let Some(first) = systems.iter().find(|s| s.name == system.name) {
                return Err(IngestError::Label {
                    path: path.to_path_buf(),
                    problem: format!(
                        "system entries at lines {} and {line} are both named `{}`",
                        first.line, system.name
                    ),
                    hint: "give each system its own name".to_string(),
                });
            }
            systems.push(system);
        }

        Ok(Self {
            path: path.to_path_buf(),
            directory,
            lexical_directory: lexical_absolute(
                // A bare file name has the empty path as parent, which means the working
                // directory.
                Some(path.parent().unwrap_or(Path::new("")))
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new(".")),
            ),
            rules,
            systems,
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

        let matchers = compile_patterns(entry.files, error)?;

        Ok(Rule {
            line,
            matchers,
            config,
            label: entry.label,
        })
    }

    /// Returns `file` relative to the manifest's directory, with `..` where it lies outside:
    /// first as spelled (so that a glob through a symbolic link matches), then with links
    /// resolved. A glob such as `../runs/*.json` thus reaches data kept beside the manifest's
    /// folder, for example on a read-only share.
    fn relative_paths(&self, file: &Path) -> Vec<PathBuf> {
        let mut paths = Vec::with_capacity(2);
        if let (Some(spelled), Some(directory)) = (lexical_absolute(file), &self.lexical_directory)
            && let Some(relative) = relative_to(&spelled, directory)
        {
            paths.push(relative);
        }
        let canonical = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        if let Some(relative) = relative_to(&canonical, &self.directory)
            && !paths.contains(&relative)
        {
            paths.push(relative);
        }
        paths
    }

    /// Returns the first spelling of `file` that one of `matchers` accepts. A file outside the
    /// manifest's directory matches only a glob that itself starts with `..`, so that `**`
    /// keeps meaning "below the manifest".
    fn matching_path(&self, file: &Path, matchers: &[GlobMatcher]) -> Option<PathBuf> {
        self.relative_paths(file).into_iter().find(|relative| {
            let outside = relative.starts_with("..");
            matchers
                .iter()
                .any(|m| (!outside || m.glob().glob().starts_with("..")) && m.is_match(relative))
        })
    }

    /// Finds the entry matching `file`. Two matching entries are an error.
    fn lookup(&self, file: &Path) -> Result<Option<Assignment>, IngestError> {
        let matching: Vec<(&Rule, PathBuf)> = self
            .rules
            .iter()
            .filter_map(|rule| Some((rule, self.matching_path(file, &rule.matchers)?)))
            .collect();
        let Some((first, relative)) = matching.first() else {
            return Ok(None);
        };
        if let Some((second, _)) = matching.get(1) {
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

    /// Finds the name of the system whose `files` match `file`. Two matching systems are an
    /// error.
    fn system_of(&self, file: &Path) -> Result<Option<String>, IngestError> {
        let matching: Vec<(&SystemRule, PathBuf)> = self
            .systems
            .iter()
            .filter_map(|system| Some((system, self.matching_path(file, &system.matchers)?)))
            .collect();
        let Some((first, relative)) = matching.first() else {
            return Ok(None);
        };
        if let Some((second, _)) = matching.get(1) {
            return Err(IngestError::Label {
                path: self.path.clone(),
                problem: format!(
                    "systems `{}` (line {}) and `{}` (line {}) both match {}",
                    first.name,
                    first.line,
                    second.name,
                    second.line,
                    relative.display()
                ),
                hint: "narrow the globs so that each file belongs to one system".to_string(),
            });
        }
        Ok(Some(first.name.clone()))
    }

    /// Describes every `[[system]]` entry, reading the configurations they name.
    fn describe_systems(&self) -> Result<Vec<SystemDescription>, IngestError> {
        self.systems
            .iter()
            .map(|system| self.describe(system))
            .collect()
    }

    fn describe(&self, system: &SystemRule) -> Result<SystemDescription, IngestError> {
        let read = |config: &Path| {
            Architecture::from_hf_config(config).map_err(|error| IngestError::Architecture {
                path: self.path.clone(),
                line: system.line,
                error,
            })
        };

        let mut overridden = Vec::new();
        let verifier = match &system.config {
            Some(config) => {
                let from_config = read(config)?;
                overridden = from_config.differences(&system.stated);
                let verifier = from_config.with_overrides(&system.stated);
                verifier.check_shape().map_err(|problem| {
                    shape_error(&self.path, system.line, problem, Some(config))
                })?;
                Some(verifier)
            }
            None if system.stated.is_empty() => None,
            None => Some(system.stated.clone()),
        };

        let drafter = match (&system.drafter_config, system.drafter_params) {
            (Some(config), params) => {
                let mut drafter = read(config)?;
                drafter.params = params.or(drafter.params);
                Some(drafter)
            }
            (None, Some(params)) => Some(Architecture::from_params(params)),
            (None, None) => None,
        };

        Ok(SystemDescription {
            name: system.name.clone(),
            verifier,
            drafter,
            prompt_tokens: system.prompt_tokens,
            output_tokens: system.output_tokens,
            source: self.path.clone(),
            overridden,
        })
    }
}

/// Compiles the globs of a `files` key. `error` builds the message of an invalid one.
fn compile_patterns(
    files: FilePatterns,
    error: impl Fn(String, &str) -> IngestError,
) -> Result<Vec<GlobMatcher>, IngestError> {
    let patterns = match files {
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
    Ok(matchers)
}

/// Validates a `[[system]]` entry without reading the configurations it names.
fn system_rule(path: &Path, line: usize, entry: SystemEntry) -> Result<SystemRule, IngestError> {
    // Configurations are joined to the manifest's directory as the caller spelled it, not the
    // canonical one, so that messages show the paths the user wrote.
    let directory = path.parent().unwrap_or(Path::new(""));
    let error = |problem: String, hint: &str| IngestError::Label {
        path: path.to_path_buf(),
        problem: format!("system entry at line {line}: {problem}"),
        hint: hint.to_string(),
    };

    if entry.name.trim().is_empty() {
        return Err(error(
            "`name` is empty".to_string(),
            "give each system a name, for example `name = \"Qwen3-8B\"`",
        ));
    }
    let matchers = compile_patterns(entry.files, error)?;

    let count = |key: &str, value: Option<f64>| whole_number(path, line, key, value, 1);
    let stated = Architecture {
        hidden_size: count("hidden_size", entry.hidden_size)?,
        layers: count("layers", entry.layers)?,
        attention_heads: count("attention_heads", entry.attention_heads)?,
        kv_heads: count("kv_heads", entry.kv_heads)?,
        head_dim: count("head_dim", entry.head_dim)?,
        intermediate_size: count("intermediate_size", entry.intermediate_size)?,
        vocab_size: count("vocab_size", entry.vocab_size)?,
        experts_total: count("experts_total", entry.experts_total)?,
        experts_per_token: count("experts_per_token", entry.experts_per_token)?,
        expert_intermediate_size: count(
            "expert_intermediate_size",
            entry.expert_intermediate_size,
        )?,
        shared_experts: whole_number(path, line, "shared_experts", entry.shared_experts, 0)?,
        shared_expert_intermediate_size: count(
            "shared_expert_intermediate_size",
            entry.shared_expert_intermediate_size,
        )?,
        params: positive_number(path, line, "verifier_params", entry.verifier_params)?,
    };
    // Beside a configuration, the stated numbers are checked once merged with the file's.
    if entry.config.is_none() {
        stated
            .check_shape()
            .map_err(|problem| shape_error(path, line, problem, None))?;
    }

    Ok(SystemRule {
        line,
        name: entry.name,
        matchers,
        config: entry.config.map(|config| directory.join(config)),
        stated,
        drafter_config: entry.drafter_config.map(|config| directory.join(config)),
        drafter_params: positive_number(path, line, "drafter_params", entry.drafter_params)?,
        prompt_tokens: positive_number(path, line, "prompt_tokens", entry.prompt_tokens)?,
        output_tokens: positive_number(path, line, "output_tokens", entry.output_tokens)?,
    })
}

/// Checks a count of a `[[system]]` entry: a whole number from `minimum` up to [`MAX_COUNT`].
fn whole_number(
    path: &Path,
    line: usize,
    key: &str,
    value: Option<f64>,
    minimum: u64,
) -> Result<Option<u64>, IngestError> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.is_finite() && value.fract() == 0.0 && value >= minimum as f64 {
        if value <= MAX_COUNT as f64 {
            return Ok(Some(value as u64));
        }
        return Err(IngestError::Label {
            path: path.to_path_buf(),
            problem: format!(
                "system entry at line {line}: `{key}` = {value} is larger than the limit of \
                 {MAX_COUNT}"
            ),
            hint: format!("give the value from the model's config.json, for example `{key} = 36`"),
        });
    }

    let kind = if minimum == 0 {
        "a whole number from 0"
    } else {
        "a positive whole number"
    };
    Err(IngestError::Label {
        path: path.to_path_buf(),
        problem: format!("system entry at line {line}: `{key}` = {value} is not {kind}"),
        hint: format!(
            "counts of heads, layers, experts and widths are whole numbers, as in the model's \
             config.json, for example `{key} = 36`"
        ),
    })
}

/// Checks a parameter count or token length of a `[[system]]` entry: finite and above 0.
fn positive_number(
    path: &Path,
    line: usize,
    key: &str,
    value: Option<f64>,
) -> Result<Option<f64>, IngestError> {
    match value {
        Some(number) if !(number.is_finite() && number > 0.0) => Err(IngestError::Label {
            path: path.to_path_buf(),
            problem: format!(
                "system entry at line {line}: `{key}` = {number} is not a positive finite number"
            ),
            hint: "parameter counts and token lengths are positive numbers, for example \
                   `verifier_params = 8.2e9` or `prompt_tokens = 512`"
                .to_string(),
        }),
        _ => Ok(value),
    }
}

/// Reports a verifier shape whose numbers do not fit together.
fn shape_error(
    path: &Path,
    line: usize,
    problem: ShapeProblem,
    config: Option<&Path>,
) -> IngestError {
    let key = problem.field.manifest_key();
    let read_from = match config {
        Some(config) => format!(" (with the values read from {})", config.display()),
        None => String::new(),
    };
    IngestError::Label {
        path: path.to_path_buf(),
        problem: format!(
            "system entry at line {line}: `{key}`{read_from}: {}",
            problem.problem
        ),
        hint: problem.hint.to_string(),
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

/// Makes `path` absolute against the working directory and removes `.` and `..` by text
/// alone, without following symbolic links. Returns `None` when the working directory is
/// unknown.
fn lexical_absolute(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut normal = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    Some(normal)
}

/// `path` relative to `base`, both absolute, with one `..` per level of `base` below their
/// common ancestor; `None` when they share no root.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    for component in &path[common..] {
        relative.push(component);
    }
    Some(relative)
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

    fn write_manifest(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("speclat.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn with_manifest(manifest: &Path) -> LabelOptions {
        LabelOptions {
            manifest: Some(manifest.to_path_buf()),
            ..Default::default()
        }
    }

    fn manifest_error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let manifest = write_manifest(dir.path(), text);
        match load_systems(&manifest) {
            Ok(systems) => panic!("accepted {text}: {systems:?}"),
            Err(error) => error.to_string(),
        }
    }

    const QWEN3_8B_CONFIG: &str = r#"{"hidden_size": 4096, "num_hidden_layers": 36,
        "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
        "intermediate_size": 12288, "vocab_size": 151936}"#;

    #[test]
    fn systems_alone_with_file_name_labels() {
        let dir = tempfile::tempdir().unwrap();
        let small = touch(dir.path(), "small/out_alpha-0.70_draft-3_x.json");
        let large = touch(dir.path(), "large/out_alpha-0.80_draft-2_x.json");
        let other = touch(dir.path(), "other/out_alpha-0.80_draft-2_x.json");
        let manifest = write_manifest(
            dir.path(),
            "[[system]]\n\
             name = \"small\"\n\
             files = \"small/*.json\"\n\
             verifier_params = 8.2e9\n\
             drafter_params = 0.38e9\n\
             prompt_tokens = 512\n\
             \n\
             [[system]]\n\
             name = \"large\"\n\
             files = [\"large/*.json\", \"extra.json\"]\n\
             hidden_size = 5120\n\
             layers = 64\n\
             output_tokens = 128.5\n",
        );

        let sweeps = vec![sweep(&small), sweep(&large), sweep(&other)];
        let series = label_sweeps(sweeps, &with_manifest(&manifest)).unwrap();
        assert_eq!(series[0].system.as_deref(), Some("small"));
        assert_eq!(series[0].label_source, LabelSource::FileName);
        assert_eq!(series[0].spec.k(), 3);
        assert_eq!(series[1].system.as_deref(), Some("large"));
        assert_eq!(series[2].system, None);

        let systems = load_systems(&manifest).unwrap();
        assert_eq!(systems.len(), 2);
        assert_eq!(systems[0].name, "small");
        assert_eq!(systems[0].verifier, Some(Architecture::from_params(8.2e9)));
        assert_eq!(systems[0].drafter, Some(Architecture::from_params(0.38e9)));
        assert_eq!(systems[0].prompt_tokens, Some(512.0));
        assert_eq!(systems[0].output_tokens, None);
        assert_eq!(systems[0].source, manifest);

        let large = systems[1].verifier.as_ref().unwrap();
        assert_eq!(large.hidden_size, Some(5120));
        assert_eq!(large.layers, Some(64));
        assert_eq!(large.streamed_params(), 12.0 * 5120.0 * 5120.0 * 64.0);
        assert_eq!(systems[1].drafter, None);
        assert_eq!(systems[1].output_tokens, Some(128.5));
    }

    #[test]
    fn system_without_numbers_has_no_verifier() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = write_manifest(
            dir.path(),
            "[[system]]\nname = \"unknown\"\nfiles = \"*.json\"\n",
        );
        let systems = load_systems(&manifest).unwrap();
        assert_eq!(systems[0].verifier, None);
        assert_eq!(systems[0].drafter, None);
    }

    #[test]
    fn series_and_systems_together() {
        let dir = tempfile::tempdir().unwrap();
        let file = touch(dir.path(), "run.json");
        let manifest = write_manifest(
            dir.path(),
            "[[series]]\nfiles = \"run.json\"\nk = 2\nalpha = 0.6\n\n\
             [[system]]\nname = \"Qwen3-8B\"\nfiles = \"*.json\"\n",
        );
        let series = label_sweeps(vec![sweep(&file)], &with_manifest(&manifest)).unwrap();
        assert_eq!(series[0].spec.alpha(), 0.6);
        assert_eq!(series[0].system.as_deref(), Some("Qwen3-8B"));
        assert_eq!(
            series[0].label_source,
            LabelSource::Manifest(manifest.clone())
        );
    }

    #[test]
    fn flags_keep_the_manifest_system() {
        let dir = tempfile::tempdir().unwrap();
        let file = touch(dir.path(), "run.json");
        let manifest = write_manifest(
            dir.path(),
            "[[system]]\nname = \"Qwen3-8B\"\nfiles = \"run.json\"\n",
        );
        let options = LabelOptions {
            k: Some(3),
            alpha: Some(0.7),
            ..with_manifest(&manifest)
        };
        let series = label_sweeps(vec![sweep(&file)], &options).unwrap();
        assert_eq!(series[0].label_source, LabelSource::Flags);
        assert_eq!(series[0].system.as_deref(), Some("Qwen3-8B"));
    }

    #[test]
    fn file_in_two_systems_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = touch(dir.path(), "Qwen3-8B/out_alpha-0.70_draft-3_x.json");
        let manifest = write_manifest(
            dir.path(),
            "[[system]]\nname = \"a\"\nfiles = \"Qwen3-8B/*.json\"\n\n\
             [[system]]\nname = \"b\"\nfiles = \"**/*draft-3*.json\"\n",
        );
        let message = label_sweeps(vec![sweep(&file)], &with_manifest(&manifest))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(
                "systems `a` (line 1) and `b` (line 5) both match \
                 Qwen3-8B/out_alpha-0.70_draft-3_x.json"
            ),
            "{message}"
        );
        assert!(message.contains("hint: narrow the globs"), "{message}");
    }

    #[test]
    fn duplicate_system_names_are_rejected() {
        let message = manifest_error(
            "[[system]]\nname = \"a\"\nfiles = \"x/*.json\"\n\n\
             [[system]]\nname = \"a\"\nfiles = \"y/*.json\"\n",
        );
        assert!(
            message.contains("system entries at lines 1 and 5 are both named `a`"),
            "{message}"
        );
        assert!(
            message.contains("hint: give each system its own name"),
            "{message}"
        );
    }

    #[test]
    fn bad_system_numbers_are_rejected() {
        let cases = [
            (
                "hidden_size = -4096\nlayers = 2",
                "`hidden_size` = -4096 is not a positive whole",
            ),
            (
                "hidden_size = 0\nlayers = 2",
                "`hidden_size` = 0 is not a positive whole",
            ),
            (
                "hidden_size = 64\nlayers = 2.5",
                "`layers` = 2.5 is not a positive whole",
            ),
            (
                "hidden_size = inf\nlayers = 2",
                "`hidden_size` = inf is not a positive whole",
            ),
            (
                "hidden_size = 1e20\nlayers = 2",
                "`hidden_size` = 100000000000000000000 is larger",
            ),
            (
                "verifier_params = inf",
                "`verifier_params` = inf is not a positive finite number",
            ),
            (
                "verifier_params = -inf",
                "`verifier_params` = -inf is not a positive finite",
            ),
            (
                "verifier_params = nan",
                "`verifier_params` = NaN is not a positive finite",
            ),
            (
                "drafter_params = 0",
                "`drafter_params` = 0 is not a positive finite number",
            ),
            (
                "prompt_tokens = -512",
                "`prompt_tokens` = -512 is not a positive finite",
            ),
            (
                "output_tokens = inf",
                "`output_tokens` = inf is not a positive finite",
            ),
            (
                "shared_experts = -1",
                "`shared_experts` = -1 is not a whole number from 0",
            ),
        ];
        for (numbers, expected) in cases {
            let message = manifest_error(&format!(
                "[[system]]\nname = \"s\"\nfiles = \"*.json\"\n{numbers}\n"
            ));
            assert!(
                message.contains(&format!("speclat.toml: system entry at line 1: {expected}")),
                "{numbers}: {message}"
            );
            assert!(message.contains("hint: "), "{numbers}: {message}");
        }
    }

    #[test]
    fn incomplete_system_shape_is_rejected() {
        let cases = [
            (
                "hidden_size = 4096",
                "`layers`: missing: hidden_size is given",
            ),
            (
                "layers = 36\nverifier_params = 8e9",
                "`hidden_size`: missing: layers is given",
            ),
            (
                "verifier_params = 8e9\nattention_heads = 32",
                "`attention_heads`: given without hidden_size and layers",
            ),
            (
                "hidden_size = 4096\nlayers = 36\nkv_heads = 8",
                "`kv_heads`: given without the attention head count",
            ),
            (
                "hidden_size = 4096\nlayers = 36\nexperts_total = 8",
                "`experts_per_token`: missing, but the model has 8 routed experts",
            ),
        ];
        for (numbers, expected) in cases {
            let message = manifest_error(&format!(
                "[[system]]\nname = \"s\"\nfiles = \"*.json\"\n{numbers}\n"
            ));
            assert!(
                message.contains(&format!("system entry at line 1: {expected}")),
                "{numbers}: {message}"
            );
            assert!(message.contains("\n\nhint: give "), "{numbers}: {message}");
        }
    }

    #[test]
    fn system_entry_rejects_unknown_key() {
        let message =
            manifest_error("[[system]]\nname = \"s\"\nfiles = \"*.json\"\nhidden = 4096\n");
        assert!(
            message.contains("speclat.toml: invalid TOML manifest at line 4"),
            "{message}"
        );
        assert!(message.contains("unknown field `hidden`"), "{message}");
    }

    #[test]
    fn system_entry_needs_name_and_files() {
        let missing_name = manifest_error("[[system]]\nfiles = \"*.json\"\n");
        assert!(
            missing_name.contains("missing field `name`"),
            "{missing_name}"
        );

        let blank_name = manifest_error("[[system]]\nname = \" \"\nfiles = \"*.json\"\n");
        assert!(
            blank_name.contains("system entry at line 1: `name` is empty"),
            "{blank_name}"
        );

        let no_files = manifest_error("[[system]]\nname = \"s\"\nfiles = []\n");
        assert!(
            no_files.contains("system entry at line 1: `files` is an empty list"),
            "{no_files}"
        );
    }

    #[test]
    fn manifest_without_entries_is_rejected() {
        for text in ["", "series = []\nsystem = []\n"] {
            let message = manifest_error(text);
            assert!(
                message.contains("the manifest has no `[[series]]` or `[[system]]` entries"),
                "{message}"
            );
        }
    }

    #[test]
    fn system_config_is_read_and_overridden() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("configs")).unwrap();
        std::fs::write(dir.path().join("configs/verifier.json"), QWEN3_8B_CONFIG).unwrap();
        std::fs::write(
            dir.path().join("configs/drafter.json"),
            r#"{"hidden_size": 4096, "num_hidden_layers": 1}"#,
        )
        .unwrap();
        let manifest = write_manifest(
            dir.path(),
            "[[system]]\n\
             name = \"Qwen3-8B, 2 layers\"\n\
             files = \"*.json\"\n\
             config = \"configs/verifier.json\"\n\
             layers = 2\n\
             verifier_params = 8.2e9\n\
             drafter_config = \"configs/drafter.json\"\n\
             drafter_params = 0.38e9\n",
        );

        let systems = load_systems(&manifest).unwrap();
        let verifier = systems[0].verifier.as_ref().unwrap();
        assert_eq!(verifier.layers, Some(2));
        assert_eq!(verifier.hidden_size, Some(4096));
        assert_eq!(verifier.kv_heads, Some(8));
        assert_eq!(verifier.params, Some(8.2e9));
        // 2 layers of 192,937,984 weights, plus the LM head 4096 * 151936.
        assert_eq!(
            verifier.streamed_params(),
            2.0 * 192_937_984.0 + 622_329_856.0
        );

        let drafter = systems[0].drafter.as_ref().unwrap();
        assert_eq!(drafter.layers, Some(1));
        assert_eq!(drafter.params, Some(0.38e9));
    }

    #[test]
    fn system_config_errors_name_manifest_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("broken.json"),
            r#"{"num_hidden_layers": 2}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("verifier.json"), QWEN3_8B_CONFIG).unwrap();
        let file = touch(dir.path(), "out_alpha-0.70_draft-3_x.json");

        let missing = write_manifest(
            dir.path(),
            "[[system]]\nname = \"s\"\nfiles = \"*.json\"\nconfig = \"absent.json\"\n",
        );
        // label_sweeps reads the configurations too, before it labels anything.
        let error = label_sweeps(vec![sweep(&file)], &with_manifest(&missing)).unwrap_err();
        assert!(
            matches!(error, IngestError::Architecture { line: 1, .. }),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("speclat.toml: system entry at line 1: "),
            "{message}"
        );
        assert!(
            message.contains("absent.json: cannot read the model configuration"),
            "{message}"
        );

        let broken = write_manifest(
            dir.path(),
            "[[system]]\nname = \"s\"\nfiles = \"*.json\"\ndrafter_config = \"broken.json\"\n",
        );
        let message = load_systems(&broken).unwrap_err().to_string();
        assert!(
            message.contains("broken.json: hidden_size: missing"),
            "{message}"
        );
        assert!(
            message.contains("hint: pass the model's config.json"),
            "{message}"
        );

        let contradicting = write_manifest(
            dir.path(),
            "[[system]]\nname = \"s\"\nfiles = \"*.json\"\nconfig = \"verifier.json\"\n\
             kv_heads = 5\n",
        );
        let message = load_systems(&contradicting).unwrap_err().to_string();
        assert!(
            message.contains("system entry at line 1: `kv_heads` (with the values read from "),
            "{message}"
        );
        assert!(
            message.contains("5 key-value heads do not divide the 32 attention heads"),
            "{message}"
        );
        assert!(
            message.contains("hint: compare both head counts"),
            "{message}"
        );
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_and_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_and_column("ab\ncd", 4), (2, 2));
    }
}
