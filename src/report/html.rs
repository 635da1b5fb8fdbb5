//! The HTML report: one self-contained page with the fit summary, the figures, planning tables
//! and a what-if panel.
//!
//! The page loads nothing: styles and the script are inline, the figures are inline SVG, and a
//! Content-Security-Policy forbids every network request. The what-if panel recomputes the
//! closed form in JavaScript from the fitted coefficients, which the page embeds as JSON with
//! full precision. [`WHATIF_SCRIPT`] performs the same floating-point operations in the same
//! order as [`crate::model`]. Its raw values, kept in `data-value` attributes, therefore match
//! `speclat predict`; a browser test checks the agreement to a relative 1e-9.

use std::fmt::Write as _;

use serde::Serialize;

use super::figures::{self, DrawError, FigureOptions, Focus};
use super::significant;
use crate::fit::{FitReport, Identifiability, IntervalMethod};
use crate::model::{LoadCosts, SpecConfig, StageCoefficients};
use crate::plan::best_k::{BestKTable, Candidate, Load, candidates_from_report, spec_for};
use crate::plan::capacity::{Capacity, best_capacity, capacity_for_k};
use crate::plan::{KRange, SpeedupAnalysis};

/// Settings of the HTML report.
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions {
    /// Configuration of the single-configuration figures and the what-if panel's start.
    pub figures: FigureOptions,
    /// Origin of the fit, shown under the title (for example the input paths).
    pub source: String,
}

