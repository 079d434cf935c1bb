//! The opening the three statistics charts share (activations, gradients, unit health): the
//! probes that measured the layers, the step axis and its epoch marks, or the sentence of an
//! empty chart when no probe has run yet.

use super::layout::ChartLayout;
use super::painter::{Painter, Res};
use super::ranges::{epoch_steps, step_range};
use super::theme::Theme;
use crate::history::History;
use crate::stats::ProbeRecord;
use plotters::prelude::DrawingBackend;

/// What a statistics chart draws from.
pub(crate) struct Probes<'h> {
    /// The probes that measured the layers, the latest last.
    pub list: Vec<&'h ProbeRecord>,
    pub latest: &'h ProbeRecord,
    pub layers: usize,
    /// The step axis's range and the steps at which epochs ended.
    pub x: (f64, f64),
    pub epochs: Vec<f64>,
    /// A probe that saw NaN/∞ anywhere (activations included) is flagged on every statistics
    /// chart.
    pub non_finite: bool,
}

/// A painter and the probes, or (`Err`) the finished chart when there is nothing to draw: a
/// canvas too small to draw on, or no probe yet (`empty`: the sentence that says what will show
/// here, and its detail).
pub(crate) fn open<'a, 'h, DB: DrawingBackend>(
    backend: DB,
    theme: &'a Theme,
    history: &'h History,
    empty: (&str, &str),
) -> Res<Result<(Painter<'a, DB>, Probes<'h>), ChartLayout>> {
    let p = match Painter::open(backend, theme)? {
        Ok(p) => p,
        Err(blank) => return Ok(Err(blank)),
    };
    let list: Vec<&ProbeRecord> = history.probes.iter().filter(|r| !r.layers.is_empty()).collect();
    let Some(&latest) = list.last() else {
        return p.empty(empty.0, Some(empty.1)).map(Err);
    };
    let probes = Probes {
        latest,
        layers: latest.layers.len(),
        x: step_range(history),
        epochs: epoch_steps(history),
        non_finite: list.iter().any(|r| r.non_finite),
        list,
    };
    Ok(Ok((p, probes)))
}
