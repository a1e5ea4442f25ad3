# tests/kamailio.bash: a private Kamailio (tests/kamailio.cfg) on loopback
# for one test or one test file.  helper.bash sources this file.
#
# Per test:                              Per file (faster, shared bindings):
#     setup()    { load helper              setup_file()    { load helper
#                  kamailio_start; }                          kamailio_start; }
#     teardown() { stop_all_bg; }          setup()         { load helper; }
#                                          teardown()      { stop_all_bg; }
#                                          teardown_file() { kamailio_stop; }
#
# Domain and users.  The users are alice, bob and carol (passwords alicepw,
# bobpw, carolpw) of the domain SIP_DOMAIN=sipline.test, which is also the
# digest realm.  sipline.test is an alias of the server and never needs to
# resolve: a client sends everything to SIP_SERVER=127.0.0.1:$KAM_PORT, and
# addresses sip:bob@sipline.test.  An address-of-record is the user name
# alone, so sip:bob@127.0.0.1:$KAM_PORT reaches the same bob.
#
# kamailio_start [DEFINE...] sets and exports:
#   KAM_PORT    the port, UDP and TCP, on 127.0.0.1 and [::1]
#   KAM_DIR     its directory: kamailio.log (stderr), db/, run/, pid file
#   KAM_PID     the main process
#   KAM_LOG     $KAM_DIR/kamailio.log
#   KAM_CTL     unix:... socket for kamcmd (kamailio_ctl wraps it)
#   KAM_DEFINES the DEFINEs it was started with (kamailio_restart reuses them)
#   KAM_TLS_PORT, KAM_TLS_SERVER  with TLS: its TLS port, 127.0.0.1:that
#   SIP_SERVER  127.0.0.1:$KAM_PORT
#   SIP_DOMAIN  sipline.test
# DEFINEs (see tests/kamailio.cfg): SHA256 (algorithm=SHA-256 challenges),
# NOQOP (challenges without qop), NOAUTH (no authentication), AUTH403
# (403 to wrong credentials instead of a new challenge), NONCE_EXPIRE=N
# (nonce lifetime; an expired one is re-challenged with stale=true),
# FR_TIMER=MS (how long a request to a silent next hop waits for its 408),
# NATADDR=ADDRESS (listen there too, and fix up NATed clients with
# nathelper: tests/nat.bats, started in a namespace with SL_NETNS),
# RTPENGINE (with NATADDR: the media of every call through the rtpengine
# whose control port on 127.0.0.1 is $RTPE_NG_PORT, tests/netns.bash
# rtpengine_start).
# TLS: Kamailio listens on TLS too (the test PKI's server certificate,
# tests/pki.bash), on KAM_TLS_PORT, and exports KAM_TLS_SERVER
# (127.0.0.1:$KAM_TLS_PORT); when it connects to a TLS contact it checks
# the contact's certificate against the test CA.  TLS_CLIENT_CERT: it also
# demands of each TLS client a certificate signed by the test CA.
# KAM_DEBUG=N in the environment sets Kamailio's log level (default 1: one
# line per request; 3: debug).  The log is $KAM_LOG; stop_all_bg prints
# this test's part of it when the test fails.
#
# What Kamailio does, in short: REGISTER for sipline.test (or the server's
# own address) is challenged (401) and saved; min_expires 1 s, default 180,
# max 3600.  OPTIONS to the server itself gets 200 (with Allow).  Any other
# request outside a dialog is challenged (407), the From user must be the
# authenticated one (403 "Forbidden auth ID" otherwise), then it goes to
# the registered contacts of the Request-URI user (404 when none), or as
# addressed when the Request-URI is not this server.  INVITEs are
# record-routed, so ACK, BYE and re-INVITE pass through it too.  A next hop
# that never answers gets 408 after 5 s.

SL_KAM_DOMAIN=sipline.test
SL_KAM_USERS="alice:alicepw bob:bobpw carol:carolpw"
SL_KAM_BIN=$(command -v kamailio || echo /usr/sbin/kamailio)
SL_KAM_CMD=$(command -v kamcmd || echo /usr/sbin/kamcmd)

