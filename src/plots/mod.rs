//! The four charts, drawn with plotters onto any `DrawingBackend`: a `<canvas>` on the page
//! (an `OffscreenCanvas` in the engine worker, see `web/canvas.rs`), an in-memory bitmap in the
//! native tests.
//!
//! * [`draw_training`]: loss and accuracy over the steps, with epoch marks;
//! * [`draw_activations`]: per layer, the current histogram and the 5/25/50/75/95 % bands over
//!   the steps, before or after the activation ([`Stage`]);
//! * [`draw_gradients`]: per-layer weight-gradient norm on a log axis, and first/last ratio;
//! * [`draw_unit_health`]: dead and saturated units over the steps, and a banner when the
//!   output layer is dead.
//!
//! Every function returns a [`ChartLayout`]: where each plotting area is, in backend pixels,
//! and which data ranges it shows, so the page can turn a mouse position into data values.
//! Nothing here panics or fails on missing, NaN or infinite data: empty charts say what they
//! will show, non-finite points are left out and flagged with a note, axis ranges are always
//! finite and non-degenerate.
//!
//! Text: on wasm the canvas measures and draws text. Natively, plotters needs a font feature to
//! draw text (`ab_glyph`, with a font registered by `plotters::style::register_font`; the
//! tests do that). If text cannot be measured (no font), the charts are drawn without any
//! text rather than failing. Note that natively *without* a font feature plotters measures
//! text but panics when drawing it, so only draw natively with `ab_glyph` (or `ttf`) enabled.

mod activations;
mod caption;
mod depth;
mod gradients;
mod health;
mod hover;
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests;
mod training;

pub use crate::stats::Stage;
pub use activations::{draw_activations, draw_activations_with};
pub use caption::{Caption, draw_caption, layout_caption};
pub use gradients::{draw_gradients, draw_gradients_with};
pub use health::{draw_unit_health, draw_unit_health_with};
pub use hover::{Readout, ReadoutRow, format_percent, format_value, hover};
pub use training::{draw_training, draw_training_with};

use crate::config::Activation;
use crate::history::History;
use plotters::coord::Shift;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

/// Colours and type for the charts: dark ink on a light background.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// devicePixelRatio: every size (fonts, lines, margins) is multiplied by it.
    pub scale: f64,
    /// Font family for all text ("sans-serif" by default).
    pub font: String,
    pub background: RGBColor,
    pub ink: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub warn: RGBColor,
    /// Training-set series (loss, accuracy).
    pub train: RGBColor,
    /// Test-set series.
    pub test: RGBColor,
    /// One colour per layer, the same in every chart (see [`LAYER_COLORS`]).
    pub layers: Vec<RGBColor>,
}

/// The article's layer 1, layer 2, output: Okabe–Ito blue, vermillion, bluish green (colour-blind
/// safe); deeper networks continue with orange, sky blue and five more, one per layer up to ten.
pub const LAYER_COLORS: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(117, 112, 179),
    RGBColor(166, 118, 29),
    RGBColor(231, 41, 138),
    RGBColor(102, 102, 102),
    RGBColor(102, 166, 30),
];

impl Theme {
    pub fn light(scale: f64) -> Theme {
        let scale = if scale.is_finite() && scale > 0.0 { scale.clamp(0.25, 8.0) } else { 1.0 };
        Theme {
            scale,
            font: "sans-serif".into(),
            background: RGBColor(255, 255, 255),
            ink: RGBColor(31, 41, 55),
            muted: RGBColor(107, 114, 128),
            grid: RGBColor(229, 231, 235),
            warn: RGBColor(185, 28, 28),
            train: RGBColor(31, 41, 55),
            test: RGBColor(204, 121, 167),
            layers: LAYER_COLORS.to_vec(),
        }
    }

    /// The colour of layer `index` (0-based).
    pub fn layer(&self, index: usize) -> RGBColor {
        if self.layers.is_empty() {
            return self.ink;
        }
        self.layers[index % self.layers.len()]
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::light(1.0)
    }
}

