#!/usr/bin/env bash
# Browser verifier benchmark (issue 14): verifying the 100 MB demo ledger in the page (headless
# Chromium, the page served on loopback, tests/browser/verifier.mjs --bench) against the native CLI's
# `verify` on the same machine, side by side in one run.
#
# Needs: the Rust toolchain with wasm32-unknown-unknown, Node with tests/browser's node_modules
# (`npm ci --prefix tests/browser`), Debian's chromium at /usr/bin/chromium. Builds the release CLI
# and the page (web/build.sh), makes the demo ledger, then times each side RUNS times (default 3;
# FAIRBOARD_BENCH_RUNS) and prints the medians and their ratio. Target: the page at most 3x the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FAIRBOARD_BENCH_RUNS:-3}
cargo build --release --quiet
web/build.sh target/web-bench
fb=target/release/fairboard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fb" demo --out "$work/demo" > /dev/null
ledger=$work/demo/ledger.jsonl
echo "ledger: $(stat -c %s "$ledger") bytes, $(wc -l < "$ledger") records"

cli=()
for _ in $(seq "$runs"); do
  s=$(date +%s%N)
  "$fb" verify --ledger "$ledger" --trust "$work/demo/operator.pub" > /dev/null
  e=$(date +%s%N)
  cli+=($(( (e - s) / 1000000 )))
done
page=$(node tests/browser/verifier.mjs target/web-bench "$work/demo" --bench "$runs")
python3 - "$page" "${cli[@]}" <<'PY'
import json, statistics, sys
page = json.loads(sys.argv[1])
cli = [int(x) for x in sys.argv[2:]]
p, c = statistics.median(page["verify_ms"]), statistics.median(cli)
print(f"CLI verify: median {c:.0f} ms {cli}")
print(f"page verify (click to verdict): median {p:.0f} ms {page['verify_ms']}; tab peak {page['peak_bytes'] / 2**20:.0f} MiB")
print(f"ratio page / CLI: {p / c:.2f} (target <= 3)")
PY
