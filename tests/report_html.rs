//! The HTML report: self-contained, and its what-if panel agrees with `speclat predict`.
//!
//! The browser test runs Chromium headless on the written page (a `file://` address, with
//! background networking off) and reads the raw values the page's script wrote into
//! `data-value` attributes. It is skipped with a notice when `/usr/bin/chromium` is absent;
//! `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use speclat::fit::{FitOptions, FitReport, fit};
use speclat::model::SpecConfig;
use speclat::report::html::{self, HtmlOptions};
use speclat::report::predict::{self, Load};

/// Agreement required between the page and the library, relative.
const PAGE_TOLERANCE: f64 = 1e-9;

const CHROMIUM: &str = "/usr/bin/chromium";

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

fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        html::render(
            report(),
            &HtmlOptions {
                source: "built-in example qwen3-8b".to_string(),
                ..HtmlOptions::default()
            },
        )
        .unwrap()
    })
}

#[test]
fn page_loads_nothing_from_elsewhere() {
    let page = page();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for forbidden in [
        " src=",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!page.contains(forbidden), "page contains {forbidden}");
    }
    // The only address is the SVG namespace, an identifier that nothing fetches.
    let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_namespace.contains("http://"));
    assert!(!without_namespace.contains("https://"));
}

#[test]
fn page_holds_every_section() {
    let page = page();
    for id in [
        "whatif", "summary", "planning", "figures", "series", "excluded", "warnings",
    ] {
        assert!(page.contains(&format!("<section id=\"{id}\"")), "no {id}");
    }
    assert_eq!(page.matches("<svg").count(), 6, "six inline figures");
    assert!(!page.contains("<?xml"), "no XML declaration inside HTML");
    assert!(page.contains("Excluded points (144)"));
    assert!(page.contains("throughput benchmark"));
    assert!(page.contains("Best draft length k"));
    assert!(page.contains("break-even rate"));
    assert!(page.contains("Capacity"));
    assert!(page.contains("c2_draft"));
}

#[test]
fn embedded_coefficients_are_exact() {
    let page = page();
    let start = page.find("id=\"model-data\">").unwrap() + "id=\"model-data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let coefficients = report().coefficients.unwrap();
    for (name, value) in speclat::model::COEFFICIENT_NAMES
        .iter()
        .zip(coefficients.to_array())
    {
        assert_eq!(data["coefficients"][name].as_f64(), Some(value), "{name}");
    }
    assert_eq!(
        data["output_tokens_mean"].as_f64(),
        Some(report().model.output_tokens_mean)
    );
}

/// One what-if input set and the fragment that sets it.
struct Inputs {
    k: u32,
    alpha: f64,
    rate: f64,
    output_tokens: f64,
}

impl Inputs {
    fn fragment(&self) -> String {
        format!(
            "k={}&alpha={}&rate={}&output_tokens={}",
            self.k, self.alpha, self.rate, self.output_tokens
        )
    }
}

