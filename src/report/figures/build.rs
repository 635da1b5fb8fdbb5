//! The six figures of a fit, as [`FigureSpec`] data.
//!
//! Each builder reads only the [`FitReport`] (the saved-model format), so `speclat fit --plots`
//! and `speclat report --model` draw the same figures. Speedup, break-even and best `k` come
//! from [`crate::plan`].

use std::collections::BTreeMap;

use super::{Axis, FigureSpec, Legend, Mark, Orientation, Panel, Rule, SeriesSpec, series_colour};
use crate::fit::{FitReport, SeriesFit};
use crate::model::{LoadCosts, SpecConfig};
use crate::plan::best_k::{BestKTable, Load, candidates_from_report, spec_for};
use crate::plan::{KRange, SpeedupAnalysis};

/// Points on every model curve.
const CURVE_POINTS: usize = 240;

/// Acceptance probability the figures focus on when the data do not suggest one: a typical
/// value for EAGLE-style drafters on chat prompts.
const DEFAULT_FOCUS_ALPHA: f64 = 0.7;

/// Configuration shown by the single-configuration figures; `None` picks a default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FigureOptions {
    pub k: Option<u32>,
    pub alpha: Option<f64>,
    /// Mean output tokens per request; `None` uses the fitted data's mean.
    pub output_tokens: Option<f64>,
}

/// The resolved configuration of the speedup and time-breakdown figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Focus {
    pub k: u32,
    pub alpha: f64,
    pub output_tokens: f64,
}

impl Focus {
    /// Fills the options' gaps: alpha is the measured value nearest 0.7, and k the draft length
    /// with the lowest predicted latency at half the plain-decoding saturation rate, a load
    /// where the choice of k matters.
    pub fn resolve(report: &FitReport, options: &FigureOptions) -> Self {
        let output_tokens = options
            .output_tokens
            .unwrap_or(report.model.output_tokens_mean);
        let alphas = measured_alphas(report);
        let alpha = options.alpha.unwrap_or_else(|| {
            alphas
                .iter()
                .copied()
                .min_by(|a, b| {
                    (a - DEFAULT_FOCUS_ALPHA)
                        .abs()
                        .total_cmp(&(b - DEFAULT_FOCUS_ALPHA).abs())
                })
                .unwrap_or(DEFAULT_FOCUS_ALPHA)
        });
        let k = options
            .k
            .unwrap_or_else(|| default_k(report, alpha, output_tokens));
        Self {
            k,
            alpha,
            output_tokens,
        }
    }

    fn spec(&self) -> Option<SpecConfig> {
        spec_for(self.k, self.alpha).ok()
    }
}

fn default_k(report: &FitReport, alpha: f64, output_tokens: f64) -> u32 {
    let max_k = max_k(report);
    let half_saturation = report
        .costs(SpecConfig::baseline(), output_tokens)
        .map(|b| 0.5 * b.saturation_rate_per_s())
        .filter(|r| r.is_finite());
    if let Some(rate) = half_saturation {
        let ks = KRange {
            start: 1,
            end: max_k,
        };
        let candidates = candidates_from_report(report, output_tokens, alpha, ks);
        let table = BestKTable::from_candidates(candidates, &[Load::Rate(rate)]);
        if let Some(k) = table.entries[0].k {
            return k;
        }
    }
    report
        .series
        .iter()
        .map(|s| s.k)
        .find(|&k| k > 0)
        .unwrap_or(0)
}

/// Builds every figure the model supports, in the order of the report.
pub fn build_all(report: &FitReport, options: &FigureOptions) -> Vec<FigureSpec> {
    let focus = Focus::resolve(report, options);
    let mut figures = vec![latency_vs_rate(report), collapse(report)];
    figures.extend(speedup(report, &focus));
    figures.extend(best_k(report, &focus));
    figures.extend(time_breakdown(report, &focus));
    figures.push(residuals(report));
    figures
}

/// Distinct acceptance probabilities of the speculative series, ascending.
pub(crate) fn measured_alphas(report: &FitReport) -> Vec<f64> {
    let mut alphas: Vec<f64> = report
        .series
        .iter()
        .filter(|s| s.k > 0)
        .map(|s| s.alpha)
        .collect();
    alphas.sort_by(f64::total_cmp);
    alphas.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    alphas
}

