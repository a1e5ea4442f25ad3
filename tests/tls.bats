#!/usr/bin/env bats
# SIP over TLS: sip-call, sip-answer, sip-register and sip-options with a
# test CA (tests/pki.bash), straight to each other and through Kamailio's
# tls module; certificates that must be refused, files that cannot be
# used, peers that do not speak TLS or stop halfway; and the wire, where no
# SIP may show in clear.

bats_require_minimum_version 1.5.0

setup_file() {
	load helper
	pki_make
	tone_raw "$BATS_FILE_TMPDIR/1k2s.raw" 1000 2
	tone_raw "$BATS_FILE_TMPDIR/500-2s.raw" 500 2
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	T=$BATS_FILE_TMPDIR
	# Nothing of the caller's environment decides for a test.
	unset SIP_TRANSPORT SIP_CA_FILE SIP_CERT_FILE SIP_KEY_FILE SIP_SERVER SIP_DOMAIN
}

teardown() {
	stop_all_bg
}

RTP='127\.0\.0\.1:[0-9]+'

# answer_tls NAME CERT [SIP-ANSWER-ARGS...]: sip-answer over TLS on a new
# free port PORT of 127.0.0.1, showing $PKI/CERT.pem, as job NAME; ready
# when this returns.
answer_tls() {
	local name=$1 cert=$2
	shift 2
	PORT=$(free_port)
	start_bg "$name" env SIP_CERT_FILE="$PKI/$cert.pem" SIP_KEY_FILE="$PKI/$cert.key" \
		sip-answer -t tls -l "127.0.0.1:$PORT" "$@"
	wait_for 5 port_listening tcp "$PORT"
}

# tls_call ARGS...: sip-call over TLS trusting the test CA, bounded.
tls_call() {
	timeout -k 2 40 env SIP_CA_FILE="$PKI/ca.pem" sip-call -t tls "$@"
}

# tls_capture_start PORT...: tshark on loopback for TCP to or from the PORTs
# (job "cap"), capturing when this returns.
tls_capture_start() {
	local p filter=
	CAP_PORTS=("$@")
	for p; do
		filter="${filter:+$filter or }tcp port $p"
	done
	start_bg cap tshark -n -i lo -f "$filter" -w "$D/cap.pcapng"
	wait_for 10 grep -q 'Capturing on' "$D/cap.err"
}

# tls_capture_stop: ends the capture (tshark writes all it has on SIGTERM).
tls_capture_stop() {
	sleep 0.5
	stop_bg cap
}

# tls_capture_count FILTER: how many captured packets match the display
# filter, the PORTs decoded as TLS.
tls_capture_count() {
	local p decode=()
	for p in "${CAP_PORTS[@]}"; do
		decode+=(-d "tcp.port==$p,tls")
	done
	tshark -n -r "$D/cap.pcapng" "${decode[@]}" -Y "$1" 2>/dev/null | wc -l
}

# assert_no_clear_sip: the capture holds TLS application data and not one
# packet whose bytes hold a SIP request line or status line.
assert_no_clear_sip() {
	local app clear
	# TLS 1.3 hides the record type (opaque_type) of what 1.2 shows.
	app=$(tls_capture_count 'tls.record.opaque_type == 23 or tls.record.content_type == 23')
	clear=$(tls_capture_count 'frame contains "SIP/2.0" or frame contains "INVITE sip:" or frame contains "REGISTER sip:"')
	echo "TLS application data packets: $app; packets with SIP in clear: $clear"
	[ "$app" -gt 0 ]
	[ "$clear" = 0 ]
}

