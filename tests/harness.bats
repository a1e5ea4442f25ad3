#!/usr/bin/env bats
# The harness checks itself before anything relies on it: the helpers of
# helper.bash, and the private Kamailio of kamailio.bash with its users and
# switches, driven by SIPp (tests/sipp/*.xml) in place of the sipline tools.

setup() {
	load helper
}

teardown() {
	stop_all_bg
}

# --- helpers for this file

# Prints "PROTO ADDRESS:PORT" for every socket that the processes PIDS...
# listen on (TCP) or have bound (UDP).
listening_sockets() {
	local pid
	for pid; do
		ss -Hlntup | awk -v pid="pid=$pid," '
			index($0, pid) { print $1, $5 }'
	done | sort -u
}

# True when process group PGID has at least N live members.
group_has() {
	[ "$(sl_group_members "$1" | wc -l)" -ge "$2" ]
}

# sipp_register USER ADDR TRANSPORT EXPIRES [SIPP-ARGS...]: registers USER
# (password USERpw) from SIPp at ADDR (127.0.0.1 or ::1) over TRANSPORT (u1
# or t1) for EXPIRES seconds (0 unregisters the same -p port's Contact).
sipp_register() {
	local user=$1 addr=$2 transport=$3 expires=$4 server
	shift 4
	server=127.0.0.1:$KAM_PORT
	[ "$addr" = ::1 ] && server="[::1]:$KAM_PORT"
	sipp_run "reg-$user" register-auth -i "$addr" -t "$transport" \
		-s "$user" -au "$user" -ap "${user}pw" -auth_uri "sip:$SIP_DOMAIN" \
		-key domain "$SIP_DOMAIN" -key expires "$expires" "$@" "$server"
}

# Prints the digest "response" for ALG (MD5 or SHA-256) of RFC 7616 / 8760:
# digest_response ALG USER PASSWORD METHOD URI NONCE [NC CNONCE] (qop=auth
# when NC and CNONCE are given).
digest_response() {
	local alg=$1 user=$2 pw=$3 method=$4 uri=$5 nonce=$6 nc=${7:-} cnonce=${8:-}
	local sum ha1 ha2 r
	case $alg in
	MD5) sum=md5sum ;;
	SHA-256) sum=sha256sum ;;
	*) return 1 ;;
	esac
	ha1=$(printf '%s' "$user:$SIP_DOMAIN:$pw" | $sum)
	ha2=$(printf '%s' "$method:$uri" | $sum)
	if [ -n "$nc" ]; then
		r=$(printf '%s' "${ha1%% *}:$nonce:$nc:$cnonce:auth:${ha2%% *}" | $sum)
	else
		r=$(printf '%s' "${ha1%% *}:$nonce:${ha2%% *}" | $sum)
	fi
	printf '%s\n' "${r%% *}"
}

# Sends a REGISTER for USER over TCP, with the Authorization header line
# AUTH if given, and sets output/status/lines to the final response.  The
# Contact is sip:USER@127.0.0.1:9;transport=tcp, none when RAW_QUERY is set
# (a REGISTER without Contact asks for the current bindings).
raw_register() {
	local user=$1 auth=${2:-} cseq=${3:-1} req contact=
	if [ -z "${RAW_QUERY:-}" ]; then
		contact="Contact: <sip:$user@127.0.0.1:9;transport=tcp>
Expires: 60
"
	fi
	req="REGISTER sip:$SIP_DOMAIN SIP/2.0
Via: SIP/2.0/TCP 127.0.0.1:9;rport;branch=z9hG4bK-harness-$cseq-$RANDOM
Max-Forwards: 70
From: <sip:$user@$SIP_DOMAIN>;tag=harness$$
To: <sip:$user@$SIP_DOMAIN>
Call-ID: harness-$BATS_TEST_NUMBER-$$@127.0.0.1
CSeq: $cseq REGISTER
$contact${auth:+$auth
}Content-Length: 0"
	run sip_tcp_exchange 127.0.0.1 "$KAM_PORT" <<<"$req"
}

# Prints parameter NAME of the WWW-Authenticate header in $lines (as run
# set them), unquoted; nothing when it is absent.
challenge_param() {
	local l re="[ ,]$1=\"?([^\",]*)\"?"
	for l in "${lines[@]}"; do
		case $l in
		'WWW-Authenticate: Digest '*)
			if [[ $l =~ $re ]]; then
				printf '%s\n' "${BASH_REMATCH[1]}"
			fi
			return 0
			;;
		esac
	done
}

