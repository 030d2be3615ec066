#!/usr/bin/env bash
# run-golden.sh BINARY PCAP EXPECTED [ARGS...] — runs scepsniff on PCAP and compares its
# standard output with EXPECTED; prints the difference when they differ.
set -u
bin=$1 pcap=$2 expected=$3
shift 3
[ -f "$expected" ] || { echo "missing expected output $expected (run tests/golden/regen.sh)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" --no-progress --seed 1 -r "$pcap" "$@" >"$out"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
  echo "scepsniff exited $rc"
  exit 1
fi
diff -u "$expected" "$out" && echo "golden ok: $(basename "$expected")"
