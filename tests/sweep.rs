//! Many models at once (src/sweep): the stacked engine against single runs, per-model
//! gradients, divergence isolation, grouping, aggregation and the exports.

mod common;

use activation_playground::config::{Activation, BatchNormMode, Config, DatasetKind};
use activation_playground::data::Dataset;
use activation_playground::model::per_model_cross_entropy;
use activation_playground::model::{InitialWeights, Mlp, cross_entropy};
use activation_playground::sweep::memory::MemoryLimits;
use activation_playground::sweep::plan::{SweepSpec, all_combinations};
use activation_playground::sweep::record::RunRecord;
use activation_playground::sweep::stack::{InputLayout, StackedMlp};
use activation_playground::sweep::step::SweepBatch;
use activation_playground::sweep::table::{self, mean_std};
use activation_playground::sweep::{GroupRun, Shard, Sweep};
use activation_playground::train::{Batch, ModelRun, ReadBack, RunState, Session};
use burn::tensor::{Device, Tensor};
use std::sync::Arc;

use Activation::{Relu, Selu, Sigmoid, Tanh};

fn cpu() -> Device {
    Device::flex()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

fn dataset() -> Arc<Dataset> {
    common::synthetic(DatasetKind::MnistSubset, 200, 60, 7)
}

fn cfg(acts: [Activation; 3], bn: BatchNormMode, seed: u64) -> Config {
    Config { acts: acts.to_vec(), batch_norm: bn, seed, epochs: 2, stats_every: 0, ..Config::default() }
}

/// A single run to its end: its per-step losses and per-epoch test accuracies.
fn single(config: &Config, dataset: &Arc<Dataset>, device: &Device) -> (Vec<f32>, Vec<f32>) {
    let mut session = Session::new(config.clone(), dataset.clone(), device).unwrap();
    while !session.is_done() {
        pollster::block_on(session.run(usize::MAX, f64::INFINITY));
    }
    let h = session.history();
    (h.steps.iter().map(|s| s.loss).collect(), h.epochs.iter().map(|e| e.test_accuracy).collect())
}

fn group(configs: &[Config], dataset: &Arc<Dataset>, device: &Device) -> GroupRun {
    let mut group = GroupRun::new(configs.to_vec(), dataset.clone(), device, MemoryLimits::CPU).unwrap();
    while !group.is_done() {
        // Small chunks: read-backs in the middle of an epoch must not change anything.
        pollster::block_on(group.run(3, f64::INFINITY)).unwrap();
    }
    group
}

/// A mix of activations and BatchNorm modes in every layer, over two seeds.
fn mixed() -> Vec<Config> {
    vec![
        cfg([Relu, Sigmoid, Relu], BatchNormMode::None, 1),
        cfg([Selu, Tanh, Sigmoid], BatchNormMode::All, 1),
        cfg([Tanh, Selu, Relu], BatchNormMode::Last, 2),
        cfg([Sigmoid, Relu, Tanh], BatchNormMode::None, 2),
    ]
}

fn assert_matches_single_runs(configs: &[Config], device: &Device, tolerance: f32) {
    let data = dataset();
    let batched = group(configs, &data, device);
    for (config, run) in configs.iter().zip(batched.runs()) {
        assert_eq!(run.state, RunState::Finished, "{}", config.label());
        let (losses, accuracies) = single(config, &data, device);
        let got: Vec<f32> = run.history.steps.iter().map(|s| s.loss).collect();
        assert_eq!(got.len(), losses.len(), "{}", config.label());
        for (step, (a, b)) in got.iter().zip(&losses).enumerate() {
            assert!(
                (a - b).abs() <= tolerance * b.abs().max(1.0),
                "{} seed {} step {}: sweep {a} vs single {b}",
                config.label(),
                config.seed,
                step + 1
            );
        }
        let got: Vec<f32> = run.history.epochs.iter().map(|e| e.test_accuracy).collect();
        for (a, b) in got.iter().zip(&accuracies) {
            // A prediction on the edge may flip: at most one test image of 60.
            assert!((a - b).abs() <= 1.0 / 60.0 + 1e-6, "{}: test accuracy {a} vs {b}", config.label());
        }
    }
}

#[test]
fn batched_runs_match_single_runs_for_mixed_activations_and_batch_norm() {
    // Two seeds × two models: a rectangle, inputs broadcast per seed.
    let configs = mixed();
    assert!(matches!(InputLayout::new(&[0, 0, 1, 1], &cpu()), InputLayout::Rect { seeds: 2, per_seed: 2 }));
    assert_matches_single_runs(&configs, &cpu(), 1e-4);
    // Unequal seeds per group: each model gathers its seed's rows.
    let uneven = &configs[1..];
    assert!(matches!(InputLayout::new(&[0, 1, 1], &cpu()), InputLayout::Gather(_)));
    assert_matches_single_runs(uneven, &cpu(), 1e-4);
}

#[test]
fn each_models_gradient_is_its_own_single_model_gradient() {
    let device = cpu().autodiff();
    let configs = mixed();
    let data = dataset();
    let weights: Vec<InitialWeights> = configs.iter().map(|c| InitialWeights::draw(c, 784)).collect();
    let refs: Vec<&InitialWeights> = weights.iter().collect();
    let stacked = StackedMlp::new(&configs, &refs, &device);
    let layout = InputLayout::new(&[0, 0, 1, 1], &cpu());
    // Seed 1's models see rows 0..32, seed 2's rows 32..64.
    let hosts: Vec<_> = [0..32, 32..64].map(|r| data.batch(&data.train, &r.collect::<Vec<_>>())).into();
    let features: Vec<Vec<f32>> = hosts.iter().map(|h| h.features.clone()).collect();
    let labels: Vec<Vec<i64>> = hosts.iter().map(|h| h.labels.clone()).collect();
    let batch = SweepBatch::upload(&features, &labels, 784, &layout, &device);
    let (outputs, _) = stacked.forward_train(batch.inputs.clone(), &layout);
    let grads = per_model_cross_entropy(outputs, batch.targets.clone()).sum().backward();
    for (k, config) in configs.iter().enumerate() {
        let single = Mlp::from_weights(&weights[k], config, &device);
        let host = &hosts[k / 2];
        let b = Batch::upload(host, 784, &device);
        let single_grads = cross_entropy(single.forward(b.inputs), b.targets).backward();
        for (i, layer) in single.layers.iter().enumerate() {
            let slice = |t: Tensor<3>| {
                let [_, rows, cols] = t.dims();
                values(t.slice([k..k + 1, 0..rows, 0..cols]))
            };
            let mut pairs = vec![
                (
                    slice(stacked.layers[i].weight.grad(&grads).unwrap()),
                    values(layer.linear.weight.val().grad(&single_grads).unwrap()),
                ),
                (
                    slice(stacked.layers[i].bias.grad(&grads).unwrap()),
                    values(layer.linear.bias.as_ref().unwrap().val().grad(&single_grads).unwrap()),
                ),
            ];
            if let Some(norm) = &layer.norm {
                let stacked_norm = stacked.layers[i].norm.as_ref().unwrap();
                pairs.push((
                    slice(stacked_norm.gamma.grad(&grads).unwrap()),
                    values(norm.gamma.val().grad(&single_grads).unwrap()),
                ));
                pairs.push((
                    slice(stacked_norm.beta.grad(&grads).unwrap()),
                    values(norm.beta.val().grad(&single_grads).unwrap()),
                ));
            }
            // A bias before BatchNorm has a zero gradient in exact arithmetic (rounding noise only):
            // measure every tensor of the layer against the layer's largest gradient.
            let scale = pairs.iter().flat_map(|(_, want)| want).fold(1e-6f32, |m, v| m.max(v.abs()));
            for (p, (got, want)) in pairs.iter().enumerate() {
                assert_eq!(got.len(), want.len());
                let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
                assert!(
                    worst <= 1e-4 * scale,
                    "{} layer {i} tensor {p}: max difference {worst} (scale {scale})",
                    config.label()
                );
            }
        }
    }
}

fn weights_of(group: &GroupRun, k: usize) -> Vec<f32> {
    group
        .model()
        .layers
        .iter()
        .flat_map(|l| {
            let [_, rows, cols] = l.weight.dims();
            values(l.weight.clone().inner().slice([k..k + 1, 0..rows, 0..cols]))
        })
        .collect()
}

#[test]
fn a_diverging_model_stops_and_leaves_the_others_bit_identical() {
    let data = dataset();
    let healthy =
        [cfg([Relu, Sigmoid, Relu], BatchNormMode::None, 1), cfg([Tanh, Tanh, Sigmoid], BatchNormMode::All, 1)];
    let wild = Config { lr: 10.0, ..cfg([Selu, Selu, Selu], BatchNormMode::None, 1) };
    let tame = Config { lr: 0.01, ..wild.clone() };
    let with_wild = group(&[healthy[0].clone(), wild, healthy[1].clone()], &data, &cpu());
    let without = group(&[healthy[0].clone(), tame, healthy[1].clone()], &data, &cpu());
    let runs = with_wild.runs();
    assert_eq!(runs[1].state, RunState::Diverged, "lr 10 with SELU diverges");
    assert!(runs[1].message.as_deref().unwrap().contains("diverged"));
    assert!(runs[1].history.steps.iter().all(|s| s.loss.is_finite()), "only finite losses are recorded");
    for k in [0, 2] {
        assert_eq!(runs[k].state, RunState::Finished);
        let bits = |g: &GroupRun| g.runs()[k].history.steps.iter().map(|s| s.loss.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&with_wild), bits(&without), "model {k}'s losses are bit-identical");
        assert_eq!(with_wild.runs()[k].history.epochs, without.runs()[k].history.epochs);
        let w = |g: &GroupRun| weights_of(g, k).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(w(&with_wild), w(&without), "model {k}'s weights are bit-identical");
    }
}