/// Distinct measured draft lengths above 0, ascending.
pub(crate) fn measured_ks(report: &FitReport) -> Vec<u32> {
    let mut ks: Vec<u32> = report
        .series
        .iter()
        .map(|s| s.k)
        .filter(|&k| k > 0)
        .collect();
    ks.sort_unstable();
    ks.dedup();
    ks
}

/// Largest measured draft length, at least 1.
pub(crate) fn max_k(report: &FitReport) -> u32 {
    report.series.iter().map(|s| s.k).max().unwrap_or(1).max(1)
}

fn alpha_colour(alphas: &[f64], alpha: f64) -> usize {
    let index = alphas
        .iter()
        .position(|a| (a - alpha).abs() < 1e-9)
        .unwrap_or(0);
    series_colour(index)
}

fn series_name(k: u32, alpha: f64) -> String {
    if k == 0 {
        "k=0 (no SD)".to_string()
    } else {
        format!("k={k}, alpha={alpha:.2}")
    }
}

/// `n` evenly spaced values from `lower` to `upper`, both included.
fn linspace(lower: f64, upper: f64, n: usize) -> impl Iterator<Item = f64> {
    let step = (upper - lower) / (n.max(2) - 1) as f64;
    (0..n.max(2)).map(move |i| lower + step * i as f64)
}

/// Formats a token count for titles: `128`, or `127.5` for a fractional mean.
pub(crate) fn tokens_text(tokens: f64) -> String {
    if tokens.fract() == 0.0 {
        format!("{tokens:.0}")
    } else {
        crate::report::significant(tokens, 4)
    }
}

fn series_costs(s: &SeriesFit) -> LoadCosts {
    let spec = spec_for(s.k, s.alpha).unwrap_or_else(|_| SpecConfig::baseline());
    LoadCosts::from_totals(s.c1_s, s.c2_s, spec)
}

/// Figure 1: measured and fitted latency against rate, one panel per draft length.
pub fn latency_vs_rate(report: &FitReport) -> FigureSpec {
    let alphas = measured_alphas(report);
    let mut by_k: BTreeMap<u32, Vec<&SeriesFit>> = BTreeMap::new();
    for s in &report.series {
        by_k.entry(s.k).or_default().push(s);
    }

    let mut panels = Vec::new();
    for (k, group) in by_k {
        // Ranges cover every measured point. Excluded points far above the fitted ones would
        // flatten the curves, so the latency axis stops at 2.5 times the highest fitted latency.
        let excluded: Vec<(&SeriesFit, f64, f64)> = group
            .iter()
            .flat_map(|s| {
                report
                    .points
                    .excluded
                    .iter()
                    .filter(|e| e.series == s.label)
                    .map(move |e| (*s, e.rate_per_s, e.latency_s))
            })
            .collect();
        let used_rates = group
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.rate_per_s));
        let rate_upper = used_rates
            .chain(excluded.iter().map(|e| e.1))
            .fold(0.0, f64::max)
            * 1.05;
        let used_latency_max = group
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.latency_s))
            .fold(0.0, f64::max);
        let latency_upper = excluded
            .iter()
            .map(|e| e.2)
            .fold(used_latency_max, f64::max)
            .min(2.5 * used_latency_max)
            * 1.05;

        let mut series = Vec::new();
        let mut rules = Vec::new();
        for s in &group {
            let colour = alpha_colour(&alphas, s.alpha);
            let costs = series_costs(s);
            let curve: Vec<(f64, f64)> = linspace(0.0, rate_upper, CURVE_POINTS)
                .map_while(|rate| {
                    costs
                        .latency_at_rate(rate)
                        .filter(|l| *l <= latency_upper)
                        .map(|l| (rate, l))
                })
                .collect();
            series.push(SeriesSpec {
                name: series_name(s.k, s.alpha),
                mark: Mark::Line,
                colour,
                points: curve,
            });
            series.push(SeriesSpec {
                name: String::new(),
                mark: Mark::Dots,
                colour,
                points: s
                    .points
                    .iter()
                    .map(|p| (p.rate_per_s, p.latency_s))
                    .collect(),
            });
            let own_excluded: Vec<(f64, f64)> = excluded
                .iter()
                .filter(|e| e.0.label == s.label)
                .map(|e| (e.1, e.2))
                .collect();
            if !own_excluded.is_empty() {
                series.push(SeriesSpec {
                    name: String::new(),
                    mark: Mark::Crosses,
                    colour,
                    points: own_excluded,
                });
            }
            if let Some(saturation) = s.saturation_rate_per_s {
                rules.push(Rule {
                    orientation: Orientation::Vertical,
                    at: saturation,
                    colour,
                    label: format!("saturation {saturation:.2} req/s"),
                });
            }
        }
        panels.push(Panel {
            title: if k == 0 {
                "k=0 (no SD)".to_string()
            } else {
                format!("k={k}")
            },
            x_axis: Axis {
                label: "request rate (req/s)".to_string(),
                lower: 0.0,
                upper: rate_upper,
                labelled_from: None,
            },
            y_axis: Axis {
                label: "mean latency (s)".to_string(),
                lower: 0.0,
                upper: latency_upper,
                labelled_from: None,
            },
            series,
            rules,
            legend: Legend::UpperLeft,
        });
    }

    let columns = panels.len().clamp(1, 4);
    let rows = panels.len().div_ceil(columns);
    FigureSpec {
        name: "latency_vs_rate",
        title: "Mean latency against request rate: dots fitted points, crosses excluded points, lines the model, dashed lines saturation".to_string(),
        columns,
        width_px: 420 * columns as u32,
        height_px: 60 + 380 * rows as u32,
        panels,
    }
}

