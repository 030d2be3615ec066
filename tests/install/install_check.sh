#!/usr/bin/env bash
# install_check.sh BUILD_DIR SRC_DIR — `cmake --install` into a temporary prefix, then build a
# program against the installed header, library and scepsniff.pc alone, and run it; check the
# command and the man page are installed too.
set -eu
build=$1 src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/scepsniff include/scepsniff/scepsniff.h share/man/man1/scepsniff.1 \
         lib/pkgconfig/scepsniff.pc lib/libscepsniff.a; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
ls "$prefix"/lib/libscepsniff.so* >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# the sanitizer flags of a sanitized build must reach the link of a program using its library
extra=$(grep -q 'SCEPSNIFF_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && echo "-fsanitize=address,undefined" || true)
cc -std=c11 -D_DEFAULT_SOURCE $extra "$src/tests/install/two_engines.c" $(pkg-config --cflags --libs scepsniff) \
   -Wl,-rpath,"$prefix/lib" -o "$prefix/two_engines"
"$prefix/two_engines"
"$prefix/bin/scepsniff" --version
