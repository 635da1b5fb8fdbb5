//! Argument definitions and the glue from arguments to library calls and printed output.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use speclat::fit::{
    self, FitOptions, FitReport, ModelFileError, PointSelector, SelectionOptions, SolverSettings,
};
use speclat::grid::parse_grid;
use speclat::ingest::labels::{LabelOptions, label_sweeps, load_systems};
use speclat::ingest::{Series, load_paths_with_progress};
use speclat::model::SpecConfig;
use speclat::report::acceptance::{self, AcceptanceGiven};
use speclat::report::figures::{self, FigureOptions, ImageFormat};
use speclat::report::fit_text::{self, Detail};
use speclat::report::html::{self, HtmlOptions};
use speclat::report::plan::{self, AcceptanceInput, PlanRequest};
use speclat::report::predict::{self, Load, PredictDocument};
use speclat::report::significant;
use speclat::report::table::Table;
use speclat::scaling::architecture::Architecture;
use speclat::scaling::architecture::{ParamsSource, SystemDescription};
use speclat::scaling::describe::{Described, Query};
use speclat::scaling::fit::{SCALING_KIND, ScalingModel, SystemInput, fit_systems};
use speclat::scaling::terms::{Basis, Term, TermSet};

use crate::term::Terminal;

const AFTER_HELP: &str = "\
Exit status: 0 on success, 1 when a latency target was given and no configuration meets it,
2 on an error in the input files or the arguments.

Output: results on standard output; warnings, progress and status lines on standard error.
--quiet keeps only results and errors; --verbose adds detail. Colour and progress bars appear
only on a terminal, and NO_COLOR turns colour off.

Examples:
  speclat fit --example qwen3-8b
  speclat fit results/ --manifest sweeps.toml --save model.json --plots figures/
  speclat predict --model model.json --k 3 --alpha 0.7 --rate 0.5:12:0.5
  speclat report --model model.json -o report.html
  speclat plan --model model.json --alpha 0.7 --concurrency 1:64:1 --vllm-config
  speclat acceptance --acceptance-length 2.84 --k 3";

/// Fit and predict the latency of LLM serving with speculative decoding under load.
#[derive(Debug, Parser)]
#[command(name = "speclat", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Print only results and errors: no warnings, status lines or progress bars
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail: every fitted point (fit), the model used (predict), each file
    /// written (report, --plots)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit the latency model to benchmark sweeps and report its accuracy
    Fit(FitArgs),
    /// Predict latency, TTFT, ITL and concurrency from a saved model
    Predict(PredictArgs),
    /// Write a self-contained HTML report (figures, planning tables, what-if panel) from
    /// benchmark files or a saved model
    Report(ReportArgs),
    /// Plan from a saved model: speedup and break-even, best k per load, capacity under a
    /// latency target, and a vLLM speculative config
    Plan(PlanArgs),
    /// Convert between alpha, acceptance length, vLLM acceptance rate and per-position rates
    Acceptance(AcceptanceArgs),
}

/// Result of a command that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A result was printed.
    Done,
    /// A latency target was given and no configuration meets it (exit status 1).
    TargetMissed,
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// Saved model from `speclat fit --save`
    #[arg(long, value_name = "MODEL.json")]
    model: PathBuf,

    /// Per-token acceptance probability of the planned drafter, in (0, 1]
    #[arg(long, allow_negative_numbers = true, conflicts_with_all = ["acceptance_length", "per_position"])]
    alpha: Option<f64>,

    /// Mean acceptance length (tokens per verification, bonus included) measured at --k
    #[arg(
        long,
        allow_negative_numbers = true,
        requires = "k",
        conflicts_with = "per_position"
    )]
    acceptance_length: Option<f64>,

    /// Measured per-position acceptance rates, for example 0.8,0.6,0.45
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    per_position: Option<Vec<f64>>,

    /// Draft length compared with plain decoding (default: the model's only measured k, else
    /// the best k at zero load); also the k at which --acceptance-length was measured
    #[arg(long, allow_negative_numbers = true)]
    k: Option<i64>,

    /// Draft lengths to choose from, START:END (0 is plain decoding)
    #[arg(long, default_value = "0:10", value_name = "START:END")]
    k_range: speclat::plan::KRange,

    /// Open-loop request rates, requests per second: a value, a list or START:STOP:STEP
    /// (default: 11 rates from 0 to the highest fitted rate)
    #[arg(long, allow_negative_numbers = true)]
    rate: Option<String>,

    /// Closed-loop requests in flight, as a value, list or range (default: powers of two up
    /// to the highest fitted concurrency)
    #[arg(long, allow_negative_numbers = true)]
    concurrency: Option<String>,

    /// Mean output tokens per request (default: the fitted data's mean)
    #[arg(long, allow_negative_numbers = true)]
    output_tokens: Option<f64>,

    /// Latency target in seconds; reports the highest load that meets it (exit status 1 when
    /// no k does)
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS")]
    latency_target: Option<f64>,

    /// Apply --latency-target to this percentile instead of the mean: p50, p90 or p99, where
    /// the fitted files recorded it
    #[arg(long, requires = "latency_target")]
    percentile: Option<speclat::fit::Percentile>,

    /// Largest batch size the vLLM config covers
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_batch_size: u32,

    /// `method` of the vLLM speculative config
    #[arg(long, default_value = "eagle3")]
    method: String,

    /// `model` of the vLLM speculative config (the draft model; omit for MTP)
    #[arg(long, value_name = "MODEL")]
    draft_model: Option<String>,

    /// Print only the vLLM `--speculative-config` JSON, ready to paste
    #[arg(long, conflicts_with = "json")]
    vllm_config: bool,

    #[command(flatten)]
    describe: DescribeArgs,

    /// Print one JSON document instead of tables
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct AcceptanceArgs {
    /// Per-token acceptance probability, in (0, 1]
    #[arg(long, allow_negative_numbers = true, requires = "k", conflicts_with_all = ["acceptance_length", "rate_percent", "per_position"])]
    alpha: Option<f64>,

    /// Mean acceptance length, tokens per verification with the bonus token
    #[arg(long, allow_negative_numbers = true, requires = "k", conflicts_with_all = ["rate_percent", "per_position"])]
    acceptance_length: Option<f64>,

    /// vLLM acceptance rate: accepted / drafted tokens in percent
    #[arg(
        long,
        allow_negative_numbers = true,
        requires = "k",
        conflicts_with = "per_position"
    )]
    rate_percent: Option<f64>,

    /// Measured per-position acceptance rates, for example 0.8,0.6,0.45 (k is their count)
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    per_position: Option<Vec<f64>>,

    /// Draft length the value was measured at
    #[arg(long, allow_negative_numbers = true)]
    k: Option<i64>,

    /// Print one JSON document instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct FitArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    settings: FitSettings,

    /// Write the fitted model (the JSON report) to this file
    #[arg(long, value_name = "MODEL.json")]
    save: Option<PathBuf>,

    /// Write the figures (SVG and PNG) to this folder, created if missing
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,

    #[command(flatten)]
    figures: FigureArgs,

    /// Replace existing output files (--save, --plots)
    #[arg(long)]
    force: bool,

    /// Print one JSON document instead of tables
    #[arg(long)]
    json: bool,

    /// With [[system]] tables in the manifest: refit without each system in turn and predict
    /// it from the others
    #[arg(long)]
    leave_one_system_out: bool,

    /// With [[system]] tables: the terms of one coefficient, COEFFICIENT=TERM+TERM in
    /// priority order (terms: constant, weights, layers, prefill_work, kv_read,
    /// drafter_weights); repeatable
    #[arg(long, value_name = "COEFFICIENT=TERMS")]
    scaling_terms: Vec<String>,
}