# register_with_digest ALG USER PASSWORD: REGISTER over TCP answering a
# challenge, which must name ALG (MD5 may go unnamed), with a digest
# computed here (SIPp knows only MD5); sets output to the final response.
register_with_digest() {
	local want=$1 user=$2 pw=$3 nonce alg qop response nc='' cnonce='' auth
	raw_register "$user"
	assert_success
	assert_line 'SIP/2.0 401 Unauthorized'
	nonce=$(challenge_param nonce)
	alg=$(challenge_param algorithm)
	qop=$(challenge_param qop)
	[ -n "$nonce" ]
	assert_equal "${alg:-MD5}" "$want"
	if [ -n "$qop" ]; then
		nc=00000001 cnonce=c0ffee$RANDOM
	fi
	response=$(digest_response "$want" "$user" "$pw" REGISTER \
		"sip:$SIP_DOMAIN" "$nonce" "$nc" "$cnonce")
	auth="Authorization: Digest username=\"$user\", realm=\"$SIP_DOMAIN\""
	auth+=", nonce=\"$nonce\", uri=\"sip:$SIP_DOMAIN\", response=\"$response\""
	auth+=", algorithm=$want"
	if [ -n "$qop" ]; then
		auth+=", qop=auth, nc=$nc, cnonce=\"$cnonce\""
	fi
	last_auth=$auth
	raw_register "$user" "$auth" 2
}

# True when alice's last credentials (register_with_digest) now get a
# challenge with stale=true.
credentials_are_stale() {
	raw_register alice "$last_auth" 3
	[ "$status" = 0 ]
	printf '%s\n' "$output" | grep -q '^WWW-Authenticate: Digest .*, stale=true$'
}

# Registers bob from the port where a SIPp UAS then answers his calls, over
# TRANSPORT (u1 or t1); sets uas_port.
start_bob_phone() {
	local transport=${1:-u1} proto=udp
	[ "$transport" = t1 ] && proto=tcp
	uas_port=$(free_port)
	sipp_register bob 127.0.0.1 "$transport" 60 -p "$uas_port"
	start_bg uas sipp_run uas uas -t "$transport" -p "$uas_port" -s bob
	wait_for 5 port_listening "$proto" "$uas_port"
}

# --- the helpers themselves

@test "helper refuses to load without SIPLINE_BUILD and says what to run" {
	run env -u SIPLINE_BUILD bash -c 'source "$0"' "$SIPLINE_TESTS/helper.bash"
	assert_failure
	assert_output --partial "make check"
}

@test "free_port gives distinct ports free for UDP and TCP on both loopbacks" {
	local a b
	a=$(free_port)
	b=$(free_port tcp)
	[ "$a" -gt 1024 ]
	[ "$a" -lt 65536 ]
	[ "$a" != "$b" ]
	grep -qx "$a" "$BATS_RUN_TMPDIR/sipline-ports"
	grep -qx "$b" "$BATS_RUN_TMPDIR/sipline-ports"
	refute port_listening udp "$a"
	refute port_listening tcp "$a"
	run free_port sctp
	assert_failure

	# An RTP/RTCP pair: even, both recorded.
	a=$(free_rtp_port)
	[ $((a % 2)) = 0 ]
	grep -qx "$a" "$BATS_RUN_TMPDIR/sipline-ports"
	grep -qx "$((a + 1))" "$BATS_RUN_TMPDIR/sipline-ports"
}

@test "wait_for polls until success and gives up after its bound" {
	local flag=$BATS_TEST_TMPDIR/flag t0 t1
	start_bg toucher sh -c 'sleep 0.3; touch "$0"' "$flag"
	wait_for 3 test -e "$flag"

	t0=$(sl_now_us)
	run wait_for 0.4 sh -c 'echo still not; exit 3'
	t1=$(sl_now_us)
	assert_failure
	assert_output --partial "gave up after 0.40 s"
	assert_output --partial "still not"
	[ $((t1 - t0)) -ge 400000 ]
	[ $((t1 - t0)) -lt 3000000 ]
}

