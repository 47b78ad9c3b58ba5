#!/usr/bin/env python3
"""Issue 13's diabetic criteria and the medium's anti-inflammatory component, from finished sweep folders.

Usage: validate-diabetic.py DIABETIC DIABETIC_NO_ANTI MEDIA MEDIA_NO_ANTI [--control CONTROL] [--json OUT]

Each argument is the folder of a finished `woundsim sweep run` of the matching file in
Scenarios/validation/ (inflammation-diabetic, inflammation-diabetic-no-anti-inflammatory,
inflammation-media, inflammation-media-no-anti-inflammatory); runs.csv is read, and each run's
timeseries.csv for the macrophage states. A media sweep without a control arm (the bundled
inflammation-media.yaml) takes its control from --control, a finished sweep of
inflammation-control.yaml (the same wound run longer; checked as validate-inflammation.py does). Every figure is the mean over the common seeds with its
95 % CI (Student t); a benefit (1 - treated open area / control open area) is formed per seed,
treated and control paired by seed. Criteria (issue 13; PARAMETERS.md "Outcomes to compare with"):
  1. the untreated db/db wound against Galiano 2004's db/db curve (days 3, 7, 10, 14, 21, 28):
     RMSE <= 10 percentage points (upper 95 % bound); the impairments are cited, not fitted
  2. the pro-inflammatory share of all macrophages at day 7 is higher in the db/db wound than in
     the normal one (paired difference, lower 95 % bound above 0)
  3. the monolayer medium's benefit in db/db mice at day 14 is larger than in normal mice at day
     7 (difference beyond 3 SE)
  4. removing the medium's anti-inflammatory component (TGF-beta1 and PGE2) cuts the db/db
     benefit by at least a quarter (mean drop / mean benefit)
Reported: the normal wound's drop without the component. Exits 1 when a criterion is missed,
2 when a folder is unreadable or incomplete.
"""
import importlib.util
import json
import math
import os
import statistics
import sys

# The statistics and run-folder readers of the inflammation validation (one copy of each).
_spec = importlib.util.spec_from_file_location("validate_inflammation", os.path.join(os.path.dirname(os.path.abspath(__file__)), "validate-inflammation.py"))
_vi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_vi)
fail, summary, fmt, column, closure_at, timeseries_at = _vi.fail, _vi.summary, _vi.fmt, _vi.column, _vi.closure_at, _vi.timeseries_at

# Galiano 2004 (Wound Repair Regen 12:485), db/db mice, closure [%] by day (PARAMETERS.md).
GALIANO_DBDB = {3: 5.0, 7: 18.0, 10: 35.0, 14: 55.0, 21: 80.0, 28: 92.0}


def read_runs(folder):
    """{point label: {seed: row}} from the inflammation validation's reader, the label being the
    point's parameter values joined by '/' (plan.json), each row with its run folder."""
    runs = _vi.read_runs(folder)
    plan = json.load(open(os.path.join(folder, "plan.json")))
    labels = {str(i): "/".join(str(v) for v in p["values"]) for i, p in enumerate(plan["points"])}
    points = {}
    for point, seeds in runs.items():
        for row in seeds.values():
            row["_folder"] = os.path.join(folder, "runs", row["run_id"])
        points[labels.get(point, point)] = seeds
    return points


def inflammatory_share(row, hours=168):
    """The pro-inflammatory share of all macrophages at `hours`, from the run's timeseries."""
    inflammatory = timeseries_at(row["_folder"], hours, "macrophages_inflammatory")
    total = timeseries_at(row["_folder"], hours, "macrophages")
    if inflammatory is None or total is None:
        fail(f"{row['_folder']}/timeseries.csv has no macrophage states at {hours} h")
    return inflammatory / total if total > 0 else float("nan")


def arm(points, name):
    for label, runs in points.items():
        if name in label.split("/"):
            return runs
    fail(f"no point {name!r} among {sorted(points)}")


def benefit(treated, control, day):
    return 1 - (100 - closure_at(treated, day)) / (100 - closure_at(control, day))