#[test]
fn a_diverged_model_is_frozen_momentum_included() {
    let data = dataset();
    let wild = Config { lr: 10.0, ..cfg([Selu, Selu, Selu], BatchNormMode::None, 3) };
    let mut g =
        GroupRun::new(vec![wild, cfg([Relu, Relu, Relu], BatchNormMode::None, 3)], data, &cpu(), MemoryLimits::CPU)
            .unwrap();
    let mut frozen_at = None;
    for _ in 0..g.ledger().total_steps() {
        pollster::block_on(g.run(1, f64::INFINITY)).unwrap();
        if g.runs()[0].state == RunState::Diverged {
            let now = weights_of(&g, 0);
            match &frozen_at {
                None => frozen_at = Some(now),
                Some(then) => assert_eq!(
                    then.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    now.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "a diverged model never moves again"
                ),
            }
        }
    }
    assert!(frozen_at.is_some(), "the wild model diverged");
    assert!(g.is_done() && g.runs()[1].state == RunState::Finished);
}

/// With a short budget an epoch's evaluation goes one chunk of test images per call (the page's
/// worker keeps its chunks short with it), and ends in the same records as all in one call.
#[test]
fn a_short_budget_spreads_the_evaluation_over_calls_with_the_same_records() {
    let data = dataset(); // 60 test images
    let configs: Vec<Config> = [[Relu, Sigmoid, Relu], [Tanh, Tanh, Tanh]]
        .into_iter()
        .map(|acts| Config { epochs: 1, ..cfg(acts, BatchNormMode::None, 3) })
        .collect();
    // A buffer for 25 test images of the widest layer (500 units) of both models: three chunks.
    let limits = MemoryLimits { max_buffer_bytes: 4 * 500 * 2 * 25, total_bytes: 1 << 40 };
    let mut whole = GroupRun::new(configs.clone(), data.clone(), &cpu(), limits).unwrap();
    pollster::block_on(whole.run(usize::MAX, f64::INFINITY)).unwrap();
    assert!(whole.is_done());

    let mut split = GroupRun::new(configs.clone(), data.clone(), &cpu(), limits).unwrap();
    let (mut calls, mut evaluation_calls) = (0, 0);
    while !split.is_done() {
        // No time at all: one step, or one chunk of the evaluation, per call.
        let steps = pollster::block_on(split.run(usize::MAX, 0.0)).unwrap();
        assert!(steps <= 1);
        if steps == 0 {
            evaluation_calls += 1;
        }
        calls += 1;
        assert!(calls < 100);
    }
    assert_eq!(evaluation_calls, 3, "60 test images in chunks of 25");
    for (a, b) in whole.runs().iter().zip(split.runs()) {
        assert_eq!(a.state, RunState::Finished);
        assert_eq!(a.history, b.history);
    }
    // Each step's losses read back while the next step trains (the page's sweep): the same records.
    let mut overlapped = GroupRun::new(configs, data.clone(), &cpu(), limits).unwrap();
    pollster::block_on(overlapped.run_reading(1, f64::INFINITY, ReadBack::Overlapped)).unwrap();
    assert!(overlapped.runs()[0].history.steps.is_empty(), "step 1 is still on its way back");
    while !overlapped.is_done() {
        pollster::block_on(overlapped.run_reading(usize::MAX, 0.0, ReadBack::Overlapped)).unwrap();
    }
    for (a, b) in whole.runs().iter().zip(overlapped.runs()) {
        assert_eq!(a.history, b.history);
    }
}

