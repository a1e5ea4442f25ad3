# tests/helper.bash: what every sipline test file loads (`load helper` in its
# setup, or in setup_file): bats-assert, PATH to the freshly built tools,
# free ports, bounded waits, background jobs stopped by PID, SIPp runs, and
# the private Kamailio of tests/kamailio.bash.
#
# A test file usually reads:
#
#     setup()    { load helper; kamailio_start; }
#     teardown() { stop_all_bg; }
#
#     @test "alice registers" {
#         start_bg reg sip-register ...
#         wait_for 5 kamailio_has_binding alice
#     }
#
# A test file that starts Kamailio once in setup_file loads this file there
# too, and stops it in teardown_file (see kamailio.bash).
#
# Functions (see each one's comment):
#   free_port [udp|tcp]               a port free for UDP and TCP on 127.0.0.1 and ::1
#   free_rtp_port                     an even port P, P and P+1 free (RTP, RTCP)
#   port_listening udp|tcp PORT       something is bound to / listens on PORT
#   wait_for SECONDS CMD...           poll CMD every 0.05 s until it succeeds
#   start_bg NAME CMD...              CMD in the background, own process group
#   signal_bg NAME SIGNAL             signal the job's main process only
#   wait_bg NAME SECONDS              wait for it to exit; sets status, output
#   stop_bg NAME                      TERM its group, KILL after 5 s
#   bg_running NAME                   true while it runs
#   bg_pid NAME                       its PID
#   stop_all_bg                       teardown: logs on failure, stops all
#   dump_logs                         print the jobs' stderr and Kamailio's log
#   sipp_run NAME SCENARIO ARGS...    SIPp with bounded time and traces
#   sipp_trace NAME                   the messages of that SIPp run
#   sipp_call_id NAME                 the Call-ID of that SIPp run's call
#   sip_tcp_exchange HOST PORT        one raw SIP request over TCP, prints reply
#   probe_to FILE                     an OPTIONS probe with a fresh Call-ID
#   answers_to PORT FILE WANT         FILE and a probe sent; prints its answers
#   corpus_at PORT COLUMN             a corpus (tests/hostile, tests/torture)
#                                     against its index's column
#   no_sanitizer_report NAME...       no ASan/UBSan report in the jobs' stderr
#   proper_call PORT                  alice calls PORT: answered, hung up
#   corpus_serve SCREEN CALL-ID       the corpus at sip-answer --serve, a call after
#   corpus_single_call TEXT           the corpus at single-call sip-answer, a call after
#   corpus_in_a_call                  the corpus at sip-answer and sip-call in a call
#   corpus_at_register                the corpus at sip-register's socket
#   tone_raw FILE HZ SECONDS          a sine tone as raw s16le 8000 Hz mono
#   check_tone FILE ARGS...           tone-check FILE, its report on failure
#   capture_start NAME FILTER         tshark on lo (a pcap filter) as job NAME
#   capture_ports NAME                "SRC DST" UDP ports of each packet it saw
#   media_child NAME                  the default media process of a job
#   direct CMD...                     CMD as alice straight to the phone, bounded
#   probe FILE [ARGS...]              a handoff-probe media command reporting to $D/FILE
#   report_env FILE NAME              NAME's value in that report (fails if unset)
#   report_fds FILE                   the descriptors in that report, one line
#   children PID / no_children PID    PID's live children / none left at all
#   seconds_since US                  seconds since sl_now_us printed US
#   figure TEXT...                    a measured figure in the TAP output
#   squeeze                           stdin on one line, blanks squeezed
# and $CID, the pattern of a Call-ID that sipline makes;
# and tests/kamailio.bash: kamailio_start, kamailio_stop, kamailio_restart,
# kamailio_add_user, kamailio_bindings, kamailio_has_binding,
# kamailio_has_no_binding, kamailio_ctl, kamailio_as, kamailio_register,
# kamailio_answer, kamailio_saw; tests/pki.bash: pki_make (a test
# CA and certificates for TLS).

if [ -z "${SIPLINE_BUILD:-}" ]; then
	echo "helper.bash: SIPLINE_BUILD is not set: run the suite with" \
		"'make check' (or export SIPLINE_BUILD=\$PWD/build/plain after" \
		"'make check' built it once)" >&2
	return 1
fi
if [ ! -x "$SIPLINE_BUILD/test-tools/freeport" ]; then
	echo "helper.bash: $SIPLINE_BUILD/test-tools/freeport is missing:" \
		"run 'make check' to build the test tools" >&2
	return 1
fi

bats_load_library bats-support
bats_load_library bats-assert

SIPLINE_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SIPLINE_TESTS

# The tools under test come first; kamailio and kamcmd live in /usr/sbin,
# which a non-root PATH may lack.
case ":$PATH:" in
*":$SIPLINE_BUILD/bin:"*) ;;
*) PATH=$SIPLINE_BUILD/bin:$SIPLINE_BUILD/test-tools:$PATH:/usr/sbin ;;
esac
export PATH

# Under `make check SANITIZE=1`, a sanitizer report must not pass for an
# ordinary exit status (1 is "rejected" to sip-call): give it its own.
if [ "${SIPLINE_SANITIZE:-}" = 1 ]; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86:suppressions=$SIPLINE_TESTS/asan.supp:print_suppressions=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
fi

