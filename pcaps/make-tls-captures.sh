# shellcheck shell=bash
# make-tls-captures.sh: the HTTPS part of the capture lab (issue 4). Sourced by
# make-captures.sh, which owns the namespace, nginx, scepserver and the helpers
# used here (in_lab, cap_start, run_logged, harvest, ...); not run by itself:
#   bash pcaps/make-captures.sh             # every capture
#   bash pcaps/make-captures.sh --tls-only  # only the tls* captures below
#
# nginx terminates TLS on port 443 of its own role addresses and proxies the SCEP
# path to the same micromdm scepserver as the plaintext captures. Clients are real
# programs linked with OpenSSL (curl, and certmonger's scep-submit through
# libcurl); both write the NSS key log named by SSLKEYLOGFILE, which is kept as
# NAME.keys beside NAME.pcap. The server certificates come from a throw-away lab
# CA kept in keys/tls-lab/ (test material only) and are reused when present.

A_TLS13=127.0.1.12  # nginx HTTPS NDES stand-in, TLS 1.2 and 1.3 (default suites)
A_TLS12=127.0.1.13  # nginx HTTPS, TLS 1.2 only, ECDHE-RSA-AES128-GCM-SHA256 only
A_TLSCBC=127.0.1.14 # nginx HTTPS, TLS 1.2 only, ECDHE-RSA-AES128-SHA256 only
A_TLSEXP=127.0.1.15 # nginx HTTPS, TLS 1.2 only, a server certificate that expired
# A_APPPROXY (127.0.1.8) also answers on 443 with the application proxy pages.
H_TLS13=ndes.scepsniff.test
H_TLS12=ndes-tls12.scepsniff.test
H_TLSCBC=ndes-cbc.scepsniff.test
H_TLSEXP=ndes-expired.scepsniff.test

TLS_PKI=keys/tls-lab # under $HERE (committed) and $OUT (this run)
TLS_ROLES=(tls13 tls12 tls12-cbc)

# ---------------------------------------------------------------- certificates
# tls_cert NAME CN SAN [openssl ca date options...]: a server certificate of the
# lab CA; `openssl ca` because it is the tool that takes explicit dates.
tls_cert() {
	local name=$1 cn=$2 san=$3 d=$WORK/tls-lab
	shift 3
	cat >"$d/ext-$name.cnf" <<-EOF
		[ ext ]
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature, keyEncipherment
		extendedKeyUsage = serverAuth
		subjectAltName = $san
	EOF
	openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
		-subj "/C=XX/O=scepsniff lab/CN=$cn" 2>/dev/null
	openssl ca -batch -config "$d/ca.cnf" -extfile "$d/ext-$name.cnf" -extensions ext \
		-in "$d/$name.csr" -out "$d/$name.pem" -notext "$@" 2>"$d/ca-$name.log"
	rm -f "$d/$name.csr"
}

