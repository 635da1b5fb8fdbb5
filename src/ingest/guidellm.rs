//! GuideLLM benchmark reports, every published layout.
//!
//! GuideLLM (vllm-project/guidellm) writes one report per `guidellm benchmark` run. The layouts
//! read here, by GuideLLM version:
//!
//! - 0.2.x and 0.3.x: `{benchmarks: [{args: {strategy}, metrics, request_totals, …}]}`.
//! - 0.4.x: `{args, benchmarks: [{config: {strategy}, metrics: {request_totals, …}, …}]}`.
//! - 0.5.x and 0.6.x: as 0.4, plus `metadata.version = 1`.
//! - 0.7.x: `metadata.version = 2`, and the top-level `args` renamed to `config`.
//! - "reduced": a bare array of the `metrics` objects of a 0.2/0.3 sweep, with the strategy
//!   labels stripped. The speculators project published its fixed-acceptance sweeps this way.
//!
//! Each metric group is a status summary, `{successful, errored, incomplete, total}`, and each
//! status contains `{mean, median, std_dev, count, percentiles, …}`. Only the few values the
//! model needs are deserialized. Serde skips every other key, including the distribution arrays
//! and the per-request records, which make up most of a full report's bytes.

use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::checks::{self, REPAIR_HINT, strip_position};
use super::json_records;
use super::{IngestError, LatencyPercentiles, Measurement, SourceFormat, Strategy, Sweep};

/// Top level of a GuideLLM report object (0.2 and later).
#[derive(Deserialize)]
struct Report {
    metadata: Option<Metadata>,
    /// Run configuration, present at the top level only from 0.7 on.
    config: Option<IgnoredAny>,
    benchmarks: Option<Vec<Benchmark>>,
}

#[derive(Deserialize)]
struct Metadata {
    version: Option<u64>,
}

#[derive(Deserialize)]
struct Benchmark {
    /// 0.2/0.3 keep the strategy under `args`.
    args: Option<StrategyHolder>,
    /// 0.4 and later keep the strategy under `config`.
    config: Option<StrategyHolder>,
    metrics: Option<Metrics>,
    /// 0.2/0.3 keep the request counts beside `metrics`, later versions inside it.
    request_totals: Option<RequestTotals>,
    /// A nested benchmark list marks the obsolete 0.1 layout.
    benchmarks: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct StrategyHolder {
    strategy: Option<StrategyFields>,
}

#[derive(Deserialize)]
struct StrategyFields {
    type_: Option<String>,
    rate: Option<f64>,
    streams: Option<f64>,
    max_concurrency: Option<f64>,
}

#[derive(Deserialize)]
struct RequestTotals {
    successful: Option<f64>,
    errored: Option<f64>,
    incomplete: Option<f64>,
}

/// The metric groups speclat reads; the rest of the `metrics` object is skipped.
///
/// Each group deserializes only the values used. Parsing a float costs far more than skipping
/// it, and the unused statuses and statistics are most of the numbers in a report.
#[derive(Deserialize)]
struct Metrics {
    request_totals: Option<RequestTotals>,
    requests_per_second: Option<MeanGroup>,
    request_concurrency: Option<MeanGroup>,
    request_latency: Option<LatencyGroup>,
    prompt_token_count: Option<MeanGroup>,
    output_token_count: Option<MeanGroup>,
    time_to_first_token_ms: Option<MeanGroup>,
    time_per_output_token_ms: Option<MeanGroup>,
    inter_token_latency_ms: Option<MeanGroup>,
}

/// A status summary of which only the successful requests' mean is read.
#[derive(Deserialize)]
struct MeanGroup {
    successful: Option<MeanOnly>,
}

#[derive(Deserialize)]
struct MeanOnly {
    mean: Option<f64>,
}

/// The `request_latency` status summary: full statistics for successful requests, and the
/// other statuses' counts as a fallback for `request_totals`.
#[derive(Deserialize)]
struct LatencyGroup {
    successful: Option<Summary>,
    errored: Option<CountOnly>,
    incomplete: Option<CountOnly>,
}

#[derive(Deserialize)]
struct CountOnly {
    count: Option<f64>,
}

#[derive(Deserialize)]
struct Summary {
    mean: Option<f64>,
    median: Option<f64>,
    std_dev: Option<f64>,
    count: Option<f64>,
    percentiles: Option<Percentiles>,
}

#[derive(Deserialize)]
struct Percentiles {
    p50: Option<f64>,
    p90: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
}

/// Parses a GuideLLM report or reduced array from JSON text.
pub fn parse_json(path: &Path, text: &str) -> Result<Sweep, IngestError> {
    let first = text.trim_start().as_bytes().first().copied();
    if first == Some(b'[') {
        let metrics: Vec<Metrics> = from_json(path, text)?;
        return reduced_sweep(path, metrics);
    }

    let report: Report = from_json(path, text)?;
    report_sweep(path, report)
}

/// Parses a GuideLLM report or reduced array from YAML text.
///
/// GuideLLM writes the same structures as YAML when the output name ends in `.yaml`. The text
/// is parsed twice: once untyped, to tell a report from a reduced array, and once typed, so
/// that type errors carry a line and column.
pub fn parse_yaml(path: &Path, text: &str) -> Result<Sweep, IngestError> {
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| yaml_syntax_error(path, &e))?;

