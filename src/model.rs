//! The MLP: Linear → [BatchNorm] → activation, once per configured layer (the article's has
//! three), the last acting on the outputs; and the losses it is trained on.

use crate::config::{Activation, Config, Init, Loss};
use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Linear};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

mod correct_count;
mod cross_entropy;
mod per_model_activation;
pub use correct_count::per_model_correct;
pub use cross_entropy::per_model_cross_entropy;
pub use per_model_activation::{ActivationCodes, per_model_activation};

/// One layer: Linear, optional BatchNorm, then the activation.
#[derive(Module, Debug)]
pub struct Layer {
    pub linear: Linear,
    pub norm: Option<BatchNorm>,
    #[module(skip)]
    pub activation: Activation,
}

/// What one layer produced, kept for the statistics charts.
pub struct LayerOutput {
    /// After Linear (and BatchNorm, if any), before the activation.
    pub pre: Tensor<2>,
    /// After the activation.
    pub post: Tensor<2>,
}

impl Layer {
    fn forward_traced(&self, input: Tensor<2>) -> LayerOutput {
        let mut pre = self.linear.forward(input);
        if let Some(norm) = &self.norm {
            pre = norm.forward(pre);
        }
        let post = activate(self.activation, pre.clone());
        LayerOutput { pre, post }
    }
}

/// `activation` applied to `x`, as one model's [`per_model_activation`].
pub fn activate<const D: usize>(activation: Activation, x: Tensor<D>) -> Tensor<D> {
    if activation == Activation::Identity {
        return x;
    }
    let dims = x.dims();
    let width = dims[D - 1];
    let rows = dims.iter().product::<usize>() / width.max(1);
    let codes = single_codes(activation, &x.device());
    per_model_activation(x.reshape([1, rows, width]), &codes).reshape(dims)
}

#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Layer>,
    #[module(skip)]
    pub loss: Loss,
}

/// One Linear layer's initial values, on the host: `weight` is `[fan_in, fan_out]` row-major
/// (burn's layout, the transpose of PyTorch's `weight`); `bias` is empty for a layer without.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    pub fan_in: usize,
    pub fan_out: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A network's initial weights, drawn (or loaded) on the host so that the same values can be
/// uploaded to any backend, stacked for a sweep, or taken from another framework's run.
#[derive(Clone, Debug, PartialEq)]
pub struct InitialWeights {
    pub layers: Vec<LayerWeights>,
}

impl InitialWeights {
    /// The weights of `config.init` (scaled by `config.gain`), layer after layer, weights then
    /// biases, from a ChaCha8 stream seeded with `config.seed`: the same seed gives the same
    /// weights on every backend. The PyTorch default with gain 1 draws exactly what it always did.
    pub fn draw(config: &Config, input_size: usize) -> InitialWeights {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let gain = config.gain as f32;
        let sizes = layer_sizes(config, input_size);
        let layers = sizes
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                let (n_in, n_out) = (fan_in as f32, fan_out as f32);
                let mut uniform =
                    |n: usize, bound: f32| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
                let (weight, bias) = match config.init {
                    Init::Pytorch | Init::Uniform => {
                        let bound = if config.init == Init::Uniform { 1.0 } else { 1.0 / n_in.sqrt() };
                        let weight = uniform(fan_in * fan_out, gain * bound);
                        (weight, if config.bias { uniform(fan_out, bound) } else { Vec::new() })
                    }
                    Init::Xavier => (uniform(fan_in * fan_out, gain * (6.0 / (n_in + n_out)).sqrt()), Vec::new()),
                    Init::He | Init::Lecun => {
                        let variance = if config.init == Init::He { 2.0 / n_in } else { 1.0 / n_in };
                        let normal = Normal::new(0.0, gain * variance.sqrt()).expect("a finite, positive spread");
                        (normal.sample_iter(&mut rng).take(fan_in * fan_out).collect(), Vec::new())
                    }
                };
                let bias = match (config.bias, bias.is_empty()) {
                    (true, true) => vec![0.0; fan_out],
                    _ => bias,
                };
                LayerWeights { fan_in, fan_out, weight, bias }
            })
            .collect();
        InitialWeights { layers }
    }

    /// Widths of every layer boundary, as [`layer_sizes`] gives them, or why the layers do not
    /// fit together (a weight or bias of the wrong length, a fan-in that is not the previous
    /// layer's fan-out).
    pub fn sizes(&self) -> Result<Vec<usize>, String> {
        let mut sizes = Vec::with_capacity(self.layers.len() + 1);
        for (i, layer) in self.layers.iter().enumerate() {
            let (fan_in, fan_out) = (layer.fan_in, layer.fan_out);
            if layer.weight.len() != fan_in * fan_out || !(layer.bias.is_empty() || layer.bias.len() == fan_out) {
                return Err(format!(
                    "layer {} has {} weights and {} biases; {fan_in}→{fan_out} needs {} and {fan_out}",
                    i + 1,
                    layer.weight.len(),
                    layer.bias.len(),
                    fan_in * fan_out
                ));
            }
            if sizes.last().is_some_and(|&previous| previous != fan_in) {
                return Err(format!("layer {} takes {fan_in} inputs, but layer {i} gives {}", i + 1, sizes[i]));
            }
            if i == 0 {
                sizes.push(fan_in);
            }
            sizes.push(fan_out);
        }
        Ok(sizes)
    }
}

