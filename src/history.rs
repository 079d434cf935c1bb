//! What a training run records, for the page's numbers and charts, the CLI's JSON and the sweeps.

use crate::config::Activation;
use crate::stats::ProbeRecord;
use serde::Serialize;

/// One optimisation step on one batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    /// 1-based global step.
    pub step: usize,
    pub loss: f32,
    /// Fraction of the batch classified correctly.
    pub accuracy: f32,
}

/// End-of-epoch summary: training means over the epoch, test metrics on the whole test split.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Global step at which the epoch ended.
    pub step: usize,
    pub train_loss: f32,
    pub train_accuracy: f32,
    pub test_loss: f32,
    pub test_accuracy: f32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub acts: Vec<Activation>,
    pub steps_per_epoch: usize,
    pub steps: Vec<StepRecord>,
    pub epochs: Vec<EpochRecord>,
    /// Activation and gradient statistics on the fixed probe batch, every `stats_every` steps.
    pub probes: Vec<ProbeRecord>,
}
