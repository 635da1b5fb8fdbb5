//! Drawing a [`FigureSpec`] with plotters, to an SVG string or PNG bytes, and writing figures
//! to a folder.
//!
//! Drawing makes no decisions about content: everything shown comes from the spec. Points
//! outside the axis ranges are left out here, so a spec keeps every measured point even when
//! the axes stop short of some.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::glyphs::{FONT_FAMILY, TextBackend};
use super::{FigureSpec, Legend, Mark, Orientation, PALETTE, Panel};

/// A figure that could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("figure {figure}: drawing failed: {message}")]
    Plot {
        figure: &'static str,
        message: String,
    },

    #[error("{}: file exists\n\nhint: pass --force to replace it, or choose another folder", path.display())]
    Exists { path: PathBuf },

    #[error("{}: cannot write the figure: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Image formats a figure is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// Draws `spec` as an SVG document.
pub fn render_svg(spec: &FigureSpec) -> Result<String, DrawError> {
    let mut svg = String::new();
    {
        let backend = TextBackend::new(
            SVGBackend::with_string(&mut svg, (spec.width_px, spec.height_px)),
            false,
        );
        draw(backend.into_drawing_area(), spec).map_err(|e| plot_error(spec, e))?;
    }
    Ok(svg)
}

/// Draws `spec` as a PNG image (8-bit RGB).
pub fn render_png(spec: &FigureSpec) -> Result<Vec<u8>, DrawError> {
    let (width, height) = (spec.width_px, spec.height_px);
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let backend = TextBackend::new(
            BitMapBackend::with_buffer(&mut pixels, (width, height)),
            true,
        );
        draw(backend.into_drawing_area(), spec).map_err(|e| plot_error(spec, e))?;
    }

    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels))
        .map_err(|e| DrawError::Plot {
            figure: spec.name,
            message: format!("PNG encoding failed: {e}"),
        })?;
    Ok(bytes)
}

