#!/usr/bin/env bash
# Every JPEG of a folder through a preset with GNU parallel: the README's recipe, as a script.
#   integration/batch/parallel.sh PHOTO_DIR OUT_DIR [FILTERCTL FLAGS…]     (PRESET=swirls by default)
# One job at a time (-j 1: the engine uses every core); the joblog lets a re-run retry only what
# failed or never ran, and --skip-existing makes a finished photo cost nothing even without it.
# Each run's JSON line is appended to OUT_DIR/runs.jsonl.
set -euo pipefail
photos=$1 out=$2
shift 2
mkdir -p "$out"
parallel -j 1 --joblog "$out/joblog" --resume-failed \
    filterctl apply --preset "${PRESET:-swirls}" --max-memory 2G --skip-existing --resume-if-any --json "$@" \
    {} -o "$out/{/.}.jpg" ::: "$photos"/*.jpg >>"$out/runs.jsonl"
