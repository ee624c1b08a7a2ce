#!/usr/bin/env bash
# run_cli_test.sh CLI SOURCE_DIR: `regensim run` end to end. A small model
# runs and leaves run.h5, run.xmf and status "completed"; an existing output
# is refused without --force; 1 and 2 threads give identical datasets; runs
# killed with SIGKILL at random moments leave a run.h5 that opens with only
# complete snapshots (each equal to the uninterrupted run's); a run killed
# after a checkpoint and resumed ends bitwise equal to the uninterrupted
# one; SIGINT stops a run with a checkpoint and exit 1; scripts/plot.py
# draws every field and metric; a run killed while it creates run.h5 is
# refused by --resume with a clear message and starts again with --force;
# REGENSIM_MIN_WORK_PER_THREAD reaches whole runs. Needs /usr/bin/python3
# with h5py and numpy.
#
# The kill moments come from bash's RANDOM seeded with REGENSIM_KILL_SEED
# (printed; set it to replay a failure), and REGENSIM_KILL_ROUNDS (default
# 3) sets the number of kills while writing snapshots.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: run_cli_test.sh CLI SOURCE_DIR" >&2; exit 2; }
cli=$1 src=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
bgpid=
trap '[ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null; rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }
expect() { # code command...: runs the command, output in $tmp/out and $tmp/err
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want: $(cat "$tmp/err")"
}
export OMP_WAIT_POLICY=PASSIVE MPLBACKEND=Agg
seed=${REGENSIM_KILL_SEED:-$(( ($(date +%s) + $$) % 1000000 ))}
rounds=${REGENSIM_KILL_ROUNDS:-3}
case $seed$rounds in *[!0-9]*) echo "REGENSIM_KILL_SEED / REGENSIM_KILL_ROUNDS: expected whole numbers" >&2; exit 2 ;; esac
RANDOM=$seed
echo "run_cli_test: kill seed $seed (replay: REGENSIM_KILL_SEED=$seed), $rounds kills while writing"

# h5 checks, by /usr/bin/python3 + h5py:
#   complete RUN.h5 [REF.h5]: opens; every field holds the snapshots /time
#     counts, all finite; with REF, each equals REF's snapshot (bitwise)
#   same A.h5 B.h5: every dataset under /fields, /timeseries and /time equal
cat >"$tmp/h5check.py" <<'EOF'
import sys
import h5py
import numpy as np

def count(f):
    n = f["time"].shape[0]
    for obj in (f, f["fields"]):
        for key in ("nsnapshots", "snapshots", "snapshot_count"):
            if key in obj.attrs:
                n = min(n, int(np.asarray(obj.attrs[key]).reshape(-1)[0]))
    return n

def names(f):
    out = ["time"]
    for g in ("fields", "timeseries"):
        out += [f"{g}/{k}" for k in f[g].keys()] if g in f else []
    return out

cmd = sys.argv[1]
if cmd == "complete":
    with h5py.File(sys.argv[2], "r") as f:
        assert f.attrs["format"] in ("regensim-output", b"regensim-output"), "format"
        n = count(f)
        times = f["time"][:n]
        assert np.all(np.diff(times) > 0), f"times not increasing: {times}"
        ref = h5py.File(sys.argv[3], "r") if len(sys.argv) > 3 else None
        for k, ds in f["fields"].items():
            if k in ("time", "x", "y", "z"):
                continue  # the group's own dimension scales
            assert ds.ndim == 4 and ds.shape[0] >= n, f"{k}: shape {ds.shape}, {n} snapshots"
            data = ds[:n]
            assert np.all(np.isfinite(data)), f"{k}: non-finite values"
            if ref is not None:
                r = ref["fields"][k]
                assert np.array_equal(data, r[:n]), f"{k}: a complete snapshot differs"
                assert np.array_equal(times, ref["time"][:n]), "times differ"
        print(n)
elif cmd == "same":
    with h5py.File(sys.argv[2], "r") as a, h5py.File(sys.argv[3], "r") as b:
        na, nb = names(a), names(b)
        assert na == nb, f"datasets differ: {na} vs {nb}"
        assert len(a["fields"].keys()) > 0, "no fields"
        for k in na:
            x, y = a[k][()], b[k][()]
            assert x.shape == y.shape, f"{k}: shapes {x.shape} vs {y.shape}"
            assert np.array_equal(x, y), f"{k}: values differ"
EOF
h5check() { "$py" "$tmp/h5check.py" "$@" 2>&1; }

