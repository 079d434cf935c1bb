//! K networks stacked into one: weights `[K, in, out]`, batched matrix products, and each
//! model's own activations and BatchNorm.
//!
//! Each model's activation is the per-model activation's operation (`model::per_model_activation`):
//! it reads each model's code, so a layer costs the same kernels whatever the mix, and no model
//! computes an activation it did not choose (no other branch's overflow reaches its gradient).
//! BatchNorm is chosen with a select, never a multiply by a 0/1 mask: inf × 0 = NaN.
//!
//! The indices and masks that pick a model's rows are uploaded once, when the stack is built: an
//! upload between two kernels makes wgpu submit the step's work so far, so uploading them in every
//! forward pass cost a stacked step 5 to 10 more submissions.

use crate::config::{Activation, Config};
use crate::model::{ActivationCodes, InitialWeights, per_model_activation};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

/// BatchNorm's constants, as `model.rs` configures burn's BatchNorm.
pub const BN_EPSILON: f64 = 1e-5;
pub const BN_MOMENTUM: f64 = 0.1;

/// Which models of a group a per-model choice applies to.
enum Applies {
    All,
    /// `[K]` flags, on the device.
    Some(Box<Tensor<1, Bool>>),
}

impl Applies {
    fn from_flags(flags: Vec<bool>, device: &Device) -> Option<Applies> {
        let k = flags.len();
        if flags.iter().all(|&f| f) {
            Some(Applies::All)
        } else if flags.iter().any(|&f| f) {
            Some(Applies::Some(Box::new(Tensor::from_data(TensorData::new(flags, [k]), device))))
        } else {
            None
        }
    }
}

/// A `[K]` selector as `[K, 1, 1]`, broadcast to `dims`.
fn model_mask(flags: &Tensor<1, Bool>, dims: [usize; 3]) -> Tensor<3, Bool> {
    let [k] = flags.dims();
    flags.clone().reshape([k, 1, 1]).expand(dims)
}

/// Row indices into the stack, with their copy on the device (made once, on the plain device:
/// an index is a constant to autodiff).
#[derive(Clone)]
pub struct RowIndex {
    rows: Vec<usize>,
    // Boxed: a tensor handle is large beside the other variants of the enums that hold an index.
    tensor: Box<Tensor<1, Int>>,
}

impl RowIndex {
    pub fn new(rows: Vec<usize>, device: &Device) -> RowIndex {
        let data: Vec<i64> = rows.iter().map(|&i| i as i64).collect();
        let tensor = Tensor::from_data(TensorData::new(data, [rows.len()]), &device.clone().inner());
        RowIndex { rows, tensor: Box::new(tensor) }
    }

    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    fn tensor(&self) -> Tensor<1, Int> {
        (*self.tensor).clone()
    }
}

impl PartialEq for RowIndex {
    fn eq(&self, other: &RowIndex) -> bool {
        self.rows == other.rows
    }
}

impl std::fmt::Debug for RowIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rows.fmt(f)
    }
}

/// How the models of a group find their input rows: the inputs are `[seeds, batch, in]`.
#[derive(Clone, Debug, PartialEq)]
pub enum InputLayout {
    /// Models are `seeds × per_seed`, seed-major: the inputs broadcast against the weights.
    Rect { seeds: usize, per_seed: usize },
    /// Model k reads the rows of seed `index[k]` (copied out once per batch).
    Gather(RowIndex),
}

impl InputLayout {
    /// From each model's seed index (0-based, in order of first appearance), for `device`.
    pub fn new(seed_of_model: &[usize], device: &Device) -> InputLayout {
        let seeds = seed_of_model.iter().max().map_or(0, |m| m + 1);
        let per_seed = seed_of_model.len() / seeds.max(1);
        let rect = per_seed * seeds == seed_of_model.len()
            && seed_of_model.iter().enumerate().all(|(i, &s)| s == i / per_seed.max(1));
        if rect {
            InputLayout::Rect { seeds, per_seed }
        } else {
            InputLayout::Gather(RowIndex::new(seed_of_model.to_vec(), device))
        }
    }

