//! Training: a pure step function of (state, batch), and a `Session` that walks the epochs in
//! chunks so a browser tab stays responsive. Every read from the device is async. Its steps,
//! read-backs, epoch sums and divergence are kept by a `Ledger`, as a sweep's groups keep theirs.

use crate::config::Config;
use crate::config::Loss;
use crate::data::{Dataset, HostBatch, Split};
use crate::history::History;
use crate::model::{InitialWeights, Mlp, count_correct, layer_sizes};
use crate::stats;
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, Transaction};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use web_time::Instant;

/// Steps averaged into the headline training loss.
pub const HEADLINE_STEPS: usize = 20;
/// Test images per evaluation chunk (no gradients, so larger batches are fine), in the single
/// run and in a sweep's groups (fewer there if memory is short).
pub const EVAL_BATCH: usize = 1000;
/// Examples in the fixed probe batch used for statistics.
pub const PROBE_SIZE: usize = 64;

pub use crate::batch::Batch;

mod ledger;
mod sgd;
mod sgd_kernel;
pub use ledger::{Ledger, ModelRun, Position, ReadBack};
pub use sgd_kernel::{ModelRates, sgd_momentum};

/// The model and its optimiser state: everything a step changes.
pub struct TrainState {
    pub model: Mlp,
    optimizer: sgd::SgdMomentum,
}

impl TrainState {
    /// A model with the given initial weights on `device` (an autodiff device), with SGD +
    /// momentum as PyTorch does it (dampening 0).
    pub fn from_weights(weights: &InitialWeights, config: &Config, device: &Device) -> TrainState {
        let optimizer = sgd::SgdMomentum::new(config.lr, config.momentum, device);
        TrainState { model: Mlp::from_weights(weights, config, device), optimizer }
    }
}

/// What one step leaves on the device, to be read back later in bulk.
pub struct StepOutput {
    /// Loss per example of the batch (the mean; for `sse`, whose gradient is of the sum, the
    /// sum ÷ the batch size), shape [1], detached.
    pub loss: Tensor<1>,
    /// Number of correct predictions, shape [1] (a float: see `model::count_correct`).
    pub correct: Tensor<1>,
}

/// Hands the work queued on `device` to it without waiting (on wgpu: one queue submission, see
/// `gpu::TASKS_MAX`), so that the GPU runs a step while the host prepares the next. A read-back
/// submits by itself. Nothing happens on the CPU backend.
pub fn submit(device: &Device) -> Result<(), String> {
    device.flush().map_err(|e| format!("submitting the work to the device failed: {e}"))
}

/// One SGD step on one batch: forward, the configured loss, backward, update.
pub fn train_step(state: TrainState, batch: &Batch) -> (TrainState, StepOutput) {
    let TrainState { model, mut optimizer } = state;
    let outputs = model.forward(batch.inputs.clone());
    let loss = model.loss(outputs.clone(), batch.targets.clone());
    let correct = count_correct(outputs.detach(), batch.targets.clone());
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let per_example = match model.loss {
        Loss::Nll => loss.detach(),
        Loss::Sse => loss.detach().div_scalar(batch.targets.dims()[0] as f64),
    };
    let model = optimizer.step(model, grads);
    let output = StepOutput { loss: per_example.inner(), correct: correct.inner() };
    (TrainState { model, optimizer }, output)
}

/// Running sums of an evaluation on the device (loss × examples and correct predictions, one
/// entry per model; for a single output also Σ|y − ŷ|), read back in one transaction at the end.
/// The single run and the sweep share it.
#[derive(Default)]
pub struct EvalSums {
    loss: Option<Tensor<1>>,
    correct: Option<Tensor<1>>,
    error: Option<Tensor<1>>,
}

fn add_to(sum: &mut Option<Tensor<1>>, more: Tensor<1>) {
    *sum = Some(match sum.take() {
        Some(sum) => sum + more,
        None => more,
    });
}

impl EvalSums {
    /// Adds one chunk's summed losses and correct counts.
    pub fn add(&mut self, loss: Tensor<1>, correct: Tensor<1>) {
        add_to(&mut self.loss, loss);
        add_to(&mut self.correct, correct);
    }

