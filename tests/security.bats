#!/usr/bin/env bats
# Credentials and digest authentication, beyond what tests/register.bats
# and tests/call.bats check: the password stays inside the one process
# that needs it (not in -v output, not in the environment or command line
# of anything a call starts, on either side, not in a core file); the
# password file's mode and read errors; digest with qop=auth, cnonce and
# nc, SHA-256 preferred when a server offers it beside MD5 (checked hash
# and all), and a clear refusal of a digest algorithm sipline lacks.
#
# Kamailio offers one algorithm at a time, so the registrar that offers two
# is SIPp playing a scenario written here (registrar_scenario).

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# registrar_scenario FILE WWW-AUTHENTICATE...: a SIPp scenario for a
# registrar that answers a REGISTER with 401 and one WWW-Authenticate
# header per argument, then 200 to the REGISTER with credentials.  With
# FILE ending in -refuse.xml it stops after the 401.
registrar_scenario() {
	local file=$1 h headers=''
	shift
	for h; do
		headers+="      WWW-Authenticate: $h"$'\n'
	done
	{
		cat <<-EOF
			<?xml version="1.0" encoding="ISO-8859-1" ?>
			<!DOCTYPE scenario SYSTEM "sipp.dtd">
			<scenario name="digest-registrar">
			  <recv request="REGISTER"/>
			  <send>
			    <![CDATA[

			      SIP/2.0 401 Unauthorized
			      [last_Via:]
			      [last_From:]
			      [last_To:];tag=[pid]SIPpTag01[call_number]
			      [last_Call-ID:]
			      [last_CSeq:]
			${headers}      Content-Length: 0

			    ]]>
			  </send>
		EOF
		case $file in
		*-refuse.xml) ;;
		*)
			cat <<-EOF
				  <recv request="REGISTER"/>
				  <send>
				    <![CDATA[

				      SIP/2.0 200 OK
				      [last_Via:]
				      [last_From:]
				      [last_To:];tag=[pid]SIPpTag01[call_number]
				      [last_Call-ID:]
				      [last_CSeq:]
				      [last_Contact:];expires=60
				      Content-Length: 0

				    ]]>
				  </send>
			EOF
			;;
		esac
		echo '</scenario>'
	} >"$file"
}

# registrar FILE: SIPp plays FILE as job "registrar" on a free port, which
# is exported as SIP_SERVER, for one REGISTER dialog.
registrar() {
	local port
	port=$(free_port)
	start_bg registrar sipp_run registrar "$1" -p "$port"
	wait_for 10 port_listening udp "$port"
	export SIP_SERVER=127.0.0.1:$port SIP_DOMAIN=sipline.test
}

