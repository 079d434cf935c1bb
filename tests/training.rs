//! The model and training step, natively on burn's CPU backend (Flex).

mod common;

use activation_playground::config::{Activation, BatchNormMode, Config, DatasetKind};
use activation_playground::data::{self, Dataset};
use activation_playground::model::{InitialWeights, Mlp, activate, cross_entropy, predict};
use activation_playground::train::{
    Batch, BatchOrder, Position, ReadBack, RunState, Session, TrainState, WarmUp, evaluate, train_step,
};
use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};
use std::path::PathBuf;
use std::sync::Arc;

fn cpu() -> Device {
    Device::flex()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

/// A fresh model of `cfg` (weights drawn from its seed) on `device`, an autodiff device.
fn fresh_state(cfg: &Config, input_size: usize, device: &Device) -> TrainState {
    TrainState::from_weights(&InitialWeights::draw(cfg, input_size), cfg, device)
}

fn ints<const D: usize>(t: Tensor<D, Int>) -> Vec<i64> {
    t.into_data().iter::<i64>().collect()
}

fn config(acts: [Activation; 3]) -> Config {
    Config { acts: acts.to_vec(), ..Config::default() }
}

fn synthetic(n_train: usize, n_test: usize, seed: u64) -> Arc<Dataset> {
    common::synthetic(DatasetKind::MnistSubset, n_train, n_test, seed)
}

#[test]
fn init_is_pytorch_default_uniform_within_one_over_sqrt_fan_in() {
    let model = Mlp::new(&Config::default(), 784, &cpu());
    let fans = [784usize, 500, 256];
    for (layer, fan_in) in model.layers.iter().zip(fans) {
        let bound = 1.0 / (fan_in as f32).sqrt();
        let w = values(layer.linear.weight.val());
        let b = values(layer.linear.bias.as_ref().unwrap().val());
        for v in w.iter().chain(&b) {
            assert!(v.abs() <= bound, "{v} outside ±{bound}");
        }
        // Uniform: the extremes come close to the bound and the mean is near zero.
        let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(max > 0.99 * bound, "max |w| {max} vs bound {bound}");
        let mean = w.iter().sum::<f32>() / w.len() as f32;
        assert!(mean.abs() < 0.02 * bound, "mean {mean}");
        let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        assert!((var / (bound * bound / 3.0) - 1.0).abs() < 0.05, "variance of U(±b) is b²/3");
    }
    let dims: Vec<[usize; 2]> = model.layers.iter().map(|l| l.linear.weight.val().dims()).collect();
    assert_eq!(dims, vec![[784, 500], [500, 256], [256, 10]]);
}

#[test]
fn same_seed_same_weights_different_seed_different_weights() {
    let a = Mlp::new(&Config::default(), 784, &cpu());
    let b = Mlp::new(&Config::default(), 784, &cpu());
    let c = Mlp::new(&Config { seed: 2, ..Config::default() }, 784, &cpu());
    let w = |m: &Mlp| values(m.layers[1].linear.weight.val());
    assert_eq!(w(&a), w(&b));
    assert_ne!(w(&a), w(&c));
}

#[test]
fn activations_and_selu_constants() {
    let x = Tensor::<1>::from_floats([-1.0, 0.0, 2.0], &cpu());
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5);
    assert!(close(&values(activate(Activation::Relu, x.clone())), &[0.0, 0.0, 2.0]));
    let s = |v: f32| 1.0 / (1.0 + (-v).exp());
    assert!(close(&values(activate(Activation::Sigmoid, x.clone())), &[s(-1.0), 0.5, s(2.0)]));
    assert!(close(&values(activate(Activation::Tanh, x.clone())), &[(-1f32).tanh(), 0.0, 2f32.tanh()]));
    // SELU (Klambauer et al.): λ = 1.0507009873554805, α = 1.6732632423543772.
    let (lambda, alpha) = (1.050_700_987_355_480_5f64 as f32, 1.673_263_242_354_377_2f64 as f32);
    let selu = values(activate(Activation::Selu, x));
    assert!(close(&selu, &[lambda * alpha * ((-1f32).exp() - 1.0), 0.0, 2.0 * lambda]), "{selu:?}");
}

