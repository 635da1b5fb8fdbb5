//! Value lists and ranges given on the command line: `4`, `1,2,5` or `start:stop:step`.
//!
//! Ranges step in exact decimal arithmetic, so `0.5:12:0.5` gives exactly 24 values and the
//! last one is 12, not 11.999999. A range of more than [`MAX_GRID_POINTS`] values is rejected.

/// Largest number of values a grid may expand to.
pub const MAX_GRID_POINTS: usize = 1_000_000;

/// A problem with a grid expression: the text, what is wrong, and what to write instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    #[error("invalid value `{text}`: expected a number such as 4 or 0.5")]
    NotANumber { text: String },

    #[error("invalid value `{text}`: {problem}")]
    OutOfRange { text: String, problem: &'static str },

    #[error(
        "invalid range `{text}`: expected START:STOP:STEP with STEP above 0 and STOP at or above START, for example 0.5:12:0.5"
    )]
    BadRange { text: String },

    #[error(
        "range `{text}` expands to {count} values, more than the limit of {MAX_GRID_POINTS}; use a coarser step"
    )]
    TooLarge { text: String, count: u128 },
}

/// A decimal number as an integer mantissa and a count of decimal places.
fn parse_decimal(text: &str) -> Option<(i128, u32)> {
    let text = text.trim();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .chars()
        .chain(fraction.chars())
        .all(|c| c.is_ascii_digit())
        || fraction.len() > 12
    {
        return None;
    }
    let places = fraction.len() as u32;
    let mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
    Some((sign * mantissa, places))
}

/// Parses a non-negative finite number.
fn parse_value(text: &str) -> Result<f64, GridError> {
    let value: f64 = text.trim().parse().map_err(|_| GridError::NotANumber {
        text: text.to_string(),
    })?;
    if !value.is_finite() {
        return Err(GridError::OutOfRange {
            text: text.to_string(),
            problem: "it must be finite",
        });
    }
    if value < 0.0 {
        return Err(GridError::OutOfRange {
            text: text.to_string(),
            problem: "it must not be negative",
        });
    }
    Ok(value)
}

/// Expands a grid expression into its non-negative values, in the order given.
pub fn parse_grid(text: &str) -> Result<Vec<f64>, GridError> {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [start, stop, step] => expand_range(text, start, stop, step),
        [_] => text.split(',').map(parse_value).collect(),
        _ => Err(GridError::BadRange {
            text: text.to_string(),
        }),
    }
}

fn expand_range(text: &str, start: &str, stop: &str, step: &str) -> Result<Vec<f64>, GridError> {
    let bad = || GridError::BadRange {
        text: text.to_string(),
    };
    for part in [start, stop, step] {
        parse_value(part)?;
    }
    let (a, pa) = parse_decimal(start).ok_or_else(bad)?;
    let (b, pb) = parse_decimal(stop).ok_or_else(bad)?;
    let (s, ps) = parse_decimal(step).ok_or_else(bad)?;
    let places = pa.max(pb).max(ps);
    let scale = |m: i128, p: u32| m * 10_i128.pow(places - p);
    let (a, b, s) = (scale(a, pa), scale(b, pb), scale(s, ps));
    if s <= 0 || b < a {
        return Err(bad());
    }
    let count = ((b - a) / s) as u128 + 1;
    if count > MAX_GRID_POINTS as u128 {
        return Err(GridError::TooLarge {
            text: text.to_string(),
            count,
        });
    }
    let divisor = 10_f64.powi(places as i32);
    Ok((0..count as i128)
        .map(|i| (a + i * s) as f64 / divisor)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_steps_exactly() {
        let values = parse_grid("0.5:12:0.5").unwrap();
        assert_eq!(values.len(), 24);
        assert_eq!(values[0], 0.5);
        assert_eq!(values[23], 12.0);
        let values = parse_grid("0.1:0.3:0.1").unwrap();
        assert_eq!(values, vec![0.1, 0.2, 0.3]);
    }

    #[test]
    fn list_and_single() {
        assert_eq!(parse_grid("4").unwrap(), vec![4.0]);
        assert_eq!(parse_grid("1, 2,5").unwrap(), vec![1.0, 2.0, 5.0]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            parse_grid("-1"),
            Err(GridError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_grid("nan"),
            Err(GridError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_grid("abc"),
            Err(GridError::NotANumber { .. })
        ));
        assert!(matches!(
            parse_grid("5:1:1"),
            Err(GridError::BadRange { .. })
        ));
        assert!(matches!(
            parse_grid("0:1:0"),
            Err(GridError::BadRange { .. })
        ));
        assert!(matches!(
            parse_grid("0:1e9:0.001"),
            Err(GridError::BadRange { .. }) | Err(GridError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_grid("0:1000000:0.5"),
            Err(GridError::TooLarge { .. })
        ));
    }
}
