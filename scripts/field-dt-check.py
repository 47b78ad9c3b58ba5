"""The check of `time.field_dt` (issue 16), from a finished sweep of
Scenarios/validation/field-dt-check.yaml.

Usage: field-dt-check.py SWEEP_DIR [--json OUT]

For each arm (secretome.profile) and metric, the difference between the runs with the fields
stepped every 4 min and every 2 min, paired by seed: its mean and 95 % CI (Student t), and for
counts the same relative to the 2-min mean. The criteria are those of the spacing-halving check
(VALIDATION.md), on the paired mean difference: closure within 1 percentage point at every day,
and each wound cell count within 5 % of the 2-min mean or within 2 cells (a count of a few
cells, such as the macrophages left at day 10, moves by more than 5 % with one cell). Any change
of the field step changes every later random draw, so the pairs differ as replicates do: the
95 % CI says how far the check can see, and a metric whose CI reaches past its margin is marked
"(CI wider than the margin)": not shown equivalent, only not shown different. Exits 1 when a
mean is outside its margin, 2 when the folder is unreadable or incomplete.
"""
import csv
import json
import math
import os
import statistics
import sys

T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
       10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


def t95(df):
    """Student's t quantile for a two-sided 95 % CI (the next smaller tabulated df, so wider)."""
    return T95[max(d for d in T95 if d <= df)] if df >= 1 else float("inf")
CLOSURE_PP = 1.0
COUNT_SHARE = 0.05


def fail(message):
    print(f"field-dt-check: {message}", file=sys.stderr)
    sys.exit(2)


def minutes(text):
    value, unit = text.split()
    if unit != "min":
        fail(f"time.field_dt {text!r} is not in min")
    return float(value)


def main(argv):
    if not argv or argv[0].startswith("-"):
        fail(__doc__.strip().splitlines()[3])
    folder, out = argv[0], None
    if "--json" in argv:
        if argv.index("--json") + 1 >= len(argv):
            fail("--json needs a file")
        out = argv[argv.index("--json") + 1]
    path = os.path.join(folder, "runs.csv")
    if not os.path.exists(path):
        fail(f"{path} is missing (is the sweep finished?)")
    runs = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        metrics = [c for c in reader.fieldnames if c.startswith(("closure_pct_at", "macrophages_in", "fibroblasts_in"))]
        for row in reader:
            if row.get("status") != "ok":
                fail(f"run {row.get('run_id')} is {row.get('status')!r}: {row.get('error')}")
            key = (row["secretome.profile"], minutes(row["time.field_dt"]))
            runs.setdefault(key, {})[int(row["seed"])] = row
    arms = sorted({a for a, _ in runs})
    steps = sorted({s for _, s in runs})
    if len(steps) != 2:
        fail(f"expected two field steps, found {steps}")
    fine, coarse = steps
    missed, report = [], []
    print(f"fields every {coarse:g} min minus every {fine:g} min, paired by seed, mean [95 % CI]")
    for arm in arms:
        a, b = runs.get((arm, fine), {}), runs.get((arm, coarse), {})
        seeds = sorted(set(a) & set(b))
        if len(seeds) < 2:
            fail(f"{arm}: fewer than 2 common seeds")
        t = t95(len(seeds) - 1)
        print(f"{arm} ({len(seeds)} seeds)")
        for m in metrics:
            base = [float(a[s][m]) for s in seeds]
            diffs = [float(b[s][m]) - float(a[s][m]) for s in seeds]
            mean = statistics.fmean(diffs)
            half = t * statistics.stdev(diffs) / math.sqrt(len(diffs))
            level = statistics.fmean(base)
            if m.startswith("closure"):
                margin = CLOSURE_PP
                text = f"{mean:+.2f} pp [{mean - half:+.2f}, {mean + half:+.2f}] (at {fine:g} min {level:.2f} %)"
            else:
                margin = max(COUNT_SHARE * level, 2.0)
                share = mean / level if level > 0 else 0.0
                text = f"{mean:+.1f} [{mean - half:+.1f}, {mean + half:+.1f}], {100 * share:+.2f} % of {level:.1f}"
            ok = abs(mean) <= margin
            wide = abs(mean) + half > margin
            print(f"  {m:32s} {text}  {'ok' if ok else 'MISSED'}{' (CI wider than the margin)' if ok and wide else ''}")
            report.append({"arm": arm, "metric": m, "mean_difference": mean, "ci95": [mean - half, mean + half],
                           "fine_mean": level, "margin": margin, "ok": ok, "ci_within_margin": not wide})
            if not ok:
                missed.append(f"{arm} {m}")
    if out:
        with open(out, "w") as f:
            json.dump({"fine_min": fine, "coarse_min": coarse, "rows": report, "missed": missed}, f, indent=1)
    if missed:
        print(f"missed: {', '.join(missed)}")
        sys.exit(1)
    print("every metric within the criteria")


if __name__ == "__main__":
    main(sys.argv[1:])
