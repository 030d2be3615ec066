#!/bin/bash
# make.sh — remakes the TLS captures in this folder by recording real programs (nginx-light,
# curl, openssl s_server/s_client) on loopback with tcpdump. Nothing here crafts packets.
#
# Each capture NAME.pcap comes with NAME.keys (the NSS key log the client wrote through
# SSLKEYLOGFILE / -keylogfile) and NAME.txt (what the client printed: curl -v, s_client).
# curl captures also keep NAME.response: the bytes curl received (-D headers + -o body), which
# the tests compare with what the TLS layer decrypts.
#
# Servers listen on 127.0.0.1:28960-28979 only and are stopped by PID. The certificates are
# throw-away ones made here on every run (a CA, a valid server cert, an expired one).
#
# Run as root (tcpdump on lo):  bash tests/data/tls/make.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "make.sh: run as root (tcpdump)" >&2
	exit 1
fi
for t in nginx curl openssl tcpdump editcap; do
	command -v "$t" >/dev/null || {
		echo "make.sh: needs $t (nginx-light, curl, openssl, tcpdump, wireshark-common)" >&2
		exit 1
	}
done

HOST=ndes.scepsniff.test
URLPATH='/certsrv/mscep/mscep.dll?operation=GetCACaps'
P_TLS13=28960
P_GCM=28961
P_CBC_ETM=28962
P_CBC_MTE=28963
P_CBC_SHA1=28964
P_CHACHA=28965
P_ALERT=28966
P_EXPIRED=28967
P_HRR=28968
P_KEYUPD=28969
P_TLS10=28970
P_TLS11=28971

WORK=$(mktemp -d /tmp/ss-tls.XXXXXX)
chmod 755 "$WORK" # nginx workers read the document root below it
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}
stop_pid() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget_pid "$1"
}

# ---------------------------------------------------------------- certificates
make_certs() {
	local d=$WORK/pki
	mkdir -p "$d/newcerts"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 3650 \
		-subj "/O=scepsniff TLS test/CN=scepsniff TLS test CA" 2>/dev/null
	printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\n' "$HOST" >"$d/san.ext"
	openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
		-subj "/O=scepsniff TLS test/CN=$HOST" 2>/dev/null
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 825 -extfile "$d/san.ext" -out "$d/srv.pem" 2>/dev/null
	cat "$d/srv.pem" "$d/ca.pem" >"$d/srv-chain.pem"

	# The expired one: `openssl ca` is the tool that takes explicit dates.
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	cat >"$d/ca.cnf" <<-EOF
		[ ca ]
		default_ca = test_ca
		[ test_ca ]
		dir = $d
		database = $d/index.txt
		new_certs_dir = $d/newcerts
		serial = $d/serial
		certificate = $d/ca.pem
		private_key = $d/ca.key
		default_md = sha256
		policy = any
		copy_extensions = none
		x509_extensions = srv_ext
		[ any ]
		organizationName = optional
		commonName = supplied
		[ srv_ext ]
		subjectAltName = DNS:$HOST
	EOF
	openssl req -newkey rsa:2048 -nodes -keyout "$d/old.key" -out "$d/old.csr" \
		-subj "/O=scepsniff TLS test/CN=$HOST" 2>/dev/null
	openssl ca -batch -config "$d/ca.cnf" -in "$d/old.csr" -out "$d/old.pem" -notext \
		-startdate 20200101000000Z -enddate 20210101000000Z 2>/dev/null
	cat "$d/old.pem" "$d/ca.pem" >"$d/old-chain.pem"
}

