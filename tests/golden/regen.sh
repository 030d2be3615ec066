#!/usr/bin/env bash
# regen.sh BUILD_DIR — rewrites every expected output in pcaps/expected/ from the manifest.
# Read the diff (git diff pcaps/expected) before committing: goldens are reviewed by a person.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${1:?usage: regen.sh BUILD_DIR}/scepsniff
grep -v '^#' "$here/manifest.txt" | grep -v '^[[:space:]]*$' |
while IFS='|' read -r name pcap args; do
  name=$(echo $name) pcap=$(echo $pcap) args=${args//@SRC@/$top}
  # shellcheck disable=SC2086
  "$bin" --no-progress --seed 1 -r "$top/pcaps/$pcap" $args >"$top/pcaps/expected/$name.txt" || true
  echo "wrote pcaps/expected/$name.txt"
done