/// Figure 2: every fitted point at `x = rate * C2`, `y = L / C1`, against `y = 1 / (1 - x)`.
pub fn collapse(report: &FitReport) -> FigureSpec {
    let ks: Vec<u32> = {
        let mut ks: Vec<u32> = report.series.iter().map(|s| s.k).collect();
        ks.sort_unstable();
        ks.dedup();
        ks
    };
    let mut series = Vec::new();
    let mut x_max: f64 = 0.0;
    let mut y_max: f64 = 1.0;
    for (i, &k) in ks.iter().enumerate() {
        let points: Vec<(f64, f64)> = report
            .series
            .iter()
            .filter(|s| s.k == k && s.c1_s > 0.0)
            .flat_map(|s| {
                s.points
                    .iter()
                    .map(move |p| (p.rate_per_s * s.c2_s, p.latency_s / s.c1_s))
            })
            .collect();
        for &(x, y) in &points {
            x_max = x_max.max(x);
            y_max = y_max.max(y);
        }
        series.push(SeriesSpec {
            name: if k == 0 {
                "k=0 (no SD)".to_string()
            } else {
                format!("k={k}, every alpha")
            },
            mark: Mark::Dots,
            colour: series_colour(i),
            points,
        });
    }

    let x_upper = (x_max * 1.05).clamp(0.1, 0.99);
    let curve_end = x_upper.min(1.0 - 1.0 / (y_max * 1.1));
    series.push(SeriesSpec {
        name: "model: 1 / (1 - x)".to_string(),
        mark: Mark::Line,
        colour: 0,
        points: linspace(0.0, curve_end.max(0.0), CURVE_POINTS)
            .map(|x| (x, 1.0 / (1.0 - x)))
            .collect(),
    });
    FigureSpec {
        name: "collapse",
        title: "Every fitted point on one curve: latency over C1 against rate times C2".to_string(),
        columns: 1,
        width_px: 900,
        height_px: 640,
        panels: vec![Panel {
            title: String::new(),
            x_axis: Axis {
                label: "rate x C2 (dimensionless; 1 = saturation)".to_string(),
                lower: 0.0,
                upper: x_upper,
                labelled_from: None,
            },
            y_axis: Axis {
                label: "latency / C1 (dimensionless)".to_string(),
                lower: 0.0,
                upper: y_max * 1.1,
                labelled_from: None,
            },
            series,
            rules: Vec::new(),
            legend: Legend::UpperLeft,
        }],
    }
}

