//! Non-negative least squares by the active-set method of Lawson and Hanson ("Solving Least
//! Squares Problems", 1974, chapter 23).
//!
//! The fitter needs it once per fit, on six columns, to find a feasible starting point from the
//! linearised model `1 = C1 / L + rate * C2`. No maintained crate offers NNLS on top of
//! `nalgebra`, and the problem is small, so it is written here with `nalgebra` doing the
//! unconstrained solves on the passive set.

use nalgebra::{DMatrix, DVector};

/// Relative tolerance on the dual vector below which a coefficient stays at zero.
const DUAL_TOLERANCE: f64 = 1e-12;

/// Minimises `|A x - b|` subject to `x >= 0`. Returns `None` when `A` has non-finite entries.
pub fn nnls(a: &DMatrix<f64>, b: &DVector<f64>) -> Option<DVector<f64>> {
    if a.iter().chain(b.iter()).any(|v| !v.is_finite()) {
        return None;
    }
    let columns = a.ncols();
    let mut x = DVector::<f64>::zeros(columns);
    let mut passive = vec![false; columns];
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs())) * b.amax().max(1.0);
    let tolerance = DUAL_TOLERANCE * scale.max(f64::MIN_POSITIVE);
    let max_outer = 3 * columns + 10;

    for _ in 0..max_outer {
        // The dual vector is the negative gradient; a positive entry for an active (zero)
        // coefficient means the residual still shrinks by raising it.
        let dual = a.transpose() * (b - a * &x);
        let candidate = (0..columns)
            .filter(|&j| !passive[j] && dual[j] > tolerance)
            .max_by(|&i, &j| dual[i].total_cmp(&dual[j]));
        let Some(entering) = candidate else {
            break;
        };
        passive[entering] = true;

        // Inner loop: solve on the passive set and step back towards feasibility whenever the
        // unconstrained solution leaves the non-negative orthant.
        loop {
            let z = solve_on(a, b, &passive)?;
            let infeasible: Vec<usize> = (0..columns)
                .filter(|&j| passive[j] && z[j] <= 0.0)
                .collect();
            if infeasible.is_empty() {
                x = z;
                break;
            }
            let step = infeasible
                .iter()
                .map(|&j| x[j] / (x[j] - z[j]))
                .fold(f64::INFINITY, f64::min);
            x += (z - &x) * step;
            for j in 0..columns {
                if passive[j] && x[j] <= f64::EPSILON * scale.max(1.0) {
                    passive[j] = false;
                    x[j] = 0.0;
                }
            }
        }
    }
    Some(x)
}

/// Least squares on the passive columns only; inactive coefficients are zero.
fn solve_on(a: &DMatrix<f64>, b: &DVector<f64>, passive: &[bool]) -> Option<DVector<f64>> {
    let index: Vec<usize> = (0..a.ncols()).filter(|&j| passive[j]).collect();
    let sub = a.select_columns(&index);
    let solution = sub.svd(true, true).solve(b, 1e-14).ok()?;
    let mut full = DVector::zeros(a.ncols());
    for (position, &j) in index.iter().enumerate() {
        full[j] = solution[position];
    }
    Some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconstrained_optimum_is_returned_when_positive() {
        let a = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        let b = DVector::from_row_slice(&[1.0, 2.0, 3.0]);
        let x = nnls(&a, &b).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12);
        assert!((x[1] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn negative_optimum_is_clamped() {
        // Unconstrained solution is x = (2, -1); the constrained one puts x1 at 0 and
        // refits x0 alone: min (x0 - 1)^2 + (x0 - 1)^2... solved by hand below.
        let a = DMatrix::from_row_slice(3, 2, &[1.0, 1.0, 1.0, 2.0, 1.0, 3.0]);
        let b = DVector::from_row_slice(&[1.0, 0.0, -1.0]);
        let x = nnls(&a, &b).unwrap();
        // With x1 = 0: x0 = mean(b) = 0, which is feasible, and the dual for x1 is
        // a1 . b = 1 - 0 - 3 = -2 < 0, so x1 stays at zero.
        assert!(x[0].abs() < 1e-12);
        assert_eq!(x[1], 0.0);
    }

    #[test]
    fn rejects_nan() {
        let a = DMatrix::from_row_slice(1, 1, &[f64::NAN]);
        let b = DVector::from_row_slice(&[1.0]);
        assert!(nnls(&a, &b).is_none());
    }
}
