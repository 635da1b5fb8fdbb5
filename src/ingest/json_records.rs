//! Reading benchmark-client result files that hold one JSON object per run: a single object,
//! possibly pretty-printed, or JSON Lines with one object per line. The vLLM and SGLang
//! parsers share this code.
//!
//! Python's `json` module writes `NaN`, `Infinity` and `-Infinity` for non-finite floats, which
//! is not JSON. Those tokens are rewritten to strings before parsing, so that a field holding one
//! is reported by name instead of as a syntax error.

use std::path::Path;

use serde_json::{Map, Value};

use super::checks::{self, invalid};
use super::{IngestError, Strategy};

/// One result object with the line of the file it starts on (from 1).
#[derive(Debug)]
pub(crate) struct JsonRecord {
    pub line: usize,
    pub object: Map<String, Value>,
}

/// Splits `bytes` into result objects, in file order.
///
/// The file is read as a sequence of JSON values, which covers one object, pretty-printed or
/// not, and JSON Lines. When that fails on a file whose first line is a whole object, the file
/// is JSON Lines and is read again line by line, so that the error names the broken record.
pub(crate) fn read_records(
    path: &Path,
    bytes: &[u8],
    format: &'static str,
) -> Result<Vec<JsonRecord>, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        IngestError::Syntax {
            path: path.to_path_buf(),
            format,
            line: before.iter().filter(|&&byte| byte == b'\n').count() + 1,
            column: before
                .iter()
                .rev()
                .take_while(|&&byte| byte != b'\n')
                .count()
                + 1,
            message: "the file is not UTF-8 text".to_string(),
        }
    })?;

    let text = quote_non_finite(text);
    let records = match read_stream(path, format, &text) {
        Ok(records) => records,
        Err(stream_error) => {
            // In JSON Lines a cut-off record runs into the next line, where the stream reports
            // the error. Reading line by line names the broken line instead.
            let first_line = text.lines().find(|line| !line.trim().is_empty());
            let is_json_lines = first_line
                .is_some_and(|line| serde_json::from_str::<Map<String, Value>>(line).is_ok());
            if !is_json_lines {
                return Err(stream_error);
            }
            read_lines(path, format, &text)?
        }
    };
    if records.is_empty() {
        return Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: "the file is empty".to_string(),
            hint: "rerun the benchmark; the client writes one JSON object per run".to_string(),
        });
    }
    Ok(records)
}

/// Reads consecutive JSON values, so that one object, pretty-printed or not, and JSON Lines
/// alike parse, with positions counted in the whole file.
fn read_stream(
    path: &Path,
    format: &'static str,
    text: &str,
) -> Result<Vec<JsonRecord>, IngestError> {
    let mut records = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut end = 0;
    let mut line = 1;
    while let Some(next) = stream.next() {
        let value = next.map_err(|error| syntax_error(path, format, &error))?;

        // Lines are counted from the end of the previous record, so that a file of many
        // records is scanned once.
        let rest = &text[end..];
        let start = end + rest.len() - rest.trim_start().len();
        line += text[end..start]
            .bytes()
            .filter(|&byte| byte == b'\n')
            .count();
        records.push(into_record(path, value, line)?);

        end = stream.byte_offset();
        line += text[start..end]
            .bytes()
            .filter(|&byte| byte == b'\n')
            .count();
    }
    Ok(records)
}

/// Reads one JSON value per non-blank line.
fn read_lines(
    path: &Path,
    format: &'static str,
    text: &str,
) -> Result<Vec<JsonRecord>, IngestError> {
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|error| {
            let mut error = syntax_error(path, format, &error);
            if let IngestError::Syntax { line, .. } = &mut error {
                *line = index + 1;
            }
            error
        })?;
        records.push(into_record(path, value, index + 1)?);
    }
    Ok(records)
}

