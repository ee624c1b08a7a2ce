#!/usr/bin/python3
"""validate.py: runs disease scenario families over seeds and checks the
outcomes each must reproduce (issue 11; docs/validation.md).

  /usr/bin/python3 scripts/validate.py ms pd mnd --cli build/release/regensim
      [--reduced] [--seeds N] [--jobs J] [--work DIR] [--report FILE.md]
      [--images DIR] [--variants a,b]

--reduced runs each family's reduced set-up (smaller domain, fewer seeds,
same biology; what tests/scenarios runs); the default is the full one
(what scripts/validate.sh runs for the report). Prints a table per family;
with --report writes the markdown report, with --images a plot per family.
Exit 0 if every outcome passed, 1 if one failed, 2 on a failed run or bad
arguments.
"""

import argparse
import importlib
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenario_lib as sl  # noqa: E402

FAMILIES = ("ms", "pd", "mnd")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("families", nargs="+", choices=FAMILIES)
    ap.add_argument("--cli", default=os.path.join(sl.repo_root(), "build/release/regensim"))
    ap.add_argument("--reduced", action="store_true")
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", help="directory for the runs (default: a temporary one, removed)")
    ap.add_argument("--report", help="write the markdown report here")
    ap.add_argument("--images", help="write a plot per family here (PNG)")
    ap.add_argument("--variants", help="comma-separated subset of variants")
    a = ap.parse_args(argv)
    if a.seeds is not None and a.seeds < 1:
        print(f"validate.py: --seeds {a.seeds}: expected at least 1", file=sys.stderr)
        return 2
    if not os.access(a.cli, os.X_OK) or os.path.isdir(a.cli):
        print(f"validate.py: {a.cli}: no regensim executable there", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="regensim-validate-") as tmp:
        return validate(a, a.work or os.path.join(tmp, "runs"), os.path.join(tmp, "images"))


def validate(a, work, staged):
    """Runs and checks the families; the plots are staged and moved into
    --images only once every run has succeeded, with the report, so a
    failed validation leaves the committed report and its images in step."""
    os.makedirs(work, exist_ok=True)
    sections, all_pass, pngs = [], True, []
    for name in a.families:
        fam = importlib.import_module(f"scenarios.{name}")
        if a.variants:
            unknown = [v for v in a.variants.split(",") if v not in fam.VARIANTS]
            if unknown:
                print(f"validate.py: {name}: no variant {', '.join(unknown)} "
                      f"(it has {', '.join(fam.VARIANTS)})", file=sys.stderr)
                return 2
        print(f"== {name}: {fam.TITLE} ({'reduced' if a.reduced else 'full'}) ==", flush=True)
        try:
            runs = sl.run_family(fam, a.cli, work, reduced=a.reduced, seeds=a.seeds,
                                 jobs=a.jobs,
                                 variants=a.variants.split(",") if a.variants else None,
                                 log=lambda s: print(s, flush=True))
        except RuntimeError as e:
            print(f"validate.py: a run failed:\n{e}", file=sys.stderr)
            return 2
        empty = [v for v, rs in runs.items() if not rs]
        outs = fam.outcomes(runs)
        if empty or not outs:
            print(f"validate.py: {name}: nothing measured (variants without runs: "
                  f"{', '.join(empty) or 'none'})", file=sys.stderr)
            return 2
        if a.reduced and fam.REDUCED.get("outcomes"):
            keep = set(fam.REDUCED["outcomes"])
            missing = keep - {o.id for o in outs}
            if missing:
                print(f"validate.py: {name}: outcomes {sorted(missing)} not measured",
                      file=sys.stderr)
                return 2
            outs = [o for o in outs if o.id in keep]
        table = sl.markdown_table(outs)
        print(table, flush=True)
        ok = all(o.passed for o in outs)
        all_pass &= ok
        walls = {v: sl.mean_sd([r.wall for r in rs]) for v, rs in runs.items()}
        png = None
        if a.images:
            os.makedirs(staged, exist_ok=True)
            fam.plot(runs, outs, os.path.join(staged, f"validation_{name}.png"))
            png = os.path.join(a.images, f"validation_{name}.png")
            pngs.append(png)
        sections.append((fam, table, walls, png))
    for png in pngs:
        os.makedirs(a.images, exist_ok=True)
        shutil.move(os.path.join(staged, os.path.basename(png)), png)
    if a.report:
        write_report(a, sections)
    return 0 if all_pass else 1


def provenance():
    """One line: when, from which commit, on what machine this ran."""
    import datetime
    import platform
    import subprocess
    try:
        rev = subprocess.run(["git", "-C", sl.repo_root(), "describe", "--always", "--dirty"],
                             capture_output=True, text=True).stdout.strip() or "unknown"
    except OSError:
        rev = "unknown"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"Run {when} at git {rev} on {platform.machine()} Linux, "
            f"{os.cpu_count()} CPUs (load average {load:.1f} at the end)")


def write_report(a, sections):
    lines = ["# Validation of the disease scenarios", "",
             "Written by `scripts/validate.sh` (scripts/validate.py"
             f"{' --reduced' if a.reduced else ''}); do not edit by hand. Each outcome is "
             "the target the scenario issue sets (docs/models/), measured as mean +- "
             "sample sd over seeds and checked on the mean. Times are days, run times "
             f"seconds of one run on one thread, {a.jobs} runs at a time. "
             + provenance() + ".", ""]
    for fam, table, walls, png in sections:
        lines += [f"## {fam.TITLE}", "", table, ""]
        lines += ["Run time per run (s, mean +- sd over seeds, one thread): " +
                  ", ".join(f"{v} {m:.0f} +- {s:.0f}" for v, (m, s) in walls.items()), ""]
        if png:
            rel = os.path.relpath(png, os.path.dirname(os.path.abspath(a.report)))
            lines += [f"![{fam.NAME} time courses with the target bands]({rel})", ""]
    with open(a.report + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(a.report + ".tmp", a.report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