/// Sources of the benchmark data and the labels of their series.
#[derive(Debug, Args)]
struct InputArgs {
    /// Benchmark files or directories (searched recursively): GuideLLM JSON/YAML reports,
    /// optionally gzip-compressed
    paths: Vec<PathBuf>,

    /// Fit a built-in example instead of files (available: qwen3-8b)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["paths", "manifest", "k", "alpha"])]
    example: Option<String>,

    /// TOML file mapping files or globs to k, alpha and a label
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    /// Draft length of the single file given (0 for no speculative decoding)
    #[arg(long, allow_negative_numbers = true)]
    k: Option<i64>,

    /// Per-token acceptance probability of the single file given, in (0, 1]; without it, a
    /// nonzero --k takes alpha from the file's measured acceptance length
    #[arg(long, allow_negative_numbers = true)]
    alpha: Option<f64>,

    /// Series label of the single file given
    #[arg(long)]
    label: Option<String>,
}

impl InputArgs {
    /// Every file the command reads by name: the benchmark paths and the manifest, which no
    /// output may replace.
    fn files(&self) -> Vec<PathBuf> {
        self.paths.iter().chain(&self.manifest).cloned().collect()
    }
}

/// Point selection and solver settings of a fit.
#[derive(Debug, Args)]
struct FitSettings {
    /// Fit every point, including throughput benchmarks and the saturated tail
    #[arg(long)]
    include_saturated: bool,

    /// Keep a point the selection rules would drop: SERIES:INDEX (SERIES is a label or part
    /// of a file name, INDEX the benchmark's position from 0); repeatable
    #[arg(long, value_name = "SERIES:INDEX")]
    include: Vec<PointSelector>,

    /// Drop a point or, without :INDEX, a whole series; repeatable
    #[arg(long, value_name = "SERIES[:INDEX]")]
    exclude: Vec<PointSelector>,

    /// Drop every point with more requests in flight than N (the target concurrency of a
    /// closed-loop point, otherwise the measured one)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_concurrency: Option<f64>,

    /// How many of the highest-rate points of each series the saturation rule may drop
    #[arg(long, default_value_t = 2, value_name = "N")]
    saturated_tail: usize,

    /// Latency ratio to the series minimum above which a tail point counts as saturated
    #[arg(
        long,
        allow_negative_numbers = true,
        default_value_t = 2.0,
        value_name = "RATIO"
    )]
    tail_latency_factor: f64,

    /// Bootstrap refits for the coefficient intervals (0: asymptotic standard errors)
    #[arg(long, default_value_t = 0, value_name = "N")]
    bootstrap: usize,

    /// Seed of the bootstrap
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Skip leave-one-series-out cross-validation
    #[arg(long)]
    no_cross_validation: bool,

    /// Exponent of the headroom weight (1 - rate * C2) on each residual, in [0, 2]
    #[arg(
        long,
        allow_negative_numbers = true,
        default_value_t = 0.5,
        value_name = "GAMMA"
    )]
    headroom_exponent: f64,

    /// Relative residual above which a point is down-weighted (Huber); inf for plain least
    /// squares
    #[arg(
        long,
        allow_negative_numbers = true,
        default_value_t = 0.05,
        value_name = "DELTA"
    )]
    huber_delta: f64,
}

/// The configuration shown by the single-configuration figures and the what-if panel.
#[derive(Debug, Args)]
struct FigureArgs {
    /// Draft length of the speedup and time-breakdown figures (default: the best k at half the
    /// plain-decoding saturation rate)
    #[arg(long, value_name = "K")]
    plot_k: Option<u32>,

    /// Acceptance probability of those figures, in (0, 1] (default: the measured value
    /// nearest 0.7)
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true)]
    plot_alpha: Option<f64>,

    /// Mean output tokens per request of those figures (default: the fitted data's mean)
    #[arg(long, value_name = "TOKENS", allow_negative_numbers = true)]
    plot_output_tokens: Option<f64>,

    /// Image formats written by --plots, comma-separated
    #[arg(
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "svg,png"
    )]
    plot_format: Vec<PlotFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum PlotFormat {
    Svg,
    Png,
}

impl FigureArgs {
    /// Checks the values once, before any work starts.
    fn options(&self) -> Result<FigureOptions> {
        if let Some(alpha) = self.plot_alpha {
            SpecConfig::new(1, alpha).context("--plot-alpha")?;
        }
        if let Some(k) = self.plot_k {
            SpecConfig::new(k, 0.5).context("--plot-k")?;
        }
        if let Some(g) = self.plot_output_tokens
            && !(g.is_finite() && g > 0.0)
        {
            bail!("invalid --plot-output-tokens {g}: it must be a number of tokens above 0");
        }
        Ok(FigureOptions {
            k: self.plot_k,
            alpha: self.plot_alpha,
            output_tokens: self.plot_output_tokens,
        })
    }

    fn formats(&self) -> Vec<ImageFormat> {
        let mut formats: Vec<ImageFormat> = self
            .plot_format
            .iter()
            .map(|f| match f {
                PlotFormat::Svg => ImageFormat::Svg,
                PlotFormat::Png => ImageFormat::Png,
            })
            .collect();
        formats.dedup();
        formats
    }
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Saved model from `speclat fit --save`, instead of benchmark files
    #[arg(long, value_name = "MODEL.json", conflicts_with_all = ["paths", "example", "manifest", "k", "alpha", "label"])]
    model: Option<PathBuf>,