# read_auth: AUTH[FIELD] for each field of the Authorization header that
# SIPp received (the last one), quotes removed.
read_auth() {
	local header field value
	declare -gA AUTH=()
	header=$(sipp_trace registrar | sed -n 's/^Authorization: Digest //p' | tail -n 1)
	while [[ $header =~ ^[[:space:]]*([a-z]+)=(\"([^\"]*)\"|([^,]*))[[:space:]]*,?(.*)$ ]]; do
		field=${BASH_REMATCH[1]}
		value=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
		AUTH[$field]=$value
		header=${BASH_REMATCH[5]}
	done
}

# hash ALG TEXT: TEXT's digest in lowercase hex.
hash() {
	case $1 in
	MD5) printf '%s' "$2" | md5sum | cut -c1-32 ;;
	SHA-256) printf '%s' "$2" | sha256sum | cut -c1-64 ;;
	esac
}

# check_digest ALG PASSWORD: the Authorization SIPp got answers the
# challenge with ALG, qop=auth, a cnonce and nc=00000001, and its response
# is the RFC 7616 hash of PASSWORD.
check_digest() {
	local alg=$1 pw=$2 ha1 ha2
	read_auth
	assert_equal "${AUTH[algorithm]}" "$alg"
	assert_equal "${AUTH[qop]}" auth
	assert_equal "${AUTH[nc]}" 00000001
	[ "${#AUTH[cnonce]}" -ge 8 ] || fail "cnonce too short: '${AUTH[cnonce]}'"
	assert_equal "${AUTH[username]}" alice
	assert_equal "${AUTH[realm]}" sipline.test
	ha1=$(hash "$alg" "alice:sipline.test:$pw")
	ha2=$(hash "$alg" "REGISTER:${AUTH[uri]}")
	assert_equal "${AUTH[response]}" \
		"$(hash "$alg" "$ha1:${AUTH[nonce]}:00000001:${AUTH[cnonce]}:auth:$ha2")"
}

SHA256_CH='Digest realm="sipline.test", nonce="c2hhMjU2LW5vbmNl", opaque="op1", algorithm=SHA-256, qop="auth"'
MD5_CH='Digest realm="sipline.test", nonce="bWQ1LW5vbmNl", opaque="op2", algorithm=MD5, qop="auth"'
UNSUP_CH='Digest realm="sipline.test", nonce="c2hhNTEyLW5vbmNl", algorithm=SHA-512-256, qop="auth"'

@test "digest: SHA-256 is answered when a registrar offers it beside MD5, whichever comes first; qop=auth, cnonce, nc=00000001, the right hash" {
	registrar_scenario "$D/md5-first.xml" "$MD5_CH" "$SHA256_CH"
	registrar "$D/md5-first.xml"
	run -0 timeout 10 env SIP_USER=alice SIP_PASSWORD=alicepw sip-register --once
	assert_output --partial 'sip-register: registered aor=sip:alice@sipline.test '
	wait_bg registrar 5
	assert_success
	check_digest SHA-256 alicepw
	assert_equal "${AUTH[nonce]}" c2hhMjU2LW5vbmNl
	assert_equal "${AUTH[opaque]}" op1

	registrar_scenario "$D/sha-first.xml" "$SHA256_CH" "$MD5_CH"
	registrar "$D/sha-first.xml"
	run -0 timeout 10 env SIP_USER=alice SIP_PASSWORD=alicepw sip-register --once
	wait_bg registrar 5
	assert_success
	check_digest SHA-256 alicepw

	# An algorithm it lacks beside one it has: the one it has.
	registrar_scenario "$D/unsup-first.xml" "$UNSUP_CH" "$MD5_CH"
	registrar "$D/unsup-first.xml"
	run -0 timeout 10 env SIP_USER=alice SIP_PASSWORD=alicepw sip-register --once
	refute_output --partial warning
	wait_bg registrar 5
	assert_success
	check_digest MD5 alicepw
	assert_equal "${AUTH[opaque]}" op2
}

@test "digest: a registrar that asks only for SHA-512-256: sip-register names it, sends no credentials, exit 6" {
	registrar_scenario "$D/only-refuse.xml" "$UNSUP_CH"
	registrar "$D/only-refuse.xml"
	run -6 timeout 10 env SIP_USER=alice SIP_PASSWORD=alicepw sip-register -v --once
	assert_line 'sip-register: warning: the server asks for digest algorithm SHA-512-256, which sipline does not support'
	assert_line --regexp '^sip-register: refused aor=sip:alice@sipline\.test reason="401 Unauthorized'
	refute_line --regexp '^Authorization:'
	assert_equal "$(grep -c '^REGISTER ' <<<"$output")" 1
	wait_bg registrar 5
	assert_success
}

@test "digest: a proxy that asks only for SHA-512-256: sip-call names it, exit 6" {
	local port
	port=$(free_port)
	cat >"$D/proxy.xml" <<-EOF
		<?xml version="1.0" encoding="ISO-8859-1" ?>
		<!DOCTYPE scenario SYSTEM "sipp.dtd">
		<scenario name="unsupported-proxy">
		  <recv request="INVITE"/>
		  <send>
		    <![CDATA[

		      SIP/2.0 407 Proxy Authentication Required
		      [last_Via:]
		      [last_From:]
		      [last_To:];tag=[pid]SIPpTag01[call_number]
		      [last_Call-ID:]
		      [last_CSeq:]
		      Proxy-Authenticate: ${UNSUP_CH}
		      Content-Length: 0

		    ]]>
		  </send>
		  <recv request="ACK"/>
		</scenario>
	EOF
	start_bg proxy sipp_run proxy "$D/proxy.xml" -p "$port"
	wait_for 10 port_listening udp "$port"
	run -6 timeout 10 env SIP_USER=alice SIP_PASSWORD=alicepw SIP_SERVER="127.0.0.1:$port" \
		SIP_DOMAIN=sipline.test sip-call -T 5 bob
	assert_line 'sip-call: warning: the server asks for digest algorithm SHA-512-256, which sipline does not support'
	assert_line --regexp "^sip-call: rejected status=\"407 Proxy Authentication Required\"( reason=\"[^\"]*\")? call-id=$CID$"
	assert_line --regexp "^sip-call: ended status=6 duration=0\\.0 call-id=$CID$"
	# The 407 was ACKed: SIPp's scenario ends with the ACK.
	wait_bg proxy 5
	assert_success
}

# descendants JOB N: JOB's main process has N live descendants.
descendants() {
	[ "$(sl_descendants "$(bg_pid "$1")" | wc -l)" = "$2" ]
}

# secrets_in JOB PASSWORD...: the processes of JOB (its main process and
# every descendant) whose command line or environment holds one of the
# PASSWORDs, or whose environment names a password variable with a value
# (the tools themselves wipe SIP_PASSWORD's value in place); one line
# each, nothing when clean.
secrets_in() {
	local job=$1 pid p pw
	shift
	pid=$(bg_pid "$job")
	for p in "$pid" $(sl_descendants "$pid" | awk '{ print $1 }'); do
		[ -r "/proc/$p/environ" ] || continue
		for pw; do
			if grep -qaF -- "$pw" "/proc/$p/environ" "/proc/$p/cmdline"; then
				echo "$job: $p $(tr '\0' ' ' <"/proc/$p/cmdline") holds $pw"
			fi
		done
		if [ "$p" != "$pid" ] && tr '\0' '\n' <"/proc/$p/environ" | grep -q '^SIP_PASSWORD'; then
			echo "$job: $p $(tr '\0' ' ' <"/proc/$p/cmdline") has $(tr '\0' '\n' <"/proc/$p/environ" | grep '^SIP_PASSWORD' | cut -d= -f1)"
		fi
	done
}

@test "the password stays in the tool that needs it: not in -v output, nor in the environment or command line of any process of a call, caller or chain-loaded serving callee" {
	kamailio_start
	kamailio_add_user dave 'Dv-pw-7731'
	kamailio_add_user erin 'Er-pw-4402'
	printf 'Er-pw-4402\n' >"$D/erin.pw"
	chmod 600 "$D/erin.pw"
	# erin: password from a file, registered, answering in serve mode.
	start_bg erin env SIP_USER=erin SIP_PASSWORD_FILE="$D/erin.pw" \
		sip-register -v -e 60 -c "127.0.0.1:$(free_port)" -- sip-answer -v -S -- sleep 60
	wait_for 5 grep -q '^sip-register: registered ' "$D/erin.err"
	# dave: password in the environment, calling her.
	start_bg dave env SIP_USER=dave SIP_PASSWORD=Dv-pw-7731 sip-call -v -T 5 erin -- sleep 60
	wait_for 5 grep -q '^sip-call: answered ' "$D/dave.err"
	wait_for 5 grep -q '^sip-answer: answered ' "$D/erin.err"
	# Both sides challenged and authenticated, with -v showing it all.
	grep -q '^Proxy-Authorization: Digest username="dave"' "$D/dave.err"
	grep -q '^Authorization: Digest username="erin"' "$D/erin.err"
	# sip-call, its media; sip-register, sip-answer, its call process and
	# that call's media: none holds a password or may read the file.
	wait_for 5 descendants erin 3
	wait_for 5 descendants dave 1
	assert_equal "$(secrets_in dave Dv-pw-7731 Er-pw-4402)" ""
	assert_equal "$(secrets_in erin Dv-pw-7731 Er-pw-4402)" ""
	signal_bg dave TERM
	wait_bg dave 5
	assert_success
	signal_bg erin TERM
	wait_bg erin 5
	assert_success
	run grep -l -e Dv-pw-7731 -e Er-pw-4402 "$D/dave.err" "$D/erin.err" "$D/dave.out" "$D/erin.out"
	assert_failure 1
}

@test "the password file: group-readable gets the warning, a pipe none; unreadable or a directory: a fatal message naming the file and the cause, exit 111" {
	kamailio_start
	printf 'alicepw\n' >"$D/pw"
	chmod 640 "$D/pw"
	SIP_USER=alice SIP_PASSWORD_FILE=$D/pw run -0 sip-register --once
	assert_line --index 0 "sip-register: warning: $D/pw can be read by other users; run: chmod 600 $D/pw"
	assert_line --index 1 --partial 'sip-register: registered aor=sip:alice@sipline.test '
	chmod 600 "$D/pw"
	SIP_USER=alice SIP_PASSWORD_FILE=$D/pw run -0 sip-register --once
	refute_output --partial warning
	# Another user cannot read it.
	run -111 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env SIP_USER=alice SIP_PASSWORD_FILE="$D/pw" sip-register --once
	assert_output "sip-register: fatal: unable to read SIP_PASSWORD_FILE $D/pw: Permission denied"
	mkdir "$D/pwdir"
	SIP_USER=alice SIP_PASSWORD_FILE=$D/pwdir run -111 sip-register --once
	assert_output "sip-register: fatal: unable to read SIP_PASSWORD_FILE $D/pwdir: Is a directory"
	# A pipe has no mode to warn about: the password from a program.
	run -0 bash -c 'SIP_USER=alice SIP_PASSWORD_FILE=<(echo alicepw) exec sip-register --once'
	refute_output --partial warning
	assert_output --partial 'sip-register: registered aor=sip:alice@sipline.test '
	kamailio_ctl ul.rm location alice
}

@test "a crash leaves no core file holding the password: a tool with one is not dumpable; the same tool without one dumps core" {
	local pattern port
	pattern=$(cat /proc/sys/kernel/core_pattern)
	case $pattern in
	'|'*) skip "core files go to a program here ($pattern)" ;;
	esac
	port=$(free_port)
	mkdir "$D/with" "$D/without" "$D/call"
	# A registrar that is not there: both keep retrying, alive.
	start_bg with sh -c "ulimit -c unlimited && cd '$D/with' &&
		exec env SIP_USER=alice SIP_PASSWORD=Core-pw-5150 SIP_SERVER=127.0.0.1:$port sip-register"
	start_bg without sh -c "ulimit -c unlimited && cd '$D/without' &&
		exec env SIP_USER=alice SIP_SERVER=127.0.0.1:$port sip-register"
	start_bg sink udp-sink
	wait_for 5 grep -q '^port=' "$D/sink.out"
	start_bg call sh -c "ulimit -c unlimited && cd '$D/call' &&
		exec env SIP_USER=alice SIP_PASSWORD=Core-pw-5150 SIP_DOMAIN=sipline.test \
		SIP_SERVER=127.0.0.1:$(sed -n 's/^port=//p' "$D/sink.out") sip-call -T 30 bob"
	wait_for 5 grep -q 'retrying delay=' "$D/with.err"
	wait_for 5 grep -q 'retrying delay=' "$D/without.err"
	wait_for 5 grep -q ' INVITE ' "$D/sink.out"
	for job in with without call; do
		signal_bg "$job" ABRT
		wait_bg "$job" 5
		assert_equal "$status" 134
	done
	[ -n "$(ls "$D/without")" ] || skip "no core file even without a password (core_pattern $pattern)"
	assert_equal "$(ls "$D/with")" ""
	assert_equal "$(ls "$D/call")" ""
}
