"""ms.py: the multiple sclerosis family (models/ms; docs/models/ms.md):
a focal demyelinating lesion, its variants, and the outcomes of the
scenario issue (MS-1, MS-2, MS-3, therapies), each measured per seed and
checked on the mean over seeds.

M = myelin_core (mean myelin integrity in the lesion core), t30 = first
time M < 0.3, t70 = first time M >= 0.7 after that. Cell counts are in the
lesion zone (twice the lesion radius); "baseline" is the count at t = 0.
"""

import math

import numpy as np

import scenario_lib as sl
from scenario_lib import DAY, Outcome

NAME = "ms"
TITLE = "Multiple sclerosis: a focal demyelinating lesion and its remyelination"
VARIANTS = {
    "lesion": {"model": "models/ms/lesion.yaml"},
    "no_opc": {"model": "models/ms/lesion_no_opc.yaml"},
    "clemastine": {"model": "models/ms/lesion_clemastine.yaml"},
    "opc_graft": {"model": "models/ms/lesion_opc_graft.yaml"},
    # minutes per run: 5 seeds, full validation only
    "lesion_3d": {"model": "models/ms/lesion_3d.yaml", "seeds": 5, "full_only": True},
}
FULL = {"seeds": 8, "set": ["time.save_every=0"]}
# The suite's version: an 800 um square around the same lesion (every
# density, rate and the lesion itself unchanged; the lesion zone, twice the
# lesion radius, still fits), 3 seeds, no snapshots.
REDUCED = {"seeds": 3, "set": ["domain.size[0]=800", "domain.size[1]=800",
                               "lesion_x=400", "lesion_y=400", "time.save_every=0"]}


def t30(r):
    return sl.first_time(r.t, r["myelin_core"], ("<", 0.3)) / DAY


def t70(r):
    a = sl.first_time(r.t, r["myelin_core"], ("<", 0.3))
    return sl.first_time(r.t, r["myelin_core"], (">=", 0.7), after=a) / DAY


def m_at(r, day):
    return sl.value_at(r.t, r["myelin_core"], day * DAY)


def peak_ratio(r, name):
    """(day of the peak, peak / baseline) of a count."""
    tp, vp = sl.peak(r.t, r[name])
    return tp / DAY, vp / max(r[name][0], 1)


def new_ol_day(r):
    """When the new oligodendrocytes reach a tenth of their final number."""
    n = r["new_oligodendrocytes"]
    return sl.first_time(r.t, n, (">=", 0.1 * max(n[-1], 1))) / DAY


def debris_half_day(r):
    """When debris_core has fallen to half its peak, after the peak."""
    tp, vp = sl.peak(r.t, r["debris_core"])
    return sl.first_time(r.t, r["debris_core"], ("<", 0.5 * vp), after=tp) / DAY


def rise_day(r):
    """When M starts rising: its minimum before its recovery."""
    M = r["myelin_core"]
    if np.isnan(M).any():
        return math.nan
    return float(r.t[int(np.argmin(M))]) / DAY


def outcomes(runs):
    out = base_outcomes(runs.get("lesion", []), "")
    if runs.get("lesion_3d"):
        out += base_outcomes(runs["lesion_3d"], " (3D)")
    out += therapy_outcomes(runs)
    return out


def base_outcomes(base, tag):
    """MS-1 and MS-3 on the runs of a base model (2D, or 3D with tag)."""
    out = []
    if base:
        v = [t30(r) for r in base]
        out.append(Outcome("MS-1a" + tag, "M falls below 0.3 between day 2 and day 10 (t30, days)",
                           sl.fmt(v, "d"), sl.within(sl.mean_sd(v)[0], 2, 10)))
        v = [t70(r) for r in base]
        out.append(Outcome("MS-1b" + tag, "M reaches 0.7 between day 14 and day 35 (t70, days)",
                           sl.fmt(v, "d"), sl.within(sl.mean_sd(v)[0], 14, 35)))
        v = [m_at(r, 42) for r in base]
        out.append(Outcome("MS-1c" + tag, "M >= 0.8 by day 42", sl.fmt(v),
                           sl.mean_sd(v)[0] >= 0.8))
        mg = [peak_ratio(r, "microglia") for r in base]
        op = [peak_ratio(r, "opcs") for r in base]
        mr, md = [x[1] for x in mg], [x[0] for x in mg]
        orr, od = [x[1] for x in op], [x[0] for x in op]
        out.append(Outcome("MS-3a" + tag, "microglia/macrophages peak at 3-10x baseline",
                           sl.fmt(mr, "x"), sl.within(sl.mean_sd(mr)[0], 3, 10)))
        out.append(Outcome("MS-3b" + tag, "... on days 2-7", sl.fmt(md, "d"),
                           sl.within(sl.mean_sd(md)[0], 2, 7)))
        out.append(Outcome("MS-3c" + tag, "OPCs peak at 2-5x baseline", sl.fmt(orr, "x"),
                           sl.within(sl.mean_sd(orr)[0], 2, 5)))
        out.append(Outcome("MS-3d" + tag, "... on days 3-10", sl.fmt(od, "d"),
                           sl.within(sl.mean_sd(od)[0], 3, 10)))
        nd = [new_ol_day(r) for r in base]
        gap1 = [o - m for o, m in zip(od, md)]
        gap2 = [n - o for n, o in zip(nd, od)]
        out.append(Outcome("MS-3e" + tag, "microglia peak before OPCs peak (OPC peak day - microglia peak day > 0)",
                           sl.fmt(gap1, "d"), sl.mean_sd(gap1)[0] > 0))
        out.append(Outcome("MS-3f" + tag, "OPCs peak before new oligodendrocytes appear (day they reach 10 % of their final number - OPC peak day > 0)",
                           sl.fmt(gap2, "d"), sl.mean_sd(gap2)[0] > 0))
        hd = [rise_day(r) - debris_half_day(r) for r in base]
        out.append(Outcome("MS-3g" + tag, "M starts rising only after at least half the debris is cleared (day of M's minimum - day debris_core falls to half its peak >= 0)",
                           sl.fmt(hd, "d"), sl.mean_sd(hd)[0] >= 0))
    return out