@test "tls: sip-call to sip-answer: the certificate verified, answered with sip=tls, a tone arrives, no SIP in clear" {
	answer_tls bob server -- sh -c "exec rtp-recv > '$D/rec.raw'"
	tls_capture_start "$PORT"
	start_bg alice sh -c "exec env SIP_CA_FILE='$PKI/ca.pem' sip-call -v -t tls -T 5 sip:bob@127.0.0.1:$PORT < '$T/1k2s.raw'"
	wait_bg alice 15
	assert_success
	assert_line "sip-call: debug: TLS connection to 127.0.0.1:$PORT, certificate verified"
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP sip=tls call-id=$CID$"
	# What -v prints went over TLS, in the TLS Via and Contact.
	assert_line --regexp '^Via: SIP/2.0/TLS 127\.0\.0\.1:[0-9]+;rport;branch='
	assert_line --regexp '^Contact: <sip:127\.0\.0\.1:[0-9]+;transport=tls>'
	wait_bg bob 5
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP sip=tls call-id=$CID$"
	check_tone -f 1000 -s 30 -n 16000 -N 1600 "$D/rec.raw"
	tls_capture_stop
	assert_no_clear_sip
}

@test "tls: a sips: call: TLS without -t, the name checked, sips: Contacts both ways (RFC 3261 8.1.1.8, 12.1.1)" {
	answer_tls bob server -v -D 0.5 -- sh -c 'exec cat > /dev/null'
	run tls_call_sips -v "sips:bob@localhost:$PORT" -- sh -c 'exec cat > /dev/null'
	assert_success
	assert_line "sip-call: debug: TLS connection to localhost:$PORT, certificate verified"
	assert_line --regexp '^Contact: <sips:127\.0\.0\.1:[0-9]+>'
	refute_line --partial 'transport=tls'
	assert_line --regexp "^sip-call: answered .* sip=tls call-id=$CID$"
	wait_bg bob 5
	assert_success
	assert_line --regexp "^Contact: <sips:127\.0\.0\.1:$PORT>"
	assert_line --regexp '^BYE sips:127\.0\.0\.1:[0-9]+ SIP/2\.0'
}

# tls_call_sips ARGS...: sip-call trusting the test CA, no transport given.
tls_call_sips() {
	timeout -k 2 40 env SIP_CA_FILE="$PKI/ca.pem" sip-call "$@"
}

@test "tls: through Kamailio: bob registered over TLS with sip-answer chain-loaded, alice calls over TLS, audio both ways, nothing in clear" {
	kamailio_start TLS
	BOB_PORT=$(free_port)
	tls_capture_start "$KAM_TLS_PORT" "$BOB_PORT"
	start_bg bob env SIP_SERVER="$KAM_TLS_SERVER" SIP_USER=bob SIP_PASSWORD=bobpw \
		SIP_CA_FILE="$PKI/ca.pem" SIP_CERT_FILE="$PKI/server.pem" SIP_KEY_FILE="$PKI/server.key" \
		sip-register -t tls -e 60 -c "127.0.0.1:$BOB_PORT" -- \
		sip-answer -- sh -c "rtp-send < '$T/500-2s.raw' & exec rtp-recv > '$D/bob.raw'"
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$BOB_PORT;transport=tls"
	start_bg alice sh -c "exec env SIP_SERVER='$KAM_TLS_SERVER' SIP_USER=alice SIP_PASSWORD=alicepw \
		SIP_CA_FILE='$PKI/ca.pem' SIP_TRANSPORT=tls sip-call -T 5 bob < '$T/1k2s.raw' > '$D/alice.raw'"
	wait_bg alice 20
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 OK\" codec=PCMU rtp=$RTP sip=tls call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=0 "
	# One call, and sip-answer is done: sip-register unregisters.
	wait_bg bob 10
	assert_success
	assert_line --regexp '^sip-register: registered aor=sip:bob@sipline\.test '
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP sip=tls call-id=$CID$"
	assert_line --regexp '^sip-register: unregistered aor=sip:bob@sipline\.test$'
	check_tone -f 1000 -s 30 -n 16000 -N 1600 "$D/bob.raw"
	check_tone -f 500 -s 30 -n 16000 -N 1600 "$D/alice.raw"
	tls_capture_stop
	assert_no_clear_sip
	# Kamailio saw every request over TLS, and alice's dialog kept to one
	# connection: INVITE, ACK and BYE from one port.
	run grep -c '/tls (' "$KAM_LOG"
	[ "$output" -ge 4 ]
	run grep -E ' from [0-9.]+:[0-9]+/(udp|tcp) \(' "$KAM_LOG"
	assert_failure
	run sh -c "grep -E '(INVITE|ACK|BYE) .*\(sip:alice@' '$KAM_LOG' | sed 's/.* from \([^ ]*\) .*/\1/' | sort -u"
	assert_equal "${#lines[@]}" 1
}

