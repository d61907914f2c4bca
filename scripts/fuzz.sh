#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz) with clang, AddressSanitizer and
# UBSan in build-fuzz/, and runs each for SECONDS (default 60) from its seed
# corpus (tests/fuzz/corpus/<target>/). Any crash, leak, sanitizer report or
# timeout fails the run; the input that caused it is kept as
# build-fuzz/artifacts/<target>/crash-* (or leak-*, timeout-*, oom-*).
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]
#
# What the fuzzer finds beyond the seeds accumulates in build-fuzz/corpus/
# <target>/ (not committed) and is reused by the next run.
set -eu
cd "$(dirname "$0")/.."

seconds=${1:-60}
[ $# -gt 0 ] && shift
# Each target and its -max_len: a frame may be up to 64 KB, but the decoder's
# logic is all reachable in a few KB; a command line is short; a token is at
# most 4096 bytes (RTM__TOKEN_MAX_LEN), a little more shows it is refused;
# an image header's logic is all in its first few KB.
all="frame:8192 cli_cmd:1024 token:4200 image:8192"
targets=${*:-frame cli_cmd token image}
dir=build-fuzz

t0=$(date +%s)
if [ ! -f "$dir/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja \
        -DRTM_BUILD_TESTS=OFF -DRTM_BUILD_JNI=OFF -DRTM_BUILD_FUZZ=ON \
        -DRTM_SANITIZE=address,undefined \
        -DCMAKE_C_FLAGS=-fno-sanitize-recover=all \
        -DCMAKE_CXX_FLAGS=-fno-sanitize-recover=all >/dev/null
fi
build_targets=""
for t in $targets; do build_targets="$build_targets fuzz_$t"; done
# shellcheck disable=SC2086
cmake --build "$dir" -j2 --target $build_targets

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer

status=0
for t in $targets; do
    max_len=
    for e in $all; do [ "${e%%:*}" = "$t" ] && max_len=${e#*:}; done
    [ -n "$max_len" ] || { echo "fuzz: no target $t (have: $all)" >&2; exit 2; }
    mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
    log=$dir/artifacts/$t/fuzz.log
    echo "fuzz: $t for $seconds s (max_len $max_len; log $log)"
    if "$dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/$t/" \
        "$dir/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|cov: ' "$log" |
            tail -4 | sed "s/^/fuzz: $t: /"
    else
        echo "fuzz: $t FAILED; inputs kept in $dir/artifacts/$t/:" >&2
        ls "$dir/artifacts/$t" >&2
        tail -60 "$log" >&2
        status=1
    fi
done
echo "fuzz: $(($(date +%s) - t0)) s in all"
[ $status -eq 0 ] && echo "fuzz: clean"
exit $status
