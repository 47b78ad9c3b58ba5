"""Load woundsim run folders and sweep folders as numpy arrays and pandas tables.

A run folder (``woundsim run``) holds timeseries.csv, summary.json, scenario.resolved.yaml and,
with snapshots, fields/FACTOR_tNNNNNmin.npy (shape nz, ny, nx, ng/mL) and, in skin,
tissue/MAP_tNNNNNmin.npy (collagen, vessel, myofibroblast; same shape); a sweep folder
(``woundsim sweep``) holds plan.json, runs.csv, summary.csv, effects.csv and runs/ID/ (each a run
folder). The layouts are described in the repository's DESIGN.md ("Run folder", "Sweep folder").
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import pandas as pd
import yaml

__all__ = ["load_run", "load_sweep", "Run", "Sweep", "Field"]
__version__ = "0.1.0"

# Units of the timeseries columns (DESIGN.md "Run folder").
_TIMESERIES_UNITS = {
    "time_h": "h", "wound_area_mm2": "mm^2", "closure_pct": "%", "collagen_in_wound": "fraction of intact dermis",
    "vessel_density_in_wound": "fraction of sites", "gap_closure_pct": "%", "gap_um": "um", "detached_ahead_pct": "%",
}
# Units of the tissue maps (DESIGN.md "Run folder").
_TISSUE_UNITS = {"collagen": "fraction of intact dermis", "vessel": "vessel site (1) or not (0)",
                 "myofibroblast": "myofibroblast present (1) or not (0)"}
_QUANTITY = re.compile(r"^\s*([-+0-9.eE]+)\s*(.*)$")


def _json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _number(text: str) -> float:
    """The number of a resolved value such as "20 um" (resolved scenarios use internal units)."""
    m = _QUANTITY.match(str(text))
    if not m:
        raise ValueError(f"not a number with a unit: {text!r}")
    return float(m.group(1))


@dataclass
class Field:
    """One factor's concentration (or one tissue map) at one time, with the coordinates of the
    site centres."""
    factor: str
    time_min: float
    values: np.ndarray  # shape (nz, ny, nx), in `unit`
    x_um: np.ndarray
    y_um: np.ndarray
    z_um: np.ndarray
    unit: str = "ng/mL"


class Run:
    """A woundsim run folder."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        if not os.path.isfile(os.path.join(self.path, "scenario.resolved.yaml")):
            raise FileNotFoundError(f"{self.path} is not a woundsim run folder (no scenario.resolved.yaml)")
        with open(os.path.join(self.path, "scenario.resolved.yaml"), encoding="utf-8") as f:
            self.scenario: dict = yaml.safe_load(f)
        lattice = self.scenario["lattice"]
        self.spacing_um: float = _number(lattice["spacing"])
        nx, ny = (int(v) for v in lattice["size"])
        self.shape = (len(lattice.get("layers", [0])), ny, nx)
        self.timeseries: pd.DataFrame = pd.read_csv(os.path.join(self.path, "timeseries.csv"))
        self.units: Dict[str, str] = {}
        for column in self.timeseries.columns:
            if column in _TIMESERIES_UNITS:
                self.units[column] = _TIMESERIES_UNITS[column]
            elif column.endswith("_mean_ngml"):
                self.units[column] = "ng/mL"
            else:
                self.units[column] = "cells"
        summary = os.path.join(self.path, "summary.json")
        self.summary: dict = _json(summary) if os.path.isfile(summary) else {}
        self.complete: bool = os.path.isfile(os.path.join(self.path, "manifest.json"))

    def __repr__(self) -> str:
        return f"Run({self.path!r}: {self.scenario.get('name')}, {len(self.timeseries)} rows, complete={self.complete})"

    @property
    def factors(self) -> List[str]:
        return list(self.scenario.get("factors", {}).keys())

    def field_times_min(self, factor: str) -> List[float]:
        """The snapshot times [min] of a factor's field, ascending."""
        return self._times("fields", factor)

    def field(self, factor: str, time_min: Optional[float] = None) -> Field:
        """A factor's field at a snapshot time [min] (the latest when None)."""
        if factor not in self.factors:
            raise KeyError(f"{factor!r} is not a factor of this run; its factors: {', '.join(self.factors)}")
        return self._load("fields", factor, time_min, "ng/mL")

    @property
    def tissue_maps(self) -> List[str]:
        """The tissue's maps this run wrote (collagen, vessel, myofibroblast; none in a dish)."""
        return [m for m in _TISSUE_UNITS if self._times("tissue", m)]

    def tissue(self, name: str, time_min: Optional[float] = None) -> Field:
        """A tissue map at a snapshot time [min] (the latest when None): collagen as a fraction of
        intact dermis, vessel 1 at a vessel site, myofibroblast 1 where one sits (else 0)."""
        if name not in _TISSUE_UNITS:
            raise KeyError(f"{name!r} is not a tissue map; the maps: {', '.join(_TISSUE_UNITS)}")
        return self._load("tissue", name, time_min, _TISSUE_UNITS[name])

    def _times(self, folder_name: str, name: str) -> List[float]:
        folder = os.path.join(self.path, folder_name)
        pattern = re.compile(rf"^{re.escape(name)}_t(\d+)min\.npy$")
        times = [int(m.group(1)) for m in (pattern.match(n) for n in (os.listdir(folder) if os.path.isdir(folder) else [])) if m]
        return [float(t) for t in sorted(times)]

    def _load(self, folder_name: str, name: str, time_min: Optional[float], unit: str) -> Field:
        times = self._times(folder_name, name)
        if not times:
            why = "time.snapshot_every was off" if folder_name == "fields" else "time.snapshot_every was off, or the run is in a dish"
            raise FileNotFoundError(f"{self.path} has no snapshots of {name} ({why})")
        t = times[-1] if time_min is None else min(times, key=lambda s: abs(s - time_min))
        if time_min is not None and abs(t - time_min) > 0.5:
            raise KeyError(f"no snapshot of {name} at {time_min} min; snapshots at {times}")
        values = np.load(os.path.join(self.path, folder_name, f"{name}_t{int(round(t)):05d}min.npy"))
        nz, ny, nx = values.shape
        h = self.spacing_um
        centres = lambda n: (np.arange(n) + 0.5) * h
        return Field(factor=name, time_min=t, values=values, x_um=centres(nx), y_um=centres(ny), z_um=centres(nz), unit=unit)