# A watchdog for each test.  bats's own BATS_TEST_TIMEOUT (1.8) signals
# only the test's direct children, so a tool that never ends inside `run`
# (a command substitution) hangs the whole suite past any CI limit, and
# once it has struck, the hung command is an orphan no one can find.  This
# one, started when a test's setup loads this file, waits while the test's
# process lives; 10 s before BATS_TEST_TIMEOUT it says so on the test's
# stderr and stops every process under the test (TERM, then KILL), so the
# waiting command returns and the test fails on what it got.
sl_descendants() {
	local kid
	for kid in $(ps -o pid= --ppid "$1"); do
		echo "$kid"
		sl_descendants "$kid"
	done
}
sl_watchdog() {
	local test_pid=$1 limit=$2 waited=0 victims me
	# bats's own timeout TERMs the test's direct children: this is one.
	trap '' TERM
	while kill -0 "$test_pid" 2>/dev/null; do
		if ((waited >= limit)); then
			me=$BASHPID
			victims=$(sl_descendants "$test_pid" | grep -vx "$me")
			echo "# watchdog: test still running after ${limit}s;" \
				"stopping its processes:" $victims >&2
			# shellcheck disable=SC2086
			[ -z "$victims" ] || kill -TERM $victims 2>/dev/null
			sleep 2
			victims=$(sl_descendants "$test_pid" | grep -vx "$me")
			# shellcheck disable=SC2086
			[ -z "$victims" ] || kill -KILL $victims 2>/dev/null
			return 0
		fi
		sleep 1
		waited=$((waited + 1))
	done
}
if [ -n "${BATS_TEST_NUMBER:-}" ] &&
	[ "${SL_WATCHDOG_FOR:-}" != "$BATS_TEST_NUMBER:$BASHPID" ]; then
	SL_WATCHDOG_FOR=$BATS_TEST_NUMBER:$BASHPID
	# (The arguments of a command run with & are expanded in the new
	# process: $BASHPID there would be the watchdog's own.)
	SL_TEST_PID=$BASHPID
	sl_watchdog "$SL_TEST_PID" $((${BATS_TEST_TIMEOUT:-180} > 20 ?
		${BATS_TEST_TIMEOUT:-180} - 10 : ${BATS_TEST_TIMEOUT:-180})) 3>&- &
fi

# Background jobs of the current test: name -> PID, and the exit status of
# those that ended.  Global (-g) because `load` runs inside a function.
declare -gA SL_BG_PID=() SL_BG_STATUS=()
declare -ga SL_BG_NAMES=()

# Where per-test files go; setup_file has no BATS_TEST_TMPDIR.
sl_tmpdir() {
	printf '%s\n' "${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}}}"
}

# free_port [udp|tcp]: prints a loopback port that is free for both UDP and
# TCP on 127.0.0.1 and ::1, never the same twice in one bats run (SIP uses
# one port number for both transports, so the argument is only a reminder).
free_port() {
	case ${1:-udp} in
	udp | tcp) ;;
	*)
		echo "free_port: unknown transport: $1" >&2
		return 1
		;;
	esac
	freeport -f "${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/sipline-ports"
}

# without_lib SONAME CMD...: CMD in a mount namespace where the library
# SONAME (as ldconfig knows it) is /dev/null: a machine without it (root
# only: check `unshare --mount true` first).  loaded_soname NAME: the
# SONAME the build loads for NAME (LIBSSL, LIBSRTP2), from its sonames.h.
without_lib() {
	local so=$1 path
	shift
	path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
	[ -n "$path" ] || { echo "without_lib: no $so" >&2; return 1; }
	unshare --mount --fork sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' - "$path" "$@"
}

loaded_soname() {
	sed -n "s/^#define SL_$1_SONAME \"\(.*\)\"\$/\1/p" "$SIPLINE_BUILD/sonames.h"
}

# free_rtp_port: prints an even port P, with P and P+1 (RTP and RTCP) free
# like free_port's and handed out to nobody else in this run.
free_rtp_port() {
	freeport -e -f "${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/sipline-ports"
}

# free_sipp_media_port: the same for SIPp's -mp, which binds four ports
# from P (audio RTP and RTCP, video RTP and RTCP) and exits 254 when one is
# busy.
free_sipp_media_port() {
	freeport -n 4 -f "${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/sipline-ports"
}

# port_listening udp|tcp PORT: true when a socket is bound to the UDP PORT,
# or listens on the TCP PORT (any address), in the test's namespace while
# SL_NETNS is set (tests/netns.bash); for wait_for, e.g. until a phone
# answers on its port.
port_listening() {
	local opt ns=()
	[ -z "${SL_NETNS:-}" ] || ns=(ip netns exec "$SL_NETNS")
	case $1 in
	udp) opt=-Hlnu ;;
	tcp) opt=-Hlnt ;;
	*)
		echo "usage: port_listening udp|tcp PORT" >&2
		return 1
		;;
	esac
	[ -n "$("${ns[@]}" ss "$opt" "sport = :$2")" ]
}

# Microseconds since the epoch, from bash's own clock (no fork).
sl_now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%s\n' "$((10#$t))"
}

# Converts SECONDS (integer or decimal, "2" or "0.5") to microseconds.
sl_us() {
	local s=$1 int frac
	case $s in
	'' | *[!0-9.]* | *.*.* | .)
		echo "sl_us: not a number of seconds: $s" >&2
		return 1
		;;
	esac
	int=${s%%.*}
	frac=
	[ "$int" != "$s" ] && frac=${s#*.}
	frac=${frac}000000
	printf '%s\n' "$((10#${int:-0} * 1000000 + 10#${frac:0:6}))"
}

# wait_for SECONDS CMD...: runs CMD every 0.05 s until it succeeds; fails
# after SECONDS with CMD's last output.  CMD's output is kept out of the
# way while polling (a function works too).
wait_for() {
	local limit deadline out rc
	limit=$(sl_us "$1") || return 1
	shift
	deadline=$(($(sl_now_us) + limit))
	out=$(sl_tmpdir)/wait_for.$BASHPID.out
	while :; do
		"$@" >"$out" 2>&1 && rc=0 || rc=$?
		[ "$rc" = 0 ] && return 0
		[ "$(sl_now_us)" -ge "$deadline" ] && break
		sleep 0.05
	done
	{
		echo "wait_for: gave up after $(sl_us_text "$limit") s: $* (status $rc)"
		sed 's/^/  | /' "$out"
	} >&2
	return 1
}

