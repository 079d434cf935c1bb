//! Runs a sweep: its models split into groups that fit the device, each group trained as one
//! stacked network, epoch by epoch, with losses read back in bulk (never once per step).

use super::plan::{MemoryLimits, eval_chunk, footprint, max_group_size, split_groups};
use super::shard::Shard;
use super::stack::{InputLayout, StackedMlp, correct_counts, per_model_loss};
use super::step::{SweepBatch, SweepOptimizer, all_alive, sweep_step};
use super::table::RunRecord;
use crate::config::Config;
use crate::data::Dataset;
use crate::history::{EpochRecord, History, StepRecord};
use crate::model::{InitialWeights, layer_sizes};
use crate::train::{BatchOrder, EvalSums, RunState, steps_per_epoch};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData, Transaction};
use std::ops::Range;
use std::sync::Arc;
use web_time::Instant;

/// Test images per evaluation chunk, as the single run's evaluation (fewer if memory is short).
const EVAL_BATCH: usize = 1000;

/// One model's outcome so far.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRun {
    pub config: Config,
    pub state: RunState,
    pub message: Option<String>,
    pub history: History,
}

/// Models trained together as one stacked network.
pub struct GroupRun {
    dataset: Arc<Dataset>,
    device: Device,
    model: StackedMlp,
    optimizer: SweepOptimizer,
    alive: Tensor<1, Bool>,
    layout: InputLayout,
    orders: Vec<BatchOrder>,
    epoch_orders: Vec<Vec<usize>>,
    batch_size: usize,
    epochs: usize,
    steps_per_epoch: usize,
    eval_chunk: usize,
    epoch: usize,
    step_in_epoch: usize,
    pending_losses: Vec<Tensor<1>>,
    pending_correct: Vec<Tensor<1>>,
    pending_sizes: Vec<usize>,
    runs: Vec<ModelRun>,
    /// Per model: loss sum (weighted by batch size), correct predictions, samples, this epoch.
    epoch_sums: Vec<(f64, f64, usize)>,
    /// The epoch's evaluation in progress: the next test image and the sums so far. It goes a
    /// chunk of test images at a time, so a call with a short budget stays short.
    evaluation: Option<(usize, EvalSums)>,
}

impl GroupRun {
    /// `configs` must agree on dataset, batch size and epochs; `device` is a plain device.
    pub fn new(
        configs: Vec<Config>,
        dataset: Arc<Dataset>,
        device: &Device,
        limits: MemoryLimits,
    ) -> Result<GroupRun, String> {
        let first = configs.first().ok_or("a group needs at least one model")?.clone();
        for c in &configs {
            c.validate().map_err(|e| crate::config::describe_errors(&e))?;
            if (c.dataset, c.batch_size, c.epochs) != (first.dataset, first.batch_size, first.epochs) {
                return Err("the models of a sweep share dataset, batch size and epochs".into());
            }
        }
        if dataset.kind != first.dataset {
            return Err(format!(
                "the loaded dataset is {}, but the sweep asks for {}",
                dataset.kind.name(),
                first.dataset.name()
            ));
        }
        let device = device.clone().autodiff();
        let plain = device.clone().inner();
        let mut seeds: Vec<u64> = Vec::new();
        let seed_of_model: Vec<usize> = configs
            .iter()
            .map(|c| match seeds.iter().position(|&s| s == c.seed) {
                Some(i) => i,
                None => {
                    seeds.push(c.seed);
                    seeds.len() - 1
                }
            })
            .collect();
        let input_size = dataset.input_size();
        // A model's initial weights depend on its seed alone: draw once per seed.
        let drawn: Vec<InitialWeights> =
            seeds.iter().map(|&seed| InitialWeights::draw(&Config { seed, ..first.clone() }, input_size)).collect();
        let weights: Vec<&InitialWeights> = seed_of_model.iter().map(|&s| &drawn[s]).collect();
        let model = StackedMlp::new(&configs, &weights, &device);
        let n = dataset.train.len();
        let mut orders: Vec<BatchOrder> = seeds.iter().map(|&s| BatchOrder::new(s, n)).collect();
        let epoch_orders = orders.iter_mut().map(BatchOrder::next_epoch).collect();
        let count = configs.len();
        let runs = configs
            .iter()
            .map(|c| ModelRun {
                config: c.clone(),
                state: RunState::Running,
                message: None,
                history: History {
                    acts: c.acts.to_vec(),
                    steps_per_epoch: steps_per_epoch(n, c.batch_size),
                    ..History::default()
                },
            })
            .collect();
        Ok(GroupRun {
            optimizer: SweepOptimizer::new(&configs, &plain),
            alive: all_alive(count, &plain),
            layout: InputLayout::new(&seed_of_model),
            eval_chunk: eval_chunk(&layer_sizes(&first, input_size), count, EVAL_BATCH, limits),
            batch_size: first.batch_size,
            epochs: first.epochs,
            steps_per_epoch: steps_per_epoch(n, first.batch_size),
            dataset,
            device,
            model,
            orders,
            epoch_orders,
            epoch: 0,
            step_in_epoch: 0,
            pending_losses: Vec::new(),
            pending_correct: Vec::new(),
            pending_sizes: Vec::new(),
            runs,
            epoch_sums: vec![(0.0, 0.0, 0); count],
            evaluation: None,
        })
    }

