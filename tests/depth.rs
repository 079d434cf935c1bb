//! Issue 11: networks of any depth and width, the initialisation schemes, old links, vanishing
//! gradients in deep sigmoid nets, and the Q&A's tiny network. Natively on burn's CPU backend.

use activation_playground::config::{Activation, BatchNormMode, Config, DatasetKind, Init};
use activation_playground::data::{self, Dataset};
use activation_playground::model::{InitialWeights, Mlp};
use activation_playground::share::{parse_query, presets, qa_config};
use activation_playground::stats;
use activation_playground::train::Session;
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn mean_var(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// Expected weight variance of each scheme for a `fan_in → fan_out` layer at `gain`.
fn expected_weight_variance(init: Init, fan_in: usize, fan_out: usize, gain: f64) -> f64 {
    let (i, o, g2) = (fan_in as f64, fan_out as f64, gain * gain);
    match init {
        Init::Pytorch => g2 / (3.0 * i),    // U(±g/√in): bound² / 3
        Init::Xavier => g2 * 2.0 / (i + o), // U(±g√(6/(in+out))): bound² / 3
        Init::He => g2 * 2.0 / i,           // N(0, g²·2/in)
        Init::Lecun => g2 / i,              // N(0, g²/in)
        Init::Uniform => g2 / 3.0,          // U(±g)
    }
}

#[test]
fn every_init_scheme_has_its_mean_and_variance() {
    for init in Init::ALL {
        for gain in [1.0, 0.1, 2.5] {
            // Over several seeds (draws), two layers of different fans.
            for seed in [1, 2, 3] {
                let config = Config {
                    init,
                    gain,
                    seed,
                    acts: vec![Activation::Relu; 3],
                    widths: vec![300, 100],
                    ..Config::default()
                };
                let weights = InitialWeights::draw(&config, 400);
                assert_eq!(weights.sizes().unwrap(), [400, 300, 100, 10]);
                for layer in &weights.layers[..2] {
                    let (mean, var) = mean_var(&layer.weight);
                    let want = expected_weight_variance(init, layer.fan_in, layer.fan_out, gain);
                    let n = layer.weight.len() as f64;
                    let why = format!("{init:?} gain {gain} seed {seed} {}→{}", layer.fan_in, layer.fan_out);
                    // Mean within 5 standard errors of 0; variance within 3% (n ≥ 30,000 draws).
                    assert!(mean.abs() < 5.0 * (want / n).sqrt(), "{why}: mean {mean}");
                    assert!((var / want - 1.0).abs() < 0.03, "{why}: variance {var}, expected {want}");
                    // Biases: PyTorch's and the Q&A's are drawn like their weights (without the
                    // gain); the other schemes start them at zero.
                    let (bias_mean, bias_var) = mean_var(&layer.bias);
                    let bias_want = match init {
                        Init::Pytorch => 1.0 / (3.0 * layer.fan_in as f64),
                        Init::Uniform => 1.0 / 3.0,
                        _ => 0.0,
                    };
                    assert!(bias_mean.abs() < 5.0 * (bias_want / layer.fan_out as f64).sqrt() + 1e-12, "{why}");
                    if bias_want == 0.0 {
                        assert!(layer.bias.iter().all(|&b| b == 0.0), "{why}: biases start at 0");
                    } else {
                        assert!((bias_var / bias_want - 1.0).abs() < 0.3, "{why}: bias variance {bias_var}");
                    }
                }
            }
        }
    }
    // Without biases the layers have none.
    let none = InitialWeights::draw(&Config { bias: false, ..Config::default() }, 784);
    assert!(none.layers.iter().all(|l| l.bias.is_empty()));
    assert_eq!(none.sizes().unwrap(), [784, 500, 256, 10]);
}

/// The initial weights exactly as they were drawn before networks had a depth and an init:
/// U(±1/√fan_in) weights then biases, per layer of 784 → 500 → 256 → 10, one ChaCha8 stream.
fn old_pytorch_draw(seed: u64) -> Vec<(Vec<f32>, Vec<f32>)> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    [784usize, 500, 256, 10]
        .windows(2)
        .map(|p| {
            let bound = 1.0 / (p[0] as f32).sqrt();
            let mut uniform = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
            (uniform(p[0] * p[1]), uniform(p[1]))
        })
        .collect()
}

