#!/bin/bash
# make-captures.sh: remake every capture in this folder by recording real programs
# (nginx, micromdm scepserver/scepclient, certmonger's scep-submit, curl, small
# python3 stdlib servers where no real server misbehaves in the needed way) with
# tcpdump. Nothing here crafts packets by hand. README.md says what each capture
# holds and what scepsniff reports for it.
#
# All traffic stays inside network namespaces this script creates (names ssp-*),
# on their own loopback (127.0.0.0/8, ::1) or on a veth pair with 198.18.0.0/15
# addresses that exist only inside those namespaces. Servers are stopped by PID;
# every wait is bounded.
#
# Run as root:  bash pcaps/make-captures.sh [--tls-only | --renewal-only]
# Idempotent: the CAs and the client keys under keys/ are reused when present, so
# transactionIDs and certificate names stay the same from one run to the next.
# The HTTPS captures (tls*) are made by make-tls-captures.sh, sourced below;
# --tls-only remakes just those and leaves every other capture as it is.
# --renewal-only remakes just scep-renewal.pcap (section "renewal" below).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ONLY=all
case ${1:-} in
"") ;;
--tls-only) ONLY=tls ;;
--renewal-only) ONLY=renewal ;;
*)
	echo "usage: make-captures.sh [--tls-only | --renewal-only]" >&2
	exit 2
	;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "make-captures.sh: run as root (namespaces, tcpdump)" >&2
	exit 1
fi

LAB=ssp-lab # loopback lab: every loopback capture
CLI=ssp-cli # blocked.pcap: client side of a veth pair
SRV=ssp-srv # blocked.pcap: server side, drops port 80

# Every server a device talks to listens on port 80 (real NDES listens on 80/443),
# each on its own loopback address inside the lab namespace; the backends behind
# nginx use high ports and are never recorded.
A_NDES=127.0.0.1      # (and ::1) nginx NDES stand-in: /certsrv/mscep/mscep.dll -> scepserver; /static/
A_NDESCAPS=127.0.1.1  # nginx: NDES-like GetCACaps (no POSTPKIOperation) -> clients GET
A_BROKEN=127.0.1.2    # nginx as a broken NDES/IIS/app proxy: 403/500/503/504/414/502/HTML
A_RESET=127.0.1.3     # python: reads the request, answers with a RST
A_TRUNC=127.0.1.4     # python: Content-Length 5000, sends 1000 bytes, FIN
A_SILENT=127.0.1.5    # python: reads the request, never answers
A_WINAUTH=127.0.1.6   # nginx auth_basic: Windows authentication stand-in (401)
A_IIS=127.0.1.7       # nginx: IIS request filtering stand-in (404.15 page for a long query)
A_APPPROXY=127.0.1.8  # nginx: Entra application proxy stand-in (GatewayTimeout, "can't be displayed")
A_WEBSITE=127.0.1.9   # nginx: a generic web site (HTML for every path)
A_EXPIRED=127.0.1.10  # nginx in front of a scepserver whose CA certificate has expired
A_FRONT=127.0.1.11    # nginx front proxy (X-Forwarded-For) -> the NDES stand-in
P_HTTP=80
P_HTTPS=443 # nothing listens on 127.0.0.1/::1 (refused.pcap, demo.pcap); the tls* roles do

P_SCEP=28081        # micromdm scepserver at /scep, the CA of keys/scep-depot
P_SCEP_OLD=28089    # scepserver with an older CA (keys/scep-depot-old): wrong-ra-cert harvest only
P_SCEP_EXPIRED=28090 # scepserver whose CA certificate expired (keys/scep-depot-expired)
P_UP_SILENT=28085   # python upstream that never answers (nginx's 504s)
P_DEAD=28086        # nothing listens: upstream of the 502 and of the harvest location

CHALLENGE=scepsniff-test-challenge
BAD_CHALLENGE=not-the-challenge
SCEP_PATH=/certsrv/mscep/mscep.dll
APPPROXY_HOST=contoso-ndes.msappproxy.net

# shellcheck source=make-tls-captures.sh
. "$HERE/make-tls-captures.sh"

