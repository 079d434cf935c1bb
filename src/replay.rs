//! Replaying another framework's run step for step: start from its initial weights and batch
//! order, train through the same `Session` as the page and the CLI, and compare every step's
//! loss and the final test accuracy with what it recorded. The files are those of
//! `../shared/data/pytorch-replay` (one PyTorch run; see the README there for the format).

use crate::config::{Activation, Config};
use crate::data::{DataError, Dataset, maybe_gunzip};
use crate::history::History;
use crate::model::{InitialWeights, LayerWeights};
use crate::train::{BatchOrder, RunStart};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A recorded run's starting point: its initial weights and the batch order of each epoch over
/// the first `train_samples` training images (in file order).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStart {
    pub weights: InitialWeights,
    pub orders: Vec<Vec<usize>>,
    pub batch_size: usize,
    pub train_samples: usize,
}

/// The start file as written: each `W` is `[in, out]` row-major, burn's layout.
#[derive(Deserialize)]
struct StartFile {
    train_samples: usize,
    batch_size: usize,
    orders: Vec<Vec<usize>>,
    #[serde(rename = "W1")]
    w1: Vec<f32>,
    b1: Vec<f32>,
    #[serde(rename = "W2")]
    w2: Vec<f32>,
    b2: Vec<f32>,
    #[serde(rename = "W3")]
    w3: Vec<f32>,
    b3: Vec<f32>,
}

impl ReplayStart {
    /// Reads a start file (JSON, raw or gzipped); `file` names it in errors.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<ReplayStart, DataError> {
        let error = |message: String| DataError::new(file, message);
        let text = maybe_gunzip(file, bytes)?;
        let raw: StartFile =
            serde_json::from_slice(&text).map_err(|e| error(format!("not a replay start file ({e})")))?;
        let layer = |weight: Vec<f32>, bias: Vec<f32>| {
            let fan_out = bias.len();
            let fan_in = weight.len().checked_div(fan_out).unwrap_or(0);
            LayerWeights { fan_in, fan_out, weight, bias }
        };
        let weights =
            InitialWeights { layers: vec![layer(raw.w1, raw.b1), layer(raw.w2, raw.b2), layer(raw.w3, raw.b3)] };
        weights.sizes().map_err(error)?;
        if weights.layers.iter().any(|l| l.fan_out == 0) {
            return Err(error("a layer has no biases".into()));
        }
        if raw.batch_size == 0 || raw.orders.is_empty() {
            return Err(error("batch_size and orders must not be empty".into()));
        }
        Ok(ReplayStart { weights, orders: raw.orders, batch_size: raw.batch_size, train_samples: raw.train_samples })
    }

    /// `full` cut to the training images the recorded run used; the test split stays whole.
    pub fn dataset(&self, full: &Dataset) -> Result<Dataset, DataError> {
        full.with_first_training_images(self.train_samples)
    }

    /// The recorded weights and batch order, for [`crate::train::Session::from_start`].
    pub fn start(&self) -> RunStart {
        RunStart { weights: self.weights.clone(), batch_order: BatchOrder::fixed(self.orders.clone()) }
    }

    /// `base` with the recorded run's batch size and number of epochs.
    pub fn config(&self, base: &Config) -> Config {
        Config { batch_size: self.batch_size, epochs: self.orders.len(), ..base.clone() }
    }
}

/// What the recorded framework measured, for several activation combinations.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ReplayReference {
    /// The framework and version, e.g. "2.15.0+cu132".
    pub torch: String,
    pub lr: f64,
    pub momentum: f64,
    pub batch_size: usize,
    pub train_samples: usize,
    /// Keyed by the activations, e.g. "relu,sigmoid,relu".
    pub runs: BTreeMap<String, ReferenceRun>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ReferenceRun {
    /// Each step's mean batch loss, before that step's update.
    pub step_losses: Vec<f64>,
    /// The epoch's mean training loss, weighted by batch size.
    pub train_loss: f64,
    /// The fraction of the test split classified correctly after the last epoch.
    pub test_acc: f64,
}

