"""scenario_lib.py: runs regensim's disease scenarios over seeds and checks
their outcomes (docs/validation.md, tests/scenarios).

A scenario family (scripts/scenarios/<family>.py: ms, pd, mnd) names its
variants (model files under models/), how many seeds a full and a reduced
validation run, and two functions: outcomes(runs) -> [Outcome] and
plot(runs, outcomes, path). This module does the rest: runs every variant
for every seed through the regensim command (a process per run, `jobs` at a
time), reads each run's metrics from run.h5 (/timeseries) and gives the
family a list of Series per variant. Only numpy and h5py are needed to
check; matplotlib to plot. Run with Debian's /usr/bin/python3.
"""

import concurrent.futures
import dataclasses
import math
import os
import subprocess
import time

import numpy as np

DAY = 1440.0  # min


@dataclasses.dataclass
class Series:
    """One run's metrics: t (min) and one array per metric."""
    variant: str
    seed: int
    wall: float  # s
    t: np.ndarray
    metrics: dict
    params: dict = dataclasses.field(default_factory=dict)  # the run's resolved parameters

    def __getitem__(self, name):
        return self.metrics[name]

    @property
    def days(self):
        return self.t / DAY


@dataclasses.dataclass
class Outcome:
    """One checked outcome: its id (MS-1a), the target as text, the measured
    value as text (mean +- sd over seeds) and whether it passed."""
    id: str
    target: str
    measured: str
    passed: bool


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_one(cli, model, outdir, seed, overrides, threads=1):
    """Runs one model for one seed into outdir; returns (wall s, error text
    or None)."""
    cmd = [cli, "run", model, "-o", outdir, "--quiet", "--force",
           "--threads", str(threads), "--set", f"seed={seed}"]
    for o in overrides:
        cmd += ["--set", o]
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    except OSError as e:
        return 0.0, f"cannot run {cli}: {e}"
    wall = time.monotonic() - t0
    if p.returncode != 0:
        return wall, f"exit {p.returncode}: {p.stderr.strip()[-2000:]}"
    return wall, None


def load_series(path, variant, seed, wall):
    """The metrics of run.h5 at path as a Series, with the run's parameters
    as it ran them (/model/resolved: defaults filled in, --set applied)."""
    import h5py
    import yaml
    with h5py.File(path, "r") as h:
        ts = h["timeseries"]
        t = np.asarray(ts["time"][()], dtype=float)
        m = {k: np.asarray(ts[k][()], dtype=float) for k in ts
             if k != "time" and isinstance(ts[k], h5py.Dataset)}
        resolved = yaml.safe_load(h["model/resolved"][()].decode()) or {}
    params = {k: float(v) for k, v in (resolved.get("parameters") or {}).items()}
    return Series(variant, seed, wall, t, m, params)


def run_family(fam, cli, workdir, reduced=False, seeds=None, jobs=2, variants=None,
               log=print):
    """Runs every variant of family module `fam` for its seeds; returns
    {variant: [Series]}. Raises RuntimeError naming every failed run."""
    cfg = fam.REDUCED if reduced else fam.FULL
    nseeds = seeds or cfg["seeds"]
    chosen = variants or cfg.get("variants") or [
        v for v, spec in fam.VARIANTS.items() if not (reduced and spec.get("full_only"))]
    root = repo_root()
    tasks = []
    for v in chosen:
        spec = fam.VARIANTS[v]
        model = os.path.join(root, spec["model"])
        sets = list(spec.get("set", [])) + list(cfg.get("set", []))
        for k in range(min(nseeds, spec.get("seeds", nseeds))):
            seed = spec.get("seed0", 1) + k
            out = os.path.join(workdir, f"{fam.NAME}-{v}-{seed}")
            tasks.append((v, seed, model, out, sets))
    runs = {v: [] for v in chosen}
    errors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        futs = {ex.submit(run_one, cli, m, o, s, sets): (v, s, o)
                for (v, s, m, o, sets) in tasks}
        for f in concurrent.futures.as_completed(futs):
            v, s, o = futs[f]
            wall, err = f.result()
            if err:
                errors.append(f"{fam.NAME}/{v} seed {s}: {err}")
                continue
            try:
                runs[v].append(load_series(os.path.join(o, "run.h5"), v, s, wall))
            except (OSError, KeyError) as e:
                errors.append(f"{fam.NAME}/{v} seed {s}: cannot read its metrics: {e}")
                continue
            log(f"  {fam.NAME}/{v} seed {s}: {wall:.1f} s")
    if errors:
        raise RuntimeError("\n".join(errors))
    for v in runs:
        runs[v].sort(key=lambda r: r.seed)
    return runs