    pub fn runs(&self) -> &[ModelRun] {
        &self.runs
    }

    pub fn model(&self) -> &StackedMlp {
        &self.model
    }

    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch * self.epochs
    }

    pub fn global_step(&self) -> usize {
        self.epoch * self.steps_per_epoch + self.step_in_epoch
    }

    pub fn is_done(&self) -> bool {
        self.runs.iter().all(|r| r.state != RunState::Running)
    }

    /// Trains up to `max_steps` steps or until `budget_ms` has passed, reading the losses back
    /// once at the end (and evaluating at an epoch's end, a chunk of test images at a time until
    /// the budget is spent: the next call goes on). Returns the steps taken.
    pub async fn run(&mut self, max_steps: usize, budget_ms: f64) -> Result<usize, String> {
        let started = Instant::now();
        let out_of_time = || started.elapsed().as_secs_f64() * 1000.0 >= budget_ms;
        let mut steps = 0;
        while !self.is_done() {
            if self.evaluation.is_some() {
                self.evaluate_chunk().await?;
                if out_of_time() {
                    break;
                }
                continue;
            }
            if steps >= max_steps.max(1) {
                break;
            }
            self.step();
            steps += 1;
            let epoch_ended = self.step_in_epoch == self.steps_per_epoch;
            let out_of_time = out_of_time();
            if epoch_ended || out_of_time || steps >= max_steps {
                self.read_pending().await?;
            }
            if epoch_ended && !self.is_done() {
                self.evaluation = Some((0, EvalSums::default()));
            }
            if out_of_time {
                break;
            }
        }
        Ok(steps)
    }

    /// Enqueues one step for every model; nothing is read back.
    fn step(&mut self) {
        let start = self.step_in_epoch * self.batch_size;
        let mut features = Vec::with_capacity(self.epoch_orders.len());
        let mut labels = Vec::with_capacity(self.epoch_orders.len());
        for order in &self.epoch_orders {
            let end = (start + self.batch_size).min(order.len());
            let host = self.dataset.batch(&self.dataset.train, &order[start..end]);
            features.push(host.features);
            labels.push(host.labels);
        }
        let size = labels[0].len();
        let batch = SweepBatch::upload(&features, &labels, self.dataset.input_size(), &self.layout, &self.device);
        let out = sweep_step(&mut self.model, &mut self.optimizer, &mut self.alive, &self.layout, &batch);
        self.pending_losses.push(out.losses);
        self.pending_correct.push(out.correct);
        self.pending_sizes.push(size);
        self.step_in_epoch += 1;
    }

    async fn read_pending(&mut self) -> Result<(), String> {
        if self.pending_losses.is_empty() {
            return Ok(());
        }
        let sizes = std::mem::take(&mut self.pending_sizes);
        let data = Transaction::default()
            .register(Tensor::cat(std::mem::take(&mut self.pending_losses), 0))
            .register(Tensor::cat(std::mem::take(&mut self.pending_correct), 0))
            .execute_async()
            .await
            .map_err(|e| format!("reading the losses from the device failed: {e:?}"))?;
        let losses: Vec<f32> = data[0].iter::<f32>().collect();
        let correct: Vec<f32> = data[1].iter::<f32>().collect();
        let k = self.runs.len();
        let first_step = self.global_step() + 1 - sizes.len();
        for (i, &size) in sizes.iter().enumerate() {
            let step = first_step + i;
            for m in 0..k {
                if self.runs[m].state != RunState::Running {
                    continue;
                }
                let (loss, right) = (losses[i * k + m], correct[i * k + m]);
                if !loss.is_finite() {
                    self.diverge(m, step, loss);
                    continue;
                }
                self.runs[m].history.steps.push(StepRecord { step, loss, accuracy: right / size as f32 });
                let sums = &mut self.epoch_sums[m];
                sums.0 += loss as f64 * size as f64;
                sums.1 += right as f64;
                sums.2 += size;
            }
        }
        Ok(())
    }

    fn diverge(&mut self, m: usize, step: usize, loss: f32) {
        let run = &mut self.runs[m];
        run.state = RunState::Diverged;
        run.message = Some(format!(
            "Training diverged at step {step} (epoch {}): the loss became {loss}. Try a smaller learning rate (now {}).",
            self.epoch + 1,
            run.config.lr
        ));
    }

    /// Evaluates every model on the next chunk of test images; after the last one, reads the
    /// sums back (one read-back per epoch) and ends the epoch.
    async fn evaluate_chunk(&mut self) -> Result<(), String> {
        let Some((start, mut sums)) = self.evaluation.take() else { return Ok(()) };
        let plain = self.device.clone().inner();
        let test = &self.dataset.test;
        let end = (start + self.eval_chunk).min(test.len());
        if start < end {
            let k = self.runs.len();
            let eval_layout = InputLayout::Rect { seeds: 1, per_seed: k };
            let chunk: Vec<usize> = (start..end).collect();
            let host = self.dataset.batch(test, &chunk);
            let n = chunk.len();
            let inputs =
                Tensor::<3>::from_data(TensorData::new(host.features, [1, n, self.dataset.input_size()]), &plain);
            let labels = Tensor::<2, Int>::from_data(TensorData::new(host.labels, [1, n]), &plain);
            let targets = eval_layout.targets(labels);
            let outputs = self.model.forward_eval(inputs);
            let loss = per_model_loss(outputs.clone(), targets.clone()).mul_scalar(n as f64);
            let correct = correct_counts(outputs, targets);
            sums.add(loss, correct);
        }
        if end < test.len() {
            self.evaluation = Some((end, sums));
            return Ok(());
        }
        let (test_losses, test_accuracies) = sums.read(test.len()).await?;
        self.finish_epoch(test_losses, test_accuracies);
        Ok(())
    }

    fn finish_epoch(&mut self, test_losses: Vec<f32>, test_accuracies: Vec<f32>) {
        let step = self.global_step();
        let mut newly_diverged = false;
        for m in 0..self.runs.len() {
            if self.runs[m].state != RunState::Running {
                continue;
            }
            let (loss_sum, correct, samples) = std::mem::take(&mut self.epoch_sums[m]);
            let samples = samples.max(1) as f64;
            self.runs[m].history.epochs.push(EpochRecord {
                epoch: self.epoch + 1,
                step,
                train_loss: (loss_sum / samples) as f32,
                train_accuracy: (correct / samples) as f32,
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
        if newly_diverged {
            let flags: Vec<bool> = self.runs.iter().map(|r| r.state == RunState::Running).collect();
            let k = flags.len();
            self.alive = Tensor::from_data(TensorData::new(flags, [k]), &self.device.clone().inner());
        }
        self.epoch += 1;
        self.step_in_epoch = 0;
        if self.epoch < self.epochs {
            self.epoch_orders = self.orders.iter_mut().map(BatchOrder::next_epoch).collect();
        }
    }
}

/// Where a whole sweep stands, after each chunk of work.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepProgress {
    pub runs_done: usize,
    pub runs_total: usize,
    /// Group being trained (0-based) and how many there are.
    pub group: usize,
    pub groups: usize,
    /// Steps done in the current group, of its total.
    pub group_step: usize,
    pub group_steps: usize,
    /// Runs that finished (or diverged) during this call.
    pub finished: Vec<RunRecord>,
}

/// How `members` (seed-major, see `SweepSpec::members`) split into groups: at most
/// `max_parallel` models each, fewer if `limits` say so, whole seeds together when they fit.
/// Returns index ranges into `members`.
pub fn plan_groups(
    members: &[Config],
    input_size: usize,
    limits: MemoryLimits,
    max_parallel: usize,
) -> Vec<Range<usize>> {
    let Some(first) = members.first() else { return Vec::new() };
    let sizes = layer_sizes(first, input_size);
    let fits = max_group_size(footprint(&sizes, first.batch_size, EVAL_BATCH), limits);
    let mut seed_index: Vec<u64> = Vec::new();
    let seed_of_model: Vec<usize> = members
        .iter()
        .map(|c| match seed_index.iter().position(|&s| s == c.seed) {
            Some(i) => i,
            None => {
                seed_index.push(c.seed);
                seed_index.len() - 1
            }
        })
        .collect();
    split_groups(&seed_of_model, fits.min(max_parallel.max(1)))
}

/// A sweep's models trained group after group.
pub struct Sweep {
    members: Vec<Config>,
    groups: Vec<Range<usize>>,
    next_group: usize,
    current: Option<GroupRun>,
    dataset: Arc<Dataset>,
    device: Device,
    limits: MemoryLimits,
    max_parallel: usize,
    runs_done: usize,
    group_started: Instant,
}

impl Sweep {
    /// `members` in seed-major order (see `SweepSpec::members`); at most `max_parallel` models
    /// per group, fewer if `limits` say so.
    pub fn new(
        members: Vec<Config>,
        dataset: Arc<Dataset>,
        device: &Device,
        limits: MemoryLimits,
        max_parallel: usize,
    ) -> Result<Sweep, String> {
        if members.is_empty() {
            return Err("the sweep has no runs left to train".into());
        }
        let groups = plan_groups(&members, dataset.input_size(), limits, max_parallel);
        Ok(Sweep {
            members,
            groups,
            next_group: 0,
            current: None,
            dataset,
            device: device.clone(),
            limits,
            max_parallel,
            runs_done: 0,
            group_started: Instant::now(),
        })
    }

    pub fn groups(&self) -> &[Range<usize>] {
        &self.groups
    }

    /// The models it trains, in its order.
    pub fn members(&self) -> &[Config] {
        &self.members
    }

    /// Keeps only `shard`'s models (those whose place among them is ours), grouped anew: a pool
    /// worker's share of a page sweep's runs left (`pool`). Only before the first chunk; a shard
    /// with no model is an error.
    pub fn keep_shard(&mut self, shard: Shard) -> Result<(), String> {
        if self.next_group > 0 || self.current.is_some() {
            return Err("a sweep keeps a shard before it starts training".into());
        }
        let members = shard.pick(self.members.iter().cloned());
        if members.is_empty() {
            return Err(format!("shard {}/{} of these runs holds none", shard.index, shard.count));
        }
        self.groups = plan_groups(&members, self.dataset.input_size(), self.limits, self.max_parallel);
        self.members = members;
        Ok(())
    }

    pub fn is_done(&self) -> bool {
        self.current.is_none() && self.next_group == self.groups.len()
    }

    /// Advances the current group by up to `max_steps` steps or `budget_ms`; returns the runs
    /// that ended in this call.
    pub async fn run(&mut self, max_steps: usize, budget_ms: f64) -> Result<SweepProgress, String> {
        if self.current.is_none() && self.next_group < self.groups.len() {
            let range = self.groups[self.next_group].clone();
            self.next_group += 1;
            let configs = self.members[range].to_vec();
            self.current = Some(GroupRun::new(configs, self.dataset.clone(), &self.device, self.limits)?);
            self.group_started = Instant::now();
        }
        let mut finished = Vec::new();
        let (mut group_step, mut group_steps) = (0, 0);
        if let Some(group) = &mut self.current {
            group.run(max_steps, budget_ms).await?;
            group_step = group.global_step();
            group_steps = group.total_steps();
            if group.is_done() {
                let seconds = self.group_started.elapsed().as_secs_f64();
                finished = group.runs().iter().map(|r| RunRecord::from_run(r, seconds)).collect();
                self.runs_done += finished.len();
                self.current = None;
            }
        }
        Ok(SweepProgress {
            runs_done: self.runs_done,
            runs_total: self.members.len(),
            group: self.next_group.saturating_sub(1),
            groups: self.groups.len(),
            group_step,
            group_steps,
            finished,
        })
    }
}
