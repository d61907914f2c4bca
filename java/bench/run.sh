#!/bin/sh
# make bench-java: the events benchmark of the Java API (java/bench/EventsBench.java),
# against the build in BUILD_DIR (default build). Extra arguments go to
# EventsBench (--runs N, --count N, --paced N, --interval-us US).
set -eu
BUILD_DIR=${1:-build}
[ $# -gt 0 ] && shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
JAR=$BUILD_DIR/java/libs/agora-rtm-sdk.jar
OUT=$BUILD_DIR/java/bench
for f in "$JAR" "$BUILD_DIR/jni/rtm-events-bench" "$BUILD_DIR/native/server/rtmd"; do
    [ -e "$f" ] || { echo "bench-java: no $f: run make first" >&2; exit 1; }
done
mkdir -p "$OUT"
javac -d "$OUT" -cp "$JAR" java/bench/EventsBench.java
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr), $(java -version 2>&1 | head -1)"
# From the output directory: the SDK writes its log file, agorartm.log,
# into the working directory (docs/JAVA.md), which is not the source tree.
BUILD_ABS=$(cd "$BUILD_DIR" && pwd)
cd "$OUT"
exec java -cp "$BUILD_ABS/java/libs/agora-rtm-sdk.jar:." EventsBench \
    --rtmd "$BUILD_ABS/native/server/rtmd" --driver "$BUILD_ABS/jni/rtm-events-bench" "$@"
