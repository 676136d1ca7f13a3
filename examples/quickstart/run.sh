#!/usr/bin/env bash
# Quick start: build fairboard, create a signed ledger, authorise a provider key, append events
# (some signed by the operator, one by the provider), refuse an event the provider may not sign,
# and verify the result. Shows: keygen, init, append (all or nothing), verify.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -n "${FAIRBOARD_BIN:-}" ]; then
  fb=$FAIRBOARD_BIN   # tests pass the binary they built
else
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  fb="$root/target/release/fairboard"
fi
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/fairboard-quickstart.XXXXXX")}
mkdir -p "$out" && cd "$out"

"$fb" keygen --out operator
"$fb" keygen --out meta
"$fb" init --ledger ledger.jsonl --key operator.key --leaderboard quickstart-arena
"$fb" append --ledger ledger.jsonl --key operator.key "$here/events.jsonl"
meta_key=$(sed -n 2p meta.pub | base64 -d | tail -c 32 | base64)
printf '{"type":"key_authorized","key":"%s","role":"provider","provider":"meta"}\n' "$meta_key" \
  | "$fb" append --ledger ledger.jsonl --key operator.key -
"$fb" append --ledger ledger.jsonl --key meta.key "$here/provider-test.json"
echo "-- a provider key may not record battles (expect a refusal, exit 1):"
if "$fb" append --ledger ledger.jsonl --key meta.key "$here/events.jsonl"; then
  echo "unexpected: append was accepted" >&2; exit 1
fi
"$fb" verify --ledger ledger.jsonl --trust operator.pub
echo "ledger and keys are in $out"