#[test]
fn a_dead_relu_output_gives_loss_ln10_and_predicts_class_zero() {
    let device = cpu();
    let mut model = Mlp::new(&config([Activation::Tanh, Activation::Tanh, Activation::Relu]), 784, &device);
    // Every output pre-activation negative → the output ReLU emits all zeros.
    let last = &mut model.layers[2].linear;
    last.weight = Param::from_tensor(Tensor::zeros([256, 10], &device));
    last.bias = Some(Param::from_tensor(Tensor::full([10], -1.0, &device)));
    let inputs = Tensor::<2>::random([16, 784], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let targets =
        Tensor::<1, Int>::from_data(TensorData::new((0..16).map(|i| i % 10).collect::<Vec<i64>>(), [16]), &device);
    let outputs = model.forward(inputs);
    assert!(values(outputs.clone()).iter().all(|&v| v == 0.0));
    let loss = values(cross_entropy(outputs.clone(), targets))[0];
    assert!((loss - 10f32.ln()).abs() < 1e-5, "loss {loss} vs ln 10");
    assert_eq!(ints(predict(outputs)), vec![0; 16]);
}

#[test]
fn argmax_ties_go_to_the_lowest_index() {
    let x = Tensor::<2>::from_floats([[0.0, 3.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0], [-1.0, -5.0, -1.0, -0.5]], &cpu());
    assert_eq!(ints(predict(x)), vec![1, 0, 3]);
}

#[test]
fn cross_entropy_matches_a_hand_computation() {
    let x = Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], &cpu());
    let t = Tensor::<1, Int>::from_data(TensorData::new(vec![2i64, 0], [2]), &cpu());
    let lse = (1f32.exp() + 2f32.exp() + 3f32.exp()).ln();
    let expected = ((lse - 3.0) + 3f32.ln()) / 2.0;
    assert!((values(cross_entropy(x, t))[0] - expected).abs() < 1e-5);
}

#[test]
fn batch_norm_uses_batch_statistics_in_training_and_running_ones_in_eval() {
    let device = cpu().autodiff();
    let cfg =
        Config { batch_norm: BatchNormMode::All, ..config([Activation::Relu, Activation::Relu, Activation::Selu]) };
    let model = Mlp::new(&cfg, 784, &device);
    assert!(model.layers.iter().all(|l| l.norm.is_some()));
    let input = Tensor::<2>::random([64, 784], burn::tensor::Distribution::Normal(0.5, 2.0), &device);
    // Training: each feature of the normalised pre-activation has batch mean 0, variance ≈ 1.
    let pre = model.forward_traced(input.clone()).remove(0).pre;
    let mean = values(pre.clone().mean_dim(0));
    assert!(mean.iter().all(|m| m.abs() < 1e-4), "batch means {:?}", &mean[..4]);
    let var = values(pre.var_bias(0));
    assert!(var.iter().all(|v| (v - 1.0).abs() < 1e-2), "batch variances {:?}", &var[..4]);
    // Eval: running stats (mean 0.1·batch mean after one step, var 0.9 + 0.1·batch var) are used,
    // so the output is not batch-normalised any more.
    let eval = model.valid();
    let plain = input.inner();
    let pre_eval = eval.forward_traced(plain.clone()).remove(0).pre;
    let linear_only = eval.layers[0].linear.forward(plain.clone());
    let mean_eval = values(pre_eval.clone().mean_dim(0));
    assert!(mean_eval.iter().any(|m| m.abs() > 1e-2), "eval must not use batch statistics");
    // Eval has no batch coupling: one example alone gives the same output as inside the batch.
    let alone = values(eval.forward(plain.clone().slice([0..1, 0..784])));
    let inside = values(eval.forward(plain.clone()).slice([0..1, 0..10]));
    assert_eq!(alone.len(), 10);
    for (a, b) in alone.iter().zip(&inside) {
        assert!((a - b).abs() < 1e-4);
    }
    let running_mean = values(eval.layers[0].norm.as_ref().unwrap().running_mean.value());
    let batch_mean = values(linear_only.mean_dim(0));
    for (r, b) in running_mean.iter().zip(&batch_mean).take(20) {
        assert!((r - 0.1 * b).abs() < 1e-4, "running mean {r} vs 0.1 × batch mean {b}");
    }
}