/// Figure 3: speedup over plain decoding against rate and against concurrency, for each
/// measured draft length at the focus alpha; `None` without plain-decoding costs.
pub fn speedup(report: &FitReport, focus: &Focus) -> Option<FigureSpec> {
    let g = focus.output_tokens;
    let baseline = report.costs(SpecConfig::baseline(), g)?;
    let mut ks = measured_ks(report);
    if ks.is_empty() && focus.k > 0 {
        ks.push(focus.k);
    }
    let configurations: Vec<(u32, LoadCosts)> = ks
        .iter()
        .filter_map(|&k| {
            let spec = SpecConfig::new(k, focus.alpha).ok()?;
            Some((k, report.costs(spec, g)?))
        })
        .collect();
    if configurations.is_empty() || !baseline.saturation_rate_per_s().is_finite() {
        return None;
    }

    // Rates run to 90% of the plain-decoding saturation rate: closer to it the baseline's
    // latency, and with it the speedup, grows without bound and hides the rest of the curves.
    // The concurrency axis covers the highest concurrency among the fitted points.
    let rate_upper = 0.9 * baseline.saturation_rate_per_s();
    let concurrency_upper = report
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.rate_per_s * p.latency_s))
        .fold(8.0, f64::max)
        .ceil();

    let mut by_rate = Vec::new();
    let mut by_concurrency = Vec::new();
    let mut rate_crossings = Vec::new();
    let mut concurrency_crossings = Vec::new();
    let mut rate_y_max: f64 = 1.2;
    let mut concurrency_y_max: f64 = 1.2;
    for (i, (k, sd)) in configurations.iter().enumerate() {
        let name = series_name(*k, focus.alpha);
        let analysis = SpeedupAnalysis::new(&baseline, sd);
        let over_rate: Vec<(f64, f64)> = linspace(0.0, rate_upper, CURVE_POINTS)
            .filter_map(|rate| analysis.speedup_at_rate(rate).map(|s| (rate, s)))
            .collect();
        let over_concurrency: Vec<(f64, f64)> = linspace(1.0, concurrency_upper, CURVE_POINTS)
            .map(|n| (n, analysis.speedup_at_concurrency(n)))
            .collect();
        rate_y_max = over_rate.iter().map(|p| p.1).fold(rate_y_max, f64::max);
        concurrency_y_max = over_concurrency
            .iter()
            .map(|p| p.1)
            .fold(concurrency_y_max, f64::max);
        rate_crossings.extend(analysis.break_even_rate_per_s.map(|r| (r, 1.0)));
        concurrency_crossings.extend(
            analysis
                .break_even_concurrency
                .filter(|n| *n <= concurrency_upper)
                .map(|n| (n, 1.0)),
        );
        by_rate.push(SeriesSpec {
            name: name.clone(),
            mark: Mark::Line,
            colour: series_colour(i),
            points: over_rate,
        });
        by_concurrency.push(SeriesSpec {
            name,
            mark: Mark::Line,
            colour: series_colour(i),
            points: over_concurrency,
        });
    }
    // Break-even markers only where a curve crosses 1, so the legend promises nothing absent.
    let break_even = |points: Vec<(f64, f64)>| SeriesSpec {
        name: "break-even (plain decoding faster beyond)".to_string(),
        mark: Mark::Crosses,
        colour: 0,
        points,
    };
    if !rate_crossings.is_empty() {
        by_rate.push(break_even(rate_crossings));
    }
    if !concurrency_crossings.is_empty() {
        by_concurrency.push(break_even(concurrency_crossings));
    }

    let no_speedup = || Rule {
        orientation: Orientation::Horizontal,
        at: 1.0,
        colour: 0,
        label: "speedup 1".to_string(),
    };
    let speedup_axis = |y_max: f64| Axis {
        label: "speedup over k=0 (latency ratio)".to_string(),
        lower: 0.0,
        upper: y_max * 1.1,
        labelled_from: None,
    };
    Some(FigureSpec {
        name: "speedup",
        title: format!(
            "Speedup of speculative decoding over plain decoding at alpha={:.2}, {} output tokens",
            focus.alpha,
            tokens_text(g)
        ),
        columns: 2,
        width_px: 1400,
        height_px: 620,
        panels: vec![
            Panel {
                title: "open loop: against request rate".to_string(),
                x_axis: Axis {
                    label: "request rate (req/s)".to_string(),
                    lower: 0.0,
                    upper: rate_upper,
                    labelled_from: None,
                },
                y_axis: speedup_axis(rate_y_max),
                series: by_rate,
                rules: vec![no_speedup()],
                legend: Legend::LowerLeft,
            },
            Panel {
                title: "closed loop: against requests in flight".to_string(),
                x_axis: Axis {
                    label: "concurrency (requests in flight)".to_string(),
                    lower: 0.0,
                    upper: concurrency_upper,
                    labelled_from: None,
                },
                y_axis: speedup_axis(concurrency_y_max),
                series: by_concurrency,
                rules: vec![no_speedup()],
                legend: Legend::LowerLeft,
            },
        ],
    })
}

