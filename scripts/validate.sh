#!/usr/bin/env bash
# validate.sh: runs the disease scenarios in full (every variant, every
# seed, full size; scripts/scenarios/<family>.py) and writes the validation
# report docs/validation.md with its plots docs/images/validation_<family>.png:
# per outcome the target, the measured mean +- sd over seeds and pass/fail.
# Installs what is missing and builds regensim as scripts/run.sh does.
# Arguments: families (default: ms pd mnd); JOBS=N runs N at a time
# (default: the number of CPUs). Exit 0 when every outcome passes, 1 when
# one fails (the report says which), 2 when a run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DREGENSIM_NATIVE=ON >/dev/null
cmake --build build/release -j "$jobs" --target regensim_cli >/dev/null

families=("$@")
[[ ${#families[@]} -gt 0 ]] || families=(ms pd mnd)
status=0
OMP_WAIT_POLICY=passive /usr/bin/python3 scripts/validate.py "${families[@]}" \
    --cli build/release/regensim --jobs "$jobs" \
    --report docs/validation.md --images docs/images || status=$?
echo "validate.sh: report in docs/validation.md (exit $status)" >&2
exit $status
