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
mod layout_tests;
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
use std::cell::RefCell;

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
    /// True when the chart only says it is too small to read (see [`TOO_SMALL`]).
    pub too_small: bool,
    /// Every piece of text drawn, with its box (the tests check that none overlap).
    #[serde(skip)]
    pub texts: Vec<TextBox>,
    /// Text the layout had to draw over other text or past the edge: always empty unless
    /// there is a layout bug (sent to the page, whose browser tests check it with real fonts).
    pub clashes: Vec<String>,
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

/// The drawing surface plus what every chart needs: the theme, the size unit, whether text works,
/// and every piece of text placed so far (so that nothing is drawn over it).
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
    texts: RefCell<Vec<TextBox>>,
    clashes: RefCell<Vec<String>>,
    /// The number of the axis whose tick labels are being placed.
    axis: std::cell::Cell<u32>,
    /// The area of the panel being drawn: optional text stays inside it (so that it cannot
    /// take the place of a later panel's labels). `None`: the whole canvas.
    bounds: std::cell::Cell<Option<(i32, i32, i32, i32)>>,
}

/// What a piece of chart text is. Titles, tick labels and axis names are laid out so that they
/// cannot overlap; the rest is optional and left out where it would overlap something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TextKind {
    Title,
    Subtitle,
    Legend,
    Readout,
    Tick,
    AxisName,
    Annotation,
    Note,
    Banner,
    Message,
}

/// A piece of text on a chart and its box, in backend pixels.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TextBox {
    pub text: String,
    pub kind: TextKind,
    /// Tick labels of one axis share a number (1, 2, …); 0 for other text.
    pub axis: u32,
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl TextBox {
    /// Whether the two boxes share any pixel.
    pub fn intersects(&self, other: &TextBox) -> bool {
        self.left < other.right && other.left < self.right && self.top < other.bottom && other.top < self.bottom
    }
}

