//! What a training run records, for the page's numbers and charts, the CLI's JSON and the sweeps:
//! plain data, below the modules that produce it (`train`, `stats`) and those that read it
//! (`plots`, the CLI).

use crate::config::{Activation, Loss};
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

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerStats {
    /// 101 quantiles (0..=100 %) of the values after Linear (and BatchNorm), before the activation.
    pub pre_quantiles: Vec<f32>,
    /// 101 quantiles of the values after the activation.
    pub post_quantiles: Vec<f32>,
    /// Fraction of units that output exactly zero for every probe example (dead ReLUs).
    pub dead_fraction: f32,
    /// Fraction of units whose every probe output is within 1% of a bound of sigmoid/tanh.
    pub saturated_fraction: f32,
    /// L2 norm of the weight gradient of this layer's Linear at this step.
    pub grad_norm: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeRecord {
    /// 1-based global step after which the probe was taken.
    pub step: usize,
    pub layers: Vec<LayerStats>,
    /// Fraction of probe examples whose 10 activated outputs are all exactly zero
    /// (uniform softmax: the article's collapsed output layer).
    pub dead_output_rows: f32,
    /// Whether any statistic came back NaN or infinite.
    pub non_finite: bool,
}

impl ProbeRecord {
    /// First-layer over last-layer weight-gradient norm: ≪ 1 means the gradient vanishes on its
    /// way back to the input. See [`gradient_ratio`].
    pub fn gradient_ratio(&self) -> Option<f32> {
        gradient_ratio(&self.layers)
    }

    /// Whether (almost) every probe row has an all-zero output: the softmax is uniform.
    pub fn output_dead(&self) -> bool {
        output_dead(self.dead_output_rows)
    }
}

/// `dead_output_rows ≥ 0.99`: the output layer is dead for (almost) every example.
pub fn output_dead(dead_output_rows: f32) -> bool {
    dead_output_rows.is_finite() && dead_output_rows >= 0.99
}

/// First-layer over last-layer weight-gradient norm. `None` with fewer than two layers, a
/// non-finite norm, or a zero last-layer norm (e.g. a dead output layer: nothing flows at all).
pub fn gradient_ratio(layers: &[LayerStats]) -> Option<f32> {
    let (first, last) = (layers.first()?.grad_norm, layers.last()?.grad_norm);
    if layers.len() < 2 || !first.is_finite() || !last.is_finite() || last <= 0.0 {
        return None;
    }
    let ratio = first / last;
    ratio.is_finite().then_some(ratio)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub acts: Vec<Activation>,
    /// What the run minimised: the charts' chance lines and dead-output banner are the softmax's
    /// (ln 10, 10 %) only for `nll`.
    pub loss: Loss,
    pub steps_per_epoch: usize,
    pub steps: Vec<StepRecord>,
    pub epochs: Vec<EpochRecord>,
    /// Activation and gradient statistics on the fixed probe batch, every `stats_every` steps.
    pub probes: Vec<ProbeRecord>,
}

impl History {
    /// How many records of each kind there are: (steps, epochs, probes).
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.steps.len(), self.epochs.len(), self.probes.len())
    }

    /// The history as it was when it held `counts` records (see [`History::counts`]): what a
    /// chart drawn then showed.
    pub fn prefix(&self, (steps, epochs, probes): (usize, usize, usize)) -> History {
        History {
            acts: self.acts.clone(),
            loss: self.loss,
            steps_per_epoch: self.steps_per_epoch,
            steps: self.steps[..steps.min(self.steps.len())].to_vec(),
            epochs: self.epochs[..epochs.min(self.epochs.len())].to_vec(),
            probes: self.probes[..probes.min(self.probes.len())].to_vec(),
        }
    }

    /// Every record in long format, one value per row: `record,step,layer,metric,value`.
    /// Spreadsheet- and pandas-friendly whatever the number of layers or probes.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("record,step,layer,metric,value\n");
        let mut row = |record: &str, step: usize, layer: &str, metric: &str, value: f32| {
            let value = if value.is_finite() { value.to_string() } else { String::from("NaN") };
            out.push_str(&format!("{record},{step},{layer},{metric},{value}\n"));
        };
        for s in &self.steps {
            row("step", s.step, "", "loss", s.loss);
            row("step", s.step, "", "accuracy", s.accuracy);
        }
        for e in &self.epochs {
            row("epoch", e.step, "", "epoch", e.epoch as f32);
            row("epoch", e.step, "", "train_loss", e.train_loss);
            row("epoch", e.step, "", "train_accuracy", e.train_accuracy);
            row("epoch", e.step, "", "test_loss", e.test_loss);
            row("epoch", e.step, "", "test_accuracy", e.test_accuracy);
        }
        for p in &self.probes {
            row("probe", p.step, "", "dead_output_rows", p.dead_output_rows);
            for (i, layer) in p.layers.iter().enumerate() {
                let name = (i + 1).to_string();
                row("probe", p.step, &name, "grad_norm", layer.grad_norm);
                row("probe", p.step, &name, "dead_fraction", layer.dead_fraction);
                row("probe", p.step, &name, "saturated_fraction", layer.saturated_fraction);
                for pct in [5usize, 25, 50, 75, 95] {
                    if let Some(&v) = layer.pre_quantiles.get(pct) {
                        row("probe", p.step, &name, &format!("pre_p{pct}"), v);
                    }
                    if let Some(&v) = layer.post_quantiles.get(pct) {
                        row("probe", p.step, &name, &format!("post_p{pct}"), v);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_the_history_as_it_was() {
        let history = History {
            steps: (1..=5).map(|step| StepRecord { step, loss: step as f32, accuracy: 0.5 }).collect(),
            ..History::default()
        };
        let then = history.prefix((3, 0, 0));
        assert_eq!(then.steps.len(), 3);
        assert_eq!(then.steps.last().unwrap().step, 3);
        assert_eq!(history.prefix(history.counts()), history);
        assert_eq!(history.prefix((99, 99, 99)), history, "more than there is: everything");
    }

    #[test]
    fn csv_has_one_value_per_row_and_marks_non_finite() {
        let history = History {
            steps: vec![
                StepRecord { step: 1, loss: 2.5, accuracy: 0.25 },
                StepRecord { step: 2, loss: f32::NAN, accuracy: 0.0 },
            ],
            ..History::default()
        };
        let csv = history.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "record,step,layer,metric,value");
        assert_eq!(lines[1], "step,1,,loss,2.5");
        assert_eq!(lines[2], "step,1,,accuracy,0.25");
        assert_eq!(lines[3], "step,2,,loss,NaN");
        assert!(lines.iter().all(|l| l.split(',').count() == 5));
    }
}
