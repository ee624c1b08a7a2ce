#!/usr/bin/env bash
# disk_full_test.sh REGENSIM SOURCE_DIR: a run whose disk fills up, on a
# small tmpfs, as a hostile user would try it. Every fill point (the disk
# sizes below make the run fail at different writes: a snapshot, the
# sidecars, a checkpoint) must end with exit 1 (never a crash), a message
# with the OS reason, the status file and run.h5's status saying
# "failed: ...", run.h5 readable up to its last counted snapshot, and no
# HDF5 diagnostics printed; a --resume on the still-full disk likewise.
# A disk too full to start is refused before anything is written; one too
# full for run.h5's layout stops the run at its start (exit 2), not crashing
# at exit.
# Needs root to mount the tmpfs: reported Skipped (exit 77) otherwise.
set -u
cli=$1 src=$2
py=/usr/bin/python3
model=$src/models/tutorial/cytokine_source.yaml
if [ "$(id -u)" != 0 ]; then
    echo "disk_full_test: SKIPPED: needs root to mount a small tmpfs"
    exit 77
fi
mnt=$(mktemp -d)
if ! mount -t tmpfs -o size=1200k tmpfs "$mnt" 2>/dev/null; then
    rmdir "$mnt"
    echo "disk_full_test: SKIPPED: cannot mount a tmpfs here"
    exit 77
fi
trap 'umount "$mnt" 2>/dev/null; rmdir "$mnt"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# check OUT LABEL: what a failed run must leave behind
check() {
    local out=$1 what=$2
    grep -q "No space left on device" "$mnt/err" || bad "$what: no OS reason: $(cat "$mnt/err")"
    grep -qi "hdf5\|H5[A-Z]" "$mnt/err" && bad "$what: HDF5 printed: $(cat "$mnt/err")"
    grep -q "^failed: .*No space left on device" "$out/status" ||
        bad "$what: status file: $(cat "$out/status")"
    "$py" - "$out/run.h5" <<'PY' || bad "$what: run.h5 unreadable"
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r") as f:
    n = int(f.attrs["nsnapshots"])
    assert n >= 0, n
    s = f.attrs["status"]
    s = s.decode() if isinstance(s, bytes) else str(s)
    assert s.startswith("failed: "), s
    assert np.all(np.isfinite(f["fields/tnf"][:n]))
    print(f"  run.h5: {n} snapshots readable, status {s[:50]}...")
PY
}

for size in 1300k 1900k 2600k; do
    umount "$mnt" && mount -t tmpfs -o size=$size tmpfs "$mnt" || { bad "remount"; break; }
    "$cli" run "$model" -o "$mnt/out" --quiet --set time.end=600 --set time.save_every=20 \
        --set time.checkpoint_every=100 >"$mnt/out.txt" 2>"$mnt/err"
    rc=$?
    echo "disk of $size: exit $rc: $(grep -v note "$mnt/err" | head -1)"
    [ $rc -eq 1 ] || bad "disk of $size: exit $rc, expected 1"
    check "$mnt/out" "disk of $size"
    # the disk is still full: a resume fails the same clean way (or, when the
    # checkpoint was not reached, is refused as bad input)
    "$cli" run "$model" -o "$mnt/out" --quiet --resume --set time.end=600 \
        --set time.save_every=20 --set time.checkpoint_every=100 >"$mnt/out.txt" 2>"$mnt/err"
    rc=$?
    echo "  resume on the full disk: exit $rc: $(grep -v note "$mnt/err" | head -1)"
    case $rc in
    1) check "$mnt/out" "resume on $size" ;;
    2) grep -q "resume" "$mnt/err" || bad "resume on $size: exit 2 without a word on resume" ;;
    *) bad "resume on $size: exit $rc" ;;
    esac
done

# room for the reserve but not for run.h5's layout: the run cannot start
# (exit 2, the OS reason, no run.h5 left); HDF5, whose close of that file
# failed, must not crash at the program's exit (rs_io_skip_exit_cleanup)
umount "$mnt" && mount -t tmpfs -o size=1200k tmpfs "$mnt"
"$cli" run "$model" -o "$mnt/out" --quiet >"$mnt/out.txt" 2>"$mnt/err"
rc=$?
echo "disk of 1200k (run.h5 cannot be made): exit $rc: $(head -1 "$mnt/err")"
[ $rc -eq 2 ] || bad "run.h5 cannot be made: exit $rc, expected 2 (139: a crash at exit)"
grep -q "run.h5: No space left on device" "$mnt/err" || bad "run.h5 cannot be made: $(cat "$mnt/err")"
[ -e "$mnt/out/run.h5" ] || [ -e "$mnt/out/run.h5.tmp" ] && bad "run.h5 cannot be made: a file left behind"

# too full to start: refused before any output is made
umount "$mnt" && mount -t tmpfs -o size=600k tmpfs "$mnt"
"$cli" run "$model" -o "$mnt/out" --quiet >"$mnt/out.txt" 2>"$mnt/err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 139 ] || bad "a disk too full to start: exit $rc"
grep -q "cannot reserve" "$mnt/err" || bad "too full to start: $(cat "$mnt/err")"
[ -e "$mnt/out/run.h5" ] && bad "too full to start: run.h5 left behind"

[ $fail -eq 0 ] && echo "disk_full_test: ok"
exit $fail