sl_us_text() {
	printf '%d.%02d\n' "$(($1 / 1000000))" "$(($1 % 1000000 / 10000))"
}

# True while PID runs (a zombie counts as ended: nobody may reap it soon).
sl_alive() {
	local stat
	[ -n "$1" ] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# wait_up WHO PID LOG SECONDS CMD...: waits until CMD succeeds (a server
# that PID runs has come up); fails, saying "WHO did not come up" and
# printing LOG, when PID ends or SECONDS pass first.
wait_up() {
	local who=$1 pid=$2 log=$3 deadline
	deadline=$(($(sl_now_us) + $4 * 1000000))
	shift 4
	until "$@" >/dev/null 2>&1; do
		if ! sl_alive "$pid" || [ "$(sl_now_us)" -ge "$deadline" ]; then
			echo "$who did not come up; its log:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.05
	done
}

# Prints the PIDs of the live (not zombie) members of process group PGID.
sl_group_members() {
	ps -e -o pid=,pgid=,stat= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}
sl_group_alive() {
	[ -n "$1" ] && [ -n "$(sl_group_members "$1")" ]
}

# Waits up to SECONDS for PID to end; fails when it still runs.
sl_wait_gone() {
	local pid=$1 deadline
	deadline=$(($(sl_now_us) + $(sl_us "$2")))
	while sl_alive "$pid"; do
		[ "$(sl_now_us)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# Sends SIGNAL to PID (or, with a leading -, to a process group) if it is
# still there; it may end on its own at any moment, which is no error.
sl_kill() {
	kill -"$1" -- "$2" 2>/dev/null || true
}

# Prints "PID STARTTIME" for each live descendant of PID, so that they can
# be found again once their parent is gone (and not mistaken for a later
# process that got the same PID).
sl_descendants() {
	local p
	for p in $(ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				while (q != root && (q in parent) && q > 1)
					q = parent[q]
				if (q == root)
					print p
			}
		}'); do
		printf '%s %s\n' "$p" "$(sl_starttime "$p")"
	done
}

# The start time of PID in clock ticks since boot (field 22 of its stat).
sl_starttime() {
	local stat fields
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	read -r -a fields <<<"${stat##*) }"
	printf '%s\n' "${fields[19]}"
}

# Ends the processes listed by sl_descendants that still run (same PID and
# start time): SIGTERM, SIGKILL after 1 s.  Says so, since a program that
# leaves children behind is worth knowing about.
sl_kill_strays() {
	local list=$1 pid start left deadline sig
	[ -n "$list" ] || return 0
	deadline=$(($(sl_now_us) + 1000000))
	for sig in TERM KILL; do
		left=
		while read -r pid start; do
			if sl_alive "$pid" && [ "$(sl_starttime "$pid")" = "$start" ]; then
				left+="$pid "
			fi
		done <<<"$list"
		[ -n "$left" ] || return 0
		if [ "$sig" = TERM ]; then
			left=${left% }
			echo "stop: left behind, stopping:" \
				"$(ps -o pid=,args= -p "${left// /,}" | tr '\n' ';')" >&2
		fi
		for pid in $left; do
			sl_kill "$sig" "$pid"
		done
		while [ "$sig" = TERM ] && [ "$(sl_now_us)" -lt "$deadline" ]; do
			sleep 0.05
			left=$(for pid in $left; do sl_alive "$pid" && echo "$pid"; done) || true
			[ -n "$left" ] || return 0
		done
	done
}

# sl_terminate PID SECONDS group|leader: SIGTERM to the process group whose
# leader is PID (or to PID alone), SIGKILL to the whole group when PID has
# not ended after SECONDS; then whatever is left of the group, and any
# descendant that moved to a group of its own, is ended too, so nothing
# outlives the test.  Never by name, only by these IDs.
sl_terminate() {
	local pid=$1 grace=$2 scope=$3 strays deadline
	[ -n "$pid" ] || return 0
	strays=$(sl_descendants "$pid")
	if sl_alive "$pid"; then
		if [ "$scope" = group ]; then
			sl_kill TERM "-$pid"
		fi
		sl_kill TERM "$pid"
		if ! sl_wait_gone "$pid" "$grace"; then
			echo "stop: $pid ignored SIGTERM for $grace s: SIGKILL" >&2
			sl_kill KILL "-$pid"
			sl_kill KILL "$pid"
			sl_wait_gone "$pid" 2 || echo "stop: $pid survived SIGKILL" >&2
		fi
	fi
	# Children left in the group (a pipeline's other members, a forked
	# helper) get a short grace too.
	if sl_group_alive "$pid"; then
		sl_kill TERM "-$pid"
		deadline=$(($(sl_now_us) + 1000000))
		while sl_group_alive "$pid" && [ "$(sl_now_us)" -lt "$deadline" ]; do
			sleep 0.05
		done
		sl_kill KILL "-$pid"
	fi
	sl_kill_strays "$strays"
}

# sl_spawn OUT ERR CMD...: starts CMD (a program, or a shell function) in
# the background in a process group of its own, stdin from /dev/null,
# stdout and stderr appended to OUT and ERR, and sets SL_SPAWNED to its PID.
# Every other fd is closed: bats waits for EOF on fd 3 and on the copies of
# that pipe it keeps in setup_file (fds 4, 11, 13...), so a server holding
# one would hang the whole run.
sl_spawn() {
	local out=$1 err=$2
	shift 2
	# Job control gives the job its own process group, so stopping it
	# reaches its children; it is on only for this one fork.
	set -m
	(
		trap - ERR DEBUG RETURN
		set +eET
		sl_close_fds
		if [ "$(type -t "$1")" = function ]; then
			"$@"
			exit
		fi
		# A program replaces the subshell: the job's PID is the program's.
		exec "$@"
	) </dev/null >>"$out" 2>>"$err" &
	SL_SPAWNED=$!
	set +m
}

# Closes every fd above 2 of the current (sub)shell.
sl_close_fds() {
	local f n
	for f in "/proc/$BASHPID/fd/"*; do
		n=${f##*/}
		if [ "$n" -gt 2 ]; then
			eval "exec $n>&-" 2>/dev/null
		fi
	done
}

# start_bg NAME CMD...: runs CMD (a program or a shell function) in the
# background; its stdout and stderr go to $BATS_TEST_TMPDIR/NAME.out and
# NAME.err, stdin is /dev/null (use sh -c '... < file' to feed it).  Fails
# if NAME is already running.  Only the test's own shell can wait for it:
# start jobs in setup or in the test, not in setup_file or under `run`.
start_bg() {
	local name=$1 dir
	shift
	if [ -z "$name" ] || [ $# = 0 ]; then
		echo "usage: start_bg NAME COMMAND..." >&2
		return 1
	fi
	# NAME names files too.
	case $name in
	*[!A-Za-z0-9_.-]* | .*)
		echo "start_bg: not a job name (letters, digits, _ . -): $name" >&2
		return 1
		;;
	esac
	if sl_alive "${SL_BG_PID[$name]:-}"; then
		echo "start_bg: $name is already running (pid ${SL_BG_PID[$name]})" >&2
		return 1
	fi
	dir=$(sl_tmpdir)
	: >"$dir/$name.out"
	: >"$dir/$name.err"
	sl_spawn "$dir/$name.out" "$dir/$name.err" "$@"
	SL_BG_PID[$name]=$SL_SPAWNED
	unset "SL_BG_STATUS[$name]"
	case " ${SL_BG_NAMES[*]} " in
	*" $name "*) ;;
	*) SL_BG_NAMES+=("$name") ;;
	esac
}

sl_bg_known() {
	if [ -z "${SL_BG_PID[$1]:-}" ]; then
		echo "$2: no background job named '$1'" >&2
		return 1
	fi
}

# bg_pid NAME: prints the job's PID.
bg_pid() {
	sl_bg_known "$1" bg_pid || return 1
	printf '%s\n' "${SL_BG_PID[$1]}"
}

# bg_running NAME: true while the job runs.
bg_running() {
	sl_bg_known "$1" bg_running || return 1
	sl_alive "${SL_BG_PID[$1]}"
}

# signal_bg NAME SIGNAL: sends SIGNAL (TERM, INT, HUP...) to the job's main
# process only, as a user's kill(1) would; see wait_bg for the outcome.
signal_bg() {
	sl_bg_known "$1" signal_bg || return 1
	kill -"${2#SIG}" "${SL_BG_PID[$1]}"
}

# Collects the exit status of the ended job NAME into SL_BG_STATUS.
sl_reap() {
	local name=$1 rc=0
	[ -n "${SL_BG_STATUS[$name]:-}" ] && return 0
	wait "${SL_BG_PID[$name]}" 2>/dev/null || rc=$?
	SL_BG_STATUS[$name]=$rc
}

# wait_bg NAME SECONDS: waits for the job to exit by itself; then sets
# $status to its exit status (128+N when killed by signal N) and $output /
# $lines to its stderr, where the tools write their events, so bats-assert
# works on them (assert_success, assert_line).  Fails, leaving the job
# running, when it has not exited after SECONDS.
wait_bg() {
	local name=$1 pid
	sl_bg_known "$name" wait_bg || return 1
	pid=${SL_BG_PID[$name]}
	if ! sl_wait_gone "$pid" "$2"; then
		echo "wait_bg: $name (pid $pid) still running after $2 s" >&2
		return 1
	fi
	sl_reap "$name"
	status=${SL_BG_STATUS[$name]}
	output=$(cat "$(sl_tmpdir)/$name.err")
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	return 0
}

# stop_bg NAME: SIGTERM to the job's process group, SIGKILL after 5 s; its
# exit status is kept in ${SL_BG_STATUS[NAME]}.
stop_bg() {
	local name=$1
	sl_bg_known "$name" stop_bg || return 1
	sl_terminate "${SL_BG_PID[$name]}" "${SL_STOP_GRACE:-5}" group
	sl_reap "$name"
}

# dump_logs: prints what a failing test needs in the CI log: each
# background job's stderr, SIPp's error traces, and Kamailio's log since the
# test began.
dump_logs() {
	local dir f name
	dir=$(sl_tmpdir)
	for name in "${SL_BG_NAMES[@]}"; do
		f=$dir/$name.err
		[ -s "$f" ] || continue
		echo "--- $name.err (pid ${SL_BG_PID[$name]}, status ${SL_BG_STATUS[$name]:-running}):"
		tail -n 200 "$f"
	done
	for f in "$dir"/*.sipp-err; do
		[ -s "$f" ] || continue
		echo "--- ${f##*/}:"
		tail -n 100 "$f"
	done
	if [ -n "${KAM_LOG:-}" ] && [ -s "$KAM_LOG" ]; then
		echo "--- kamailio log ($KAM_LOG):"
		tail -c "+$((${SL_KAM_LOG_START:-0} + 1))" "$KAM_LOG" | tail -n 200
	fi
}

# stop_all_bg: for teardown.  Prints the logs when the test failed, stops
# every background job of the test (last started first) and the Kamailio
# the test itself started (one from setup_file is teardown_file's).
stop_all_bg() {
	local i
	# bats sets BATS_TEST_COMPLETED before teardown only when the test passed.
	[ -n "${BATS_TEST_COMPLETED:-}" ] || dump_logs
	for ((i = ${#SL_BG_NAMES[@]} - 1; i >= 0; i--)); do
		stop_bg "${SL_BG_NAMES[i]}"
	done
	if [ "${KAM_SCOPE:-}" = "test:${BATS_TEST_NUMBER:-}" ]; then
		kamailio_stop
	fi
}

# sipp_run NAME SCENARIO [SIPP-ARGS...]: runs SIPp in the foreground (or
# under start_bg), in the test's namespace while SL_NETNS is set
# (tests/netns.bash), for one call with every wait bounded: SCENARIO is a file,
# or a name in tests/sipp/ with or without .xml.  Defaults, each overridden
# by the same option in SIPP-ARGS: -i 127.0.0.1, -p a free port (SIPp would
# take 5060 otherwise), -m 1, -timeout 10s.  In $BATS_TEST_TMPDIR:
# NAME.sipp-msg is the message trace (sipp_trace NAME prints it), NAME.sipp-err
# the unexpected messages, NAME.sipp-out SIPp's screens.  Returns SIPp's exit
# status (0: all calls passed, 1: some failed, 97/99/255: aborted), and on
# failure prints where the scenario stopped.
sipp_run() {
	local name=$1 scenario=$2 dir port mport rc=0 ns=()
	shift 2
	[ -z "${SL_NETNS:-}" ] || ns=(ip netns exec "$SL_NETNS")
	case $scenario in
	*/*) ;;
	*) scenario=$SIPLINE_TESTS/sipp/${scenario%.xml}.xml ;;
	esac
	if [ ! -r "$scenario" ]; then
		echo "sipp_run: no scenario $scenario" >&2
		return 1
	fi
	dir=$(sl_tmpdir)
	port=$(free_port) && mport=$(free_sipp_media_port) || return 1
	# timeout(1) is the last resort should SIPp ignore its own -timeout.
	timeout -k 2 "${SIPP_HARD_TIMEOUT:-30}" "${ns[@]}" sipp -sf "$scenario" -nostdin \
		-i 127.0.0.1 -p "$port" -mp "$mport" -m 1 \
		-timeout 10s -timeout_error \
		-trace_msg -message_file "$dir/$name.sipp-msg" \
		-trace_err -error_file "$dir/$name.sipp-err" \
		"$@" >"$dir/$name.sipp-out" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		echo "sipp_run: $name: sipp $(basename "$scenario") exited with status $rc:"
		# The scenario screen: which message it waited for.
		sed -n '/Scenario Screen/,/Test Terminated/p' "$dir/$name.sipp-out"
		grep -v '^ *[-|]' "$dir/$name.sipp-out" | grep -iE 'error|unable|fail' | head -n 5
	fi >&2
	return "$rc"
}

# answer_on NAME [SIP-ANSWER-ARGS...]: sip-answer as job NAME on
# 127.0.0.1:$PORT (a new free port), ready when this returns.
answer_on() {
	local name=$1
	shift
	PORT=$(free_port)
	start_bg "$name" sip-answer -l "127.0.0.1:$PORT" "$@"
	wait_for 5 port_listening udp "$PORT"
}

# sipp_uas NAME SCENARIO [SIPP-ARGS...]: a SIPp phone for one call as job
# NAME on 127.0.0.1:$SIPP_PORT (media on $SIPP_MEDIA), ready when this
# returns.  SCENARIO is a file of tests/sipp (its name), another file (a
# path, with a /), or -sn NAME for one of SIPp's own.
sipp_uas() {
	local name=$1 sc=$2 dir
	shift 2
	dir=$(sl_tmpdir)
	SIPP_PORT=$(free_port) SIPP_MEDIA=$(free_sipp_media_port)
	case $sc in
	-sn) sc="-sn $1"; shift ;;
	*/*) sc="-sf $sc" ;;
	*) sc="-sf $SIPLINE_TESTS/sipp/$sc.xml" ;;
	esac
	# shellcheck disable=SC2086 # $sc is two words on purpose
	start_bg "$name" timeout -k 2 30 sipp $sc -nostdin -i 127.0.0.1 -p "$SIPP_PORT" \
		-mp "$SIPP_MEDIA" -m 1 -timeout 20s -timeout_error \
		-trace_msg -message_file "$dir/$name.sipp-msg" \
		-trace_err -error_file "$dir/$name.sipp-err" "$@"
	wait_for 5 port_listening udp "$SIPP_PORT"
}

# sipp_trace NAME: prints the messages that sipp_run NAME sent and received,
# with the CRs removed so that grep '...$' works.
sipp_trace() {
	tr -d '\r' <"$(sl_tmpdir)/$1.sipp-msg"
}

# sipp_call_id NAME: the Call-ID of the first message in sipp_run NAME's
# trace (its call's).
sipp_call_id() {
	sipp_trace "$1" | sed -n 's/^Call-ID: *//p;T;q'
}

# sip_tcp_exchange HOST PORT: sends the SIP request whose header lines are
# read on stdin (no body; LF line ends become CRLF, the blank line is added)
# over a fresh TCP connection and prints the first response that is not
# 1xx, header lines only, CRs removed.  Fails after 5 s without one.  For
# what SIPp cannot do, such as a SHA-256 digest.
sip_tcp_exchange() {
	local host=$1 port=$2 fd line deadline status='' req rc
	req=$(cat)
	exec {fd}<>"/dev/tcp/$host/$port" || return 1
	printf '%s\r\n\r\n' "${req//$'\n'/$'\r\n'}" >&"$fd"
	deadline=$(($(sl_now_us) + 5000000))
	while [ "$(sl_now_us)" -lt "$deadline" ]; do
		rc=0
		IFS= read -r -t 1 line <&"$fd" || rc=$?
		# read -t says > 128 on a time-out, 1 at the end of the stream.
		if [ "$rc" -gt 128 ]; then
			continue
		elif [ "$rc" != 0 ]; then
			break
		fi
		line=${line%$'\r'}
		if [ -z "$status" ]; then
			case $line in
			'SIP/2.0 1'*) status=provisional ;;
			'SIP/2.0 '*) status=final ;;
			esac
		fi
		if [ -n "$line" ]; then
			if [ "$status" = final ]; then
				printf '%s\n' "$line"
			fi
		elif [ "$status" = final ]; then
			break
		else
			# The end of a provisional response: wait for the next one.
			status=
		fi
	done
	exec {fd}>&-
	[ "$status" = final ]
}