/// `#rrggbb` of layer `index`'s colour, for HTML legends next to the charts.
pub fn layer_color_hex(index: usize) -> String {
    let RGBColor(r, g, b) = LAYER_COLORS[index % LAYER_COLORS.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// "layer 1", "layer 2", …, "output" for the last of `count`.
pub fn layer_name(index: usize, count: usize) -> String {
    if index + 1 == count { "output".into() } else { format!("layer {}", index + 1) }
}

/// How much the per-step curves are smoothed: an EMA whose memory grows with the run (about
/// a twelfth of the steps so far, at most ~50 steps), as one would set TensorBoard's slider.
pub(crate) fn smoothing(count: usize) -> f32 {
    (1.0 - 12.0 / count.max(1) as f32).clamp(0.0, 0.98)
}

/// Where a chart drew what, in backend pixels (canvas pixels: CSS pixels × scale).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartLayout {
    pub width: u32,
    pub height: u32,
    pub scale: f64,
    /// True when the chart shows its empty-state sentence instead of data.
    pub empty: bool,
    pub panels: Vec<PanelLayout>,
    /// Warnings drawn on the chart (e.g. "some values were NaN/∞ — not drawn").
    pub notes: Vec<String>,
    /// The big banner text, when one is shown ("output layer dead: uniform softmax").
    pub banner: Option<String>,
}

/// One plotting area. A data point (x, y) is drawn at
/// `px = left + (x − xMin)/(xMax − xMin)·(right − left)` and, for a linear y axis,
/// `py = bottom − (y − yMin)/(yMax − yMin)·(bottom − top)`; for a log y axis (`yLog`) the same
/// with `ln y`, `ln yMin`, `ln yMax`. `top < bottom` (pixel rows grow downwards).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelLayout {
    /// Stable name: "loss", "accuracy", "hist-1", "bands-1", …, "grad", "ratio", "dead", "saturated".
    pub id: String,
    pub title: String,
    /// The layer (0-based) for per-layer panels.
    pub layer: Option<usize>,
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
    pub y_log: bool,
    pub x_label: String,
    pub y_label: String,
}

impl PanelLayout {
    /// Data coordinates of a backend pixel, if it lies inside the plotting area.
    pub fn data_at(&self, px: f64, py: f64) -> Option<(f64, f64)> {
        let (l, r, t, b) = (self.left as f64, self.right as f64, self.top as f64, self.bottom as f64);
        if !(l..=r).contains(&px) || !(t..=b).contains(&py) || r <= l || b <= t {
            return None;
        }
        let x = self.x_min + (px - l) / (r - l) * (self.x_max - self.x_min);
        let f = (b - py) / (b - t);
        let y = if self.y_log {
            (self.y_min.ln() + f * (self.y_max.ln() - self.y_min.ln())).exp()
        } else {
            self.y_min + f * (self.y_max - self.y_min)
        };
        Some((x, y))
    }
}

/// The note shown (and listed in [`ChartLayout::notes`]) when a series had NaN or ∞ values.
pub const NON_FINITE_NOTE: &str = "some values were NaN/∞ — not drawn";
/// The banner text for a dead output layer.
pub const DEAD_OUTPUT_BANNER: &str = "output layer dead: uniform softmax";
/// The same for a network trained on squared error (the Q&A's single ReLU output).
pub const DEAD_OUTPUT_BANNER_SSE: &str = "output dead: 0 for every example, no gradient";

// ------------------------------------------------------------------------------------------
// Drawing helpers shared by the charts

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;
pub(crate) type Res<T> = Result<T, String>;

/// Sizes in "design pixels" (at scale 1 on a ~960 px wide chart).
pub(crate) const TICK: f64 = 15.0;
pub(crate) const TITLE: f64 = 18.0;
pub(crate) const LEGEND: f64 = 15.0;
pub(crate) const NOTE: f64 = 15.0;
pub(crate) const EMPTY: f64 = 21.0;
pub(crate) const BANNER: f64 = 30.0;

pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing the chart failed: {e}")
}

