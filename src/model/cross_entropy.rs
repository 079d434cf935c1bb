//! The article's loss, the mean NLL of log-softmax, per model, as one backend operation. As
//! burn's tensor operations (log-softmax, the pick, the mean, and autodiff's backward pass of each)
//! it is ten kernels forward and about seventeen backward on a GPU, more than a third of the
//! article's WebGPU step. Here the forward pass also writes the loss's gradient with respect to
//! the logits for a unit upstream gradient, what PyTorch's `log_softmax` + `nll_loss` backward
//! compute, in their order: with `w = −1 ÷ rows`, `∂x_j = [j = target]·w − exp(log_softmax(x)_j)·w`.
//! The backward pass scales it by the upstream gradient (1 in training, where the loss, or the
//! models' sum of losses, is what is differentiated, so the product is exact). On cubecl's
//! runtimes the forward pass is one kernel and the backward pass one multiply; on the CPU backend
//! both are tensor operations.
//!
//! A burn backend extension: the runtime `Device` picks the implementation, and the `Autodiff`
//! one records the backward pass.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Autodiff, Backend, Dispatch, Flex, Shape, TensorMetadata, backend_extension};
use burn::tensor::{IndexingUpdateOp, Int, Tensor};

/// Per model `k`, the mean over the rows of −log_softmax(`logits[k, row]`)[`targets[k, row]`]:
/// logits `[K, rows, classes]`, targets `[K, rows, 1]` (as `gather` takes them), the losses `[K]`.
pub fn per_model_cross_entropy(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    Tensor::from_dispatch(<Dispatch as CrossEntropyOps>::cross_entropy(logits.into_dispatch(), targets.into_dispatch()))
}

#[backend_extension(Flex, Cube: cfg(any(target_arch = "wasm32", feature = "native-wgpu")), Autodiff)]
trait CrossEntropyOps: Backend {
    /// The losses `[K]` of logits `[K, rows, classes]` against targets `[K, rows, 1]`.
    fn cross_entropy(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self>;
}

/// What each backend computes: the losses and their gradient with respect to the logits for a
/// unit upstream gradient, `[K, rows, classes]`.
trait LossAndGradient: Backend {
    fn cross_entropy_and_gradient(
        logits: FloatTensor<Self>,
        targets: IntTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        as_tensor_ops::<Self>(logits, targets)
    }
}

/// Both as tensor operations: log-softmax, the pick and the mean; PyTorch's backward formula.
fn as_tensor_ops<B: Backend>(logits: FloatTensor<B>, targets: IntTensor<B>) -> (FloatTensor<B>, FloatTensor<B>) {
    let shape = logits.shape();
    let (k, rows) = (shape[0], shape[1]);
    let (device, dtype) = (logits.device(), logits.dtype());
    let log_probs = B::log_softmax(logits, 2);
    let picked = B::float_gather(2, log_probs.clone(), targets.clone());
    let losses = B::float_reshape(B::float_neg(B::float_mean_dim(picked, 1)), Shape::new([k]));
    let w = -1.0 / rows as f64;
    let at_targets = B::float_scatter(
        2,
        B::float_zeros(shape, &device, dtype.into()),
        targets,
        B::float_full(Shape::new([k, rows, 1]), w.into(), &device, dtype.into()),
        IndexingUpdateOp::Add,
    );
    (losses, B::float_sub(at_targets, B::float_mul_scalar(B::float_exp(log_probs), w.into())))
}

impl LossAndGradient for Flex {}

impl CrossEntropyOps for Flex {
    fn cross_entropy(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        Self::cross_entropy_and_gradient(logits, targets).0
    }
}

impl<B: LossAndGradient, C: CheckpointStrategy> CrossEntropyOps for Autodiff<B, C> {
    fn cross_entropy(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        /// The backward pass: the unit gradient times each model's upstream gradient.
        #[derive(Debug)]
        struct CrossEntropy;

        impl<B: Backend> Backward<B, 1> for CrossEntropy {
            type State = FloatTensor<B>;

            fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
                let unit = ops.state;
                unary::<B, _>(ops.parents, ops.node, grads, |grad| {
                    let k = grad.shape()[0];
                    B::float_mul(unit, B::float_reshape(grad, Shape::new([k, 1, 1])))
                });
            }
        }

