#!/usr/bin/env bash
# Whole-process growth of `score-x translate` between two estate sizes, per target, as a ratio
# measured in one run (best of 3 each): exponent = log(t_big / t_small) / log(big / small).
# Usage: growth.sh SCORE_X GEN_ESTATE [SMALL BIG [MAX_EXPONENT]]   (default 1000 4000 1.15)
# TARGETS (default "kubernetes helm ecs nomad") picks the targets; CLOCK: see below.
# Exits 1 when a target grows faster than MAX_EXPONENT. Not a timed test: only the ratio counts.
set -euo pipefail
score_x=$1 gen=$2 small=${3:-1000} big=${4:-4000} max=${5:-1.15}
# The estates and outputs live in memory (/dev/shm when writable, GROWTH_DIR to choose): on a
# disk shared with other jobs, creating thousands of files costs 0.2 to 4 s of system time per
# run depending on what the others do, which says nothing about score-x's growth.
base=${GROWTH_DIR:-}
if [ -z "$base" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then base=/dev/shm; fi
work=$(mktemp -d ${base:+-p "$base"})
trap 'rm -rf "$work"' EXIT
"$gen" "$small" "$work/$small"
"$gen" "$big" "$work/$big"
# A fixed seed: no seed file is written, every run does the same work.
export SCORE_X_SEED=${SCORE_X_SEED:-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}

# CLOCK=wall (default) times the whole process; CLOCK=cpu counts its user+sys seconds
# (/usr/bin/time), which other jobs on a shared machine disturb less.
clock=${CLOCK:-wall}

one_run() { # target size → milliseconds
  rm -rf "$work/out" "$work/state"
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f "%U %S" -o "$work/cpu" "$score_x" translate --target "$1" --state-dir "$work/state" -o "$work/out" "$work/$2"/*.yaml >"$work/log" 2>&1; then
    echo "growth.sh: translate --target $1 of $2 workloads failed:" >&2
    tail -20 "$work/log" >&2
    exit 1
  fi
  t1=$(date +%s%N)
  if [ "$clock" = cpu ]; then
    awk '{printf "%d\n", ($1 + $2) * 1000}' "$work/cpu"
  else
    echo $(( (t1 - t0) / 1000000 ))
  fi
}

best_of_3() { # target size → milliseconds (best of 3)
  local best="" s
  for _ in 1 2 3; do
    s=$(one_run "$1" "$2")
    if [ -z "$best" ] || [ "$s" -lt "$best" ]; then best=$s; fi
  done
  echo "$best"
}

status=0
for target in ${TARGETS:-kubernetes helm ecs nomad}; do
  a=$(best_of_3 "$target" "$small")
  b=$(best_of_3 "$target" "$big")
  e=$(python3 -c "import math; print(f'{math.log(max($b,1)/max($a,1))/math.log($big/$small):.2f}')")
  echo "$target: $small workloads ${a} ms, $big workloads ${b} ms ($clock), growth exponent $e (max $max)"
  if python3 -c "import sys; sys.exit(0 if $e <= $max else 1)"; then :; else status=1; fi
done
exit $status
