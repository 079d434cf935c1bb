//! What the GPU path sets from its adapter, in the browser and natively alike.

use burn::tensor::wgpu::WgpuSetup;
use burn::tensor::wgpu::wgpu::DeviceType;
pub use burn_cubecl::kernel::matmul::CubeMatmulRoutine;

/// The matrix-product routine for an adapter. A software adapter (Chromium's SwiftShader, Mesa's
/// lavapipe: `DeviceType::Cpu`, WebGPU's `isFallbackAdapter`) runs each workgroup on a CPU core,
/// where the workgroup barriers of burn's default tiled routine (cubek's `SimpleUnit`) cost more
/// than the arithmetic: cubek's routine for CPU runtimes (`CpuGemm`, register blocks, no barriers)
/// trains the article's MLP ~3.5x faster there (vendor/README.md). A hardware GPU keeps burn's
/// own choice.
pub fn matmul_routine(device_type: DeviceType) -> CubeMatmulRoutine {
    match device_type {
        DeviceType::Cpu => CubeMatmulRoutine::CpuGemm,
        _ => CubeMatmulRoutine::Auto,
    }
}

/// Applies [`matmul_routine`] for the adapter of `setup` (one setting per process, as there is
/// one wgpu device per process here) and returns it.
pub fn configure(setup: &WgpuSetup) -> CubeMatmulRoutine {
    let routine = matmul_routine(setup.adapter.get_info().device_type);
    burn_cubecl::kernel::matmul::set_cube_matmul_routine(routine);
    routine
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_adapters_get_the_cpu_routine_and_gpus_burns_default() {
        assert_eq!(matmul_routine(DeviceType::Cpu), CubeMatmulRoutine::CpuGemm);
        for gpu in [DeviceType::DiscreteGpu, DeviceType::IntegratedGpu, DeviceType::VirtualGpu, DeviceType::Other] {
            assert_eq!(matmul_routine(gpu), CubeMatmulRoutine::Auto, "{gpu:?}");
        }
    }
}