#[test]
fn a_sweep_in_groups_gives_every_run_once_with_its_single_run_accuracy() {
    let data = dataset();
    let spec = SweepSpec {
        base: Config { epochs: 1, stats_every: 0, ..Config::default() },
        combinations: vec![vec![Relu, Sigmoid, Relu], vec![Tanh, Tanh, Tanh], vec![Selu, Relu, Sigmoid]],
        seeds: vec![5, 6],
        parallel: 4,
        ..SweepSpec::default()
    };
    spec.validate().unwrap();
    let members = spec.members();
    let mut sweep = Sweep::new(members.clone(), data.clone(), &cpu(), MemoryLimits::CPU, spec.parallel).unwrap();
    assert_eq!(sweep.groups(), &[0..3, 3..6], "whole seeds per group");
    let mut records: Vec<RunRecord> = Vec::new();
    let mut calls = 0;
    while !sweep.is_done() {
        let p = pollster::block_on(sweep.run(2, f64::INFINITY, ReadBack::Overlapped)).unwrap();
        assert_eq!(p.runs_total, 6);
        records.extend(p.finished);
        assert_eq!(p.runs_done, records.len());
        calls += 1;
        assert!(calls < 100);
    }
    assert_eq!(records.len(), 6);
    for config in &members {
        let r = records.iter().find(|r| &r.config == config).expect("every run reported");
        let (_, accuracies) = single(config, &data, &cpu());
        assert!((r.test_accuracy.unwrap() - accuracies[0]).abs() <= 1.0 / 60.0 + 1e-6);
    }
}

