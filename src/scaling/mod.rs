//! Coefficients across model sizes and workload lengths.
//!
//! One fit of the latency model describes one system: a verifier and drafter on given hardware,
//! serving one workload. This module describes systems by what determines their costs: the
//! verifier's and drafter's architecture, and the prompt and output lengths. It fits each stage
//! coefficient as a small non-negative function of those descriptors over several systems at
//! once, so that an unmeasured system can be predicted.

pub mod architecture;
pub mod describe;
pub mod fit;
pub mod terms;
