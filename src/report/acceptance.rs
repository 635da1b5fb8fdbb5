//! The `speclat acceptance` document: one acceptance measurement expressed in every unit that
//! engines and papers use, and its expected tokens at other draft lengths.
//!
//! The conversions are those of [`crate::model::acceptance_profile`]: the acceptance length
//! `E = 1 + accepted / drafts`, vLLM's acceptance rate `accepted / drafted = (E - 1) / k` in
//! percent, per-position rates `p_i` with `E = 1 + sum(p_i)` exactly, and the i.i.d. `alpha`
//! with `E(alpha, k) = (1 - alpha^(k+1)) / (1 - alpha)`.

use serde::Serialize;

use crate::model::acceptance_profile::{
    AcceptanceProfile, EstimateBasis, alpha_from_acceptance_length, iid_per_position,
    percent_to_fraction,
};
use crate::model::{MAX_DRAFT_LENGTH, ModelError, expected_tokens};

/// Version of the JSON layout of [`AcceptanceDocument`].
pub const ACCEPTANCE_SCHEMA_VERSION: u32 = 1;

/// One acceptance measurement as given.
#[derive(Clone, Debug, PartialEq)]
pub enum AcceptanceGiven {
    Alpha { alpha: f64, k: u32 },
    Length { acceptance_length: f64, k: u32 },
    RatePercent { percent: f64, k: u32 },
    PerPosition(Vec<f64>),
}

/// The acceptance at one draft length.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AcceptanceRow {
    pub k: u32,
    /// Mean tokens per verification, bonus token included.
    pub acceptance_length: f64,
    /// vLLM's accepted / drafted tokens, percent.
    pub acceptance_rate_percent: f64,
    /// `iid`, `measured` or `extrapolated`.
    pub basis: EstimateBasis,
}

/// Everything `speclat acceptance` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AcceptanceDocument {
    pub schema_version: u32,
    /// `alpha`, `acceptance_length`, `acceptance_rate_percent` or `per_position`.
    pub given_as: &'static str,
    /// Draft length of the measurement.
    pub k: u32,
    /// The i.i.d. `alpha` that reproduces the acceptance length at `k`.
    pub alpha: f64,
    pub acceptance_length: f64,
    pub acceptance_rate_percent: f64,
    /// Per-position rates at `k`: measured, or `alpha^(i+1)` under i.i.d. acceptance.
    pub per_position: Vec<f64>,
    pub per_position_basis: EstimateBasis,
    /// Expected tokens at draft lengths 1 to `max(k, 10)`.
    pub by_k: Vec<AcceptanceRow>,
}

