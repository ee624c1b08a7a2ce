#!/usr/bin/python3
"""variants_test.py REPO: a scenario variant changes only parameters,
initial conditions or interventions of its base model (issue 11), so that
the names sweeps and scripts rely on (parameters, cell types, substrates,
metrics) mean the same in every variant. For each family (models/<family>/)
every other model file is compared with the base: the same substrates, cell
types, metrics, solver and time; every parameter of the base present; a 3D
variant (name ending in _3d) may change the domain too. Copies drift: this
catches a variant left behind when its base changes. Sweep files in a
family's folder (a top-level `sweep` key) are not variants and are skipped.
"""
import os
import sys

import yaml

BASES = {"ms": "lesion.yaml", "pd": "nigra.yaml", "mnd": "ventral_horn.yaml"}
SAME = ("regensim", "solver", "solver_options", "output", "substrates", "cell_types", "metrics")


def main(repo):
    fails, checked = [], 0
    for family, base_name in BASES.items():
        d = os.path.join(repo, "models", family)
        with open(os.path.join(d, base_name)) as f:
            base = yaml.safe_load(f)
        for name in sorted(os.listdir(d)):
            if not name.endswith(".yaml") or name == base_name:
                continue
            with open(os.path.join(d, name)) as f:
                v = yaml.safe_load(f)
            if "sweep" in v:  # a sweep file over the family's models
                continue
            checked += 1
            where = f"models/{family}/{name}"
            keys = set(SAME) | {"time"}
            if not name.endswith("_3d.yaml"):
                keys.add("domain")
            for k in sorted(keys):
                if base.get(k) != v.get(k):
                    fails.append(f"{where}: '{k}' differs from models/{family}/{base_name}")
            missing = set(base.get("parameters", {})) - set(v.get("parameters", {}))
            if missing:
                fails.append(f"{where}: parameters of the base missing: {sorted(missing)}")
            extra = set(v) - set(base) - {"interventions", "initial"}
            if extra:
                fails.append(f"{where}: top-level keys the base does not have: {sorted(extra)}")
    for f in fails:
        print("FAIL:", f, file=sys.stderr)
    if checked < 8:
        print(f"FAIL: only {checked} variants found", file=sys.stderr)
        return 1
    print(f"variants_test: {checked} variants checked against their base", file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
