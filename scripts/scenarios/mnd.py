"""mnd: motor neuron disease (ALS, SOD1-G93A mouse) in a 2D lumbar ventral
horn section: models/mnd/ventral_horn*.yaml, docs/models/mnd.md.

Time axis: model day 0 = mouse age 50 d (AGE0); the runs end at model day
105 (age 155 d). Defined here and in the docs:
  onset      = age 95 d  (model day 45; SOD1-G93A onset ~90-100 d, science.md 3.1)
  end stage  = age 130 d (model day 80; end stage ~125-135 d)
  t50        = the first time at which 50 % of the motor neurons are lost,
               counted from model day 0 = the start of treatment (riluzole is
               given from day 0, like survival counted from enrolment).

Variants: base, riluzole (glutamate release -40 %), gdnf_graft (GDNF-
secreting progenitors grafted into the left horn at age 70 d), healthy (no
mutant SOD1, 10 days) and uptake_cut (no mutant SOD1, astrocytic glutamate
uptake cut by 60 %: astro_uptake = 0.4, 80 days), and uptake_cut50 / uptake_cut70
(the same at 0.5 and 0.3, 10 days, glutamate only).
"""

import numpy as np

import scenario_lib as sl

NAME = "mnd"
TITLE = "Motor neuron disease (ALS, SOD1-G93A ventral horn)"

VARIANTS = {
    "base": {"model": "models/mnd/ventral_horn.yaml"},
    "riluzole": {"model": "models/mnd/ventral_horn_riluzole.yaml"},
    "gdnf_graft": {"model": "models/mnd/ventral_horn_gdnf_graft.yaml"},
    # wild type (no mutant SOD1): glutamate only, 10 days (it is quasi-steady
    # within hours and nothing else changes in a healthy cord)
    "healthy": {"model": "models/mnd/ventral_horn.yaml",
                "set": ["sod1=0", "time.end=14400"]},
    "uptake_cut": {"model": "models/mnd/ventral_horn.yaml",
                   "set": ["sod1=0", "astro_uptake=0.4", "time.end=115200"]},
    # the two ends of the 50-70 % cut: glutamate only (10 days suffice: it is
    # quasi-steady within hours)
    "uptake_cut50": {"model": "models/mnd/ventral_horn.yaml",
                     "set": ["sod1=0", "astro_uptake=0.5", "time.end=14400"]},
    "uptake_cut70": {"model": "models/mnd/ventral_horn.yaml",
                     "set": ["sod1=0", "astro_uptake=0.3", "time.end=14400"]},
}

FULL = {"seeds": 5, "set": ["time.save_every=0"]}
# Same domain, cells, biology and parameters; 2 seeds instead of 5.
REDUCED = {"seeds": 2, "set": ["time.save_every=0"]}

AGE0 = 50.0          # mouse age (d) at model day 0
T_ONSET = 45.0       # model day of onset (age 95 d)
T_END = 80.0         # model day of end stage (age 130 d)
N_MN_HORN = 60       # motor neurons placed per horn (parameter n_mn_horn)
COLORS = {"base": "C0", "riluzole": "C1", "gdnf_graft": "C2", "uptake_cut": "C3",
          "healthy": "C4"}


def _loss_at(r, day):
    return 1.0 - sl.value_at(r.days, r["mn_fraction"], day)


def _in_loss_at(r, day):
    return 1.0 - sl.value_at(r.days, r["in_fraction"], day)


def _t50(r):
    return sl.first_time(r.days, r["mn_fraction"], ("<", 0.5))


