# shellcheck shell=bash
# Set-up shared by scripts/run and scripts/test: everything a fresh Debian machine with rustup
# needs. Each step is skipped when already done, so a second run is fast.

# Debian packages: clang builds blst (C) for wasm32.
ensure_apt_packages() {
  local missing=()
  command -v clang >/dev/null 2>&1 || missing+=(clang)
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