@test "start_bg runs a job in its own group with fd 3 closed; stop_bg ends the group" {
	local pid
	start_bg pipeline sh -c 'echo out; echo err >&2; sleep 30 | sleep 30'
	wait_for 2 grep -qx err "$BATS_TEST_TMPDIR/pipeline.err"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pipeline.out")" out
	pid=$(bg_pid pipeline)
	[ ! -e "/proc/$pid/fd/3" ]
	# No other fd leaks either (bats keeps copies of its pipe elsewhere).
	start_bg sleeper sleep 30
	wait_for 2 sh -c '[ "$(readlink "/proc/$0/exe")" = "$(readlink -f "$(command -v sleep)")" ]' "$(bg_pid sleeper)"
	assert_equal "$(ls "/proc/$(bg_pid sleeper)/fd" | sort -n | tr '\n' ' ')" "0 1 2 "
	# sh and both sleeps share the job's process group.
	wait_for 2 group_has "$pid" 3
	bg_running pipeline

	stop_bg pipeline
	refute bg_running pipeline
	assert_equal "$(sl_group_members "$pid")" ""
	# Killed by SIGTERM: 128 + 15.
	assert_equal "${SL_BG_STATUS[pipeline]}" 143
}

@test "stop_bg kills a job that ignores SIGTERM" {
	local pid
	start_bg stubborn sh -c 'trap "" TERM; echo ready >&2; sleep 30'
	wait_for 2 grep -q ready "$BATS_TEST_TMPDIR/stubborn.err"
	pid=$(bg_pid stubborn)
	SL_STOP_GRACE=0.3 stop_bg stubborn
	assert_equal "$(sl_group_members "$pid")" ""
	assert_equal "${SL_BG_STATUS[stubborn]}" 137
}

@test "stop_bg also ends a child that left the job's process group, and says so" {
	local child
	start_bg escaper sh -c 'setsid sleep 30 & echo "$!" >&2; wait'
	wait_for 2 test -s "$BATS_TEST_TMPDIR/escaper.err"
	child=$(head -n 1 "$BATS_TEST_TMPDIR/escaper.err")
	wait_for 2 sh -c '[ "$(ps -o sid= -p "$0")" -eq "$0" ]' "$child"
	stop_bg escaper 2>"$BATS_TEST_TMPDIR/stop.err"
	refute sl_alive "$child"
	grep -q "stop: left behind, stopping: *$child sleep 30" "$BATS_TEST_TMPDIR/stop.err"
}

@test "wait_bg gives the exit status and stderr; signal_bg reaches the main process" {
	start_bg quick sh -c 'echo result; echo "quick: done" >&2; exit 3'
	wait_bg quick 2
	assert_equal "$status" 3
	assert_output "quick: done"

	start_bg trapper sh -c 'trap "echo got TERM >&2; exit 7" TERM; echo up >&2
		while :; do sleep 0.05; done'
	wait_for 2 grep -q up "$BATS_TEST_TMPDIR/trapper.err"
	signal_bg trapper TERM
	wait_bg trapper 2
	assert_equal "$status" 7
	assert_line "got TERM"

	start_bg slow sleep 10
	run wait_bg slow 0.2
	assert_failure
	assert_output --partial "still running"
	bg_running slow
}

@test "start_bg runs shell functions too" {
	say() { echo "said $*" >&2; }
	start_bg fn say hello
	wait_bg fn 2
	assert_success
	assert_output "said hello"
}

@test "dump_logs shows the jobs' stderr and this test's Kamailio log" {
	kamailio_start
	start_bg noisy sh -c 'echo "noisy: fatal: unable to frobnicate" >&2'
	wait_bg noisy 2
	sipp_run opt options "127.0.0.1:$KAM_PORT"
	run dump_logs
	assert_output --partial "--- noisy.err"
	assert_output --partial "noisy: fatal: unable to frobnicate"
	assert_output --partial "--- kamailio log"
	assert_output --partial "OPTIONS sip:127.0.0.1:$KAM_PORT from 127.0.0.1:"
}

@test "sipp_run reports where a failing scenario stopped" {
	local port
	port=$(free_port)
	# Nobody listens there: the OPTIONS times out.
	run sipp_run lost options -timeout 1s -max_retrans 1 "127.0.0.1:$port"
	assert_failure
	assert_output --partial "sipp_run: lost: sipp options.xml exited with status"
	assert_output --partial "OPTIONS"
}

# --- Kamailio

