#!/usr/bin/python3
"""io_table_file_test.py WRITER: the table file of rs_io_table_file_write
(written by tests/table_file_writer) read with no regensim code: xarray
with the h5netcdf engine and, when netCDF4 is installed, the netCDF4
engine (dimension `run`, columns in the writer's order, a dotted name,
values, UTF-8 strings, units, root attributes), h5py (the dimension scale
attached) and pandas (via h5py); and the same with zero rows."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd
import xarray as xr

COLS = ["cell_types.opc.motility.speed", "seed", "family"]
SPEED = np.array([0.5, 1.0 / 3.0, -2.25, 1e-300])
SEED = np.array([1, -7, 2**63 - 1, -(2**63)], dtype=np.int64)
FAMILY = ["ms", "pd \u00e9", "", "mnd"]
ATTRS = {"design": "lhs \u00e9", "nruns": 4, "t_end": 1440.5,
         "parameters": ["cell_types.opc.motility.speed", "seed"], "none": []}


def engines():
    yield "h5netcdf"
    try:
        import netCDF4  # noqa: F401
    except ImportError:
        print("netCDF4 not installed: only the h5netcdf engine checked")
        return
    yield "netcdf4"


def as_list(v):
    return [str(x) for x in np.atleast_1d(v)] if not isinstance(v, str) else v


def check_xarray(path, n):
    for engine in engines():
        with xr.open_dataset(path, engine=engine) as ds:
            assert dict(ds.sizes) == {"run": n}, (engine, ds.sizes)
            assert list(ds.data_vars) == COLS, (engine, list(ds.data_vars))
            assert list(ds.coords) == ["run"], (engine, list(ds.coords))
            assert ds["run"].values.tolist() == list(range(n))
            for c in COLS:
                assert ds[c].dims == ("run",), (engine, c, ds[c].dims)
            speed = ds["cell_types.opc.motility.speed"]
            assert speed.dtype == np.float64 and speed.attrs["units"] == "um/min", engine
            assert np.array_equal(speed.values, SPEED[:n]), engine
            assert ds["seed"].dtype == np.int64, (engine, ds["seed"].dtype)
            assert np.array_equal(ds["seed"].values, SEED[:n]), engine
            assert [str(s) for s in ds["family"].values] == FAMILY[:n], engine
            assert "units" not in ds["seed"].attrs
            got = {k: (v if isinstance(v, str) else
                       as_list(v) if k in ("parameters", "none") else v.item())
                   for k, v in ds.attrs.items()}
            assert got == ATTRS, (engine, got)
            assert list(ds.attrs) == list(ATTRS), (engine, list(ds.attrs))
            assert isinstance(ds.attrs["design"], str), engine
            # Selection by the dotted name and by row, and a DataFrame.
            df = ds.to_dataframe()
            assert list(df.columns) == COLS and len(df) == n
            if n:
                assert ds.sel(run=2)["seed"].item() == SEED[2]
        print(f"xarray ({engine}): {n} rows OK")


def check_h5py(path, n):
    with h5py.File(path, "r") as f:
        # h5py lists members by name (xarray: in creation order, checked above)
        assert sorted(f) == sorted(["run"] + COLS), list(f)
        assert f["run"].attrs["CLASS"] == b"DIMENSION_SCALE"
        assert h5py.h5ds.is_scale(f["run"].id)
        assert f["run"].attrs["NAME"] == b"run"
        for c in COLS:
            assert f[c].shape == (n,)
            assert f[c].dims[0][0] == f["run"], c
        assert f["family"].dtype.metadata["vlen"] == str
        assert h5py.check_string_dtype(f["family"].dtype).encoding == "utf-8"
        df = pd.DataFrame({c: f[c].asstr()[()] if c == "family" else f[c][()] for c in COLS},
                          index=pd.Index(f["run"][()], name="run"))
        assert list(df.columns) == COLS and len(df) == n
        assert df["family"].tolist() == FAMILY[:n]
        assert np.array_equal(df["seed"].to_numpy(), SEED[:n])
        assert np.array_equal(df["cell_types.opc.motility.speed"].to_numpy(), SPEED[:n])
        assert f.attrs["design"] == ATTRS["design"]
        assert list(f.attrs["parameters"]) == ATTRS["parameters"]
        assert f.attrs["nruns"] == 4 and f.attrs["t_end"] == 1440.5
    print(f"h5py + pandas: {n} rows OK")


def main():
    writer = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        for args, n in (([], 4), (["--empty"], 0)):
            path = os.path.join(tmp, "sweep.h5")
            subprocess.run([writer, path, *args], check=True)
            assert not os.path.exists(path + ".tmp")
            check_xarray(path, n)
            check_h5py(path, n)
    print("io_table_file: OK")


if __name__ == "__main__":
    main()
