# tiny — build, test and benchmark. `make` builds ./tiny (optimised, computed goto).
#
#   make            ./tiny (build/release, -O2)
#   make run        build, then run the tour (scripts/tour.tiny)
#   make test       build ./tiny and the tests; run unit, REPL and script tests (one summary)
#   make asan       the same suite against ./tiny-asan (build/asan, ASan + UBSan)
#   make debug      the same suite against ./tiny-debug (build/debug, -DTINY_DEBUG leak reports)
#   make tsan       the threading scripts against ./tiny-tsan (build/tsan, ThreadSanitizer)
#   make bench      time scripts/bench/*.tiny (and BENCH_EXTRA's programs) against python3.11
#   make pictures   every picture of docs/img and the numbers the docs quote, made anew into
#                   build/pictures by scripts/make-pictures (about ten minutes; PICTURES_ARGS=--quick)
#   make docs-img   copy build/pictures into docs/img and its numbers into the docs
#   make clean
# Single files: `make build/release/vm/eval.o` (any BUILD=dir works the same way).
# Test subsets: `make test TESTS=str,dict` (substrings of script paths, commas or spaces, as the
# runner's own FILTER arguments take them; unit tests still run, the REPL test does not).
CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CSTD    := -std=gnu11
OPT     ?= -O2
CFLAGS  ?=
LDFLAGS ?=
MODE_FLAGS ?=
INC = -Ivm -Icompiler -Istdlib
ALLCFLAGS = $(CSTD) $(WARN) $(OPT) $(MODE_FLAGS) $(CFLAGS) $(INC) -MMD -MP
LINKFLAGS = $(CSTD) $(OPT) $(MODE_FLAGS) $(CFLAGS) $(LDFLAGS)
LDLIBS  := -lgmp -lm -lpthread -lreadline
TESTLIBS := -lcmocka -lgmp -lm -lpthread

