//! Activation and gradient statistics on a fixed probe batch, and the host-side helpers the
//! charts use to turn them into pictures.
//!
//! # What a probe measures
//!
//! [`probe`] runs ONE forward/backward pass of the loss on the probe batch, on a detached copy of
//! the model (fresh parameter leaves, its own BatchNorm running statistics), so training is never
//! disturbed: the optimiser is not stepped and the model is not changed. The forward pass is the
//! training-mode one (BatchNorm, if any, normalises with the probe batch's own statistics), the
//! same graph the gradients come from. Per layer it records
//!
//! * the 101 quantiles (0 %, 1 %, …, 100 %) of all pre- and post-activation values of the batch
//!   (rows × units flattened), by **linear interpolation** between order statistics (NumPy's
//!   default, Hyndman & Fan type 7): the q-quantile of `n` sorted values `v` is
//!   `v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋])` with `h = q(n − 1)`; so q = 0 is the minimum and
//!   q = 1 the maximum;
//! * the dead fraction: units whose activated output is exactly 0 for every probe row;
//! * the saturated fraction: units whose every activated output lies within 1 % of a bound,
//!   sigmoid `y < 0.01 or y > 0.99`, tanh `|y| > 0.99` (mixing both ends still counts: the
//!   derivative is tiny either way); always 0 for relu and selu;
//! * the L2 norm of the gradient of the loss with respect to the layer's Linear weight;
//!
//! and, for the whole batch, the fraction of rows whose activated outputs are all exactly 0
//! (a dead output layer: the softmax of a zero row is uniform, and so is every prediction).
//!
//! # Where it runs
//!
//! The reductions (dead / saturated / dead rows / gradient norms) run on the device. The
//! quantiles need a sort, and burn 0.22's GPU backends have none: their `sort` falls back to a
//! *synchronous* read, which panics in the browser. So the raw pre/post values (256 × 766 × 2
//! floats, 1.5 MB) are read back in the same single asynchronous [`Transaction`] as everything
//! else, and sorted on the host ([`quantiles`]), a few milliseconds even in wasm.
//!
//! Everything read back that is NaN or ±∞ is stored as NaN and sets
//! [`ProbeRecord::non_finite`]; nothing panics on a diverging model.

use crate::batch::Batch;
use crate::config::Activation;
use crate::data::HostBatch;
use crate::model::Mlp;
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Bool, Device, Tensor, TensorData, Transaction};
use serde::Serialize;

/// Quantiles stored per layer: 0%, 1%, …, 100%.
pub const QUANTILES: usize = 101;

/// A sigmoid/tanh output closer than this to a bound is saturated: sigmoid `y < 0.01` or
/// `y > 0.99`, tanh `|y| > 0.99`.
pub const SATURATION_MARGIN: f32 = 0.01;

// The records themselves live in `history` (what a run records); re-exported here.
pub use crate::history::{LayerStats, ProbeRecord, gradient_ratio, output_dead};

/// Which values of a layer: before or after its activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Pre,
    Post,
}

impl Stage {
    pub fn quantiles(self, layer: &LayerStats) -> &[f32] {
        match self {
            Stage::Pre => &layer.pre_quantiles,
            Stage::Post => &layer.post_quantiles,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Pre => "pre",
            Stage::Post => "post",
        }
    }
}

// ------------------------------------------------------------------------------------------
// The probe (device side)

/// Rows of the probe batch whose raw values are read back for the quantiles: enough for
/// percentile bands accurate to about a percent, few enough that reading and sorting them
/// costs little (the per-unit counts use every probe row, on the device).
pub const QUANTILE_ROWS: usize = 64;

/// What the probe leaves on the device, read back in one transaction.
struct Pending {
    /// Per layer: the pre-activation values of the first QUANTILE_ROWS rows, flattened.
    pre: Vec<Tensor<1>>,
    /// Per layer: the post-activation values of the first QUANTILE_ROWS rows, flattened.
    post: Vec<Tensor<1>>,
    /// Per layer [dead, saturated, grad norm], then dead output rows: `3 × layers + 1` values.
    scalars: Tensor<1>,
}

