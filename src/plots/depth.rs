//! The gradient-size-by-depth panel of the gradients chart: each layer's weight-gradient norm at
//! the latest probe, on a log axis against the layer's position (input on the left, output on
//! the right), with layer 1 ÷ output in large type. A vanishing gradient is a line that falls
//! away to the left; with eight sigmoid layers it falls by thousands.

use super::axes::{Axes, layout_of, panel_chart};
use super::layout::{PanelLayout, TextKind};
use super::painter::{Area, Painter, Res, err};
use super::ranges::log_range;
use super::series::line;
use super::theme::{LEGEND, TICK, TITLE, TextStyle};
use crate::format::{self, log_tick};
use crate::stats::ProbeRecord;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Draws the panel into `area`; its layout has the id `depth` (x: layer number 1…N).
pub(crate) fn draw_depth_panel<DB: DrawingBackend>(
    p: &Painter<DB>,
    area: &Area<DB>,
    latest: &ProbeRecord,
) -> Res<PanelLayout> {
    let t = p.theme;
    let layers = latest.layers.len();
    let long = format!("Gradient size by depth · step {}", latest.step);
    let fits = p.text_width(&long, TITLE, true) < area.dim_in_pixel().0 as i32 - p.px(24.0);
    let title = if fits { long } else { "Gradient by depth".to_string() };
    let (body, _) = p.titled(area, &title, &t.ink);
    // The ratio in large type, then the chart.
    let big = TITLE * 1.6;
    let (head, plot) = body.split_vertically(p.px(big * 1.7));
    let (hx, hy) = head.get_pixel_range();
    let ratio = latest.gradient_ratio();
    let short = match ratio {
        Some(r) => format::ratio(r as f64),
        None => "none".to_string(),
    };
    let number = match ratio {
        // The reciprocal only where it reads as 1/2 or less ("0.839 = 1/1" says nothing).
        Some(r) if r < 0.5 => {
            let inverse = 1.0 / r as f64;
            let inverse = if inverse >= 1e4 { format!("{inverse:.1e}") } else { format!("{inverse:.0}") };
            format!("{short} = 1/{inverse}")
        }
        _ => short.clone(),
    };
    // Far below 1 (a hundredfold or more) is the vanishing gradient: in the warning colour.
    let color = if ratio.is_some_and(|r| r >= 0.01) { t.ink } else { t.warn };
    // The number the chart is about: it gets its room first (see `Painter::key`). One line, as
    // large as the width allows, with the reciprocal if it fits; else the label above the number.
    let label = "layer 1 ÷ output ";
    let x0 = hx.start + p.px(8.0);
    let room = hx.end - x0 - p.px(4.0);
    let label_w = p.text_width(label, LEGEND, false);
    let fit = |text: &str, room: i32| {
        let width = p.text_width(text, big, true).max(1);
        let size = if width > room { big * room as f64 / width as f64 } else { big };
        (size >= TICK * 0.8).then_some(size)
    };
    let one_line = [&number, &short].into_iter().find_map(|n| fit(n.as_str(), room - label_w).map(|size| (n, size)));
    let y = (hy.start + hy.end) / 2;
    match one_line {
        Some((n, size)) => {
            p.place(TextKind::Readout, label, (x0, y), TextStyle::new(LEGEND, t.muted, HPos::Left, VPos::Center));
            p.key(n, (x0 + label_w, y), TextStyle::new(size, color, HPos::Left, VPos::Center), label);
        }
        None => {
            let (small, line) = (TICK * 0.8, p.line_height(TICK * 0.8));
            let n = [&number, &short].into_iter().find(|n| fit(n.as_str(), room).is_some()).unwrap_or(&short);
            let size = fit(n, room).unwrap_or(small);
            let top = y - (line + p.line_height(size)) / 2;
            p.place(
                TextKind::Readout,
                label.trim_end(),
                (x0, top),
                TextStyle::new(small, t.muted, HPos::Left, VPos::Top),
            );
            p.key(n, (x0, top + line), TextStyle::new(size, color, HPos::Left, VPos::Top), label);
        }
    }

    let norms: Vec<(f64, f64)> =
        latest.layers.iter().enumerate().map(|(i, l)| ((i + 1) as f64, l.grad_norm as f64)).collect();
    let y = log_range(norms.iter().map(|&(_, v)| v));
    let x_fmt = |v: &f64| {
        let n = v.round();
        if (v - n).abs() < 1e-6 && n >= 1.0 && n as usize <= layers { format!("{}", n as usize) } else { String::new() }
    };
    let axes = Axes {
        x: (0.5, layers as f64 + 0.5),
        y,
        x_desc: Some("layer (input → output)"),
        show_x_labels: true,
        x_fmt: &x_fmt,
        y_fmt: &log_tick,
        x_ticks: layers + 1,
        y_ticks: 6,
        y_label_width: TICK * 3.0,
        y_log: true,
    };
    let mut chart = panel_chart(p, &plot, &axes)?;
    line(&mut chart, &norms, t.muted.stroke_width(p.px(2.0) as u32), 0)?;
    for (i, &(x, v)) in norms.iter().enumerate() {
        let color = t.layer(i);
        if v > 0.0 && v.is_finite() {
            chart.draw_series(std::iter::once(Circle::new((x, v), p.px(6.0), color.filled()))).map_err(err)?;
        } else if v == 0.0 {
            // No gradient at all: a hollow ring on the bottom edge.
            let ring = Circle::new((x, y.0), p.px(6.0), color.stroke_width(p.px(2.0) as u32));
            chart.draw_series(std::iter::once(ring)).map_err(err)?;
        }
    }
    Ok(layout_of(&chart, "depth", &title, None, ("layer", "gradient norm")))
}
