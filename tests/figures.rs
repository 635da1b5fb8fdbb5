//! Figure specs of the built-in Qwen3-8B fit, and the SVG and PNG files drawn from them.

use std::sync::OnceLock;

use speclat::fit::{FitOptions, FitReport, fit};
use speclat::model::SpecConfig;
use speclat::report::figures::{
    self, FIGURE_NAMES, FigureOptions, FigureSpec, ImageFormat, Mark, Orientation,
};

/// Relative tolerance for values the figures recompute from the model.
const RELATIVE_TOLERANCE: f64 = 1e-12;

fn report() -> &'static FitReport {
    static REPORT: OnceLock<FitReport> = OnceLock::new();
    REPORT.get_or_init(|| {
        let series = speclat::example::series("qwen3-8b").unwrap();
        let options = FitOptions {
            cross_validate: false,
            ..FitOptions::default()
        };
        fit(&series, &options, &|| {}).unwrap()
    })
}

fn figure(name: &str) -> FigureSpec {
    figures::build_all(report(), &FigureOptions::default())
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no figure {name}"))
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= RELATIVE_TOLERANCE * expected.abs().max(1e-300)
}

#[test]
fn every_figure_built_in_order() {
    let names: Vec<&str> = figures::build_all(report(), &FigureOptions::default())
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, FIGURE_NAMES);
}

#[test]
fn latency_panels_one_per_k() {
    let spec = figure("latency_vs_rate");
    let titles: Vec<&str> = spec.panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        ["k=1", "k=2", "k=3", "k=4", "k=5", "k=6", "k=8", "k=10"]
    );
    assert_eq!(spec.columns, 4);

    let panel = &spec.panels[2];
    assert_eq!(panel.x_axis.label, "request rate (req/s)");
    assert_eq!(panel.y_axis.label, "mean latency (s)");
    let lines: Vec<&str> = panel
        .series
        .iter()
        .filter(|s| s.mark == Mark::Line)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[2], "k=3, alpha=0.70");
    assert_eq!(panel.rules.len(), 6, "one saturation rate per series");
    assert!(
        panel
            .rules
            .iter()
            .all(|r| r.orientation == Orientation::Vertical)
    );
}

#[test]
fn latency_panels_hold_every_point() {
    let spec = figure("latency_vs_rate");
    let count = |mark: &Mark| -> usize {
        spec.panels
            .iter()
            .flat_map(|p| &p.series)
            .filter(|s| &s.mark == mark)
            .map(|s| s.points.len())
            .sum()
    };
    assert_eq!(count(&Mark::Dots), report().points.used);
    assert_eq!(count(&Mark::Crosses), report().points.excluded.len());

    // Every fitted point lies inside its panel's axes; the model line starts at C1.
    for panel in &spec.panels {
        for series in panel.series.iter().filter(|s| s.mark == Mark::Dots) {
            for &(x, y) in &series.points {
                assert!(x <= panel.x_axis.upper, "rate {x} beyond the axis");
                assert!(y <= panel.y_axis.upper, "latency {y} beyond the axis");
            }
        }
    }
    let fitted = &report().series[0];
    let line = &spec.panels[0].series[0];
    assert_eq!(line.points[0].0, 0.0);
    assert!(close(line.points[0].1, fitted.c1_s));
}

#[test]
fn collapse_points_follow_scaled_axes() {
    let spec = figure("collapse");
    let panel = &spec.panels[0];
    let dots: usize = panel
        .series
        .iter()
        .filter(|s| s.mark == Mark::Dots)
        .map(|s| s.points.len())
        .sum();
    assert_eq!(dots, report().points.used);
    assert!(panel.x_axis.upper <= 0.99);
    assert!(panel.x_axis.label.contains("rate x C2"));

    let curve = panel.series.last().unwrap();
    assert_eq!(curve.name, "model: 1 / (1 - x)");
    for &(x, y) in &curve.points {
        assert!(close(y, 1.0 / (1.0 - x)));
    }

    // The first point of the first series is rate * C2, L / C1 of that series.
    let series = &report().series[0];
    let point = &series.points[0];
    let (x, y) = panel.series[0].points[0];
    assert!(close(x, point.rate_per_s * series.c2_s));
    assert!(close(y, point.latency_s / series.c1_s));
}