    match value {
        serde_yaml::Value::Sequence(_) => {
            let metrics: Vec<Metrics> = from_yaml(path, text)?;
            reduced_sweep(path, metrics)
        }
        serde_yaml::Value::Mapping(_) => {
            let report: Report = from_yaml(path, text)?;
            report_sweep(path, report)
        }
        _ => Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: "the YAML document is neither a mapping nor a sequence".to_string(),
            hint: FORMAT_HINT.to_string(),
        }),
    }
}

const FORMAT_HINT: &str = "speclat reads GuideLLM reports (an object with a `benchmarks` list) \
     and reduced sweeps (an array of GuideLLM `metrics` objects)";

/// Deserialises JSON text, naming the JSON path of a value of the wrong type.
fn from_json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, IngestError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let location = error.path().to_string();
        let error = error.into_inner();
        if error.is_data() && location != "." {
            IngestError::WrongType {
                path: path.to_path_buf(),
                location,
                line: error.line(),
                column: error.column(),
                problem: strip_position(&error.to_string()),
                hint: REPAIR_HINT.to_string(),
            }
        } else {
            json_records::syntax_error(path, "JSON", &error)
        }
    })
}

/// Deserialises YAML text, naming the path of a value of the wrong type.
fn from_yaml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, IngestError> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let location = error.path().to_string();
        let error = error.into_inner();
        match error.location() {
            Some(position) if location != "." => IngestError::WrongType {
                path: path.to_path_buf(),
                location,
                line: position.line(),
                column: position.column(),
                problem: strip_position(&error.to_string()),
                hint: REPAIR_HINT.to_string(),
            },
            _ => yaml_syntax_error(path, &error),
        }
    })
}

fn yaml_syntax_error(path: &Path, error: &serde_yaml::Error) -> IngestError {
    let (line, column) = error
        .location()
        .map_or((0, 0), |location| (location.line(), location.column()));
    IngestError::Syntax {
        path: path.to_path_buf(),
        format: "YAML",
        line,
        column,
        message: strip_position(&error.to_string()),
    }
}

fn report_sweep(path: &Path, report: Report) -> Result<Sweep, IngestError> {
    let format = report_format(&report);
    let Some(benchmarks) = report.benchmarks else {
        return Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: "the top-level object has no `benchmarks` list".to_string(),
            hint: FORMAT_HINT.to_string(),
        });
    };
    if benchmarks.is_empty() {
        return Err(IngestError::NoBenchmarks {
            path: path.to_path_buf(),
            location: "benchmarks".to_string(),
        });
    }
    if benchmarks.iter().any(|b| b.benchmarks.is_some()) {
        return Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: "nested `benchmarks` lists mark a GuideLLM 0.1 report, which is not supported"
                .to_string(),
            hint: "rerun the benchmark with GuideLLM 0.2 or later".to_string(),
        });
    }

    let mut measurements = Vec::with_capacity(benchmarks.len());
    for (index, benchmark) in benchmarks.into_iter().enumerate() {
        let base = format!("benchmarks[{index}]");
        let Some(metrics) = benchmark.metrics else {
            return Err(IngestError::MissingField {
                path: path.to_path_buf(),
                location: format!("{base}.metrics"),
                field: "metrics".to_string(),
                hint: "every GuideLLM benchmark has a `metrics` object; the file may have been \
                       trimmed by hand"
                    .to_string(),
            });
        };

        let totals = match (&metrics.request_totals, &benchmark.request_totals) {
            (Some(t), _) => Some((t, format!("{base}.metrics.request_totals"))),
            (None, Some(t)) => Some((t, format!("{base}.request_totals"))),
            (None, None) => None,
        };
        let checker = Checker {
            path,
            base: format!("{base}.metrics"),
        };
        let mut measurement = checker.measurement(index, &metrics, totals)?;

        let strategy = benchmark
            .config
            .and_then(|c| c.strategy)
            .or_else(|| benchmark.args.and_then(|a| a.strategy));
        if let Some(strategy) = strategy {
            apply_strategy(&mut measurement, &strategy);
        }
        measurements.push(measurement);
    }

    infer_sweep_strategies(&mut measurements);
    Ok(Sweep {
        file: path.to_path_buf(),
        format,
        measurements,
    })
}

