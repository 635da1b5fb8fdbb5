//! speclat: fit, predict and plan the latency of LLM serving with speculative decoding.

pub mod fit;
pub mod ingest;
pub mod model;
