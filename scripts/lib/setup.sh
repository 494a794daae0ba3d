# shellcheck shell=bash
# Set-up shared by scripts/run and scripts/test: everything a fresh Debian machine with rustup
# needs. Each step is skipped when already done, so a second run is fast.

# Debian packages: clang builds blst (C) for wasm32; chromium runs the browser tests; protoc
# compiles the node's gRPC schema (node-full/proto).
ensure_apt_packages() {
  local missing=()
  command -v clang >/dev/null 2>&1 || missing+=(clang)
  command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The pinned toolchain and the wasm32 target (both named in rust-toolchain.toml).
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found; install rustup (https://rustup.rs) first" >&2
    exit 2
  fi
  rustup show active-toolchain >/dev/null
  rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown
}

# Where the shared drand vectors are (../shared/vectors beside the checkout by default).
vectors_dir() {
  echo "${DRAND_VECTORS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/../shared/vectors}"
}

# The wasm-bindgen CLI at exactly the version the wasm-bindgen crate is pinned to
# (Cargo.toml). Built from crates.io; nothing comes from GitHub.
WASM_BINDGEN_VERSION=0.2.130
ensure_wasm_bindgen() {
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    echo "==> installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once; cached in ~/.cargo/bin)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

# The npm dev tools (wasm-opt from binaryen, deno, workerd, playwright-core, publint, attw),
# reinstalled only when package-lock.json changed.
ensure_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found; install Node.js >= 20.19" >&2
    exit 2
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund
  fi
}
