#!/usr/bin/python3
"""bench-compare.py: compares two regensim-bench JSON documents.

Usage: bench-compare.py OLD.json NEW.json [--threshold 0.15]
       bench-compare.py --self-test

Prints the machine figures and every diffusion (and expression-evaluation)
entry side by side (entries
matched by solver, dims, substrates, threads and time_order) with the ratio
new/old, and judges each matched entry by its bandwidth-normalised figure:
fraction_of_bandwidth_bound, or voxel_updates_per_s / stream_triad_gbs of
its own file where the fraction is missing. Normalising by the bandwidth
measured in the same run makes results from a noisy or different machine
comparable.

The run-output ("io") entries are compared too: a snapshot-write entry
(kind "snapshot_write", matched by dims) by mb_per_s / stream_triad_gbs of
its own file, like a diffusion entry; a run-overhead entry (kind
"run_overhead", matched by dims, threads and save_every_steps) by its
output_fraction, which regresses when it grew by more than the threshold
relative to the old fraction and by at least OVERHEAD_FLOOR (one
percentage point) absolutely, so noise on a tiny fraction is not flagged.
When both entries have output_fraction_steady (the per-snapshot cost
without the per-run fixed costs, in documents since issue 9), the verdict
shows it too, for information: it is a difference of noisy figures and is
not judged.

The "cells" entries are compared too: a mechanics entry (kind
"mechanics", matched by cells and threads) and a whole-run entry (kind
"workload", matched by workload and threads) by cell_steps_per_s itself,
not normalised (the cell kernels are bound by arithmetic and latency more
than by bandwidth), flagged when it fell by more than the threshold; the
bytes per cell of both runs are printed beside them. Documents without the
section compare as before.

The "sweep" entries (the sweep machinery, matched by kind and runs) are
compared too: the per-run overhead (kind "overhead": overhead_ms_per_run,
lower is better) regresses when it grew by more than the threshold
relative to the old overhead and by more than SWEEP_OVERHEAD_FLOOR_MS
(10 ms) at once, as it is a difference of two noisy walls; the speedup of
-j 2 over -j 1 (kind "jobs") is printed, never judged.

Both documents' "build" objects (compiler, c_flags, build_type, native)
are compared first: when the two runs were built differently (above all
one with -march=native and the other without), a WARNING says the figures
are not directly comparable, since a speed-up or regression may come from
the flags rather than the code. It never changes the exit status.

Exit status: 0 when no normalised figure (nor cell-steps/s) fell by more
than the threshold (default 0.15, i.e. new/old < 0.85) and no output
fraction nor sweep overhead grew beyond it, 1 when one did, 2 on bad input
(missing or unreadable file, invalid JSON, not a regensim-bench document,
bad option). Entries present in only one file, or skipped in either, are
listed but never count as regressions.
"""

import argparse
import contextlib
import io
import json
import math
import os
import sys
import tempfile

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT = 0, 1, 2

# Smallest absolute growth of a run-overhead output_fraction that counts as
# a regression (besides the relative threshold).
OVERHEAD_FLOOR = 0.01
# Smallest growth of the sweep's per-run overhead (ms) that counts as a
# regression (besides the relative threshold): half the 20 ms target.
SWEEP_OVERHEAD_FLOOR_MS = 10.0


class BadInput(Exception):
    """A file that cannot be compared; the message says why."""