def therapy_outcomes(runs):
    """MS-2 and the therapies, against the 2D base."""
    out = []
    base = runs.get("lesion", [])
    if runs.get("no_opc"):
        v = [m_at(r, 42) for r in runs["no_opc"]]
        out.append(Outcome("MS-2", "OPCs ablated: M < 0.4 at day 42", sl.fmt(v),
                           sl.mean_sd(v)[0] < 0.4))
    if base and runs.get("clemastine"):
        by_seed = {r.seed: t70(r) for r in base}
        gain = [1 - t70(r) / by_seed[r.seed] for r in runs["clemastine"] if r.seed in by_seed]
        out.append(Outcome("MS-T1", "clemastine: t70 at least 20 % sooner (1 - t70 / t70 of the same seed without it)",
                           sl.fmt(gain), sl.mean_sd(gain)[0] >= 0.2))
    if runs.get("opc_graft"):
        v = [m_at(r, 42) for r in runs["opc_graft"]]
        out.append(Outcome("MS-T2", "OPC graft, host OPCs ablated: M >= 0.6 by day 42", sl.fmt(v),
                           sl.mean_sd(v)[0] >= 0.6))
    return out


def plot(runs, outcomes, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(2, 2, figsize=(10, 6.5), dpi=80)
    a = ax[0, 0]
    for v, rs in runs.items():
        t, m, s = sl.mean_curve(rs, "myelin_core")
        sl.plot_band(a, t / DAY, m, s, v, color="0.5" if v == "lesion_3d" else None)
    sl.target_box(a, 2, 10, 0, 0.3, "MS-1a: M < 0.3")
    sl.target_box(a, 14, 35, 0.7, 1.0, "MS-1b: t70")
    sl.target_box(a, 42 - 1.5, 42, 0.8, 1.0, "MS-1c")
    sl.target_box(a, 42 - 1.5, 42, 0.0, 0.4, "MS-2")
    a.set(xlabel="day", ylabel="myelin_core (M)", ylim=(0, 1.05), title="lesion-core myelin integrity")
    a.legend(fontsize=7, loc="center right")
    base = runs.get("lesion")
    if base:
        a = ax[0, 1]
        for name in ("microglia", "opcs"):
            ys = np.array([np.interp(base[0].t, r.t, r[name] / max(r[name][0], 1)) for r in base])
            sl.plot_band(a, base[0].t / DAY, ys.mean(0), ys.std(0), f"{name} / baseline")
        sl.target_box(a, 2, 7, 3, 10, "MS-3a,b: microglia peak")
        sl.target_box(a, 3, 10, 2, 5, "MS-3c,d: OPC peak")
        a.set(xlabel="day", ylabel="count / baseline (lesion zone)", xlim=(0, 21),
              title="cells in the lesion zone (lesion)")
        a.legend(fontsize=7)
        a = ax[1, 0]
        t, m, s = sl.mean_curve(base, "debris_core")
        sl.plot_band(a, t / DAY, m, s, "debris_core")
        t, m, s = sl.mean_curve(base, "myelin_core")
        sl.plot_band(a, t / DAY, m, s, "myelin_core")
        a.set(xlabel="day", ylabel="lesion core", xlim=(0, 21), title="debris cleared before M rises (MS-3g)")
        a.legend(fontsize=7)
        a = ax[1, 1]
        for v, rs in runs.items():
            if v in ("no_opc", "lesion_3d"):
                continue
            t, m, s = sl.mean_curve(rs, "new_oligodendrocytes")
            sl.plot_band(a, t / DAY, m, s, v)
        a.set(xlabel="day", ylabel="new oligodendrocytes (lesion zone)", title="oligodendrocytes made in the lesion")
        a.legend(fontsize=7)
    fails = [o.id for o in outcomes if not o.passed]
    fig.suptitle(f"{TITLE} (mean +- sd over {len(base or [])} seeds)"
                 + (f"; failing: {', '.join(fails)}" if fails else ""), fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