/// The drawing surface plus what every chart needs: the theme, the size unit, whether text works.
pub(crate) struct Painter<'a, DB: DrawingBackend> {
    pub root: Area<DB>,
    pub theme: &'a Theme,
    pub text_ok: bool,
    /// Pixels per design pixel: the scale, times a factor for small or large charts.
    pub unit: f64,
    pub width: u32,
    pub height: u32,
    pub notes: Vec<String>,
    pub banner: Option<String>,
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    pub fn new(backend: DB, theme: &'a Theme) -> Res<Self> {
        let root = backend.into_drawing_area();
        let (width, height) = root.dim_in_pixel();
        let css_width = width as f64 / theme.scale;
        let unit = theme.scale * (css_width / 960.0).clamp(0.8, 1.25);
        root.fill(&theme.background).map_err(err)?;
        let mut painter = Painter { root, theme, text_ok: false, unit, width, height, notes: Vec::new(), banner: None };
        let probe = painter.font(TICK, false).color(&theme.ink);
        painter.text_ok = matches!(painter.root.estimate_text_size("Ag", &probe), Ok((w, h)) if w > 0 && h > 0);
        Ok(painter)
    }

    pub fn px(&self, design: f64) -> i32 {
        (design * self.unit).round().max(1.0) as i32
    }

    pub fn pxf(&self, design: f64) -> f64 {
        design * self.unit
    }

    pub fn font(&self, size: f64, bold: bool) -> FontDesc<'a> {
        let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
        FontDesc::new(FontFamily::Name(&self.theme.font), size * self.unit, style)
    }

    /// Draws text at backend pixel `pos`; problems with text are ignored, never fatal.
    pub fn text<C: Color>(&self, s: &str, pos: (i32, i32), size: f64, color: &C, anchor: (HPos, VPos), bold: bool) {
        if !self.text_ok || s.is_empty() {
            return;
        }
        let style = self.font(size, bold).color(color).pos(Pos::new(anchor.0, anchor.1));
        let _ = self.root.draw_text(s, &style, pos);
    }

    /// Width of `s` in backend pixels (an estimate when text cannot be measured).
    pub fn text_width(&self, s: &str, size: f64, bold: bool) -> i32 {
        if self.text_ok {
            let style = self.font(size, bold).color(&self.theme.ink);
            if let Ok((w, _)) = self.root.estimate_text_size(s, &style) {
                return w as i32;
            }
        }
        (s.chars().count() as f64 * 0.55 * size * self.unit) as i32
    }

    /// A legend `(colour, label, dashed)` drawn right-aligned in a title row, between the end
    /// of the title and the row's right edge; its text shrinks to fit and it is left out when
    /// it still does not fit. Returns where it starts (or `row.right`).
    pub fn legend(&self, items: &[(RGBAColor, String, bool)], row: TitleRow) -> i32 {
        if !self.text_ok || items.is_empty() {
            return row.right;
        }
        let mut size = LEGEND;
        let room = row.right - row.left - self.px(24.0);
        let total = |size: f64| -> i32 {
            let scale = size / LEGEND;
            items
                .iter()
                .map(|(_, label, _)| {
                    self.text_width(label, size, false) + ((22.0 + 6.0 + 18.0) * scale * self.unit) as i32
                })
                .sum()
        };
        while total(size) > room {
            size -= 1.0;
            if size < 10.0 {
                return row.right;
            }
        }
        let k = size / LEGEND;
        let swatch = self.px(22.0 * k);
        let gap = self.px(6.0 * k);
        let spacing = self.px(18.0 * k);
        let y = row.y;
        let mut x = row.right;
        for (color, label, dashed) in items.iter().rev() {
            let w = self.text_width(label, size, false);
            x -= w;
            self.text(label, (x, y), size, &self.theme.ink, (HPos::Left, VPos::Center), false);
            x -= gap + swatch;
            let stroke = self.px(3.0) as u32;
            if *dashed {
                let seg = swatch / 3;
                for k in [0, 2] {
                    let _ = self.root.draw(&PathElement::new(
                        vec![(x + k * seg, y), (x + (k + 1) * seg, y)],
                        color.stroke_width(stroke),
                    ));
                }
            } else {
                let _ = self.root.draw(&PathElement::new(vec![(x, y), (x + swatch, y)], color.stroke_width(stroke)));
            }
            x -= spacing;
        }
        x
    }

    /// The centred sentence of an empty chart, with a faint frame so it is visibly a chart.
    pub fn empty(mut self, message: &str, detail: Option<&str>) -> Res<ChartLayout> {
        let (w, h) = (self.width as i32, self.height as i32);
        let m = self.px(12.0);
        let frame = ShapeStyle { color: self.theme.grid.to_rgba(), filled: false, stroke_width: self.px(2.0) as u32 };
        self.root.draw(&Rectangle::new([(m, m), (w - m, h - m)], frame)).map_err(err)?;
        // A sentence that does not fit is shrunk, never clipped.
        let mut size = EMPTY;
        while size > 10.0 && self.text_width(message, size, false) > w - 4 * m {
            size -= 1.0;
        }
        let dy = if detail.is_some() { self.px(14.0) } else { 0 };
        self.text(message, (w / 2, h / 2 - dy), size, &self.theme.muted, (HPos::Center, VPos::Center), false);
        if let Some(detail) = detail {
            let mut small = NOTE;
            while small > 9.0 && self.text_width(detail, small, false) > w - 4 * m {
                small -= 1.0;
            }
            self.text(
                detail,
                (w / 2, h / 2 + self.px(18.0)),
                small,
                &self.theme.muted,
                (HPos::Center, VPos::Center),
                false,
            );
        }
        self.root.present().map_err(err)?;
        self.notes.clear();
        Ok(ChartLayout {
            width: self.width,
            height: self.height,
            scale: self.theme.scale,
            empty: true,
            panels: Vec::new(),
            notes: Vec::new(),
            banner: None,
        })
    }

    /// Adds a warning, drawn at the bottom right by [`Painter::finish`].
    pub fn note(&mut self, note: &str) {
        if !self.notes.iter().any(|n| n == note) {
            self.notes.push(note.to_string());
        }
    }

    /// Too small to draw anything readable (a hidden or collapsed canvas).
    pub fn tiny(&self) -> bool {
        self.width < 40 || self.height < 30
    }

    /// Finishes the chart: draws the notes (bottom right) and lists the usable panels (a
    /// canvas too small for its labels can squeeze a plotting area to nothing: left out).
    pub fn finish(self, panels: Vec<PanelLayout>) -> Res<ChartLayout> {
        let (w, h) = (self.width as i32, self.height as i32);
        let panels: Vec<PanelLayout> = panels
            .into_iter()
            .filter(|p| {
                p.right > p.left && p.bottom > p.top && p.left >= 0 && p.top >= 0 && p.right <= w && p.bottom <= h
            })
            .collect();
        let line = self.px(NOTE * 1.35);
        let (w, h) = (self.width as i32, self.height as i32);
        for (i, note) in self.notes.iter().rev().enumerate() {
            let y = h - self.px(6.0) - i as i32 * line;
            let tw = self.text_width(note, NOTE, true);
            let pad = self.px(5.0);
            let x = w - self.px(10.0);
            if self.text_ok {
                let _ = self.root.draw(&Rectangle::new(
                    [(x - tw - pad, y - line + pad / 2), (x + pad, y + pad / 2)],
                    self.theme.background.mix(0.85).filled(),
                ));
            }
            self.text(note, (x, y), NOTE, &self.theme.warn, (HPos::Right, VPos::Bottom), true);
        }
        self.root.present().map_err(err)?;
        Ok(ChartLayout {
            width: self.width,
            height: self.height,
            scale: self.theme.scale,
            empty: false,
            panels,
            notes: self.notes,
            banner: self.banner,
        })
    }

    /// Splits the area below a title strip; draws the title (left) and returns the rest and
    /// the free part of the title row (for a legend or a note).
    pub fn titled(&self, area: &Area<DB>, title: &str, color: &RGBColor) -> (Area<DB>, TitleRow) {
        let strip = self.px(TITLE * 1.7);
        let (top, rest) = area.split_vertically(strip);
        let (xr, yr) = top.get_pixel_range();
        let x = xr.start + self.px(8.0);
        let y = (yr.start + yr.end) / 2 + self.px(2.0);
        self.text(title, (x, y), TITLE, color, (HPos::Left, VPos::Center), true);
        let left = if title.is_empty() { x } else { x + self.text_width(title, TITLE, true) };
        (rest, TitleRow { left, right: xr.end - self.px(16.0), y })
    }
}

