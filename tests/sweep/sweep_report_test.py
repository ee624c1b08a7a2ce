#!/usr/bin/python3
"""sweep_report_test.py [SOURCE_DIR]: scripts/sweep_report.py on synthetic
sweep summaries (summary.h5 written here with h5py in the layout of
docs/sweeps.md; no regensim code): Student t p-values against known values
and closed forms; PRCC against the other standard formula (the inverse of
the rank correlation matrix); an LHS sweep whose metric rises with a, falls
with b and ignores c, with failed runs left out and counted; a
two-parameter grid with replicates (heat map, per-level means, no PRCC);
bad input exiting 2 with one line and no traceback. Run with Debian's
/usr/bin/python3 (h5py, numpy, matplotlib)."""
import json
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = (sys.argv[1] if len(sys.argv) > 1
       else os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(SRC, "scripts", "sweep_report.py")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(SRC, "scripts"))
import sweep_report as sr  # noqa: E402


def close(a, b, tol, what):
    assert abs(a - b) <= tol, f"{what}: {a!r}, expected {b!r} within {tol:g}"


def check_t_distribution():
    close(sr.t_two_sided_p(2.228139, 10), 0.05, 1e-6, "t=2.228139 df=10")
    close(sr.t_two_sided_p(0.0, 7), 1.0, 0.0, "t=0")
    close(sr.t_two_sided_p(1.959964, 1e6), 0.05, 1e-5, "t=1.959964 df=1e6")
    close(sr.t_two_sided_p(3.169273, 10), 0.01, 1e-6, "t=3.169273 df=10")
    close(sr.t_two_sided_p(-2.228139, 10), 0.05, 1e-6, "negative t")
    # 17 digits from mpmath (50-digit arithmetic), as 1 - I_{t^2/(df+t^2)}(1/2, df/2)
    for t, df, p in ((2.5, 97, 0.014097275563370915), (4.0, 3, 0.028008456010146167),
                     (1.0, 4.5, 0.36800508388018858), (8.0, 30, 6.2658224757007589e-9),
                     (1.96, 1e7, 0.049995818025314192)):
        close(sr.t_two_sided_p(t, df), p, 1e-11, f"t={t} df={df}")
    for t in (0.1, 0.5, 1.0, 3.0, 12.0, 1e3):
        close(sr.t_two_sided_p(t, 1), 1 - 2 * math.atan(t) / math.pi, 1e-13, f"df=1 t={t}")
        close(sr.t_two_sided_p(t, 2), 1 - t / math.sqrt(2 + t * t), 1e-13, f"df=2 t={t}")
    assert sr.t_two_sided_p(math.inf, 5) == 0.0
    assert math.isnan(sr.t_two_sided_p(1.0, 0))


def prcc_by_inverse(ranks, ry):
    """PRCC as -P_ij / sqrt(P_ii P_jj), P the inverse of the correlation
    matrix of the parameters' and the metric's ranks."""
    p = np.linalg.inv(np.corrcoef(np.column_stack([ranks, ry]).T))
    k = ranks.shape[1]
    return [-p[j, k] / math.sqrt(p[j, j] * p[k, k]) for j in range(k)]


def check_prcc_formula():
    rng = np.random.default_rng(11)
    for n, k in ((40, 2), (50, 4), (200, 5)):
        x = rng.uniform(size=(n, k))
        x[:, 0] = np.round(x[:, 0] * 5)  # ties: average ranks
        y = x @ rng.normal(size=k) + rng.normal(size=n)
        ranks = np.column_stack([sr.average_ranks(c) for c in x.T])
        got = [r["prcc"] for r in sr.prcc(x, y)]
        want = prcc_by_inverse(ranks, sr.average_ranks(y))
        for j in range(k):
            close(got[j], want[j], 1e-10, f"PRCC n={n} k={k} parameter {j}")
    assert list(sr.average_ranks([3, 1, 3, 2])) == [3.5, 1, 3.5, 2]
    few = sr.prcc(rng.uniform(size=(5, 3)), rng.uniform(size=5))
    assert all(math.isnan(r["prcc"]) and "at least 6" in r["note"] for r in few), few
    flat = sr.prcc(rng.uniform(size=(20, 2)), np.ones(20))
    assert all(math.isnan(r["prcc"]) and "constant" in r["note"] for r in flat), flat