    #[command(flatten)]
    settings: FitSettings,

    /// The HTML file to write
    #[arg(short, long, value_name = "REPORT.html")]
    output: PathBuf,

    /// Also write the figures (SVG and PNG) to this folder, created if missing
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,

    #[command(flatten)]
    figures: FigureArgs,

    /// Replace existing output files (-o, --plots)
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct PredictArgs {
    /// Saved model from `speclat fit --save`
    #[arg(long, value_name = "MODEL.json")]
    model: PathBuf,

    /// Draft length (0 for no speculative decoding)
    #[arg(long, allow_negative_numbers = true)]
    k: i64,

    /// Per-token acceptance probability, in (0, 1]; ignored for k = 0
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    alpha: f64,

    /// Request rates in requests per second: one value, a list (1,2,5) or a range
    /// (start:stop:step)
    #[arg(
        long,
        allow_negative_numbers = true,
        required_unless_present = "concurrency",
        conflicts_with = "concurrency"
    )]
    rate: Option<String>,

    /// Requests in flight (closed loop), as a value, list or range
    #[arg(long, allow_negative_numbers = true)]
    concurrency: Option<String>,

    /// Mean output tokens per request (default: the fitted data's mean)
    #[arg(long, allow_negative_numbers = true)]
    output_tokens: Option<f64>,

    #[command(flatten)]
    describe: DescribeArgs,

    /// Print one JSON document instead of a table
    #[arg(long)]
    json: bool,
}

/// An unmeasured system to predict from a model fitted across systems (`speclat fit` with
/// `[[system]]` tables in the manifest).
#[derive(Debug, Args)]
struct DescribeArgs {
    /// Start from this fitted system's description (default with a length-only model: the
    /// fitted workload)
    #[arg(long, value_name = "NAME", help_heading = "Unmeasured system")]
    system: Option<String>,

    /// Hugging Face config.json of the verifier to predict, read from disk
    #[arg(long, value_name = "config.json", help_heading = "Unmeasured system")]
    verifier_config: Option<PathBuf>,

    /// Total verifier parameters, for example 14.8e9 (used when the shape is incomplete)
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Unmeasured system"
    )]
    verifier_params: Option<f64>,

    /// Verifier hidden size (overrides the config's)
    #[arg(long, value_name = "H", help_heading = "Unmeasured system")]
    hidden_size: Option<u64>,

    /// Verifier layer count (overrides the config's)
    #[arg(long, value_name = "L", help_heading = "Unmeasured system")]
    layers: Option<u64>,

    /// Hugging Face config.json of the drafter, read from disk
    #[arg(long, value_name = "config.json", help_heading = "Unmeasured system")]
    drafter_config: Option<PathBuf>,

    /// Total drafter parameters, for example 0.38e9
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help_heading = "Unmeasured system"
    )]
    drafter_params: Option<f64>,

    /// Mean prompt tokens per request (default: the fitted systems' mean)
    #[arg(
        long,
        value_name = "TOKENS",
        allow_negative_numbers = true,
        help_heading = "Unmeasured system"
    )]
    prompt_tokens: Option<f64>,
}

impl DescribeArgs {
    fn given(&self) -> bool {
        self.system.is_some()
            || self.verifier_config.is_some()
            || self.verifier_params.is_some()
            || self.hidden_size.is_some()
            || self.layers.is_some()
            || self.drafter_config.is_some()
            || self.drafter_params.is_some()
            || self.prompt_tokens.is_some()
    }

    /// Checks the numbers given as flags: positive, finite, non-zero counts.
    fn check_numbers(&self, output_tokens: Option<f64>) -> Result<()> {
        for (flag, value) in [
            ("--verifier-params", self.verifier_params),
            ("--drafter-params", self.drafter_params),
        ] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                bail!(
                    "invalid {flag} {v}: it must be a positive parameter count, for example 8.2e9"
                );
            }
        }
        for (flag, value) in [
            ("--prompt-tokens", self.prompt_tokens),
            ("--output-tokens", output_tokens),
        ] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                bail!("invalid {flag} {v}: it must be a number of tokens above 0, for example 512");
            }
        }
        for (flag, value) in [
            ("--hidden-size", self.hidden_size),
            ("--layers", self.layers),
        ] {
            if value == Some(0) {
                bail!("invalid {flag} 0: it must be 1 or more");
            }
        }
        Ok(())
    }

    /// Rejects flags the model cannot use; returns whether verifier and drafter flags were
    /// given.
    fn check_applicable(&self, model: &ScalingModel) -> Result<(bool, bool)> {
        let verifier_flags = self.verifier_config.is_some()
            || self.verifier_params.is_some()
            || self.hidden_size.is_some()
            || self.layers.is_some();
        if model.basis == Basis::LengthOnly && verifier_flags {
            bail!(
                "this model was fitted without verifier architectures, so it scales with prompt and output length only, and --verifier-config, --verifier-params, --hidden-size and --layers do not apply\n\nhint: describe the fitted systems' verifiers in the manifest (`config` in each [[system]]) and fit again to predict other model sizes"
            );
        }
        let drafter_flags = self.drafter_config.is_some() || self.drafter_params.is_some();
        if drafter_flags && !model.weights.iter().any(|w| w.term == Term::DrafterWeights) {
            bail!(
                "no term of this model depends on the drafter's size, so --drafter-config and --drafter-params do not apply\n\nhint: give every [[system]] a `drafter_config` or `drafter_params` and fit with --scaling-terms c1_draft=constant+drafter_weights to scale drafting costs with drafter size"
            );
        }
        Ok((verifier_flags, drafter_flags))
    }

    /// Builds the query for `model`. A named fitted system comes first, then the config
    /// files, then the numbers given as flags, each overriding the one before.
    fn query(&self, model: &ScalingModel, output_tokens: Option<f64>) -> Result<Query> {
        self.check_numbers(output_tokens)?;
        let (verifier_flags, drafter_flags) = self.check_applicable(model)?;

        let base = match &self.system {
            Some(name) => {
                let found = model.systems.iter().find(|s| &s.name == name);
                let Some(found) = found else {
                    let other = match model.basis {
                        Basis::Architecture => {
                            ", or describe an unmeasured system with --verifier-config"
                        }
                        Basis::LengthOnly => ", or give other lengths with --prompt-tokens",
                    };
                    bail!(
                        "the model has no system `{name}`; its systems are {}\n\nhint: pass one of those names to --system{other}",
                        model
                            .systems
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                };
                (
                    found.verifier.clone(),
                    found.drafter.clone(),
                    Some(found.prompt_tokens_mean),
                    Some(found.output_tokens_mean),
                )
            }
            None if model.systems.len() == 1 => {
                let only = &model.systems[0];
                (only.verifier.clone(), only.drafter.clone(), None, None)
            }
            None => (None, None, None, None),
        };
        let read = |path: &Option<PathBuf>| -> Result<Option<Architecture>> {
            Ok(match path {
                Some(path) => Some(Architecture::from_hf_config(path)?),
                None => None,
            })
        };
        let verifier = read(&self.verifier_config)?.or(base.0);
        let overrides = Architecture {
            hidden_size: self.hidden_size,
            layers: self.layers,
            params: self.verifier_params,
            ..Architecture::default()
        };
        let verifier =
            Some(verifier.unwrap_or_default().with_overrides(&overrides)).filter(|v| !v.is_empty());
        if self.verifier_params.is_some()
            && verifier
                .as_ref()
                .is_some_and(|v| v.params_source() == ParamsSource::Shape)
        {
            bail!(
                "--verifier-params has no effect here: the verifier's shape is complete (from --verifier-config or --system), and its weights are counted from the shape\n\nhint: drop --verifier-params, or describe the verifier by --verifier-params alone (with --hidden-size and --layers for the KV and layer terms)"
            );
        }
        let drafter = read(&self.drafter_config)?.or(base.1);
        let drafter = match self.drafter_params {
            Some(params) => Some(
                drafter
                    .unwrap_or_default()
                    .with_overrides(&Architecture::from_params(params)),
            ),
            None => drafter,
        };
        let unchanged = !verifier_flags
            && !drafter_flags
            && self.prompt_tokens.is_none()
            && output_tokens.is_none();
        Ok(Query {
            fitted_system: self.system.clone().filter(|_| unchanged),
            configurations_of: self.system.clone(),
            verifier,
            drafter,
            prompt_tokens: self.prompt_tokens.or(base.2),
            output_tokens: output_tokens.or(base.3),
        })
    }
}