/// Tells the report layouts apart by their top-level keys.
fn report_format(report: &Report) -> SourceFormat {
    let version = report.metadata.as_ref().and_then(|m| m.version);
    match version {
        Some(1) => SourceFormat::GuideLlmV05,
        // NOTE: versions above 2 did not exist when this was written; they are read as 0.7.
        Some(v) if v >= 2 => SourceFormat::GuideLlmV07,
        _ if report.config.is_some() => SourceFormat::GuideLlmV07,
        _ => {
            let has_config = report
                .benchmarks
                .iter()
                .flatten()
                .any(|b| b.config.is_some());
            if has_config {
                SourceFormat::GuideLlmV04
            } else {
                SourceFormat::GuideLlmV02
            }
        }
    }
}

fn apply_strategy(measurement: &mut Measurement, fields: &StrategyFields) {
    let strategy = fields
        .type_
        .as_deref()
        .map_or(Strategy::Unknown, Strategy::from_guidellm);
    measurement.strategy = strategy;
    measurement.strategy_inferred = false;

    match strategy {
        Strategy::Synchronous => measurement.target_concurrency = Some(1.0),
        Strategy::Constant | Strategy::Poisson => {
            measurement.target_rate_per_s = fields.rate.filter(|r| r.is_finite() && *r > 0.0);
        }
        Strategy::Concurrent => {
            measurement.target_concurrency = fields.streams.filter(|s| s.is_finite() && *s > 0.0);
        }
        Strategy::Throughput => {
            measurement.target_concurrency =
                fields.max_concurrency.filter(|c| c.is_finite() && *c > 0.0);
        }
        Strategy::Trace | Strategy::Unknown => {}
    }
}

fn reduced_sweep(path: &Path, metrics: Vec<Metrics>) -> Result<Sweep, IngestError> {
    if metrics.is_empty() {
        return Err(IngestError::NoBenchmarks {
            path: path.to_path_buf(),
            location: "the top-level array".to_string(),
        });
    }

    let mut measurements = Vec::with_capacity(metrics.len());
    for (index, element) in metrics.iter().enumerate() {
        let base = format!("[{index}]");
        let totals = element
            .request_totals
            .as_ref()
            .map(|t| (t, format!("{base}.request_totals")));
        let checker = Checker { path, base };
        measurements.push(checker.measurement(index, element, totals)?);
    }

    infer_sweep_strategies(&mut measurements);
    Ok(Sweep {
        file: path.to_path_buf(),
        format: SourceFormat::GuideLlmReduced,
        measurements,
    })
}

/// Fills in strategies the file does not state, assuming GuideLLM's `sweep` profile order.
///
/// A sweep runs a synchronous benchmark, then a throughput benchmark, then `n` constant-rate
/// benchmarks. The constant rates are spaced evenly between the two measured rates, excluding
/// the synchronous rate and including the throughput rate: with synchronous rate `s` and
/// throughput rate `t`, the j-th constant benchmark targets `s + j (t - s) / n`. This spacing
/// reproduces the measured rates of the unsaturated points in the speculators project's
/// GuideLLM 0.2/0.3 sweeps to within 2 %.
///
/// The pattern is accepted only when the first point ran about one request at a time and the
/// second had the highest concurrency. Otherwise unstated strategies stay `Unknown`.
fn infer_sweep_strategies(measurements: &mut [Measurement]) {
    if measurements.iter().all(|m| m.strategy != Strategy::Unknown) {
        return;
    }
    if !looks_like_sweep(measurements) {
        return;
    }

    let sync_rate_per_s = measurements[0].rate_per_s;
    let throughput_rate_per_s = measurements[1].rate_per_s;
    let constant_count = measurements.len() - 2;
    for (index, measurement) in measurements.iter_mut().enumerate() {
        if measurement.strategy != Strategy::Unknown {
            continue;
        }
        measurement.strategy_inferred = true;
        match index {
            0 => {
                measurement.strategy = Strategy::Synchronous;
                measurement.target_concurrency = Some(1.0);
            }
            1 => measurement.strategy = Strategy::Throughput,
            _ => {
                let j = (index - 1) as f64;
                let step = (throughput_rate_per_s - sync_rate_per_s) / constant_count as f64;
                measurement.strategy = Strategy::Constant;
                measurement.target_rate_per_s = Some(sync_rate_per_s + j * step);
            }
        }
    }
}