need_tools() {
	local missing=() t
	for t in tcpdump:tcpdump nginx:nginx-light curl:curl scepserver:scep scepclient:scep \
		tcprewrite:tcpreplay ip:iproute2 nft:nftables python3:python3 openssl:openssl \
		setpriv:util-linux editcap:wireshark-common; do
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
LOGS_WATCHED=(scepserver.log scepserver-old.log scepserver-expired.log nginx/access.log)
mark_logs() {
	local f
	MARKS=()
	for f in "${LOGS_WATCHED[@]}"; do
		touch "$WORK/$f"
		MARKS+=("$(wc -l <"$WORK/$f")")
	done
}
logs_since_mark() {
	local i f
	for i in "${!LOGS_WATCHED[@]}"; do
		f=${LOGS_WATCHED[$i]}
		# only the logs that gained lines, so each logs/NAME.txt shows the servers involved
		[ "$(wc -l <"$WORK/$f")" -gt "${MARKS[$i]}" ] || continue
		log "$1" "--- ${f%.log} log ---"
		tail -n +"$((MARKS[i] + 1))" "$WORK/$f" >>"$OUT/logs/$1.txt"
	done
}

# ---------------------------------------------------------------- namespaces
# Device addresses: scepclient cannot bind a source address, so a device runs as
# its own uid and a uid routing rule sends that uid to a table whose loopback
# route has `src 127.0.0.N`; the kernel then really uses 127.0.0.N.
DEVICE_UIDS=(28002 28003 28004 28005 28010)
device_route() { # uid address table
	in_lab ip rule add pref 10 uidrange "$1-$1" lookup "$3"
	in_lab ip route add local 127.0.0.0/8 dev lo src "$2" table "$3"
}
setup_lab() {
	ip netns del "$LAB" 2>/dev/null || true
	ip netns add "$LAB"
	ip -n "$LAB" link set lo up
	# uid rules must come before the local table, which would otherwise answer first
	in_lab ip rule del pref 0 lookup local
	in_lab ip rule add pref 100 lookup local
	local u
	for u in "${DEVICE_UIDS[@]}"; do
		device_route "$u" "127.0.0.$((u - 28000))" "$((u - 27900))"
	done
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
	mkdir -p "$WORK/www/static" "$WORK/www-ndes" "$WORK/www-pages" "$WORK/www-site" "$WORK/nginx"
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
	# Pages in the style of IIS's and the Entra application proxy's error pages
	# (nginx serves them; the headlines are what administrators search for).
	cat >"$WORK/www-pages/iis-404-15.html" <<-'EOF'
		<!DOCTYPE html>
		<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
		<title>IIS 10.0 Detailed Error - 404.15 - Not Found</title></head>
		<body><div id="header"><h1>Server Error in Application "DEFAULT WEB SITE"</h1></div>
		<div id="content"><h3>HTTP Error 404.15 - Not Found</h3>
		<h4>The request filtering module is configured to deny a request where the query string is too long.</h4>
		<fieldset><h4>Most likely causes:</h4><ul><li>Request filtering on this server denies
		requests whose query string is longer than the configured limit.</li></ul></fieldset>
		<fieldset><h4>Things you can try:</h4><ul><li>Raise
		configuration/system.webServer/security/requestFiltering/requestLimits@maxQueryString
		in applicationhost.config or web.config.</li></ul></fieldset>
		<fieldset><h4>Detailed Error Information:</h4><table>
		<tr><th>Module</th><td>RequestFilteringModule</td></tr>
		<tr><th>Notification</th><td>BeginRequest</td></tr>
		<tr><th>Error Code</th><td>0x00000000</td></tr>
		<tr><th>Requested URL</th><td>http://ndes.example:80/certsrv/mscep/mscep.dll</td></tr>
		</table></fieldset></div></body></html>
	EOF
	cat >"$WORK/www-pages/appproxy-gatewaytimeout.html" <<-'EOF'
		<!DOCTYPE html>
		<html lang="en"><head><meta charset="utf-8"><title>GatewayTimeout</title></head>
		<body><div class="error-page">
		<h1>This corporate app can't be accessed right now.</h1>
		<p>Please try again later. If the problem persists, contact your administrator.</p>
		<table>
		<tr><td>Status Code:</td><td>GatewayTimeout</td></tr>
		<tr><td>Error Code:</td><td>ConnectorNotAvailable</td></tr>
		<tr><td>Activity Id:</td><td>00000000-0000-0000-0000-000000000504</td></tr>
		<tr><td>Url:</td><td>http://contoso-ndes.msappproxy.net/certsrv/mscep/mscep.dll</td></tr>
		</table></div></body></html>
	EOF
	cat >"$WORK/www-pages/appproxy-cant-display.html" <<-'EOF'
		<!DOCTYPE html>
		<html lang="en"><head><meta charset="utf-8"><title>This page can't be displayed</title></head>
		<body><div class="error-page">
		<h1>This page can't be displayed</h1>
		<p>The address of this application is not published through Application Proxy.
		Check the external URL.</p>
		<table>
		<tr><td>Status Code:</td><td>NotFound</td></tr>
		<tr><td>Activity Id:</td><td>00000000-0000-0000-0000-000000000404</td></tr>
		</table></div></body></html>
	EOF
	cat >"$WORK/www-site/index.html" <<-'EOF'
		<!DOCTYPE html>
		<html><head><title>Contoso Intranet</title></head>
		<body><h1>Welcome to the Contoso intranet</h1>
		<p>Sign in to reach the team sites, the telephone list and the canteen menu.</p>
		</body></html>
	EOF
	# the Windows authentication stand-in: a user nobody in the captures knows
	printf 'ndes-admin:%s\n' "$(openssl passwd -apr1 -salt scepsnif not-a-device-password)" \
		>"$WORK/nginx/htpasswd"
	# Small stdlib servers for the broken-peer cases; each serves COUNT
	# connections, every socket operation has a timeout.
	cat >"$WORK/peer.py" <<-'EOF'
		import socket, struct, sys
		mode, addr, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
		srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		srv.bind((addr, port))
		srv.listen(4)
		srv.settimeout(60)
		print("listening", mode, addr, port, flush=True)
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
	local d=$WORK/nginx up=http://127.0.0.1:$P_SCEP/scep
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
		        listen $A_NDES:$P_HTTP;
		        listen [::1]:$P_HTTP;
		        root $WORK/www;
		        location /static/ { }
		        location = $SCEP_PATH { proxy_pass $up; }
		        # Harvest a client's pkiMessage without letting the CA see it:
		        # nginx keeps the POST body in a file, then fails on a dead upstream.
		        location = /harvest$SCEP_PATH {
		            if (\$request_method = POST) { rewrite ^ /harvest-post last; }
		            proxy_pass $up;
		        }
		        # The same, but the client is handed the OLD CA: its request is
		        # encrypted to a certificate the current server does not have.
		        location = /harvest-old$SCEP_PATH {
		            if (\$request_method = POST) { rewrite ^ /harvest-post last; }
		            proxy_pass http://127.0.0.1:$P_SCEP_OLD/scep;
		        }
		        location = /harvest-post {
		            internal;
		            client_body_in_file_only on;
		            proxy_pass http://127.0.0.1:$P_DEAD;
		        }
		    }

		    # NDES answers GetCACaps without POSTPKIOperation; clients then GET.
		    server {
		        listen $A_NDESCAPS:$P_HTTP;
		        location = $SCEP_PATH {
		            default_type text/plain;
		            if (\$arg_operation = GetCACaps) { return 200 "Renewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n"; }
		            proxy_pass $up;
		        }
		    }

		    # Broken NDES / IIS / application proxy stand-ins (Host decides which).
		    server {
		        listen $A_BROKEN:$P_HTTP default_server;
		        server_name ndes.example;
		        large_client_header_buffers 4 2k;
		        location = $SCEP_PATH {
		            if (\$arg_operation = "") { return 403; }
		            if (\$arg_operation = GetCACert) { return 500; }
		            if (\$arg_operation = GetCACaps) { return 503; }
		            proxy_pass $up;
		        }
		    }
		    server {
		        listen $A_BROKEN:$P_HTTP;
		        server_name ndes-connector-missing.example;
		        root $WORK/www-ndes;
		        location = $SCEP_PATH { default_type text/html; try_files /ndes.html =404; }
		    }
		    server {
		        listen $A_BROKEN:$P_HTTP;
		        server_name appproxy.example;
		        location = $SCEP_PATH {
		            proxy_read_timeout 2s;
		            proxy_pass http://127.0.0.1:$P_UP_SILENT;
		        }
		    }
		    server {
		        listen $A_BROKEN:$P_HTTP;
		        server_name dead-upstream.example;
		        location = $SCEP_PATH { proxy_pass http://127.0.0.1:$P_DEAD; }
		    }

		    # Windows authentication turned on for the SCEP application (IIS would
		    # offer Negotiate and NTLM; nginx's auth_basic adds Basic).
		    server {
		        listen $A_WINAUTH:$P_HTTP;
		        location = $SCEP_PATH {
		            auth_basic "NDES";
		            auth_basic_user_file $d/htpasswd;
		            add_header WWW-Authenticate Negotiate always;
		            add_header WWW-Authenticate NTLM always;
		            proxy_pass $up;
		        }
		    }

		    # IIS request filtering: maxQueryString 2048 by default, a longer query
		    # gets the 404.15 page. GetCACaps like NDES, so clients GET PKIOperation.
		    server {
		        listen $A_IIS:$P_HTTP;
		        large_client_header_buffers 4 16k;
		        error_page 404 /iis-404-15.html;
		        location = /iis-404-15.html { internal; root $WORK/www-pages; default_type text/html; }
		        location = $SCEP_PATH {
		            default_type text/plain;
		            if (\$arg_operation = GetCACaps) { return 200 "Renewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n"; }
		            if (\$args ~ "^.{2049,}") { return 404; }
		            proxy_pass $up;
		        }
		    }

		    # Entra application proxy: the connector is down (GatewayTimeout after
		    # the silent upstream), or the external URL is not published.
		    server {
		        listen $A_APPPROXY:$P_HTTP;
		        server_name $APPPROXY_HOST;
		        error_page 504 /appproxy-gatewaytimeout.html;
		        error_page 404 /appproxy-cant-display.html;
		        location = /appproxy-gatewaytimeout.html { internal; root $WORK/www-pages; default_type text/html; }
		        location = /appproxy-cant-display.html { internal; root $WORK/www-pages; default_type text/html; }
		        location = $SCEP_PATH {
		            if (\$arg_operation = GetCACert) { return 404; }
		            proxy_read_timeout 2s;
		            proxy_pass http://127.0.0.1:$P_UP_SILENT;
		        }
		    }

		    # Some web site where the SCEP server was expected: HTML for every path.
		    server {
		        listen $A_WEBSITE:$P_HTTP;
		        root $WORK/www-site;
		        location / { default_type text/html; try_files /index.html =404; }
		    }

		    # An NDES stand-in whose CA certificate expired.
		    server {
		        listen $A_EXPIRED:$P_HTTP;
		        location = $SCEP_PATH { proxy_pass http://127.0.0.1:$P_SCEP_EXPIRED/scep; }
		    }

		    # A reverse proxy in front of the NDES stand-in; both legs are on port 80.
		    server {
		        listen $A_FRONT:$P_HTTP;
		        location / {
		            proxy_pass http://$A_NDES:$P_HTTP;
		            proxy_bind $A_FRONT;
		            proxy_set_header Host \$host;
		            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		        }
		    }

		    # The HTTPS servers on 443 (make-tls-captures.sh).
		    include $d/tls.conf;
		}
	EOF
}

# depot_from_keys NAME DIR: copy keys/NAME/ca.{key,pem} to DIR; returns 1 if absent.
depot_from_keys() {
	mkdir -p "$2"
	[ -s "$HERE/keys/$1/ca.key" ] && [ -s "$HERE/keys/$1/ca.pem" ] || return 1
	install -m 600 "$HERE/keys/$1/ca.key" "$HERE/keys/$1/ca.pem" "$2/"
}
# depot_to_keys NAME DIR: what the tests get: the CA as micromdm stores it, plus
# an unencrypted PKCS#8 copy of its key (micromdm encrypts it with DES-EDE3 under
# an empty passphrase).
depot_to_keys() {
	mkdir -p "$OUT/keys/$1"
	install -m 644 "$2/ca.key" "$2/ca.pem" "$OUT/keys/$1/"
	openssl pkey -in "$2/ca.key" -passin pass: -out "$OUT/keys/$1/ca-unencrypted.key"
	chmod 644 "$OUT/keys/$1/ca-unencrypted.key"
}

# A CA whose certificate expired: micromdm makes the key (in its own format),
# `openssl ca -selfsign` re-issues the certificate for 2020-01-01..2021-01-01
# (OpenSSL 3.0's x509/req cannot set a start date in the past).
make_expired_depot() {
	local dir=$1 t=$WORK/expired-ca
	mkdir -p "$t/db"
	scepserver ca -init -depot "$t/init" -keySize 2048 -organization "scepsniff expired test CA" \
		-country XX >"$t/init.log" 2>&1
	openssl pkey -in "$t/init/ca.key" -passin pass: -out "$t/key.pem"
	: >"$t/db/index.txt"
	echo 01 >"$t/db/serial"
	cat >"$t/ca.cnf" <<-EOF
		[ ca ]
		default_ca = expired
		[ expired ]
		database = $t/db/index.txt
		new_certs_dir = $t/db
		serial = $t/db/serial
		default_md = sha256
		policy = any
		email_in_dn = no
		unique_subject = no
		x509_extensions = ca_ext
		[ any ]
		countryName = optional
		organizationName = optional
		organizationalUnitName = optional
		[ ca_ext ]
		keyUsage = critical, keyCertSign, cRLSign
		basicConstraints = critical, CA:TRUE
		subjectKeyIdentifier = hash
		[ req ]
		distinguished_name = dn
		prompt = no
		[ dn ]
		C = XX
		O = scepsniff expired test CA
		OU = SCEP CA
	EOF
	openssl req -new -key "$t/key.pem" -config "$t/ca.cnf" -out "$t/ca.csr"
	openssl ca -batch -config "$t/ca.cnf" -selfsign -keyfile "$t/key.pem" -in "$t/ca.csr" \
		-startdate 20200101000000Z -enddate 20210101000000Z -notext -out "$t/ca.pem" 2>"$t/ca.log"
	install -m 600 "$t/init/ca.key" "$t/ca.pem" "$dir/"
}

# scepserver_start LOGNAME DEPOT PORT: PID in BG_PID
scepserver_start() {
	bg "$LAB" "$WORK/$1" scepserver -depot "$2" -port "$3" -challenge "$CHALLENGE" -allowrenew 0 -debug
}

start_servers() {
	if ! depot_from_keys scep-depot "$WORK/depot"; then
		scepserver ca -init -depot "$WORK/depot" -keySize 2048 \
			-organization "scepsniff test CA" -country XX >"$WORK/ca-init.log" 2>&1
	fi
	depot_to_keys scep-depot "$WORK/depot"
	# the CA the wrong-ra-cert device still has: another key, another name
	if ! depot_from_keys scep-depot-old "$WORK/depot-old"; then
		scepserver ca -init -depot "$WORK/depot-old" -keySize 2048 \
			-organization "scepsniff old test CA" -country XX >"$WORK/ca-init-old.log" 2>&1
	fi
	depot_to_keys scep-depot-old "$WORK/depot-old"
	depot_from_keys scep-depot-expired "$WORK/depot-expired" || make_expired_depot "$WORK/depot-expired"
	depot_to_keys scep-depot-expired "$WORK/depot-expired"

	scepserver_start scepserver.log "$WORK/depot" "$P_SCEP"
	SCEP_PID=$BG_PID
	scepserver_start scepserver-old.log "$WORK/depot-old" "$P_SCEP_OLD"
	SCEP_OLD_PID=$BG_PID
	scepserver_start scepserver-expired.log "$WORK/depot-expired" "$P_SCEP_EXPIRED"
	SCEP_EXPIRED_PID=$BG_PID
	bg "$LAB" "$WORK/nginx/stdout.log" nginx -e "$WORK/nginx/error.log" \
		-p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
	NGINX_PID=$BG_PID

	local p ok
	for _ in $(seq 1 50); do
		ok=1
		in_lab curl -s -o /dev/null "http://$A_NDES/static/small-1.txt" || ok=0
		for p in $P_SCEP $P_SCEP_OLD $P_SCEP_EXPIRED; do
			in_lab curl -s -o /dev/null "http://127.0.0.1:$p/scep?operation=GetCACaps" || ok=0
		done
		if [ $ok = 1 ]; then
			touch "$WORK/nginx/access.log"
			return 0
		fi
		sleep 0.2
	done
	echo "servers did not come up" >&2
	cat "$WORK"/scepserver*.log "$WORK/nginx/error.log" >&2
	return 1
}

# start_peer MODE ADDR PORT COUNT: one of the python servers; PID in PEER_PID,
# its output in peer-MODE.log.
start_peer() {
	rm -f "$WORK/peer-$1.log"
	bg "$LAB" "$WORK/peer-$1.log" python3 "$WORK/peer.py" "$1" "$2" "$3" "$4"
	PEER_PID=$BG_PID

	for _ in $(seq 1 50); do
		grep -q listening "$WORK/peer-$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "peer $1 did not start" >&2
	return 1
}
# stop_peer NAME MODE: the peer's own log goes into logs/NAME.txt
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
	local name=$2 base="http://$1/static"
	run_logged "$name" in_lab curl -sS -o /dev/null -o /dev/null \
		-w '%{http_code} %{size_download} bytes, new connections: %{num_connects}\n' \
		"$base/small-1.txt" "$base/small-2.txt"
	run_logged "$name" in_lab curl -sS -o /dev/null \
		-w '%{http_code} %{size_download} bytes, new connections: %{num_connects}\n' \
		"$base/big.bin"
}

