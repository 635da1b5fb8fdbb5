//! The `speclat plan` document: speedup and break-even, best draft length per load, capacity
//! under a latency target and a vLLM speculative config, built from a saved model by the
//! functions of [`crate::plan`].

use serde::Serialize;

use crate::fit::{FitReport, Percentile};
use crate::model::StageCoefficients;
use crate::model::acceptance_profile::{AcceptanceProfile, alpha_from_acceptance_length};
use crate::plan::best_k::{BestK, BestKTable, Candidate, Load, candidates};
use crate::plan::capacity::{self, Capacity};
use crate::plan::{
    Coverage, KRange, PlanError, SdPays, SpeculativeConfig, SpeedupAnalysis, check_loads,
    speculative_config,
};

/// Version of the JSON layout of [`PlanDocument`].
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// The acceptance of the planned drafter, in the form the user gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum AcceptanceInput {
    /// An i.i.d. per-token acceptance probability.
    Alpha(f64),
    /// A mean acceptance length measured at draft length `k`.
    Length { acceptance_length: f64, k: u32 },
    /// Measured per-position acceptance rates.
    PerPosition(Vec<f64>),
    /// The `alpha` of the model's only speculative-decoding configuration.
    FromModel,
}

/// Everything a plan is asked for.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub acceptance: AcceptanceInput,
    /// Draft length compared with plain decoding; default: the model's only measured `k > 0`,
    /// else the best `k` at zero load.
    pub k: Option<u32>,
    pub k_range: KRange,
    pub rates_per_s: Vec<f64>,
    pub concurrencies: Vec<f64>,
    /// Mean output tokens per request; default: the fitted data's mean.
    pub output_tokens: Option<f64>,
    pub latency_target_s: Option<f64>,
    pub percentile: Option<Percentile>,
    /// Largest batch size covered by the speculative config.
    pub max_batch_size: u32,
    pub method: String,
    pub draft_model: Option<String>,
}

/// The acceptance profile a plan used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AcceptanceUsed {
    /// `alpha`, `acceptance_length`, `per_position` or `model`.
    pub given_as: &'static str,
    pub profile: AcceptanceProfile,
    /// The effective `alpha` at the compared draft length.
    pub alpha: Option<f64>,
}

/// The comparison of the chosen draft length with plain decoding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeedupSection {
    pub k: u32,
    pub expected_tokens: f64,
    /// Source of the baseline costs, in words.
    pub baseline_source: String,
    #[serde(flatten)]
    pub analysis: SpeedupAnalysis,
    /// Speedup at each rate of the rate grid; `null` where either side is saturated.
    pub at_rates: Vec<SpeedupPoint>,
    /// Speedup at each concurrency of the concurrency grid.
    pub at_concurrencies: Vec<SpeedupPoint>,
}

/// The speedup at one load.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpeedupPoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<f64>,
    pub speedup: Option<f64>,
}

/// The capacity under a latency target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacitySection {
    pub target_s: f64,
    /// `mean`, `p50`, `p90` or `p99`.
    pub statistic: &'static str,
    /// Whether the costs were fitted to a percentile rather than derived for the mean.
    pub empirical: bool,
    /// In-sample error of the percentile model, percent; `null` for the mean.
    pub percentile_mape_percent: Option<f64>,
    pub per_k: Vec<Capacity>,
    /// The `k` with the highest rate capacity; `null` when no `k` meets the target.
    pub best: Option<Capacity>,
}