/// A saved model of either kind.
enum LoadedModel {
    Single(Box<FitReport>),
    Scaling(Box<ScalingModel>),
}

/// Loads the single-system model to predict with: the saved one, or the system described
/// from a model fitted across systems.
fn model_for(
    path: &Path,
    describe: &DescribeArgs,
    output_tokens: Option<f64>,
) -> Result<(FitReport, Option<Described>)> {
    match load_any_model(path)? {
        LoadedModel::Single(report) => {
            if describe.given() {
                bail!(
                    "{}: this model describes one measured system, so --system, --verifier-config, --verifier-params, --hidden-size, --layers, --drafter-config, --drafter-params and --prompt-tokens do not apply\n\nhint: describe the system in a [[system]] table of the manifest and fit again: one table is enough for other prompt and output lengths, several are needed for other model sizes",
                    path.display()
                );
            }
            Ok((*report, None))
        }
        LoadedModel::Scaling(model) => {
            let query = describe.query(&model, output_tokens)?;
            let described = model
                .describe(&query)
                .with_context(|| format!("{}: cannot describe the system", path.display()))?;
            Ok((described.report.clone(), Some(described)))
        }
    }
}

/// Reads a saved model, telling a scaling model from a single-system one by its `kind`.
fn load_any_model(path: &Path) -> Result<LoadedModel> {
    #[derive(serde::Deserialize)]
    struct Kind {
        kind: Option<String>,
    }
    let bytes = FitReport::read_model_bytes(path)?;
    let tagged = match serde_json::from_slice::<Kind>(&bytes) {
        Ok(Kind { kind }) => kind.as_deref() == Some(SCALING_KIND),
        // A damaged file: its first lines still show which kind it was meant to be.
        Err(_) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
            head.contains(&format!("\"kind\": \"{SCALING_KIND}\""))
        }
    };
    if tagged {
        return Ok(LoadedModel::Scaling(Box::new(
            ScalingModel::from_json_bytes(path, &bytes)?,
        )));
    }
    Ok(LoadedModel::Single(Box::new(single_model(path, &bytes)?)))
}

/// Output settings from the global flags, for standard error.
#[derive(Clone, Copy, Debug)]
struct Output {
    quiet: bool,
    verbose: bool,
    terminal: Terminal,
}

impl Output {
    /// Prints warnings after the results, unless quiet.
    fn warnings(&self, warnings: &[String]) {
        if self.quiet {
            return;
        }
        for warning in warnings {
            eprintln!("{} {warning}", self.terminal.warning_prefix());
        }
    }

