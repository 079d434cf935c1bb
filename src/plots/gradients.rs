//! Chart 3: gradient flow. Top: the L2 norm of each layer's weight gradient over the steps, on
//! a log axis. Bottom: first-layer / last-layer ratio, also on a log axis: far below 1 means
//! the gradient vanishes on its way back to the input. Right: the gradient size by depth at the
//! latest probe (see `depth.rs`).

use super::axes::{Axes, layout_of, panel_chart};
use super::layout::{ChartLayout, NON_FINITE_NOTE};
use super::painter::{err, open_or_return};
use super::probes::{self, Probes};
use super::ranges::log_range;
use super::series::{epoch_lines, hline, line};
use super::theme::{LEGEND, TICK, TITLE, TextStyle, Theme, layer_label, layer_name};
use crate::format::{self, log_tick};
use crate::history::History;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What the chart says before the first probe.
const EMPTY: (&str, &str) = (
    "Gradient norms per layer appear here after the first statistics probe",
    "(log scale: a layer whose line sinks far below the others barely learns)",
);

/// Gradient norms per layer and the first/last ratio, for `scale` = devicePixelRatio.
pub fn draw_gradients<DB: DrawingBackend>(backend: DB, history: &History, scale: f64) -> Result<ChartLayout, String> {
    draw(backend, history, &Theme::light(scale))
}