/// Widths of every layer boundary: the input, the hidden layers, the outputs.
pub fn layer_sizes(config: &Config, input_size: usize) -> Vec<usize> {
    config.layer_sizes(input_size)
}

impl Mlp {
    /// Builds the network for `input_size` inputs with weights drawn by [`InitialWeights::draw`].
    pub fn new(config: &Config, input_size: usize, device: &Device) -> Mlp {
        Mlp::from_weights(&InitialWeights::draw(config, input_size), config, device)
    }

    /// Builds the network from given initial weights; activations and BatchNorm come from `config`.
    pub fn from_weights(weights: &InitialWeights, config: &Config, device: &Device) -> Mlp {
        let count = weights.layers.len();
        let layers = weights
            .layers
            .iter()
            .enumerate()
            .map(|(i, w)| Layer {
                linear: upload_linear(w, device),
                norm: config
                    .batch_norm
                    .applies_to(i, count)
                    .then(|| BatchNormConfig::new(w.fan_out).with_epsilon(1e-5).with_momentum(0.1).init(device)),
                activation: config.acts[i],
            })
            .collect();
        Mlp { layers, loss: config.loss }
    }

    /// The configured loss of the activated `outputs` against `targets`, shape [1].
    pub fn loss(&self, outputs: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
        match self.loss {
            Loss::Nll => cross_entropy(outputs, targets),
            Loss::Sse => squared_error(outputs, targets),
        }
    }

    /// The activated outputs of the last layer (what log-softmax + NLL are applied to).
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.layers.iter().fold(input, |x, layer| layer.forward_traced(x).post)
    }

    /// Every layer's pre- and post-activation values, for the statistics.
    pub fn forward_traced(&self, input: Tensor<2>) -> Vec<LayerOutput> {
        let mut outputs: Vec<LayerOutput> = Vec::with_capacity(self.layers.len());
        let mut x = input;
        for layer in &self.layers {
            let out = layer.forward_traced(x);
            x = out.post.clone();
            outputs.push(out);
        }
        outputs
    }
}

fn upload_linear(w: &LayerWeights, device: &Device) -> Linear {
    let weight = Tensor::<2>::from_data(TensorData::new(w.weight.clone(), [w.fan_in, w.fan_out]), device);
    let bias = (!w.bias.is_empty())
        .then(|| Param::from_tensor(Tensor::<1>::from_data(TensorData::new(w.bias.clone(), [w.fan_out]), device)));
    Linear { weight: Param::from_tensor(weight), bias }
}

/// The targets as the outputs' values: the label itself for a single output (the Q&A's 0/1),
/// else the one-hot class.
pub fn target_values(targets: Tensor<1, Int>, outputs: usize) -> Tensor<2> {
    let [batch] = targets.dims();
    if outputs == 1 { targets.float().reshape([batch, 1]) } else { targets.one_hot::<2>(outputs).float() }
}

