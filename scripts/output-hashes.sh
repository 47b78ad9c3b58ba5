#!/usr/bin/env bash
# Runs every bundled scenario with the given woundsim binary at the given thread counts and
# prints one SHA-256 line per output file (timeseries, fields, cells, frames, VTK, the resolved
# scenario and the checkpoints). Files that hold wall times (summary.json, manifest.json,
# report.html) are left out. Two builds that produce the same listing are byte-identical on
# every bundled scenario: the check a refactoring must pass.
#   scripts/output-hashes.sh BINARY OUTDIR [THREADS...] [-- EXTRA RUN ARGS]
set -euo pipefail
bin=$1; out=$2; shift 2
threads=(); extra=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
    threads+=("$1"); shift
done
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
mkdir -p "$out"
for scenario in $("$bin" scenarios | awk '{print $1}'); do
    for t in "${threads[@]}"; do
        dir="$out/$scenario-t$t"
        "$bin" run "$scenario" --quiet --threads "$t" --out "$dir" --force ${extra[@]+"${extra[@]}"} >/dev/null
        (cd "$dir" && find . -type f ! -name summary.json ! -name manifest.json ! -name report.html | LC_ALL=C sort \
            | xargs sha256sum | sed "s|  \./|  $scenario/|")
    done
done
