# tests/netns.bash: a network namespace of the test's own, for loss tests.
# Load it after helper.bash (`load helper; load netns`).
#
# Everything of a lossy test lives in one namespace that the test creates
# and deletes: Kamailio, the caller and the callee, each on the namespace's
# own loopback (127.0.0.1 there is not the machine's), so nothing else on
# the machine sees a packet and tests/kamailio.cfg is used as it is.
# nftables in that namespace drops a random share of the datagrams to or
# from the SIP ports named, so RTP and everything else pass untouched.  It
# drops them on the input hook, which every datagram on lo passes exactly
# once after it was sent: the sender sees a successful send, as when a
# network loses it (a drop on the output hook fails sendto with EPERM).
#
#   netns_create              creates the namespace, lo up; sets SL_NETNS
#   netns_delete              deletes it (teardown; safe to call twice)
#   netns_resolv ADDRESS      its /etc/resolv.conf names that name server
#   netns_drop PERCENT PORT...  drops PERCENT % of UDP to or from PORTs
#   netns_counts              prints "seen=N dropped=M" for those datagrams
#   in_netns CMD...           runs CMD (a program) in the namespace
#
# While SL_NETNS is set, start_bg and kamailio_start start their processes
# in the namespace (sl_spawn is wrapped below), and sipp_run runs SIPp
# there.  kamcmd reaches Kamailio through its unix socket, which is a file,
# not a network address.

# The original sl_spawn of helper.bash, kept once.
if ! declare -F sl_spawn_host >/dev/null; then
	eval "sl_spawn_host() $(declare -f sl_spawn | tail -n +2)"
fi

# The shell functions that put what they run in the namespace themselves.
SL_NETNS_FUNCTIONS="sipp_run"

# sl_spawn OUT ERR CMD...: helper.bash's, with CMD in the namespace while
# SL_NETNS is set.  `ip netns exec` execs CMD, so the job's PID is CMD's.
sl_spawn() {
	local out=$1 err=$2
	shift 2
	if [ -n "${SL_NETNS:-}" ]; then
		if [ "$(type -t "$1")" = function ]; then
			case " $SL_NETNS_FUNCTIONS " in
			*" $1 "*)
				sl_spawn_host "$out" "$err" "$@"
				return
				;;
			esac
			echo "sl_spawn: a shell function cannot run in $SL_NETNS" >&2
			return 1
		fi
		sl_spawn_host "$out" "$err" ip netns exec "$SL_NETNS" "$@"
	else
		sl_spawn_host "$out" "$err" "$@"
	fi
}

# netns_create: a new namespace named after this bats run and test, with
# its loopback up.  Fails when it cannot be made (not root, no netns).
netns_create() {
	if [ -n "${SL_NETNS:-}" ]; then
		echo "netns_create: $SL_NETNS exists already" >&2
		return 1
	fi
	SL_NETNS=sipline-$$-${BATS_TEST_NUMBER:-f}-$RANDOM
	if ! ip netns add "$SL_NETNS"; then
		SL_NETNS=
		return 1
	fi
	ip netns exec "$SL_NETNS" ip link set lo up || {
		netns_delete
		return 1
	}
	export SL_NETNS
}

# netns_delete: deletes the namespace made by netns_create, and its files
# in /etc/netns.  Its processes must be stopped first (stop_all_bg,
# kamailio_stop): a namespace lives on while a process is in it.
netns_delete() {
	[ -n "${SL_NETNS:-}" ] || return 0
	ip netns del "$SL_NETNS" 2>/dev/null || true
	rm -rf "/etc/netns/$SL_NETNS"
	SL_NETNS=
}

# netns_resolv ADDRESS: what the namespace's programs see as
# /etc/resolv.conf: ADDRESS is the one name server.  `ip netns exec`
# bind-mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf for each
# program it starts, so it counts for what starts from now on.
netns_resolv() {
	mkdir -p "/etc/netns/$SL_NETNS" &&
		printf 'nameserver %s\n' "$1" >"/etc/netns/$SL_NETNS/resolv.conf"
}

# in_netns CMD...: CMD in the namespace.
in_netns() {
	ip netns exec "$SL_NETNS" "$@"
}

