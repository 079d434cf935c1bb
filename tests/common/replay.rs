//! PyTorch's recorded run (../shared/data/pytorch-replay) replayed through `Session`, shared by
//! the CPU test (tests/pytorch_replay.rs) and the wgpu one (tests/gpu_wgpu.rs).

use super::shared;
use activation_playground::config::{BackendKind, Config, DatasetKind};
use activation_playground::data;
use activation_playground::replay::{Comparison, ReplayReference, ReplayStart};
use activation_playground::train::Session;
use burn::tensor::Device;
use std::path::Path;
use std::sync::Arc;

fn read(path: &Path) -> (String, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path.display().to_string(), bytes)
}

/// The replay of every recorded combination, on the first 2,000 MNIST training images.
pub struct Replay {
    pub runs: Vec<Replayed>,
}

pub struct Replayed {
    pub label: String,
    pub comparison: Comparison,
}

/// Every recorded combination, replayed for one epoch on `device` with the recorded settings
/// changed by `adjust` (nothing, to replay it faithfully); `None` (the test skipped) on a machine
/// without ../shared/data.
pub fn replay_all(device: &Device, backend: BackendKind, adjust: impl Fn(&mut Config)) -> Option<Replay> {
    let recorded = shared::data("pytorch-replay")?;
    let (name, bytes) = read(&recorded.join("init-seed7-2000.json.gz"));
    let start = ReplayStart::parse(&name, &bytes).unwrap();
    let (name, bytes) = read(&recorded.join("losses-seed7-2000.json"));
    let reference = ReplayReference::parse(&name, &bytes).unwrap();
    let mnist =
        data::load_dir(DatasetKind::Mnist, &shared::data("mnist")?).expect("full MNIST in ../shared/data/mnist");
    let dataset = Arc::new(start.dataset(&mnist).unwrap());
    assert_eq!((dataset.train.len(), dataset.test.len()), (2000, 10_000));
    let base = Config { dataset: DatasetKind::Mnist, backend, stats_every: 0, ..Config::default() };
    let config = reference.config(&start.config(&base));
    assert_eq!((config.batch_size, config.epochs, config.lr, config.momentum), (32, 1, 0.01, 0.5));
    let recorded_runs = reference.runs().unwrap();
    assert_eq!(recorded_runs.len(), 4);
    let runs = recorded_runs
        .into_iter()
        .map(|(acts, recorded)| {
            let mut config = Config { acts, ..config.clone() };
            adjust(&mut config);
            let mut session = Session::from_start(config.clone(), dataset.clone(), device, start.start()).unwrap();
            while !session.is_done() {
                pollster::block_on(session.run(usize::MAX, f64::INFINITY));
            }
            let comparison = Comparison::new(recorded, session.history(), dataset.test.len()).unwrap();
            eprintln!("{:<24} {comparison}", config.label());
            Replayed { label: config.label(), comparison }
        })
        .collect();
    Some(Replay { runs })
}

impl Replay {
    /// The largest relative step-loss difference over all combinations.
    pub fn largest(&self) -> f64 {
        self.runs.iter().map(|r| r.comparison.max_step_rel_diff).fold(0.0, f64::max)
    }

    /// The combinations whose steps, epoch loss or test count are off by more than `tolerance`.
    pub fn misses(&self, tolerance: f64) -> Vec<String> {
        self.runs
            .iter()
            .filter(|r| {
                let c = &r.comparison;
                !(c.max_step_rel_diff <= tolerance && c.train_loss_rel_diff <= tolerance)
                    || c.test_correct != c.reference_test_correct
            })
            .map(|r| format!("{}: {}", r.label, r.comparison))
            .collect()
    }
}