/// The free part of a panel's title row: from the end of the title to the right edge, at
/// height `y` (the text's vertical centre).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TitleRow {
    pub left: i32,
    pub right: i32,
    pub y: i32,
}

/// Options for one panel's axes.
pub(crate) struct Axes<'f> {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_desc: Option<&'f str>,
    pub show_x_labels: bool,
    pub x_fmt: &'f dyn Fn(&f64) -> String,
    pub y_fmt: &'f dyn Fn(&f64) -> String,
    pub x_ticks: usize,
    pub y_ticks: usize,
    /// Width of the y tick labels, in design pixels.
    pub y_label_width: f64,
}

pub(crate) type LinearChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
pub(crate) type LogChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, WithKeyPoints<LogCoord<f64>>>>;

fn builder<'a, 'b, DB: DrawingBackend>(p: &Painter<DB>, area: &'a Area<DB>, axes: &Axes) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    let x_area = match (p.text_ok, axes.show_x_labels, axes.x_desc.is_some()) {
        (true, true, true) => p.pxf(TICK * 1.6 + TICK * 1.7),
        (true, true, false) => p.pxf(TICK * 1.9),
        _ => p.pxf(6.0),
    };
    let y_area = if p.text_ok { p.pxf(axes.y_label_width + 12.0) } else { p.pxf(6.0) };
    b.margin_right(p.px(16.0))
        .margin_top(p.px(6.0))
        .margin_left(p.px(4.0))
        .margin_bottom(p.px(2.0))
        .x_label_area_size(x_area as u32)
        .y_label_area_size(y_area as u32);
    b
}