/// A chart smaller than this (design pixels) only says that it is too small.
pub(crate) const MIN_PLOT_W: f64 = 90.0;
pub(crate) const MIN_PLOT_H: f64 = 44.0;
/// The sentence of a chart too small to read.
pub const TOO_SMALL: &str = "Too small to read: make this chart larger";

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    pub fn new(backend: DB, theme: &'a Theme) -> Res<Self> {
        let root = backend.into_drawing_area();
        let (width, height) = root.dim_in_pixel();
        let css_width = width as f64 / theme.scale;
        let unit = theme.scale * (css_width / 960.0).clamp(0.8, 1.25);
        root.fill(&theme.background).map_err(err)?;
        let mut painter = Painter {
            root,
            theme,
            text_ok: false,
            unit,
            width,
            height,
            notes: Vec::new(),
            banner: None,
            texts: RefCell::new(Vec::new()),
            clashes: RefCell::new(Vec::new()),
            axis: std::cell::Cell::new(0),
            bounds: std::cell::Cell::new(None),
        };
        let probe = painter.font(TICK, false).color(&theme.ink);
        painter.text_ok = matches!(painter.root.estimate_text_size("Ag", &probe), Ok((w, h)) if w > 0 && h > 0);
        Ok(painter)
    }

    pub fn px(&self, design: f64) -> i32 {
        (design * self.unit).round().max(1.0) as i32
    }

    pub fn font(&self, size: f64, bold: bool) -> FontDesc<'a> {
        let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
        FontDesc::new(FontFamily::Name(&self.theme.font), size * self.unit, style)
    }

    /// Height of a line of text of `size`, in backend pixels.
    pub fn line_height(&self, size: f64) -> i32 {
        (size * self.unit * 1.2).ceil() as i32
    }

    /// The box `s` would take drawn at `pos` with `anchor`.
    pub fn text_box(
        &self,
        s: &str,
        pos: (i32, i32),
        size: f64,
        anchor: (HPos, VPos),
        bold: bool,
    ) -> (i32, i32, i32, i32) {
        let (w, h) = (self.text_width(s, size, bold), self.line_height(size));
        let left = match anchor.0 {
            HPos::Left => pos.0,
            HPos::Center => pos.0 - w / 2,
            HPos::Right => pos.0 - w,
        };
        let top = match anchor.1 {
            VPos::Top => pos.1,
            VPos::Center => pos.1 - h / 2,
            VPos::Bottom => pos.1 - h,
        };
        (left, top, left + w, top + h)
    }

    /// Whether a box lies inside the canvas and clear of all text placed so far.
    pub fn free(&self, (left, top, right, bottom): (i32, i32, i32, i32)) -> bool {
        let b = TextBox { text: String::new(), kind: TextKind::Annotation, axis: 0, left, top, right, bottom };
        left >= 0
            && top >= 0
            && right <= self.width as i32
            && bottom <= self.height as i32
            && !self.texts.borrow().iter().any(|t| t.intersects(&b))
    }

    /// Optional text (a note, a label on the data): drawn at backend pixel `pos` only if it
    /// fits in the current panel's area (see [`Painter::enter`]) and overlaps no text placed
    /// before. Returns whether it was drawn.
    pub fn text<C: Color>(
        &self,
        s: &str,
        pos: (i32, i32),
        size: f64,
        color: &C,
        anchor: (HPos, VPos),
        bold: bool,
    ) -> bool {
        let bx = self.text_box(s, pos, size, anchor, bold);
        let inside = self.bounds.get().is_none_or(|(l, t, r, b)| bx.0 >= l && bx.1 >= t && bx.2 <= r && bx.3 <= b);
        if !self.text_ok || s.is_empty() || !inside || !self.free(bx) {
            return false;
        }
        self.place(TextKind::Annotation, s, pos, size, color, anchor, bold);
        true
    }

    /// Text the layout has made room for (a title, a tick label): always drawn and recorded; a
    /// clash with earlier text or the canvas edge is a layout bug, listed in the chart's
    /// `clashes` (the tests fail on it).
    #[allow(clippy::too_many_arguments)]
    pub fn place<C: Color>(
        &self,
        kind: TextKind,
        s: &str,
        pos: (i32, i32),
        size: f64,
        color: &C,
        anchor: (HPos, VPos),
        bold: bool,
    ) {
        if !self.text_ok || s.is_empty() {
            return;
        }
        let bx = self.text_box(s, pos, size, anchor, bold);
        if !self.free(bx) {
            let (left, top, right, bottom) = bx;
            let me = TextBox { text: String::new(), kind, axis: 0, left, top, right, bottom };
            let other = self
                .texts
                .borrow()
                .iter()
                .find(|t| t.intersects(&me))
                .map(|t| format!("{:?} {:?}", t.text, (t.left, t.top, t.right, t.bottom)));
            let (w, h) = (self.width, self.height);
            let with = other.unwrap_or_else(|| format!("the {w}×{h} canvas edge"));
            self.clashes.borrow_mut().push(format!("{kind:?} {s:?} at {bx:?} over {with}"));
        }
        let style = self.font(size, bold).color(color).pos(Pos::new(anchor.0, anchor.1));
        let _ = self.root.draw_text(s, &style, pos);
        let (left, top, right, bottom) = bx;
        let axis = if kind == TextKind::Tick { self.axis.get() } else { 0 };
        self.texts.borrow_mut().push(TextBox { text: s.to_string(), kind, axis, left, top, right, bottom });
    }

    /// Optional text from now on stays inside `area` (a panel being drawn).
    pub fn enter(&self, area: &Area<DB>) {
        let (x, y) = area.get_pixel_range();
        self.bounds.set(Some((x.start, y.start, x.end, y.end)));
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

    /// `s`, or its longest start that fits `room` pixels with an ellipsis (cut after a word
    /// when one fits), or `None` when not even a few letters fit.
    pub fn shorten(&self, s: &str, room: i32, size: f64, bold: bool) -> Option<String> {
        if self.text_width(s, size, bold) <= room {
            return Some(s.to_string());
        }
        let chars: Vec<char> = s.chars().collect();
        let fits = |n: usize| {
            let cut: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
            (self.text_width(&cut, size, bold) <= room).then_some(cut)
        };
        // The longest cut that fits (widths grow with the length).
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid).is_some() { lo = mid } else { hi = mid - 1 }
        }
        if lo < 4.min(chars.len()) {
            return None;
        }
        // Prefer a word boundary when it keeps most of the text.
        let word = chars[..lo].iter().rposition(|c| *c == ' ').filter(|&i| i >= lo * 2 / 3 && i >= 4);
        fits(word.unwrap_or(lo))
    }

    /// Words of `s` wrapped to `room` pixels.
    pub fn wrap(&self, s: &str, room: i32, size: f64, bold: bool) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in s.split(' ') {
            let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
            if current.is_empty() || self.text_width(&candidate, size, bold) <= room {
                current = candidate;
            } else {
                lines.push(std::mem::replace(&mut current, word.to_string()));
            }
        }
        lines.push(current);
        lines
    }

    /// A legend `(colour, label, dashed)` drawn right-aligned in a title row, between the end
    /// of the title and the row's right edge; its text shrinks to fit and it is left out when
    /// it still does not fit. Returns where it starts (or `row.right`).
    pub fn legend(&self, items: &[(RGBAColor, String, bool)], row: TitleRow) -> i32 {
        if !self.text_ok || items.is_empty() {
            return row.right;
        }
        let mut size = LEGEND;
        let room = row.right - row.left - self.px(12.0);
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
            if size < 11.0 {
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
            self.place(TextKind::Legend, label, (x, y), size, &self.theme.ink, (HPos::Left, VPos::Center), false);
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

    /// Text in the free part of a title row, after what is there (`row.left` moves on); cut
    /// short with an ellipsis to fit, or left out. Returns whether anything was drawn.
    pub fn row_text(&self, row: &mut TitleRow, s: &str, size: f64, color: &RGBColor, kind: TextKind) -> bool {
        let room = row.right - row.left;
        match self.shorten(s, room, size, false) {
            Some(fit) if self.text_ok => {
                self.place(kind, &fit, (row.left, row.y), size, color, (HPos::Left, VPos::Center), false);
                row.left += self.text_width(&fit, size, false) + self.px(8.0);
                true
            }
            _ => false,
        }
    }

    /// The centred sentence of an empty chart, with a faint frame so it is visibly a chart:
    /// wrapped to the frame, shrunk if need be; the detail is left out when there is no room.
    pub fn empty(mut self, message: &str, detail: Option<&str>) -> Res<ChartLayout> {
        let (w, h) = (self.width as i32, self.height as i32);
        let m = self.px(12.0).min(w / 8).min(h / 8);
        let frame = ShapeStyle { color: self.theme.grid.to_rgba(), filled: false, stroke_width: self.px(2.0) as u32 };
        self.root.draw(&Rectangle::new([(m, m), (w - m, h - m)], frame)).map_err(err)?;
        let room_w = w - 4 * m;
        let room_h = h - 4 * m;
        let mut blocks: Vec<(Vec<String>, f64)> = Vec::new();
        let mut size = EMPTY;
        let lines = loop {
            let lines = self.wrap(message, room_w, size, false);
            let fits = lines.iter().all(|l| self.text_width(l, size, false) <= room_w)
                && lines.len() as i32 * self.line_height(size) <= room_h;
            if fits || size <= 9.0 {
                break if fits { lines } else { Vec::new() };
            }
            size -= 1.0;
        };
        if !lines.is_empty() {
            blocks.push((lines, size));
            if let Some(detail) = detail {
                let small = NOTE.min(size);
                let lines = self.wrap(detail, room_w, small, false);
                let used: i32 = blocks.iter().map(|(l, s)| l.len() as i32 * self.line_height(*s)).sum();
                let need = lines.len() as i32 * self.line_height(small) + self.px(8.0);
                if lines.iter().all(|l| self.text_width(l, small, false) <= room_w) && used + need <= room_h {
                    blocks.push((lines, small));
                }
            }
        }
        let gap = self.px(8.0);
        let total: i32 = blocks.iter().map(|(l, s)| l.len() as i32 * self.line_height(*s)).sum::<i32>()
            + gap * (blocks.len() as i32 - 1).max(0);
        let mut y = h / 2 - total / 2;
        for (lines, size) in &blocks {
            for line in lines {
                let muted = self.theme.muted;
                self.place(TextKind::Message, line, (w / 2, y), *size, &muted, (HPos::Center, VPos::Top), false);
                y += self.line_height(*size);
            }
            y += gap;
        }
        self.root.present().map_err(err)?;
        self.notes.clear();
        Ok(ChartLayout {
            width: self.width,
            height: self.height,
            scale: self.theme.scale,
            empty: true,
            too_small: false,
            panels: Vec::new(),
            notes: Vec::new(),
            banner: None,
            texts: self.texts.into_inner(),
            clashes: self.clashes.into_inner(),
        })
    }

    /// Adds a warning, drawn at the bottom right by [`Painter::finish`].
    pub fn note(&mut self, note: &str) {
        if !self.notes.iter().any(|n| n == note) {
            self.notes.push(note.to_string());
        }
    }

    /// Too small to draw anything (a hidden or collapsed canvas): left blank.
    pub fn tiny(&self) -> bool {
        self.width < 40 || self.height < 30
    }

    /// Height in backend pixels a panel needs at least: title row, axes and a plot of
    /// [`MIN_PLOT_H`].
    pub fn panel_min_height(&self, x_labels: bool, x_name: bool) -> i32 {
        let margins = (self.line_height(TICK) / 2 + self.px(2.0)).max(self.px(6.0)) + 2;
        self.px(TITLE * 1.7) + margins + self.px(MIN_PLOT_H) + self.axis_heights(x_labels, x_name).0
    }

    /// Width a panel needs at least: its y labels (at most ~4 characters) and [`MIN_PLOT_W`].
    pub fn panel_min_width(&self) -> i32 {
        self.px(MIN_PLOT_W) + self.text_width("0.00", TICK, false) + self.px(4.0 + 10.0 + 16.0)
    }

    /// Whether the chart is too small to read: any of `needs` — `(share of the height, share of
    /// the width, (x labels, x name))` of a panel — gets less than the panel's minimum.
    pub fn too_small(&self, needs: &[(f64, f64, (bool, bool))]) -> bool {
        let (w, h) = (self.width as f64, self.height as f64);
        !self.text_ok && (self.width < 120 || self.height < 80)
            || self.text_ok
                && needs.iter().any(|&(fh, fw, (xl, xn))| {
                    (h * fh) < self.panel_min_height(xl, xn) as f64 || (w * fw) < self.panel_min_width() as f64
                })
    }

    /// The chart of a too small canvas: a sentence that says so, instead of illegible panels.
    pub fn say_too_small(self) -> Res<ChartLayout> {
        let mut layout = self.empty(TOO_SMALL, None)?;
        layout.too_small = true;
        Ok(layout)
    }

    /// Finishes the chart: draws the notes (bottom right, or wherever they overlap no text)
    /// and lists the usable panels (a canvas too small for its labels can squeeze a plotting
    /// area to nothing: left out).
    pub fn finish(self, panels: Vec<PanelLayout>) -> Res<ChartLayout> {
        let (w, h) = (self.width as i32, self.height as i32);
        let panels: Vec<PanelLayout> = panels
            .into_iter()
            .filter(|p| {
                p.right > p.left && p.bottom > p.top && p.left >= 0 && p.top >= 0 && p.right <= w && p.bottom <= h
            })
            .collect();
        self.bounds.set(None);
        let line = self.line_height(NOTE);
        let pad = self.px(5.0);
        for note in &self.notes {
            // Candidates: the chart's bottom right, then the top right and bottom left of each
            // plotting area, from the last panel up.
            let mut spots = vec![(w - self.px(10.0), h - pad, HPos::Right)];
            for p in panels.iter().rev() {
                spots.push((p.right - pad, p.top + pad + line, HPos::Right));
                spots.push((p.left + pad, p.bottom - pad, HPos::Left));
            }
            let mut size = NOTE;
            let mut drawn = false;
            while !drawn && size >= 10.0 {
                for &(x, y, hpos) in &spots {
                    let bx = self.text_box(note, (x, y), size, (hpos, VPos::Bottom), true);
                    let backdrop = (bx.0 - pad, bx.1, bx.2 + pad, bx.3);
                    if self.text_ok && self.free(backdrop) {
                        let _ = self.root.draw(&Rectangle::new(
                            [(backdrop.0, backdrop.1), (backdrop.2, backdrop.3)],
                            self.theme.background.mix(0.85).filled(),
                        ));
                        let warn = self.theme.warn;
                        self.place(TextKind::Note, note, (x, y), size, &warn, (hpos, VPos::Bottom), true);
                        drawn = true;
                        break;
                    }
                }
                size -= 1.0;
            }
        }
        self.root.present().map_err(err)?;
        Ok(ChartLayout {
            width: self.width,
            height: self.height,
            scale: self.theme.scale,
            empty: false,
            too_small: false,
            panels,
            notes: self.notes,
            banner: self.banner,
            texts: self.texts.into_inner(),
            clashes: self.clashes.into_inner(),
        })
    }

    /// Splits the area below a title strip; draws the title (left, cut short to fit) and
    /// returns the rest and the free part of the title row (for a legend or a note).
    pub fn titled(&self, area: &Area<DB>, title: &str, color: &RGBColor) -> (Area<DB>, TitleRow) {
        self.titled_with(area, title, color, None)
    }

    /// [`Painter::titled`] with a read-out at the right end of the row (`text`, colour), which
    /// keeps its room: the title is cut short first. Returns the read-out's place in the row's
    /// `right` (left of it).
    pub fn titled_with(
        &self,
        area: &Area<DB>,
        title: &str,
        color: &RGBColor,
        readout: Option<(&str, RGBColor)>,
    ) -> (Area<DB>, TitleRow) {
        self.enter(area);
        let strip = self.px(TITLE * 1.7);
        let (top, rest) = area.split_vertically(strip);
        let (xr, yr) = top.get_pixel_range();
        let x = xr.start + self.px(8.0);
        let y = (yr.start + yr.end) / 2 + self.px(2.0);
        let mut right = xr.end - self.px(16.0);
        if let Some((text, rcolor)) = readout {
            let rw = self.text_width(text, TITLE, true);
            // The read-out goes in when a title of a dozen letters still fits beside it.
            if self.text_ok && right - rw - self.px(12.0) - x >= self.text_width("Weight-grad…", TITLE, true) {
                self.place(TextKind::Readout, text, (right, y), TITLE, &rcolor, (HPos::Right, VPos::Center), true);
                right -= rw + self.px(12.0);
            }
        }
        let shown = self.shorten(title, right - x, TITLE, true).unwrap_or_default();
        if self.text_ok {
            self.place(TextKind::Title, &shown, (x, y), TITLE, color, (HPos::Left, VPos::Center), true);
        }
        let left = if shown.is_empty() { x } else { x + self.text_width(&shown, TITLE, true) + self.px(8.0) };
        (rest, TitleRow { left, right, y })
    }

    /// Heights below the plot: tick labels (and the axis name), and where they start.
    fn axis_heights(&self, x_labels: bool, x_name: bool) -> (i32, i32) {
        let lh = self.line_height(TICK);
        // Below the plot, clear of the lowest y label (centred on the axis line).
        let below = lh / 2 + self.px(3.0);
        let height = match (self.text_ok, x_labels, x_name) {
            (true, true, true) => below + lh + self.px(4.0) + lh + self.px(2.0),
            (true, true, false) => below + lh + self.px(2.0),
            _ => self.px(6.0),
        };
        (height, below)
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
    /// At most this many ticks (fewer when their labels would not fit or repeat).
    pub x_ticks: usize,
    pub y_ticks: usize,
    /// Width of the y labels' column in design pixels, at least (wider for wider labels).
    pub y_label_width: f64,
}

pub(crate) type LinearChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
pub(crate) type LogChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, WithKeyPoints<LogCoord<f64>>>>;

/// Round tick values ("nice" 1-2-5 steps) in `range`, at most `max` of them (at least two
/// when the range allows).
pub(crate) fn linear_ticks(range: (f64, f64), max: usize) -> Vec<f64> {
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) || max == 0 {
        return Vec::new();
    }
    let at = |step: f64| -> Vec<f64> {
        let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
        (first..=last).map(|k| k as f64 * step).map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v }).collect()
    };
    let base = 10f64.powf(((hi - lo) / max as f64).log10().floor());
    let mut previous: Vec<f64> = Vec::new();
    for m in [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0] {
        let ticks = at(base * m);
        if ticks.len() <= max {
            // Too coarse to give two ticks: the ends of the finer step instead.
            if ticks.len() < 2 && max >= 2 && previous.len() >= 2 {
                return vec![previous[0], previous[previous.len() - 1]];
            }
            return ticks;
        }
        previous = ticks;
    }
    previous
}