#[test]
fn speedup_break_even_equalises_latency() {
    let spec = figure("speedup");
    assert_eq!(spec.panels.len(), 2);
    let by_rate = &spec.panels[0];
    // Eight measured draft lengths at the focus alpha, and the break-even markers.
    assert_eq!(by_rate.series.len(), 9);
    assert!(by_rate.series[0].name.ends_with("alpha=0.70"));
    assert!(by_rate.rules.iter().any(|r| r.at == 1.0));

    let coefficients = report().coefficients.unwrap();
    let g = report().model.output_tokens_mean;
    let baseline = coefficients.costs(SpecConfig::baseline(), g).unwrap();
    let crossings = &by_rate.series.last().unwrap().points;
    assert!(!crossings.is_empty(), "long drafts lose to plain decoding");
    for &(rate, speedup) in crossings {
        assert_eq!(speedup, 1.0);
        let equal = report().series.iter().filter(|s| s.k > 0).any(|s| {
            let sd = coefficients
                .costs(SpecConfig::new(s.k, 0.7).unwrap(), g)
                .unwrap();
            let (l0, lk) = (
                baseline.latency_at_rate(rate).unwrap(),
                sd.latency_at_rate(rate).unwrap(),
            );
            (l0 / lk - 1.0).abs() < 1e-9
        });
        assert!(equal, "no configuration breaks even at {rate}");
    }
}