#[test]
fn one_step_is_sgd_with_momentum_and_no_dampening() {
    // With momentum 0.5 and dampening 0: v1 = g1, w1 = w0 − lr·g1; v2 = 0.5·v1 + g2, w2 = w1 − lr·v2.
    let device = cpu().autodiff();
    let dataset = synthetic(64, 16, 3);
    let cfg = Config { lr: 0.1, ..config([Activation::Tanh, Activation::Tanh, Activation::Tanh]) };
    let host = dataset.batch(&dataset.train, &(0..32).collect::<Vec<_>>());
    let batch = Batch::upload(&host, 784, &device);
    let state = fresh_state(&cfg, 784, &device);
    let w0 = values(state.model.layers[2].linear.weight.val().inner());
    let grad_of = |model: &Mlp| {
        let loss = cross_entropy(model.forward(batch.inputs.clone()), batch.targets.clone());
        let grads = loss.backward();
        values(model.layers[2].linear.weight.val().grad(&grads).unwrap())
    };
    let g1 = grad_of(&state.model);
    let (state, _) = train_step(state, &batch);
    let w1 = values(state.model.layers[2].linear.weight.val().inner());
    let g2 = grad_of(&state.model);
    let (state, _) = train_step(state, &batch);
    let w2 = values(state.model.layers[2].linear.weight.val().inner());
    for i in (0..w0.len()).step_by(97) {
        assert!((w1[i] - (w0[i] - 0.1 * g1[i])).abs() < 1e-6);
        let v2 = 0.5 * g1[i] + g2[i];
        assert!((w2[i] - (w1[i] - 0.1 * v2)).abs() < 1e-6, "index {i}");
    }
}

fn run_to_end(session: &mut Session) {
    while !session.is_done() {
        pollster::block_on(session.run(usize::MAX, f64::INFINITY));
    }
}

#[test]
fn the_same_seed_gives_the_identical_loss_sequence() {
    let dataset = synthetic(640, 64, 1);
    let cfg = Config { epochs: 2, stats_every: 0, ..config([Activation::Relu, Activation::Sigmoid, Activation::Relu]) };
    let losses = |cfg: &Config| {
        let mut s = Session::new(cfg.clone(), dataset.clone(), &cpu()).unwrap();
        // The first epoch's batch order, drawn from the seed as the session draws it.
        let order = BatchOrder::new(cfg.seed, dataset.train.len()).next_epoch();
        run_to_end(&mut s);
        (s.history().steps.iter().map(|r| r.loss).collect::<Vec<_>>(), order)
    };
    let (a, order_a) = losses(&cfg);
    let (b, order_b) = losses(&cfg);
    assert_eq!(a.len(), 40);
    assert_eq!(a, b, "same seed → bit-identical losses");
    assert_eq!(order_a, order_b);
    let (c, order_c) = losses(&Config { seed: 2, ..cfg });
    assert_ne!(a, c);
    assert_ne!(order_a, order_c);
}

