#!/usr/bin/env bash
# Alternates two woundsim binaries' `bench --json` N times on this machine and prints, per
# figure, each binary's median and the ratio new / old (with every alternation's ratio, so the
# noise is visible). Run it on a quiet machine; on a shared one, compare a binary with a copy of
# itself first to see the noise floor.
#   scripts/bench-compare.sh OLD_BINARY NEW_BINARY [N=5] [OUT_DIR]
set -euo pipefail
old=$1; new=$2; n=${3:-5}; out=${4:-$(mktemp -d)}
mkdir -p "$out"; : > "$out/old.jsonl"; : > "$out/new.jsonl"
for _ in $(seq 1 "$n"); do
  "$old" bench --json >> "$out/old.jsonl"
  "$new" bench --json >> "$out/new.jsonl"
done
python3 - "$out" <<'PY'
import json, statistics, sys
out = sys.argv[1]
old = [json.loads(l)["figures"] for l in open(f"{out}/old.jsonl")]
new = [json.loads(l)["figures"] for l in open(f"{out}/new.jsonl")]
print("| figure | old median | new median | new / old | per-run ratios |")
print("|---|---|---|---|---|")
for k in sorted(old[0]):
    o = statistics.median(r[k] for r in old); m = statistics.median(r[k] for r in new)
    ratios = ", ".join(f"{b[k]/a[k]:.3f}" for a, b in zip(old, new))
    print(f"| {k} | {o:.4g} | {m:.4g} | {m/o:.3f} | {ratios} |")
PY