/// `ticks` thinned to at most `max`: on a log axis the decades first, then every other one…
fn thin_log_ticks(ticks: &[f64], max: usize) -> Vec<f64> {
    if ticks.len() <= max {
        return ticks.to_vec();
    }
    let decades: Vec<f64> = ticks.iter().copied().filter(|v| (v.log10() - v.log10().round()).abs() < 1e-9).collect();
    let base = if decades.len() >= 2 { decades } else { ticks.to_vec() };
    let mut every = 1;
    loop {
        let kept: Vec<f64> = base.iter().copied().step_by(every).collect();
        if kept.len() <= max.max(2) || kept.len() <= 2 {
            return kept;
        }
        every += 1;
    }
}

/// Whether all labels differ.
fn distinct(labels: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    labels.iter().all(|l| seen.insert(l.as_str()))
}

/// The plan of one panel's axes, made before drawing so that every label has its room.
struct AxesPlan {
    x_ticks: Vec<f64>,
    y_ticks: Vec<f64>,
    x_labels: Vec<String>,
    y_labels: Vec<String>,
    y_area: i32,
    x_area: i32,
    below: i32,
    margin_top: i32,
    margin_right: i32,
    margin_left: i32,
    /// Whether the x axis's name has its row (left out when the plot would be too short).
    x_name: bool,
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    fn plan_axes(&self, area: &Area<DB>, axes: &Axes, log_y: bool) -> AxesPlan {
        let (aw, ah) = area.dim_in_pixel();
        let (aw, ah) = (aw as i32, ah as i32);
        let lh = self.line_height(TICK);
        let margin_top = (lh / 2 + self.px(2.0)).max(self.px(6.0));
        let (margin_left, margin_right, margin_bottom) = (self.px(4.0), self.px(16.0), self.px(2.0));
        let mut x_name = axes.x_desc.is_some();
        let (mut x_area, below) = self.axis_heights(axes.show_x_labels, x_name);
        if x_name && ah - margin_top - margin_bottom - x_area < self.px(MIN_PLOT_H) {
            // A short panel: the plot keeps the height, the axis goes without its name.
            x_name = false;
            x_area = self.axis_heights(axes.show_x_labels, false).0;
        }
        let plot_h = ah - margin_top - margin_bottom - x_area;
        // ---- y: as many ticks as fit with half a line between labels, labels all different.
        let mut y_ticks = Vec::new();
        let mut y_labels = Vec::new();
        if self.text_ok {
            // A value's height on the y axis as a share of the plot (log or linear).
            let f = |v: f64| {
                if log_y {
                    (v.ln() - axes.y.0.ln()) / (axes.y.1.ln() - axes.y.0.ln())
                } else {
                    (v - axes.y.0) / (axes.y.1 - axes.y.0)
                }
            };
            let fit = ((plot_h as f64 / (lh as f64 * 1.5)).floor() as usize + 1).clamp(2, axes.y_ticks.max(2));
            for max in (2..=fit).rev() {
                let ticks = if log_y { thin_log_ticks(&log_ticks(axes.y), max) } else { linear_ticks(axes.y, max) };
                let labels: Vec<String> = ticks.iter().map(axes.y_fmt).collect();
                // Pixel rows of the ticks, half a line apart at least.
                let spacing_ok = ticks.windows(2).all(|t| (f(t[1]) - f(t[0])) * plot_h as f64 >= lh as f64 * 1.25);
                if distinct(&labels) && spacing_ok {
                    (y_ticks, y_labels) = (ticks, labels);
                    break;
                }
            }
            if y_ticks.len() < 2 {
                // No evenly spaced set fits: the two outermost round values of a finer step.
                for n in [5, 3, 10] {
                    let all = if log_y { log_ticks(axes.y) } else { linear_ticks(axes.y, n) };
                    if all.len() < 2 {
                        continue;
                    }
                    let pair = vec![all[0], all[all.len() - 1]];
                    let labels: Vec<String> = pair.iter().map(axes.y_fmt).collect();
                    if distinct(&labels) && (f(pair[1]) - f(pair[0])) * plot_h as f64 >= lh as f64 * 1.25 {
                        (y_ticks, y_labels) = (pair, labels);
                        break;
                    }
                }
            }
        }
        // At least the chart's column width, so that stacked panels share their x axis.
        let widest = y_labels
            .iter()
            .map(|l| self.text_width(l, TICK, false))
            .max()
            .unwrap_or(0)
            .max(self.px(axes.y_label_width));
        let y_area = if self.text_ok { widest + self.px(10.0) } else { self.px(6.0) };
        // ---- x: as many ticks as fit side by side with a gap, labels all different.
        let plot_w = (aw - margin_left - margin_right - y_area).max(1);
        let mut x_ticks = Vec::new();
        let mut x_labels = Vec::new();
        // Hidden labels (a panel stacked above another) are planned all the same, so that the
        // grid lines of the panels line up.
        if self.text_ok {
            let gap = self.px(10.0);
            let to_px = |v: f64| (v - axes.x.0) / (axes.x.1 - axes.x.0) * plot_w as f64;
            for max in (2..=axes.x_ticks.max(2)).rev() {
                let ticks = linear_ticks(axes.x, max);
                let labels: Vec<String> = ticks.iter().map(axes.x_fmt).collect();
                let widths: Vec<f64> = labels.iter().map(|l| self.text_width(l, TICK, false) as f64).collect();
                let fits = ticks
                    .windows(2)
                    .zip(widths.windows(2))
                    .all(|(t, w)| to_px(t[1]) - to_px(t[0]) >= (w[0] + w[1]) / 2.0 + gap as f64);
                if distinct(&labels) && fits {
                    (x_ticks, x_labels) = (ticks, labels);
                    break;
                }
            }
        }
        if !self.text_ok {
            y_ticks.clear();
            x_ticks.clear();
        }
        AxesPlan {
            x_ticks,
            y_ticks,
            x_labels,
            y_labels,
            y_area,
            x_area,
            below,
            margin_top,
            margin_right,
            margin_left,
            x_name,
        }
    }