def load(path):
    """Reads and checks one regensim-bench document."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file")
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: invalid JSON: {e}")
    if not isinstance(doc, dict):
        raise BadInput(f"{path}: expected a JSON object at the top level")
    if not isinstance(doc.get("diffusion", []), list):
        raise BadInput(f"{path}: \"diffusion\" must be a list")
    machine = doc.get("machine", {})
    if not isinstance(machine, dict):
        raise BadInput(f"{path}: \"machine\" must be an object")
    for i, e in enumerate(doc.get("diffusion", [])):
        if not isinstance(e, dict) or not isinstance(e.get("solver"), str):
            raise BadInput(f"{path}: diffusion entry {i} has no \"solver\"")
    if not isinstance(doc.get("io", []), list):
        raise BadInput(f"{path}: \"io\" must be a list")
    if not isinstance(doc.get("build", {}), dict):
        raise BadInput(f"{path}: \"build\" must be an object")
    cells = doc.get("cells", {})
    if not isinstance(cells, dict) or not isinstance(cells.get("entries", []), list):
        raise BadInput(f"{path}: \"cells\" must be an object with an \"entries\" list")
    if not isinstance(doc.get("sweep", []), list):
        raise BadInput(f"{path}: \"sweep\" must be a list")
    return doc


def build_label(doc):
    """The build in a few words: compiler, build type, native or portable."""
    b = doc.get("build")
    if not isinstance(b, dict):
        return "build not recorded"
    native = b.get("native")
    kind = "native" if native is True else "portable" if native is False else "?"
    return f"{b.get('compiler', '?')}, {b.get('build_type') or '?'}, {kind}"


def build_warnings(old, new):
    """Lines saying how the two runs were built differently: empty when they
    were built alike (or neither records its build)."""
    bo, bn = old.get("build"), new.get("build")
    if bo is None and bn is None:
        return []
    if bo is None or bn is None:
        which = "old" if bo is None else "new"
        return [f"note: the {which} run does not record its build (compiler, flags); "
                "make sure both were built alike"]
    lines = []
    no, nn = bo.get("native"), bn.get("native")
    if no != nn:
        def word(v):
            return ("native (-march=native)" if v is True else
                    "portable (no -march=native)" if v is False else "unknown")
        lines.append(f"WARNING: the old run was built {word(no)}, the new one {word(nn)}: "
                     "the figures are not comparable (the difference may be the flags', "
                     "not the code's)")
    for key, what in (("compiler", "compilers"), ("build_type", "build types")):
        if bo.get(key) != bn.get(key):
            lines.append(f"WARNING: different {what}: old {bo.get(key)!r}, "
                         f"new {bn.get(key)!r}: the figures are not directly comparable")
    fo, fn = bo.get("c_flags"), bn.get("c_flags")
    if fo != fn:
        so = set(fo.split()) if isinstance(fo, str) else set()
        sn = set(fn.split()) if isinstance(fn, str) else set()
        only_o = " ".join(f for f in (fo or "").split() if f not in sn)
        only_n = " ".join(f for f in (fn or "").split() if f not in so)
        lines.append("note: different C flags: old only: " + (only_o or "-")
                     + "; new only: " + (only_n or "-"))
    return lines


def number(x):
    """x as a float if it is a finite JSON number, else None."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def entry_key(e):
    """What identifies a measurement across runs."""
    dims = e.get("dims")
    dims = tuple(dims) if isinstance(dims, list) else dims
    order = e.get("time_order")
    if order is None and e.get("solver") == "lod":
        order = 1
    if e.get("solver") == "expr":
        return ("expr", dims, None, e.get("threads"), None)
    return (e.get("solver"), dims, e.get("substrates"), e.get("threads"), order)


def measurements(doc):
    """The diffusion entries, then the expression-evaluation entries in the
    same shape (figure: evaluations/s, normalised by the triad bandwidth)."""
    out = list(doc.get("diffusion", []))
    for e in doc.get("expr", []) if isinstance(doc.get("expr"), list) else []:
        if isinstance(e, dict):
            out.append({"solver": "expr", "dims": e.get("points"),
                        "substrates": None, "threads": e.get("threads"),
                        "time_order": None, "skipped": e.get("skipped"),
                        "voxel_updates_per_s": e.get("evaluations_per_s"),
                        "expression": e.get("expression")})
    return out


def key_label(k):
    solver, dims, subs, threads, order = k
    if solver == "expr":
        return f"expr {dims} points t{threads}"
    d = "x".join(str(v) for v in dims) if isinstance(dims, tuple) else str(dims)
    s = f"{solver} {d} s{subs} t{threads}"
    return s + (f" o{order}" if order is not None else "")


def normalised(e, gbs):
    """The bandwidth-normalised figure of a measured entry, or None."""
    if e.get("skipped"):
        return None
    f = number(e.get("fraction_of_bandwidth_bound"))
    if f is not None:
        return f
    v = number(e.get("voxel_updates_per_s"))
    if v is not None and gbs:
        return v / gbs
    return None


def fmt(x):
    return "-" if x is None else f"{x:.4g}"


def ratio(old, new):
    if old is None or new is None or old == 0:
        return None
    return new / old


def speed_verdict(r, threshold):
    """The verdict on a speed ratio new/old (None: a figure is missing), and
    whether it is a regression."""
    if r is None:
        return "no figure", False
    if r < 1.0 - threshold:
        return f"REGRESSION (> {threshold:.0%} slower)", True
    if r > 1.0 + threshold:
        return "faster", False
    return "ok", False