    /// Prints a status line (a file written), unless quiet.
    fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<Outcome> {
    let json = match &cli.command {
        Command::Fit(a) => a.json,
        Command::Predict(a) => a.json,
        Command::Plan(a) => a.json || a.vllm_config,
        Command::Acceptance(a) => a.json,
        Command::Report(_) => false,
    };
    let output = Output {
        quiet: cli.quiet,
        verbose: cli.verbose,
        terminal: Terminal::detect(cli.quiet || json),
    };
    match cli.command {
        Command::Fit(args) => run_fit(args, output).map(|()| Outcome::Done),
        Command::Predict(args) => run_predict(args, output).map(|()| Outcome::Done),
        Command::Report(args) => run_report(args, output).map(|()| Outcome::Done),
        Command::Plan(args) => run_plan(args, output),
        Command::Acceptance(args) => run_acceptance(args).map(|()| Outcome::Done),
    }
}

impl FitSettings {
    fn options(&self) -> Result<FitOptions> {
        let options = FitOptions {
            selection: SelectionOptions {
                include_saturated: self.include_saturated,
                saturated_tail: self.saturated_tail,
                tail_latency_factor: self.tail_latency_factor,
                include: self.include.clone(),
                exclude: self.exclude.clone(),
                max_concurrency: self.max_concurrency,
                ..SelectionOptions::default()
            },
            solver: SolverSettings {
                gamma: self.headroom_exponent,
                huber_delta: self.huber_delta,
                ..SolverSettings::default()
            },
            bootstrap_samples: self.bootstrap,
            seed: self.seed,
            cross_validate: !self.no_cross_validation,
        };
        options.validate()?;
        Ok(options)
    }
}

/// Converts a signed draft length from a flag, naming the flag in the error.
fn draft_length(k: i64) -> Result<u32> {
    Ok(SpecConfig::from_signed(k, 1.0).context("--k")?.k())
}

fn run_plan(args: PlanArgs, output: Output) -> Result<Outcome> {
    // Plan: every flag checked and the model read before any computation.
    let k = args.k.map(draft_length).transpose()?;
    let acceptance = match (&args.alpha, &args.acceptance_length, &args.per_position) {
        (Some(alpha), _, _) => AcceptanceInput::Alpha(*alpha),
        (_, Some(length), _) => AcceptanceInput::Length {
            acceptance_length: *length,
            k: k.context("--acceptance-length needs --k, the draft length it was measured at")?,
        },
        (_, _, Some(rates)) => AcceptanceInput::PerPosition(rates.clone()),
        _ => AcceptanceInput::FromModel,
    };
    let (model, described) = model_for(&args.model, &args.describe, args.output_tokens)?;
    let coverage = speclat::plan::Coverage::from_report(&model);

    let rates = match &args.rate {
        Some(text) => parse_grid(text).context("--rate")?,
        None if args.concurrency.is_some() => Vec::new(),
        None => (0..=10)
            .map(|i| coverage.max_rate_per_s * f64::from(i) / 10.0)
            // Rounded down, so that the top rate stays within the fitted range.
            .map(|r| (r * 1000.0).floor() / 1000.0)
            .collect(),
    };
    let concurrencies = match &args.concurrency {
        Some(text) => parse_grid(text).context("--concurrency")?,
        None if args.rate.is_some() => Vec::new(),
        None => {
            let mut levels = vec![1.0];
            while levels[levels.len() - 1] * 2.0 <= coverage.max_concurrency.max(1.0) * 1.05 {
                levels.push(levels[levels.len() - 1] * 2.0);
            }
            levels
        }
    };
    if args.max_batch_size == 0 {
        bail!(
            "invalid --max-batch-size 0: it must be 1 or more\n\nhint: pass the engine's --max-num-seqs, for example 256"
        );
    }
    let request = PlanRequest {
        acceptance,
        k,
        k_range: args.k_range,
        rates_per_s: rates,
        concurrencies,
        output_tokens: args.output_tokens,
        latency_target_s: args.latency_target,
        percentile: args.percentile,
        max_batch_size: args.max_batch_size,
        method: args.method.clone(),
        draft_model: args.draft_model.clone(),
    };
    let mut document = plan::plan(&model, &request)
        .with_context(|| format!("{}: cannot plan from this model", args.model.display()))?;
    if let Some(described) = &described {
        let spec = SpecConfig::new(document.speedup.k, document.acceptance.alpha.unwrap_or(1.0))
            .unwrap_or_else(|_| SpecConfig::baseline());
        document.described_system = Some(described.summary(spec));
        let mut warnings = described.report.warnings.clone();
        warnings.append(&mut document.warnings);
        document.warnings = warnings;
    }

    let mut stdout = std::io::stdout().lock();
    if args.vllm_config {
        serde_json::to_writer(&mut stdout, &document.speculative_config)?;
        writeln!(stdout)?;
    } else if args.json {
        serde_json::to_writer_pretty(&mut stdout, &document)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(plan::render_text(&document).as_bytes())?;
    }
    stdout.flush()?;
    if !args.json && !output.quiet {
        if args.vllm_config {
            for note in &document.extrapolation {
                eprintln!("note: {note}");
            }
        }
        for warning in &document.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(if document.target_missed() {
        Outcome::TargetMissed
    } else {
        Outcome::Done
    })
}

fn run_acceptance(args: AcceptanceArgs) -> Result<()> {
    let k = args.k.map(draft_length).transpose()?;
    let given = match (
        args.alpha,
        args.acceptance_length,
        args.rate_percent,
        &args.per_position,
    ) {
        (Some(alpha), _, _, _) => AcceptanceGiven::Alpha {
            alpha,
            k: k.context("--alpha needs --k")?,
        },
        (_, Some(acceptance_length), _, _) => AcceptanceGiven::Length {
            acceptance_length,
            k: k.context("--acceptance-length needs --k")?,
        },
        (_, _, Some(percent), _) => AcceptanceGiven::RatePercent {
            percent,
            k: k.context("--rate-percent needs --k")?,
        },
        (_, _, _, Some(rates)) => {
            if let Some(k) = k
                && k as usize != rates.len()
            {
                bail!(
                    "--k {k} disagrees with the {} per-position rates given\n\nhint: leave out --k; the number of rates is the draft length",
                    rates.len()
                );
            }
            AcceptanceGiven::PerPosition(rates.clone())
        }
        _ => bail!(
            "no acceptance given\n\nhint: pass one of --alpha, --acceptance-length or --rate-percent (each with --k), or --per-position"
        ),
    };
    let document = acceptance::convert(&given)?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &document)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(acceptance::render_text(&document).as_bytes())?;
    }
    stdout.flush()?;
    Ok(())
}

fn run_fit(args: FitArgs, output: Output) -> Result<()> {
    // The JSON document carries the warnings, so --json prints nothing else on standard error.
    let output = Output {
        quiet: output.quiet || args.json,
        ..output
    };

    // Plan: options validated, outputs checked and every input read before the fit starts.
    let mut options = args.settings.options()?;
    let figure_options = args.figures.options()?;
    let formats = args.figures.formats();
    let terms = scaling_terms(&args.scaling_terms)?;
    let inputs = args.input.files();
    // The temporary file beside the model is created now, so that a missing or read-only
    // directory fails before the fit rather than after it.
    let saving = match &args.save {
        Some(save) => {
            check_output_path(save, &inputs, args.force, "--save")?;
            Some((save, temporary_beside(save, "--save")?))
        }
        None => None,
    };
    if let Some(directory) = &args.plots {
        check_figure_paths(directory, &formats, &inputs, args.force)?;
    }
    let series = load_series(&args.input, output)?;
    if let Some(save) = &args.save {
        check_output_not_loaded(save, &series, "--save")?;
    }
    let mut series = drop_named_series(series, &mut options, output)?;
    let systems = match &args.input.manifest {
        Some(manifest) => load_systems(manifest)?,
        None => Vec::new(),
    };
    if !systems.is_empty() {
        return run_scaling_fit(&args, systems, series, &terms, &options, saving, output);
    }
    if args.leave_one_system_out || !args.scaling_terms.is_empty() {
        bail!(
            "--leave-one-system-out and --scaling-terms need systems to compare, and no [[system]] table was given\n\nhint: describe each system in the manifest, for example:\n\n[[system]]\nname = \"Qwen3-8B\"\nfiles = \"Qwen3-8B/*.json\"\nconfig = \"../configs/qwen3-8b.json\""
        );
    }

    // Order series by configuration, so tables read k = 1, 2, ..., 10 whatever the file names.
    series.sort_by(|a, b| {
        (a.spec.alpha(), a.spec.k(), &a.label)
            .partial_cmp(&(b.spec.alpha(), b.spec.k(), &b.label))
            .unwrap_or(std::cmp::Ordering::Equal)
    });

    let report = fit_with_progress(&series, &options, output)?;

    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        let detail = if output.verbose {
            Detail::Verbose
        } else {
            Detail::Normal
        };
        stdout.write_all(fit_text::render(&report, detail).as_bytes())?;
    }
    stdout.flush()?;
    if let Some((save, temporary)) = saving {
        save_report(temporary, save, &report)?;
        output.status(&format!("saved the fitted model to {}", save.display()));
    }
    if let Some(directory) = &args.plots {
        write_plots(
            &report,
            &figure_options,
            directory,
            &formats,
            args.force,
            output,
        )?;
    }
    output.warnings(&report.warnings);
    Ok(())
}