@test "tls: serve mode chain-loaded behind Kamailio: three callers at once over TLS, each call's process on its own TLS port, no child left" {
	local i srv
	kamailio_start TLS
	BOB_PORT=$(free_port)
	start_bg bob env SIP_SERVER="$KAM_TLS_SERVER" SIP_USER=bob SIP_PASSWORD=bobpw \
		SIP_CA_FILE="$PKI/ca.pem" SIP_CERT_FILE="$PKI/server.pem" SIP_KEY_FILE="$PKI/server.key" \
		sip-register -t tls -e 60 -c "127.0.0.1:$BOB_PORT" -- sip-answer -S -- handoff-probe -s 1 -o /dev/null
	wait_for 5 kamailio_has_binding bob "@127\.0\.0\.1:$BOB_PORT;transport=tls"
	for i in 1 2 3; do
		start_bg "alice$i" env SIP_SERVER="$KAM_TLS_SERVER" SIP_USER=alice SIP_PASSWORD=alicepw \
			SIP_CA_FILE="$PKI/ca.pem" sip-call -t tls -T 5 bob -- handoff-probe -s -1 -o /dev/null
	done
	for i in 1 2 3; do
		wait_bg "alice$i" 15
		assert_success
		assert_line --regexp "^sip-call: answered .* sip=tls call-id=$CID$"
		assert_line --regexp "^sip-call: hangup by=remote call-id=$CID$"
	done
	wait_for 5 sh -c '[ "$(grep -c "^sip-answer: ended status=0 " "$1")" = 3 ]' - "$D/bob.err"
	# Each call's BYE left its process over TLS, through the proxy.
	[ "$(grep -c "BYE sip:alice@127\.0\.0\.1:[0-9]*;transport=tls from 127\.0\.0\.1:[0-9]*/tls" "$KAM_LOG")" = 3 ]
	srv=$(ps --ppid "$(bg_pid bob)" -o pid= | tr -d ' ')
	# Idle call processes of the pool end after 1 s (sip-answer(1)).
	wait_for 5 no_children "$srv"
	signal_bg bob TERM
	wait_bg bob 5
	assert_success
	assert_line 'sip-register: unregistered aor=sip:bob@sipline.test'
	refute_line --partial warning
}

# baresip_tls: a baresip (job "bs") that listens for TLS on 127.0.0.1
# port BS_TLS (UDP and TCP on the port below it), shows the test server's
# certificate, trusts the test CA, answers every call at once and sends a
# 1 kHz tone; it quits after 12 s.  Extra baresip arguments follow.
baresip_tls() {
	local base
	base=$(free_rtp_port)
	BS_TLS=$((base + 1))
	baresip_config "$D/bs" "sip_listen 127.0.0.1:$base" \
		"sip_certificate $PKI/server-full.pem" "sip_cafile $PKI/ca.pem" "sip_trans_def tls"
	echo "<sip:bob@127.0.0.1:$base;transport=tls>;regint=0;answermode=auto" >"$D/bs/accounts"
	start_bg bs baresip -f "$D/bs" -n 127.0.0.1 -t 12 "$@"
	wait_for 5 port_listening tcp "$BS_TLS"
}

