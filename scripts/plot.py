#!/usr/bin/python3
"""plot.py: PNGs of a regensim run's output (OUT/run.h5).

usage: plot.py OUT/run.h5 [--snapshots all|last|I,J,...] [--fields A,B,...]
               [--per-frame] [--no-cells] [-o DIR]

Writes, into DIR (default: OUT/plots/), one PNG per field and chosen
snapshot (the 2D field, or the mid-plane z slice of a 3D one, with a colour
bar as tall as the image, axes in um and the time in min and days), a
montage per field of the chosen snapshots side by side, and one PNG per
metric against time (its units on the axis). A run with cells has them
drawn over every field frame (circles of their radius, coloured by type;
in 3D those within a cell radius plus half a voxel of the plane shown;
--no-cells leaves them out), cells_NNNN.png frames of the cells alone when
no field is drawn, and cells_count.png: the cells of each type against
time. All frames of a field share
one colour scale (the range over the chosen snapshots), so they compare at
a glance; --per-frame gives each its own. A field that is constant shows
its one value, not a made-up range. Prints the files written. Needs Debian's python3-h5py,
python3-numpy and python3-matplotlib. Exits 2 on a missing file, a file
that is not regensim output or a bad option; docs/running.md shows it in
use and docs/output.md describes the file.
"""
import argparse
import os
import re
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

try:
    import h5py
    import numpy as np
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover - depends on the machine
    sys.exit(f"plot.py: {e}; install python3-h5py python3-numpy python3-matplotlib "
             "(scripts/install-deps.sh does)")


def fail(msg):
    print(f"plot.py: {msg}", file=sys.stderr)
    sys.exit(2)