/// Parses the `--scaling-terms` overrides over the default terms.
fn scaling_terms(overrides: &[String]) -> Result<TermSet> {
    let mut terms = TermSet::default();
    let mut seen: Vec<&str> = Vec::new();
    for text in overrides {
        let coefficient = text
            .split_once('=')
            .map_or(text.as_str(), |(c, _)| c.trim());
        if seen.contains(&coefficient) {
            bail!(
                "invalid --scaling-terms {text}: {coefficient} is given twice\n\nhint: list all its terms in one flag, for example --scaling-terms {coefficient}=constant+kv_read"
            );
        }
        seen.push(coefficient);
        terms.apply_override(text).map_err(|problem| {
            anyhow::anyhow!(
                "invalid --scaling-terms {text}: {problem}\n\nhint: write COEFFICIENT=TERM+TERM with the terms in priority order, for example --scaling-terms c1_draft=constant+drafter_weights"
            )
        })?;
    }
    Ok(terms)
}

/// Fits the manifest's systems together and, with `--leave-one-system-out`, holds out each
/// in turn.
fn run_scaling_fit(
    args: &FitArgs,
    systems: Vec<SystemDescription>,
    series: Vec<Series>,
    terms: &TermSet,
    options: &FitOptions,
    saving: Option<(&PathBuf, tempfile::NamedTempFile)>,
    output: Output,
) -> Result<()> {
    if options.bootstrap_samples > 0 {
        bail!(
            "--bootstrap applies to a single-system fit; the fit across systems computes asymptotic intervals and, with --leave-one-system-out, a transfer error\n\nhint: drop --bootstrap, or fit one system's files without the [[system]] tables"
        );
    }
    if args.plots.is_some() {
        bail!(
            "--plots draws one system's fit, and the manifest describes {} systems\n\nhint: run `speclat fit --plots DIR` on one system's files, or drop --plots",
            systems.len()
        );
    }

    // Every system has series, and every series belongs to exactly one system. A system that
    // matched nothing is checked first: its glob is the likelier typo.
    for description in &systems {
        if !series
            .iter()
            .any(|s| s.system.as_deref() == Some(description.name.as_str()))
        {
            let excluded = !args.settings.exclude.is_empty();
            bail!(
                "{}: system `{}` has no series to fit: its globs match none of the files read{}\n\nhint: check its `files` globs (relative to the manifest's directory) or pass its files or folder as inputs{}",
                description.source.display(),
                description.name,
                if excluded {
                    ", or --exclude named all of its series"
                } else {
                    ""
                },
                if excluded {
                    "; to leave a whole system out, remove its [[system]] table"
                } else {
                    ""
                }
            );
        }
    }
    if let Some(stray) = series.iter().find(|s| s.system.is_none()) {
        bail!(
            "{}: the file matches no [[system]] table of the manifest\n\nhint: add it to a system's `files`, or leave it out of the inputs",
            stray.file.display()
        );
    }
    let mut inputs = Vec::with_capacity(systems.len());
    let mut notes = Vec::new();
    for description in systems {
        let mut members: Vec<Series> = series
            .iter()
            .filter(|s| s.system.as_deref() == Some(description.name.as_str()))
            .cloned()
            .collect();
        members.sort_by(|a, b| {
            (a.spec.alpha(), a.spec.k(), &a.label)
                .partial_cmp(&(b.spec.alpha(), b.spec.k(), &b.label))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        if !description.overridden.is_empty() {
            notes.push(format!(
                "system {}: the manifest's numbers replace values of its config ({}); remove them to use the config as it is",
                description.name,
                description.overridden.join(", ")
            ));
        }
        inputs.push(SystemInput {
            name: description.name,
            verifier: description.verifier,
            drafter: description.drafter,
            prompt_tokens: description.prompt_tokens,
            output_tokens: description.output_tokens,
            series: members,
        });
    }
    output.status(&match inputs.len() {
        1 => "fitting 1 system as a function of its lengths".to_string(),
        n => format!("fitting {n} systems together"),
    });
    let mut model = fit_systems(&inputs, terms, options, args.leave_one_system_out)?;
    notes.append(&mut model.warnings);
    model.warnings = notes;

    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &model)?;
        writeln!(stdout)?;
    } else {
        stdout
            .write_all(speclat::report::scaling_text::render(&model, output.verbose).as_bytes())?;
    }
    stdout.flush()?;
    if let Some((save, temporary)) = saving {
        let mut bytes = serde_json::to_vec_pretty(&model)?;
        bytes.push(b'\n');
        persist(temporary, save, &bytes)
            .with_context(|| format!("{}: cannot write the model", save.display()))?;
        output.status(&format!("saved the scaling model to {}", save.display()));
    }
    output.warnings(&model.warnings);
    Ok(())
}

/// Leaves out the series that `--exclude` names as a whole, saying which.
fn drop_named_series(
    series: Vec<Series>,
    options: &mut FitOptions,
    output: Output,
) -> Result<Vec<Series>> {
    let (kept, dropped) = speclat::fit::drop_excluded_series(series, &mut options.selection)?;
    if !dropped.is_empty() {
        let labels: Vec<String> = dropped
            .iter()
            .map(|s| match &s.system {
                Some(system) => format!("{} ({system})", s.label),
                None => s.label.clone(),
            })
            .collect();
        output.status(&format!(
            "left out {} series named by --exclude: {}",
            dropped.len(),
            labels.join(", ")
        ));
    }
    if kept.is_empty() {
        bail!(
            "--exclude left no series to fit\n\nhint: name fewer series, or add points to a series with --include SERIES:INDEX"
        );
    }
    Ok(kept)
}