# kamailio_start [DEFINE...]: starts Kamailio on a free port and waits until
# it answers on its control socket (which it serves only after its SIP
# sockets are bound).  Fails with Kamailio's log when it does not come up.
kamailio_start() {
	local port base
	if sl_alive "${KAM_PID:-}"; then
		echo "kamailio_start: Kamailio already runs (pid $KAM_PID)" >&2
		return 1
	fi
	sl_kam_check_defines "$@" || return 1
	port=$(free_port) || return 1
	KAM_TLS_PORT= KAM_TLS_SERVER=
	if [[ " $* " == *" TLS "* ]]; then
		pki_make || return 1
		KAM_TLS_PORT=$(free_port) || return 1
		KAM_TLS_SERVER=127.0.0.1:$KAM_TLS_PORT
	fi
	export KAM_TLS_PORT KAM_TLS_SERVER
	base=$(sl_tmpdir)
	KAM_DIR=$(mktemp -d "$base/kamailio.XXXXXX") || return 1
	KAM_PORT=$port
	KAM_LOG=$KAM_DIR/kamailio.log
	KAM_DEFINES="$*"
	# The scope tells stop_all_bg whether this test owns the server.
	if [ -n "${BATS_TEST_NAME:-}" ]; then
		KAM_SCOPE=test:${BATS_TEST_NUMBER:-}
	else
		KAM_SCOPE='file'
	fi
	SIP_SERVER=127.0.0.1:$KAM_PORT
	SIP_DOMAIN=$SL_KAM_DOMAIN
	export KAM_DIR KAM_PORT KAM_LOG KAM_DEFINES KAM_SCOPE SIP_SERVER SIP_DOMAIN
	sl_kam_ctl_path || return 1
	sl_kam_make_db || return 1
	if [ -n "$KAM_TLS_PORT" ]; then
		sl_kam_tls_cfg "$@" >"$KAM_DIR/tls.cfg" || return 1
	fi
	SL_KAM_LOG_START=0
	sl_kam_launch "$@"
}

# kamailio_stop: SIGTERM to Kamailio's main process, which ends its
# children; SIGKILL to the whole process group if it takes more than 5 s.
kamailio_stop() {
	local pid
	[ -n "${KAM_DIR:-}" ] || return 0
	# The pid file is the truth: a restart in a test changes the PID that
	# setup_file exported.  Check that it still names a Kamailio.
	pid=$(cat "$KAM_DIR/kamailio.pid" 2>/dev/null) || pid=
	if [ -z "$pid" ] || ! sl_kam_is_ours "$pid"; then
		pid=${KAM_PID:-}
	fi
	if [ -n "$pid" ] && sl_kam_is_ours "$pid"; then
		sl_terminate "$pid" 5 leader
	elif [ -n "$pid" ]; then
		# Not a Kamailio any more, but its group may hold leftovers.
		sl_terminate "$pid" 1 group
	fi
	rm -f "$KAM_DIR/kamailio.pid"
	if [ -n "${SL_KAM_CTL_DIR:-}" ]; then
		rm -rf "$SL_KAM_CTL_DIR"
		SL_KAM_CTL_DIR=
	fi
	KAM_PID=
	export KAM_PID
}

# kamailio_restart: stops Kamailio and starts it again on the same port
# with the same users and DEFINEs; the bindings (kept in memory) are gone.
kamailio_restart() {
	if [ -z "${KAM_DIR:-}" ] || [ -z "${KAM_PORT:-}" ]; then
		echo "kamailio_restart: no Kamailio was started" >&2
		return 1
	fi
	kamailio_stop
	sl_kam_ctl_path || return 1
	echo "--- kamailio_restart $(date +%T.%N)" >>"$KAM_LOG"
	# shellcheck disable=SC2086 # the defines are single words
	sl_kam_launch $KAM_DEFINES
}