/// Everything `speclat plan` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanDocument {
    pub schema_version: u32,
    pub output_tokens: f64,
    pub acceptance: AcceptanceUsed,
    pub k_range: KRange,
    /// Open-loop rate above which plain decoding is faster; `null` where SD pays over the whole
    /// range or never.
    pub break_even_rate_per_s: Option<f64>,
    /// Closed-loop concurrency above which plain decoding is faster; `null` likewise.
    pub break_even_concurrency: Option<f64>,
    /// `whole_range`, `below_break_even` or `never`.
    pub sd_pays: SdPays,
    pub speedup: SpeedupSection,
    /// Best `k` for a request alone (minimises C1).
    pub zero_load_k: u32,
    /// Best `k` near saturation (minimises C2).
    pub high_load_k: u32,
    /// Best `k` at each rate, then at each concurrency.
    pub best_k: Vec<BestK>,
    pub candidates: Vec<Candidate>,
    pub capacity: Option<CapacitySection>,
    pub speculative_config: SpeculativeConfig,
    /// Labels of the measured series the plan rests on.
    pub rests_on: Vec<String>,
    /// Each way the plan leaves the measured rates, draft lengths or acceptance.
    pub extrapolation: Vec<String>,
    /// The described system, when the model was fitted across systems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub described_system: Option<crate::scaling::describe::DescribedSummary>,
    pub warnings: Vec<String>,
}

impl PlanDocument {
    /// Whether a latency target was given and no draft length meets it.
    pub fn target_missed(&self) -> bool {
        self.capacity.as_ref().is_some_and(|c| c.best.is_none())
    }
}

/// Builds the plan for `request` from a fitted model.
pub fn plan(model: &FitReport, request: &PlanRequest) -> Result<PlanDocument, PlanError> {
    let coefficients = model
        .model
        .coefficients
        .ok_or(PlanError::NoStageCoefficients)?;
    // Either grid may be empty, but not both.
    if !request.rates_per_s.is_empty() {
        check_loads(&request.rates_per_s, "rate")?;
    }
    if !request.concurrencies.is_empty() {
        check_loads(&request.concurrencies, "concurrency")?;
    }
    if request.rates_per_s.is_empty() && request.concurrencies.is_empty() {
        return Err(PlanError::EmptyGrid {
            what: "rate or concurrency",
        });
    }
    let output_tokens = request
        .output_tokens
        .unwrap_or(model.model.output_tokens_mean);
    let coverage = Coverage::from_report(model);
    let mut warnings = Vec::new();

    // Step 1: the acceptance profile, and the draft length it was measured at.
    let (acceptance, measured_k) = acceptance_used(model, &request.acceptance, request.k)?;

    // Step 2: best k per load.
    let mut loads: Vec<Load> = request.rates_per_s.iter().map(|&r| Load::Rate(r)).collect();
    loads.extend(request.concurrencies.iter().map(|&n| Load::Concurrency(n)));
    let table = crate::plan::best_k_table(
        &coefficients,
        output_tokens,
        &acceptance.profile,
        request.k_range,
        &loads,
    )?;

    // Step 3: speedup of the compared k against plain decoding.
    let sd_k = request
        .k
        .or(measured_k)
        .unwrap_or(if table.zero_load_k > 0 {
            table.zero_load_k
        } else {
            1
        });
    let speedup = speedup_section(
        &coefficients,
        output_tokens,
        &acceptance.profile,
        sd_k,
        &coverage,
        request,
    )?;
    if speedup.analysis.sd_pays == SdPays::Never {
        warnings.push(format!(
            "k = {sd_k} is slower than plain decoding even for a request alone (zero-load speedup {:.2}); do not enable it at this acceptance",
            speedup.analysis.zero_load_speedup
        ));
    }

    // Step 4: capacity under a latency target.
    let capacity = match request.latency_target_s {
        Some(target_s) => Some(capacity_section(
            model,
            &table,
            output_tokens,
            &acceptance.profile,
            request,
            target_s,
        )?),
        None => None,
    };
    if let Some(section) = &capacity
        && section.best.is_none()
    {
        warnings.push(format!(
            "no draft length in {}..={} meets the {} latency target of {} s, even for a request alone; raise the target or reduce the output length",
            request.k_range.start, request.k_range.end, section.statistic, section.target_s
        ));
    }

    // Step 5: a vLLM config with k per batch size, from the closed-loop table.
    let config_candidates = candidates(
        &coefficients,
        output_tokens,
        &acceptance.profile,
        request.k_range,
    )?;
    let speculative_config = speculative_config(
        &config_candidates,
        request.max_batch_size,
        request.method.clone(),
        request.draft_model.clone(),
    );
    if speculative_config.num_speculative_tokens == 0 {
        warnings.push(
            "speculative decoding does not pay at any batch size up to --max-batch-size; the config turns it off everywhere, so leave --speculative-config out instead".to_string(),
        );
    }

    // Step 6: the series the plan rests on, and where it leaves their range.
    let mut ks: Vec<u32> = request.k_range.iter().collect();
    ks.push(sd_k);
    let max_rate = request
        .rates_per_s
        .iter()
        .copied()
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    let max_concurrency = request
        .concurrencies
        .iter()
        .copied()
        .chain(std::iter::once(f64::from(request.max_batch_size)))
        .fold(0.0, f64::max);
    let mut extrapolation = coverage.notes(&ks, acceptance.alpha, max_rate, Some(max_concurrency));
    if table
        .candidates
        .iter()
        .any(|c| c.basis == crate::model::acceptance_profile::EstimateBasis::Extrapolated)
    {
        extrapolation.push(
            "expected tokens beyond the measured draft positions are extrapolated by a geometric decay fitted to the per-position rates".to_string(),
        );
    }
    if let Some(section) = &capacity
        && section.empirical
    {
        extrapolation.push(format!(
            "the {} capacity uses C1 and C2 fitted to that percentile; the model is derived for the mean, so this is an empirical fit",
            section.statistic
        ));
    }

    Ok(PlanDocument {
        schema_version: PLAN_SCHEMA_VERSION,
        output_tokens,
        acceptance,
        k_range: request.k_range,
        break_even_rate_per_s: speedup.analysis.break_even_rate_per_s,
        break_even_concurrency: speedup.analysis.break_even_concurrency,
        sd_pays: speedup.analysis.sd_pays,
        speedup,
        zero_load_k: table.zero_load_k,
        high_load_k: table.high_load_k,
        best_k: table.entries,
        candidates: table.candidates,
        capacity,
        speculative_config,
        rests_on: coverage.series.clone(),
        extrapolation,
        described_system: None,
        warnings,
    })
}