/// Rejects series from several `[[system]]` tables, whose pooled fit would mix model sizes or
/// workloads in one set of stage costs.
fn check_one_system(series: &[Series]) -> Result<()> {
    let mut names: Vec<&str> = series.iter().filter_map(|s| s.system.as_deref()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() > 1 {
        bail!(
            "the files belong to {} systems of the manifest ({}), and a report describes one\n\nhint: pass one system's files, or fit the systems together with `speclat fit --manifest ... --leave-one-system-out`",
            names.len(),
            names.join(", ")
        );
    }
    Ok(())
}

fn run_report(args: ReportArgs, output: Output) -> Result<()> {
    // Plan: options validated and outputs checked before any input is read or fitted.
    let mut options = args.settings.options()?;
    let figure_options = args.figures.options()?;
    let formats = args.figures.formats();
    let mut inputs = args.input.files();
    inputs.extend(args.model.clone());
    check_output_path(&args.output, &inputs, args.force, "-o")?;
    if let Some(directory) = &args.plots {
        check_figure_paths(directory, &formats, &inputs, args.force)?;
    }

    let (report, source) = match &args.model {
        Some(path) => match load_any_model(path)? {
            LoadedModel::Single(report) => (*report, format!("model {}", path.display())),
            LoadedModel::Scaling(_) => bail!(
                "{}: this is a model fitted across systems, and the report draws one measured system\n\nhint: pass one system's benchmark files or its single-system model to `speclat report`; for an unmeasured system use `speclat predict` or `speclat plan` with this model",
                path.display()
            ),
        },
        None => {
            let series = load_series(&args.input, output)?;
            check_output_not_loaded(&args.output, &series, "-o")?;
            check_one_system(&series)?;
            let series = drop_named_series(series, &mut options, output)?;
            let source = match &args.input.example {
                Some(name) => format!("built-in example {name}"),
                None => args
                    .input
                    .paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            (fit_with_progress(&series, &options, output)?, source)
        }
    };

    let page = html::render(
        &report,
        &HtmlOptions {
            figures: figure_options,
            source,
        },
    )?;
    write_atomically(&args.output, page.as_bytes())
        .with_context(|| format!("{}: cannot write the report", args.output.display()))?;
    output.status(&format!("wrote the report to {}", args.output.display()));
    if let Some(directory) = &args.plots {
        write_plots(
            &report,
            &figure_options,
            directory,
            &formats,
            args.force,
            output,
        )?;
    }
    output.warnings(&report.warnings);
    Ok(())
}

/// Fits with a progress bar over the bootstrap refits, when there are any.
fn fit_with_progress(series: &[Series], options: &FitOptions, output: Output) -> Result<FitReport> {
    let progress = output
        .terminal
        .progress(options.bootstrap_samples as u64, "bootstrap");
    let report = fit::fit(series, options, &|| progress.step());
    progress.finish();
    Ok(report?)
}

fn write_plots(
    report: &FitReport,
    options: &FigureOptions,
    directory: &Path,
    formats: &[ImageFormat],
    force: bool,
    output: Output,
) -> Result<()> {
    let specs = figures::build_all(report, options);
    let written = figures::write_figures(&specs, directory, formats, force)?;
    if output.verbose {
        for path in &written {
            output.status(&format!("wrote {}", path.display()));
        }
    } else {
        output.status(&format!(
            "wrote {} figures to {}",
            written.len(),
            directory.display()
        ));
    }
    Ok(())
}

fn load_series(args: &InputArgs, output: Output) -> Result<Vec<Series>> {
    if let Some(name) = &args.example {
        return speclat::example::series(name).with_context(|| {
            format!(
                "unknown example `{name}`; available: {}",
                speclat::example::EXAMPLES.join(", ")
            )
        });
    }
    if args.paths.is_empty() {
        if args.manifest.is_some() {
            bail!(
                "no input files\n\nhint: the manifest labels files but does not list the inputs; pass the benchmark files or their folder too, for example `speclat fit runs/ --manifest runs/systems.toml`"
            );
        }
        bail!("no input files\n\nhint: pass benchmark files or directories, or --example qwen3-8b");
    }
    let progress = output.terminal.progress(0, "reading");
    let sweeps =
        load_paths_with_progress(&args.paths, &|count| progress.set_length(count), &|| {
            progress.step()
        });
    progress.finish();
    let sweeps = sweeps?;
    let labels = LabelOptions {
        k: args.k,
        alpha: args.alpha,
        label: args.label.clone(),
        manifest: args.manifest.clone(),
    };
    Ok(label_sweeps(sweeps, &labels)?)
}

/// Refuses to write over an input or, without `--force`, over an existing file.
fn check_output_path(output: &Path, inputs: &[PathBuf], force: bool, flag: &str) -> Result<()> {
    if let Ok(canonical) = output.canonicalize() {
        for input in inputs {
            if input.canonicalize().is_ok_and(|i| i == canonical) {
                bail!(
                    "{}: refusing to write over an input file\n\nhint: choose another {flag} path",
                    output.display()
                );
            }
        }
        if !force {
            bail!(
                "{}: file exists\n\nhint: pass --force to replace it, or choose another {flag} path",
                output.display()
            );
        }
    }
    Ok(())
}

/// Refuses an output path that names one of the files read, even one found inside a
/// directory argument, so that `--force` cannot replace a benchmark with the model.
fn check_output_not_loaded(output: &Path, series: &[Series], flag: &str) -> Result<()> {
    let Ok(canonical) = output.canonicalize() else {
        return Ok(());
    };
    for one in series {
        if one.file.canonicalize().is_ok_and(|f| f == canonical) {
            bail!(
                "{}: refusing to write over an input file\n\nhint: choose a {flag} path outside the input files",
                output.display()
            );
        }
    }
    Ok(())
}

/// Applies [`check_output_path`] to every figure file `--plots` may write.
fn check_figure_paths(
    directory: &Path,
    formats: &[ImageFormat],
    inputs: &[PathBuf],
    force: bool,
) -> Result<()> {
    for name in figures::FIGURE_NAMES {
        for format in formats {
            let path = directory.join(format!("{name}.{}", format.extension()));
            check_output_path(&path, inputs, force, "--plots")?;
        }
    }
    Ok(())
}

/// Creates a temporary file beside `path`, for [`persist`] to rename onto it. It lies in the
/// same directory because a rename is atomic only within one file system.
fn temporary_beside(path: &Path, flag: &str) -> Result<tempfile::NamedTempFile> {
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::NamedTempFile::new_in(directory).map_err(|e| {
        // The error's own text names the temporary file, which the user never chose.
        let problem = match e.kind() {
            std::io::ErrorKind::NotFound => "the directory does not exist".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            kind => kind.to_string(),
        };
        anyhow::anyhow!(
            "{}: cannot create a file in this directory: {problem}\n\nhint: choose a {flag} path in an existing directory that you can write to",
            directory.display()
        )
    })
}

/// Writes `bytes` to `temporary` and renames it to `path`, so an interrupted run leaves any
/// previous file intact. A temporary file that is not persisted is deleted when dropped.
fn persist(mut temporary: tempfile::NamedTempFile, path: &Path, bytes: &[u8]) -> Result<()> {
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    figures::readable_by_all(&temporary)?;
    temporary.persist(path)?;
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file beside it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    persist(temporary_beside(path, "output")?, path, bytes)
}

fn save_report(temporary: tempfile::NamedTempFile, path: &Path, report: &FitReport) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(report)?;
    bytes.push(b'\n');
    persist(temporary, path, &bytes)
        .with_context(|| format!("{}: cannot write the model", path.display()))
}

/// Parses a single-system model from the bytes of `path`.
fn single_model(path: &Path, bytes: &[u8]) -> Result<FitReport> {
    match FitReport::from_json_bytes(path, bytes) {
        Ok(report) => Ok(report),
        Err(error @ ModelFileError::Syntax { .. }) => {
            // A benchmark file given as a model fails on its first missing field; naming what
            // the file is helps more than that field's name.
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
            if !head.contains("\"speclat_version\"")
                && head.trim_start().starts_with(['{', '['])
                && head.len() > 200
            {
                bail!(
                    "{}: not a speclat model (no `speclat_version` field)\n\nhint: pass a file written by `speclat fit --save`; benchmark files go to `speclat fit`",
                    path.display()
                );
            }
            Err(error.into())
        }
        Err(error) => Err(error.into()),
    }
}

fn run_predict(args: PredictArgs, output: Output) -> Result<()> {
    let spec = speclat::plan::best_k::spec_for(draft_length(args.k)?, args.alpha)?;
    let loads: Vec<Load> = match (&args.rate, &args.concurrency) {
        (Some(rates), _) => parse_grid(rates)
            .context("--rate")?
            .into_iter()
            .map(Load::Rate)
            .collect(),
        (None, Some(levels)) => parse_grid(levels)
            .context("--concurrency")?
            .into_iter()
            .map(Load::Concurrency)
            .collect(),
        (None, None) => bail!("pass --rate or --concurrency"),
    };
    let (model, described) = model_for(&args.model, &args.describe, args.output_tokens)?;
    let mut document = predict::predict(&model, spec, args.output_tokens, &loads)?;
    if let Some(described) = &described {
        described.annotate(&mut document, spec, &loads);
    }
    if output.verbose && !args.json && described.is_some() {
        eprintln!(
            "model {}: a fit across systems by speclat {}; described from it",
            args.model.display(),
            model.speclat_version,
        );
    } else if output.verbose && !args.json {
        eprintln!(
            "model {}: {} series fitted by speclat {}; leave-one-series-out MAPE {}",
            args.model.display(),
            model.series.len(),
            model.speclat_version,
            model
                .accuracy
                .loso_mape_percent
                .map_or("not available".to_string(), |v| format!("{v:.2}%"))
        );
    }

    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &document)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(render_prediction(&document).as_bytes())?;
    }
    stdout.flush()?;
    if !args.json {
        output.warnings(&document.warnings);
    }
    Ok(())
}

