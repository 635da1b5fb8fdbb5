//! Saved vLLM `/metrics` pages (Prometheus text exposition format 0.0.4), and the measurement
//! over the window between two of them.
//!
//! vLLM's V1 engine (vLLM 0.8 and later) exports its counters with a `_total` suffix and
//! histograms as `_sum`, `_count` and `_bucket` series, each labelled with `engine` and
//! `model_name`. Counters only ever grow while the server runs, so two snapshots taken before and
//! after a benchmark give the benchmark's own totals as differences:
//!
//! - mean latency = Δ`vllm:e2e_request_latency_seconds_sum` / Δ`_count`;
//! - rate = Δ`_count` / Δt, where Δt is given by the caller or taken from sample timestamps;
//! - mean TTFT, ITL and time per output token from their histograms the same way;
//! - acceptance from `vllm:spec_decode_num_drafts`, `vllm:spec_decode_num_draft_tokens`,
//!   `vllm:spec_decode_num_accepted_tokens` and, per draft position,
//!   `vllm:spec_decode_num_accepted_tokens_per_pos{position="i"}`: rate_i = Δper_pos_i /
//!   Δdrafts.
//!
//! Differences are taken per series (per label set) and summed over `engine` and `model_name`.
//! The files are read from disk only; this module never contacts a server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::checks::{self, invalid};
use super::{
    AcceptanceCounters, IngestError, LatencyPercentiles, Measurement, SourceFormat, Strategy, Sweep,
};

const FORMAT: &str = "Prometheus text";

const E2E_LATENCY: &str = "vllm:e2e_request_latency_seconds";

/// Label pairs of one series, in file order.
pub type Labels = Vec<(String, String)>;

/// One sample line: a series (name and labels) and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
    /// Milliseconds since the Unix epoch, when the line carries one.
    pub timestamp_ms: Option<i64>,
    /// Line in the file, from 1.
    pub line: usize,
}

impl Sample {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// The samples of one saved `/metrics` page, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub path: PathBuf,
    pub samples: Vec<Sample>,
}

/// The benchmark measured between two snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsWindow {
    /// Means over the requests that finished inside the window. `concurrency` stays empty because
    /// the snapshots hold no mean of the in-flight gauges.
    pub measurement: Measurement,
    /// Length of the window, seconds.
    pub duration_s: f64,
    /// `vllm:num_requests_running` plus `vllm:num_requests_waiting` in the later snapshot. This
    /// is one instant, not a mean over the window, so use it only as a rough check of
    /// `rate_per_s * latency_s`.
    pub requests_in_flight_after: Option<f64>,
}

impl MetricsWindow {
    /// Wraps the window's measurement in a one-point sweep named after `file`.
    pub fn into_sweep(self, file: PathBuf) -> Sweep {
        Sweep {
            file,
            format: SourceFormat::VllmPrometheus,
            measurements: vec![self.measurement],
        }
    }
}

/// Checks whether `bytes` look like a vLLM `/metrics` page.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = super::json_records::head_text(bytes);
    head.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("vllm:")
            || line.starts_with("# TYPE vllm:")
            || line.starts_with("# HELP vllm:")
    })
}

/// Rejects a single snapshot, because counters mean something only as a difference.
///
/// The error message points the caller to [`window`] and a second snapshot. The page is parsed first
/// so that a damaged file is reported as such.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Sweep>, IngestError> {
    parse_snapshot(path, bytes)?;
    Err(IngestError::UnknownFormat {
        path: path.to_path_buf(),
        problem: "a single /metrics snapshot holds totals since the server started, not one benchmark".to_string(),
        hint: "save /metrics before and after the benchmark and pass both files, with the seconds between them, to the window reader (prometheus::window)".to_string(),
    })
}

/// Parses the text exposition format: `# HELP` and `# TYPE` comments, and sample lines
/// `name{label="value",...} value [timestamp_ms]`.
pub fn parse_snapshot(path: &Path, bytes: &[u8]) -> Result<Snapshot, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|error| IngestError::Syntax {
        path: path.to_path_buf(),
        format: FORMAT,
        line: bytes[..error.valid_up_to()]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
            + 1,
        column: 1,
        message: "the file is not UTF-8 text".to_string(),
    })?;

    let mut samples = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let sample = parse_sample_line(line, index + 1).map_err(|(column, message)| {
            IngestError::Syntax {
                path: path.to_path_buf(),
                format: FORMAT,
                line: index + 1,
                column,
                message,
            }
        })?;
        samples.push(sample);
    }
    Ok(Snapshot {
        path: path.to_path_buf(),
        samples,
    })
}

