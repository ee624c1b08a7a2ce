#!/usr/bin/python3
"""cells_output_test.py REGENSIM SOURCE_DIR: a real run with cells
(tests/models/cells_2d.yaml: none at t = 0, astrocytes injected at 5,
microglia at 15 and removed at 45) read the way docs/output.md says, with
no regensim code: the documented /cells/<k> layout through h5py, and the
two pandas snippets of docs/output.md, taken from the document itself (the
```python blocks after the markers `<!-- tested: cells_one_snapshot` and
`<!-- tested: cells_tidy`) and run exactly as written with only OUT
replaced by the run's directory. Run with Debian's /usr/bin/python3 (h5py,
numpy, pandas)."""
import io
import contextlib
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd


def snippet(doc, name):
    """The ```python block that follows the marker of `name` in doc."""
    m = re.search(r"<!-- tested: " + re.escape(name) + r"\b[^>]*-->\s*```python\n(.*?)```",
                  doc, re.S)
    assert m, f"docs/output.md has no tested snippet {name}"
    return m.group(1)


def run_snippet(code, out):
    """Runs a documented snippet with OUT replaced; returns its variables
    and what it printed."""
    assert "OUT/run.h5" in code
    ns = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.replace("OUT/run.h5", os.path.join(out, "run.h5")), "<docs>", "exec"),
             ns)
    return ns, printed.getvalue()


def check_layout(path):
    """The documented layout, read with h5py; returns per snapshot the cells
    per type name."""
    expect = []
    with h5py.File(path, "r") as h:
        n = int(h.attrs["nsnapshots"])
        assert n == 7, n
        types = [s.decode() for s in h["cell_types"][()]]
        assert types == ["astrocyte", "microglia"], types
        assert sorted(h["cells"].keys(), key=int) == [str(k) for k in range(n)]
        for k in range(n):
            g = h["cells"][str(k)]
            c = int(g.attrs["count"])
            assert g.attrs["time"] == h["time"][k]
            assert sorted(g.keys()) == ["age", "id", "load", "phase", "position", "radius",
                                        "reactivity", "type"], sorted(g.keys())
            assert g["id"].dtype == np.uint64 and g["id"].shape == (c,)
            assert g["type"].dtype == np.int32 and g["phase"].dtype == np.int32
            assert g["position"].dtype == np.float64 and g["position"].shape == (c, 3)
            assert g["position"].attrs["units"] == "um" and g["age"].attrs["units"] == "min"
            assert (g["position"].compression == "gzip") == (c > 0), (k, g["position"].compression)
            t = g["type"][()]
            load = g["load"][()]
            # `load` is the microglia's only: NaN for astrocytes
            assert np.all(np.isnan(load[t == 0])) and np.all(load[t == 1] == 1.0)
            assert np.all(g["reactivity"][()][t == 0] == 0.5)
            assert np.all(g["position"][:, 2] == 0.0)  # 2D
            assert len(set(g["id"][()].tolist())) == c
            expect.append({name: int(np.sum(t == i)) for i, name in enumerate(types)})
    # none at 0; 6 astrocytes from 5; 40 microglia from 15 until removed at 45
    assert [e["astrocyte"] for e in expect] == [0, 6, 6, 6, 6, 6, 6], expect
    assert [e["microglia"] for e in expect] == [0, 0, 40, 40, 40, 0, 0], expect
    return expect


def main():
    cli, src = sys.argv[1], sys.argv[2]
    with open(os.path.join(src, "docs", "output.md"), encoding="utf-8") as f:
        doc = f.read()
    with tempfile.TemporaryDirectory(prefix="rs_cells_") as tmp:
        out = os.path.join(tmp, "OUT")
        subprocess.run([cli, "run", os.path.join(src, "tests", "models", "cells_2d.yaml"),
                        "-o", out, "--quiet"], check=True, stderr=subprocess.DEVNULL)
        expect = check_layout(os.path.join(out, "run.h5"))

        ns, printed = run_snippet(snippet(doc, "cells_one_snapshot"), out)
        df = ns["df"]
        assert isinstance(df, pd.DataFrame) and len(df) == 6, df
        assert list(df["type"].cat.categories) == ["astrocyte", "microglia"]
        assert (df["type"] == "astrocyte").all()
        assert df["load"].isna().all() and (df["reactivity"] == 0.5).all()
        assert df["id"].dtype == np.uint64
        with h5py.File(os.path.join(out, "run.h5"), "r") as h:
            last = h["cells/6"]
            assert np.array_equal(df[["x", "y", "z"]].to_numpy(), last["position"][()])
            assert np.array_equal(df["id"].to_numpy(), last["id"][()])
        assert printed.startswith("60.0 6 "), printed

        ns, _ = run_snippet(snippet(doc, "cells_tidy"), out)
        tidy, counts = ns["tidy"], ns["counts"]
        assert list(tidy.columns[:6]) == ["time", "id", "type", "x", "y", "z"], list(tidy.columns)
        assert set(tidy.columns[6:]) == {"age", "load", "phase", "radius", "reactivity"}
        assert len(tidy) == sum(sum(e.values()) for e in expect), len(tidy)
        assert tidy["time"].tolist() == sorted(tidy["time"].tolist())
        # per type over time, snapshots without cells included
        assert counts.index.tolist() == [0, 10, 20, 30, 40, 50, 60], counts.index.tolist()
        assert counts["astrocyte"].tolist() == [e["astrocyte"] for e in expect]
        assert counts["microglia"].tolist() == [e["microglia"] for e in expect]
        # a microglia followed by its id moves between snapshots (chemotaxis)
        mg = tidy[tidy["type"] == "microglia"]
        one = mg[mg["id"] == mg["id"].iloc[0]]
        assert len(one) == 3 and one["x"].nunique() == 3, one
        # the astrocytes are fixed
        ast = tidy[tidy["type"] == "astrocyte"].groupby("id")["x"].nunique()
        assert (ast == 1).all()
    print("cells_output_test: /cells as documented; both pandas snippets of docs/output.md "
          "give the cells' table")


if __name__ == "__main__":
    main()
