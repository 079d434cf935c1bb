//! SGD-momentum's update of one parameter as one backend operation: `v' = μ·v + g` and
//! `w' = w − lr·v'`. As tensor operations that is four kernels per parameter and step on a GPU
//! (μ·v, + g, lr·v', w −), a quarter of the article's WebGPU step; on cubecl's runtimes it is one
//! kernel, which updates the weights and the velocity in place. It is a burn backend extension,
//! so the runtime `Device` picks the implementation: cubecl's kernel on wgpu and WebGPU, and on
//! the CPU backend the same arithmetic as tensor operations.
//!
//! Each element goes through the same float operations in the same order (a multiply, an add, a
//! multiply, a subtract, each rounded to f32) as the tensor operations it replaces.

use burn::backend::{Backend, Dispatch, Flex, backend_extension, tensor::FloatTensor};
use burn::tensor::Tensor;

/// One parameter's update: the new weights and velocity, `(w − lr·v', v')` with `v' = μ·v + g`.
/// In one kernel, in place, where the backend has one and nothing else holds `weights` or
/// `velocity`; otherwise as the tensor operations.
pub fn sgd_momentum<const D: usize>(
    weights: Tensor<D>,
    velocity: Tensor<D>,
    grad: Tensor<D>,
    lr: f64,
    momentum: f64,
) -> (Tensor<D>, Tensor<D>) {
    let (weights, velocity) = <Dispatch as SgdMomentumOps>::sgd_momentum(
        weights.into_dispatch(),
        velocity.into_dispatch(),
        grad.into_dispatch(),
        lr,
        momentum,
    );
    (Tensor::from_dispatch(weights), Tensor::from_dispatch(velocity))
}

#[backend_extension(Flex, Cube: cfg(any(target_arch = "wasm32", feature = "native-wgpu")))]
trait SgdMomentumOps: Backend {
    /// The new weights and velocity, `(w − lr·v', v')` with `v' = μ·v + g`. Weights, velocity
    /// and gradient have one shape.
    fn sgd_momentum(
        weights: FloatTensor<Self>,
        velocity: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        lr: f64,
        momentum: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        as_tensor_ops::<Self>(weights, velocity, grad, lr, momentum)
    }
}

/// The update as four tensor operations, in the order burn's `Momentum` computes it.
fn as_tensor_ops<B: Backend>(
    weights: FloatTensor<B>,
    velocity: FloatTensor<B>,
    grad: FloatTensor<B>,
    lr: f64,
    momentum: f64,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let velocity = B::float_add(B::float_mul_scalar(velocity, momentum.into()), grad);
    let weights = B::float_sub(weights, B::float_mul_scalar(velocity.clone(), lr.into()));
    (weights, velocity)
}

impl SgdMomentumOps for Flex {}

#[cfg(any(target_arch = "wasm32", feature = "native-wgpu"))]
mod cube {
    use burn_cubecl::CubeBackend;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::{calculate_cube_count_elemwise, prelude::*};

    /// One thread per element: the velocity and the weights, updated in place.
    #[cube(launch)]
    fn sgd_momentum_kernel(
        weights: &mut Tensor<f32>,
        velocity: &mut Tensor<f32>,
        grad: &Tensor<f32>,
        lr: f32,
        momentum: f32,
    ) {
        let i = ABSOLUTE_POS;
        if i < weights.len() {
            let v = velocity[i] * momentum + grad[i];
            velocity[i] = v;
            weights[i] -= v * lr;
        }
    }

    /// Whether the kernel can take `tensor`: f32, contiguous, and only referenced here (it is
    /// written in place).
    fn writable(tensor: &CubeTensor) -> bool {
        tensor.dtype == burn::tensor::DType::F32 && tensor.is_contiguous() && tensor.can_mut()
    }

    impl super::SgdMomentumOps for CubeBackend {
        fn sgd_momentum(
            weights: CubeTensor,
            velocity: CubeTensor,
            grad: CubeTensor,
            lr: f64,
            momentum: f64,
        ) -> (CubeTensor, CubeTensor) {
            let fits = writable(&weights)
                && writable(&velocity)
                && grad.dtype == weights.dtype
                && grad.is_contiguous()
                && weights.meta.shape() == velocity.meta.shape()
                && weights.meta.shape() == grad.meta.shape();
            if !fits {
                return super::as_tensor_ops::<CubeBackend>(weights, velocity, grad, lr, momentum);
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
                lr as f32,
                momentum as f32,
            );
            (weights, velocity)
        }
    }
}