    /// Per-seed `[seeds, batch]` labels as each model's `[K, batch, 1]` targets.
    pub fn targets(&self, labels: Tensor<2, Int>) -> Tensor<3, Int> {
        let [seeds, batch] = labels.dims();
        match self {
            InputLayout::Rect { per_seed, .. } => labels
                .reshape([seeds, 1, batch])
                .expand([seeds, *per_seed, batch])
                .reshape([seeds * per_seed, batch, 1]),
            InputLayout::Gather(index) => labels.select(0, index.tensor()).reshape([index.rows().len(), batch, 1]),
        }
    }

    /// The first layer's product: inputs `[seeds, batch, in]` with weights `[K, in, out]`.
    fn first_matmul(&self, inputs: Tensor<3>, weight: Tensor<3>) -> Tensor<3> {
        let [seeds, batch, fan_in] = inputs.dims();
        let [k, _, fan_out] = weight.dims();
        match self {
            InputLayout::Rect { per_seed, .. } => inputs
                .reshape([seeds, 1, batch, fan_in])
                .matmul(weight.reshape([seeds, *per_seed, fan_in, fan_out]))
                .reshape([k, batch, fan_out]),
            InputLayout::Gather(index) => inputs.select(0, index.tensor()).matmul(weight),
        }
    }
}

/// One layer's BatchNorm for the models that have it.
pub struct StackedNorm {
    pub gamma: Tensor<3>,
    pub beta: Tensor<3>,
    /// Running statistics `[K, 1, out]`, on the plain (non-autodiff) device.
    pub running_mean: Tensor<3>,
    pub running_var: Tensor<3>,
    applies: Applies,
}

pub struct StackedLayer {
    /// `[K, in, out]`
    pub weight: Tensor<3>,
    /// `[K, 1, out]`
    pub bias: Tensor<3>,
    pub norm: Option<StackedNorm>,
    /// Each model's activation; none where every model's is the identity.
    activation: Option<ActivationCodes>,
}

/// The batch statistics a training forward pass produced, per layer with BatchNorm.
pub type BatchStats = Vec<Option<(Tensor<3>, Tensor<3>)>>;

/// K networks of the same layer sizes, trained together.
pub struct StackedMlp {
    pub layers: Vec<StackedLayer>,
    count: usize,
}