#[test]
fn best_k_matches_brute_force() {
    let spec = figure("best_k");
    let panel = &spec.panels[0];
    assert_eq!(panel.series.len(), 6, "one line per measured alpha");
    assert_eq!(panel.y_axis.upper, 10.5);
    assert_eq!(panel.y_axis.labelled_from, Some(0.0));

    let coefficients = report().coefficients.unwrap();
    let g = report().model.output_tokens_mean;
    let line = panel
        .series
        .iter()
        .find(|s| s.name == "alpha=0.70")
        .unwrap();
    for &(rate, k) in line.points.iter().step_by(37) {
        assert_eq!(k.fract(), 0.0);
        let best = (0..=10u32)
            .filter_map(|k| {
                let spec = if k == 0 {
                    SpecConfig::baseline()
                } else {
                    SpecConfig::new(k, 0.7).unwrap()
                };
                let latency = coefficients.costs(spec, g).unwrap().latency_at_rate(rate)?;
                Some((k, latency))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        // Step corners repeat a rate with the previous k, so accept either side of a step.
        let at_rate: Vec<f64> = line
            .points
            .iter()
            .filter(|p| p.0 == rate)
            .map(|p| p.1)
            .collect();
        assert!(
            at_rate.contains(&f64::from(best.0)),
            "rate {rate}: figure {at_rate:?}, brute force {}",
            best.0
        );
    }
}

#[test]
fn time_layers_sum_to_latency() {
    let spec = figure("time_breakdown");
    let panel = &spec.panels[0];
    let names: Vec<&str> = panel.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 6);
    assert_eq!(names[0], "prefill, load-independent");
    assert_eq!(names[5], "drafting, load-dependent");
    assert!(spec.title.contains("k=3, alpha=0.70"), "{}", spec.title);

    let costs = report()
        .coefficients
        .unwrap()
        .costs(
            SpecConfig::new(3, 0.7).unwrap(),
            report().model.output_tokens_mean,
        )
        .unwrap();
    let top = panel.series.last().unwrap();
    for &(rate, total) in top.points.iter().step_by(20) {
        assert!(close(total, costs.latency_at_rate(rate).unwrap()));
    }
    // Each band starts where the one below it ends.
    for pair in panel.series.windows(2) {
        let Mark::Band { lower } = &pair[1].mark else {
            panic!("not a band");
        };
        let below: Vec<f64> = pair[0].points.iter().map(|p| p.1).collect();
        assert_eq!(lower, &below);
    }
}

#[test]
fn focus_follows_options() {
    let options = FigureOptions {
        k: Some(5),
        alpha: Some(0.9),
        output_tokens: Some(256.0),
    };
    let specs = figures::build_all(report(), &options);
    let breakdown = specs.iter().find(|f| f.name == "time_breakdown").unwrap();
    assert!(
        breakdown
            .title
            .contains("k=5, alpha=0.90, 256 output tokens"),
        "{}",
        breakdown.title
    );
}

#[test]
fn residual_points_match_fit() {
    let spec = figure("residuals");
    let panel = &spec.panels[0];
    let points: usize = panel.series.iter().map(|s| s.points.len()).sum();
    assert_eq!(points, report().points.used);
    assert_eq!(panel.y_axis.lower, -panel.y_axis.upper);
    assert_eq!(panel.y_axis.label, "error of predicted latency (%)");
    assert_eq!(panel.rules[0].at, 0.0);
}

#[test]
fn per_series_fit_skips_stage_figures() {
    // One configuration cannot separate the stages, so the fit is per series and has no
    // plain-decoding costs: no speedup or best k, and the breakdown has only C1 and B x C2.
    let series: Vec<_> = speclat::example::series("qwen3-8b")
        .unwrap()
        .into_iter()
        .take(1)
        .collect();

    let options = FitOptions {
        cross_validate: false,
        ..FitOptions::default()
    };
    let reduced = fit(&series, &options, &|| {}).unwrap();
    assert!(reduced.coefficients.is_none());

    let names: Vec<&str> = figures::build_all(&reduced, &FigureOptions::default())
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(
        names,
        ["latency_vs_rate", "collapse", "time_breakdown", "residuals"]
    );

    let breakdown = figures::build::time_breakdown(
        &reduced,
        &figures::Focus::resolve(&reduced, &FigureOptions::default()),
    )
    .unwrap();
    let layers: Vec<&str> = breakdown.panels[0]
        .series
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(layers, ["load-independent C1", "load-dependent B x C2"]);
}

#[test]
fn svg_parses_with_labels() {
    let spec = figure("speedup");
    let svg = figures::render_svg(&spec).unwrap();
    let document = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1400"));
    assert_eq!(root.attribute("height"), Some("620"));

    let texts: Vec<String> = document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    for expected in [
        "request rate (req/s)",
        "speedup over k=0 (latency ratio)",
        "k=3, alpha=0.70",
        "break-even (plain decoding faster beyond)",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "missing text {expected}"
        );
    }
    // No text depends on a font the viewer may lack: the family list ends in a generic one.
    let families: Vec<&str> = document
        .descendants()
        .filter_map(|n| n.attribute("font-family"))
        .collect();
    assert!(families.iter().all(|f| f.ends_with("sans-serif")));
}

#[test]
fn png_decodes_with_text_pixels() {
    let spec = figure("collapse");
    let bytes = figures::render_png(&spec).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let decoder = png::Decoder::new(bytes.as_slice());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (spec.width_px, spec.height_px));

    // The title band (top 48 pixels) holds only the title, so dark pixels there are glyphs
    // drawn from the embedded font.
    let row_bytes = info.line_size;
    let dark = pixels[..48 * row_bytes]
        .chunks(3)
        .filter(|rgb| rgb.iter().all(|&c| c < 100))
        .count();
    assert!(dark > 500, "only {dark} dark pixels in the title band");
}

#[test]
fn write_refuses_existing_files() {
    let directory = tempfile::tempdir().unwrap();
    let specs = vec![figure("residuals")];
    let formats = [ImageFormat::Svg, ImageFormat::Png];
    let written = figures::write_figures(&specs, directory.path(), &formats, false).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["residuals.svg", "residuals.png"]);

    let error = figures::write_figures(&specs, directory.path(), &formats, false).unwrap_err();
    assert!(error.to_string().contains("file exists"), "{error}");
    figures::write_figures(&specs, directory.path(), &formats, true).unwrap();
}
