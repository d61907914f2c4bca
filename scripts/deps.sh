#!/bin/sh
# Installs, from Debian's packages, whatever the build, tests and demo need and
# this machine does not have yet. Idempotent: when everything is present it
# only checks and returns. Run as root on Debian 12 (or through sudo).
set -eu

# Each line: a package, and a file whose presence says it is installed.
# The file check is fast and works without dpkg's database being read.
# clang, its sanitizer and libFuzzer runtimes (libclang-rt-14-dev, only
# recommended by clang, which --no-install-recommends skips) and
# llvm-symbolizer (llvm-14) are for scripts/sanitize.sh and scripts/fuzz.sh.
# mosquitto, nats-server, their client libraries, gnuplot and perf (--profile)
# are for rtm-bench
# (docs/BENCHMARKS.md), which compares rtm with them side by side.
# redis-server and hiredis are for rtmd's Redis engine (several nodes, SPEC
# B7); the tests start the redis-server they need themselves.
PKGS="
cmake:/usr/bin/cmake
ninja-build:/usr/bin/ninja
pkg-config:/usr/bin/pkg-config
gcc:/usr/bin/gcc
g++:/usr/bin/g++
libevent-dev:/usr/include/event2/event.h
libssl-dev:/usr/include/openssl/ssl.h
zlib1g-dev:/usr/include/zlib.h
libprotobuf-c-dev:/usr/include/protobuf-c/protobuf-c.h
protobuf-c-compiler:/usr/bin/protoc-c
libgtest-dev:/usr/include/gtest/gtest.h
googletest:/usr/src/googletest/CMakeLists.txt
libcjson-dev:/usr/include/cjson/cJSON.h
libsqlite3-dev:/usr/include/sqlite3.h
libsodium-dev:/usr/include/sodium.h
openjdk-17-jdk-headless:/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
gradle:/usr/bin/gradle
junit4:/usr/share/java/junit4.jar
python3:/usr/bin/python3
clang:/usr/bin/clang
libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
llvm-14:/usr/lib/llvm-14/bin/llvm-symbolizer
mosquitto:/usr/sbin/mosquitto
libmosquitto-dev:/usr/include/mosquitto.h
nats-server:/usr/sbin/nats-server
libnats-dev:/usr/include/nats/nats.h
gnuplot-nox:/usr/bin/gnuplot
linux-perf:/usr/bin/perf
redis-server:/usr/bin/redis-server
libhiredis-dev:/usr/include/hiredis/hiredis.h
"

missing=""
for entry in $PKGS; do
    pkg=${entry%%:*}
    file=${entry#*:}
    [ -e "$file" ] || missing="$missing $pkg"
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
