//! Hover read-outs: what lies under a pixel of a drawn chart, answered from the same history and
//! the same [`ChartLayout`] the chart was drawn with, so the tooltip can never disagree with the
//! picture (the page only shows the text).

use super::layout::{ChartLayout, PanelLayout};
use super::series::smoothing;
use super::theme::{Theme, hex, layer_color_hex, layer_name};
use crate::format;
use crate::history::History;
use crate::stats::{ProbeRecord, Stage, ema, histogram_mass_in_range};
use serde::Serialize;

/// Bins of the activation histograms (the same as the chart draws).
pub(crate) const HISTOGRAM_BINS: usize = 40;

/// What the tooltip says for one pointer position.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Readout {
    /// The panel's id ("loss", "hist-2", "grad", …).
    pub panel: String,
    pub title: String,
    pub rows: Vec<ReadoutRow>,
    pub cursor: Cursor,
}

/// Where the values come from: the recorded step, and the vertical line the page draws there
/// (in backend pixels: at the step on step axes, else at the pointer; from the panel's top to
/// its bottom).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cursor {
    pub step: Option<usize>,
    pub x: f64,
    pub top: i32,
    pub bottom: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadoutRow {
    pub label: String,
    pub value: String,
    /// `#rrggbb` of the series' swatch.
    pub color: Option<String>,
    pub strong: bool,
    /// A remark rather than a value (shown muted).
    pub note: bool,
}

fn row(label: impl Into<String>, value: String) -> ReadoutRow {
    ReadoutRow { label: label.into(), value, ..ReadoutRow::default() }
}

/// The record of `list` (sorted by step) nearest to `x`; ties go to the earlier one.
fn nearest<T>(list: &[T], x: f64, step: impl Fn(&T) -> usize) -> Option<usize> {
    if list.is_empty() {
        return None;
    }
    let i = list.partition_point(|r| (step(r) as f64) < x).min(list.len() - 1);
    if i > 0 && (step(&list[i - 1]) as f64 - x).abs() <= (step(&list[i]) as f64 - x).abs() {
        Some(i - 1)
    } else {
        Some(i)
    }
}

/// Fraction of values ≤ `v`, from evenly spaced quantiles.
fn cdf(q: &[f32], v: f64) -> f64 {
    if q.len() < 2 {
        return f64::NAN;
    }
    let n = q.len() - 1;
    if v < q[0] as f64 {
        return 0.0;
    }
    if v >= q[n] as f64 {
        return 1.0;
    }
    let mut i = 0;
    while i < n && (q[i + 1] as f64) <= v {
        i += 1;
    }
    let span = (q[i + 1] - q[i]) as f64;
    (i as f64 + if span > 0.0 { (v - q[i] as f64) / span } else { 0.0 }) / n as f64
}

/// The panel under backend pixel (px, py) and what it shows there, or `None` (outside every
/// panel, an empty chart, or nothing recorded at that place).
pub fn hover(history: &History, layout: &ChartLayout, px: f64, py: f64, stage: Stage) -> Option<Readout> {
    if layout.empty {
        return None;
    }
    let panel = layout.panels.iter().find(|p| p.data_at(px, py).is_some())?;
    let (x, y) = panel.data_at(px, py)?;
    let (title, rows, step) = readout(history, panel, x, y, stage)?;
    let on_step_axis = panel.x_label == "step";
    let cursor_x = match step {
        Some(s) if on_step_axis => pixel_of_x(panel, s as f64),
        _ => px,
    };
    let cursor = Cursor { step, x: cursor_x, top: panel.top, bottom: panel.bottom };
    Some(Readout { panel: panel.id.clone(), title, rows, cursor })
}

fn pixel_of_x(panel: &PanelLayout, x: f64) -> f64 {
    let span = panel.x_max - panel.x_min;
    if span.abs() < f64::EPSILON {
        return panel.left as f64;
    }
    panel.left as f64 + (x - panel.x_min) / span * (panel.right - panel.left) as f64
}

type Parts = (String, Vec<ReadoutRow>, Option<usize>);