/// The chart in `theme` (the public function's light theme at its scale; the tests also draw
/// with other fonts).
pub(crate) fn draw<DB: DrawingBackend>(backend: DB, history: &History, theme: &Theme) -> Result<ChartLayout, String> {
    let (mut p, Probes { list: probes, latest, layers, x, epochs, mut non_finite }) =
        open_or_return!(probes::open(backend, theme, history, EMPTY));
    let t = theme;
    let mut panels = Vec::new();

    // ---- per-layer norms
    let norms: Vec<Vec<(f64, f64)>> = (0..layers)
        .map(|i| {
            probes
                .iter()
                .map(|r| (r.step as f64, r.layers.get(i).map(|l| l.grad_norm as f64).unwrap_or(f64::NAN)))
                .collect()
        })
        .collect();
    let all = norms.iter().flatten().map(|&(_, v)| v);
    let y = log_range(all.clone());
    let zeros = all.clone().any(|v| v == 0.0);
    non_finite |= all.clone().any(|v| !v.is_finite());
    // A short or narrow chart (a quarter of a projector, a phone) keeps the norms and the
    // by-depth panel, whose large type already states the ratio; a bigger one also plots the
    // ratio over time.
    let with_ratio = p.layout.height as i32 >= p.px(330.0) && p.layout.width as i32 >= p.px(440.0);
    let needs: &[(f64, f64, (bool, bool))] = if with_ratio {
        &[(0.55, 0.58, (false, false)), (0.45, 0.58, (true, false)), (1.0, 0.42, (true, true))]
    } else {
        &[(1.0, 0.58, (true, false)), (1.0, 0.42, (true, true))]
    };
    if p.too_small(needs) {
        return p.say_too_small();
    }
    let (over_time, by_depth) = p.root.split_horizontally((p.layout.width as f64 * 0.58) as i32);
    let split = if with_ratio { (p.layout.height as f64 * 0.55) as i32 } else { p.layout.height as i32 };
    let (top, bottom) = over_time.split_vertically(split);
    let title = if p.text_width("Weight-gradient norm ‖∂loss/∂W‖", TITLE, true)
        < top.dim_in_pixel().0 as i32 - p.px(24.0)
    {
        "Weight-gradient norm ‖∂loss/∂W‖"
    } else {
        "‖∂loss/∂W‖ per layer"
    };
    let (area, row) = p.titled(&top, title, &t.ink);
    let legend: Vec<(RGBAColor, String, bool)> =
        (0..layers).map(|i| (t.layer(i).to_rgba(), layer_label(history, i, layers), false)).collect();
    p.legend(&legend, row);
    let axes = Axes::over_steps(x, y, &log_tick);
    let axes = Axes { y_ticks: 6, y_log: true, ..if with_ratio { axes } else { axes.labelled() } };
    let mut chart = panel_chart(&p, &area, &axes)?;
    epoch_lines(&p, &mut chart, &epochs, y)?;
    for (i, series) in norms.iter().enumerate() {
        let style = t.layer(i).stroke_width(p.px(2.5) as u32);
        line(&mut chart, series, style, p.px(3.5) as u32)?;
        // A norm of exactly 0 (no gradient at all) cannot sit on a log axis: hollow rings on the
        // bottom edge.
        let floor: Vec<(f64, f64)> = series.iter().filter(|(_, v)| *v == 0.0).map(|&(s, _)| (s, y.0)).collect();
        chart
            .draw_series(floor.iter().map(|&pt| Circle::new(pt, p.px(5.0), t.layer(i).stroke_width(p.px(2.0) as u32))))
            .map_err(err)?;
    }
    if zeros {
        let (xr, yr) = area.get_pixel_range();
        let _ = xr;
        p.text(
            "○ on the bottom edge: gradient exactly 0",
            (chart.backend_coord(&(x.1, y.0)).0 - p.px(6.0), yr.end - p.px(10.0)),
            TextStyle::new(LEGEND, t.warn, HPos::Right, VPos::Bottom).bold(),
        );
    }
    panels.push(layout_of(&chart, "grad", title, None, ("step", "gradient norm")));
    drop(chart);

    if !with_ratio {
        panels.push(super::depth::draw_depth_panel(&p, &by_depth, latest)?);
        if non_finite {
            p.note(NON_FINITE_NOTE);
        }
        return p.finish(panels);
    }

    // ---- ratio first / last
    let ratios: Vec<(f64, f64)> =
        probes.iter().map(|r| (r.step as f64, r.gradient_ratio().map(|v| v as f64).unwrap_or(f64::NAN))).collect();
    let (lo, hi) = log_range(ratios.iter().map(|r| r.1).chain([1.0]));
    let y = (lo, hi);
    let title =
        format!("{} ÷ {}: how much reaches the first layer", layer_name(0, layers), layer_name(layers - 1, layers));
    // The read-out keeps its place at the right of the title row; the title is cut short first.
    let readout = match latest.gradient_ratio() {
        Some(r) if r < 0.5 => (format!("now {} (1/{:.0})", format::ratio(r as f64), 1.0 / r as f64), r < 0.01),
        Some(r) => (format!("now {}", format::ratio(r as f64)), false),
        None => ("now: none (no last-layer gradient)".to_string(), true),
    };
    let readout_color = if readout.1 { t.warn } else { t.ink };
    let (area, _row) = p.titled_with(&bottom, &title, &t.ink, Some((&readout.0, readout_color)));
    let axes = Axes { y_log: true, ..Axes::over_steps(x, y, &log_tick).labelled() };
    let mut chart = panel_chart(&p, &area, &axes)?;
    epoch_lines(&p, &mut chart, &epochs, y)?;
    hline(&mut chart, x, 1.0, t.muted.mix(0.8).stroke_width(p.px(1.5) as u32), p.px(6.0) as u32)?;
    line(&mut chart, &ratios, t.ink.stroke_width(p.px(2.5) as u32), p.px(3.5) as u32)?;
    let (ex, ey) = chart.backend_coord(&(x.1, 1.0));
    p.text("equal", (ex - p.px(6.0), ey - p.px(4.0)), TextStyle::new(TICK, t.muted, HPos::Right, VPos::Bottom));
    panels.push(layout_of(&chart, "ratio", &title, None, ("step", "first / last")));
    drop(chart);

    panels.push(super::depth::draw_depth_panel(&p, &by_depth, latest)?);

    if non_finite {
        p.note(NON_FINITE_NOTE);
    }
    p.finish(panels)
}
