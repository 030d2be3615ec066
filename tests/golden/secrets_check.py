#!/usr/bin/env python3
"""secrets_check.py SCEPSNIFF SRCDIR — the challenge password in a real request (opened with
the RA key of pcaps/keys/scep-depot) is never printed by default, in text (-v) or JSON, and
is printed with --show-secrets. The password-protected key loads from a password file and
the environment, and a wrong password fails cleanly without printing the password."""
import os
import subprocess
import sys
import tempfile

CHALLENGE = "scepsniff-test-challenge"  # what make-captures.sh gave scepclient (pcaps/README.md)


def run(binary, *args, env=None):
    return subprocess.run([binary, "--no-progress", "--color", "never", *args],
                          capture_output=True, text=True, env=env)


def main():
    binary, src = sys.argv[1], sys.argv[2]
    pcap = os.path.join(src, "pcaps/scep-enroll-post.pcap")
    plain = os.path.join(src, "pcaps/keys/scep-depot/ca-unencrypted.key")
    enc = os.path.join(src, "pcaps/keys/scep-depot/ca.key")  # encrypted, empty passphrase
    bad = []
    for fmt in (["-v"], ["--json"]):
        out = run(binary, "-r", pcap, "--ra-key", plain, *fmt)
        if out.returncode not in (0, 1):
            bad.append(f"{fmt}: exit {out.returncode}: {out.stderr}")
        if "device-post" not in out.stdout:
            bad.append(f"{fmt}: the CSR subject is missing: the request was not opened")
        if CHALLENGE in out.stdout or CHALLENGE in out.stderr:
            bad.append(f"{fmt}: the challenge is printed without --show-secrets")
        shown = run(binary, "-r", pcap, "--ra-key", plain, "--show-secrets", *fmt)
        if CHALLENGE not in shown.stdout:
            bad.append(f"{fmt}: --show-secrets does not show the challenge")
    with tempfile.NamedTemporaryFile("w", suffix=".pw") as pw:
        pw.write("\n")  # the depot key's passphrase is empty
        pw.flush()
        ok = run(binary, "-r", pcap, "--ra-key", enc, "--ra-key-password-file", pw.name)
        if "device-post" not in ok.stdout:
            bad.append(f"password file: request not opened: {ok.stderr}")
    env = dict(os.environ, SCEPSNIFF_RA_KEY_PASSWORD="definitely-wrong-password")
    wrong = run(binary, "-r", pcap, "--ra-key", enc, env=env)
    if wrong.returncode != 2 or "definitely-wrong-password" in wrong.stdout + wrong.stderr:
        bad.append(f"wrong password: exit {wrong.returncode}, stderr {wrong.stderr!r}")
    for b in bad:
        print("FAIL:", b)
    print(f"{len(bad)} problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