/// Parses one sample line; an error carries the column (from 1) and a message.
fn parse_sample_line(line: &str, line_number: usize) -> Result<Sample, (usize, String)> {
    let name_end = line
        .find(|character: char| character == '{' || character.is_whitespace())
        .ok_or((
            line.len() + 1,
            "expected a value after the metric name".to_string(),
        ))?;
    let name = &line[..name_end];
    if name.is_empty() {
        return Err((1, "expected a metric name".to_string()));
    }

    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if rest.starts_with('{') {
        let (parsed, consumed) =
            parse_labels(rest).map_err(|(offset, message)| (name_end + offset + 1, message))?;
        labels = parsed;
        rest = &rest[consumed..];
    }

    let value_column = line.len() - rest.trim_start().len() + 1;
    let mut fields = rest.split_whitespace();
    let value_text = fields
        .next()
        .ok_or((value_column, "expected a sample value".to_string()))?;
    let value = parse_float(value_text)
        .ok_or((value_column, format!("invalid sample value `{value_text}`")))?;
    let timestamp_ms = match fields.next() {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| (value_column, format!("invalid timestamp `{text}`")))?,
        ),
        None => None,
    };
    if let Some(extra) = fields.next() {
        return Err((
            value_column,
            format!("unexpected text `{extra}` after the timestamp"),
        ));
    }

    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
        timestamp_ms,
        line: line_number,
    })
}

/// Parses `{key="value",...}` at the start of `text`. Returns the labels and the bytes consumed,
/// or a byte offset into `text` and a message.
fn parse_labels(text: &str) -> Result<(Labels, usize), (usize, String)> {
    let bytes = text.as_bytes();
    let mut labels = Vec::new();
    let mut position = 1;

    loop {
        while position < bytes.len() && bytes[position] == b' ' {
            position += 1;
        }
        if position >= bytes.len() {
            return Err((position, "unterminated label set, expected `}`".to_string()));
        }
        if bytes[position] == b'}' {
            return Ok((labels, position + 1));
        }

        let key_start = position;
        while position < bytes.len() && bytes[position] != b'=' && bytes[position] != b'}' {
            position += 1;
        }
        if position >= bytes.len() || bytes[position] != b'=' {
            return Err((key_start, "expected `=` after a label name".to_string()));
        }
        let key = text[key_start..position].trim().to_string();
        position += 1;
        if position >= bytes.len() || bytes[position] != b'"' {
            return Err((position, "expected `\"` to open a label value".to_string()));
        }
        position += 1;

        let mut value = String::new();
        let mut closed = false;
        let mut characters = text[position..].char_indices();
        while let Some((offset, character)) = characters.next() {
            match character {
                '"' => {
                    position += offset + 1;
                    closed = true;
                    break;
                }
                '\\' => match characters.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped)) => value.push(escaped),
                    None => break,
                },
                other => value.push(other),
            }
        }
        if !closed {
            return Err((position, "unterminated label value".to_string()));
        }
        labels.push((key, value));

        if position < bytes.len() && bytes[position] == b',' {
            position += 1;
        }
    }
}

/// Parses a sample value, including the exposition spellings `+Inf`, `-Inf` and `NaN`.
fn parse_float(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok(),
    }
}

/// Reads two saved `/metrics` pages and measures the benchmark that ran between them.
///
/// `duration_s` is the time between the two snapshots. The text format carries no time unless
/// the sample lines have timestamps, so without `duration_s` the timestamps of the
/// `vllm:e2e_request_latency_seconds_count` series are used, and their absence is an error.
pub fn window(
    before: &Path,
    after: &Path,
    duration_s: Option<f64>,
) -> Result<MetricsWindow, IngestError> {
    let before = parse_snapshot(before, &super::read_file_bytes(before)?)?;
    let after = parse_snapshot(after, &super::read_file_bytes(after)?)?;
    window_between(&before, &after, duration_s)
}