cap_http() {
	cap_start "$LAB" lo http-ipv4.pcap 0 tcp port $P_HTTP
	http_traffic $A_NDES http-ipv4
	cap_stop

	cap_start "$LAB" lo http-ipv6.pcap 0 tcp port $P_HTTP
	http_traffic '[::1]' http-ipv6
	cap_stop

	run_logged http-vlan tcprewrite --enet-vlan=add --enet-vlan-tag=10 --enet-vlan-cfi=0 \
		--enet-vlan-pri=0 --infile="$OUT/http-ipv4.pcap" --outfile="$OUT/http-vlan.pcap"
	# tcprewrite puts a second tag outside an existing one: 802.1ad outer, 802.1Q inner
	run_logged http-qinq tcprewrite --enet-vlan=add --enet-vlan-tag=20 --enet-vlan-cfi=0 \
		--enet-vlan-pri=0 --enet-vlan-proto=802.1ad \
		--infile="$OUT/http-vlan.pcap" --outfile="$OUT/http-qinq.pcap"

	cap_start "$LAB" any any-sll2.pcap 0 -y LINUX_SLL2 tcp port $P_HTTP
	run_logged any-sll2 in_lab curl -sS -o /dev/null -w '%{http_code} %{size_download} bytes\n' \
		"http://$A_NDES/static/small-1.txt"
	cap_stop

	cap_start "$LAB" lo snaplen.pcap 96 tcp port $P_HTTP
	http_traffic $A_NDES snaplen
	cap_stop
}

