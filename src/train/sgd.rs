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
//! order, so every bit of the result is the same. Elsewhere (wgpu, and the page's wasm, whose
//! size this would only grow) it stays tensor operations.

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use std::collections::HashMap;

/// Each parameter's velocity (flattened: parameters are of rank 1 and 2).
pub struct SgdMomentum {
    momentum: f64,
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
    pub fn new(momentum: f64, device: &Device) -> SgdMomentum {
        #[cfg(not(target_arch = "wasm32"))]
        if device.clone().inner() == Device::flex() {
            return SgdMomentum { momentum, velocity: Velocities::Host(HashMap::new()) };
        }
        let _ = device;
        SgdMomentum { momentum, velocity: Velocities::Device(HashMap::new()) }
    }

    /// One update of every parameter of `module` that has a gradient in `grads`.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        let rates = Rates { lr, momentum: self.momentum };
        match &mut self.velocity {
            Velocities::Device(velocity) => module.map(&mut Update { rates, grads: &mut grads, velocity }),
            #[cfg(not(target_arch = "wasm32"))]
            Velocities::Host(velocity) => module.map(&mut Update { rates, grads: &mut grads, velocity }),
        }
    }
}

/// The learning rate and the momentum, μ.
#[derive(Clone, Copy)]
struct Rates {
    lr: f64,
    momentum: f64,
}

/// One step's update of every parameter, whatever holds the velocities.
struct Update<'a, V> {
    rates: Rates,
    grads: &'a mut GradientsParams,
    velocity: &'a mut HashMap<ParamId, V>,
}

/// A parameter's velocity, and the update that uses it: `v = g` on the first step (no previous
/// velocity), else `v = μ·v + g`; then `w − lr·v`.
trait Velocity: Sized {
    /// The new weights and velocity, from the previous velocity `v`, the weights `w` and their
    /// gradient `g`.
    fn update<const D: usize>(v: Option<Self>, w: Tensor<D>, g: Tensor<D>, rates: Rates) -> (Tensor<D>, Self);
}

impl<V: Velocity> ModuleMapper for Update<'_, V> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let previous = self.velocity.remove(&id);
        let (weights, velocity) = V::update(previous, tensor.inner(), grad, self.rates);
        self.velocity.insert(id, velocity);
        let mut next = Tensor::from_inner(weights);
        if require_grad {
            next = next.require_grad();
        }
        Param::from_mapped_value(id, next, mapper)
    }
}

/// On the device: tensor operations, the velocity flattened.
impl Velocity for Tensor<1> {
    fn update<const D: usize>(v: Option<Self>, w: Tensor<D>, g: Tensor<D>, rates: Rates) -> (Tensor<D>, Self) {
        let dims = w.dims();
        // The same operations, in the same order, as burn's Momentum (g·1 + v·μ = v·μ + g exactly).
        let velocity = match v {
            None => g,
            Some(v) => v.reshape(dims).mul_scalar(rates.momentum).add(g),
        };
        let next = w - velocity.clone().mul_scalar(rates.lr);
        (next, velocity.reshape([dims.iter().product::<usize>()]))
    }
}

/// On the CPU backend: one pass over the parameter's memory, in place.
#[cfg(not(target_arch = "wasm32"))]
impl Velocity for Vec<f32> {
    fn update<const D: usize>(v: Option<Self>, w: Tensor<D>, g: Tensor<D>, rates: Rates) -> (Tensor<D>, Self) {
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