impl ReplayReference {
    /// Reads a reference file (JSON, raw or gzipped); `file` names it in errors.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<ReplayReference, DataError> {
        let text = maybe_gunzip(file, bytes)?;
        serde_json::from_slice(&text).map_err(|e| DataError::new(file, format!("not a replay reference file ({e})")))
    }

    /// The runs with their activations parsed, in key order.
    pub fn runs(&self) -> Result<Vec<(Vec<Activation>, &ReferenceRun)>, String> {
        self.runs
            .iter()
            .map(|(key, run)| {
                let mut config = Config::default();
                config.apply_setting("acts", key).map_err(|e| e.to_string())?;
                Ok((config.acts, run))
            })
            .collect()
    }

    /// `base` with the recorded learning rate and momentum.
    pub fn config(&self, base: &Config) -> Config {
        Config { lr: self.lr, momentum: self.momentum, ..base.clone() }
    }
}

/// How closely a replayed run followed the recorded one.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// |ours − theirs| / |theirs| for each step's loss, in step order.
    pub step_rel_diffs: Vec<f64>,
    /// The largest of them, and its 1-based step.
    pub max_step_rel_diff: f64,
    pub worst_step: usize,
    /// The same for the epoch's mean training loss (the last epoch).
    pub train_loss_rel_diff: f64,
    /// Correctly classified test images, ours and theirs, out of `test_images`.
    pub test_correct: usize,
    pub reference_test_correct: usize,
    pub test_images: usize,
}

impl Comparison {
    /// Compares a finished run's history with the recorded run; `test_images` is the size of
    /// the test split both were evaluated on.
    pub fn new(reference: &ReferenceRun, history: &History, test_images: usize) -> Result<Comparison, String> {
        let ours: Vec<f64> = history.steps.iter().map(|s| s.loss as f64).collect();
        if ours.len() != reference.step_losses.len() {
            return Err(format!("{} steps replayed, {} recorded", ours.len(), reference.step_losses.len()));
        }
        let epoch = history.epochs.last().ok_or("the replayed run finished no epoch")?;
        let relative = |ours: f64, theirs: f64| (ours - theirs).abs() / theirs.abs();
        let step_rel_diffs: Vec<f64> = ours.iter().zip(&reference.step_losses).map(|(&o, &t)| relative(o, t)).collect();
        let (worst_step, max_step_rel_diff) = step_rel_diffs
            .iter()
            .enumerate()
            .fold((0, 0.0), |best, (i, &d)| if d > best.1 || d.is_nan() { (i + 1, d) } else { best });
        let count = |accuracy: f64| (accuracy * test_images as f64).round() as usize;
        Ok(Comparison {
            step_rel_diffs,
            max_step_rel_diff,
            worst_step,
            train_loss_rel_diff: relative(epoch.train_loss as f64, reference.train_loss),
            test_correct: count(epoch.test_accuracy as f64),
            reference_test_correct: count(reference.test_acc),
            test_images,
        })
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} steps, largest relative step-loss difference {:.1e} (step {}), train loss {:.1e}; \
             test {}/{} correct, recorded {}/{}",
            self.step_rel_diffs.len(),
            self.max_step_rel_diff,
            self.worst_step,
            self.train_loss_rel_diff,
            self.test_correct,
            self.test_images,
            self.reference_test_correct,
            self.test_images
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{EpochRecord, StepRecord};

    fn start_json(w1_len: usize, orders: &str) -> String {
        let list = |n: usize| format!("[{}]", vec!["0.5"; n].join(","));
        format!(
            r#"{{"train_samples":3,"batch_size":2,"orders":{orders},"W1":{},"b1":{},"W2":{},"b2":{},"W3":{},"b3":{}}}"#,
            list(w1_len),
            list(2),
            list(6),
            list(3),
            list(3),
            list(1)
        )
    }