def text(v):
    """An HDF5 string attribute as str (h5py gives bytes or str)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return text(v[()])
    return str(v)


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "unnamed"


def when(t):
    """A time in min as "t = 90 min (0.0625 d)"."""
    return f"t = {t:g} min ({t / 1440.0:.3g} d)"


def snapshot_count(f):
    """Snapshots that are complete: the length of /time, clipped to the
    snapshot counter when the writer keeps one (a run killed mid-write may
    have extended the datasets before counting the snapshot)."""
    n = f["time"].shape[0] if "time" in f else 0
    for key in ("nsnapshots", "snapshots", "snapshot_count"):
        for obj in (f, f["fields"] if "fields" in f else None):
            if obj is not None and key in obj.attrs:
                try:
                    n = min(n, int(np.asarray(obj.attrs[key]).reshape(-1)[0]))
                except (TypeError, ValueError):
                    pass
    return n


def choose(spec, n):
    """Snapshot indices from --snapshots (all | last | I,J,... with negative
    indices counting from the end)."""
    if n == 0:
        return []
    if spec == "all":
        return list(range(n))
    if spec == "last":
        return [n - 1]
    out = []
    for part in spec.split(","):
        try:
            i = int(part)
        except ValueError:
            fail(f"--snapshots {spec}: expected all, last or indices such as 0,3,-1")
        if not -n <= i < n:
            fail(f"--snapshots {spec}: snapshot {i} does not exist; the file has {n} "
                 f"(0 to {n - 1})")
        out.append(i % n)
    return sorted(set(out))


def axis(f, name, count, dx):
    """Voxel centres (um) from the /x, /y scales, or from dx."""
    if name in f and f[name].shape == (count,):
        return f[name][()]
    return (np.arange(count) + 0.5) * dx


def plane(f, name, k):
    """Snapshot k of a field: the 2D field, or the mid-plane z slice."""
    ds = f["fields"][name]
    if ds.ndim != 4:
        fail(f"/fields/{name} has {ds.ndim} dimensions; expected [time, z, y, x]")
    return ds[k, ds.shape[1] // 2, :, :]


def colour_range(planes):
    """(lo, hi) over the given planes' finite values; hi == lo for a
    constant field (then shown as its one value), (0, 0) for none."""
    lo, hi = np.inf, -np.inf
    for p in planes:
        v = p[np.isfinite(p)]
        if v.size:
            lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
    return (lo, hi) if lo <= hi else (0.0, 0.0)


def draw(fig, ax, f, name, data, rng, title, cells=None, names=()):
    """One frame: the plane, a colour bar as tall as the image (an axis of
    its own beside it), axes in um; the cells over it when given."""
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    ds = f["fields"][name]
    nz, ny, nx = ds.shape[1:]
    units = text(ds.attrs.get("units", ""))
    dx = float(np.asarray(f.attrs.get("dx", 1.0)).reshape(-1)[0]) if "dx" in f.attrs else 1.0
    x = axis(f, "x", nx, dx)
    y = axis(f, "y", ny, dx)
    hx = (x[1] - x[0]) / 2 if nx > 1 else 0.5
    hy = (y[1] - y[0]) / 2 if ny > 1 else 0.5
    lo, hi = rng
    constant = not hi > lo
    im = ax.imshow(data, origin="lower", cmap="viridis", interpolation="nearest",
                   extent=(x[0] - hx, x[-1] + hx, y[0] - hy, y[-1] + hy),
                   vmin=lo - 1 if constant else lo, vmax=hi + 1 if constant else hi)
    cax = make_axes_locatable(ax).append_axes("right", size="5%", pad=0.08)
    bar = fig.colorbar(im, cax=cax)
    if constant:  # its one value, not the made-up [lo - 1, hi + 1]
        bar.set_ticks([lo])
        bar.set_ticklabels([f"{lo:g} (constant)"])
    bar.set_label(f"{name} ({units})" if units else name)
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    ax.set_title(title, fontsize=9)
    if cells is not None:
        draw_cells(ax, cells, names)
        ax.set_xlim(x[0] - hx, x[-1] + hx)
        ax.set_ylim(y[0] - hy, y[-1] + hy)


# ---- cells ------------------------------------------------------------------

def cell_type_names(f):
    """/cell_types as a list of str."""
    if "cell_types" not in f:
        return []
    return [text(v) for v in f["cell_types"][()]]


def cells_at(f, k):
    """Snapshot k's cells (type, x, y, z, radius, phase arrays), or None for
    a run without /cells. Only counted snapshots are asked for."""
    if "cells" not in f or str(k) not in f["cells"]:
        return None
    g = f["cells"][str(k)]
    pos = g["position"][()].reshape(-1, 3)
    out = {"type": g["type"][()], "x": pos[:, 0], "y": pos[:, 1], "z": pos[:, 2],
           "radius": g["radius"][()]}
    out["phase"] = g["phase"][()] if "phase" in g else np.zeros(len(pos), dtype=np.int32)
    return out


def in_slab(cells, zc, half):
    """The cells within their radius plus `half` of the plane z = zc (a 3D
    slice); all of them when zc is None (2D)."""
    if cells is None or zc is None:
        return cells
    keep = np.abs(cells["z"] - zc) <= cells["radius"] + half
    return {k: v[keep] for k, v in cells.items()}


def type_colour(i):
    return plt.get_cmap("tab10")(int(i) % 10)


def draw_cells(ax, cells, names):
    """Circles of the cells' radii (um, in data units) at their positions,
    filled with their type's colour (dead ones hollow), and a legend of the
    types present with their counts."""
    from matplotlib.collections import EllipseCollection
    from matplotlib.lines import Line2D
    if cells is None or len(cells["x"]) == 0:
        return
    t = cells["type"]
    colours = [type_colour(i) for i in t]
    dead = cells["phase"] != 0
    faces = [(0, 0, 0, 0) if d else c for c, d in zip(colours, dead)]
    d = 2 * cells["radius"]
    ax.add_collection(EllipseCollection(d, d, np.zeros(len(d)), units="xy",
                                        offsets=np.column_stack([cells["x"], cells["y"]]),
                                        transOffset=ax.transData, facecolors=faces,
                                        edgecolors=colours if dead.any() else "black",
                                        linewidths=0.4, alpha=0.9, zorder=3))
    present = sorted(set(int(i) for i in t))
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=type_colour(i),
                      markeredgecolor="black", markersize=6,
                      label=f"{names[i] if 0 <= i < len(names) else f'type {i}'} "
                            f"({int(np.sum(t == i))})")
               for i in present]
    ax.legend(handles=handles, loc="upper right", fontsize=7, framealpha=0.7)


def grid_dx(f):
    return float(np.asarray(f.attrs.get("dx", 1.0)).reshape(-1)[0]) if "dx" in f.attrs else 1.0


def plane_z(f, name):
    """The z (um) of the plane plane() shows, or None in 2D."""
    nz = f["fields"][name].shape[1]
    if nz <= 1:
        return None
    return float(axis(f, "z", nz, grid_dx(f))[nz // 2])


def frame_cells(f, name, k, show):
    """The cells to draw over field `name` at snapshot k (None: none)."""
    if not show:
        return None
    return in_slab(cells_at(f, k), plane_z(f, name), grid_dx(f) / 2)


def cells_note(f, name, cells):
    """What a frame's title says of the cells drawn."""
    if cells is None:
        return ""
    zc = plane_z(f, name)
    slab = f" within a radius + {grid_dx(f) / 2:g} um of the plane" if zc is not None else ""
    return f"; {len(cells['x'])} cells{slab}"


