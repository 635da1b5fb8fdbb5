//! Which stage coefficients the fitted data can separate.
//!
//! Every point enters the model through the regressors `[1, g / E, g k / E]`, once for the C1
//! part and once for the C2 part. Three coefficients per part can be told apart only if the
//! configurations in the data span three independent regressor vectors. A single
//! configuration spans one (only C1 and C2 of that series are fitted); plain decoding alone
//! has `k = 0`, so the draft column is zero and the draft costs are fixed at zero.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::problem::FitPoint;

/// Smallest singular value, relative to the largest, that still counts as independent. The
/// regressor columns are normalised first, so this measures collinearity, not units.
const RANK_TOLERANCE: f64 = 1e-6;

/// What the data can identify.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identifiability {
    /// All six coefficients are separable.
    Full,
    /// No point drafts tokens (`k = 0` everywhere): the draft costs are fixed at zero and the
    /// other four are fitted.
    NoDraft,
    /// The stages cannot be separated: C1 and C2 are fitted per series instead.
    Reduced {
        /// Coefficients that the data cannot tell apart.
        not_identifiable: Vec<String>,
        /// Why, in words.
        reason: String,
    },
}

/// Classifies the regressors of `points`.
pub fn classify(points: &[FitPoint]) -> Identifiability {
    if points.is_empty() {
        return Identifiability::Reduced {
            not_identifiable: names(&[0, 1, 2]),
            reason: "no points to fit".to_string(),
        };
    }
    let draft_column_zero = points.iter().all(|p| p.x[2] == 0.0);
    let columns: Vec<usize> = if draft_column_zero {
        vec![0, 1]
    } else {
        vec![0, 1, 2]
    };

    // Normalise each column to unit maximum so that the rank test ignores scale.
    let mut matrix = DMatrix::<f64>::zeros(points.len(), columns.len());
    for (c, &column) in columns.iter().enumerate() {
        let scale = points.iter().fold(0.0_f64, |m, p| m.max(p.x[column].abs()));
        for (r, p) in points.iter().enumerate() {
            matrix[(r, c)] = p.x[column] / scale.max(f64::MIN_POSITIVE);
        }
    }
    let svd = matrix.svd(false, true);
    let largest = svd.singular_values.max();
    let smallest = svd.singular_values.min();
    if smallest > RANK_TOLERANCE * largest {
        return if draft_column_zero {
            Identifiability::NoDraft
        } else {
            Identifiability::Full
        };
    }

    // The right singular vector of the smallest singular value names the columns that move
    // together without changing any prediction.
    let v_t = svd.v_t.expect("requested");
    let position = (0..svd.singular_values.len())
        .min_by(|&a, &b| svd.singular_values[a].total_cmp(&svd.singular_values[b]))
        .unwrap_or(0);
    let involved: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|&(c, _)| v_t[(position, c)].abs() > 0.1)
        .map(|(_, &column)| column)
        .collect();
    let mut not_identifiable = names(&involved);
    if draft_column_zero {
        not_identifiable.extend(names(&[2]));
    }
    Identifiability::Reduced {
        not_identifiable,
        reason: "the series do not vary k, alpha or output length enough to separate prefill, verification and drafting; fit several draft lengths or acceptance rates together".to_string(),
    }
}

fn names(columns: &[usize]) -> Vec<String> {
    let stage = ["prefill", "verify", "draft"];
    let mut out = Vec::new();
    for part in ["c1", "c2"] {
        for &c in columns {
            out.push(format!("{part}_{}", stage[c]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SpecConfig;

    fn point(k: u32, alpha: f64, g: f64) -> FitPoint {
        FitPoint::new(0, 0, SpecConfig::new(k, alpha).unwrap(), g, 1.0, 1.0)
    }

    #[test]
    fn grid_of_k_and_alpha_is_full() {
        let points = vec![
            point(1, 0.6, 128.0),
            point(3, 0.6, 128.0),
            point(3, 0.8, 128.0),
        ];
        assert_eq!(classify(&points), Identifiability::Full);
    }

    #[test]
    fn single_configuration_is_reduced() {
        let points = vec![point(3, 0.7, 128.0), point(3, 0.7, 128.0)];
        match classify(&points) {
            Identifiability::Reduced {
                not_identifiable, ..
            } => assert!(not_identifiable.contains(&"c1_prefill".to_string())),
            other => panic!("expected reduced, got {other:?}"),
        }
    }

    #[test]
    fn baseline_with_two_lengths_has_no_draft() {
        let points = vec![point(0, 1.0, 128.0), point(0, 1.0, 512.0)];
        assert_eq!(classify(&points), Identifiability::NoDraft);
    }

    #[test]
    fn baseline_with_one_length_is_reduced() {
        let points = vec![point(0, 1.0, 128.0), point(0, 1.0, 128.0)];
        assert!(matches!(classify(&points), Identifiability::Reduced { .. }));
    }
}