fn readout(history: &History, panel: &PanelLayout, x: f64, y: f64, stage: Stage) -> Option<Parts> {
    let theme = Theme::default();
    let act = |i: usize| history.acts.get(i).map(|a| a.name()).unwrap_or("");
    let step_title = |step: usize| match history.steps_per_epoch {
        0 => format!("Step {}", format::thousands(step)),
        per => format!("Step {} · epoch {}", format::thousands(step), step.div_ceil(per)),
    };
    let id = panel.id.as_str();
    if id == "loss" || id == "accuracy" {
        let is_loss = id == "loss";
        let show = |v: f64| if is_loss { format::value(v, 4) } else { format::readout_percent(v) };
        let steps = &history.steps;
        let rec = nearest(steps, x, |s| s.step);
        let epoch = nearest(&history.epochs, x, |e| e.step).map(|i| &history.epochs[i]);
        if rec.is_none() && epoch.is_none() {
            return None;
        }
        let mut rows = Vec::new();
        if let Some(i) = rec {
            let values: Vec<f32> = steps.iter().map(|s| if is_loss { s.loss } else { s.accuracy }).collect();
            let smooth = ema(&values, smoothing(values.len()))[i];
            rows.push(ReadoutRow {
                color: Some(hex(theme.train)),
                strong: true,
                ..row("train (smoothed)", show(smooth as f64))
            });
            rows.push(ReadoutRow { color: Some("#9ca3af".into()), ..row("this batch", show(values[i] as f64)) });
        }
        // The test value of the nearest epoch end, when the pointer is near it.
        let near = epoch.filter(|e| {
            rec.is_none() || (e.step as f64 - x).abs() <= f64::max(2.0, 0.02 * (panel.x_max - panel.x_min))
        });
        if let Some(e) = near {
            let v = if is_loss { e.test_loss } else { e.test_accuracy } as f64;
            rows.push(ReadoutRow {
                color: Some(hex(theme.test)),
                strong: true,
                ..row(format!("test, after epoch {}", e.epoch), show(v))
            });
        }
        let step = match (near, rec) {
            (Some(e), _) => e.step,
            (None, Some(i)) => steps[i].step,
            (None, None) => return None,
        };
        return Some((step_title(step), rows, Some(step)));
    }
    let probes: Vec<&ProbeRecord> = history.probes.iter().filter(|p| !p.layers.is_empty()).collect();
    let latest = *probes.last()?;
    let stage_text = match stage {
        Stage::Pre => "before the activation",
        Stage::Post => "after the activation",
    };
    let layer_of =
        |prefix: &str| id.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok()).and_then(|n| n.checked_sub(1));
    if let Some(i) = layer_of("hist-") {
        let q = stage.quantiles(latest.layers.get(i)?);
        let bins = HISTOGRAM_BINS;
        let width = (panel.x_max - panel.x_min) / bins as f64;
        if width.is_nan() || width <= 0.0 {
            return None;
        }
        let j = (((x - panel.x_min) / width).floor().max(0.0) as usize).min(bins - 1);
        let lo = panel.x_min + j as f64 * width;
        let share = histogram_mass_in_range(q, panel.x_min, panel.x_max, bins)[j] as f64;
        let median = q.get(q.len() / 2).copied().unwrap_or(f32::NAN) as f64;
        let rows = vec![
            ReadoutRow {
                color: Some(layer_color_hex(i)),
                strong: true,
                ..row(
                    format!("values in [{}, {})", format::value(lo, 3), format::value(lo + width, 3)),
                    format::readout_percent(share),
                )
            },
            row(format!("values ≤ {}", format::value(x, 3)), format::readout_percent(cdf(q, x))),
            row("median", format::value(median, 4)),
            row("at step", format::thousands(latest.step)),
        ];
        let title = format!("{} · {} · {stage_text}", layer_name(i, latest.layers.len()), act(i));
        return Some((title, rows, Some(latest.step)));
    }
    if id == "depth" {
        // The layer nearest the pointer, at the latest probe.
        let n = latest.layers.len();
        let i = (x.round().max(1.0) as usize - 1).min(n.checked_sub(1)?);
        let norm = latest.layers[i].grad_norm as f64;
        let last = latest.layers[n - 1].grad_norm as f64;
        let rows = vec![
            ReadoutRow {
                color: Some(layer_color_hex(i)),
                strong: true,
                ..row(format!("{} · {}", layer_name(i, n), act(i)), format::value(norm, 4))
            },
            row(format!("÷ {}", layer_name(n - 1, n)), format::value(norm / last, 4)),
            row("at step", format::thousands(latest.step)),
        ];
        return Some(("Weight-gradient norm by depth".to_string(), rows, Some(latest.step)));
    }
    let probe = probes[nearest(&probes, x, |p| p.step)?];
    let n = probe.layers.len();
    if let Some(i) = layer_of("bands-") {
        let q = stage.quantiles(probe.layers.get(i)?);
        let at = |p: usize| format::value(q.get(p * (q.len().max(1) - 1) / 100).copied().unwrap_or(f32::NAN) as f64, 4);
        let rows = vec![
            row("95th percentile", at(95)),
            row("75th percentile", at(75)),
            ReadoutRow { color: Some(layer_color_hex(i)), strong: true, ..row("median", at(50)) },
            row("25th percentile", at(25)),
            row("5th percentile", at(5)),
            ReadoutRow { note: true, ..row("", stage_text.to_string()) },
        ];
        let title = format!("{} · {} · {}", step_title(probe.step), layer_name(i, n), act(i));
        return Some((title, rows, Some(probe.step)));
    }
    match id {
        "grad" => {
            // The layer whose line is nearest the pointer (log axis) is shown in bold.
            let best = probe
                .layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.grad_norm > 0.0 && y > 0.0)
                .min_by(|(_, a), (_, b)| {
                    let d = |g: f32| ((g as f64).ln() - y.ln()).abs();
                    d(a.grad_norm).total_cmp(&d(b.grad_norm))
                })
                .map(|(i, _)| i);
            let rows = probe
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| ReadoutRow {
                    color: Some(layer_color_hex(i)),
                    strong: Some(i) == best,
                    ..row(format!("{} · {}", layer_name(i, n), act(i)), format::value(l.grad_norm as f64, 4))
                })
                .collect();
            let title = format!("{} · weight-gradient norm ‖∂loss/∂W‖", step_title(probe.step));
            Some((title, rows, Some(probe.step)))
        }
        "ratio" => {
            let first = probe.layers.first()?.grad_norm as f64;
            let last = probe.layers.last()?.grad_norm as f64;
            let ratio = if last > 0.0 { first / last } else { f64::NAN };
            let ratio_text = if !ratio.is_finite() {
                "none (last is 0)".to_string()
            } else if ratio > 0.0 && ratio < 0.5 {
                format!("{} (1/{:.0})", format::value(ratio, 4), 1.0 / ratio)
            } else {
                format::value(ratio, 4)
            };
            let rows = vec![
                ReadoutRow { strong: true, ..row("gradient ratio", ratio_text) },
                ReadoutRow {
                    color: Some(layer_color_hex(0)),
                    ..row(format!("{} norm", layer_name(0, n)), format::value(first, 4))
                },
                ReadoutRow {
                    color: Some(layer_color_hex(n - 1)),
                    ..row(format!("{} norm", layer_name(n - 1, n)), format::value(last, 4))
                },
            ];
            let title = format!("{} · {} ÷ {}", step_title(probe.step), layer_name(0, n), layer_name(n - 1, n));
            Some((title, rows, Some(probe.step)))
        }
        "dead" | "saturated" => {
            let dead = id == "dead";
            let mut rows: Vec<ReadoutRow> = probe
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| ReadoutRow {
                    color: Some(layer_color_hex(i)),
                    ..row(
                        format!("{} · {}", layer_name(i, n), act(i)),
                        format::readout_percent(if dead { l.dead_fraction } else { l.saturated_fraction } as f64),
                    )
                })
                .collect();
            if dead {
                rows.push(ReadoutRow {
                    color: Some(hex(theme.train)),
                    strong: probe.dead_output_rows >= 0.5,
                    ..row("images with all outputs 0", format::readout_percent(probe.dead_output_rows as f64))
                });
            }
            let what = if dead { "dead units (output 0 for every probe image)" } else { "saturated units" };
            Some((format!("{} · {what}", step_title(probe.step)), rows, Some(probe.step)))
        }
        _ => None,
    }
}
