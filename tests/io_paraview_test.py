"""io_paraview_test.py: run.xmf opened in ParaView as a user would, with no
regensim code: File > Open's default reader (OpenDataFile, which picks
"Xdmf3 Reader S") and the legacy "XDMF Reader" both read every snapshot,
and every array equals what h5py reads from run.h5, for the io test's
sample (known values), for a real run of the tutorial model, and for a
run with moving, injected and removed cells (tests/models/cells_2d.yaml):
the cells are points beside the fields, as many as /cells/<k> holds (none
at a snapshot without cells), at its positions, with its type and radius. With
--render PNG it also renders a slice of the real run to PNG (under
xvfb-run: Debian's ParaView renders through GLX only). Run through
tests/with_tool.sh: without pvpython (or xvfb-run) it fails when CI is set
and is reported Skipped otherwise.

Usage: pvpython io_paraview_test.py TEST_IO REGENSIM SOURCE_DIR [--render PNG]"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from paraview import servermanager
from paraview.simple import OpenDataFile, XDMFReader
from vtk.numpy_interface import dataset_adapter as dsa
from vtk.util.numpy_support import vtk_to_numpy


def readers(path):
    """Both ways ParaView opens an .xmf: the default reader and the legacy one."""
    default = OpenDataFile(os.path.abspath(path))
    assert default is not None, "ParaView found no reader for " + path
    legacy = XDMFReader(FileNames=[os.path.abspath(path)])
    return [("default " + default.GetXMLName(), default), ("XDMFReader", legacy)]


def leaves(d):
    """The datasets of a reader's output (a composite one's leaves)."""
    if d is None:
        return []
    if not d.IsA("vtkCompositeDataSet"):
        return [d]
    out = []
    it = d.NewIterator()
    it.InitTraversal()
    while not it.IsDoneWithTraversal():
        out.append(it.GetCurrentDataObject())
        it.GoToNextItem()
    return out


def check_cells(label, k, f, pts):
    """Snapshot k's points against run.h5's /cells/k: count, positions,
    type and radius."""
    g = f["cells"][str(k)]
    n = int(g.attrs["count"])
    if n == 0:
        assert not pts, (label, k, "points at a snapshot without cells")
        return 0
    assert len(pts) == 1, (label, k, len(pts))
    p = pts[0]
    assert p.GetNumberOfPoints() == n, (label, k, p.GetNumberOfPoints(), n)
    xyz = vtk_to_numpy(p.GetPoints().GetData())
    assert np.array_equal(xyz, g["position"][()]), (label, k, "positions")
    for name in ("type", "radius"):
        arr = p.GetPointData().GetArray(name)
        assert arr is not None, (label, k, name)
        assert np.array_equal(vtk_to_numpy(arr), g[name][()]), (label, k, name)
    return n


def check(path, h5, dx):
    with h5py.File(h5, "r") as f:
        n = int(f.attrs["nsnapshots"])
        times = list(f["time"][:n])
        names = [k for k, d in f["fields"].items() if d.ndim == 4]
        data = {k: f["fields"][k][:n] for k in names}
        nz, ny, nx = data[names[0]].shape[1:]
        for label, r in readers(path):
            r.UpdatePipelineInformation()
            tv = r.TimestepValues
            got = list(tv) if n > 1 else [float(tv) if tv else 0.0]
            assert got == times, (label, got, times)
            cells = 0
            for k, t in enumerate(times):
                r.UpdatePipeline(t)
                parts = leaves(servermanager.Fetch(r))
                grids = [p for p in parts if p.IsA("vtkImageData")]
                pts = [p for p in parts if p.IsA("vtkUnstructuredGrid")]
                assert len(grids) == 1 and len(grids) + len(pts) == len(parts), (label, parts)
                obj = dsa.WrapDataObject(grids[0])
                assert obj.GetNumberOfPoints() == nx * ny * nz, (label, obj.GetNumberOfPoints())
                b = obj.GetBounds()
                want = (dx / 2, (nx - 0.5) * dx, dx / 2, (ny - 0.5) * dx, dx / 2, (nz - 0.5) * dx)
                assert all(abs(p - q) < 1e-9 for p, q in zip(b, want)), (label, b, want)
                for name in names:
                    arr = np.asarray(obj.PointData[name]).reshape(nz, ny, nx)
                    assert np.array_equal(arr, data[name][k]), (label, name, k)
                if "cells" in f:
                    cells += check_cells(label, k, f, pts)
                else:
                    assert not pts, (label, "points without /cells")
            print(f"io_paraview_test: {path}: {label}: {n} snapshots x {len(names)} fields"
                  f"{f' and {cells} cells' if 'cells' in f else ''} equal h5py")


def render(xmf, png):
    """The last snapshot's z = dx/2 plane (the whole of a 2D run), coloured by
    tnf with its own range, as File > Open, Apply, colour by tnf would."""
    from paraview.simple import (ColorBy, GetActiveViewOrCreate, Render, SaveScreenshot, Show)
    r = OpenDataFile(os.path.abspath(xmf))
    t = max(r.TimestepValues)
    r.UpdatePipeline(t)
    view = GetActiveViewOrCreate("RenderView")
    view.ViewTime = t
    disp = Show(r, view)
    disp.SetRepresentationType("Surface")
    ColorBy(disp, ("POINTS", "tnf"))
    disp.RescaleTransferFunctionToDataRange(True, False)
    view.ResetCamera()
    Render(view)
    SaveScreenshot(png, view, ImageResolution=[400, 300])
    # a coloured field, not an empty background (that PNG is ~1.6 kB)
    assert os.path.getsize(png) > 4000, os.path.getsize(png)
    print("io_paraview_test: rendered", png)


def main():
    test_io, cli, src = sys.argv[1], sys.argv[2], sys.argv[3]
    png = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--render" else None
    with tempfile.TemporaryDirectory(prefix="rs_io_pv_") as tmp:
        if png is None:
            subprocess.run([test_io, "--write-sample", tmp], check=True)
            for sub, dx in (("3d", 2.0), ("2d", 2.5)):
                d = os.path.join(tmp, sub)
                check(os.path.join(d, "run.xmf"), os.path.join(d, "run.h5"), dx)
        out = os.path.join(tmp, "run")
        model = os.path.join(src, "models", "tutorial", "cytokine_source.yaml")
        subprocess.run([cli, "run", model, "-o", out, "--quiet", "--set", "time.end=60",
                        "--set", "time.save_every=20"], check=True, stderr=subprocess.DEVNULL)
        if png is None:
            check(os.path.join(out, "run.xmf"), os.path.join(out, "run.h5"), 10.0)
            for precision in ("float64", "float32"):
                cells = os.path.join(tmp, "cells_" + precision)
                subprocess.run([cli, "run", os.path.join(src, "tests", "models", "cells_2d.yaml"),
                                "-o", cells, "--quiet", "--set", "output.precision=" + precision],
                               check=True, stderr=subprocess.DEVNULL)
                check(os.path.join(cells, "run.xmf"), os.path.join(cells, "run.h5"), 10.0)
        else:
            render(os.path.join(out, "run.xmf"), png)
    print("io_paraview_test: ok")


main()