@test "kamailio starts and stops twice, on loopback only, leaving no process" {
	local round pid members
	for round in 1 2; do
		# The second round logs at debug level.
		if [ "$round" = 1 ]; then
			kamailio_start
		else
			KAM_DEBUG=3 kamailio_start
		fi
		pid=$KAM_PID
		assert_equal "$SIP_SERVER" "127.0.0.1:$KAM_PORT"
		assert_equal "$SIP_DOMAIN" sipline.test
		assert_equal "$(cat "$KAM_DIR/kamailio.pid")" "$pid"
		[ -S "${KAM_CTL#unix:}" ]
		[ -e "$KAM_LOG" ]

		members=$(sl_group_members "$pid")
		run listening_sockets $members
		assert_output - <<-EOF
			tcp 127.0.0.1:$KAM_PORT
			tcp [::1]:$KAM_PORT
			udp 127.0.0.1:$KAM_PORT
			udp [::1]:$KAM_PORT
		EOF

		if [ "$round" = 1 ]; then
			refute grep -q ' DEBUG: ' "$KAM_LOG"
		else
			grep -q ' DEBUG: ' "$KAM_LOG"
		fi

		kamailio_stop
		refute sl_alive "$pid"
		assert_equal "$(sl_group_members "$pid")" ""
		refute port_listening udp "$KAM_PORT"
		refute port_listening tcp "$KAM_PORT"
	done
}

@test "a Kamailio per file: setup_file starts it, a test restarts it, teardown_file stops it" {
	local file=$BATS_TEST_TMPDIR/per-file.bats pid v clean=()
	# "%test", made "@test" by sed: bats would take the lines for its own.
	sed 's/^%test/@test/' >"$file" <<-'EOF'
		setup_file() {
			load "$SIPLINE_TESTS/helper"
			kamailio_start
		}
		setup() { load "$SIPLINE_TESTS/helper"; }
		teardown() { stop_all_bg; }
		teardown_file() { kamailio_stop; }
		%test "the tests see it" {
			kamailio_ctl core.uptime
			[ "$SIP_SERVER" = "127.0.0.1:$KAM_PORT" ]
			echo "$KAM_PID" >"$OUTER/pid1"
		}
		%test "a test restarts it" {
			kamailio_restart
			echo "$KAM_PID" >"$OUTER/pid2"
		}
		%test "the next test finds the new one" {
			kamailio_ctl core.uptime
		}
	EOF
	# A clean bats: the outer run's BATS_* variables would steer it.
	for v in $(compgen -e); do
		case $v in BATS_*) clean+=(-u "$v") ;; esac
	done
	# It must end by itself: nothing may hold bats' pipe open.
	run env "${clean[@]}" OUTER="$BATS_TEST_TMPDIR" timeout 60 bats "$file" 3>&-
	assert_success
	assert_line "ok 3 the next test finds the new one"
	for pid in "$(cat "$BATS_TEST_TMPDIR/pid1")" "$(cat "$BATS_TEST_TMPDIR/pid2")"; do
		[ -n "$pid" ]
		refute sl_alive "$pid"
		assert_equal "$(sl_group_members "$pid")" ""
	done
}

@test "kamailio refuses to start without its port define" {
	local line
	run kamailio -c -f "$SIPLINE_TESTS/kamailio.cfg"
	assert_failure
	# Kamailio names the line, not the word: it must be the guard's.
	line=$(printf '%s\n' "$output" |
		sed -n 's/.*kamailio\.cfg, line \([0-9]*\),.*/\1/p' | head -n 1)
	[ -n "$line" ]
	sed -n "${line}p" "$SIPLINE_TESTS/kamailio.cfg" | grep -q '^SIPPORT_undefined'
}

@test "OPTIONS to the server: 200 with Allow, over UDP, TCP and IPv6" {
	local t
	kamailio_start
	sipp_run udp options "127.0.0.1:$KAM_PORT"
	sipp_run tcp options -t t1 "127.0.0.1:$KAM_PORT"
	sipp_run udp6 options -i ::1 "[::1]:$KAM_PORT"
	sipp_run tcp6 options -i ::1 -t t1 "[::1]:$KAM_PORT"
	for t in udp tcp udp6 tcp6; do
		sipp_trace "$t" | grep -q '^SIP/2.0 200 OK$'
		sipp_trace "$t" | grep -q '^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, '
	done
	# TCP and IPv6 really were used.
	sipp_trace tcp6 | grep -q '^TCP message sent'
	sipp_trace tcp6 | grep -q '^Via: SIP/2.0/TCP \[::1\]:'
}