#[test]
fn old_links_json_and_weights_mean_what_they_meant() {
    // Links written before this change, and the configuration each meant.
    let old = |acts: [Activation; 3], bn: BatchNormMode, lr: f64, seed: u64| Config {
        acts: acts.to_vec(),
        batch_norm: bn,
        lr,
        seed,
        ..Config::default()
    };
    use Activation::*;
    let cases = [
        ("", Config::default()),
        ("acts=relu,sigmoid,relu", Config::default()),
        (
            "dataset=mnist-subset&acts=tanh,selu,sigmoid&bn=last&lr=0.125&momentum=0.5&batch=32&epochs=10&seed=7&backend=gpu&stats=50",
            old([Tanh, Selu, Sigmoid], BatchNormMode::Last, 0.125, 7),
        ),
        ("acts=selu,selu,selu&lr=10", old([Selu, Selu, Selu], BatchNormMode::None, 10.0, 1)),
    ];
    for (link, want) in cases {
        let parsed = parse_query(link);
        assert!(parsed.errors.is_empty(), "{link}: {:?}", parsed.errors);
        assert_eq!(parsed.config, want, "{link}");
        // Written back, the article's network needs none of the new settings.
        let query = activation_playground::share::to_query(&parsed);
        for key in ["widths=", "init=", "gain=", "bias=", "loss="] {
            assert!(!query.contains(key), "{query}");
        }
    }
    // Every preset that existed keeps its link, its JSON and its file name.
    for p in presets().into_iter().filter(|p| p.config.acts.len() == 3 && p.config.dataset != DatasetKind::Qa) {
        let link = format!("preset={}", p.name);
        assert_eq!(parse_query(&link).config, p.config);
    }
    let json = r#"{"dataset":"mnist-subset","acts":["relu","sigmoid","relu"],"bn":"none","lr":0.01,"momentum":0.5,"batch":32,"epochs":10,"seed":1,"backend":"gpu","stats":50}"#;
    assert_eq!(Config::from_json(json).unwrap(), Config::default());
    assert_eq!(
        Config::default().file_label(),
        "relu-sigmoid-relu_bn-none_mnist-subset_lr-0.01_momentum-0.5_batch-32_epochs-10_seed-1_gpu_stats-50"
    );
    // The same seed draws bit for bit the same initial weights as before.
    for seed in [1, 7, 9_007_199_254_740_991] {
        let drawn = InitialWeights::draw(&Config { seed, ..Config::default() }, 784);
        let old = old_pytorch_draw(seed);
        for (layer, (weight, bias)) in drawn.layers.iter().zip(old) {
            assert!(layer.weight == weight && layer.bias == bias, "seed {seed}");
        }
    }
}

#[test]
fn new_settings_round_trip_through_the_link() {
    let deep = Config {
        acts: vec![Activation::Sigmoid; 8],
        widths: vec![128; 7],
        init: Init::Xavier,
        gain: 0.5,
        bias: false,
        ..Config::default()
    };
    let view = parse_query(
        "acts=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&widths=128,128,128,128,128,128,128&init=xavier&gain=0.5&bias=0",
    );
    assert!(view.errors.is_empty(), "{:?}", view.errors);
    assert_eq!(view.config, deep);
    let query = activation_playground::share::to_query(&view);
    assert_eq!(parse_query(&query).config, deep, "{query}");
    // A B side that differs only in its network.
    let mut ab = parse_query(&format!("{query}&b.init=he&b.acts=relu,relu"));
    assert!(ab.errors.is_empty(), "{:?}", ab.errors);
    let b = ab.compare.take().unwrap();
    assert_eq!((b.init, b.widths.clone(), b.gain), (Init::He, vec![128], 0.5));
    let back = parse_query(&activation_playground::share::to_query(&activation_playground::share::SharedView {
        compare: Some(b.clone()),
        ..ab
    }));
    assert_eq!(back.compare, Some(b));
}

