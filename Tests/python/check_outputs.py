#!/usr/bin/env python3
"""Checks a woundsim run folder the way a researcher would open it: every .npy with numpy,
every .vti/.vtp with the vtk package (what ParaView is built on), the CSV and JSON files, and the
manifest's SHA-256 of every file. The expected values are computed here from the run's own
scenario (scenario.resolved.yaml, read with PyYAML): the lattice shape and spacing, the wound's
sites from its shape and size, the initial cell count from the densities, the initial fields, and
the position of every cell from its lattice coordinates. No file is checked against another
file written by the same encoder. Exits 1 on the first problem. Usage: check_outputs.py RUN_DIR"""
import csv, glob, hashlib, json, math, os, sys

import numpy as np
import vtk
import yaml
from vtk.util.numpy_support import vtk_to_numpy

run = sys.argv[1]
fail = lambda msg: sys.exit(f"check_outputs: {msg}")

manifest = json.load(open(os.path.join(run, "manifest.json")))
for rel, digest in manifest["sha256"].items():
    if hashlib.sha256(open(os.path.join(run, rel), "rb").read()).hexdigest() != digest:
        fail(f"{rel}: checksum differs from manifest.json")
for key in ["woundsim_version", "git_revision", "command", "threads", "wall_time_s"]:
    if key not in manifest:
        fail(f"manifest.json lacks {key}")

# The scenario, in the internal units the resolved file is written in (um, min, ng/mL).
scenario = yaml.safe_load(open(os.path.join(run, "scenario.resolved.yaml")))
def number(text, unit):
    value, u = str(text).split(" ", 1)
    if u != unit:
        fail(f"scenario.resolved.yaml: {text!r} is not in {unit}")
    return float(value)
nx, ny = scenario["lattice"]["size"]
h = number(scenario["lattice"]["spacing"], "um")
layers = scenario["lattice"]["layers"]
# A dermis with depth (lattice.dermis_layers) is that many lattice layers, bottom first.
dermis_layers = int(scenario["lattice"].get("dermis_layers", 1))
compartments = [c for l in layers for c in [l] * (dermis_layers if l == "dermis" else 1)]
nz = len(compartments)
factors = list(scenario["factors"])

# The wound's sites in the x-y plane, from its shape (DESIGN.md: a site is in the wound when its
# centre is inside the shape; the centre is given as fractions of the lattice extent).
wound = scenario["wound"]
cx, cy = wound["center"][0] * nx * h, wound["center"][1] * ny * h
xs = (np.arange(nx) + 0.5) * h
ys = (np.arange(ny) + 0.5) * h
X, Y = np.meshgrid(xs, ys)  # shape (ny, nx)
if wound["shape"] == "scratch":
    in_wound = np.abs(X - cx) <= number(wound["width"], "um") / 2
elif wound["shape"] == "circle":
    in_wound = np.hypot(X - cx, Y - cy) <= number(wound["diameter"], "um") / 2
else:
    in_wound = (np.abs(X - cx) <= number(wound["width"], "um") / 2) & (np.abs(Y - cy) <= number(wound["height"], "um") / 2)
wound_sites = int(in_wound.sum())


def wound_in_dermis(k):
    """The wound's sites in dermis layer k: where the wound's depth covers the layer's site centres,
    within the outline at that depth (a bowl narrows as a half-ellipsoid)."""
    if dermis_layers == 1:
        return in_wound
    top = max(i for i, c in enumerate(compartments) if c == "dermis")
    below = (top - k) * h + h / 2
    depth = number(wound["depth"], "um") if "depth" in wound else dermis_layers * h
    if below > depth:
        return np.zeros_like(in_wound)
    if wound.get("profile", "cylinder") == "bowl":
        radius = number(wound["diameter"], "um") / 2 * math.sqrt(1 - (below / depth) ** 2)
        return np.hypot(X - cx, Y - cy) <= radius
    return in_wound