/// Renders the whole page.
pub fn render(report: &FitReport, options: &HtmlOptions) -> Result<String, DrawError> {
    let focus = Focus::resolve(report, &options.figures);
    let mut page = String::with_capacity(1 << 20);
    page.push_str(&head());

    // Sections, in the order a reader needs them: what the fit is, how good it is, what it
    // implies, then the interactive panel and the figures behind it all.
    let _ = writeln!(page, "<header><h1>speclat report</h1>");
    let _ = writeln!(
        page,
        "<p class=\"meta\">{} &middot; speclat {} &middot; {} series, {} of {} points fitted, {} excluded</p></header>",
        escape(&options.source),
        escape(&report.speclat_version),
        report.series.len(),
        report.points.used,
        report.points.total,
        report.points.excluded.len()
    );
    page.push_str("<main>\n");
    whatif_panel(&mut page, report, &focus);
    summary(&mut page, report);
    planning_tables(&mut page, report, &focus);
    figure_section(&mut page, report, &options.figures)?;
    series_table(&mut page, report);
    excluded_table(&mut page, report);
    warnings(&mut page, report);
    page.push_str("</main>\n");
    let _ = writeln!(
        page,
        "<script type=\"application/json\" id=\"model-data\">{}</script>",
        model_json(report, &focus)
    );
    let _ = writeln!(page, "<script>{WHATIF_SCRIPT}</script>\n</body>\n</html>");
    Ok(page)
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn head() -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>speclat report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
header { background: #1f3b57; color: #fff; padding: 14px 28px; }
header h1 { margin: 0; font-size: 24px; }
header .meta { margin: 4px 0 0; color: #d6e2ee; font-size: 14px; }
main { padding: 8px 28px 40px; max-width: 1500px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px 20px; margin: 16px 0; }
h2 { font-size: 19px; margin: 6px 0 10px; }
p.note { color: #555; font-size: 13px; max-width: 1000px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 10px; text-align: right; white-space: nowrap; }
th { background: #f1f4f7; }
td.text, th.text { text-align: left; white-space: normal; }
.scroll { max-height: 420px; overflow: auto; max-width: 100%; }
figure { margin: 14px 0 24px; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 14px; color: #333; max-width: 1000px; margin-top: 4px; }
#whatif form { display: flex; flex-wrap: wrap; gap: 14px 22px; align-items: end; }
#whatif label { display: flex; flex-direction: column; font-size: 13px; color: #333; }
#whatif input { font-size: 15px; width: 120px; padding: 3px 5px; }
#whatif .outputs { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px 18px; margin-top: 14px; }
#whatif .outputs div { background: #f4f7fa; border-radius: 4px; padding: 6px 10px; }
#whatif .outputs span { display: block; font-size: 12px; color: #555; }
#whatif output { font-size: 20px; font-weight: bold; }
#whatif .warn { color: #9a4b00; font-size: 13px; min-height: 1em; }
ul.warnings li { margin: 4px 0; font-size: 14px; }
";

fn whatif_panel(page: &mut String, report: &FitReport, focus: &Focus) {
    let start_rate = report
        .costs(
            spec_for(focus.k, focus.alpha).unwrap_or_else(|_| SpecConfig::baseline()),
            focus.output_tokens,
        )
        .map(|c| c.saturation_rate_per_s() * 0.5)
        .filter(|r| r.is_finite())
        .map_or(1.0, |r| (r * 10.0).round() / 10.0);
    let _ = writeln!(
        page,
        "<section id=\"whatif\"><h2>What if: predicted latency for one configuration</h2>\n\
         <p class=\"note\">Change any field; the numbers follow the fitted model <code>L = C1 / (1 - rate &times; C2)</code>. \
         Entering an acceptance length sets alpha to the value that gives it at this k. \
         The page address keeps the inputs after <code>#</code>, for example <code>#k=3&amp;alpha=0.7&amp;rate=5&amp;output_tokens=128</code>.</p>\n\
         <form onsubmit=\"return false\">\n\
         <label>draft length k (tokens)<input id=\"in-k\" type=\"number\" min=\"0\" max=\"64\" step=\"1\" value=\"{k}\"></label>\n\
         <label>acceptance probability alpha<input id=\"in-alpha\" type=\"number\" min=\"0.01\" max=\"1\" step=\"0.01\" value=\"{alpha}\"></label>\n\
         <label>or acceptance length E (tokens)<input id=\"in-acceptance\" type=\"number\" min=\"1\" step=\"0.01\" value=\"\"></label>\n\
         <label>request rate (req/s)<input id=\"in-rate\" type=\"number\" min=\"0\" step=\"0.1\" value=\"{rate}\"></label>\n\
         <label>output tokens per request<input id=\"in-output\" type=\"number\" min=\"1\" step=\"1\" value=\"{g}\"></label>\n\
         </form>\n<div class=\"outputs\">",
        k = focus.k,
        alpha = focus.alpha,
        rate = start_rate,
        g = focus.output_tokens,
    );
    for (id, label) in [
        ("latency", "mean latency (s)"),
        ("ttft", "time to first token (s)"),
        ("itl", "inter-token latency (ms)"),
        ("concurrency", "requests in flight"),
        ("speedup", "speedup over k=0"),
        ("saturation", "saturation rate (req/s)"),
        ("c1", "C1: latency alone (s)"),
        ("c2", "C2: added per request in flight (s)"),
        ("expected", "E: tokens per verification"),
    ] {
        let _ = writeln!(
            page,
            "<div><span>{label}</span><output id=\"out-{id}\" data-value=\"\">-</output></div>"
        );
    }
    let _ = writeln!(
        page,
        "</div>\n<p class=\"warn\" id=\"whatif-warning\"></p>\n\
         <p class=\"note\">TTFT and ITL are derived from stage costs fitted to end-to-end latency, not fitted to measured TTFT or ITL; \
         the prefill cost under load also absorbs the time other requests' prefills take from decoding, so use the latency for decisions.</p></section>"
    );
}

fn summary(page: &mut String, report: &FitReport) {
    let model = match &report.model.identifiability {
        Identifiability::Full => "six stage coefficients".to_string(),
        Identifiability::NoDraft => "four stage coefficients (no drafting in the data)".to_string(),
        Identifiability::Reduced {
            not_identifiable,
            reason,
        } => format!(
            "C1 and C2 per series: {} not identifiable ({})",
            not_identifiable.join(", "),
            reason
        ),
    };
    let _ = writeln!(
        page,
        "<section id=\"summary\"><h2>Fit</h2>\n<p>Model: {}; mean output tokens per request {}.</p>",
        escape(&model),
        significant(report.model.output_tokens_mean, 4)
    );

    if !report.model.coefficient_intervals.is_empty() {
        let method = match report.model.interval_method {
            IntervalMethod::Asymptotic => "from asymptotic standard errors",
            IntervalMethod::Bootstrap => "bootstrap percentiles",
        };
        let _ = writeln!(
            page,
            "<table><caption>Stage coefficients, seconds; 95% interval {method}</caption>\n\
             <tr><th class=\"text\">coefficient</th><th>value (s)</th><th>standard error (s)</th><th>95% interval (s)</th><th class=\"text\">note</th></tr>"
        );
        for c in &report.model.coefficient_intervals {
            let note = if c.fixed {
                "fixed at 0: not identifiable"
            } else if c.at_bound {
                "at lower bound 0"
            } else {
                ""
            };
            let _ = writeln!(
                page,
                "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td class=\"text\">{note}</td></tr>",
                escape(&c.name),
                significant(c.value, 4),
                c.standard_error
                    .map_or("-".to_string(), |v| significant(v, 2)),
                significant(c.lower, 3),
                significant(c.upper, 3)
            );
        }
        page.push_str("</table>\n");
    }

    let s = &report.solver;
    let a = &report.accuracy;
    let _ = writeln!(
        page,
        "<p>Solver: {} after {} iterations; final cost {}; {} of {} points down-weighted.</p>",
        escape(&s.stop_message),
        s.iterations,
        significant(s.cost, 4),
        s.downweighted_points,
        report.points.used
    );
    let loso = match (a.loso_mape_percent, a.loso_max_ape_percent) {
        (Some(mape), Some(max)) => format!("<td>{mape:.2}%</td><td>{max:.1}%</td><td>-</td>"),
        _ => "<td>-</td><td>-</td><td>-</td>".to_string(),
    };
    let _ = writeln!(
        page,
        "<table><caption>Accuracy of predicted mean latency over {} fitted points</caption>\n\
         <tr><th class=\"text\">check</th><th>MAPE</th><th>max error</th><th>R&sup2;</th></tr>\n\
         <tr><td class=\"text\">in sample</td><td>{:.2}%</td><td>{:.1}%</td><td>{}</td></tr>\n\
         <tr><td class=\"text\">leave one series out</td>{loso}</tr></table>",
        a.points,
        a.mape_percent,
        a.max_ape_percent,
        a.r2.map_or("undefined".to_string(), |r2| format!("{r2:.4}"))
    );
    let _ = writeln!(
        page,
        "<p class=\"note\">Leave one series out refits without each series and predicts it: the error to expect for a configuration you have not measured.</p>\n<p class=\"note\">{}</p></section>",
        escape(&sentence_case(&report.residuals.summary))
    );
}

/// Rates for the planning tables: fractions of the plain-decoding saturation rate, rounded
/// to two significant digits.
fn planning_rates(saturation_rate_per_s: f64) -> Vec<f64> {
    let mut rates: Vec<f64> = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .map(|f| round_significant(f * saturation_rate_per_s, 2))
        .collect();
    rates.dedup();
    rates
}

fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(digits - 1 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

fn planning_tables(page: &mut String, report: &FitReport, focus: &Focus) {
    let g = focus.output_tokens;
    let _ = writeln!(
        page,
        "<section id=\"planning\"><h2>Planning at {} output tokens per request</h2>",
        figures::build::tokens_text(g)
    );
    let Some(baseline) = report.costs(SpecConfig::baseline(), g) else {
        let _ = writeln!(
            page,
            "<p>The model has no plain-decoding (k=0) costs: its stages are not identifiable and no k=0 series was measured, so speedup, break-even and best k are not available.</p></section>"
        );
        return;
    };
    let max_k = figures::build::max_k(report);
    let mut alphas = figures::build::measured_alphas(report);
    if alphas.is_empty() {
        alphas = vec![0.5, 0.7, 0.9];
    }
    let header: String = alphas
        .iter()
        .map(|a| format!("<th>alpha={a:.2}</th>"))
        .collect();
    let ks = KRange {
        start: 0,
        end: max_k,
    };
    let candidates_by_alpha: Vec<Vec<Candidate>> = alphas
        .iter()
        .map(|&alpha| candidates_from_report(report, g, alpha, ks))
        .collect();

    if report.model.coefficients.is_some() && baseline.saturation_rate_per_s().is_finite() {
        let _ = writeln!(
            page,
            "<table><caption>Best draft length k (0 to {max_k}) by request rate, with its predicted mean latency</caption>\n<tr><th>rate (req/s)</th>{header}</tr>"
        );
        let rates = planning_rates(baseline.saturation_rate_per_s());
        let loads: Vec<Load> = rates.iter().map(|&rate| Load::Rate(rate)).collect();
        let tables: Vec<BestKTable> = candidates_by_alpha
            .iter()
            .map(|candidates| BestKTable::from_candidates(candidates.clone(), &loads))
            .collect();
        for (row, rate) in rates.iter().enumerate() {
            let _ = write!(page, "<tr><td>{}</td>", significant(*rate, 3));
            for table in &tables {
                let entry = &table.entries[row];
                let cell = match (entry.k, entry.latency_s) {
                    (Some(k), Some(latency_s)) => {
                        format!("k={k} ({} s)", significant(latency_s, 3))
                    }
                    _ => "saturated".to_string(),
                };
                let _ = write!(page, "<td>{cell}</td>");
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</table>\n");
    }

    let measured_ks = figures::build::measured_ks(report);
    if !measured_ks.is_empty() {
        let _ = writeln!(
            page,
            "<div class=\"scroll\"><table><caption>Speedup over plain decoding with one request alone, then the break-even rate above which plain decoding is faster (none: speculative decoding stays faster at every stable rate; slower: it never helps)</caption>\n<tr><th>k</th>{header}</tr>"
        );
        for &k in &measured_ks {
            let _ = write!(page, "<tr><td>{k}</td>");
            for &alpha in &alphas {
                let cell = SpecConfig::new(k, alpha)
                    .ok()
                    .and_then(|spec| report.costs(spec, g))
                    .map_or("-".to_string(), |sd| break_even_cell(&baseline, &sd));
                let _ = write!(page, "<td>{cell}</td>");
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</table></div>\n");
    }

    let _ = writeln!(
        page,
        "<table><caption>Capacity: the highest request rate that keeps mean latency under a target, with the draft length that reaches it (k=0 column: plain decoding)</caption>\n<tr><th>target latency (s)</th><th>k=0</th>{header}</tr>"
    );
    for factor in [0.75, 1.0, 1.5, 2.0, 3.0] {
        let target = round_significant(factor * baseline.c1_s, 2);
        let plain = capacity_for_k(&Candidate::from_costs(&baseline), target)
            .ok()
            .and_then(|capacity| capacity.max_rate_per_s)
            .map_or("unreachable".to_string(), |r| {
                format!("{} req/s", significant(r, 3))
            });
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{plain}</td>",
            significant(target, 3)
        );
        for candidates in &candidates_by_alpha {
            let best = best_capacity(candidates, target).ok().flatten();
            let cell = match best {
                Some(Capacity {
                    k,
                    max_rate_per_s: Some(rate),
                    ..
                }) => format!("k={k}: {} req/s", significant(rate, 3)),
                _ => "unreachable".to_string(),
            };
            let _ = write!(page, "<td>{cell}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n<p class=\"note\">Targets are multiples of the plain-decoding latency of a request alone. Capacities past the highest fitted load extrapolate toward saturation, where the model tended to under-predict.</p></section>\n");
}

/// `text` with its first letter in upper case, to start a sentence.
fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn break_even_cell(baseline: &LoadCosts, sd: &LoadCosts) -> String {
    let analysis = SpeedupAnalysis::new(baseline, sd);
    let zero_load = analysis.zero_load_speedup;
    match analysis.break_even_rate_per_s {
        Some(rate) => format!("&times;{zero_load:.2}, {} req/s", significant(rate, 3)),
        None if zero_load >= 1.0 => format!("&times;{zero_load:.2}, none"),
        None => format!("&times;{zero_load:.2}, slower"),
    }
}

/// Returns the caption of figure `name`: what it shows and what that means for configuring
/// speculative decoding. `docs/figures.md` explains the same at more length.
fn caption(name: &str) -> &'static str {
    match name {
        "latency_vs_rate" => {
            "Each panel holds one draft length; colours are acceptance probabilities. The lines should pass through the dots up to the last fitted point and rise steeply toward the dashed saturation rate; crosses are points the fit left out (throughput runs and the saturated tail)."
        }
        "collapse" => {
            "Scaled by its own C1 and C2, every configuration should fall on the one curve 1 / (1 - x). Points that sit above the curve near the right edge show latency growing faster than the model near saturation."
        }
        "speedup" => {
            "Speculative decoding helps most with a lightly loaded server and the gain shrinks as load rises; crosses mark the break-even load, past which plain decoding is faster. Longer drafts start higher and fall faster."
        }
        "best_k" => {
            "The draft length with the lowest predicted latency falls as the rate rises, down to 0 (speculative decoding off) near saturation at low acceptance. A k tuned at batch size 1 is too long for a busy server."
        }
        "time_breakdown" => {
            "The stack adds up to the predicted mean latency. The load-dependent layers grow with requests in flight; when verification and drafting under load dominate, shorter drafts or a lower rate pay off."
        }
        "residuals" => {
            "Signed error of every fitted point; a pattern by rate shows where the closed form bends away from the data. Negative errors at the highest rates mean the model under-predicts there."
        }
        _ => "",
    }
}

fn figure_section(
    page: &mut String,
    report: &FitReport,
    options: &FigureOptions,
) -> Result<(), DrawError> {
    page.push_str("<section id=\"figures\"><h2>Figures</h2>\n");
    for spec in figures::build_all(report, options) {
        let svg = figures::render_svg(&spec)?;
        // An XML declaration is not allowed inside HTML; the <svg> element itself is.
        let svg = svg.trim_start();
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest
                .split_once("?>")
                .map_or(svg, |(_, after)| after.trim_start()),
            None => svg,
        };
        let _ = writeln!(
            page,
            "<figure id=\"figure-{}\">{svg}<figcaption>{}</figcaption></figure>",
            spec.name,
            escape(caption(spec.name))
        );
    }
    page.push_str("</section>\n");
    Ok(())
}

fn series_table(page: &mut String, report: &FitReport) {
    let _ = writeln!(
        page,
        "<section id=\"series\"><h2>Series</h2><div class=\"scroll\"><table>\n\
         <tr><th class=\"text\">series</th><th>k</th><th>alpha</th><th>E (tokens)</th><th>points</th><th>C1 (s)</th><th>C2 (s)</th><th>saturation (req/s)</th><th>max fitted rate (req/s)</th><th>MAPE</th><th>max error</th><th>LOSO MAPE</th></tr>"
    );
    for s in &report.series {
        let _ = writeln!(
            page,
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{:.2}</td><td>{:.3}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}%</td><td>{:.1}%</td><td>{}</td></tr>",
            escape(&s.label),
            s.k,
            s.alpha,
            s.expected_tokens,
            s.points_used,
            s.points_total,
            significant(s.c1_s, 4),
            significant(s.c2_s, 4),
            s.saturation_rate_per_s
                .map_or("inf".to_string(), |r| format!("{r:.2}")),
            s.max_used_rate_per_s,
            s.mape_percent,
            s.max_ape_percent,
            s.loso_mape_percent
                .map_or("-".to_string(), |v| format!("{v:.2}%"))
        );
    }
    page.push_str("</table></div></section>\n");
}

fn excluded_table(page: &mut String, report: &FitReport) {
    let excluded = &report.points.excluded;
    let _ = writeln!(
        page,
        "<section id=\"excluded\"><h2>Excluded points ({})</h2>",
        excluded.len()
    );
    if excluded.is_empty() {
        page.push_str("<p>Every point was fitted.</p></section>\n");
        return;
    }
    page.push_str("<div class=\"scroll\"><table>\n<tr><th class=\"text\">series</th><th>index</th><th>rate (req/s)</th><th>latency (s)</th><th class=\"text\">reason</th></tr>\n");
    for e in excluded {
        let _ = writeln!(
            page,
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td class=\"text\">{}</td></tr>",
            escape(&e.series),
            e.index,
            e.rate_per_s,
            e.latency_s,
            escape(&e.message)
        );
    }
    page.push_str("</table></div></section>\n");
}

fn warnings(page: &mut String, report: &FitReport) {
    if report.warnings.is_empty() {
        return;
    }
    page.push_str("<section id=\"warnings\"><h2>Warnings</h2><ul class=\"warnings\">\n");
    for w in &report.warnings {
        let _ = writeln!(page, "<li>{}</li>", escape(w));
    }
    page.push_str("</ul></section>\n");
}

/// Model data for the what-if script, embedded in the page.
#[derive(Serialize)]
struct ModelData<'a> {
    /// Stage coefficients, seconds; `None` for a per-series fit.
    coefficients: Option<StageCoefficients>,
    output_tokens_mean: f64,
    /// Measured configurations, for a per-series fit and for the range warnings.
    series: Vec<SeriesData<'a>>,
    focus_k: u32,
    focus_alpha: f64,
}

#[derive(Serialize)]
struct SeriesData<'a> {
    label: &'a str,
    k: u32,
    alpha: f64,
    c1_s: f64,
    c2_s: f64,
    output_tokens_mean: f64,
    max_used_rate_per_s: f64,
}

fn model_json(report: &FitReport, focus: &Focus) -> String {
    let data = ModelData {
        coefficients: report.model.coefficients,
        output_tokens_mean: report.model.output_tokens_mean,
        series: report
            .series
            .iter()
            .map(|s| SeriesData {
                label: &s.label,
                k: s.k,
                alpha: s.alpha,
                c1_s: s.c1_s,
                c2_s: s.c2_s,
                output_tokens_mean: s.output_tokens_mean,
                max_used_rate_per_s: s.max_used_rate_per_s,
            })
            .collect(),
        focus_k: focus.k,
        focus_alpha: focus.alpha,
    };
    // serde_json writes the shortest decimal that reads back to the same f64, so JavaScript
    // parses exactly the library's values. "</" would end the script element early.
    serde_json::to_string(&data)
        .expect("model data serialises")
        .replace("</", "<\\/")
}

/// The what-if script. It mirrors `expected_tokens`, `StageCoefficients::costs_unchecked` and
/// `LoadCosts::at_rate` operation by operation, because a different order of the same
/// arithmetic rounds differently.
pub const WHATIF_SCRIPT: &str = include_str!("whatif.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    #[test]
    fn planning_rates_round_to_two_digits() {
        let rates = planning_rates(17.53);
        assert_eq!(rates.first(), Some(&0.0));
        assert_eq!(rates[1], 1.8);
        assert_eq!(rates.last(), Some(&16.0));
    }
}
