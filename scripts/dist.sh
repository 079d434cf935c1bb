#!/usr/bin/env bash
# npm run build: the deployable site in dist/ (see README, "Publishing"). Builds the wasm with the
# size-optimised profile wasm-dist (one codegen unit, opt-level z), strips its debug names
# with wasm-opt (npm package binaryen), then scripts/dist.mjs assembles dist/: content-hashed file names,
# relative URLs, a service worker for offline use. Incremental: each step runs only when its input
# changed. Run scripts/setup.sh first.
LOG_AS=dist
source "$(dirname "$0")/lib.sh"
target="${CARGO_TARGET_DIR:-target}"
bindgen_dir="$target/dist-bindgen"
pkg_dir="$target/dist-pkg"

t0=$SECONDS
# The same build script as the development build, with the shipped profile (also converts the data).
WASM_PROFILE=wasm-dist WASM_PKG_DIR="$bindgen_dir" bash scripts/build.sh

if [ ! -f "$pkg_dir/${crate}_bg.wasm" ] || [ "$bindgen_dir/${crate}_bg.wasm" -nt "$pkg_dir/${crate}_bg.wasm" ] ||
   [ "$bindgen_dir/$crate.js" -nt "$pkg_dir/$crate.js" ] || [ scripts/dist.sh -nt "$pkg_dir/${crate}_bg.wasm" ]; then
  t=$SECONDS
  log "wasm-opt --shrink-level 2 --duplicate-function-elimination --strip-debug --strip-producers (npm package binaryen)"
  rm -rf "$pkg_dir.tmp"
  mkdir -p "$pkg_dir.tmp"
  cp "$bindgen_dir/$crate.js" "$pkg_dir.tmp/"
  # Merges identical functions (burn's and cubecl's generics instantiate many to the same code),
  # to a fixed point (--shrink-level 2; one round otherwise), and strips the names (7 MB) and
  # producers sections. Measured (Nov 28 2026; gzip as the size test measures it, zlib level 9):
  # stripped only 2.533 MB, one round of duplicate-function-elimination 2.494 (8 s), to a fixed
  # point 2.472 (12 s); brotli 1.68 → 1.65 MB. With the gzip command on an earlier build (2.511
  # stripped only, 2.473 one round): adding --remove-unused-module-elements --vacuum 2.473,
  # --code-folding 2.476, --dae 2.483; --merge-similar-functions alone 2.516; --reorder-functions
  # 2.694 (it scatters similar code, which gzip then finds less of). The full pipelines -Oz / -Os /
  # -O2 shrink the raw file but grow it gzipped (2.58 / 2.59 / 2.60 MB against 2.43 MB, an older
  # build) and take 5-7 min here.
  # The --enable flags are the features rustc's wasm32 target enables by default, and SIMD
  # (.cargo/config.toml turns simd128 on).
  node node_modules/binaryen/bin/wasm-opt --shrink-level 2 --duplicate-function-elimination --strip-debug --strip-producers \
    --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-simd \
    "$bindgen_dir/${crate}_bg.wasm" -o "$pkg_dir.tmp/${crate}_bg.wasm"
  rm -rf "$pkg_dir"
  mv "$pkg_dir.tmp" "$pkg_dir"
  log "wasm-opt done in $((SECONDS - t)) s"
fi

node scripts/dist.mjs --out dist --pkg "$pkg_dir"
log "done in $((SECONDS - t0)) s"
