//! speclat: fit, predict and plan the latency of LLM serving with speculative decoding.
//!
//! Mean request latency below saturation follows `L = C1 / (1 - rate * C2)`, where C1 and C2
//! are built from six stage costs (prefill, verification, drafting; each load-independent and
//! load-dependent), the draft length `k` and the acceptance probability `alpha`. speclat reads
//! the benchmark files practitioners already have, fits the six costs, and predicts latency
//! for configurations and rates that were not measured.
//!
//! The main types, by module:
//!
//! - [`model`]: [`model::SpecConfig`] (`k`, `alpha`, `E(alpha, k)`),
//!   [`model::StageCoefficients`] (the six costs) and [`model::LoadCosts`] (C1, C2, the
//!   closed form, saturation);
//! - [`ingest`]: [`ingest::load_paths`] reads GuideLLM reports, `vllm bench serve` and SGLang
//!   results, speculators CSVs and Prometheus snapshots into [`ingest::Sweep`]s, and
//!   [`ingest::labels::label_sweeps`] attaches `k` and `alpha` to make [`ingest::Series`];
//! - [`fit`]: [`fit::fit`] selects the stable points, fits the costs and reports accuracy,
//!   uncertainty and exclusions in a [`fit::FitReport`];
//! - [`plan`]: speedup and break-even ([`plan::SpeedupAnalysis`]), the best draft length per
//!   load ([`plan::best_k_table`]), capacity under a latency target, a vLLM speculative config
//!   with `k` per batch size, and the mixture-of-experts extension;
//! - [`report`]: tables, JSON documents, figures ([`report::figures`], built as data and drawn
//!   to SVG or PNG) and the self-contained HTML report ([`report::html`]); [`grid`]: rate lists
//!   and ranges.
//!
//! # Example
//!
//! Fit the built-in Qwen3-8B sweeps and predict one configuration:
//!
//! ```
//! use speclat::fit::{fit, FitOptions};
//! use speclat::model::SpecConfig;
//!
//! let series = speclat::example::series("qwen3-8b").unwrap();
//! let report = fit(&series, &FitOptions::default(), &|| {}).unwrap();
//! assert!(report.accuracy.loso_mape_percent.unwrap() < 2.5);
//!
//! let coefficients = report.coefficients.unwrap();
//! let costs = coefficients.costs(SpecConfig::new(3, 0.7)?, 128.0)?;
//! let latency_s = costs.latency_at_rate(8.0).expect("below saturation");
//! assert!(latency_s > costs.c1_s);
//! assert!(costs.latency_at_rate(costs.saturation_rate_per_s()).is_none());
//! # Ok::<(), speclat::model::ModelError>(())
//! ```

// Errors carry the file, the location inside it and a hint, so they are larger than clippy's
// default; they are built only on the failure path, where the size costs nothing.
#![allow(clippy::result_large_err)]

pub mod example;
mod example_data;
pub mod fit;
pub mod grid;
pub mod ingest;
pub mod model;
pub mod plan;
pub mod report;
pub mod scaling;
