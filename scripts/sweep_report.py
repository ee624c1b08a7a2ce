#!/usr/bin/python3
"""sweep_report.py: a report on a parameter sweep (DIR/summary.h5 of
`regensim sweep FILE -o DIR`).

usage: sweep_report.py DIR [--out OUTDIR] [--metrics NAME ...]
                       [--parameters NAME ...] [--json]

Writes, into OUTDIR (default DIR/report/):
  report.md             the design, runs completed and failed; for random and
                        LHS designs the partial rank correlation (PRCC) of each
                        parameter with each metric and its two-sided p-value;
                        for grid and list designs the metric's mean at each
                        level of each parameter instead; the failed runs.
  scatter_<metric>.png  the metric against each parameter: every run, the
                        mean over replicates with their standard deviation,
                        runs without a value as red x at the bottom.
  heatmap_<metric>.png  (a grid of exactly two parameters) the mean over
                        replicates on the grid.
Prints where the report is; with --json, prints the tables as one JSON
document instead (NaN as null). PRCC controls for every varied parameter,
also when --parameters reports only some. Every replicate row counts as a
sample of its own. Exits 2 on a missing or foreign file or an unknown name.
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib; docs/sweeps.md
describes the report.
"""
import argparse
import json
import math
import os
import re
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

try:
    import h5py
    import numpy as np
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover - depends on the machine
    sys.exit(f"sweep_report.py: {e}; install python3-h5py python3-numpy python3-matplotlib "
             "(scripts/install-deps.sh does)")

DESIGNS = ("grid", "random", "lhs", "list")
SAMPLED = ("random", "lhs")  # designs whose points are a random sample
ROOT_ATTRS = ("design", "replicates", "parameters", "scales", "metrics")
MAX_FAILED_LISTED = 20


class BadInput(Exception):
    """A summary that cannot be read as a sweep's: the message says which
    file or value and what was expected."""


def fail(msg):
    print(f"sweep_report.py: {msg}", file=sys.stderr)
    sys.exit(2)


# --- Student's t distribution -------------------------------------------

def _beta_fraction(a, b, x):
    """The continued fraction of I_x(a, b) (Abramowitz & Stegun 26.5.8),
    evaluated by the modified Lentz method; converges fast for
    x < (a + 1) / (a + b + 2)."""
    tiny, eps = 1e-300, 1e-16
    f, c, d = 1.0, 1.0, 0.0
    for j in range(1, 200001):
        m = j // 2
        if j % 2:
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        else:
            num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 + num * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + num / c
        c = c if abs(c) > tiny else tiny
        f *= c * d
        if abs(c * d - 1.0) < eps:
            break
    return f


def _stirling_rest(x):
    """ln Gamma(x) - ((x - 1/2) ln x - x + ln(2 pi) / 2), x >= 20 (error
    below 1e-14)."""
    x2 = x * x
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - 1.0 / (1680 * x2)) / x2) / x2) / x


def log_beta(a, b):
    """ln B(a, b). For a large argument without differencing lgamma's of
    size a ln a (at a = 5e5 that lost 1e-9 of the t p-value)."""
    a, b = max(a, b), min(a, b)
    if a < 20.0:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return (math.lgamma(b) - (a - 0.5) * math.log1p(b / a) - b * math.log(a + b) + b
            + _stirling_rest(a) - _stirling_rest(a + b))


def betainc(a, b, x, y=None):
    """The regularized incomplete beta function I_x(a, b), a, b > 0,
    0 <= x <= 1; y = 1 - x when the caller knows it more precisely."""
    y = 1.0 - x if y is None else y
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - betainc(b, a, y, x)
    log_x = math.log1p(-y) if x > 0.5 else math.log(x)
    log_y = math.log1p(-x) if y > 0.5 else math.log(y)
    front = math.exp(a * log_x + b * log_y - log_beta(a, b)) / a
    return front / _beta_fraction(a, b, x)


def t_two_sided_p(t, df):
    """P(|T| >= |t|) for Student's t with df > 0 degrees of freedom:
    I_{df/(df+t^2)}(df/2, 1/2). NaN for a NaN t or df <= 0. Within 1e-11 of
    50-digit arithmetic up to df = 1e7; near df = 1e9 the continued
    fraction's first terms cancel and 1e-9 is left."""
    if math.isnan(t) or not df > 0:
        return math.nan
    if math.isinf(t):
        return 0.0
    t2 = t * t
    return min(1.0, betainc(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2)))


