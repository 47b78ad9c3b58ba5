#!/usr/bin/env python3
"""Checks a woundsim run folder the way a researcher would open it: every .npy with numpy,
every .vti/.vtp with the vtk package (what ParaView is built on), the CSV and JSON files, and the
manifest's SHA-256 of every file. Exits 1 on the first problem. Usage: check_outputs.py RUN_DIR"""
import csv, glob, hashlib, json, os, sys

import numpy as np
import vtk
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

rows = list(csv.DictReader(open(os.path.join(run, "timeseries.csv"))))
for col in ["time_h", "wound_area_mm2", "closure_pct", "keratinocytes", "fibroblasts", "myofibroblasts", "endothelial",
            "keratinocytes_in_wound", "fibroblasts_in_wound", "endothelial_in_wound", "collagen_in_wound",
            "EGF_mean_ngml", "bFGF_mean_ngml", "VEGF_mean_ngml", "HGF_mean_ngml"]:
    if col not in rows[0]:
        fail(f"timeseries.csv lacks the column {col}")
summary = json.load(open(os.path.join(run, "summary.json")))
for key in ["closure_time_h", "closure_pct_final", "migration_onset_h", "final_counts", "profile", "wall_time_s"]:
    if key not in summary:
        fail(f"summary.json lacks {key}")

npys = sorted(glob.glob(os.path.join(run, "fields", "*.npy")))
vtis = sorted(glob.glob(os.path.join(run, "vtk", "*.vti")))
vtps = sorted(glob.glob(os.path.join(run, "vtk", "*.vtp")))
pngs = sorted(glob.glob(os.path.join(run, "frames", "*.png")))
if not (npys and vtis and vtps and pngs):
    fail("snapshots missing (fields/*.npy, vtk/*.vti, vtk/*.vtp, frames/*.png)")
for path in npys:
    a = np.load(path)
    if a.ndim != 3 or not np.all(np.isfinite(a)) or a.min() < 0:
        fail(f"{path}: shape {a.shape}, finite {np.all(np.isfinite(a))}, min {a.min()}")
for path in vtis:
    r = vtk.vtkXMLImageDataReader(); r.SetFileName(path); r.Update()
    img = r.GetOutput()
    stamp = os.path.basename(path).split("_", 1)[1].replace(".vti", "")
    for i in range(img.GetCellData().GetNumberOfArrays()):
        name = img.GetCellData().GetArrayName(i)
        values = vtk_to_numpy(img.GetCellData().GetArray(name))
        twin = np.load(os.path.join(run, "fields", f"{name.replace('_ngml', '')}_{stamp}.npy")).ravel()
        if values.shape != twin.shape or np.abs(values - twin).max() > 0:
            fail(f"{path}: {name} differs from its .npy")
for path in vtps:
    r = vtk.vtkXMLPolyDataReader(); r.SetFileName(path); r.Update()
    poly = r.GetOutput()
    cells_csv = path.replace(os.path.join("vtk", "cells_"), os.path.join("cells", "cells_")).replace(".vtp", ".csv")
    n = sum(1 for _ in open(cells_csv)) - 1
    if poly.GetNumberOfPoints() != n or poly.GetNumberOfVerts() != n:
        fail(f"{path}: {poly.GetNumberOfPoints()} points for {n} cells")
for path in pngs:
    if open(path, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
print(f"check_outputs: {len(npys)} .npy, {len(vtis)} .vti, {len(vtps)} .vtp, {len(pngs)} .png, "
      f"{len(manifest['sha256'])} checksums and {len(rows)} timeseries rows are fine")
