#!/usr/bin/env python3
"""extract_roundtrip.py SCEPSNIFF PCAP... — -w keeps exactly the SCEP flows: analysing the
written file gives the same exchanges (operation, status, verdict, transaction) as the original
capture, and a capture without SCEP yields no packets."""
import json
import os
import subprocess
import sys
import tempfile


def exchanges(binary, pcap, extra=()):
    out = subprocess.run([binary, "--no-progress", "--json", "-r", pcap, *extra],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"{pcap}: scepsniff exited {out.returncode}: {out.stderr}")
    recs = [json.loads(l) for l in out.stdout.splitlines()]
    return sorted((r["src_ip"], r["dest_port"], r["scep"]["operation"],
                   r.get("http", {}).get("status", 0), r["verdict"]["code"],
                   r["scep"].get("transaction_id", ""))
                  for r in recs if r["event_type"] == "scep"), out.stderr


def main():
    binary, pcaps = sys.argv[1], sys.argv[2:]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for pcap in pcaps:
            cut = os.path.join(tmp, os.path.basename(pcap))
            want, _ = exchanges(binary, pcap, ["-w", cut])
            got = exchanges(binary, cut)[0] if os.path.exists(cut) else []
            # connection attempts that end at end-of-capture may differ; compare all others
            if want != got:
                bad += 1
                print(f"{pcap}: original {want}\n  extract {got}")
            else:
                print(f"{pcap}: {len(want)} exchanges kept")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