def table_start(olds, news, title, old_head, new_head, out):
    """Prints a comparison table's header; returns the keys of both
    documents, old order first."""
    header = (f"{title:34} {old_head:>10} {new_head:>10} {'ratio':>6} "
              f"{'old norm':>9} {'new norm':>9} {'ratio':>6}  verdict")
    print(header, file=out)
    print("-" * len(header), file=out)
    return list(olds) + [k for k in news if k not in olds]


def only_in_one(label, o, n, out):
    """Prints the row of an entry found in only one document; returns
    whether it was one."""
    if o is not None and n is not None:
        return False
    verdict = "only in new" if o is None else "only in old"
    print(f"{label:34} {'':>10} {'':>10} {'':>6} {'':>9} {'':>9} {'':>6}  {verdict}",
          file=out)
    return True


def compare(old, new, threshold, out):
    """Prints the comparison; returns the list of regressed entry labels."""
    gold = number(old.get("machine", {}).get("stream_triad_gbs"))
    gnew = number(new.get("machine", {}).get("stream_triad_gbs"))
    print(f"old: git {old.get('git', '?')}, regensim {old.get('regensim_version', '?')}"
          f"{', quick' if old.get('quick') else ''}; {build_label(old)}", file=out)
    print(f"new: git {new.get('git', '?')}, regensim {new.get('regensim_version', '?')}"
          f"{', quick' if new.get('quick') else ''}; {build_label(new)}", file=out)
    warnings = build_warnings(old, new)
    for line in warnings:
        print(line, file=out)
    r = ratio(gold, gnew)
    print(f"stream triad GB/s: old {fmt(gold)}  new {fmt(gnew)}  new/old {fmt(r)}",
          file=out)
    print(file=out)

    olds = {entry_key(e): e for e in measurements(old)}
    news = {entry_key(e): e for e in measurements(new)}
    keys = table_start(olds, news, "entry", "old upd/s", "new upd/s", out)
    regressed = []
    for k in keys:
        o, n = olds.get(k), news.get(k)
        if only_in_one(key_label(k), o, n, out):
            continue
        vo = None if o.get("skipped") else number(o.get("voxel_updates_per_s"))
        vn = None if n.get("skipped") else number(n.get("voxel_updates_per_s"))
        no, nn = normalised(o, gold), normalised(n, gnew)
        rn = ratio(no, nn)
        if o.get("skipped") or n.get("skipped"):
            verdict = "skipped in " + ("both" if o.get("skipped") and n.get("skipped")
                                       else "old" if o.get("skipped") else "new")
        else:
            verdict, bad = speed_verdict(rn, threshold)
            if bad:
                regressed.append(key_label(k))
        print(f"{key_label(k):34} {fmt(vo):>10} {fmt(vn):>10} {fmt(ratio(vo, vn)):>6} "
              f"{fmt(no):>9} {fmt(nn):>9} {fmt(rn):>6}  {verdict}", file=out)
    print(file=out)
    regressed += compare_io(old, new, threshold, out)
    regressed += compare_cells(old, new, threshold, out)
    regressed += compare_sweep(old, new, threshold, out)
    if regressed:
        print(f"{len(regressed)} regression(s) beyond {threshold:.0%}: "
              + ", ".join(regressed), file=out)
    else:
        print(f"no regression beyond {threshold:.0%} "
              "(bandwidth-normalised figures, output fractions, cell-steps/s, "
              "sweep overhead)", file=out)
    if any(line.startswith("WARNING") for line in warnings):
        print("WARNING: the two runs were built differently (see the top): "
              "the verdict compares builds as well as code", file=out)
    return regressed


def io_kind(e):
    """"snapshot_write", "run_overhead" or None (older documents have no
    "kind": their one io entry is a snapshot write)."""
    k = e.get("kind")
    if k is None and "mb_per_s" in e:
        return "snapshot_write"
    return k if k in ("snapshot_write", "run_overhead") else None


def io_format(e):
    """The snapshot format of an io entry; documents before the output
    options had only float64 with deflate."""
    return f"{e.get('precision', 'float64')}/{e.get('compression', 'deflate')}"


def io_key(e):
    dims = e.get("dims")
    dims = tuple(dims) if isinstance(dims, list) else dims
    if io_kind(e) == "run_overhead":
        return ("run_overhead", dims, e.get("threads"), e.get("save_every_steps"), io_format(e))
    return ("snapshot_write", dims, None, None, io_format(e))


def io_label(k):
    kind, dims, threads, save, fmt = k
    d = "x".join(str(v) for v in dims) if isinstance(dims, tuple) else str(dims)
    if kind == "run_overhead":
        return f"run overhead {d} t{threads} every {save} {fmt}"
    return f"snapshot write {d} {fmt}"


