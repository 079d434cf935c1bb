//! Runs a sweep: its models split into groups that fit the device, each group trained as one
//! stacked network, epoch by epoch, with losses read back in bulk (never once per step).

use super::memory::{MemoryLimits, eval_chunk, plan_groups, seeds_of};
use super::record::RunRecord;
use super::shard::Shard;
use super::stack::{InputLayout, StackedMlp};
use super::step::{SweepBatch, SweepOptimizer, all_alive, sweep_step};
use crate::config::Config;
use crate::data::Dataset;
use crate::model::per_model_correct;
use crate::model::{InitialWeights, layer_sizes};
use crate::train::{BatchOrder, EVAL_BATCH, EvalSums, Ledger, ModelRun, ReadBack, RunState, steps_per_epoch};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use std::ops::Range;
use std::sync::Arc;
use web_time::Instant;

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
    eval_chunk: usize,
    /// Its models' steps, epochs and outcomes, kept as the single run keeps its one model's.
    ledger: Ledger,
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
        let (seeds, seed_of_model) = seeds_of(&configs);
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
        let steps_per_epoch = steps_per_epoch(n, first.batch_size);
        let runs = configs.iter().map(|c| ModelRun::new(c.clone(), steps_per_epoch)).collect();
        Ok(GroupRun {
            optimizer: SweepOptimizer::new(&configs, &plain),
            alive: all_alive(count, &plain),
            layout: InputLayout::new(&seed_of_model, &device),
            eval_chunk: eval_chunk(&layer_sizes(&first, input_size), count, EVAL_BATCH, limits),
            batch_size: first.batch_size,
            ledger: Ledger::new(runs, steps_per_epoch, first.epochs),
            dataset,
            device,
            model,
            orders,
            epoch_orders,
            evaluation: None,
        })
    }

    pub fn runs(&self) -> &[ModelRun] {
        self.ledger.runs()
    }

    pub fn model(&self) -> &StackedMlp {
        &self.model
    }

    /// Where its models stand: steps taken and to take, epochs, outcomes.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn is_done(&self) -> bool {
        self.ledger.is_done()
    }

    /// Trains up to `max_steps` steps or until `budget_ms` has passed, reading the losses back
    /// once at the end (and evaluating at an epoch's end, a chunk of test images at a time until
    /// the budget is spent: the next call goes on). Returns the steps taken.
    pub async fn run(&mut self, max_steps: usize, budget_ms: f64) -> Result<usize, String> {
        self.run_reading(max_steps, budget_ms, ReadBack::Now).await
    }

    /// [`GroupRun::run`], the chunk's losses read back as `reads` says (an epoch's end reads `Now`).
    pub async fn run_reading(&mut self, max_steps: usize, budget_ms: f64, reads: ReadBack) -> Result<usize, String> {
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
            let epoch_ended = self.ledger.epoch_ended();
            let out_of_time = out_of_time();
            if epoch_ended || out_of_time || steps >= max_steps {
                // A diverged model stops; the others go on (it is frozen on the device).
                self.ledger.read_back_as(if epoch_ended { ReadBack::Now } else { reads }).await?;
            } else {
                crate::train::submit(&self.device)?;
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
        let start = self.ledger.step_in_epoch() * self.batch_size;
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
        self.ledger.push_step(out.losses, out.correct, size);
    }

    /// Evaluates every model on the next chunk of test images; after the last one, reads the
    /// sums back (one read-back per epoch) and ends the epoch.
    async fn evaluate_chunk(&mut self) -> Result<(), String> {
        let Some((start, mut sums)) = self.evaluation.take() else { return Ok(()) };
        let plain = self.device.clone().inner();
        let test = &self.dataset.test;
        let end = (start + self.eval_chunk).min(test.len());
        if start < end {
            let k = self.ledger.runs().len();
            let eval_layout = InputLayout::Rect { seeds: 1, per_seed: k };
            let chunk: Vec<usize> = (start..end).collect();
            let host = self.dataset.batch(test, &chunk);
            let n = chunk.len();
            let inputs =
                Tensor::<3>::from_data(TensorData::new(host.features, [1, n, self.dataset.input_size()]), &plain);
            let labels = Tensor::<2, Int>::from_data(TensorData::new(host.labels, [1, n]), &plain);
            let targets = eval_layout.targets(labels);
            let outputs = self.model.forward_eval(inputs);
            let loss = crate::model::per_model_cross_entropy(outputs.clone(), targets.clone()).mul_scalar(n as f64);
            let correct = per_model_correct(outputs, targets);
            sums.add(loss, correct);
        }
        if end < test.len() {
            self.evaluation = Some((end, sums));
            return Ok(());
        }
        let (test_losses, test_accuracies, _) = sums.read(test.len()).await?;
        self.finish_epoch(test_losses, test_accuracies);
        Ok(())
    }

    /// Ends the epoch: a model whose test loss is not finite is frozen on the device too.
    fn finish_epoch(&mut self, test_losses: Vec<f32>, test_accuracies: Vec<f32>) {
        if self.ledger.finish_epoch(&test_losses, &test_accuracies) {
            let flags: Vec<bool> = self.ledger.runs().iter().map(|r| r.state == RunState::Running).collect();
            let k = flags.len();
            self.alive = Tensor::from_data(TensorData::new(flags, [k]), &self.device.clone().inner());
        }
        if !self.ledger.is_done() {
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

    /// Advances the current group by up to `max_steps` steps or `budget_ms`, its losses read back
    /// as `reads` says; returns the runs that ended in this call.
    pub async fn run(&mut self, max_steps: usize, budget_ms: f64, reads: ReadBack) -> Result<SweepProgress, String> {
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
            group.run_reading(max_steps, budget_ms, reads).await?;
            group_step = group.ledger().global_step();
            group_steps = group.ledger().total_steps();
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