/// Chunks read back at once, or while the next chunk trains (the page's continuous loop): the
/// history is then a chunk behind until a chunk reads back at once (an epoch's end, a probe, or a
/// call of no steps). Either way the run is the same.
#[test]
fn chunking_does_not_change_the_run() {
    let dataset = synthetic(320, 64, 5);
    let cfg = Config { epochs: 2, stats_every: 7, ..config([Activation::Selu, Activation::Tanh, Activation::Sigmoid]) };
    let mut whole = Session::new(cfg.clone(), dataset.clone(), &cpu()).unwrap();
    run_to_end(&mut whole);
    let mut pieces = Session::new(cfg.clone(), dataset.clone(), &cpu()).unwrap();
    let mut calls = 0;
    while !pieces.is_done() {
        pollster::block_on(pieces.run(3, f64::INFINITY));
        calls += 1;
    }
    assert!(calls >= 7);
    assert_eq!(whole.history().steps, pieces.history().steps);
    assert_eq!(whole.history().epochs, pieces.history().epochs);
    assert_eq!(whole.history().probes.len(), 20 / 7);

    let mut overlapped = Session::new(cfg, dataset, &cpu()).unwrap();
    // Steps 1-3, then 4-6: each chunk records the one before it.
    pollster::block_on(overlapped.run_reading(3, f64::INFINITY, ReadBack::Overlapped));
    assert_eq!((overlapped.global_step(), overlapped.history().steps.len()), (3, 0));
    pollster::block_on(overlapped.run_reading(3, f64::INFINITY, ReadBack::Overlapped));
    assert_eq!((overlapped.global_step(), overlapped.history().steps.len()), (6, 3));
    // No steps: only what is in flight comes back.
    let p = pollster::block_on(overlapped.run_reading(0, f64::INFINITY, ReadBack::Now));
    assert_eq!((p.position.step, overlapped.history().steps.len()), (6, 6));
    while !overlapped.is_done() {
        pollster::block_on(overlapped.run_reading(3, f64::INFINITY, ReadBack::Overlapped));
    }
    assert_eq!(whole.history().steps, overlapped.history().steps);
    assert_eq!(whole.history().epochs, overlapped.history().epochs);
    assert_eq!(whole.history().probes.len(), overlapped.history().probes.len());
}

#[test]
fn progress_counts_steps_and_epochs() {
    let dataset = synthetic(100, 30, 2);
    let cfg = Config { epochs: 2, batch_size: 32, stats_every: 0, ..Config::default() };
    let mut s = Session::new(cfg, dataset, &cpu()).unwrap();
    // 100 = 3 × 32 + 4: four batches per epoch, the last one of 4 examples.
    let p = pollster::block_on(s.run(2, f64::INFINITY));
    let position = Position { epoch: 0, epochs: 2, step_in_epoch: 2, steps_per_epoch: 4, step: 2, total_steps: 8 };
    assert_eq!(p.position, position);
    assert_eq!(p.state, RunState::Running);
    let p = pollster::block_on(s.run(100, f64::INFINITY));
    assert_eq!(p.position.step, 8);
    assert_eq!(p.state, RunState::Finished);
    assert_eq!(s.history().epochs.len(), 2);
    assert!(p.test_acc.is_some());
}

#[test]
fn the_headline_loss_depends_on_the_step_not_on_the_chunking() {
    let dataset = synthetic(640, 64, 2);
    let cfg = Config { epochs: 1, stats_every: 0, ..config([Activation::Relu, Activation::Sigmoid, Activation::Relu]) };
    let finish = |chunk: usize| {
        let mut s = Session::new(cfg.clone(), dataset.clone(), &cpu()).unwrap();
        let mut last = None;
        while !s.is_done() {
            last = Some(pollster::block_on(s.run(chunk, f64::INFINITY)));
        }
        last.unwrap().train_loss.unwrap()
    };
    // Chunks of 3 and of everything end on different chunk boundaries; the headline is the same.
    assert_eq!(finish(3), finish(usize::MAX));
}