# netns_drop PERCENT PORT...: from now on, each UDP datagram whose source
# or destination port is one of PORTs (one draw per datagram, even when
# both are) is dropped with probability PERCENT/100 (numgen random);
# replaces an earlier rule.
netns_drop() {
	local pct=$1 ports draw
	shift
	if ! [[ $pct =~ ^[0-9]+$ ]] || [ "$pct" -gt 100 ] || [ $# = 0 ]; then
		echo "usage: netns_drop PERCENT PORT..." >&2
		return 1
	fi
	ports=$(
		IFS=,
		echo "$*"
	)
	# numgen cannot draw "< 100" out of 100: all of them is a plain drop.
	if [ "$pct" = 100 ]; then
		draw=
	else
		draw="numgen random mod 100 < $pct"
	fi
	in_netns nft -f - <<-EOF
		table inet sipline_loss
		delete table inet sipline_loss
		table inet sipline_loss {
			set sip { type inet_service; elements = { $ports } }
			chain in {
				type filter hook input priority 0; policy accept;
				udp dport @sip goto lossy
				udp sport @sip goto lossy
			}
			chain lossy {
				counter name seen
				$draw counter name dropped drop
			}
			counter seen {}
			counter dropped {}
		}
	EOF
}

# netns_counts: "seen=N dropped=M": the datagrams to or from the SIP ports
# since netns_drop, and how many of them were dropped.
netns_counts() {
	local seen dropped
	seen=$(in_netns nft list counter inet sipline_loss seen | sed -n 's/.*packets \([0-9]*\).*/\1/p')
	dropped=$(in_netns nft list counter inet sipline_loss dropped | sed -n 's/.*packets \([0-9]*\).*/\1/p')
	echo "seen=$seen dropped=$dropped"
}

# netns_loss_plausible PERCENT MIN: prints "seen=N dropped=M (F %,
# plausible LO-HI %)" and fails unless the rule of netns_drop PERCENT saw at
# least MIN datagrams and dropped a plausible share of them, so that a test
# of loss cannot pass without the loss.  Each datagram is one independent
# draw (numgen random), so of N seen the number dropped is binomial
# (N, p = PERCENT/100): the share dropped must lie within 5 standard
# deviations, sqrt(p (1-p) / N), of p.  For N >= 500 a working rule falls
# outside at most twice in a million runs (exact binomial tails: 2e-6 for
# p = 10 %, 6e-7 for 30 %), while the band stays narrow enough to catch a
# rule that drops nothing, everything, or another percentage: at N = 500 it
# is 3.3-16.7 % for 10 % and 19.7-40.3 % for 30 %, and narrower as N grows.
netns_loss_plausible() {
	local pct=$1 min=$2 counts seen dropped
	counts=$(netns_counts)
	seen=$(sed -n 's/^seen=\([0-9]*\) .*/\1/p' <<<"$counts")
	dropped=$(sed -n 's/.* dropped=\([0-9]*\)$/\1/p' <<<"$counts")
	awk -v n="$seen" -v d="$dropped" -v pct="$pct" -v min="$min" -v c="$counts" 'BEGIN {
		if (n == "" || d == "") {
			print "no nftables counters: " c
			exit 1
		}
		if (n < min || n == 0) {
			printf "%s: too few SIP datagrams to judge the loss, expected at least %d\n", c, min
			exit 1
		}
		p = pct / 100
		sd = sqrt(p * (1 - p) / n)
		lo = p - 5 * sd
		hi = p + 5 * sd
		printf "seen=%d dropped=%d (%.1f %%, plausible %.1f-%.1f %%)\n",
			n, d, 100 * d / n, 100 * lo, 100 * hi
		exit !(d / n >= lo && d / n <= hi)
	}'
}