# tone_raw FILE HZ SECONDS: a sine tone at half scale into FILE, as raw
# s16le 8000 Hz mono (what arecord writes and rtp-send reads).
tone_raw() {
	sox -D -n -r 8000 -e signed -b 16 -c 1 -t raw "$1" synth "$3" sine "$2" vol 0.5
}

# baresip_config DIR LINE...: a baresip configuration in DIR (its -f) with
# the LINEs (sip_listen, more modules...) and what every test's baresip
# has: G.711, a 4 s 1 kHz tone as its microphone, what it hears in
# DIR/play.wav, and the account and menu modules (an account line in
# DIR/accounts is the caller's).
baresip_config() {
	local dir=$1 line
	shift
	mkdir -p "$dir"
	tone_raw "$dir/tone.raw" 1000 4
	sox -D -t raw -r 8000 -e signed -b 16 -c 1 "$dir/tone.raw" "$dir/tone.wav"
	{
		echo poll_method epoll
		for line; do
			echo "$line"
		done
		echo module_path /usr/lib/baresip/modules
		echo module g711.so
		echo module aufile.so
		echo module_app account.so
		echo module_app menu.so
		echo "audio_source aufile,$dir/tone.wav"
		echo "audio_player aufile,$dir/play.wav"
		echo "audio_alert aufile,$dir/alert.wav"
	} >"$dir/config"
}

