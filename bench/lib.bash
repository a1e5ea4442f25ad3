# bench/lib.bash: what the sections of bench/run share: the test harness's
# helpers loaded outside bats, the bench's own C tools, the report, and
# baresip's configuration.  bench/run sources it; nothing else should.
#
# The harness (tests/helper.bash, which sources tests/kamailio.bash) is
# written for bats but is plain bash apart from loading bats-assert: with
# bats_load_library stubbed out it gives the bench free_port, start_bg /
# wait_bg / stop_bg (background jobs stopped by PID, never by name),
# wait_for, and kamailio_start / kamailio_stop with the suite's own
# tests/kamailio.cfg.  Its per-job files (NAME.out, NAME.err) go to
# $TMPDIR, which bench/run points at its run directory.

# shellcheck disable=SC2034 # variables used by bench/run

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_TOP=$(cd "$BENCH_SRC/.." && pwd)

# bench_load_harness: sources tests/helper.bash; fails with its reason.
bench_load_harness() {
	bats_load_library() { :; }
	# shellcheck source=tests/helper.bash
	source "$BENCH_TOP/tests/helper.bash" || return 1
	figure() {
		printf '%s=%s\n' "$1" "$2" >>"$BENCH_FIGURES"
	}
	# Jobs are stopped by bench_cleanup; a job's logs stay in the run
	# directory, so stop_all_bg's log dump is not wanted.
	BATS_TEST_COMPLETED=1
}

# bench_build_tools: compiles bench/*.c into $SIPLINE_BUILD/bench (the
# Makefile builds only cmd/ and tests/); BENCH_BIN is where they are.
bench_build_tools() {
	local src name
	BENCH_BIN=$SIPLINE_BUILD/bench
	mkdir -p "$BENCH_BIN" || return 1
	for src in "$BENCH_SRC"/*.c; do
		name=$(basename "$src" .c)
		if [ ! -x "$BENCH_BIN/$name" ] || [ "$src" -nt "$BENCH_BIN/$name" ]; then
			"${CC:-cc}" -std=c11 -O2 -g -Wall -Wextra -o "$BENCH_BIN/$name" "$src" ||
				return 1
		fi
	done
	PATH=$BENCH_BIN:$PATH
}

# --- output: every figure goes to the terminal and to $BENCH_OUT/report.md

# say TEXT: one line of the report, on stdout and in report.md as is.
say() {
	printf '%s\n' "$*"
	printf '%s\n' "$*" >>"$BENCH_REPORT"
}

# figure KEY VALUE: a machine-readable figure in $BENCH_OUT/figures.
# (Defined by bench_load_harness, after tests/helper.bash, whose own figure
# writes to bats's fd 3.)

# verdict OK: "met" or "MISSED" (OK is 1 or 0).
verdict() {
	if [ "$1" = 1 ]; then echo met; else echo MISSED; fi
}

# calc EXPR: floating-point arithmetic through awk, printed with %.3g
# unless a format is given: calc '1/3' or calc '1/3' '%.2f'.
calc() {
	awk -v f="${2:-%.3g}" "BEGIN { printf f \"\\n\", $1 }"
}

# le A B: true when the number A <= B.
le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
}

# kv KEY < LINE: the value of KEY=value in a line of events or figures.
kv() {
	sed -n "s/.*[ \t]$1=\\([^ ]*\\).*/\\1/p; s/^$1=\\([^ ]*\\).*/\\1/p" | head -n 1
}

# now_s: seconds since the epoch, with microseconds (bash's own clock).
now_s() {
	printf '%s\n' "${EPOCHREALTIME/,/.}"
}

# elapsed T0: seconds since T0 (from now_s), two decimals.
elapsed() {
	calc "$(now_s) - $1" '%.2f'
}

# section_failed WHY: the section could not be run at all; bench/run exits
# non-zero at the end.
section_failed() {
	say "- could not be run: $*"
	BENCH_FAILED+=("$BENCH_SECTION: $*")
	return 1
}

# --- audio