# --- A NAT testbed (tests/nat.bats): three namespaces of the test's own.
#
#   home      10.77.0.2/24 on h0, default route via the router: a phone
#             behind a home router, an address that exists only there
#   router    10.77.0.1/24 on r0 (home side), 198.51.100.1/24 on r1
#             (provider side); forwards, and masquerades what leaves on r1
#             (nftables), so the provider sees everything of home's come
#             from 198.51.100.1; conntrack forgets a mapping after the
#             timeouts that nat_conntrack_timeouts sets
#   provider  198.51.100.2/24 on p0, no route to home: Kamailio and callers
#
# The veth pairs are made inside the namespaces (h0-r0, r1-p0): nothing of
# the testbed ever exists in the machine's own namespace.  10.77.0.0/24 and
# 198.51.100.0/24 (TEST-NET-2) are addresses no test machine uses.
#
#   nat_create                makes them; sets NAT_HOME, NAT_ROUTER,
#                             NAT_PROVIDER (names), HOME_ADDR, PUBLIC_ADDR,
#                             PROVIDER_ADDR
#   nat_delete                deletes them (teardown; safe to call twice)
#   nat_conntrack_timeouts S [STREAM [TCP]]  the router forgets an idle
#                             UDP mapping (one that saw replies: STREAM) and
#                             an idle established TCP connection after S s
#                             (default: all three S)
#   nat_forget                the router forgets every mapping now
#   nat_ports LO-HI           masquerade picks the public port in LO-HI
#   in_home / in_router / in_provider CMD...   CMD in that namespace
# Run a background job in one with SL_NETNS=$NAT_HOME start_bg ... (and
# kamailio_start the same way).
#
# For a test file of calls through the testbed (tests/nat*.bats):
#   nat_setup_file [DEFINE...]  in setup_file: the testbed (unless made
#                             already), the tones
#                             $T/1k.raw (3 s) and $T/500.raw (5 s) in
#                             BATS_FILE_TMPDIR, and Kamailio in the
#                             provider's namespace (NATADDR and DEFINEs);
#                             SIP_SERVER is exported
#   nat_teardown_file         in teardown_file: Kamailio stopped, the
#                             testbed deleted
#   rtpengine_start / rtpengine_stop: a media relay at the provider (below)
#   home_answer, call_user, public_lines: a phone at home, a call to it,
#                             its public-address lines (below); they use $D
#                             (BATS_TEST_TMPDIR) and $T (BATS_FILE_TMPDIR)

NAT_HOME_NET=10.77.0
NAT_PUBLIC_NET=198.51.100

nat_create() {
	local tag=sipline-$$-${BATS_TEST_NUMBER:-f}-$RANDOM ns
	NAT_HOME=$tag-home NAT_ROUTER=$tag-router NAT_PROVIDER=$tag-provider
	HOME_ADDR=$NAT_HOME_NET.2 PUBLIC_ADDR=$NAT_PUBLIC_NET.1 PROVIDER_ADDR=$NAT_PUBLIC_NET.2
	export NAT_HOME NAT_ROUTER NAT_PROVIDER HOME_ADDR PUBLIC_ADDR PROVIDER_ADDR
	for ns in "$NAT_HOME" "$NAT_ROUTER" "$NAT_PROVIDER"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || {
			nat_delete
			return 1
		}
	done
	{
		ip -n "$NAT_HOME" link add h0 type veth peer name r0 netns "$NAT_ROUTER" &&
			ip -n "$NAT_ROUTER" link add r1 type veth peer name p0 netns "$NAT_PROVIDER" &&
			ip -n "$NAT_HOME" addr add "$HOME_ADDR/24" dev h0 &&
			ip -n "$NAT_ROUTER" addr add "$NAT_HOME_NET.1/24" dev r0 &&
			ip -n "$NAT_ROUTER" addr add "$PUBLIC_ADDR/24" dev r1 &&
			ip -n "$NAT_PROVIDER" addr add "$PROVIDER_ADDR/24" dev p0 &&
			ip -n "$NAT_HOME" link set h0 up &&
			ip -n "$NAT_ROUTER" link set r0 up &&
			ip -n "$NAT_ROUTER" link set r1 up &&
			ip -n "$NAT_PROVIDER" link set p0 up &&
			ip -n "$NAT_HOME" route add default via "$NAT_HOME_NET.1" &&
			in_router sysctl -qw net.ipv4.ip_forward=1 &&
			nat_ports 1024-65535
	} || {
		nat_delete
		return 1
	}
}

nat_delete() {
	local ns
	for ns in "${NAT_HOME:-}" "${NAT_ROUTER:-}" "${NAT_PROVIDER:-}"; do
		[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	done
	NAT_HOME= NAT_ROUTER= NAT_PROVIDER=
}

in_home() { ip netns exec "$NAT_HOME" "$@"; }
in_router() { ip netns exec "$NAT_ROUTER" "$@"; }
in_provider() { ip netns exec "$NAT_PROVIDER" "$@"; }

# nat_ports LO-HI: the masquerade rule, its public ports taken from LO-HI
# (replaces the rule; mappings made already stay until forgotten).
nat_ports() {
	in_router nft -f - <<-EOF
		table ip sipline_nat
		delete table ip sipline_nat
		table ip sipline_nat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "r1" meta l4proto { tcp, udp } masquerade to :$1
				oifname "r1" masquerade
			}
		}
	EOF
}