# kamailio_add_user NAME PASSWORD: adds a subscriber; a running Kamailio
# sees it at its next authentication.
kamailio_add_user() {
	local name=$1 pw=$2 table mtime
	if [ -z "${KAM_DIR:-}" ] || [ -z "$name" ] || [ $# != 2 ]; then
		echo "usage: kamailio_add_user NAME PASSWORD (after kamailio_start)" >&2
		return 1
	fi
	table=$KAM_DIR/db/subscriber
	mtime=$(stat -c %Y "$table") || return 1
	sl_kam_user_row "$name" "$pw" >>"$table"
	# db_text reloads a table only when the file's mtime (in seconds) grew,
	# and the last load may have happened within this very second.
	if [ "$(stat -c %Y "$table")" -le "$mtime" ]; then
		touch -d "@$((mtime + 1))" "$table"
	fi
}

# kamailio_ctl RPC [ARGS...]: kamcmd against this Kamailio, bounded.
kamailio_ctl() {
	timeout 5 "$SL_KAM_CMD" -s "$KAM_CTL" "$@"
}

# kamailio_bindings USER: prints the Contact URIs registered for USER, one
# per line, nothing when none.  Fails only when Kamailio cannot be asked.
kamailio_bindings() {
	local out
	if [ $# != 1 ]; then
		echo "usage: kamailio_bindings USER" >&2
		return 1
	fi
	out=$(kamailio_ctl ul.lookup location "$1" 2>&1) || {
		echo "kamailio_bindings: kamcmd failed: $out" >&2
		return 1
	}
	case $out in
	# No record, or one whose contacts expired and await the timer.
	*"AOR not found"* | *"AOR has no contacts"*) return 0 ;;
	error:*)
		echo "kamailio_bindings: $out" >&2
		return 1
		;;
	esac
	# kamcmd prints "Address: sip:..." inside each Contact block.
	printf '%s\n' "$out" | sed -n 's/^[[:space:]]*Address: //p'
}

# kamailio_has_binding USER [PATTERN]: true when USER has a binding (whose
# Contact matches the grep -E PATTERN); for wait_for.
kamailio_has_binding() {
	local b
	b=$(kamailio_bindings "$1") || return 1
	[ -n "$b" ] || return 1
	[ -z "${2:-}" ] || printf '%s\n' "$b" | grep -Eq -- "$2"
}

# kamailio_has_no_binding USER: true when USER has no binding at all.
kamailio_has_no_binding() {
	local b
	b=$(kamailio_bindings "$1") || return 1
	[ -z "$b" ]
}

# kamailio_as USER CMD...: CMD as USER of the test domain (SIP_USER, and
# SIP_PASSWORD from the users above), bounded by 30 s; for
# `run kamailio_as alice sip-call ...`.
kamailio_as() {
	local user=$1 pw
	shift
	pw=$(sl_kam_password "$user") || return 1
	timeout -k 2 30 env SIP_USER="$user" SIP_PASSWORD="$pw" "$@"
}

# kamailio_register USER PORT: USER's binding points at 127.0.0.1:PORT (a
# SIPp phone there, say): sip-register --once, checked.
kamailio_register() {
	kamailio_as "$1" sip-register -1 -e 60 -c "127.0.0.1:$2" >/dev/null 2>&1 &&
		kamailio_has_binding "$1" "@127\.0\.0\.1:$2\b"
}

# kamailio_answer NAME USER [SIP-ANSWER-ARGS...]: USER registered by
# sip-register from 127.0.0.1:$ANS_PORT (a new free port) with sip-answer
# chain-loaded, as job NAME; returns once Kamailio has the binding.
kamailio_answer() {
	local name=$1 user=$2 pw
	shift 2
	pw=$(sl_kam_password "$user") || return 1
	ANS_PORT=$(free_port) || return 1
	start_bg "$name" env SIP_USER="$user" SIP_PASSWORD="$pw" \
		sip-register -e 60 -c "127.0.0.1:$ANS_PORT" -- sip-answer "$@"
	wait_for 5 kamailio_has_binding "$user" "@127\.0\.0\.1:$ANS_PORT\b"
}

# kamailio_saw PATTERN [CALL-ID]: how many requests (of the call CALL-ID)
# Kamailio took whose "METHOD URI from ADDRESS:PORT/PROTO", the line it
# logs for each at the default level, matches the grep -E PATTERN (a
# retransmission, the same CSeq, Call-ID and line, is not counted again).
kamailio_saw() {
	local cid='[^}]*'
	[ -z "${2:-}" ] || cid=$(printf '%s' "$2" | sed 's/[][\\.^$*+?(){}|]/\\&/g')
	grep -oE -- "\\{[0-9]+ [0-9]+ [A-Z]+ $cid\\} <script>: $1.*" "$KAM_LOG" |
		sort -u | wc -l
}

# --- internals

sl_kam_check_defines() {
	local d
	for d; do
		if [[ ! $d =~ ^[A-Za-z_][A-Za-z0-9_]*(=[A-Za-z0-9_.-]+)?$ ]]; then
			echo "kamailio_start: not a define (NAME or NAME=VALUE): $d" >&2
			return 1
		fi
	done
}

