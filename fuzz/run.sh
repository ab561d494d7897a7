#!/bin/sh
# Bounded fuzzing of score-x: every target for SECONDS (default 60) each, with the committed
# corpus as seeds (new inputs found go to fuzz/corpus/<target>/ too; commit the interesting ones
# and the reproducers cargo-fuzz writes to fuzz/artifacts/ with a fix).
#
#   fuzz/run.sh            # 60 s per target
#   SECONDS_PER_TARGET=600 fuzz/run.sh yaml_loader
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). The fuzz crate is its own
# workspace, so `cargo test --workspace` on stable never builds it.
set -eu
cd "$(dirname "$0")/.."
secs="${SECONDS_PER_TARGET:-60}"
targets="${*:-yaml_loader placeholder}"
for t in $targets; do
    echo "fuzzing $t for ${secs}s"
    cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=300 -timeout=5
done