/// The page's CPU pool: whichever worker trains a run, and however many there are, its result is
/// the same, to the last bit (one model per group on the CPU, weights and batches from its seed).
#[test]
fn a_pool_worker_trains_each_run_of_its_share_as_one_worker_would() {
    let data = dataset();
    let mut spec = SweepSpec {
        base: Config { epochs: 1, stats_every: 0, ..Config::default() },
        combinations: vec![vec![Relu, Sigmoid, Relu], vec![Tanh, Tanh, Tanh], vec![Selu, Relu, Sigmoid]],
        seeds: vec![5, 6],
        ..SweepSpec::default()
    };
    spec.apply_setting("backend", "cpu").unwrap();
    spec.validate().unwrap();
    let train = |shard: Shard| -> Vec<RunRecord> {
        let limit = spec.page_group_limit();
        let mut sweep = Sweep::new(spec.members(), data.clone(), &cpu(), MemoryLimits::CPU, limit).unwrap();
        sweep.keep_shard(shard).unwrap();
        let mut records = Vec::new();
        while !sweep.is_done() {
            records.extend(pollster::block_on(sweep.run(7, f64::INFINITY, ReadBack::Now)).unwrap().finished);
        }
        records
    };
    let whole = train(Shard::WHOLE);
    assert_eq!(whole.len(), 6);
    let split: Vec<RunRecord> = (1..=3).flat_map(|index| train(Shard { index, count: 3 })).collect();
    assert_eq!(split.len(), 6);
    for r in &whole {
        let other = split.iter().find(|s| s.config == r.config).expect("every run in one share");
        assert_eq!((other.state, other.test_accuracy, other.test_loss), (r.state, r.test_accuracy, r.test_loss));
    }
}

