//! Chart 1: loss (top) and accuracy (bottom) over the training steps, one shared x axis with
//! the epoch ends marked.

use super::axes::{Axes, layout_of, panel_chart};
use super::layout::{ChartLayout, NON_FINITE_NOTE};
use super::painter::{Painter, open_or_return};
use super::ranges::{epoch_steps, finite_span, padded, step_range};
use super::series::{epoch_lines, hline, line, smoothing};
use super::theme::{TICK, TextStyle, Theme};
use crate::format::{axis_number, percent, percent_tick};
use crate::history::History;
use crate::stats::ema;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// ln 10: the loss of a uniform softmax over 10 classes (what a dead output layer gives).
const CHANCE_LOSS: f64 = std::f64::consts::LN_10;

/// Loss and accuracy over training, for `scale` = devicePixelRatio.
pub fn draw_training<DB: DrawingBackend>(backend: DB, history: &History, scale: f64) -> Result<ChartLayout, String> {
    draw(backend, history, &Theme::light(scale))
}

/// The chart in `theme` (the public function's light theme at its scale; the tests also draw
/// with other fonts).
pub(crate) fn draw<DB: DrawingBackend>(backend: DB, history: &History, theme: &Theme) -> Result<ChartLayout, String> {
    let mut p = open_or_return!(Painter::open(backend, theme));
    // Loss over 56 % of the height, accuracy (with the step labels) below.
    if p.too_small(&[(0.56, 1.0, (false, false)), (0.44, 1.0, (true, false))]) {
        return p.say_too_small();
    }
    if history.steps.is_empty() && history.epochs.is_empty() {
        return p.empty("Loss and accuracy appear here once training starts", None);
    }
    let t = theme;
    let x = step_range(history);
    let epochs = epoch_steps(history);
    let steps: Vec<f64> = history.steps.iter().map(|s| s.step as f64).collect();
    let raw_loss: Vec<f32> = history.steps.iter().map(|s| s.loss).collect();
    let raw_acc: Vec<f32> = history.steps.iter().map(|s| s.accuracy).collect();
    let s = smoothing(raw_loss.len());
    let loss = ema(&raw_loss, s);
    let acc = ema(&raw_acc, s);
    let mut non_finite = raw_loss.iter().chain(&raw_acc).any(|v| !v.is_finite());
    for e in &history.epochs {
        non_finite |= !(e.test_loss.is_finite() && e.test_accuracy.is_finite() && e.train_loss.is_finite());
    }

    let (top, bottom) = p.root.split_vertically((p.layout.height as f64 * 0.56) as i32);
    // The chance lines are a uniform softmax's over ten classes: for the nll loss only.
    let softmax = history.loss == crate::config::Loss::Nll;
    let mut panels = Vec::new();

    // ---- loss
    let y_max = finite_span(
        raw_loss
            .iter()
            .map(|&v| v as f64)
            .chain(history.epochs.iter().map(|e| e.test_loss as f64))
            .chain(softmax.then_some(CHANCE_LOSS)),
    )
    .map(|(_, hi)| hi)
    .unwrap_or(CHANCE_LOSS);
    let y = padded(Some((0.0, y_max * 1.06)), 0.0);
    let (area, row) = p.titled(&top, "Loss", &t.ink);
    let train_color = t.train.to_rgba();
    let test_color = t.test.to_rgba();
    let chance_color = t.muted.mix(0.8);
    let mut legend =
        vec![(train_color, "train (smoothed)".to_string(), false), (test_color, "test, per epoch".into(), false)];
    if softmax {
        legend.push((chance_color, "chance: ln 10".into(), true));
    }
    p.legend(&legend, row);
    let y_fmt = axis_number(y);
    let axes = Axes::over_steps(x, y, &y_fmt);
    let mut chart = panel_chart(&p, &area, &axes)?;
    epoch_lines(&p, &mut chart, &epochs, y)?;
    if softmax {
        hline(&mut chart, x, CHANCE_LOSS, chance_color.stroke_width(p.px(1.5) as u32), p.px(6.0) as u32)?;
    }
    let raw_points: Vec<(f64, f64)> = steps.iter().zip(&raw_loss).map(|(&s, &v)| (s, v as f64)).collect();
    line(&mut chart, &raw_points, t.train.mix(0.18).stroke_width(p.px(1.0) as u32), 0)?;
    let smooth: Vec<(f64, f64)> = steps.iter().zip(&loss).map(|(&s, &v)| (s, v as f64)).collect();
    line(&mut chart, &smooth, t.train.stroke_width(p.px(2.5) as u32), 0)?;
    let test: Vec<(f64, f64)> = history.epochs.iter().map(|e| (e.step as f64, e.test_loss as f64)).collect();
    line(&mut chart, &test, t.test.stroke_width(p.px(2.0) as u32), test_marker(&p, &test))?;
    let layout = layout_of(&chart, "loss", "Loss", None, ("step", "loss"));
    // The epoch numbers, at the top of the dotted lines: at most ten, and no more than fit side
    // by side (thousands of one-step epochs would print on top of each other).
    let label_width = p.text_width(&format!("epoch {}", epochs.len()), TICK * 0.9, false) + p.px(12.0);
    let fit = ((p.layout.width as i32 - p.px(80.0)) / label_width.max(1)).max(1) as usize;
    let every = epochs.len().div_ceil(10.min(fit)).max(1);
    for (i, &e) in epochs.iter().enumerate() {
        if (i + 1) % every == 0 || i + 1 == epochs.len() {
            let (ex, ey) = chart.backend_coord(&(e, y.1));
            p.text(
                &format!("epoch {}", i + 1),
                (ex - p.px(4.0), ey + p.px(4.0)),
                TextStyle::new(TICK * 0.9, t.muted, HPos::Right, VPos::Top),
            );
        }
    }
    panels.push(layout);
    drop(chart);

    // ---- accuracy
    let y = (0.0, 1.0);
    // The last epoch's test accuracy, a must-show number, at the right of the title row.
    let last = history.epochs.last().filter(|e| e.test_accuracy.is_finite());
    let readout = last.map(|e| format!("test {}", percent(e.test_accuracy as f64, 1)));
    let (area, row) = p.titled_with(&bottom, "Accuracy", &t.ink, readout.as_deref().map(|r| (r, t.test)));
    let mut legend = vec![(train_color, "train (smoothed)".to_string(), false), (test_color, "test".into(), false)];
    if softmax {
        legend.push((chance_color, "chance: 10%".into(), true));
    }
    p.legend(&legend, row);
    let axes = Axes::over_steps(x, y, &percent_tick).labelled();
    let mut chart = panel_chart(&p, &area, &axes)?;
    epoch_lines(&p, &mut chart, &epochs, y)?;
    if softmax {
        hline(&mut chart, x, 0.1, chance_color.stroke_width(p.px(1.5) as u32), p.px(6.0) as u32)?;
    }
    let smooth: Vec<(f64, f64)> = steps.iter().zip(&acc).map(|(&s, &v)| (s, v as f64)).collect();
    line(&mut chart, &smooth, t.train.stroke_width(p.px(2.5) as u32), 0)?;
    let test: Vec<(f64, f64)> = history.epochs.iter().map(|e| (e.step as f64, e.test_accuracy as f64)).collect();
    line(&mut chart, &test, t.test.stroke_width(p.px(2.0) as u32), test_marker(&p, &test))?;
    panels.push(layout_of(&chart, "accuracy", "Accuracy", None, ("step", "accuracy")));
    drop(chart);

    if non_finite {
        p.note(NON_FINITE_NOTE);
    }
    p.finish(panels)
}

/// The dot on each epoch's test value; none when the epochs are too many to tell apart (the
/// Q&A's thousands of one-step epochs), where the line alone reads better and draws fast.
fn test_marker<DB: DrawingBackend>(p: &Painter<DB>, test: &[(f64, f64)]) -> u32 {
    if test.len() > 200 { 0 } else { p.px(5.0) as u32 }
}
