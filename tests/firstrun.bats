#!/usr/bin/env bats
# README's two commands on a machine that has none of the build libraries
# yet: the first `make demo` and the first `make check` must install them
# and then build and run, in one go.  (Once, the link flags were asked of
# pkg-config while the Makefile was read, before anything was installed:
# the first run failed at link time and only the second worked.)
#
# The quick test runs on a copy of the tree with a stand-in for the package
# manager, since the libraries of this machine cannot be uninstalled for a
# test: dpkg-query and pkg-config say that libosip2-dev and nettle-dev are
# missing until apt-get has "installed" them, after
# which the real ones answer.  The long test (SIPLINE_LONG=1, root, about
# 10 minutes, Debian's archive reachable) does it for real: a minimal
# Debian 12 made by debootstrap, a clone of this repository, `make demo`
# and `make check` in it.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	D=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all_bg
}

# copy_tree DIR: the files of this repository (tracked, and new ones not
# ignored), without build/: what a fresh clone holds.
copy_tree() {
	mkdir -p "$1"
	(cd "$ROOT" && git ls-files -z -co --exclude-standard |
		xargs -0 cp -P --parents -t "$1")
}

# fake_package_manager DIR: stand-ins for dpkg-query, apt-get, pkg-config
# and id in DIR.  The two libraries are missing until apt-get is asked
# for them; apt-get logs what it was asked in DIR/apt.log.
fake_package_manager() {
	local bin=$1
	mkdir -p "$bin"
	cat >"$bin/lib" <<EOF
state=$bin/installed
missing="libosip2-dev nettle-dev"
installed() { [ -e "\$state/\$1" ]; }
EOF
	cat >"$bin/dpkg-query" <<EOF
#!/bin/sh
. "$bin/lib"
for a; do pkg=\$a; done
case " \$missing " in *" \$pkg "*)
	installed "\$pkg" || exit 1 ;;
esac
exec /usr/bin/dpkg-query "\$@"
EOF
	cat >"$bin/apt-get" <<EOF
#!/bin/sh
. "$bin/lib"
echo "apt-get \$*" >>"$bin/apt.log"
mkdir -p "\$state"
for a; do
	case " \$missing " in *" \$a "*) : >"\$state/\$a" ;; esac
done
EOF
	cat >"$bin/pkg-config" <<EOF
#!/bin/sh
. "$bin/lib"
for a; do
	case \$a in
	libosip2) p=libosip2-dev ;; nettle) p=nettle-dev ;;
	*) continue ;;
	esac
	if ! installed "\$p"; then
		echo "Package \$a was not found in the pkg-config search path." >&2
		exit 1
	fi
done
exec /usr/bin/pkg-config "\$@"
EOF
	# mk/need installs only as root.
	cat >"$bin/id" <<EOF
#!/bin/sh
[ "\$1" = -u ] && { echo 0; exit 0; }
exec /usr/bin/id "\$@"
EOF
	chmod +x "$bin"/dpkg-query "$bin"/apt-get "$bin"/pkg-config "$bin"/id
}

# in_fresh_env CMD...: CMD with the stand-ins first in PATH and nothing of
# this bats run in its environment or its descriptors: a nested bats must
# neither see our variables, nor write into the pipes (fd 3 and its copies)
# on which this bats reads its tests' results, nor read its stdin (bats
# feeds its list of tests there).
in_fresh_env() {
	(
		sl_close_fds
		exec env -i HOME="$D/home" TMPDIR="$D/tmp" LANG=C.UTF-8 \
			PATH="$D/fake:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" "$@" </dev/null
	)
}