    /// Draws the planned labels of a built chart: y labels right-aligned left of the plot, x
    /// labels centred under their ticks (kept inside the area), and the x axis name.
    fn axis_labels<X, Y>(
        &self,
        chart: &ChartContext<DB, Cartesian2d<X, Y>>,
        plan: &AxesPlan,
        axes: &Axes,
        area: &Area<DB>,
    ) where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let ink = self.theme.ink;
        let (xr, yr) = (chart.x_range(), chart.y_range());
        let (left, bottom) = chart.backend_coord(&(xr.start, yr.start));
        let (right, _) = chart.backend_coord(&(xr.end, yr.end));
        self.axis.set(self.axis.get() + 1);
        for (v, label) in plan.y_ticks.iter().zip(&plan.y_labels) {
            let (_, y) = chart.backend_coord(&(xr.start, *v));
            self.place(TextKind::Tick, label, (left - self.px(8.0), y), TICK, &ink, (HPos::Right, VPos::Center), false);
        }
        let (ax, _) = area.get_pixel_range();
        let top = bottom + plan.below;
        self.axis.set(self.axis.get() + 1);
        let shown: &[String] = if axes.show_x_labels { &plan.x_labels } else { &[] };
        for (v, label) in plan.x_ticks.iter().zip(shown) {
            let (x, _) = chart.backend_coord(&(*v, yr.start));
            let w = self.text_width(label, TICK, false);
            // The end labels stay inside the panel's area.
            let x = x.clamp(ax.start + w / 2, ax.end - 1 - (w + 1) / 2);
            self.place(TextKind::Tick, label, (x, top), TICK, &ink, (HPos::Center, VPos::Top), false);
        }
        if let (true, Some(name)) = (plan.x_name && axes.show_x_labels && !plan.x_labels.is_empty(), axes.x_desc) {
            let y = top + self.line_height(TICK) + self.px(4.0);
            let muted = self.theme.muted;
            if let Some(fit) = self.shorten(name, right - left, TICK, false) {
                // Optional: left out where a tick label sits.
                self.text(&fit, ((left + right) / 2, y), TICK, &muted, (HPos::Center, VPos::Top), false);
            }
        }
    }
}

