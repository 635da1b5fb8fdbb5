#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after another, and prints per target the
# executions, the corpus size and the crash files found.
#
# usage: fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  time per target (default 600)
#   TARGET   run only these targets (default: all)
#
# Seeds come from the real benchmark files in ../shared/data/real beside the checkout (or
# $SPECLAT_DATA) and the handwritten fixtures in tests/fixtures; they are copied into
# fuzz/corpus/TARGET at run time and never committed. Needs cargo-fuzz and a nightly
# toolchain; set FUZZ_TOOLCHAIN (default nightly) to choose it. Run at low priority on a
# shared machine: `nice -n 19 fuzz/run.sh`.
set -euo pipefail

seconds=${1:-600}
shift || true
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
data=${SPECLAT_DATA:-$root/../shared/data/real}
fixtures=$root/tests/fixtures
toolchain=${FUZZ_TOOLCHAIN:-nightly}
all_targets=(model_file scaling_model prometheus speculators_csv vllm_bench sglang guidellm_json guidellm_yaml manifest grid)
targets=("${@:-${all_targets[@]}}")

if [ ! -d "$data" ]; then
    echo "note: $data not found; seeding from tests/fixtures only" >&2
fi

# copy_seeds TARGET FILE...: copies the files that exist into the target's corpus.
copy_seeds() {
    local corpus=$fuzz_dir/corpus/$1
    shift
    mkdir -p "$corpus"
    for file in "$@"; do
        if [ -f "$file" ]; then
            cp "$file" "$corpus/seed-$(basename "$file")"
        fi
    done
}

seed() {
    local target=$1 corpus=$fuzz_dir/corpus/$1
    mkdir -p "$corpus"

    case $target in
    guidellm_json)
        copy_seeds "$target" "$data"/guidellm-test-fixture/*.json "$data"/guidellm-bench-intel-xpu/*.json \
            "$data"/speculators-dashboard/results.json \
            "$data"/speculators-researchScaling-fixed-alpha/Qwen3-0.6B/*alpha-0.60_draft-3_*.json \
            "$fixtures"/guidellm-*.json ;;
    guidellm_yaml)
        copy_seeds "$target" "$data"/guidellm-test-fixture/*.yaml ;;
    vllm_bench)
        copy_seeds "$target" "$fixtures"/vllm_bench_* ;;
    sglang)
        copy_seeds "$target" "$fixtures"/sglang_* ;;
    speculators_csv)
        copy_seeds "$target" "$data"/speculators-dspark-qwen3.8-27b/*.csv \
            "$data"/speculators-dspark-qwen3.8-27b/diagnostic_pinned_limits/*.csv ;;
    prometheus)
        copy_seeds "$target" "$fixtures"/prometheus_* ;;
    manifest)
        printf '[[series]]\nfiles = "Qwen3-8B/*alpha-0.70_draft-3_*.json"\nk = 3\nalpha = 0.7\nlabel = "eagle k3"\n\n[[series]]\nfiles = ["base/a.json", "base/b.json"]\nbaseline = true\n' \
            >"$corpus/seed-manifest.toml" ;;
    grid)
        printf '4' >"$corpus/seed-one"
        printf '1,2,5' >"$corpus/seed-list"
        printf '0.5:12:0.5' >"$corpus/seed-range" ;;
    model_file)
        # Saved models of a six-coefficient fit and of a per-series (reduced) fit.
        local speclat=$root/target/debug/speclat
        [ -x "$speclat" ] || (cd "$root" && cargo build --quiet)
        "$speclat" fit --example qwen3-8b --no-cross-validation --json >"$corpus/seed-stages.json"
        local one
        one=$(ls "$data"/speculators-researchScaling-fixed-alpha/Qwen3-0.6B/*alpha-0.60_draft-3_*.json 2>/dev/null | head -n 1 || true)
        if [ -n "$one" ]; then
            "$speclat" fit "$one" --json >"$corpus/seed-reduced.json" 2>/dev/null || true
        fi ;;
    scaling_model)
        # Hugging Face configurations (first byte even) and a scaling model of two Qwen3
        # sizes (first byte odd).
        for config in "$fixtures"/hf-config/*/config.json; do
            { printf '\000'; cat "$config"; } >"$corpus/seed-config-$(basename "$(dirname "$config")")"
        done
        local speclat=$root/target/debug/speclat
        [ -x "$speclat" ] || (cd "$root" && cargo build --quiet)
        local scratch
        scratch=$(mktemp -d)
        local sizes=$data/speculators-researchScaling-fixed-alpha
        if [ -d "$sizes" ]; then
            ln -s "$sizes" "$scratch/data"
            cp -r "$fixtures/hf-config" "$scratch/configs"
            printf '[[system]]\nname = "Qwen3-4B"\nfiles = "data/Qwen3-4B/*.json"\nconfig = "configs/qwen3-4b/config.json"\n\n[[system]]\nname = "Qwen3-32B"\nfiles = "data/Qwen3-32B/*.json"\nconfig = "configs/qwen3-32b/config.json"\n' >"$scratch/systems.toml"
            { printf '\001'; "$speclat" fit "$scratch/data/Qwen3-4B" "$scratch/data/Qwen3-32B" \
                --manifest "$scratch/systems.toml" --leave-one-system-out --json; } \
                >"$corpus/seed-scaling.json" 2>/dev/null || true
        fi
        rm -rf "$scratch" ;;
    esac
}

cd "$fuzz_dir"
cargo "+$toolchain" fuzz build -O

printf '%-16s %12s %9s %8s %s\n' target executions exec_per_s corpus crashes
for target in "${targets[@]}"; do
    seed "$target"
    log=$fuzz_dir/artifacts/$target.log
    mkdir -p "$fuzz_dir/artifacts/$target"
    # Large real reports are truncated to max_len, which keeps each run fast and still starts
    # from real structure. A crash stops the run; its input is kept under artifacts/TARGET.
    status=0
    cargo "+$toolchain" fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    per_second=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    corpus=$(find "corpus/$target" -type f | wc -l)
    crashes=$(find "artifacts/$target" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
    printf '%-16s %12s %9s %8s %s\n' "$target" "${executions:-?}" "${per_second:-?}" "$corpus" "$crashes"
    if [ "$status" -ne 0 ]; then
        echo "  $target stopped with status $status; see $log" >&2
    fi
done