@test "first run: on a machine without the build libraries, the first make demo installs them, builds and runs the call" {
	copy_tree "$D/tree"
	fake_package_manager "$D/fake"
	mkdir -p "$D/home" "$D/tmp"
	# The stand-ins see what a fresh machine shows.
	run in_fresh_env pkg-config --libs libosip2
	assert_failure
	run -0 in_fresh_env timeout 600 make -C "$D/tree" demo 3>&-
	echo "$output" | tail -40
	assert_output --partial "demo: outcome: alice's sip-call exited 0"
	assert_output --partial 'demo: done: Kamailio stopped'
	# mk/need asked for the two libraries, once.
	run cat "$D/fake/apt.log"
	assert_line --regexp '^apt-get .* install .*libosip2-dev.* nettle-dev'
	assert_equal "$(grep -c '^apt-get .* install ' "$D/fake/apt.log")" 1
	# The tools were linked with the libraries pkg-config named.
	grep -q -- '-lnettle' "$D/tree/build/plain/pkg.mk"
	grep -q -- '-losip2' "$D/tree/build/plain/pkg.mk"
}

@test "first run: on a machine without the build libraries, the first make check installs them, builds and runs the tests" {
	copy_tree "$D/tree"
	fake_package_manager "$D/fake"
	mkdir -p "$D/home" "$D/tmp"
	# A one-test suite: the point is everything before it.  (Its @test
	# line is printed, not in a here-document: bats would take a line
	# that starts with @test in this file for one of its own.)
	{
		echo 'setup() { load helper; }'
		printf '@%s\n' 'test "the freshly built sip-call runs" {'
		printf '\trun sip-call --version\n\tassert_success\n}\n'
	} >"$D/tree/tests/smoke.bats"
	run -0 in_fresh_env timeout 600 make -C "$D/tree" check TESTS=tests/smoke.bats 3>&-
	echo "$output" | tail -20
	assert_line --regexp '^ok 1 the freshly built sip-call runs'
	run cat "$D/fake/apt.log"
	assert_line --regexp '^apt-get .* install .*libosip2-dev.* nettle-dev'
	# Unit tests and test tools were linked too.
	[ -x "$D/tree/build/plain/unit/digest" ]
	[ -x "$D/tree/build/plain/test-tools/freeport" ]
}

@test "first run: a goal that builds nothing (make clean) installs nothing and asks pkg-config nothing" {
	copy_tree "$D/tree"
	fake_package_manager "$D/fake"
	mkdir -p "$D/home" "$D/tmp"
	run -0 in_fresh_env make -C "$D/tree" clean 3>&-
	[ ! -e "$D/fake/apt.log" ]
}

# The real thing: a minimal Debian 12 that has make and git and nothing
# else of ours, in a chroot inside a mount namespace of its own (every
# mount in it goes when the test ends).  The chroot shares this machine's
# network, so its Kamailio and calls use the host's loopback, on free
# ports like every test.
@test "first run: in a fresh Debian 12 (debootstrap), a clone's first make demo and make check work (SIPLINE_LONG)" {
	[ "${SIPLINE_LONG:-}" = 1 ] || skip "slow variant: run with SIPLINE_LONG=1"
	[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot)"
	local r=$D/root mirror
	mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	mirror=${mirror:-http://deb.debian.org/debian}
	run -0 timeout 900 debootstrap --variant=minbase --include=make,git,ca-certificates \
		bookworm "$r" "$mirror" 3>&-
	git clone -q "$ROOT" "$r/src"
	cp /etc/resolv.conf "$r/etc/resolv.conf"
	cat >"$D/inside" <<'EOF'
#!/bin/sh
# Runs in the chroot: the two README commands, as root, on a fresh clone.
set -e
cd /src
make demo </dev/null
make check TESTS="tests/unit.bats tests/cli.bats" </dev/null
EOF
	chmod +x "$D/inside"
	cp "$D/inside" "$r/inside"
	run timeout 1500 unshare --mount --fork sh -c '
		r=$1
		mount -t proc proc "$r/proc" &&
		mount --rbind /dev "$r/dev" &&
		mount --rbind /sys "$r/sys" &&
		mount -t tmpfs tmpfs "$r/tmp" &&
		exec chroot "$r" env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /inside
	' sh "$r" 3>&-
	echo "$output" | tail -60
	assert_success
	assert_output --partial "demo: outcome: alice's sip-call exited 0"
	refute_output --regexp '^not ok '
}