fn builder<'a, 'b, DB: DrawingBackend>(area: &'a Area<DB>, plan: &AxesPlan) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin_right(plan.margin_right as u32)
        .margin_top(plan.margin_top as u32)
        .margin_left(plan.margin_left as u32)
        .margin_bottom(2)
        .x_label_area_size(plan.x_area as u32)
        .y_label_area_size(plan.y_area as u32);
    b
}

pub(crate) fn linear_chart<'a, DB: DrawingBackend>(
    p: &Painter<DB>,
    area: &'a Area<DB>,
    axes: &Axes,
) -> Res<LinearChart<'a, DB>> {
    let plan = p.plan_axes(area, axes, false);
    p.enter(area);
    let mut chart = builder(area, &plan).build_cartesian_2d(axes.x.0..axes.x.1, axes.y.0..axes.y.1).map_err(err)?;
    mesh(p, &mut chart, &plan)?;
    p.axis_labels(&chart, &plan, axes, area);
    Ok(chart)
}

pub(crate) fn log_chart<'a, DB: DrawingBackend>(
    p: &Painter<DB>,
    area: &'a Area<DB>,
    axes: &Axes,
) -> Res<LogChart<'a, DB>> {
    let plan = p.plan_axes(area, axes, true);
    p.enter(area);
    let mut chart = builder(area, &plan)
        .build_cartesian_2d(axes.x.0..axes.x.1, (axes.y.0..axes.y.1).log_scale().with_key_points(plan.y_ticks.clone()))
        .map_err(err)?;
    mesh(p, &mut chart, &plan)?;
    p.axis_labels(&chart, &plan, axes, area);
    Ok(chart)
}