/// Measures the benchmark between two parsed snapshots; see [`window`].
pub fn window_between(
    before: &Snapshot,
    after: &Snapshot,
    duration_s: Option<f64>,
) -> Result<MetricsWindow, IngestError> {
    let differences = Differences { before, after };
    let path = after.path.as_path();
    let location = "window between the snapshots";

    let count_name = format!("{E2E_LATENCY}_count");
    let completed = differences
        .total(&count_name)?
        .ok_or_else(|| IngestError::MissingField {
            path: path.to_path_buf(),
            location: location.to_string(),
            field: count_name.clone(),
            hint: "the page has no vLLM request-latency histogram; save the /metrics page of a vLLM server (V1 engine)".to_string(),
        })?;
    if completed <= 0.0 {
        return Err(invalid(
            path,
            location,
            &count_name,
            completed,
            "no request finished between the snapshots; take the second snapshot after the benchmark",
        ));
    }
    let latency_sum_s = differences
        .total(&format!("{E2E_LATENCY}_sum"))?
        .unwrap_or(0.0);
    let latency_s = checks::positive(
        path,
        location,
        &format!("{E2E_LATENCY}_sum"),
        latency_sum_s / completed,
    )?;

    let duration_s = window_duration_s(before, after, &count_name, duration_s)?;
    let rate_per_s = checks::positive(path, location, "rate", completed / duration_s)?;

    let histogram_mean = |base: &str| -> Result<Option<f64>, IngestError> {
        let count = differences.total(&format!("{base}_count"))?;
        let sum = differences.total(&format!("{base}_sum"))?;
        Ok(match (sum, count) {
            (Some(sum), Some(count)) if count > 0.0 => Some(sum / count),
            _ => None,
        })
    };
    // vLLM renamed the per-token histogram; older servers export only the first name.
    let itl_s = match histogram_mean("vllm:inter_token_latency_seconds")? {
        Some(value) => Some(value),
        None => histogram_mean("vllm:time_per_output_token_seconds")?,
    };

    let gauge_after = |name: &str| -> Option<f64> {
        let values: Vec<f64> = after
            .samples
            .iter()
            .filter(|sample| sample.name == name)
            .map(|sample| sample.value)
            .collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    let requests_in_flight_after = match (
        gauge_after("vllm:num_requests_running"),
        gauge_after("vllm:num_requests_waiting"),
    ) {
        (None, None) => None,
        (running, waiting) => Some(running.unwrap_or(0.0) + waiting.unwrap_or(0.0)),
    };

    let measurement = Measurement {
        index: 0,
        strategy: Strategy::Unknown,
        strategy_inferred: false,
        target_rate_per_s: None,
        target_concurrency: None,
        rate_per_s,
        latency_s,
        latency_std_s: None,
        latency_percentiles: LatencyPercentiles::default(),
        concurrency: None,
        ttft_s: histogram_mean("vllm:time_to_first_token_seconds")?,
        itl_s,
        tpot_s: histogram_mean("vllm:request_time_per_output_token_seconds")?,
        prompt_tokens: histogram_mean("vllm:request_prompt_tokens")?,
        output_tokens: histogram_mean("vllm:request_generation_tokens")?,
        requests_successful: Some(completed.round() as u64),
        requests_errored: None,
        requests_incomplete: None,
        acceptance: acceptance(&differences)?,
    };
    Ok(MetricsWindow {
        measurement,
        duration_s,
        requests_in_flight_after,
    })
}

fn window_duration_s(
    before: &Snapshot,
    after: &Snapshot,
    count_name: &str,
    duration_s: Option<f64>,
) -> Result<f64, IngestError> {
    let path = after.path.as_path();
    if let Some(duration_s) = duration_s {
        return checks::positive(path, "window", "duration_s", duration_s);
    }

    let latest_timestamp = |snapshot: &Snapshot| {
        snapshot
            .samples
            .iter()
            .filter(|sample| sample.name == count_name)
            .filter_map(|sample| sample.timestamp_ms)
            .max()
    };
    match (latest_timestamp(before), latest_timestamp(after)) {
        (Some(start_ms), Some(end_ms)) => {
            let seconds = end_ms.saturating_sub(start_ms) as f64 / 1000.0;
            checks::positive(path, "sample timestamps", "duration_s", seconds)
        }
        _ => Err(IngestError::MissingField {
            path: path.to_path_buf(),
            location: "window between the snapshots".to_string(),
            field: "duration_s".to_string(),
            hint: "the /metrics text has no timestamps, so the window length cannot be read from it; pass the seconds between the two snapshots (the benchmark's duration)".to_string(),
        }),
    }
}

fn acceptance(differences: &Differences) -> Result<Option<AcceptanceCounters>, IngestError> {
    let path = differences.after.path.as_path();
    let location = "window between the snapshots";

    let num_drafts = differences.total("vllm:spec_decode_num_drafts_total")?;
    let num_draft_tokens = differences.total("vllm:spec_decode_num_draft_tokens_total")?;
    let num_accepted_tokens = differences.total("vllm:spec_decode_num_accepted_tokens_total")?;
    let drafts = match num_drafts {
        Some(drafts) if drafts > 0.0 => drafts,
        // No speculative decoding, or no draft inside the window.
        _ => return Ok(None),
    };

    if let (Some(accepted), Some(proposed)) = (num_accepted_tokens, num_draft_tokens)
        && accepted > proposed
    {
        return Err(invalid(
            path,
            location,
            "vllm:spec_decode_num_accepted_tokens_total",
            accepted,
            &format!("more tokens accepted than the {proposed} drafted"),
        ));
    }

    let per_position_name = "vllm:spec_decode_num_accepted_tokens_per_pos_total";
    let by_position = differences.total_by_label(per_position_name, "position")?;
    let mut per_position = Vec::with_capacity(by_position.len());
    for (expected, (position, accepted)) in by_position.into_iter().enumerate() {
        if position != expected {
            return Err(invalid(
                path,
                location,
                per_position_name,
                format!("position {expected}"),
                "the per-position series must cover positions 0, 1, 2, ... without gaps",
            ));
        }
        per_position.push(accepted / drafts);
    }
    let per_position_acceptance =
        checks::fractions(path, location, per_position_name, per_position)?;

    Ok(Some(AcceptanceCounters {
        acceptance_length: num_accepted_tokens.map(|accepted| 1.0 + accepted / drafts),
        num_drafts,
        num_draft_tokens,
        num_accepted_tokens,
        per_position_acceptance,
    }))
}

/// Counter differences between two snapshots, series by series.
struct Differences<'a> {
    before: &'a Snapshot,
    after: &'a Snapshot,
}

