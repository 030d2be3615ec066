#!/usr/bin/env python3
"""tls_check.py SCEPSNIFF SRCDIR — TLS through the whole engine, on the real curl/nginx captures
in tests/data/tls: with the key log (or the secrets inside the pcapng) every capture that
carried a GetCACaps yields the same decrypted exchange (GetCACaps, 200, capabilities decoded)
as plain HTTP would; without keys it yields a tls.encrypted record with its sizes; a wrong key
log says tls.not_decrypted; the alert and expired-certificate captures say tls.alert and
tls.cert_expired. A capture read twice in one run (two connections with the same server chain)
describes the chain the same way both times, the second from the engine's certificate cache."""
import glob
import json
import os
import subprocess
import sys


def records(binary, *args):
    out = subprocess.run([binary, "--no-progress", "--json", *args], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"scepsniff {args} exited {out.returncode}: {out.stderr}")
    return [json.loads(l) for l in out.stdout.splitlines() if json.loads(l)["event_type"] == "scep"]


def codes(recs):
    return sorted({f["code"] for r in recs for f in r["verdict"]["findings"]})


def main():
    binary, src = sys.argv[1], sys.argv[2]
    data = os.path.join(src, "tests/data/tls")
    bad, checked = [], 0
    for pcap in sorted(glob.glob(os.path.join(data, "*.pcap"))):
        name = os.path.basename(pcap)[:-5]
        keys = os.path.join(data, name + ".keys")
        if os.path.exists(os.path.join(data, name + ".response")):
            recs = records(binary, "-r", pcap, "--keylog", keys)
            ok = [r for r in recs if r["scep"]["operation"] == "GetCACaps" and
                  r.get("http", {}).get("status") == 200 and "caps" in r["scep"] and
                  r["tls"]["decrypted"]["to_client"]]
            if not ok:
                bad.append(f"{name}: no decrypted GetCACaps exchange: {codes(recs)}")
            plain = records(binary, "-r", pcap)
            if "tls.encrypted" not in codes(plain) or any("http" in r for r in plain):
                bad.append(f"{name} without keys: {codes(plain)}")
            checked += 1
    dsb = records(binary, "-r", os.path.join(data, "tls13_dsb.pcapng"))
    if not any(r["scep"]["operation"] == "GetCACaps" for r in dsb):
        bad.append("tls13_dsb.pcapng: the embedded secrets did not decrypt it")
    wrong = records(binary, "-r", os.path.join(data, "tls13.pcap"), "--keylog",
                    os.path.join(data, "tls12_gcm.keys"))
    if "tls.not_decrypted" not in codes(wrong):
        bad.append(f"tls13 with another capture's keys: {codes(wrong)}")
    for name, want in (("tls12_alert", "tls.alert"), ("tls12_expired", "tls.cert_expired")):
        got = codes(records(binary, "-r", os.path.join(data, name + ".pcap")))
        if want not in got:
            bad.append(f"{name}: want {want}, got {got}")
    chains = 0
    for pcap in sorted(glob.glob(os.path.join(data, "*.pcap"))):
        out = subprocess.run([binary, "--no-progress", "--flows", "--json", "-r", pcap, "-r",
                              pcap], capture_output=True, text=True)
        certs = [json.loads(l)["flow"].get("tls", {}).get("server_certificate")
                 for l in out.stdout.splitlines() if json.loads(l)["event_type"] == "flow"]
        certs = [c for c in certs if c]
        if not certs:
            continue  # TLS 1.3 without keys: the chain is encrypted
        chains += 1
        if len(certs) != 2 or certs[0] != certs[1]:
            bad.append(f"{os.path.basename(pcap)} read twice: chains differ: {certs}")
    if chains < 3:
        bad.append(f"only {chains} captures with a visible server chain")
    for b in bad:
        print("FAIL:", b)
    print(f"{checked} decryptable captures checked, {chains} chains read twice, "
          f"{len(bad)} problems")
    sys.exit(1 if bad or checked < 5 else 0)


if __name__ == "__main__":
    main()
