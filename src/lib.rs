//! Activation playground: the MLP from "Is ReLU After Sigmoid Bad?", trained with burn on
//! WebGPU in the browser (or on the CPU, natively and in wasm).
//!
//! The core (config, data, model, training, statistics, plots) is plain Rust against burn's
//! run-time `Device`; `web` is the thin wasm-bindgen facade.

pub mod ab;
pub mod batch;
pub mod config;
pub mod data;
pub mod export;
pub mod format;
#[cfg(any(target_arch = "wasm32", feature = "native-wgpu"))]
pub mod gpu;
pub mod history;
pub mod model;
pub mod plots;
pub mod replay;
pub mod share;
pub mod stats;
pub mod sweep;
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;
#[cfg(target_arch = "wasm32")]
pub mod web_sweep;
