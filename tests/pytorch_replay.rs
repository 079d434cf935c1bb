//! The port against PyTorch, step for step: PyTorch's initial weights and batch order
//! (../shared/data/pytorch-replay) trained one epoch on burn's CPU backend (Flex) through the
//! same `Session` as the page and the CLI. The wgpu replay is in tests/gpu_wgpu.rs.

mod common;

use activation_playground::config::{Activation, BackendKind, Config, DatasetKind};
use activation_playground::model::InitialWeights;
use activation_playground::train::{BatchOrder, RunStart, Session};
use burn::tensor::Device;
use common::replay;

#[test]
fn every_step_matches_pytorch_on_the_cpu() {
    let Some(results) = replay::replay_all(&Device::flex(), BackendKind::Cpu, |_| {}) else { return };
    eprintln!("largest relative step-loss difference on Flex: {:.2e}", results.largest());
    let misses = results.misses(1e-5);
    assert!(misses.is_empty(), "beyond 1e-5 relative or a different test count:\n{}", misses.join("\n"));
}

/// The check can fail: a slightly different momentum leaves the first two losses alone (the
/// first update is −lr·gradient whatever the momentum, as in PyTorch) and then drifts far
/// beyond the tolerance.
#[test]
fn a_different_momentum_is_caught_from_the_third_step() {
    let Some(results) = replay::replay_all(&Device::flex(), BackendKind::Cpu, |config| config.momentum = 0.45) else {
        return;
    };
    for r in &results.runs {
        let first_two = &r.comparison.step_rel_diffs[..2];
        assert!(first_two.iter().all(|&d| d < 1e-6), "{}: the first two steps use no momentum: {first_two:?}", r.label);
    }
    assert!(results.largest() > 1e-4, "momentum 0.45 went unnoticed: {:.2e}", results.largest());
    assert_eq!(results.misses(1e-5).len(), 4);
}

fn losses(session: &mut Session) -> Vec<f32> {
    while !session.is_done() {
        pollster::block_on(session.run(usize::MAX, f64::INFINITY));
    }
    session.history().steps.iter().map(|s| s.loss).collect()
}

#[test]
fn a_given_start_equal_to_the_seeded_one_reproduces_the_seeded_run() {
    let dataset = common::synthetic(DatasetKind::MnistSubset, 200, 50, 3);
    let config = Config {
        acts: vec![Activation::Tanh, Activation::Selu, Activation::Relu],
        epochs: 2,
        stats_every: 0,
        ..Config::default()
    };
    let seeded = losses(&mut Session::new(config.clone(), dataset.clone(), &Device::flex()).unwrap());
    let mut order = BatchOrder::new(config.seed, dataset.train.len());
    let orders = vec![order.next_epoch(), order.next_epoch()];
    let start = || RunStart {
        weights: InitialWeights::draw(&config, dataset.input_size()),
        batch_order: BatchOrder::fixed(orders.clone()),
    };
    let given = losses(&mut Session::from_start(config.clone(), dataset.clone(), &Device::flex(), start()).unwrap());
    assert_eq!(given, seeded);
    // The order is really the one given: the second epoch's order first changes the run.
    let swapped = RunStart { batch_order: BatchOrder::fixed(vec![orders[1].clone(), orders[0].clone()]), ..start() };
    let other = losses(&mut Session::from_start(config.clone(), dataset.clone(), &Device::flex(), swapped).unwrap());
    assert_ne!(other[..7], seeded[..7]);
}

#[test]
fn a_start_that_does_not_fit_is_refused() {
    let dataset = common::synthetic(DatasetKind::MnistSubset, 40, 10, 1);
    let config = Config { epochs: 2, ..Config::default() };
    let weights = InitialWeights::draw(&config, 784);
    let refused =
        |start: RunStart| Session::from_start(config.clone(), dataset.clone(), &Device::flex(), start).err().unwrap();
    let one_epoch = RunStart { weights: weights.clone(), batch_order: BatchOrder::fixed(vec![(0..40).collect()]) };
    assert!(refused(one_epoch).contains("2 epoch(s) asked for, but the batch order covers 1"));
    let out_of_range =
        RunStart { weights: weights.clone(), batch_order: BatchOrder::fixed(vec![(1..41).collect(); 2]) };
    assert!(refused(out_of_range).contains("must list 40 indices"));
    let short = RunStart { weights: weights.clone(), batch_order: BatchOrder::fixed(vec![(0..39).collect(); 2]) };
    assert!(refused(short).contains("must list 40 indices"));
    let cifar_sized = RunStart { weights: InitialWeights::draw(&config, 3072), batch_order: BatchOrder::new(1, 40) };
    assert!(refused(cifar_sized).contains("[3072, 500, 256, 10], but this dataset needs [784, 500, 256, 10]"));
    let other_size = RunStart { weights: weights.clone(), batch_order: BatchOrder::new(1, 41) };
    assert!(refused(other_size).contains("drawn over 41 training images, not 40"));
    let mut torn = weights.clone();
    torn.layers[1].bias.pop();
    let torn = RunStart { weights: torn, batch_order: BatchOrder::new(1, 40) };
    assert!(refused(torn).contains("layer 2 has 128000 weights and 255 biases"));
}
