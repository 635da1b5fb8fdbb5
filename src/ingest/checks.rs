//! Value checks shared by the parsers, so that every format rejects NaN, infinite and negative
//! numbers with the same message shape.

use std::path::Path;

use super::IngestError;

/// Hint for a value that no benchmark tool writes.
pub(crate) const REPAIR_HINT: &str =
    "the file may be hand-edited or corrupted; repair the value or rerun the benchmark";

/// Builds an [`IngestError::InvalidValue`] with the repair hint.
pub(crate) fn invalid(
    path: &Path,
    location: &str,
    field: &str,
    value: impl std::fmt::Display,
    problem: &str,
) -> IngestError {
    IngestError::InvalidValue {
        path: path.to_path_buf(),
        location: location.to_string(),
        field: field.to_string(),
        value: value.to_string(),
        problem: problem.to_string(),
        hint: REPAIR_HINT.to_string(),
    }
}

/// Returns `value` if it is finite and 0 or more.
pub(crate) fn non_negative(
    path: &Path,
    location: &str,
    field: &str,
    value: f64,
) -> Result<f64, IngestError> {
    if !value.is_finite() {
        return Err(invalid(
            path,
            location,
            field,
            value,
            "it must be a finite number",
        ));
    }
    if value < 0.0 {
        return Err(invalid(
            path,
            location,
            field,
            value,
            "it must not be negative",
        ));
    }
    Ok(value)
}

/// Returns `value` if it is finite and above 0.
pub(crate) fn positive(
    path: &Path,
    location: &str,
    field: &str,
    value: f64,
) -> Result<f64, IngestError> {
    non_negative(path, location, field, value)?;
    if value == 0.0 {
        return Err(invalid(path, location, field, value, "it must be above 0"));
    }
    Ok(value)
}

/// Returns `value` as a count if it is a non-negative whole number.
pub(crate) fn count(
    path: &Path,
    location: &str,
    field: &str,
    value: f64,
) -> Result<u64, IngestError> {
    non_negative(path, location, field, value)?;
    if value.fract() != 0.0 || value > u64::MAX as f64 {
        return Err(invalid(
            path,
            location,
            field,
            value,
            "it must be a whole number",
        ));
    }
    Ok(value as u64)
}

/// Returns per-position acceptance rates if each is a finite fraction in [0, 1].
pub(crate) fn fractions(
    path: &Path,
    location: &str,
    field: &str,
    values: Vec<f64>,
) -> Result<Vec<f64>, IngestError> {
    for (position, &value) in values.iter().enumerate() {
        if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
            return Err(invalid(
                path,
                location,
                &format!("{field}[{position}]"),
                value,
                "it must be a fraction in [0, 1]",
            ));
        }
    }
    Ok(values)
}

/// Returns an acceptance length if it is finite and at least 1 (it counts the bonus token).
pub(crate) fn acceptance_length(
    path: &Path,
    location: &str,
    field: &str,
    value: f64,
) -> Result<f64, IngestError> {
    if !(value.is_finite() && value >= 1.0) {
        return Err(invalid(
            path,
            location,
            field,
            value,
            "an acceptance length counts the bonus token, so it must be at least 1",
        ));
    }
    Ok(value)
}

/// Removes the " at line L column C" that serde_json and serde_yaml append to their messages,
/// because [`IngestError`] shows the position in its own words.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => message.to_string(),
    }
}

/// Rewords a serde_json error for a file: without the appended position, and with "EOF" spelt
/// out as the end of the file.
pub(crate) fn json_error_message(error: &serde_json::Error) -> String {
    let message = strip_position(&error.to_string());
    match message.strip_prefix("EOF while") {
        Some(rest) => format!("the file ends while{rest}; it may be truncated"),
        None => message,
    }
}