@test "tls: interop with baresip (libre) both ways: a tone arrives each way; our BYE to its own TLS port on a new, verified connection" {
	baresip_tls
	run tls_call -T 5 -D 2 "sip:bob@127.0.0.1:$BS_TLS" -- sh -c "exec rtp-recv > '$D/from-bs.raw'"
	assert_success
	assert_line --regexp "^sip-call: answered status=\"200 [A-Za-z]+\" codec=PCMU rtp=$RTP sip=tls call-id=$CID$"
	check_tone -f 1000 -s 30 -n 16000 -N 1600 "$D/from-bs.raw"
	stop_bg bs

	# baresip calls sip-answer, whose BYE goes to baresip's own TLS port
	# (its Contact) on a new connection, verified too.
	PORT=$(free_port)
	start_bg bob env SIP_CA_FILE="$PKI/ca.pem" SIP_CERT_FILE="$PKI/server.pem" \
		SIP_KEY_FILE="$PKI/server.key" sip-answer -t tls -l "127.0.0.1:$PORT" -D 2 \
		-- sh -c "exec rtp-recv > '$D/to-bob.raw'"
	wait_for 5 port_listening tcp "$PORT"
	baresip_tls -e "/dial sip:bob@127.0.0.1:$PORT"
	wait_bg bob 15
	assert_success
	assert_line --regexp "^sip-answer: answered codec=PCMU rtp=$RTP sip=tls call-id="
	assert_line --regexp '^sip-answer: hangup by=local reason="duration reached" '
	refute_line --partial warning
	check_tone -f 1000 -s 30 -n 16000 -N 1600 "$D/to-bob.raw"
}

# registered_after_failure: reg's stderr has a registered or refreshed
# event after its first failed one.
registered_after_failure() {
	sed -n '/^sip-register: failed /,$p' "$D/reg.err" | grep -Eq '^sip-register: (registered|refreshed) '
}

@test "tls: the registrar restarts: the broken connection is made again (a new handshake), registered again by itself" {
	kamailio_start TLS
	start_bg reg env SIP_SERVER="$KAM_TLS_SERVER" SIP_USER=alice SIP_PASSWORD=alicepw \
		SIP_CA_FILE="$PKI/ca.pem" sip-register -v -t tls -e 2
	wait_for 5 grep -q '^sip-register: registered ' "$D/reg.err"
	kamailio_stop
	wait_for 5 grep -q '^sip-register: failed ' "$D/reg.err"
	kamailio_restart
	# Registered again (or "refreshed", when the binding had not expired
	# meanwhile as far as sip-register knows).
	wait_for 10 registered_after_failure
	kamailio_has_binding alice ';transport=tls'
	# Two handshakes, each verified: one before, one after the restart.
	run grep -c "^sip-register: debug: TLS connection to 127.0.0.1:$KAM_TLS_PORT, certificate verified" "$D/reg.err"
	assert_equal "$output" 2
	bg_running reg
}

@test "tls: sip-options and sip-register against Kamailio's TLS port; a sips: URI means TLS; -t udp with one is refused" {
	kamailio_start TLS
	export SIP_CA_FILE=$PKI/ca.pem
	run timeout 20 sip-options "sips:127.0.0.1:$KAM_TLS_PORT"
	assert_success
	assert_line --regexp "^sips:127\.0\.0\.1:$KAM_TLS_PORT: 200 OK "
	# An IPv6 literal is checked against the certificate's IP addresses.
	run timeout 20 sip-options "sips:[::1]:$KAM_TLS_PORT"
	assert_success
	assert_line --regexp "^sips:\[::1\]:$KAM_TLS_PORT: 200 OK "
	run timeout 20 env SIP_SERVER="$KAM_TLS_SERVER" SIP_USER=alice SIP_PASSWORD=alicepw \
		sip-register -t tls -1 -e 30
	assert_success
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test '
	wait_for 5 kamailio_has_binding alice ';transport=tls'
	run timeout 20 sip-options -t udp "sips:127.0.0.1:$KAM_TLS_PORT"
	assert_equal "$status" 100
	assert_line "sip-options: fatal: sips:127.0.0.1:$KAM_TLS_PORT is a sips: URI, which needs TLS, not udp"
	# The plain ports are no way around it: a sips: target over UDP
	# through the proxy is refused before anything is sent.
	run timeout 20 env SIP_SERVER="127.0.0.1:$KAM_PORT" SIP_USER=alice SIP_PASSWORD=alicepw \
		SIP_TRANSPORT=udp sip-call "sips:bob@sipline.test"
	assert_equal "$status" 100
}

