//! Argument definitions and the glue from arguments to library calls and printed output.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use speclat::fit::{self, FitOptions, FitReport, PointSelector, SelectionOptions, SolverSettings};
use speclat::grid::parse_grid;
use speclat::ingest::labels::{LabelOptions, label_sweeps};
use speclat::ingest::{Series, load_paths};
use speclat::model::SpecConfig;
use speclat::report::fit_text::{self, Detail};
use speclat::report::predict::{self, Load, PredictDocument};
use speclat::report::significant;
use speclat::report::table::Table;

const AFTER_HELP: &str = "\
Exit status: 0 on success, 2 on an error in the input files or the arguments.

Examples:
  speclat fit --example qwen3-8b
  speclat fit results/ --manifest sweeps.toml --save model.json
  speclat predict --model model.json --k 3 --alpha 0.7 --rate 0.5:12:0.5";

/// Fit and predict the latency of LLM serving with speculative decoding under load.
#[derive(Debug, Parser)]
#[command(name = "speclat", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit the latency model to benchmark sweeps and report its accuracy
    Fit(FitArgs),
    /// Predict latency, TTFT, ITL and concurrency from a saved model
    Predict(PredictArgs),
}

#[derive(Debug, Args)]
struct FitArgs {
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

    /// Per-token acceptance probability of the single file given, in (0, 1]
    #[arg(long, allow_negative_numbers = true)]
    alpha: Option<f64>,

    /// Series label of the single file given
    #[arg(long)]
    label: Option<String>,

    /// Write the fitted model (the JSON report) to this file
    #[arg(long, value_name = "MODEL.json")]
    save: Option<PathBuf>,

    /// Replace the --save file if it exists
    #[arg(long)]
    force: bool,

    /// Print one JSON document instead of tables
    #[arg(long)]
    json: bool,

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

    /// Print only the results, no warnings
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,

    /// Also print every fitted point with its residual
    #[arg(short, long)]
    verbose: bool,
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

    /// Print one JSON document instead of a table
    #[arg(long)]
    json: bool,

    /// Print only the results, no warnings
    #[arg(short, long)]
    quiet: bool,
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Fit(args) => run_fit(args),
        Command::Predict(args) => run_predict(args),
    }
}

fn run_fit(args: FitArgs) -> Result<()> {
    // Plan: options validated and every input read before the fit starts.
    let options = FitOptions {
        selection: SelectionOptions {
            include_saturated: args.include_saturated,
            saturated_tail: args.saturated_tail,
            tail_latency_factor: args.tail_latency_factor,
            include: args.include.clone(),
            exclude: args.exclude.clone(),
            ..SelectionOptions::default()
        },
        solver: SolverSettings {
            gamma: args.headroom_exponent,
            huber_delta: args.huber_delta,
            ..SolverSettings::default()
        },
        bootstrap_samples: args.bootstrap,
        seed: args.seed,
        cross_validate: !args.no_cross_validation,
    };
    options.validate()?;
    // The temporary file beside the output is created now, so that a missing or read-only
    // directory fails before the fit rather than after it.
    let output = match &args.save {
        Some(save) => {
            let inputs: Vec<&PathBuf> = args.paths.iter().chain(&args.manifest).collect();
            check_output_path(save, &inputs, args.force)?;
            Some((save, temporary_beside(save)?))
        }
        None => None,
    };
    let series = load_series(&args)?;

    let report = fit::fit(&series, &options, &|| {})?;

    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        let detail = if args.verbose {
            Detail::Verbose
        } else {
            Detail::Normal
        };
        stdout.write_all(fit_text::render(&report, detail).as_bytes())?;
    }
    stdout.flush()?;
    if let Some((save, temporary)) = output {
        save_report(temporary, save, &report)?;
        if !args.json && !args.quiet {
            eprintln!("saved the fitted model to {}", save.display());
        }
    }
    if !args.json && !args.quiet {
        eprint!("{}", fit_text::render_warnings(&report.warnings));
    }
    Ok(())
}

fn load_series(args: &FitArgs) -> Result<Vec<Series>> {
    if let Some(name) = &args.example {
        return speclat::example::series(name).with_context(|| {
            format!(
                "unknown example `{name}`; available: {}",
                speclat::example::EXAMPLES.join(", ")
            )
        });
    }
    if args.paths.is_empty() {
        return Err(fit::FitError::NoSeries.into());
    }
    let sweeps = load_paths(&args.paths)?;
    let labels = LabelOptions {
        k: args.k,
        alpha: args.alpha,
        label: args.label.clone(),
        manifest: args.manifest.clone(),
    };
    Ok(label_sweeps(sweeps, &labels)?)
}

/// Refuses to write over an input (a benchmark file or the manifest) or, without `--force`,
/// over an existing file.
fn check_output_path(output: &Path, inputs: &[&PathBuf], force: bool) -> Result<()> {
    if let Ok(canonical) = output.canonicalize() {
        for input in inputs {
            if input.canonicalize().is_ok_and(|i| i == canonical) {
                bail!(
                    "{}: refusing to save the model over an input file\n\nhint: choose another --save path",
                    output.display()
                );
            }
        }
        if !force {
            bail!(
                "{}: file exists\n\nhint: pass --force to replace it, or choose another --save path",
                output.display()
            );
        }
    }
    Ok(())
}

/// Creates the temporary file that [`save_report`] renames to `path`. It lies in the same
/// directory, because a rename is atomic only within one file system.
fn temporary_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::NamedTempFile::new_in(directory).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot create a file in this directory: {e}\n\nhint: choose a --save path in an existing directory that you can write to",
            directory.display()
        )
    })
}

/// Writes the report to `temporary` and renames it to `path`, so an interrupted run leaves any
/// previous file intact. A temporary file that is not persisted is deleted when dropped.
fn save_report(
    mut temporary: tempfile::NamedTempFile,
    path: &Path,
    report: &FitReport,
) -> Result<()> {
    serde_json::to_writer_pretty(&mut temporary, report)?;
    temporary.write_all(b"\n")?;
    temporary.as_file().sync_all()?;
    temporary
        .persist(path)
        .with_context(|| format!("{}: cannot write the model", path.display()))?;
    Ok(())
}

fn run_predict(args: PredictArgs) -> Result<()> {
    let spec = if args.k == 0 {
        SpecConfig::baseline()
    } else {
        SpecConfig::from_signed(args.k, args.alpha)?
    };
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
    let model = FitReport::load(&args.model)?;
    let document = predict::predict(&model, spec, args.output_tokens, &loads)?;

    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &document)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(render_prediction(&document).as_bytes())?;
    }
    stdout.flush()?;
    if !args.json && !args.quiet {
        for warning in &document.warnings {
            eprintln!("warning: {warning}");
        }
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
    let mut table = Table::new([
        "rate_per_s",
        "latency_s",
        "ttft_s",
        "itl_ms",
        "concurrency",
        "utilisation",
    ]);
    let show = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("saturated".to_string(), f);
    for p in &d.predictions {
        table.row([
            format!("{:.3}", p.rate_per_s),
            show(p.latency_s, &|v| format!("{v:.4}")),
            show(p.ttft_s, &|v| format!("{v:.4}")),
            show(p.itl_s, &|v| format!("{:.3}", v * 1000.0)),
            show(p.concurrency, &|v| format!("{v:.2}")),
            format!("{:.3}", p.utilisation),
        ]);
    }
    out.push_str(&table.render(0));
    out
}