@test "REGISTER with digest over UDP: 401 with qop=auth, 200, binding, unregister" {
	local port
	kamailio_start
	port=$(free_port)
	sipp_register alice 127.0.0.1 u1 60 -p "$port"
	sipp_trace reg-alice | grep -q '^SIP/2.0 401 Unauthorized$'
	sipp_trace reg-alice | grep -q '^WWW-Authenticate: Digest realm="sipline.test", nonce="[^"]*", qop="auth"$'
	sipp_trace reg-alice | grep -q '^SIP/2.0 200 OK$'
	run kamailio_bindings alice
	assert_output "sip:alice@127.0.0.1:$port;transport=UDP"
	run kamailio_bindings bob
	assert_output ""

	# Unregistering is the same Contact with Expires: 0.
	sipp_register alice 127.0.0.1 u1 0 -p "$port"
	sipp_trace reg-alice | grep -q '^SIP/2.0 200 OK$'
	run kamailio_bindings alice
	assert_output ""
}

@test "REGISTER with digest over TCP" {
	local port
	kamailio_start
	port=$(free_port)
	sipp_register alice 127.0.0.1 t1 60 -p "$port"
	sipp_trace reg-alice | grep -q '^TCP message sent'
	run kamailio_bindings alice
	assert_output "sip:alice@127.0.0.1:$port;transport=TCP"
	sipp_register alice 127.0.0.1 t1 0 -p "$port"
	run kamailio_bindings alice
	assert_output ""
}

@test "REGISTER with digest over IPv6, UDP and TCP" {
	local port
	kamailio_start
	port=$(free_port)
	sipp_register bob ::1 u1 60 -p "$port"
	run kamailio_bindings bob
	assert_output "sip:bob@[::1]:$port;transport=UDP"
	sipp_register bob ::1 u1 0 -p "$port"
	run kamailio_bindings bob
	assert_output ""

	sipp_register carol ::1 t1 60 -p "$port"
	run kamailio_bindings carol
	assert_output "sip:carol@[::1]:$port;transport=TCP"
}

@test "a registration expires after its lifetime of 2 s" {
	kamailio_start
	sipp_register alice 127.0.0.1 u1 2
	sipp_trace reg-alice | grep -q '^Contact: <sip:alice@127.0.0.1:[0-9]*;transport=UDP>;expires=2$'
	kamailio_has_binding alice
	wait_for 5 kamailio_has_no_binding alice
	# min_expires is 1 s: even that is taken as asked.
	sipp_register bob 127.0.0.1 u1 1
	sipp_trace reg-bob | grep -q '^Contact: <sip:bob@127.0.0.1:[0-9]*;transport=UDP>;expires=1$'
}

@test "a wrong password gets a new challenge (AUTH403: 403) and no binding" {
	kamailio_start
	sipp_run bad register-rejected -s alice -au alice -ap wrong \
		-key domain "$SIP_DOMAIN" -key expires 60 "127.0.0.1:$KAM_PORT"
	assert_equal "$(sipp_trace bad | grep -c '^SIP/2.0 401 Unauthorized$')" 2
	run kamailio_bindings alice
	assert_output ""
	# The right password fails the rejection scenario.
	run sipp_run good register-rejected -s alice -au alice -ap alicepw \
		-key domain "$SIP_DOMAIN" -key expires 60 "127.0.0.1:$KAM_PORT"
	assert_failure
	kamailio_stop

	kamailio_start AUTH403
	sipp_run bad403 register-rejected -s alice -au alice -ap wrong \
		-key domain "$SIP_DOMAIN" -key expires 60 "127.0.0.1:$KAM_PORT"
	sipp_trace bad403 | grep -q '^SIP/2.0 403 Forbidden$'
	run kamailio_bindings alice
	assert_output ""
	# An unknown user too.
	sipp_run nobody register-rejected -s nobody -au nobody -ap x \
		-key domain "$SIP_DOMAIN" -key expires 60 "127.0.0.1:$KAM_PORT"
	sipp_trace nobody | grep -q '^SIP/2.0 403 Forbidden$'
}

@test "one may not register another user's address" {
	kamailio_start
	# alice's credentials for bob's address-of-record.
	run sipp_run steal register-auth -s bob -au alice -ap alicepw \
		-key domain "$SIP_DOMAIN" -key expires 60 "127.0.0.1:$KAM_PORT"
	assert_failure
	sipp_trace steal | grep -q '^SIP/2.0 403 Forbidden auth ID$'
	run kamailio_bindings bob
	assert_output ""
}