@test "tls: certificates of another CA, for another host, expired, or unknown to the system: refused, exit 7, never a call" {
	local cert name reason
	for cert in rogue:127.0.0.1:'unable to get local issuer certificate' \
		rogue:localhost:'unable to get local issuer certificate' \
		elsewhere:127.0.0.1:'IP address mismatch' \
		elsewhere:localhost:'hostname mismatch' \
		expired:localhost:'certificate has expired'; do
		IFS=: read -r cert name reason <<<"$cert"
		answer_tls bob "$cert"
		run -7 tls_call -T 5 "sips:bob@$name:$PORT"
		assert_line "sip-call: fatal: unable to call sips:bob@$name:$PORT: unable to connect to $name:$PORT: certificate verify failed: $reason"
		refute_line --partial calling
		stop_bg bob
		run cat "$D/bob.err"
		refute_line --partial incoming
	done
	# The test CA is in no system store: without SIP_CA_FILE the server's
	# certificate is refused too.
	answer_tls bob server
	run -7 timeout 20 sip-options -t tls "sip:127.0.0.1:$PORT"
	assert_line "sip-options: fatal: unable to send OPTIONS to sip:127.0.0.1:$PORT: unable to connect to 127.0.0.1:$PORT: certificate verify failed: unable to get local issuer certificate"
	# With it, the same server passes.
	run timeout 20 env SIP_CA_FILE="$PKI/ca.pem" sip-options -t tls "sip:127.0.0.1:$PORT"
	assert_success
}

@test "tls: SIP_CA_FILE missing, a directory or no certificate, a key of another certificate, no certificate to answer with: a clear error, 111 or 100" {
	run -111 tls_call_with SIP_CA_FILE=/nonexistent/ca.pem
	assert_line 'sip-call: fatal: unable to read SIP_CA_FILE /nonexistent/ca.pem: No such file or directory'
	run -111 tls_call_with SIP_CA_FILE="$D"
	assert_line "sip-call: fatal: unable to read SIP_CA_FILE $D: Is a directory"
	run -100 tls_call_with SIP_CA_FILE="$PKI/server.key"
	assert_line "sip-call: fatal: unable to use SIP_CA_FILE $PKI/server.key: no PEM certificate in it"
	run -100 tls_call_with SIP_CA_FILE="$PKI/ca.pem" SIP_CERT_FILE="$PKI/server.pem" SIP_KEY_FILE="$PKI/client.key"
	assert_line "sip-call: fatal: unable to use SIP_CERT_FILE $PKI/server.pem with SIP_KEY_FILE $PKI/client.key: the key does not belong to the certificate"
	run -100 tls_call_with SIP_KEY_FILE="$PKI/client.key"
	assert_line --partial 'SIP_KEY_FILE is set but SIP_CERT_FILE is not'
	# A key others may read is warned about, like a password file.
	cp "$PKI/client.key" "$D/open.key"
	chmod 644 "$D/open.key"
	run -7 tls_call_with SIP_CA_FILE="$PKI/ca.pem" SIP_CERT_FILE="$PKI/client.pem" SIP_KEY_FILE="$D/open.key"
	assert_line "sip-call: warning: $D/open.key can be read by other users; run: chmod 600 $D/open.key"
	run -100 timeout 10 sip-answer -t tls -l "127.0.0.1:$(free_port)"
	assert_line 'sip-answer: fatal: answering over TLS needs a certificate: set SIP_CERT_FILE (and SIP_KEY_FILE)'
}