/// Figure 4: the draft length with the lowest predicted latency against rate, for several
/// acceptance probabilities; `None` when the model cannot predict unmeasured configurations.
pub fn best_k(report: &FitReport, focus: &Focus) -> Option<FigureSpec> {
    report.model.coefficients?;
    let g = focus.output_tokens;
    let max_k = max_k(report);
    let mut alphas = measured_alphas(report);
    if alphas.is_empty() {
        alphas = vec![0.5, 0.6, 0.7, 0.8, 0.9];
    }
    let rate_upper = report
        .costs(SpecConfig::baseline(), g)?
        .saturation_rate_per_s();
    if !rate_upper.is_finite() {
        return None;
    }

    let rates: Vec<f64> = linspace(0.0, 0.995 * rate_upper, CURVE_POINTS * 2).collect();
    let loads: Vec<Load> = rates.iter().map(|&rate| Load::Rate(rate)).collect();
    let ks = KRange {
        start: 0,
        end: max_k,
    };
    let mut series = Vec::new();
    for (i, &alpha) in alphas.iter().enumerate() {
        let candidates = candidates_from_report(report, g, alpha, ks);
        let table = BestKTable::from_candidates(candidates, &loads);
        let mut points: Vec<(f64, f64)> = Vec::new();
        for (&rate, entry) in rates.iter().zip(&table.entries) {
            // Past the last rate at which some k is stable, every k is saturated.
            let Some(k) = entry.k else {
                break;
            };
            // Steps, not slopes: repeat the rate at each change of k.
            if let Some(&(_, previous)) = points.last()
                && previous != f64::from(k)
            {
                points.push((rate, previous));
            }
            points.push((rate, f64::from(k)));
        }
        series.push(SeriesSpec {
            name: format!("alpha={alpha:.2}"),
            mark: Mark::Line,
            colour: series_colour(i),
            points,
        });
    }
    Some(FigureSpec {
        name: "best_k",
        title: format!(
            "Draft length with the lowest predicted latency (k=0: speculative decoding off), k from 0 to {max_k}"
        ),
        columns: 1,
        width_px: 1000,
        height_px: 620,
        panels: vec![Panel {
            title: String::new(),
            x_axis: Axis {
                label: "request rate (req/s)".to_string(),
                lower: 0.0,
                upper: rate_upper,
                labelled_from: None,
            },
            // The band below k = 0 leaves the legend room clear of the lines.
            y_axis: Axis {
                label: "best draft length k (tokens)".to_string(),
                lower: -0.4 * f64::from(max_k) - 0.5,
                upper: f64::from(max_k) + 0.5,
                labelled_from: Some(0.0),
            },
            series,
            rules: Vec::new(),
            legend: Legend::LowerLeft,
        }],
    })
}

