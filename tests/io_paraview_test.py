"""io_paraview_test.py: opens run.xmf with ParaView's legacy XDMF reader
(pvpython, no display needed) and checks times, arrays, value ranges and
bounds of every snapshot. Run through tests/with_tool.sh: without pvpython
it fails when CI is set (scripts/install-deps.sh installs ParaView) and is
reported Skipped otherwise.

Usage: pvpython io_paraview_test.py TEST_IO_BINARY"""
import os
import subprocess
import sys
import tempfile

from paraview.simple import XDMFReader


def check(path, nx, ny, nz, dx, nsnap):
    r = XDMFReader(FileNames=[os.path.abspath(path)])
    r.UpdatePipelineInformation()
    times = list(r.TimestepValues) if nsnap > 1 else [float(r.TimestepValues)]
    assert times == [10.0 * k for k in range(nsnap)], times
    n = nx * ny * nz
    for k, t in enumerate(times):
        r.UpdatePipeline(t)
        info = r.GetDataInformation()
        assert info.GetNumberOfPoints() == n, info.GetNumberOfPoints()
        b = info.GetBounds()
        want = (dx / 2, (nx - 0.5) * dx, dx / 2, (ny - 0.5) * dx, dx / 2, (nz - 0.5) * dx)
        assert all(abs(p - q) < 1e-9 for p, q in zip(b, want)), (b, want)
        for f, name in enumerate(("glucose", "oxygen")):
            lo, hi = r.PointData[name].GetRange()
            base = 1000.0 * k + 100.0 * f
            assert (lo, hi) == (base, base + 0.25 * (n - 1)), (name, k, lo, hi)


def main():
    with tempfile.TemporaryDirectory(prefix="rs_io_pv_") as tmp:
        subprocess.run([sys.argv[1], "--write-sample", tmp], check=True)
        check(os.path.join(tmp, "3d", "run.xmf"), 6, 5, 4, 2.0, 3)
        check(os.path.join(tmp, "2d", "run.xmf"), 8, 6, 1, 2.5, 2)
    print("io_paraview_test: ok")


main()
