# Builds and runs the libFuzzer targets (see fuzz/README).  Called by the
# top Makefile's `make fuzz`, which installs clang first (mk/need fuzz):
#     make fuzz                     every target, FUZZ_SECONDS each (60)
#     make fuzz FUZZ_TARGETS=sdp FUZZ_SECONDS=600
# The library is compiled again with clang, instrumented for coverage and
# with ASan+UBSan, into build/fuzz; so is each target in fuzz/*.c.

FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c))
FUZZ_CC      ?= clang
# PKG_CFLAGS and PKG_LIBS come from the top Makefile (its pkg.mk), which
# knows the library list.
SAN         = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
FCFLAGS     = -std=c11 -D_GNU_SOURCE -DSIPLINE_VERSION='"fuzz"' -g -O1 -Ilib \
              -Wall -Wno-unused-parameter $(PKG_CFLAGS) $(SAN)

LIB_OBJ = $(patsubst lib/%.c,$(FUZZ_BUILD)/lib/%.o,$(wildcard lib/*.c))
BINS    = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/%)

# The SIP target pretends to run media commands and the default media,
# does not wait in real time for the ACK of a refusal, and asks no name
# server (fuzz/sip_message.c).
LDEXTRA_sip_message = -Wl,--wrap=sl_spawn -Wl,--wrap=sl_fork -Wl,--wrap=sl_child_watch \
                      -Wl,--wrap=sl_sip_awaiting_ack -Wl,--wrap=sl_resolve

build: $(BINS)

$(FUZZ_BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FCFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/lib/libsipline.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/bin/%: fuzz/%.c $(FUZZ_BUILD)/lib/libsipline.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FCFLAGS) -fsanitize=fuzzer -o $@ $< $(LDEXTRA_$*) \
	    $(FUZZ_BUILD)/lib/libsipline.a $(PKG_LIBS) -lresolv -lm

run: build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run $(FUZZ_TARGETS)

.PHONY: build run
