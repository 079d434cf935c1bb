//! The bookkeeping every training loop shares: the single run (`Session`, one model) and a
//! sweep's group (`sweep::GroupRun`, K models stacked) both keep their step counters, the
//! losses not yet read back, each model's epoch sums and its outcome here, so a step's record,
//! an epoch's means and a divergence read alike, and a sweep's cell reproduces the single run.

use super::RunState;
use crate::config::Config;
use crate::history::{EpochRecord, History, StepRecord};
use burn::tensor::{Tensor, Transaction};
use serde::Serialize;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// One model's outcome so far: its configuration, state, message (why it stopped) and history.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRun {
    pub config: Config,
    pub state: RunState,
    pub message: Option<String>,
    pub history: History,
}

impl ModelRun {
    /// A run of `config` about to start, `steps_per_epoch` batches per epoch.
    pub fn new(config: Config, steps_per_epoch: usize) -> ModelRun {
        let history = History { acts: config.acts.to_vec(), loss: config.loss, steps_per_epoch, ..History::default() };
        ModelRun { config, state: RunState::Running, message: None, history }
    }
}

/// Where a run stands: its epoch and its step, of how many. The page's progress line and
/// the CLI's read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// Completed epochs.
    pub epoch: usize,
    pub epochs: usize,
    pub step_in_epoch: usize,
    pub steps_per_epoch: usize,
    /// Completed steps.
    pub step: usize,
    pub total_steps: usize,
}

/// Why a run stopped at `step` (1-based) of `epoch` (1-based): its loss became `loss`.
fn diverged_message(step: usize, epoch: usize, loss: f32, lr: f64) -> String {
    format!(
        "Training diverged at step {step} (epoch {epoch}): the loss became {loss}. Try a smaller learning rate (now {lr})."
    )
}

/// One model's sums over the current epoch's steps read back so far.
#[derive(Clone, Copy, Default)]
struct EpochSums {
    /// Loss × examples (each step's mean loss weighted by its batch size).
    loss: f64,
    correct: f64,
    samples: usize,
}

/// Steps enqueued on the device and not yet read back: per step, each model's loss and correct
/// count (shape `[K]` each) and the batch size.
#[derive(Default)]
struct Pending {
    losses: Vec<Tensor<1>>,
    correct: Vec<Tensor<1>>,
    sizes: Vec<usize>,
}

/// How a chunk of steps gets its losses back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadBack {
    /// Before the chunk returns: the history holds every step taken.
    Now,
    /// While the next chunk trains: a chunk requests its own losses and then waits for the
    /// previous chunk's, so the device has this chunk's steps queued while the host waits, never
    /// an empty queue. The history is one chunk behind until a chunk reads back `Now` (an
    /// epoch's end always does).
    Overlapped,
}

/// Each model's loss and correct count per step of a chunk, as read back: `[losses…, correct…]`.
type ReadFuture = Pin<Box<dyn Future<Output = Result<Vec<f32>, String>>>>;

/// A chunk's losses on their way back: the copy and the mapping are requested already.
struct InFlight {
    /// The chunk's first step (1-based) and each step's batch size.
    first_step: usize,
    sizes: Vec<usize>,
    read: Reading,
    /// The values, when the first poll had them already (the CPU backend reads at once).
    ready: Option<Result<Vec<f32>, String>>,
}

/// A read-back under way. Dropped before it is done (a sweep cancelled in the page), it is left
/// to finish in the background on wasm: cubecl maps a staging buffer it reuses, and a read that
/// stopped halfway left that buffer mid-mapping, so the next job's read-back failed.
struct Reading(Option<ReadFuture>);

impl Reading {
    async fn finish(mut self) -> Result<Vec<f32>, String> {
        match self.0.take() {
            Some(read) => read.await,
            None => Err("the losses were read already".to_string()),
        }
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        #[cfg(target_arch = "wasm32")]
        if let Some(read) = self.0.take() {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = read.await;
            });
        }
    }
}

