//! A panel's axes: ticks planned before drawing so that every label has its room, then the
//! chart built by plotters, the grid, tick marks and labels, and the panel's layout.

use super::layout::PanelLayout;
use super::layout::TextKind;
use super::painter::{Area, MIN_PLOT_H, Painter, Res, err};
use super::ranges::log_ticks;
use super::theme::{TICK, TextStyle};
use crate::format::step_tick;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::ops::Range;

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
    /// A log y axis (its ticks at the planned values) instead of a linear one.
    pub y_log: bool,
}

impl<'f> Axes<'f> {
    /// A panel over the training steps with `y_fmt` on its y axis: up to 8 step ticks and 5 y
    /// ticks, the step labels hidden (the panel is stacked above one that shows them).
    pub fn over_steps(x: (f64, f64), y: (f64, f64), y_fmt: &'f dyn Fn(&f64) -> String) -> Axes<'f> {
        Axes {
            x,
            y,
            x_desc: None,
            show_x_labels: false,
            x_fmt: &step_tick,
            y_fmt,
            x_ticks: 8,
            y_ticks: 5,
            y_label_width: TICK * 3.0,
            y_log: false,
        }
    }

    /// The same with the step labels and the axis's name: the bottom panel.
    pub fn labelled(self) -> Axes<'f> {
        Axes { x_desc: Some("training step"), show_x_labels: true, ..self }
    }
}

/// A panel: steps (or values) across, a linear or log y axis.
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, YCoord>>;

/// The y coordinate of every panel: linear, or log with its ticks at the planned values. One type
/// for both, so that plotters' chart code (generic over the coordinate) and ours is compiled once
/// into the wasm, not once per kind of axis (2.7 KB less gzipped wasm).
pub(crate) enum YCoord {
    Linear(RangedCoordf64),
    Log(WithKeyPoints<LogCoord<f64>>),
}

impl Ranged for YCoord {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match self {
            YCoord::Linear(c) => c.map(value, limit),
            YCoord::Log(c) => c.map(value, limit),
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        match self {
            YCoord::Linear(c) => c.key_points(hint),
            YCoord::Log(c) => c.key_points(hint),
        }
    }

    fn range(&self) -> Range<f64> {
        match self {
            YCoord::Linear(c) => c.range(),
            YCoord::Log(c) => c.range(),
        }
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> Range<i32> {
        match self {
            YCoord::Linear(c) => c.axis_pixel_range(limit),
            YCoord::Log(c) => c.axis_pixel_range(limit),
        }
    }
}

/// Never shown (the labels are drawn by [`Painter::axis_labels`]); plotters' mesh asks for one.
impl ValueFormatter<f64> for YCoord {
    fn format(value: &f64) -> String {
        RangedCoordf64::format(value)
    }
}

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
pub(super) fn thin_log_ticks(ticks: &[f64], max: usize) -> Vec<f64> {
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
    /// Heights below the plot: tick labels (and the axis name), and where they start.
    pub(crate) fn axis_heights(&self, x_labels: bool, x_name: bool) -> (i32, i32) {
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

    fn plan_axes(&self, area: &Area<DB>, axes: &Axes) -> AxesPlan {
        let log_y = axes.y_log;
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
            self.place(
                TextKind::Tick,
                label,
                (left - self.px(8.0), y),
                TextStyle::new(TICK, ink, HPos::Right, VPos::Center),
            );
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
            self.place(TextKind::Tick, label, (x, top), TextStyle::new(TICK, ink, HPos::Center, VPos::Top));
        }
        if let (true, Some(name)) = (plan.x_name && axes.show_x_labels && !plan.x_labels.is_empty(), axes.x_desc) {
            let y = top + self.line_height(TICK) + self.px(4.0);
            let muted = self.theme.muted;
            // A description drops its parenthesis before it is cut: "layer", not "layer (input →…".
            let room = right - left;
            let name = match name.split_once(" (") {
                Some((head, _)) if self.text_width(name, TICK, false) > room => head,
                _ => name,
            };
            if let Some(fit) = self.shorten(name, room, TICK, false) {
                // Optional: left out where a tick label sits.
                self.text(&fit, ((left + right) / 2, y), TextStyle::new(TICK, muted, HPos::Center, VPos::Top));
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

/// A panel in `area`: plans the axes, builds the chart with a linear or log y axis (its ticks at
/// the planned values), draws the axes and their labels.
pub(crate) fn panel_chart<'a, DB: DrawingBackend>(
    p: &Painter<DB>,
    area: &'a Area<DB>,
    axes: &Axes,
) -> Res<Chart<'a, DB>> {
    let plan = p.plan_axes(area, axes);
    p.enter(area);
    let range = axes.y.0..axes.y.1;
    let y = if axes.y_log {
        YCoord::Log(range.log_scale().with_key_points(plan.y_ticks.clone()))
    } else {
        YCoord::Linear(range.into())
    };
    let mut chart = builder(area, &plan).build_cartesian_2d(axes.x.0..axes.x.1, y).map_err(err)?;
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

/// The layout of a panel: its data corners in backend pixels, and whether its y axis is log.
pub(crate) fn layout_of<DB: DrawingBackend>(
    chart: &Chart<DB>,
    id: &str,
    title: &str,
    layer: Option<usize>,
    labels: (&str, &str),
) -> PanelLayout {
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
        y_log: matches!(chart.as_coord_spec().y_spec(), YCoord::Log(_)),
        x_label: labels.0.into(),
        y_label: labels.1.into(),
    }
}
