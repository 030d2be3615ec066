#!/usr/bin/env python3
"""cli_errors.py SCEPSNIFF SRCDIR — what the command does with input it cannot read.

A missing file, a file that is not a capture, and a capture of an unsupported link type each
give one clear line on stderr naming the file, exit status 2, and no report (an empty report
would only hide the error, as tcpdump shows none). A capture cut in the middle of a packet
still has everything before the cut analysed and reported, with the error said and status 2.
Of several files, the readable ones are analysed even when another is not. A timeout option
with a value that is not a number of seconds in range is refused before anything is read.
"""
import os
import struct
import subprocess
import sys
import tempfile


def run(binary, *args):
    p = subprocess.run([binary, "--no-progress", *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def pcap_header(linktype):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)


def main():
    binary, src = sys.argv[1], sys.argv[2]
    good = os.path.join(src, "pcaps", "refused.pcap")
    bad = []

    def expect(what, cond, rc, out, err):
        if not cond:
            bad.append(f"{what}: exit {rc}\n--- stdout\n{out[:400]}\n--- stderr\n{err[:400]}")

    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, "no-such.pcap")
        rc, out, err = run(binary, "-r", missing)
        lines = err.strip().splitlines()
        expect("missing file", rc == 2 and out == "" and len(lines) == 1 and
               lines[0].count(missing) == 1 and "No such file" in lines[0], rc, out, err)

        junk = os.path.join(tmp, "junk.pcap")
        with open(junk, "wb") as f:
            f.write(b"this is not a capture file at all\n" * 4)
        rc, out, err = run(binary, "-r", junk)
        expect("not a capture", rc == 2 and out == "" and junk in err, rc, out, err)

        user0 = os.path.join(tmp, "user0.pcap")
        with open(user0, "wb") as f:
            f.write(pcap_header(147))
            f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"abcd")
        rc, out, err = run(binary, "-r", user0)
        expect("unsupported link type", rc == 2 and out == "" and user0 in err and
               ("147" in err or "USER0" in err), rc, out, err)

        data = open(good, "rb").read()
        cut = os.path.join(tmp, "cut.pcap")
        with open(cut, "wb") as f:
            f.write(data[:len(data) - 7])  # the last packet loses its end
        rc, out, err = run(binary, "-r", cut, "--color", "never")
        expect("cut capture", rc == 2 and "transport.refused" in out and cut in err,
               rc, out, err)

        rc, out, err = run(binary, "-r", missing, "-r", good, "--color", "never")
        expect("missing then good", rc == 2 and "transport.refused" in out and missing in err,
               rc, out, err)

    for opt, val in (("--closed-timeout", "-1"), ("--closed-timeout", "ten"),
                     ("--idle-timeout", "0"), ("--syn-timeout", "99999999")):
        rc, out, err = run(binary, opt, val, "-r", good)
        expect(f"{opt} {val}", rc == 2 and out == "" and err, rc, out, err)
    rc, out, err = run(binary, "--closed-timeout", "0", "-r", good, "--color", "never")
    expect("--closed-timeout 0", rc in (0, 1) and "transport.refused" in out, rc, out, err)

    for b in bad:
        print(b)
    print(f"{10 - len(bad)} of 10 cases as expected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
