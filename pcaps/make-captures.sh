#!/bin/bash
# make-captures.sh: remake every capture in this folder by recording real programs
# (nginx, micromdm scepserver/scepclient, certmonger's scep-submit, curl, small
# python3 stdlib servers) with tcpdump. Nothing here crafts packets by hand.
#
# All traffic stays inside network namespaces this script creates (names ssp-*),
# on their own loopback (127.0.0.1, ::1) or on a veth pair with 198.18.0.0/15
# addresses that exist only inside those namespaces. Servers are stopped by PID.
#
# Run as root:  bash pcaps/make-captures.sh
# Idempotent: the CA and the client keys under keys/ are reused when present, so
# transactionIDs and certificate names stay the same from one run to the next.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "make-captures.sh: run as root (namespaces, tcpdump)" >&2
	exit 1
fi

LAB=ssp-lab # loopback lab: every loopback capture
CLI=ssp-cli # blocked.pcap: client side of a veth pair
SRV=ssp-srv # blocked.pcap: server side, drops port 80

P_WEB=28080     # nginx: static files, /certsrv/mscep/mscep.dll -> scepserver
P_SCEP=28081    # micromdm scepserver at /scep (only nginx talks to it)
P_NDES=28082    # nginx as a broken NDES/IIS/app proxy: 403/500/503/504/414/502/HTML
P_RESET=28083   # python: reads the request, answers with a RST
P_TRUNC=28084   # python: Content-Length 5000, sends 1000 bytes, FIN
P_SILENT=28085  # python: reads the request, never answers
P_DEAD=28086    # nothing listens: upstream of the 502 and of the harvest location
P_NDESCAPS=28088 # nginx: NDES-like GetCACaps (no POSTPKIOperation) -> clients GET
P_CLOSED=28099  # nothing listens: refused.pcap, demo.pcap

CHALLENGE=scepsniff-test-challenge
BAD_CHALLENGE=not-the-challenge
SCEP_PATH=/certsrv/mscep/mscep.dll

need_tools() {
	local missing=() t
	for t in tcpdump:tcpdump nginx:nginx-light curl:curl scepserver:scep scepclient:scep \
		tcprewrite:tcpreplay ip:iproute2 nft:nftables python3:python3 openssl:openssl \
		setpriv:util-linux; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
	done
	[ -x /usr/lib/certmonger/scep-submit ] || missing+=(certmonger)
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
	fi
}

WORK=$(mktemp -d /tmp/ssp-pcaps.XXXXXX)
chmod 755 "$WORK" # nginx workers (www-data) read the document root below it
OUT=$WORK/out
mkdir -p "$OUT/logs" "$OUT/keys"
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for ns in $LAB $CLI $SRV; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# stop_pid PID [SIGNAL]: signal one process we started and reap it.
stop_pid() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget_pid "$1"
}

# bg NS LOG CMD...: start CMD in namespace NS, remember its PID in BG_PID.
# `ip netns exec` execs the command, so the PID is the program's own.
bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# cap_start NS IFACE FILE SNAPLEN [tcpdump args/filter...]; cap_stop.
cap_start() {
	local ns=$1 ifc=$2 file=$3 snap=$4
	shift 4
	ip netns exec "$ns" tcpdump -U -s "$snap" -i "$ifc" -w "$OUT/$file" "$@" \
		2>"$WORK/tcpdump-$file.log" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	sleep 1 # let tcpdump attach before any traffic
}
cap_stop() {
	sleep 1 # let the last segments arrive
	stop_pid "$CAP_PID" INT
}

in_lab() { ip netns exec "$LAB" "$@"; }

