#!/usr/bin/env bash
# The Java demo (make demo runs it after demo.sh): java/demo/ChatDemo.java, a
# vendor-style app of io.agora.rtm, compiled against agora-rtm-sdk.jar and run
# with no JVM flag (the JAR loads its own JNI library) against an rtmd of its
# own on a free loopback port. Usage: scripts/demo-java.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RTMD=$BUILD/native/server/rtmd
JAR=$BUILD/java/libs/agora-rtm-sdk.jar
# The JDK whose javac is on PATH, as the build uses.
JDK_BIN=$(dirname "$(readlink -f "$(command -v javac)")")
for f in "$RTMD" "$JAR"; do
    [ -f "$f" ] || { echo "demo-java: $f is missing: run make first" >&2; exit 1; }
done

WORK=$(mktemp -d)
RTMD_PID=
cleanup() {
    if [ -n "$RTMD_PID" ]; then kill "$RTMD_PID" 2>/dev/null || true; wait "$RTMD_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo
echo "=== Java: a vendor-style app over io.agora.rtm (agora-rtm-sdk.jar) ==="
"$RTMD" --listen 127.0.0.1:0 --ready-file "$WORK/ready" --data-dir "$WORK/data" \
    2>"$WORK/rtmd.log" &
RTMD_PID=$!
for _ in $(seq 100); do [ -s "$WORK/ready" ] && break; sleep 0.05; done
[ -s "$WORK/ready" ] || { echo "demo-java: rtmd did not start" >&2; cat "$WORK/rtmd.log" >&2; exit 1; }
SERVER=$(cat "$WORK/ready")
echo "rtmd on $SERVER"

"$JDK_BIN/javac" -d "$WORK/classes" -cp "$JAR" java/demo/ChatDemo.java
# No -Djava.library.path: the JAR extracts its own library. RTM_SERVER
# names the server, as for an unmodified vendor app.
# It runs in $WORK: like the vendor's SDK, the library logs to agorartm.log
# in the working directory.
JAR_ABS=$(readlink -f "$JAR")
(cd "$WORK" && RTM_SERVER=$SERVER timeout 60 "$JDK_BIN/java" -cp "$JAR_ABS:classes" ChatDemo)
[ -f "$WORK/agorartm.log" ] &&
    echo "the library's log (setLogFile's default): $(wc -l < "$WORK/agorartm.log") lines in agorartm.log, e.g.: $(grep -m1 'logged in\|CONNECTED\|login' "$WORK/agorartm.log" | cut -c1-140)"
exit 0
