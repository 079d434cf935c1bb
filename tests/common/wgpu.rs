//! The wgpu device of the native GPU tests (Mesa's lavapipe on GPU-less machines), with the
//! matrix-product routine the CLI and the page choose for its adapter (`CpuGemm` on lavapipe), or
//! the one `PLAYGROUND_GPU_MATMUL` forces: scripts/test.sh runs these tests once more with `auto`,
//! burn's default, the routine every hardware GPU takes.

use activation_playground::gpu::{self, CubeMatmulRoutine};
use burn::tensor::Device;
use burn::tensor::wgpu::WgpuSetup;

pub fn device() -> (Device, WgpuSetup) {
    let (device, setup) =
        gpu::wgpu_options().init_with_setup().expect("a wgpu adapter (lavapipe: apt-get install mesa-vulkan-drivers)");
    let matmul = gpu::configure(&setup);
    eprintln!("adapter: {:?}, {matmul:?} matmul", setup.adapter.get_info());
    // The switch itself: the forced routine is the one burn launches from now on.
    if let Ok(value) = std::env::var(gpu::MATMUL_ENV) {
        assert_eq!(Ok(matmul), gpu::parse_routine(&value));
    }
    assert_eq!(burn_cubecl::kernel::matmul::cube_matmul_routine(), matmul);
    (device, setup)
}

/// The routine in effect, for the tests' messages.
pub fn routine() -> CubeMatmulRoutine {
    burn_cubecl::kernel::matmul::cube_matmul_routine()
}