# ---------------------------------------------------------------- nginx
write_nginx_conf() {
	local n=$WORK/nginx p=$WORK/pki
	mkdir -p "$n" "$WORK/www"
	# The GetCACaps answer micromdm's scepserver gives (tests/data/scep/), as a static file.
	cp "$HERE/../scep/getcacaps_scepserver.txt" "$WORK/www/getcacaps.txt"
	chmod 644 "$WORK/www/getcacaps.txt"
	srv() { # srv PORT CERT KEY EXTRA-DIRECTIVES
		cat <<-EOF
			    server {
			        listen 127.0.0.1:$1 ssl;
			        server_name $HOST;
			        ssl_certificate $2;
			        ssl_certificate_key $3;
			        $4
			        location = /certsrv/mscep/mscep.dll {
			            default_type text/plain;
			            alias $WORK/www/getcacaps.txt;
			        }
			    }
		EOF
	}
	{
		cat <<-EOF
			worker_processes 1;
			daemon off;
			pid $n/nginx.pid;
			error_log $n/error.log info;
			events { worker_connections 64; }
			http {
			    access_log $n/access.log;
			    client_body_temp_path $n/client_body;
			    proxy_temp_path $n/proxy;
			    fastcgi_temp_path $n/fastcgi;
			    uwsgi_temp_path $n/uwsgi;
			    scgi_temp_path $n/scgi;
			    keepalive_timeout 5s;
			    ssl_session_cache off;
			    ssl_session_tickets off;
		EOF
		srv $P_TLS13 "$p/srv-chain.pem" "$p/srv.key" "ssl_protocols TLSv1.2 TLSv1.3;"
		srv $P_GCM "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;"
		srv $P_CBC_ETM "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-SHA256;"
		# MAC-then-encrypt: OpenSSL negotiates encrypt-then-MAC (RFC 7366) unless told not to.
		srv $P_CBC_MTE "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES256-SHA384; ssl_conf_command Options -EncryptThenMac;"
		srv $P_CBC_SHA1 "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.2; ssl_ciphers AES128-SHA;"
		srv $P_CHACHA "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-CHACHA20-POLY1305;"
		srv $P_ALERT "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384;"
		srv $P_EXPIRED "$p/old-chain.pem" "$p/old.key" "ssl_protocols TLSv1.2;"
		# Only P-256 for key exchange: a client whose first key share is X25519 gets a
		# HelloRetryRequest.
		srv $P_HRR "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.3; ssl_ecdh_curve prime256v1;"
		# TLS 1.0 and 1.1 need OpenSSL's security level 0 on both sides.
		srv $P_TLS10 "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1; ssl_ciphers AES128-SHA:@SECLEVEL=0;"
		srv $P_TLS11 "$p/srv-chain.pem" "$p/srv.key" \
			"ssl_protocols TLSv1.1; ssl_ciphers ECDHE-RSA-AES256-SHA:@SECLEVEL=0;"
		echo "}"
	} >"$n/nginx.conf"
}

start_nginx() {
	nginx -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
		>"$WORK/nginx/stdout.log" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	for _ in $(seq 1 50); do
		if curl -s -o /dev/null --cacert "$WORK/pki/ca.pem" \
			--resolve "$HOST:$P_TLS13:127.0.0.1" "https://$HOST:$P_TLS13/"; then
			return 0
		fi
		sleep 0.2
	done
	echo "nginx did not come up" >&2
	cat "$WORK/nginx/error.log" >&2
	return 1
}

# ---------------------------------------------------------------- capture helpers
cap_start() { # cap_start NAME PORT
	tcpdump -U -s 0 -i lo -w "$WORK/$1.pcap" "tcp port $2" 2>"$WORK/tcpdump-$1.log" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	sleep 1 # let tcpdump attach before any traffic
}
cap_stop() { # cap_stop NAME
	sleep 1 # let the last segments arrive
	stop_pid "$CAP_PID" INT
	install -m 644 "$WORK/$1.pcap" "$HERE/$1.pcap"
}

# fetch NAME PORT CURL-OPTIONS...: one GET of the GetCACaps file through curl, recorded.
fetch() {
	local name=$1 port=$2 rc=0
	shift 2
	rm -f "$WORK/$name.keys" "$WORK/$name.hdr" "$WORK/$name.body"
	cap_start "$name" "$port"
	SSLKEYLOGFILE=$WORK/$name.keys timeout 20 curl -v -sS --cacert "$WORK/pki/ca.pem" \
		--resolve "$HOST:$port:127.0.0.1" -D "$WORK/$name.hdr" -o "$WORK/$name.body" \
		"$@" "https://$HOST:$port$URLPATH" >"$WORK/$name.txt" 2>&1 || rc=$?
	cap_stop "$name"
	echo "[curl exit status $rc]" >>"$WORK/$name.txt"
	# no path of this machine in the committed logs
	sed "s|$WORK|\$WORK|g" "$WORK/$name.txt" >"$HERE/$name.txt"
	chmod 644 "$HERE/$name.txt"
	install -m 644 "$WORK/$name.keys" "$HERE/$name.keys"
	if [ -s "$WORK/$name.hdr" ]; then
		cat "$WORK/$name.hdr" "$WORK/$name.body" >"$HERE/$name.response"
	else
		rm -f "$HERE/$name.response"
	fi
}

# KeyUpdate in both directions: openssl s_client's "K" command sends a KeyUpdate that asks the
# peer to update as well; s_server's "k" sends one more of its own. Lines are timed by sleeps.
keyupdate() {
	local name=tls13_keyupdate p=$WORK/pki rc=0
	rm -f "$WORK/$name.keys"
	cap_start "$name" "$P_KEYUPD"
	(
		sleep 2.5
		printf 'hello from server\n'
		sleep 0.5
		printf 'k\n'
		sleep 0.5
		printf 'server after key update\n'
		sleep 3
	) | timeout 20 openssl s_server -accept "127.0.0.1:$P_KEYUPD" -naccept 1 -tls1_3 \
		-cert "$p/srv-chain.pem" -key "$p/srv.key" >"$WORK/$name.server.txt" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	sleep 0.5
	(
		sleep 1
		printf 'hello from client\n'
		sleep 0.5
		printf 'K\n'
		sleep 0.5
		printf 'client after key update\n'
		sleep 3
	) | timeout 20 openssl s_client -connect "127.0.0.1:$P_KEYUPD" -servername "$HOST" \
		-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -CAfile "$p/ca.pem" \
		-keylogfile "$WORK/$name.keys" >"$WORK/$name.txt" 2>&1 || rc=$?
	# s_server leaves by itself after its one connection (-naccept 1); give it the time to
	# write out what it printed
	for _ in $(seq 1 50); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	stop_pid "$SRV_PID"
	cap_stop "$name"
	echo "[s_client exit status $rc]" >>"$WORK/$name.txt"
	{
		cat "$WORK/$name.txt"
		echo "--- s_server ---"
		cat "$WORK/$name.server.txt"
	} | sed "s|$WORK|\$WORK|g" >"$HERE/$name.txt"
	chmod 644 "$HERE/$name.txt"
	install -m 644 "$WORK/$name.keys" "$HERE/$name.keys"
}

make_certs
write_nginx_conf
start_nginx

fetch tls13 $P_TLS13
fetch tls12_gcm $P_GCM --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
fetch tls12_cbc_etm $P_CBC_ETM --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA256
fetch tls12_cbc_mte $P_CBC_MTE --tls-max 1.2 --ciphers ECDHE-RSA-AES256-SHA384
fetch tls12_cbc_sha1 $P_CBC_SHA1 --tls-max 1.2 --ciphers AES128-SHA
fetch tls12_chacha $P_CHACHA --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305
fetch tls12_alert $P_ALERT --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305
fetch tls12_expired $P_EXPIRED --tls-max 1.2
fetch tls13_hrr_chacha $P_HRR --curves X25519:P-256 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256
# TLS 1.0: CBC with the IV chained from record to record, and curl's empty fragments (the
# BEAST countermeasure); TLS 1.1: explicit IVs. Both use the MD5/SHA-1 PRF.
fetch tls10_cbc $P_TLS10 --tlsv1.0 --tls-max 1.0 --ciphers 'AES128-SHA:@SECLEVEL=0'
fetch tls11_cbc $P_TLS11 --tlsv1.1 --tls-max 1.1 --ciphers 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0'
keyupdate

# The TLS 1.3 capture again as pcapng with its keys in a Decryption Secrets Block.
editcap --inject-secrets "tls,$HERE/tls13.keys" "$HERE/tls13.pcap" "$HERE/tls13_dsb.pcapng"
chmod 644 "$HERE/tls13_dsb.pcapng"

stop_pid "$NGINX_PID" QUIT
ls -l "$HERE"
