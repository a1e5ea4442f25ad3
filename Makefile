# sipline — SIP telephony as Unix pipelines.  Plain make; see README.md.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
CFLAGS   ?= -O2 -g
# The codec libraries are linked from Debian's own static archives (.a,
# shipped in the same -dev packages): the linker takes only the objects we
# call (spandsp: g722.o and plc.o; lib/coder.c says why not vector_int.o),
# so libspandsp.so's dependencies (libtiff and its image codecs, libstdc++)
# are not loaded into every process; BENCHMARKS.md, "Memory after issues
# 15/16".
# OpenSSL (TLS) and libsrtp2 (SRTP) are not linked: lib/dynlib.c loads
# them when a call first needs them, so that a call without TLS or SRTP
# does not map them (lib/dynlib.h), by the SONAMEs of the libraries the
# build compiled against (read below from the -dev packages' links into
# $(BUILD)/sonames.h).  Test programs that call OpenSSL themselves link
# it (TEST_LIBS).
PKGS_SHARED = libosip2 nettle libcares
PKGS_STATIC = spandsp opus speexdsp
PKGS_LOADED = libssl libsrtp2
PKGS      = $(PKGS_SHARED) $(PKGS_STATIC) $(PKGS_LOADED)

# SANITIZE=1 builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer into a separate tree, so that switching back and
# forth never mixes objects.
ifeq ($(SANITIZE),1)
BUILD    ?= build/san
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    ?= build/plain
SANFLAGS  =
endif

# The compiler and linker flags of the Debian libraries come from
# pkg-config, which can only answer once those libraries are installed.  So
# they are not asked for while this file is read (on a fresh machine that
# is before mk/need has installed anything): $(PKG_MK) is made first, by
# installing what `build` needs and then asking pkg-config, and make starts
# over with it read (GNU make remakes an included makefile before
# anything else).  Goals that build nothing do without it.
# A bare `make` builds the tools (the pkg.mk rule below comes first).
.DEFAULT_GOAL := all

PKG_MK    = $(BUILD)/pkg.mk
NOPKG_GOALS = clean lint-man uninstall
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(NOPKG_GOALS),$(MAKECMDGOALS)),)
NOPKG = 1
endif
endif
ifndef NOPKG
include $(PKG_MK)
endif

$(PKG_MK): Makefile mk/packages
	@mk/need build
	@mkdir -p $(@D)
	@cflags=$$(pkg-config --cflags $(PKGS)) && libs=$$(pkg-config --libs $(PKGS_SHARED)) && \
	    slibs=$$(pkg-config --libs $(PKGS_STATIC)) && \
	    llibs=$$(pkg-config --libs $(PKGS_LOADED) openssl) && \
	    ssl=$$(mk/soname libssl) && srtp=$$(mk/soname libsrtp2) && \
	    printf '#define SL_LIBSSL_SONAME "%s"\n#define SL_LIBSRTP2_SONAME "%s"\n' \
	        "$$ssl" "$$srtp" >$(@D)/sonames.h && \
	    printf 'PKG_CFLAGS = %s -I%s\nPKG_LIBS = -Wl,-Bstatic %s -Wl,-Bdynamic %s\nPKG_LOADED_LIBS = %s\n' \
	        "$$cflags" "$(abspath $(@D))" "$$slibs" "$$libs" "$$llibs" >$@.tmp && \
	    mv $@.tmp $@

ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DSIPLINE_VERSION='"$(VERSION)"' \
              -Wall -Wextra -Wshadow -Wno-unused-parameter -Ilib \
              $(PKG_CFLAGS) $(CFLAGS) $(SANFLAGS)
# -z now: every symbol bound at start, so that a serve-mode call process
# (a fork without exec) does not bind and write the GOT again, page by
# copied page, in every call (BENCHMARKS.md, issue 18); full RELRO too.
ALL_LDFLAGS = -Wl,--as-needed -Wl,-z,now $(LDFLAGS) $(SANFLAGS)
# -lresolv: glibc's ns_parserr, for the TTLs c-ares 1.18 does not give.
LDLIBS     += $(PKG_LIBS) -lresolv -lm
TEST_LIBS   = $(LDLIBS) $(PKG_LOADED_LIBS)

LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOLS    = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
BINS     = $(TOOLS:%=$(BUILD)/bin/%)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TEST_TOOLS = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/test-tools/%)
MANS     = $(wildcard man/*.[1-8])

all: deps-build $(BINS)

deps-%:
	@mk/need $*

$(BUILD)/lib/libsipline.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(BUILD)/lib/libsipline.a $(PKG_MK)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/lib/libsipline.a $(LDLIBS)

$(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/lib/libsipline.a $(PKG_MK)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/lib/libsipline.a $(TEST_LIBS)

$(BUILD)/test-tools/%: $(BUILD)/tests/tools/%.o $(BUILD)/lib/libsipline.a $(PKG_MK)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/lib/libsipline.a $(TEST_LIBS)

.PRECIOUS: $(BUILD)/%.o

# The suite finds the binaries through SIPLINE_BUILD; TESTS narrows it
# (make check TESTS=tests/register.bats).
# Test files run two at a time (JOBS=1: one after another), the tests of a
# file in order: most of a test's time is waiting on the network, not the
# CPU, and every file keeps to its own ports, Kamailio and namespaces.
TESTS ?= tests
JOBS ?= 2
BATS_JOBS = $(if $(filter-out 1,$(JOBS)),--jobs $(JOBS) --no-parallelize-within-files)
check: deps-build deps-check $(BINS) $(UNITS) $(TEST_TOOLS)
	SIPLINE_BUILD=$(abspath $(BUILD)) SIPLINE_SANITIZE=$(SANITIZE) \
	    BATS_TEST_TIMEOUT=$${BATS_TEST_TIMEOUT:-180} \
	    bats --timing $(BATS_JOBS) $(TESTS)

demo: deps-build deps-demo $(BINS) $(BUILD)/test-tools/freeport
	SIPLINE_BUILD=$(abspath $(BUILD)) examples/demo

bench: deps-build deps-bench $(BINS) $(TEST_TOOLS)
	SIPLINE_BUILD=$(abspath $(BUILD)) bench/run

# libFuzzer targets (fuzz/README): built with clang into build/fuzz and run
# for FUZZ_SECONDS each (default 60); FUZZ_TARGETS narrows them.
fuzz: deps-build deps-fuzz
	$(MAKE) -f fuzz/fuzz.mk run PKG_CFLAGS="$(PKG_CFLAGS)" PKG_LIBS="$(PKG_LIBS)"

lint-man:
	mandoc -Tlint -Wwarning $(MANS)

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in $(MANS); do \
	    install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}; done

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MANS); do \
	    rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done

clean:
	rm -rf build

.PHONY: all check demo bench install uninstall clean lint-man fuzz