        let prepared = CrossEntropy.prepare::<C>([logits.node()]).compute_bound().stateful();
        let (losses, unit) = B::cross_entropy_and_gradient(logits.into_primitive(), targets);
        match prepared {
            OpsKind::Tracked(prep) => prep.finish(unit, losses),
            OpsKind::UnTracked(prep) => prep.finish(losses),
        }
    }
}

#[cfg(any(target_arch = "wasm32", feature = "native-wgpu"))]
mod cube {
    use super::LossAndGradient;
    use burn::tensor::DType;
    use burn_cubecl::CubeBackend;
    use burn_cubecl::kernel::{cast, into_contiguous};
    use burn_cubecl::ops::numeric::empty_device_dtype;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::prelude::*;

    /// One cube of one thread per model (`CUBE_POS`, exactly `K` of them: no bounds to check):
    /// its rows' log-softmax, shifted by each row's maximum as PyTorch's is, the mean of
    /// −log_softmax at the targets, and the unit gradient.
    #[cube(launch)]
    fn cross_entropy_kernel(
        logits: &Tensor<f32>,
        targets: &Tensor<i32>,
        losses: &mut Tensor<f32>,
        unit: &mut Tensor<f32>,
    ) {
        let k = CUBE_POS;
        let rows = logits.shape(1);
        let classes = logits.shape(2);
        let n = f32::cast_from(rows);
        let w = -1.0f32 / n;
        let mut total = 0.0f32;
        for row in 0..rows {
            let start = (k * rows + row) * classes;
            let mut max = logits[start];
            for c in 1..classes {
                max = f32::max(max, logits[start + c]);
            }
            let mut sum = 0.0f32;
            for c in 0..classes {
                sum += f32::exp(logits[start + c] - max);
            }
            let log_sum = sum.ln();
            let target = usize::cast_from(targets[k * rows + row]);
            total += (logits[start + target] - max) - log_sum;
            for c in 0..classes {
                // w at the target, 0 elsewhere (w·1 and w·0 are exact).
                let at_target = w * f32::cast_from(c == target);
                unit[start + c] = at_target - f32::exp(logits[start + c] - max - log_sum) * w;
            }
        }
        losses[k] = -(total / n);
    }

    impl super::CrossEntropyOps for CubeBackend {
        fn cross_entropy(logits: CubeTensor, targets: CubeTensor) -> CubeTensor {
            Self::cross_entropy_and_gradient(logits, targets).0
        }
    }

    impl super::LossAndGradient for CubeBackend {
        fn cross_entropy_and_gradient(logits: CubeTensor, targets: CubeTensor) -> (CubeTensor, CubeTensor) {
            // The page's tensors are f32 with i32 labels, and contiguous: these are then no-ops.
            let logits = cast(into_contiguous(logits), DType::F32);
            let targets = cast(into_contiguous(targets), DType::I32);
            let k = logits.meta.shape()[0];
            let (client, device) = (logits.client.clone(), logits.device.clone());
            let losses = empty_device_dtype(client.clone(), device.clone(), [k].into(), DType::F32);
            let unit = empty_device_dtype(client.clone(), device, logits.meta.shape().clone(), DType::F32);
            cross_entropy_kernel::launch(
                &client,
                CubeCount::Static(k as u32, 1, 1),
                CubeDim::new_single(),
                logits.into_tensor_arg(),
                targets.into_tensor_arg(),
                losses.clone().into_tensor_arg(),
                unit.clone().into_tensor_arg(),
            );
            (losses, unit)
        }
    }
}