/// K models trained step for step (the same batch size and epochs): where they are, what they
/// left on the device, and what each has recorded.
pub struct Ledger {
    runs: Vec<ModelRun>,
    sums: Vec<EpochSums>,
    pending: Pending,
    /// The chunk read back `Overlapped` and not yet recorded.
    in_flight: Option<InFlight>,
    steps_per_epoch: usize,
    epochs: usize,
    /// Completed epochs.
    epoch: usize,
    step_in_epoch: usize,
}

impl Ledger {
    /// `runs` about to start, of `epochs` epochs of `steps_per_epoch` steps.
    pub fn new(runs: Vec<ModelRun>, steps_per_epoch: usize, epochs: usize) -> Ledger {
        let sums = vec![EpochSums::default(); runs.len()];
        let pending = Pending::default();
        Ledger { runs, sums, pending, in_flight: None, steps_per_epoch, epochs, epoch: 0, step_in_epoch: 0 }
    }

    pub fn runs(&self) -> &[ModelRun] {
        &self.runs
    }

    /// Model `m`'s history, for records the ledger does not keep (the statistics' probes).
    pub fn history_mut(&mut self, m: usize) -> &mut History {
        &mut self.runs[m].history
    }

    pub fn position(&self) -> Position {
        Position {
            epoch: self.epoch,
            epochs: self.epochs,
            step_in_epoch: self.step_in_epoch,
            steps_per_epoch: self.steps_per_epoch,
            step: self.global_step(),
            total_steps: self.total_steps(),
        }
    }

