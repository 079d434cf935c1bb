//! What a drawn chart reports: where each plotting area is, in backend pixels, which data
//! ranges it shows (so the page can turn a mouse position into data values), and the text on it.

use serde::Serialize;

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
    /// The must-show texts the chart drew, whole (the gradient ratio, the test accuracy, the
    /// dead-output banner): the layout gives them their room first, so they are drawn at every
    /// size where the chart is not too small (the page's browser tests read them).
    pub keys: Vec<String>,
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
/// The sentence of a chart too small to read.
pub const TOO_SMALL: &str = "Too small to read: make this chart larger";

#[cfg(test)]
mod tests {
    use super::*;

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