/// Builds the error for invalid JSON text.
pub(crate) fn syntax_error(
    path: &Path,
    format: &'static str,
    error: &serde_json::Error,
) -> IngestError {
    IngestError::Syntax {
        path: path.to_path_buf(),
        format,
        line: error.line(),
        // serde_json gives column 0 for an end of file just after a newline; columns count
        // from 1 everywhere else.
        column: error.column().max(1),
        message: checks::json_error_message(error),
    }
}

fn into_record(path: &Path, value: Value, line: usize) -> Result<JsonRecord, IngestError> {
    match value {
        Value::Object(object) => Ok(JsonRecord { line, object }),
        other => Err(IngestError::UnknownFormat {
            path: path.to_path_buf(),
            problem: format!(
                "line {line} holds a JSON {}, not an object",
                json_type_name(&other)
            ),
            hint: "each run must be one JSON object; check that this is a benchmark result file"
                .to_string(),
        }),
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Rewrites the bare tokens `NaN`, `Infinity` and `-Infinity` outside strings into quoted
/// strings. Text without them is returned unchanged; column numbers in later syntax errors shift
/// by two per rewritten token before them.
fn quote_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("NaN") && !text.contains("Infinity") {
        return std::borrow::Cow::Borrowed(text);
    }

    let mut output = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(character) = rest.chars().next() {
        if in_string {
            output.push(character);
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == '"' {
                in_string = false;
            }
            rest = &rest[character.len_utf8()..];
            continue;
        }

        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|token| rest.starts_with(token));
        if let Some(token) = token {
            output.push('"');
            output.push_str(token);
            output.push('"');
            rest = &rest[token.len()..];
            continue;
        }

        if character == '"' {
            in_string = true;
        }
        output.push(character);
        rest = &rest[character.len_utf8()..];
    }
    std::borrow::Cow::Owned(output)
}

impl JsonRecord {
    /// Location text for errors: the line the record starts on.
    pub fn location(&self) -> String {
        format!("record at line {}", self.line)
    }