# --- ranks and PRCC ------------------------------------------------------

def average_ranks(x):
    """Ranks 1..n of x, ties sharing the average of their ranks."""
    _, inverse, counts = np.unique(np.asarray(x, float), return_inverse=True,
                                   return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[inverse]


def residuals(y, others):
    """y minus its least-squares fit on the columns of `others` and an
    intercept."""
    design = np.column_stack([np.ones(len(y)), others])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return y - design @ coef


def spread(v):
    """The norm of v about its mean."""
    return float(np.linalg.norm(v - v.mean()))


def partial_correlation(x, y, others):
    """(r, note): the correlation of x and y once the columns of `others`
    are regressed out of both; r is NaN, and note says why, when x or y has
    nothing left."""
    rx, ry = residuals(x, others), residuals(y, others)
    if spread(rx) <= 1e-12 * max(spread(x), 1.0):
        return math.nan, "parameter constant or determined by the others"
    if spread(ry) <= 1e-12 * max(spread(y), 1.0):
        return math.nan, "metric determined by the other parameters"
    rx, ry = rx - rx.mean(), ry - ry.mean()
    r = float(rx @ ry / (np.linalg.norm(rx) * np.linalg.norm(ry)))
    return max(-1.0, min(1.0, r)), None


def prcc_p_value(r, n, k):
    """Two-sided p of a partial correlation r over n samples with k other
    variables controlled: t = r sqrt(df / (1 - r^2)), df = n - 2 - k."""
    df = n - 2 - k
    if math.isnan(r) or df < 1:
        return math.nan
    if abs(r) >= 1.0:
        return 0.0
    return t_two_sided_p(r * math.sqrt(df / (1.0 - r * r)), df)


def prcc(params, y):
    """PRCC of each column of params (n x k) with y, on average ranks:
    a list of k dicts {prcc, p, note}; NaN with a note when it cannot be
    computed (fewer than k + 3 rows, a constant metric or parameter)."""
    n, k = params.shape
    nan = {"prcc": math.nan, "p": math.nan}
    if n < k + 3:
        return [dict(nan, note=f"{n} rows; PRCC of {k} parameters needs at least {k + 3}")] * k
    if spread(y) == 0.0:
        return [dict(nan, note="metric constant over the rows used")] * k
    ranks = np.column_stack([average_ranks(c) for c in params.T])
    ry = average_ranks(y)
    out = []
    for j in range(k):
        r, note = partial_correlation(ranks[:, j], ry, np.delete(ranks, j, axis=1))
        out.append({"prcc": r, "p": prcc_p_value(r, n, k - 1), "note": note})
    return out


# --- reading summary.h5 --------------------------------------------------

def text(v):
    """An HDF5 string (attribute or element) as str: h5py gives str, bytes
    or a 0-d array of either."""
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def texts(v):
    """An HDF5 array of strings (or one string) as a list of str."""
    if isinstance(v, (str, bytes)):
        return [text(v)]
    return [text(x) for x in np.asarray(v, dtype=object).reshape(-1)]


def summary_path(arg):
    """DIR/summary.h5 for a sweep directory (or the file itself)."""
    if os.path.isdir(arg):
        path = os.path.join(arg, "summary.h5")
        if not os.path.isfile(path):
            raise BadInput(f"{arg}: no summary.h5 in this directory (expected a sweep's "
                           "output directory, the -o DIR of `regensim sweep`)")
        return path
    if not os.path.exists(arg):
        raise BadInput(f"{arg}: no such directory (expected a sweep's output directory, "
                       "the -o DIR of `regensim sweep`)")
    return arg


def open_h5(path):
    try:
        try:
            return h5py.File(path, "r", locking=False)
        except TypeError:  # an h5py without the locking option
            return h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: not an HDF5 file, or not readable ({e})") from None


def integer(f, path, key):
    """Root attribute `key` as an int (None when absent)."""
    if key not in f.attrs:
        return None
    try:
        return int(np.asarray(f.attrs[key]).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise BadInput(f"{path}: root attribute {key!r} is {f.attrs[key]!r}; expected an "
                       "integer") from None


def column(f, path, name, n, kind):
    """Root dataset `name`: 1-D of length n (any length when n is None);
    numbers as `kind` (float64 or int64), strings (kind "str") as an array
    of str."""
    d = f.get(name)
    if not isinstance(d, h5py.Dataset) or d.ndim != 1 or (n is not None and d.shape[0] != n):
        want = "a 1-D dataset" + (f" of length {n}" if n is not None else "")
        raise BadInput(f"{path}: /{name} is missing or not {want} (expected a regensim "
                       "sweep summary, docs/sweeps.md)")
    if kind == "str":
        return np.array(texts(d[()]), dtype=object)
    try:
        return np.asarray(d[()], dtype=kind)
    except (TypeError, ValueError):
        raise BadInput(f"{path}: /{name} holds {d.dtype}; expected numbers") from None


def read_summary(path):
    """summary.h5 as a dict: its root attributes (design, replicates,
    parameters, scales, metrics, ...) and `columns`, every dataset by name."""
    with open_h5(path) as f:
        missing = [a for a in ROOT_ATTRS if a not in f.attrs]
        if missing:
            raise BadInput(f"{path}: not a regensim sweep summary (no root attribute "
                           f"{missing[0]!r}; expected those of docs/sweeps.md: "
                           f"{', '.join(ROOT_ATTRS)})")
        s = {"path": path, "design": text(f.attrs["design"]),
             "replicates": integer(f, path, "replicates"),
             "parameters": texts(f.attrs["parameters"]), "scales": texts(f.attrs["scales"]),
             "metrics": texts(f.attrs["metrics"])}
        for key in ("sweep_seed", "samples"):
            s[key] = integer(f, path, key)
        for key in ("regensim_version", "sweep_file"):
            s[key] = text(f.attrs[key]) if key in f.attrs else ""
        if s["design"] not in DESIGNS:
            raise BadInput(f"{path}: design {s['design']!r}; expected one of "
                           f"{', '.join(DESIGNS)}")
        if not s["parameters"]:
            raise BadInput(f"{path}: the root attribute 'parameters' is empty; expected the "
                           "names of the varied parameters")
        if len(s["scales"]) != len(s["parameters"]):
            raise BadInput(f"{path}: {len(s['scales'])} scales for "
                           f"{len(s['parameters'])} parameters; expected one per parameter")
        n = column(f, path, "index", None, np.int64).shape[0]
        cols = {name: column(f, path, name, n, np.int64) for name in ("index", "replicate", "seed")}
        for name in s["parameters"] + s["metrics"] + ["wall_s"]:
            cols[name] = column(f, path, name, n, np.float64)
        for name in ("status", "message"):
            cols[name] = column(f, path, name, n, "str")
        s["units"] = {name: text(f[name].attrs["units"]) for name in s["metrics"]
                      if "units" in f[name].attrs}
    s["columns"] = cols
    s["rows"] = n
    return s


def choose(wanted, available, option, what, path):
    """The names given to an option (all when none), each checked."""
    if not wanted:
        return list(available)
    for w in wanted:
        if w not in available:
            raise BadInput(f"{option} {w}: no {what} {w!r} in {path}; it has "
                           f"{', '.join(available) or 'none'}")
    return list(dict.fromkeys(wanted))


# --- analysis --------------------------------------------------------------

def completed(s):
    return s["columns"]["status"] == "completed"


def usable(s, metric):
    """Rows of completed runs with a finite value of the metric."""
    return completed(s) & np.isfinite(s["columns"][metric])


def sensitivity(s, metric):
    """PRCC of every sweep parameter with the metric over its usable rows:
    {rows, parameters: {name: {prcc, p, note}}}."""
    ok = usable(s, metric)
    params = np.column_stack([s["columns"][p][ok] for p in s["parameters"]])
    table = prcc(params, s["columns"][metric][ok])
    return {"rows": int(ok.sum()), "parameters": dict(zip(s["parameters"], table))}


def level_means(s, metric, param):
    """[(level, mean, sd, runs)] of the metric at each level of the parameter,
    over the usable rows (mean NaN when a level has none; sd NaN below 2)."""
    ok = usable(s, metric)
    x, y = s["columns"][param], s["columns"][metric]
    out = []
    for level in np.unique(x):
        v = y[ok & (x == level)]
        mean = float(v.mean()) if v.size else math.nan
        sd = float(v.std(ddof=1)) if v.size > 1 else math.nan
        out.append((float(level), mean, sd, int(v.size)))
    return out


def index_means(s, metric, param):
    """(x, mean, sd) per design point (index) over its usable replicates."""
    ok = usable(s, metric)
    idx, x, y = (s["columns"][k][ok] for k in ("index", param, metric))
    points = np.unique(idx)
    xs = np.array([x[idx == i][0] for i in points])
    means = np.array([y[idx == i].mean() for i in points])
    sds = np.array([y[idx == i].std(ddof=1) if (idx == i).sum() > 1 else 0.0 for i in points])
    return xs, means, sds


def grid_means(s, metric):
    """(levels1, levels2, means[len1, len2]) on a two-parameter grid."""
    p1, p2 = s["parameters"]
    ok = usable(s, metric)
    x1, x2, y = s["columns"][p1], s["columns"][p2], s["columns"][metric]
    l1, l2 = np.unique(x1), np.unique(x2)
    means = np.full((len(l1), len(l2)), np.nan)
    for i, a in enumerate(l1):
        for j, b in enumerate(l2):
            v = y[ok & (x1 == a) & (x2 == b)]
            if v.size:
                means[i, j] = v.mean()
    return l1, l2, means


# --- figures ---------------------------------------------------------------

def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_-]", "_", name) or "unnamed"


def draw_panel(ax, s, metric, param, log_x):
    """One parameter's panel: each run faint, the per-index mean (with the
    replicates' sd as an error bar when there are replicates), runs
    without a value as red x at the bottom."""
    ok = usable(s, metric)
    x, y = s["columns"][param], s["columns"][metric]
    ax.plot(x[ok], y[ok], ".", color="C0", alpha=0.3, label="run")
    if s["replicates"] > 1 and ok.any():
        xs, means, sds = index_means(s, metric, param)
        ax.errorbar(xs, means, yerr=sds, fmt="o", ms=3, color="C1", elinewidth=0.8,
                    capsize=2, label="mean ± sd over replicates")
    if (~ok).any():
        ax.plot(x[~ok], np.full((~ok).sum(), 0.02), "x", color="red",
                transform=ax.get_xaxis_transform(), clip_on=False, label="failed / no value")
    if log_x and (x > 0).all():
        ax.set_xscale("log")
    ax.set_xlabel(param)
    unit = s.get("units", {}).get(metric)
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)