nat_conntrack_timeouts() {
	in_router sysctl -qw "net.netfilter.nf_conntrack_udp_timeout=$1" \
		"net.netfilter.nf_conntrack_udp_timeout_stream=${2:-$1}" \
		"net.netfilter.nf_conntrack_tcp_timeout_established=${3:-$1}"
}

nat_forget() {
	in_router conntrack -F 2>/dev/null
}

nat_setup_file() {
	tone_raw "$BATS_FILE_TMPDIR/1k.raw" 1000 3 &&
		tone_raw "$BATS_FILE_TMPDIR/500.raw" 500 5 || return 1
	[ -n "${NAT_HOME:-}" ] || nat_create || return 1
	SL_NETNS=$NAT_PROVIDER kamailio_start "NATADDR=$PROVIDER_ADDR" "$@" || return 1
	export SIP_SERVER=$PROVIDER_ADDR:$KAM_PORT
}

nat_teardown_file() {
	kamailio_stop
	nat_delete
}

# home_answer USER TRANSPORT ARGS...: USER (a Kamailio user: its password
# is USER followed by "pw") at home, `sip-register -t TRANSPORT ARGS --
# sip-answer` playing a 500 Hz tone and recording to $D/USER.raw (one
# call), as job USER.
home_answer() {
	local user=$1 tp=$2
	shift 2
	SL_NETNS=$NAT_HOME start_bg "$user" sh -c 'user=$1 tp=$2 in=$3 out=$4; shift 4
		exec env SIP_USER="$user" SIP_PASSWORD="${user}pw" sip-register -v -t "$tp" "$@" \
			-- sip-answer <"$in" >"$out"' _ "$user" "$tp" "$T/500.raw" "$D/$user.raw" "$@"
}

# call_user USER TRANSPORT: alice calls USER from the provider's side for
# 3 s with sip-call -v, sending a 1 kHz tone and recording to
# $D/alice.raw (run: status, output and lines, the CRs taken out).
call_user() {
	run timeout -k 2 30 ip netns exec "$NAT_PROVIDER" env SIP_USER=alice SIP_PASSWORD=alicepw \
		sh -c 'exec sip-call -v -t "$1" -T 5 -D 3 "$2" <"$3" >"$4"' _ "$2" "$1" "$T/1k.raw" \
		"$D/alice.raw"
	# -v shows the messages with their CRLFs.
	output=${output//$'\r'/}
	mapfile -t lines <<<"$output"
}

# The public address lines of USER's job (default bob): "sip-register:
# public-address aor=... address=A".
public_lines() {
	grep -E '^sip-register: public-address ' "$D/${1:-bob}.err" || true
}


# rtpengine_start: rtpengine (Debian's rtpengine-daemon, userspace
# forwarding, no kernel table) in the provider's namespace for the test
# file, on PROVIDER_ADDR with media ports 40000-40199 (outside the
# 16384-32766 of sipline's own RTP, so a port tells whose it is), its
# control (ng) port on the namespace's 127.0.0.1; sets RTPE_NG_PORT,
# RTPE_PID, RTPE_LOG.  Start it before kamailio_start RTPENGINE.
rtpengine_start() {
	RTPE_NG_PORT=$(free_port) || return 1
	RTPE_LOG=$(sl_tmpdir)/rtpengine.log
	SL_NETNS=$NAT_PROVIDER sl_spawn "$RTPE_LOG" "$RTPE_LOG" rtpengine --config-file=none \
		--foreground --log-stderr --log-level=6 --table=-1 --interface="$PROVIDER_ADDR" \
		--listen-ng="127.0.0.1:$RTPE_NG_PORT" --port-min=40000 --port-max=40199 --delete-delay=0
	RTPE_PID=$SL_SPAWNED
	export RTPE_NG_PORT RTPE_PID RTPE_LOG
	wait_up "rtpengine_start: rtpengine" "$RTPE_PID" "$RTPE_LOG" 10 \
		grep -q 'Startup complete' "$RTPE_LOG" || {
		rtpengine_stop
		return 1
	}
}

# rtpengine_stop: SIGTERM to rtpengine, SIGKILL after 5 s.
rtpengine_stop() {
	[ -z "${RTPE_PID:-}" ] || sl_terminate "$RTPE_PID" 5 leader
	RTPE_PID=
}