    /// Reads a number field as it is, non-finite values included. Absent and `null` give
    /// `None`; the strings `"inf"`, `"Infinity"`, `"-Infinity"` and `"NaN"` give the float.
    pub fn raw_number(&self, path: &Path, field: &str) -> Result<Option<f64>, IngestError> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => Ok(number.as_f64()),
            Some(Value::String(text)) => match text.as_str() {
                "inf" | "Infinity" => Ok(Some(f64::INFINITY)),
                "-inf" | "-Infinity" => Ok(Some(f64::NEG_INFINITY)),
                "nan" | "NaN" => Ok(Some(f64::NAN)),
                _ => Err(invalid(
                    path,
                    &self.location(),
                    field,
                    format!("{text:?}"),
                    "it must be a number",
                )),
            },
            Some(other) => Err(invalid(
                path,
                &self.location(),
                field,
                other,
                "it must be a number",
            )),
        }
    }

    /// Reads an optional statistic: finite and non-negative when present. `NaN`, which Python
    /// clients write for a statistic over no values (such as the ITL of one-token outputs),
    /// counts as absent.
    pub fn optional(&self, path: &Path, field: &str) -> Result<Option<f64>, IngestError> {
        match self.raw_number(path, field)? {
            None => Ok(None),
            Some(value) if value.is_nan() => Ok(None),
            Some(value) => checks::non_negative(path, &self.location(), field, value).map(Some),
        }
    }

    /// Reads a field that the measurement cannot do without: present, finite and above 0.
    pub fn required_positive(
        &self,
        path: &Path,
        field: &str,
        hint: &str,
    ) -> Result<f64, IngestError> {
        match self.raw_number(path, field)? {
            None => Err(IngestError::MissingField {
                path: path.to_path_buf(),
                location: self.location(),
                field: field.to_string(),
                hint: hint.to_string(),
            }),
            Some(value) => checks::positive(path, &self.location(), field, value),
        }
    }

    /// Reads a count such as `completed`: a non-negative whole number when present.
    pub fn count(&self, path: &Path, field: &str) -> Result<Option<u64>, IngestError> {
        match self.raw_number(path, field)? {
            None => Ok(None),
            Some(value) => checks::count(path, &self.location(), field, value).map(Some),
        }
    }

    /// Reads a requested rate: a positive number, or infinity for "send all at once".
    pub fn request_rate(&self, path: &Path, field: &str) -> Result<Option<f64>, IngestError> {
        match self.raw_number(path, field)? {
            None => Ok(None),
            Some(value) if value == f64::INFINITY => Ok(Some(value)),
            Some(value) => checks::positive(path, &self.location(), field, value).map(Some),
        }
    }

    /// Reads a list of numbers; absent or `null` gives `None`.
    pub fn number_list(&self, path: &Path, field: &str) -> Result<Option<Vec<f64>>, IngestError> {
        let items = match self.object.get(field) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(invalid(
                    path,
                    &self.location(),
                    field,
                    json_type_name(other),
                    "it must be a list of numbers",
                ));
            }
        };

        let mut values = Vec::with_capacity(items.len());
        for (position, item) in items.iter().enumerate() {
            // Anything but a number, `NaN` included, fails the check below.
            let value = item.as_f64().unwrap_or(f64::NAN);
            let name = format!("{field}[{position}]");
            values.push(checks::non_negative(path, &self.location(), &name, value)?);
        }
        Ok(Some(values))
    }

    /// Mean of `total` over `completed` requests, for per-request token counts.
    pub fn per_request_mean(
        &self,
        path: &Path,
        total_field: &str,
        completed: Option<u64>,
    ) -> Result<Option<f64>, IngestError> {
        let total = self.optional(path, total_field)?;
        Ok(match (total, completed) {
            (Some(total), Some(completed)) if completed > 0 => Some(total / completed as f64),
            _ => None,
        })
    }
}

/// The load strategy of one run and the targets the client was given.
pub(crate) struct LoadTargets {
    pub strategy: Strategy,
    pub target_rate_per_s: Option<f64>,
    pub target_concurrency: Option<f64>,
}

/// Derives the load strategy and its targets from the client's `request_rate`, `burstiness` and
/// `max_concurrency` arguments.
///
/// - infinite rate with a concurrency cap: a closed loop, [`Strategy::Concurrent`];
/// - infinite rate without a cap: every request sent at once, [`Strategy::Throughput`];
/// - finite rate: open loop. Both clients draw gamma-distributed gaps with shape `burstiness`,
///   which is a Poisson process at 1 (and when the field is absent, because older clients only
///   had Poisson arrivals). Other shapes have no [`Strategy`] of their own and map to
///   [`Strategy::Unknown`]. A cap given with a finite rate is kept as `target_concurrency`,
///   because it bounds the requests in flight, but the loop stays open.
pub(crate) fn load_targets(
    request_rate: Option<f64>,
    burstiness: Option<f64>,
    max_concurrency: Option<u64>,
) -> LoadTargets {
    let target_concurrency = max_concurrency.map(|cap| cap as f64);
    let strategy = match request_rate {
        None => Strategy::Unknown,
        Some(rate) if rate.is_infinite() => {
            if max_concurrency.is_some() {
                Strategy::Concurrent
            } else {
                Strategy::Throughput
            }
        }
        Some(_) => match burstiness {
            None | Some(1.0) => Strategy::Poisson,
            Some(_) => Strategy::Unknown,
        },
    };
    LoadTargets {
        strategy,
        target_rate_per_s: request_rate.filter(|rate| rate.is_finite()),
        target_concurrency,
    }
}