class Sweep:
    """A woundsim sweep folder."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        plan = os.path.join(self.path, "plan.json")
        if not os.path.isfile(plan):
            raise FileNotFoundError(f"{self.path} is not a woundsim sweep folder (no plan.json)")
        self.plan: dict = _json(plan)
        runs = os.path.join(self.path, "runs.csv")
        if not os.path.isfile(runs):
            raise FileNotFoundError(f"{self.path} has no runs.csv yet: run `woundsim sweep merge {self.path}`")
        self.runs: pd.DataFrame = pd.read_csv(runs, dtype={"run_id": str})
        # What each point is for: "control", "design" (a plain design point), or the Sobol
        # ("A", "B", "ABi") and Morris ("start", "step") roles.
        roles = {p["index"]: p["role"] or "design" for p in self.plan["points"]}
        self.runs.insert(1, "role", self.runs["point"].map(roles))
        self.summary: pd.DataFrame = pd.read_csv(os.path.join(self.path, "summary.csv"))
        effects = os.path.join(self.path, "effects.csv")
        self.effects: Optional[pd.DataFrame] = pd.read_csv(effects) if os.path.isfile(effects) else None
        self.metrics: List[str] = list(self.plan["metrics"])
        self.parameters: List[str] = [p["key"] + (f" [{p['unit']}]" if p["unit"] else "") for p in self.plan["parameters"]]

    def __repr__(self) -> str:
        return f"Sweep({self.path!r}: {self.plan['sweep']}, {len(self.runs)} runs, metrics {self.metrics})"

    def run(self, run_id: str) -> Run:
        """One run's folder."""
        return Run(os.path.join(self.path, "runs", run_id))


def load_run(path: str) -> Run:
    """Opens a run folder."""
    return Run(path)


def load_sweep(path: str) -> Sweep:
    """Opens a sweep folder (after its runs are done and merged)."""
    return Sweep(path)