pub(crate) fn linear_chart<'a, DB: DrawingBackend>(
    p: &Painter<DB>,
    area: &'a Area<DB>,
    axes: &Axes,
) -> Res<LinearChart<'a, DB>> {
    let mut chart = builder(p, area, axes).build_cartesian_2d(axes.x.0..axes.x.1, axes.y.0..axes.y.1).map_err(err)?;
    mesh(p, &mut chart, axes)?;
    Ok(chart)
}

pub(crate) fn log_chart<'a, DB: DrawingBackend>(
    p: &Painter<DB>,
    area: &'a Area<DB>,
    axes: &Axes,
) -> Res<LogChart<'a, DB>> {
    let mut chart = builder(p, area, axes)
        .build_cartesian_2d(axes.x.0..axes.x.1, (axes.y.0..axes.y.1).log_scale().with_key_points(log_ticks(axes.y)))
        .map_err(err)?;
    mesh(p, &mut chart, axes)?;
    Ok(chart)
}

fn mesh<DB, X, Y>(p: &Painter<DB>, chart: &mut ChartContext<DB, Cartesian2d<X, Y>>, axes: &Axes) -> Res<()>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let t = p.theme;
    let tick_font = p.font(TICK, false).color(&t.ink);
    let desc_font = p.font(TICK, false).color(&t.muted);
    // Hidden x labels keep their grid lines: same ticks, empty text.
    let blank = |_: &f64| String::new();
    // Short panels get fewer y labels, so that labels never overlap (at least two, one per
    // ~2.2 lines of tick text).
    let (_, height) = chart.plotting_area().dim_in_pixel();
    let fit = (height as f64 / (p.pxf(TICK) * 2.2)).floor().max(2.0) as usize;
    let y_ticks = axes.y_ticks.min(fit);
    let with_text = |chart: &mut ChartContext<DB, Cartesian2d<X, Y>>, text: bool| {
        let mut m = chart.configure_mesh();
        m.bold_line_style(t.grid.stroke_width(p.px(1.0) as u32))
            .light_line_style(TRANSPARENT)
            .axis_style(t.muted.stroke_width(p.px(1.5) as u32))
            .set_all_tick_mark_size(p.px(4.0))
            .x_label_formatter(if axes.show_x_labels { axes.x_fmt } else { &blank })
            .y_label_formatter(axes.y_fmt)
            .label_style(tick_font.clone())
            .axis_desc_style(desc_font.clone());
        if text {
            m.x_labels(axes.x_ticks).y_labels(y_ticks);
            if let (true, Some(desc)) = (axes.show_x_labels, axes.x_desc) {
                m.x_desc(desc);
            }
        } else {
            // No text at all (no usable font): no labels, so no grid lines either.
            m.x_labels(0).y_labels(0);
        }
        m.draw()
    };
    if p.text_ok && with_text(chart, true).is_ok() {
        return Ok(());
    }
    with_text(chart, false).map_err(err)
}

