#!/usr/bin/env python3
"""ja3_check.py SCEPSNIFF GEN_TRAFFIC SRCDIR — scepsniff's TLS ClientHello fingerprints against
tshark's, flow by flow.

The JA3 string and its MD5 that scepsniff reports for each TLS flow (--flows --json) must equal
tshark's tls.handshake.ja3_full and tls.handshake.ja3 for the ClientHello of the same client
endpoint. The captures: every bundled capture with TLS in it (real curl, openssl and nginx
peers), and a mixed capture made by the benchmark generator (a few hundred ClientHellos with
several cipher and extension lists, TLS 1.3 and 1.2, some over IPv6 and VLANs).

On the generated capture it also checks the generator's TLS 1.2 certificate chains (encoded by
bench/gen_der.c): OpenSSL, through scepsniff, must decode every one, with the leaf named for
the flow's SNI, valid at the time of the capture, issued by one of the generator's CAs.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile


def tshark_ja3(pcap):
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-Y", "tls.handshake.type == 1", "-T", "fields",
         "-E", "separator=|", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
         "-e", "tls.handshake.ja3_full", "-e", "tls.handshake.ja3"],
        check=True, capture_output=True, text=True).stdout
    hellos = {}
    for line in out.splitlines():
        f = line.split("|")
        client = ((f[0] or f[1]).split(",")[0], int(f[2].split(",")[0]))
        # a HelloRetryRequest makes a second ClientHello: JA3 is the first one's
        hellos.setdefault(client, (f[3], f[4]))
    return hellos


def scepsniff_tls(binary, pcap):
    out = subprocess.run([binary, "--no-progress", "--flows", "--json", "-r", pcap],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"scepsniff on {pcap} exited {out.returncode}: {out.stderr}")
    flows = {}
    for line in out.stdout.splitlines():
        ev = json.loads(line)
        if ev["event_type"] == "flow" and ev["flow"].get("tls"):
            flows[(ev["src_ip"], ev["src_port"])] = ev["flow"]["tls"]
    return flows


def scepsniff_ja3(binary, pcap):
    return {k: t["ja3"] for k, t in scepsniff_tls(binary, pcap).items() if t.get("ja3")}


def check_generated_chains(binary, pcap, bad):
    chains = 0
    for client, tls in sorted(scepsniff_tls(binary, pcap).items()):
        if tls.get("version") != "TLS 1.2":
            continue
        cert = tls.get("server_certificate") or {}
        chains += 1
        if (cert.get("subject") != "CN=" + tls.get("sni", "") or cert.get("expired") or
                cert.get("not_yet_valid") or cert.get("name_mismatch") or
                not cert.get("issuer", "").startswith("C=US, O=Example CA, CN=Example Issuing CA")):
            bad.append(f"generated capture: {client}: TLS 1.2 chain not decoded as made: {tls}")
    return chains


def check(binary, pcap, bad):
    want = tshark_ja3(pcap)
    got = scepsniff_ja3(binary, pcap)
    name = os.path.basename(pcap)
    for client, (full, md5) in sorted(want.items()):
        if client not in got:
            bad.append(f"{name}: {client}: scepsniff has no JA3 (tshark: {md5} {full})")
        elif got[client] != md5:
            bad.append(f"{name}: {client}: scepsniff {got[client]}, tshark {md5} ({full})")
    return len(want)


def main():
    binary, gen, src = sys.argv[1], sys.argv[2], sys.argv[3]
    bad, hellos = [], 0
    pcaps = sorted(glob.glob(os.path.join(src, "pcaps", "*.pcap*")) +
                   glob.glob(os.path.join(src, "tests", "data", "tls", "*.pcap*")))
    with tempfile.TemporaryDirectory() as tmp:
        mixed = os.path.join(tmp, "mixed.pcap")
        subprocess.run([gen, "-o", mixed, "--seed", "3", "-s", "12M"], check=True,
                       capture_output=True)
        for pcap in pcaps + [mixed]:
            hellos += check(binary, pcap, bad)
        chains = check_generated_chains(binary, mixed, bad)
        if chains < 40:
            bad.append(f"only {chains} TLS 1.2 flows in the generated capture")
    for b in bad:
        print(b)
    # the generated capture alone has hundreds: a handful would mean TLS went undetected
    if hellos < 150:
        print(f"only {hellos} ClientHellos found by tshark: the captures are not what this test"
              " expects")
        return 1
    print(f"{hellos} ClientHellos, {chains} generated TLS 1.2 chains, {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