# baresip_cmd PORT COMMAND [PARAMS]: a command of baresip's menu (hold,
# resume, transfer URI, hangup...) to the baresip whose ctrl_tcp module
# listens on 127.0.0.1:PORT, as a netstring of JSON; prints what baresip
# answers within a second (its response, and events), and fails unless
# the response says ok.
baresip_cmd() {
	local json fd resp=''
	json=$(printf '{"command":"%s","params":"%s","token":"t"}' "$2" "${3:-}")
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf '%d:%s,' "${#json}" "$json" >&"$fd"
	IFS= read -r -t 1 -N 4096 resp <&"$fd" || true
	exec {fd}>&-
	printf '%s\n' "$resp"
	[[ $resp == *'"response":true,"ok":true'* ]]
}

# check_tone FILE ARGS...: tone-check (tests/tools/tone-check.c: frequency,
# SNR, length), its report shown when it fails.
check_tone() {
	run tone-check "$@"
	echo "$output"
	assert_success
}

# shellcheck source=tests/kamailio.bash
source "$SIPLINE_TESTS/kamailio.bash"
# shellcheck source=tests/pki.bash
source "$SIPLINE_TESTS/pki.bash"

# Dump only the part of Kamailio's log that this test caused.
if [ -n "${KAM_LOG:-}" ] && [ -e "$KAM_LOG" ]; then
	SL_KAM_LOG_START=$(stat -c %s "$KAM_LOG")