# make_tone FILE SECONDS FREQ raw|wav|ulaw: a sine tone at 8000 Hz mono.
make_tone() {
	local file=$1 secs=$2 freq=$3 kind=$4
	case $kind in
	raw) sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$file" synth "$secs" sine "$freq" vol 0.5 ;;
	wav) sox -D -n -r 8000 -e signed -b 16 -c 1 "$file" synth "$secs" sine "$freq" vol 0.5 ;;
	ulaw) sox -D -n -r 8000 -e u-law -c 1 -t raw "$file" synth "$secs" sine "$freq" vol 0.5 ;;
	esac
}

# --- baresip

# baresip_conf DIR USER PASSWORD SIP_PORT RTP_LOW RTP_HIGH WAV: a
# configuration directory for `baresip -f DIR`: loopback only, the account
# USER@$SIP_DOMAIN registered at $SIP_SERVER (Kamailio), answering
# automatically, PCMU only, audio from WAV (aufile, read once into memory)
# to nowhere (aubridge: a device with no other end, so no sound card).  The
# menu module is there for -e "/dial ..."; its status line is off, so that
# baresip spends nothing on a screen.  Another codec: BS_CODEC (baresip's
# name, "G722/16000/1"), BS_MODULE (its module), BS_SRATE and BS_CHANNELS
# (WAV's, which aufile takes only at the codec's); BS_ACCOUNT replaces the
# account line (a direct call without Kamailio).
baresip_conf() {
	local dir=$1 user=$2 pw=$3 sport=$4 lo=$5 hi=$6 wav=$7
	mkdir -p "$dir" || return 1
	cat >"$dir/config" <<-EOF
		poll_method		epoll
		sip_listen		127.0.0.1:$sport
		net_interface		127.0.0.1
		call_local_timeout	120
		call_max_calls		4
		audio_player		aubridge,nowhere
		audio_source		aufile,$wav
		audio_alert		aubridge,nowhere
		ausrc_srate		${BS_SRATE:-8000}
		auplay_srate		${BS_SRATE:-8000}
		ausrc_channels		${BS_CHANNELS:-1}
		auplay_channels		${BS_CHANNELS:-1}
		audio_buffer		20-160
		rtp_ports		$lo-$hi
		rtcp_mux		no
		jitter_buffer_delay	5-10
		rtp_stats		no
		statmode_default	off
		module_path		/usr/lib/baresip/modules
		module			${BS_MODULE:-g711.so}
		module			aufile.so
		module			aubridge.so
		module_tmp		account.so
		module_app		menu.so
	EOF
	if [ -n "${BS_ACCOUNT:-}" ]; then
		echo "$BS_ACCOUNT;audio_codecs=${BS_CODEC:-PCMU}" >"$dir/accounts"
	else
		printf '<sip:%s@%s>;auth_pass=%s;outbound="sip:%s";regint=600;answermode=auto;audio_codecs=%s\n' \
			"$user" "$SIP_DOMAIN" "$pw" "$SIP_SERVER" "${BS_CODEC:-PCMU}" >"$dir/accounts"
	fi
	: >"$dir/contacts"
}

# --- jobs

# bench_cleanup: stops every job still running (last started first) and
# Kamailio; for the EXIT trap.
bench_cleanup() {
	local i
	for ((i = ${#SL_BG_NAMES[@]} - 1; i >= 0; i--)); do
		if bg_running "${SL_BG_NAMES[i]}" 2>/dev/null; then
			SL_STOP_GRACE=12 stop_bg "${SL_BG_NAMES[i]}" 2>/dev/null
		fi
	done
	kamailio_stop 2>/dev/null
}

# errfile NAME / outfile NAME: where a job's stderr / stdout went.
errfile() { printf '%s/%s.err\n' "$TMPDIR" "$1"; }
outfile() { printf '%s/%s.out\n' "$TMPDIR" "$1"; }

# stop_quietly NAME: stop_bg, its exit status kept, no complaint.
stop_quietly() {
	SL_STOP_GRACE=${2:-12} stop_bg "$1" 2>/dev/null || true
}
