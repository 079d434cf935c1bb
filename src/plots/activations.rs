//! Chart 2: per layer, the distribution of the values before or after the activation: the
//! histogram at the latest probe (left), and its 5/25/50/75/95 % percentiles over the steps
//! (right), in the style of Glorot & Bengio's saturation figure. A network deeper than
//! [`ROWS_WITH_BANDS`] layers gets small multiples instead: one histogram per layer, in the grid
//! that suits the chart's shape (two rows of five in a wide box, five rows of two in a tall one),
//! so ten layers stay readable on a projector.

use super::axes::{Axes, layout_of, panel_chart};
use super::layout::TextKind;
use super::layout::{ChartLayout, NON_FINITE_NOTE};
use super::painter::{MIN_PLOT_H, MIN_PLOT_W, Painter, err, open_or_return};
use super::probes::{self, Probes};
use super::ranges::{finite_span, padded};
use super::series::{band, epoch_lines, hline, line};
use super::theme::{LEGEND, TICK, TextStyle, Theme, activation_name, layer_name};
use super::title::TitleRow;
use crate::config::Activation;
use crate::format::{axis_number, percent};
use crate::history::History;
use crate::stats::{ProbeRecord, Stage, histogram_mass_in_range, percentile, point_mass};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

const BINS: usize = super::hover::HISTOGRAM_BINS;
/// What the chart says before the first probe.
const EMPTY: (&str, &str) = (
    "Activation distributions per layer appear here after the first statistics probe",
    "(the probe runs every few steps on a fixed batch of test images)",
);
/// Up to this many layers each gets a row with its percentile bands; more get small multiples.
pub const ROWS_WITH_BANDS: usize = 4;

