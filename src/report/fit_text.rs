//! The human-readable fit report: coefficients, solver, accuracy, series, residuals,
//! exclusions and warnings, in that order. `docs/fit-output.md` explains each line.

use std::fmt::Write as _;

use super::significant;
use super::table::{Align, Table};
use crate::fit::{FitReport, Identifiability, IntervalMethod};

/// How much of the report to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Everything except per-point residuals.
    Normal,
    /// Also every used point with its residual.
    Verbose,
}

/// Renders the whole report.
pub fn render(report: &FitReport, detail: Detail) -> String {
    let mut out = String::new();
    header(&mut out, report);
    coefficients(&mut out, report);
    solver(&mut out, report);
    accuracy(&mut out, report);
    series(&mut out, report);
    residuals(&mut out, report, detail);
    excluded(&mut out, report);
    percentiles(&mut out, report);
    out
}

/// The percentile models, with their in-sample accuracy.
fn percentiles(out: &mut String, report: &FitReport) {
    if report.percentile_models.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nLatency percentiles (the same closed form fitted to each percentile; empirical)"
    );
    let mut table = Table::new(["percentile", "points", "mape_%", "max_ape_%"]);
    for model in &report.percentile_models {
        table.row([
            model.percentile.as_str().to_string(),
            model.points.to_string(),
            format!("{:.2}", model.mape_percent),
            format!("{:.1}", model.max_ape_percent),
        ]);
    }
    out.push_str(&table.render(2));
}