/// Resolves the acceptance input into a profile; returns the draft length it was measured at
/// where the input names one. Taken from the model, the acceptance is that of its one measured
/// speculative configuration, or of the one at `k` when `k` is given.
fn acceptance_used(
    model: &FitReport,
    input: &AcceptanceInput,
    k: Option<u32>,
) -> Result<(AcceptanceUsed, Option<u32>), PlanError> {
    Ok(match input {
        AcceptanceInput::Alpha(alpha) => (
            AcceptanceUsed {
                given_as: "alpha",
                profile: AcceptanceProfile::iid(*alpha)?,
                alpha: Some(*alpha),
            },
            None,
        ),
        AcceptanceInput::Length {
            acceptance_length,
            k,
        } => {
            let alpha = alpha_from_acceptance_length(*acceptance_length, *k)?;
            (
                AcceptanceUsed {
                    given_as: "acceptance_length",
                    profile: AcceptanceProfile::iid(alpha)?,
                    alpha: Some(alpha),
                },
                Some(*k),
            )
        }
        AcceptanceInput::PerPosition(rates) => {
            let profile = AcceptanceProfile::measured(rates.clone())?;
            let length = 1.0 + rates.iter().sum::<f64>();
            let k = rates.len() as u32;
            let alpha = alpha_from_acceptance_length(length, k)
                .ok()
                .filter(|a| *a > 0.0);
            (
                AcceptanceUsed {
                    given_as: "per_position",
                    profile,
                    alpha,
                },
                Some(k),
            )
        }
        AcceptanceInput::FromModel => {
            let mut configs: Vec<(u32, f64)> = model
                .series
                .iter()
                .filter(|s| s.k > 0 && k.is_none_or(|k| s.k == k))
                .map(|s| (s.k, s.alpha))
                .collect();
            configs.dedup_by(|a, b| a.0 == b.0 && (a.1 - b.1).abs() < 1e-9);
            match configs.as_slice() {
                [(k, alpha)] => (
                    AcceptanceUsed {
                        given_as: "model",
                        profile: AcceptanceProfile::iid(*alpha)?,
                        alpha: Some(*alpha),
                    },
                    Some(*k),
                ),
                _ => {
                    let mut measured: Vec<String> = model
                        .series
                        .iter()
                        .filter(|s| s.k > 0)
                        .map(|s| format!("k={} alpha={:.3}", s.k, s.alpha))
                        .collect();
                    measured.dedup();
                    let shown = measured.len().min(8);
                    let mut available = measured[..shown].join(", ");
                    if measured.len() > shown {
                        available.push_str(&format!(" and {} more", measured.len() - shown));
                    }
                    if available.is_empty() {
                        available = "none".to_string();
                    }
                    // A model described from a fit across systems names no series files.
                    let described = model.series.iter().any(|s| s.file == "described system");
                    return Err(PlanError::AmbiguousAcceptance {
                        count: configs.len(),
                        at: k.map_or(String::new(), |k| format!(" at k = {k}")),
                        available,
                        system_hint: if described {
                            "; with a fit across systems, --system NAME keeps one system's configurations"
                        } else {
                            ""
                        },
                    });
                }
            }
        }
    })
}