/// Takes the statistics of `model` on the probe batch. `device` is the training (autodiff)
/// device (a plain one is switched to autodiff here). The model is not changed.
pub async fn probe(
    model: &Mlp,
    probe: &HostBatch,
    input_size: usize,
    device: &Device,
    step: usize,
) -> Result<ProbeRecord, String> {
    if probe.is_empty() {
        return Err("the statistics probe batch is empty".into());
    }
    if probe.features.len() != probe.len() * input_size {
        return Err(format!(
            "the statistics probe batch has {} values for {} rows of {input_size}",
            probe.features.len(),
            probe.len()
        ));
    }
    if model.layers.is_empty() {
        return Err("the model has no layers".into());
    }
    let pending = enqueue(model, probe, input_size, device);
    let layers = pending.pre.len();
    let mut transaction = Transaction::default();
    for (pre, post) in pending.pre.into_iter().zip(pending.post) {
        transaction = transaction.register(pre).register(post);
    }
    let data = transaction
        .register(pending.scalars)
        .execute_async()
        .await
        .map_err(|e| format!("reading the statistics from the device failed: {e:?}"))?;
    if data.len() != 2 * layers + 1 {
        return Err(format!("the statistics read-back returned {} tensors, not {}", data.len(), 2 * layers + 1));
    }
    let floats = |d: &TensorData| -> Vec<f32> { d.iter::<f32>().collect() };
    let values: Vec<(Vec<f32>, Vec<f32>)> =
        (0..layers).map(|i| (floats(&data[2 * i]), floats(&data[2 * i + 1]))).collect();
    Ok(assemble(step, &values, &floats(&data[2 * layers])))
}

/// Enqueues the forward/backward pass and the reductions; reads nothing.
fn enqueue(model: &Mlp, probe: &HostBatch, input_size: usize, device: &Device) -> Pending {
    let device = device.clone().autodiff();
    // A detached copy: fresh leaves with the same ids (so the gradients can be looked up) and
    // its own BatchNorm running statistics (so the probe's batch statistics are not blended
    // into the model's).
    let copy = model.valid().train();
    let batch = Batch::upload(probe, input_size, &device);
    let outputs = copy.forward_traced(batch.inputs);
    let mut pre = Vec::with_capacity(outputs.len());
    let mut post = Vec::with_capacity(outputs.len());
    let mut scalars = Vec::with_capacity(3 * outputs.len() + 1);
    let mut last_post = None;
    for (layer, out) in copy.layers.iter().zip(&outputs) {
        let p = out.pre.clone().detach().inner();
        let y = out.post.clone().detach().inner();
        scalars.push(dead_units(y.clone()));
        scalars.push(saturated_units(y.clone(), layer.activation));
        // The gradient norm is pushed after the backward pass, below.
        scalars.push(Tensor::zeros([1], &y.device()));
        let [rows, width] = p.dims();
        let rows = rows.min(QUANTILE_ROWS);
        pre.push(p.slice([0..rows, 0..width]).reshape([rows * width]));
        post.push(y.clone().slice([0..rows, 0..width]).reshape([rows * width]));
        last_post = Some(y);
    }
    let dead_rows = dead_rows(last_post.expect("at least one layer"));
    let last = outputs.into_iter().last().expect("at least one layer").post;
    let loss = copy.loss(last, batch.targets);
    let grads = GradientsParams::from_grads(loss.backward(), &copy);
    for (i, layer) in copy.layers.iter().enumerate() {
        let norm = match grads.get::<2>(layer.linear.weight.id) {
            Some(g) => l2_norm(g.inner()),
            // No gradient reached the weight at all.
            None => Tensor::zeros([1], &device.clone().inner()),
        };
        scalars[3 * i + 2] = norm;
    }
    scalars.push(dead_rows);
    Pending { pre, post, scalars: Tensor::cat(scalars, 0) }
}

/// Fraction of units (columns) that are exactly 0 in every row. Shape [1].
pub fn dead_units(post: Tensor<2>) -> Tensor<1> {
    post.equal_elem(0.0).all_dim(0).float().mean()
}

