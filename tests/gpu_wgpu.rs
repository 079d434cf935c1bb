//! The GPU path natively: burn's wgpu backend (Mesa's lavapipe on GPU-less machines).
//! Off by default (it adds a long build): `cargo test --release --features native-wgpu --test gpu_wgpu`.
#![cfg(feature = "native-wgpu")]

mod common;

use activation_playground::config::{Activation, BackendKind, Config, DatasetKind};
use activation_playground::data::{Dataset, ImageShape, Normalization, Split};
use activation_playground::model::{
    ActivationCodes, per_model_activation, per_model_correct, per_model_cross_entropy, predict,
};
use activation_playground::stats;
use activation_playground::train::{ModelRates, RunState, Session, sgd_momentum};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::replay;
use std::sync::{Arc, OnceLock};

fn dataset() -> Arc<Dataset> {
    let split = |n: usize, offset: usize| Split {
        images: (0..n * 784)
            .map(|i| {
                let (row, pixel) = (i / 784 + offset, i % 784);
                if pixel % 10 == row % 10 { 200 } else { ((pixel * 31 + row * 17) % 50) as u8 }
            })
            .collect(),
        labels: (0..n).map(|r| ((r + offset) % 10) as u8).collect(),
    };
    Arc::new(
        Dataset::new(DatasetKind::MnistSubset, ImageShape::MNIST, Normalization::mnist(), split(640, 0), split(200, 3))
            .unwrap(),
    )
}

/// The one wgpu device of this test process: burn initialises its runtime once per process, so
/// the tests (which run in parallel) share it.
fn gpu() -> &'static Device {
    static GPU: OnceLock<Device> = OnceLock::new();
    GPU.get_or_init(|| common::wgpu::device().0)
}

fn losses(device: &Device, config: &Config) -> (Vec<f32>, Session) {
    let mut session = Session::new(config.clone(), dataset(), device).unwrap();
    while !session.is_done() {
        pollster::block_on(session.run(usize::MAX, f64::INFINITY));
    }
    (session.history().steps.iter().map(|s| s.loss).collect(), session)
}

#[test]
fn wgpu_trains_like_the_cpu_backend() {
    let gpu = gpu();
    let config = Config {
        acts: vec![Activation::Selu, Activation::Tanh, Activation::Relu],
        epochs: 2,
        stats_every: 10,
        ..Config::default()
    };
    let (on_gpu, session) = losses(gpu, &config);
    let (on_cpu, _) = losses(&Device::flex(), &config);
    assert_eq!(session.history().epochs.len(), 2);
    assert_eq!(
        pollster::block_on(Session::new(config.clone(), dataset(), gpu).unwrap().run(1, 0.0)).state,
        RunState::Running
    );
    // Same seed → same initial weights and batch order on every backend: the first losses agree
    // to float rounding, and the run learns on the GPU as on the CPU.
    assert!((on_gpu[0] - on_cpu[0]).abs() < 1e-3, "first loss {} on wgpu vs {} on CPU", on_gpu[0], on_cpu[0]);
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    assert!(mean(&on_gpu[30..]) < 0.5 * mean(&on_gpu[..5]), "loss falls on wgpu: {on_gpu:?}");
    // The statistics probe runs on the GPU without synchronous reads.
    let probes = &session.history().probes;
    assert_eq!(probes.len(), 4);
    assert!(probes.iter().all(|p| p.layers.len() == 3 && !p.non_finite));
    assert!(stats::gradient_ratio(&probes[0].layers).is_some());
}