/// Writes each figure in each format to `directory` (created if missing) as `NAME.EXT`,
/// through a temporary file and a rename. Without `overwrite`, an existing file is an error
/// raised before anything is written. Returns the written paths.
pub fn write_figures(
    figures: &[FigureSpec],
    directory: &Path,
    formats: &[ImageFormat],
    overwrite: bool,
) -> Result<Vec<PathBuf>, DrawError> {
    let targets: Vec<(&FigureSpec, ImageFormat, PathBuf)> = figures
        .iter()
        .flat_map(|f| {
            formats.iter().map(move |&format| {
                (
                    f,
                    format,
                    directory.join(format!("{}.{}", f.name, format.extension())),
                )
            })
        })
        .collect();
    if !overwrite && let Some((_, _, path)) = targets.iter().find(|(_, _, p)| p.exists()) {
        return Err(DrawError::Exists { path: path.clone() });
    }
    std::fs::create_dir_all(directory).map_err(|source| DrawError::Io {
        path: directory.to_path_buf(),
        source,
    })?;

    let mut written = Vec::new();
    for (figure, format, path) in targets {
        let bytes = match format {
            ImageFormat::Svg => render_svg(figure)?.into_bytes(),
            ImageFormat::Png => render_png(figure)?,
        };
        write_atomically(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so an
/// interrupted run leaves any previous file intact.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DrawError> {
    let io_error = |source| DrawError::Io {
        path: path.to_path_buf(),
        source,
    };
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(directory).map_err(io_error)?;
    temporary.write_all(bytes).map_err(io_error)?;
    temporary.as_file().sync_all().map_err(io_error)?;
    readable_by_all(&temporary).map_err(io_error)?;
    temporary.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

/// Gives a temporary file the mode of an ordinary new file (0644); temporary files start
/// private (0600), which would make written figures unreadable to others.
pub fn readable_by_all(file: &tempfile::NamedTempFile) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn plot_error<E: std::error::Error + Send + Sync>(
    spec: &FigureSpec,
    error: DrawingAreaErrorKind<E>,
) -> DrawError {
    DrawError::Plot {
        figure: spec.name,
        message: error.to_string(),
    }
}

/// Formats an axis tick without trailing zeros: `2`, `2.5`, `0.125`; empty below `from`.
fn tick_label(value: f64, from: Option<f64>) -> String {
    if from.is_some_and(|f| value < f - 1e-9) {
        return String::new();
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn colour(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

type DrawResult<B> = Result<(), DrawingAreaErrorKind<<B as DrawingBackend>::ErrorType>>;

fn draw<B: DrawingBackend>(root: DrawingArea<B, Shift>, spec: &FigureSpec) -> DrawResult<B> {
    root.fill(&WHITE)?;
    let (title_area, body) = root.split_vertically(48);
    title_area.draw_text(
        &spec.title,
        &TextStyle::from((FONT_FAMILY, 26).into_font()).color(&BLACK),
        (16, 14),
    )?;

    let columns = spec.columns.max(1);
    let rows = spec.panels.len().div_ceil(columns).max(1);
    let areas = body.split_evenly((rows, columns));
    for (panel, area) in spec.panels.iter().zip(&areas) {
        draw_panel(area, panel)?;
    }
    root.present()
}

fn inside(panel: &Panel, (x, y): (f64, f64)) -> bool {
    let (xa, ya) = (&panel.x_axis, &panel.y_axis);
    x.is_finite()
        && y.is_finite()
        && x >= xa.lower
        && x <= xa.upper
        && y >= ya.lower
        && y <= ya.upper
}

fn draw_panel<B: DrawingBackend>(area: &DrawingArea<B, Shift>, panel: &Panel) -> DrawResult<B> {
    let (x_axis, y_axis) = (&panel.x_axis, &panel.y_axis);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(68);
    if !panel.title.is_empty() {
        builder.caption(&panel.title, (FONT_FAMILY, 22));
    }
    let mut chart =
        builder.build_cartesian_2d(x_axis.lower..x_axis.upper, y_axis.lower..y_axis.upper)?;
    chart
        .configure_mesh()
        .x_desc(x_axis.label.as_str())
        .y_desc(y_axis.label.as_str())
        .label_style((FONT_FAMILY, 17))
        .axis_desc_style((FONT_FAMILY, 19))
        .x_label_formatter(&|v| tick_label(*v, x_axis.labelled_from))
        .y_label_formatter(&|v| tick_label(*v, y_axis.labelled_from))
        .x_max_light_lines(1)
        .y_max_light_lines(1)
        .light_line_style(RGBColor(243, 243, 243))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;

    // Reference lines first, so the data sit on top.
    for rule in &panel.rules {
        let ends = match rule.orientation {
            Orientation::Vertical => [(rule.at, y_axis.lower), (rule.at, y_axis.upper)],
            Orientation::Horizontal => [(x_axis.lower, rule.at), (x_axis.upper, rule.at)],
        };
        if !ends.iter().all(|&p| inside(panel, p)) {
            continue;
        }
        let style = colour(rule.colour).mix(0.7).stroke_width(1);
        chart.draw_series(DashedLineSeries::new(ends, 6, 4, style))?;
    }

    for series in &panel.series {
        let style = colour(series.colour);
        let points: Vec<(f64, f64)> = series
            .points
            .iter()
            .copied()
            .filter(|&p| inside(panel, p))
            .collect();
        let annotation = match &series.mark {
            Mark::Line => {
                let line = style.stroke_width(2);
                let drawn = chart.draw_series(LineSeries::new(points, line))?;
                Some((drawn, LegendShape::Line(line)))
            }
            Mark::DashedLine => {
                let line = style.stroke_width(2);
                let drawn = chart.draw_series(DashedLineSeries::new(points, 8, 5, line))?;
                Some((drawn, LegendShape::Line(line)))
            }
            Mark::Dots => {
                let fill = style.mix(0.85).filled();
                let drawn =
                    chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, fill)))?;
                Some((drawn, LegendShape::Dot(fill)))
            }
            Mark::Crosses => {
                let line = style.stroke_width(2);
                let drawn =
                    chart.draw_series(points.into_iter().map(|p| Cross::new(p, 5, line)))?;
                Some((drawn, LegendShape::Cross(line)))
            }
            Mark::Band { lower } => {
                let fill = style.mix(0.75).filled();
                let top = y_axis.upper;
                let mut outline: Vec<(f64, f64)> = series
                    .points
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|&(x, y)| (x, y.min(top)))
                    .collect();
                outline.extend(
                    series
                        .points
                        .iter()
                        .zip(lower)
                        .rev()
                        .filter(|(p, l)| p.0.is_finite() && l.is_finite())
                        .map(|(p, l)| (p.0, l.min(top))),
                );
                let drawn = chart.draw_series(std::iter::once(Polygon::new(outline, fill)))?;
                Some((drawn, LegendShape::Box(fill)))
            }
        };
        if let Some((drawn, shape)) = annotation
            && !series.name.is_empty()
        {
            drawn
                .label(series.name.as_str())
                .legend(move |(x, y)| shape.element(x, y));
        }
    }

    let position = match panel.legend {
        Legend::None => return Ok(()),
        Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
        Legend::UpperRight => SeriesLabelPosition::UpperRight,
        Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
        Legend::LowerRight => SeriesLabelPosition::LowerRight,
    };
    if panel.series.iter().all(|s| s.name.is_empty()) {
        return Ok(());
    }
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.88))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT_FAMILY, 16))
        .margin(8)
        .draw()
}

/// The sample drawn beside a legend entry.
#[derive(Clone, Copy)]
enum LegendShape {
    Line(ShapeStyle),
    Dot(ShapeStyle),
    Cross(ShapeStyle),
    Box(ShapeStyle),
}

impl LegendShape {
    fn element<B: DrawingBackend>(self, x: i32, y: i32) -> DynElement<'static, B, (i32, i32)> {
        match self {
            LegendShape::Line(style) => {
                PathElement::new(vec![(x, y), (x + 20, y)], style).into_dyn()
            }
            LegendShape::Dot(style) => Circle::new((x + 10, y), 4, style).into_dyn(),
            LegendShape::Cross(style) => Cross::new((x + 10, y), 5, style).into_dyn(),
            LegendShape::Box(style) => {
                Rectangle::new([(x, y - 6), (x + 20, y + 6)], style).into_dyn()
            }
        }
    }
}