SRC_CORE := $(wildcard compiler/*.c) $(wildcard vm/*.c) $(wildcard vm/objects/*.c) \
            $(wildcard vm/gil/*.c) $(wildcard stdlib/*.c)
SRC_CLI  := $(wildcard cli/*.c)
SRC_UNIT := $(wildcard tests/unit/*.c)
BUILD   ?= build/release
TINY_BIN ?= tiny
# Modules written in tiny (stdlib/lib/NAME.tiny), compiled in as string literals: the
# generated $(BUILD)/gen/embedded_lib.c defines embedded_modules[] (vm/module.h).
LIB_TINY := $(sort $(wildcard stdlib/lib/*.tiny))
EMBED_C  := $(BUILD)/gen/embedded_lib.c
EMBED_O  := $(BUILD)/gen/embedded_lib.o
EMBED_LIST := $(BUILD)/gen/embedded_lib.list
OBJ_CORE := $(SRC_CORE:%.c=$(BUILD)/%.o) $(EMBED_O)
OBJ_CLI  := $(SRC_CLI:%.c=$(BUILD)/%.o)
UNIT_BINS := $(SRC_UNIT:%.c=$(BUILD)/%)
RUNNER   := $(BUILD)/tests/run_scripts
PTY_TEST := $(BUILD)/tests/repl_pty
FLAGS_STAMP := $(BUILD)/.flags

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
# The scripts that run several threads (checked under ThreadSanitizer by `make tsan`).
TSAN_TESTS ?= thread/,threading/,queue/,gil/,trace/,schedule/,socket/,select/
PYTHON  ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || command -v python3.11)

.PHONY: all deps sweep-deps run test suite asan debug tsan bench pictures docs-img clean unit-tests runner-selftest FORCE
all: $(TINY_BIN)

# ---- dependencies: readline, GMP and cmocka headers (installed with apt-get when we can) ----
deps:
	@if printf '#include <stdio.h>\n#include <readline/readline.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && \
	    printf '#include <gmp.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && \
	    printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\n' | $(CC) -E -x c - >/dev/null 2>&1; \
	then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: readline/gmp/cmocka headers missing; installing libreadline-dev libgmp-dev libcmocka-dev"; \
	    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libreadline-dev libgmp-dev libcmocka-dev) >/dev/null || exit 1; \
	else \
	    echo "make: readline/gmp/cmocka headers are missing. Install them with:" >&2; \
	    echo "    sudo apt-get install -y libreadline-dev libgmp-dev libcmocka-dev" >&2; \
	    exit 1; \
	fi

# gnuplot draws the plots of scripts/gil-sweep, which the suite tests (installed with
# apt-get when we can, like the headers above).
sweep-deps:
	@if command -v gnuplot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: gnuplot missing (scripts/gil-sweep and its test); installing gnuplot-nox"; \
	    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox) >/dev/null || exit 1; \
	else \
	    echo "make: gnuplot is missing (scripts/gil-sweep and its test need it). Install it with:" >&2; \
	    echo "    sudo apt-get install -y gnuplot-nox" >&2; \
	    exit 1; \
	fi

# Rebuild everything in $(BUILD) when the compiler or the flags change.
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(ALLCFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALLCFLAGS)' > $@

# ---- the interpreter ----
# The release ./tiny links statically when the static C library, GMP and readline are there
# (libc6-dev, libgmp-dev and libreadline-dev ship them): it then maps no shared library and only the
# pages of code it runs are resident, so `tiny -c pass` takes 1.8 MB instead of 3 MB.
# Sanitizer and debug builds (MODE_FLAGS) link dynamically; so does STATIC=0, and so does
# any build whose static link fails. glibc's warnings that the static readline could load
# NSS modules for user-name lookups are dropped (only files and DNS are used, built in).
STATIC ?= $(if $(MODE_FLAGS),0,1)
STATIC_NOISE := -e 'statically linked applications requires' -e ': in function '
$(TINY_BIN): $(OBJ_CORE) $(OBJ_CLI)
	@if [ "$(STATIC)" = 1 ] && $(CC) $(LINKFLAGS) -static -o $@ $^ $(LDLIBS) -ltinfo 2>$@.log; then \
	    echo "$(CC) $(LINKFLAGS) -static -o $@ ... $(LDLIBS) -ltinfo"; \
	    grep -v $(STATIC_NOISE) $@.log >&2 || true; \
	else \
	    echo "$(CC) $(LINKFLAGS) -o $@ ... $(LDLIBS)"; \
	    $(CC) $(LINKFLAGS) -o $@ $^ $(LDLIBS) || { rm -f $@.log; exit 1; }; \
	fi; rm -f $@.log

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c -o $@ $<

# Each layer sees only the headers below it, so the build itself keeps dependencies
# pointing down (cli -> stdlib -> vm <- compiler); vm/ reaches up only through vm/hooks.h.
$(BUILD)/vm/%.o: private INC = -Ivm
$(BUILD)/compiler/%.o: private INC = -Ivm -Icompiler
$(BUILD)/stdlib/%.o: private INC = -Ivm -Istdlib

# The embedded tiny modules: regenerated when a source, the generator or the set of
# files changes (the list stamp notices added and removed files).
$(EMBED_LIST): FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIB_TINY)' | cmp -s - $@ || echo '$(LIB_TINY)' > $@

$(EMBED_C): $(LIB_TINY) scripts/embed-lib.sh $(EMBED_LIST)
	@mkdir -p $(dir $@)
	bash scripts/embed-lib.sh $(LIB_TINY) > $@.tmp && mv $@.tmp $@

$(EMBED_O): $(EMBED_C) $(FLAGS_STAMP) | deps
	$(CC) $(ALLCFLAGS) -c -o $@ $<

# ---- tests ----
# Unit tests link against the core (everything but the command line).
$(UNIT_BINS): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(OBJ_CORE)
	$(CC) $(LINKFLAGS) -o $@ $^ $(TESTLIBS)

$(RUNNER): $(BUILD)/tests/run_scripts.o
	$(CC) $(LINKFLAGS) -o $@ $^ $(TESTLIBS)

$(PTY_TEST): $(BUILD)/tests/repl_pty.o
	$(CC) $(LINKFLAGS) -o $@ $^ $(TESTLIBS) -lutil

unit-tests: $(UNIT_BINS)

# The whole suite against $(TINY_BIN), summed up in one cmocka-style summary.
suite: $(TINY_BIN) $(UNIT_BINS) $(RUNNER) $(PTY_TEST) | sweep-deps
	@TINY_FILTER="$(TESTS)" bash tests/run_suite.sh ./$(TINY_BIN) $(BUILD) $(UNIT_BINS)

test: suite

# Sanitizer builds run several times slower: their scripts get a longer timeout.
SAN_TIMEOUT = TINY_TIMEOUT="$${TINY_TIMEOUT:-40}"

asan:
	@$(SAN_TIMEOUT) $(MAKE) --no-print-directory BUILD=build/asan TINY_BIN=tiny-asan OPT="-O1 -g" \
	    MODE_FLAGS="$(ASAN_FLAGS)" suite

debug:
	@$(MAKE) --no-print-directory BUILD=build/debug TINY_BIN=tiny-debug OPT="-O0 -g" \
	    MODE_FLAGS="-DTINY_DEBUG" suite

tsan:
	@$(SAN_TIMEOUT) TSAN_OPTIONS="die_after_fork=0 $$TSAN_OPTIONS" $(MAKE) --no-print-directory BUILD=build/tsan TINY_BIN=tiny-tsan OPT="-O1 -g" \
	    MODE_FLAGS="$(TSAN_FLAGS)" TESTS="$(TSAN_TESTS)" suite

# Just the binaries of the other builds.
ifeq ($(TINY_BIN),tiny)
.PHONY: tiny-asan tiny-debug
tiny-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan TINY_BIN=tiny-asan OPT="-O1 -g" \
	    MODE_FLAGS="$(ASAN_FLAGS)" tiny-asan
tiny-debug:
	@$(MAKE) --no-print-directory BUILD=build/debug TINY_BIN=tiny-debug OPT="-O0 -g" \
	    MODE_FLAGS="-DTINY_DEBUG" tiny-debug
endif

# Checks the script runner itself against fake interpreters (no tiny needed).
runner-selftest: $(RUNNER)
	@bash tests/runner_selftest/run.sh $(RUNNER)

# ---- running and benchmarking ----
run: $(TINY_BIN)
	./$(TINY_BIN) scripts/tour.tiny

# Extra benchmark folders, timed when they exist (the project keeps more beside the repository).
BENCH_EXTRA ?= $(CURDIR)/../shared/bench
bench: $(TINY_BIN)
	@PYTHON="$(PYTHON)" bash scripts/bench.sh ./$(TINY_BIN) scripts/bench $(BENCH_EXTRA)

# The pictures of the docs, from the programs of scripts/ (never writes docs/ itself).
pictures: $(TINY_BIN) | sweep-deps
	@TINY=./$(TINY_BIN) bash scripts/make-pictures --out build/pictures $(PICTURES_ARGS)

# Copies the pictures and their numbers into docs/ (the only target that writes there);
# makes them first when build/pictures has none.
docs-img:
	@test -f build/pictures/numbers-race.md || $(MAKE) --no-print-directory pictures
	@bash scripts/make-pictures --install build/pictures

clean:
	rm -rf build tiny tiny-asan tiny-debug tiny-tsan

FORCE:

-include $(OBJ_CORE:.o=.d) $(OBJ_CLI:.o=.d) $(UNIT_BINS:=.d) $(RUNNER).d $(PTY_TEST).d
