//! PyTorch's recorded run (../shared/data/pytorch-replay) replayed through `Session`, shared by
//! the CPU test (tests/pytorch_replay.rs) and the wgpu one (tests/gpu_wgpu.rs).

use activation_playground::config::{BackendKind, Config, DatasetKind};
use activation_playground::data;
use activation_playground::replay::{Comparison, ReplayReference, ReplayStart};
use activation_playground::train::Session;
use burn::tensor::Device;
use std::path::PathBuf;
use std::sync::Arc;

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(path)
}

fn read(path: &str) -> (String, Vec<u8>) {
    let path = shared(path);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path.display().to_string(), bytes)
}

/// Every recorded combination, replayed for one epoch on `device`: (label, comparison).
pub fn replay_all(device: &Device, backend: BackendKind) -> Vec<(String, Comparison)> {
    let (name, bytes) = read("pytorch-replay/init-seed7-2000.json.gz");
    let start = ReplayStart::parse(&name, &bytes).unwrap();
    let (name, bytes) = read("pytorch-replay/losses-seed7-2000.json");
    let reference = ReplayReference::parse(&name, &bytes).unwrap();
    let mnist = data::load_dir(DatasetKind::Mnist, &shared("mnist")).expect("full MNIST in ../shared/data/mnist");
    let dataset = Arc::new(start.dataset(&mnist).unwrap());
    assert_eq!((dataset.train.len(), dataset.test.len()), (2000, 10_000));
    let base = Config { dataset: DatasetKind::Mnist, backend, stats_every: 0, ..Config::default() };
    let config = reference.config(&start.config(&base));
    assert_eq!((config.batch_size, config.epochs, config.lr, config.momentum), (32, 1, 0.01, 0.5));
    let runs = reference.runs().unwrap();
    assert_eq!(runs.len(), 4);
    runs.into_iter()
        .map(|(acts, recorded)| {
            let config = Config { acts, ..config.clone() };
            let mut session = Session::from_start(config.clone(), dataset.clone(), device, start.start()).unwrap();
            while !session.is_done() {
                pollster::block_on(session.run(usize::MAX, f64::INFINITY));
            }
            let comparison = Comparison::new(recorded, session.history(), dataset.test.len()).unwrap();
            eprintln!("{:<24} {comparison}", config.label());
            (config.label(), comparison)
        })
        .collect()
}

/// The combinations whose steps, epoch loss or test count are off by more than `tolerance`.
pub fn misses(results: &[(String, Comparison)], tolerance: f64) -> Vec<String> {
    results
        .iter()
        .filter(|(_, c)| {
            !(c.max_step_rel_diff <= tolerance && c.train_loss_rel_diff <= tolerance)
                || c.test_correct != c.reference_test_correct
        })
        .map(|(label, c)| format!("{label}: {c}"))
        .collect()
}