    /// Mean loss and accuracy of each model over `examples`, and the mean absolute error where
    /// it was summed.
    pub async fn read(self, examples: usize) -> Result<(Vec<f32>, Vec<f32>, Option<Vec<f32>>), String> {
        let (Some(loss), Some(correct)) = (self.loss, self.correct) else {
            return Err("the test split is empty".into());
        };
        let with_error = self.error.is_some();
        let mut transaction = Transaction::default().register(loss).register(correct);
        if let Some(error) = self.error {
            transaction = transaction.register(error);
        }
        let data = transaction
            .execute_async()
            .await
            .map_err(|e| format!("reading the evaluation from the device failed: {e}"))?;
        let n = examples as f32;
        let mean = |i: usize| data[i].iter::<f32>().map(|v| v / n).collect::<Vec<f32>>();
        Ok((mean(0), mean(1), with_error.then(|| mean(2))))
    }
}

/// Mean loss and accuracy over a whole split, in batches, with one read-back at the end.
pub async fn evaluate(model: &Mlp, dataset: &Dataset, split: &Split, device: &Device) -> Result<(f32, f32), String> {
    evaluate_all(model, dataset, split, device).await.map(|(loss, accuracy, _)| (loss, accuracy))
}

/// [`evaluate`], and for a single output (the Q&A's) the mean absolute error |y − ŷ|, its own
/// measure, read back in the same transaction.
pub async fn evaluate_all(
    model: &Mlp,
    dataset: &Dataset,
    split: &Split,
    device: &Device,
) -> Result<(f32, f32, Option<f32>), String> {
    let model = model.valid();
    let device = device.clone().inner();
    let indices: Vec<usize> = (0..split.len()).collect();
    let mut sums = EvalSums::default();
    for chunk in indices.chunks(EVAL_BATCH) {
        let batch = Batch::upload(&dataset.batch(split, chunk), dataset.input_size(), &device);
        let outputs = model.forward(batch.inputs);
        if outputs.dims()[1] == 1 {
            let error = (outputs.clone() - crate::model::target_values(batch.targets.clone(), 1)).abs().sum();
            add_to(&mut sums.error, error);
        }
        // Summed over the chunk (the mean loss × its size); `sse` is a sum already.
        let loss = model.loss(outputs.clone(), batch.targets.clone());
        let loss = if model.loss == Loss::Nll { loss.mul_scalar(chunk.len() as f64) } else { loss };
        let correct = count_correct(outputs, batch.targets);
        sums.add(loss, correct);
    }
    let (loss, accuracy, error) = sums.read(split.len()).await?;
    let first = |v: &[f32]| v.first().copied().unwrap_or(f32::NAN);
    Ok((first(&loss), first(&accuracy), error.as_deref().map(first)))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Running,
    Finished,
    Diverged,
}

/// What the page shows after each chunk.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub state: RunState,
    pub message: Option<String>,
    #[serde(flatten)]
    pub position: Position,
    /// Mean training loss of the last [`HEADLINE_STEPS`] steps: it depends on the step alone, not on
    /// how the run was cut into chunks, so the same link shows the same figure.
    pub train_loss: Option<f32>,
    /// Running training accuracy of the current (or just finished) epoch.
    pub train_acc: Option<f32>,
    pub test_acc: Option<f32>,
    /// Mean |y − ŷ| on the test split after the last epoch, for a single output (the Q&A's).
    pub test_error: Option<f32>,
    /// The run's headline measure on the test split, named and written for the page: the
    /// accuracy, or for a single output the mean absolute error (see [`Config::headline`]).
    pub headline: crate::config::Headline,
    pub samples_per_sec: Option<f64>,
}

/// The order in which each epoch visits the training set.
pub enum BatchOrder {
    /// A ChaCha8 stream of its own (stream 1 of the seed), reshuffled every epoch, so it depends
    /// on the seed alone: a sweep's model with seed s sees the same batches as the single run
    /// with seed s.
    Seeded { rng: Box<ChaCha8Rng>, len: usize },
    /// Given orders, one per epoch, e.g. those of a PyTorch run being replayed.
    Fixed { orders: Vec<Vec<usize>>, next: usize },
}

