//! A vLLM `--speculative-config` whose draft length follows the batch size.
//!
//! vLLM's speculative config accepts `num_speculative_tokens_per_batch_size`, a list of
//! `[start_bs, end_bs, K]` ranges in which `K = 0` turns speculative decoding off. This module
//! fills it from the closed-loop best-k table: the batch size is the number of requests in
//! flight `N`, and the best `K` at `N` minimises `C1(K) + N * C2(K)` (Kong et al., arXiv
//! 2605.15051). Consecutive batch sizes with the same `K` merge into one range.
//! NOTE: the ranges are written with inclusive ends and cover every batch size from 1; check
//! the field against the vLLM version you deploy, because its semantics were not verified here.

use serde::Serialize;

use super::best_k::{BestKTable, Candidate, Load};

/// The `--speculative-config` JSON object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeculativeConfig {
    /// Speculative-decoding method, as the user gave it (for example `eagle3` or `mtp`).
    pub method: String,
    /// Draft model, as the user gave it; omitted for methods without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The largest `K` of any range: vLLM allocates drafting for this many tokens.
    pub num_speculative_tokens: u32,
    /// `[start_bs, end_bs, K]` with inclusive ends.
    pub num_speculative_tokens_per_batch_size: Vec<[u32; 3]>,
}

/// Builds the config from the best `k` at each batch size `1..=max_batch_size`.
///
/// `candidates` are the draft lengths considered, with their costs; see
/// [`super::best_k::candidates`].
pub fn speculative_config(
    candidates: &[Candidate],
    max_batch_size: u32,
    method: String,
    model: Option<String>,
) -> SpeculativeConfig {
    let loads: Vec<Load> = (1..=max_batch_size.max(1))
        .map(|n| Load::Concurrency(f64::from(n)))
        .collect();
    let table = BestKTable::from_candidates(candidates.to_vec(), &loads);

    let mut ranges: Vec<[u32; 3]> = Vec::new();
    for (position, entry) in table.entries.iter().enumerate() {
        let batch_size = position as u32 + 1;
        // Closed-loop latency is always finite, so every entry has a k.
        let k = entry.k.unwrap_or(0);
        match ranges.last_mut() {
            Some(last) if last[2] == k => last[1] = batch_size,
            _ => ranges.push([batch_size, batch_size, k]),
        }
    }
    SpeculativeConfig {
        method,
        model,
        num_speculative_tokens: ranges.iter().map(|r| r[2]).max().unwrap_or(0),
        num_speculative_tokens_per_batch_size: ranges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::acceptance_profile::EstimateBasis;

    fn candidate(k: u32, c1: f64, c2: f64) -> Candidate {
        Candidate {
            k,
            expected_tokens: 1.0,
            basis: EstimateBasis::Iid,
            c1_s: c1,
            c2_s: c2,
        }
    }

    #[test]
    fn ranges_merge_and_switch_off() {
        // k=3 wins alone, k=1 in the middle, k=0 at large batches:
        // 0.8 + 0.2 N = 1.22 + 0.15 N at N = 8.4; 1.22 + 0.15 N = 2 + 0.1 N at N = 15.6.
        let candidates = [
            candidate(0, 2.0, 0.1),
            candidate(1, 1.22, 0.15),
            candidate(3, 0.8, 0.2),
        ];
        let config = speculative_config(&candidates, 20, "eagle3".into(), Some("drafter".into()));
        assert_eq!(
            config.num_speculative_tokens_per_batch_size,
            vec![[1, 8, 3], [9, 15, 1], [16, 20, 0]]
        );
        assert_eq!(config.num_speculative_tokens, 3);
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            json,
            r#"{"method":"eagle3","model":"drafter","num_speculative_tokens":3,"num_speculative_tokens_per_batch_size":[[1,8,3],[9,15,1],[16,20,0]]}"#
        );
    }
}
