#!/usr/bin/env bash
# sweep_cli_test.sh CLI SOURCE_DIR [MPIEXEC]: `regensim sweep` end to end on
# the tiny model of tests/sweep:
#   - a grid sweep with -j 2: 12 rows, every run completed, the parameter
#     columns the design's, the replicate seeds distinct, keep: final;
#   - a run that blows up is recorded as failed with its message, the
#     other completes, the sweep exits 1 and keep: none keeps only the
#     failed run's directory;
#   - a sweep killed with SIGKILL mid-way and re-run by the same command
#     ends with the same summary as an uninterrupted one (no run lost or
#     doubled), and its runs' processes died with it; SIGINT stops a sweep
#     with exit 1 and a summary, and the same command finishes it;
#   - a second sweep into a running sweep's directory, another sweep into
#     a sweep's directory (without --force) and a directory holding other
#     files are refused with exit 2;
#   - a bad sweep file gives file:line:col and exit 2, and nothing runs;
#   - with MPIEXEC: the same grid sweep under `MPIEXEC --oversubscribe -n 3`
#     gives the same summary as the local runner.
# Needs /usr/bin/python3 (csv compare, h5py for summary.h5).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: sweep_cli_test.sh CLI SOURCE_DIR [MPIEXEC]" >&2; exit 2; }
cli=$1 src=$2 mpiexec=${3:-}
here=$src/tests/sweep
py=/usr/bin/python3
tmp=$(mktemp -d)
bgpid=
trap '[ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null; rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }
expect() { # code command...: output in $tmp/out and $tmp/err
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want: $(tail -5 "$tmp/err")"
}
rows() { $py -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' "$1"; }

# --- a grid with -j 2 ---------------------------------------------------------
cp "$here"/tiny.yaml "$here"/grid.yaml "$here"/fail.yaml "$here"/lhs.yaml "$tmp"/
expect 0 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/grid" -j 2
[ "$(rows "$tmp/grid/summary.csv")" = 12 ] || fail "grid: $(rows "$tmp/grid/summary.csv") rows, expected 12"
$py - "$tmp/grid" <<'PY' || fail "grid: summary contents"
import csv, sys, os, math
import h5py, numpy as np
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/summary.csv")))
assert [(int(r["index"]), int(r["replicate"])) for r in rows] == [(i, j) for i in range(6) for j in range(2)], "order"
assert all(r["status"] == "completed" for r in rows), "status"
ks = sorted({float(r["k"]) for r in rows}); Ds = sorted({float(r["D"]) for r in rows})
assert ks == [0.01, 0.05, 0.2], ks
assert Ds == [50, 200], Ds          # log range, 2 levels: the ends, exactly
assert len({r["seed"] for r in rows}) == 12, "seeds not distinct"
# grid order: the last parameter fastest
assert [float(r["D"]) for r in rows[:4]] == [50, 50, 200, 200] or np.allclose([float(r["D"]) for r in rows[:4]], [50, 50, 200, 200])
# a higher decay gives a lower final mean, at the same D
u = {(float(r["k"]), float(r["D"])): float(r["u_mean"]) for r in rows}
assert u[(0.01, 50.0)] > u[(0.05, 50.0)] > u[(0.2, 50.0)], u
# replicates of a field-only model are identical (no randomness)
assert rows[0]["u_mean"] == rows[1]["u_mean"]
# t_half: k = 0.2 crosses 0.15 within 30 min, k = 0.01 and 0.05 never (empty = NaN)
th = {float(r["k"]): r["t_half"] for r in rows}
assert th[0.01] == "" and 0 < float(th[0.2]) < 30, th
with h5py.File(f"{d}/summary.h5", "r") as h:
    assert h.attrs["design"] in (b"grid", "grid")
    assert list(h["index"][:]) == [int(r["index"]) for r in rows]
    assert np.array_equal(h["u_mean"][:], np.array([float(r["u_mean"]) for r in rows]))
    assert [s.decode() if isinstance(s, bytes) else s for s in h["status"][:]] == ["completed"] * 12
# as a user opens it, with no regensim code: xarray (both engines), pandas
import xarray as xr, pandas as pd
for engine in ("h5netcdf", "netcdf4"):
    ds = xr.open_dataset(f"{d}/summary.h5", engine=engine)
    assert dict(ds.sizes) == {"run": 12}, ds.sizes
    assert np.array_equal(ds["u_mean"].values, h5u := np.array([float(r["u_mean"]) for r in rows]))
    assert ds.attrs["design"] == "grid" and list(ds.attrs["parameters"]) == ["k", "D"], ds.attrs
    assert ds["t_half"].attrs["units"] == "min"
    ds.close()
df = pd.read_csv(f"{d}/summary.csv")
assert len(df) == 12 and df.status.eq("completed").all() and df.t_half.isna().sum() == 8
# keep: final: run.h5 kept, checkpoint removed
assert os.path.exists(f"{d}/runs/0-0/run.h5") and not os.path.exists(f"{d}/runs/0-0/checkpoint.h5")
print("grid summary ok")
PY
# Re-running a finished sweep runs nothing and keeps the summary.
cp "$tmp/grid/summary.csv" "$tmp/grid1.csv"
expect 0 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/grid" -j 2
grep -q "12 runs already finished" "$tmp/out" || fail "re-run: $(cat "$tmp/out")"
$py "$here/csv_compare.py" "$tmp/grid1.csv" "$tmp/grid/summary.csv" >/dev/null || fail "re-run changed the summary"

# --- a failing run -------------------------------------------------------------
expect 1 "$cli" sweep "$tmp/fail.yaml" -o "$tmp/fail" -j 2
$py - "$tmp/fail" <<'PY' || fail "failed run: $(cat "$tmp/fail/summary.csv")"
import csv, sys, os
d = sys.argv[1]
r = list(csv.DictReader(open(f"{d}/summary.csv")))
assert [x["status"] for x in r] == ["completed", "failed"], r
assert r[1]["message"] and r[1]["u_mean"] == "", r[1]
assert not os.path.exists(f"{d}/runs/0-0"), "keep: none kept a completed run"
assert os.path.exists(f"{d}/runs/1-0/log"), "the failed run's directory is kept"
print("failed:", r[1]["message"])
PY

# --- kill and resume -----------------------------------------------------------
expect 0 "$cli" sweep "$tmp/lhs.yaml" -o "$tmp/whole" -j 2 --quiet
"$cli" sweep "$tmp/lhs.yaml" -o "$tmp/killed" -j 2 --quiet >/dev/null 2>&1 &
bgpid=$!
for _ in $(seq 1 600); do
    n=0; [ -e "$tmp/killed/journal.csv" ] && n=$(($(wc -l < "$tmp/killed/journal.csv") - 1))
    [ "$n" -ge 8 ] && break
    sleep 0.02
done
kill -9 "$bgpid"; wait "$bgpid" 2>/dev/null; bgpid=
before=$(($(wc -l < "$tmp/killed/journal.csv") - 1))
[ "$before" -ge 8 ] && [ "$before" -lt 40 ] || fail "kill: $before runs finished at the kill; expected 8 to 39"
sleep 0.3
pgrep -f "run $tmp/tiny.yaml -o $tmp/killed" >/dev/null && fail "a run's process outlived the killed sweep"
expect 0 "$cli" sweep "$tmp/lhs.yaml" -o "$tmp/killed" -j 2
grep -q "$before runs already finished" "$tmp/out" || fail "resume: $(cat "$tmp/out")"
$py "$here/csv_compare.py" "$tmp/whole/summary.csv" "$tmp/killed/summary.csv" || fail "resumed summary differs"
echo "kill and resume: killed after $before of 40 runs, summary equal"

# --- Ctrl-C: SIGINT to the sweep's process group (as a terminal sends it) stops
# the sweep (exit 1) without recording the stopped runs as failed; the same
# command finishes it --------------------------------------------------------
setsid "$cli" sweep "$tmp/lhs.yaml" -o "$tmp/int" -j 2 --quiet >/dev/null 2>"$tmp/int.err" &
bgpid=$!
for _ in $(seq 1 600); do
    n=0; [ -e "$tmp/int/journal.csv" ] && n=$(($(wc -l < "$tmp/int/journal.csv") - 1))
    [ "$n" -ge 4 ] && break
    sleep 0.02
done
kill -INT -- -"$bgpid"; wait "$bgpid"; rc=$?; bgpid=
[ "$rc" -eq 1 ] || fail "SIGINT: exit $rc, expected 1: $(cat "$tmp/int.err")"
grep -q "interrupted" "$tmp/int.err" || fail "SIGINT: $(cat "$tmp/int.err")"
[ -e "$tmp/int/summary.csv" ] || fail "SIGINT: no summary written"
grep -q ",failed," "$tmp/int/journal.csv" && fail "SIGINT: a stopped run was recorded as failed"
expect 0 "$cli" sweep "$tmp/lhs.yaml" -o "$tmp/int" -j 2
$py "$here/csv_compare.py" "$tmp/whole/summary.csv" "$tmp/int/summary.csv" >/dev/null || fail "summary after SIGINT and resume differs"

# --- a sweep started with SIGCHLD ignored (inherited) still sees its runs end -------
timeout 60 $py -c 'import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])' \
    "$cli" sweep "$tmp/grid.yaml" -o "$tmp/sigign" -j 2 --quiet >/dev/null 2>"$tmp/sigign.err"
rc=$?
[ "$rc" -eq 0 ] || fail "SIGCHLD ignored: exit $rc: $(cat "$tmp/sigign.err")"

# --- directories that are not this sweep's ---------------------------------------
"$cli" sweep "$tmp/lhs.yaml" -o "$tmp/busy" -j 1 --quiet >/dev/null 2>&1 &
bgpid=$!
for _ in $(seq 1 300); do [ -e "$tmp/busy/journal.csv" ] && break; sleep 0.02; done
expect 2 "$cli" sweep "$tmp/lhs.yaml" -o "$tmp/busy"
grep -q "pid" "$tmp/err" || fail "second sweep into a running sweep's dir: $(cat "$tmp/err")"
kill -9 "$bgpid"; wait "$bgpid" 2>/dev/null; bgpid=
expect 2 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/whole"
grep -q "holds another sweep" "$tmp/err" || fail "another sweep: $(cat "$tmp/err")"
mkdir -p "$tmp/other" && echo x > "$tmp/other/notes.txt"
expect 2 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/other"
grep -q "holds files but no sweep" "$tmp/err" || fail "foreign dir: $(cat "$tmp/err")"
[ -e "$tmp/other/notes.txt" ] || fail "a foreign file was removed"
# A journal row that is not this sweep's (garbage, or another point's
# parameters): refused with its line.
cp -r "$tmp/grid" "$tmp/corrupt" && sed -i '3s/.*/garbage,row/' "$tmp/corrupt/journal.csv"
expect 2 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/corrupt"
grep -q "journal.csv:3: not a row of this sweep" "$tmp/err" || fail "corrupt journal: $(cat "$tmp/err")"
cp -r "$tmp/grid" "$tmp/corrupt2" && sed -i '2s/,0.01,50,/,0.02,50,/' "$tmp/corrupt2/journal.csv"
expect 2 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/corrupt2"
grep -q "journal.csv:2: not a row of this sweep" "$tmp/err" || fail "journal with other parameters: $(cat "$tmp/err")"
# A list design's points file is part of the sweep: changed, it is another sweep.
printf 'k\n0.01\n0.2\n' > "$tmp/pts.csv"
printf 'sweep: 1\nmodel: tiny.yaml\ndesign: {type: list, file: pts.csv}\nkeep: none\n' > "$tmp/list.yaml"
expect 0 "$cli" sweep "$tmp/list.yaml" -o "$tmp/list"
printf 'k\n0.5\n0.9\n' > "$tmp/pts.csv"
expect 2 "$cli" sweep "$tmp/list.yaml" -o "$tmp/list"
grep -q "its points.csv differs" "$tmp/err" || fail "changed list file: $(cat "$tmp/err")"
# A start killed while writing its copies (only model.yaml there) starts
# over; a sweep's results without its sweep.yaml are refused.
mkdir -p "$tmp/half" && cp "$tmp/tiny.yaml" "$tmp/half/model.yaml"
expect 1 "$cli" sweep "$tmp/fail.yaml" -o "$tmp/half" --quiet   # (its second run fails)
[ "$(rows "$tmp/half/summary.csv")" = 2 ] || fail "a half-started directory: $(cat "$tmp/err")"
cp -r "$tmp/grid" "$tmp/nosweep" && rm "$tmp/nosweep/sweep.yaml"
expect 2 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/nosweep"
grep -q "results but no sweep.yaml" "$tmp/err" || fail "results without sweep.yaml: $(cat "$tmp/err")"
# --retry-failed runs the failed run again (it fails again, the same way).
expect 1 "$cli" sweep "$tmp/fail.yaml" -o "$tmp/fail" --retry-failed
grep -q "2 runs, 1 completed, 1 failed" "$tmp/out" || fail "retry-failed: $(cat "$tmp/out")"
[ "$(wc -l < "$tmp/fail/journal.csv")" -eq 3 ] || fail "retry-failed: journal $(cat "$tmp/fail/journal.csv")"

# --- bad sweep files ----------------------------------------------------------
printf 'sweep: 1\nmodel: tiny.yaml\ndesign: lhs\nsamples: 4\nparameters:\n  no_such_param: {range: [0, 1]}\n' > "$tmp/bad1.yaml"
expect 2 "$cli" sweep "$tmp/bad1.yaml" -o "$tmp/bad1"
grep -q "bad1.yaml:6:3:.*no_such_param" "$tmp/err" || fail "unknown parameter: $(cat "$tmp/err")"
[ ! -e "$tmp/bad1" ] || fail "a refused sweep made its directory"
printf 'sweep: 1\nmodel: tiny.yaml\ndesign: lhs\nsamples: 4\nparameters:\n  k: {range: [1, 0]}\nkeep: most\n' > "$tmp/bad2.yaml"
expect 2 "$cli" sweep "$tmp/bad2.yaml" -o "$tmp/bad2"
grep -q "bad2.yaml:6:14:.*LO <= HI" "$tmp/err" || fail "bad range: $(cat "$tmp/err")"
grep -q "bad2.yaml:7:7:.*none, final or all" "$tmp/err" || fail "bad keep: $(cat "$tmp/err")"

# --- MPI -------------------------------------------------------------------------
if [ -n "$mpiexec" ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
    expect 0 "$mpiexec" --oversubscribe -n 3 "$cli" sweep "$tmp/grid.yaml" -o "$tmp/mpi"
    $py "$here/csv_compare.py" "$tmp/grid1.csv" "$tmp/mpi/summary.csv" || fail "MPI summary differs from the local one"
    expect 1 "$mpiexec" --oversubscribe -n 3 "$cli" sweep "$tmp/fail.yaml" -o "$tmp/mpifail"
    $py "$here/csv_compare.py" "$tmp/fail/summary.csv" "$tmp/mpifail/summary.csv" || fail "MPI failed-run summary differs"
    # Ranks that read different sweep files (a relative path from another
    # working directory) are refused before anything runs.
    mkdir -p "$tmp/wa" "$tmp/wb"
    cp "$tmp/tiny.yaml" "$tmp/grid.yaml" "$tmp/wa/" && cp "$tmp/tiny.yaml" "$tmp/wb/"
    sed 's/0.01, 0.05, 0.2/0.02, 0.05, 0.2/' "$tmp/grid.yaml" > "$tmp/wb/grid.yaml"
    expect 2 "$mpiexec" --oversubscribe -n 1 --wdir "$tmp/wa" "$cli" sweep grid.yaml -o "$tmp/mixed" : \
        -n 2 --wdir "$tmp/wb" "$cli" sweep grid.yaml -o "$tmp/mixed"
    grep -q "read another sweep than rank 0" "$tmp/err" || fail "MPI ranks with other sweeps: $(cat "$tmp/err")"
    [ ! -e "$tmp/mixed/journal.csv" ] || fail "MPI ranks with other sweeps: the sweep started"
    echo "mpi: summaries equal to the local runner's; mixed sweeps refused"
fi
[ "$status" -eq 0 ] && echo "sweep_cli: all passed"
exit "$status"