impl BatchOrder {
    pub fn new(seed: u64, len: usize) -> BatchOrder {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        BatchOrder::Seeded { rng: Box::new(rng), len }
    }

    pub fn fixed(orders: Vec<Vec<usize>>) -> BatchOrder {
        BatchOrder::Fixed { orders, next: 0 }
    }

    /// The next epoch's order: a permutation of `0..len`, or the next given order (the given
    /// orders repeat if the epochs outnumber them; a `Session` refuses that).
    pub fn next_epoch(&mut self) -> Vec<usize> {
        match self {
            BatchOrder::Seeded { rng, len } => {
                let mut order: Vec<usize> = (0..*len).collect();
                order.shuffle(rng.as_mut());
                order
            }
            BatchOrder::Fixed { orders, next } => {
                let order = orders.get(*next % orders.len().max(1)).cloned().unwrap_or_default();
                *next += 1;
                order
            }
        }
    }

    /// Why these orders cannot drive `epochs` epochs over `len` training images, if they cannot.
    fn check(&self, epochs: usize, len: usize) -> Result<(), String> {
        let orders = match self {
            BatchOrder::Seeded { len: drawn, .. } if *drawn == len => return Ok(()),
            BatchOrder::Seeded { len: drawn, .. } => {
                return Err(format!("the batch order is drawn over {drawn} training images, not {len}"));
            }
            BatchOrder::Fixed { orders, .. } => orders,
        };
        if orders.len() < epochs {
            return Err(format!("{epochs} epoch(s) asked for, but the batch order covers {}", orders.len()));
        }
        for (epoch, order) in orders.iter().enumerate() {
            if order.len() != len || order.iter().any(|&i| i >= len) {
                return Err(format!(
                    "the batch order of epoch {} must list {len} indices of the {len} training images",
                    epoch + 1
                ));
            }
        }
        Ok(())
    }
}

/// Where a run starts: its initial weights and its batch order.
pub struct RunStart {
    pub weights: InitialWeights,
    pub batch_order: BatchOrder,
}

impl RunStart {
    /// Both drawn from `config.seed`, for `dataset` (the default of every run).
    pub fn seeded(config: &Config, dataset: &Dataset) -> RunStart {
        RunStart {
            weights: InitialWeights::draw(config, dataset.input_size()),
            batch_order: BatchOrder::new(config.seed, dataset.train.len()),
        }
    }
}

/// Batches per epoch of `n` examples. A final batch of one example would make BatchNorm's
/// batch variance zero: it is dropped.
pub fn steps_per_epoch(n: usize, batch_size: usize) -> usize {
    let full = n / batch_size;
    if n % batch_size > 1 || full == 0 { full + 1 } else { full }
}

/// A whole training run, advanced chunk by chunk by the page or all at once by the CLI.
pub struct Session {
    dataset: Arc<Dataset>,
    device: Device,
    state: Option<TrainState>,
    batch_order: BatchOrder,
    order: Vec<usize>,
    probe: HostBatch,
    /// Its one model's steps, epochs and outcome.
    ledger: Ledger,
    /// Mean |y − ŷ| on the test split after the last epoch, for a single output.
    test_error: Option<f32>,
}

impl Session {
    /// Validates `config` and builds the model on `device` (a plain device; autodiff is switched
    /// on here), with weights and batch order drawn from the seed.
    pub fn new(config: Config, dataset: Arc<Dataset>, device: &Device) -> Result<Session, String> {
        let start = RunStart::seeded(&config, &dataset);
        Session::from_start(config, dataset, device, start)
    }

