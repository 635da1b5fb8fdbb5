//! Figures of a fitted model: first built as plain data ([`FigureSpec`]), then drawn to SVG or
//! PNG with plotters.
//!
//! Keeping the data apart from the drawing lets tests check what a figure shows (its series,
//! points, axis ranges and labels) without parsing pixels, and lets the HTML report inline the
//! same figures as SVG. [`build`] turns a [`FitReport`](crate::fit::FitReport) into the six
//! figures and [`draw`] renders one. The private `glyphs` module draws PNG text with the font in
//! `assets/fonts`, so no figure depends on the fonts installed on the machine.

pub mod build;
pub mod draw;
mod glyphs;

pub use build::{FigureOptions, Focus, build_all};
pub use draw::{DrawError, ImageFormat, readable_by_all, render_png, render_svg, write_figures};

/// File stems of every figure [`build_all`] can return, in report order. A model that cannot
/// predict plain decoding or unmeasured configurations leaves some out.
pub const FIGURE_NAMES: [&str; 6] = [
    "latency_vs_rate",
    "collapse",
    "speedup",
    "best_k",
    "time_breakdown",
    "residuals",
];

/// One figure: a title and one or more panels laid out in a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureSpec {
    /// File stem, for example `latency_vs_rate`.
    pub name: &'static str,
    pub title: String,
    /// Panels in reading order, filled row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Size of the written image, pixels.
    pub width_px: u32,
    pub height_px: u32,
}

/// One set of axes.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub title: String,
    pub x_axis: Axis,
    pub y_axis: Axis,
    pub series: Vec<SeriesSpec>,
    /// Vertical or horizontal reference lines, drawn under the series.
    pub rules: Vec<Rule>,
    /// Corner for the legend of the named series, or none.
    pub legend: Legend,
}

/// Corner of a panel for its legend, chosen where the curves leave room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legend {
    None,
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// An axis: its label (with the unit) and its range.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub label: String,
    pub lower: f64,
    pub upper: f64,
    /// Lowest value that gets a tick label; the axis below it is room for the legend.
    pub labelled_from: Option<f64>,
}

/// Drawing style of a series.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A polyline through the points.
    Line,
    /// A dashed polyline.
    DashedLine,
    /// Filled circles.
    Dots,
    /// Crosses, for points the fit left out.
    Crosses,
    /// A filled band between `lower` (one value per point) and the points' `y`.
    Band { lower: Vec<f64> },
}

/// One named data series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSpec {
    /// Legend text; an empty name keeps the series out of the legend.
    pub name: String,
    pub mark: Mark,
    /// Index into [`PALETTE`].
    pub colour: usize,
    /// `(x, y)` in axis units.
    pub points: Vec<(f64, f64)>,
}

/// A reference line across a panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub orientation: Orientation,
    /// Position in axis units.
    pub at: f64,
    /// Index into [`PALETTE`].
    pub colour: usize,
    pub label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    Vertical,
    Horizontal,
}

/// Series colours, as RGB. Indices 1 to 6 are the colour-blind-safe palette of Okabe and Ito
/// (2008) without its yellow, which is unreadable on white. Olive, wine and grey follow for
/// more series. Index 0 is black, kept for model curves and reference lines.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (0, 0, 0),
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (213, 94, 0),
    (0, 114, 178),
    (204, 121, 167),
    (153, 153, 51),
    (136, 34, 85),
    (120, 120, 120),
];

/// Returns the palette colour of a series index, skipping black, which is kept for model curves.
pub fn series_colour(index: usize) -> usize {
    1 + index % (PALETTE.len() - 1)
}