impl<'a> Differences<'a> {
    /// Sum over all series of `name` of (after − before). Returns `None` when neither snapshot
    /// has the metric. A series missing from the earlier snapshot counts from 0, because the
    /// Prometheus client creates a labelled series on first use.
    fn total(&self, name: &str) -> Result<Option<f64>, IngestError> {
        let series = self.series_differences(name)?;
        Ok((!series.is_empty()).then(|| series.iter().map(|(_, delta)| delta).sum()))
    }

    /// Like [`Self::total`], grouped by the integer value of label `key`, in ascending order.
    fn total_by_label(&self, name: &str, key: &str) -> Result<BTreeMap<usize, f64>, IngestError> {
        let mut groups = BTreeMap::new();
        for (sample, delta) in self.series_differences(name)? {
            let text = sample.label(key).unwrap_or("");
            let group: usize = text.parse().map_err(|_| {
                invalid(
                    &self.after.path,
                    &format!("line {}", sample.line),
                    &format!("{name}{{{key}}}"),
                    format!("{text:?}"),
                    "the label must be a draft position 0, 1, 2, ...",
                )
            })?;
            *groups.entry(group).or_insert(0.0) += delta;
        }
        Ok(groups)
    }

    fn series_differences(&self, name: &str) -> Result<Vec<(&'a Sample, f64)>, IngestError> {
        let before = samples_named(self.before, name);
        let after = samples_named(self.after, name);

        for sample in &before {
            if !after.iter().any(|later| later.labels == sample.labels) {
                return Err(self.restart_error(sample, "is missing from the later snapshot"));
            }
        }

        let mut differences = Vec::with_capacity(after.len());
        for sample in after {
            let location = format!("line {}", sample.line);
            checks::non_negative(&self.after.path, &location, name, sample.value)?;
            let earlier = before
                .iter()
                .find(|earlier| earlier.labels == sample.labels)
                .map_or(0.0, |earlier| earlier.value);
            checks::non_negative(&self.before.path, &location, name, earlier)?;
            if sample.value < earlier {
                return Err(self.restart_error(
                    sample,
                    &format!("went down from {earlier} to {}", sample.value),
                ));
            }
            differences.push((sample, sample.value - earlier));
        }
        Ok(differences)
    }

    fn restart_error(&self, sample: &Sample, change: &str) -> IngestError {
        let labels: Vec<String> = sample
            .labels
            .iter()
            .map(|(key, value)| format!("{key}={value:?}"))
            .collect();
        IngestError::InvalidValue {
            path: self.after.path.clone(),
            location: format!("line {}", sample.line),
            field: format!("{}{{{}}}", sample.name, labels.join(",")),
            value: sample.value.to_string(),
            problem: format!("the counter {change}, so the server restarted between the snapshots"),
            hint: "counters reset when vLLM restarts; take both snapshots within one server run and rerun the benchmark".to_string(),
        }
    }
}

