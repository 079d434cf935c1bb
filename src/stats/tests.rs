//! The probe on small models, and the host-side helpers.

use super::*;
use crate::config::{BatchNormMode, Config};

/// A histogram of the distribution described by evenly spaced quantiles: each interval
/// between neighbouring quantiles holds `1/(len−1)` of the mass (1 % for 101 quantiles),
/// spread uniformly over the interval; an interval of zero width (many values exactly equal,
/// e.g. ReLU zeros) puts its whole mass into the bin holding that value.
///
/// Returns `(lo, hi, density)` with `bins` equal bins over `[lo, hi]`; the density integrates
/// to the mass of the finite intervals (1 when every quantile is finite). `lo`/`hi` are the
/// smallest/largest finite quantiles, padded to `value ± max(|value|, 1)·0.05` when they are
/// equal; with no finite quantile: `(0, 1, zeros)`. Intervals touching a NaN are left out.
fn histogram_from_quantiles(quantiles: &[f32], bins: usize) -> (f32, f32, Vec<f32>) {
    let (lo, hi, mass) = histogram_mass_from_quantiles(quantiles, bins);
    let width = (hi - lo) as f64 / bins.max(1) as f64;
    (lo, hi, mass.into_iter().map(|m| (m as f64 / width) as f32).collect())
}

/// Like [`histogram_from_quantiles`], but each bin holds its share of the values (a fraction of
/// 1) instead of a density.
fn histogram_mass_from_quantiles(quantiles: &[f32], bins: usize) -> (f32, f32, Vec<f32>) {
    let finite: Vec<f64> = quantiles.iter().filter(|v| v.is_finite()).map(|&v| v as f64).collect();
    let (Some(&min), Some(&max)) =
        (finite.iter().min_by(|a, b| a.total_cmp(b)), finite.iter().max_by(|a, b| a.total_cmp(b)))
    else {
        return (0.0, 1.0, vec![0.0; bins]);
    };
    let (lo, hi) = if max > min {
        (min, max)
    } else {
        let pad = min.abs().max(1.0) * 0.05;
        (min - pad, max + pad)
    };
    (lo as f32, hi as f32, histogram_mass_in_range(quantiles, lo, hi, bins))
}

fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

fn t2(rows: &[&[f32]]) -> Tensor<2> {
    let (r, c) = (rows.len(), rows[0].len());
    let flat: Vec<f32> = rows.iter().flat_map(|row| row.iter().copied()).collect();
    Tensor::from_data(TensorData::new(flat, [r, c]), &Device::flex())
}