/// The layout of a Cartesian panel: its data corners in backend pixels.
pub(crate) fn layout_of<DB, X, Y>(
    chart: &ChartContext<DB, Cartesian2d<X, Y>>,
    id: &str,
    title: &str,
    layer: Option<usize>,
    y_log: bool,
    labels: (&str, &str),
) -> PanelLayout
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (xr, yr) = (chart.x_range(), chart.y_range());
    let (left, bottom) = chart.backend_coord(&(xr.start, yr.start));
    let (right, top) = chart.backend_coord(&(xr.end, yr.end));
    PanelLayout {
        id: id.into(),
        title: title.into(),
        layer,
        left,
        top,
        right,
        bottom,
        x_min: xr.start,
        x_max: xr.end,
        y_min: yr.start,
        y_max: yr.end,
        y_log,
        x_label: labels.0.into(),
        y_label: labels.1.into(),
    }
}

/// Draws `points` as a line, broken wherever x or y is not finite (or, on a log axis, not
/// positive); a lone finite point gets a dot. Returns whether any point was left out.
pub(crate) fn line<DB, CT>(
    chart: &mut ChartContext<DB, CT>,
    points: &[(f64, f64)],
    style: ShapeStyle,
    dot: u32,
    log_y: bool,
) -> Res<bool>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let ok = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!log_y || y > 0.0);
    let mut skipped = false;
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut runs = Vec::new();
    for pt in points {
        if ok(pt) {
            run.push(*pt);
        } else {
            skipped = true;
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    for run in runs {
        if run.len() == 1 || dot > 0 {
            let filled = ShapeStyle { filled: true, ..style };
            let r = if run.len() == 1 { dot.max(style.stroke_width + 1) } else { dot };
            chart.draw_series(run.iter().map(|&pt| Circle::new(pt, r, filled))).map_err(err)?;
        }
        if run.len() > 1 {
            chart.draw_series(LineSeries::new(run, style)).map_err(err)?;
        }
    }
    Ok(skipped)
}

/// A filled band between `lower` and `upper` (same x), broken where either is not finite.
pub(crate) fn band<DB, CT>(chart: &mut ChartContext<DB, CT>, points: &[(f64, f64, f64)], color: RGBAColor) -> Res<bool>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let mut skipped = false;
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for &(x, lo, hi) in points {
        if x.is_finite() && lo.is_finite() && hi.is_finite() {
            runs.last_mut().expect("non-empty").push((x, lo, hi));
        } else {
            skipped = true;
            runs.push(Vec::new());
        }
    }
    for run in runs.into_iter().filter(|r| !r.is_empty()) {
        if run.len() == 1 {
            let (x, lo, hi) = run[0];
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x, lo), (x, hi)], color.stroke_width(6))))
                .map_err(err)?;
            continue;
        }
        let mut poly: Vec<(f64, f64)> = run.iter().map(|&(x, _, hi)| (x, hi)).collect();
        poly.extend(run.iter().rev().map(|&(x, lo, _)| (x, lo)));
        chart.draw_series(std::iter::once(Polygon::new(poly, color.filled()))).map_err(err)?;
    }
    Ok(skipped)
}

/// A dashed horizontal line at `y` across the x range.
pub(crate) fn hline<DB, CT>(
    chart: &mut ChartContext<DB, CT>,
    x: (f64, f64),
    y: f64,
    style: ShapeStyle,
    dash: u32,
) -> Res<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    chart.draw_series(DashedLineSeries::new(vec![(x.0, y), (x.1, y)], dash, dash, style)).map_err(err)?;
    Ok(())
}