#[test]
fn aggregation_is_mean_and_population_std() {
    // 0.9, 0.8, 0.7: mean 0.8, population variance 0.02 / 3.
    let (m, s) = mean_std(&[0.9, 0.8, 0.7]);
    assert!((m - 0.8).abs() < 1e-12);
    assert!((s - (0.02f64 / 3.0).sqrt()).abs() < 1e-12, "{s}");
    let (m, s) = mean_std(&[0.5]);
    assert_eq!((m, s), (0.5, 0.0), "one run: no spread (the sample std would be undefined)");
    assert!(mean_std(&[]).0.is_nan());

    let record = |acts: [Activation; 3], seed, acc: Option<f32>| RunRecord {
        config: Config { acts: acts.to_vec(), seed, stats_every: 0, ..Config::default() },
        state: if acc.is_some() { RunState::Finished } else { RunState::Diverged },
        test_accuracy: acc,
        test_loss: acc.map(|a| 1.0 - a),
        seconds: 1.5,
    };
    let records = vec![
        record([Relu, Sigmoid, Relu], 1, Some(0.25)),
        record([Relu, Sigmoid, Relu], 2, Some(0.75)),
        record([Relu, Sigmoid, Relu], 3, None),
        record([Selu, Selu, Selu], 1, Some(0.9)),
    ];
    let cells = table::summarize(&records);
    assert_eq!(cells.len(), 2);
    let c = &cells[0];
    assert_eq!((c.row, c.column), (1, 0), "relu-sigmoid row, relu column");
    assert_eq!(c.runs, vec![(1, 0.25), (2, 0.75)]);
    assert_eq!(c.diverged, vec![3]);
    assert!((c.mean.unwrap() - 0.5).abs() < 1e-9 && (c.std.unwrap() - 0.25).abs() < 1e-9);
    assert_eq!(table::cell_text(c), "50.00 ± 25.00 (1 diverged)");
    let md = table::markdown_table(&cells);
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines.len(), 18, "header, rule, 16 rows");
    assert_eq!(lines[0], "| act1-act2 \\ act3 | relu | sigmoid | tanh | selu |");
    assert!(lines[3].starts_with("| relu-sigmoid | 50.00 ± 25.00 (1 diverged) |"), "{}", lines[3]);
    assert!(lines[17].starts_with("| selu-selu |") && lines[17].ends_with("| 90.00 ± 0.00 |"), "{}", lines[17]);

    // Exports parse back to the same numbers, wall times from the clock included.
    let timed: Vec<RunRecord> = records
        .iter()
        .zip([1.0297552443333333, 13.608614889333333, 0.1 + 0.2, 26.827924700333334])
        .map(|(r, seconds)| {
            let run = ModelRun { config: r.config.clone(), state: r.state, message: None, history: Default::default() };
            RunRecord { test_accuracy: r.test_accuracy, test_loss: r.test_loss, ..RunRecord::from_run(&run, seconds) }
        })
        .collect();
    assert_eq!(timed[0].seconds, 1.03, "to the millisecond");
    assert_eq!(table::from_json(&table::to_json(&timed)).unwrap(), timed);
    assert_eq!(table::from_csv(&table::to_csv(&timed)).unwrap(), timed);
    assert_eq!(table::from_csv(&table::to_csv(&records)).unwrap(), records);
    assert_eq!(table::from_json(&table::to_json(&records)).unwrap(), records);
    assert!(table::from_csv("a,b\n1,2").is_err());
    let bad = table::to_csv(&records).replace("relu,sigmoid,relu,none,1", "relu,swish,relu,none,1");
    assert!(table::from_csv(&bad).unwrap_err().contains("line 2"), "a bad row is named");

    // The network's shape and initialisation travel in the CSV too; files from before those
    // columns read as the article's network.
    let mut shaped = records.clone();
    for r in &mut shaped {
        r.config.widths = vec![64, 32];
        r.config.init = activation_playground::config::Init::He;
        r.config.gain = 2.0;
    }
    let csv = table::to_csv(&shaped);
    assert!(csv.lines().nth(1).unwrap().ends_with(",64 32,he,2"), "{csv}");
    assert_eq!(table::from_csv(&csv).unwrap(), shaped);
    let legacy: String =
        table::to_csv(&records).lines().map(|l| l.rsplitn(4, ',').last().unwrap().to_string() + "\n").collect();
    assert!(legacy.starts_with("act1,act2,act3,bn,") && legacy.lines().next().unwrap().ends_with(",seconds"));
    assert_eq!(table::from_csv(&legacy).unwrap(), records);
}

#[test]
fn sweep_specs_are_validated_and_listed_seed_major() {
    let spec = SweepSpec {
        base: Config::default(),
        combinations: all_combinations(),
        seeds: vec![1, 2, 3],
        ..SweepSpec::default()
    };
    let members = spec.members();
    assert_eq!(members.len(), 192);
    assert_eq!((members[0].seed, members[63].seed, members[64].seed), (1, 1, 2));
    assert_eq!(members[64].acts, [Relu, Relu, Relu]);
    assert!(SweepSpec { seeds: vec![1, 1], ..spec.clone() }.validate().unwrap_err().contains("twice"));
    assert!(SweepSpec { seeds: vec![], ..spec.clone() }.validate().is_err());
    assert!(SweepSpec { combinations: vec![], ..spec.clone() }.validate().is_err());
    assert!(SweepSpec { parallel: 0, ..spec.clone() }.validate().unwrap_err().contains("parallel"));
    let bad_seed = SweepSpec { seeds: vec![1 << 60], ..spec };
    assert!(bad_seed.validate().unwrap_err().contains("seed"));
}

#[test]
fn weights_draw_once_per_seed() {
    // The engine relies on InitialWeights depending on the seed alone, not the activations.
    let a = InitialWeights::draw(&cfg([Relu, Relu, Relu], BatchNormMode::None, 9), 784);
    let b = InitialWeights::draw(&cfg([Selu, Tanh, Sigmoid], BatchNormMode::All, 9), 784);
    assert_eq!(a, b);
}