cap_stream_failures() {
	local caps="$SCEP_PATH?operation=GetCACaps&message=ca"
	local cacert="$SCEP_PATH?operation=GetCACert&message=ca"
	cap_start "$LAB" lo refused.pcap 0 tcp port $P_HTTPS
	run_logged refused in_lab curl -sS "http://$A_NDES:$P_HTTPS$caps"
	run_logged refused in_lab curl -sS "http://[::1]:$P_HTTPS$caps"
	cap_stop

	setup_pair
	cap_start "$CLI" veth0 blocked.pcap 0 tcp port 80
	run_logged blocked ip netns exec "$CLI" curl -sS --connect-timeout 8 "http://198.18.0.2$caps"
	cap_stop
	ip netns del "$CLI"
	ip netns del "$SRV"

	start_peer reset $A_RESET $P_HTTP 1
	cap_start "$LAB" lo reset.pcap 0 tcp port $P_HTTP
	run_logged reset in_lab curl -sS "http://$A_RESET$caps"
	cap_stop
	stop_peer reset reset

	start_peer truncated $A_TRUNC $P_HTTP 1
	cap_start "$LAB" lo truncated.pcap 0 tcp port $P_HTTP
	run_logged truncated in_lab curl -sS -o /dev/null -w '%{http_code} %{size_download} bytes\n' \
		"http://$A_TRUNC$cacert"
	cap_stop
	stop_peer truncated truncated

	start_peer silent $A_SILENT $P_HTTP 1
	cap_start "$LAB" lo noresponse.pcap 0 tcp port $P_HTTP
	run_logged noresponse in_lab curl -sS --max-time 5 "http://$A_SILENT$cacert"
	cap_stop
	stop_peer noresponse silent
}

