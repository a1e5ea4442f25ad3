# examples/lib/testbed.bash: the test suite's private Kamailio for plain
# bash scripts (examples/demo), so that the demo and the tests start it the
# same way: tests/kamailio.bash with tests/kamailio.cfg, on a free loopback
# port, in a temporary directory, users alice/alicepw, bob/bobpw and
# carol/carolpw of the domain sipline.test.
#
# Usage (bash, with SIPLINE_BUILD set as `make demo` sets it, and TMPDIR
# pointing at a directory of the script's own, where Kamailio's goes):
#
#     . examples/lib/testbed.bash
#     kamailio_start           # exports SIP_SERVER, SIP_DOMAIN, KAM_PID...
#     ...
#     kamailio_stop
#
# It loads tests/helper.bash, which puts $SIPLINE_BUILD/bin first in PATH;
# see that file and tests/kamailio.bash for what else it offers.

sl_testbed_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${SIPLINE_BUILD:=$sl_testbed_top/build/plain}"
export SIPLINE_BUILD
if [ ! -x "$SIPLINE_BUILD/test-tools/freeport" ]; then
	echo "testbed: $SIPLINE_BUILD/test-tools/freeport is missing: run" \
		"'make demo' (or 'make check') to build it" >&2
	return 1
fi
# helper.bash loads bats-assert with bats_load_library, which exists only
# under bats; outside it those assertions are not needed.
if ! declare -F bats_load_library >/dev/null; then
	bats_load_library() { :; }
fi
# A script here starts a Kamailio of its own, even when it runs under a
# test that has one (whose KAM_* variables it would inherit).
unset KAM_PID KAM_DIR KAM_PORT KAM_LOG KAM_CTL KAM_DEFINES KAM_SCOPE
# shellcheck source=tests/helper.bash
. "$sl_testbed_top/tests/helper.bash"