def io_entries(doc):
    io_list = doc.get("io", [])
    return {io_key(e): e for e in io_list if isinstance(e, dict) and io_kind(e)}


def compare_io(old, new, threshold, out):
    """Prints the run-output entries side by side; returns the regressed
    labels. Snapshot writes: mb_per_s normalised by the triad bandwidth
    (MB/s per GB/s) must not fall by more than the threshold. Run overhead:
    output_fraction must not grow by more than the threshold (relative) and
    OVERHEAD_FLOOR (absolute) at once."""
    olds, news = io_entries(old), io_entries(new)
    if not olds and not news:
        return []
    gold = number(old.get("machine", {}).get("stream_triad_gbs"))
    gnew = number(new.get("machine", {}).get("stream_triad_gbs"))
    keys = table_start(olds, news, "output (io)", "old", "new", out)
    regressed = []
    for k in keys:
        o, n = olds.get(k), news.get(k)
        if only_in_one(io_label(k), o, n, out):
            continue
        skipped = o.get("skipped") or n.get("skipped")
        if k[0] == "run_overhead":
            # figure: seconds with output; judged: the output fraction
            vo = None if o.get("skipped") else number(o.get("seconds_with_output"))
            vn = None if n.get("skipped") else number(n.get("seconds_with_output"))
            no = None if o.get("skipped") else number(o.get("output_fraction"))
            nn = None if n.get("skipped") else number(n.get("output_fraction"))
            rn = ratio(no, nn)
            if skipped:
                verdict = "skipped"
            elif no is None or nn is None:
                verdict = "no figure"
            elif nn - no > OVERHEAD_FLOOR and nn > no * (1.0 + threshold):
                verdict = f"REGRESSION (output fraction grew > {threshold:.0%})"
                regressed.append(io_label(k))
            elif nn < no * (1.0 - threshold) and no - nn > OVERHEAD_FLOOR:
                verdict = "cheaper"
            else:
                verdict = "ok"
            if nn is not None and nn > 0.05 and not skipped:
                verdict += " (above the 5% target)"
            so, sn = number(o.get("output_fraction_steady")), number(
                n.get("output_fraction_steady"))
            if so is not None and sn is not None and not skipped:
                verdict += f"; steady {fmt(so)} -> {fmt(sn)}"
        else:
            vo = None if o.get("skipped") else number(o.get("mb_per_s"))
            vn = None if n.get("skipped") else number(n.get("mb_per_s"))
            no = vo / gold if vo is not None and gold else None
            nn = vn / gnew if vn is not None and gnew else None
            rn = ratio(no, nn)
            if skipped:
                verdict = "skipped"
            else:
                verdict, bad = speed_verdict(rn, threshold)
                if bad:
                    regressed.append(io_label(k))
        print(f"{io_label(k):34} {fmt(vo):>10} {fmt(vn):>10} {fmt(ratio(vo, vn)):>6} "
              f"{fmt(no):>9} {fmt(nn):>9} {fmt(rn):>6}  {verdict}", file=out)
    print("(snapshot write: MB/s, norm = MB/s per triad GB/s; run overhead: seconds "
          "with output, norm = output_fraction)", file=out)
    print(file=out)
    return regressed


def cells_key(e):
    """What identifies a cells entry across runs, or None."""
    if e.get("kind") == "mechanics":
        return ("mechanics", e.get("cells"), e.get("threads"))
    if e.get("kind") == "phenotype":
        return ("phenotype", e.get("cells"), e.get("threads"))
    if e.get("kind") == "workload":
        return ("workload", e.get("workload"), e.get("threads"))
    return None


def cells_label(k):
    kind, what, threads = k
    if kind in ("mechanics", "phenotype"):
        return f"cells {kind} {what} t{threads}"
    return f"cells {what} t{threads}"


def cells_entries(doc):
    cells = doc.get("cells", {})
    return {cells_key(e): e for e in cells.get("entries", [])
            if isinstance(e, dict) and cells_key(e)}


