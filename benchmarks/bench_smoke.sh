#!/usr/bin/env bash
# bench_smoke.sh BENCH COMPARE: runs regensim-bench on tiny grids and checks
# its JSON: valid, every solver measured (none skipped or failed), the keys
# of the benchmark interface present (the "build" object: compiler, flags,
# build type, native; the "io" section: the snapshot write
# and the run overhead for each thread count, with its fixed per-run and
# steady per-snapshot figures; the "cells" section: the mechanics step at
# 10^4 and 10^5 cells and the PhysiCell-template run on 1 and 2 threads,
# the same positions for any thread count; the "sweep" section: the
# per-run overhead of a 6-run sweep and the -j 2 speedup, measured (both
# sweeps exited 0 with a summary row per run); timings never asserted); then
# compares the document with itself
# through bench-compare.py (no regression: exit 0); a bad option exits 2.
set -euo pipefail
bench=$1 compare=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --quick --sizes 24 --threads 1,2 --sweep-runs 6 --git smoke >"$tmp/b.json" 2>"$tmp/err"
/usr/bin/python3 - "$tmp/b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("regensim_version", "git", "threads_available", "machine", "diffusion", "summary"):
    assert k in d, f"missing key {k}"
assert d["machine"]["stream_triad_gbs"] > 0
b = d.get("build")
assert isinstance(b, dict), "missing key build"
assert isinstance(b.get("compiler"), str) and b["compiler"], b
assert isinstance(b.get("c_flags"), str) and isinstance(b.get("build_type"), str), b
assert isinstance(b.get("native"), bool), b
assert b["native"] == ("-march=native" in b["c_flags"]), b
solvers = {e["solver"] for e in d["diffusion"]}
assert solvers == {"explicit", "lod", "spectral"}, solvers
for e in d["diffusion"]:
    assert not e.get("skipped") and not e.get("failed"), e
    for k in ("dims", "substrates", "threads", "voxel_updates_per_s",
              "fraction_of_bandwidth_bound", "bytes_per_voxel_substrate"):
        assert k in e, f"{e['solver']}: missing {k}"
    assert e["voxel_updates_per_s"] > 0
    assert 8 <= e["bytes_per_voxel_substrate"] <= 24, e
    if e["solver"] == "spectral":
        assert e["seconds_per_step"] > 0 and e["fftw_only_seconds"] > 0, e
assert "expr" in d, "missing key expr"
assert {e["threads"] for e in d["expr"]} == {1, 2}, d["expr"]
for e in d["expr"]:
    assert not e.get("failed"), e
    assert e["points"] == 1000000 and e["expression"], e
    assert e["evaluations_per_s"] > 0, e
assert "io" in d, "missing key io"
snap = [e for e in d["io"] if e.get("kind") == "snapshot_write"]
over = [e for e in d["io"] if e.get("kind") == "run_overhead"]
formats = {("float64", "deflate"), ("float64", "none"), ("float32", "deflate"),
           ("float32", "none")}
assert {(e["precision"], e["compression"]) for e in snap} == formats, snap
assert all(not e.get("failed") and e["mb_per_s"] > 0 for e in snap), snap
default = [e for e in over if (e["precision"], e["compression"]) == ("float64", "deflate")]
assert {e["threads"] for e in default} == {1, 2}, over
assert {(e["precision"], e["compression"]) for e in over} == formats, over
for e in over:
    assert not e.get("failed"), e
    for k in ("dims", "steps", "snapshots", "save_every_steps", "seconds_without_output",
              "seconds_with_output", "output_fraction", "seconds_fixed_per_run",
              "output_seconds_per_snapshot_steady", "callback_seconds_per_snapshot",
              "output_fraction_steady", "output_fraction_at_typical_save_every",
              "seconds_in_create", "seconds_in_finish"):
        assert k in e, f"run_overhead: missing {k}"
    assert e["snapshots"] == e["steps"] // e["save_every_steps"] + 1, e
    assert 0 < e["seconds_without_output"] and 0 < e["seconds_with_output"], e
    assert e["output_fraction"] < 1, e
    # the fixed cost is the sum of its parts; the callbacks' time is positive
    fixed = e["seconds_in_create"] + e["seconds_in_finish"] + e["seconds_in_checkpoint"]
    assert abs(e["seconds_fixed_per_run"] - fixed) <= 1e-5 * max(fixed, 1e-3), e
    assert e["seconds_fixed_per_run"] > 0 and e["callback_seconds_per_snapshot"] > 0, e
c = d.get("cells")
assert isinstance(c, dict), "missing key cells"
assert 0 < c["bytes_per_cell"] <= 200, c["bytes_per_cell"]
mech = [e for e in c["entries"] if e.get("kind") == "mechanics"]
assert {(e["cells"], e["threads"]) for e in mech} == {(n, t) for n in (10000, 100000)
                                                      for t in (1, 2)}, mech
for e in mech:
    assert not e.get("failed"), e
    for k in ("seconds_per_step", "cell_steps_per_s", "phase_seconds_per_step",
              "neighbours_mean", "checksum", "edge_um"):
        assert k in e, f"cells mechanics: missing {k}"
    assert e["cell_steps_per_s"] > 0 and e["neighbours_mean"] > 0, e
for n in (10000, 100000):
    sums = {e["checksum"] for e in mech if e["cells"] == n}
    assert len(sums) == 1, f"{n} cells: positions differ between thread counts: {sums}"
work = [e for e in c["entries"] if e.get("kind") == "workload"]
assert {e["threads"] for e in work} == {1, 2}, work
for e in work:
    assert not e.get("failed"), e
    assert e["workload"] == "physicell-template-30k" and e["cells"] == 30000, e
    assert e["mechanics_steps"] == 10 and e["diffusion_steps"] == 100, e
    assert e["cell_steps_per_s"] > 0, e
assert [x["threads"] for x in c["linearity"]] == [1, 2], c["linearity"]
assert len(c["thread_scaling"]) == 3, c["thread_scaling"]
assert c["physicell"]["best_cell_steps_per_s"] > 0, c["physicell"]
sw = d.get("sweep")
assert isinstance(sw, list), "missing key sweep"
assert [e.get("kind") for e in sw] == ["overhead", "jobs"], sw
for e in sw:
    assert not e.get("skipped") and not e.get("failed"), e
    assert e["runs"] == 6 and e["repeats"] == 1 and e["threads_per_run"] == 1, e
ov, jobs = sw
for k in ("seconds_direct", "seconds_sweep", "ms_per_run_direct", "overhead_ms_per_run",
          "ms_per_run_in_sweep", "ms_per_run_between_runs", "cpu_overhead_ms_per_run"):
    assert isinstance(ov.get(k), (int, float)), f"sweep overhead: missing {k}"
assert ov["seconds_direct"] > 0 and ov["seconds_sweep"] > 0, ov
assert ov["target_ms"] == 20 and isinstance(ov["within_target"], bool), ov
assert len(ov["overhead_ms_per_run_by_repeat"]) == 1, ov
assert jobs["jobs"] == 2 and jobs["seconds_j2"] > 0 and jobs["speedup_j2_over_j1"] > 0, jobs
print("bench_smoke: JSON ok,", len(d["diffusion"]), "diffusion,", len(d["expr"]), "expr,",
      len(d["io"]), "io,", len(c["entries"]), "cells and", len(sw), "sweep entries")
PY
/usr/bin/python3 "$compare" "$tmp/b.json" "$tmp/b.json" >/dev/null
rc=0
"$bench" --no-such-option >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "bench_smoke: a bad option gave exit $rc, expected 2"; exit 1; }
echo "bench_smoke: ok"
