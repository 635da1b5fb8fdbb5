//! Reading benchmark results into one record type.
//!
//! Every supported file format is parsed by its own module into [`Sweep`]s: an ordered list of
//! [`Measurement`]s, one per benchmark (load point), taken from one file. A sweep does not know
//! its speculative-decoding configuration, because GuideLLM reports do not record it;
//! [`labels`] attaches `k` and `alpha` from command-line flags, a manifest or the file name,
//! and turns sweeps into labelled [`Series`] that the fitter consumes.
//!
//! Units are fixed here, whatever the file used: seconds for times, requests per second for
//! rates, tokens for lengths. Errors name the file and the JSON path or line of the problem.

pub(crate) mod checks;
pub mod guidellm;
mod json_records;
pub mod labels;
mod load;
pub mod prometheus;
pub mod sglang;
pub mod speculators_csv;
pub mod vllm_bench;

pub use load::{
    IngestError, MAX_INPUT_FILE_BYTES, load_paths, load_paths_with_progress, parse_bytes,
    read_file_bytes, read_file_bytes_limited,
};

use std::path::PathBuf;

use serde::Serialize;

use crate::model::SpecConfig;

/// How the load of one benchmark was generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// One request at a time (concurrency 1).
    Synchronous,
    /// As many requests as the client's concurrency cap allows: saturation by design.
    Throughput,
    /// Open loop, requests at a constant interval.
    Constant,
    /// Open loop, Poisson arrivals.
    Poisson,
    /// Closed loop with a fixed number of requests in flight.
    Concurrent,
    /// Replay of a recorded arrival trace.
    Trace,
    /// The file does not say and the position in the sweep gave no hint.
    Unknown,
}

impl Strategy {
    /// Parses GuideLLM's strategy `type_` discriminator.
    pub fn from_guidellm(name: &str) -> Self {
        match name {
            "synchronous" => Self::Synchronous,
            "throughput" => Self::Throughput,
            "constant" => Self::Constant,
            "poisson" => Self::Poisson,
            "concurrent" => Self::Concurrent,
            "trace" | "replay" => Self::Trace,
            _ => Self::Unknown,
        }
    }

    /// Lower-case name used in tables and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Synchronous => "synchronous",
            Self::Throughput => "throughput",
            Self::Constant => "constant",
            Self::Poisson => "poisson",
            Self::Concurrent => "concurrent",
            Self::Trace => "trace",
            Self::Unknown => "unknown",
        }
    }
}

/// Percentiles of request latency, seconds, where the file has them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencyPercentiles {
    pub p50_s: Option<f64>,
    pub p90_s: Option<f64>,
    pub p95_s: Option<f64>,
    pub p99_s: Option<f64>,
}

/// Mean acceptance length over the benchmarks of a sweep, from the engine's counters.
///
/// Pools the raw counters, `1 + sum(accepted) / sum(drafts)`, when every benchmark has both;
/// otherwise averages the reported acceptance lengths (or `1 + sum(p_i)` of the per-position
/// rates) of the benchmarks that have one. Returns `None` when no benchmark has counters.
pub fn mean_acceptance_length(measurements: &[Measurement]) -> Option<f64> {
    let counters: Vec<&AcceptanceCounters> = measurements
        .iter()
        .filter_map(|m| m.acceptance.as_ref())
        .collect();
    if counters.is_empty() {
        return None;
    }

    let pooled: Option<(f64, f64)> = counters
        .iter()
        .map(|c| c.num_accepted_tokens.zip(c.num_drafts))
        .try_fold((0.0, 0.0), |(accepted, drafts), pair| {
            pair.map(|(a, d)| (accepted + a, drafts + d))
        });
    if counters.len() == measurements.len()
        && let Some((accepted, drafts)) = pooled
        && drafts > 0.0
    {
        return Some(1.0 + accepted / drafts);
    }

    let lengths: Vec<f64> = counters.iter().filter_map(|c| c.length()).collect();
    (!lengths.is_empty()).then(|| lengths.iter().sum::<f64>() / lengths.len() as f64)
}

impl AcceptanceCounters {
    /// Acceptance length of one benchmark: as reported, else from the counts, else from the
    /// per-position rates.
    pub fn length(&self) -> Option<f64> {
        if let Some(length) = self.acceptance_length {
            return Some(length);
        }
        if let (Some(accepted), Some(drafts)) = (self.num_accepted_tokens, self.num_drafts)
            && drafts > 0.0
        {
            return Some(1.0 + accepted / drafts);
        }
        (!self.per_position_acceptance.is_empty())
            .then(|| 1.0 + self.per_position_acceptance.iter().sum::<f64>())
    }
}

/// Speculative-decoding counters measured over one benchmark, where the file has them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AcceptanceCounters {
    /// Mean tokens committed per verification, `1 + accepted / drafts`.
    pub acceptance_length: Option<f64>,
    /// Draft/verify steps over all requests.
    pub num_drafts: Option<f64>,
    /// Draft tokens proposed.
    pub num_draft_tokens: Option<f64>,
    /// Draft tokens accepted, the bonus token excluded.
    pub num_accepted_tokens: Option<f64>,
    /// Fraction of drafts whose token at position i was accepted, i = 0..k-1.
    pub per_position_acceptance: Vec<f64>,
}