fi

# --- corpora of SIP messages sent byte for byte (tests/hostile,
# tests/torture): each file of CORPUS is sent to a tool with udp-send, an
# OPTIONS probe right after it, and the final responses it gets are
# compared with a column of CORPUS_INDEX (default $CORPUS/EXPECTED): lines
# "NAME IDLE IN-CALL REGISTER [MORE...] # why", a status code or "-" for
# none; over TCP also "closed" (the tool closed the connection, answering
# nothing).  A test file may set CORPUS_CASE to a function of its own to
# send a rewritten copy instead of $CORPUS/NAME (it is given NAME and
# prints the path of what to send).

# probe_to FILE: writes an OPTIONS with a fresh Call-ID and branch to FILE
# (the same ones twice would be a retransmission) and sets PROBE_CID to
# that Call-ID.
probe_to() {
	local id=$BASHPID-$RANDOM$RANDOM
	PROBE_CID=probe-$id@corpus.test
	printf '%s\r\n' "OPTIONS sip:bob@127.0.0.1 SIP/2.0" \
		"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-probe-$id;rport" \
		"Max-Forwards: 70" "From: <sip:probe@corpus.test>;tag=probe" \
		"To: <sip:bob@127.0.0.1>" "Call-ID: $PROBE_CID" "CSeq: 1 OPTIONS" \
		"Content-Length: 0" "" >"$1"
}

# answers_to PORT FILE WANT: sends FILE to 127.0.0.1:PORT (over one TCP
# connection with CORPUS_TCP=1), then an OPTIONS probe in the same
# exchange, and prints the final responses that came back for the file
# ("-" for none).  It waits for the probe's 200 and, when WANT is a code,
# for one more final response (in serve mode the case may be answered by a
# call process after the probe by the parent); the tool reads one message
# after the other, so a dropped case is known to be dropped once the probe
# is answered.  When WANT is "closed" or "-" over TCP, the file goes alone
# on its connection (one the tool closes, or leaves waiting for more
# bytes, answers no probe), "closed" is printed when the tool closed it,
# and the probe follows on a new connection.  Fails when the probe gets no
# 200.
answers_to() {
	local port=$1 file=$2 want=$3 out code cid got='' probed=0 n=2 tcp=() alone=0
	local dir
	dir=$(sl_tmpdir)
	probe_to "$dir/probe.sip"
	[ "$want" = - ] && n=1
	if [ "${CORPUS_TCP:-0}" = 1 ]; then
		tcp=(-t)
		case $want in - | closed) alone=1 ;; esac
	fi
	if [ "$alone" = 1 ]; then
		out=$(udp-send -t -w 1 "127.0.0.1:$port" "$file") || true
		out="$out"$'\n'$(udp-send -t -w 5 -n 1 "127.0.0.1:$port" "$dir/probe.sip") || true
	else
		out=$(udp-send "${tcp[@]}" -w 5 -n "$n" "127.0.0.1:$port" "$file" "$dir/probe.sip") || true
	fi
	while read -r code cid; do
		if [ "$cid" = "$PROBE_CID" ]; then
			[ "$code" = 200 ] && probed=1
		elif [ "$code" = '!' ]; then
			[ "$cid" = closed ] && [ -z "$got" ] && got=closed
		elif [[ $code != 1* ]] && [ -n "$code" ]; then
			[ "$got" = closed ] && got=''
			got="$got $code"
		fi
	done <<<"$out"
	if [ "$probed" != 1 ]; then
		echo "no 200 to the OPTIONS sent after ${file##*/}:" $out
		return 1
	fi
	got=${got# }
	echo "${got:--}"
}

