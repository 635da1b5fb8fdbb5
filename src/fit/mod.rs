//! Fitting the stage coefficients to measured sweeps.
