//! The page's CPU sweep, spread over a pool of sweep workers (www/sweep/pool.js): how many
//! workers, and which runs each one trains.
//!
//! Each worker is its own wasm instance on its own thread, with its own copy of the dataset, and
//! trains its share of the runs left one model at a time. Worker I of N takes the runs left whose
//! place among them is I − 1 modulo N ([`super::Sweep::keep_shard`]): a shard of the runs left,
//! not of the whole sweep, so a resumed sweep's workers still get about as many runs each. A model's initial weights and batch
//! order depend only on its seed, and on the CPU it trains alone (see
//! [`SweepSpec::page_group_limit`]), so its result does not depend on which worker trained it,
//! nor on how many there were.

use super::key::run_key;
use super::memory::footprint;
use super::plan::{MAX_WORKERS, SweepSpec, Workers};
use crate::config::{BackendKind, Config, DatasetKind};
use crate::model::layer_sizes;
use serde::Serialize;

/// What a worker holds before any dataset or model: the wasm instance's own memory (allocator,
/// stacks, burn's state) and the worker's JS heap.
const WORKER_BASE_BYTES: u64 = 48 << 20;

/// Bytes held per byte of dataset while a worker loads it (the fetched files in JS, their copy in
/// wasm, the gunzipped bytes, the parsed images): the page measured about 3.5 on CIFAR-10.
const LOAD_FACTOR_TENTHS: u64 = 35;

/// The share of the device's memory (`navigator.deviceMemory`) a pool may take: the rest is the
/// browser's, the page's engine worker's and everything else's.
const MEMORY_SHARE_PERCENT: u64 = 50;

/// Test images per evaluation chunk (as `runner::EVAL_BATCH`).
const EVAL_BATCH: usize = 1000;

/// How many sweep workers train a page sweep, each worker's shard of the runs left, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolPlan {
    pub workers: usize,
    /// Each worker's share, `I/N` (what `SweepJob.create` takes).
    pub shards: Vec<String>,
    pub runs_left: usize,
    /// The estimate of one worker's memory, in bytes.
    pub worker_bytes: u64,
    /// Why this many, in words, for the page's status line.
    pub why: String,
}

/// Images and bytes per image of a dataset kind, as the page serves it (the user-supplied ones
/// at their official sizes): what a worker's copy of it costs.
fn dataset_size(kind: DatasetKind) -> (u64, u64) {
    match kind {
        DatasetKind::MnistSubset => (10_000, 784),
        DatasetKind::Mnist | DatasetKind::FashionMnist => (70_000, 784),
        DatasetKind::Cifar10 => (60_000, 3072),
        DatasetKind::Cifar10Subset => (5_000, 3072),
        DatasetKind::Qa => (6, 3),
    }
}

/// The memory one sweep worker needs for a sweep on `base`: its instance, its copy of the dataset
/// (at the peak of loading it) and one model training.
pub fn worker_bytes(base: &Config) -> u64 {
    let (images, pixels) = dataset_size(base.dataset);
    let data = images * (pixels + 1) * LOAD_FACTOR_TENTHS / 10;
    let model = footprint(&layer_sizes(base, pixels as usize), base.batch_size, EVAL_BATCH).total;
    WORKER_BASE_BYTES + data + model
}