fn speedup_section(
    coefficients: &StageCoefficients,
    output_tokens: f64,
    profile: &AcceptanceProfile,
    sd_k: u32,
    coverage: &Coverage,
    request: &PlanRequest,
) -> Result<SpeedupSection, PlanError> {
    let single = |k: u32| -> Result<Candidate, PlanError> {
        let range = KRange::new(i64::from(k), i64::from(k))?;
        Ok(candidates(coefficients, output_tokens, profile, range)?[0])
    };
    let baseline = single(0)?;
    let sd = single(sd_k)?;
    let as_costs = |c: &Candidate| {
        crate::model::LoadCosts::from_totals(c.c1_s, c.c2_s, crate::model::SpecConfig::baseline())
    };
    let analysis = SpeedupAnalysis::new(&as_costs(&baseline), &as_costs(&sd));
    let baseline_source = if coverage.has_baseline {
        "the fitted stage coefficients at k = 0, with a measured plain-decoding series".to_string()
    } else {
        "the k = 0 limit of the stage coefficients; no plain-decoding series was measured"
            .to_string()
    };
    Ok(SpeedupSection {
        k: sd_k,
        expected_tokens: sd.expected_tokens,
        baseline_source,
        at_rates: request
            .rates_per_s
            .iter()
            .map(|&rate| SpeedupPoint {
                rate_per_s: Some(rate),
                concurrency: None,
                speedup: analysis.speedup_at_rate(rate),
            })
            .collect(),
        at_concurrencies: request
            .concurrencies
            .iter()
            .map(|&n| SpeedupPoint {
                rate_per_s: None,
                concurrency: Some(n),
                speedup: Some(analysis.speedup_at_concurrency(n)),
            })
            .collect(),
        analysis,
    })
}

