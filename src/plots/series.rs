//! Data drawn on a panel: lines and bands that break at missing values, reference lines and
//! the epoch marks; and how much the per-step curves are smoothed.

use super::axes::{Chart, YCoord};
use super::painter::{Painter, Res, err};
use plotters::prelude::*;

/// How much the per-step curves are smoothed: an EMA whose memory grows with the run (about
/// a twelfth of the steps so far, at most ~50 steps), as one would set TensorBoard's slider.
pub(crate) fn smoothing(count: usize) -> f32 {
    (1.0 - 12.0 / count.max(1) as f32).clamp(0.0, 0.98)
}

/// Draws `points` as a line, broken wherever x or y is not finite (or, on the panel's log y axis,
/// not positive); a lone finite point gets a dot. Returns whether any point was left out.
pub(crate) fn line<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
    dot: u32,
) -> Res<bool> {
    let log_y = matches!(chart.as_coord_spec().y_spec(), YCoord::Log(_));
    let ok = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!log_y || y > 0.0);
    let mut skipped = false;
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut runs = Vec::new();
    for pt in points {
        if ok(pt) {
            run.push(*pt);
        } else {
            skipped = true;
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    for run in runs {
        if run.len() == 1 || dot > 0 {
            let filled = ShapeStyle { filled: true, ..style };
            let r = if run.len() == 1 { dot.max(style.stroke_width + 1) } else { dot };
            chart.draw_series(run.iter().map(|&pt| Circle::new(pt, r, filled))).map_err(err)?;
        }
        if run.len() > 1 {
            chart.draw_series(LineSeries::new(run, style)).map_err(err)?;
        }
    }
    Ok(skipped)
}

/// A filled band between `lower` and `upper` (same x), broken where either is not finite.
pub(crate) fn band<DB, CT>(chart: &mut ChartContext<DB, CT>, points: &[(f64, f64, f64)], color: RGBAColor) -> Res<bool>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let mut skipped = false;
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for &(x, lo, hi) in points {
        if x.is_finite() && lo.is_finite() && hi.is_finite() {
            runs.last_mut().expect("non-empty").push((x, lo, hi));
        } else {
            skipped = true;
            runs.push(Vec::new());
        }
    }
    for run in runs.into_iter().filter(|r| !r.is_empty()) {
        if run.len() == 1 {
            let (x, lo, hi) = run[0];
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x, lo), (x, hi)], color.stroke_width(6))))
                .map_err(err)?;
            continue;
        }
        let mut poly: Vec<(f64, f64)> = run.iter().map(|&(x, _, hi)| (x, hi)).collect();
        poly.extend(run.iter().rev().map(|&(x, lo, _)| (x, lo)));
        chart.draw_series(std::iter::once(Polygon::new(poly, color.filled()))).map_err(err)?;
    }
    Ok(skipped)
}

/// A dashed horizontal line at `y` across the x range.
pub(crate) fn hline<DB, CT>(
    chart: &mut ChartContext<DB, CT>,
    x: (f64, f64),
    y: f64,
    style: ShapeStyle,
    dash: u32,
) -> Res<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    chart.draw_series(DashedLineSeries::new(vec![(x.0, y), (x.1, y)], dash, dash, style)).map_err(err)?;
    Ok(())
}

/// Faint dotted vertical lines at the epoch ends.
pub(crate) fn epoch_lines<DB, CT>(
    p: &Painter<DB>,
    chart: &mut ChartContext<DB, CT>,
    epochs: &[f64],
    y: (f64, f64),
) -> Res<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let style = p.theme.muted.mix(0.45).stroke_width(p.px(1.2) as u32);
    // Thousands of one-step epochs (the Q&A's full batches) would bury the chart in lines and
    // cost seconds to draw: at most MAX_EPOCH_LINES of them, evenly spaced.
    const MAX_EPOCH_LINES: usize = 40;
    let every = epochs.len().div_ceil(MAX_EPOCH_LINES).max(1);
    for &x in epochs.iter().skip(every - 1).step_by(every) {
        chart
            .draw_series(DashedLineSeries::new(vec![(x, y.0), (x, y.1)], p.px(3.0) as u32, p.px(4.0) as u32, style))
            .map_err(err)?;
    }
    Ok(())
}
