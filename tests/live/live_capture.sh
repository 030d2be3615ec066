#!/usr/bin/env bash
# live_capture.sh SCEPSNIFF — live capture end to end, inside a network namespace this test
# creates: scepsniff -i lo drops root, reports a GetCACaps exchange as it completes, and on
# SIGINT flushes a request still waiting for its answer as open at the end of the capture.
# Servers and scepsniff are stopped by PID; every wait is bounded.
set -u
bin=$(readlink -f "$1")
ns="ssl-live-$$"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- scepsniff output:"; cat "$work/out" 2>/dev/null; echo "--- stderr:"; cat "$work/err" 2>/dev/null; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, live capture)"
ip netns add "$ns" || fail "cannot create a network namespace"
ip -n "$ns" link set lo up
# background jobs are started with ip netns exec directly, so that $! is the program's PID
run() { ip netns exec "$ns" "$@"; }

mkdir -p "$work/www/certsrv/mscep"
printf 'POSTPKIOperation\nSHA-256\nAES\n' > "$work/www/certsrv/mscep/mscep.dll"
chmod -R a+rX "$work"
ip netns exec "$ns" python3 -m http.server 80 --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
pids+=($!)
# a server that accepts and never answers: the request stays open
ip netns exec "$ns" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8080)); s.listen(4)
c, _ = s.accept(); c.recv(4096); time.sleep(60)' &
pids+=($!)

# not through run(): a backgrounded shell function would give the PID of a subshell
ip netns exec "$ns" "$bin" -i lo --no-progress --color never > "$work/out" 2> "$work/err" &
sniff=$!
pids+=($sniff)
sleep 1.5   # let the capture open before the traffic starts

uid=$(awk '/^Uid:/ {print $2}' /proc/$sniff/status)
[ "$uid" != "0" ] || fail "scepsniff still runs as root after opening the device"

run curl -s -o /dev/null --max-time 5 "http://127.0.0.1/certsrv/mscep/mscep.dll?operation=GetCACaps&message=ca" \
  || fail "curl GetCACaps failed"
ip netns exec "$ns" curl -s -o /dev/null --max-time 20 "http://127.0.0.1:8080/certsrv/mscep/mscep.dll?operation=GetCACert&message=ca" &
pids+=($!)
# the completed exchange is reported while capture goes on
for _ in $(seq 50); do grep -q "GetCACaps" "$work/out" && break; sleep 0.1; done
grep -q "GET GetCACaps .*200  ok" "$work/out" || fail "GetCACaps not reported live"
sleep 1
kill -INT "$sniff"
for _ in $(seq 100); do [ -e /proc/$sniff ] || break; sleep 0.1; done
[ -e /proc/$sniff ] && fail "scepsniff did not stop on SIGINT"
wait "$sniff"; rc=$?
[ $rc -le 1 ] || fail "exit status $rc"
grep -q "GET GetCACert .*capture.open_at_end" "$work/out" || fail "pending request not flushed as open at end of capture"
grep -q "packets received" "$work/err" || fail "kernel drop counters not reported at exit"
echo "live capture ok"
cat "$work/out"
