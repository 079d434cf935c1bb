//! SGD with momentum as PyTorch does it (dampening 0, no Nesterov, no weight decay), for the
//! single run: `v = g` on a parameter's first step, then `v = μ·v + g`, and `w = w − lr·v`.
//! burn's `Sgd` with `Momentum` does the same arithmetic, plus a multiply of every gradient by
//! `1 − dampening`, i.e. by exactly 1 here: one kernel per parameter and step that changes no
//! bit. This update leaves it out (the sweep's stacked update, `sweep::step`, never had it).
//!
//! Natively on the CPU backend (burn Flex) the update runs in one pass over each parameter's
//! memory, in place, as PyTorch's SGD does: as tensor operations it is four passes (μ·v, + g,
//! lr·v into a fresh buffer, w −) that took a sixth of a training step. Flex hands a tensor's
//! memory over and back without a copy, and the pass does the same float operations in the same
//! order, so every bit of the result is the same. Elsewhere the update is `sgd_kernel`'s backend
//! operation: one kernel per parameter on wgpu and WebGPU, tensor operations on the page's CPU
//! backend (whose wasm size a host pass would only grow).

use super::sgd_kernel::{ModelRates, sgd_momentum};
use crate::model::Mlp;
use burn::module::{Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use std::collections::HashMap;

/// The learning rate, the momentum and each parameter's velocity, flattened.
pub struct SgdMomentum {
    rates: Rates,
    velocity: Velocities,
}

enum Velocities {
    /// On the device, as tensors.
    Device(HashMap<ParamId, Tensor<1>>),
    /// In host memory, for the one-pass update on the CPU backend.
    #[cfg(not(target_arch = "wasm32"))]
    Host(HashMap<ParamId, Vec<f32>>),
}

impl SgdMomentum {
    /// The optimiser for parameters on `device`.
    pub fn new(lr: f64, momentum: f64, device: &Device) -> SgdMomentum {
        // The update's kernel on a GPU; on the CPU backend (the page's, in wasm) the tensor
        // operations, without the dead-model mask a single run does not need.
        let plain = device.clone().inner();
        let on_cpu = plain == Device::flex();
        let kernel = (!on_cpu).then(|| ModelRates::new(&[lr as f32], &[momentum as f32], &plain));
        let rates = Rates { lr, momentum, kernel };
        #[cfg(not(target_arch = "wasm32"))]
        if on_cpu {
            return SgdMomentum { rates, velocity: Velocities::Host(HashMap::new()) };
        }
        SgdMomentum { rates, velocity: Velocities::Device(HashMap::new()) }
    }

    /// One update of every parameter of `model` that has a gradient in `grads`.
    pub fn step(&mut self, model: Mlp, mut grads: GradientsParams) -> Mlp {
        let rates = &self.rates;
        match &mut self.velocity {
            Velocities::Device(velocity) => Update { rates, grads: &mut grads, velocity }.model(model),
            #[cfg(not(target_arch = "wasm32"))]
            Velocities::Host(velocity) => Update { rates, grads: &mut grads, velocity }.model(model),
        }
    }
}

/// The learning rate and the momentum, μ, and on a GPU the same as the kernel's `[1, 1]` tensors.
struct Rates {
    lr: f64,
    momentum: f64,
    kernel: Option<ModelRates>,
}

/// One step's update of every parameter, whatever holds the velocities.
struct Update<'a, V> {
    rates: &'a Rates,
    grads: &'a mut GradientsParams,
    velocity: &'a mut HashMap<ParamId, V>,
}

/// A parameter's velocity, and the update that uses it: `v = g` on the first step (no previous
/// velocity), else `v = μ·v + g`; then `w − lr·v`. Parameters are flattened for it (a reshape of
/// a contiguous tensor costs nothing).
trait Velocity: Sized {
    /// The new weights and velocity, from the previous velocity `v`, the weights `w` and their
    /// gradient `g`.
    fn update(v: Option<Self>, w: Tensor<1>, g: Tensor<1>, rates: &Rates) -> (Tensor<1>, Self);
}

