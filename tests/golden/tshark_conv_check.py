#!/usr/bin/env python3
"""tshark_conv_check.py SCEPSNIFF PCAP — checks scepsniff's flow accounting against tshark.

For every TCP conversation (unordered endpoint pair) tshark dissects in PCAP, the frames and
frame bytes in each direction must equal what scepsniff's flow records (--flows --json) report,
summed over flows that reuse the same endpoints. This is tshark's `-z conv,tcp` view computed
exactly from per-packet fields (the view itself rounds bytes to kB).
"""
import collections
import json
import subprocess
import sys


def tshark_convs(pcap):
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=|",
         "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
         "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "frame.len"],
        check=True, capture_output=True, text=True).stdout
    convs = collections.defaultdict(lambda: collections.Counter())
    for line in out.splitlines():
        f = line.split("|")
        # tunnelled or ICMP-quoted headers give lists; take the outermost
        src = (f[0] or f[1]).split(",")[0]
        dst = (f[3] or f[4]).split(",")[0]
        a, b = (src, f[2].split(",")[0]), (dst, f[5].split(",")[0])
        key = tuple(sorted([a, b]))
        convs[key][(a, "frames")] += 1
        convs[key][(a, "bytes")] += int(f[6])
    return convs


def scepsniff_convs(binary, pcap):
    out = subprocess.run([binary, "--no-progress", "--flows", "--json", "-r", pcap],
                         check=False, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"scepsniff failed ({out.returncode}): {out.stderr}")
    convs = collections.defaultdict(lambda: collections.Counter())
    for line in out.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("event_type") != "flow":
            continue
        c = (rec["src_ip"], str(rec["src_port"]))
        s = (rec["dest_ip"], str(rec["dest_port"]))
        key = tuple(sorted([c, s]))
        fl = rec["flow"]
        convs[key][(c, "frames")] += fl["pkts"]["to_server"]
        convs[key][(c, "bytes")] += fl["bytes"]["to_server"]
        convs[key][(s, "frames")] += fl["pkts"]["to_client"]
        convs[key][(s, "bytes")] += fl["bytes"]["to_client"]
    return convs


def main():
    binary, pcap = sys.argv[1], sys.argv[2]
    want, got = tshark_convs(pcap), scepsniff_convs(binary, pcap)
    bad = 0
    for key in sorted(set(want) | set(got)):
        w = {k: v for k, v in want.get(key, {}).items() if v}
        g = {k: v for k, v in got.get(key, {}).items() if v}
        if w != g:
            bad += 1
            print(f"MISMATCH {key}:\n  tshark    {sorted(w.items())}\n  scepsniff {sorted(g.items())}")
    print(f"{len(want)} conversations from tshark, {len(got)} from scepsniff, {bad} differ")
    sys.exit(1 if bad or not want else 0)


if __name__ == "__main__":
    main()
