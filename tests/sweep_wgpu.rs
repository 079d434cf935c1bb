//! The sweep engine on the GPU path natively: wgpu (Mesa's lavapipe on GPU-less machines).
//! `cargo test --release --features native-wgpu --test sweep_wgpu`.
#![cfg(feature = "native-wgpu")]

mod common;

use activation_playground::config::{Activation, BatchNormMode, Config, DatasetKind};
use activation_playground::sweep::GroupRun;
use activation_playground::sweep::memory::MemoryLimits;
use activation_playground::train::{RunState, Session};

use Activation::{Relu, Selu, Sigmoid, Tanh};

#[test]
fn batched_runs_match_single_runs_on_wgpu() {
    // The matmul routine the CLI and the page choose for this adapter (CpuGemm on lavapipe), or
    // the one PLAYGROUND_GPU_MATMUL forces.
    let (gpu, setup) = common::wgpu::device();
    let limits = setup.adapter.limits();
    let buffer = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
    let data = common::synthetic(DatasetKind::MnistSubset, 96, 40, 3);
    let cfg = |acts: [Activation; 3], batch_norm, seed| Config {
        acts: acts.to_vec(),
        batch_norm,
        seed,
        epochs: 1,
        stats_every: 0,
        ..Config::default()
    };
    let configs = vec![
        cfg([Relu, Sigmoid, Relu], BatchNormMode::None, 1),
        cfg([Selu, Tanh, Sigmoid], BatchNormMode::All, 1),
        cfg([Tanh, Selu, Relu], BatchNormMode::Last, 2),
        cfg([Sigmoid, Relu, Tanh], BatchNormMode::None, 2),
    ];
    let mut group =
        GroupRun::new(configs.clone(), data.clone(), &gpu, MemoryLimits::from_buffer_limit(buffer)).unwrap();
    while !group.is_done() {
        pollster::block_on(group.run(usize::MAX, f64::INFINITY)).unwrap();
    }
    for (config, run) in configs.iter().zip(group.runs()) {
        assert_eq!(run.state, RunState::Finished);
        let mut single = Session::new(config.clone(), data.clone(), &gpu).unwrap();
        while !single.is_done() {
            pollster::block_on(single.run(usize::MAX, f64::INFINITY));
        }
        let want: Vec<f32> = single.history().steps.iter().map(|s| s.loss).collect();
        let got: Vec<f32> = run.history.steps.iter().map(|s| s.loss).collect();
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-3 * b.abs().max(1.0), "{}: sweep {a} vs single {b}", config.label());
        }
    }
}