rows = list(csv.DictReader(open(os.path.join(run, "timeseries.csv"))))
for col in ["time_h", "wound_area_mm2", "closure_pct", "keratinocytes", "fibroblasts", "myofibroblasts", "endothelial",
            "keratinocytes_in_wound", "fibroblasts_in_wound", "endothelial_in_wound", "collagen_in_wound",
            "vessel_density_in_wound"] + [f"{f}_mean_ngml" for f in factors] + [f"{f}_interval_mean_ngml" for f in factors]:
    if col not in rows[0]:
        fail(f"timeseries.csv lacks the column {col}")
first = rows[0]
for f in factors:
    # At t = 0 there is no interval: the interval mean is the value at t = 0.
    if first[f"{f}_interval_mean_ngml"] != first[f"{f}_mean_ngml"]:
        fail(f"{f}: interval mean {first[f'{f}_interval_mean_ngml']} at t = 0 differs from the mean {first[f'{f}_mean_ngml']}")
    if any(float(r[f"{f}_interval_mean_ngml"]) < 0 for r in rows):
        fail(f"{f}: a negative interval mean")
if float(first["time_h"]) != 0 or float(first["closure_pct"]) != 0:
    fail(f"the first row is at {first['time_h']} h with closure {first['closure_pct']} %, expected 0 and 0")
expected_area = wound_sites * h * h / 1e6
if abs(float(first["wound_area_mm2"]) - expected_area) > 1e-9 * max(1, expected_area):
    fail(f"initial open wound area {first['wound_area_mm2']} mm^2, but the scenario's wound covers {expected_area} mm^2")
times = [float(r["time_h"]) for r in rows]
step_h = number(scenario["time"]["output_every"], "min") / 60
if any(abs(b - a - step_h) > 1e-9 for a, b in zip(times, times[1:])) or abs(times[-1] - number(scenario["time"]["duration"], "min") / 60) > 1e-9:
    fail(f"timeseries times {times} do not step by output_every ({step_h} h) to the duration")

# Keratinocytes at density 1 fill every epidermis site outside the wound at t = 0.
kerat = scenario["cells"].get("keratinocyte", {})
if "epidermis" in layers and float(kerat.get("density", 0)) == 1:
    expected = nx * ny - wound_sites
    if int(first["keratinocytes"]) != expected:
        fail(f"{first['keratinocytes']} keratinocytes at t = 0, but {expected} epidermis sites lie outside the wound")

summary = json.load(open(os.path.join(run, "summary.json")))
for key in ["closure_time_h", "closure_pct_final", "migration_onset_h", "final_counts", "profile", "wall_time_s"]:
    if key not in summary:
        fail(f"summary.json lacks {key}")
if abs(summary["closure_pct_final"] - float(rows[-1]["closure_pct"])) > 1e-9:
    fail("summary.json's final closure differs from the timeseries' last row")

npys = sorted(glob.glob(os.path.join(run, "fields", "*.npy")))
vtis = sorted(glob.glob(os.path.join(run, "vtk", "*.vti")))
vtps = sorted(glob.glob(os.path.join(run, "vtk", "*.vtp")))
pngs = sorted(glob.glob(os.path.join(run, "frames", "*.png")))
if not (npys and vtis and vtps and pngs):
    fail("snapshots missing (fields/*.npy, vtk/*.vti, vtk/*.vtp, frames/*.png)")
for path in npys:
    a = np.load(path)
    if a.shape != (nz, ny, nx) or a.dtype != np.float32 or not np.all(np.isfinite(a)) or a.min() < 0:
        fail(f"{path}: shape {a.shape} (expected {(nz, ny, nx)}), {a.dtype}, finite {np.all(np.isfinite(a))}, min {a.min()}")
# At t = 0 every field holds its initial value (the first dose enters during the first step),
# except a quasi-steady factor (oxygen), which is solved at set-up: supplied by the vessels
# alone, it lies above 0 and at most at the blood's level, and is highest at a vessel site.
def quasi_steady(f):
    return "quasi_steady" in scenario["factors"][f]


def check_steady_start(f, values, where):
    blood = np.float32(number(scenario["factors"][f]["quasi_steady"]["blood"], "ng/mL"))
    if not (values.min() > 0 and values.max() <= blood * (1 + 1e-6)):
        fail(f"{where}: {f} at t = 0 ranges {values.min()}-{values.max()} ng/mL, outside (0, blood {blood}]")