def compare_cells(old, new, threshold, out):
    """Prints the cells entries side by side; returns the regressed labels:
    cell_steps_per_s (not normalised) must not fall by more than the
    threshold."""
    olds, news = cells_entries(old), cells_entries(new)
    if not olds and not news:
        return []
    keys = table_start(olds, news, "cells", "old c-s/s", "new c-s/s", out)
    regressed = []
    for k in keys:
        o, n = olds.get(k), news.get(k)
        if only_in_one(cells_label(k), o, n, out):
            continue
        vo = None if o.get("skipped") else number(o.get("cell_steps_per_s"))
        vn = None if n.get("skipped") else number(n.get("cell_steps_per_s"))
        r = ratio(vo, vn)
        if o.get("skipped") or n.get("skipped"):
            verdict = "skipped"
        else:
            verdict, bad = speed_verdict(r, threshold)
            if bad:
                regressed.append(cells_label(k))
        print(f"{cells_label(k):34} {fmt(vo):>10} {fmt(vn):>10} {fmt(r):>6} "
              f"{'':>9} {'':>9} {'':>6}  {verdict}", file=out)
    bo = number(old.get("cells", {}).get("bytes_per_cell"))
    bn = number(new.get("cells", {}).get("bytes_per_cell"))
    print(f"(cell-steps per second, not normalised; bytes per cell: old {fmt(bo)}, "
          f"new {fmt(bn)})", file=out)
    print(file=out)
    return regressed


def overhead_verdict(old_ms, new_ms, threshold, floor):
    """The verdict on a cost where lower is better (None: a figure is
    missing), and whether it is a regression: it grew by more than the
    threshold relative to the old cost and by more than floor at once (a
    cost near or below zero has no meaningful ratio)."""
    if old_ms is None or new_ms is None:
        return "no figure", False
    grew = new_ms - old_ms
    if grew > floor and (old_ms <= 0 or new_ms > old_ms * (1.0 + threshold)):
        return f"REGRESSION (grew > {threshold:.0%} and > {floor:g} ms)", True
    if -grew > floor and new_ms < old_ms * (1.0 - threshold):
        return "cheaper", False
    return "ok", False


def sweep_key(e):
    """What identifies a sweep entry across runs, or None."""
    if e.get("kind") in ("overhead", "jobs"):
        return (e.get("kind"), e.get("runs"))
    return None


def sweep_entries(doc):
    return {sweep_key(e): e for e in doc.get("sweep", [])
            if isinstance(e, dict) and sweep_key(e)}


def sweep_label(k):
    kind, runs = k
    if kind == "overhead":
        return f"sweep overhead {runs} runs (ms/run)"
    return f"sweep -j 2 speedup, {runs} runs"


def compare_sweep(old, new, threshold, out):
    """Prints the sweep entries side by side; returns the regressed labels:
    overhead_ms_per_run (lower is better) must not grow by more than the
    threshold and SWEEP_OVERHEAD_FLOOR_MS at once; speedup_j2_over_j1 is
    reported only."""
    olds, news = sweep_entries(old), sweep_entries(new)
    if not olds and not news:
        return []
    keys = table_start(olds, news, "sweep", "old", "new", out)
    regressed = []
    for k in keys:
        o, n = olds.get(k), news.get(k)
        if only_in_one(sweep_label(k), o, n, out):
            continue
        figure = "overhead_ms_per_run" if k[0] == "overhead" else "speedup_j2_over_j1"
        vo = None if o.get("skipped") else number(o.get(figure))
        vn = None if n.get("skipped") else number(n.get(figure))
        if o.get("skipped") or n.get("skipped"):
            verdict = "skipped"
        elif k[0] == "overhead":
            verdict, bad = overhead_verdict(vo, vn, threshold, SWEEP_OVERHEAD_FLOOR_MS)
            if bad:
                regressed.append(sweep_label(k))
            target = number(n.get("target_ms"))
            if target is not None and vn is not None and vn >= target:
                verdict += f" (above the {target:g} ms target)"
        else:
            verdict = "reported, not judged"
        r = ratio(vo, vn) if k[0] == "jobs" else None
        print(f"{sweep_label(k):34} {fmt(vo):>10} {fmt(vn):>10} {fmt(r):>6} "
              f"{'':>9} {'':>9} {'':>6}  {verdict}", file=out)
    print("(sweep overhead: ms per run of `regensim sweep -j 1` over the same runs started "
          "one by one; speedup: -j 2 over -j 1, reported only)", file=out)
    print(file=out)
    return regressed