/// Each model's activation is one kernel on wgpu (src/model/per_model_activation.rs), forward and
/// backward: five models stacked, one of each activation, give what the CPU backend computes for
/// each, values and gradients (the upstream gradient differs per element), from −10⁴ to 10⁴,
/// infinities and NaN included; finite and saturated at the extremes (burn's SELU had a NaN
/// gradient past e⁸⁸), ReLU and the identity to the bit, +0 for −0, and NaN kept (a diverged model
/// must stay NaN).
#[test]
fn the_per_model_activation_kernel_matches_the_cpu_per_model() {
    let acts = [Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Selu, Activation::Identity];
    let xs = [
        -1e4f32,
        -100.0,
        -88.8,
        -20.0,
        -3.5,
        -1e-3,
        -0.0,
        0.0,
        1e-30,
        1e-3,
        1.5,
        20.0,
        88.8,
        100.0,
        1e4,
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NAN,
    ];
    let (k, rows, width) = (acts.len(), 3, xs.len() / 3);
    let values: Vec<f32> = (0..k).flat_map(|_| xs).collect();
    let upstream: Vec<f32> = (0..values.len()).map(|i| 0.5 + (i % 7) as f32).collect();
    let run = |device: &Device| {
        let device = device.clone().autodiff();
        let x = Tensor::<3>::from_data(TensorData::new(values.clone(), [k, rows, width]), &device).require_grad();
        let y = per_model_activation(x.clone(), &ActivationCodes::new(&acts, &device));
        let weights = Tensor::<3>::from_data(TensorData::new(upstream.clone(), [k, rows, width]), &device);
        let grads = (y.clone() * weights).sum().backward();
        let grad: Vec<f32> = x.grad(&grads).expect("a gradient").into_data().iter::<f32>().collect();
        (y.into_data().iter::<f32>().collect::<Vec<f32>>(), grad)
    };
    let (y_gpu, grad_gpu) = run(gpu());
    let (y_cpu, grad_cpu) = run(&Device::flex());
    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }
    fn close(a: f32, b: f32) -> bool {
        same(a, b) || (a - b).abs() <= 2e-6 * b.abs().max(1.0)
    }
    for (m, act) in acts.iter().enumerate() {
        for (j, &x) in xs.iter().enumerate() {
            let i = m * xs.len() + j;
            let exact = matches!(act, Activation::Relu | Activation::Identity);
            let agree: fn(f32, f32) -> bool = if exact { same } else { close };
            assert!(agree(y_gpu[i], y_cpu[i]), "{act:?}({x}) = {} on wgpu, {} on the CPU", y_gpu[i], y_cpu[i]);
            assert!(
                agree(grad_gpu[i], grad_cpu[i]),
                "{act:?}'({x}): {} on wgpu, {} on the CPU",
                grad_gpu[i],
                grad_cpu[i]
            );
            if x.is_nan() {
                assert!(y_gpu[i].is_nan(), "{act:?}(NaN) stays NaN: {}", y_gpu[i]);
            } else if *act != Activation::Identity {
                assert!(grad_gpu[i].is_finite(), "{act:?}'({x}) is finite: {}", grad_gpu[i]);
            }
        }
    }
    let at = |m: usize, x: f32| xs.iter().position(|&v| v.to_bits() == x.to_bits()).map(|j| y_gpu[m * xs.len() + j]);
    assert_eq!(at(0, -0.0).map(f32::to_bits), Some(0.0f32.to_bits()), "relu(−0) is +0");
    assert_eq!((at(1, -1e4), at(1, 1e4)), (Some(0.0), Some(1.0)), "the sigmoid saturates");
    assert_eq!((at(2, -1e4), at(2, 1e4)), (Some(-1.0), Some(1.0)), "tanh saturates");
    assert!(at(3, 1e4).is_some_and(|y| (y - 1.050_701e4).abs() < 1.0), "selu(1e4) = {:?}", at(3, 1e4));
}

/// The loss is one kernel each way on wgpu (src/model/cross_entropy.rs): per model, the losses
/// and gradients of burn's tensor operations on the CPU, with logits in the thousands too (the
/// row's maximum comes off before the exponential), and a NaN logit makes its own model's loss
/// and gradient NaN (a diverged model must read as diverged) and leaves the other models alone.
#[test]
fn the_one_kernel_loss_matches_the_cpu_per_model() {
    let (k, rows, classes) = (3, 5, 10);
    let scale = [0.3f32, 500.0, 0.3];
    let logits: Vec<f32> =
        (0..k * rows * classes).map(|i| (((i * 37) % 23) as f32 - 11.0) * scale[i / (rows * classes)]).collect();
    let targets: Vec<i64> = (0..k * rows).map(|i| ((i * 7) % classes) as i64).collect();
    let run = |device: &Device, nan: bool| {
        let device = device.clone().autodiff();
        let mut values = logits.clone();
        if nan {
            values[2 * rows * classes + 3] = f32::NAN;
        }
        let x = Tensor::<3>::from_data(TensorData::new(values, [k, rows, classes]), &device).require_grad();
        let t = Tensor::<3, Int>::from_data(TensorData::new(targets.clone(), [k, rows, 1]), &device);
        let losses = per_model_cross_entropy(x.clone(), t);
        // Each model's loss weighted differently: its gradient's scale is its own.
        let grads = (losses.clone() * Tensor::<1>::from_floats([1.0, 2.0, 0.5], &device)).sum().backward();
        let grad: Vec<f32> = x.grad(&grads).expect("a gradient").into_data().iter::<f32>().collect();
        (losses.into_data().iter::<f32>().collect::<Vec<f32>>(), grad)
    };
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
    let (loss_gpu, grad_gpu) = run(gpu(), false);
    let (loss_cpu, grad_cpu) = run(&Device::flex(), false);
    for (m, (a, b)) in loss_gpu.iter().zip(&loss_cpu).enumerate() {
        assert!(a.is_finite() && close(*a, *b), "model {m}'s loss: {a} on wgpu, {b} on the CPU");
    }
    assert!(loss_gpu[1] > 100.0, "the large logits give a large, finite loss: {}", loss_gpu[1]);
    for (i, (a, b)) in grad_gpu.iter().zip(&grad_cpu).enumerate() {
        assert!(close(*a, *b), "∂loss/∂x[{i}]: {a} on wgpu, {b} on the CPU");
    }
    let (loss_nan, grad_nan) = run(gpu(), true);
    assert!(loss_nan[2].is_nan(), "the NaN logit's model: {}", loss_nan[2]);
    assert!(
        grad_nan[2 * rows * classes..(2 * rows + 1) * classes].iter().all(|g| g.is_nan()),
        "its row's gradient is NaN"
    );
    assert_eq!(&loss_nan[..2], &loss_gpu[..2], "the other models' losses are untouched");
    assert_eq!(&grad_nan[..2 * rows * classes], &grad_gpu[..2 * rows * classes], "and their gradients");
}