def write_summary(path, design, params, metrics, status, index, replicate, replicates):
    """A summary.h5 in the documented layout; params and metrics map a name
    to (values, scale) and to values."""
    n = len(index)
    vlen = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        run = f.create_dataset("run", data=np.arange(n, dtype=np.int64))
        run.make_scale("run")
        cols = {"index": np.asarray(index, np.int64), "replicate": np.asarray(replicate, np.int64),
                "seed": np.arange(1, n + 1, dtype=np.int64) * 7919}
        cols.update({name: np.asarray(v, float) for name, (v, _) in params.items()})
        cols.update({name: np.asarray(v, float) for name, v in metrics.items()})
        cols["wall_s"] = np.full(n, 0.5)
        for name, data in cols.items():
            f.create_dataset(name, data=data)
        msgs = ["" if s == "completed" else "solver: step 12 | non-finite value" for s in status]
        f.create_dataset("status", data=list(status), dtype=vlen)
        f.create_dataset("message", data=msgs, dtype=vlen)
        for name in list(cols) + ["status", "message"]:
            f[name].dims[0].attach_scale(run)
        f.attrs["design"] = design
        f.attrs["sweep_seed"] = np.int64(7)
        f.attrs["replicates"] = np.int64(replicates)
        f.attrs["samples"] = np.int64(n // replicates)
        f.attrs.create("parameters", list(params), dtype=vlen)
        f.attrs.create("scales", [s for _, s in params.values()], dtype=vlen)
        f.attrs.create("metrics", list(metrics), dtype=vlen)
        f.attrs["regensim_version"] = "0.1.0"
        f.attrs["sweep_file"] = f"sweep: 1\ndesign: {{type: {design}}}\n"


def run_report(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


def is_png(path):
    with open(path, "rb") as f:
        head = f.read(8)
    return head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 1000


def lhs_columns(n, k, rng):
    """n points of a k-parameter Latin hypercube on [0, 1]^k."""
    return [(rng.permutation(n) + rng.uniform(size=n)) / n for _ in range(k)]


def check_lhs(tmp):
    rng = np.random.default_rng(2024)
    n = 100
    a, b, c = lhs_columns(n, 3, rng)
    y = np.exp(3 * a) - 5 * b ** 3 + 0.05 * rng.normal(size=n)
    failed = [3, 41, 77]
    status = ["failed" if i in failed else "completed" for i in range(n)]
    y[failed] = np.nan
    d = os.path.join(tmp, "lhs")
    os.makedirs(d)
    params = {"a": (a, "linear"), "b": (b, "linear"), "c": (c, "linear")}
    metrics = {"y": y, "lesion/area.final": np.where(np.isnan(y), np.nan, 2.0)}
    write_summary(os.path.join(d, "summary.h5"), "lhs", params, metrics, status,
                  range(n), np.zeros(n), 1)
    res = run_report(d, "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert (doc["completed"], doc["failed"], doc["runs"]) == (97, 3, 100), doc
    t = doc["prcc"]["y"]
    assert t["rows"] == 97, t
    pa, pb, pc = (t["parameters"][p] for p in "abc")
    assert pa["prcc"] > 0.9 and pa["p"] < 1e-10, pa
    # Not < -0.9: with exp(3a) convex, b moves y's rank much more at small a
    # than at large a, which the linear fit on ranks cannot take out; PRCC(b)
    # lies in [-0.84, -0.72] over seeds 0..199 (the inverse-matrix formula
    # agrees), about -0.79 on average.
    assert pb["prcc"] < -0.7 and pb["p"] < 1e-10, pb
    assert abs(pc["prcc"]) < 0.3 and pc["p"] > 0.01, pc
    flat = doc["prcc"]["lesion/area.final"]["parameters"]["a"]
    assert flat["prcc"] is None and "constant" in flat["note"], flat
    out = os.path.join(d, "report")
    assert doc["report"] == os.path.join(out, "report.md"), doc["report"]
    md = open(doc["report"], encoding="utf-8").read()
    assert "Rows used: 97" in md and "3 failed" in md, md
    assert "| `a` | " + format(pa["prcc"], ".3f") in md, md
    for name in ("scatter_y.png", "scatter_lesion_area_final.png"):
        assert is_png(os.path.join(out, name)), name
    assert not os.path.exists(os.path.join(out, "heatmap_y.png"))
    res = run_report(d, "--metrics", "y", "--parameters", "b", "--out", os.path.join(tmp, "o"))
    assert res.returncode == 0 and "report.md" in res.stdout, res
    md = open(os.path.join(tmp, "o", "report.md"), encoding="utf-8").read()
    assert "| `b` |" in md and "| `a` |" not in md and "lesion" not in md.split("## Figures")[1]
    print(f"lhs: PRCC a {pa['prcc']:.4f} (p {pa['p']:.2g}), b {pb['prcc']:.4f} "
          f"(p {pb['p']:.2g}), c {pc['prcc']:.4f} (p {pc['p']:.2g}) over {t['rows']} rows")


def check_grid(tmp):
    dens, speed = [1.0, 2.0, 4.0], [0.5, 1.0]
    rows = [(i * 2 + j, r, dv, sv) for i, dv in enumerate(dens) for j, sv in enumerate(speed)
            for r in range(3)]
    index, rep, dcol, scol = (np.array(v) for v in zip(*rows))
    m = 10 * dcol + scol + (rep - 1) * 0.1
    status = ["completed"] * len(rows)
    status[2] = "failed"  # index 0 (density 1, speed 0.5), replicate 2
    m[2] = np.nan
    d = os.path.join(tmp, "grid")
    os.makedirs(d)
    params = {"opc_density": (dcol, "log"), "cell_types.opc.motility.speed": (scol, "values")}
    write_summary(os.path.join(d, "summary.h5"), "grid", params, {"m": m}, status,
                  index, rep, 3)
    res = run_report(d, "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["prcc"] is None, doc
    levels = {lv: (mean, runs) for lv, mean, _, runs in doc["level_means"]["m"]["opc_density"]}
    close(levels[2.0][0], 20.75, 1e-12, "mean at density 2")
    close(levels[1.0][0], (10.4 + 10.5 + 10.9 + 11.0 + 11.1) / 5, 1e-12, "mean at density 1")
    assert levels[1.0][1] == 5 and levels[4.0][1] == 6, levels
    out = os.path.join(d, "report")
    md = open(os.path.join(out, "report.md"), encoding="utf-8").read()
    assert "PRCC is not computed" in md and "| 2 | 20.75 |" in md, md
    assert "solver: step 12 \\| non-finite value" in md, md
    for name in ("heatmap_m.png", "scatter_m.png"):
        assert is_png(os.path.join(out, name)), name
    print("grid: heat map, per-level means (density 1: 10.78 over 5 runs), no PRCC")


def check_bad(res, *words):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    err = res.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    for w in words:
        assert w in err, (w, err)


def check_bad_input(tmp):
    check_bad(run_report(os.path.join(tmp, "nowhere")), "nowhere", "no such directory")
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    check_bad(run_report(empty), "no summary.h5")
    text = os.path.join(tmp, "text")
    os.makedirs(text)
    with open(os.path.join(text, "summary.h5"), "w") as f:
        f.write("index,replicate\n0,0\n")
    check_bad(run_report(text), "summary.h5", "not an HDF5 file")
    foreign = os.path.join(tmp, "foreign")
    os.makedirs(foreign)
    with h5py.File(os.path.join(foreign, "summary.h5"), "w") as f:
        f["time"] = np.arange(3.0)
    check_bad(run_report(foreign), "not a regensim sweep summary", "design")
    check_bad(run_report(os.path.join(tmp, "lhs"), "--metrics", "y", "area"),
              "--metrics area", "no metric 'area'", "it has y")
    print("bad input: exit 2 with one line each")


def main():
    check_t_distribution()
    check_prcc_formula()
    print("t p-values and PRCC formula: ok")
    with tempfile.TemporaryDirectory(prefix="rs_sweep_report_") as tmp:
        check_lhs(tmp)
        check_grid(tmp)
        check_bad_input(tmp)
    print("sweep_report: all passed")


if __name__ == "__main__":
    main()