fn capacity_section(
    model: &FitReport,
    table: &BestKTable,
    output_tokens: f64,
    profile: &AcceptanceProfile,
    request: &PlanRequest,
    target_s: f64,
) -> Result<CapacitySection, PlanError> {
    capacity::check_target(target_s)?;
    let (statistic, empirical, mape, costs) = match request.percentile {
        None => ("mean", false, None, table.candidates.clone()),
        Some(percentile) => {
            let percentile_model = model.percentile_model(percentile).ok_or_else(|| {
                let available: Vec<&str> = model
                    .percentile_models
                    .iter()
                    .map(|m| m.percentile.as_str())
                    .collect();
                PlanError::NoPercentileModel {
                    percentile: percentile.as_str(),
                    available: if available.is_empty() {
                        "none".to_string()
                    } else {
                        available.join(", ")
                    },
                }
            })?;
            let coefficients = percentile_model
                .coefficients
                .ok_or(PlanError::NoStageCoefficients)?;
            (
                percentile.as_str(),
                true,
                Some(percentile_model.mape_percent),
                candidates(&coefficients, output_tokens, profile, request.k_range)?,
            )
        }
    };
    let per_k = costs
        .iter()
        .map(|c| capacity::capacity_for_k(c, target_s))
        .collect::<Result<Vec<_>, _>>()?;
    let best = capacity::best_capacity(&costs, target_s)?;
    Ok(CapacitySection {
        target_s,
        statistic,
        empirical,
        percentile_mape_percent: mape,
        per_k,
        best,
    })
}

