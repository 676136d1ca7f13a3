#!/usr/bin/env bash
# HTML report benchmark (issue 13): what the HTML form adds to an audit. Times `fairboard audit
# --format html` (keeps the cited records and the timeline, renders the page) against `--format json`
# (the same audit, serialised) on the demo's ledger, in the same run. Target: the HTML form costs
# under 10% of the audit's time.
#
# Needs a Rust toolchain; installs nothing. Run: benches/report.sh [DEMO_DIR]
# (FAIRBOARD_BENCH_RUNS=N repeats each timing, default 5; the median is reported). For a careful
# comparison use `hyperfine -w 1 'fairboard audit … --format json' 'fairboard audit … --format html'`.

set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FAIRBOARD_BENCH_RUNS:-5}
cargo build --release --quiet
fb=$PWD/target/release/fairboard
dir=${1:-}
if [ -z "$dir" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    "$fb" demo --out "$dir" > /dev/null
fi
run() { "$fb" audit --ledger "$dir/ledger.jsonl" --trust "$dir/operator.pub" --policy "$dir/policy.yaml" --format "$1" --out "$dir/bench.$1" || test $? -eq 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
    for _ in $(seq "$runs"); do
        s=$(date +%s%N); run "$1"; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))
    done | median
}
run json; run html  # warm the page cache
json=$(time_ms json)
html=$(time_ms html)
echo "audit --format json: ${json} ms (median of $runs)"
echo "audit --format html: ${html} ms (median of $runs), page $(wc -c < "$dir/bench.html") bytes"
awk -v j="$json" -v h="$html" 'BEGIN { printf "HTML adds %.1f%% to the audit (target < 10%%)\n", (h - j) * 100 / j }'
