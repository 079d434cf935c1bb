//! Statistics and charts on real (short) training runs, natively on burn's CPU backend.
//!
//! Uses full MNIST from ../shared/data/mnist when it is there (a few thousand images of it),
//! else a synthetic dataset. Saves one PNG per chart under artifacts/charts/ for a person to
//! look at.

mod common;

use activation_playground::config::{Activation, Config, DatasetKind};
use activation_playground::data::{self, Dataset, ImageShape, Normalization, Split};
use activation_playground::history::History;
use activation_playground::plots::{self, ChartLayout, Stage};
use plotters::backend::BitMapBackend;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

const RELU: Activation = Activation::Relu;
const SIGMOID: Activation = Activation::Sigmoid;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first `n_train` / `n_test` images of full MNIST, if its files are there.
fn mnist(n_train: usize, n_test: usize) -> Option<Arc<Dataset>> {
    static FULL: OnceLock<Option<Dataset>> = OnceLock::new();
    let full = FULL.get_or_init(|| {
        let dir = common::shared::data_or("mnist", "SYNTHETIC DATA IN")?;
        Some(data::load_dir(DatasetKind::Mnist, &dir).expect("full MNIST in ../shared/data/mnist"))
    });
    let full = full.as_ref()?;
    let take = |s: &Split, n: usize| {
        let n = n.min(s.len());
        Split { images: s.images[..n * 784].to_vec(), labels: s.labels[..n].to_vec() }
    };
    let d = Dataset::new(
        DatasetKind::Mnist,
        ImageShape::MNIST,
        Normalization::mnist(),
        take(&full.train, n_train),
        take(&full.test, n_test),
    )
    .ok()?;
    Some(Arc::new(d))
}

fn synthetic(n_train: usize, n_test: usize, seed: u64) -> Arc<Dataset> {
    common::synthetic(DatasetKind::Mnist, n_train, n_test, seed)
}

fn data(n_train: usize, n_test: usize) -> Arc<Dataset> {
    mnist(n_train, n_test).unwrap_or_else(|| synthetic(n_train, n_test, 7))
}

/// A run on [`data`] with `acts`, its statistics taken every `stats_every` steps.
fn on_mnist(acts: Vec<Activation>, stats_every: usize) -> Config {
    Config { dataset: DatasetKind::Mnist, acts, stats_every, ..Config::default() }
}

use common::train;

fn fonts() {
    common::fonts();
}

/// Draws one chart into a bitmap and saves it as artifacts/charts/`name`.png.
fn save(
    name: &str,
    (w, h): (u32, u32),
    draw: impl FnOnce(BitMapBackend) -> Result<ChartLayout, String>,
) -> ChartLayout {
    fonts();
    let mut buf = vec![0u8; (w * h * 3) as usize];
    let layout = draw(BitMapBackend::with_buffer(&mut buf, (w, h))).expect("charts draw");
    let inked = buf.chunks(3).filter(|p| p != &[255, 255, 255]).count();
    assert!(inked > (w * h / 100) as usize, "{name} is (nearly) blank");
    let dir = root().join("artifacts/charts");
    if std::fs::create_dir_all(&dir).is_ok() {
        write_png(&dir.join(format!("{name}.png")), (w, h), &buf).expect("png");
    }
    layout
}

/// An 8-bit RGB PNG file: no filtering, zlib through `flate2` (already a dependency; a PNG crate
/// as a dev-dependency would change shared features and rebuild much of burn for the tests).
fn write_png(path: &std::path::Path, (w, h): (u32, u32), rgb: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    };
    let mut raw = Vec::with_capacity((w as usize * 3 + 1) * h as usize);
    for line in rgb.chunks(w as usize * 3) {
        raw.push(0); // filter type: none
        raw.extend_from_slice(line);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw)?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit truecolour RGB, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z.finish()?);
    chunk(&mut png, b"IEND", &[]);
    std::fs::write(path, png)
}

fn save_all(prefix: &str, history: &History) {
    let size = (1280, 800);
    save(&format!("{prefix}-training"), size, |b| plots::draw_training(b, history, 1.0));
    save(&format!("{prefix}-activations-post"), size, |b| plots::draw_activations(b, history, Stage::Post, 1.0));
    save(&format!("{prefix}-activations-pre"), size, |b| plots::draw_activations(b, history, Stage::Pre, 1.0));
    save(&format!("{prefix}-gradients"), size, |b| plots::draw_gradients(b, history, 1.0));
    save(&format!("{prefix}-health"), size, |b| plots::draw_unit_health(b, history, 1.0));
}