def plot_scatter(s, metric, params, outdir):
    """scatter_<metric>.png: a panel per parameter; returns its path."""
    scales = dict(zip(s["parameters"], s["scales"]))
    ncols = min(3, len(params))
    nrows = -(-len(params) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    for ax, param in zip(axes.flat, params):
        draw_panel(ax, s, metric, param, scales[param] == "log")
    for ax in axes.flat[len(params):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    ok = usable(s, metric)
    fig.suptitle(f"{metric}: {ok.sum()} runs with a value, {(~completed(s)).sum()} failed, "
                 f"{(completed(s) & ~ok).sum()} completed without a value")
    fig.tight_layout()
    path = os.path.join(outdir, f"scatter_{safe_name(metric)}.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def level_ticks(axis, levels):
    """Ticks at the grid's levels, labelled with their values (at most
    about 12 labelled)."""
    step = -(-len(levels) // 12)
    ticks = list(range(0, len(levels), step))
    axis.set_ticks(ticks, [f"{levels[i]:.3g}" for i in ticks])


def plot_heatmap(s, metric, outdir):
    """heatmap_<metric>.png: the mean over replicates on the two-parameter
    grid (cells without a value blank); returns its path."""
    p1, p2 = s["parameters"]
    l1, l2, means = grid_means(s, metric)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    im = ax.imshow(np.ma.masked_invalid(means), origin="lower", aspect="auto", cmap="viridis")
    level_ticks(ax.xaxis, l2)
    level_ticks(ax.yaxis, l1)
    ax.set_xlabel(p2)
    ax.set_ylabel(p1)
    fig.colorbar(im, ax=ax, label=f"{metric} (mean over replicates)")
    ax.set_title(f"{metric}: mean over {s['replicates']} replicate(s)")
    fig.tight_layout()
    path = os.path.join(outdir, f"heatmap_{safe_name(metric)}.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# --- report ------------------------------------------------------------------

def fmt(v, spec=".3f"):
    return "n/a" if v is None or math.isnan(v) else format(v, spec)


def fmt_p(p):
    if p is None or math.isnan(p):
        return "n/a"
    return "< 1e-300" if p == 0.0 else f"{p:.2g}"


def cell(v):
    """A value for a markdown table cell."""
    return str(v).replace("|", "\\|").replace("\n", " ")


def header_lines(s):
    c = s["columns"]
    done = int(completed(s).sum())
    points = len(np.unique(c["index"]))
    seed = f" (sweep seed {s['sweep_seed']})" if s["sweep_seed"] is not None else ""
    params = ", ".join(f"`{p}` ({sc})" for p, sc in zip(s["parameters"], s["scales"]))
    return [f"# Sweep report: {s['path']}", "",
            f"- design: {s['design']}{seed}, {points} design points, "
            f"{s['replicates']} replicate(s) each",
            f"- runs: {s['rows']}: {done} completed, {s['rows'] - done} failed",
            f"- parameters: {params}",
            f"- metrics: {', '.join(f'`{m}`' for m in s['metrics'])}",
            f"- run time: {np.nansum(c['wall_s']):.1f} s in all",
            f"- regensim {s['regensim_version'] or '(version not recorded)'}", ""]


def rows_note(s, metric, rows):
    failed = int((~completed(s)).sum())
    empty = int((completed(s) & ~np.isfinite(s["columns"][metric])).sum())
    return (f"Rows used: {rows} (completed runs with a finite `{metric}`); left out: "
            f"{failed} failed, {empty} completed without a value.")


def replicates_note(s):
    if s["replicates"] <= 1:
        return []
    return [f"Replicates: each of the {s['replicates']} replicates of a design point is a "
            "sample of its own (n counts rows, not design points). Replicates share their "
            "parameter values, so when the metric varies little between replicates they "
            "add little information and the p-values are optimistic.", ""]


def prcc_lines(s, metric, result, params):
    lines = [f"### {metric}", "", rows_note(s, metric, result["rows"]), "",
             "| parameter | PRCC | p-value | note |", "|---|---:|---:|---|"]
    for p in params:
        r = result["parameters"][p]
        lines.append(f"| `{p}` | {fmt(r['prcc'])} | {fmt_p(r['p'])} | {cell(r['note'] or '')} |")
    return lines + [""]


PRCC_INTRO = (
    "PRCC: the partial rank correlation of each parameter with each metric: parameters "
    "and metric are replaced by their ranks (ties share the average rank), the other "
    "parameters' ranks are regressed out of both, and the residuals are correlated. "
    "It lies in [-1, 1]; its sign says whether the metric rises or falls with the "
    "parameter, its size how strongly, with the other parameters held fixed. The p-value "
    "is two-sided, from Student's t with n - 2 - k degrees of freedom (k: the other "
    "parameters). PRCC assumes monotone relations and the p-values independent samples.")


def level_lines(s, metric, params):
    lines = [f"### {metric}", "", rows_note(s, metric, int(usable(s, metric).sum())), ""]
    for p in params:
        lines += [f"`{p}`:", "", f"| `{p}` | mean | sd | runs |", "|---:|---:|---:|---:|"]
        for level, mean, sd, runs in level_means(s, metric, p):
            lines.append(f"| {level:.6g} | {fmt(mean, '.6g')} | {fmt(sd, '.3g')} | {runs} |")
        lines.append("")
    return lines


def failed_lines(s):
    bad = np.flatnonzero(~completed(s))
    if not bad.size:
        return []
    c = s["columns"]
    lines = ["## Failed runs", "", "| index | replicate | seed | message |", "|---:|---:|---:|---|"]
    for i in bad[:MAX_FAILED_LISTED]:
        lines.append(f"| {c['index'][i]} | {c['replicate'][i]} | {c['seed'][i]} | "
                     f"{cell(c['message'][i])} |")
    if bad.size > MAX_FAILED_LISTED:
        lines.append(f"\n... and {bad.size - MAX_FAILED_LISTED} more (summary.csv lists all).")
    return lines + [""]


def report_text(s, metrics, params, tables, images):
    lines = header_lines(s)
    if s["design"] in SAMPLED:
        lines += ["## Sensitivity (PRCC)", "", PRCC_INTRO, ""] + replicates_note(s)
        for m in metrics:
            lines += prcc_lines(s, m, tables[m], params)
    else:
        lines += ["## Means per parameter level", "",
                  f"PRCC is not computed: the points of a {s['design']} design are not a "
                  "random sample of the parameter space, so rank correlations and their "
                  "p-values would have no sampling meaning. Below, each metric's mean at "
                  "each level of each parameter, over the other parameters' levels and "
                  "all replicates. Failed runs leave a level unbalanced over the other "
                  "parameters: compare its runs with the others'.", ""]
        for m in metrics:
            lines += level_lines(s, m, params)
    lines += ["## Figures", ""]
    lines += [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in images] + [""]
    lines += failed_lines(s)
    if s["sweep_file"]:
        lines += ["## Sweep file", "", "```yaml", s["sweep_file"].rstrip("\n"), "```", ""]
    return "\n".join(lines)


def finite_or_none(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def json_document(s, metrics, params, tables, report):
    """The tables as a JSON-ready dict (NaN as None)."""
    doc = {"summary": s["path"], "report": report, "design": s["design"],
           "runs": s["rows"], "completed": int(completed(s).sum()),
           "failed": int((~completed(s)).sum()), "replicates": s["replicates"],
           "prcc": None, "level_means": None}
    if s["design"] in SAMPLED:
        doc["prcc"] = {m: {"rows": tables[m]["rows"], "parameters": {
            p: {k: finite_or_none(v) for k, v in tables[m]["parameters"][p].items()}
            for p in params}} for m in metrics}
    else:
        doc["level_means"] = {m: {p: [[lv, finite_or_none(mean), finite_or_none(sd), n]
                                      for lv, mean, sd, n in level_means(s, m, p)]
                                  for p in params} for m in metrics}
    return doc


def make_report(s, metrics, params, outdir):
    """Writes report.md and the figures; returns (report path, tables)."""
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        raise BadInput(f"{outdir}: cannot create the report directory ({e.strerror})") from None
    tables = {m: sensitivity(s, m) for m in metrics} if s["design"] in SAMPLED else {}
    images = [plot_scatter(s, m, params, outdir) for m in metrics]
    if s["design"] == "grid" and len(s["parameters"]) == 2:
        images += [plot_heatmap(s, m, outdir) for m in metrics]
    report = os.path.join(outdir, "report.md")
    with open(report, "w", encoding="utf-8") as out:
        out.write(report_text(s, metrics, params, tables, images))
    return report, tables


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sweep_report.py",
        description="A report (markdown and PNGs) on a regensim sweep's DIR/summary.h5.")
    p.add_argument("dir", metavar="DIR", help="the sweep's output directory (or its summary.h5)")
    p.add_argument("--out", metavar="OUTDIR", help="where the report goes (default DIR/report)")
    p.add_argument("--metrics", nargs="+", metavar="NAME", help="only these metrics")
    p.add_argument("--parameters", nargs="+", metavar="NAME",
                   help="only these parameters in tables and figures (PRCC still controls "
                        "for all)")
    p.add_argument("--json", action="store_true",
                   help="print the tables as JSON on stdout (the report is still written)")
    return p.parse_args(argv)


def main(argv):
    a = parse_args(argv)
    try:
        path = summary_path(a.dir)
        s = read_summary(path)
        metrics = choose(a.metrics, s["metrics"], "--metrics", "metric", path)
        params = choose(a.parameters, s["parameters"], "--parameters", "parameter", path)
        outdir = a.out or os.path.join(os.path.dirname(os.path.abspath(path)), "report")
        report, tables = make_report(s, metrics, params, outdir)
    except BadInput as e:
        fail(str(e))
    if a.json:
        print(json.dumps(json_document(s, metrics, params, tables, report), indent=1))
    else:
        print(f"report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