/// Figure 5: mean latency split into prefill, verification and drafting, each load-independent
/// (C1 part) and load-dependent (B times the C2 part), stacked against rate.
pub fn time_breakdown(report: &FitReport, focus: &Focus) -> Option<FigureSpec> {
    let spec = focus.spec()?;
    let g = focus.output_tokens;
    let costs = report.costs(spec, g)?;
    // 85% of saturation: latency there is already 6.7 times C1, and closer to saturation the
    // divergence would flatten every layer below it.
    let rate_upper = 0.85 * costs.saturation_rate_per_s();
    if !rate_upper.is_finite() {
        return None;
    }

    // Each layer is a function of the concurrency B = rate * L at that rate.
    let cycles = g / spec.expected_tokens();
    let k = f64::from(spec.k());
    type Layer = (&'static str, usize, Box<dyn Fn(f64) -> f64>);
    let layers: Vec<Layer> = match report.model.coefficients {
        Some(c) => vec![
            (
                "prefill, load-independent",
                1,
                Box::new(move |_| c.c1_prefill),
            ),
            (
                "verification, load-independent",
                5,
                Box::new(move |_| cycles * c.c1_verify),
            ),
            (
                "drafting, load-independent",
                3,
                Box::new(move |_| cycles * k * c.c1_draft),
            ),
            (
                "prefill, load-dependent",
                4,
                Box::new(move |b| b * c.c2_prefill),
            ),
            (
                "verification, load-dependent",
                2,
                Box::new(move |b| b * cycles * c.c2_verify),
            ),
            (
                "drafting, load-dependent",
                6,
                Box::new(move |b| b * cycles * k * c.c2_draft),
            ),
        ],
        None => vec![
            ("load-independent C1", 5, Box::new(move |_| costs.c1_s)),
            (
                "load-dependent B x C2",
                4,
                Box::new(move |b| b * costs.c2_s),
            ),
        ],
    };

    let rates: Vec<f64> = linspace(0.0, rate_upper, CURVE_POINTS).collect();
    let concurrency: Vec<f64> = rates
        .iter()
        .map(|&r| r * costs.latency_at_rate(r).unwrap_or(f64::NAN))
        .collect();
    let mut lower = vec![0.0; rates.len()];
    let mut series = Vec::new();
    for (name, colour, layer) in &layers {
        let upper: Vec<f64> = lower
            .iter()
            .zip(&concurrency)
            .map(|(l, b)| l + layer(*b))
            .collect();
        series.push(SeriesSpec {
            name: name.to_string(),
            mark: Mark::Band {
                lower: lower.clone(),
            },
            colour: *colour,
            points: rates.iter().copied().zip(upper.iter().copied()).collect(),
        });
        lower = upper;
    }
    let top = lower.iter().copied().fold(0.0, f64::max);
    Some(FigureSpec {
        name: "time_breakdown",
        title: format!(
            "Where the time goes at {}, {} output tokens (mean latency = sum of the layers)",
            series_name(spec.k(), spec.alpha()),
            tokens_text(g)
        ),
        columns: 1,
        width_px: 1000,
        height_px: 640,
        panels: vec![Panel {
            title: String::new(),
            x_axis: Axis {
                label: "request rate (req/s)".to_string(),
                lower: 0.0,
                upper: rate_upper,
                labelled_from: None,
            },
            y_axis: Axis {
                label: "mean latency (s)".to_string(),
                lower: 0.0,
                upper: top * 1.05,
                labelled_from: None,
            },
            series,
            rules: Vec::new(),
            legend: Legend::UpperLeft,
        }],
    })
}

/// Figure 6: signed residual of every fitted point against its rate, coloured by draft length.
pub fn residuals(report: &FitReport) -> FigureSpec {
    let mut by_k: BTreeMap<u32, Vec<(f64, f64)>> = BTreeMap::new();
    let mut rate_max: f64 = 0.0;
    let mut error_max: f64 = 1.0;
    for s in &report.series {
        for p in &s.points {
            if let Some(error) = p.error_percent {
                by_k.entry(s.k).or_default().push((p.rate_per_s, error));
                rate_max = rate_max.max(p.rate_per_s);
                error_max = error_max.max(error.abs());
            }
        }
    }
    let series = by_k
        .into_iter()
        .enumerate()
        .map(|(i, (k, points))| SeriesSpec {
            name: if k == 0 {
                "k=0 (no SD)".to_string()
            } else {
                format!("k={k}, every alpha")
            },
            mark: Mark::Dots,
            colour: series_colour(i),
            points,
        })
        .collect();
    FigureSpec {
        name: "residuals",
        title: "Residuals of the fitted points (negative: the model under-predicts)".to_string(),
        columns: 1,
        width_px: 1000,
        height_px: 620,
        panels: vec![Panel {
            title: String::new(),
            x_axis: Axis {
                label: "request rate (req/s)".to_string(),
                lower: 0.0,
                upper: rate_max * 1.05,
                labelled_from: None,
            },
            y_axis: Axis {
                label: "error of predicted latency (%)".to_string(),
                lower: -error_max * 1.1,
                upper: error_max * 1.1,
                labelled_from: None,
            },
            series,
            rules: vec![Rule {
                orientation: Orientation::Horizontal,
                at: 0.0,
                colour: 0,
                label: "no error".to_string(),
            }],
            legend: Legend::UpperLeft,
        }],
    }
}