#[test]
fn a_real_run_gives_sane_statistics_and_charts() {
    let started = Instant::now();
    let config = Config { epochs: 3, ..on_mnist(vec![RELU, SIGMOID, RELU], 10) };
    let history = train(config, data(2000, 500), usize::MAX);
    eprintln!("trained {} steps in {:.1} s", history.steps.len(), started.elapsed().as_secs_f64());
    assert_eq!(history.epochs.len(), 3);
    assert_eq!(history.probes.len(), history.steps.len() / 10);
    for probe in &history.probes {
        assert!(!probe.non_finite);
        assert_eq!(probe.layers.len(), 3);
        for (i, layer) in probe.layers.iter().enumerate() {
            assert_eq!(layer.pre_quantiles.len(), 101);
            assert!(layer.pre_quantiles.windows(2).all(|w| w[0] <= w[1]), "quantiles ascend");
            assert!(layer.grad_norm > 0.0 && layer.grad_norm.is_finite());
            assert!((0.0..=1.0).contains(&layer.dead_fraction));
            // Sigmoid outputs lie in [0, 1]; ReLU outputs are ≥ 0 and never saturate.
            let post = &layer.post_quantiles;
            if i == 1 {
                assert!(post[0] >= 0.0 && post[100] <= 1.0);
            } else {
                assert!(post[0] >= 0.0 && layer.saturated_fraction == 0.0);
            }
        }
    }
    save_all("relu-sigmoid-relu", &history);
    save("empty-activations", (1280, 800), |b| plots::draw_activations(b, &History::default(), Stage::Post, 1.0));
    let layout = save("relu-sigmoid-relu-gradients-2x", (2560, 1600), |b| plots::draw_gradients(b, &history, 2.0));
    assert!(layout.panels.iter().all(|p| p.y_log));
    eprintln!("whole test: {:.1} s", started.elapsed().as_secs_f64());
}

/// Mean first-layer weight-gradient norm over the probes of a short run.
fn first_layer_gradient(acts: [Activation; 3], seed: u64, data: &Arc<Dataset>) -> (f64, History) {
    let config = Config { seed, epochs: 5, ..on_mnist(acts.to_vec(), 10) };
    let history = train(config, data.clone(), 120);
    let norms: Vec<f64> = history.probes.iter().map(|p| p.layers[0].grad_norm as f64).collect();
    assert!(norms.len() >= 10 && norms.iter().all(|v| v.is_finite()), "{norms:?}");
    (norms.iter().sum::<f64>() / norms.len() as f64, history)
}

#[test]
fn stacked_sigmoids_starve_the_first_layer_of_gradient() {
    let started = Instant::now();
    let data = data(2000, 500);
    for seed in [1, 2, 3] {
        let (sigmoid, sh) = first_layer_gradient([SIGMOID; 3], seed, &data);
        let (relu, rh) = first_layer_gradient([RELU; 3], seed, &data);
        let (selu, _) = first_layer_gradient([Activation::Selu; 3], seed, &data);
        eprintln!("seed {seed}: first-layer ‖∇W‖ sigmoid³ {sigmoid:.3e}, relu³ {relu:.3e}, selu³ {selu:.3e}");
        assert!(relu >= 2.0 * sigmoid, "seed {seed}: relu {relu} vs sigmoid {sigmoid}");
        assert!(selu >= 2.0 * sigmoid, "seed {seed}: selu {selu} vs sigmoid {sigmoid}");
        if seed == 1 {
            save("sigmoid-sigmoid-sigmoid-gradients", (1280, 800), |b| plots::draw_gradients(b, &sh, 1.0));
            save("sigmoid-sigmoid-sigmoid-activations-post", (1280, 800), |b| {
                plots::draw_activations(b, &sh, Stage::Post, 1.0)
            });
            save("sigmoid-sigmoid-sigmoid-health", (1280, 800), |b| plots::draw_unit_health(b, &sh, 1.0));
            save("relu-relu-relu-gradients", (1280, 800), |b| plots::draw_gradients(b, &rh, 1.0));
            save("relu-relu-relu-health", (1280, 800), |b| plots::draw_unit_health(b, &rh, 1.0));
        }
    }
    eprintln!("whole test: {:.1} s", started.elapsed().as_secs_f64());
}

/// The article's failure: ReLU on the output logits after a sigmoid layer, with a larger
/// learning rate, kills every output unit: all-zero outputs, uniform softmax, loss ln 10, and
/// not a single non-zero gradient left to recover with.
#[test]
fn the_articles_dead_output_layer_is_seen_and_bannered() {
    let data = data(2000, 500);
    for seed in [1, 2, 3] {
        let config = Config { lr: 0.1, seed, epochs: 1, ..on_mnist(vec![RELU, SIGMOID, RELU], 10) };
        let history = train(config, data.clone(), usize::MAX);
        let last = history.probes.last().expect("probes");
        assert_eq!(last.dead_output_rows, 1.0, "seed {seed}");
        assert!(last.output_dead());
        assert_eq!(last.layers[2].dead_fraction, 1.0, "seed {seed}");
        assert!(last.layers.iter().all(|l| l.grad_norm == 0.0), "seed {seed}: {:?}", last.layers);
        let final_loss = history.steps.last().unwrap().loss;
        assert!((final_loss - std::f32::consts::LN_10).abs() < 1e-4, "seed {seed}: loss {final_loss}");
        let layout =
            save(&format!("dead-output-seed{seed}-health"), (1280, 800), |b| plots::draw_unit_health(b, &history, 1.0));
        assert_eq!(layout.banner.as_deref(), Some(plots::DEAD_OUTPUT_BANNER));
        if seed == 1 {
            save("dead-output-training", (1280, 800), |b| plots::draw_training(b, &history, 1.0));
            save("dead-output-gradients", (1280, 800), |b| plots::draw_gradients(b, &history, 1.0));
            save("dead-output-activations-pre", (1280, 800), |b| plots::draw_activations(b, &history, Stage::Pre, 1.0));
        }
    }
}

