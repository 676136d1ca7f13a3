#!/bin/sh
# Runs one fuzz target for SECONDS (default 600) at the lowest CPU priority, with the flags
# docs/fuzzing.md explains. Usage: fuzz/run.sh TARGET [SECONDS]. Build first with
#   cargo +nightly fuzz build -s none
set -eu
cd "$(dirname "$0")"
target=$1
secs=${2:-600}
mkdir -p "corpus/$target" "artifacts/$target" logs
exec nice -n 19 "target/x86_64-unknown-linux-gnu/release/$target" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" \
    "corpus/$target" "seeds/$target" 2>&1 | tee "logs/$target.log"
