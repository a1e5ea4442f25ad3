#!/usr/bin/env bats
# Long runs: what a daemon must not do over time.  sip-answer --serve takes
# 500 calls in a row from SIPp (tests/sipp/longrun-uac.xml); sip-register
# keeps a 1 s binding alive through 100 refreshes (1000 with
# SIPLINE_LONG=1, about 4 minutes).  Neither may leave a zombie, grow its
# open descriptors (/proc/PID/fd, counted before and after) or grow its
# memory (VmRSS, before and after, with a small tolerance).
#
# Each test prints its figures as TAP comments ("# ...").

bats_require_minimum_version 1.5.0

setup_file() {
	if [ "${SIPLINE_LONG:-}" = 1 ] && [ "${BATS_TEST_TIMEOUT:-0}" -lt 1200 ]; then
		export BATS_TEST_TIMEOUT=1200
	fi
}

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# fds PID: how many descriptors PID has open.
fds() {
	local f n=0
	for f in "/proc/$1/fd/"*; do
		n=$((n + 1))
	done
	echo "$n"
}

# rss PID: its resident memory in kB.
rss() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# count JOB WORD: how many event lines WORD JOB wrote.
count() {
	grep -cE "^[a-z-]+: $2( |$)" "$D/$1.err" || true
}

has_events() {
	[ "$(count "$1" "$2")" -ge "${3:-1}" ]
}

# A growth of VmRSS (kB) still taken as steady: malloc's arenas, stdio.
# A leak of 1 kB per call or per refresh is well above it.
RSS_SLACK=128
# rss_steady BEFORE AFTER SLACK: VmRSS grew by at most SLACK kB.  Not
# under make check SANITIZE=1: AddressSanitizer keeps freed memory in
# quarantine rather than reuse it, so the size only tells its own story
# there (LeakSanitizer checks the leaks at each exit instead).
rss_steady() {
	[ "${SIPLINE_SANITIZE:-}" = 1 ] && return 0
	[ "$(($2 - $1))" -le "$3" ] || fail "VmRSS grew from $1 to $2 kB"
}

# The serve parent also remembers each ended call's Call-ID for 32 s (a
# late INVITE must not start it again): 264 bytes a call, in a table that
# is touched page by page as it fills.
RECENT_BYTES=264

@test "serve mode: 500 calls in a row, each answered once; no zombie, no descriptor or memory growth" {
	local port pid fd0 fd1 rss0 rss1 t0
	port=$(free_port)
	start_bg srv sip-answer -S -l "127.0.0.1:$port" -- sleep 60
	wait_for 5 port_listening udp "$port"
	pid=$(bg_pid srv)
	# calls NAME N: N calls from SIPp, 25 a second, at most 25 at once,
	# each talking for 100 ms; sipp_run fails unless every call passed.
	calls() {
		SIPP_HARD_TIMEOUT=300 sipp_run "$1" longrun-uac -m "$2" -r 25 -l 25 -d 100 \
			-timeout 240s -s bob -key from alice -key domain "127.0.0.1:$port" \
			"127.0.0.1:$port"
	}
	# The first calls set up what the server keeps for good (stdio,
	# buffers).
	calls warm 20
	wait_for 10 no_children "$pid"
	fd0=$(fds "$pid")
	rss0=$(rss "$pid")
	t0=$(sl_now_us)
	calls run 500
	figure "serve: 500 calls in $(seconds_since "$t0") s;" \
		"INVITE retransmissions $(awk '/INVITE ---------->/ { print $4; exit }' "$D/run.sipp-out")"
	# Every call process ends and is reaped.
	wait_for 10 no_children "$pid"
	fd1=$(fds "$pid")
	rss1=$(rss "$pid")
	figure "serve: descriptors $fd0 -> $fd1, VmRSS $rss0 -> $rss1 kB after 20 + 500 calls"
	bg_running srv
	# One call process per call, however often SIPp had to send its INVITE.
	assert_equal "$(grep -c '^sip-answer: incoming ' "$D/srv.err")" 520
	assert_equal "$(grep -c '^sip-answer: ended status=0 ' "$D/srv.err")" 520
	assert_equal "$(sed -n 's/^sip-answer: incoming .* call-id=//p' "$D/srv.err" | sort | uniq -d)" ""
	assert_equal "$fd1" "$fd0"
	rss_steady "$rss0" "$rss1" $((500 * RECENT_BYTES / 1024 + RSS_SLACK))
	signal_bg srv TERM
	wait_bg srv 5
	assert_success
	assert_line 'sip-answer: stopping calls=0'
}

@test "sip-register: a 1 s binding refreshed 100 times (1000 with SIPLINE_LONG=1): no failure, no descriptor or memory growth" {
	local n=100 pid fd0 fd1 rss0 rss1 t0
	[ "${SIPLINE_LONG:-}" = 1 ] && n=1000
	kamailio_start
	start_bg reg env SIP_USER=alice SIP_PASSWORD=alicepw \
		sip-register -e 1 -c "127.0.0.1:$(free_port)"
	pid=$(bg_pid reg)
	# Each refresh (every 0.2 s: 1.5 s before the expiry, at the
	# earliest after 0.2 s) is a REGISTER, its 401 challenge, the
	# REGISTER with credentials and its 200.  Each ended transaction
	# stays 5 s (timer K) to absorb late answers: after 40 refreshes
	# (8 s) the process has its steady size.
	wait_for 20 has_events reg refreshed 40
	fd0=$(fds "$pid")
	rss0=$(rss "$pid")
	t0=$(sl_now_us)
	wait_for $((n / 2 + 30)) has_events reg refreshed $((n + 40))
	fd1=$(fds "$pid")
	rss1=$(rss "$pid")
	figure "register: $n refreshes in $(seconds_since "$t0") s; descriptors $fd0 -> $fd1," \
		"VmRSS $rss0 -> $rss1 kB"
	assert_equal "$(count reg registered)" 1
	assert_equal "$(count reg failed)" 0
	assert_equal "$(grep -c warning "$D/reg.err")" 0
	# Kamailio keeps expiry times in whole seconds: a binding for 1 s
	# may lapse for a moment before its refresh.
	wait_for 2 kamailio_has_binding alice
	assert_equal "$fd1" "$fd0"
	rss_steady "$rss0" "$rss1" "$RSS_SLACK"
	assert_equal "$(ps --ppid "$pid" -o pid=)" ""
	signal_bg reg TERM
	wait_bg reg 5
	assert_success
	assert_line 'sip-register: unregistered aor=sip:alice@sipline.test'
	kamailio_has_no_binding alice
}
