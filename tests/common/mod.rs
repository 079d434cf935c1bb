//! Helpers shared by the integration tests. Each test binary uses some of them.
#![allow(dead_code)]

pub mod real_data;
pub mod replay;
pub mod shared;
#[cfg(feature = "native-wgpu")]
pub mod wgpu;

use activation_playground::config::DatasetKind;
use activation_playground::data::{Dataset, ImageShape, Normalization, Split};
use std::sync::Arc;

/// Random MNIST-shaped images whose class is the brightest of 10 pixel groups: learnable,
/// small and instant to build.
pub fn synthetic(kind: DatasetKind, n_train: usize, n_test: usize, seed: u64) -> Arc<Dataset> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut split = |n: usize| {
        let mut images = Vec::with_capacity(n * 784);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let label: u8 = rng.random_range(0..10);
            for p in 0..784 {
                let base: u8 = rng.random_range(0..60);
                images.push(if p % 10 == label as usize { base + 150 } else { base });
            }
            labels.push(label);
        }
        Split { images, labels }
    };
    let (train, test) = (split(n_train), split(n_test));
    if matches!(kind, DatasetKind::Cifar10Subset | DatasetKind::Cifar10) {
        // The same images, each pixel repeated for CIFAR-10's 3 × 32 × 32 (the class still shows).
        let widen = |s: Split| Split {
            images: s.images.chunks(784).flat_map(|img| (0..3072).map(move |i| img[i % 784])).collect(),
            labels: s.labels,
        };
        return Arc::new(
            Dataset::new(kind, ImageShape::CIFAR, Normalization::cifar(), widen(train), widen(test)).unwrap(),
        );
    }
    Arc::new(Dataset::new(kind, ImageShape::MNIST, Normalization::mnist(), train, test).unwrap())
}

/// Registers DejaVu Sans as plotters' "sans-serif" (natively, charts need a font to draw text).
/// Returns whether it is there.
pub fn fonts() -> bool {
    static ONCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ONCE.get_or_init(|| {
        use plotters::style::FontStyle;
        let dir = std::path::Path::new("/usr/share/fonts/truetype/dejavu");
        let mut ok = true;
        for (file, style) in [("DejaVuSans.ttf", FontStyle::Normal), ("DejaVuSans-Bold.ttf", FontStyle::Bold)] {
            match std::fs::read(dir.join(file)) {
                Ok(bytes) => {
                    let _ = plotters::style::register_font("sans-serif", style, Box::leak(bytes.into_boxed_slice()));
                }
                Err(_) => {
                    ok = false;
                    eprintln!("note: {} missing (fonts-dejavu-core): charts without text", dir.join(file).display())
                }
            }
        }
        ok
    })
}

/// Trains `steps` steps (or to the end of `config.epochs`) and returns the history.
pub fn train(
    config: activation_playground::config::Config,
    data: Arc<Dataset>,
    steps: usize,
) -> activation_playground::history::History {
    let mut session = activation_playground::train::Session::new(config, data, &burn::tensor::Device::flex())
        .expect("valid configuration");
    let mut done = 0;
    while done < steps && !session.is_done() {
        let progress = pollster::block_on(session.run(steps - done, 1e12));
        done = progress.position.step;
    }
    session.history().clone()
}