# corpus_case NAME: the file to send for case NAME, unless CORPUS_CASE
# names another function.
corpus_case() {
	printf '%s\n' "$CORPUS/$1"
}

# corpus_at PORT COLUMN: every case of CORPUS at the tool on PORT, compared
# with column COLUMN of CORPUS_INDEX (2 idle, 3 in a call, 4 sip-register,
# 5 and on as the index says); a case whose column says "n/a" is not sent.
# With NO_CALLS=1, without the cases that are calls (those a tool in a
# call answers 486).  Prints a line per wrong answer and fails when there
# is one, or when fewer than CORPUS_MIN (default 41) cases were sent.
corpus_at() {
	local port=$1 col=$2 line want got bad=0 n=0 f
	while read -r line; do
		line=${line%%#*}
		read -r -a f <<<"$line"
		[ "${#f[@]}" -ge 4 ] || continue
		[ "${NO_CALLS:-0}" = 1 ] && [ "${f[2]}" = 486 ] && continue
		want=${f[col - 1]}
		[ "$want" = n/a ] && continue
		got=$(answers_to "$port" "$("${CORPUS_CASE:-corpus_case}" "${f[0]}")" "$want") || {
			echo "${f[0]}: $got"
			return 1
		}
		n=$((n + 1))
		if [ "$got" != "$want" ]; then
			echo "${f[0]}: expected $want, got $got"
			bad=$((bad + 1))
		fi
	done <"${CORPUS_INDEX:-$CORPUS/EXPECTED}"
	echo "# $n cases sent, $bad answered wrongly"
	[ "$n" -ge "${CORPUS_MIN:-41}" ] && [ "$bad" = 0 ]
}

# no_sanitizer_report NAME...: the jobs' stderr holds no ASan/UBSan report
# (serve mode's call processes write there too, and their exit status is
# not ours to see).
no_sanitizer_report() {
	local name dir
	dir=$(sl_tmpdir)
	for name; do
		if grep -aE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$dir/$name.err"; then
			echo "sanitizer report in $name's stderr"
			return 1
		fi
	done
}

# proper_call PORT: one proper call from alice to PORT: answered, then hung
# up by the caller after 0.5 s of media.
proper_call() {
	start_bg alice env SIP_USER=alice sip-call -T 5 "sip:bob@127.0.0.1:$1" -- sleep 0.5
	wait_bg alice 15
	assert_success
	assert_line --regexp '^sip-call: answered status="200 OK" codec=PCMU '
	assert_line --regexp '^sip-call: ended status=0 '
}

# corpus_in_a_call: sip-answer and sip-call in a call with each other, every
# case of CORPUS at each (column 3 of the index), and the call goes on:
# still up on both sides, no hangup, a clean end on SIGTERM.
corpus_in_a_call() {
	local aport cport dir
	dir=$(sl_tmpdir)
	aport=$(free_port)
	cport=$(free_port)
	start_bg answer sip-answer -l "127.0.0.1:$aport" -- sleep 300
	wait_for 5 port_listening udp "$aport"
	start_bg call sip-call -l "127.0.0.1:$cport" -T 5 "sip:bob@127.0.0.1:$aport" -- sleep 300
	wait_for 5 grep -q '^sip-call: answered ' "$dir/call.err"

	run corpus_at "$aport" 3
	echo "$output"
	assert_success
	run corpus_at "$cport" 3
	echo "$output"
	assert_success

	# Still the same call, up on both sides.
	bg_running answer
	bg_running call
	run grep -c -E 'hangup|ended' "$dir/call.err" "$dir/answer.err"
	assert_output "$dir/call.err:0
$dir/answer.err:0"
	signal_bg call TERM
	wait_bg call 10
	assert_success
	assert_line --regexp '^sip-call: hangup by=local reason="terminated" call-id='
	assert_line --regexp '^sip-call: ended status=0 '
	wait_bg answer 10
	assert_success
	assert_line --regexp '^sip-answer: hangup by=remote '
	no_sanitizer_report call answer
}

# corpus_at_register: sip-register registered with a private Kamailio,
# every case of CORPUS at its socket (column 4), and the registration
# lives on: refreshed after, unregistered cleanly on SIGTERM.
corpus_at_register() {
	local port line before dir
	dir=$(sl_tmpdir)
	kamailio_start
	start_bg reg env SIP_USER=alice SIP_PASSWORD=alicepw sip-register -e 2
	wait_for 5 grep -q '^sip-register: registered ' "$dir/reg.err"
	line=$(grep -m 1 '^sip-register: registered ' "$dir/reg.err")
	[[ $line =~ contact=\<sip:alice@127\.0\.0\.1:([0-9]+)\> ]]
	port=${BASH_REMATCH[1]}

	run corpus_at "$port" 4
	echo "$output"
	assert_success

	# Refreshes made after the corpus: the registration lives on.
	before=$(grep -c '^sip-register: refreshed ' "$dir/reg.err" || true)
	wait_for 5 eval '[ "$(grep -c "^sip-register: refreshed " "'"$dir"'/reg.err")" -gt "$before" ]'
	kamailio_has_binding alice
	signal_bg reg TERM
	wait_bg reg 10
	assert_success
	assert_line --regexp '^sip-register: unregistered aor=sip:alice@sipline\.test$'
	refute_line --partial 'failed'
	no_sanitizer_report reg
}

# corpus_serve SCREEN CALL-ID: sip-answer --serve with screening program
# SCREEN (calls of the corpus busy, alice's answered), every case of CORPUS
# at it (column 2), then a proper call; on SIGTERM it ends cleanly, having
# screened the call CALL-ID busy.
corpus_serve() {
	local port
	port=$(free_port)
	start_bg serve sip-answer -l "127.0.0.1:$port" --serve -x "$1" -- sleep 5
	wait_for 5 port_listening udp "$port"

	run corpus_at "$port" 2
	echo "$output"
	assert_success

	proper_call "$port"
	bg_running serve
	signal_bg serve TERM
	wait_bg serve 10
	assert_success
	assert_line "sip-answer: screened verdict=486 call-id=$2"
	assert_line --regexp '^sip-answer: answered codec=PCMU '
	no_sanitizer_report serve
}

# corpus_single_call TEXT: sip-answer waiting for its one call, every case
# of CORPUS that is no call at it (column 2), then the proper call, which
# is the one it takes: TEXT (of the corpus's calls) is nowhere in its log
# but in the events of the instant messages (MESSAGE) it took.
corpus_single_call() {
	local port
	port=$(free_port)
	start_bg answer sip-answer -l "127.0.0.1:$port" -- sleep 5
	wait_for 5 port_listening udp "$port"

	# The valid INVITEs of the corpus would be that one call.
	NO_CALLS=1 run corpus_at "$port" 2
	echo "$output"
	assert_success
	bg_running answer

	proper_call "$port"
	wait_bg answer 10
	assert_success
	assert_line --regexp '^sip-answer: hangup by=remote call-id=[0-9a-f]{32}$'
	# No case became a call.
	assert_equal "$(grep -v '^sip-answer: message ' <<<"$output" | grep -cF -- "$1")" 0
	no_sanitizer_report answer
}

# capture_start NAME FILTER: tshark capturing what FILTER (a pcap filter,
# "udp and dst port 4000") selects on lo, as background job NAME, into
# NAME.pcap; returns once it captures.  Needs root (the suite's machine).
capture_start() {
	local name=$1
	start_bg "$name" tshark -i lo -f "$2" -w "$(sl_tmpdir)/$name.pcap"
	wait_for 10 grep -q 'Capture started\|Capturing on' "$(sl_tmpdir)/$name.err"
}

# capture_ports NAME: stops the capture (its file complete) and prints one
# line "SRC-PORT DST-PORT" per UDP packet it saw.
capture_ports() {
	local name=$1
	if bg_running "$name"; then
		# The last packets reach the file before it stops.
		sleep 0.3
		signal_bg "$name" INT
		wait_bg "$name" 10 || stop_bg "$name"
	fi
	tshark -r "$(sl_tmpdir)/$name.pcap" -T fields -e udp.srcport -e udp.dstport \
		2>/dev/null | tr '\t' ' '
}

# media_child NAME: the PID of the default media of background job NAME
# (sip-call, sip-answer or what runs them): the process "sipline-media"
# among its descendants.
media_child() {
	local pid
	pid=$(bg_pid "$1") || return 1
	ps -e -o pid=,ppid=,comm= | awk -v root="$pid" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			for (p in comm) {
				if (comm[p] != "sipline-media")
					continue
				for (q = parent[p]; q > 1; q = parent[q])
					if (q == root) { print p; exit }
			}
		}'
}