# tls_call_with VAR=VALUE...: sip-call -t tls with those settings, to a
# port nothing listens on (the settings fail before it matters).
tls_call_with() {
	timeout 10 env "$@" sip-call -t tls "sip:bob@127.0.0.1:$(free_port)"
}

@test "tls: libssl missing: TLS says which library it could not load and exits 111; UDP and TCP need no OpenSSL" {
	local so
	unshare --mount true 2>/dev/null || skip "no mount namespaces here (not root)"
	so=$(loaded_soname LIBSSL)
	[ -n "$so" ]
	kamailio_start TLS
	export SIP_CA_FILE=$PKI/ca.pem
	run without_lib "$so" timeout 20 sip-options "sips:127.0.0.1:$KAM_TLS_PORT"
	assert_failure 111
	assert_line --regexp "^sip-options: warning: unable to load $so: "
	assert_line 'sip-options: fatal: unable to set up TLS: Can not access a needed shared library'
	run without_lib "$so" timeout 20 sip-options "sip:127.0.0.1:$KAM_PORT"
	assert_success
	run without_lib "$so" timeout 20 sip-options -t tcp "sip:127.0.0.1:$KAM_PORT"
	assert_success
}

@test "tls: Kamailio demands a client certificate: SIP_CERT_FILE and SIP_KEY_FILE register, without them a clear failure, exit 7" {
	kamailio_start TLS TLS_CLIENT_CERT
	export SIP_SERVER=$KAM_TLS_SERVER SIP_USER=alice SIP_PASSWORD=alicepw SIP_CA_FILE=$PKI/ca.pem
	run -7 timeout 20 sip-register -t tls -1 -e 30
	assert_line --regexp "^sip-register: failed aor=sip:alice@sipline\.test reason=\"unable to connect to 127\.0\.0\.1:$KAM_TLS_PORT: TLS session failed: tlsv13 alert certificate required\""
	run timeout 20 env SIP_CERT_FILE="$PKI/client.pem" SIP_KEY_FILE="$PKI/client.key" \
		sip-register -t tls -1 -e 30
	assert_success
	assert_line --regexp '^sip-register: registered aor=sip:alice@sipline\.test '
	# One not signed by the CA Kamailio trusts is refused by it.
	run -7 timeout 20 env SIP_CERT_FILE="$PKI/rogue.pem" SIP_KEY_FILE="$PKI/rogue.key" \
		sip-register -t tls -1 -e 30
	assert_line --regexp '^sip-register: failed aor=sip:alice@sipline\.test reason=".*TLS session failed: tlsv1 alert unknown ca"'
}

