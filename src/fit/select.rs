//! Choosing the points that belong to the stable regime, each exclusion with its reason.
//!
//! The closed form `L = C1 / (1 - rate * C2)` describes a server below saturation. A sweep
//! ends past that regime: GuideLLM's throughput benchmark runs at the client's concurrency
//! cap by design, and the highest constant rates meet preemption and client-side queueing.
//! The rules, applied per series in this order:
//!
//! 1. points named with `--include` are kept and points named with `--exclude` dropped,
//!    whatever the rules below decide;
//! 2. a throughput benchmark is dropped (saturation by construction);
//! 3. an open-loop point whose measured rate falls short of its target rate by more than
//!    `min_sustained_ratio` is dropped: the server did not keep up, so the offered load is
//!    not the load it served;
//! 4. a point whose measured concurrency disagrees with Little's law `B = rate * L` by more
//!    than `littles_law_tolerance` is dropped: its means were not taken over a steady state;
//! 5. of the remaining points, the `saturated_tail` highest-rate ones are dropped when their
//!    latency exceeds `tail_latency_factor` times the series' lowest latency. Under the
//!    closed form that ratio is `1 / (1 - rate * C2)`, so a factor of 2 marks points above
//!    half the saturation rate. A sweep that never got that busy keeps its top points.
//!    Closed-loop points (a fixed number of requests in flight) are judged by throughput
//!    instead, because their latency `C1 + N * C2` grows without bound and without any
//!    saturation: of the `saturated_tail` highest-concurrency points, one whose measured rate
//!    rose by less than `closed_loop_min_rate_gain` over the next lower concurrency is dropped.
//!    Adding requests then no longer adds throughput, so the server queues them internally
//!    (for example when the KV cache caps the running batch), which the model does not describe.
//!
//! `--max-concurrency N` drops every point with more than `N` requests in flight (the target
//! concurrency of a closed-loop point, otherwise the measured one), whatever the other rules say.
//! `--include-saturated` turns off rules 2 to 5.

use serde::{Deserialize, Serialize};

use super::FitError;
use crate::ingest::{Series, Strategy};

/// Settings of point selection.
#[derive(Clone, Debug)]
pub struct SelectionOptions {
    /// Keep every point that is not excluded by name.
    pub include_saturated: bool,
    /// How many of the highest-rate points of a series the tail rule may drop.
    pub saturated_tail: usize,
    /// Latency ratio to the series' lowest latency above which a tail point is dropped.
    pub tail_latency_factor: f64,
    /// Smallest accepted ratio of measured to target rate.
    pub min_sustained_ratio: f64,
    /// Largest accepted relative gap between measured concurrency and `rate * L`.
    pub littles_law_tolerance: f64,
    /// Smallest relative rise of the measured rate from one closed-loop concurrency to the
    /// next that counts as throughput still growing.
    pub closed_loop_min_rate_gain: f64,
    /// Points with more requests in flight than this are dropped.
    pub max_concurrency: Option<f64>,
    /// Points kept whatever the rules decide.
    pub include: Vec<PointSelector>,
    /// Points dropped whatever the rules decide.
    pub exclude: Vec<PointSelector>,
}

impl Default for SelectionOptions {
    fn default() -> Self {
        Self {
            include_saturated: false,
            saturated_tail: 2,
            tail_latency_factor: 2.0,
            min_sustained_ratio: 0.9,
            littles_law_tolerance: 0.1,
            closed_loop_min_rate_gain: 0.05,
            max_concurrency: None,
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// Names points as `SERIES:INDEX`, where SERIES matches a series label or a file name (a
/// substring is enough) and INDEX is the benchmark's position in its file, from 0. `SERIES`
/// alone names every point of the matching series.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSelector {
    pub series: String,
    pub index: Option<usize>,
}

impl std::str::FromStr for PointSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.rsplit_once(':') {
            Some((series, index)) if !series.is_empty() => {
                let index = index.parse::<usize>().map_err(|_| {
                    format!("invalid point `{text}`: the part after `:` must be a benchmark index such as 0 or 9")
                })?;
                Ok(Self {
                    series: series.to_string(),
                    index: Some(index),
                })
            }
            _ if !text.is_empty() => Ok(Self {
                series: text.to_string(),
                index: None,
            }),
            _ => Err("invalid point: expected SERIES or SERIES:INDEX".to_string()),
        }
    }
}

impl PointSelector {
    fn matches(&self, series: &Series, index: usize) -> bool {
        let file = series.file.to_string_lossy();
        let named = series.label == self.series || names_part_of(&file, &self.series);
        named && self.index.is_none_or(|i| i == index)
    }