/// SGD-momentum's update is one kernel on wgpu (src/train/sgd_kernel.rs) that writes the weights
/// and the velocity in place: per model its own learning rate and momentum, the arithmetic of the
/// tensor operations it replaces (as the CPU backend computes them), a dead model's weights and
/// velocity kept as they were even under a NaN gradient, and weights still held elsewhere (where
/// the kernel must not write) left as they were and updated as tensor operations instead.
#[test]
fn the_one_kernel_sgd_update_matches_the_cpu_per_model_and_spares_dead_models_and_held_weights() {
    let (k, n) = (3, 400);
    let values = |seed: u64| -> Vec<f32> {
        (0..(k * n) as u64).map(|i| ((i * 2_654_435_761 + seed * 97) % 2001) as f32 / 1000.0 - 1.0).collect()
    };
    let mut grad_values = values(3);
    grad_values[2 * n + 7] = f32::NAN; // the dead model's gradient
    let update = |device: &Device, hold_weights: bool| {
        let tensor = |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v, [k, n]), device);
        let (weights, velocity, grad) = (tensor(values(1)), tensor(values(2)), tensor(grad_values.clone()));
        let held = hold_weights.then(|| weights.clone());
        let alive = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 1.0, 0.0], [k, 1]), device);
        let rates = ModelRates::new(&[0.01, 0.125, 0.01], &[0.9, 0.5, 0.5], device).with_alive(alive);
        let (weights, velocity) = sgd_momentum(weights, velocity, grad, &rates);
        let read = |t: Tensor<2>| t.into_data().iter::<f32>().collect::<Vec<f32>>();
        (read(weights), read(velocity), held.map(read))
    };
    let (cpu_weights, cpu_velocity, _) = update(&Device::flex(), false);
    for hold_weights in [false, true] {
        let (weights, velocity, held) = update(gpu(), hold_weights);
        for (got, want) in weights.iter().zip(&cpu_weights).chain(velocity.iter().zip(&cpu_velocity)) {
            assert!((got - want).abs() <= 1e-6, "{got} vs {want} on the CPU (weights held: {hold_weights})");
        }
        assert_ne!(weights[..n], values(1)[..n], "model 0's weights moved");
        assert_ne!(weights[n..2 * n], values(1)[n..2 * n], "model 1's weights moved");
        assert_eq!(weights[2 * n..], values(1)[2 * n..], "the dead model's weights are kept");
        assert_eq!(velocity[2 * n..], values(2)[2 * n..], "and its velocity");
        if let Some(held) = held {
            assert_eq!(held, values(1), "weights held elsewhere are not written");
        }
    }
}