    /// The same, starting from given weights and batch order (e.g. a replayed PyTorch run's).
    pub fn from_start(
        config: Config,
        dataset: Arc<Dataset>,
        device: &Device,
        start: RunStart,
    ) -> Result<Session, String> {
        config.validate().map_err(|e| crate::config::describe_errors(&e))?;
        if dataset.kind != config.dataset {
            return Err(format!(
                "the loaded dataset is {}, but the configuration asks for {}",
                dataset.kind.name(),
                config.dataset.name()
            ));
        }
        let sizes = start.weights.sizes().map_err(|e| format!("the initial weights do not fit together: {e}"))?;
        let needed = layer_sizes(&config, dataset.input_size());
        if sizes != needed {
            return Err(format!("the initial weights are for layers {sizes:?}, but this dataset needs {needed:?}"));
        }
        let n = dataset.train.len();
        start.batch_order.check(config.epochs, n)?;
        let device = device.clone().autodiff();
        let steps_per_epoch = steps_per_epoch(n, config.batch_size);
        let probe_len = PROBE_SIZE.min(dataset.test.len());
        let probe = dataset.batch(&dataset.test, &(0..probe_len).collect::<Vec<_>>());
        let state = TrainState::from_weights(&start.weights, &config, &device);
        let epochs = config.epochs;
        let ledger = Ledger::new(vec![ModelRun::new(config, steps_per_epoch)], steps_per_epoch, epochs);
        let mut session = Session {
            dataset,
            device,
            state: Some(state),
            batch_order: start.batch_order,
            order: Vec::new(),
            probe,
            ledger,
            test_error: None,
        };
        session.shuffle();
        Ok(session)
    }

    /// Its one model's outcome so far.
    fn model_run(&self) -> &ModelRun {
        &self.ledger.runs()[0]
    }

    pub fn config(&self) -> &Config {
        &self.model_run().config
    }

    pub fn history(&self) -> &History {
        &self.model_run().history
    }

    pub fn model(&self) -> Option<&Mlp> {
        self.state.as_ref().map(|s| &s.model)
    }

    /// Steps of the whole run, every epoch.
    pub fn total_steps(&self) -> usize {
        self.ledger.total_steps()
    }

    /// Completed steps.
    pub fn global_step(&self) -> usize {
        self.ledger.global_step()
    }

    /// Whether the run has finished or diverged.
    pub fn is_done(&self) -> bool {
        self.ledger.is_done()
    }

    fn shuffle(&mut self) {
        self.order = self.batch_order.next_epoch();
    }

    /// The training-set indices of the batch at `step_in_epoch` of the current epoch.
    fn batch_indices(&self) -> &[usize] {
        let batch_size = self.config().batch_size;
        let start = self.ledger.step_in_epoch() * batch_size;
        let end = (start + batch_size).min(self.order.len());
        &self.order[start..end]
    }

    /// Trains up to `max_steps` batches or until `budget_ms` has passed, then reads the losses
    /// back, evaluates at an epoch's end, and reports. Never panics on a diverging run.
    pub async fn run(&mut self, max_steps: usize, budget_ms: f64) -> Progress {
        self.run_reading(max_steps, budget_ms, ReadBack::Now).await
    }