def main(argv, out=sys.stdout, err=sys.stderr):
    parser = argparse.ArgumentParser(
        prog="bench-compare.py",
        description="Compare two regensim-bench JSON documents; exit 1 on a "
                    "bandwidth-normalised regression beyond the threshold.")
    parser.add_argument("old", nargs="?", help="the reference JSON document")
    parser.add_argument("new", nargs="?", help="the JSON document to judge")
    parser.add_argument("--threshold", type=float, default=0.15,
                        help="largest tolerated relative drop (default 0.15)")
    parser.add_argument("--self-test", action="store_true",
                        help="check this script's exit codes and exit")
    try:
        with contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_OK if e.code == 0 else EXIT_BAD_INPUT
    if args.self_test:
        return self_test(out, err)
    if args.old is None or args.new is None:
        print("bench-compare.py: need OLD.json and NEW.json (or --self-test)", file=err)
        return EXIT_BAD_INPUT
    if not (0.0 <= args.threshold < 1.0):
        print(f"bench-compare.py: --threshold {args.threshold}: expected a fraction "
              "in [0, 1)", file=err)
        return EXIT_BAD_INPUT
    try:
        old, new = load(args.old), load(args.new)
    except BadInput as e:
        print(f"bench-compare.py: {e}", file=err)
        return EXIT_BAD_INPUT
    regressed = compare(old, new, args.threshold, out)
    return EXIT_REGRESSION if regressed else EXIT_OK


def _doc(gbs, explicit_frac, lod_vups, git, snap_mbs=150.0, overhead=0.04, steady=None,
         cells=3e6, sweep_ms=None, speedup=1.5):
    """A tiny document: an explicit entry with a fraction, a lod entry with
    only voxel_updates_per_s, a skipped spectral entry; an io section with
    a snapshot write (snap_mbs MB/s) and a run overhead (output fraction
    `overhead`, and the steady-state keys with output_fraction_steady
    `steady` unless it is None), unless snap_mbs is None; a cells section
    with a mechanics and a workload entry at `cells` cell-steps/s, unless
    cells is None; a sweep section with an overhead of `sweep_ms` ms per
    run and a -j 2 speedup of `speedup`, unless sweep_ms is None."""
    doc = _doc_base(gbs, explicit_frac, lod_vups, git)
    if sweep_ms is not None:
        doc["sweep"] = [
            {"kind": "overhead", "runs": 200, "repeats": 3, "jobs": 1,
             "seconds_direct": 20.0, "seconds_sweep": 20.0 + 0.2 * sweep_ms,
             "overhead_ms_per_run": sweep_ms, "target_ms": 20,
             "within_target": sweep_ms < 20},
            {"kind": "jobs", "runs": 200, "repeats": 3, "jobs": 2,
             "speedup_j2_over_j1": speedup},
        ]
    if cells is not None:
        doc["cells"] = {"bytes_per_cell": 136, "entries": [
            {"kind": "mechanics", "cells": 10000, "threads": 1, "cell_steps_per_s": cells},
            {"kind": "workload", "workload": "physicell-template-30k", "cells": 30000,
             "threads": 1, "cell_steps_per_s": cells / 2},
        ]}
    if snap_mbs is not None:
        doc["io"] = [
            {"kind": "snapshot_write", "dims": [64, 64, 64], "snapshots": 3,
             "mb_per_s": snap_mbs},
            {"kind": "run_overhead", "dims": [64, 64, 64], "steps": 160,
             "save_every_steps": 20, "threads": 1, "seconds_without_output": 1.0,
             "seconds_with_output": 1.0 / (1.0 - overhead),
             "output_fraction": overhead},
        ]
        if steady is not None:
            doc["io"][1].update({"seconds_fixed_per_run": 0.1,
                                 "output_seconds_per_snapshot_steady": 0.01,
                                 "callback_seconds_per_snapshot": 0.01,
                                 "output_fraction_steady": steady})
    return doc


def _with_build(doc, native, compiler="GNU 12.2.0", build_type="Release"):
    """doc with a "build" object (c_flags as CMake would record them)."""
    flags = "-O3 -DNDEBUG -Wall -ffp-contract=off" + (" -march=native" if native else "")
    doc["build"] = {"compiler": compiler, "c_flags": flags, "build_type": build_type,
                    "native": native}
    return doc


def _doc_base(gbs, explicit_frac, lod_vups, git):
    return {
        "regensim_version": "0.1.0", "git": git, "threads_available": 2,
        "quick": True, "machine": {"stream_triad_gbs": gbs},
        "diffusion": [
            {"solver": "explicit", "dims": [64, 64, 64], "substrates": 1, "threads": 1,
             "voxel_updates_per_s": explicit_frac * gbs * 1e9 / 16,
             "fraction_of_bandwidth_bound": explicit_frac},
            {"solver": "lod", "dims": [64, 64, 64], "substrates": 1, "threads": 1,
             "time_order": 1, "voxel_updates_per_s": lod_vups},
            {"solver": "spectral", "dims": [64, 64, 64], "substrates": 1, "threads": 1,
             "skipped": True, "error": "spectral solver: not implemented yet"},
        ],
    }