# A small 2D model: 40 x 40 voxels, 30 min, a snapshot every 10 min, a
# reaction (logistic growth) and metrics.
cat >"$tmp/small.yaml" <<'EOF'
regensim: 1
name: small
domain: {size: [400, 400], dx: 10}
time: {end: 30, dt: {diffusion: 0.5, mechanics: 1, phenotype: 2}, save_every: 10}
solver: lod
parameters: {r: 0.05}
substrates:
  u:
    diffusion: 500
    decay: 0
    initial: "exp(-((x - 200)^2 + (y - 200)^2) / 5000)"
    reaction: "r * u * (1 - u)"
    units: cells/um^3
  v:
    diffusion: 100
    decay: 0.01
    initial: 0.5
metrics:
  u_mean: "mean(u)"
  v_total: "integral(v)"
EOF

# 1. A run completes and leaves its output.
o=$tmp/small
expect 0 "$cli" run "$tmp/small.yaml" -o "$o"
for f in run.h5 run.xmf status; do [ -s "$o/$f" ] || fail "run left no $o/$f"; done
[ "$(cat "$o/status" 2>/dev/null)" = completed ] || fail "status: $(cat "$o/status")"
grep -q "run.h5" "$tmp/out" && grep -q "plot.py" "$tmp/out" ||
    fail "the summary does not say where the output is: $(cat "$tmp/out")"
n=$(h5check complete "$o/run.h5") || fail "run.h5: $n"
[ "$n" = 4 ] || fail "expected 4 snapshots (0, 10, 20, 30 min), got $n"

# 2. An existing output is kept unless --force.
expect 2 "$cli" run "$tmp/small.yaml" -o "$o"
grep -q -- "--force" "$tmp/err" || fail "refusal does not name --force: $(cat "$tmp/err")"
[ "$(cat "$o/status")" = completed ] || fail "a refused run changed the status"
expect 0 "$cli" run "$tmp/small.yaml" -o "$o" --force --quiet
[ -s "$tmp/out" ] && fail "--quiet printed: $(cat "$tmp/out")"
[ "$(cat "$o/status")" = completed ] || fail "status after --force: $(cat "$o/status")"

# Bad options and models: exit 2, and nothing written.
expect 2 "$cli" run "$tmp/small.yaml"
expect 2 "$cli" run "$tmp/small.yaml" -o "$tmp/bad" --threads 0
expect 2 "$cli" run "$tmp/small.yaml" -o "$tmp/bad" --frobnicate
expect 2 "$cli" run "$tmp/small.yaml" -o "$tmp/bad" --set r=oops
expect 2 "$cli" run /nonexistent.yaml -o "$tmp/bad"
expect 2 "$cli" run "$tmp/small.yaml" -o "$tmp/bad" --resume
[ -e "$tmp/bad/run.h5" ] && fail "a refused run wrote $tmp/bad/run.h5"
expect 0 "$cli" run --help
grep -q "usage: regensim run" "$tmp/out" || fail "run --help"

# 3. Any number of threads, the same bits; the work threshold lowered
# through the environment so the 1600-voxel run really splits its steps.
# A model with cells runs without notes: its cells are simulated.
expect 0 "$cli" run "$src/models/tutorial/demyelination.yaml" -o "$tmp/cells" --quiet \
    --set time.end=5
grep -qi "cell" "$tmp/err" && fail "a note on a model with cells: $(cat "$tmp/err")"
REGENSIM_MIN_WORK_PER_THREAD=64 expect 0 "$cli" run "$tmp/small.yaml" -o "$tmp/t1" --threads 1 --quiet
REGENSIM_MIN_WORK_PER_THREAD=64 expect 0 "$cli" run "$tmp/small.yaml" -o "$tmp/t2" --threads 2 --quiet
r=$(h5check same "$tmp/t1/run.h5" "$tmp/t2/run.h5") || fail "--threads 1 vs 2: $r"
REGENSIM_MIN_WORK_PER_THREAD=12x expect 2 "$cli" run "$tmp/small.yaml" -o "$tmp/badwork" --quiet
grep -q "REGENSIM_MIN_WORK_PER_THREAD=12x" "$tmp/err" ||
    fail "a bad REGENSIM_MIN_WORK_PER_THREAD: $(cat "$tmp/err")"
[ -e "$tmp/badwork/run.h5" ] && fail "a bad REGENSIM_MIN_WORK_PER_THREAD still wrote run.h5"