fn bundled_subset() -> Arc<Dataset> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/data/mnist-subset");
    Arc::new(data::load_dir(DatasetKind::MnistSubset, &dir).expect("the bundled subset (bash scripts/build.sh)"))
}

/// Layer 1's weight-gradient norm ÷ the output layer's, on 64 test images, at initialisation.
fn first_over_last(config: &Config, dataset: &Dataset) -> f32 {
    let device = Device::flex();
    let model = Mlp::new(config, dataset.input_size(), &device);
    let batch = dataset.batch(&dataset.test, &(0..64).collect::<Vec<_>>());
    let record = pollster::block_on(stats::probe(&model, &batch, dataset.input_size(), &device, 0)).unwrap();
    stats::gradient_ratio(&record.layers).expect("finite gradient norms")
}

#[test]
fn deep_sigmoid_gradients_vanish_where_relu_with_he_does_not() {
    let dataset = bundled_subset();
    let deep =
        |act: Activation, init: Init| Config { acts: vec![act; 8], widths: vec![256; 7], init, ..Config::default() };
    for seed in [1, 2, 3] {
        let sigmoid = first_over_last(&Config { seed, ..deep(Activation::Sigmoid, Init::Pytorch) }, &dataset);
        let relu = first_over_last(&Config { seed, ..deep(Activation::Relu, Init::He) }, &dataset);
        println!("seed {seed}: 8-layer sigmoid first÷last {sigmoid:.3e}, ReLU + He {relu:.3e}");
        assert!(sigmoid * 1000.0 < relu, "seed {seed}: sigmoid {sigmoid} vs relu {relu}");
        assert!(relu > 0.1, "seed {seed}: the ReLU + He gradient reaches layer 1 ({relu})");
    }
}

/// The Q&A preset's network and training (share::qa_config), with `seed` and `steps`.
fn qa(hidden: Activation, output: Activation, seed: u64, steps: usize) -> Config {
    Config { epochs: steps, seed, stats_every: 0, ..qa_config(hidden, output) }
}

/// What the Q&A prints: mean |y − ŷ| over the six examples.
fn mean_absolute_error(session: &Session, dataset: &Dataset) -> f32 {
    let batch = dataset.batch(&dataset.train, &(0..6).collect::<Vec<_>>());
    let device = Device::flex();
    let model = session.model().unwrap().valid();
    let inputs = Tensor::<2>::from_data(TensorData::new(batch.features, [6, 3]), &device);
    let out: Vec<f32> = model.forward(inputs).into_data().iter::<f32>().collect();
    out.iter().zip(&batch.labels).map(|(y_hat, &y)| (y as f32 - y_hat).abs()).sum::<f32>() / 6.0
}

fn train_qa(config: Config) -> (f32, f64) {
    let dataset = Arc::new(Dataset::qa());
    let started = Instant::now();
    let mut session = Session::new(config, dataset.clone(), &Device::flex()).unwrap();
    while !session.is_done() {
        pollster::block_on(session.run(usize::MAX, f64::INFINITY));
    }
    (mean_absolute_error(&session, &dataset), started.elapsed().as_secs_f64())
}

#[test]
fn the_qa_sigmoid_output_learns_and_the_relu_output_does_not() {
    const STEPS: usize = 10_000;
    let (mut sigmoid_below, mut relu_above, mut seconds) = (0, 0, 0.0);
    for seed in 1..=20 {
        let (sigmoid, s1) = train_qa(qa(Activation::Sigmoid, Activation::Sigmoid, seed, STEPS));
        let (relu, s2) = train_qa(qa(Activation::Sigmoid, Activation::Relu, seed, STEPS));
        seconds += s1 + s2;
        println!("seed {seed:2}: MAE after {STEPS} steps: sigmoid output {sigmoid:.2e}, ReLU output {relu:.2e}");
        sigmoid_below += usize::from(sigmoid < 1e-2);
        relu_above += usize::from(relu > 1e-1);
    }
    println!(
        "sigmoid output below 1e-2 on {sigmoid_below}/20 seeds; ReLU output above 1e-1 on {relu_above}/20; \
         {:.0} µs per step",
        seconds / (40.0 * STEPS as f64) * 1e6
    );
    assert_eq!(sigmoid_below, 20, "the sigmoid output learns on every seed");
    assert!(relu_above >= 14, "the ReLU output stays stuck on most seeds ({relu_above}/20)");
}

