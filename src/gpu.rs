//! What the GPU path sets from its adapter, in the browser and natively alike.

use burn::tensor::Device;
use burn::tensor::wgpu::wgpu::DeviceType;
use burn::tensor::wgpu::{WgpuOptions, WgpuSetup};
pub use burn_cubecl::kernel::matmul::CubeMatmulRoutine;

/// The dispatches cubecl gathers before it submits them on its own. Its default (32) closed a
/// compute pass and submitted a command buffer 3 to 4 times within one training step; the training
/// loops submit each step themselves (`train::submit`), so a step is one compute pass and one
/// submission, and the GPU runs it while the host prepares the next.
pub const TASKS_MAX: usize = 4096;

/// The options every wgpu device here starts with (browser, CLI and tests).
pub fn wgpu_options() -> WgpuOptions {
    Device::wgpu_options().tasks_max(TASKS_MAX)
}

/// Natively, this environment variable forces the matrix-product routine whatever the adapter:
/// `auto` (burn's default: the routine every hardware GPU takes) or `cpu-gemm`. scripts/test.sh
/// runs the lavapipe tests once more with `auto`, so that the hardware path is tested on a CPU
/// adapter too. It is read here only, and never in the browser.
pub const MATMUL_ENV: &str = "PLAYGROUND_GPU_MATMUL";

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

/// A value of [`MATMUL_ENV`]: `auto` or `cpu-gemm`.
pub fn parse_routine(value: &str) -> Result<CubeMatmulRoutine, String> {
    match value.trim() {
        "auto" => Ok(CubeMatmulRoutine::Auto),
        "cpu-gemm" => Ok(CubeMatmulRoutine::CpuGemm),
        other => Err(format!("{MATMUL_ENV}={other:?}: expected `auto` (burn's default) or `cpu-gemm`")),
    }
}

/// The routine [`MATMUL_ENV`] forces, if set.
#[cfg(not(target_arch = "wasm32"))]
fn forced_routine() -> Option<CubeMatmulRoutine> {
    // A typo must not quietly test the other routine: stop with the message.
    let value = std::env::var(MATMUL_ENV).ok()?;
    Some(parse_routine(&value).unwrap_or_else(|e| panic!("{e}")))
}

/// In the browser the adapter alone decides.
#[cfg(target_arch = "wasm32")]
fn forced_routine() -> Option<CubeMatmulRoutine> {
    None
}

/// Applies [`matmul_routine`] for the adapter of `setup`, or the routine [`MATMUL_ENV`] forces
/// (one setting per process, as there is one wgpu device per process here), and returns it.
pub fn configure(setup: &WgpuSetup) -> CubeMatmulRoutine {
    let routine = forced_routine().unwrap_or_else(|| matmul_routine(setup.adapter.get_info().device_type));
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

    #[test]
    fn the_forcing_variable_names_either_routine_and_nothing_else() {
        assert_eq!(parse_routine("auto"), Ok(CubeMatmulRoutine::Auto));
        assert_eq!(parse_routine("cpu-gemm\n"), Ok(CubeMatmulRoutine::CpuGemm));
        assert!(parse_routine("simple").unwrap_err().contains(MATMUL_ENV));
    }
}