# 3b. SIGKILL while run.h5 is being created (run.h5.tmp seen, not yet
# renamed): no half-made run.h5; --resume is refused with a clear message
# (exit 2) and the run starts again with --force. A few attempts, as the
# window is short; a kill that lands after creation is checked like one
# while writing.
inside=0
for attempt in 1 2 3 4 5 6; do
    rm -rf "$tmp/mk"
    "$cli" run "$tmp/small.yaml" -o "$tmp/mk" --quiet >/dev/null 2>&1 &
    bgpid=$!
    while kill -0 "$bgpid" 2>/dev/null && [ ! -e "$tmp/mk/run.h5.tmp" ] && [ ! -e "$tmp/mk/run.h5" ]; do :; done
    kill -9 "$bgpid" 2>/dev/null
    { wait "$bgpid"; } 2>/dev/null
    bgpid=
    if [ -e "$tmp/mk/run.h5" ]; then
        echo "creation kill $attempt: after the rename"
        n=$(h5check complete "$tmp/mk/run.h5") || fail "creation kill $attempt: run.h5: $n"
        continue
    fi
    [ -e "$tmp/mk/run.h5.tmp" ] || { fail "creation kill $attempt: the run ended before making run.h5.tmp"; break; }
    echo "creation kill $attempt: inside creation (run.h5.tmp, no run.h5)"
    inside=$((inside + 1))
    expect 2 "$cli" run "$tmp/small.yaml" -o "$tmp/mk" --resume --quiet
    grep -q -- "resume needs" "$tmp/err" || fail "resume after a creation kill: $(cat "$tmp/err")"
    expect 0 "$cli" run "$tmp/small.yaml" -o "$tmp/mk" --force --quiet
    n=$(h5check complete "$tmp/mk/run.h5") || fail "run after a creation kill: $n"
    [ "$n" = 4 ] || fail "run after a creation kill: $n snapshots, expected 4"
    break
done
[ $inside -gt 0 ] || echo "note: no kill landed inside creation in 6 attempts (test_io covers it)"

# 4. plot.py draws every field at every snapshot, a montage per field, and
# every metric; one colour scale per field by default; cells over the fields.
expect 0 "$py" "$src/scripts/plot.py" "$o/run.h5"
for f in u_0000 u_0003 v_0000 v_0003 u_montage v_montage metric_u_mean metric_v_total; do
    p=$o/plots/$f.png
    [ -f "$p" ] && [ "$(stat -c %s "$p")" -gt 5000 ] || fail "plot.py: $p missing or tiny"
    grep -q "$f.png" "$tmp/out" || fail "plot.py did not list $f.png"
done
expect 0 "$py" "$src/scripts/plot.py" "$o/run.h5" --snapshots last -o "$tmp/plots"
[ "$(ls "$tmp/plots" | wc -l)" -eq 4 ] || fail "--snapshots last: $(ls "$tmp/plots")"
expect 0 "$py" "$src/scripts/plot.py" "$o/run.h5" --fields v --per-frame -o "$tmp/plots_v"
ls "$tmp/plots_v" | grep -q "^u_" && fail "--fields v drew u: $(ls "$tmp/plots_v")"
[ -f "$tmp/plots_v/v_montage.png" ] || fail "--fields v: no v montage"
expect 2 "$py" "$src/scripts/plot.py" "$o/run.h5" --fields nope
grep -q "no field nope" "$tmp/err" || fail "--fields nope: $(cat "$tmp/err")"
# the shared scale spans every chosen frame; a constant field is one value
"$py" - "$src/scripts/plot.py" <<'PY' || fail "plot.py colour_range"
import importlib.util, sys
import numpy as np
spec = importlib.util.spec_from_file_location("plot", sys.argv[1])
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)
assert plot.colour_range([np.zeros((2, 2)), np.array([[1.0, np.nan], [3.0, 2.0]])]) == (0.0, 3.0)
assert plot.colour_range([np.full((2, 2), 5.0)]) == (5.0, 5.0)
assert plot.colour_range([np.array([[np.nan]])]) == (0.0, 0.0)
PY
# with cells: drawn over every field frame (2D: all of them; 3D: a slab
# around the plane shown), the counts per type over time; --no-cells
# leaves them out of the frames
expect 0 "$cli" run "$src/tests/models/cells_2d.yaml" -o "$tmp/cells2d" --quiet
expect 0 "$py" "$src/scripts/plot.py" "$tmp/cells2d/run.h5"
for f in attractant_0000 attractant_0003 attractant_montage cells_count metric_attractant_mean; do
    p=$tmp/cells2d/plots/$f.png
    [ -f "$p" ] && [ "$(stat -c %s "$p")" -gt 5000 ] || fail "plot.py with cells: $p missing or tiny"
done
expect 0 "$py" "$src/scripts/plot.py" "$tmp/cells2d/run.h5" --no-cells -o "$tmp/nocells"
cmp -s "$tmp/cells2d/plots/attractant_0003.png" "$tmp/nocells/attractant_0003.png" &&
    fail "plot.py: the cells are not drawn over the field (same as --no-cells)"