/// One benchmark at one load: the measured means that the model is fitted to.
///
/// Invariant (checked by the parsers): `rate_per_s` and `latency_s` are finite and above 0;
/// every other present value is finite and non-negative.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measurement {
    /// Position of the benchmark in its file, from 0.
    pub index: usize,
    /// Load strategy, as the file states it or as inferred (see `strategy_inferred`).
    pub strategy: Strategy,
    /// Whether `strategy` was inferred from the position and the measured values.
    pub strategy_inferred: bool,
    /// Rate the client was asked to offer, requests per second, for open-loop benchmarks.
    pub target_rate_per_s: Option<f64>,
    /// Requests the client kept in flight, for closed-loop benchmarks.
    pub target_concurrency: Option<f64>,
    /// Measured completion rate, requests per second.
    pub rate_per_s: f64,
    /// Mean end-to-end request latency, seconds.
    pub latency_s: f64,
    /// Standard deviation of request latency, seconds.
    pub latency_std_s: Option<f64>,
    /// Latency percentiles, seconds.
    pub latency_percentiles: LatencyPercentiles,
    /// Measured mean requests in flight.
    pub concurrency: Option<f64>,
    /// Mean time to first token, seconds.
    pub ttft_s: Option<f64>,
    /// Mean inter-token latency as the client computed it, seconds.
    pub itl_s: Option<f64>,
    /// Mean time per output token, seconds.
    pub tpot_s: Option<f64>,
    /// Mean prompt tokens per request.
    pub prompt_tokens: Option<f64>,
    /// Mean output tokens per request.
    pub output_tokens: Option<f64>,
    /// Successful requests the means are taken over.
    pub requests_successful: Option<u64>,
    /// Requests that failed.
    pub requests_errored: Option<u64>,
    /// Requests cut off at the end of the benchmark.
    pub requests_incomplete: Option<u64>,
    /// Speculative-decoding counters, where the file has them.
    pub acceptance: Option<AcceptanceCounters>,
}

/// The file format a sweep was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// GuideLLM 0.2.x/0.3.x report (`benchmarks[].metrics`, `args.strategy`).
    GuideLlmV02,
    /// GuideLLM 0.4.x report (`benchmarks[].config.strategy`).
    GuideLlmV04,
    /// GuideLLM 0.5.x/0.6.x report (`metadata.version` 1).
    GuideLlmV05,
    /// GuideLLM 0.7.x report (`metadata.version` 2).
    GuideLlmV07,
    /// Bare array of GuideLLM metrics objects, one per benchmark in run order.
    GuideLlmReduced,
    /// `vllm bench serve` / `benchmark_serving.py` result, one JSON object or JSON Lines.
    VllmBenchServe,
    /// `python -m sglang.bench_serving` JSON Lines output.
    SglangBenchServing,
    /// speculators throughput-interactivity CSV; latency from Little's law.
    SpeculatorsThroughputInteractivity,
    /// speculators `perf_results.csv`. Its `latency_s` and `rate_per_s` are medians, not means.
    SpeculatorsPerfResults,
    /// Difference of two saved vLLM `/metrics` snapshots.
    VllmPrometheus,
    /// Compiled-in example data.
    BuiltIn,
}

impl SourceFormat {
    /// Whether `Measurement::latency_s` of sweeps in this format is a median rather than a mean.
    /// The model is stated for means, so fits to such sweeps are approximate.
    pub fn latency_is_median(&self) -> bool {
        matches!(self, Self::SpeculatorsPerfResults)
    }
}

/// The measurements read from one file, in file order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sweep {
    pub file: PathBuf,
    pub format: SourceFormat,
    pub measurements: Vec<Measurement>,
}

/// Where a series' `k` and `alpha` came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// `--k` and `--alpha` on the command line.
    Flags,
    /// A manifest entry; the string is the manifest path.
    Manifest(PathBuf),
    /// The `alpha-<A>_draft-<K>` pattern in the file name.
    FileName,
    /// Compiled-in example data.
    BuiltIn,
}

/// Where a series' `alpha` came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlphaSource {
    /// Stated by a flag, a manifest entry, the file name or the example table (or `k = 0`).
    #[default]
    Given,
    /// Solved from the acceptance length measured by the engine's counters over the sweep,
    /// `E(alpha, k) = acceptance_length`: an effective value that reproduces `E` at this `k`.
    MeasuredAcceptanceLength { acceptance_length: f64 },
}

/// A sweep with its speculative-decoding configuration: the unit that the fitter pools.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Display name, for example `alpha-0.70_draft-3`.
    pub label: String,
    pub spec: SpecConfig,
    pub label_source: LabelSource,
    /// Whether `alpha` was given or solved from measured acceptance counters.
    pub alpha_source: AlphaSource,
    /// Name of the manifest's `[[system]]` entry whose `files` match `file`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    pub file: PathBuf,
    pub format: SourceFormat,
    pub measurements: Vec<Measurement>,
}