impl StackedMlp {
    /// Stacks the models described by `configs` (activations, BatchNorm mode), each starting
    /// from its own `weights` (the single run's [`InitialWeights::draw`] for its seed).
    /// `device` is an autodiff device; the weights require gradients.
    pub fn new(configs: &[Config], weights: &[&InitialWeights], device: &Device) -> StackedMlp {
        assert_eq!(configs.len(), weights.len(), "one set of weights per model");
        let count = configs.len();
        let depth = weights[0].layers.len();
        let plain = device.clone().inner();
        let layers = (0..depth)
            .map(|i| {
                let (fan_in, fan_out) = (weights[0].layers[i].fan_in, weights[0].layers[i].fan_out);
                let stack = |part: fn(&crate::model::LayerWeights) -> &Vec<f32>, rows: usize| {
                    let data: Vec<f32> = weights.iter().flat_map(|w| part(&w.layers[i]).iter().copied()).collect();
                    Tensor::<3>::from_data(TensorData::new(data, [count, rows, fan_out]), device).require_grad()
                };
                let weight = stack(|l| &l.weight, fan_in);
                let bias = stack(|l| &l.bias, 1);
                let flags = configs.iter().map(|c| c.batch_norm.applies_to(i, depth)).collect();
                let norm = Applies::from_flags(flags, &plain).map(|applies| StackedNorm {
                    gamma: Tensor::ones([count, 1, fan_out], device).require_grad(),
                    beta: Tensor::zeros([count, 1, fan_out], device).require_grad(),
                    running_mean: Tensor::zeros([count, 1, fan_out], &plain),
                    running_var: Tensor::ones([count, 1, fan_out], &plain),
                    applies,
                });
                let acts: Vec<Activation> = configs.iter().map(|c| c.acts[i]).collect();
                let activation =
                    acts.iter().any(|&a| a != Activation::Identity).then(|| ActivationCodes::new(&acts, device));
                StackedLayer { weight, bias, norm, activation }
            })
            .collect();
        StackedMlp { layers, count }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// The trainable tensors, in a fixed order (the optimiser keeps its state in this order).
    pub fn params_mut(&mut self) -> Vec<&mut Tensor<3>> {
        let mut params = Vec::new();
        for layer in &mut self.layers {
            params.push(&mut layer.weight);
            params.push(&mut layer.bias);
            if let Some(norm) = &mut layer.norm {
                params.push(&mut norm.gamma);
                params.push(&mut norm.beta);
            }
        }
        params
    }

    /// Training forward pass: `inputs` are `[seeds, batch, in]` on the autodiff device; returns
    /// the activated outputs `[K, batch, classes]` and each BatchNorm's batch statistics.
    pub fn forward_train(&self, inputs: Tensor<3>, layout: &InputLayout) -> (Tensor<3>, BatchStats) {
        self.forward(inputs, layout, true)
    }

    /// Evaluation forward pass (no gradients; BatchNorm uses its running statistics): one
    /// `[1, n, in]` input shared by every model.
    pub fn forward_eval(&self, inputs: Tensor<3>) -> Tensor<3> {
        let layout = InputLayout::Rect { seeds: 1, per_seed: self.count };
        self.forward(inputs, &layout, false).0
    }

    fn forward(&self, inputs: Tensor<3>, layout: &InputLayout, train: bool) -> (Tensor<3>, BatchStats) {
        let value = |t: &Tensor<3>| if train { t.clone() } else { t.clone().inner() };
        let mut stats = Vec::with_capacity(self.layers.len());
        let mut x = inputs;
        for (i, layer) in self.layers.iter().enumerate() {
            let product =
                if i == 0 { layout.first_matmul(x, value(&layer.weight)) } else { x.matmul(value(&layer.weight)) };
            let mut pre = product + value(&layer.bias);
            stats.push(None);
            if let Some(norm) = &layer.norm {
                let (out, batch_stats) = norm_forward(pre, norm, train);
                pre = out;
                stats[i] = batch_stats;
            }
            x = match &layer.activation {
                Some(codes) => per_model_activation(pre, codes),
                None => pre,
            };
        }
        (x, stats)
    }
}

/// BatchNorm over each model's own batch (training) or with its running statistics.
fn norm_forward(pre: Tensor<3>, norm: &StackedNorm, train: bool) -> (Tensor<3>, Option<(Tensor<3>, Tensor<3>)>) {
    let dims = pre.dims();
    let mask = match &norm.applies {
        Applies::All => None,
        Applies::Some(flags) => Some(model_mask(flags, dims)),
    };
    // Models without BatchNorm here feed zeros to the (unused) branch: it stays finite.
    let x = match &mask {
        None => pre.clone(),
        Some(m) => pre.clone().mask_fill(m.clone().bool_not(), 0.0),
    };
    let (gamma, beta) = if train {
        (norm.gamma.clone(), norm.beta.clone())
    } else {
        (norm.gamma.clone().inner(), norm.beta.clone().inner())
    };
    let (normalized, stats) = if train {
        let mean = x.clone().mean_dim(1);
        let centered = x - mean.clone();
        let var = (centered.clone() * centered.clone()).mean_dim(1);
        let std = var.clone().add_scalar(BN_EPSILON).sqrt();
        (centered / std, Some((mean.detach().inner(), var.detach().inner())))
    } else {
        let std = norm.running_var.clone().add_scalar(BN_EPSILON).sqrt();
        ((x - norm.running_mean.clone()) / std, None)
    };
    let out = normalized * gamma + beta;
    let out = match mask {
        None => out,
        Some(m) => pre.mask_where(m, out),
    };
    (out, stats)
}