fn read(t: Tensor<1>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

#[test]
fn quantiles_of_0_to_100_are_the_integers() {
    let values: Vec<f32> = (0..=100).rev().map(|v| v as f32).collect();
    let q = quantiles(&values);
    assert_eq!(q.len(), QUANTILES);
    for (k, v) in q.iter().enumerate() {
        assert_eq!(*v, k as f32);
    }
    assert_eq!(percentile(&q, 37.5), 37.5);
    assert_eq!(percentile(&q, 0.0), 0.0);
    assert_eq!(percentile(&q, 100.0), 100.0);
    assert!(percentile(&q, 101.0).is_nan());
}

#[test]
fn quantiles_interpolate_linearly() {
    // 0, 10, 20, 30, 40: h = q·4, so the 10 % quantile is 0 + 0.4·10 = 4, the median 20.
    let q = quantiles(&[40.0, 0.0, 30.0, 10.0, 20.0]);
    assert!(close(q[10], 4.0, 1e-6));
    assert!(close(q[50], 20.0, 1e-6));
    assert!(close(q[99], 39.6, 1e-6));
    assert_eq!(q[100], 40.0);
    // One value: every quantile is it.
    assert!(quantiles(&[3.5]).iter().all(|&v| v == 3.5));
    assert!(quantiles(&[]).iter().all(|v| v.is_nan()));
}

#[test]
fn non_finite_values_end_up_as_nan_at_the_ends() {
    let mut values: Vec<f32> = (0..98).map(|v| v as f32).collect();
    values.push(f32::INFINITY);
    values.push(f32::NAN);
    let q = quantiles(&values);
    assert!(q[0] == 0.0 && q[50].is_finite());
    assert!(q[100].is_nan() && q[99].is_nan());
    assert!(q.iter().all(|v| v.is_nan() || v.is_finite()));
}

#[test]
fn histogram_of_uniform_quantiles_is_flat() {
    let q: Vec<f32> = (0..=100).map(|v| v as f32 / 100.0).collect();
    let (lo, hi, d) = histogram_from_quantiles(&q, 10);
    assert_eq!((lo, hi), (0.0, 1.0));
    for v in &d {
        assert!(close(*v, 1.0, 1e-5), "{d:?}");
    }
    let (_, _, m) = histogram_mass_from_quantiles(&q, 4);
    assert!(m.iter().all(|v| close(*v, 0.25, 1e-5)), "{m:?}");
}

#[test]
fn histogram_puts_point_masses_in_one_bin() {
    // Half the values exactly 0 (dead/negative ReLU inputs), the rest uniform on [0, 2].
    let mut q = vec![0.0f32; 51];
    q.extend((1..=50).map(|k| k as f32 * 0.04));
    let (lo, hi, m) = histogram_mass_from_quantiles(&q, 4);
    assert_eq!((lo, hi), (0.0, 2.0));
    assert!(close(m[0], 0.5 + 0.125, 1e-5), "{m:?}");
    assert!(close(m[3], 0.125, 1e-5), "{m:?}");
    assert!(close(m.iter().sum::<f32>(), 1.0, 1e-5));
    assert!(close(point_mass(&q, 0.0), 0.5, 1e-6));
    // Density = mass / bin width (0.5).
    let (_, _, d) = histogram_from_quantiles(&q, 4);
    assert!(close(d[0], 1.25, 1e-5));
}

#[test]
fn histogram_in_a_fixed_range_keeps_all_the_mass() {
    // Uniform on [0, 1], drawn on [0.5, 1.5] with 2 bins: half the mass left of the range
    // lands in the first bin.
    let q: Vec<f32> = (0..=100).map(|v| v as f32 / 100.0).collect();
    let m = histogram_mass_in_range(&q, 0.5, 1.5, 2);
    assert!(close(m[0], 1.0, 1e-5) && m[1] == 0.0, "{m:?}");
    assert!(histogram_mass_in_range(&q, 1.0, 1.0, 3).iter().all(|&v| v == 0.0));
}

#[test]
fn histogram_of_a_constant_or_nothing_stays_finite() {
    let (lo, hi, m) = histogram_mass_from_quantiles(&[2.0; 101], 5);
    assert!(lo < 2.0 && hi > 2.0 && lo.is_finite() && hi.is_finite());
    assert!(close(m[2], 1.0, 1e-5), "{m:?}");
    let (lo, hi, m) = histogram_mass_from_quantiles(&[f32::NAN; 101], 5);
    assert_eq!((lo, hi), (0.0, 1.0));
    assert!(m.iter().all(|&v| v == 0.0));
    let mut q: Vec<f32> = (0..=100).map(|v| v as f32).collect();
    q[100] = f32::NAN;
    let (_, hi, m) = histogram_mass_from_quantiles(&q, 3);
    assert_eq!(hi, 99.0);
    assert!(close(m.iter().sum::<f32>(), 0.99, 1e-5));
}

#[test]
fn ema_smooths_and_skips_nan() {
    assert_eq!(ema(&[1.0, 2.0, 3.0], 0.0), vec![1.0, 2.0, 3.0]);
    let e = ema(&[4.0, 4.0, f32::NAN, 4.0], 0.9);
    assert!(e[2].is_nan());
    for v in [e[0], e[1], e[3]] {
        assert!(close(v, 4.0, 1e-6), "{e:?}");
    }
    // [0, 2] with s = 0.5: running sums 0 then 0.5·0 + 0.5·2 = 1, weights 0.5 then 0.75.
    let e = ema(&[0.0, 2.0], 0.5);
    assert!(close(e[1], 1.0 / 0.75, 1e-6));
}

#[test]
fn gradient_ratio_is_first_over_last() {
    let layer = |g: f32| LayerStats {
        pre_quantiles: vec![],
        post_quantiles: vec![],
        dead_fraction: 0.0,
        saturated_fraction: 0.0,
        grad_norm: g,
    };
    assert_eq!(gradient_ratio(&[layer(0.5), layer(9.0), layer(2.0)]), Some(0.25));
    assert_eq!(gradient_ratio(&[layer(0.5), layer(0.0)]), None);
    assert_eq!(gradient_ratio(&[layer(f32::NAN), layer(1.0)]), None);
    assert_eq!(gradient_ratio(&[layer(1.0)]), None);
}

#[test]
fn dead_and_saturated_units_of_a_4x3_output() {
    // Unit 0: always 0 (dead). Unit 1: 0 on some rows only. Unit 2: never 0.
    let relu = t2(&[&[0.0, 0.0, 1.0], &[0.0, 2.0, 0.5], &[0.0, 0.0, 3.0], &[0.0, 1.0, 0.1]]);
    assert!(close(read(dead_units(relu.clone()))[0], 1.0 / 3.0, 1e-6));
    assert_eq!(read(saturated_units(relu, Activation::Relu)), vec![0.0]);
    // Sigmoid: unit 0 stuck near 0, unit 1 near 0 or 1 (still no gradient), unit 2 fine.
    let sig = t2(&[&[0.001, 0.995, 0.5], &[0.009, 0.002, 0.989], &[0.0, 0.999, 0.2], &[0.005, 0.9999, 0.999]]);
    assert!(close(read(saturated_units(sig.clone(), Activation::Sigmoid))[0], 2.0 / 3.0, 1e-6));
    // Exactly 0 (sigmoid underflow) counts as dead too.
    assert_eq!(read(dead_units(sig)), vec![0.0]);
    let tanh = t2(&[&[-0.995, 0.999, 0.0], &[-0.999, -0.9999, 0.98], &[-1.0, 0.995, 0.995], &[-0.991, 1.0, 0.5]]);
    assert!(close(read(saturated_units(tanh, Activation::Tanh))[0], 2.0 / 3.0, 1e-6));
    let selu = t2(&[&[5.0, -1.7, 0.0]]);
    assert_eq!(read(saturated_units(selu, Activation::Selu)), vec![0.0]);
}

#[test]
fn dead_rows_counts_all_zero_rows() {
    let out = t2(&[&[0.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 0.0], &[2.0, 0.0, 0.0]]);
    assert_eq!(read(dead_rows(out)), vec![0.5]);
}

#[test]
fn l2_norm_matches_hand_values_even_when_tiny() {
    let g = t2(&[&[3.0, 0.0], &[0.0, -4.0]]);
    assert!(close(read(l2_norm(g))[0], 5.0, 1e-6));
    // Squaring 3e-25 would underflow f32; the scaled norm does not.
    let g = t2(&[&[3e-25, 0.0], &[0.0, -4e-25]]);
    assert!(close(read(l2_norm(g))[0], 5e-25, 1e-5));
    assert_eq!(read(l2_norm(t2(&[&[0.0, 0.0]]))), vec![0.0]);
}

fn tiny_batch(rows: usize, input: usize, seed: u64) -> HostBatch {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    HostBatch {
        features: (0..rows * input).map(|_| rng.random_range(-1.0f32..1.0)).collect(),
        labels: (0..rows).map(|i| (i % 10) as i64).collect(),
    }
}

fn probe_now(model: &Mlp, batch: &HostBatch, input: usize, device: &Device) -> ProbeRecord {
    pollster::block_on(probe(model, batch, input, device, 7)).unwrap()
}

#[test]
fn probe_matches_a_direct_computation_and_leaves_the_model_alone() {
    let input = 20;
    let device = Device::flex().autodiff();
    let config = Config { acts: vec![Activation::Relu, Activation::Sigmoid, Activation::Relu], ..Config::default() };
    let model = Mlp::new(&config, input, &device);
    let batch = tiny_batch(16, input, 3);
    let record = probe_now(&model, &batch, input, &device);
    assert_eq!(record.step, 7);
    assert_eq!(record.layers.len(), 3);
    assert!(!record.non_finite);

    // The same numbers, directly: a forward pass on the plain device for the values, and a
    // backward pass of the loss, gradient norms summed on the host.
    let plain = device.clone().inner();
    let valid = model.valid();
    let b = Batch::upload(&batch, input, &plain);
    let outs = valid.forward_traced(b.inputs);
    for (stats, out) in record.layers.iter().zip(&outs) {
        let pre: Vec<f32> = out.pre.clone().into_data().iter::<f32>().collect();
        let post: Vec<f32> = out.post.clone().into_data().iter::<f32>().collect();
        assert_eq!(stats.pre_quantiles, quantiles(&pre));
        assert_eq!(stats.post_quantiles, quantiles(&post));
        assert_eq!(stats.pre_quantiles[0], pre.iter().copied().fold(f32::INFINITY, f32::min));
    }
    let b = Batch::upload(&batch, input, &device);
    let loss = crate::model::cross_entropy(model.forward(b.inputs), b.targets);
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    for (stats, layer) in record.layers.iter().zip(&model.layers) {
        let g: Vec<f32> = grads.get::<2>(layer.linear.weight.id).unwrap().into_data().iter::<f32>().collect();
        let norm = g.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt() as f32;
        assert!(norm > 0.0);
        assert!(close(stats.grad_norm, norm, 1e-4), "{} vs {norm}", stats.grad_norm);
    }

    // Probing again gives the same record: nothing in the model moved.
    assert_eq!(probe_now(&model, &batch, input, &device), record);
    // A plain device is accepted too.
    assert_eq!(probe_now(&model, &batch, input, &plain).layers[0].pre_quantiles, record.layers[0].pre_quantiles);
}

#[test]
fn probe_does_not_touch_batch_norm_running_statistics() {
    let input = 12;
    let device = Device::flex().autodiff();
    let config = Config { batch_norm: BatchNormMode::All, ..Config::default() };
    let model = Mlp::new(&config, input, &device);
    let running = |m: &Mlp| -> Vec<f32> {
        m.layers[0].norm.as_ref().unwrap().running_mean.value().into_data().iter::<f32>().collect()
    };
    let before = running(&model);
    let batch = tiny_batch(8, input, 5);
    let record = probe_now(&model, &batch, input, &device);
    assert_eq!(running(&model), before);
    assert!(record.layers.iter().all(|l| l.grad_norm.is_finite()));
}

#[test]
fn a_dead_relu_output_layer_is_seen() {
    // Push the last layer's bias far negative: every output is relu(−big) = 0.
    let input = 8;
    let device = Device::flex().autodiff();
    let config = Config { acts: vec![Activation::Relu; 3], ..Config::default() };
    let mut model = Mlp::new(&config, input, &device);
    let last = model.layers.last_mut().unwrap();
    let bias = last.linear.bias.take().unwrap();
    last.linear.bias = Some(bias.map(|b| b.sub_scalar(1000.0)));
    let record = probe_now(&model, &tiny_batch(10, input, 1), input, &device);
    assert_eq!(record.dead_output_rows, 1.0);
    assert!(record.output_dead());
    assert_eq!(record.layers[2].dead_fraction, 1.0);
    assert_eq!(record.layers[2].post_quantiles, vec![0.0; QUANTILES]);
    // No gradient flows through relu at 0: every weight gradient is exactly 0.
    assert!(
        record.layers.iter().all(|l| l.grad_norm == 0.0),
        "{:?}",
        record.layers.iter().map(|l| l.grad_norm).collect::<Vec<_>>()
    );
    assert_eq!(record.gradient_ratio(), None);
}

#[test]
fn non_finite_weights_are_flagged_not_fatal() {
    let input = 6;
    let device = Device::flex().autodiff();
    let mut model = Mlp::new(&Config::default(), input, &device);
    let first = &mut model.layers[0].linear;
    let w = first.weight.clone();
    first.weight = w.map(|w| w.mul_scalar(f32::INFINITY));
    let record = probe_now(&model, &tiny_batch(4, input, 2), input, &device);
    assert!(record.non_finite);
    for l in &record.layers {
        assert!(l.pre_quantiles.iter().chain(&l.post_quantiles).all(|v| v.is_finite() || v.is_nan()));
        assert!(l.grad_norm.is_finite() || l.grad_norm.is_nan());
    }
    // serde writes NaN as null, which the page reads as "missing".
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.contains("null"));
}
