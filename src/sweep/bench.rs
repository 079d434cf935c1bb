//! Many models at once against the same models one after another, in model-samples per second:
//! `npm run bench` measures it natively (`train sweep --bench`) and in the browser (`sweepBench`).

use super::memory::MemoryLimits;
use super::runner::{GroupRun, Sweep};
use crate::config::{Config, MAX_EPOCHS};
use crate::data::Dataset;
use crate::train::{Session, steps_per_epoch};
use burn::tensor::Device;
use serde::Serialize;
use std::sync::Arc;
use web_time::Instant;

/// What [`measure`] found (JSON fields in camelCase, as `scripts/bench.mjs` reads them).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepBench {
    pub models: usize,
    /// The sizes of the groups the sweep trains at once.
    pub groups: Vec<usize>,
    pub steps: usize,
    pub batch: usize,
    pub batched_seconds: f64,
    pub batched_model_samples_per_sec: f64,
    pub sequential_models: usize,
    pub sequential_seconds: f64,
    pub sequential_model_samples_per_sec: f64,
    /// At once ÷ one after another.
    pub speedup: f64,
}

/// Trains `members` in the groups a sweep would use (at most `max_parallel` models, as `limits`
/// allow) for `steps` steps each after one untimed step, then the first `sequential` of them as
/// single runs (the page's `Session`) for as many steps each. Every model gets enough epochs that
/// none finishes, and the steps stay within the first epoch, so no evaluation is timed.
pub async fn measure(
    members: Vec<Config>,
    max_parallel: usize,
    dataset: Arc<Dataset>,
    device: &Device,
    limits: MemoryLimits,
    steps: usize,
    sequential: usize,
) -> Result<SweepBench, String> {
    let members: Vec<Config> = members.into_iter().map(|c| Config { epochs: MAX_EPOCHS, ..c }).collect();
    let batch = members.first().ok_or("no models to measure")?.batch_size;
    let steps = steps.min(steps_per_epoch(dataset.train.len(), batch).saturating_sub(1)).max(1);
    let groups = Sweep::new(members.clone(), dataset.clone(), device, limits, max_parallel)?.groups().to_vec();

    let mut batched_seconds = 0.0;
    for range in &groups {
        let mut group = GroupRun::new(members[range.clone()].to_vec(), dataset.clone(), device, limits)?;
        group.run(1, f64::INFINITY).await?;
        let t = Instant::now();
        group.run(steps, f64::INFINITY).await?;
        batched_seconds += t.elapsed().as_secs_f64();
    }
    let one_by_one = &members[..sequential.clamp(1, members.len())];
    let mut sequential_seconds = 0.0;
    for config in one_by_one {
        let mut session = Session::new(config.clone(), dataset.clone(), device)?;
        session.run(1, f64::INFINITY).await;
        let t = Instant::now();
        session.run(steps, f64::INFINITY).await;
        sequential_seconds += t.elapsed().as_secs_f64();
    }
    let samples = |models: usize| (models * steps * batch) as f64;
    let at_once = samples(members.len()) / batched_seconds;
    let after = samples(one_by_one.len()) / sequential_seconds;
    Ok(SweepBench {
        models: members.len(),
        groups: groups.iter().map(|g| g.len()).collect(),
        steps,
        batch,
        batched_seconds,
        batched_model_samples_per_sec: at_once,
        sequential_models: one_by_one.len(),
        sequential_seconds,
        sequential_model_samples_per_sec: after,
        speedup: at_once / after,
    })
}
