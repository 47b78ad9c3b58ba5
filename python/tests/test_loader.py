"""Tests of the Python loader against folders the built woundsim writes (a short scratch assay
with snapshots, and a small sweep with a control arm). Expected values are computed here from
the scenario, not read back from another woundsim output."""
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import woundsim

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("WOUNDSIM_BIN", os.path.join(ROOT, ".build", "release", "woundsim"))

SWEEP = """sweep: python-test
description: two doses and a control, two seeds
base: scratch-assay
set:
  time.duration: "12 h"
  time.snapshot_every: ~
  time.checkpoint_every: ~
control: { secretome.profile: control }
parameters:
  secretome.dose: [1, 10]
design: grid
seeds: [1, 2]
metrics: [closure_pct_final, {closure_pct_at: "6 h"}, closure_time_h]
"""


class LoaderTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest(f"no woundsim binary at {BIN}: build it first (make build)")
        cls.tmp = tempfile.mkdtemp(prefix="woundsim-python-")
        cls.run_dir = os.path.join(cls.tmp, "run")
        subprocess.run([BIN, "run", "scratch-assay", "--quiet", "--days", "0.25", "--set", 'time.snapshot_every="3 h"',
                        "--out", cls.run_dir], check=True)
        cls.skin_dir = os.path.join(cls.tmp, "skin")
        subprocess.run([BIN, "run", "excisional-wound-control", "--quiet", "--days", "1", "--set", "lattice.size=[60, 50]",
                        "--set", 'wound.diameter="0.6 mm"', "--set", 'time.snapshot_every="12 h"', "--out", cls.skin_dir], check=True)
        sweep_file = os.path.join(cls.tmp, "sweep.yaml")
        with open(sweep_file, "w") as f:
            f.write(SWEEP)
        cls.sweep_dir = os.path.join(cls.tmp, "sweep")
        subprocess.run([BIN, "sweep", sweep_file, "--out", cls.sweep_dir, "--quiet", "--jobs", "2"], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_run_timeseries_and_summary(self):
        run = woundsim.load_run(self.run_dir)
        self.assertTrue(run.complete)
        ts = run.timeseries
        self.assertEqual(list(ts["time_h"])[0], 0)
        self.assertAlmostEqual(list(ts["time_h"])[-1], 6.0)
        self.assertEqual(run.units["closure_pct"], "%")
        self.assertEqual(run.units["EGF_mean_ngml"], "ng/mL")
        self.assertTrue(((ts["closure_pct"] >= 0) & (ts["closure_pct"] <= 100)).all())
        self.assertAlmostEqual(run.summary["simulated_h"], 6.0)

    def test_fields_have_the_lattice_shape_and_coordinates(self):
        run = woundsim.load_run(self.run_dir)
        nx, ny = run.scenario["lattice"]["size"]
        self.assertEqual(run.factors, ["EGF", "bFGF", "VEGF", "HGF"])
        self.assertEqual(run.field_times_min("EGF"), [0.0, 180.0, 360.0])
        field = run.field("EGF", time_min=0)
        self.assertEqual(field.values.shape, (len(run.scenario["lattice"]["layers"]), ny, nx))
        # Site centres at (i + 1/2) h, h from the scenario.
        h = float(run.scenario["lattice"]["spacing"].split()[0])
        self.assertAlmostEqual(field.x_um[0], h / 2)
        self.assertAlmostEqual(field.x_um[-1], (nx - 0.5) * h)
        # At t = 0 every site holds the factor's initial concentration.
        initial = float(run.scenario["factors"]["EGF"]["initial"].split()[0])
        self.assertTrue(np.all(field.values == initial))
        latest = run.field("EGF")
        self.assertEqual(latest.time_min, 360.0)
        self.assertTrue(np.isfinite(latest.values).all() and (latest.values >= 0).all())
        with self.assertRaises(KeyError):
            run.field("TGFb")

    def test_tissue_maps_in_skin_and_none_in_a_dish(self):
        self.assertEqual(woundsim.load_run(self.run_dir).tissue_maps, [])
        run = woundsim.load_run(self.skin_dir)
        self.assertEqual(run.tissue_maps, ["collagen", "vessel", "myofibroblast"])
        nx, ny = run.scenario["lattice"]["size"]
        layers = run.scenario["lattice"]["layers"]
        collagen = run.tissue("collagen", time_min=0)
        self.assertEqual(collagen.values.shape, (len(layers), ny, nx))
        self.assertEqual(collagen.unit, "fraction of intact dermis")
        # At t = 0 the wound's 0.6 mm disc in the dermis holds no collagen, intact dermis all of
        # it, and the epidermis none.
        h = float(run.scenario["lattice"]["spacing"].split()[0])
        x, y = np.meshgrid((np.arange(nx) + 0.5) * h, (np.arange(ny) + 0.5) * h)
        in_wound = np.hypot(x - nx * h / 2, y - ny * h / 2) <= 300
        dermis = collagen.values[layers.index("dermis")]
        self.assertTrue(np.all(dermis[in_wound] == 0) and np.all(dermis[~in_wound] == 1))
        self.assertTrue(np.all(collagen.values[layers.index("epidermis")] == 0))
        self.assertEqual(run.tissue("myofibroblast").time_min, 1440.0)
        with self.assertRaises(KeyError):
            run.tissue("oxygen")
        with self.assertRaises(FileNotFoundError):
            woundsim.load_run(self.run_dir).tissue("collagen")

    def test_sweep_long_table(self):
        sweep = woundsim.load_sweep(self.sweep_dir)
        runs = sweep.runs
        # 2 doses x 2 seeds, plus one control arm per dose (the control fixes only the profile).
        self.assertEqual(len(runs), 8)
        self.assertEqual(sorted(set(runs["role"])), ["control", "design"])
        self.assertIn("secretome.dose", runs.columns)
        self.assertIn("closure_pct_at_6h", runs.columns)
        self.assertTrue((runs["status"] == "ok").all())
        self.assertTrue(np.issubdtype(runs["closure_pct_final"].dtype, np.number))
        # Closure at 6 h equals the run's own timeseries at 6 h.
        first = runs.iloc[0]
        run = sweep.run(first["run_id"])
        at6 = run.timeseries.loc[run.timeseries["time_h"] == 6, "closure_pct"].iloc[0]
        self.assertAlmostEqual(first["closure_pct_at_6h"], at6)
        # Effects: one row per treated point and metric, paired over both seeds.
        self.assertIsNotNone(sweep.effects)
        self.assertEqual(len(sweep.effects), 2 * 3)
        self.assertTrue((sweep.effects["n_paired"] <= 2).all())


if __name__ == "__main__":
    unittest.main()