/// Converts one measurement into every unit, and tabulates other draft lengths.
pub fn convert(given: &AcceptanceGiven) -> Result<AcceptanceDocument, ModelError> {
    let check_k = |k: u32| {
        if k == 0 || k > MAX_DRAFT_LENGTH {
            Err(ModelError::InvalidDraftLength {
                value: i64::from(k),
            })
        } else {
            Ok(k)
        }
    };

    let (given_as, k, alpha, profile) = match given {
        AcceptanceGiven::Alpha { alpha, k } => {
            let profile = AcceptanceProfile::iid(*alpha)?;
            ("alpha", check_k(*k)?, *alpha, profile)
        }
        AcceptanceGiven::Length {
            acceptance_length,
            k,
        } => {
            let k = check_k(*k)?;
            let alpha = alpha_from_acceptance_length(*acceptance_length, k)?;
            let profile = AcceptanceProfile::iid(alpha)?;
            ("acceptance_length", k, alpha, profile)
        }
        AcceptanceGiven::RatePercent { percent, k } => {
            let k = check_k(*k)?;
            let length = 1.0 + f64::from(k) * percent_to_fraction(*percent)?;
            let alpha = alpha_from_acceptance_length(length, k)?;
            let profile = AcceptanceProfile::iid(alpha)?;
            ("acceptance_rate_percent", k, alpha, profile)
        }
        AcceptanceGiven::PerPosition(rates) => {
            let profile = AcceptanceProfile::measured(rates.clone())?;
            let k = check_k(rates.len() as u32)?;
            let length = 1.0 + rates.iter().sum::<f64>();
            let alpha = alpha_from_acceptance_length(length, k)?;
            ("per_position", k, alpha, profile)
        }
    };

    // An alpha of 0 (nothing accepted) converts, but no drafter with it is worth planning.
    let acceptance_length = profile.expected_tokens(k)?.tokens;
    let (per_position, per_position_basis) = match &profile {
        AcceptanceProfile::Measured { per_position } => {
            (per_position.clone(), EstimateBasis::Measured)
        }
        AcceptanceProfile::Iid { alpha } => (iid_per_position(*alpha, k)?, EstimateBasis::Iid),
    };
    let by_k = (1..=k.max(10))
        .map(|row_k| {
            let estimate = profile.expected_tokens(row_k)?;
            Ok(AcceptanceRow {
                k: row_k,
                acceptance_length: estimate.tokens,
                acceptance_rate_percent: (estimate.tokens - 1.0) / f64::from(row_k) * 100.0,
                basis: estimate.basis,
            })
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
    debug_assert!(
        matches!(profile, AcceptanceProfile::Measured { .. })
            || (expected_tokens(alpha, k) - acceptance_length).abs() < 1e-9
    );

    Ok(AcceptanceDocument {
        schema_version: ACCEPTANCE_SCHEMA_VERSION,
        given_as,
        k,
        alpha,
        acceptance_length,
        acceptance_rate_percent: (acceptance_length - 1.0) / f64::from(k) * 100.0,
        per_position,
        per_position_basis,
        by_k,
    })
}

/// Renders the conversion for people.
pub fn render_text(d: &AcceptanceDocument) -> String {
    use super::table::Table;
    use std::fmt::Write as _;

    let mut out = String::new();
    let _ = writeln!(out, "acceptance given as {} at k = {}", d.given_as, d.k);
    let _ = writeln!(
        out,
        "  alpha (i.i.d., reproduces E at k = {}):  {:.4}",
        d.k, d.alpha
    );
    let _ = writeln!(
        out,
        "  acceptance length E:                   {:.4}",
        d.acceptance_length
    );
    let _ = writeln!(
        out,
        "  vLLM acceptance rate:                  {:.2}%",
        d.acceptance_rate_percent
    );
    let rates: Vec<String> = d.per_position.iter().map(|p| format!("{p:.4}")).collect();
    let _ = writeln!(
        out,
        "  per-position rates ({}):{}{}",
        match d.per_position_basis {
            EstimateBasis::Measured => "measured",
            _ => "alpha^(i+1)",
        },
        " ".repeat(if d.per_position_basis == EstimateBasis::Measured {
            9
        } else {
            6
        }),
        rates.join(", ")
    );
    let _ = writeln!(out, "\nAt other draft lengths");
    let mut table = Table::new(["k", "acceptance_length", "acceptance_rate_%", "basis"]);
    for row in &d.by_k {
        table.row([
            row.k.to_string(),
            format!("{:.4}", row.acceptance_length),
            format!("{:.2}", row.acceptance_rate_percent),
            match row.basis {
                EstimateBasis::Iid => "iid",
                EstimateBasis::Measured => "measured",
                EstimateBasis::Extrapolated => "extrapolated",
            }
            .to_string(),
        ]);
    }
    out.push_str(&table.render(2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_position_length_is_exact() {
        let d = convert(&AcceptanceGiven::PerPosition(vec![0.8, 0.6, 0.45])).unwrap();
        assert_eq!(d.k, 3);
        assert!((d.acceptance_length - 2.85).abs() < 1e-12);
        assert!((d.acceptance_rate_percent - 61.666_666_666).abs() < 1e-6);
        assert!((expected_tokens(d.alpha, 3) - 2.85).abs() < 1e-9);
        assert_eq!(d.by_k[2].basis, EstimateBasis::Measured);
        assert_eq!(d.by_k[3].basis, EstimateBasis::Extrapolated);
    }

    #[test]
    fn percent_and_length_agree() {
        // 61.3% accepted of 3 drafted per step: E = 1 + 3 * 0.613 = 2.839.
        let from_percent = convert(&AcceptanceGiven::RatePercent {
            percent: 61.3,
            k: 3,
        })
        .unwrap();
        let from_length = convert(&AcceptanceGiven::Length {
            acceptance_length: 2.839,
            k: 3,
        })
        .unwrap();
        assert!((from_percent.alpha - from_length.alpha).abs() < 1e-12);
        assert!((from_percent.acceptance_length - 2.839).abs() < 1e-9);
    }

    #[test]
    fn alpha_gives_iid_rates() {
        let d = convert(&AcceptanceGiven::Alpha { alpha: 0.7, k: 3 }).unwrap();
        assert!((d.acceptance_length - 2.533).abs() < 1e-12);
        assert!((d.per_position[2] - 0.343).abs() < 1e-12);
        assert_eq!(d.by_k.len(), 10);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(convert(&AcceptanceGiven::Alpha { alpha: 1.5, k: 3 }).is_err());
        assert!(convert(&AcceptanceGiven::Alpha { alpha: 0.7, k: 0 }).is_err());
        assert!(
            convert(&AcceptanceGiven::RatePercent {
                percent: 130.0,
                k: 3
            })
            .is_err()
        );
        assert!(
            convert(&AcceptanceGiven::Length {
                acceptance_length: 5.0,
                k: 3
            })
            .is_err()
        );
        assert!(convert(&AcceptanceGiven::PerPosition(vec![])).is_err());
    }
}
