//! Each model's own activation as one backend operation, for K models stacked `[K, rows, n]`
//! (K = 1 for the single run) with a code per model. On a GPU it is one kernel, which also writes
//! the activation's slope at each element for autodiff's backward pass, so that pass is one
//! multiply: burn's ops took one to six kernels forward and up to five backward per layer. And a
//! stacked sweep step launches the same kernels whatever mix of activations its models chose:
//! per group of models it was a slice or a gather, the activation, and a join.
//!
//! Only the activation a model chose is computed on its rows, so no other branch's overflow can
//! reach its values or its gradient. The slopes are PyTorch's: ReLU's is 0 where the output is not
//! positive, the sigmoid's (1 − y)·y and tanh's 1 − y², both from the output, and SELU's from
//! the input, scale·α·eˣ where x ≤ 0.
//!
//! A burn backend extension, as `cross_entropy`: the runtime `Device` picks the implementation.
//! On the CPU backend it is one pass over host memory with the same formulas, so a sweep's cell
//! and the single run compute alike there too, and autodiff's backward pass is the same multiply.

use crate::config::Activation;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Autodiff, Backend, Dispatch, Flex, backend_extension};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// SELU's constants (Klambauer et al.), as burn's and PyTorch's.
const SELU_SCALE: f32 = 1.050_700_987_355_480_5_f64 as f32;
const SELU_ALPHA_SCALE: f32 = (1.673_263_242_354_377_3_f64 * 1.050_700_987_355_480_5_f64) as f32;

/// The kernel's code for `activation`.
fn code(activation: Activation) -> i64 {
    match activation {
        Activation::Relu => 0,
        Activation::Sigmoid => 1,
        Activation::Tanh => 2,
        Activation::Selu => 3,
        Activation::Identity => 4,
    }
}

/// Each model's activation code, `[K]`, on the plain device (a constant to autodiff): made once,
/// where the models are built, since an upload between two kernels splits wgpu's submission.
#[derive(Clone, Debug)]
pub struct ActivationCodes(Tensor<1, Int>);

impl ActivationCodes {
    pub fn new(activations: &[Activation], device: &Device) -> ActivationCodes {
        let codes: Vec<i64> = activations.iter().map(|&a| code(a)).collect();
        ActivationCodes(Tensor::from_data(TensorData::new(codes, [activations.len()]), &device.clone().inner()))
    }
}

/// Model k's activation, `codes[k]`, applied to `x[k]`: `x` is `[K, rows, n]`.
pub fn per_model_activation(x: Tensor<3>, codes: &ActivationCodes) -> Tensor<3> {
    Tensor::from_dispatch(<Dispatch as PerModelActivationOps>::per_model_activation(
        x.into_dispatch(),
        codes.0.clone().into_dispatch(),
    ))
}

#[backend_extension(Flex, Cube: cfg(any(target_arch = "wasm32", feature = "native-wgpu")), Autodiff)]
trait PerModelActivationOps: Backend {
    /// `x` `[K, rows, n]` through model k's activation, `codes` `[K]`.
    fn per_model_activation(x: FloatTensor<Self>, codes: IntTensor<Self>) -> FloatTensor<Self>;
}

/// What each backend computes: the activations, and for autodiff their slopes too, `[K, rows, n]`.
trait ActivationAndSlope: PerModelActivationOps {
    fn activation_and_slope(x: FloatTensor<Self>, codes: IntTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// One element's activation and slope, for the activation of code `code`: the kernel's formulas.
#[inline(always)]
fn activation_and_slope(code: i64, x: f32) -> (f32, f32) {
    match code {
        0 if x > 0.0 => (x, 1.0),
        // +0 where x ≤ 0 (−0 included), NaN kept, as burn's ReLU.
        0 if x <= 0.0 => (0.0, 0.0),
        0 => (x, 0.0),
        1 => {
            let y = 1.0 / ((-x).exp() + 1.0);
            (y, (1.0 - y) * y)
        }
        2 => {
            let y = x.tanh();
            (y, 1.0 - y * y)
        }
        3 if x > 0.0 => (x * SELU_SCALE, SELU_SCALE),
        3 => {
            let e = x.exp();
            ((e - 1.0) * SELU_ALPHA_SCALE, e * SELU_ALPHA_SCALE)
        }
        _ => (x, 1.0),
    }
}

/// One model's elements through the activation of code `code`, in place, and their slopes pushed
/// to `slopes` where asked for. Inlined with a constant code, so each loop is that activation's.
#[inline(always)]
fn activate_in_place(code: i64, xs: &mut [f32], slopes: Option<&mut Vec<f32>>) {
    match slopes {
        Some(slopes) => {
            for x in xs {
                let (y, slope) = activation_and_slope(code, *x);
                *x = y;
                slopes.push(slope);
            }
        }
        None => xs.iter_mut().for_each(|x| *x = activation_and_slope(code, *x).0),
    }
}

/// On the host, one pass over the elements (the CPU backend's tensors are host memory; the
/// activations are written over the input's buffer where nothing else holds it).
fn on_host(x: FloatTensor<Flex>, codes: IntTensor<Flex>, mut slopes: Option<&mut Vec<f32>>) -> FloatTensor<Flex> {
    let codes: Vec<i64> = codes.into_data().iter::<i64>().collect();
    let mut data = x.into_data().convert::<f32>();
    let xs = data.as_mut_slice::<f32>().unwrap_or_default();
    let per_model = (xs.len() / codes.len().max(1)).max(1);
    if let Some(slopes) = slopes.as_deref_mut() {
        slopes.reserve(xs.len());
    }
    for (&code, xs) in codes.iter().zip(xs.chunks_mut(per_model)) {
        let slopes = slopes.as_deref_mut();
        match code {
            0 => activate_in_place(0, xs, slopes),
            1 => activate_in_place(1, xs, slopes),
            2 => activate_in_place(2, xs, slopes),
            3 => activate_in_place(3, xs, slopes),
            _ => activate_in_place(4, xs, slopes),
        }
    }
    FloatTensor::<Flex>::from_data(data)
}

impl ActivationAndSlope for Flex {
    fn activation_and_slope(x: FloatTensor<Self>, codes: IntTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let shape = x.layout().shape().clone();
        let mut slopes = Vec::new();
        let y = on_host(x, codes, Some(&mut slopes));
        (y, FloatTensor::<Flex>::from_data(TensorData::new(slopes, shape)))
    }
}

impl PerModelActivationOps for Flex {
    fn per_model_activation(x: FloatTensor<Self>, codes: IntTensor<Self>) -> FloatTensor<Self> {
        on_host(x, codes, None)
    }
}

impl<B: ActivationAndSlope, C: CheckpointStrategy> PerModelActivationOps for Autodiff<B, C> {
    fn per_model_activation(x: FloatTensor<Self>, codes: IntTensor<Self>) -> FloatTensor<Self> {
        /// The backward pass: the upstream gradient times the slope.
        #[derive(Debug)]
        struct Slope;

        impl<B: Backend> Backward<B, 1> for Slope {
            type State = FloatTensor<B>;

            fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
                let slope = ops.state;
                unary::<B, _>(ops.parents, ops.node, grads, |grad| B::float_mul(grad, slope));
            }
        }

        match Slope.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (y, slope) = B::activation_and_slope(x.into_primitive(), codes);
                prep.finish(slope, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::per_model_activation(x.into_primitive(), codes)),
        }
    }
}

