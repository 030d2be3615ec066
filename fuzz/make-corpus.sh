#!/bin/sh
# make-corpus.sh — (re)makes the fuzz_packet seeds from the project's captures: every
# pcaps/*.pcap becomes fuzz/corpus/packet/<name>.bin (first 200 packets, at most 64 KiB each;
# see pcap2seed.py). Hand-made seeds in the same folder (hand-*.bin) are left alone. Safe to run
# again: seeds of captures that still exist are rewritten, nothing else is touched.
#
# usage: fuzz/make-corpus.sh        (from anywhere; paths are relative to this script)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/corpus/packet"
limit=$((2 * 1024 * 1024))

mkdir -p "$out"
found=0
failed=0
for pcap in "$root"/pcaps/*.pcap; do
    [ -e "$pcap" ] || continue
    found=$((found + 1))
    name=$(basename "$pcap" .pcap)
    if ! python3 "$here/pcap2seed.py" "$pcap" "$out/$name.bin"; then
        failed=$((failed + 1))
    fi
done
[ "$found" -gt 0 ] || echo "make-corpus: no pcaps/*.pcap found; only hand-made seeds remain" >&2

total=$(cat "$out"/*.bin 2>/dev/null | wc -c)
echo "make-corpus: $found captures, $failed skipped, corpus $total bytes in $out"
if [ "$total" -gt "$limit" ]; then
    echo "make-corpus: corpus is over 2 MiB; lower --max-packets/--max-bytes" >&2
    exit 1
fi