/// Returns the start of a file, lossily decoded, for cheap format detection.
pub(crate) fn head_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    // Every format's identifying keys sit in its first few kilobytes; scanning more would
    // cost a pass over every large GuideLLM report.
    const HEAD_BYTES: usize = 16 * 1024;
    String::from_utf8_lossy(&bytes[..bytes.len().min(HEAD_BYTES)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_their_first_line() {
        let text = "{\"a\": 1}\n\n{\n  \"b\": 2\n}\n{\"c\": 3}\n";
        let records = read_records(Path::new("r.jsonl"), text.as_bytes(), "JSON").unwrap();
        let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 6]);
    }

    #[test]
    fn object_starting_on_its_first_line() {
        // A pretty-printer that keeps the first key beside the brace.
        let text = "{\"request_throughput\": 3.9,\n \"mean_e2el_ms\": 1045.0}\n";
        let records = read_records(Path::new("r.json"), text.as_bytes(), "JSON").unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].object.len(), 2);
    }

    #[test]
    fn many_records_read_in_linear_time() {
        let text = "{\"a\": 1}\n".repeat(200_000);
        let started = std::time::Instant::now();
        let records = read_records(Path::new("r.jsonl"), text.as_bytes(), "JSON").unwrap();
        assert_eq!(records.len(), 200_000);
        assert_eq!(records[199_999].line, 200_000);
        // A quadratic line count takes minutes here; a linear one well under a second, even
        // in a debug build on a loaded machine.
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }

    #[test]
    fn quote_non_finite_outside_strings() {
        let text = r#"{"a": NaN, "b": -Infinity, "c": "NaN and Infinity", "d": Infinity}"#;
        let quoted = quote_non_finite(text);
        assert_eq!(
            quoted,
            r#"{"a": "NaN", "b": "-Infinity", "c": "NaN and Infinity", "d": "Infinity"}"#
        );
    }

    #[test]
    fn quote_non_finite_respects_escapes() {
        let text = r#"{"a": "x\"NaN", "b": 1}"#;
        assert_eq!(quote_non_finite(text), text);
    }

    #[test]
    fn pretty_object_is_one_record() {
        let text = "\n{\n  \"a\": 1\n}\n";
        let records = read_records(Path::new("x.json"), text.as_bytes(), "JSON").unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].line, 2);
    }

    #[test]
    fn lines_keep_file_line_numbers() {
        let text = "{\"a\": 1}\n\n{\"a\": 2}\n";
        let records = read_records(Path::new("x.jsonl"), text.as_bytes(), "JSON").unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].line, 3);
    }

    #[test]
    fn non_object_line_rejected() {
        let error = read_records(Path::new("x.jsonl"), b"[1, 2]\n", "JSON").unwrap_err();
        assert!(error.to_string().contains("not an object"), "{error}");
    }

    #[test]
    fn non_utf8_rejected_with_line() {
        let error = read_records(Path::new("x.jsonl"), b"{}\n\xff", "JSON").unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn load_targets_rules() {
        let closed = load_targets(Some(f64::INFINITY), Some(1.0), Some(32));
        assert_eq!(closed.strategy, Strategy::Concurrent);
        assert_eq!(closed.target_concurrency, Some(32.0));
        assert_eq!(closed.target_rate_per_s, None);

        let saturating = load_targets(Some(f64::INFINITY), None, None);
        assert_eq!(saturating.strategy, Strategy::Throughput);

        let poisson = load_targets(Some(4.0), Some(1.0), None);
        assert_eq!(poisson.strategy, Strategy::Poisson);
        assert_eq!(poisson.target_rate_per_s, Some(4.0));

        let bursty = load_targets(Some(4.0), Some(0.5), None);
        assert_eq!(bursty.strategy, Strategy::Unknown);

        let capped = load_targets(Some(4.0), None, Some(8));
        assert_eq!(capped.strategy, Strategy::Poisson);
        assert_eq!(capped.target_concurrency, Some(8.0));

        assert_eq!(load_targets(None, None, None).strategy, Strategy::Unknown);
    }
}