    /// Returns whether the selector names any benchmark of `series`.
    fn matches_any(&self, series: &Series) -> bool {
        (0..series.measurements.len()).any(|i| self.matches(series, i))
    }
}

/// Returns whether `part` occurs in `file` without continuing a number there, so that
/// `draft-1` names `..._draft-1_...` but not `..._draft-10_...`.
fn names_part_of(file: &str, part: &str) -> bool {
    if part.is_empty() {
        return false;
    }
    let digit = |text: &str| text.starts_with(|c: char| c.is_ascii_digit());
    file.match_indices(part).any(|(start, _)| {
        let rest = &file[start + part.len()..];
        let continues_number = digit(part.get(part.len() - 1..).unwrap_or(""))
            && (digit(rest) || rest.strip_prefix('.').is_some_and(digit));
        !continues_number
    })
}

impl std::fmt::Display for PointSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(index) => write!(f, "{}:{index}", self.series),
            None => write!(f, "{}", self.series),
        }
    }
}

/// Rejects an `--include` or `--exclude` that names no point, because a mistyped selector
/// would otherwise leave the fit unchanged without a word.
pub(crate) fn check_selectors<S: std::borrow::Borrow<Series>>(
    series: &[S],
    options: &SelectionOptions,
) -> Result<(), FitError> {
    let flags = [
        ("--include", &options.include),
        ("--exclude", &options.exclude),
    ];
    for (flag, selectors) in flags {
        for selector in selectors {
            let found = series.iter().any(|s| selector.matches_any(s.borrow()));
            if !found {
                // Ten labels show the naming scheme without flooding the terminal.
                let mut labels: Vec<&str> = series
                    .iter()
                    .take(10)
                    .map(|s| s.borrow().label.as_str())
                    .collect();
                let more = format!("and {} more", series.len().saturating_sub(10));
                if series.len() > 10 {
                    labels.push(&more);
                }
                return Err(FitError::UnmatchedSelector {
                    flag,
                    selector: selector.to_string(),
                    series: labels.join(", "),
                });
            }
        }
    }
    Ok(())
}

/// Removes the series that an `--exclude` selector without an index names as a whole, and
/// those selectors, after checking every selector against all of `series`. Returns the kept
/// and the removed series.
///
/// A whole series excluded by name has no points left, which the fit would otherwise reject
/// as a series with too few stable points.
pub fn drop_excluded_series(
    series: Vec<Series>,
    options: &mut SelectionOptions,
) -> Result<(Vec<Series>, Vec<Series>), FitError> {
    check_selectors(&series, options)?;
    let whole: Vec<PointSelector> = options
        .exclude
        .iter()
        .filter(|s| s.index.is_none())
        .cloned()
        .collect();
    if whole.is_empty() {
        return Ok((series, Vec::new()));
    }
    options.exclude.retain(|s| s.index.is_some());
    let (dropped, kept): (Vec<Series>, Vec<Series>) = series
        .into_iter()
        .partition(|one| whole.iter().any(|selector| selector.matches(one, 0)));
    // Point selectors that named only dropped series have nothing left to act on.
    options
        .include
        .retain(|s| kept.iter().any(|one| s.matches_any(one)));
    options
        .exclude
        .retain(|s| kept.iter().any(|one| s.matches_any(one)));
    Ok((kept, dropped))
}

/// Keeps only the selectors of `options` that match a benchmark of `series`: applied per
/// system, a selector written for one system's series must not fail on another's.
pub fn selectors_for(series: &[Series], options: &SelectionOptions) -> SelectionOptions {
    let keep = |selectors: &[PointSelector]| -> Vec<PointSelector> {
        selectors
            .iter()
            .filter(|s| series.iter().any(|one| s.matches_any(one)))
            .cloned()
            .collect()
    };
    SelectionOptions {
        include: keep(&options.include),
        exclude: keep(&options.exclude),
        ..options.clone()
    }
}

/// Reason a point was left out of the fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Named with `--exclude`.
    User,
    /// A throughput benchmark: the client ran at its concurrency cap.
    Throughput,
    /// The server did not sustain the offered rate.
    NotSustained {
        rate_per_s: f64,
        target_rate_per_s: f64,
    },
    /// Measured concurrency disagrees with `rate * L`.
    LittlesLaw {
        concurrency: f64,
        expected_concurrency: f64,
    },
    /// More requests in flight than `--max-concurrency`.
    AboveMaxConcurrency {
        concurrency: f64,
        max_concurrency: f64,
    },
    /// A closed-loop point whose throughput stopped growing with concurrency.
    ThroughputPlateau {
        concurrency: f64,
        /// Relative rise of the measured rate over the next lower concurrency.
        rate_gain: f64,
    },
    /// Among the highest rates of its series and well past the onset of saturation.
    SaturationTail {
        /// Latency divided by the series' lowest latency.
        latency_ratio: f64,
        /// 1 for the highest rate of the series, 2 for the next.
        rank_from_top: usize,
    },
}

