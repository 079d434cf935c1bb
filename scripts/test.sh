#!/usr/bin/env bash
# npm test: set-up, build, native Rust tests (release: debug burn is far too slow), then the
# browser tests (headless Chromium, node's built-in test runner). Prints a summary at the end.
set -uo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p artifacts
logs=artifacts/logs
mkdir -p "$logs"

t_start=$SECONDS
stage() { printf '\n\033[1;35m==> %s\033[0m\n' "$*"; }

stage "set-up"
t=$SECONDS
bash scripts/setup.sh --test || { echo "set-up failed" >&2; exit 1; }
t_setup=$((SECONDS - t))

stage "build (wasm + data)"
t=$SECONDS
bash scripts/build.sh || { echo "build failed" >&2; exit 1; }
t_build=$((SECONDS - t))

# dist/, the deployable site (wasm-dist profile, sized for download), for tests/e2e/dist.test.mjs.
stage "build dist/ (npm run build)"
t=$SECONDS
bash scripts/dist.sh || { echo "dist build failed" >&2; exit 1; }
t_dist=$((SECONDS - t))

# Quality gates: formatting, clippy (natively with default features only: with native-wgpu clippy
# would check the whole wgpu tree too; and on the wasm target) and the JS type check (tsc on the
# JSDoc types, jsconfig.json).
stage "checks: cargo fmt --check, cargo clippy -D warnings, tsc, biome, vendor/"
t=$SECONDS
cargo fmt --check > "$logs/fmt.log" 2>&1
rc_fmt=$?
[ "$rc_fmt" = 0 ] || { echo "cargo fmt --check: files need formatting (run cargo fmt):"; grep '^Diff in' "$logs/fmt.log" | sed -E 's/^Diff in (.*):[0-9]+:$/  \1/' | sort -u | head -30; }
cargo clippy --all-targets -- -D warnings 2>&1 | tee "$logs/clippy.log"
rc_clippy=${PIPESTATUS[0]}
# The wasm facade (src/web.rs, src/web_sweep.rs, src/gpu.rs) compiles for wasm32 only: lint it there.
cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings 2>&1 | tee -a "$logs/clippy.log"
[ "${PIPESTATUS[0]}" = 0 ] || rc_clippy=1
node_modules/.bin/tsc -p jsconfig.json 2>&1 | tee "$logs/tsc.log"
rc_tsc=${PIPESTATUS[0]}
# Biome: the JS's formatting (120 columns, as rustfmt.toml) and its linter (biome.json).
node_modules/.bin/biome check 2>&1 | tee "$logs/biome.log"
rc_biome=${PIPESTATUS[0]}
# Each vendor/NAME must be the published crate plus vendor/NAME.patch (vendor/README.md).
bash scripts/check-vendor.sh 2>&1 | tee "$logs/vendor.log"
rc_vendor=${PIPESTATUS[0]}
t_checks=$((SECONDS - t))

# Mesa's Vulkan loader complains without a runtime dir (harmless, but it reads like an error).
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# With the native-wgpu feature the same build also checks the GPU path on wgpu (lavapipe here).
stage "native Rust tests: cargo test --release --features native-wgpu"
t=$SECONDS
# Tests that need ../shared/data (full MNIST, CIFAR-10, PyTorch's recorded run) skip where it is
# absent and say so here (tests/common/shared.rs); the summary lists them.
export SKIPPED_TESTS="$PWD/$logs/skipped.txt"
rm -f "$SKIPPED_TESTS"
cargo test --release --features native-wgpu --no-fail-fast 2>&1 | tee "$logs/cargo-test.log"
rc_rust=${PIPESTATUS[0]}
# lavapipe is a CPU adapter, so it gets the CPU-style matmul (src/gpu.rs): once more with burn's
# default routine forced, the one every hardware GPU takes, on the PyTorch replay and stacked = single.
echo "==> the wgpu tests again with PLAYGROUND_GPU_MATMUL=auto (burn's default matmul)" | tee -a "$logs/cargo-test.log"
PLAYGROUND_GPU_MATMUL=auto cargo test --release --features native-wgpu --no-fail-fast \
  --test gpu_wgpu --test sweep_wgpu -- every_step_matches_pytorch_on_wgpu batched_runs_match_single_runs_on_wgpu \
  2>&1 | tee -a "$logs/cargo-test.log"