impl<V: Velocity> Update<'_, V> {
    /// The model's trainable parameters updated: each layer's weights and biases, and its
    /// BatchNorm's scale and shift. (Written out, not a burn `ModuleMapper`: burn maps those
    /// through a mapper of any rank up to 9, i.e. nine copies of the update in the wasm.)
    /// Each parameter is moved in and out, never cloned: the update writes in place only what
    /// nothing else holds.
    fn model(&mut self, mut model: Mlp) -> Mlp {
        let layers = std::mem::take(&mut model.layers);
        model.layers = layers
            .into_iter()
            .map(|mut layer| {
                layer.linear.weight = self.param(layer.linear.weight);
                layer.linear.bias = layer.linear.bias.map(|bias| self.param(bias));
                layer.norm = layer.norm.map(|mut norm| {
                    norm.gamma = self.param(norm.gamma);
                    norm.beta = self.param(norm.beta);
                    norm
                });
                layer
            })
            .collect();
        model
    }

    /// One parameter updated, if it has a gradient; flattened for the update.
    fn param<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let (dims, require_grad) = (tensor.dims(), tensor.is_require_grad());
        let flat = [dims.iter().product::<usize>()];
        let previous = self.velocity.remove(&id);
        let (weights, velocity) = V::update(previous, tensor.inner().reshape(flat), grad.reshape(flat), self.rates);
        self.velocity.insert(id, velocity);
        let next = Tensor::from_inner(weights.reshape(dims));
        Param::from_mapped_value(id, if require_grad { next.require_grad() } else { next }, mapper)
    }
}

/// On the device: `sgd_kernel`'s backend operation on a GPU, the tensor operations on the CPU.
impl Velocity for Tensor<1> {
    fn update(v: Option<Self>, w: Tensor<1>, g: Tensor<1>, rates: &Rates) -> (Tensor<1>, Self) {
        let [n] = w.dims();
        match (v, &rates.kernel) {
            (Some(v), Some(kernel)) => {
                let (w, v) = sgd_momentum(w.reshape([1, n]), v.reshape([1, n]), g.reshape([1, n]), kernel);
                (w.reshape([n]), v.reshape([n]))
            }
            // The same operations, in the same order, as burn's Momentum (g·1 + v·μ = v·μ + g exactly).
            (Some(v), None) => {
                let v = v.mul_scalar(rates.momentum).add(g);
                (w - v.clone().mul_scalar(rates.lr), v)
            }
            (None, _) => (w - g.clone().mul_scalar(rates.lr), g),
        }
    }
}

/// On the CPU backend: one pass over the parameter's memory, in place.
#[cfg(not(target_arch = "wasm32"))]
impl Velocity for Vec<f32> {
    fn update(v: Option<Self>, w: Tensor<1>, g: Tensor<1>, rates: &Rates) -> (Tensor<1>, Self) {
        let device = w.device();
        // Flex's scalar operations take their scalar as an f32: so does this pass.
        let (momentum, lr) = (rates.momentum as f32, rates.lr as f32);
        let (mut weights, grad) = (w.into_data(), g.into_data());
        let (Ok(w), Ok(g)) = (weights.as_mut_slice::<f32>(), grad.as_slice::<f32>()) else {
            panic!("the CPU backend's parameters and gradients are f32");
        };
        let velocity = match v {
            None => {
                let v = g.to_vec();
                for (w, &v) in w.iter_mut().zip(&v) {
                    *w -= v * lr;
                }
                v
            }
            Some(mut v) => {
                for ((w, v), &g) in w.iter_mut().zip(v.iter_mut()).zip(g) {
                    *v = *v * momentum + g;
                    *w -= *v * lr;
                }
                v
            }
        };
        (Tensor::from_data(weights, &device), velocity)
    }
}
