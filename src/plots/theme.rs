//! The charts' look: colours, the type sizes, and each layer's colour and name (the same in
//! every chart, on the page's legends and in the read-outs).

use crate::config::Activation;
use crate::history::History;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, VPos};

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
    hex(LAYER_COLORS[index % LAYER_COLORS.len()])
}

/// `#rrggbb` of a colour.
pub(crate) fn hex(RGBColor(r, g, b): RGBColor) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// "layer 1", "layer 2", …, "output" for the last of `count`.
pub fn layer_name(index: usize, count: usize) -> String {
    if index + 1 == count { "output".into() } else { format!("layer {}", index + 1) }
}

/// Sizes in "design pixels" (at scale 1 on a ~960 px wide chart).
pub(crate) const TICK: f64 = 15.0;
pub(crate) const TITLE: f64 = 18.0;
pub(crate) const LEGEND: f64 = 15.0;
pub(crate) const NOTE: f64 = 15.0;
pub(crate) const EMPTY: f64 = 21.0;
pub(crate) const BANNER: f64 = 30.0;

pub(crate) fn activation_name(history: &History, layer: usize) -> &'static str {
    history.acts.get(layer).map(|a: &Activation| a.name()).unwrap_or("?")
}

/// "layer 1 · relu".
pub(crate) fn layer_label(history: &History, layer: usize, count: usize) -> String {
    format!("{} · {}", layer_name(layer, count), activation_name(history, layer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_have_a_colour_and_a_name() {
        assert_eq!(layer_color_hex(0), "#0072b2");
        assert_eq!(layer_name(2, 3), "output");
    }
}

/// How a piece of chart text looks: its size (before the theme's scale), colour, anchor (the
/// point of its box that sits at the given position) and weight.
#[derive(Clone, Copy)]
pub struct TextStyle {
    pub size: f64,
    pub color: RGBColor,
    pub anchor: (HPos, VPos),
    pub bold: bool,
}

impl TextStyle {
    /// Regular text of `size` in `color`, anchored at (`h`, `v`).
    pub fn new(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle {
        TextStyle { size, color, anchor: (h, v), bold: false }
    }

    pub fn bold(self) -> TextStyle {
        self.bold_if(true)
    }

    pub fn bold_if(self, bold: bool) -> TextStyle {
        TextStyle { bold, ..self }
    }
}