def plot_cells_only(f, k, t, names, outdir):
    """Snapshot k's cells over the domain, for a run with no field drawn."""
    dx = grid_dx(f)
    nx = f["x"].shape[0] if "x" in f else 1
    ny = f["y"].shape[0] if "y" in f else 1
    cells = cells_at(f, k)
    fig, ax = plt.subplots(figsize=(6.4, 5.4), dpi=110)
    ax.set_xlim(0, nx * dx)
    ax.set_ylim(0, ny * dx)
    ax.set_aspect("equal")
    draw_cells(ax, cells, names)
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    ax.set_title(f"{len(cells['x']) if cells else 0} cells, {when(t)}", fontsize=9)
    fig.tight_layout()
    path = os.path.join(outdir, f"cells_{k:04d}.png")
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def cell_counts(f, n):
    """Per counted snapshot, the cells of each type: an [n, ntypes] array."""
    counts = np.zeros((n, max(len(cell_type_names(f)), 1)), dtype=np.int64)
    for k in range(n):
        c = cells_at(f, k)
        if c is not None and len(c["type"]):
            got = np.bincount(c["type"], minlength=counts.shape[1])
            counts[k] = got[:counts.shape[1]]
    return counts


def plot_cell_counts(f, n, times, outdir):
    """The cells of each type, and all of them, against time (every counted
    snapshot)."""
    names = cell_type_names(f) or ["cells"]
    counts = cell_counts(f, n)
    t = np.asarray(times[:n], dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for i, name in enumerate(names):
        ax.plot(t, counts[:, i], marker="." if n < 60 else None, color=type_colour(i),
                label=name)
    ax.plot(t, counts.sum(axis=1), color="black", linestyle="--", linewidth=1, label="all")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("cells")
    end = t[-1] if n else 0.0
    ax.set_title(f"cells per type, 0 to {end:g} min ({end / 1440.0:.3g} d)", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    if n and end > 0:
        top = ax.secondary_xaxis("top", functions=(lambda m: m / 1440.0, lambda d: d * 1440.0))
        top.set_xlabel("time (days)")
    fig.tight_layout()
    path = os.path.join(outdir, "cells_count.png")
    fig.savefig(path)
    plt.close(fig)
    return path


def where(f, name):
    ds = f["fields"][name]
    nz = ds.shape[1]
    if nz <= 1:
        return ""
    dx = float(np.asarray(f.attrs.get("dx", 1.0)).reshape(-1)[0]) if "dx" in f.attrs else 1.0
    return f", mid-plane z = {axis(f, 'z', nz, dx)[nz // 2]:g} um"


def plot_field(f, name, k, t, rng, outdir, show_cells=True):
    data = plane(f, name, k)
    fig, ax = plt.subplots(figsize=(6.4, 5.4), dpi=110)
    units = text(f["fields"][name].attrs.get("units", ""))
    cells = frame_cells(f, name, k, show_cells)
    draw(fig, ax, f, name, data, rng or colour_range([data]),
         f"{name}" + (f" ({units})" if units else "") + f", {when(t)}{where(f, name)}"
         f"{cells_note(f, name, cells)}", cells, cell_type_names(f))
    fig.tight_layout()
    path = os.path.join(outdir, f"{safe_name(name)}_{k:04d}.png")
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_montage(f, name, ks, times, rng, outdir, show_cells=True):
    """The chosen snapshots of one field side by side (at most 4 a row)."""
    cols = min(4, len(ks))
    rows = (len(ks) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.2 * rows), dpi=100,
                             squeeze=False)
    for i, k in enumerate(ks):
        data = plane(f, name, k)
        draw(fig, axes[i // cols][i % cols], f, name, data, rng or colour_range([data]),
             when(float(times[k])), frame_cells(f, name, k, show_cells), cell_type_names(f))
    for j in range(len(ks), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(f"{name}{where(f, name)}", fontsize=10)
    fig.tight_layout()
    path = os.path.join(outdir, f"{safe_name(name)}_montage.png")
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_series(ts, name, outdir):
    t = ts["time"][()]
    v = ts[name][()]
    n = min(len(t), len(v))
    if "nrows" in ts.attrs:  # rows the writer has counted as complete
        n = min(n, int(np.asarray(ts.attrs["nrows"]).reshape(-1)[0]))
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ax.plot(t[:n], v[:n], marker="." if n < 60 else None)
    ax.set_xlabel("time (min)")
    units = text(ts[name].attrs.get("units", ""))
    ax.set_ylabel(f"{name} ({units})" if units else name)
    end = t[n - 1] if n else 0.0
    ax.set_title(f"{name}, 0 to {end:g} min ({end / 1440.0:.3g} d)", fontsize=10)
    ax.grid(True, alpha=0.3)
    if n and end > 0:
        top = ax.secondary_xaxis("top", functions=(lambda m: m / 1440.0, lambda d: d * 1440.0))
        top.set_xlabel("time (days)")
    fig.tight_layout()
    path = os.path.join(outdir, f"metric_{safe_name(name)}.png")
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv):
    p = argparse.ArgumentParser(
        prog="plot.py",
        description="PNGs of every field at chosen snapshots and of every metric "
                    "of a regensim run (OUT/run.h5).")
    p.add_argument("file", help="a run's output file, OUT/run.h5")
    p.add_argument("--snapshots", default="all",
                   help="all (default), last, or indices such as 0,3,-1")
    p.add_argument("--fields", metavar="A,B,...",
                   help="only these fields (default: all)")
    p.add_argument("--per-frame", action="store_true",
                   help="a colour scale per frame (default: one per field, over the "
                        "chosen snapshots)")
    p.add_argument("--no-cells", action="store_true",
                   help="do not draw the cells over the fields")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="where the PNGs go (default: OUT/plots/)")
    a = p.parse_args(argv)

    if not os.path.exists(a.file):
        fail(f"{a.file}: no such file (give a run's output, e.g. out/tutorial/run.h5)")
    if os.path.isdir(a.file):
        cand = os.path.join(a.file, "run.h5")
        if not os.path.isfile(cand):
            fail(f"{a.file} is a directory without run.h5")
        a.file = cand
    try:
        # A running `regensim run` holds run.h5 open for writing, and HDF5's
        # file lock would refuse us; the snapshot counter tells what is
        # complete, so read without the lock.
        f = h5py.File(a.file, "r", locking=False)
    except TypeError:  # an h5py without the locking option
        f = None
    except OSError as e:
        fail(f"{a.file}: not an HDF5 file, or not readable ({e})")
    if f is None:
        try:
            f = h5py.File(a.file, "r")
        except OSError as e:
            fail(f"{a.file}: not an HDF5 file, or not readable ({e}); if a run is "
                 "still writing it, try again when it has finished")
    with f:
        fmt = text(f.attrs["format"]) if "format" in f.attrs else None
        if fmt != "regensim-output":
            fail(f"{a.file}: not a regensim output file (its root attribute format is "
                 f"{fmt!r}; expected 'regensim-output')")
        outdir = a.output or os.path.join(os.path.dirname(os.path.abspath(a.file)), "plots")
        os.makedirs(outdir, exist_ok=True)
        written = []
        n = snapshot_count(f)
        times = f["time"][()] if "time" in f else np.zeros(0)
        # the fields, not /fields' own dimension scales (time, z, y, x)
        fields = ([k for k, d in f["fields"].items() if isinstance(d, h5py.Dataset) and d.ndim == 4]
                  if "fields" in f else [])
        if a.fields:
            want = [w for w in a.fields.split(",") if w]
            unknown = [w for w in want if w not in fields]
            if unknown:
                fail(f"--fields: no field {', '.join(unknown)} in {a.file}; it has "
                     f"{', '.join(fields) or 'none'}")
            fields = want
        chosen = choose(a.snapshots, n)
        for name in fields:
            rng = None if a.per_frame else colour_range(plane(f, name, k) for k in chosen)
            for k in chosen:
                written.append(plot_field(f, name, k, float(times[k]), rng, outdir,
                                          not a.no_cells))
            if len(chosen) > 1:
                written.append(plot_montage(f, name, chosen, times, rng, outdir,
                                            not a.no_cells))
        if "cells" in f and n > 0:
            if not fields and not a.no_cells:
                for k in chosen:
                    written.append(plot_cells_only(f, k, float(times[k]), cell_type_names(f),
                                                   outdir))
            written.append(plot_cell_counts(f, n, times, outdir))
        if "timeseries" in f and "time" in f["timeseries"]:
            ts = f["timeseries"]
            for name in ts.keys():
                if name != "time" and isinstance(ts[name], h5py.Dataset):
                    written.append(plot_series(ts, name, outdir))
    for w in written:
        print(w)
    if not written:
        print(f"plot.py: {a.file} holds no snapshots or metrics yet; nothing to plot",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
