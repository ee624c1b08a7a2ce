#!/usr/bin/env bash
# bench.sh: builds regensim-bench (Release, build/bench) and runs it,
# recording the source revision. Prints the benchmark's JSON document on
# stdout and everything else (build output, progress) on stderr, so
#     scripts/bench.sh > bench.json
# stores a result that scripts/bench-compare.py can compare.
# Usage: scripts/bench.sh [--quick] [more regensim-bench options]
# (see docs/performance.md; `scripts/bench.sh --help` lists the options).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)
configure() {
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >&2
}
if ! configure; then
  echo "bench.sh: configure failed; installing dependencies and retrying" >&2
  bash scripts/install-deps.sh
  configure
fi
cmake --build build/bench --target regensim_bench -j "$jobs" >&2

git_hash=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
exec build/bench/benchmarks/regensim-bench --git "$git_hash" "$@"