# log NAME TEXT...: append to logs/NAME.txt
log() {
	local name=$1
	shift
	printf '%s\n' "$@" >>"$OUT/logs/$name.txt"
}
# show_cmd ARGS...: a command line as one would type it (for the logs)
show_cmd() {
	local a out=""
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@%+,-]* | "") out+=" '$a'" ;;
		*) out+=" $a" ;;
		esac
	done
	printf '$%s' "$out"
}
# run_logged NAME CMD...: run CMD, record the command line, its output and exit status.
run_logged() {
	local name=$1 rc=0
	shift
	if [ "$1" = in_lab ]; then log "$name" "$(show_cmd "${@:2}")"; else log "$name" "$(show_cmd "$@")"; fi
	"$@" >"$WORK/run.out" 2>&1 || rc=$?
	cat "$WORK/run.out" >>"$OUT/logs/$name.txt"
	log "$name" "[exit status $rc]" ""
}
# the scepserver / nginx log lines written since the last mark
mark_logs() {
	SRV_MARK=$(wc -l <"$WORK/scepserver.log")
	NGX_MARK=$(wc -l <"$WORK/nginx/access.log")
}
logs_since_mark() {
	log "$1" "--- scepserver log ---"
	tail -n +"$((SRV_MARK + 1))" "$WORK/scepserver.log" >>"$OUT/logs/$1.txt"
	log "$1" "--- nginx access log ---"
	tail -n +"$((NGX_MARK + 1))" "$WORK/nginx/access.log" >>"$OUT/logs/$1.txt"
}

# ---------------------------------------------------------------- namespaces
setup_lab() {
	ip netns del "$LAB" 2>/dev/null || true
	ip netns add "$LAB"
	ip -n "$LAB" link set lo up
}

setup_pair() {
	ip netns del "$CLI" 2>/dev/null || true
	ip netns del "$SRV" 2>/dev/null || true
	ip netns add "$CLI"
	ip netns add "$SRV"
	ip -n "$CLI" link add veth0 type veth peer name veth0 netns "$SRV"
	ip -n "$CLI" addr add 198.18.0.1/30 dev veth0
	ip -n "$SRV" addr add 198.18.0.2/30 dev veth0
	for ns in $CLI $SRV; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up
	done
	# a firewall on the server that silently drops, as many enterprise firewalls do
	ip netns exec "$SRV" nft -f - <<-'EOF'
		table inet ssp_block {
			chain input {
				type filter hook input priority 0; policy accept;
				tcp dport 80 drop
			}
		}
	EOF
}

# ---------------------------------------------------------------- peers
write_files() {
	mkdir -p "$WORK/www/static" "$WORK/www-ndes" "$WORK/nginx"
	printf 'first small file from nginx\n' >"$WORK/www/static/small-1.txt"
	printf 'second small file, same connection\n' >"$WORK/www/static/small-2.txt"
	head -c 204800 <(yes 'scepsniff reassembly test line, 48 bytes long..') >"$WORK/www/static/big.bin"
	cat >"$WORK/www-ndes/ndes.html" <<-'EOF'
		<!DOCTYPE html>
		<html><head><title>Network Device Enrollment Service</title></head>
		<body><h1>Network Device Enrollment Service</h1>
		<p>Network Device Enrollment Service allows you to obtain certificates for routers or
		other network devices using the Simple Certificate Enrollment Protocol (SCEP).</p>
		</body></html>
	EOF
	# Small stdlib servers for the broken-peer cases; each serves COUNT
	# connections, every socket operation has a timeout.
	cat >"$WORK/peer.py" <<-'EOF'
		import socket, struct, sys
		mode, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
		srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		srv.bind(("127.0.0.1", port))
		srv.listen(4)
		srv.settimeout(60)
		print("listening", mode, port, flush=True)
		for _ in range(count):
		    conn, peer = srv.accept()
		    conn.settimeout(30)
		    req = b""
		    while b"\r\n\r\n" not in req and len(req) < 65536:
		        data = conn.recv(65536)
		        if not data:
		            break
		        req += data
		    print("request", req.split(b"\r\n")[0].decode(errors="replace"), flush=True)
		    if mode == "reset":
		        # linger on with timeout 0: close() sends a RST instead of a FIN
		        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
		        conn.close()
		        print("closed with RST", flush=True)
		    elif mode == "truncated":
		        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-x509-ca-cert\r\n"
		                b"Content-Length: 5000\r\nConnection: close\r\n\r\n")
		        conn.sendall(head + b"A" * 1000)
		        conn.close()
		        print("sent headers + 1000 of 5000 body bytes, closed with FIN", flush=True)
		    elif mode == "silent":
		        try:
		            while conn.recv(65536):
		                pass
		            print("peer closed", flush=True)
		        except socket.timeout:
		            print("timeout", flush=True)
		        conn.close()
		srv.close()
	EOF
}

