#!/usr/bin/env bash
# Ratings benchmark (issue 4): `fairboard scores --bootstrap 100` against a FastChat-style Python
# reference (benches/ratings_reference.py: numpy + scipy L-BFGS-B, multinomial bootstrap in a process
# pool), both on the 1.67 M-battle Chatbot Arena pair counts, in the same run.
#
# Needs: a Rust toolchain, Python 3 with numpy and scipy (e.g. `pip install numpy scipy`), and the data
# file (default ../shared/data/real/leaderbot_chatbotarena_20240814_pairs.csv, or give a path). This
# script installs nothing. If hyperfine is on PATH it is not needed; timings use the shell clock.
#
# Target: fairboard at least 20x faster end to end, ratings equal within 0.01.
#
# Run: benches/ratings.sh [PAIRS.csv]   (FAIRBOARD_BENCH_RUNS=N repeats the fairboard timing, default 5)

set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
pairs=${1:-$root/../shared/data/real/leaderbot_chatbotarena_20240814_pairs.csv}
meta=$root/../shared/data/real/lmsys_leaderboard_table_20250511.csv
runs=${FAIRBOARD_BENCH_RUNS:-5}

[ -f "$pairs" ] || { echo "missing data file: $pairs" >&2; exit 2; }
python3 -c 'import numpy, scipy' 2>/dev/null || {
    echo "needs Python 3 with numpy and scipy (e.g. pip install numpy scipy)" >&2
    exit 2
}

cargo build --release --quiet
fb=$root/target/release/fairboard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ms() { date +%s%N; }
elapsed() { echo $(( ($2 - $1) / 1000000 )); }

# The ledger: the pair counts as one period, with registrations when the metadata is at hand.
models=()
[ -f "$meta" ] && models=(--models "$meta")
t0=$(ms)
"$fb" import --format pairs "${models[@]}" --period-start 2023-04-24T00:00:00Z --period-end 2024-08-14T23:59:59Z \
    "$pairs" > "$work/events.jsonl" 2> /dev/null
"$fb" keygen --out "$work/op" > /dev/null
"$fb" init --ledger "$work/ledger.jsonl" --key "$work/op.key" --leaderboard bench --time 2024-08-15T00:00:00Z > /dev/null
"$fb" append --ledger "$work/ledger.jsonl" --key "$work/op.key" --time 2024-08-15T00:00:00Z "$work/events.jsonl" > /dev/null
t1=$(ms)
echo "ledger built (import + init + append): $(elapsed "$t0" "$t1") ms, $(wc -c < "$work/ledger.jsonl") bytes"

# fairboard: verify the ledger, fit, 100 bootstrap rounds, CSV. Median of $runs runs.
times=()
for _ in $(seq "$runs"); do
    s=$(ms)
    "$fb" scores --ledger "$work/ledger.jsonl" --bootstrap 100 --seed 0 --format csv > "$work/fairboard.csv"
    e=$(ms)
    times+=("$(elapsed "$s" "$e")")
done
fb_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
echo "fairboard scores --bootstrap 100: median ${fb_ms} ms over $runs runs (${times[*]})"

# The reference with FastChat's own solver settings, then converged (L-BFGS-B run to its limits).
s=$(ms)
python3 -W ignore benches/ratings_reference.py --rounds 100 "$pairs" > "$work/fastchat.csv"
e=$(ms)
py_ms=$(elapsed "$s" "$e")
echo "reference, FastChat settings (gtol 1e-6, maxiter 100): ${py_ms} ms"
s=$(ms)
python3 -W ignore benches/ratings_reference.py --rounds 100 --gtol 1e-10 --maxiter 100000 --ftol 0 "$pairs" \
    > "$work/converged.csv"
e=$(ms)
conv_ms=$(elapsed "$s" "$e")
echo "reference, converged (gtol 1e-10, ftol 0): ${conv_ms} ms"

python3 - "$work" "$fb_ms" "$py_ms" "$conv_ms" <<'PY'
import csv, sys
work, fb, py, conv = sys.argv[1], *map(int, sys.argv[2:])
def ratings(name):
    with open(f"{work}/{name}.csv") as f:
        return {r["model"]: float(r["rating"]) for r in csv.DictReader(f)}
ours = ratings("fairboard")
for name, ms in (("fastchat", py), ("converged", conv)):
    ref = ratings(name)
    diffs = sorted((abs(ours[m] - ref[m]), m) for m in ref)
    worst = diffs[-1]
    verdict = "equal within 0.01" if worst[0] <= 0.01 else "NOT equal within 0.01"
    print(f"{name:>9}: {ms / fb:6.1f}x slower than fairboard; max |rating diff| {worst[0]:.4f} ({worst[1]}), "
          f"{len(diffs)} models: {verdict}")
PY