@test "tls: peers that do not speak TLS: garbage, a plain SIP server, silence (5 s), a close mid-message: exit 7, the reason said, bounded" {
	PORT=$(free_port)
	start_bg peer tls-peer -p "$PORT" garbage
	wait_for 5 grep -q ready "$D/peer.out"
	run -7 tls_call -T 5 "sip:bob@127.0.0.1:$PORT"
	assert_line "sip-call: fatal: unable to call sip:bob@127.0.0.1:$PORT: unable to connect to 127.0.0.1:$PORT: TLS handshake failed: wrong version number"
	stop_bg peer

	# A SIP server over TCP on the port reads the ClientHello as the
	# start of a message, and waits for the rest.
	start_bg plain sip-answer -t tcp -l "127.0.0.1:$PORT"
	wait_for 5 port_listening tcp "$PORT"
	SECONDS=0
	run -7 tls_call -T 5 "sip:bob@127.0.0.1:$PORT"
	assert_line "sip-call: fatal: unable to call sip:bob@127.0.0.1:$PORT: unable to connect to 127.0.0.1:$PORT: TLS handshake timed out"
	[ "$SECONDS" -le 8 ]
	stop_bg plain

	start_bg peer tls-peer -p "$PORT" silent
	wait_for 5 grep -q ready "$D/peer.out"
	SECONDS=0
	run -7 timeout 20 env SIP_CA_FILE="$PKI/ca.pem" SIP_USER=alice SIP_SERVER="127.0.0.1:$PORT" \
		sip-register -t tls -1
	assert_line --regexp "^sip-register: failed aor=sip:alice@127\.0\.0\.1 reason=\"unable to connect to 127\.0\.0\.1:$PORT: TLS handshake timed out\"$"
	[ "$SECONDS" -le 8 ]
	stop_bg peer

	start_bg peer tls-peer -p "$PORT" -c "$PKI/server.pem" -k "$PKI/server.key" half
	wait_for 5 grep -q ready "$D/peer.out"
	run -7 tls_call -T 5 "sip:bob@127.0.0.1:$PORT"
	assert_line --regexp "^sip-call: warning: TLS connection closed by 127\.0\.0\.1:$PORT in the middle of a message \([0-9]+ bytes dropped\)$"
	assert_line --regexp "^sip-call: failed reason=\"no response \(the connection was closed\)\" call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=7 "
	stop_bg peer

	# A whole answer and the close right behind it: the answer counts.
	start_bg peer tls-peer -p "$PORT" -c "$PKI/server.pem" -k "$PKI/server.key" answer
	wait_for 5 grep -q ready "$D/peer.out"
	run -0 timeout 20 env SIP_CA_FILE="$PKI/ca.pem" sip-options -t tls "sip:127.0.0.1:$PORT"
	assert_line --regexp "^sip:127\.0\.0\.1:$PORT: 200 OK "
}

@test "tls: sip-answer meets garbage, a client that never handshakes and a request cut by a close: each closed and said, calls go on meanwhile" {
	answer_tls bob server -S -- sh -c 'exec cat > /dev/null'
	# Garbage where a ClientHello belongs.
	exec {g}<>"/dev/tcp/127.0.0.1/$PORT"
	# (It may be cut off before all of it is written.)
	printf 'INVITE sip:bob@127.0.0.1 SIP/2.0\r\n\r\n' >&$g || true
	wait_for 5 grep -q 'closing TLS connection from 127.0.0.1:[0-9]*: TLS handshake failed' "$D/bob.err"
	exec {g}>&-
	# A client that connects and says nothing holds no one up...
	exec {s}<>"/dev/tcp/127.0.0.1/$PORT"
	run tls_call -T 5 -D 0.5 "sip:bob@127.0.0.1:$PORT" -- sh -c 'exec cat > /dev/null'
	assert_success
	assert_line --regexp "^sip-call: answered .* sip=tls call-id=$CID$"
	# ...and is let go after 5 s.
	wait_for 8 grep -q 'closing TLS connection from 127.0.0.1:[0-9]*: no handshake within 5 s' "$D/bob.err"
	exec {s}>&-
	# Half a request, then the TLS client goes.
	printf 'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKx\r\n' |
		timeout 10 openssl s_client -quiet -no_ign_eof -connect "127.0.0.1:$PORT" >/dev/null 2>&1 || true
	wait_for 5 grep -Eq 'TLS connection closed by 127\.0\.0\.1:[0-9]+ in the middle of a message \([0-9]+ bytes dropped\)' "$D/bob.err"
	# Still answering.
	run tls_call -T 5 -D 0.5 "sip:bob@127.0.0.1:$PORT" -- sh -c 'exec cat > /dev/null'
	assert_success
	stop_bg bob
	run cat "$D/bob.err"
	assert_equal "$(grep -c '^sip-answer: answered ' "$D/bob.err")" 2
	refute_line --partial 'fatal'
}
