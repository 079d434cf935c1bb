//! Each model's number of correct predictions as one backend operation. A row predicts the
//! lowest class whose output is at least every other output of the row, and class 0 where there
//! is none (an output is NaN): ties go to the lowest index, and a diverged model scores as if it
//! said class 0, on every backend. As burn's tensor operations (the maximum, a compare, the tie
//! scores, the arg-max, a compare, a cast and a sum) that was eight kernels a step on a GPU; here
//! it is one kernel (a thread per row) and the sum. The CPU backend computes the same on the host.
//!
//! A burn backend extension, as `cross_entropy`; nothing is differentiated through it.

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Autodiff, Backend, Dispatch, Flex, Shape, backend_extension};
use burn::tensor::{Int, Tensor, TensorData};

/// Per model k, how many rows of `logits[k]` predict `targets[k, row]`: logits `[K, rows,
/// classes]`, targets `[K, rows, 1]`, the counts `[K]` as floats (exact up to 2^24 rows).
pub fn per_model_correct(logits: Tensor<3>, targets: Tensor<3, Int>) -> Tensor<1> {
    Tensor::from_dispatch(<Dispatch as CorrectCountOps>::correct_count(logits.into_dispatch(), targets.into_dispatch()))
}

#[backend_extension(Flex, Cube: cfg(any(target_arch = "wasm32", feature = "native-wgpu")), Autodiff)]
trait CorrectCountOps: Backend {
    /// The counts `[K]` of logits `[K, rows, classes]` against targets `[K, rows, 1]`.
    fn correct_count(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self>;
}

/// The predicted class of one row: the kernel's rule.
fn predicted(row: &[f32]) -> usize {
    let (mut best, mut nan) = (0, false);
    for (c, &v) in row.iter().enumerate() {
        nan |= v.is_nan();
        if v > row[best] {
            best = c;
        }
    }
    if nan { 0 } else { best }
}

impl CorrectCountOps for Flex {
    fn correct_count(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        let data = logits.into_data().convert::<f32>();
        let (k, rows_per_model, classes) = (data.shape()[0], data.shape()[1], data.shape()[2].max(1));
        let targets: Vec<i64> = targets.into_data().iter::<i64>().collect();
        let logits = data.as_slice::<f32>().unwrap_or_default();
        let counts: Vec<f32> = (0..k)
            .map(|m| {
                let rows = m * rows_per_model..(m + 1) * rows_per_model;
                rows.filter(|&r| {
                    let row = &logits[r * classes..(r + 1) * classes];
                    predicted(row) as i64 == targets[r]
                })
                .count() as f32
            })
            .collect();
        FloatTensor::<Flex>::from_data(TensorData::new(counts, Shape::new([k])))
    }
}

impl<B: CorrectCountOps, C: CheckpointStrategy> CorrectCountOps for Autodiff<B, C> {
    fn correct_count(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        // A count has no gradient: computed on the inner backend, returned untracked.
        FloatTensor::<Self>::new(B::correct_count(logits.into_primitive(), targets))
    }
}

#[cfg(any(target_arch = "wasm32", feature = "native-wgpu"))]
mod cube {
    use burn::backend::ops::FloatTensorOps;
    use burn::tensor::DType;
    use burn_cubecl::CubeBackend;
    use burn_cubecl::kernel::{cast, into_contiguous};
    use burn_cubecl::ops::numeric::empty_device_dtype;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::{calculate_cube_count_elemwise, prelude::*};

    /// One thread per row (of all models): 1 where its prediction is its target, else 0.
    #[cube(launch)]
    fn correct_kernel(logits: &Tensor<f32>, targets: &Tensor<i32>, correct: &mut Tensor<f32>) {
        let row = ABSOLUTE_POS;
        if row < correct.len() {
            let classes = logits.shape(2);
            let start = row * classes;
            let mut best = 0usize;
            let mut best_value = logits[start];
            let mut nan = best_value.is_nan();
            for c in 1..classes {
                let v = logits[start + c];
                nan = nan || v.is_nan();
                if v > best_value {
                    best = c;
                    best_value = v;
                }
            }
            if nan {
                best = 0usize;
            }
            correct[row] = f32::cast_from(best == usize::cast_from(targets[row]));
        }
    }

    impl super::CorrectCountOps for CubeBackend {
        fn correct_count(logits: CubeTensor, targets: CubeTensor) -> CubeTensor {
            // The page's tensors are f32 with i32 labels, and contiguous: these are then no-ops.
            let logits = cast(into_contiguous(logits), DType::F32);
            let targets = cast(into_contiguous(targets), DType::I32);
            let shape = logits.meta.shape().clone();
            let (k, rows) = (shape[0], shape[1]);
            let (client, device) = (logits.client.clone(), logits.device.clone());
            let correct = empty_device_dtype(client.clone(), device, [k, rows].into(), DType::F32);
            let cube_dim = CubeDim::new(&client, k * rows);
            correct_kernel::launch(
                &client,
                calculate_cube_count_elemwise(&client, k * rows, cube_dim),
                cube_dim,
                logits.into_tensor_arg(),
                targets.into_tensor_arg(),
                correct.clone().into_tensor_arg(),
            );
            CubeBackend::float_reshape(CubeBackend::float_sum_dim(correct, 1), [k].into())
        }
    }
}