/// ½·Σ(y − ŷ)², summed over the examples and outputs: the loss whose gradient is the Q&A's
/// `l1.T.dot(l2_delta)` update.
pub fn squared_error(outputs: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [_, width] = outputs.dims();
    let diff = outputs - target_values(targets, width);
    (diff.clone() * diff).sum().mul_scalar(0.5).reshape([1])
}

/// Mean cross-entropy of log-softmax(outputs) against `targets` (NLL), as the article computes it
/// on the *activated* output layer.
pub fn cross_entropy(outputs: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [batch, classes] = outputs.dims();
    per_model_cross_entropy(outputs.reshape([1, batch, classes]), targets.reshape([1, batch, 1]))
}

/// The number of rows whose [`predict`]ion is the target, shape [1], as a float (exact up to
/// 2^24 rows): [`per_model_correct`] for one model.
pub fn count_correct(outputs: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [batch, width] = outputs.dims();
    if width == 1 {
        return predict(outputs).equal(targets).float().sum();
    }
    per_model_correct(outputs.reshape([1, batch, width]), targets.reshape([1, batch, 1]))
}

/// Predicted class per row; ties go to the lowest class index (so an all-zero output row, a
/// dead ReLU output layer, predicts class 0 on every backend). A single output predicts 1 above
/// one half, else 0.
pub fn predict(outputs: Tensor<2>) -> Tensor<1, Int> {
    let [batch, width] = outputs.dims();
    if width == 1 {
        return outputs.greater_elem(0.5).int().reshape([batch]);
    }
    let max = outputs.clone().max_dim(1);
    let is_max = outputs.equal(max);
    // Each position scores classes − index (> 0) where maximal, else −(index + 1) (< 0), so the
    // lowest maximal index wins, uniquely, and a row with no maximum (NaN) predicts 0.
    let (maximal, other) = tie_scores(width, &is_max.device());
    let score = |s: Tensor<1>| s.reshape([1, width]).expand([batch, width]);
    score(other).mask_where(is_max, score(maximal)).argmax(1).reshape([batch])
}

/// Constants per device, made once per thread, by key.
type DeviceCache<K, V> = std::cell::RefCell<Vec<(Device, K, V)>>;

/// The constant `make` uploads for `key` to `device`'s plain device, made on first use: a constant
/// uploaded in every step would make wgpu submit the step's work so far, mid-step.
fn once_per_device<K: PartialEq + Copy, V: Clone>(
    cache: &'static std::thread::LocalKey<DeviceCache<K, V>>,
    key: K,
    device: &Device,
    make: impl FnOnce(&Device) -> V,
) -> V {
    let device = device.clone().inner();
    cache.with_borrow_mut(|cache| {
        if let Some((_, _, value)) = cache.iter().find(|(d, k, _)| *d == device && *k == key) {
            return value.clone();
        }
        let value = make(&device);
        cache.push((device, key, value.clone()));
        value
    })
}

thread_local! {
    static SINGLE_CODES: DeviceCache<Activation, ActivationCodes> = const { std::cell::RefCell::new(Vec::new()) };
    static TIE_SCORES: DeviceCache<usize, (Tensor<1>, Tensor<1>)> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One model's activation code, uploaded once per device and activation.
fn single_codes(activation: Activation, device: &Device) -> ActivationCodes {
    once_per_device(&SINGLE_CODES, activation, device, |device| ActivationCodes::new(&[activation], device))
}

/// The arg-max's scores of a maximal and of another position, uploaded once per device and class
/// count (making them on the device took two kernels a step).
fn tie_scores(classes: usize, device: &Device) -> (Tensor<1>, Tensor<1>) {
    once_per_device(&TIE_SCORES, classes, device, |device| {
        let row = |f: fn(usize, usize) -> f32| {
            let values: Vec<f32> = (0..classes).map(|i| f(i, classes)).collect();
            Tensor::<1>::from_data(TensorData::new(values, [classes]), device)
        };
        (row(|i, c| (c - i) as f32), row(|i, _| -((i + 1) as f32)))
    })
}