/// Renders the plan as tables for people. Warnings are not included; print them separately.
pub fn render_text(d: &PlanDocument) -> String {
    use super::significant;
    use super::table::Table;
    use std::fmt::Write as _;

    let mut out = String::new();
    let a = &d.acceptance;
    let alpha = a.alpha.map_or("-".to_string(), |v| format!("{v:.4}"));
    let _ = writeln!(
        out,
        "speclat plan: {} output tokens per request, acceptance from {} (effective alpha {alpha}), k in {}..={}",
        significant(d.output_tokens, 4),
        a.given_as,
        d.k_range.start,
        d.k_range.end
    );
    if let Some(described) = &d.described_system {
        let what = match &described.fitted_system {
            Some(name) => format!("fitted system {name}, as the fit across systems describes it"),
            None => "described system (not measured)".to_string(),
        };
        let _ = writeln!(
            out,
            "{what}: {} prompt and {} output tokens, {}; C1 within {:.1}% and C2 within {:.1}% (95%{})",
            significant(described.prompt_tokens, 4),
            significant(described.output_tokens, 4),
            if described.extrapolation_doublings > 0.0 {
                format!(
                    "{:.1} doublings beyond the fitted systems",
                    described.extrapolation_doublings
                )
            } else {
                "inside the fitted systems' range".to_string()
            },
            described.c1_interval_percent,
            described.c2_interval_percent,
            if described.includes_transfer_error {
                ", transfer error included"
            } else {
                ", statistical error only"
            }
        );
        let _ = writeln!(
            out,
            "measured on the fitted systems: k from {} to {}{}",
            described.measured_k[0],
            described.measured_k[1],
            described
                .measured_alpha
                .map_or(String::new(), |[low, high]| format!(
                    ", alpha from {low:.3} to {high:.3}"
                ))
        );
    } else {
        let _ = writeln!(
            out,
            "rests on the measured series: {}",
            d.rests_on.join(", ")
        );
    }

    let s = &d.speedup;
    let an = &s.analysis;
    let _ = writeln!(
        out,
        "\nSpeedup of k={} (E={:.3}) against plain decoding (baseline: {})",
        s.k, s.expected_tokens, s.baseline_source
    );
    let _ = writeln!(
        out,
        "  C1: {} s plain, {} s SD (C1R {:.3}); C2: {} s plain, {} s SD (C2R {:.3})",
        significant(an.baseline_c1_s, 4),
        significant(an.sd_c1_s, 4),
        an.c1_ratio,
        significant(an.baseline_c2_s, 4),
        significant(an.sd_c2_s, 4),
        an.c2_ratio
    );
    let rate_or_none = |v: Option<f64>| v.map_or("inf".to_string(), |r| format!("{r:.3} req/s"));
    let _ = writeln!(
        out,
        "  zero-load speedup {:.3}; saturation {} plain, {} SD",
        an.zero_load_speedup,
        rate_or_none(an.baseline_saturation_rate_per_s),
        rate_or_none(an.sd_saturation_rate_per_s)
    );
    let pays = match an.sd_pays {
        SdPays::WholeRange => "SD pays over the whole stable range: no break-even".to_string(),
        SdPays::Never => "SD never pays: it is slower even for a request alone".to_string(),
        SdPays::BelowBreakEven => format!(
            "break-even: {} open loop (utilisation r* = {:.3}), {} requests in flight closed loop",
            rate_or_none(an.break_even_rate_per_s),
            an.break_even_utilisation.unwrap_or(f64::NAN),
            an.break_even_concurrency
                .map_or("none".to_string(), |n| format!("{n:.1}"))
        ),
    };
    let _ = writeln!(out, "  {pays}");

    let _ = writeln!(
        out,
        "\nBest k (zero load: k={}, near saturation: k={})",
        d.zero_load_k, d.high_load_k
    );
    let mut table = Table::new([
        "load",
        "best_k",
        "latency_s",
        "k0_latency_s",
        "speedup_vs_k0",
    ]);
    let show = |v: Option<f64>| v.map_or("saturated".to_string(), |x| format!("{x:.4}"));
    for entry in &d.best_k {
        let load = match (entry.rate_per_s, entry.concurrency) {
            (Some(rate), _) => format!("rate {rate} req/s"),
            (_, Some(n)) => format!("N = {n}"),
            _ => String::new(),
        };
        let speedup = match (entry.baseline_latency_s, entry.latency_s) {
            (Some(b), Some(l)) => format!("{:.3}", b / l),
            _ => "-".to_string(),
        };
        table.row([
            load,
            entry.k.map_or("none".to_string(), |k| k.to_string()),
            show(entry.latency_s),
            show(entry.baseline_latency_s),
            speedup,
        ]);
    }
    out.push_str(&table.render(2));

    if let Some(c) = &d.capacity {
        let _ = writeln!(
            out,
            "\nCapacity under a {} latency target of {} s{}",
            c.statistic,
            c.target_s,
            c.percentile_mape_percent.map_or(String::new(), |m| format!(
                " (empirical percentile model, in-sample MAPE {m:.2}%)"
            ))
        );
        let mut table = Table::new(["k", "max_rate_per_s", "max_concurrency"]);
        for per_k in &c.per_k {
            table.row([
                per_k.k.to_string(),
                per_k
                    .max_rate_per_s
                    .map_or("misses target".to_string(), |r| format!("{r:.3}")),
                per_k
                    .max_concurrency
                    .map_or("misses target".to_string(), |n| format!("{n:.1}")),
            ]);
        }
        out.push_str(&table.render(2));
        match &c.best {
            Some(best) => {
                let _ = writeln!(
                    out,
                    "  best: k={} sustains {:.3} req/s ({:.1} requests in flight closed loop)",
                    best.k,
                    best.max_rate_per_s.unwrap_or(f64::NAN),
                    best.max_concurrency.unwrap_or(f64::NAN)
                );
            }
            None => {
                let _ = writeln!(out, "  no k meets the target");
            }
        }
    }

    let _ = writeln!(
        out,
        "\nvLLM --speculative-config (k per batch size, up to {}):",
        d.speculative_config
            .num_speculative_tokens_per_batch_size
            .last()
            .map_or(0, |r| r[1])
    );
    let _ = writeln!(
        out,
        "  {}",
        serde_json::to_string(&d.speculative_config).unwrap_or_default()
    );

    if !d.extrapolation.is_empty() {
        let _ = writeln!(out, "\nExtrapolation");
        for note in &d.extrapolation {
            let _ = writeln!(out, "  - {note}");
        }
    }
    out
}
