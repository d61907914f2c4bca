#!/bin/sh
# `make install` as a user sees it: install the build into a fresh prefix,
# then build a program against it three ways (pkg-config shared, pkg-config
# static, CMake find_package shared and static) and run each.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/rtm/rtm.h include/rtm/rtm_codes.h lib/librtm.so lib/librtm.a \
         lib/pkgconfig/rtm.pc lib/cmake/rtm/rtmConfig.cmake bin/rtmd bin/rtm; do
    [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done

# A port where nothing listens: bind one, and let it go.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
addr=127.0.0.1:$port

# The installed programs start from any prefix: they find librtm in ../lib.
"$prefix/bin/rtm" --version >/dev/null

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# Only our own include directory: no private dependency's.
cflags=$(pkg-config --cflags rtm | sed "s/ *$//")
[ "$cflags" = "-I$prefix/include" ] || { echo "pkg-config --cflags rtm: $cflags"; exit 1; }
# shellcheck disable=SC2046
cc -o "$work/pc_shared" "$src/consumer/main.c" $(pkg-config --cflags --libs rtm) -pthread
LD_LIBRARY_PATH=$prefix/lib "$work/pc_shared" "$addr"
# With an rpath, as the README says for a prefix the loader does not search.
# shellcheck disable=SC2046
cc -o "$work/pc_rpath" "$src/consumer/main.c" $(pkg-config --cflags --libs rtm) \
    -Wl,-rpath,"$(pkg-config --variable=libdir rtm)"
"$work/pc_rpath" "$addr"
# shellcheck disable=SC2046
cc -o "$work/pc_static" "$src/consumer/main.c" $(pkg-config --cflags rtm) \
    "$prefix/lib/librtm.a" $(pkg-config --static --libs rtm | sed 's/-lrtm//')
"$work/pc_static" "$addr"

cmake -S "$src/consumer" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cm" >/dev/null
LD_LIBRARY_PATH=$prefix/lib "$work/cm/consumer_shared" "$addr"
"$work/cm/consumer_static" "$addr"
echo "install test passed"
