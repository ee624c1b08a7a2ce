"""scenarios: one module per disease scenario family (ms, pd, mnd), read by
scripts/validate.py through scripts/scenario_lib.py.

A family module defines:

  NAME     short name ("ms"), used in run directory names
  TITLE    one line for the report
  VARIANTS {variant: {"model": "models/ms/lesion.yaml", "set": [overrides],
            "seed0": 1, "seeds": N, "full_only": False}}; the first
            variant is the base scenario; "seeds" caps the seeds of a costly
            variant, "full_only" leaves it out of the reduced set-up
  FULL     {"seeds": 5, "set": [overrides for every variant]}: the full
           validation (scripts/validate.sh, docs/validation.md)
  REDUCED  {"seeds": 2, "set": [...], "variants": [...]}: the reduced
           set-up tests/scenarios runs in the suite (smaller domain, fewer
           seeds, same biology and parameters); optional "outcomes": ids
           checked there (default all)
  outcomes(runs) -> [scenario_lib.Outcome]
           runs = {variant: [Series, one per seed]}; every outcome the
           scenario issue sets, each with its target, measured mean +- sd
           and pass/fail
  plot(runs, outcomes, png_path)
           time courses (mean +- sd over seeds) with the target bands drawn
"""