    #[test]
    fn start_files_give_weights_in_burn_layout_and_the_order() {
        let start = ReplayStart::parse("s.json", start_json(8, "[[2,0,1]]").as_bytes()).unwrap();
        let sizes: Vec<(usize, usize)> = start.weights.layers.iter().map(|l| (l.fan_in, l.fan_out)).collect();
        assert_eq!(sizes, vec![(4, 2), (2, 3), (3, 1)]);
        assert_eq!(start.orders, vec![vec![2, 0, 1]]);
        assert_eq!((start.batch_size, start.train_samples), (2, 3));
        assert_eq!(start.config(&Config::default()).epochs, 1);
    }

    #[test]
    fn broken_start_files_are_refused_with_the_reason() {
        let err = ReplayStart::parse("s.json", start_json(7, "[[0]]").as_bytes()).unwrap_err();
        assert_eq!(err.file, "s.json");
        assert!(err.message.contains("layer 1 has 7 weights"), "{err}");
        let err = ReplayStart::parse("s.json", start_json(8, "[]").as_bytes()).unwrap_err();
        assert!(err.message.contains("orders"), "{err}");
        let err = ReplayStart::parse("s.json.gz", b"{\"W1\": [").unwrap_err();
        assert!(err.message.contains("not a replay start file"), "{err}");
    }

    fn history(losses: &[f32], test_accuracy: f32) -> History {
        History {
            steps: losses
                .iter()
                .enumerate()
                .map(|(i, &loss)| StepRecord { step: i + 1, loss, accuracy: 0.0 })
                .collect(),
            epochs: vec![EpochRecord {
                epoch: 1,
                step: losses.len(),
                train_loss: 1.5,
                train_accuracy: 0.0,
                test_loss: 0.0,
                test_accuracy,
            }],
            ..History::default()
        }
    }

    #[test]
    fn comparison_finds_the_worst_step_and_counts_test_images() {
        let reference = ReferenceRun { step_losses: vec![2.0, 1.0, 0.5], train_loss: 1.5, test_acc: 0.1895 };
        let c = Comparison::new(&reference, &history(&[2.0, 1.0001, 0.5], 0.1894), 10_000).unwrap();
        assert_eq!(c.worst_step, 2);
        assert_eq!(c.step_rel_diffs.len(), 3);
        assert_eq!(c.step_rel_diffs[0], 0.0);
        assert!((c.max_step_rel_diff - 1e-4).abs() < 1e-7, "{c}");
        assert_eq!((c.test_correct, c.reference_test_correct), (1894, 1895));
        assert!(
            Comparison::new(&reference, &history(&[2.0], 0.1), 10_000).unwrap_err().contains("1 steps replayed, 3")
        );
        let c = Comparison::new(&reference, &history(&[2.0, f32::NAN, 0.5], 0.1), 10_000).unwrap();
        assert!(c.max_step_rel_diff.is_nan() && c.worst_step == 2);
    }

    #[test]
    fn reference_runs_parse_their_activations() {
        let json = r#"{"torch":"2.15","seed":7,"lr":0.01,"momentum":0.5,"batch_size":32,"train_samples":2000,
            "runs":{"tanh,selu,relu":{"step_losses":[2.3],"train_loss":2.3,"test_acc":0.5}}}"#;
        let reference = ReplayReference::parse("r.json", json.as_bytes()).unwrap();
        let runs = reference.runs().unwrap();
        assert_eq!(runs[0].0, [Activation::Tanh, Activation::Selu, Activation::Relu]);
        assert_eq!(reference.config(&Config::default()).momentum, 0.5);
        let bad = json.replace("tanh,selu", "tanh,gelu");
        assert!(ReplayReference::parse("r.json", bad.as_bytes()).unwrap().runs().unwrap_err().contains("gelu"));
    }
}