/// The small multiples' grid `(rows, columns)` for `layers` histograms: the one whose cells
/// have the most room relative to what a cell needs, and that room (below 1: too small).
fn multiples_grid<DB: DrawingBackend>(p: &Painter<DB>, layers: usize) -> ((usize, usize), f64) {
    // A cell: a compact title strip, a histogram without y labels, its step labels.
    let min_w = p.px(MIN_PLOT_W + 24.0) as f64;
    let min_h = (p.px(LEGEND * 1.5 + MIN_PLOT_H + 8.0) + p.axis_heights(true, false).0) as f64;
    (1..=layers)
        .map(|rows| {
            let cols = layers.div_ceil(rows);
            let room = (p.layout.width as f64 / cols as f64 / min_w).min(p.layout.height as f64 / rows as f64 / min_h);
            ((rows, cols), room)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or(((1, 1), 0.0))
}

/// Activation distributions per layer, before (`Stage::Pre`) or after (`Stage::Post`) the
/// activation, for `scale` = devicePixelRatio.
pub fn draw_activations<DB: DrawingBackend>(
    backend: DB,
    history: &History,
    stage: Stage,
    scale: f64,
) -> Result<ChartLayout, String> {
    draw(backend, history, stage, &Theme::light(scale))
}

/// The fixed axis range of a bounded activation's output (so saturation shows as mass piled
/// against an edge), or `None`.
fn bounds(history: &History, layer: usize, stage: Stage) -> Option<(f64, f64)> {
    if stage == Stage::Pre {
        return None;
    }
    match history.acts.get(layer) {
        Some(Activation::Sigmoid) => Some((0.0, 1.0)),
        Some(Activation::Tanh) => Some((-1.0, 1.0)),
        _ => None,
    }
}

/// The chart in `theme` (the public function's light theme at its scale; the tests also draw
/// with other fonts).
pub(crate) fn draw<DB: DrawingBackend>(
    backend: DB,
    history: &History,
    stage: Stage,
    theme: &Theme,
) -> Result<ChartLayout, String> {
    let (mut p, Probes { list: probes, latest, layers, x: x_steps, epochs, mut non_finite }) =
        open_or_return!(probes::open(backend, theme, history, EMPTY));
    let t = theme;
    let (multiples, room) = multiples_grid(&p, layers);
    // One row per layer: histogram (36 % of the width) and bands, each with its step labels.
    let share = 1.0 / layers.max(1) as f64;
    let rows_too_small = p.too_small(&[(share, 0.36, (true, false)), (share, 0.64, (true, false))]);
    // Deep networks, and boxes too short for a row per layer (an A/B lecture screen), get the
    // small multiples.
    let many = layers > ROWS_WITH_BANDS || (rows_too_small && p.text_ok && room >= 1.0);
    let too_small = if many {
        if p.text_ok { room < 1.0 } else { p.layout.width < 120 || p.layout.height < 80 }
    } else {
        rows_too_small
    };
    if too_small {
        return p.say_too_small();
    }
    let stage_text = match stage {
        Stage::Pre => "before the activation",
        Stage::Post => "after the activation",
    };
    let grid = if many { multiples } else { (layers, 1) };
    let rows = p.root.split_evenly(grid);
    let mut panels = Vec::new();

    for (i, row) in rows.iter().enumerate().take(layers) {
        let color = t.layer(i);
        let title = format!("{} · {}", layer_name(i, layers), activation_name(history, i));
        let (body, mut row_free) = if many {
            // A compact title strip: "L3 relu", "out sigmoid".
            let short = if i + 1 == layers { "out".to_string() } else { format!("L{}", i + 1) };
            let strip = p.px(LEGEND * 1.5);
            let (top, rest) = row.split_vertically(strip);
            let (xr, yr) = top.get_pixel_range();
            let (x, y) = (xr.start + p.px(6.0), (yr.start + yr.end) / 2 + p.px(1.0));
            let mut strip_row = TitleRow { left: x, right: xr.end - p.px(6.0), y };
            p.row_text(
                &mut strip_row,
                &format!("{short} {}", activation_name(history, i)),
                LEGEND,
                &color,
                TextKind::Title,
            );
            (rest, strip_row)
        } else {
            p.titled(row, &title, &color)
        };
        // Small multiples say once, in the first cell, what they show.
        if !many || i == 0 {
            let subtitle = if many {
                let short = if stage == Stage::Pre { "before act." } else { "after act." };
                format!("{short} · step {}", latest.step)
            } else {
                format!("{stage_text} · histogram at step {}", latest.step)
            };
            p.row_text(&mut row_free, &subtitle, LEGEND, &t.muted, TextKind::Subtitle);
        }
        if i == 0 && !many {
            p.legend(
                &[
                    (color.mix(0.2), "5–95 %".into(), false),
                    (color.mix(0.45), "25–75 %".into(), false),
                    (color.to_rgba(), "median".into(), false),
                ],
                row_free,
            );
        }
        let (left, right) = if many {
            (body, None)
        } else {
            let (left, right) = body.split_horizontally((p.layout.width as f64 * 0.36) as i32);
            (left, Some(right))
        };
        // Small multiples leave out the axis name: every cell's axis is the value.
        let last_row = !many && i + 1 == layers;

        // ---- histogram of the latest probe
        let q = latest.layers.get(i).map(|l| stage.quantiles(l)).unwrap_or(&[]);
        let finite = finite_span(q.iter().map(|&v| v as f64));
        non_finite |= q.iter().any(|v| v.is_nan());
        let x = match (bounds(history, i, stage), finite) {
            (Some((lo, hi)), Some((a, b))) => {
                let pad = (hi - lo) * 0.03;
                (lo.min(a) - pad, hi.max(b) + pad)
            }
            (Some((lo, hi)), None) => (lo, hi),
            (None, span) => padded(span, 0.04),
        };
        let mass = histogram_mass_in_range(q, x.0, x.1, BINS);
        let width = (x.1 - x.0) / BINS as f64;
        let mut sorted: Vec<f32> = mass.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let (top1, top2) = (sorted.first().copied().unwrap_or(0.0), sorted.get(1).copied().unwrap_or(0.0));
        // One bin far above the rest (ReLU zeros, a saturated sigmoid) would flatten everything
        // else: cap the axis and label the spike instead.
        let capped = top1 > 3.0 * top2 && top2 > 0.0;
        let y_top = if capped { (top2 * 2.2) as f64 } else { (top1 as f64 * 1.1).max(0.01) };
        let y = (0.0, y_top);
        let x_fmt = axis_number(x);
        let y_fmt = |v: &f64| {
            if many {
                // Small multiples: the shapes compare at a glance; hover gives the shares.
                String::new()
            } else {
                percent(*v, if y_top < 0.05 { 1 } else { 0 })
            }
        };
        let axes = Axes {
            x,
            y,
            x_desc: if last_row { Some("value") } else { None },
            show_x_labels: true,
            x_fmt: &x_fmt,
            y_fmt: &y_fmt,
            x_ticks: if many { 3 } else { 5 },
            y_ticks: if many { 1 } else { 3 },
            y_label_width: if many { 0.0 } else { TICK * 3.0 },
            y_log: false,
        };
        let mut chart = panel_chart(&p, &left, &axes)?;
        if let Some((lo, hi)) = bounds(history, i, stage) {
            for b in [lo, hi] {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(b, 0.0), (b, y_top)],
                        t.muted.mix(0.6).stroke_width(p.px(1.5) as u32),
                    )))
                    .map_err(err)?;
            }
        }
        chart
            .draw_series(mass.iter().enumerate().filter(|(_, m)| **m > 0.0).map(|(j, &m)| {
                let x0 = x.0 + j as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, (m as f64).min(y_top))], color.mix(0.75).filled())
            }))
            .map_err(err)?;
        if let (true, Some(j)) = (capped, mass.iter().position(|&m| m == top1)) {
            let centre = x.0 + (j as f64 + 0.5) * width;
            let zeros = point_mass(q, 0.0);
            let at_zero = zeros >= 0.05 && (x.0 + j as f64 * width..=x.0 + (j as f64 + 1.0) * width).contains(&0.0);
            let label = match (at_zero, many) {
                (true, false) => format!("{} exactly 0", percent(zeros as f64, 0)),
                (true, true) => format!("{} = 0", percent(zeros as f64, 0)),
                (false, _) => percent(top1 as f64, 0) + if many { "" } else { " of values" },
            };
            let (px, py) = chart.backend_coord(&(centre, y_top));
            let right_half = centre > (x.0 + x.1) / 2.0;
            let anchor = if right_half { HPos::Right } else { HPos::Left };
            let dx = if right_half { -p.px(8.0) } else { p.px(8.0) };
            p.text(
                &format!("↑ {label}"),
                (px + dx, py + p.px(2.0)),
                TextStyle::new(LEGEND, t.ink, anchor, VPos::Top).bold(),
            );
        }
        if finite.is_none() {
            p.centred(&left, "no finite values", &t.warn, true);
        }
        panels.push(layout_of(&chart, &format!("hist-{}", i + 1), &title, Some(i), ("value", "share of values")));
        drop(chart);
        let Some(right) = right else { continue };

        // ---- percentile bands over the steps
        let pct = |r: &ProbeRecord, p: f32| -> f64 {
            r.layers.get(i).map(|l| percentile(stage.quantiles(l), p) as f64).unwrap_or(f64::NAN)
        };
        let rows5: Vec<(f64, f64, f64, f64, f64, f64)> = probes
            .iter()
            .map(|r| (r.step as f64, pct(r, 5.0), pct(r, 25.0), pct(r, 50.0), pct(r, 75.0), pct(r, 95.0)))
            .collect();
        let span = finite_span(rows5.iter().flat_map(|r| [r.1, r.5]));
        let y = match (bounds(history, i, stage), span) {
            (Some((lo, hi)), Some((a, b))) => {
                let pad = (hi - lo) * 0.05;
                (lo.min(a) - pad, hi.max(b) + pad)
            }
            (Some((lo, hi)), None) => (lo - 0.05, hi + 0.05),
            (None, span) => padded(span, 0.08),
        };
        let y_fmt = axis_number(y);
        let axes = Axes {
            x_desc: last_row.then_some("training step"),
            show_x_labels: true,
            x_ticks: 6,
            y_ticks: 6,
            ..Axes::over_steps(x_steps, y, &y_fmt)
        };
        let mut chart = panel_chart(&p, &right, &axes)?;
        epoch_lines(&p, &mut chart, &epochs, y)?;
        if let Some((lo, hi)) = bounds(history, i, stage) {
            for b in [lo, hi] {
                hline(&mut chart, x_steps, b, t.muted.mix(0.7).stroke_width(p.px(1.5) as u32), p.px(6.0) as u32)?;
            }
        }
        let outer: Vec<(f64, f64, f64)> = rows5.iter().map(|r| (r.0, r.1, r.5)).collect();
        let inner: Vec<(f64, f64, f64)> = rows5.iter().map(|r| (r.0, r.2, r.4)).collect();
        let median: Vec<(f64, f64)> = rows5.iter().map(|r| (r.0, r.3)).collect();
        non_finite |= band(&mut chart, &outer, color.mix(0.2))?;
        non_finite |= band(&mut chart, &inner, color.mix(0.45))?;
        non_finite |= line(&mut chart, &median, color.stroke_width(p.px(2.5) as u32), 0)?;
        panels.push(layout_of(&chart, &format!("bands-{}", i + 1), &title, Some(i), ("step", "value")));
        drop(chart);
    }
    if non_finite {
        p.note(NON_FINITE_NOTE);
    }
    p.finish(panels)
}