def self_test(out, err):
    """Builds documents in a temporary directory and checks the exit codes."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, content):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(content if isinstance(content, str) else json.dumps(content))
            return path

        base = write("base.json", _doc(10.0, 0.5, 1e8, "aaa"))
        portable = write("portable.json", _with_build(_doc(10.0, 0.5, 1e8, "lll"), False))
        native = write("native.json", _with_build(_doc(10.0, 0.6, 1.2e8, "mmm"), True))
        not_comparable = "not comparable"
        cases = [
            # (what, argv, expected exit[, text the output must (not) hold])
            ("identical", [base, base], EXIT_OK),
            ("small drop within threshold",
             [base, write("small.json", _doc(10.0, 0.45, 0.9e8, "bbb"))], EXIT_OK),
            ("faster", [base, write("fast.json", _doc(10.0, 0.8, 2e8, "ccc"))], EXIT_OK),
            ("fraction regression",
             [base, write("slow.json", _doc(10.0, 0.3, 1e8, "ddd"))], EXIT_REGRESSION),
            # Same voxel rate on a machine with twice the bandwidth: the
            # normalised lod figure halves.
            ("normalised regression (no fraction)",
             [base, write("fastmachine.json", _doc(20.0, 0.5, 1e8, "eee"))],
             EXIT_REGRESSION),
            ("custom threshold tolerates it",
             [base, os.path.join(tmp, "slow.json"), "--threshold", "0.5"], EXIT_OK),
            ("entry missing in new",
             [base, write("fewer.json", {"machine": {"stream_triad_gbs": 10.0},
                                         "diffusion": []})], EXIT_OK),
            ("missing file", [base, os.path.join(tmp, "absent.json")], EXIT_BAD_INPUT),
            ("invalid JSON", [base, write("bad.json", "{\"diffusion\": [")],
             EXIT_BAD_INPUT),
            ("not an object", [write("list.json", "[1, 2]"), base], EXIT_BAD_INPUT),
            ("bad threshold", [base, base, "--threshold", "2"], EXIT_BAD_INPUT),
            ("one file only", [base], EXIT_BAD_INPUT),
            ("snapshot write slower",
             [base, write("slowio.json", _doc(10.0, 0.5, 1e8, "fff", snap_mbs=100.0))],
             EXIT_REGRESSION),
            # Same MB/s on a machine with half the bandwidth: normalised, faster.
            ("snapshot write normalised by bandwidth",
             [write("fastmem.json", _doc(20.0, 0.5, 2e8, "ggg", snap_mbs=150.0)), base],
             EXIT_OK),
            ("output fraction grew",
             [base, write("costly.json", _doc(10.0, 0.5, 1e8, "hhh", overhead=0.08))],
             EXIT_REGRESSION),
            ("output fraction grew less than a point",
             [base, write("noisy.json", _doc(10.0, 0.5, 1e8, "iii", overhead=0.048))],
             EXIT_OK),
            ("output fraction fell",
             [base, write("cheap.json", _doc(10.0, 0.5, 1e8, "jjj", overhead=0.01))],
             EXIT_OK),
            ("steady fractions shown, not judged",
             [write("steady1.json", _doc(10.0, 0.5, 1e8, "ooo", steady=0.02)),
              write("steady2.json", _doc(10.0, 0.5, 1e8, "ppp", steady=0.2))],
             EXIT_OK, ("steady 0.02 -> 0.2",)),
            ("steady fraction in the new document only",
             [base, os.path.join(tmp, "steady1.json")], EXIT_OK, ("!steady",)),
            ("old document without io",
             [write("noio.json", _doc(10.0, 0.5, 1e8, "kkk", snap_mbs=None)), base],
             EXIT_OK),
            ("io not a list",
             [base, write("badio.json", {"diffusion": [], "io": {"kind": "x"}})],
             EXIT_BAD_INPUT),
            ("unknown option", [base, base, "--bogus"], EXIT_BAD_INPUT),
            ("cells slower",
             [base, write("slowcells.json", _doc(10.0, 0.5, 1e8, "ooo", cells=2e6))],
             EXIT_REGRESSION, ("REGRESSION", "cells mechanics 10000 t1",
                               "cells physicell-template-30k t1")),
            ("cells faster",
             [base, write("fastcells.json", _doc(10.0, 0.5, 1e8, "ppp", cells=6e6))],
             EXIT_OK, ("faster",)),
            # Cell figures are not normalised: the same rate on a machine with
            # twice the bandwidth is no regression of the cells.
            ("cells not normalised by bandwidth",
             [base, write("cellsbw.json", _doc(20.0, 0.5, 2e8, "qqq", snap_mbs=300.0,
                                               cells=3e6))],
             EXIT_OK),
            ("old document without cells",
             [write("nocells.json", _doc(10.0, 0.5, 1e8, "rrr", cells=None)), base],
             EXIT_OK, ("only in new",)),
            ("cells not an object",
             [base, write("badcells.json", {"diffusion": [], "cells": []})],
             EXIT_BAD_INPUT),
            ("sweep overhead grew",
             [write("sweep1.json", _doc(10.0, 0.5, 1e8, "s1", sweep_ms=8.0)),
              write("sweep2.json", _doc(10.0, 0.5, 1e8, "s2", sweep_ms=30.0))],
             EXIT_REGRESSION, ("sweep overhead 200 runs", "REGRESSION",
                               "above the 20 ms target")),
            ("sweep overhead grew less than the floor",
             [os.path.join(tmp, "sweep1.json"),
              write("sweep3.json", _doc(10.0, 0.5, 1e8, "s3", sweep_ms=15.0))],
             EXIT_OK, ("!REGRESSION",)),
            ("sweep overhead fell; from a negative (noisy) one",
             [os.path.join(tmp, "sweep2.json"),
              write("sweep4.json", _doc(10.0, 0.5, 1e8, "s4", sweep_ms=-3.0))],
             EXIT_OK, ("cheaper",)),
            ("sweep overhead from negative to above the floor",
             [os.path.join(tmp, "sweep4.json"),
              write("sweep5.json", _doc(10.0, 0.5, 1e8, "s5", sweep_ms=9.0))],
             EXIT_REGRESSION),
            ("sweep speedup reported, not judged",
             [os.path.join(tmp, "sweep1.json"),
              write("sweep6.json", _doc(10.0, 0.5, 1e8, "s6", sweep_ms=8.0, speedup=0.5))],
             EXIT_OK, ("sweep -j 2 speedup, 200 runs", "reported, not judged")),
            ("old document without sweep",
             [base, os.path.join(tmp, "sweep1.json")], EXIT_OK, ("only in new",)),
            ("sweep not a list",
             [base, write("badsweep.json", {"diffusion": [], "sweep": {"kind": "x"}})],
             EXIT_BAD_INPUT),
            # Builds: a warning, never a different exit status.
            ("same build: no warning", [portable, portable], EXIT_OK,
             ("!WARNING", "!note:", "GNU 12.2.0, Release, portable")),
            ("portable vs native: warned", [portable, native], EXIT_OK,
             (not_comparable, "old run was built portable", "new one native",
              "new only: -march=native", "were built differently")),
            ("native vs portable with a regression: warned, exit 1",
             [native, portable], EXIT_REGRESSION, (not_comparable,)),
            ("different compilers: warned",
             [portable, write("clang.json", _with_build(_doc(10.0, 0.5, 1e8, "nnn"), False,
                                                        compiler="Clang 14.0.6"))],
             EXIT_OK, ("different compilers", "!old run was built")),
            ("build recorded in one file only: a note", [base, native], EXIT_OK,
             ("old run does not record its build", "!WARNING")),
            ("neither records its build: silent", [base, base], EXIT_OK, ("!note:",)),
            ("build not an object",
             [base, write("badbuild.json", {"diffusion": [], "build": "gcc"})],
             EXIT_BAD_INPUT),
        ]
        for what, argv, expected, *texts in cases:
            sink_out, sink_err = io.StringIO(), io.StringIO()
            got = main(argv, sink_out, sink_err)
            text = sink_out.getvalue()
            missing = [t for t in (texts[0] if texts else ())
                       if (t[1:] in text if t.startswith("!") else t not in text)]
            ok = got == expected and not missing
            status = "ok" if ok else "FAIL"
            print(f"self-test {status}: {what}: exit {got} (expected {expected})"
                  + (f"; output wrong about {missing}" if missing else ""), file=out)
            if not ok:
                failures.append(what)
                print(sink_out.getvalue() + sink_err.getvalue(), file=err)
    if failures:
        print(f"bench-compare.py self-test: {len(failures)} failure(s)", file=err)
        return 1
    print("bench-compare.py self-test: all passed", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
