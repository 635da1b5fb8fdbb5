#!/usr/bin/env bash
# Times `speclat fit` end to end on the Qwen3-8B fixed-acceptance sweeps (48 files, 17 MB),
# as one process per run, and prints the minimum and median wall time over RUNS runs.
#
# Usage: scripts/bench-cli.sh [RUNS]    (default 30; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-30}"
data="../shared/data/real/speculators-researchScaling-fixed-alpha/Qwen3-8B"
if [ ! -d "$data" ]; then
    echo "error: $data not found; the benchmark needs the real sweeps beside the checkout" >&2
    exit 2
fi

cargo build --release --quiet
binary=target/release/speclat
"$binary" fit "$data" --quiet >/dev/null

for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$binary" fit "$data" --quiet >/dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
done | sort -n | awk '{ t[NR] = $1 } END {
    printf "runs %d  min %.1f ms  median %.1f ms  max %.1f ms\n", NR, t[1] / 1000, t[int((NR + 1) / 2)] / 1000, t[NR] / 1000
}'
