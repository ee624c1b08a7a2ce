"""pd: Parkinson's disease scenario family (models/pd/, docs/models/pd.md).

An SNc patch seeded with misfolded alpha-synuclein (nigra), with a
dopaminergic progenitor graft (nigra_graft), with a GDNF infusion
(nigra_gdnf) and unseeded (nigra_unseeded, ageing only). The outcomes are
those of the scenario issue (PD-1, PD-3, PD therapy), each measured as
mean +- sd over seeds (scripts/scenario_lib.py, scripts/validate.py).
"""

import math

import numpy as np

import scenario_lib as sl

NAME = "pd"
TITLE = "Parkinson's disease: alpha-synuclein seeding in a substantia nigra patch"

VARIANTS = {
    "nigra": {"model": "models/pd/nigra.yaml"},
    # ageing alone loses ~1 neuron of 450 in 180 days: run two years, so the
    # pooled seeds count enough deaths to measure a rate (PD-1g)
    "nigra_unseeded": {"model": "models/pd/nigra_unseeded.yaml", "set": ["time.end=1051920"]},
    "nigra_graft": {"model": "models/pd/nigra_graft.yaml"},
    "nigra_gdnf": {"model": "models/pd/nigra_gdnf.yaml"},
}

FULL = {"seeds": 5, "set": ["time.save_every=0"]}
# The reduced set-up keeps the domain (the outcomes are fractions of the
# whole 1 x 1 mm patch and of rings up to 500 um from the seed, so a smaller
# patch would change what is measured) and runs 2 seeds of every variant.
REDUCED = {"seeds": 2, "set": ["time.save_every=0"]}

GDNF_AT = 30.0      # day the GDNF infusion starts, for the plot (the checks read each run's gdnf_at)
GRAFT_AT = 60.0     # day the graft is injected, for the plot (the checks read graft_at)
RINGS = [(0, 125), (125, 250), (250, 375), (375, 500)]   # um from the seed
RING_MID = [62.5, 187.5, 312.5, 437.5]
INCL = 0.3          # misfolded fraction that counts as an inclusion (m_incl)
YEAR = 365.25       # days


def _loss(r, day):
    """Loss of host DA neurons (fraction of the initial) at `day`."""
    return 1.0 - sl.value_at(r.days, r["da_fraction"], day)


def _ring_loss(r, k, day):
    y = r[f"da_r{k + 1}"]
    return 1.0 - sl.value_at(r.days, y, day) / y[0]