def outcomes(runs):
    out = []
    base = runs.get("base", [])
    if base:
        onset = [_loss_at(r, T_ONSET) for r in base]
        m, _ = sl.mean_sd(onset)
        out.append(sl.Outcome("ALS-1a", "MN loss at onset (age 95 d) < 10 %",
                              sl.fmt([100 * v for v in onset], "%"), m < 0.10))
        end = [_loss_at(r, T_END) for r in base]
        m, _ = sl.mean_sd(end)
        out.append(sl.Outcome("ALS-1b", "MN loss at end stage (age 130 d) 40-60 %",
                              sl.fmt([100 * v for v in end], "%"), sl.within(m, 0.40, 0.60)))
        lead = []
        for r in base:
            tg = sl.first_time(r.days, r["glia_active"], (">=", 0.05))
            tl = sl.first_time(r.days, r["mn_fraction"], ("<", 0.95))
            lead.append(tl - tg)
        m, _ = sl.mean_sd(lead)
        ok = all(v > 0 for v in lead) and m > 0
        out.append(sl.Outcome(
            "ALS-1c", "glial activation (5 % of glia active) precedes MN loss (5 % lost): lead > 0 d in every seed",
            sl.fmt(lead, "d"), ok))
    healthy = runs.get("healthy", [])
    if healthy:
        gmax = [float(np.max(r["glutamate_ambient"])) for r in healthy]
        m, _ = sl.mean_sd(gmax)
        out.append(sl.Outcome("ALS-2a", "normal uptake (healthy): ambient glutamate <= 1 uM (maximum over the run)",
                              sl.fmt(gmax, "uM"), m <= 1.0 and max(gmax) <= 1.0))
    cut = runs.get("uptake_cut", [])
    for v, pct, sub in (("uptake_cut50", 50, "b1"), ("uptake_cut", 60, "b2"), ("uptake_cut70", 70, "b3")):
        if runs.get(v):
            glu = [float(np.mean(r["glutamate_ambient"][r.days >= 1.0])) for r in runs[v]]
            m, _ = sl.mean_sd(glu)
            out.append(sl.Outcome(
                f"ALS-2{sub}", f"uptake cut by {pct} % (astro_uptake = {1 - pct / 100:.1f}, no mutant SOD1): "
                "ambient glutamate 2-10 uM (mean from day 1)",
                sl.fmt(glu, "uM"), sl.within(m, 2.0, 10.0)))
    if cut:
        mn = [_loss_at(r, T_END) for r in cut]
        inn = [_in_loss_at(r, T_END) for r in cut]
        ratio = [a / max(b, 1e-9) for a, b in zip(mn, inn)]
        mm, _ = sl.mean_sd(mn)
        mi, _ = sl.mean_sd(inn)
        out.append(sl.Outcome(
            "ALS-2c", "uptake cut kills MNs preferentially: MN loss >= 10 % and >= 2 x interneuron loss (at day 80)",
            f"MN {sl.fmt([100 * v for v in mn], '%')}; IN {sl.fmt([100 * v for v in inn], '%')}; "
            f"ratio {sl.fmt(ratio)}",
            mm >= 0.10 and mm >= 2.0 * mi))
    ril = runs.get("riluzole", [])
    if base and ril:
        tb = {r.seed: _t50(r) for r in base}
        rr = [_t50(r) / tb[r.seed] for r in ril if r.seed in tb]
        m, _ = sl.mean_sd(rr)
        out.append(sl.Outcome("ALS-3a", "riluzole lengthens the time to 50 % MN loss by 10-25 % (t50 ratio 1.10-1.25)",
                              f"ratio {sl.fmt(rr)}; t50 base {sl.fmt([_t50(r) for r in base], 'd')}, "
                              f"riluzole {sl.fmt([_t50(r) for r in ril], 'd')}",
                              sl.within(m, 1.10, 1.25)))
        late = [sl.value_at(r.days, r["mn_fraction"], T_END)
                - sl.value_at(r.days, r["mn_fraction"], 105) for r in ril]
        endl = [1.0 - sl.value_at(r.days, r["mn_fraction"], 105) for r in ril]
        ml, _ = sl.mean_sd(late)
        me, _ = sl.mean_sd(endl)
        out.append(sl.Outcome(
            "ALS-3b", "riluzole does not halt loss: >= 50 % lost by day 105 and >= 5 % more lost after day 80",
            f"lost by day 105 {sl.fmt([100 * v for v in endl], '%')}; after day 80 {sl.fmt([100 * v for v in late], '%')}",
            me >= 0.5 and ml >= 0.05))
    gd = runs.get("gdnf_graft", [])
    if gd:
        ratio, contra = [], []
        for r in gd:
            left = sl.value_at(r.days, r["mn_left"], T_END)
            right = sl.value_at(r.days, r["mn_right"], T_END)
            ratio.append(left / max(right, 1e-9))
            contra.append(1.0 - right / r["mn_right"][0])
        m, _ = sl.mean_sd(ratio)
        out.append(sl.Outcome(
            "ALS-3c", "GDNF graft: ~2x surviving MNs on the grafted side vs the other at end stage (ratio 1.5-2.5; Suzuki 2007)",
            sl.fmt(ratio), sl.within(m, 1.5, 2.5)))
        if base:
            bright = [1.0 - sl.value_at(r.days, r["mn_right"], T_END) / r["mn_right"][0] for r in base]
            mc, _ = sl.mean_sd(contra)
            mb, _ = sl.mean_sd(bright)
            out.append(sl.Outcome(
                "ALS-3d", "GDNF acts locally: loss on the ungrafted side at end stage within 10 points of the base model's",
                f"graft {sl.fmt([100 * v for v in contra], '%')}; base {sl.fmt([100 * v for v in bright], '%')}",
                abs(mc - mb) <= 0.10))
    return out