/// The arg-max's ties go to the lowest index on wgpu as on the CPU, a row with no maximum (NaN)
/// predicts 0, and the tie scores it keeps on the device serve every call after the first.
#[test]
fn predictions_break_ties_to_the_lowest_index_on_wgpu() {
    let rows = [[0.0, 3.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0], [-1.0, -5.0, -1.0, -0.5], [f32::NAN; 4]];
    for device in [gpu().clone(), gpu().clone().autodiff(), Device::flex()] {
        for _ in 0..2 {
            let x = Tensor::<2>::from_data(TensorData::new(rows.concat(), [4, 4]), &device);
            let predicted: Vec<i64> = predict(x).into_data().iter::<i64>().collect();
            assert_eq!(predicted, vec![1, 0, 3, 0], "{device:?}");
        }
    }
}

/// The correct count is one kernel and a sum on wgpu (src/model/correct_count.rs): per model, the
/// CPU backend's counts, and the counts of `predict`'s rule (ties to the lowest index) where no
/// output is NaN; a row with a NaN output predicts class 0 on both backends.
#[test]
fn the_one_kernel_correct_count_matches_the_cpu_per_model() {
    let (k, rows, classes) = (3, 40, 10);
    // Few distinct values, so many rows tie; model 2's row 5 has a NaN, its row 6 is all NaN.
    let mut logits: Vec<f32> = (0..k * rows * classes).map(|i| ((i * 7919) % 5) as f32 * 0.5).collect();
    logits[(2 * rows + 5) * classes + 4] = f32::NAN;
    logits[(2 * rows + 6) * classes..(2 * rows + 7) * classes].fill(f32::NAN);
    let targets: Vec<i64> = (0..k * rows).map(|i| ((i * 31) % 4) as i64).collect();
    let counts = |device: &Device| {
        let x = Tensor::<3>::from_data(TensorData::new(logits.clone(), [k, rows, classes]), device);
        let t = Tensor::<3, Int>::from_data(TensorData::new(targets.clone(), [k, rows, 1]), device);
        per_model_correct(x, t).into_data().iter::<f32>().collect::<Vec<f32>>()
    };
    let on_gpu = counts(gpu());
    assert_eq!(on_gpu, counts(&Device::flex()), "wgpu against the CPU");
    assert_eq!(on_gpu, counts(&gpu().clone().autodiff()), "through autodiff");
    // predict's rule, row by row, on the models without NaN.
    for m in 0..2 {
        let x = Tensor::<2>::from_data(
            TensorData::new(logits[m * rows * classes..(m + 1) * rows * classes].to_vec(), [rows, classes]),
            &Device::flex(),
        );
        let predicted: Vec<i64> = predict(x).into_data().iter::<i64>().collect();
        let expected = predicted.iter().zip(&targets[m * rows..(m + 1) * rows]).filter(|(p, t)| p == t).count();
        assert_eq!(on_gpu[m], expected as f32, "model {m}");
        assert!(expected > 0 && expected < rows, "a count that tells rules apart: {expected}");
    }
    let nan_rows_say_zero = [5, 6].iter().filter(|&&r| targets[2 * rows + r] == 0).count();
    let x = Tensor::<3>::from_data(
        TensorData::new(logits[2 * rows * classes..].to_vec(), [1, rows, classes]),
        &Device::flex(),
    );
    let t = Tensor::<3, Int>::from_data(
        TensorData::new(
            (0..rows).map(|r| if r == 5 || r == 6 { 1 } else { targets[2 * rows + r] }).collect::<Vec<_>>(),
            [1, rows, 1],
        ),
        &Device::flex(),
    );
    let without_nan_rows: f32 = per_model_correct(x, t).into_data().iter::<f32>().sum();
    assert_eq!(on_gpu[2], without_nan_rows + nan_rows_say_zero as f32, "the NaN rows predict class 0");
}

/// PyTorch's recorded run replayed on wgpu, as tests/pytorch_replay.rs does on the CPU. Measured
/// on lavapipe: at most 3.7e-7 relative per step (Flex: 2.7e-7) and the same test counts, so the
/// tolerance is the CPU's 1e-5, ~25× the float noise seen (docs/results.md, "Step for step against PyTorch").
#[test]
fn every_step_matches_pytorch_on_wgpu() {
    const TOLERANCE: f64 = 1e-5;
    let Some(results) = replay::replay_all(gpu(), BackendKind::Gpu, |_| {}) else { return };
    let matmul = common::wgpu::routine();
    eprintln!("largest relative step-loss difference on wgpu ({matmul:?} matmul): {:.2e}", results.largest());
    let misses = results.misses(TOLERANCE);
    assert!(
        misses.is_empty(),
        "{matmul:?} matmul: beyond {TOLERANCE:e} relative or a different test count:\n{}",
        misses.join("\n")
    );
}