/// Renders the warnings, one paragraph each, for printing after the results.
pub fn render_warnings(warnings: &[String]) -> String {
    let mut out = String::new();
    for warning in warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

fn header(out: &mut String, report: &FitReport) {
    let model = match &report.model.identifiability {
        Identifiability::Full => "six stage coefficients",
        Identifiability::NoDraft => "four stage coefficients (no drafting in the data)",
        Identifiability::Reduced { .. } => "C1 and C2 per series (stages not identifiable)",
    };
    let _ = writeln!(
        out,
        "speclat fit: {} series, {} of {} points used, {} excluded; model: {model}",
        report.series.len(),
        report.points.used,
        report.points.total,
        report.points.excluded.len()
    );
    let _ = writeln!(
        out,
        "mean output tokens per request: {}\n",
        significant(report.model.output_tokens_mean, 4)
    );
}

fn coefficients(out: &mut String, report: &FitReport) {
    if report.model.coefficient_intervals.is_empty() {
        return;
    }
    let method = match report.model.interval_method {
        IntervalMethod::Asymptotic => "from asymptotic standard errors",
        IntervalMethod::Bootstrap => "bootstrap percentiles",
    };
    let _ = writeln!(out, "Coefficients (seconds; 95% interval {method})");
    let mut table = Table::new([
        "coefficient",
        "value_s",
        "std_error_s",
        "interval_95_s",
        "note",
    ])
    .align(4, Align::Left);
    for c in &report.model.coefficient_intervals {
        let note = if c.fixed {
            "fixed at 0: not identifiable"
        } else if c.at_bound {
            "at lower bound 0"
        } else {
            ""
        };
        table.row([
            c.name.clone(),
            significant(c.value, 4),
            c.standard_error
                .map_or("-".to_string(), |v| significant(v, 2)),
            format!("[{}, {}]", significant(c.lower, 3), significant(c.upper, 3)),
            note.to_string(),
        ]);
    }
    out.push_str(&table.render(2));
    out.push('\n');
}

fn solver(out: &mut String, report: &FitReport) {
    let s = &report.solver;
    let _ = writeln!(
        out,
        "Solver: {} after {} iterations ({} residual and {} Jacobian evaluations); final cost {}; {} of {} points down-weighted (Huber delta {}, headroom exponent {})\n",
        s.stop_message,
        s.iterations,
        s.residual_evaluations,
        s.jacobian_evaluations,
        significant(s.cost, 4),
        s.downweighted_points,
        report.points.used,
        s.huber_delta,
        s.headroom_exponent
    );
}

fn accuracy(out: &mut String, report: &FitReport) {
    let a = &report.accuracy;
    let _ = writeln!(
        out,
        "Accuracy over {} fitted points (errors of predicted mean latency)",
        a.points
    );
    let _ = writeln!(
        out,
        "  in sample:                MAPE {:.2}%, max {:.1}%, R^2 {}",
        a.mape_percent,
        a.max_ape_percent,
        a.r2.map_or("undefined".to_string(), |r2| format!("{r2:.4}"))
    );
    match (a.loso_mape_percent, a.loso_max_ape_percent) {
        (Some(mape), Some(max)) => {
            let _ = writeln!(
                out,
                "  leave one series out:     MAPE {mape:.2}%, max {max:.1}%"
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  leave one series out:     not available (needs two or more series and shared stage coefficients)"
            );
        }
    }
    out.push('\n');
}

fn series(out: &mut String, report: &FitReport) {
    let _ = writeln!(
        out,
        "Series (C1: latency alone; C2: latency added per request in flight)"
    );
    let mut table = Table::new([
        "series",
        "k",
        "alpha",
        "E",
        "points",
        "C1_s",
        "C2_s",
        "sat_rate_per_s",
        "max_used_rate_per_s",
        "mape_%",
        "max_ape_%",
        "loso_mape_%",
    ]);
    for s in &report.series {
        table.row([
            s.label.clone(),
            s.k.to_string(),
            format!("{:.2}", s.alpha),
            format!("{:.3}", s.expected_tokens),
            format!("{}/{}", s.points_used, s.points_total),
            significant(s.c1_s, 4),
            significant(s.c2_s, 4),
            s.saturation_rate_per_s
                .map_or("inf".to_string(), |r| format!("{r:.2}")),
            format!("{:.2}", s.max_used_rate_per_s),
            format!("{:.2}", s.mape_percent),
            format!("{:.1}", s.max_ape_percent),
            s.loso_mape_percent
                .map_or("-".to_string(), |v| format!("{v:.2}")),
        ]);
    }
    out.push_str(&table.render(2));
    out.push('\n');
}

fn residuals(out: &mut String, report: &FitReport, detail: Detail) {
    let r = &report.residuals;
    let _ = writeln!(out, "Where the residuals are largest");
    let _ = writeln!(out, "  {}", r.summary);
    let mut table = Table::new(["group", "points", "mean_error_%", "mape_%"]);
    for g in r.by_rate_rank.iter().chain(&r.by_k).chain(&r.by_alpha) {
        table.row([
            g.group.clone(),
            g.points.to_string(),
            format!("{:+.2}", g.mean_error_percent),
            format!("{:.2}", g.mape_percent),
        ]);
    }
    out.push_str(&table.render(2));
    let _ = writeln!(
        out,
        "  largest residuals (negative: the model under-predicts)"
    );
    let mut largest = Table::new([
        "series",
        "index",
        "rate_rank",
        "rate_per_s",
        "latency_s",
        "predicted_s",
        "error_%",
        "weight",
    ]);
    let points: Vec<_> = match detail {
        Detail::Normal => r.largest.iter().take(5).collect(),
        Detail::Verbose => report.series.iter().flat_map(|s| &s.points).collect(),
    };
    for p in points {
        largest.row([
            p.series.clone(),
            p.index.to_string(),
            p.rate_rank_from_top.to_string(),
            format!("{:.3}", p.rate_per_s),
            format!("{:.3}", p.latency_s),
            p.predicted_latency_s
                .map_or("saturated".to_string(), |v| format!("{v:.3}")),
            p.error_percent
                .map_or("-".to_string(), |v| format!("{v:+.1}")),
            format!("{:.2}", p.weight),
        ]);
    }
    out.push_str(&largest.render(2));
    out.push('\n');
}

fn excluded(out: &mut String, report: &FitReport) {
    if report.points.excluded.is_empty() {
        return;
    }
    let _ = writeln!(out, "Excluded points ({})", report.points.excluded.len());
    let mut table =
        Table::new(["series", "index", "rate_per_s", "latency_s", "reason"]).align(4, Align::Left);
    for e in &report.points.excluded {
        table.row([
            e.series.clone(),
            e.index.to_string(),
            format!("{:.3}", e.rate_per_s),
            format!("{:.3}", e.latency_s),
            e.message.clone(),
        ]);
    }
    out.push_str(&table.render(2));
    out.push('\n');
}