# harvest LOG ROLE CN [PREFIX]: a real PKCSReq from scepclient for certmonger, which
# makes none itself outside its daemon. nginx keeps the POST body in a file and then
# fails on a dead upstream, so the CA never sees this copy. PREFIX /harvest-old hands
# the client the old CA instead. Result: keys/ROLE/pkimessage.pem, $WORK/ROLE-req.der
harvest() {
	local name=$1 role=$2 prefix=${4:-/harvest} body
	rm -f "$WORK"/nginx/client_body/*
	log "$name" "--- harvesting a pkiMessage from scepclient (not captured) ---"
	mark_logs
	scep_enroll "$name" "$role" "$3" "http://$A_NDES$prefix$SCEP_PATH" "$CHALLENGE"
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

CM=/usr/lib/certmonger/scep-submit

cap_scep() {
	local url="http://$A_NDES$SCEP_PATH" name ca=$WORK/depot/ca.pem

	name=scep-enroll-post
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name enroll-post device-post "$url" "$CHALLENGE"
	cap_stop
	logs_since_mark $name

	# certmonger: GetCACaps, GetCACert, PKIOperation, each a separate run as certmonger's daemon would do
	name=scep-enroll-certmonger
	harvest $name certmonger device-certmonger
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab $CM -u "$url" -c
	run_logged $name in_lab $CM -u "$url" -C
	run_logged $name in_lab $CM -u "$url" -r "$ca" -N "$ca" -p "$OUT/keys/certmonger/pkimessage.pem"
	cap_stop
	logs_since_mark $name

	# GET PKIOperation against an NDES-like GetCACaps (no POSTPKIOperation)
	name=scep-get-pkioperation
	harvest $name enroll-get device-get
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab $CM -u "http://$A_NDESCAPS$SCEP_PATH" -c
	run_logged $name in_lab $CM -u "http://$A_NDESCAPS$SCEP_PATH" -r "$ca" -N "$ca" \
		-p "$OUT/keys/enroll-get/pkimessage.pem"
	cap_stop
	logs_since_mark $name

	# scepclient's own GET: it sends base64url, which micromdm's server cannot decode
	name=scep-get-base64url
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name get-base64url device-get-base64url "http://$A_NDESCAPS$SCEP_PATH" "$CHALLENGE"
	cap_stop
	logs_since_mark $name

	name=scep-bad-challenge
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name bad-challenge device-bad-challenge "$url" "$BAD_CHALLENGE"
	cap_stop
	logs_since_mark $name
}

cap_nginx_errors() {
	local u="http://$A_BROKEN$SCEP_PATH" name=nginx-errors
	local fmt='%{http_code} %{content_type} %{size_download} bytes\n'
	local b64=$WORK/long-message.b64
	base64 -w 0 "$WORK/certmonger-req.der" >"$b64" # a real pkiMessage, far over 2k

	start_peer silent 127.0.0.1 $P_UP_SILENT 1
	mark_logs
	cap_start "$LAB" lo nginx-errors.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$u"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$u?operation=GetCACert&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$u?operation=GetCACaps&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" -G \
		--data-urlencode operation=PKIOperation --data-urlencode "message@$b64" "$u"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		--resolve "appproxy.example:$P_HTTP:$A_BROKEN" \
		"http://appproxy.example$SCEP_PATH?operation=GetCACaps&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		--resolve "ndes-connector-missing.example:$P_HTTP:$A_BROKEN" \
		"http://ndes-connector-missing.example$SCEP_PATH?operation=GetCACert&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		--resolve "dead-upstream.example:$P_HTTP:$A_BROKEN" \
		"http://dead-upstream.example$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name
	stop_peer $name silent
	log $name "--- nginx error log (upstream lines) ---"
	grep -E 'upstream|too long|too large' "$WORK/nginx/error.log" | tail -n 5 >>"$OUT/logs/$name.txt" || true
}

# The NDES / IIS / application proxy answers of SCEP.md §4 that nginx-errors.pcap lacks.
cap_ndes_pages() {
	local name fmt='%{http_code} %{content_type} %{size_download} bytes\n'

	# 401: Windows authentication switched on for the SCEP application
	name=http-401
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name winauth device-winauth "http://$A_WINAUTH$SCEP_PATH" "$CHALLENGE"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		"http://$A_WINAUTH$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name

	# 404: a wrong path on the real NDES stand-in (nginx's own 404 page)
	name=http-404
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" \
		"http://$A_NDES/certsrv/mscep/wrong.dll?operation=GetCACaps&message=ca"
	scep_enroll $name wrong-path device-wrong-path "http://$A_NDES/certsrv/mscep/wrong.dll" "$CHALLENGE"
	cap_stop
	logs_since_mark $name

	# IIS 404.15: certmonger GETs its PKIOperation (NDES-like caps), query > 2048
	name=iis-404-15
	harvest $name iis-long-get device-iis-long-get
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab $CM -u "http://$A_IIS$SCEP_PATH" -r "$WORK/depot/ca.pem" \
		-N "$WORK/depot/ca.pem" -p "$OUT/keys/iis-long-get/pkimessage.pem"
	cap_stop
	logs_since_mark $name

	# Entra application proxy: 504 GatewayTimeout page, then "This page can't be displayed"
	name=app-proxy-errors
	start_peer silent 127.0.0.1 $P_UP_SILENT 1
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" --resolve "$APPPROXY_HOST:$P_HTTP:$A_APPPROXY" \
		"http://$APPPROXY_HOST$SCEP_PATH?operation=GetCACaps&message=ca"
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" --resolve "$APPPROXY_HOST:$P_HTTP:$A_APPPROXY" \
		"http://$APPPROXY_HOST$SCEP_PATH?operation=GetCACert&message=ca"
	cap_stop
	logs_since_mark $name
	stop_peer $name silent

	# GetCACert answered by some web site's HTML page
	name=html-instead-of-cert
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name html-site device-html-site "http://$A_WEBSITE$SCEP_PATH" "$CHALLENGE"
	cap_stop
	logs_since_mark $name
}

# Enrollment-level cases: a device that stops after GetCACert, two legs of a proxy,
# a request encrypted to the old CA, a CA certificate that expired.
cap_enrollments() {
	local name fmt='%{http_code} %{content_type} %{size_download} bytes %{local_ip}\n'
	local url="http://$A_NDES$SCEP_PATH"

	# stalled: 127.0.0.6 fetches caps and CA and never sends a PKIOperation; 3 s later
	# another device (127.0.0.7) speaks, so a reader's clock passes the stall timeout.
	name=stalled
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab curl -sS --interface 127.0.0.6 -o /dev/null -o /dev/null -w "$fmt" \
		"$url?operation=GetCACaps&message=ca" "$url?operation=GetCACert&message=ca"
	sleep 3
	run_logged $name in_lab curl -sS --interface 127.0.0.7 -o /dev/null -w "$fmt" \
		"$url?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name

	# both legs of a reverse proxy: device 127.0.0.10 -> front 127.0.1.11:80 ->
	# (from 127.0.1.11, with X-Forwarded-For) NDES stand-in 127.0.0.1:80
	name=proxy-two-legs
	log $name "device 127.0.0.10 = uid 28010 (uid routing rule)" ""
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name proxy-device device-via-proxy "http://$A_FRONT$SCEP_PATH" "$CHALLENGE" 28010
	cap_stop
	logs_since_mark $name

	# wrong RA certificate: the PKCSReq was made against the old CA (harvested, the
	# CA never saw it); the capture has the current server's GetCACert first.
	name=wrong-ra-cert
	harvest $name wrong-ra device-wrong-ra /harvest-old
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	run_logged $name in_lab curl -sS -o /dev/null -w "$fmt" "$url?operation=GetCACert&message=ca"
	run_logged $name in_lab $CM -u "$url" -r "$WORK/depot-old/ca.pem" -N "$WORK/depot-old/ca.pem" \
		-p "$OUT/keys/wrong-ra/pkimessage.pem"
	cap_stop
	logs_since_mark $name

	# expired CA: the server hands out a CA certificate that expired 2021-01-01
	name=expired-ca
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	scep_enroll $name expired-ca device-expired-ca "http://$A_EXPIRED$SCEP_PATH" "$CHALLENGE"
	cap_stop
	logs_since_mark $name
}

# demo.pcap: four devices at 127.0.0.2..5 (uid routing rules, see setup_lab).
cap_demo() {
	local name=demo u="http://$A_NDES$SCEP_PATH"
	log $name "device 127.0.0.2 = uid 28002, .3 = 28003, .4 = 28004, .5 = 28005 (uid routing rules)" ""

	mark_logs
	cap_start "$LAB" lo demo.pcap 0 tcp port $P_HTTP or tcp port $P_HTTPS
	scep_enroll $name demo-good demo-device-2 "$u" "$CHALLENGE" 28002
	scep_enroll $name demo-bad demo-device-3 "$u" "$BAD_CHALLENGE" 28003
	run_logged $name in_lab setpriv --reuid=28004 --regid=28004 --clear-groups \
		curl -sS "http://$A_NDES:$P_HTTPS$SCEP_PATH?operation=GetCACaps&message=ca"
	run_logged $name in_lab setpriv --reuid=28005 --regid=28005 --clear-groups \
		curl -sS -o /dev/null -w '%{http_code} %{local_ip}\n' \
		"http://$A_BROKEN$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name
}

# ---------------------------------------------------------------- renewal
# scep-renewal.pcap: micromdm scepclient renews the certificate that
# scep-enroll-post.pcap obtained (serial 02, CN device-post). Given an existing
# -certificate, scepclient sends messageType RenewalReq (17), signed with that
# certificate and its key (same key, so the same transactionID as the enrollment);
# scepserver runs with -allowrenew 0 and issues a new certificate.
# It runs after the TLS captures, so the CA's serials of a full run stay as they
# were before this section existed (the renewal gets the next one).
RENEW_ROLE=renewal
RENEW_FROM=enroll-post # the role whose issued certificate is renewed

# The CA's issue log of the last full run ends with the renewal's doing: the renewed
# certificate revoked (scepserver: "Revoking certificate with serial 02 from DB",
# the line moved to the end as R) and the new one. renewal_before INDEX prints the
# log as it was before the renewal, in serial (= issue) order; the serials come
# from keys/renewal/{old,issued}.pem of that run.
renewal_before() {
	local old="" new="" d=$HERE/keys/$RENEW_ROLE
	if [ -s "$d/old.pem" ] && [ -s "$d/issued.pem" ]; then
		old=$(openssl x509 -noout -serial -in "$d/old.pem" | cut -d= -f2)
		new=$(openssl x509 -noout -serial -in "$d/issued.pem" | cut -d= -f2)
	fi
	awk -F'\t' -v OFS='\t' -v old="$old" -v new="$new" '
		$4 == new { next }
		$4 == old { $1 = "V"; $3 = "" }
		{ print }
	' "$1" | sort -t "$(printf '\t')" -k4,4
}
# renewal_lines INDEX: the renewal's own lines of a full run's log (old R, new V).
renewal_lines() {
	local d=$HERE/keys/$RENEW_ROLE s
	[ -s "$d/old.pem" ] && [ -s "$d/issued.pem" ] || return 0
	for s in "$(openssl x509 -noout -serial -in "$d/old.pem" | cut -d= -f2)" \
		"$(openssl x509 -noout -serial -in "$d/issued.pem" | cut -d= -f2)"; do
		awk -F'\t' -v s="$s" '$4 == s' "$1"
	done
}
next_serial() { # DIR: the serial after the last one of DIR/index.txt
	local last
	last=$(cut -f4 "$1/index.txt" | sort | tail -n 1)
	printf '%02X\n' "$((16#${last:-01} + 1))" >"$1/serial"
}

# renewal_seed_depot DIR: for --renewal-only, the CA's issue log as the last full
# run left it before the renewal, so the renewal gets the serial of a full run.
renewal_seed_depot() {
	local idx=$HERE/logs/scep-depot-index.txt
	[ -s "$idx" ] || return 0
	mkdir -p "$1"
	renewal_before "$idx" >"$1/index.txt"
	next_serial "$1"
}
# For --tls-only: tls_seed_depot numbers the TLS devices after the last serial of
# the log, so the renewal's entries are undone first and put back after the run.
renewal_set_aside() {
	[ -s "$1/index.txt" ] || return 0
	renewal_before "$1/index.txt" >"$1/index.new"
	mv "$1/index.new" "$1/index.txt"
	next_serial "$1"
}
renewal_put_back() {
	local idx=$HERE/logs/scep-depot-index.txt old
	[ -s "$idx" ] && [ -s "$HERE/keys/$RENEW_ROLE/old.pem" ] || return 0
	old=$(openssl x509 -noout -serial -in "$HERE/keys/$RENEW_ROLE/old.pem" | cut -d= -f2)
	awk -F'\t' -v old="$old" '$4 != old' "$1/index.txt" >"$1/index.new"
	renewal_lines "$idx" >>"$1/index.new"
	mv "$1/index.new" "$1/index.txt"
}

cap_renewal() {
	local name=scep-renewal dir=$WORK/cli/$RENEW_ROLE src=$OUT/keys/$RENEW_FROM rc=0
	[ -s "$src/issued.pem" ] || src=$HERE/keys/$RENEW_FROM # --renewal-only
	mkdir -p "$dir"
	cp "$src/client.key" "$dir/client.key"
	cp "$src/issued.pem" "$dir/client.pem" # present: scepclient renews it
	cp "$src/issued.pem" "$dir/old.pem"
	log $name "the certificate renewed (keys/$RENEW_FROM/issued.pem, made by scep-enroll-post):"
	openssl x509 -in "$dir/old.pem" -noout -subject -serial -startdate -enddate >>"$OUT/logs/$name.txt"
	log $name ""
	local cmd=(scepclient -server-url "http://$A_NDES$SCEP_PATH" -challenge "$CHALLENGE"
		-cn device-post -private-key "$dir/client.key" -certificate "$dir/client.pem" -debug)
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port $P_HTTP
	log $name "$(show_cmd "${cmd[@]}")"
	timeout 60 ip netns exec "$LAB" "${cmd[@]}" >"$WORK/run.out" 2>&1 || rc=$?
	cat "$WORK/run.out" >>"$OUT/logs/$name.txt"
	log $name "[exit status $rc]" ""
	cap_stop
	logs_since_mark $name
	mkdir -p "$OUT/keys/$RENEW_ROLE"
	install -m 644 "$dir/client.key" "$dir/csr.pem" "$dir/old.pem" "$OUT/keys/$RENEW_ROLE/"
	if ! cmp -s "$dir/client.pem" "$dir/old.pem"; then
		install -m 644 "$dir/client.pem" "$OUT/keys/$RENEW_ROLE/issued.pem"
		log $name "" "the certificate issued (keys/$RENEW_ROLE/issued.pem):"
		openssl x509 -in "$dir/client.pem" -noout -subject -serial -startdate -enddate \
			>>"$OUT/logs/$name.txt"
	fi
}

# renewal_install: --renewal-only puts back only what cap_renewal made (and the CA's issue log).
renewal_install() {
	cp "$OUT/scep-renewal.pcap" "$HERE/"
	cp "$OUT/logs/scep-renewal.txt" "$OUT/logs/scep-depot-index.txt" "$HERE/logs/"
	rm -rf "${HERE:?}/keys/${RENEW_ROLE:?}"
	cp -r "$OUT/keys/$RENEW_ROLE" "$HERE/keys/$RENEW_ROLE"
}

# ---------------------------------------------------------------- main
need_tools
setup_lab
write_files
write_nginx_conf
tls_setup
# --tls-only, --renewal-only: the CA continues its issue log where the last full run left it
if [ $ONLY = tls ]; then
	tls_seed_depot "$WORK/depot"
	renewal_set_aside "$WORK/depot"
fi
if [ $ONLY = renewal ]; then renewal_seed_depot "$WORK/depot"; fi
start_servers

if [ $ONLY = all ]; then
	cap_http
	cap_stream_failures
	cap_scep
	cap_nginx_errors
	cap_ndes_pages
	cap_enrollments
	cap_demo
fi
if [ $ONLY != renewal ]; then cap_tls; fi
if [ $ONLY != tls ]; then cap_renewal; fi
stop_pid "$NGINX_PID" QUIT
stop_pid "$SCEP_PID"
stop_pid "$SCEP_OLD_PID"
stop_pid "$SCEP_EXPIRED_PID"
if [ $ONLY = tls ]; then renewal_put_back "$WORK/depot"; fi
# what the CAs issued during this run (serial, subject), for the tests
cp "$WORK/depot/index.txt" "$OUT/logs/scep-depot-index.txt"
cp "$WORK/depot-expired/index.txt" "$OUT/logs/scep-depot-expired-index.txt"

# No path of this machine in committed text.
for f in "$OUT"/logs/*.txt; do
	sed -i -e "s#$WORK/out#<pcaps>#g" -e "s#$WORK#<tmp>#g" -e "s#$HERE#<pcaps>#g" "$f"
done

# Replace the committed set only now that every capture was made.
if [ $ONLY = all ]; then
	rm -f "$HERE"/*.pcap "$HERE"/*.pcapng "$HERE"/*.keys
	rm -rf "$HERE/logs" "$HERE/keys"
	cp "$OUT"/*.pcap "$OUT"/*.pcapng "$OUT"/*.keys "$HERE/"
	cp -r "$OUT/logs" "$OUT/keys" "$HERE/"
elif [ $ONLY = tls ]; then
	tls_install
else
	renewal_install
fi

for f in "$HERE"/*.pcap "$HERE"/*.pcapng; do
	case $ONLY:$(basename "$f") in all:* | tls:tls* | renewal:scep-renewal.pcap) ;; *) continue ;; esac
	printf '%-28s %8d bytes %6s packets\n' "$(basename "$f")" "$(stat -c %s "$f")" \
		"$(tcpdump -nr "$f" 2>/dev/null | wc -l)"
done