fn looks_like_sweep(measurements: &[Measurement]) -> bool {
    if measurements.len() < 3 {
        return false;
    }

    // A synchronous benchmark keeps at most one request in flight.
    let first_is_sync = measurements[0].concurrency.is_none_or(|c| c <= 1.05);
    let second_has_max_concurrency = match measurements[1].concurrency {
        Some(c1) => measurements
            .iter()
            .all(|m| m.concurrency.is_none_or(|c| c <= c1)),
        None => true,
    };
    let throughput_is_faster = measurements[1].rate_per_s > measurements[0].rate_per_s;
    first_is_sync && second_has_max_concurrency && throughput_is_faster
}

/// Outcome of a required `<group>.successful.mean` lookup.
enum MeanLookup {
    NoGroup,
    NoSuccessful,
    Found(Option<f64>),
}

impl MeanLookup {
    fn of_group(group: Option<&MeanGroup>) -> Self {
        match group {
            None => Self::NoGroup,
            Some(MeanGroup { successful: None }) => Self::NoSuccessful,
            Some(MeanGroup {
                successful: Some(s),
            }) => Self::Found(s.mean),
        }
    }

    fn of_latency(group: Option<&LatencyGroup>) -> Self {
        match group.map(|g| g.successful.as_ref()) {
            None => Self::NoGroup,
            Some(None) => Self::NoSuccessful,
            Some(Some(s)) => Self::Found(s.mean),
        }
    }
}

struct RequestCounts {
    successful: Option<u64>,
    errored: Option<u64>,
    incomplete: Option<u64>,
}

/// Validates one metrics object and turns it into a measurement; `base` is its JSON path.
struct Checker<'a> {
    path: &'a Path,
    base: String,
}

