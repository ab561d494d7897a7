#!/usr/bin/env bash
# Whole-process benchmark of `score-x translate` on generated estates, every target, with
# hyperfine: wall time (mean ± σ), peak memory (/usr/bin/time -v), the parse-and-serialise floor
# of the same bytes (the `floor` bin) and `helm template` of the equivalent plain chart
# (`gen-estate N DIR --chart`). Prints a Markdown table; the raw hyperfine JSON stays in OUT.
#
# Usage: bench.sh SCORE_X GEN_ESTATE FLOOR [SIZES…]      (default sizes: 1 100 1000 10000)
# "translate" runs into a fresh output directory (the previous one removed before each run),
# "rerun" into the output directory of the run before it (same inputs: a GitOps sync).
# Env: TARGETS (default "kubernetes helm ecs nomad"), HELM (default: `helm` on PATH, else
#      tests/conformance/bin/helm), OUT (default: a temporary directory in /dev/shm when it is
#      writable, else in $TMPDIR; see "Files and the file system" in docs/performance.md for why
#      a disk is not the default), RUNS (default 10; 3 at 10000 workloads and more), EXTRA
#      (default 0: more private resources per workload, `gen-estate --extra`, 0 to 3).
# Build first: cargo build --release -p score-x-cli -p score-x-bench --bins
set -euo pipefail
score_x=$(realpath "$1") gen=$(realpath "$2") floor=$(realpath "$3")
shift 3
sizes=${*:-1 100 1000 10000}
targets=${TARGETS:-kubernetes helm ecs nomad}
here=$(cd "$(dirname "$0")" && pwd)
helm=${HELM:-$(command -v helm || echo "$here/../../../tests/conformance/bin/helm")}
if [ -z "${OUT:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  out=$(mktemp -d -p /dev/shm)
else
  out=${OUT:-$(mktemp -d)}
fi
mkdir -p "$out"
command -v hyperfine >/dev/null || { echo "bench.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench.sh needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
export SCORE_X_SEED=${SCORE_X_SEED:-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}

mean_ms() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{r['mean']*1000:.1f} {r['stddev']*1000 if r['stddev'] else 0:.1f}\")" "$1"; }
peak_mb() { # command… → peak resident set size in MB
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {printf "%.0f", $6/1024}'
}

echo "| workloads | target | translate (ms) | rerun (ms) | peak RSS (MB) | floor (ms) | × floor | helm template (ms) | helm ÷ score-x |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  est="$out/estate-$n" chart="$out/chart-$n"
  rm -rf "$est" "$chart"
  "$gen" "$n" "$est" --extra "${EXTRA:-0}"
  "$gen" "$n" "$chart" --chart
  runs=${RUNS:-10}
  [ "$n" -ge 10000 ] && runs=3
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/floor-$n.json" \
    "$floor $est/*.yaml" >/dev/null
  read -r floor_ms _ < <(mean_ms "$out/floor-$n.json")
  helm_ms=""
  if [ -x "$helm" ]; then
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/helm-$n.json" \
      "$helm template bench $chart" >/dev/null
    read -r helm_ms _ < <(mean_ms "$out/helm-$n.json")
  fi
  for t in $targets; do
    dir="$out/run-$t-$n"
    cmd="$score_x translate --target $t --state-dir $dir/state -o $dir/out $est/*.yaml"
    hyperfine --style none --warmup 1 --runs "$runs" --prepare "rm -rf $dir" \
      --export-json "$out/translate-$t-$n.json" "$cmd" >/dev/null
    read -r ms sd < <(mean_ms "$out/translate-$t-$n.json")
    hyperfine --style none --warmup 1 --runs "$runs" \
      --export-json "$out/rerun-$t-$n.json" "$cmd" >/dev/null
    read -r rerun_ms rerun_sd < <(mean_ms "$out/rerun-$t-$n.json")
    rm -rf "$dir"
    # shellcheck disable=SC2086
    rss=$(peak_mb $cmd)
    ratio=$(python3 -c "print(f'{$ms/max($floor_ms,0.001):.1f}')")
    speedup=$([ -n "$helm_ms" ] && python3 -c "print(f'{$helm_ms/max($ms,0.001):.1f}')" || echo "n/a")
    echo "| $n | $t | $ms ± $sd | $rerun_ms ± $rerun_sd | $rss | $floor_ms | $ratio | ${helm_ms:-n/a} | $speedup |"
  done
done