# The pattern of a Call-ID that sipline makes (lib/callid.c): 32 hex digits.
CID='[0-9a-f]{32}'

# direct CMD...: CMD as alice@sipline.test without a server (calls go
# straight to the phone), bounded: `run direct sip-call ...`.
direct() {
	timeout -k 2 30 env -u SIP_SERVER SIP_USER=alice SIP_DOMAIN=sipline.test "$@"
}

# probe FILE [ARGS...]: the command line of a media command that writes its
# report to $D/FILE (see tests/tools/handoff-probe.c).
probe() {
	local file=$1
	shift
	echo handoff-probe -o "$D/$file" "$@"
}

# report_env FILE NAME: the value of NAME in a probe report; fails when it
# is unset.
report_env() {
	grep -q "^env $2=" "$D/$1" || return 1
	sed -n "s/^env $2=//p" "$D/$1"
}

# report_fds FILE: the descriptors of a probe report, on one line.
report_fds() {
	awk '$1 == "fd" { printf "%s%s", sep, $2; sep = " " } END { print "" }' "$D/$1"
}

# children PID: the PIDs of PID's live (not zombie) children, one a line.
children() {
	ps --ppid "$1" -o pid=,stat= | awk '$2 !~ /^Z/ { print $1 }'
}

# no_children PID: true when PID has no child left, zombies included
# (a zombie is a child nobody reaped).
no_children() {
	[ -z "$(ps --ppid "$1" -o pid=)" ]
}

# seconds_since US: seconds (two decimals) since sl_now_us printed US.
seconds_since() {
	sl_us_text $(($(sl_now_us) - $1))
}

# figure TEXT...: a measured figure, shown in the TAP output.
figure() {
	echo "# $*" >&3
}

# squeeze: the text on stdin on one line, blanks squeezed, ends trimmed.
squeeze() {
	tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}
