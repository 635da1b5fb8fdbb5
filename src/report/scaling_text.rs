//! The human-readable report of a fit across systems: terms, weights, systems, and the
//! leave-one-system-out table with interpolation and extrapolation compared.

use std::fmt::Write as _;

use super::significant;
use super::table::{Align, Table};
use crate::scaling::fit::ScalingModel;
use crate::scaling::terms::{Basis, Term};

/// Renders the whole report; `verbose` adds every point left out.
pub fn render(model: &ScalingModel, verbose: bool) -> String {
    let mut out = String::new();
    let basis = match model.basis {
        Basis::Architecture => "by architecture and length",
        Basis::LengthOnly => "by length only (no system has an architecture)",
    };
    let _ = writeln!(
        out,
        "Fit across {}, described {basis}: {} points, in-sample MAPE {}, max {}",
        count_systems(model.systems.len()),
        model.points,
        percent(model.mape_percent, 2),
        percent(model.max_ape_percent, 1)
    );

    let _ = writeln!(
        out,
        "\nTerms of each coefficient (kept in priority order while these systems separate them)"
    );
    let mut table = Table::new(["coefficient", "terms used", "left out"]).align(1, Align::Left);
    table = table.align(2, Align::Left);
    for c in &model.terms {
        let used = if c.used.is_empty() {
            "none (held at 0)".to_string()
        } else {
            c.used
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let dropped = c
            .dropped
            .iter()
            .map(|(t, r)| format!("{} ({})", t.name(), r.describe()))
            .collect::<Vec<_>>()
            .join("; ");
        table.row([c.coefficient.clone(), used, dropped]);
    }
    out.push_str(&table.render(2));

    let _ = writeln!(
        out,
        "\nWeights, seconds per unit of the term (95% interval)"
    );
    let mut table = Table::new(["coefficient", "term", "unit", "value", "interval"])
        .align(1, Align::Left)
        .align(2, Align::Left);
    for w in &model.weights {
        let half = model.z() * w.std_error;
        let interval = if w.at_bound {
            "at bound 0".to_string()
        } else {
            format!(
                "{} .. {}",
                significant((w.value - half).max(0.0), 3),
                significant(w.value + half, 3)
            )
        };
        table.row([
            w.coefficient.clone(),
            w.term.name().to_string(),
            w.term.unit(model.basis).to_string(),
            significant(w.value, 4),
            interval,
        ]);
    }
    out.push_str(&table.render(2));

    let _ = writeln!(out, "\nSystems (descriptors at each system's mean lengths)");
    let mut header = vec!["system".to_string()];
    let shown: Vec<Term> = [Term::Weights, Term::Layers, Term::PrefillWork, Term::KvRead]
        .into_iter()
        .filter(|t| model.basis == Basis::Architecture || t.depends_on_length())
        .collect();
    header.extend(shown.iter().map(|t| t.name().to_string()));
    header.extend(
        ["prompt", "output", "points used", "mape_%", "max_ape_%"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut table = Table::new(header);
    for s in &model.systems {
        let mut row = vec![s.name.clone()];
        for term in &shown {
            let value = s
                .descriptors
                .iter()
                .find(|(t, _)| t == term)
                .map(|(_, v)| *v);
            row.push(value.map_or("-".to_string(), |v| significant(v, 3)));
        }
        row.push(format!("{:.0}", s.prompt_tokens_mean));
        row.push(format!("{:.0}", s.output_tokens_mean));
        row.push(format!("{} of {}", s.points, s.points_total));
        row.push(number(s.mape_percent, 2));
        row.push(number(s.max_ape_percent, 1));
        table.row(row);
    }
    out.push_str(&table.render(2));

    excluded(&mut out, model, verbose);
    if let Some(held) = &model.leave_one_system_out {
        held_out(&mut out, model, held);
    }
    out
}

/// Lists the points each system's selection left out: counts by reason, and with `verbose`
/// every point.
fn excluded(out: &mut String, model: &ScalingModel, verbose: bool) {
    if model.systems.iter().all(|s| s.excluded.is_empty()) {
        return;
    }
    let _ = writeln!(
        out,
        "\nPoints left out (the single-system selection rules, run per system)"
    );
    for system in &model.systems {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for exclusion in &system.excluded {
            let kind = exclusion.reason.kind();
            match counts.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((kind, 1)),
            }
        }
        if counts.is_empty() {
            continue;
        }
        let list = counts
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(out, "  {}: {list}", system.name);
        if verbose {
            for e in &system.excluded {
                let _ = writeln!(out, "    {} [{}]: {}", e.series, e.index, e.message);
            }
        }
    }
    if !verbose {
        let _ = writeln!(out, "  -v lists every point left out, with its reason");
    }
}

fn held_out(out: &mut String, model: &ScalingModel, held: &[crate::scaling::fit::HeldOut]) {
    let _ = writeln!(
        out,
        "\nLeave one system out (each system predicted from the others)"
    );
    let mut table = Table::new([
        "held out",
        "position",
        "points",
        "mape_%",
        "max_ape_%",
        "C1_error_%",
        "C2_error_%",
        "in_95%_interval",
    ])
    .align(1, Align::Left);
    for h in held {
        let position = if h.extrapolation > 0.0 {
            format!("extrapolated ({:.1} doublings)", h.extrapolation)
        } else {
            "interpolated".to_string()
        };
        let (mape, max) = if h.saturated_points > 0 {
            (
                format!(
                    "saturates at {} of {}; {} on the rest",
                    h.saturated_points,
                    h.points,
                    number(h.mape_percent, 2)
                ),
                number(h.max_ape_percent, 1),
            )
        } else {
            (number(h.mape_percent, 2), number(h.max_ape_percent, 1))
        };
        table.row([
            h.name.clone(),
            position,
            h.points.to_string(),
            mape,
            max,
            format!("{:.1}", 100.0 * h.c1_relative_error),
            format!("{:.1}", 100.0 * h.c2_relative_error),
            h.interval_coverage
                .map_or("-".to_string(), |c| format!("{:.0}%", 100.0 * c)),
        ]);
    }
    out.push_str(&table.render(2));

    let mean = |inside: bool| {
        let values: Vec<f64> = held
            .iter()
            .filter(|h| (h.extrapolation == 0.0) == inside && h.saturated_points == 0)
            .filter_map(|h| h.mape_percent)
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let failed = held.iter().filter(|h| h.saturated_points > 0).count();
    match (mean(true), mean(false)) {
        (Some(inside), Some(outside)) => {
            let _ = writeln!(
                out,
                "  interpolated systems: mean MAPE {inside:.2}%; extrapolated: {outside:.2}% ({:.1} times larger){}",
                outside / inside,
                failed_note(failed)
            );
        }
        (Some(inside), None) => {
            let _ = writeln!(
                out,
                "  interpolated systems: mean MAPE {inside:.2}%{}",
                failed_note(failed)
            );
        }
        (None, Some(outside)) => {
            let _ = writeln!(
                out,
                "  every held-out system lies outside the others' range: mean MAPE {outside:.2}%{}",
                failed_note(failed)
            );
        }
        (None, None) => {}
    }
    let points: usize = held.iter().map(|h| h.points).sum();
    match crate::scaling::fit::pooled_coverage(held) {
        Some(share) => {
            let _ = writeln!(
                out,
                "  95% intervals from the other systems contain {:.1}% of the {points} held-out points",
                100.0 * share
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  in_95%_interval needs three or more systems: the transfer error of a held-out system's interval comes from the others"
            );
        }
    }
    if let Some([u1, u2]) = model.transfer_error {
        let _ = writeln!(
            out,
            "  transfer error inside the measured range (one sigma): C1 {:.1}%, C2 {:.1}%; it grows by 1 + e at e doublings beyond the fitted systems",
            100.0 * u1,
            100.0 * u2
        );
    }
}

/// Formats a count of systems as `1 system` or `N systems`.
fn count_systems(count: usize) -> String {
    if count == 1 {
        "1 system".to_string()
    } else {
        format!("{count} systems")
    }
}

fn failed_note(failed: usize) -> String {
    if failed == 0 {
        String::new()
    } else {
        format!("; {failed} held-out system(s) saturate below their measured rates")
    }
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.decimals$}"))
}

fn percent(value: Option<f64>, decimals: usize) -> String {
    value.map_or("n/a (a point is past saturation)".to_string(), |v| {
        format!("{v:.decimals$}%")
    })
}