fn samples_named<'s>(snapshot: &'s Snapshot, name: &str) -> Vec<&'s Sample> {
    snapshot
        .samples
        .iter()
        .filter(|sample| sample.name == name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/prometheus_before_handwritten.txt"
    );
    const AFTER: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/prometheus_after_handwritten.txt"
    );

    fn assert_close(got: f64, expected: f64) {
        assert!(
            (got - expected).abs() < 1e-9,
            "got {got}, expected {expected}"
        );
    }

    fn snapshot(name: &str, text: &str) -> Snapshot {
        parse_snapshot(Path::new(name), text.as_bytes()).expect("snapshot parses")
    }

    fn window_error(before: &str, after: &str, duration_s: Option<f64>) -> String {
        let before = snapshot("before.txt", before);
        let after = snapshot("after.txt", after);
        match window_between(&before, &after, duration_s) {
            Ok(window) => panic!("expected an error, got {window:?}"),
            Err(error) => error.to_string(),
        }
    }

    const MINIMAL_BEFORE: &str = "vllm:e2e_request_latency_seconds_sum{engine=\"0\"} 10.0\n\
                                  vllm:e2e_request_latency_seconds_count{engine=\"0\"} 10.0\n";
    const MINIMAL_AFTER: &str = "vllm:e2e_request_latency_seconds_sum{engine=\"0\"} 30.0\n\
                                 vllm:e2e_request_latency_seconds_count{engine=\"0\"} 20.0\n";

    #[test]
    fn fixture_window_means() {
        let window = window(Path::new(BEFORE), Path::new(AFTER), Some(100.0)).unwrap();
        let measurement = &window.measurement;
        assert_close(window.duration_s, 100.0);
        assert_close(measurement.latency_s, 1.5);
        assert_close(measurement.rate_per_s, 4.0);
        assert_close(measurement.ttft_s.unwrap(), 0.05);
        assert_close(measurement.itl_s.unwrap(), 0.02);
        assert_close(measurement.prompt_tokens.unwrap(), 256.0);
        assert_close(measurement.output_tokens.unwrap(), 128.0);
        assert_eq!(measurement.requests_successful, Some(400));
        assert_eq!(measurement.concurrency, None);
        assert_eq!(window.requests_in_flight_after, Some(9.0));
    }

    #[test]
    fn fixture_window_acceptance() {
        let window = window(Path::new(BEFORE), Path::new(AFTER), Some(100.0)).unwrap();
        let counters = window.measurement.acceptance.unwrap();
        assert_eq!(counters.num_drafts, Some(10_000.0));
        assert_eq!(counters.num_draft_tokens, Some(30_000.0));
        assert_eq!(counters.num_accepted_tokens, Some(18_000.0));
        assert_close(counters.acceptance_length.unwrap(), 2.8);
        assert_eq!(counters.per_position_acceptance.len(), 3);
        assert_close(counters.per_position_acceptance[0], 0.75);
        assert_close(counters.per_position_acceptance[1], 0.6);
        assert_close(counters.per_position_acceptance[2], 0.45);
    }

    #[test]
    fn fixture_sniffed_and_single_rejected() {
        let bytes = std::fs::read(AFTER).unwrap();
        assert!(sniff(&bytes));
        let message = parse(Path::new(AFTER), &bytes).unwrap_err().to_string();
        assert!(
            message.contains("prometheus_after_handwritten.txt"),
            "{message}"
        );
        assert!(message.contains("before and after"), "{message}");
        assert!(!sniff(b"{\"request_throughput\": 1}"));
    }

    #[test]
    fn labels_and_values_parsed() {
        let text = "# HELP x help text\n# TYPE x counter\n\
                    x_total{a=\"1\",b=\"q\\\"uote\",} 2.5e3 1700000000000\n\
                    y +Inf\nz NaN\nw 7\n";
        let parsed = snapshot("labels.txt", text);
        assert_eq!(parsed.samples.len(), 4);
        let first = &parsed.samples[0];
        assert_eq!(first.name, "x_total");
        assert_eq!(
            first.labels,
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "q\"uote".to_string())
            ]
        );
        assert_eq!(first.value, 2500.0);
        assert_eq!(first.timestamp_ms, Some(1_700_000_000_000));
        assert_eq!(first.line, 3);
        assert_eq!(parsed.samples[1].value, f64::INFINITY);
        assert!(parsed.samples[2].value.is_nan());
        assert_eq!(parsed.samples[3].labels, vec![]);
    }

    #[test]
    fn broken_line_names_line_and_column() {
        let text = "a 1\nb{engine=\"0\" 2\n";
        let error = parse_snapshot(Path::new("broken.txt"), text.as_bytes()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("broken.txt"), "{message}");
        assert!(message.contains("line 2"), "{message}");

        let error = parse_snapshot(Path::new("value.txt"), b"a{b=\"c\"} one\n").unwrap_err();
        assert!(
            error.to_string().contains("invalid sample value `one`"),
            "{error}"
        );
    }

    #[test]
    fn timestamps_give_duration() {
        let before = MINIMAL_BEFORE.replace(
            "_count{engine=\"0\"} 10.0",
            "_count{engine=\"0\"} 10.0 1000000",
        );
        let after = MINIMAL_AFTER.replace(
            "_count{engine=\"0\"} 20.0",
            "_count{engine=\"0\"} 20.0 1005000",
        );
        let window = window_between(
            &snapshot("before.txt", &before),
            &snapshot("after.txt", &after),
            None,
        )
        .unwrap();
        assert_close(window.duration_s, 5.0);
        assert_close(window.measurement.rate_per_s, 2.0);
        assert_close(window.measurement.latency_s, 2.0);
        assert_eq!(window.measurement.acceptance, None);
    }

    #[test]
    fn missing_duration_has_hint() {
        let message = window_error(MINIMAL_BEFORE, MINIMAL_AFTER, None);
        assert!(message.contains("after.txt"), "{message}");
        assert!(message.contains("`duration_s`"), "{message}");
        assert!(message.contains("no timestamps"), "{message}");
    }

    #[test]
    fn decreasing_counter_is_restart() {
        let message = window_error(MINIMAL_AFTER, MINIMAL_BEFORE, Some(10.0));
        assert!(message.contains("after.txt"), "{message}");
        assert!(
            message.contains("vllm:e2e_request_latency_seconds"),
            "{message}"
        );
        assert!(message.contains("restarted"), "{message}");
    }

    #[test]
    fn vanished_series_is_restart() {
        let before =
            format!("{MINIMAL_BEFORE}vllm:spec_decode_num_drafts_total{{engine=\"1\"}} 5\n");
        let message = window_error(&before, MINIMAL_AFTER, Some(10.0));
        assert!(
            message.contains("vllm:spec_decode_num_drafts_total"),
            "{message}"
        );
        assert!(message.contains("restarted"), "{message}");
    }

    #[test]
    fn no_finished_request_rejected() {
        let message = window_error(MINIMAL_BEFORE, MINIMAL_BEFORE, Some(10.0));
        assert!(message.contains("no request finished"), "{message}");
    }

    #[test]
    fn nan_counter_rejected() {
        let after = MINIMAL_AFTER.replace("_sum{engine=\"0\"} 30.0", "_sum{engine=\"0\"} NaN");
        let message = window_error(MINIMAL_BEFORE, &after, Some(10.0));
        assert!(message.contains("after.txt"), "{message}");
        assert!(
            message.contains("vllm:e2e_request_latency_seconds_sum"),
            "{message}"
        );
    }

    #[test]
    fn bad_duration_rejected() {
        let message = window_error(MINIMAL_BEFORE, MINIMAL_AFTER, Some(-3.0));
        assert!(message.contains("`duration_s`"), "{message}");
    }

    #[test]
    fn accepted_above_drafted_rejected() {
        let after = format!(
            "{MINIMAL_AFTER}vllm:spec_decode_num_drafts_total 10\n\
             vllm:spec_decode_num_draft_tokens_total 30\n\
             vllm:spec_decode_num_accepted_tokens_total 40\n"
        );
        let message = window_error(MINIMAL_BEFORE, &after, Some(10.0));
        assert!(
            message.contains("vllm:spec_decode_num_accepted_tokens_total"),
            "{message}"
        );
    }

    #[test]
    fn position_gap_rejected() {
        let after = format!(
            "{MINIMAL_AFTER}vllm:spec_decode_num_drafts_total 10\n\
             vllm:spec_decode_num_accepted_tokens_per_pos_total{{position=\"0\"}} 8\n\
             vllm:spec_decode_num_accepted_tokens_per_pos_total{{position=\"2\"}} 3\n"
        );
        let message = window_error(MINIMAL_BEFORE, &after, Some(10.0));
        assert!(message.contains("without gaps"), "{message}");
    }
}