@test "challenges and digests: MD5 with qop=auth by default, NOQOP, SHA256, SHA256 NOQOP" {
	kamailio_start
	raw_register alice
	assert_success
	assert_line 'SIP/2.0 401 Unauthorized'
	assert_equal "$(challenge_param qop)" auth
	assert_equal "$(challenge_param realm)" sipline.test
	# MD5 is the default and Kamailio then leaves the algorithm out.
	assert_equal "$(challenge_param algorithm)" ""
	register_with_digest MD5 alice alicepw
	assert_line 'SIP/2.0 200 OK'
	# Without a Contact, REGISTER lists the bindings.
	RAW_QUERY=1 register_with_digest MD5 alice alicepw
	assert_line 'SIP/2.0 200 OK'
	assert_line --regexp '^Contact: <sip:alice@127\.0\.0\.1:9;transport=tcp>;expires=[0-9]+$'
	register_with_digest MD5 alice wrongpw
	assert_line 'SIP/2.0 401 Unauthorized'
	kamailio_stop

	kamailio_start NOQOP
	raw_register alice
	assert_line 'SIP/2.0 401 Unauthorized'
	assert_equal "$(challenge_param qop)" ""
	[ -n "$(challenge_param nonce)" ]
	register_with_digest MD5 alice alicepw
	assert_line 'SIP/2.0 200 OK'
	kamailio_stop

	kamailio_start SHA256
	raw_register bob
	assert_line 'SIP/2.0 401 Unauthorized'
	assert_equal "$(challenge_param algorithm)" SHA-256
	assert_equal "$(challenge_param qop)" auth
	# Plain-text passwords with calculate_ha1 work for SHA-256 too.
	register_with_digest SHA-256 bob bobpw
	assert_line 'SIP/2.0 200 OK'
	run kamailio_bindings bob
	assert_output 'sip:bob@127.0.0.1:9;transport=tcp'
	register_with_digest SHA-256 bob wrongpw
	assert_line 'SIP/2.0 401 Unauthorized'
	kamailio_stop

	kamailio_start SHA256 NOQOP
	raw_register carol
	assert_line 'SIP/2.0 401 Unauthorized'
	assert_equal "$(challenge_param algorithm)" SHA-256
	assert_equal "$(challenge_param qop)" ""
	register_with_digest SHA-256 carol carolpw
	assert_line 'SIP/2.0 200 OK'
}

@test "NONCE_EXPIRE=1: credentials with an expired nonce get stale=true" {
	kamailio_start NONCE_EXPIRE=1
	register_with_digest MD5 alice alicepw
	assert_line 'SIP/2.0 200 OK'
	refute_line --partial 'stale=true'
	wait_for 5 credentials_are_stale
}

@test "NOAUTH: REGISTER without credentials is saved; by default it is challenged" {
	kamailio_start
	run sipp_run plain register-noauth -s alice -key domain "$SIP_DOMAIN" \
		-key expires 60 "127.0.0.1:$KAM_PORT"
	assert_failure
	sipp_trace plain | grep -q '^SIP/2.0 401 Unauthorized$'
	kamailio_stop

	kamailio_start NOAUTH
	sipp_run plain2 register-noauth -s alice -key domain "$SIP_DOMAIN" \
		-key expires 60 "127.0.0.1:$KAM_PORT"
	kamailio_has_binding alice '^sip:alice@127\.0\.0\.1:'
}

@test "kamailio_add_user adds a user to a running Kamailio" {
	kamailio_start
	run sipp_register dave 127.0.0.1 u1 60
	assert_failure
	kamailio_add_user dave davepw
	sipp_register dave 127.0.0.1 u1 60
	kamailio_has_binding dave '^sip:dave@127\.0\.0\.1:'
	# db_text's separator and escape character survive in a password.
	kamailio_add_user erin 'p:w\d'
	sipp_run erin register-auth -s erin -au erin -ap 'p:w\d' \
		-key domain "$SIP_DOMAIN" -key expires 60 "127.0.0.1:$KAM_PORT"
	kamailio_has_binding erin
	run kamailio_start
	assert_failure
	assert_output --partial "already runs"
}

@test "kamailio_start refuses what is not a define" {
	run kamailio_start 'FOO;rm'
	assert_failure
	assert_output --partial "not a define"
}

