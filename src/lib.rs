//! speclat: fit, predict and plan the latency of LLM serving with speculative decoding.

// Errors carry the file, the location inside it and a hint, so they are larger than clippy's
// default; they are built only on the failure path, where the size costs nothing.
#![allow(clippy::result_large_err)]

pub mod example;
mod example_data;
pub mod fit;
pub mod grid;
pub mod ingest;
pub mod model;
pub mod report;
