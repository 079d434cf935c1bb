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

mod quantiles;
#[cfg(test)]
mod tests;

pub use quantiles::{ema, histogram_mass_in_range, percentile, point_mass, quantiles, quantiles_of_sorted};

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
        .map_err(|e| format!("reading the statistics from the device failed: {e}"))?;
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
