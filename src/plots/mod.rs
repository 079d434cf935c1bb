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
//!
//! The files, one job each: `theme` (colours, type sizes, layer names), `layout` (what a chart
//! reports), `painter` (the surface, empty and too-small states, notes), `text` (placing text
//! without overlaps), `title` (a panel's title row and legend), `axes` (ticks, labels, the
//! plotting area), `series` (lines, bands, marks), `ranges` (axis ranges), `probes` (the opening
//! of the statistics charts); then one file per chart, `hover`, `caption` and `svg` (a chart as
//! SVG, its text measured like the canvas drawing's). Numbers become text in `crate::format`.

mod activations;
mod axes;
mod caption;
mod depth;
mod gradients;
mod health;
mod hover;
mod layout;
mod painter;
mod probes;
mod ranges;
mod series;
mod svg;
mod text;
mod theme;
mod title;
mod training;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod layout_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod svg_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

/// The read-outs' number formats, under the names the page and the tests know.
pub use crate::format::{readout_percent as format_percent, value as format_value};
pub use crate::stats::Stage;
pub use activations::draw_activations;
pub use caption::{Caption, draw_caption, layout_caption};
pub use gradients::draw_gradients;
pub use health::draw_unit_health;
pub use hover::{Readout, ReadoutRow, hover};
pub use layout::{ChartLayout, DEAD_OUTPUT_BANNER, DEAD_OUTPUT_BANNER_SSE, NON_FINITE_NOTE, PanelLayout, TOO_SMALL};
pub use layout::{TextBox, TextKind};
pub use svg::SvgBackend;
pub use theme::{LAYER_COLORS, Theme, layer_color_hex, layer_name};
pub use training::draw_training;

/// Draws the chart named `chart` (`training`, `activations`, `gradients` or `health`; `stage`
/// is for the activation chart) on `backend`.
pub fn draw_chart<DB: plotters::prelude::DrawingBackend>(
    chart: &str,
    backend: DB,
    history: &crate::history::History,
    stage: Stage,
    scale: f64,
) -> Result<ChartLayout, String> {
    match chart {
        "training" => draw_training(backend, history, scale),
        "activations" => draw_activations(backend, history, stage, scale),
        "gradients" => draw_gradients(backend, history, scale),
        "health" => draw_unit_health(backend, history, scale),
        other => Err(format!("unknown chart {other:?}")),
    }
}