impl ExclusionReason {
    /// Names the kind of reason in a few words, for counts.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User => "named by --exclude",
            Self::Throughput => "throughput benchmark",
            Self::NotSustained { .. } => "rate not sustained",
            Self::LittlesLaw { .. } => "Little's law mismatch",
            Self::AboveMaxConcurrency { .. } => "above --max-concurrency",
            Self::ThroughputPlateau { .. } => "throughput plateau",
            Self::SaturationTail { .. } => "saturation tail",
        }
    }

    /// Describes the reason in one line, for tables and warnings.
    pub fn describe(&self) -> String {
        match self {
            Self::User => "excluded with --exclude".to_string(),
            Self::Throughput => {
                "throughput benchmark: runs at the client's concurrency cap, saturated by design"
                    .to_string()
            }
            Self::NotSustained {
                rate_per_s,
                target_rate_per_s,
            } => format!(
                "rate not sustained: measured {rate_per_s:.3} req/s against a target of {target_rate_per_s:.3} req/s"
            ),
            Self::LittlesLaw {
                concurrency,
                expected_concurrency,
            } => format!(
                "not a steady state: measured concurrency {concurrency:.2} but rate x latency = {expected_concurrency:.2}"
            ),
            Self::AboveMaxConcurrency {
                concurrency,
                max_concurrency,
            } => format!(
                "above --max-concurrency: {concurrency:.0} requests in flight against a limit of {max_concurrency:.0}"
            ),
            Self::ThroughputPlateau {
                concurrency,
                rate_gain,
            } => format!(
                "throughput plateau: at {concurrency:.0} requests in flight the rate rose by only {:+.1}% over the next lower concurrency, so the server queues requests internally",
                rate_gain * 100.0
            ),
            Self::SaturationTail {
                latency_ratio,
                rank_from_top,
            } => format!(
                "past the onset of saturation: rate rank {rank_from_top} from the top, latency {latency_ratio:.2}x the series minimum"
            ),
        }
    }
}

/// One excluded point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    /// Series label.
    pub series: String,
    /// File the point came from.
    pub file: String,
    /// Position of the benchmark in its file, from 0.
    pub index: usize,
    /// Measured rate, requests per second.
    pub rate_per_s: f64,
    /// Measured mean latency, seconds.
    pub latency_s: f64,
    pub reason: ExclusionReason,
    /// `reason` in words.
    pub message: String,
}

/// The points kept per series (indices into `Series::measurements`) and the exclusions.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub used: Vec<Vec<usize>>,
    pub excluded: Vec<Exclusion>,
}

/// Applies the selection rules to every series.
pub fn select(series: &[Series], options: &SelectionOptions) -> Selection {
    let mut selection = Selection::default();
    for one in series {
        let (used, excluded) = select_series(one, options);
        selection.used.push(used);
        selection.excluded.extend(excluded);
    }
    selection
}

fn select_series(series: &Series, options: &SelectionOptions) -> (Vec<usize>, Vec<Exclusion>) {
    let mut reasons: Vec<Option<ExclusionReason>> = vec![None; series.measurements.len()];
    let forced: Vec<bool> = (0..series.measurements.len())
        .map(|i| options.include.iter().any(|s| s.matches(series, i)))
        .collect();

    for (i, m) in series.measurements.iter().enumerate() {
        if options.exclude.iter().any(|s| s.matches(series, i)) && !forced[i] {
            reasons[i] = Some(ExclusionReason::User);
            continue;
        }
        if let Some(max_concurrency) = options.max_concurrency
            && let Some(concurrency) = m.target_concurrency.or(m.concurrency)
            && concurrency > max_concurrency
            && !forced[i]
        {
            reasons[i] = Some(ExclusionReason::AboveMaxConcurrency {
                concurrency,
                max_concurrency,
            });
            continue;
        }
        if options.include_saturated || forced[i] {
            continue;
        }
        if m.strategy == Strategy::Throughput {
            reasons[i] = Some(ExclusionReason::Throughput);
            continue;
        }
        if let Some(target) = m.target_rate_per_s
            && target > 0.0
            && m.rate_per_s < options.min_sustained_ratio * target
        {
            reasons[i] = Some(ExclusionReason::NotSustained {
                rate_per_s: m.rate_per_s,
                target_rate_per_s: target,
            });
            continue;
        }
        if let Some(concurrency) = m.concurrency {
            let expected = m.rate_per_s * m.latency_s;
            if (concurrency - expected).abs() > options.littles_law_tolerance * expected {
                reasons[i] = Some(ExclusionReason::LittlesLaw {
                    concurrency,
                    expected_concurrency: expected,
                });
            }
        }
    }

    if !options.include_saturated {
        apply_tail_rule(series, options, &forced, &mut reasons);
        apply_plateau_rule(series, options, &forced, &mut reasons);
    }

    let mut used = Vec::new();
    let mut excluded = Vec::new();
    for (i, reason) in reasons.into_iter().enumerate() {
        let m = &series.measurements[i];
        match reason {
            None => used.push(i),
            Some(reason) => excluded.push(Exclusion {
                series: series.label.clone(),
                file: series.file.display().to_string(),
                index: m.index,
                rate_per_s: m.rate_per_s,
                latency_s: m.latency_s,
                message: reason.describe(),
                reason,
            }),
        }
    }
    (used, excluded)
}