def _pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    if np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def outcomes(runs):
    out = []
    base = runs.get("nigra", [])
    if base:
        # PD-1: loss <= 5 % at day 30, 10-40 % at days 90-180, still rising
        l30 = [100 * _loss(r, 30) for r in base]
        out.append(sl.Outcome("PD-1a", "neuron loss at day 30 <= 5 %", sl.fmt(l30, "%"),
                              sl.mean_sd(l30)[0] <= 5.0))
        for day, oid in ((90, "PD-1b"), (135, "PD-1c"), (180, "PD-1d")):
            v = [100 * _loss(r, day) for r in base]
            out.append(sl.Outcome(oid, f"neuron loss at day {day} in 10-40 %", sl.fmt(v, "%"),
                                  sl.within(sl.mean_sd(v)[0], 10.0, 40.0)))
        rise = [100 * (_loss(r, 180) - _loss(r, 150)) for r in base]
        out.append(sl.Outcome("PD-1e", "loss still rising at day 150-180 (> 0 %/30 d)",
                              sl.fmt(rise, "%/30 d"), sl.mean_sd(rise)[0] > 0))
    unseeded = runs.get("nigra_unseeded", [])
    if unseeded and base:
        lu = [100 * _loss(r, 180) for r in unseeded]
        lb = sl.mean_sd([100 * _loss(r, 180) for r in base])[0]
        out.append(sl.Outcome("PD-1f", f"unseeded loss at day 180 far less: <= 10 % of "
                              f"the seeded loss ({lb:.3g} %)", sl.fmt(lu, "%"),
                              sl.mean_sd(lu)[0] <= 0.1 * lb))
    if unseeded:
        # ageing is ~1 death per run and 180 days: pool the seeds' deaths
        # over the whole (two-year) runs, and measure only with >= 5 of them
        lost = sum(r["da_neurons"][0] - r["da_neurons"][-1] for r in unseeded)
        n0 = sum(r["da_neurons"][0] for r in unseeded)
        years = sum(r.days[-1] for r in unseeded) / len(unseeded) / YEAR
        rate = 100 * lost / n0 / years if n0 > 0 else math.nan
        out.append(sl.Outcome("PD-1g", "unseeded (ageing) loss ~0.5 %/year (0.25-1 %/year; "
                              "pooled over seeds, >= 5 deaths counted)",
                              f"{rate:.3g} %/yr ({lost:.0f} deaths of {n0:.0f} neurons, "
                              f"{len(unseeded)} runs of {years:.2g} years)",
                              lost >= 5 and sl.within(rate, 0.25, 1.0)))
    if base:
        # PD-3a: misfolded protein spreads outward: the day each ring's mean
        # misfolded fraction first reaches an inclusion load rises with distance
        arrivals, mono = [[] for _ in RINGS], []
        for r in base:
            ts = [sl.first_time(r.days, r[f"mf_r{k + 1}"], (">=", INCL)) for k in range(len(RINGS))]
            for k, a in enumerate(ts):
                arrivals[k].append(a)
            mono.append(all(ts[k] < ts[k + 1] for k in range(len(ts) - 1)))
        txt = "; ".join(f"{a}-{b} um: {sl.fmt(arrivals[k], 'd')}" for k, (a, b) in enumerate(RINGS))
        out.append(sl.Outcome("PD-3a", f"misfolded load (mean >= {INCL}) reaches rings farther "
                              "from the seed later, in every seed",
                              f"{txt}; outward in {sum(mono)}/{len(mono)} seeds", all(mono)))
        # PD-3b: neurons nearer the seed die first: ring loss at day 90
        # correlates negatively with the ring's distance
        rs, inner, outer = [], [], []
        for r in base:
            lv = [_ring_loss(r, k, 90) for k in range(len(RINGS))]
            rs.append(_pearson(RING_MID, lv))
            inner.append(100 * lv[0])
            outer.append(100 * lv[-1])
        m_r = sl.mean_sd(rs)[0]
        out.append(sl.Outcome("PD-3b", "loss at day 90 vs distance from the seed (4 rings): "
                              "Pearson r < 0, inner ring loses more than outer",
                              f"r = {sl.fmt(rs)}; 0-125 um {sl.fmt(inner, '%')}, "
                              f"375-500 um {sl.fmt(outer, '%')}",
                              m_r < 0 and sl.mean_sd(inner)[0] > sl.mean_sd(outer)[0]))
    graft = runs.get("nigra_graft", [])
    if graft:
        surv, week1 = [], []
        for r in graft:
            graft_at = r.params["graft_at"] / sl.DAY
            n0 = r["graft_surviving"][np.searchsorted(r.days, graft_at + 1e-9)]
            n0 = max(n0, 1.0)
            n7 = sl.value_at(r.days, r["graft_surviving"], graft_at + 7)
            n28 = sl.value_at(r.days, r["graft_surviving"], graft_at + 28)
            nend = r["graft_surviving"][-1]
            # injected count: graft_fraction = count / graft_count
            g = r["graft_surviving"] / np.where(r["graft_fraction"] > 0, r["graft_fraction"], np.nan)
            injected = float(np.nanmax(g)) if np.any(np.isfinite(g)) else n0
            surv.append(100 * n28 / injected)
            dead_total = injected - nend
            week1.append(100 * (injected - n7) / dead_total if dead_total > 0 else math.nan)
        out.append(sl.Outcome("PD-T1", "graft: 5-20 % of grafted cells survive (4 weeks after grafting)",
                              sl.fmt(surv, "%"), sl.within(sl.mean_sd(surv)[0], 5.0, 20.0)))
        out.append(sl.Outcome("PD-T2", "graft: most deaths in week 1 (> 50 % of all graft deaths "
                              "to day 180)", sl.fmt(week1, "%"), sl.mean_sd(week1)[0] > 50.0))
    gdnf = runs.get("nigra_gdnf", [])
    if gdnf and base:
        by_seed = {r.seed: r for r in base}
        red = []
        gdnf_at = gdnf[0].params["gdnf_at"] / sl.DAY

        def rate(s):
            n0 = sl.value_at(s.days, s["da_near"], gdnf_at)
            n1 = sl.value_at(s.days, s["da_near"], 180)
            return (n0 - n1) / n0 / (180 - gdnf_at)
        for r in gdnf:
            b = by_seed.get(r.seed)
            if b is None:
                continue
            rb = rate(b)
            red.append(100 * (1 - rate(r) / rb) if rb > 0 else math.nan)
        out.append(sl.Outcome("PD-T3", "GDNF lowers the neuron loss rate within 250 um of the "
                              f"source (days {gdnf_at:.0f}-180, vs nigra, same seed) by >= 30 %",
                              sl.fmt(red, "%"), sl.mean_sd(red)[0] >= 30.0))
    return out