#[test]
fn a_diverging_run_is_stopped_and_reported() {
    let dataset = synthetic(640, 64, 4);
    let cfg = Config { lr: 10.0, stats_every: 5, ..config([Activation::Selu, Activation::Selu, Activation::Selu]) };
    // Read back at once, and while the next chunk trains: both stop at the same step.
    let mut stopped_at = Vec::new();
    for reads in [ReadBack::Now, ReadBack::Overlapped] {
        let mut s = Session::new(cfg.clone(), dataset.clone(), &cpu()).unwrap();
        let mut last = None;
        for _ in 0..50 {
            // Chunks of 4 against probes every 5 steps: some chunks end on a probe (read at once).
            let p = pollster::block_on(s.run_reading(4, f64::INFINITY, reads));
            let done = p.state != RunState::Running;
            last = Some(p);
            if done {
                break;
            }
        }
        let p = last.unwrap();
        assert_eq!(p.state, RunState::Diverged, "{p:?}");
        let message = p.message.clone().unwrap();
        assert!(message.contains("diverged") && message.contains("learning rate"), "{message}");
        // The counter shows the step the message names, not the steps enqueued after it.
        let step = p.position.step;
        assert!(message.contains(&format!("at step {step} ")), "step {step} vs {message}");
        assert_eq!(s.history().steps.len() + 1, step, "every step before the diverged one is recorded");
        assert!(s.history().steps.iter().all(|r| r.loss.is_finite()), "only finite losses are recorded");
        // Further calls are harmless.
        let again = pollster::block_on(s.run_reading(5, f64::INFINITY, reads));
        assert_eq!(again.state, RunState::Diverged);
        stopped_at.push((step, s.history().steps.clone()));
    }
    assert_eq!(stopped_at[0], stopped_at[1]);
}

#[test]
fn invalid_configs_and_wrong_datasets_are_refused() {
    let dataset = synthetic(64, 16, 1);
    let err = Session::new(Config { lr: 0.0, ..Config::default() }, dataset.clone(), &cpu()).err().unwrap();
    assert!(err.contains("learning rate"), "{err}");
    let err = Session::new(Config { batch_size: 0, ..Config::default() }, dataset.clone(), &cpu()).err().unwrap();
    assert!(err.contains("batch size"), "{err}");
    let err =
        Session::new(Config { dataset: DatasetKind::Cifar10, ..Config::default() }, dataset, &cpu()).err().unwrap();
    assert!(err.contains("cifar10"), "{err}");
}

#[test]
fn the_warm_up_trains_a_runs_first_step_and_probe_on_the_loaded_data() {
    let dataset = synthetic(64, 70, 2);
    // A configuration naming another dataset still warms up on the shapes of the loaded one.
    let config = Config { dataset: DatasetKind::Cifar10, stats_every: 50, ..Config::default() };
    let mut warm = WarmUp::new(&config, dataset.clone(), &cpu()).unwrap();
    pollster::block_on(warm.step()).unwrap();
    pollster::block_on(warm.probe()).unwrap();
    assert_eq!(warm.history().steps.len(), 1);
    assert_eq!(warm.history().probes.len(), 1);
    // The same step a run of this configuration starts with (same seed, weights and batch).
    let mut run =
        Session::new(Config { dataset: DatasetKind::MnistSubset, ..config }, dataset.clone(), &cpu()).unwrap();
    pollster::block_on(run.run(1, f64::INFINITY));
    assert_eq!(warm.history().steps[0].loss, run.history().steps[0].loss);
    let err = WarmUp::new(&Config { lr: 0.0, ..Config::default() }, dataset, &cpu()).err().unwrap();
    assert!(err.contains("learning rate"), "{err}");
}

// ---- Real data: the bundled subset and the full MNIST files ----

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bundled_subset() -> Arc<Dataset> {
    let dir = repo().join("www/data/mnist-subset");
    Arc::new(data::load_dir(DatasetKind::MnistSubset, &dir).unwrap_or_else(|e| {
        panic!("{e}\nThe bundled subset is generated by the build: run `npm test` (or `bash scripts/build.sh`) first.")
    }))
}

/// Full MNIST from ../shared/data, or `None` (the test skipped) on a machine without it.
fn full_mnist() -> Option<Arc<Dataset>> {
    let dir = common::shared::data("mnist")?;
    Some(Arc::new(data::load_dir(DatasetKind::Mnist, &dir).expect("full MNIST in ../shared/data/mnist")))
}