    pub fn step_in_epoch(&self) -> usize {
        self.step_in_epoch
    }

    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch * self.epochs
    }

    /// Completed steps.
    pub fn global_step(&self) -> usize {
        self.epoch * self.steps_per_epoch + self.step_in_epoch
    }

    /// Whether the current epoch's last step has been taken (its evaluation is due).
    pub fn epoch_ended(&self) -> bool {
        self.step_in_epoch == self.steps_per_epoch
    }

    /// Whether every model has finished or diverged.
    pub fn is_done(&self) -> bool {
        self.runs.iter().all(|r| r.state != RunState::Running)
    }

    /// Notes one step enqueued on the device: every model's loss per example and correct count
    /// (shape `[K]`, detached) on a batch of `size` examples. Nothing is read back here.
    pub fn push_step(&mut self, losses: Tensor<1>, correct: Tensor<1>, size: usize) {
        self.pending.losses.push(losses);
        self.pending.correct.push(correct);
        self.pending.sizes.push(size);
        self.step_in_epoch += 1;
    }

    /// Reads back every step not yet recorded (the chunk in flight first, then the pending
    /// steps) into each running model's history and epoch sums. A model whose loss is not finite
    /// stops there (only finite losses are recorded). Returns the first step at which a model
    /// diverged, if one did.
    async fn read_back(&mut self) -> Result<Option<usize>, String> {
        let current = self.start_read();
        let mut diverged_at = None;
        for chunk in [self.in_flight.take(), current].into_iter().flatten() {
            diverged_at = diverged_at.or(self.record(chunk).await?);
        }
        Ok(diverged_at)
    }

    /// Reads back as `how` says: `Overlapped` requests the pending steps' losses, then records
    /// the chunk requested before (see [`ReadBack`]).
    pub async fn read_back_as(&mut self, how: ReadBack) -> Result<Option<usize>, String> {
        match how {
            ReadBack::Now => self.read_back().await,
            ReadBack::Overlapped => {
                let current = self.start_read();
                match std::mem::replace(&mut self.in_flight, current) {
                    Some(previous) => self.record(previous).await,
                    None => Ok(None),
                }
            }
        }
    }

    /// Requests the pending steps' losses and correct counts, in one tensor: one copy and one
    /// buffer mapped per chunk, both requested before this returns.
    fn start_read(&mut self) -> Option<InFlight> {
        let pending = std::mem::take(&mut self.pending);
        if pending.losses.is_empty() {
            return None;
        }
        let first_step = self.global_step() + 1 - pending.sizes.len();
        let both = Tensor::cat(pending.losses.into_iter().chain(pending.correct).collect(), 0);
        let mut read: ReadFuture = Box::pin(async move {
            let data = Transaction::default()
                .register(both)
                .execute_async()
                .await
                .map_err(|e| format!("reading the losses from the device failed: {e}"))?;
            Ok(data[0].iter::<f32>().collect())
        });
        // A future does nothing until polled: one poll sends the request to the device now.
        let ready = match read.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(values) => Some(values),
            Poll::Pending => None,
        };
        let read = Reading(ready.is_none().then_some(read));
        Some(InFlight { first_step, sizes: pending.sizes, read, ready })
    }

    /// Waits for a chunk's values and records them.
    async fn record(&mut self, chunk: InFlight) -> Result<Option<usize>, String> {
        let values = match chunk.ready {
            Some(values) => values,
            None => chunk.read.finish().await,
        }?;
        let k = self.runs.len();
        let (losses, correct) = values.split_at(chunk.sizes.len() * k);
        let first_step = chunk.first_step;
        let mut diverged_at = None;
        for (i, &size) in chunk.sizes.iter().enumerate() {
            let step = first_step + i;
            for m in 0..k {
                if self.runs[m].state != RunState::Running {
                    continue;
                }
                let (loss, right) = (losses[i * k + m], correct[i * k + m]);
                if !loss.is_finite() {
                    self.diverge(m, step, loss);
                    diverged_at = diverged_at.or(Some(step));
                    continue;
                }
                self.runs[m].history.steps.push(StepRecord { step, loss, accuracy: right / size as f32 });
                let sums = &mut self.sums[m];
                sums.loss += loss as f64 * size as f64;
                sums.correct += right as f64;
                sums.samples += size;
            }
        }
        Ok(diverged_at)
    }

    /// Ends the epoch with each model's test loss and accuracy: each running model records its
    /// epoch (its training means and the test figures), then diverges (a test loss that is not
    /// finite), finishes (the last epoch) or goes on. The epoch counts as completed when a model
    /// completed it; a run that diverged at its end stays in it. Returns whether a model diverged.
    pub fn finish_epoch(&mut self, test_losses: &[f32], test_accuracies: &[f32]) -> bool {
        let step = self.global_step();
        let mut newly_diverged = false;
        for m in 0..self.runs.len() {
            if self.runs[m].state != RunState::Running {
                continue;
            }
            let sums = std::mem::take(&mut self.sums[m]);
            let samples = sums.samples.max(1) as f64;
            self.runs[m].history.epochs.push(EpochRecord {
                epoch: self.epoch + 1,
                step,
                train_loss: (sums.loss / samples) as f32,
                train_accuracy: (sums.correct / samples) as f32,
                test_loss: test_losses[m],
                test_accuracy: test_accuracies[m],
            });
            if !test_losses[m].is_finite() {
                self.diverge(m, step, test_losses[m]);
                newly_diverged = true;
            } else if self.epoch + 1 == self.epochs {
                self.runs[m].state = RunState::Finished;
            }
        }
        if self.runs.iter().any(|r| r.state != RunState::Diverged) {
            self.epoch += 1;
            self.step_in_epoch = 0;
        }
        newly_diverged
    }

    /// Stops model `m` at `step` (1-based), whose loss became `loss`.
    fn diverge(&mut self, m: usize, step: usize, loss: f32) {
        let run = &mut self.runs[m];
        run.state = RunState::Diverged;
        run.message = Some(diverged_message(step, self.epoch + 1, loss, run.config.lr));
    }

    /// Sets the step counter back to `step` (1-based, in the current epoch): a run stopped there
    /// counts none of the steps enqueued after it, so its counter and its message name the same
    /// step.
    pub fn rewind_to(&mut self, step: usize) {
        self.step_in_epoch = step.saturating_sub(self.epoch * self.steps_per_epoch);
    }

    /// Stops every running model with `message` (e.g. a read-back that failed).
    pub fn fail(&mut self, message: String) {
        for run in self.runs.iter_mut().filter(|r| r.state == RunState::Running) {
            run.state = RunState::Diverged;
            run.message = Some(message.clone());
        }
    }

    /// Model `m`'s training accuracy over the current epoch's steps read back so far.
    pub fn running_accuracy(&self, m: usize) -> Option<f32> {
        let sums = &self.sums[m];
        (sums.samples > 0).then(|| (sums.correct / sums.samples as f64) as f32)
    }
}
