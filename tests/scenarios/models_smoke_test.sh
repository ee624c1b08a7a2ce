#!/usr/bin/env bash
# models_smoke_test.sh CLI REPO: every model file under models/ validates
# (exit 0) and runs two hours of model time (time.end=120) with its output
# complete: status "completed", run.h5 with its snapshots counted, and every
# metric the model declares present, with a row per metric time and finite
# values (NaN only for a mean, which over no cells is NaN). A model that stops
# loading or running after an engine change fails here, in the suite, not in
# a student's first command. Each model runs into its own directory. A sweep
# file there (a top-level `sweep:` key) is checked with `regensim sweep
# --dry-run` instead: it loads, and so does its model at every parameter's
# extremes.
set -euo pipefail
cli=$1
repo=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=passive
n=0
fail=0
while IFS= read -r model; do
    n=$((n + 1))
    rel=${model#"$repo"/}
    out="$work/$n"
    if grep -q '^sweep:' "$model"; then
        if ! "$cli" sweep "$model" --dry-run >"$work/validate.txt" 2>&1; then
            echo "FAIL: sweep file $rel does not load:" >&2
            cat "$work/validate.txt" >&2
            fail=1
        else
            echo "ok: $rel (sweep)"
        fi
        continue
    fi
    if ! "$cli" validate "$model" >"$work/validate.txt" 2>&1; then
        echo "FAIL: $rel does not validate:" >&2
        cat "$work/validate.txt" >&2
        fail=1
        continue
    fi
    if ! "$cli" run "$model" -o "$out" --quiet --threads 1 --set time.end=120 \
            --set time.save_every=60 >"$work/run.txt" 2>&1; then
        echo "FAIL: $rel does not run to 120 min:" >&2
        cat "$work/run.txt" >&2
        fail=1
        continue
    fi
    status=$(head -n 1 "$out/status" 2>/dev/null || echo "missing")
    if [[ $status != completed* ]]; then
        echo "FAIL: $rel: status '$status', expected completed" >&2
        fail=1
        continue
    fi
    if ! /usr/bin/python3 - "$out/run.h5" "$model" <<'PY'
import sys, h5py, numpy as np, yaml
path, model = sys.argv[1], sys.argv[2]
with h5py.File(path, "r") as h:
    n = int(h.attrs["nsnapshots"])
    assert n >= 2, f"{n} snapshots counted, expected at least 2 (0 and 120 min)"
    ts = h["timeseries"]
    t = ts["time"][()]
    assert len(t) >= 2 and t[-1] == 120, f"metric times end at {t[-1] if len(t) else None}, expected 120"
    metrics = (yaml.safe_load(h["model/source"][()].decode()) or {}).get("metrics") or {}
    assert set(metrics) <= set(ts), f"metrics declared but not written: {sorted(set(metrics) - set(ts))}"
    for name in ts:
        v = ts[name][()]
        assert len(v) == len(t), f"metric {name}: {len(v)} rows for {len(t)} times"
        expr = metrics.get(name, "")
        expr = expr.get("expr", "") if isinstance(expr, dict) else str(expr)
        # the mean over no cells is NaN by definition (docs/expressions.md);
        # anything else must be finite
        ok = np.isfinite(v) | (np.isnan(v) & ("mean(" in expr))
        assert ok.all(), f"metric {name} = {expr!r} is not finite: {v}"
PY
    then
        echo "FAIL: $rel: its output is incomplete (above)" >&2
        fail=1
        continue
    fi
    echo "ok: $rel"
done < <(find "$repo/models" -name '*.yaml' | sort)
if [[ $n -lt 10 ]]; then
    echo "FAIL: only $n models found under $repo/models" >&2
    exit 1
fi
[[ $fail -eq 0 ]] || exit 1
echo "models_smoke: all $n models validate and run" >&2