impl Checker<'_> {
    fn measurement(
        &self,
        index: usize,
        metrics: &Metrics,
        totals: Option<(&RequestTotals, String)>,
    ) -> Result<Measurement, IngestError> {
        let rate_per_s = self.required_positive(
            "requests_per_second",
            MeanLookup::of_group(metrics.requests_per_second.as_ref()),
            "the measured request rate is the load axis of the fit; a benchmark without \
             successful requests cannot be used, so remove it from the file",
        )?;
        let latency_s = self.required_positive(
            "request_latency",
            MeanLookup::of_latency(metrics.request_latency.as_ref()),
            "the mean request latency (seconds) is the quantity speclat fits; a benchmark \
             without successful requests cannot be used, so remove it from the file",
        )?;

        let latency = metrics
            .request_latency
            .as_ref()
            .and_then(|g| g.successful.as_ref());
        let latency_std_s = self.optional(
            "request_latency.successful.std_dev",
            latency.and_then(|s| s.std_dev),
        )?;
        let latency_percentiles = self.percentiles(latency)?;

        let ms_to_s = |value: Option<f64>| value.map(|ms| ms / 1000.0);
        let ttft_s = ms_to_s(self.optional_mean(
            "time_to_first_token_ms",
            metrics.time_to_first_token_ms.as_ref(),
        )?);
        let itl_s = ms_to_s(self.optional_mean(
            "inter_token_latency_ms",
            metrics.inter_token_latency_ms.as_ref(),
        )?);
        let tpot_s = ms_to_s(self.optional_mean(
            "time_per_output_token_ms",
            metrics.time_per_output_token_ms.as_ref(),
        )?);

        let counts = self.request_counts(metrics, totals)?;

        Ok(Measurement {
            index,
            strategy: Strategy::Unknown,
            strategy_inferred: false,
            target_rate_per_s: None,
            target_concurrency: None,
            rate_per_s,
            latency_s,
            latency_std_s,
            latency_percentiles,
            concurrency: self
                .optional_mean("request_concurrency", metrics.request_concurrency.as_ref())?,
            ttft_s,
            itl_s,
            tpot_s,
            prompt_tokens: self
                .optional_mean("prompt_token_count", metrics.prompt_token_count.as_ref())?,
            output_tokens: self
                .optional_mean("output_token_count", metrics.output_token_count.as_ref())?,
            requests_successful: counts.successful,
            requests_errored: counts.errored,
            requests_incomplete: counts.incomplete,
            acceptance: None,
        })
    }

    /// Reads `<group>.successful.mean`, which must be present, finite and above 0.
    fn required_positive(
        &self,
        group_name: &str,
        lookup: MeanLookup,
        hint: &str,
    ) -> Result<f64, IngestError> {
        let missing = |location: String, field: &str| IngestError::MissingField {
            path: self.path.to_path_buf(),
            location,
            field: field.to_string(),
            hint: hint.to_string(),
        };

        let base = &self.base;
        let location = format!("{base}.{group_name}.successful.mean");
        let mean = match lookup {
            MeanLookup::NoGroup => {
                return Err(missing(format!("{base}.{group_name}"), group_name));
            }
            MeanLookup::NoSuccessful => {
                return Err(missing(
                    format!("{base}.{group_name}.successful"),
                    "successful",
                ));
            }
            MeanLookup::Found(None) => return Err(missing(location, "mean")),
            MeanLookup::Found(Some(mean)) => mean,
        };

        checks::positive(self.path, &location, "mean", mean).map_err(|e| e.with_hint(hint))
    }

    /// Reads `<group>.successful.mean` where present; it must be finite and non-negative.
    fn optional_mean(
        &self,
        group_name: &str,
        group: Option<&MeanGroup>,
    ) -> Result<Option<f64>, IngestError> {
        let mean = group
            .and_then(|g| g.successful.as_ref())
            .and_then(|s| s.mean);
        self.optional(&format!("{group_name}.successful.mean"), mean)
    }

    fn optional(&self, relative: &str, value: Option<f64>) -> Result<Option<f64>, IngestError> {
        let Some(value) = value else {
            return Ok(None);
        };
        let field = relative.rsplit('.').next().unwrap_or(relative);
        let location = format!("{}.{relative}", self.base);
        checks::non_negative(self.path, &location, field, value)
            .map(Some)
            .map_err(|e| {
                e.with_hint(
                    "GuideLLM never writes negative or non-finite summaries; the file was \
                     probably edited by hand, so correct or delete the value",
                )
            })
    }

    fn percentiles(&self, latency: Option<&Summary>) -> Result<LatencyPercentiles, IngestError> {
        let Some(summary) = latency else {
            return Ok(LatencyPercentiles::default());
        };
        let table = summary.percentiles.as_ref();
        let prefix = "request_latency.successful.percentiles";

        // GuideLLM 0.2/0.3 has no p50; their `median` is the same statistic.
        let p50_s = match table.and_then(|p| p.p50) {
            Some(p50) => self.optional(&format!("{prefix}.p50"), Some(p50))?,
            None => self.optional("request_latency.successful.median", summary.median)?,
        };
        Ok(LatencyPercentiles {
            p50_s,
            p90_s: self.optional(&format!("{prefix}.p90"), table.and_then(|p| p.p90))?,
            p95_s: self.optional(&format!("{prefix}.p95"), table.and_then(|p| p.p95))?,
            p99_s: self.optional(&format!("{prefix}.p99"), table.and_then(|p| p.p99))?,
        })
    }

    /// Returns the successful, errored and incomplete request counts.
    ///
    /// `request_totals` is preferred where present; otherwise the `count` of each status of
    /// `request_latency` is used, which is the number of requests of that status.
    fn request_counts(
        &self,
        metrics: &Metrics,
        totals: Option<(&RequestTotals, String)>,
    ) -> Result<RequestCounts, IngestError> {
        let latency = metrics.request_latency.as_ref();

        match totals {
            Some((t, location)) => Ok(RequestCounts {
                successful: self.count(&location, "successful", t.successful)?,
                errored: self.count(&location, "errored", t.errored)?,
                incomplete: self.count(&location, "incomplete", t.incomplete)?,
            }),
            None => {
                let location = format!("{}.request_latency", self.base);
                Ok(RequestCounts {
                    successful: self.count(
                        &format!("{location}.successful"),
                        "count",
                        latency
                            .and_then(|g| g.successful.as_ref())
                            .and_then(|s| s.count),
                    )?,
                    errored: self.count(
                        &format!("{location}.errored"),
                        "count",
                        latency
                            .and_then(|g| g.errored.as_ref())
                            .and_then(|s| s.count),
                    )?,
                    incomplete: self.count(
                        &format!("{location}.incomplete"),
                        "count",
                        latency
                            .and_then(|g| g.incomplete.as_ref())
                            .and_then(|s| s.count),
                    )?,
                })
            }
        }
    }

    /// Checks a request count; `parent` is the full JSON path of the object holding `field`.
    fn count(
        &self,
        parent: &str,
        field: &str,
        value: Option<f64>,
    ) -> Result<Option<u64>, IngestError> {
        let Some(value) = value else {
            return Ok(None);
        };
        let location = format!("{parent}.{field}");
        checks::count(self.path, &location, field, value)
            .map(Some)
            .map_err(|e| {
                e.with_hint(
                    "GuideLLM writes request counts as whole numbers; correct or delete the value",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics_json(rate: f64, latency: f64, concurrency: f64) -> String {
        format!(
            r#"{{"requests_per_second": {{"successful": {{"mean": {rate}}}}},
                "request_concurrency": {{"successful": {{"mean": {concurrency}}}}},
                "request_latency": {{"successful": {{"mean": {latency}}}}}}}"#
        )
    }

    fn parse(text: &str) -> Result<Sweep, IngestError> {
        parse_json(Path::new("test.json"), text)
    }

    fn error_message(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reduced_sweep_infers_strategies() {
        let text = format!(
            "[{}, {}, {}, {}]",
            metrics_json(1.0, 1.0, 1.0),
            metrics_json(10.0, 8.0, 80.0),
            metrics_json(5.0, 1.2, 6.0),
            metrics_json(9.0, 3.0, 27.0),
        );
        let sweep = parse(&text).unwrap();
        assert_eq!(sweep.format, SourceFormat::GuideLlmReduced);

        let strategies: Vec<_> = sweep.measurements.iter().map(|m| m.strategy).collect();
        assert_eq!(
            strategies,
            [
                Strategy::Synchronous,
                Strategy::Throughput,
                Strategy::Constant,
                Strategy::Constant
            ]
        );
        assert!(sweep.measurements.iter().all(|m| m.strategy_inferred));
        // Two constant rates between 1 and 10 req/s: 5.5 and 10.
        assert_eq!(sweep.measurements[2].target_rate_per_s, Some(5.5));
        assert_eq!(sweep.measurements[3].target_rate_per_s, Some(10.0));
        assert_eq!(sweep.measurements[1].target_rate_per_s, None);
    }

    #[test]
    fn reduced_sweep_without_sync_start() {
        // The first point ran 4 requests at a time, so it was not synchronous.
        let text = format!(
            "[{}, {}, {}]",
            metrics_json(4.0, 1.0, 4.0),
            metrics_json(10.0, 8.0, 80.0),
            metrics_json(5.0, 1.2, 6.0),
        );
        let sweep = parse(&text).unwrap();
        for m in &sweep.measurements {
            assert_eq!(m.strategy, Strategy::Unknown);
            assert!(!m.strategy_inferred);
            assert_eq!(m.target_rate_per_s, None);
        }
    }

    #[test]
    fn report_without_strategies_is_inferred() {
        let text = format!(
            r#"{{"benchmarks": [{{"metrics": {}}}, {{"metrics": {}}}, {{"metrics": {}}}]}}"#,
            metrics_json(1.0, 1.0, 1.0),
            metrics_json(10.0, 8.0, 80.0),
            metrics_json(5.0, 1.2, 6.0),
        );
        let sweep = parse(&text).unwrap();
        assert_eq!(sweep.format, SourceFormat::GuideLlmV02);
        assert_eq!(sweep.measurements[0].strategy, Strategy::Synchronous);
        assert_eq!(sweep.measurements[2].strategy, Strategy::Constant);
        assert!(sweep.measurements[2].strategy_inferred);
    }

    #[test]
    fn stated_strategy_is_kept() {
        let text = format!(
            r#"{{"benchmarks": [{{"args": {{"strategy": {{"type_": "poisson", "rate": 3}}}},
                                 "metrics": {}}}]}}"#,
            metrics_json(2.9, 1.0, 2.9),
        );
        let m = &parse(&text).unwrap().measurements[0];
        assert_eq!(m.strategy, Strategy::Poisson);
        assert!(!m.strategy_inferred);
        assert_eq!(m.target_rate_per_s, Some(3.0));
    }

    #[test]
    fn v01_layout_is_rejected() {
        let message =
            error_message(r#"{"benchmarks": [{"benchmarks": [{"mode": "sync"}], "args": {}}]}"#);
        assert!(message.contains("GuideLLM 0.1 report"), "{message}");
    }

    #[test]
    fn object_without_benchmarks() {
        let message = error_message(r#"{"results": []}"#);
        assert!(
            message.starts_with("test.json: unrecognised file format"),
            "{message}"
        );
        assert!(message.contains("no `benchmarks` list"), "{message}");
    }

    #[test]
    fn empty_reduced_array() {
        let message = error_message("[]");
        assert!(
            message.contains("test.json: the top-level array: no benchmarks"),
            "{message}"
        );
    }

    #[test]
    fn missing_metrics_object() {
        let message = error_message(r#"{"benchmarks": [{"args": {}}]}"#);
        assert!(
            message.contains("benchmarks[0].metrics: missing field `metrics`"),
            "{message}"
        );
    }

    #[test]
    fn missing_latency_group() {
        let message = error_message(r#"[{"requests_per_second": {"successful": {"mean": 1}}}]"#);
        assert!(
            message.contains("[0].request_latency: missing field `request_latency`"),
            "{message}"
        );
    }

    #[test]
    fn missing_successful_rate() {
        let message = error_message(
            r#"[{"requests_per_second": {"errored": {"mean": 1}},
                 "request_latency": {"successful": {"mean": 1}}}]"#,
        );
        assert!(
            message.contains("[0].requests_per_second.successful: missing field `successful`"),
            "{message}"
        );
    }

    #[test]
    fn zero_latency_is_invalid() {
        let message = error_message(&format!("[{}]", metrics_json(1.0, 0.0, 1.0)));
        assert!(
            message.contains("[0].request_latency.successful.mean: invalid value 0 for `mean`"),
            "{message}"
        );
        assert!(message.contains("above 0"), "{message}");
    }

    #[test]
    fn negative_token_count_is_invalid() {
        let message = error_message(
            r#"[{"requests_per_second": {"successful": {"mean": 1}},
                 "request_latency": {"successful": {"mean": 1}},
                 "output_token_count": {"successful": {"mean": -128}}}]"#,
        );
        assert!(
            message.contains("[0].output_token_count.successful.mean: invalid value -128"),
            "{message}"
        );
    }

    #[test]
    fn fractional_request_total_is_invalid() {
        let message = error_message(
            r#"{"benchmarks": [{"metrics": {
                 "request_totals": {"successful": 10.5},
                 "requests_per_second": {"successful": {"mean": 1}},
                 "request_latency": {"successful": {"mean": 1}}}}]}"#,
        );
        assert!(
            message.contains("benchmarks[0].metrics.request_totals.successful: invalid value 10.5"),
            "{message}"
        );
    }

    #[test]
    fn wrong_type_names_json_path() {
        let message =
            error_message("[\n{\"requests_per_second\": {\"successful\": {\"mean\": \"fast\"}}}]");
        assert!(
            message.contains(
                "[0].requests_per_second.successful.mean (line 2, column 54): invalid type: string \"fast\""
            ),
            "{message}"
        );
        assert!(message.contains("expected f64"), "{message}");
    }

    #[test]
    fn yaml_syntax_error_has_line() {
        let error = parse_yaml(Path::new("bad.yaml"), "benchmarks:\n  - metrics: [\n").unwrap_err();
        match error {
            IngestError::Syntax { format, line, .. } => {
                assert_eq!(format, "YAML");
                assert!(line >= 2, "line {line}");
            }
            other => panic!("expected a syntax error, got {other}"),
        }
    }

    #[test]
    fn yaml_scalar_is_unknown_format() {
        let message = parse_yaml(Path::new("x.yaml"), "just text\n")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("neither a mapping nor a sequence"),
            "{message}"
        );
    }
}