    /// [`Session::run`], the chunk's losses read back as `reads` says (an epoch's end and a
    /// probe read `Now`). With `max_steps` 0 it takes no step and reads back what is in flight.
    pub async fn run_reading(&mut self, max_steps: usize, budget_ms: f64, reads: ReadBack) -> Progress {
        let started = Instant::now();
        let mut steps = 0;
        let mut samples = 0;
        if max_steps == 0
            && let Err(e) = self.read_pending(ReadBack::Now).await
        {
            self.ledger.fail(e);
        }
        while !self.is_done() && steps < max_steps {
            samples += self.step();
            steps += 1;
            let epoch_ended = self.ledger.epoch_ended();
            let stats_every = self.config().stats_every;
            let probe_due = stats_every > 0 && self.global_step().is_multiple_of(stats_every);
            let out_of_time = started.elapsed().as_secs_f64() * 1000.0 >= budget_ms;
            // A read-back submits the step with it; otherwise the step goes to the GPU now.
            let read = if epoch_ended || probe_due {
                self.read_pending(ReadBack::Now).await
            } else if out_of_time || steps >= max_steps {
                self.read_pending(reads).await
            } else {
                submit(&self.device)
            };
            if let Err(e) = read {
                self.ledger.fail(e);
            }
            if !self.is_done()
                && probe_due
                && let Err(e) = self.take_probe().await
            {
                self.ledger.fail(e);
            }
            if !self.is_done() && epoch_ended {
                self.finish_epoch().await;
            }
            if out_of_time {
                break;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        self.progress((elapsed > 0.0 && samples > 0).then(|| samples as f64 / elapsed))
    }

    /// Enqueues one step on the device; returns the batch size. Nothing is read back here.
    fn step(&mut self) -> usize {
        let host = self.dataset.batch(&self.dataset.train, self.batch_indices());
        let batch = Batch::upload(&host, self.dataset.input_size(), &self.device);
        let state = self.state.take().expect("the state is always put back");
        let (state, out) = train_step(state, &batch);
        self.state = Some(state);
        self.ledger.push_step(out.loss, out.correct, host.len());
        host.len()
    }

    /// Reads back the losses of the pending steps into the history. A diverged run stops at the
    /// step whose loss was not finite.
    async fn read_pending(&mut self, how: ReadBack) -> Result<(), String> {
        if let Some(step) = self.ledger.read_back_as(how).await? {
            self.ledger.rewind_to(step);
        }
        Ok(())
    }

    async fn finish_epoch(&mut self) {
        let model = &self.state.as_ref().expect("state present").model;
        let evaluation = evaluate_all(model, &self.dataset, &self.dataset.test, &self.device).await;
        let (test_loss, test_accuracy, test_error) = match evaluation {
            Ok(v) => v,
            Err(e) => return self.ledger.fail(e),
        };
        self.test_error = test_error;
        self.ledger.finish_epoch(&[test_loss], &[test_accuracy]);
        if !self.is_done() {
            self.shuffle();
        }
    }

    /// Statistics on the fixed probe batch; the gradient norms come from one extra backward
    /// pass on the probe batch, so training itself never waits for them.
    async fn take_probe(&mut self) -> Result<(), String> {
        let state = self.state.as_ref().expect("state present");
        let record =
            stats::probe(&state.model, &self.probe, self.dataset.input_size(), &self.device, self.global_step())
                .await?;
        self.ledger.history_mut(0).probes.push(record);
        Ok(())
    }

    fn progress(&self, samples_per_sec: Option<f64>) -> Progress {
        let run = self.model_run();
        let steps = &run.history.steps;
        let recent = &steps[steps.len().saturating_sub(HEADLINE_STEPS)..];
        let train_loss = (!recent.is_empty()).then(|| recent.iter().map(|r| r.loss).sum::<f32>() / recent.len() as f32);
        let last_epoch = run.history.epochs.last();
        Progress {
            state: run.state,
            message: run.message.clone(),
            position: self.ledger.position(),
            train_loss,
            train_acc: self.ledger.running_accuracy(0).or_else(|| last_epoch.map(|e| e.train_accuracy)),
            test_acc: last_epoch.map(|e| e.test_accuracy),
            test_error: self.test_error,
            headline: run.config.headline(
                last_epoch.map(|e| e.test_accuracy),
                self.test_error,
                last_epoch.map(|e| e.test_loss),
            ),
            samples_per_sec,
        }
    }
}

/// Compiles the kernels a run needs before it is asked for: WebGPU builds each shader on first
/// use (seconds on a software adapter), so the page has a throw-away session of the configured
/// shapes train one step while the user reads, and the first real step finds them compiled.
/// The session trains on the loaded dataset whatever `config` names, so that the shapes are those
/// of the data a run will use.
pub struct WarmUp(Session);

impl WarmUp {
    pub fn new(config: &Config, dataset: Arc<Dataset>, device: &Device) -> Result<WarmUp, String> {
        let config = Config { dataset: dataset.kind, ..config.clone() };
        Session::new(config, dataset, device).map(WarmUp)
    }

    /// One step and its loss read-back, as a run's first chunk: forward, backward, optimiser.
    pub async fn step(&mut self) -> Result<(), String> {
        self.0.step();
        self.0.read_pending(ReadBack::Now).await
    }

    /// The statistics' probe (a forward and an extra backward pass on the probe batch), which a
    /// run first takes at step `stats_every`.
    pub async fn probe(&mut self) -> Result<(), String> {
        self.0.take_probe().await
    }

    pub fn history(&self) -> &History {
        self.0.history()
    }
}