/// Faint dotted vertical lines at the epoch ends.
pub(crate) fn epoch_lines<DB, CT>(
    p: &Painter<DB>,
    chart: &mut ChartContext<DB, CT>,
    epochs: &[f64],
    y: (f64, f64),
) -> Res<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let style = p.theme.muted.mix(0.45).stroke_width(p.px(1.2) as u32);
    // Thousands of one-step epochs (the Q&A's full batches) would bury the chart in lines and
    // cost seconds to draw: at most MAX_EPOCH_LINES of them, evenly spaced.
    const MAX_EPOCH_LINES: usize = 40;
    let every = epochs.len().div_ceil(MAX_EPOCH_LINES).max(1);
    for &x in epochs.iter().skip(every - 1).step_by(every) {
        chart
            .draw_series(DashedLineSeries::new(vec![(x, y.0), (x, y.1)], p.px(3.0) as u32, p.px(4.0) as u32, style))
            .map_err(err)?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Ranges and number formats

/// Smallest and largest finite value.
pub(crate) fn finite_span(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A finite, non-degenerate axis range around `span` (default `[0, 1]`), widened by `pad`
/// of its width on both sides.
pub(crate) fn padded(span: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = span.unwrap_or((0.0, 1.0));
    lo = lo.clamp(-1e30, 1e30);
    hi = hi.clamp(-1e30, 1e30);
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    let width = hi - lo;
    if width <= 1e-9 * lo.abs().max(hi.abs()).max(1e-30) || width < 1e-30 {
        let half = (lo.abs() * 0.05).max(0.05);
        return (lo - half, hi + half);
    }
    (lo - pad * width, hi + pad * width)
}

/// A log axis range covering the positive finite values with a little room (×1.5 each way),
/// widened to span at least one decade so a power of 10 is always labelled.
pub(crate) fn log_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    match finite_span(values.into_iter().filter(|v| *v > 0.0)) {
        None => (1e-6, 1.0),
        Some((lo, hi)) => {
            let (mut a, mut b) = ((lo / 1.5).max(1e-300).log10(), (hi * 1.5).min(1e300).log10());
            if b - a < 1.0 {
                // One decade around the middle: [m − ½, m + ½] always holds an integer power.
                let mid = (a + b) / 2.0;
                a = mid - 0.5;
                b = mid + 0.5;
            }
            (10f64.powf(a), 10f64.powf(b))
        }
    }
}

/// Tick values for a log axis over `range`: 1-2-5 per decade when it spans at most two
/// decades, every decade up to 7, then every few decades.
pub(crate) fn log_ticks(range: (f64, f64)) -> Vec<f64> {
    let (lo, hi) = (range.0.max(1e-300), range.1.min(1e300));
    if !(lo > 0.0 && hi > lo) {
        return Vec::new();
    }
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = (hi / lo).log10();
    let (multipliers, every): (&[f64], i32) = if decades <= 2.2 {
        (&[1.0, 2.0, 5.0], 1)
    } else if decades <= 7.5 {
        (&[1.0], 1)
    } else {
        (&[1.0], (decades / 6.0).ceil() as i32)
    };
    let mut ticks = Vec::new();
    for k in a..=b {
        if k.rem_euclid(every) != 0 {
            continue;
        }
        for m in multipliers {
            let v = m * 10f64.powi(k);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                ticks.push(v);
            }
        }
    }
    ticks
}

/// The x range of the step axis: 0 to the last step anyone recorded.
pub(crate) fn step_range(history: &History) -> (f64, f64) {
    let last = [
        history.steps.last().map(|s| s.step),
        history.epochs.last().map(|e| e.step),
        history.probes.last().map(|p| p.step),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(1);
    (0.0, last.max(1) as f64)
}

/// The steps at which epochs ended (only those inside the x range).
pub(crate) fn epoch_steps(history: &History) -> Vec<f64> {
    history.epochs.iter().map(|e| e.step as f64).collect()
}

/// Tick labels with as many decimals as the axis span needs.
pub(crate) fn number_format(span: (f64, f64)) -> impl Fn(&f64) -> String {
    let width = (span.1 - span.0).abs().max(1e-30);
    let decimals = (-(width / 5.0).log10().floor()).clamp(0.0, 6.0) as usize;
    let big = span.0.abs().max(span.1.abs());
    move |v: &f64| {
        if big >= 1e5 || (big < 1e-3 && big > 0.0) {
            if *v == 0.0 {
                return "0".into();
            }
            // 2.0e29 → 2e29, 1.5e29 stays.
            let s = format!("{v:.1e}");
            match s.split_once('e') {
                Some((m, e)) => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
                None => s,
            }
        } else {
            let s = format!("{v:.decimals$}");
            if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
        }
    }
}

pub(crate) fn step_format(v: &f64) -> String {
    if v.abs() >= 10_000.0 { format!("{:.0}k", v / 1000.0) } else { format!("{v:.0}") }
}

pub(crate) fn percent_format(v: &f64) -> String {
    format!("{:.0}%", v * 100.0)
}

pub(crate) fn log_format(v: &f64) -> String {
    if *v >= 0.01 && *v < 1000.0 {
        let s = format!("{v}");
        if s.len() <= 6 { s } else { format!("{v:.0e}") }
    } else {
        format!("{v:.0e}")
    }
}

pub(crate) fn activation_name(history: &History, layer: usize) -> &'static str {
    history.acts.get(layer).map(|a: &Activation| a.name()).unwrap_or("?")
}