fn render_prediction(d: &PredictDocument) -> String {
    let mut out = format!(
        "k={} alpha={} (E={:.3} tokens per verification), {} output tokens: C1 = {} s, C2 = {} s, saturation at {} req/s\n\n",
        d.k,
        d.alpha,
        d.expected_tokens,
        significant(d.output_tokens, 4),
        significant(d.c1_s, 4),
        significant(d.c2_s, 4),
        d.saturation_rate_per_s
            .map_or("inf".to_string(), |r| format!("{r:.3}"))
    );
    if let Some(described) = &d.described_system {
        let what = match (&described.fitted_system, &described.based_on) {
            (Some(name), _) => {
                format!("fitted system {name}, as the fit across systems describes it")
            }
            (None, Some(base)) => format!("described system (not measured; {base} changed)"),
            (None, None) => "described system (not measured)".to_string(),
        };
        let descriptors = described
            .descriptors
            .iter()
            .filter(|(term, _)| *term != speclat::scaling::terms::Term::Constant)
            .map(|(term, value)| format!("{} {}", term.name(), significant(*value, 3)))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "{what}: {} prompt tokens; C1 within {:.1}%, C2 within {:.1}% (95%, {}){}\n",
            significant(described.prompt_tokens, 4),
            described.c1_interval_percent,
            described.c2_interval_percent,
            if described.includes_transfer_error {
                "statistical and transfer error"
            } else {
                "statistical error only"
            },
            if described.extrapolation_doublings > 0.0 {
                format!(
                    "; {:.1} doublings beyond the fitted systems",
                    described.extrapolation_doublings
                )
            } else {
                String::new()
            }
        ));
        out.push_str(&format!("descriptors: {descriptors}\n\n"));
    }
    let with_interval = d
        .predictions
        .iter()
        .any(|p| p.latency_interval_95.is_some())
        || d.described_system.is_some();
    let mut header = vec!["rate_per_s", "latency_s"];
    if with_interval {
        header.push("latency_95%_s");
    }
    header.extend(["ttft_s", "itl_ms", "concurrency", "utilisation"]);
    let mut table = Table::new(header);
    let show = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("saturated".to_string(), f);
    for p in &d.predictions {
        let mut row = vec![
            format!("{:.3}", p.rate_per_s),
            show(p.latency_s, &|v| format!("{v:.4}")),
        ];
        if with_interval {
            row.push(match p.latency_interval_95 {
                Some(i) => format!(
                    "{:.4} .. {}",
                    i.low_s,
                    i.high_s
                        .map_or("saturated".to_string(), |h| format!("{h:.4}"))
                ),
                None => "saturated".to_string(),
            });
        }
        row.extend([
            show(p.ttft_s, &|v| format!("{v:.4}")),
            show(p.itl_s, &|v| format!("{:.3}", v * 1000.0)),
            show(p.concurrency, &|v| format!("{v:.2}")),
            format!("{:.3}", p.utilisation),
        ]);
        table.row(row);
    }
    out.push_str(&table.render(0));
    out.push_str(
        "\nttft_s and itl_ms split the fitted end-to-end latency by stage; they are not fitted to measured TTFT or ITL, and under load the TTFT can be far off\n",
    );
    out
}
