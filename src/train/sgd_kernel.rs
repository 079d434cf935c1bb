//! SGD-momentum's update of one parameter of K models (K = 1 for the single run) as one backend
//! operation: for model k, `v' = μ_k·v + g` and `w' = w − lr_k·v'`, and a dead model (its loss
//! was not finite) keeps its weights and velocity as they were. As tensor operations that is four
//! kernels per parameter and step on a GPU (μ·v, + g, lr·v', w −), five with the dead models'
//! mask; on cubecl's runtimes it is one kernel, which updates the weights and the velocity in
//! place. It is a burn backend extension, so the runtime `Device` picks the implementation:
//! cubecl's kernel on wgpu and WebGPU, and on the CPU backend the tensor operations.
//!
//! Each element goes through the same float operations in the same order (a multiply, an add, a
//! multiply, a subtract, each rounded to f32) as the tensor operations it replaces.

use burn::backend::{
    Backend, Dispatch, Flex, TensorMetadata, backend_extension, get_or_init_device_settings, tensor::FloatTensor,
};
use burn::tensor::{Device, Tensor, TensorData};

/// Per model, its learning rate, momentum and whether it is alive (1) or dead (0), `[K, 1]` each,
/// on the device the parameters are on.
#[derive(Clone)]
pub struct ModelRates {
    lr: Tensor<2>,
    momentum: Tensor<2>,
    alive: Tensor<2>,
}

impl ModelRates {
    /// The rates of K models (`lr` and `momentum` of one length), all alive.
    pub fn new(lr: &[f32], momentum: &[f32], device: &Device) -> ModelRates {
        let column = |values: Vec<f32>| Tensor::from_data(TensorData::new(values, [lr.len(), 1]), device);
        ModelRates { lr: column(lr.to_vec()), momentum: column(momentum.to_vec()), alive: column(vec![1.0; lr.len()]) }
    }

    /// The same rates with `alive` (`[K, 1]`, 1 or 0) for this step.
    pub fn with_alive(&self, alive: Tensor<2>) -> ModelRates {
        ModelRates { alive, ..self.clone() }
    }
}

/// One parameter's update for K models, `[K, n]` each: the new weights and velocity. In one
/// kernel, in place, where the backend has one and nothing else holds `weights` or `velocity`;
/// otherwise as the tensor operations.
pub fn sgd_momentum(
    weights: Tensor<2>,
    velocity: Tensor<2>,
    grad: Tensor<2>,
    rates: &ModelRates,
) -> (Tensor<2>, Tensor<2>) {
    let rates = rates.clone();
    let (weights, velocity) = <Dispatch as SgdMomentumOps>::sgd_momentum(
        weights.into_dispatch(),
        velocity.into_dispatch(),
        grad.into_dispatch(),
        rates.lr.into_dispatch(),
        rates.momentum.into_dispatch(),
        rates.alive.into_dispatch(),
    );
    (Tensor::from_dispatch(weights), Tensor::from_dispatch(velocity))
}

#[backend_extension(Flex, Cube: cfg(any(target_arch = "wasm32", feature = "native-wgpu")))]
trait SgdMomentumOps: Backend {
    /// The new weights and velocity `[K, n]` from weights, velocity and gradient `[K, n]` and the
    /// models' learning rates, momenta and alive flags `[K, 1]`.
    fn sgd_momentum(
        weights: FloatTensor<Self>,
        velocity: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        lr: FloatTensor<Self>,
        momentum: FloatTensor<Self>,
        alive: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        as_tensor_ops::<Self>(weights, velocity, grad, lr, momentum, alive)
    }
}

/// The update as tensor operations, in the order burn's `Momentum` computes it. A dead model gets
/// a zero gradient, momentum 1 and learning rate 0: `v' = v` and `w' = w`.
fn as_tensor_ops<B: Backend>(
    weights: FloatTensor<B>,
    velocity: FloatTensor<B>,
    grad: FloatTensor<B>,
    lr: FloatTensor<B>,
    momentum: FloatTensor<B>,
    alive: FloatTensor<B>,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let bool_dtype = get_or_init_device_settings::<B>(&alive.device()).bool_dtype;
    let dead = B::float_lower_elem(alive, 0.5.into(), bool_dtype);
    let grad = B::float_mask_fill(grad, B::bool_expand(dead.clone(), weights.shape()), 0.0.into());
    let momentum = B::float_mask_fill(momentum, dead.clone(), 1.0.into());
    let lr = B::float_mask_fill(lr, dead, 0.0.into());
    let velocity = B::float_add(B::float_mul(velocity, momentum), grad);
    let weights = B::float_sub(weights, B::float_mul(velocity.clone(), lr));
    (weights, velocity)
}

impl SgdMomentumOps for Flex {}

#[cfg(any(target_arch = "wasm32", feature = "native-wgpu"))]
mod cube {
    use burn::tensor::DType;
    use burn_cubecl::CubeBackend;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::{calculate_cube_count_elemwise, prelude::*};

    /// One thread per element; `k`, its model, from the rows of `[K, n]`. A dead model's elements
    /// are left alone.
    #[cube(launch)]
    fn sgd_momentum_kernel(
        weights: &mut Tensor<f32>,
        velocity: &mut Tensor<f32>,
        grad: &Tensor<f32>,
        lr: &Tensor<f32>,
        momentum: &Tensor<f32>,
        alive: &Tensor<f32>,
    ) {
        let i = ABSOLUTE_POS;
        let k = i / weights.shape(1);
        if i < weights.len() && alive[k] > 0.5f32 {
            let v = velocity[i] * momentum[k] + grad[i];
            velocity[i] = v;
            weights[i] -= v * lr[k];
        }
    }

    /// Whether the kernel can take `tensor`: f32 and contiguous.
    fn fits(tensor: &CubeTensor) -> bool {
        tensor.dtype == DType::F32 && tensor.is_contiguous()
    }

    impl super::SgdMomentumOps for CubeBackend {
        fn sgd_momentum(
            weights: CubeTensor,
            velocity: CubeTensor,
            grad: CubeTensor,
            lr: CubeTensor,
            momentum: CubeTensor,
            alive: CubeTensor,
        ) -> (CubeTensor, CubeTensor) {
            // Written in place: only what nothing else holds.
            let ok = [&weights, &velocity, &grad, &lr, &momentum, &alive].into_iter().all(fits)
                && weights.can_mut()
                && velocity.can_mut()
                && weights.meta.shape() == velocity.meta.shape()
                && weights.meta.shape() == grad.meta.shape();
            if !ok {
                return super::as_tensor_ops::<CubeBackend>(weights, velocity, grad, lr, momentum, alive);
            }
            let n = weights.meta.shape().num_elements();
            let client = weights.client.clone();
            let cube_dim = CubeDim::new(&client, n);
            let cube_count = calculate_cube_count_elemwise(&client, n, cube_dim);
            sgd_momentum_kernel::launch(
                &client,
                cube_count,
                cube_dim,
                weights.clone().into_tensor_arg(),
                velocity.clone().into_tensor_arg(),
                grad.into_tensor_arg(),
                lr.into_tensor_arg(),
                momentum.into_tensor_arg(),
                alive.into_tensor_arg(),
            );
            (weights, velocity)
        }
    }
}
