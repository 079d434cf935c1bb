//! The article's MLP: Linear → [BatchNorm] → activation, three times, the last acting on the
//! 10 output logits.

use crate::config::{Activation, Config, HIDDEN_SIZES, NUM_CLASSES};
use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Linear};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

pub fn activate<const D: usize>(activation: Activation, x: Tensor<D>) -> Tensor<D> {
    match activation {
        Activation::Relu => activation::relu(x),
        Activation::Sigmoid => activation::sigmoid(x),
        Activation::Tanh => activation::tanh(x),
        Activation::Selu => activation::selu(x),
    }
}

#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Layer>,
}

impl Mlp {
    /// Builds the network for `input_size` inputs with PyTorch's default Linear init,
    /// U(±1/√fan_in) for weights and biases, drawn on the CPU from `config.seed` so that the same
    /// seed gives the same initial weights on every backend.
    pub fn new(config: &Config, input_size: usize, device: &Device) -> Mlp {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let sizes = [input_size, HIDDEN_SIZES[0], HIDDEN_SIZES[1], NUM_CLASSES];
        let count = sizes.len() - 1;
        let layers = (0..count)
            .map(|i| {
                let (fan_in, fan_out) = (sizes[i], sizes[i + 1]);
                Layer {
                    linear: pytorch_linear(fan_in, fan_out, &mut rng, device),
                    norm: config
                        .batch_norm
                        .applies_to(i, count)
                        .then(|| BatchNormConfig::new(fan_out).with_epsilon(1e-5).with_momentum(0.1).init(device)),
                    activation: config.acts[i],
                }
            })
            .collect();
        Mlp { layers }
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

    pub fn uses_batch_norm(&self) -> bool {
        self.layers.iter().any(|l| l.norm.is_some())
    }
}

fn pytorch_linear(fan_in: usize, fan_out: usize, rng: &mut ChaCha8Rng, device: &Device) -> Linear {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let mut uniform = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
    // burn stores the weight as [fan_in, fan_out] (the transpose of PyTorch's).
    let weight = Tensor::<2>::from_data(TensorData::new(uniform(fan_in * fan_out), [fan_in, fan_out]), device);
    let bias = Tensor::<1>::from_data(TensorData::new(uniform(fan_out), [fan_out]), device);
    Linear {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(bias)),
    }
}

/// Mean cross-entropy of log-softmax(outputs) against `targets` (NLL), as the article computes it
/// on the *activated* output layer.
pub fn cross_entropy(outputs: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [batch, _] = outputs.dims();
    let log_probs = activation::log_softmax(outputs, 1);
    let picked = log_probs.gather(1, targets.reshape([batch, 1]));
    picked.mean().neg().reshape([1])
}

/// Predicted class per row; ties go to the lowest class index (so an all-zero output row, a
/// dead ReLU output layer, predicts class 0 on every backend).
pub fn predict(outputs: Tensor<2>) -> Tensor<1, Int> {
    let [batch, classes] = outputs.dims();
    let device = outputs.device();
    let max = outputs.clone().max_dim(1);
    let is_max = outputs.equal(max).float();
    // Weight each maximal position by (classes − index): the lowest index wins, uniquely.
    let weights = Tensor::<1, Int>::arange(0..classes as i64, &device)
        .float()
        .neg()
        .add_scalar(classes as f64)
        .reshape([1, classes]);
    (is_max * weights).argmax(1).reshape([batch])
}