cat >"$tmp/cells3d.yaml" <<'EOF'
regensim: 1
name: cells_3d
domain: {size: [200, 160, 100], dx: 10}
time: {end: 20, dt: {diffusion: 0.5, mechanics: 0.2, phenotype: 5}, save_every: 10}
substrates:
  attractant: {diffusion: 300, decay: 0.02}
cell_types:
  neuron: {radius: 6, fixed: true, secretes: {attractant: 1}}
  microglia: {radius: 4, motility: {speed: 3, persistence: 4, chemotaxis: {attractant: 0.5}}}
initial:
  - {cells: neuron, count: 10, region: {sphere: {center: [100, 80, 50], radius: 40}}}
  - {cells: microglia, count: 40}
EOF
expect 0 "$cli" run "$tmp/cells3d.yaml" -o "$tmp/cells3d" --quiet
expect 0 "$py" "$src/scripts/plot.py" "$tmp/cells3d/run.h5" --snapshots last
[ -f "$tmp/cells3d/plots/attractant_0002.png" ] && [ -f "$tmp/cells3d/plots/cells_count.png" ] ||
    fail "plot.py 3D with cells: $(ls "$tmp/cells3d/plots")"
"$py" - "$src/scripts/plot.py" "$tmp/cells2d/run.h5" "$tmp/cells3d/run.h5" <<'PY' || fail "plot.py cells"
import importlib.util, sys
import h5py
import numpy as np
spec = importlib.util.spec_from_file_location("plot", sys.argv[1])
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)
with h5py.File(sys.argv[2], "r") as f:  # cells_2d: none, 6 astrocytes, + 40 microglia, removed
    c = plot.cell_counts(f, 7)
    assert c[:, 0].tolist() == [0, 6, 6, 6, 6, 6, 6], c
    assert c[:, 1].tolist() == [0, 0, 40, 40, 40, 0, 0], c
    assert plot.frame_cells(f, "attractant", 3, True)["x"].size == 46  # 2D: every cell
with h5py.File(sys.argv[3], "r") as f:  # 3D: only those near the mid-plane z = 55 um
    cells = plot.cells_at(f, 2)
    near = plot.frame_cells(f, "attractant", 2, True)
    assert 0 < near["x"].size < cells["x"].size, (near["x"].size, cells["x"].size)
    assert np.all(np.abs(near["z"] - 55.0) <= near["radius"] + 5.0)
    assert plot.frame_cells(f, "attractant", 2, False) is None
PY
expect 2 "$py" "$src/scripts/plot.py" "$tmp/nothing.h5"
expect 2 "$py" "$src/scripts/plot.py" "$tmp/small.yaml"
"$py" -c 'import h5py; h5py.File("'"$tmp"'/other.h5", "w")["a"] = 1'
expect 2 "$py" "$src/scripts/plot.py" "$tmp/other.h5"
grep -q "not a regensim output" "$tmp/err" || fail "plot.py on a foreign file: $(cat "$tmp/err")"

# A longer run (41 snapshots, a checkpoint every 20 min) for the kill and
# resume tests, run once uninterrupted as the reference.
cat >"$tmp/long.yaml" <<'EOF'
regensim: 1
name: long
domain: {size: [1600, 1600], dx: 10}
time: {end: 400, dt: {diffusion: 0.1, mechanics: 1, phenotype: 5}, save_every: 10, checkpoint_every: 20}
solver: lod
parameters: {r: 0.02}
substrates:
  u:
    diffusion: 1000
    decay: 0.001
    initial: "exp(-((x - 800)^2 + (y - 800)^2) / 20000)"
    reaction: "r * u * (1 - u)"
metrics:
  u_mean: "mean(u)"
EOF
expect 0 "$cli" run "$tmp/long.yaml" -o "$tmp/ref" --quiet
nref=$(h5check complete "$tmp/ref/run.h5") || fail "reference run: $nref"
[ "$nref" = 41 ] || fail "reference run: expected 41 snapshots, got $nref"

# Two runs into one directory: while one writes, a second (plain, --force
# or --resume) is refused with exit 2 naming the live run's pid, and the
# live run completes untouched.
"$cli" run "$tmp/long.yaml" -o "$tmp/busy" --quiet >/dev/null 2>&1 &
bgpid=$!
for _ in $(seq 1 3000); do [ -s "$tmp/busy/run.lock" ] && break; sleep 0.01; done
for extra in "" --force --resume; do
    expect 2 "$cli" run "$tmp/long.yaml" -o "$tmp/busy" --quiet $extra
    grep -q "in use by a live run (pid $bgpid)" "$tmp/err" ||
        fail "second run ($extra) into a busy directory: $(cat "$tmp/err")"
