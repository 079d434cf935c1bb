use crate::CubeBackend;
use crate::kernel::unary_basic::{self, BasicFloatUnaryKind};
use burn_backend::ops::ActivationOps;
use burn_backend::tensor::FloatTensor;

impl ActivationOps<Self> for CubeBackend {
    /// Patched in by activation-playground (vendor/README.md): 1 / (1 + e^−x) in one kernel, where
    /// burn's default, e^−ln(1 + e^−x), launches six, and autodiff's backward pass runs it again.
    fn sigmoid(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        unary_basic::launch::<_>(tensor, |_| BasicFloatUnaryKind::Sigmoid)
    }

    /// Patched in likewise: ReLU in one kernel, where burn's default launches a compare and a fill.
    fn relu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        unary_basic::launch::<_>(tensor, |_| BasicFloatUnaryKind::Relu)
    }
}