for f in factors:
    a = np.load(os.path.join(run, "fields", f"{f}_t00000min.npy"))
    if quasi_steady(f):
        check_steady_start(f, a, "fields")
        vessel = os.path.join(run, "tissue", "vessel_t00000min.npy")
        if os.path.exists(vessel) and np.load(vessel).max() > 0 and a[np.load(vessel) > 0].max() != a.max():
            fail(f"{f} at t = 0 is highest away from every vessel site")
        continue
    initial = np.float32(number(scenario["factors"][f]["initial"], "ng/mL"))
    if not np.all(a == initial):
        fail(f"{f} at t = 0 ranges {a.min()}-{a.max()} ng/mL, but the scenario's initial value is {initial}")
# In skin, the tissue's maps (DESIGN.md "Run folder"); a dish has none.
in_skin = "culture" not in scenario
tissue_maps = ["collagen", "vessel", "myofibroblast"] if in_skin else []
tissue_npys = sorted(glob.glob(os.path.join(run, "tissue", "*.npy")))
if bool(tissue_npys) != in_skin:
    fail(f"{len(tissue_npys)} tissue maps in tissue/, but the run is {'in skin' if in_skin else 'in a dish'}")
stamps = sorted(os.path.basename(p)[len(factors[0]) + 1:] for p in glob.glob(os.path.join(run, "fields", f"{factors[0]}_t*.npy")))
for name in tissue_maps:
    for stamp in stamps:
        a = np.load(os.path.join(run, "tissue", f"{name}_{stamp}"))
        if a.shape != (nz, ny, nx) or a.dtype != np.float32 or a.min() < 0 or a.max() > 1:
            fail(f"tissue/{name}_{stamp}: shape {a.shape}, {a.dtype}, range {a.min()}-{a.max()}")
        if name != "collagen" and not np.all((a == 0) | (a == 1)):
            fail(f"tissue/{name}_{stamp}: values other than 0 and 1")
        if not os.path.isfile(os.path.join(run, "frames", f"{name}_{stamp[:-4]}.png")):
            fail(f"frames/{name}_{stamp[:-4]}.png is missing")
