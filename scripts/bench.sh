#!/usr/bin/env bash
# bench.sh: builds regensim-bench (Release) for the machine it runs on
# (-DREGENSIM_NATIVE=ON, i.e. -march=native, in build/bench-native) and runs
# it, recording the source revision. Prints the benchmark's JSON document on
# stdout and everything else (build output, progress) on stderr, so
#     scripts/bench.sh > bench.json
# stores a result that scripts/bench-compare.py can compare. The document's
# "build" object says how it was built; compare runs built alike.
# Usage: scripts/bench.sh [--portable] [--quick] [more regensim-bench options]
#   --portable  build without -march=native instead (CMake's default, what
#               packagers ship), in build/bench-portable
# (see docs/performance.md; `scripts/bench.sh --help` lists the options).
set -euo pipefail
cd "$(dirname "$0")/.."

native=ON dir=build/bench-native
args=()
for arg in "$@"; do
  if [ "$arg" = --portable ]; then
    native=OFF dir=build/bench-portable
  else
    args+=("$arg")
  fi
done

jobs=$(nproc 2>/dev/null || echo 2)
configure() {
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DREGENSIM_NATIVE="$native" >&2
}
if ! configure; then
  echo "bench.sh: configure failed; installing dependencies and retrying" >&2
  bash scripts/install-deps.sh
  configure
fi
cmake --build "$dir" --target regensim_bench -j "$jobs" >&2

git_hash=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
exec "$dir/benchmarks/regensim-bench" --git "$git_hash" "${args[@]}"
