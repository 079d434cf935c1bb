//! Chart 4: unit health. Top: dead units per layer (and the share of probe rows whose outputs
//! are all 0). Bottom: saturated sigmoid/tanh units per layer. A banner when the output layer
//! is dead.

use super::axes::{Axes, layout_of, panel_chart};
use super::layout::TextKind;
use super::layout::{ChartLayout, DEAD_OUTPUT_BANNER, DEAD_OUTPUT_BANNER_SSE, NON_FINITE_NOTE};
use super::painter::{Area, Painter, err, open_or_return};
use super::probes::{self, Probes};
use super::ranges::finite_span;
use super::series::{epoch_lines, line};
use super::theme::{BANNER, LEGEND, TextStyle, Theme, layer_label};
use super::title::TitleRow;
use crate::config::Activation;
use crate::format::{percent, percent_tick};
use crate::history::History;
use crate::stats::{ProbeRecord, output_dead};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What the chart says before the first probe.
const EMPTY: (&str, &str) = (
    "Dead and saturated units appear here after the first statistics probe",
    "(dead: a ReLU that outputs 0 for every example; saturated: a sigmoid/tanh stuck at a bound)",
);

/// Dead and saturated units over the steps, for `scale` = devicePixelRatio.
pub fn draw_unit_health<DB: DrawingBackend>(backend: DB, history: &History, scale: f64) -> Result<ChartLayout, String> {
    draw(backend, history, &Theme::light(scale))
}

/// Axis top for a fraction series: at least 10 %, at most 100 %.
fn fraction_top(values: impl Iterator<Item = f64>) -> f64 {
    let max = finite_span(values).map(|(_, hi)| hi).unwrap_or(0.0);
    (max * 1.15).clamp(0.1, 1.04)
}

/// A note in the free part of a title row, between the title and the legend that starts at
/// `legend_start`, when it fits there.
fn explain<DB: DrawingBackend>(p: &Painter<DB>, row: TitleRow, legend_start: i32, text: &str) {
    if p.text_width(text, LEGEND, false) < legend_start - row.left - p.px(12.0) {
        p.text(text, (row.left, row.y), TextStyle::new(LEGEND, p.theme.muted, HPos::Left, VPos::Center));
    }
}

/// The chart in `theme` (the public function's light theme at its scale; the tests also draw
/// with other fonts).
pub(crate) fn draw<DB: DrawingBackend>(backend: DB, history: &History, theme: &Theme) -> Result<ChartLayout, String> {
    let (mut p, Probes { list: probes, latest, layers, x, epochs, mut non_finite }) =
        open_or_return!(probes::open(backend, theme, history, EMPTY));
    let t = theme;
    let mut panels = Vec::new();
    // A dead output layer's banner is a must-show text: it takes a strip at the top first.
    let softmax = history.loss == crate::config::Loss::Nll;
    let banner = output_dead(latest.dead_output_rows).then(|| banner_plan(&p, softmax, latest));
    let strip = banner.as_ref().map_or(0, |b| b.height);
    let top_share = 0.52 - strip as f64 / p.layout.height as f64;
    if top_share <= 0.0 || p.too_small(&[(top_share, 1.0, (false, false)), (0.48, 1.0, (true, false))]) {
        return p.say_too_small();
    }
    let (strip_area, rest) = p.root.split_vertically(strip);
    let (top, bottom) = rest.split_vertically((p.layout.height as f64 * 0.52) as i32 - strip);
    if let Some(plan) = banner {
        draw_banner(&p, &strip_area, &plan)?;
        p.layout.banner = Some(plan.text.into());
    }
    let series = |f: &dyn Fn(&ProbeRecord) -> f32| -> Vec<(f64, f64)> {
        probes.iter().map(|r| (r.step as f64, f(r) as f64)).collect()
    };

    // Only the layers where the quantity means something (plus any that shows it anyway):
    // ReLUs die, sigmoid/tanh saturate.
    let act = |i: usize| history.acts.get(i).copied();
    let any_positive = |s: &[(f64, f64)]| s.iter().any(|&(_, v)| v > 0.0);

    // ---- dead units
    let dead: Vec<Vec<(f64, f64)>> =
        (0..layers).map(|i| series(&|r| r.layers.get(i).map(|l| l.dead_fraction).unwrap_or(f32::NAN))).collect();
    let dead_shown: Vec<usize> =
        (0..layers).filter(|&i| act(i) == Some(Activation::Relu) || any_positive(&dead[i])).collect();
    let rows = series(&|r| r.dead_output_rows);
    let y = (0.0, fraction_top(dead_shown.iter().flat_map(|&i| &dead[i]).chain(&rows).map(|v| v.1)));
    let title = "Dead units";
    let (area, row) = p.titled(&top, title, &t.ink);
    let mut legend: Vec<(RGBAColor, String, bool)> =
        dead_shown.iter().map(|&i| (t.layer(i).to_rgba(), layer_label(history, i, layers), false)).collect();
    legend.push((t.ink.to_rgba(), "images with all outputs 0".into(), true));
    let legend_start = p.legend(&legend, row);
    explain(&p, row, legend_start, " 0 for every probe image");
    let axes = Axes::over_steps(x, y, &percent_tick);
    let mut chart = panel_chart(&p, &area, &axes)?;
    epoch_lines(&p, &mut chart, &epochs, y)?;
    for &i in &dead_shown {
        non_finite |= line(&mut chart, &dead[i], t.layer(i).stroke_width(p.px(2.5) as u32), p.px(3.5) as u32)?;
    }
    // The dead output rows, dashed over the layers' lines.
    let mut run: Vec<(f64, f64)> = Vec::new();
    for &pt in rows.iter().chain(std::iter::once(&(f64::NAN, f64::NAN))) {
        if pt.0.is_finite() && pt.1.is_finite() {
            run.push(pt);
        } else {
            non_finite |= pt.0.is_finite();
            if run.len() > 1 {
                chart
                    .draw_series(DashedLineSeries::new(
                        std::mem::take(&mut run),
                        p.px(8.0) as u32,
                        p.px(5.0) as u32,
                        t.ink.stroke_width(p.px(2.0) as u32),
                    ))
                    .map_err(err)?;
            } else if let Some(&one) = run.first() {
                chart.draw_series(std::iter::once(Circle::new(one, p.px(4.0), t.ink.filled()))).map_err(err)?;
            }
            run.clear();
        }
    }
    panels.push(layout_of(&chart, "dead", title, None, ("step", "dead units")));
    drop(chart);

    // ---- saturated units
    let sat: Vec<Vec<(f64, f64)>> =
        (0..layers).map(|i| series(&|r| r.layers.get(i).map(|l| l.saturated_fraction).unwrap_or(f32::NAN))).collect();
    let sat_shown: Vec<usize> = (0..layers)
        .filter(|&i| matches!(act(i), Some(Activation::Sigmoid | Activation::Tanh)) || any_positive(&sat[i]))
        .collect();
    let y = (0.0, fraction_top(sat_shown.iter().flat_map(|&i| &sat[i]).map(|v| v.1)));
    let title = "Saturated units";
    let (area, row) = p.titled(&bottom, title, &t.ink);
    let legend: Vec<(RGBAColor, String, bool)> =
        sat_shown.iter().map(|&i| (t.layer(i).to_rgba(), layer_label(history, i, layers), false)).collect();
    let legend_start = p.legend(&legend, row);
    explain(&p, row, legend_start, " sigmoid/tanh within 0.01 of a bound for every image");
    let axes = Axes::over_steps(x, y, &percent_tick).labelled();
    let mut chart = panel_chart(&p, &area, &axes)?;
    epoch_lines(&p, &mut chart, &epochs, y)?;
    for &i in &sat_shown {
        non_finite |= line(&mut chart, &sat[i], t.layer(i).stroke_width(p.px(2.5) as u32), p.px(3.5) as u32)?;
    }
    if sat_shown.is_empty() {
        p.centred(&area, "no sigmoid or tanh layer: nothing can saturate", &t.muted, false);
    }
    panels.push(layout_of(&chart, "saturated", title, None, ("step", "saturated units")));
    drop(chart);

    if non_finite {
        p.note(NON_FINITE_NOTE);
    }
    p.finish(panels)
}