@test "a call through Kamailio: 407, INVITE, 200, ACK and BYE record-routed" {
	kamailio_start
	start_bob_phone
	sipp_run uac uac-call -s bob -key from alice -au alice -ap alicepw \
		-key domain "$SIP_DOMAIN" "127.0.0.1:$KAM_PORT"
	wait_bg uas 5
	assert_success

	sipp_trace uac | grep -q '^SIP/2.0 407 Proxy Authentication Required$'
	sipp_trace uac | grep -q '^Proxy-Authenticate: Digest realm="sipline.test", nonce="[^"]*", qop="auth"$'
	# rr appends the caller's From tag (ftag) to its Record-Route.
	sipp_trace uac | grep -q "^Record-Route: <sip:127.0.0.1:$KAM_PORT;lr;ftag=[^>]*>$"
	# ACK and BYE went through the proxy (loose routing), not around it.
	sipp_trace uac | grep -q "^Route: <sip:127.0.0.1:$KAM_PORT;lr;ftag=[^>]*>$"
	grep -q "ACK sip:bob@127.0.0.1:$uas_port;transport=UDP from 127.0.0.1:" "$KAM_LOG"
	grep -q "BYE sip:bob@127.0.0.1:$uas_port;transport=UDP from 127.0.0.1:" "$KAM_LOG"
	sipp_trace uas | grep -q "^BYE sip:bob@127.0.0.1:$uas_port;transport=UDP SIP/2.0$"
	sipp_trace uas | grep -q "^Via: SIP/2.0/UDP 127.0.0.1:$KAM_PORT;branch="
}

@test "a call from UDP to a phone registered over TCP" {
	kamailio_start
	start_bob_phone t1
	sipp_run uac uac-call -s bob -key from carol -au carol -ap carolpw \
		-key domain "$SIP_DOMAIN" "127.0.0.1:$KAM_PORT"
	wait_bg uas 5
	assert_success
	sipp_trace uas | grep -q '^TCP message received'
	# Kamailio records both its sockets when it changes transport.
	sipp_trace uac | grep -q "^Record-Route: <sip:127.0.0.1:$KAM_PORT;transport=tcp;r2=on;lr;ftag=[^>]*>, <sip:127.0.0.1:$KAM_PORT;r2=on;lr;ftag=[^>]*>$"
}

@test "NOAUTH: a call goes through without a challenge" {
	kamailio_start NOAUTH
	start_bob_phone
	sipp_run uac uac-call -s bob -key from nobody -key domain "$SIP_DOMAIN" \
		"127.0.0.1:$KAM_PORT"
	wait_bg uas 5
	assert_success
	run sipp_trace uac
	refute_line --regexp '^SIP/2.0 407'
	assert_line 'SIP/2.0 200 OK'
}

@test "calling a user who is not registered: 404" {
	kamailio_start
	sipp_run uac uac-notfound -s carol -key from alice -au alice -ap alicepw \
		-key domain "$SIP_DOMAIN" "127.0.0.1:$KAM_PORT"
	sipp_trace uac | grep -q '^SIP/2.0 407 Proxy Authentication Required$'
	sipp_trace uac | grep -q '^SIP/2.0 404 Not Found$'
	# A caller must be who the credentials say.
	run sipp_run liar uac-notfound -s carol -key from bob -au alice -ap alicepw \
		-key domain "$SIP_DOMAIN" "127.0.0.1:$KAM_PORT"
	assert_failure
	sipp_trace liar | grep -q '^SIP/2.0 403 Forbidden auth ID$'
}

@test "kamailio_restart: same port, new process, bindings gone, registering works again" {
	local old_pid old_port
	kamailio_start
	old_pid=$KAM_PID old_port=$KAM_PORT
	sipp_register alice 127.0.0.1 u1 60
	sipp_register bob 127.0.0.1 t1 60
	kamailio_has_binding alice

	kamailio_restart
	assert_equal "$KAM_PORT" "$old_port"
	[ "$KAM_PID" != "$old_pid" ]
	refute sl_alive "$old_pid"
	assert_equal "$(sl_group_members "$old_pid")" ""
	run kamailio_bindings alice
	assert_output ""

	sipp_register alice 127.0.0.1 u1 60
	sipp_register bob 127.0.0.1 t1 60
	kamailio_has_binding alice
	kamailio_has_binding bob 'transport=TCP'
	grep -q -- '--- kamailio_restart' "$KAM_LOG"
}