#[cfg(any(target_arch = "wasm32", feature = "native-wgpu"))]
mod cube {
    use super::{ActivationAndSlope, SELU_ALPHA_SCALE, SELU_SCALE};
    use burn::tensor::DType;
    use burn_cubecl::CubeBackend;
    use burn_cubecl::kernel::{cast, into_contiguous};
    use burn_cubecl::ops::numeric::empty_device_dtype;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::{calculate_cube_count_elemwise, prelude::*};

    /// One thread per element; `k`, its model, from the shape `[K, rows, n]`. The slope is
    /// written only where autodiff will need it (`with_slope`, a separate shader).
    #[cube(launch)]
    fn activation_kernel(
        x: &Tensor<f32>,
        codes: &Tensor<i32>,
        y: &mut Tensor<f32>,
        slope: &mut Tensor<f32>,
        #[comptime] with_slope: bool,
    ) {
        let i = ABSOLUTE_POS;
        if i < x.len() {
            let code = codes[i / (x.shape(1) * x.shape(2))];
            let v = x[i];
            let mut out = v;
            let mut d = 1.0f32;
            if code == 0 {
                // +0 where v ≤ 0 (−0 included), NaN kept, as burn's ReLU; the slope is 0 unless
                // the output is positive.
                if v <= 0.0f32 {
                    out = 0.0f32;
                }
                d = select(out > 0.0f32, 1.0f32, 0.0f32);
            } else if code == 1 {
                out = 1.0f32 / (f32::exp(-v) + 1.0f32);
                d = (1.0f32 - out) * out;
            } else if code == 2 {
                out = f32::tanh(v);
                d = 1.0f32 - out * out;
            } else if code == 3 {
                if v > 0.0f32 {
                    out = v * SELU_SCALE;
                    d = SELU_SCALE;
                } else {
                    let e = f32::exp(v);
                    out = (e - 1.0f32) * SELU_ALPHA_SCALE;
                    d = e * SELU_ALPHA_SCALE;
                }
            }
            y[i] = out;
            if with_slope {
                slope[i] = d;
            }
        }
    }

    impl super::PerModelActivationOps for CubeBackend {
        fn per_model_activation(x: CubeTensor, codes: CubeTensor) -> CubeTensor {
            launch(x, codes, false).0
        }
    }

    impl ActivationAndSlope for CubeBackend {
        fn activation_and_slope(x: CubeTensor, codes: CubeTensor) -> (CubeTensor, CubeTensor) {
            launch(x, codes, true)
        }
    }

    /// The kernel's launch; the slope buffer comes back either way (one element without it).
    fn launch(x: CubeTensor, codes: CubeTensor, with_slope: bool) -> (CubeTensor, CubeTensor) {
        // The page's tensors are f32 with i32 codes, and contiguous: these are then no-ops.
        let x = cast(into_contiguous(x), DType::F32);
        let codes = cast(into_contiguous(codes), DType::I32);
        let (client, device) = (x.client.clone(), x.device.clone());
        let shape = x.meta.shape().clone();
        let n = shape.num_elements();
        let y = empty_device_dtype(client.clone(), device.clone(), shape.clone(), DType::F32);
        // Without a slope the kernel never touches its buffer: one element stands in.
        let slope_shape = if with_slope { shape } else { [1].into() };
        let slope = empty_device_dtype(client.clone(), device, slope_shape, DType::F32);
        let cube_dim = CubeDim::new(&client, n);
        activation_kernel::launch(
            &client,
            calculate_cube_count_elemwise(&client, n, cube_dim),
            cube_dim,
            x.into_tensor_arg(),
            codes.into_tensor_arg(),
            y.clone().into_tensor_arg(),
            slope.clone().into_tensor_arg(),
            with_slope,
        );
        (y, slope)
    }
}