/// Runs Chromium headless on `page` with `arguments`, returning standard output.
fn chromium(profile: &Path, arguments: &[String]) -> String {
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(arguments)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Returns the `data-value` of `<output id="out-NAME">` in a dumped DOM.
fn raw_value(dom: &str, name: &str) -> String {
    let marker = format!("id=\"out-{name}\"");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no output {name}"));
    let tag = &dom[at..at + dom[at..].find('>').unwrap()];
    let value_at = tag.find("data-value=\"").unwrap() + "data-value=\"".len();
    tag[value_at..value_at + tag[value_at..].find('"').unwrap()].to_string()
}

fn assert_agrees(name: &str, page: &str, library: Option<f64>, inputs: &Inputs) {
    match library {
        None => assert_eq!(page, "saturated", "{name} at {}", inputs.fragment()),
        Some(expected) => {
            let actual: f64 = page
                .parse()
                .unwrap_or_else(|_| panic!("{name} = {page:?} at {}", inputs.fragment()));
            let relative = (actual - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
            assert!(
                relative <= PAGE_TOLERANCE,
                "{name} at {}: page {actual}, library {expected}",
                inputs.fragment()
            );
        }
    }
}

#[test]
fn browser_matches_library() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} not found; install chromium to run the browser check");
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let page_path: PathBuf = directory.path().join("report.html");
    std::fs::write(&page_path, page()).unwrap();
    let profile = directory.path().join("profile");

    let input_sets = [
        Inputs {
            k: 3,
            alpha: 0.7,
            rate: 5.0,
            output_tokens: 128.0,
        },
        Inputs {
            k: 0,
            alpha: 1.0,
            rate: 8.0,
            output_tokens: 128.0,
        },
        Inputs {
            k: 6,
            alpha: 0.55,
            rate: 2.5,
            output_tokens: 200.0,
        },
        Inputs {
            k: 10,
            alpha: 0.9,
            rate: 12.25,
            output_tokens: 64.0,
        },
        Inputs {
            k: 1,
            alpha: 0.5,
            rate: 30.0,
            output_tokens: 128.0,
        },
    ];
    let coefficients = report().coefficients.unwrap();
    for inputs in &input_sets {
        let address = format!("file://{}#{}", page_path.display(), inputs.fragment());
        let dom = chromium(&profile, &["--dump-dom".to_string(), address]);

        let spec = if inputs.k == 0 {
            SpecConfig::baseline()
        } else {
            SpecConfig::new(inputs.k, inputs.alpha).unwrap()
        };
        let document = predict::predict(
            report(),
            spec,
            Some(inputs.output_tokens),
            &[Load::Rate(inputs.rate)],
        )
        .unwrap();
        let prediction = &document.predictions[0];
        let baseline = coefficients
            .costs(SpecConfig::baseline(), inputs.output_tokens)
            .unwrap();
        let speedup = baseline
            .latency_at_rate(inputs.rate)
            .zip(prediction.latency_s)
            .map(|(l0, lk)| l0 / lk);

        assert_agrees(
            "latency",
            &raw_value(&dom, "latency"),
            prediction.latency_s,
            inputs,
        );
        assert_agrees("ttft", &raw_value(&dom, "ttft"), prediction.ttft_s, inputs);
        assert_agrees("itl", &raw_value(&dom, "itl"), prediction.itl_s, inputs);
        assert_agrees(
            "concurrency",
            &raw_value(&dom, "concurrency"),
            prediction.concurrency,
            inputs,
        );
        assert_agrees("speedup", &raw_value(&dom, "speedup"), speedup, inputs);
        assert_agrees(
            "saturation",
            &raw_value(&dom, "saturation"),
            document.saturation_rate_per_s,
            inputs,
        );
        assert_agrees("c1", &raw_value(&dom, "c1"), Some(document.c1_s), inputs);
        assert_agrees("c2", &raw_value(&dom, "c2"), Some(document.c2_s), inputs);
        assert_agrees(
            "expected",
            &raw_value(&dom, "expected"),
            Some(document.expected_tokens),
            inputs,
        );
    }

    // An acceptance length sets alpha: the page solves E(alpha, 3) = 2.2 by bisection, and the
    // library's inverse gives the alpha to predict with.
    let address = format!(
        "file://{}#k=3&acceptance_length=2.2&rate=4&output_tokens=128",
        page_path.display()
    );
    let dom = chromium(&profile, &["--dump-dom".to_string(), address]);
    let alpha = speclat::model::acceptance_profile::alpha_from_acceptance_length(2.2, 3).unwrap();
    let inputs = Inputs {
        k: 3,
        alpha,
        rate: 4.0,
        output_tokens: 128.0,
    };
    let spec = SpecConfig::new(3, alpha).unwrap();
    let document = predict::predict(report(), spec, Some(128.0), &[Load::Rate(4.0)]).unwrap();
    assert_agrees("expected", &raw_value(&dom, "expected"), Some(2.2), &inputs);
    assert_agrees(
        "latency",
        &raw_value(&dom, "latency"),
        document.predictions[0].latency_s,
        &inputs,
    );

    let screenshot = directory.path().join("report.png");
    let address = format!(
        "file://{}#{}",
        page_path.display(),
        input_sets[0].fragment()
    );
    chromium(
        &profile,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2400".to_string(),
            address,
        ],
    );
    let bytes = std::fs::read(&screenshot).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}