# The password of a user of SL_KAM_USERS.
sl_kam_password() {
	local u
	for u in $SL_KAM_USERS; do
		if [ "${u%%:*}" = "$1" ]; then
			printf '%s\n' "${u#*:}"
			return 0
		fi
	done
	echo "kamailio: no user $1 (users: $SL_KAM_USERS)" >&2
	return 1
}

# A unix socket path must fit in 108 bytes; a deep TMPDIR gets a short one.
sl_kam_ctl_path() {
	KAM_CTL=unix:$KAM_DIR/kamailio_ctl
	if [ ${#KAM_DIR} -gt 80 ]; then
		SL_KAM_CTL_DIR=$(mktemp -d /tmp/sipline-ctl.XXXXXX) || return 1
		KAM_CTL=unix:$SL_KAM_CTL_DIR/kamailio_ctl
	fi
	export KAM_CTL
}

# One db_text row of the subscriber table; ':' and '\' are escaped.
sl_kam_user_row() {
	local name=$1 pw=$2
	name=${name//\\/\\\\} pw=${pw//\\/\\\\}
	name=${name//:/\\:} pw=${pw//:/\\:}
	printf '0:%s:%s:%s:::\n' "$name" "$SL_KAM_DOMAIN" "$pw"
}

# The db_text tables: version (auth_db checks it) and subscriber, with
# plain-text passwords (calculate_ha1 in the cfg).  Rows are given id 0;
# db_text does not need unique ids for reading.
sl_kam_make_db() {
	local u
	mkdir -p "$KAM_DIR/db" "$KAM_DIR/run" || return 1
	printf '%s\n' 'id(int,auto) table_name(string) table_version(int) ' \
		'0:subscriber:7' >"$KAM_DIR/db/version"
	{
		echo 'id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null) '
		for u in $SL_KAM_USERS; do
			sl_kam_user_row "${u%%:*}" "${u#*:}"
		done
	} >"$KAM_DIR/db/subscriber"
}

# The tls module's configuration (see TLS, TLS_CLIENT_CERT above).
sl_kam_tls_cfg() {
	local require=no
	[[ " $* " != *" TLS_CLIENT_CERT "* ]] || require=yes
	cat <<-EOF
		[server:default]
		method = TLSv1.2+
		certificate = $PKI/server.pem
		private_key = $PKI/server.key
		ca_list = $PKI/ca.pem
		verify_certificate = $require
		require_certificate = $require

		[client:default]
		method = TLSv1.2+
		ca_list = $PKI/ca.pem
		verify_certificate = yes
		require_certificate = yes
	EOF
}

# True when PID runs the kamailio binary (a pid file may outlive it).
sl_kam_is_ours() {
	sl_alive "$1" && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$SL_KAM_BIN")" ]
}

sl_kam_launch() {
	local d args=()
	for d; do
		args+=(-A "$d")
	done
	if [ -n "${KAM_TLS_PORT:-}" ]; then
		args+=(-A "TLSPORT=$KAM_TLS_PORT" -A "TLSCFG=\"$KAM_DIR/tls.cfg\"")
	fi
	if [ -n "${RTPE_NG_PORT:-}" ] && [[ " $* " == *" RTPENGINE "* ]]; then
		args+=(-A "RTPENGINE_SOCK=\"udp:127.0.0.1:$RTPE_NG_PORT\"")
	fi
	# -DD: no daemon, so the PID is ours; -E: log to stderr.  The log is
	# appended to, so that it tells the whole story across restarts.
	sl_spawn "$KAM_LOG" "$KAM_LOG" \
		"$SL_KAM_BIN" -DD -E -f "$SIPLINE_TESTS/kamailio.cfg" \
		-P "$KAM_DIR/kamailio.pid" -Y "$KAM_DIR/run" -w "$KAM_DIR" \
		-A "SIPPORT=$KAM_PORT" -A "SIPDOMAIN=\"$SL_KAM_DOMAIN\"" \
		-A "DBURL=\"text://$KAM_DIR/db\"" -A "CTLSOCK=\"$KAM_CTL\"" \
		-A "DEBUG=${KAM_DEBUG:-1}" "${args[@]}"
	KAM_PID=$SL_SPAWNED
	export KAM_PID
	wait_up "kamailio_start: Kamailio on port $KAM_PORT" "$KAM_PID" "$KAM_LOG" 10 \
		kamailio_ctl core.uptime || {
		kamailio_stop
		return 1
	}
}