# ---- measures on one run ------------------------------------------------

def first_time(t, y, pred, after=-math.inf):
    """The first time >= `after` at which pred(y) holds (linear between
    samples for a threshold given as ('<', v) or ('>=', v)), or nan."""
    op, v = pred
    if op not in ("<", ">="):
        raise ValueError(f"first_time: unknown comparison {op!r}")
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    if math.isnan(after) or np.isnan(y[t >= after]).any():
        return math.nan  # a NaN in the data measures nothing
    for i in range(len(t)):
        if t[i] < after:
            continue
        ok = y[i] < v if op == "<" else y[i] >= v
        if ok:
            if i > 0 and t[i - 1] >= after and y[i] != y[i - 1]:
                return t[i - 1] + (v - y[i - 1]) / (y[i] - y[i - 1]) * (t[i] - t[i - 1])
            return t[i]
    return math.nan


def value_at(t, y, t0):
    """y interpolated at time t0; nan outside the run's times (np.interp
    would repeat the end value)."""
    if not (t[0] - 1e-9 <= t0 <= t[-1] + 1e-9):
        return math.nan
    return float(np.interp(t0, t, y))


def peak(t, y, t_from=-math.inf, t_to=math.inf):
    """(time, value) of the maximum of y in [t_from, t_to]."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    sel = (t >= t_from) & (t <= t_to)
    if not sel.any() or np.isnan(y[sel]).any():
        return math.nan, math.nan
    i = int(np.argmax(np.where(sel, y, -np.inf)))
    return float(t[i]), float(y[i])


def mean_sd(values):
    a = np.asarray(values, dtype=float)
    if len(a) == 0:
        return math.nan, math.nan
    return float(np.mean(a)), float(np.std(a, ddof=1)) if len(a) > 1 else math.nan


def fmt(values, unit="", digits=3):
    """'m +- sd unit (n = k)' of a list of per-seed values."""
    m, s = mean_sd(values)
    u = f" {unit}" if unit else ""
    return f"{m:.{digits}g} +- {s:.{digits}g}{u} (n = {len(values)})"


def within(x, lo, hi):
    """lo <= x <= hi, false for NaN."""
    return bool(lo <= x <= hi)


def mean_curve(runs, name):
    """(t, mean, sd) of metric `name` over runs on the first run's times."""
    t = runs[0].t
    ys = np.array([np.interp(t, r.t, r[name]) for r in runs])
    return t, ys.mean(axis=0), ys.std(axis=0, ddof=1) if len(runs) > 1 else 0 * t


# ---- report -------------------------------------------------------------

def markdown_table(outcomes):
    lines = ["| outcome | target | measured (mean +- sd over seeds) | |",
             "|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.id} | {o.target} | {o.measured} | "
                     f"{'pass' if o.passed else '**FAIL**'} |")
    return "\n".join(lines)


def plot_band(ax, t_days, mean, sd, label, color=None):
    """A mean curve with a +-sd band over seeds."""
    line, = ax.plot(t_days, mean, label=label, color=color)
    ax.fill_between(t_days, mean - sd, mean + sd, color=line.get_color(), alpha=0.2, lw=0)
    return line


def target_box(ax, x0, x1, y0, y1, text=None):
    """A target band: the rectangle [x0, x1] x [y0, y1] (days, value)."""
    import matplotlib.patches as patches
    ax.add_patch(patches.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=True,
                                   alpha=0.12, color="green", lw=0))
    if text:
        ax.text(x0, y1, text, fontsize=7, va="bottom", color="green")