write_nginx_conf() {
	local d=$WORK/nginx
	cat >"$d/nginx.conf" <<-EOF
		worker_processes 1;
		daemon off;
		pid $d/nginx.pid;
		error_log $d/error.log info;
		events { worker_connections 64; }
		http {
		    access_log $d/access.log;
		    client_body_temp_path $d/client_body;
		    proxy_temp_path $d/proxy;
		    fastcgi_temp_path $d/fastcgi;
		    uwsgi_temp_path $d/uwsgi;
		    scgi_temp_path $d/scgi;
		    types { text/plain txt; text/html html; application/octet-stream bin; }
		    default_type application/octet-stream;
		    keepalive_timeout 10s;

		    # The SCEP service: NDES path in front of micromdm's scepserver.
		    server {
		        listen 127.0.0.1:$P_WEB;
		        listen [::1]:$P_WEB;
		        root $WORK/www;
		        location /static/ { }
		        location = $SCEP_PATH { proxy_pass http://127.0.0.1:$P_SCEP/scep; }
		        # Harvest a client's pkiMessage without letting the CA see it:
		        # nginx keeps the POST body in a file, then fails on a dead upstream.
		        location = /harvest$SCEP_PATH {
		            if (\$request_method = POST) { rewrite ^ /harvest-post last; }
		            proxy_pass http://127.0.0.1:$P_SCEP/scep;
		        }
		        location = /harvest-post {
		            internal;
		            client_body_in_file_only on;
		            proxy_pass http://127.0.0.1:$P_DEAD;
		        }
		    }

		    # NDES answers GetCACaps without POSTPKIOperation; clients then GET.
		    server {
		        listen 127.0.0.1:$P_NDESCAPS;
		        location = $SCEP_PATH {
		            default_type text/plain;
		            if (\$arg_operation = GetCACaps) { return 200 "Renewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n"; }
		            proxy_pass http://127.0.0.1:$P_SCEP/scep;
		        }
		    }

		    # Broken NDES / IIS / application proxy stand-ins (Host decides which).
		    server {
		        listen 127.0.0.1:$P_NDES default_server;
		        server_name ndes.example;
		        large_client_header_buffers 4 2k;
		        location = $SCEP_PATH {
		            if (\$arg_operation = "") { return 403; }
		            if (\$arg_operation = GetCACert) { return 500; }
		            if (\$arg_operation = GetCACaps) { return 503; }
		            proxy_pass http://127.0.0.1:$P_SCEP/scep;
		        }
		    }
		    server {
		        listen 127.0.0.1:$P_NDES;
		        server_name ndes-connector-missing.example;
		        root $WORK/www-ndes;
		        location = $SCEP_PATH { default_type text/html; try_files /ndes.html =404; }
		    }
		    server {
		        listen 127.0.0.1:$P_NDES;
		        server_name appproxy.example;
		        location = $SCEP_PATH {
		            proxy_read_timeout 2s;
		            proxy_pass http://127.0.0.1:$P_SILENT;
		        }
		    }
		    server {
		        listen 127.0.0.1:$P_NDES;
		        server_name dead-upstream.example;
		        location = $SCEP_PATH { proxy_pass http://127.0.0.1:$P_DEAD; }
		    }
		}
	EOF
}

start_servers() {
	mkdir -p "$WORK/depot"
	if [ -s "$HERE/keys/scep-depot/ca.key" ] && [ -s "$HERE/keys/scep-depot/ca.pem" ]; then
		install -m 600 "$HERE/keys/scep-depot/ca.key" "$HERE/keys/scep-depot/ca.pem" "$WORK/depot/"
	else
		scepserver ca -init -depot "$WORK/depot" -keySize 2048 \
			-organization "scepsniff test CA" -country XX >"$WORK/ca-init.log" 2>&1
	fi
	mkdir -p "$OUT/keys/scep-depot"
	install -m 644 "$WORK/depot/ca.key" "$WORK/depot/ca.pem" "$OUT/keys/scep-depot/"
	# micromdm stores the key encrypted (DES-EDE3) under an empty passphrase;
	# tests get an unencrypted PKCS#8 copy of the same key as well.
	openssl pkey -in "$WORK/depot/ca.key" -passin pass: -out "$OUT/keys/scep-depot/ca-unencrypted.key"
	chmod 644 "$OUT/keys/scep-depot/ca-unencrypted.key"

	bg "$LAB" "$WORK/scepserver.log" scepserver -depot "$WORK/depot" -port "$P_SCEP" \
		-challenge "$CHALLENGE" -allowrenew 0 -debug
	SCEP_PID=$BG_PID
	bg "$LAB" "$WORK/nginx/stdout.log" nginx -e "$WORK/nginx/error.log" \
		-p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
	NGINX_PID=$BG_PID

	for _ in $(seq 1 50); do
		if in_lab curl -s -o /dev/null "http://127.0.0.1:$P_WEB/static/small-1.txt" &&
			in_lab curl -s -o /dev/null "http://127.0.0.1:$P_SCEP/scep?operation=GetCACaps"; then
			touch "$WORK/nginx/access.log"
			return 0
		fi
		sleep 0.2
	done
	echo "servers did not come up" >&2
	cat "$WORK/scepserver.log" "$WORK/nginx/error.log" >&2
	return 1
}

# start_peer MODE PORT COUNT: one of the python servers; PID in PEER_PID.
start_peer() {
	bg "$LAB" "$WORK/peer-$1.log" python3 "$WORK/peer.py" "$1" "$2" "$3"
	PEER_PID=$BG_PID

	for _ in $(seq 1 50); do
		grep -q listening "$WORK/peer-$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "peer $1 did not start" >&2
	return 1
}
# stop_peer NAME: the peer's own log goes into logs/NAME.txt
stop_peer() {
	stop_pid "$PEER_PID"
	log "$1" "--- python peer ---"
	cat "$WORK/peer-$2.log" >>"$OUT/logs/$1.txt"
}

# ---------------------------------------------------------------- SCEP clients
# scep_enroll LOG ROLE CN URL CHALLENGE [UID]: micromdm scepclient with the key of
# ROLE (reused from keys/ROLE/ if present, so the transactionID stays the same).
scep_enroll() {
	local name=$1 role=$2 cn=$3 url=$4 chal=$5 uid=${6:-} dir=$WORK/cli/$2 rc=0
	mkdir -p "$dir"
	if [ -s "$HERE/keys/$role/client.key" ] && [ -s "$HERE/keys/$role/csr.pem" ]; then
		cp "$HERE/keys/$role/client.key" "$HERE/keys/$role/csr.pem" "$dir/"
	fi
	rm -f "$dir/client.pem" # no certificate: an initial enrollment, not a renewal
	local cmd=(scepclient -server-url "$url" -challenge "$chal" -cn "$cn"
		-private-key "$dir/client.key" -certificate "$dir/client.pem" -debug)
	if [ -n "$uid" ]; then
		chown -R "$uid:$uid" "$dir"
		cmd=(setpriv --reuid="$uid" --regid="$uid" --clear-groups "${cmd[@]}")
	fi
	log "$name" "$(show_cmd "${cmd[@]}")"
	timeout 60 ip netns exec "$LAB" "${cmd[@]}" >"$WORK/run.out" 2>&1 || rc=$?
	cat "$WORK/run.out" >>"$OUT/logs/$name.txt"
	log "$name" "[exit status $rc]" ""
	mkdir -p "$OUT/keys/$role"
	install -m 644 "$dir/client.key" "$dir/csr.pem" "$OUT/keys/$role/"
	if [ -s "$dir/client.pem" ]; then
		install -m 644 "$dir/client.pem" "$OUT/keys/$role/issued.pem"
	fi
}

# ---------------------------------------------------------------- captures
http_traffic() { # $1: host part of the URL
	local name=$2 base="http://$1:$P_WEB/static"
	run_logged "$name" in_lab curl -sS -o /dev/null -o /dev/null \
		-w '%{http_code} %{size_download} bytes, new connections: %{num_connects}\n' \
		"$base/small-1.txt" "$base/small-2.txt"
	run_logged "$name" in_lab curl -sS -o /dev/null \
		-w '%{http_code} %{size_download} bytes, new connections: %{num_connects}\n' \
		"$base/big.bin"
}

cap_http() {
	cap_start "$LAB" lo http-ipv4.pcap 0 tcp port $P_WEB
	http_traffic 127.0.0.1 http-ipv4
	cap_stop

	cap_start "$LAB" lo http-ipv6.pcap 0 tcp port $P_WEB
	http_traffic '[::1]' http-ipv6
	cap_stop

	run_logged http-vlan tcprewrite --enet-vlan=add --enet-vlan-tag=10 --enet-vlan-cfi=0 \
		--enet-vlan-pri=0 --infile="$OUT/http-ipv4.pcap" --outfile="$OUT/http-vlan.pcap"
	# tcprewrite puts a second tag outside an existing one: 802.1ad outer, 802.1Q inner
	run_logged http-qinq tcprewrite --enet-vlan=add --enet-vlan-tag=20 --enet-vlan-cfi=0 \
		--enet-vlan-pri=0 --enet-vlan-proto=802.1ad \
		--infile="$OUT/http-vlan.pcap" --outfile="$OUT/http-qinq.pcap"

	cap_start "$LAB" any any-sll2.pcap 0 -y LINUX_SLL2 tcp port $P_WEB
	run_logged any-sll2 in_lab curl -sS -o /dev/null -w '%{http_code} %{size_download} bytes\n' \
		"http://127.0.0.1:$P_WEB/static/small-1.txt"
	cap_stop

	cap_start "$LAB" lo snaplen.pcap 96 tcp port $P_WEB
	http_traffic 127.0.0.1 snaplen
	cap_stop
}

cap_stream_failures() {
	local q="$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_start "$LAB" lo refused.pcap 0 tcp port $P_CLOSED
	run_logged refused in_lab curl -sS "http://127.0.0.1:$P_CLOSED$q"
	run_logged refused in_lab curl -sS "http://[::1]:$P_CLOSED$q"
	cap_stop

	setup_pair
	cap_start "$CLI" veth0 blocked.pcap 0 tcp port 80
	run_logged blocked ip netns exec "$CLI" curl -sS --connect-timeout 8 "http://198.18.0.2$q"
	cap_stop
	ip netns del "$CLI"
	ip netns del "$SRV"

	start_peer reset $P_RESET 1
	cap_start "$LAB" lo reset.pcap 0 tcp port $P_RESET
	run_logged reset in_lab curl -sS "http://127.0.0.1:$P_RESET$q"
	cap_stop
	stop_peer reset reset

	start_peer truncated $P_TRUNC 1
	cap_start "$LAB" lo truncated.pcap 0 tcp port $P_TRUNC
	run_logged truncated in_lab curl -sS -o /dev/null -w '%{http_code} %{size_download} bytes\n' \
		"http://127.0.0.1:$P_TRUNC$SCEP_PATH?operation=GetCACert&message=ca"
	cap_stop
	stop_peer truncated truncated

	start_peer silent $P_SILENT 1
	cap_start "$LAB" lo noresponse.pcap 0 tcp port $P_SILENT
	run_logged noresponse in_lab curl -sS --max-time 5 \
		"http://127.0.0.1:$P_SILENT$SCEP_PATH?operation=GetCACert&message=ca"
	cap_stop
	stop_peer noresponse silent
}

# harvest LOG ROLE CN: a real PKCSReq from scepclient for certmonger, which makes
# none itself outside its daemon. nginx keeps the POST body in a file and then
# fails on a dead upstream, so the CA never sees this copy. Result: keys/ROLE/pkimessage.pem
harvest() {
	local name=$1 role=$2 body
	rm -f "$WORK"/nginx/client_body/*
	log "$name" "--- harvesting a pkiMessage from scepclient (not captured) ---"
	mark_logs
	scep_enroll "$name" "$role" "$3" "http://127.0.0.1:$P_WEB/harvest$SCEP_PATH" "$CHALLENGE"
	logs_since_mark "$name"
	body=$(find "$WORK/nginx/client_body" -type f | head -n 1)
	[ -s "$body" ] || { echo "harvest: no request body kept by nginx" >&2; return 1; }
	{
		echo "-----BEGIN PKCS7-----"
		base64 -w 64 "$body"
		echo "-----END PKCS7-----"
	} >"$OUT/keys/$role/pkimessage.pem"
	cp "$body" "$WORK/$role-req.der"
	log "$name" "--- end of harvest ---" ""
}

cap_scep() {
	local url="http://127.0.0.1:$P_WEB$SCEP_PATH" name
	local cm=/usr/lib/certmonger/scep-submit ca=$WORK/depot/ca.pem

	name=scep-enroll-post
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_WEB
	scep_enroll $name enroll-post device-post "$url" "$CHALLENGE"
	cap_stop
	logs_since_mark $name

	# certmonger: GetCACaps, GetCACert, PKIOperation, each a separate run as certmonger's daemon would do
	name=scep-enroll-certmonger
	harvest $name certmonger device-certmonger
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_WEB
	run_logged $name in_lab $cm -u "$url" -c
	run_logged $name in_lab $cm -u "$url" -C
	run_logged $name in_lab $cm -u "$url" -r "$ca" -N "$ca" -p "$OUT/keys/certmonger/pkimessage.pem"
	cap_stop
	logs_since_mark $name

	# GET PKIOperation against an NDES-like GetCACaps (no POSTPKIOperation)
	name=scep-get-pkioperation
	harvest $name enroll-get device-get
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_NDESCAPS
	run_logged $name in_lab $cm -u "http://127.0.0.1:$P_NDESCAPS$SCEP_PATH" -c
	run_logged $name in_lab $cm -u "http://127.0.0.1:$P_NDESCAPS$SCEP_PATH" -r "$ca" -N "$ca" \
		-p "$OUT/keys/enroll-get/pkimessage.pem"
	cap_stop
	logs_since_mark $name

	# scepclient's own GET: it sends base64url, which micromdm's server cannot decode
	name=scep-get-base64url
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_NDESCAPS
	scep_enroll $name get-base64url device-get-base64url \
		"http://127.0.0.1:$P_NDESCAPS$SCEP_PATH" "$CHALLENGE"
	cap_stop
	logs_since_mark $name

	name=scep-bad-challenge
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_WEB
	scep_enroll $name bad-challenge device-bad-challenge "$url" "$BAD_CHALLENGE"
	cap_stop
	logs_since_mark $name
}

cap_nginx_errors() {
	local u="http://127.0.0.1:$P_NDES$SCEP_PATH" name=nginx-errors
	local fmt='%{http_code} %{content_type} %{size_download} bytes\n'
	local b64=$WORK/long-message.b64
	base64 -w 0 "$WORK/certmonger-req.der" >"$b64" # a real pkiMessage, far over 2k

	start_peer silent $P_SILENT 1
	mark_logs
	cap_start "$LAB" lo nginx-errors.pcap 0 tcp port $P_NDES
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$u"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$u?operation=GetCACert&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$u?operation=GetCACaps&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" -G \
		--data-urlencode operation=PKIOperation --data-urlencode "message@$b64" "$u"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		--resolve "appproxy.example:$P_NDES:127.0.0.1" \
		"http://appproxy.example:$P_NDES$SCEP_PATH?operation=GetCACaps&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		--resolve "ndes-connector-missing.example:$P_NDES:127.0.0.1" \
		"http://ndes-connector-missing.example:$P_NDES$SCEP_PATH?operation=GetCACert&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		--resolve "dead-upstream.example:$P_NDES:127.0.0.1" \
		"http://dead-upstream.example:$P_NDES$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name
	stop_peer $name silent
	log $name "--- nginx error log (upstream lines) ---"
	grep -E 'upstream|too long|too large' "$WORK/nginx/error.log" | tail -n 5 >>"$OUT/logs/$name.txt" || true
}

# demo.pcap: four devices at 127.0.0.2..5. scepclient cannot bind a source
# address, so each device runs as its own uid and a uid routing rule in the lab
# namespace picks that device's source address on the loopback.
demo_route() { # uid address table
	in_lab ip rule add pref 10 uidrange "$1-$1" lookup "$3"
	in_lab ip route add local 127.0.0.1 dev lo src "$2" table "$3"
}
cap_demo() {
	local name=demo u="http://127.0.0.1:$P_WEB$SCEP_PATH"
	in_lab ip rule del pref 0 lookup local
	in_lab ip rule add pref 100 lookup local
	demo_route 28002 127.0.0.2 102
	demo_route 28003 127.0.0.3 103
	demo_route 28004 127.0.0.4 104
	demo_route 28005 127.0.0.5 105
	log $name "device 127.0.0.2 = uid 28002, .3 = 28003, .4 = 28004, .5 = 28005 (uid routing rules)" ""

	mark_logs
	cap_start "$LAB" lo demo.pcap 0 tcp port $P_WEB or tcp port $P_NDES or tcp port $P_CLOSED
	scep_enroll $name demo-good demo-device-2 "$u" "$CHALLENGE" 28002
	scep_enroll $name demo-bad demo-device-3 "$u" "$BAD_CHALLENGE" 28003
	run_logged $name in_lab setpriv --reuid=28004 --regid=28004 --clear-groups \
		curl -sS "http://127.0.0.1:$P_CLOSED$SCEP_PATH?operation=GetCACaps&message=ca"
	run_logged $name in_lab setpriv --reuid=28005 --regid=28005 --clear-groups \
		curl -sS -o /dev/null -w '%{http_code} %{local_ip}\n' \
		"http://127.0.0.1:$P_NDES$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name
}

# ---------------------------------------------------------------- main
need_tools
setup_lab
write_files
write_nginx_conf
start_servers

cap_http
cap_stream_failures
cap_scep
cap_nginx_errors
cap_demo

stop_pid "$NGINX_PID" QUIT
stop_pid "$SCEP_PID"
# what the CA issued during this run (serial, subject), for the tests
cp "$WORK/depot/index.txt" "$OUT/logs/scep-depot-index.txt"

# No path of this machine in committed text.
for f in "$OUT"/logs/*.txt; do
	sed -i -e "s#$WORK/out#<pcaps>#g" -e "s#$WORK#<tmp>#g" -e "s#$HERE#<pcaps>#g" "$f"
done

# Replace the committed set only now that every capture was made.
rm -f "$HERE"/*.pcap
rm -rf "$HERE/logs" "$HERE/keys"
cp "$OUT"/*.pcap "$HERE/"
cp -r "$OUT/logs" "$OUT/keys" "$HERE/"

for f in "$HERE"/*.pcap; do
	printf '%-28s %8d bytes %6s packets\n' "$(basename "$f")" "$(stat -c %s "$f")" \
		"$(tcpdump -nr "$f" 2>/dev/null | wc -l)"
done
