#!/usr/bin/env python3
"""evidence.py SCEPSNIFF SRCDIR — which bundled capture produces each finding of the catalogue
(docs/evidence.md is this script's output, with the reasons for the rest written by hand in
REASONS below). Also a test: every finding a capture is listed for must still appear."""
import glob
import json
import os
import re
import subprocess
import sys

# Findings no loopback capture here produces, why, and the unit test that covers them.
REASONS = {
    "transport.reset_by_client": "no real SCEP client resets mid-request on demand; test_judge.c, test_detector.c",
    "transport.request_truncated": "no real client stops mid-body on demand; test_judge.c",
    "capture.open_at_end": "scep-cut-at-end.pcap (its PKIOperation; shown with -v) and the live test's SIGINT flush",
    "http.403_operation": "needs the NDES policy module; nginx has no equivalent that a real client triggers; test_judge.c",
    "http.other_error": "test_judge.c (3xx and other statuses)",
    "http.wrong_content_type": "test_judge.c",
    "scep.pending": "micromdm's scepserver cannot answer PENDING and no other SCEP server is packaged; test_judge.c, test_enrollments.c",
    "scep.malformed_request": "real clients build valid messages; test_judge.c, decoder hostile-input tests",
    "scep.malformed_reply": "test_judge.c, decoder hostile-input tests",
    "scep.transaction_id_mismatch": "real servers echo the transactionID; test_judge.c",
    "scep.nonce_mismatch": "real servers echo the nonce; test_judge.c",
    "scep.reply_no_content_type": "micromdm includes the attribute; test_judge.c, test_scep_msg.c",
    "http.url_near_httpsys_limit": "test_judge.c",
    "scep.message_plus_unescaped": "certmonger and curl escape '+'; test_judge.c, test_scep_url.c",
    "scep.message_bad_base64": "test_judge.c, test_scep_url.c",
    "crypto.rsa_oaep": "no packaged client uses OAEP; test_judge.c, test_scep_msg.c (built with OpenSSL CMS)",
    "cert.not_yet_valid": "test_judge.c",
    "cert.expiring": "the lab CA is fresh; test_judge.c",
    "caps.no_sha2": "test_judge.c",
    "ra_key.old_certificate": "test_scep_content.c",
    "csr.signature_invalid": "test_scep_content.c, test_judge.c",
    "csr.weak_key": "test_scep_content.c",
    "csr.no_san": "needs an Android client; test_judge.c",
    "csr.empty_identity": "test_scep_content.c",
    "csr.signer_key_differs": "test_scep_content.c",
    "tls.incomplete": "test_tls.c",
    "tls.cert_not_yet_valid": "test_tls.c",
    "tls.cert_name_mismatch": "test_tls.c",
    "cert.ra_encryption_missing": "micromdm's scepserver has no RA certificates; test_cert_checks.c (NDES-like sets built with OpenSSL)",
    "cert.ra_signing_missing": "micromdm's scepserver has no RA certificates; test_cert_checks.c",
    "cert.ra_not_issued_by_ca": "micromdm's scepserver has no RA certificates; test_cert_checks.c",
    "cert.reply_signature_invalid": "real servers sign correctly; test_scep_verify.c (real CertReps with a byte flipped), test_cert_checks.c",
    "cert.reply_signer_no_digital_signature": "scepserver signs with its CA, which is exempt; test_cert_checks.c",
    "tls.not_decrypted": "tests/data/tls captures with another capture's key log (tls-through-engine test)",
}

RUNS = [[], ["--stall-timeout", "1"], ["--idle-timeout", "2"],
        ["--expect-ca-thumbprint", "00112233445566778899AABBCCDDEEFF00112233"],
        ["--ra-key", "pcaps/keys/scep-depot/ca-unencrypted.key"]]


def main():
    binary, src = sys.argv[1], sys.argv[2]
    found = {}
    for pcap in sorted(glob.glob(os.path.join(src, "pcaps", "*.pcap*"))):
        keys = pcap.rsplit(".", 1)[0] + ".keys"
        runs = RUNS + ([["--keylog", os.path.relpath(keys, src)]] if os.path.exists(keys) else [])
        for extra in runs:
            args = [a if not a.startswith("pcaps/") else os.path.join(src, a) for a in extra]
            out = subprocess.run([binary, "--no-progress", "--json", "-r", pcap, *args],
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                rec = json.loads(line)
                codes = [f["code"] for f in rec.get("verdict", {}).get("findings", [])]
                if rec["event_type"] == "enrollment" and rec["enrollment"]["outcome"] == "stalled":
                    codes.append("enrollment.stalled")
                for c in codes:
                    # per capture, the run with the fewest options that shows it
                    opts = " ".join(extra)
                    per = found.setdefault(c, {})
                    name = os.path.basename(pcap)
                    if name not in per or len(opts) < len(per[name]):
                        per[name] = opts
    catalogue = re.findall(r"^Code: `([a-z0-9_.]+)`", open(os.path.join(src, "docs/findings.md")).read(), re.M)
    print("# Evidence: which capture shows each finding\n")
    print("Made by `tests/golden/evidence.py`; every finding of docs/findings.md is either produced by")
    print("a bundled capture of real peers (pcaps/) or, where loopback cannot produce it, covered by")
    print("the unit test named, for the reason given.\n")
    print("| finding | capture (scepsniff options) or reason and test |\n|---|---|")
    missing = []
    for c in catalogue:
        if c in found:
            shown = [f"{n} (`{o}`)" if o else n for n, o in sorted(found[c].items())[:3]]
            print(f"| `{c}` | {', '.join(shown)} |")
        elif c in REASONS:
            print(f"| `{c}` | *not from a capture:* {REASONS[c]} |")
        else:
            missing.append(c)
            print(f"| `{c}` | **missing** |")
    if missing:
        print(f"\nno capture and no reason for: {missing}", file=sys.stderr)
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