/// Fraction of units (columns) saturated in every row: sigmoid `y < 0.01 or y > 0.99`,
/// tanh `|y| > 0.99`, never for relu/selu/identity. Shape [1].
pub fn saturated_units(post: Tensor<2>, activation: Activation) -> Tensor<1> {
    let margin = SATURATION_MARGIN as f64;
    let saturated: Tensor<2, Bool> = match activation {
        Activation::Sigmoid => post.clone().lower_elem(margin).bool_or(post.greater_elem(1.0 - margin)),
        Activation::Tanh => post.abs().greater_elem(1.0 - margin),
        Activation::Relu | Activation::Selu | Activation::Identity => return Tensor::zeros([1], &post.device()),
    };
    saturated.all_dim(0).float().mean()
}

/// Fraction of rows that are exactly 0 in every column. Shape [1].
pub fn dead_rows(outputs: Tensor<2>) -> Tensor<1> {
    outputs.equal_elem(0.0).all_dim(1).float().mean()
}

/// L2 norm of all elements, computed as `m·‖g/m‖` with `m = max|g|` so that tiny gradients
/// (1e-20 and below, common with stacked sigmoids) neither underflow when squared nor lose
/// precision. An all-zero tensor gives 0. Shape [1].
pub fn l2_norm<const D: usize>(g: Tensor<D>) -> Tensor<1> {
    let m = g.clone().abs().max().clamp_min(1e-30);
    let scaled = g.div(m.clone().reshape([1; D]));
    scaled.powi_scalar(2).sum().sqrt().mul(m)
}

/// Builds the record from what was read back: per layer (pre values, post values), and the
/// scalars `[dead, saturated, grad norm] × layers, dead rows`. Non-finite values become NaN.
fn assemble(step: usize, values: &[(Vec<f32>, Vec<f32>)], scalars: &[f32]) -> ProbeRecord {
    let mut non_finite = false;
    let mut scalar = |i: usize| -> f32 {
        match scalars.get(i) {
            Some(v) if v.is_finite() => *v,
            _ => {
                non_finite = true;
                f32::NAN
            }
        }
    };
    let mut layers = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        layers.push(LayerStats {
            pre_quantiles: Vec::new(),
            post_quantiles: Vec::new(),
            dead_fraction: scalar(3 * i),
            saturated_fraction: scalar(3 * i + 1),
            grad_norm: scalar(3 * i + 2),
        });
    }
    let dead_output_rows = scalar(3 * values.len());
    for (layer, (pre, post)) in layers.iter_mut().zip(values) {
        non_finite |= pre.iter().chain(post).any(|v| !v.is_finite());
        layer.pre_quantiles = quantiles(pre);
        layer.post_quantiles = quantiles(post);
    }
    ProbeRecord { step, layers, dead_output_rows, non_finite }
}

// ------------------------------------------------------------------------------------------
// Host-side helpers (pure, used by the charts)

/// The 101 quantiles (0 %, 1 %, …, 100 %) of `values`, by linear interpolation between order
/// statistics (see the module docs). NaN and ±∞ sort to the ends (NaN beyond ∞), and any
/// quantile that comes out non-finite is stored as NaN. No values: all NaN.
pub fn quantiles(values: &[f32]) -> Vec<f32> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f32::total_cmp);
    quantiles_of_sorted(&sorted)
}

/// [`quantiles`] of values already sorted ascending.
pub fn quantiles_of_sorted(sorted: &[f32]) -> Vec<f32> {
    let n = sorted.len();
    if n == 0 {
        return vec![f32::NAN; QUANTILES];
    }
    (0..QUANTILES)
        .map(|k| {
            let h = k as f64 / (QUANTILES - 1) as f64 * (n - 1) as f64;
            let lo = (h.floor() as usize).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            let frac = h - lo as f64;
            let a = sorted[lo] as f64;
            let v = if hi == lo || frac == 0.0 { a } else { a + (sorted[hi] as f64 - a) * frac };
            let v = v as f32;
            if v.is_finite() { v } else { f32::NAN }
        })
        .collect()
}

