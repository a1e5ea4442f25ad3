#!/usr/bin/env bats
# make install and make uninstall, into a DESTDIR: the seven tools and their
# manual pages land where PREFIX says, `man` finds each page there, and
# every page (the overview in section 7 too) is mandoc -Tlint clean.

bats_require_minimum_version 1.5.0

setup() {
	load helper
	D=$BATS_TEST_TMPDIR
	ROOT=$BATS_TEST_DIRNAME/..
	TOOLS="sip-register sip-call sip-answer sip-options sip-message rtp-send rtp-recv"
}

# inst TARGET: make TARGET of the tree the suite runs, into $D/root with
# PREFIX=/usr (nothing is rebuilt: the suite's binaries are up to date).
inst() {
	make -C "$ROOT" --no-print-directory "$1" BUILD="$SIPLINE_BUILD" \
		SANITIZE="${SIPLINE_SANITIZE:-}" DESTDIR="$D/root" PREFIX=/usr
}

@test "install: make install puts the tools and their pages under PREFIX, man finds them; make uninstall removes them" {
	local t
	run inst install
	assert_success
	for t in $TOOLS; do
		[ -x "$D/root/usr/bin/$t" ] || fail "$t not installed"
		assert_equal "$(stat -c %a "$D/root/usr/bin/$t")" 755
		[ -f "$D/root/usr/share/man/man1/$t.1" ] || fail "$t.1 not installed"
		# What man shows for "man TOOL" with that tree in its path.
		run env MANPAGER=cat MANWIDTH=80 man -M "$D/root/usr/share/man" "$t"
		assert_success
		assert_output --partial "$t -"
		assert_output --partial 'EXIT STATUS'
	done
	[ -f "$D/root/usr/share/man/man7/sipline.7" ]
	run env MANPAGER=cat man -M "$D/root/usr/share/man" 7 sipline
	assert_success
	assert_output --partial 'MEDIA HAND-OFF'
	# The installed tool runs and is the one of this tree.
	run "$D/root/usr/bin/sip-call" --version
	assert_success
	assert_output --regexp '^sip-call [0-9]+\.[0-9]+\.[0-9]+$'
	run inst uninstall
	assert_success
	for t in $TOOLS; do
		[ ! -e "$D/root/usr/bin/$t" ] || fail "$t left behind"
		[ ! -e "$D/root/usr/share/man/man1/$t.1" ] || fail "$t.1 left behind"
	done
	[ ! -e "$D/root/usr/share/man/man7/sipline.7" ]
}

@test "install: every manual page, sipline(7) included, is mandoc -Tlint clean" {
	local page
	for page in "$ROOT"/man/*.[1-8]; do
		run mandoc -Tlint -Wwarning "$page"
		assert_success
		assert_output ''
	done
	# One page per tool and the overview.
	assert_equal "$(ls "$ROOT"/man/*.1 | wc -l)" 7
	[ -f "$ROOT/man/sipline.7" ]
}