#[test]
fn the_chance_line_is_ln_of_the_classes_for_softmax_and_absent_for_squared_error() {
    assert_eq!(Config::default().chance_loss(), Some(std::f64::consts::LN_10));
    assert_eq!(qa(Activation::Sigmoid, Activation::Sigmoid, 1, 10).chance_loss(), None);
}

#[test]
fn a_finished_runs_verdict_is_measured_against_chance_and_absent_for_squared_error() {
    let article = Config::default();
    let guessing = article.accuracy_verdict(0.1135).unwrap();
    assert_eq!((guessing.tone, guessing.text.contains("guessing (10%)")), ("bad", true));
    let held_back = article.accuracy_verdict(0.52).unwrap();
    assert_eq!(held_back.tone, "");
    assert!(held_back.text.starts_with("Well below"));
    assert_eq!(article.accuracy_verdict(0.97).unwrap().text, "");
    assert_eq!(article.accuracy_verdict(0.97).unwrap().tone, "good");
    assert_eq!(qa(Activation::Sigmoid, Activation::Sigmoid, 1, 10).accuracy_verdict(0.5), None);
}

#[test]
fn the_qa_headline_is_its_mean_absolute_error_beside_the_squared_error_loss() {
    // Trained: the run reports the error the Q&A prints, measured here independently.
    for (hidden, output, steps) in
        [(Activation::Sigmoid, Activation::Sigmoid, 300), (Activation::Relu, Activation::Relu, 50)]
    {
        let dataset = Arc::new(Dataset::qa());
        let mut session = Session::new(qa(hidden, output, 1, steps), dataset.clone(), &Device::flex()).unwrap();
        let mut progress = None;
        while !session.is_done() {
            progress = Some(pollster::block_on(session.run(usize::MAX, f64::INFINITY)));
        }
        let progress = progress.unwrap();
        let error = mean_absolute_error(&session, &dataset);
        let reported = progress.test_error.expect("a single output reports its error");
        assert!((reported - error).abs() < 1e-5, "{hidden:?}/{output:?}: {reported} vs {error}");
        let h = &progress.headline;
        assert_eq!(h.label, "Mean absolute error");
        assert_eq!(h.value, activation_playground::format::value(reported as f64, 3));
        assert!(h.beside.starts_with("squared-error loss "), "{}", h.beside);
    }
    // The verdict in those terms; the article's run keeps its accuracy.
    let qa = qa(Activation::Relu, Activation::Relu, 1, 10);
    let stuck = qa.headline(Some(0.5), Some(0.5), Some(0.125));
    assert_eq!((stuck.value.as_str(), stuck.verdict.tone), ("0.500", "bad"));
    assert!(stuck.verdict.text.contains("0.5"), "{}", stuck.verdict.text);
    assert_eq!(qa.headline(Some(1.0), Some(0.01), Some(1e-4)).verdict.tone, "good");
    assert_eq!(qa.headline(None, None, None).value, "–");
    let article = Config::default().headline(Some(0.9712), None, Some(0.1));
    assert_eq!((article.label, article.value.as_str(), article.beside.as_str()), ("Test accuracy", "97.1%", ""));
    assert_eq!(article.verdict.tone, "good");
    // Without a single output no error is measured.
    let mnist = Config { epochs: 1, ..Config::default() };
    assert_eq!(mnist.headline(Some(0.1), None, Some(2.3)).verdict.tone, "bad");
}