/// The `p`-th percentile (`p` in 0..=100) from evenly spaced quantiles (101 of them: 0 %…100 %),
/// interpolating linearly between neighbours. NaN when `p` is outside 0..=100, there are no
/// quantiles, or a neighbour is NaN.
pub fn percentile(quantiles: &[f32], p: f32) -> f32 {
    if quantiles.is_empty() || !(0.0..=100.0).contains(&p) {
        return f32::NAN;
    }
    if quantiles.len() == 1 {
        return quantiles[0];
    }
    let h = p as f64 / 100.0 * (quantiles.len() - 1) as f64;
    let lo = (h.floor() as usize).min(quantiles.len() - 1);
    let hi = (lo + 1).min(quantiles.len() - 1);
    let frac = h - lo as f64;
    let a = quantiles[lo] as f64;
    if hi == lo || frac == 0.0 {
        return a as f32;
    }
    (a + (quantiles[hi] as f64 - a) * frac) as f32
}

/// The share of values in each of `bins` equal bins over `[lo, hi]`, from the evenly spaced
/// quantiles of their distribution: each interval between neighbouring quantiles holds
/// `1/(len−1)` of the mass (1 % for 101 quantiles), spread uniformly over the interval; an
/// interval of zero width (many values exactly equal, e.g. ReLU zeros) puts its whole mass into
/// the bin holding that value. Intervals touching a NaN are left out, so the shares add up to
/// the mass of the finite intervals (1 when every quantile is finite); mass outside the range
/// is counted in the edge bins. A degenerate or non-finite range gives all zeros.
pub fn histogram_mass_in_range(quantiles: &[f32], lo: f64, hi: f64, bins: usize) -> Vec<f32> {
    let mut mass = vec![0.0f64; bins];
    if bins == 0 || quantiles.len() < 2 || !lo.is_finite() || !hi.is_finite() || hi <= lo {
        return vec![0.0; bins];
    }
    let per_interval = 1.0 / (quantiles.len() - 1) as f64;
    let width = (hi - lo) / bins as f64;
    let bin_of = |x: f64| (((x - lo) / width).floor().max(0.0) as usize).min(bins - 1);
    for pair in quantiles.windows(2) {
        let (a, b) = (pair[0] as f64, pair[1] as f64);
        if !a.is_finite() || !b.is_finite() {
            continue;
        }
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        if b - a <= 0.0 {
            mass[bin_of(a)] += per_interval;
            continue;
        }
        let (first, last) = (bin_of(a), bin_of(b));
        for (j, m) in mass.iter_mut().enumerate().take(last + 1).skip(first) {
            let left = lo + j as f64 * width;
            let right = if j + 1 == bins { hi } else { left + width };
            let overlap = (b.min(right) - a.max(left)).max(0.0);
            *m += per_interval * overlap / (b - a);
        }
        // Mass beyond the range goes to the edge bins.
        if a < lo {
            mass[0] += per_interval * (b.min(lo) - a) / (b - a);
        }
        if b > hi {
            mass[bins - 1] += per_interval * (b - a.max(hi)) / (b - a);
        }
    }
    mass.into_iter().map(|m| m as f32).collect()
}

/// The share of values exactly equal to `x`, as far as 101 quantiles can tell: the number of
/// zero-width quantile intervals sitting at `x`, times 1 % (a lower bound, good to 1 %).
pub fn point_mass(quantiles: &[f32], x: f32) -> f32 {
    if quantiles.len() < 2 {
        return 0.0;
    }
    let at = quantiles.windows(2).filter(|p| p[0] == x && p[1] == x).count();
    at as f32 / (quantiles.len() - 1) as f32
}

/// Exponential moving average with bias correction (as TensorBoard smooths): `smoothing` in
/// [0, 1), 0 = no smoothing. Non-finite inputs give NaN at their position and are otherwise
/// ignored (they do not poison later values).
pub fn ema(values: &[f32], smoothing: f32) -> Vec<f32> {
    let s = (smoothing as f64).clamp(0.0, 0.999_999);
    let mut avg = 0.0f64;
    let mut weight = 0.0f64;
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return f32::NAN;
            }
            avg = avg * s + (1.0 - s) * v as f64;
            weight = weight * s + (1.0 - s);
            (avg / weight) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
        let config =
            Config { acts: vec![Activation::Relu, Activation::Sigmoid, Activation::Relu], ..Config::default() };
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
}