/// "layer 1 · relu".
pub(crate) fn layer_label(history: &History, layer: usize, count: usize) -> String {
    format!("{} · {}", layer_name(layer, count), activation_name(history, layer))
}

#[cfg(test)]
mod helper_tests {
    use super::*;

    #[test]
    fn ranges_stay_finite_and_open() {
        assert_eq!(padded(None, 0.0), (0.0, 1.0));
        let (lo, hi) = padded(Some((2.0, 2.0)), 0.05);
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = padded(Some((0.0, 0.0)), 0.05);
        assert!(lo < 0.0 && hi > 0.0);
        let (lo, hi) = padded(Some((-3e38, 3e38)), 0.05);
        assert!(lo.is_finite() && hi.is_finite() && hi > lo);
        assert_eq!(finite_span([f64::NAN, 3.0, f64::INFINITY, -1.0]), Some((-1.0, 3.0)));
        let (lo, hi) = log_range([0.003, 0.2, 0.0, f64::NAN]);
        assert!((lo - 0.002).abs() < 1e-9 && (hi - 0.3).abs() < 1e-9, "{lo} {hi}");
        // Less than a decade of data still shows a power of 10.
        for v in [0.02, 0.07, 0.5, 3.0, 1.0] {
            let (lo, hi) = log_range([v, v * 1.2]);
            assert!(hi / lo >= 9.99 && lo <= v && hi >= v * 1.2, "{v}: {lo} {hi}");
            assert!(lo.log10().ceil() <= hi.log10() + 1e-9, "{v}: {lo} {hi}");
        }
        assert_eq!(log_range([0.0]), (1e-6, 1.0));
        assert_eq!(log_ticks((0.03, 0.7)), vec![0.05, 0.1, 0.2, 0.5]);
        assert_eq!(log_ticks((1e-5, 1.0)), vec![1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
        assert_eq!(log_ticks((1e-20, 1.0)).len(), 6);
        assert!(log_ticks((1.0, 1.0)).is_empty());
        let (lo, hi) = log_range([1.0]);
        assert!(hi > lo);
    }

    #[test]
    fn data_at_inverts_the_mapping() {
        let p = PanelLayout {
            id: "x".into(),
            title: String::new(),
            layer: None,
            left: 100,
            top: 10,
            right: 300,
            bottom: 110,
            x_min: 0.0,
            x_max: 50.0,
            y_min: 1e-4,
            y_max: 1.0,
            y_log: true,
            x_label: String::new(),
            y_label: String::new(),
        };
        let (x, y) = p.data_at(200.0, 60.0).unwrap();
        assert!((x - 25.0).abs() < 1e-9 && (y - 1e-2).abs() < 1e-9);
        assert_eq!(p.data_at(50.0, 60.0), None);
    }

    #[test]
    fn number_formats_are_short() {
        let f = number_format((0.0, 2.5));
        assert_eq!(f(&1.5), "1.5");
        assert_eq!(f(&-0.0), "0.0");
        assert_eq!(number_format((0.0, 100.0))(&40.0), "40");
        let big = number_format((0.0, 2e29));
        assert_eq!((big(&0.0).as_str(), big(&2e29).as_str(), big(&1.5e29).as_str()), ("0", "2e29", "1.5e29"));
        assert_eq!(log_format(&1e-5), "1e-5");
        assert_eq!(log_format(&0.1), "0.1");
        assert_eq!(percent_format(&0.25), "25%");
        assert_eq!(step_format(&12000.0), "12k");
        assert_eq!(layer_color_hex(0), "#0072b2");
        assert_eq!(layer_name(2, 3), "output");
    }
}
