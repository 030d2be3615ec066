#!/usr/bin/env python3
"""pcap2seed.py — turns a classic pcap file into a seed for fuzz_packet (see the framing in
fuzz/fuzz_packet.c): per frame one selector byte (link type, time step, cut flag), a 16-bit
big-endian length and the captured bytes.

Reads classic pcap only (both byte orders, microsecond and nanosecond magic); pcapng is refused
with a message. Standard library only.

usage: pcap2seed.py [--max-packets N] [--max-bytes N] IN.pcap OUT.bin

A capture is cut to its first N packets and to at most --max-bytes of seed, so that the corpus
stays small and each seed runs quickly.
"""
import argparse
import struct
import sys

# Must match link_types[] in fuzz_packet.c (index = selector bits 0-2).
LINK_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 0: 4, 108: 5, 228: 6, 229: 7}

# Must match time_steps_us[] in fuzz_packet.c (index = selector bits 3-6).
TIME_STEPS_US = [0, 1, 100, 1000, 10000, 50000, 200000, 1000000, 2000000, 5000000,
                 15000000, 31000000, 61000000, 121000000, 301000000, 3601000000]

MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000),  # little-endian, microseconds
    b"\xa1\xb2\xc3\xd4": (">", 1000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),     # little-endian, nanoseconds
    b"\xa1\xb2\x3c\x4d": (">", 1),
}


class PcapError(Exception):
    pass


def time_step(delta_ns):
    """The largest step not above the real gap, so time never runs ahead of the capture."""
    best = 0
    for i, step in enumerate(TIME_STEPS_US):
        if step * 1000 <= delta_ns:
            best = i
    return best


def convert(data, max_packets, max_bytes):
    if len(data) < 24:
        raise PcapError("too short for a pcap header")
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        raise PcapError("pcapng is not supported; convert with editcap -F pcap")
    if magic not in MAGICS:
        raise PcapError("not a pcap file (magic %s)" % magic.hex())
    endian, ns_per_unit = MAGICS[magic]
    network = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    if network not in LINK_INDEX:
        raise PcapError("link type %d is not one fuzz_packet feeds" % network)
    link = LINK_INDEX[network]

    out = bytearray()
    off, count, prev = 24, 0, None
    while off + 16 <= len(data) and count < max_packets:
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        if len(frame) < incl:  # the file itself ends mid-frame
            break
        now = sec * 1_000_000_000 + frac * ns_per_unit
        step = 0 if prev is None else time_step(max(0, now - prev))
        # keep time moving by the quantised amount, so long runs do not drift behind
        prev = now if prev is None else prev + TIME_STEPS_US[step] * 1000
        cut = orig > incl or len(frame) > 0xFFFF
        frame = frame[:0xFFFF]
        if count and len(out) + 3 + len(frame) > max_bytes:
            break
        out.append(link | (step << 3) | (0x80 if cut else 0))
        out += struct.pack(">H", len(frame))
        out += frame
        count += 1
    return bytes(out), count


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-packets", type=int, default=200)
    ap.add_argument("--max-bytes", type=int, default=64 * 1024)
    ap.add_argument("input")
    ap.add_argument("output")
    args = ap.parse_args()
    try:
        with open(args.input, "rb") as f:
            seed, count = convert(f.read(), args.max_packets, args.max_bytes)
    except (OSError, PcapError) as e:
        print("pcap2seed: %s: %s" % (args.input, e), file=sys.stderr)
        return 1
    with open(args.output, "wb") as f:
        f.write(seed)
    print("%s: %d packets, %d bytes" % (args.output, count, len(seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