/// The dead-output banner laid out for the chart's width: its text and size, the detail line
/// when it fits, and the strip's height.
struct BannerPlan {
    text: &'static str,
    size: f64,
    detail: Option<(String, f64)>,
    height: i32,
}

fn banner_plan<DB: DrawingBackend>(p: &Painter<DB>, softmax: bool, latest: &ProbeRecord) -> BannerPlan {
    // The article's softmax collapse, or (squared error, the Q&A's) a ReLU output that is off.
    let text = if softmax { DEAD_OUTPUT_BANNER } else { DEAD_OUTPUT_BANNER_SSE };
    let room = p.layout.width as i32 - p.px(28.0);
    let pad = p.px(6.0);
    // At most a fifth of the chart, and never so much that the dead-units panel gets too small.
    let spare = (p.layout.height as f64 * 0.52) as i32 - p.panel_min_height(false, false);
    let max_h = (p.layout.height as i32 / 5).min(spare);
    let mut size = BANNER;
    while size > 10.0 && (p.text_width(text, size, true) > room || p.line_height(size) + 2 * pad > max_h) {
        size -= 1.0;
    }
    let pct = percent(latest.dead_output_rows as f64, 0);
    let detail = if softmax {
        format!("{pct} of probe images get all-zero outputs → softmax 1/10 each → loss ln 10 ≈ 2.30, no gradient")
    } else {
        format!("the output is 0 for {pct} of the examples → a ReLU that is off passes no gradient back")
    };
    let mut small = LEGEND.min(size);
    while small > 10.0 && p.text_width(&detail, small, false) > room {
        small -= 1.0;
    }
    let big_h = p.line_height(size) + 2 * pad;
    let with_detail = p.text_width(&detail, small, false) <= room
        && big_h + p.line_height(small) + p.px(4.0) <= (p.layout.height as i32 * 3 / 10).min(spare);
    let height = big_h + if with_detail { p.line_height(small) + p.px(4.0) } else { 0 };
    BannerPlan { text, size, detail: with_detail.then_some((detail, small)), height }
}

/// Draws the banner in its strip: a red bar, the text in white, the detail below it.
fn draw_banner<DB: DrawingBackend>(p: &Painter<DB>, area: &Area<DB>, plan: &BannerPlan) -> Result<(), String> {
    let (xr, yr) = area.get_pixel_range();
    let pad = p.px(6.0);
    let (x0, x1) = (xr.start + pad, xr.end - pad);
    p.root.draw(&Rectangle::new([(x0, yr.start + 2), (x1, yr.end - 2)], p.theme.warn.filled())).map_err(err)?;
    let white = RGBColor(255, 255, 255);
    let cx = (x0 + x1) / 2;
    let y = yr.start + pad;
    p.key(plan.text, (cx, y), TextStyle::new(plan.size, white, HPos::Center, VPos::Top), "");
    if let Some((detail, small)) = &plan.detail {
        let y = y + p.line_height(plan.size) + p.px(2.0);
        p.place(TextKind::Banner, detail, (cx, y), TextStyle::new(*small, white, HPos::Center, VPos::Top));
    }
    Ok(())
}
