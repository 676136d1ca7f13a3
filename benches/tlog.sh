#!/usr/bin/env bash
# Tiled-log benchmarks (issue 16), in one run on the demo's ledger (about 100 MB):
#   1. `publish` from scratch;
#   2. `publish` incrementally: the log published up to the day before the last, then the last day's
#      records added;
#   3. `verify --log http://127.0.0.1:PORT` (every record, tile and bundle fetched over loopback from a
#      static server, Python's http.server) against `verify --ledger` on the file;
#   4. the witness under 1,000 add-checkpoint requests from 8 clients (`cargo bench --bench witness`).
#
# Needs a Rust toolchain and python3; installs nothing. Run: benches/tlog.sh [DEMO_DIR]
# (FAIRBOARD_BENCH_RUNS=N repeats each timing, default 3; medians are reported). For a careful
# comparison use `hyperfine`, and `/usr/bin/time -v` for peak memory.

set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FAIRBOARD_BENCH_RUNS:-3}
cargo build --release --quiet
fb=$PWD/target/release/fairboard
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$work"' EXIT
dir=${1:-}
if [ -z "$dir" ]; then
    dir=$work/demo
    "$fb" demo --out "$dir" > /dev/null
fi
ledger=$dir/ledger.jsonl
origin=bench.example/ledger
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

# The ledger without its last day: every record before the last record's date.
last_day=$(tail -n 1 "$ledger" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["time"][:10])')
python3 - "$ledger" "$work/prefix.jsonl" "$last_day" <<'EOF'
import sys
src, dst, day = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, "rb") as f, open(dst, "wb") as out:
    for line in f:
        if b'"time":"' + day.encode() in line:
            break
        out.write(line)
EOF
records=$(wc -l < "$ledger"); prefix=$(wc -l < "$work/prefix.jsonl")
echo "ledger: $records records, $(du -m "$ledger" | cut -f1) MB; last day ($last_day): $((records - prefix)) records"

scratch=$(for _ in $(seq "$runs"); do rm -rf "$work/log"; ms "$fb" publish --ledger "$ledger" --key "$dir/operator.key" --origin $origin --out "$work/log"; done | median)
echo "publish from scratch: $scratch ms (median of $runs), $(du -sm "$work/log" | cut -f1) MB, $(find "$work/log" -type f | wc -l) files"

rm -rf "$work/base"; "$fb" publish --ledger "$work/prefix.jsonl" --key "$dir/operator.key" --origin $origin --out "$work/base" > /dev/null
rm -rf "$work/inc"; cp -a "$work/base" "$work/inc"
once=$("$fb" publish --ledger "$ledger" --key "$dir/operator.key" --origin $origin --out "$work/inc")
incr=$(for _ in $(seq "$runs"); do rm -rf "$work/inc"; cp -a "$work/base" "$work/inc"; ms "$fb" publish --ledger "$ledger" --key "$dir/operator.key" --origin $origin --out "$work/inc"; done | median)
echo "publish after one day: $incr ms (median of $runs); $once"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work/log" && exec python3 -m http.server "$port" --bind 127.0.0.1 > /dev/null 2>&1) & server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/checkpoint" > /dev/null && break; sleep 0.1; done
file=$(for _ in $(seq "$runs"); do ms "$fb" verify --ledger "$ledger" --trust "$dir/operator.pub"; done | median)
tiles=$(for _ in $(seq "$runs"); do ms "$fb" verify --log "http://127.0.0.1:$port" --trust "$dir/operator.pub"; done | median)
echo "verify --ledger (file): $file ms; verify --log (tiles over loopback HTTP): $tiles ms (medians of $runs)"
awk -v f="$file" -v t="$tiles" 'BEGIN { printf "verify from tiles / from the file: %.2f\n", t / f }'

cargo bench --quiet --bench witness 2>/dev/null | grep '^witness:'
