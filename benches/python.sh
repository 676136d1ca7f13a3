#!/usr/bin/env bash
# Python binding benchmark (issue 15): `fairboard.scores` against the CLI's `scores` and against
# arena-rank's bootstrap, all on the 1.67 M-battle Chatbot Arena pair counts, side by side in one run.
#
# Builds the release CLI and a release wheel, makes a venv under target/bench-venv with
# python/requirements-test.txt (maturin, pandas, arena-rank: from PyPI), builds the ledger with the
# CLI, then runs benches/python_scores.py. Timings are medians; the CLI is timed as a whole process,
# `fairboard.scores` as the call inside an interpreter that has already imported pandas (what a
# notebook pays), arena-rank as its dataset construction plus `compute_ratings_and_cis`.
#
# Targets: fairboard.scores at most 1.2x the CLI; at least 20x less than arena-rank's 100-round
# bootstrap.
#
# Run: benches/python.sh [PAIRS.csv]   (FAIRBOARD_BENCH_RUNS=N, default 5; FAIRBOARD_BENCH_ARENA_ROUNDS,
# default 100)

set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
pairs=${1:-$root/../shared/data/real/leaderbot_chatbotarena_20240814_pairs.csv}
meta=$root/../shared/data/real/lmsys_leaderboard_table_20250511.csv
[ -f "$pairs" ] || { echo "missing data file: $pairs" >&2; exit 2; }

cargo build --release --quiet
venv=$root/target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r python/requirements-test.txt
"$venv/bin/maturin" build -q --release -m python/Cargo.toml -o target/bench-wheels
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall target/bench-wheels/fairboard-*-cp39-abi3-*.whl

fb=$root/target/release/fairboard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fb" import --format pairs --models "$meta" --period-start 2023-04-24T00:00:00Z --period-end 2024-08-14T23:59:59Z \
    "$pairs" > "$work/events.jsonl" 2> /dev/null
"$fb" keygen --out "$work/op" > /dev/null
"$fb" init --ledger "$work/ledger.jsonl" --key "$work/op.key" --leaderboard bench --time 2024-08-15T00:00:00Z > /dev/null
"$fb" append --ledger "$work/ledger.jsonl" --key "$work/op.key" --time 2024-08-15T00:00:00Z "$work/events.jsonl" > /dev/null

"$venv/bin/python" -W ignore benches/python_scores.py "$fb" "$work/ledger.jsonl" "$pairs"