def main(argv):
    out = None
    if "--json" in argv:
        i = argv.index("--json")
        out = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    control_dir = None
    if "--control" in argv:
        i = argv.index("--control")
        if len(argv) < i + 2:
            fail("--control needs a folder")
        control_dir = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    diabetic, diabetic_no, media, media_no = (read_runs(a) for a in argv)
    d_control, d_cm = arm(diabetic, "control"), arm(diabetic, "asc-monolayer")
    d_no = next(iter(diabetic_no.values()))
    n_cm = arm(media, "asc-monolayer")
    if any("control" in label.split("/") for label in media):
        n_control = arm(media, "control")
    else:
        _vi.media_points(argv[2], control_dir)  # fails unless CONTROL is the same wound
        n_control = next(iter(read_runs(control_dir).values()))
    n_no = next(iter(media_no.values()))
    seeds = sorted(set(d_control) & set(d_cm) & set(d_no) & set(n_control) & set(n_cm) & set(n_no))
    if len(seeds) < 2:
        fail(f"fewer than 2 common seeds ({seeds})")
    results, lines, missed = {}, [], []

    def criterion(name, ok, text):
        results[name] = {"met": ok, "text": text}
        lines.append(f"{'met   ' if ok else 'MISSED'} {name}: {text}")
        if not ok:
            missed.append(name)

    # 1. The db/db curve.
    curve = {d: summary([closure_at(d_control[s], d) for s in seeds]) for d in GALIANO_DBDB}
    rmse = summary([math.sqrt(statistics.fmean([(closure_at(d_control[s], d) - g) ** 2 for d, g in GALIANO_DBDB.items()])) for s in seeds])
    criterion("db/db curve RMSE <= 10", rmse[1][1] <= 10,
              f"RMSE {fmt(rmse)} pp; closure " + ", ".join(f"day {d} {curve[d][0]:.1f} (Galiano {g:g})" for d, g in GALIANO_DBDB.items()))
    # 2. Pro-inflammatory share at day 7.
    sd = [inflammatory_share(d_control[s]) for s in seeds]
    sn = [inflammatory_share(n_control[s]) for s in seeds]
    diff = summary([a - b for a, b in zip(sd, sn)])
    criterion("db/db pro-inflammatory share at day 7 higher", diff[1][0] > 0,
              f"db/db {fmt(summary(sd))}, normal {fmt(summary(sn))}, difference {fmt(diff)}")
    # 3. Benefits.
    bn = [benefit(n_cm[s], n_control[s], 7) for s in seeds]
    bd = [benefit(d_cm[s], d_control[s], 14) for s in seeds]
    gap = summary([a - b for a, b in zip(bd, bn)])
    criterion("db/db benefit (day 14) larger than normal (day 7), beyond 3 SE", gap[0] > 3 * gap[2],
              f"db/db {fmt(summary(bd))}, normal {fmt(summary(bn))}, difference {fmt(gap)} (SE {gap[2]:.3g})")
    # 4. The anti-inflammatory component.
    bd_no = [benefit(d_no[s], d_control[s], 14) for s in seeds]
    drop = summary([a - b for a, b in zip(bd, bd_no)])
    share = drop[0] / summary(bd)[0] if summary(bd)[0] != 0 else float("nan")
    criterion("removing TGF-beta1 and PGE2 cuts the db/db benefit by >= 1/4", share >= 0.25,
              f"benefit {fmt(summary(bd))} -> {fmt(summary(bd_no))}, drop {fmt(drop)} (SE {drop[2]:.3g}), {100 * share:.1f} % of it")
    bn_no = [benefit(n_no[s], n_control[s], 7) for s in seeds]
    ndrop = summary([a - b for a, b in zip(bn, bn_no)])
    lines.append(f"report normal wound without TGF-beta1 and PGE2: benefit at day 7 {fmt(summary(bn))} -> {fmt(summary(bn_no))}, drop {fmt(ndrop)} (SE {ndrop[2]:.3g})")
    lines.append(f"report db/db closure under the medium: " + ", ".join(f"day {d} {summary([closure_at(d_cm[s], d) for s in seeds])[0]:.1f}" for d in GALIANO_DBDB))
    lines.append(f"seeds: {seeds}")
    print("\n".join(lines))
    if out:
        with open(out, "w") as f:
            json.dump({"seeds": seeds, "criteria": results}, f, indent=1)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
