#!/usr/bin/env bash
# npm run build: the deployable site in dist/ (see README, "Publishing"). Builds the wasm with the
# size-optimised profile wasm-dist (fat LTO, one codegen unit, opt-level z), shrinks it further with
# wasm-opt (npm package binaryen), then scripts/dist.mjs assembles dist/: content-hashed file names,
# relative URLs, a service worker for offline use. Incremental: each step runs only when its input
# changed. Run scripts/setup.sh first.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[dist]\033[0m %s\n' "$*"; }

crate=activation_playground
target="${CARGO_TARGET_DIR:-target}"
bindgen_dir="$target/dist-bindgen"
pkg_dir="$target/dist-pkg"

t0=$SECONDS
# The same build script as the development build, with the shipped profile (also converts the data).
WASM_PROFILE=wasm-dist WASM_PKG_DIR="$bindgen_dir" bash scripts/build.sh

if [ ! -f "$pkg_dir/${crate}_bg.wasm" ] || [ "$bindgen_dir/${crate}_bg.wasm" -nt "$pkg_dir/${crate}_bg.wasm" ] ||
   [ "$bindgen_dir/$crate.js" -nt "$pkg_dir/$crate.js" ]; then
  t=$SECONDS
  log "wasm-opt -Oz (npm package binaryen; ~1-2 min)"
  rm -rf "$pkg_dir.tmp"
  mkdir -p "$pkg_dir.tmp"
  cp "$bindgen_dir/$crate.js" "$pkg_dir.tmp/"
  # The features rustc's wasm32 target enables by default, which wasm-opt must accept.
  node node_modules/binaryen/bin/wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue \
    "$bindgen_dir/${crate}_bg.wasm" -o "$pkg_dir.tmp/${crate}_bg.wasm"
  rm -rf "$pkg_dir"
  mv "$pkg_dir.tmp" "$pkg_dir"
  log "wasm-opt done in $((SECONDS - t)) s"
fi

node scripts/dist.mjs --out dist --pkg "$pkg_dir"
log "done in $((SECONDS - t0)) s"
