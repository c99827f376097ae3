# dotsgw — GNU make. `make` builds build/dotsgwd and build/dotsctl.
# `make test` installs what is missing, builds (plain and ASan+UBSan) and runs
# every test; `make run` starts a gateway on topologies/quickstart.

PKGS	:= libcoap-3-gnutls gnutls libevent libcbor yaml-0.1 jansson sqlite3 \
	   libmicrohttpd libcurl
PKGS	+= libpq
CC	?= cc
CFLAGS	?= -O2 -g
WARN	:= -I. -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

COMMON_SRC	:= $(wildcard common/*.c)
POLICY_SRC	:= $(wildcard policies/*.c)
UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
FUZZ_SRC	:= $(wildcard tests/fuzz/fuzz_*.c)

# One object tree per flavour: build/ (release) and build/asan/.
B	?= build
OBJ	= $(patsubst %.c,$(B)/obj/%.o,$(1))

.PHONY: all deps asan test unit run fuzz fuzz-smoke bench bench-bins clean \
	check-config install demo
all: $(B)/dotsgwd $(B)/dotsctl $(B)/dotsgw-exabgp-relay

deps:
	@sh tests/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

# Layers, lowest first: each folder is one archive, and an archive may use
# only its own symbols and those of the folders before it in this list
# (tests/layering.sh checks it with nm; the link order below is the list
# reversed and without a group, so an upward call often fails to link too).
LAYERS	:= common policies client gateway/core gateway/state \
	   gateway/mitigator gateway/upstream gateway/relay \
	   gateway/downstream gateway/datachannel gateway/control
layer_src = $(filter-out gateway/mitigator/exabgp_relay.c,$(wildcard $(1)/*.c))
layer_lib = $(B)/lib/$(subst /,_,$(1)).a
LAYER_LIBS = $(foreach l,$(LAYERS),$(call layer_lib,$(l)))

define layer_rule
$(call layer_lib,$(1)): $(call OBJ,$(call layer_src,$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
LIBS = $(call reverse,$(LAYER_LIBS))
COMMON_LIBS = $(call layer_lib,policies) $(call layer_lib,common)
$(B)/dotsgwd: $(call OBJ,gateway/dotsgwd.c) $(LIBS)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) $(EXTRA_LDFLAGS)

$(B)/dotsctl: $(call OBJ,$(wildcard dotsctl/*.c)) $(LIBS)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)

layering: $(LAYER_LIBS)
	@sh tests/layering.sh $(B) $(LAYERS)

# The helper exabgp runs for the exabgp back-end: libc only.
$(B)/dotsgw-exabgp-relay: $(call OBJ,gateway/mitigator/exabgp_relay.c)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $^ $(EXTRA_LDFLAGS)

# Unit tests of common/ and policies/ link libcommon only; test_gw_*.c also
# get the gateway library.
$(B)/tests/test_gw_%: $(B)/obj/tests/unit/test_gw_%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(COMMON_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)

# Programs integration tests run (stand-in peers), built with the unit
# tests; outside $(B)/tests, whose every program tests/run runs.
HELPER_SRC	:= $(wildcard tests/helpers/*.c)
HELPER_BINS	= $(patsubst tests/helpers/%.c,$(B)/helpers/%,$(HELPER_SRC))
$(B)/helpers/%: $(B)/obj/tests/helpers/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)

UNIT_BINS = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
unit-bins: $(UNIT_BINS) $(HELPER_BINS)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined
asan:
	$(MAKE) --no-print-directory B=build/asan CFLAGS="-O1 -g" \
	    EXTRA_CFLAGS="$(SAN)" EXTRA_LDFLAGS="$(SAN)" all unit-bins

# Fuzz targets: clang libFuzzer + ASan, built from the sources directly.
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
build/fuzz/%: tests/fuzz/%.c $(COMMON_SRC) $(POLICY_SRC)
	@mkdir -p build/fuzz
	clang $(filter-out -Wmissing-prototypes,$(WARN)) -O1 -g \
	    -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
	    -o $@ $^ $(PKG_LIBS)
fuzz-bins: $(FUZZ_BINS)

FUZZ_SECONDS ?= 60
fuzz: deps fuzz-bins
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke: fuzz-bins
	@sh tests/fuzz/run.sh 10

test: deps
	$(MAKE) --no-print-directory all unit-bins
	$(MAKE) --no-print-directory asan
	$(MAKE) --no-print-directory fuzz-bins
	@bash tests/run

run: deps all
	@bash topologies/quickstart/run.sh

# Two topologies one after the other (topologies/run, see topologies/README.md).
demo: deps all
	@if [ -f topologies/orchestrator/topology.sh ]; then \
		bash topologies/run orchestrator --check; \
	else \
		echo "demo: topologies/orchestrator does not exist yet; skipping it"; \
	fi
	@bash topologies/run cascade-5 --check

# Benchmark programs (tests/bench/*.c): built with the same -Werror flags, run
# only by `make bench`.
BENCH_BINS = $(B)/bench/loadgen $(B)/bench/floor_server $(B)/bench/put_many \
	     $(B)/bench/relay_floor
$(B)/bench/loadgen: $(call OBJ,tests/bench/loadgen.c) $(COMMON_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)
$(B)/bench/floor_server: $(call OBJ,tests/bench/floor_server.c \
	    tests/bench/coap_server.c)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)
$(B)/bench/relay_floor: $(call OBJ,tests/bench/relay_floor.c \
	    tests/bench/coap_server.c)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $^ \
	    $(shell pkg-config --libs libcoap-3-gnutls) $(EXTRA_LDFLAGS)
$(B)/bench/put_many: $(call OBJ,tests/bench/put_many.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(EXTRA_LDFLAGS)
bench-bins: $(BENCH_BINS)

bench: deps all bench-bins
	@for b in tests/bench/*.sh; do echo "== $$b"; bash "$$b" || exit 1; done

# `make install PREFIX=/usr DESTDIR=/tmp/pkg`: binaries, man pages and the
# systemd unit (its ExecStart pointing at the installed dotsgwd).
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
LIBEXECDIR ?= $(PREFIX)/libexec/dotsgw
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(B)/dotsgwd $(DESTDIR)$(SBINDIR)/dotsgwd
	install -m 755 $(B)/dotsctl $(DESTDIR)$(BINDIR)/dotsctl
	install -m 755 $(B)/dotsgw-exabgp-relay \
	    $(DESTDIR)$(LIBEXECDIR)/dotsgw-exabgp-relay
	install -m 644 man/dotsgwd.8 man/dotsctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/dotsgw.yaml.5 $(DESTDIR)$(MANDIR)/man5/
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/dotsgwd.service \
	    > $(DESTDIR)$(UNITDIR)/dotsgwd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/dotsgwd.service

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