/// The pool for `spec`'s runs not in `done_keys` (run keys already stored), on a device with
/// `cores` logical cores (`navigator.hardwareConcurrency`) and `device_memory` bytes of memory,
/// where the browser says (`navigator.deviceMemory`). `workers=N` is taken as given (but never
/// more than the runs left); `auto` is one per core, fewer where memory is short. WebGPU trains
/// in the page's engine worker: a pool of one.
pub fn pool_size(spec: &SweepSpec, done_keys: &[String], cores: usize, device_memory: Option<u64>) -> PoolPlan {
    let runs_left = spec.members().iter().filter(|c| !done_keys.contains(&run_key(c))).count();
    let bytes = worker_bytes(&spec.base);
    let cap_by_runs = |wanted: usize, why: String| -> (usize, String) {
        if runs_left < wanted { (runs_left.max(1), format!("{why}; as many as the runs left")) } else { (wanted, why) }
    };
    let (workers, why) = match (spec.base.backend, spec.workers) {
        (BackendKind::Gpu, _) => (1, "WebGPU trains in the page's engine worker".to_string()),
        (BackendKind::Cpu, Workers::Count(n)) => cap_by_runs(n.min(MAX_WORKERS), format!("workers={n}")),
        (BackendKind::Cpu, Workers::Auto) => {
            let cores = cores.clamp(1, MAX_WORKERS);
            let by_memory = device_memory.map(|m| (m / 100 * MEMORY_SHARE_PERCENT / bytes.max(1)).max(1) as usize);
            match by_memory {
                Some(fit) if fit < cores => cap_by_runs(
                    fit,
                    format!(
                        "memory for {fit} of {cores} cores ({} MB each, half of {:.0} GB)",
                        bytes / 1_000_000,
                        device_memory.unwrap_or(0) as f64 / 1e9
                    ),
                ),
                _ => cap_by_runs(cores, format!("one per core ({cores})")),
            }
        }
    };
    let shards = (1..=workers).map(|index| format!("{index}/{workers}")).collect();
    PoolPlan { workers, shards, runs_left, worker_bytes: bytes, why }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::memory::MemoryLimits;
    use crate::sweep::{Shard, Sweep};

    fn spec(query: &[(&str, &str)]) -> SweepSpec {
        let mut spec = SweepSpec::default();
        for (k, v) in query {
            spec.apply_setting(k, v).unwrap();
        }
        spec.validate().unwrap();
        spec
    }

    const GIB: u64 = 1 << 30;

    #[test]
    fn auto_is_one_worker_per_core_within_memory_and_the_runs_left() {
        let subset = spec(&[("dataset", "mnist-subset"), ("backend", "cpu")]);
        let plan = pool_size(&subset, &[], 8, Some(8 * GIB));
        assert_eq!((plan.workers, plan.runs_left), (8, 192));
        assert_eq!(plan.shards, ["1/8", "2/8", "3/8", "4/8", "5/8", "6/8", "7/8", "8/8"]);
        assert_eq!(plan.why, "one per core (8)");
        // Without navigator.deviceMemory (Firefox, Safari) only the cores count.
        assert_eq!(pool_size(&subset, &[], 16, None).workers, 16);
        assert_eq!(pool_size(&subset, &[], 1000, None).workers, MAX_WORKERS);
        assert_eq!(pool_size(&subset, &[], 0, None).workers, 1);
        // CIFAR-10's copies take ~650 MB a worker: half of 2 GiB holds one.
        let cifar = spec(&[("dataset", "cifar10"), ("backend", "cpu")]);
        assert!(worker_bytes(&cifar.base) > 600_000_000, "{}", worker_bytes(&cifar.base));
        let plan = pool_size(&cifar, &[], 8, Some(2 * GIB));
        assert_eq!(plan.workers, 1);
        assert!(plan.why.starts_with("memory for 1 of 8 cores ("), "{}", plan.why);
        assert_eq!(pool_size(&cifar, &[], 8, Some(GIB / 4)).workers, 1, "never fewer than one");
        assert_eq!(pool_size(&cifar, &[], 4, Some(64 * GIB)).workers, 4);
        // Never more workers than runs left.
        let row = spec(&[("combos", "row:relu,sigmoid"), ("seeds", "1"), ("backend", "cpu")]);
        let done: Vec<String> = row.members()[..2].iter().map(run_key).collect();
        let plan = pool_size(&row, &done, 8, None);
        assert_eq!((plan.workers, plan.runs_left), (2, 2));
        assert_eq!(plan.why, "one per core (8); as many as the runs left");
    }

    #[test]
    fn a_count_is_taken_as_given_and_webgpu_is_one() {
        let two = spec(&[("workers", "2"), ("backend", "cpu")]);
        let plan = pool_size(&two, &[], 16, Some(GIB / 4));
        assert_eq!((plan.workers, plan.why.as_str()), (2, "workers=2"));
        let gpu = spec(&[("backend", "gpu")]);
        assert_eq!(pool_size(&gpu, &[], 16, None).workers, 1);
    }

    #[test]
    fn workers_split_the_runs_left_without_overlap() {
        let spec = spec(&[("combos", "row:relu,sigmoid"), ("seeds", "1,2,3"), ("backend", "cpu")]);
        let members = spec.members();
        // Five runs stored: the seven left go to three workers, 3 + 2 + 2, one model per group.
        let done: Vec<String> = [0, 1, 2, 5, 9].iter().map(|&i| run_key(&members[i])).collect();
        let left: Vec<Config> = members.iter().filter(|c| !done.contains(&run_key(c))).cloned().collect();
        let data = std::sync::Arc::new(crate::data::Dataset::qa());
        let device = burn::tensor::Device::flex();
        let limit = spec.page_group_limit();
        assert_eq!(limit, 1, "the CPU trains one model at a time");
        let shares: Vec<Vec<Config>> = (1..=3)
            .map(|index| {
                let mut sweep = Sweep::new(left.clone(), data.clone(), &device, MemoryLimits::CPU, limit).unwrap();
                sweep.keep_shard(Shard { index, count: 3 }).unwrap();
                assert_eq!(sweep.groups().len(), sweep.members().len());
                sweep.members().to_vec()
            })
            .collect();
        assert_eq!(shares.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2, 2]);
        assert_eq!(shares[0], [left[0].clone(), left[3].clone(), left[6].clone()]);
        let mut joined: Vec<String> = shares.concat().iter().map(run_key).collect();
        joined.sort();
        let mut expected: Vec<String> = left.iter().map(run_key).collect();
        expected.sort();
        assert_eq!(joined, expected, "every run left in exactly one worker");
        let mut sweep = Sweep::new(left.clone(), data, &device, MemoryLimits::CPU, limit).unwrap();
        assert!(sweep.keep_shard(Shard { index: 9, count: 9 }).unwrap_err().contains("holds none"));
    }
}
