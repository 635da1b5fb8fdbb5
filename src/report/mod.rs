//! Rendering results for people (aligned tables) and scripts (versioned JSON documents).
//!
//! The library computes; this module only formats. Every JSON document carries
//! `schema_version`; the fields and their units are listed in `docs/json.md`.

pub mod acceptance;
pub mod figures;
pub mod fit_text;
pub mod html;
pub mod plan;
pub mod predict;
pub mod scaling_text;
pub mod table;

/// Formats `value` with `digits` significant digits, switching to scientific notation for
/// very small or large magnitudes.
pub fn significant(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "n/a".to_string()
        } else {
            "inf".to_string()
        };
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{:.*e}", digits.saturating_sub(1), value);
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn significant_digits() {
        assert_eq!(significant(0.075_666, 4), "0.07567");
        assert_eq!(significant(12.345, 3), "12.3");
        assert_eq!(significant(7.998e-5, 4), "7.998e-5");
        assert_eq!(significant(0.0, 4), "0");
        assert_eq!(significant(f64::INFINITY, 4), "inf");
    }
}
