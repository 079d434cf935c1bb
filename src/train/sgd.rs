//! SGD with momentum as PyTorch does it (dampening 0, no Nesterov, no weight decay), for the
//! single run: `v = g` on a parameter's first step, then `v = μ·v + g`, and `w = w − lr·v`.
//! burn's `Sgd` with `Momentum` does the same arithmetic, plus a multiply of every gradient by
//! `1 − dampening`, i.e. by exactly 1 here: one kernel per parameter and step that changes no
//! bit. This update leaves it out (the sweep's stacked update, `sweep::step`, never had it).

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use std::collections::HashMap;

/// Each parameter's velocity (flattened: parameters are of rank 1 and 2).
pub struct SgdMomentum {
    momentum: f64,
    velocity: HashMap<ParamId, Tensor<1>>,
}

impl SgdMomentum {
    pub fn new(momentum: f64) -> SgdMomentum {
        SgdMomentum { momentum, velocity: HashMap::new() }
    }

    /// One update of every parameter of `module` that has a gradient in `grads`.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        module.map(&mut Update { lr, momentum: self.momentum, grads: &mut grads, velocity: &mut self.velocity })
    }
}

struct Update<'a> {
    lr: f64,
    momentum: f64,
    grads: &'a mut GradientsParams,
    velocity: &'a mut HashMap<ParamId, Tensor<1>>,
}

impl ModuleMapper for Update<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let dims = tensor.dims();
        // The same operations, in the same order, as burn's Momentum (g·1 + v·μ = v·μ + g exactly).
        let velocity = match self.velocity.remove(&id) {
            None => grad,
            Some(v) => v.reshape(dims).mul_scalar(self.momentum).add(grad),
        };
        let require_grad = tensor.is_require_grad();
        let mut next = Tensor::from_inner(tensor.inner() - velocity.clone().mul_scalar(self.lr));
        if require_grad {
            next = next.require_grad();
        }
        self.velocity.insert(id, velocity.reshape([dims.iter().product::<usize>()]));
        Param::from_mapped_value(id, next, mapper)
    }
}