fn is_closed_loop(m: &crate::ingest::Measurement) -> bool {
    m.strategy == Strategy::Concurrent
}

/// Drops closed-loop points among the highest concurrencies whose rate stopped growing.
fn apply_plateau_rule(
    series: &Series,
    options: &SelectionOptions,
    forced: &[bool],
    reasons: &mut [Option<ExclusionReason>],
) {
    let concurrency_of = |i: usize| {
        let m = &series.measurements[i];
        m.target_concurrency
            .or(m.concurrency)
            .unwrap_or(m.rate_per_s * m.latency_s)
    };
    let mut closed: Vec<usize> = (0..reasons.len())
        .filter(|&i| reasons[i].is_none() && is_closed_loop(&series.measurements[i]))
        .collect();
    closed.sort_by(|&a, &b| concurrency_of(a).total_cmp(&concurrency_of(b)));

    // Walk down from the highest concurrency; each point is compared with the next lower one.
    let tail_start = closed.len().saturating_sub(options.saturated_tail).max(1);
    for position in (tail_start..closed.len()).rev() {
        let (lower, upper) = (closed[position - 1], closed[position]);
        if concurrency_of(upper) <= concurrency_of(lower) || forced[upper] {
            continue;
        }
        let rate_gain =
            series.measurements[upper].rate_per_s / series.measurements[lower].rate_per_s - 1.0;
        if rate_gain < options.closed_loop_min_rate_gain {
            reasons[upper] = Some(ExclusionReason::ThroughputPlateau {
                concurrency: concurrency_of(upper),
                rate_gain,
            });
        }
    }
}

fn apply_tail_rule(
    series: &Series,
    options: &SelectionOptions,
    forced: &[bool],
    reasons: &mut [Option<ExclusionReason>],
) {
    let mut remaining: Vec<usize> = (0..reasons.len())
        .filter(|&i| reasons[i].is_none() && !is_closed_loop(&series.measurements[i]))
        .collect();
    let Some(lowest_latency) = remaining
        .iter()
        .map(|&i| series.measurements[i].latency_s)
        .min_by(f64::total_cmp)
    else {
        return;
    };
    remaining.sort_by(|&a, &b| {
        series.measurements[b]
            .rate_per_s
            .total_cmp(&series.measurements[a].rate_per_s)
    });
    for (rank, &i) in remaining.iter().take(options.saturated_tail).enumerate() {
        let ratio = series.measurements[i].latency_s / lowest_latency;
        if ratio > options.tail_latency_factor && !forced[i] {
            reasons[i] = Some(ExclusionReason::SaturationTail {
                latency_ratio: ratio,
                rank_from_top: rank + 1,
            });
        }
    }
}

#[cfg(test)]
mod name_tests {
    use super::names_part_of;

    #[test]
    fn selector_does_not_continue_a_number() {
        let file = "output_Qwen3-8B_FS_alpha-0.50_draft-10_prompt-512.json";
        assert!(names_part_of(file, "draft-10"));
        assert!(!names_part_of(file, "draft-1"));
        assert!(!names_part_of(file, "alpha-0.5"));
        assert!(names_part_of(file, "alpha-0.50"));
        assert!(names_part_of(file, "Qwen3-8B"));
        assert!(names_part_of("runs/run-1.json", "run-1"));
        assert!(!names_part_of("runs/run-1.5.json", "run-1"));
        assert!(!names_part_of(file, ""));
    }
}
