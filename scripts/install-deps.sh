#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages scepsniff needs to build, test and remake its
# captures. Idempotent: installs only what is missing (apt-get update first, as a fresh machine
# needs). Run as root, or with sudo available.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libpcap-dev libndpi-dev libhtp-dev libssl-dev libjansson-dev libcmocka-dev
      tcpdump tshark python3 python3-jsonschema curl iproute2)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