done
wait "$bgpid" || fail "the live run failed after the refused ones"
bgpid=
n=$(h5check complete "$tmp/busy/run.h5" "$tmp/ref/run.h5") || fail "busy run: $n"
[ "$n" = 41 ] || fail "busy run: $n snapshots"

# Waits (up to a minute) until OUT/run.xmf lists at least N snapshots.
wait_snapshots() { # OUT N
    for _ in $(seq 1 3000); do
        [ "$(grep -c "<Time Value" "$1/run.xmf" 2>/dev/null)" -ge "$2" ] 2>/dev/null && return 0
        kill -0 "$bgpid" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

# 5. SIGKILL at random moments (after a random number of snapshots and a
# random delay, whatever the machine's speed): run.h5 opens and holds only
# complete snapshots, each bitwise equal to the uninterrupted run's.
for i in $(seq 1 "$rounds"); do
    rm -rf "$tmp/kill" # (not --force: the old run.xmf would be polled)
    "$cli" run "$tmp/long.yaml" -o "$tmp/kill" --quiet >/dev/null 2>&1 &
    bgpid=$!
    k=$((RANDOM % 30 + 1))
    delay=0.0$((RANDOM % 10))
    echo "kill $i: after $k snapshots + ${delay}s"
    wait_snapshots "$tmp/kill" "$k"
    sleep "$delay"
    kill -9 "$bgpid" 2>/dev/null
    { wait "$bgpid"; } 2>/dev/null
    bgpid=
    st=$(cat "$tmp/kill/status" 2>/dev/null)
    [ "$st" = completed ] && { fail "kill $i (after $k snapshots + ${delay}s): the run had finished"; continue; }
    n=$(h5check complete "$tmp/kill/run.h5" "$tmp/ref/run.h5") ||
        fail "kill $i (after $k snapshots + ${delay}s): run.h5: $n"
    [ "$n" -ge "$k" ] 2>/dev/null || fail "kill $i: $n snapshots in run.h5, run.xmf listed $k"
done

# 6. Resume after SIGKILL once a checkpoint exists: same bits as the reference.
"$cli" run "$tmp/long.yaml" -o "$tmp/res" --quiet >/dev/null 2>&1 &
bgpid=$!
for _ in $(seq 1 3000); do
    [ -e "$tmp/res/checkpoint.h5" ] && break
    sleep 0.02
done
kill -9 "$bgpid" 2>/dev/null
{ wait "$bgpid"; } 2>/dev/null
bgpid=
[ -e "$tmp/res/checkpoint.h5" ] || fail "no checkpoint.h5 appeared"
[ "$(cat "$tmp/res/status")" = completed ] && fail "the run to resume finished before the kill"
expect 2 "$cli" run "$tmp/long.yaml" -o "$tmp/res" --resume --set r=0.03
grep -q "different model" "$tmp/err" || fail "resume with another model: $(cat "$tmp/err")"
expect 0 "$cli" run "$tmp/long.yaml" -o "$tmp/res" --resume --quiet
[ "$(cat "$tmp/res/status")" = completed ] || fail "resumed status: $(cat "$tmp/res/status")"
r=$(h5check same "$tmp/res/run.h5" "$tmp/ref/run.h5") || fail "resumed vs uninterrupted: $r"

# 7. SIGINT: stops with a checkpoint, status failed, exit 1; --resume finishes.
"$cli" run "$tmp/long.yaml" -o "$tmp/int" --quiet >"$tmp/out" 2>"$tmp/err" &
bgpid=$!
wait_snapshots "$tmp/int" 5
kill -INT "$bgpid"
wait "$bgpid"
rc=$?
bgpid=
if [ "$(cat "$tmp/int/status")" = completed ]; then
    fail "SIGINT: the run finished before the signal"
else
    [ $rc -eq 1 ] || fail "SIGINT: exit $rc, expected 1"
    grep -q "^failed: interrupted" "$tmp/int/status" || fail "SIGINT: status $(cat "$tmp/int/status")"
    grep -q -- "--resume" "$tmp/err" || fail "SIGINT: no word on --resume: $(cat "$tmp/err")"
    expect 0 "$cli" run "$tmp/long.yaml" -o "$tmp/int" --resume --quiet
    r=$(h5check same "$tmp/int/run.h5" "$tmp/ref/run.h5") || fail "after SIGINT + resume: $r"
fi

[ $status -eq 0 ] && echo "run_cli_test: ok"
exit $status