/// A learning rate far too large: the run diverges within a few steps. The statistics and the
/// charts of what was recorded still come out, flagged, without a panic.
#[test]
fn a_diverging_run_still_gives_charts() {
    let data = data(2000, 500);
    let config = Config { lr: 30.0, seed: 1, epochs: 1, ..on_mnist(vec![RELU; 3], 2) };
    let history = train(config, data, usize::MAX);
    assert!(history.steps.len() < 60, "diverged early");
    for probe in &history.probes {
        for l in &probe.layers {
            for v in l.pre_quantiles.iter().chain(&l.post_quantiles).chain([&l.grad_norm, &l.dead_fraction]) {
                assert!(v.is_finite() || v.is_nan());
            }
            if !probe.non_finite {
                assert!(l.grad_norm.is_finite() && l.pre_quantiles.iter().all(|v| v.is_finite()));
            }
        }
    }
    let flagged = history.probes.iter().any(|p| p.non_finite);
    for (name, layout) in [
        ("diverged-training", save("diverged-training", (1280, 800), |b| plots::draw_training(b, &history, 1.0))),
        ("diverged-gradients", save("diverged-gradients", (1280, 800), |b| plots::draw_gradients(b, &history, 1.0))),
        (
            "diverged-activations",
            save("diverged-activations", (1280, 800), |b| plots::draw_activations(b, &history, Stage::Pre, 1.0)),
        ),
        ("diverged-health", save("diverged-health", (1280, 800), |b| plots::draw_unit_health(b, &history, 1.0))),
    ] {
        for p in &layout.panels {
            assert!(p.y_min.is_finite() && p.y_max.is_finite() && p.y_max > p.y_min, "{name}: {p:?}");
        }
        if flagged && name != "diverged-training" {
            assert!(layout.notes.iter().any(|n| n == plots::NON_FINITE_NOTE), "{name}: {:?}", layout.notes);
        }
    }
}

/// Ten layers: the gradient chart's by-depth panel plots one point per layer with the ratio,
/// the activation chart turns into small multiples (one histogram per layer), hover reads from
/// Rust, and each chart is saved at the size of one chart on a 1280×720 projector in lecture
/// mode (606×233 CSS pixels in the page's 2×2 grid) and larger.
#[test]
fn ten_layer_charts_show_gradient_size_by_depth_and_small_multiples() {
    let data = data(1000, 200);
    let config = Config { widths: vec![64; 9], seed: 1, epochs: 1, ..on_mnist(vec![SIGMOID; 10], 5) };
    let history = train(config, data, 20);
    assert!(history.probes.iter().all(|p| p.layers.len() == 10));
    for (name, size) in [("projector", (606, 233)), ("large", (1280, 800))] {
        let layout = save(&format!("ten-sigmoid-gradients-{name}"), size, |b| plots::draw_gradients(b, &history, 1.0));
        let depth = layout.panels.iter().find(|p| p.id == "depth").expect("a by-depth panel");
        assert_eq!((depth.x_min, depth.x_max), (0.5, 10.5), "one position per layer");
        assert!(depth.y_log);
        // The pointer over layer 1 reads layer 1's norm and its ratio to the output's.
        let latest = history.probes.last().unwrap();
        let px = depth.left as f64 + (1.0 - 0.5) / 10.0 * (depth.right - depth.left) as f64;
        let py = (depth.top + depth.bottom) as f64 / 2.0;
        let readout = plots::hover(&history, &layout, px, py, Stage::Post).expect("a readout over the panel");
        assert_eq!(readout.panel, "depth");
        assert_eq!(readout.rows[0].value, plots::format_value(latest.layers[0].grad_norm as f64, 4));
        let ratio = latest.layers[0].grad_norm as f64 / latest.layers[9].grad_norm as f64;
        assert_eq!(readout.rows[1].value, plots::format_value(ratio, 4));
        assert!(ratio < 1e-3, "ten sigmoid layers: the first layer's gradient is far smaller ({ratio:e})");

        let layout = save(&format!("ten-sigmoid-activations-{name}"), size, |b| {
            plots::draw_activations(b, &history, Stage::Post, 1.0)
        });
        let hists: Vec<&str> = layout.panels.iter().map(|p| p.id.as_str()).collect();
        let want: Vec<String> = (1..=10).map(|i| format!("hist-{i}")).collect();
        assert_eq!(hists, want, "small multiples: one histogram per layer, no percentile bands");
        // A grid that suits the box (two rows of five when wide), each cell with room for its histogram.
        for p in &layout.panels {
            assert!(p.right - p.left > size.0 as i32 / 8, "{p:?}");
            assert!(p.bottom - p.top > size.1 as i32 / 5, "{p:?}");
        }
    }
}