if in_skin and "dermis" in layers:
    dermis = [k for k, c in enumerate(compartments) if c == "dermis"]
    # At t = 0: intact dermis holds all its collagen and the wound none, at every depth; vessels
    # run in lines every vessels.spacing through intact dermis (a site on a line when i or j mod
    # `every` is every / 2, as WorldBuild.swift lays them) in the dermis's bottom and top layers
    # (one layer when the dermis is one), none in the wound or in another layer.
    collagen = np.load(os.path.join(run, "tissue", "collagen_t00000min.npy"))
    expected = np.zeros((nz, ny, nx), dtype=np.float32)
    for k in dermis:
        expected[k][~wound_in_dermis(k)] = 1
    if not np.array_equal(collagen, expected):
        fail("tissue/collagen_t00000min.npy: not 1 in intact dermis and 0 elsewhere")
    vessel = np.load(os.path.join(run, "tissue", "vessel_t00000min.npy"))
    spacing = number(scenario["vessels"]["spacing"], "um") if "vessels" in scenario else 0
    expected = np.zeros((nz, ny, nx), dtype=np.float32)
    if spacing > 0:
        every = max(1, int(math.floor(spacing / h + 0.5)))
        I, J = np.meshgrid(np.arange(nx), np.arange(ny))
        for k in sorted({dermis[0], dermis[-1]}):
            expected[k][((I % every == every // 2) | (J % every == every // 2)) & ~wound_in_dermis(k)] = 1
    if not np.array_equal(vessel, expected):
        fail(f"tissue/vessel_t00000min.npy: {int(vessel.sum())} vessel sites, expected {int(expected.sum())} on lines every {spacing} um")
    # Myofibroblasts: one per site where cells/*.csv has a myofibroblast.
    for stamp in stamps:
        myo = np.load(os.path.join(run, "tissue", f"myofibroblast_{stamp}"))
        expected = np.zeros((nz, ny, nx), dtype=np.float32)
        for c in csv.DictReader(open(os.path.join(run, "cells", f"cells_{stamp[:-4]}.csv"))):
            if c["myofibroblast"] == "1":
                expected[int(c["layer"]), int(c["y"]), int(c["x"])] = 1
        if not np.array_equal(myo, expected):
            fail(f"tissue/myofibroblast_{stamp}: {int(myo.sum())} sites, but the cells file has {int(expected.sum())} myofibroblasts")
for path in vtis:
    r = vtk.vtkXMLImageDataReader(); r.SetFileName(path); r.Update()
    img = r.GetOutput()
    if img.GetDimensions() != (nx + 1, ny + 1, nz + 1) or any(abs(s - h) > 1e-9 for s in img.GetSpacing()):
        fail(f"{path}: dimensions {img.GetDimensions()}, spacing {img.GetSpacing()}; the scenario has {nx} x {ny} x {nz} sites of {h} um")
    names = [img.GetCellData().GetArrayName(i) for i in range(img.GetCellData().GetNumberOfArrays())]
    if names != [f"{f}_ngml" for f in factors] + tissue_maps:
        fail(f"{path}: arrays {names}, expected one per factor {factors}, then the tissue maps {tissue_maps}")
    for name in names:
        values = vtk_to_numpy(img.GetCellData().GetArray(name))
        if values.shape != (nx * ny * nz,) or not np.all(np.isfinite(values)) or values.min() < 0:
            fail(f"{path}: {name} has shape {values.shape} and range {values.min()}-{values.max()}")
    if "t00000min" in path:
        for f in factors:
            values = vtk_to_numpy(img.GetCellData().GetArray(f"{f}_ngml"))
            if quasi_steady(f):
                check_steady_start(f, values, path)
                continue
            if not np.all(values == np.float32(number(scenario["factors"][f]["initial"], "ng/mL"))):
                fail(f"{path}: {f} at t = 0 is not the scenario's initial value")
for path in vtps:
    r = vtk.vtkXMLPolyDataReader(); r.SetFileName(path); r.Update()
    poly = r.GetOutput()
    cells_csv = path.replace(os.path.join("vtk", "cells_"), os.path.join("cells", "cells_")).replace(".vtp", ".csv")
    cells = list(csv.DictReader(open(cells_csv)))
    n = len(cells)
    if poly.GetNumberOfPoints() != n or poly.GetNumberOfVerts() != n:
        fail(f"{path}: {poly.GetNumberOfPoints()} points for {n} cells")
    points = vtk_to_numpy(poly.GetPoints().GetData())
    expected = np.array([[(int(c["x"]) + 0.5) * h, (int(c["y"]) + 0.5) * h, (int(c["layer"]) + 0.5) * h] for c in cells], dtype=np.float32)
    if n and np.abs(points - expected).max() > 1e-3:
        fail(f"{path}: cell positions are not the centres of their sites (spacing {h} um)")
    for c in cells:
        i, j, k = int(c["x"]), int(c["y"]), int(c["layer"])
        if not (0 <= i < nx and 0 <= j < ny and 0 <= k < nz):
            fail(f"{cells_csv}: cell {c['id']} at ({i}, {j}, {k}) is off the {nx} x {ny} x {nz} lattice")
    if "t00000min" in path:
        # (Under a wound that does not reach the dermis's base, intact dermis keeps its cells.)
        def wound_at(k):
            return wound_in_dermis(k) if compartments[k] == "dermis" else in_wound
        inside = sum(1 for c in cells if wound_at(int(c["layer"]))[int(c["y"]), int(c["x"])])
        if inside:
            fail(f"{cells_csv}: {inside} cells inside the wound at t = 0")
        if len(cells) != int(first["keratinocytes"]) + int(first["fibroblasts"]) + int(first["myofibroblasts"]) + int(first["endothelial"]):
            fail(f"{cells_csv}: {len(cells)} cells, but the timeseries counts a different number at t = 0")
for path in pngs:
    if open(path, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
print(f"check_outputs: {len(npys)} .npy, {len(vtis)} .vti, {len(vtps)} .vtp, {len(pngs)} .png, "
      f"{len(manifest['sha256'])} checksums and {len(rows)} timeseries rows agree with the scenario "
      f"({nx} x {ny} x {nz} sites of {h:g} um, {wound_sites} wound sites per layer)")
