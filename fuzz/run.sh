#!/bin/sh
# Bounded fuzzing of score-x: every target for SECONDS_PER_TARGET (default 60) each, seeded with
# the committed corpus (fuzz/corpus/<target>/, read only). New inputs libFuzzer finds go to
# fuzz/target/new-corpus/<target>/ (git-ignored); reproducers of a crash go to
# fuzz/artifacts/<target>/. Commit the interesting ones to fuzz/corpus/ with a fix.
#
#   fuzz/run.sh                                   # every target, 60 s each
#   SECONDS_PER_TARGET=600 fuzz/run.sh pipeline   # one target, longer
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz`). cargo-fuzz uses nightly-only rustc flags
# (-Zsanitizer=address); with the stable toolchain they are enabled with RUSTC_BOOTSTRAP=1, which
# this script sets (a nightly toolchain works too: FUZZ_TOOLCHAIN=nightly). The fuzz crate is its
# own workspace, so `cargo test --workspace` never builds it.
#
# Limits per input: 5 s, and FUZZ_RSS_MB of memory (default 600: the release binary must stay
# under 300 MB, and AddressSanitizer's shadow memory and quarantine about double that).
set -eu
cd "$(dirname "$0")/.."
secs="${SECONDS_PER_TARGET:-60}"
rss="${FUZZ_RSS_MB:-600}"
toolchain="${FUZZ_TOOLCHAIN:-stable}"
targets="${*:-yaml_loader placeholder provisioner_file pipeline}"
export RUSTC_BOOTSTRAP=1
cargo "+$toolchain" fuzz build -O
for t in $targets; do
    new="fuzz/target/new-corpus/$t"
    mkdir -p "$new"
    echo "== fuzzing $t for ${secs}s"
    cargo "+$toolchain" fuzz run -O "$t" "$new" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb="$rss" -timeout=5 -print_final_stats=1
done
