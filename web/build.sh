#!/usr/bin/env bash
# Builds the browser verifier (docs/browser.md) into OUT (default target/web): fairboard's core
# compiled to wasm32 (crates/wasm, the `wasm` profile), bound by the wasm-bindgen-cli whose version
# Cargo.lock pins (installed by cargo when missing), shrunk by `wasm-opt -Oz` when binaryen is on
# PATH, next to the page's static files. Paths are remapped, so the .wasm does not depend on where
# the checkout or the cargo home is. Prints the .wasm's size, raw and gzipped.
#
# Run: web/build.sh [OUT]; serve OUT from any static host (or `python3 -m http.server -d OUT`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/web}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
RUSTFLAGS="--remap-path-prefix=$PWD=fairboard --remap-path-prefix=$cargo_home=cargo" \
  cargo build -p fairboard-wasm --profile wasm --target wasm32-unknown-unknown
wasm=target/wasm32-unknown-unknown/wasm/fairboard_wasm.wasm
wbg=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wbg"; then
  cargo install wasm-bindgen-cli --version "$wbg" --locked
fi
rm -rf "$out" && mkdir -p "$out/pkg"
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$out/pkg" "$wasm"
bg=$out/pkg/fairboard_wasm_bg.wasm
raw=$(stat -c %s "$bg")
# wasm-opt (binaryen) when a recent one is on PATH: the features rustc enables for
# wasm32-unknown-unknown are named one by one (--all-features turns on proposals browsers lack), and
# binaryen before 116 is skipped: Debian bookworm's 108 writes a module that validates but that
# wasm-bindgen's glue cannot start (a function table of the wrong type). It matters little: gzip,
# which any static host applies, takes both forms to the same size (docs/performance.md §13).
features="--enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue"
opt_version=$(wasm-opt --version 2>/dev/null | awk '{print $3}' || true)
if [ -n "$opt_version" ] && [ "$opt_version" -ge 116 ] 2>/dev/null; then
  # shellcheck disable=SC2086
  wasm-opt -Oz $features --strip-debug --strip-producers "$bg" -o "$bg.opt" && mv "$bg.opt" "$bg"
elif [ -n "$opt_version" ]; then
  echo "wasm-opt $opt_version is older than 116; the module is kept as wasm-bindgen wrote it" >&2
fi
cp web/index.html web/app.js web/worker.js web/style.css "$out/"
echo "$bg: $(stat -c %s "$bg") bytes ($raw before wasm-opt), $(gzip -9 -c "$bg" | wc -c) gzipped; page total $(du -sb "$out" | cut -f1) bytes"