[ "${PIPESTATUS[0]}" = 0 ] || rc_rust=1
t_rust=$((SECONDS - t))

stage "browser tests: node --test tests/e2e/"
t=$SECONDS
node --test --test-concurrency=1 --test-reporter=spec tests/e2e/ 2>&1 | tee "$logs/e2e.log"
rc_e2e=${PIPESTATUS[0]}
t_e2e=$((SECONDS - t))

# Counts from the runners' own summaries.
strip() { sed -e 's/\x1b\[[0-9;]*m//g' "$1"; }
rust_pass=$(strip "$logs/cargo-test.log" | awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) s += $i } END { print s + 0 }')
rust_fail=$(strip "$logs/cargo-test.log" | awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) s += $i } END { print s + 0 }')
e2e_pass=$(strip "$logs/e2e.log" | awk 'NF == 3 && $2 == "pass" && $3 ~ /^[0-9]+$/ { s = $3 } END { print s + 0 }')
e2e_fail=$(strip "$logs/e2e.log" | awk 'NF == 3 && $2 == "fail" && $3 ~ /^[0-9]+$/ { s = $3 } END { print s + 0 }')

verdict() { [ "$1" = 0 ] && echo "ok" || echo "FAILED (exit $1)"; }
printf '\n\033[1m==> summary\033[0m\n'
printf '  set-up            %5ss\n' "$t_setup"
printf '  build             %5ss\n' "$t_build"
printf '  build dist/       %5ss\n' "$t_dist"
printf '  checks            %5ss  fmt %s · clippy %s · tsc %s · biome %s · vendor %s\n' "$t_checks" "$(verdict $rc_fmt)" "$(verdict $rc_clippy)" "$(verdict $rc_tsc)" "$(verdict $rc_biome)" "$(verdict $rc_vendor)"
printf '  cargo test        %5ss  %s passed, %s failed  %s\n' "$t_rust" "$rust_pass" "$rust_fail" "$(verdict $rc_rust)"
printf '  browser tests     %5ss  %s passed, %s failed  %s\n' "$t_e2e" "$e2e_pass" "$e2e_fail" "$(verdict $rc_e2e)"
printf '  total             %5ss  (screenshots and logs in artifacts/)\n' "$((SECONDS - t_start))"
# Every skipped test by name, with what it lacks: Rust's from the file they write, the browser's
# from node's "﹣ name # reason" lines.
e2e_skips=$(strip "$logs/e2e.log" | grep '^ *﹣ ' | sed -E 's/^ *﹣ (.*) \([0-9.]+m?s\) # (.*)$/SKIPPED e2e: \1: \2/' | sort -u)
if [ -s "$SKIPPED_TESTS" ] || [ -n "$e2e_skips" ]; then
  printf '\n\033[1;33m==> skipped on this machine (each names what it lacks)\033[0m\n'
  [ -s "$SKIPPED_TESTS" ] && sed 's/^/  /' "$SKIPPED_TESTS"
  [ -n "$e2e_skips" ] && printf '%s\n' "$e2e_skips" | sed 's/^/  /'
fi
total_fail=$((rust_fail + e2e_fail))
[ "$rc_rust" != 0 ] && [ "$rust_fail" = 0 ] && total_fail=$((total_fail + 1))
[ "$rc_e2e" != 0 ] && [ "$e2e_fail" = 0 ] && total_fail=$((total_fail + 1))
for rc in "$rc_fmt" "$rc_clippy" "$rc_tsc" "$rc_biome" "$rc_vendor"; do [ "$rc" != 0 ] && total_fail=$((total_fail + 1)); done
echo "$((rust_pass + e2e_pass)) passed, $total_fail failed"
[ "$rc_rust" = 0 ] && [ "$rc_e2e" = 0 ] && [ "$rc_fmt" = 0 ] && [ "$rc_clippy" = 0 ] && [ "$rc_tsc" = 0 ] && [ "$rc_biome" = 0 ] && [ "$rc_vendor" = 0 ]