def plot(runs, outcomes, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(2, 2, figsize=(10, 6), dpi=80)
    a = ax[0, 0]
    for v in ("base", "riluzole", "gdnf_graft", "uptake_cut"):
        if v in runs and runs[v]:
            t, m, s = sl.mean_curve(runs[v], "mn_fraction")
            sl.plot_band(a, t / sl.DAY + AGE0, m, s, v, COLORS[v])
    sl.target_box(a, AGE0, AGE0 + T_ONSET, 0.90, 1.0)
    sl.target_box(a, AGE0 + T_END - 1, AGE0 + T_END + 1, 0.40, 0.60)
    a.text(AGE0 + 1, 0.86, "< 10 % lost by onset (95 d)", fontsize=7, color="green")
    a.text(AGE0 + T_END + 2, 0.62, "40-60 % lost\nat end stage (130 d)", fontsize=7, color="green")
    a.axhline(0.5, color="grey", lw=0.5, ls=":")
    a.set_ylabel("motor neurons left (fraction)")
    a.legend(fontsize=7)
    a = ax[0, 1]
    for v in ("healthy", "base", "riluzole", "uptake_cut"):
        if v in runs and runs[v]:
            t, m, s = sl.mean_curve(runs[v], "glutamate_ambient")
            sl.plot_band(a, t / sl.DAY + AGE0, m, s, v, COLORS[v])
    end = AGE0 + 105
    sl.target_box(a, AGE0, end, 0.0, 1.0)
    sl.target_box(a, AGE0 + 1, end, 2.0, 10.0)
    a.text(AGE0 + 30, 0.75, "healthy <= 1 uM", fontsize=7, color="green")
    a.text(AGE0 + 30, 5.5, "uptake cut 50-70 %: 2-10 uM", fontsize=7, color="green")
    a.set_ylabel("ambient glutamate (uM)")
    a.set_ylim(0, 6)
    a.legend(fontsize=7)
    a = ax[1, 0]
    if runs.get("base"):
        for k, lab in (("glia_active", "glia active (base)"),
                       ("microglia_active_frac", "microglia active"),
                       ("astro_reactive_frac", "astrocytes reactive"),
                       ("mn_stressed", "MNs stressed")):
            t, m, s = sl.mean_curve(runs["base"], k)
            sl.plot_band(a, t / sl.DAY + AGE0, m, s, lab)
        t, m, s = sl.mean_curve(runs["base"], "mn_fraction")
        sl.plot_band(a, t / sl.DAY + AGE0, 1 - m, s, "MN loss (base)")
    a.axvline(70, color="green", lw=0.8, ls="--")
    a.text(56, 0.55, "astrocytosis first\nseen at 70 d\n(Feeney 2001)", fontsize=7, color="green")
    a.set_xlabel("mouse age (d)")
    a.set_ylabel("fraction")
    a.legend(fontsize=7)
    a = ax[1, 1]
    for v in ("base", "gdnf_graft"):
        if v in runs and runs[v]:
            for k, side in (("mn_left", "left"), ("mn_right", "right")):
                t, m, s = sl.mean_curve(runs[v], k)
                lab = f"{v} {side}" + (" (grafted)" if v == "gdnf_graft" and side == "left" else "")
                sl.plot_band(a, t / sl.DAY + AGE0, m / N_MN_HORN, s / N_MN_HORN, lab)
    a.axvline(70, color="grey", lw=0.5, ls=":")
    a.text(71, 0.3, "graft\n(70 d)", fontsize=7, color="grey")
    if runs.get("gdnf_graft"):
        right = np.mean([sl.value_at(r.days, r["mn_right"], T_END) for r in runs["gdnf_graft"]]) / N_MN_HORN
        sl.target_box(a, AGE0 + T_END - 1.5, AGE0 + T_END + 1.5, 1.5 * right, min(2.5 * right, 1.0))
        a.text(AGE0 + T_END - 30, min(2.5 * right, 1.0) + 0.02, "grafted side: 1.5-2.5 x the other side",
               fontsize=7, color="green")
    a.set_xlabel("mouse age (d)")
    a.set_ylabel("MNs left per horn (fraction)")
    a.legend(fontsize=7)
    failed = [o.id for o in outcomes if not o.passed]
    fig.suptitle(f"{TITLE}: " + ("all outcomes pass" if not failed else "failing: " + ", ".join(failed)),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)
