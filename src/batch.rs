//! A batch on the device: what a training step, an evaluation and a statistics probe consume.

use crate::data::HostBatch;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// A batch on the device.
pub struct Batch {
    pub inputs: Tensor<2>,
    pub targets: Tensor<1, Int>,
}

impl Batch {
    pub fn upload(host: &HostBatch, input_size: usize, device: &Device) -> Batch {
        let n = host.len();
        Batch {
            inputs: Tensor::from_data(TensorData::new(host.features.clone(), [n, input_size]), device),
            targets: Tensor::from_data(TensorData::new(host.labels.clone(), [n]), device),
        }
    }
}
