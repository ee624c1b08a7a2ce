#!/usr/bin/python3
"""xarray_run_test.py REGENSIM SOURCE_DIR: a real run's output opened the way
users open it, with no regensim code: xarray (Debian's 2023.01) with both
engines, h5netcdf and netcdf4, opens /fields with indexed time/z/y/x
coordinates carrying units, and exactly

    ds.tnf.sel(time=60, method="nearest").plot()

draws a PNG; /timeseries opens the same way and plots against time.
Run with Debian's /usr/bin/python3 (xarray, h5netcdf, netCDF4, matplotlib)."""
import os
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402


def main():
    cli, src = sys.argv[1], sys.argv[2]
    model = os.path.join(src, "models", "tutorial", "cytokine_source.yaml")
    with tempfile.TemporaryDirectory(prefix="rs_xarray_") as tmp:
        out = os.path.join(tmp, "out")
        subprocess.run([cli, "run", model, "-o", out, "--quiet", "--set", "time.end=120",
                        "--set", "time.save_every=30"], check=True)
        path = os.path.join(out, "run.h5")
        for engine in ("h5netcdf", "netcdf4"):
            with xr.open_dataset(path, group="fields", engine=engine) as ds:
                assert ds.tnf.dims == ("time", "z", "y", "x"), ds.tnf.dims
                for c in ("time", "z", "y", "x"):
                    assert c in ds.indexes, f"{engine}: no index for {c}: {list(ds.indexes)}"
                assert ds["time"].attrs["units"] == "min"
                assert ds["x"].attrs["units"] == "um"
                assert np.array_equal(ds["time"].values, [0, 30, 60, 90, 120]), ds["time"].values
                frame = ds.tnf.sel(time=60, method="nearest")
                assert float(frame["time"]) == 60.0
                frame.plot()
                png = os.path.join(tmp, f"tnf_{engine}.png")
                plt.savefig(png)
                plt.close("all")
                assert os.path.getsize(png) > 5000, f"{png}: {os.path.getsize(png)} bytes"
                # a montage over time as well
                ds.tnf.isel(z=0).plot(col="time")
                plt.savefig(os.path.join(tmp, f"montage_{engine}.png"))
                plt.close("all")
            with xr.open_dataset(path, group="timeseries", engine=engine) as ts:
                assert "time" in ts.indexes
                assert ts["time"].attrs["units"] == "min"
                assert ts.tnf_mean.attrs["units"] == "ng/mL", ts.tnf_mean.attrs
                assert "units" not in ts.tnf_near_cluster.attrs
                ts.tnf_total.plot()
                plt.savefig(os.path.join(tmp, f"series_{engine}.png"))
                plt.close("all")
    print("xarray_run_test: both engines open a run's fields with coordinates and plot them")


if __name__ == "__main__":
    main()
