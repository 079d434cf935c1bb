//! One training step of K models: a function of (models, batch), with SGD + momentum
//! (dampening 0) per model, exactly as burn's `Sgd` updates a single model, and a per-model
//! "alive" flag kept on the device: a model whose loss is not finite stops updating at once.

use super::stack::{BN_MOMENTUM, InputLayout, StackedMlp};
use crate::config::Config;
use crate::model::per_model_correct;
use crate::train::{ModelRates, sgd_momentum};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

/// A group's batch on the autodiff device: one `[seeds, batch, in]` input block (each model
/// reads its seed's rows) and each model's `[K, batch, 1]` targets.
pub struct SweepBatch {
    pub inputs: Tensor<3>,
    pub targets: Tensor<3, Int>,
}

impl SweepBatch {
    /// Uploads one batch per seed (`features[s]` is row-major `[batch, in]`, all of one length).
    pub fn upload(
        features: &[Vec<f32>],
        labels: &[Vec<i64>],
        input_size: usize,
        layout: &InputLayout,
        device: &Device,
    ) -> SweepBatch {
        let seeds = features.len();
        let batch = labels[0].len();
        let inputs: Vec<f32> = features.iter().flatten().copied().collect();
        let targets: Vec<i64> = labels.iter().flatten().copied().collect();
        let inputs = Tensor::from_data(TensorData::new(inputs, [seeds, batch, input_size]), device);
        let labels = Tensor::<2, Int>::from_data(TensorData::new(targets, [seeds, batch]), device);
        SweepBatch { inputs, targets: layout.targets(labels) }
    }
}

/// Per-model learning rate and momentum, and each trainable tensor's velocity.
pub struct SweepOptimizer {
    rates: ModelRates,
    velocity: Vec<Option<Tensor<3>>>,
}

impl SweepOptimizer {
    /// `device` is the plain (non-autodiff) device the updates run on.
    pub fn new(configs: &[Config], device: &Device) -> SweepOptimizer {
        let column = |f: fn(&Config) -> f64| configs.iter().map(|c| f(c) as f32).collect::<Vec<f32>>();
        SweepOptimizer {
            rates: ModelRates::new(&column(|c| c.lr), &column(|c| c.momentum), device),
            velocity: Vec::new(),
        }
    }
}

/// What a step leaves on the device for a later bulk read-back.
pub struct SweepStepOutput {
    /// Each model's mean loss, `[K]` (NaN/Inf for a diverging model).
    pub losses: Tensor<1>,
    /// Each model's correct predictions, `[K]`.
    pub correct: Tensor<1>,
}

/// `[K]` flags, all true: every model starts alive.
pub fn all_alive(count: usize, device: &Device) -> Tensor<1, Bool> {
    Tensor::from_data(TensorData::new(vec![true; count], [count]), device)
}

/// One step for every model of the group. Models whose loss is not finite are marked dead in
/// `alive` (on the device, no read-back), and dead models keep their weights, velocity and
/// running statistics as they were: momentum cannot move them either.
pub fn sweep_step(
    model: &mut StackedMlp,
    optimizer: &mut SweepOptimizer,
    alive: &mut Tensor<1, Bool>,
    layout: &InputLayout,
    batch: &SweepBatch,
) -> SweepStepOutput {
    let k = model.count();
    let (outputs, stats) = model.forward_train(batch.inputs.clone(), layout);
    let losses = crate::model::per_model_cross_entropy(outputs.clone(), batch.targets.clone());
    let correct = per_model_correct(outputs.detach().inner(), batch.targets.clone().inner());
    // Summed, each model's loss only reaches its own weights: its gradient is its own.
    let mut grads = losses.clone().sum().backward();
    let losses = losses.detach().inner();
    *alive = alive.clone().bool_and(losses.clone().is_finite());
    let keep = alive.clone().reshape([k, 1, 1]);

    for (layer, batch_stats) in model.layers.iter_mut().zip(stats) {
        if let (Some(norm), Some((mean, var))) = (&mut layer.norm, batch_stats) {
            let update = |running: &Tensor<3>, batch: Tensor<3>| {
                let next = running.clone().mul_scalar(1.0 - BN_MOMENTUM).add(batch.mul_scalar(BN_MOMENTUM));
                running.clone().mask_where(keep.clone().expand(next.dims()), next)
            };
            norm.running_mean = update(&norm.running_mean, mean);
            norm.running_var = update(&norm.running_var, var);
        }
    }

    // A dead model keeps its weights and velocity (`train::sgd_momentum`: one kernel per
    // parameter on a GPU). The first step's velocity is 0·μ + g = g, as PyTorch's.
    let rates = optimizer.rates.with_alive(alive.clone().float().reshape([k, 1]));
    let params = model.params_mut();
    optimizer.velocity.resize_with(params.len(), || None);
    for (param, velocity) in params.into_iter().zip(optimizer.velocity.iter_mut()) {
        let grad = param.grad_remove(&mut grads).expect("every stacked parameter takes part in the loss");
        let value = std::mem::replace(param, Tensor::empty([0, 0, 0], &param.device())).inner();
        let dims = value.dims();
        let flat = [k, dims[1] * dims[2]];
        let previous = velocity.take().unwrap_or_else(|| grad.zeros_like());
        let (next_value, next_velocity) =
            sgd_momentum(value.reshape(flat), previous.reshape(flat), grad.reshape(flat), &rates);
        *velocity = Some(next_velocity.reshape(dims));
        *param = next_value.reshape(dims).autodiff().require_grad();
    }
    SweepStepOutput { losses, correct }
}
