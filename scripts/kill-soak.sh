#!/usr/bin/env bash
# kill-soak.sh N [BUILD_DIR]: N single SIGKILL rounds of test_io's kill test
# (killed_writer_leaves_readable_file: a run.h5 writer killed while writing
# snapshots, or, one seed in three, while creating the file), each with its
# own seed (REGENSIM_KILL_SEED = 1..N), and reports how many failed, with
# the seeds to replay:
#   REGENSIM_KILL_SEED=S REGENSIM_KILL_ROUNDS=1 BUILD_DIR/tests/test_io --kill-only
# BUILD_DIR defaults to build/sanitize (ASan + UBSan, as scripts/test.sh
# builds it; made here when missing). Not part of CI: a soak of a few
# thousand kills takes a while. Exit 0 when no kill failed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [ "$1" -gt 0 ] 2>/dev/null ||
    { echo "usage: kill-soak.sh N [BUILD_DIR]" >&2; exit 2; }
n=$1 build=${2:-build/sanitize}
if [ ! -x "$build/tests/test_io" ]; then
    if [ "$build" = build/sanitize ]; then
        cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREGENSIM_WERROR=ON \
              -DREGENSIM_SANITIZE=ON -DREGENSIM_BUILD_BENCHMARKS=OFF >/dev/null || exit 2
    fi
    cmake --build "$build" --target test_io -j "$(nproc)" >/dev/null || exit 2
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_WAIT_POLICY=PASSIVE REGENSIM_KILL_ROUNDS=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0 seeds=""
for seed in $(seq 1 "$n"); do
    if ! REGENSIM_KILL_SEED=$seed "$build/tests/test_io" --kill-only >"$log" 2>&1; then
        failed=$((failed + 1))
        seeds="$seeds $seed"
        echo "kill-soak: seed $seed FAILED:" >&2
        grep -v -E "^\[ +(RUN|OK|PASSED|=+) +\]" "$log" | head -40 >&2
    fi
    [ $((seed % 100)) -eq 0 ] && echo "kill-soak: $seed of $n kills, $failed failed" >&2
done
echo "kill-soak: $failed failures in $n kills${seeds:+ (seeds:$seeds)}"
[ "$failed" -eq 0 ]