def plot(runs, outcomes, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(2, 2, figsize=(10, 6))
    a = ax[0, 0]
    for v, rs in runs.items():
        t, m, s = sl.mean_curve(rs, "da_fraction")
        line = sl.plot_band(a, t / sl.DAY, 100 * (1 - m), 100 * s, v)
        if v == "nigra_graft":   # the graft does not change the host: same curve as nigra
            line.set_linestyle("--")
    sl.target_box(a, 0, 30, 0, 5, "PD-1 <= 5 %")
    sl.target_box(a, 90, 180, 10, 40, "PD-1 10-40 %")
    a.set_ylabel("DA neuron loss (%)")
    a.set_title("PD-1: loss of host DA neurons", fontsize=9)
    a.legend(fontsize=7)
    base = runs.get("nigra")
    if base:
        a = ax[0, 1]
        for k, (r0, r1) in enumerate(RINGS):
            t, m, s = sl.mean_curve(base, f"mf_r{k + 1}")
            sl.plot_band(a, t / sl.DAY, m, s, f"misfolded {r0}-{r1} um")
        a.axhline(INCL, color="grey", lw=0.5, ls="--")
        a.set_ylabel("mean misfolded fraction")
        a.set_title("PD-3: misfolded alpha-syn spreads outward (nigra)", fontsize=9)
        a.legend(fontsize=7)
        a = ax[1, 0]
        for k, (r0, r1) in enumerate(RINGS):
            ys = np.array([100 * (1 - np.interp(base[0].t, r.t, r[f"da_r{k + 1}"]) / r[f"da_r{k + 1}"][0])
                           for r in base])
            sl.plot_band(a, base[0].days, ys.mean(axis=0), ys.std(axis=0), f"loss {r0}-{r1} um")
        a.axvline(90, color="grey", lw=0.5, ls="--")
        a.set_ylabel("ring loss (%)")
        a.set_xlabel("days after seeding")
        a.set_title("PD-3: nearer the seed die first (nigra)", fontsize=9)
        a.legend(fontsize=7)
    a = ax[1, 1]
    if "nigra_graft" in runs:
        rs = runs["nigra_graft"]
        t, m, s = sl.mean_curve(rs, "graft_fraction")
        sl.plot_band(a, t / sl.DAY, 100 * m, 100 * s, "graft surviving (%)")
        sl.target_box(a, GRAFT_AT + 28, 180, 5, 20, "PD-T1 5-20 %")
    for v in ("nigra", "nigra_gdnf"):
        if v in runs:
            rs = runs[v]
            ys = np.array([100 * np.interp(rs[0].t, r.t, r["da_near"]) / r["da_near"][0] for r in rs])
            sl.plot_band(a, rs[0].days, ys.mean(axis=0), ys.std(axis=0), f"{v}: DA within 250 um (%)")
    a.set_ylabel("%")
    a.set_xlabel("days after seeding")
    a.set_title("PD therapy: graft survival; GDNF near the source", fontsize=9)
    a.legend(fontsize=7)
    fails = [o.id for o in outcomes if not o.passed]
    fig.suptitle(f"{TITLE} ({'all passed' if not fails else 'failed: ' + ', '.join(fails)})",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path, dpi=80)
    plt.close(fig)