/// The axes (by plotters), then grid lines and tick marks at the planned ticks; the labels are
/// drawn by [`Painter::axis_labels`], which records where they are.
fn mesh<DB, X, Y>(p: &Painter<DB>, chart: &mut ChartContext<DB, Cartesian2d<X, Y>>, plan: &AxesPlan) -> Res<()>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let t = p.theme;
    let blank = |_: &f64| String::new();
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(t.muted.stroke_width(p.px(1.5) as u32))
        .set_all_tick_mark_size(0)
        .x_label_formatter(&blank)
        .y_label_formatter(&blank)
        .x_labels(0)
        .y_labels(0)
        .draw()
        .map_err(err)?;
    let (xr, yr) = (chart.x_range(), chart.y_range());
    let (left, bottom) = chart.backend_coord(&(xr.start, yr.start));
    let (right, top) = chart.backend_coord(&(xr.end, yr.end));
    let grid = t.grid.stroke_width(p.px(1.0) as u32);
    let mark = t.muted.stroke_width(p.px(1.5) as u32);
    let tick = p.px(4.0);
    let root = &p.root;
    for v in &plan.x_ticks {
        let (x, _) = chart.backend_coord(&(*v, yr.start));
        root.draw(&PathElement::new(vec![(x, top), (x, bottom)], grid)).map_err(err)?;
        root.draw(&PathElement::new(vec![(x, bottom), (x, bottom + tick)], mark)).map_err(err)?;
    }
    for v in &plan.y_ticks {
        let (_, y) = chart.backend_coord(&(xr.start, *v));
        root.draw(&PathElement::new(vec![(left, y), (right, y)], grid)).map_err(err)?;
        root.draw(&PathElement::new(vec![(left - tick, y), (left, y)], mark)).map_err(err)?;
    }
    Ok(())
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