/// Final test accuracy of one run of `epochs` epochs (limited to `max_steps` steps if given).
fn accuracy(dataset: &Arc<Dataset>, acts: [Activation; 3], seed: u64, epochs: usize) -> f32 {
    let cfg = Config { dataset: dataset.kind, acts: acts.to_vec(), seed, epochs, stats_every: 0, ..Config::default() };
    let mut s = Session::new(cfg, dataset.clone(), &cpu()).unwrap();
    run_to_end(&mut s);
    s.history().epochs.last().unwrap().test_accuracy
}

use Activation::{Relu, Selu, Sigmoid};

#[test]
fn bundled_subset_one_epoch_healthy_learns_and_the_collapse_is_worse() {
    let subset = bundled_subset();
    assert_eq!(subset.train.len() + subset.test.len(), 10_000);
    for seed in [1, 2] {
        let healthy = accuracy(&subset, [Selu, Selu, Selu], seed, 1);
        let collapse = accuracy(&subset, [Relu, Sigmoid, Relu], seed, 1);
        eprintln!("subset seed {seed}: selu-selu-selu {healthy:.4}, relu-sigmoid-relu {collapse:.4}");
        assert!(healthy > 0.85, "selu-selu-selu reached only {healthy}");
        // Measured over seeds 1–6: selu 88.2–88.9%, collapse 10.9–38.6%.
        assert!(collapse < healthy - 0.25, "collapse {collapse} vs healthy {healthy}");
    }
}

#[test]
fn full_mnist_one_epoch_healthy_learns_and_the_collapse_is_worse() {
    let Some(mnist) = full_mnist() else { return };
    assert_eq!((mnist.train.len(), mnist.test.len()), (60_000, 10_000));
    let healthy = accuracy(&mnist, [Selu, Selu, Selu], 1, 1);
    let collapse = accuracy(&mnist, [Relu, Sigmoid, Relu], 1, 1);
    eprintln!("full MNIST: selu-selu-selu {healthy:.4}, relu-sigmoid-relu {collapse:.4}");
    // Measured over seeds 1–5: selu 93.1–93.6%, collapse 37.4–64.4%.
    assert!(healthy > 0.91, "selu-selu-selu reached only {healthy}");
    assert!(collapse < healthy - 0.15, "collapse {collapse} vs healthy {healthy}");
}

#[test]
fn evaluate_counts_every_test_image() {
    let dataset = synthetic(64, 1234, 9);
    let state = fresh_state(&Config::default(), 784, &cpu().autodiff());
    let (loss, acc) = pollster::block_on(evaluate(&state.model, &dataset, &dataset.test, &cpu())).unwrap();
    assert!(loss.is_finite());
    // Accuracy is a multiple of 1/1234: evaluation covered all images, including the partial batch.
    let hits = acc * 1234.0;
    assert!((hits - hits.round()).abs() < 1e-3, "{hits}");
}

#[test]
fn cifar10_one_epoch_rises_above_chance_and_the_collapse_sits_at_ten_percent() {
    let Some(dir) = common::shared::data("cifar-10") else { return };
    let cifar =
        Arc::new(data::load_dir(DatasetKind::Cifar10, &dir).expect("CIFAR-10 batches in ../shared/data/cifar-10"));
    assert_eq!(cifar.input_size(), 3072);
    let healthy = accuracy(&cifar, [Selu, Selu, Selu], 1, 1);
    let collapse = accuracy(&cifar, [Relu, Sigmoid, Relu], 1, 1);
    eprintln!("CIFAR-10 (batch 1): selu-selu-selu {healthy:.4}, relu-sigmoid-relu {collapse:.4}");
    // Measured over seeds 1–3: selu 36.6–38.0%, collapse exactly 10.00% (dead outputs → class 0).
    assert!(healthy > 0.25, "selu-selu-selu reached only {healthy} (chance is 0.10)");
    assert!(collapse < 0.15, "the article's CIFAR collapse sits at 10%, got {collapse}");
}
