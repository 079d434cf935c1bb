#!/usr/bin/env bash
# The one-command GPU benchmark (issue 23), for a Linux machine with a GPU (Vulkan):
#
#   bash scripts/bench-gpu.sh                   # hardware adapters only: fails without one
#   bash scripts/bench-gpu.sh --allow-fallback  # also on software adapters (lavapipe, SwiftShader)
#
# Builds what it needs (the wasm module for the page, the CLI with wgpu), then measures, and prints
# one JSON object on stdout (progress goes to stderr): natively with wgpu, single-step and stacked
# (K = 64) throughput beside the CPU backend; in headless Chromium on the hardware adapter, burn's
# WebGPU samples/s, host time per step and first step against TF.js webgpu; a stacked 64-model sweep
# step in the page against single runs. scripts/bench-gpu.mjs has the details and the options.
# Without a hardware adapter (only a CPU/fallback one, or none) it stops with a message and exit 3.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Mesa's Vulkan loader complains without a runtime dir (harmless, but it reads like an error).
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

for arg in "$@"; do
  case "$arg" in
    --allow-fallback) ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-gpu.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1;34m[bench-gpu]\033[0m %s\n' "$*" >&2; }
t0=$SECONDS
say "set-up (node_modules, Chromium)"
bash scripts/setup.sh --browser >&2
say "building the page's wasm (scripts/build.sh)"
bash scripts/build.sh >&2
# As npm test builds it (with the test targets' dependency features), so that a tree where the
# tests ran rebuilds only the crate: a bare `cargo build --bin train` resolves other features.
say "building the CLI with wgpu (cargo test --release --features native-wgpu --no-run --test sweep_cli)"
cargo test --release --features native-wgpu --no-run --test sweep_cli >&2
say "built in $((SECONDS - t0)) s; measuring"
exec node scripts/bench-gpu.mjs "$@"
