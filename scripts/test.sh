#!/usr/bin/env bash
# test.sh: the one test command (README, CI). Installs what is missing,
# builds with warnings as errors, runs every test through ctest, then builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite
# once more. Build trees: build/test and build/sanitize.
set -euo pipefail
cd "$(dirname "$0")/.."
# The MPI sweep test starts mpirun, which refuses to run as root (as CI and
# containers do) unless told that is intended.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (Release, -Werror) ==" >&2
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Release -DREGENSIM_WERROR=ON >/dev/null
cmake --build build/test -j "$jobs"
echo "== tests ==" >&2
(cd build/test && ctest --output-on-failure -j "$jobs")

echo "== build (ASan + UBSan, -Werror) ==" >&2
cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREGENSIM_WERROR=ON \
      -DREGENSIM_SANITIZE=ON -DREGENSIM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/sanitize -j "$jobs"
echo "== tests under sanitizers ==" >&2
# Every test runs here too (run_cli included: the CLI's kill, checkpoint,
# resume and signal paths, about 70 s) except those labelled no-sanitize:
#   install_and_use  builds examples/ without sanitizer flags against the
#                    sanitized library, which cannot link (the installed
#                    copy is tested in the Release tree above).
#   sweep_report     pure Python on synthetic files: no regensim code.
# and those labelled scenario (the disease scenarios' outcomes on their
# reduced set-ups: weeks of model time per run, minutes under the
# sanitizers; models_smoke runs every model file here instead).
# The benchmarks (label bench) are not built here (-DREGENSIM_BUILD_BENCHMARKS=OFF):
# they measure speed, which sanitizers distort.
(cd build/sanitize &&
 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
 ctest --output-on-failure -j "$jobs" -LE 'no-sanitize|scenario')
echo "test.sh: all tests passed (Release and ASan/UBSan)" >&2