# The lab CA and its three server certificates: reused from keys/tls-lab/ while
# the valid ones have a year left, so the captures keep the same certificates.
tls_pki() {
	local d=$WORK/tls-lab f reuse=1
	mkdir -p "$d/db"
	for f in ca.key ca.pem ndes.key ndes.pem appproxy.key appproxy.pem expired.key expired.pem; do
		[ -s "$HERE/$TLS_PKI/$f" ] || reuse=0
	done
	if [ $reuse = 1 ]; then
		for f in ca.pem ndes.pem appproxy.pem; do
			openssl x509 -checkend 31536000 -noout -in "$HERE/$TLS_PKI/$f" >/dev/null || reuse=0
		done
	fi
	if [ $reuse = 1 ]; then
		install -m 600 "$HERE/$TLS_PKI"/*.key "$HERE/$TLS_PKI"/*.pem "$d/"
	else
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
			-days 7300 -subj "/C=XX/O=scepsniff lab/CN=scepsniff lab TLS CA" 2>/dev/null
		: >"$d/db/index.txt"
		echo 1000 >"$d/db/serial"
		cat >"$d/ca.cnf" <<-EOF
			[ ca ]
			default_ca = lab
			[ lab ]
			database = $d/db/index.txt
			new_certs_dir = $d/db
			serial = $d/db/serial
			certificate = $d/ca.pem
			private_key = $d/ca.key
			default_md = sha256
			default_days = 3650
			policy = any
			email_in_dn = no
			unique_subject = no
			[ any ]
			countryName = optional
			organizationName = optional
			commonName = supplied
		EOF
		tls_cert ndes "$H_TLS13" "DNS:$H_TLS13, DNS:$H_TLS12, DNS:$H_TLSCBC"
		# the application proxy's certificate is a wildcard, as Microsoft's is
		tls_cert appproxy '*.msappproxy.net' 'DNS:*.msappproxy.net'
		tls_cert expired "$H_TLSEXP" "DNS:$H_TLSEXP" \
			-startdate 20200101000000Z -enddate 20210101000000Z
	fi
	mkdir -p "$OUT/$TLS_PKI"
	install -m 644 "$d"/*.key "$d"/*.pem "$OUT/$TLS_PKI/"
}

# ---------------------------------------------------------------- nginx
# The server blocks on 443, included by make-captures.sh's nginx.conf.
write_tls_nginx_conf() {
	local d=$WORK/nginx p=$WORK/tls-lab up=http://127.0.0.1:$P_SCEP/scep
	cat >"$d/tls.conf" <<-EOF
		# HTTPS NDES stand-ins: the SCEP path proxied to scepserver, as on port 80.
		server {
		    listen $A_TLS13:$P_HTTPS ssl;
		    server_name $H_TLS13;
		    ssl_certificate $p/ndes.pem;
		    ssl_certificate_key $p/ndes.key;
		    ssl_protocols TLSv1.2 TLSv1.3;
		    location = $SCEP_PATH { proxy_pass $up; }
		}
		server {
		    listen $A_TLS12:$P_HTTPS ssl;
		    server_name $H_TLS12;
		    ssl_certificate $p/ndes.pem;
		    ssl_certificate_key $p/ndes.key;
		    ssl_protocols TLSv1.2;
		    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;
		    location = $SCEP_PATH { proxy_pass $up; }
		}
		# CBC: OpenSSL negotiates encrypt-then-MAC (RFC 7366) with a client that offers it.
		server {
		    listen $A_TLSCBC:$P_HTTPS ssl;
		    server_name $H_TLSCBC;
		    ssl_certificate $p/ndes.pem;
		    ssl_certificate_key $p/ndes.key;
		    ssl_protocols TLSv1.2;
		    ssl_ciphers ECDHE-RSA-AES128-SHA256;
		    location = $SCEP_PATH { proxy_pass $up; }
		}
		# TLS 1.2 so that the expired certificate and the client's alert are in the clear.
		server {
		    listen $A_TLSEXP:$P_HTTPS ssl;
		    server_name $H_TLSEXP;
		    ssl_certificate $p/expired.pem;
		    ssl_certificate_key $p/expired.key;
		    ssl_protocols TLSv1.2;
		    location = $SCEP_PATH { proxy_pass $up; }
		}
		# The Entra application proxy over HTTPS, as on port 80.
		server {
		    listen $A_APPPROXY:$P_HTTPS ssl;
		    server_name $APPPROXY_HOST;
		    ssl_certificate $p/appproxy.pem;
		    ssl_certificate_key $p/appproxy.key;
		    ssl_protocols TLSv1.2 TLSv1.3;
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
	EOF
}

# certmonger has no --resolve, and scep-submit 0.79.17 hands its -R file to libcurl
# for the first request only (the PKIOperation request then fails with curl error
# 60). So it runs in a private mount namespace where a hosts file naming the lab's
# HTTPS servers is bind-mounted over /etc/hosts and the lab CA over libcurl's
# default CA bundle: the device trusts the server through its system store.
CURL_CA_BUNDLE_PATH=/etc/ssl/certs/ca-certificates.crt
write_lab_trust() {
	cat >"$WORK/tls-hosts" <<-EOF
		127.0.0.1 localhost
		$A_TLS13 $H_TLS13
		$A_TLS12 $H_TLS12
		$A_TLSCBC $H_TLSCBC
		$A_TLSEXP $H_TLSEXP
	EOF
	cat >"$WORK/lab-trust" <<-EOF
		#!/bin/sh
		mount --bind $WORK/tls-hosts /etc/hosts &&
			mount --bind $WORK/tls-lab/ca.pem $CURL_CA_BUNDLE_PATH && exec "\$@"
	EOF
	chmod 755 "$WORK/lab-trust"
}

# tls_setup: everything the TLS captures need before nginx starts.
tls_setup() {
	tls_pki
	write_tls_nginx_conf
	write_lab_trust
}

# tls_seed_depot DIR: for --tls-only, the CA's issue log as the last full run
# left it, so the TLS devices get the serials they get in a full run.
tls_seed_depot() {
	local idx=$HERE/logs/scep-depot-index.txt last
	[ -s "$idx" ] || return 0
	mkdir -p "$1"
	grep -v -E 'CN=device-tls' "$idx" >"$1/index.txt" || true
	last=$(cut -f4 "$1/index.txt" | sort | tail -n 1)
	printf '%02X\n' "$((16#${last:-01} + 1))" >"$1/serial"
}

# ---------------------------------------------------------------- captures
CURL_FMT='%{http_code} %{content_type} %{size_download} bytes, new connections: %{num_connects}\n'

# tls_curl NAME HOST ADDR CURL-ARGS...: curl -v in the lab, name resolved with
# --resolve, the server checked against the lab CA, keys to NAME.keys.
tls_curl() {
	local name=$1 host=$2 addr=$3
	shift 3
	run_logged "$name" in_lab env SSLKEYLOGFILE="$OUT/$name.keys" curl -v -sS \
		--cacert "$WORK/tls-lab/ca.pem" --resolve "$host:$P_HTTPS:$addr" "$@"
}

# tls_certmonger NAME CM-ARGS...: scep-submit with the lab hosts file and the
# lab CA as its trust store (lab-trust), keys to NAME.keys.
tls_certmonger() {
	local name=$1
	shift
	run_logged "$name" in_lab unshare -m "$WORK/lab-trust" env SSLKEYLOGFILE="$OUT/$name.keys" \
		"$CM" "$@"
}

tls_log_header() { # NAME TEXT...
	local name=$1
	shift
	log "$name" "$@" "certmonger runs under lab-trust: /etc/hosts is" "$(cat "$WORK/tls-hosts")" \
		"and $CURL_CA_BUNDLE_PATH is the lab CA (keys/tls-lab/ca.pem)" ""
}

# cap_tls_certmonger NAME ROLE CN HOST ADDR: curl GetCACaps + GetCACert on one
# connection, then certmonger's GetCACaps + GET PKIOperation (two connections)
# with a pkiMessage harvested over HTTP beforehand (not recorded).
cap_tls_certmonger() {
	local name=$1 role=$2 cn=$3 host=$4 addr=$5 ca=$WORK/depot/ca.pem
	local u="https://$host$SCEP_PATH"
	harvest "$name" "$role" "$cn"
	: >"$OUT/$name.keys"
	mark_logs
	cap_start "$LAB" lo "$name.pcap" 0 tcp port "$P_HTTPS" and host "$addr"
	tls_curl "$name" "$host" "$addr" -o /dev/null -o /dev/null -w "$CURL_FMT" \
		"$u?operation=GetCACaps&message=ca" "$u?operation=GetCACert&message=ca"
	tls_certmonger "$name" -u "$u" -r "$ca" -N "$ca" -p "$OUT/keys/$role/pkimessage.pem"
	cap_stop
	logs_since_mark "$name"
}

# cap_tls_post NAME ROLE CN HOST ADDR: one curl, one connection: GetCACert,
# GetCACaps, then POST PKIOperation with a harvested pkiMessage (as scepclient
# does over HTTP). The CertRep is kept as keys/ROLE/certrep.der.
cap_tls_post() {
	local name=$1 role=$2 cn=$3 host=$4 addr=$5
	local u="https://$host$SCEP_PATH" common
	harvest "$name" "$role" "$cn"
	: >"$OUT/$name.keys"
	common=(--cacert "$WORK/tls-lab/ca.pem" --resolve "$host:$P_HTTPS:$addr" -w "$CURL_FMT")
	mark_logs
	cap_start "$LAB" lo "$name.pcap" 0 tcp port "$P_HTTPS" and host "$addr"
	run_logged "$name" in_lab env SSLKEYLOGFILE="$OUT/$name.keys" curl -v -sS "${common[@]}" \
		-o /dev/null -o /dev/null "$u?operation=GetCACert&message=ca" "$u?operation=GetCACaps&message=ca" \
		--next "${common[@]}" -H 'Content-Type: application/x-pki-message' \
		--data-binary "@$WORK/$role-req.der" -o "$OUT/keys/$role/certrep.der" \
		"$u?operation=PKIOperation"
	cap_stop
	logs_since_mark "$name"
	chmod 644 "$OUT/keys/$role/certrep.der"
}

cap_tls() {
	local name fmt=$CURL_FMT

	name=tls13-scep
	tls_log_header $name "TLS 1.3 ($H_TLS13 = $A_TLS13:$P_HTTPS, nginx TLSv1.2 TLSv1.3, default suites)"
	cap_tls_certmonger $name tls13 device-tls13 "$H_TLS13" "$A_TLS13"

	name=tls12-scep
	log $name "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 ($H_TLS12 = $A_TLS12:$P_HTTPS)" ""
	cap_tls_post $name tls12 device-tls12 "$H_TLS12" "$A_TLS12"

	name=tls12-cbc-scep
	tls_log_header $name "TLS 1.2 ECDHE-RSA-AES128-SHA256 ($H_TLSCBC = $A_TLSCBC:$P_HTTPS)"
	cap_tls_certmonger $name tls12-cbc device-tls12-cbc "$H_TLSCBC" "$A_TLSCBC"

	# the application proxy over HTTPS: 504 GatewayTimeout after the silent
	# upstream, then "This page can't be displayed", one connection
	name=tls-app-proxy
	log $name "TLS 1.3, SNI $APPPROXY_HOST ($A_APPPROXY:$P_HTTPS)" ""
	start_peer silent 127.0.0.1 "$P_UP_SILENT" 1
	: >"$OUT/$name.keys"
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port "$P_HTTPS" and host "$A_APPPROXY"
	tls_curl $name "$APPPROXY_HOST" "$A_APPPROXY" -o /dev/null -o /dev/null -w "$fmt" \
		"https://$APPPROXY_HOST$SCEP_PATH?operation=GetCACaps&message=ca" \
		"https://$APPPROXY_HOST$SCEP_PATH?operation=GetCACert&message=ca"
	cap_stop
	logs_since_mark $name
	stop_peer $name silent

	# a client that offers only a suite the server does not have: the server's
	# fatal handshake_failure alert
	name=tls-alert
	log $name "TLS 1.2 client offering only AES128-SHA to $H_TLS12 ($A_TLS12:$P_HTTPS, ECDHE-RSA-AES128-GCM-SHA256 only)" ""
	: >"$OUT/$name.keys"
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port "$P_HTTPS" and host "$A_TLS12"
	tls_curl $name "$H_TLS12" $A_TLS12 --tls-max 1.2 --ciphers AES128-SHA -o /dev/null -w "$fmt" \
		"https://$H_TLS12$SCEP_PATH?operation=GetCACaps&message=ca"
	cap_stop
	logs_since_mark $name

	# an expired server certificate: curl (no -k) refuses it with a fatal
	# certificate_expired alert
	name=tls-expired-cert
	log $name "TLS 1.2, server certificate valid 2020-01-01..2021-01-01 ($H_TLSEXP = $A_TLSEXP:$P_HTTPS)" ""
	: >"$OUT/$name.keys"
	mark_logs
	cap_start "$LAB" lo $name.pcap 0 tcp port "$P_HTTPS" and host "$A_TLSEXP"
	tls_curl $name "$H_TLSEXP" $A_TLSEXP -o /dev/null -w "$fmt" \
		"https://$H_TLSEXP$SCEP_PATH?operation=GetCACert&message=ca"
	cap_stop
	logs_since_mark $name

	# the TLS 1.3 capture again, its keys in a pcapng Decryption Secrets Block
	run_logged tls13-scep-dsb editcap --inject-secrets "tls,$OUT/tls13-scep.keys" \
		"$OUT/tls13-scep.pcap" "$OUT/tls13-scep-dsb.pcapng"
	chmod 644 "$OUT"/*.keys "$OUT/tls13-scep-dsb.pcapng"
}

# tls_install: --tls-only puts back only what cap_tls made (and the CA's issue log).
tls_install() {
	local r
	rm -f "$HERE"/tls*.pcap "$HERE"/tls*.pcapng "$HERE"/tls*.keys "$HERE"/logs/tls*.txt
	cp "$OUT"/tls*.pcap "$OUT"/tls*.pcapng "$OUT"/tls*.keys "$HERE/"
	cp "$OUT"/logs/tls*.txt "$OUT/logs/scep-depot-index.txt" "$HERE/logs/"
	rm -rf "${HERE:?}/${TLS_PKI:?}"
	cp -r "$OUT/$TLS_PKI" "$HERE/$TLS_PKI"
	for r in "${TLS_ROLES[@]}"; do
		rm -rf "${HERE:?}/keys/${r:?}"
		cp -r "$OUT/keys/$r" "$HERE/keys/$r"
	done
}
