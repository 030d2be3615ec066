#!/usr/bin/env bash
# make-derived.sh — captures derived from the real ones by cutting them as a capture would:
# a capture that stops mid-exchange, and one recorded with a short snapshot length. editcap
# (Wireshark) does exactly what tcpdump -c / -s would have done at record time. Run after
# make-captures.sh; idempotent.
set -euo pipefail
cd "$(dirname "$0")"
command -v editcap >/dev/null || { echo "editcap (tshark package) is needed" >&2; exit 1; }
# the capture ends after the POST PKIOperation left the client, before the CertRep came back
editcap -r scep-enroll-post.pcap scep-cut-at-end.pcap 1-10
# recorded with a 300-byte snapshot: the PKIOperation request and reply lose bytes in OUR capture
editcap -s 300 scep-enroll-post.pcap scep-snaplen.pcap
echo "derived: scep-cut-at-end.pcap scep-snaplen.pcap"
