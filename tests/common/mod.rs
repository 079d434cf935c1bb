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
    Arc::new(Dataset::new(kind, ImageShape::MNIST, Normalization::mnist(), train, test).unwrap())
}
