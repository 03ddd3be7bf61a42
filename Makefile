# playfast -- build, test, bench, demo.  `make help` lists the targets.
#
# Layout:  include/ public header | src/core JSON+page locator+arena |
#          src/parse typed parsers | src/net fetch engine | cli/ | python/ |
#          server/ replay server | tests/ | bench/ | fuzz/

CC       ?= cc
PYTHON   ?= /usr/bin/python3
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2
CSTD      = -std=c11 -D_GNU_SOURCE
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden -Iinclude -Isrc/core -Isrc/parse -Isrc/net -Isrc/store $(CURL_CFLAGS)
# The fetch engine decodes Content-Encoding itself (src/net/decode.c):
# libdeflate for gzip/deflate, libbrotli for br, libzstd; zlib only to say
# why a deflate stream is corrupt.
DECODE_LIBS := $(shell pkg-config --libs libdeflate libbrotlidec libzstd zlib 2>/dev/null || echo -ldeflate -lbrotlidec -lzstd -lz)
SQLITE_LIBS := $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)
LIBS      = $(CURL_LIBS) $(DECODE_LIBS) $(SQLITE_LIBS) -lpthread -lm

# The library in two parts: PARSE_SRC needs no libcurl and no threads (the
# parsers, the one argument check, the request builders), NET_SRC is the
# fetch engine. libplayfast-parse.a is the first alone; libplayfast.a and
# .so hold both.
PARSE_SRC = $(wildcard src/core/*.c) $(wildcard src/parse/*.c) src/net/request.c
NET_SRC   = $(filter-out src/net/request.c,$(wildcard src/net/*.c))
# The store (SQLite): results into a file as they arrive, resume, snapshots.
STORE_SRC = $(wildcard src/store/*.c)
LIB_SRC   = $(PARSE_SRC) $(NET_SRC) $(STORE_SRC)
# The CLI is two linked programs (cli/front.c says why): `playfast`, the
# parsers and the offline commands, and `playfast-fetch`, the fetch
# commands with the engine.
CLI_COMMON = cli/args.c cli/emit_json.c cli/emit_csv.c cli/emit_kinds.c
CLI_FRONT_SRC = cli/main.c cli/front.c cli/parse_cmd.c $(CLI_COMMON)
CLI_FETCH_SRC = cli/fetch_main.c cli/fetch.c cli/fetch_args.c cli/engine.c \
                cli/fetch_store.c cli/store_cmd.c $(CLI_COMMON)
CLI_SRC   = $(sort $(CLI_FRONT_SRC) $(CLI_FETCH_SRC))
TEST_SRC  = $(wildcard tests/test-*.c)
HDRS      = $(wildcard include/*.h) $(wildcard src/*/*.h) $(wildcard cli/*.h) $(wildcard tests/*.h)

LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
PARSE_OBJ = $(PARSE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   = $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS     = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all lib cli python test test-c test-asan test-python test-python-asan demo bench bench-parse bench-decode bench-memory \
        fuzz test-fuzz install clean deps help check-deps docs
all: lib cli python

help:
	@echo "make            library, CLI and Python extension"
	@echo "make test       every test: C units, the same under ASan+UBSan, pytest"
	@echo "make demo       a real batch through the engine against the replay server"
	@echo "make bench      fetch engine (replay server, nginx) and Dask cluster;  make bench-parse  parser benchmark"
	@echo "make bench-decode  Content-Encoding decoders vs zlib, ms per page"
	@echo "make bench-memory  what 10,000 SearchResult objects cost in Python"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make docs       regenerate docs/fields.md from include/playfast_fields.h"
	@echo "make test-fuzz  the same for FUZZ_CI_SECONDS (default 12), as make test does"
	@echo "make install PREFIX=/usr/local"

deps:
	@sh scripts/install-deps.sh

lib: $(BUILD)/libplayfast.a $(BUILD)/libplayfast.so $(BUILD)/libplayfast-parse.a $(BUILD)/playfast.pc
cli: $(BUILD)/playfast $(BUILD)/playfast-fetch

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libplayfast.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libplayfast-parse.a: $(PARSE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libplayfast.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libplayfast.so.0 -o $@ $^ $(LIBS)

$(BUILD)/playfast.pc: playfast.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' $< > $@

# `playfast` links only the parse part, so `playfast parse` never loads
# libcurl and its ~30 shared libraries (~14x the instructions of parsing a
# 1.2 MB page); `playfast-fetch` beside it links the whole library.
$(BUILD)/playfast: $(CLI_FRONT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libplayfast-parse.a
	$(CC) $(LDFLAGS) -o $@ $^ -lm
$(BUILD)/playfast-fetch: $(CLI_FETCH_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libplayfast.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Every allocation of the library passes through the test's wrappers,
# which fail each in turn.
$(BUILD)/tests/test-alloc: tests/test-alloc.c $(BUILD)/libplayfast.a tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libplayfast.a $(LIBS) \
	    -Wl,--wrap=malloc -Wl,--wrap=realloc -Wl,--wrap=calloc

$(BUILD)/tests/test-alloc-net: tests/test-alloc-net.c $(BUILD)/libplayfast.a tests/harness.h tests/test-net.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libplayfast.a $(LIBS) \
	    -Wl,--wrap=malloc -Wl,--wrap=realloc -Wl,--wrap=calloc -Wl,--wrap=strdup

# The decoders' test also encodes, with libbrotli's encoder among others.
$(BUILD)/tests/test-decode: tests/test-decode.c $(BUILD)/libplayfast.a tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libplayfast.a $(LIBS) -lbrotlienc

# The writers are compiled into their test directly.
$(BUILD)/tests/test-cli-emit: cli/emit_json.c cli/emit_csv.c cli/emit_kinds.c cli/cli.h

$(BUILD)/tests/%: tests/%.c $(BUILD)/libplayfast.a tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libplayfast.a $(LIBS)

python: lib
	$(PYTHON) setup.py -q build_ext --inplace -j 2 --build-temp $(BUILD)/python >/dev/null

# C unit tests: each test binary runs every case in its own process.
test-c: $(TESTS) $(BUILD)/playfast $(BUILD)/playfast-fetch
	@sh tests/run-c.sh $(TESTS)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer, built
# with clang so that every test run compiles the tree with both compilers
# (warnings are errors under each).
ASAN_CC ?= clang
test-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CC=$(ASAN_CC) \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" \
	  LIBS="$(LIBS) -fsanitize=address,undefined" test-c

test-python: python $(BUILD)/playfast $(BUILD)/playfast-fetch
	cd tests && $(PYTHON) -m pytest -q -p no:cacheprovider python

# The extension's own tests with playfast._core (and the library compiled
# into it) built under ASan+UBSan; the interpreter loads the runtime first.
# Tests that measure memory skip themselves (PLAYFAST_SANITIZED).
PYSAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PYSAN_LIB   = build/asan/pylib
PYSAN_PYTEST = PLAYFAST_PYTHONPATH=$(abspath $(PYSAN_LIB)) PLAYFAST_SANITIZED=1 \
	  LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=0 $(PYTHON) -m pytest -q -p no:cacheprovider
test-python-asan:
	@CC=gcc CFLAGS="$(PYSAN_FLAGS)" LDFLAGS="$(PYSAN_FLAGS)" $(PYTHON) setup.py -q \
	  build_py --build-lib $(PYSAN_LIB) \
	  build_ext --build-lib $(PYSAN_LIB) --build-temp build/asan/python -j 2 >/dev/null
	cd tests && $(PYSAN_PYTEST) python/test_core.py python/test_core_batch.py
	cd tests && $(PYSAN_PYTEST) python/test_store.py -k test_python_

test: check-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-c
	@$(MAKE) --no-print-directory test-fuzz
	@$(MAKE) --no-print-directory test-python-asan
	@$(MAKE) --no-print-directory test-python

check-deps:
	@sh scripts/install-deps.sh --check-or-install

demo: check-deps
	@$(MAKE) --no-print-directory all $(BUILD)/demo
	@$(PYTHON) server/harness.py run --fill --missing com.example.does.not.exist --latency normal:0.25:0.06 --seed 7 -- $(BUILD)/demo

$(BUILD)/demo: examples/demo.c $(BUILD)/libplayfast.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libplayfast.a $(LIBS)

bench-parse: lib
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -O2 -o $(BUILD)/bench/bench-parse bench/bench-parse.c $(BUILD)/libplayfast.a $(LIBS)
	$(BUILD)/bench/bench-parse tests/fixtures

# What each Content-Encoding decoder costs per page, against zlib's
# streaming inflate (libcurl's way).
# ISA-L, when installed, is one more column: the other whole-buffer inflate
# in Debian, measured against the one the library uses.
bench-decode: ISAL_FLAGS = $(shell pkg-config --exists libisal && echo -DHAVE_ISAL)
bench-decode: ISAL_LIBS = $(shell pkg-config --exists libisal && pkg-config --libs libisal)
bench-decode: lib
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -O2 $(ISAL_FLAGS) -o $(BUILD)/bench/bench-decode bench/bench-decode.c $(BUILD)/libplayfast.a $(LIBS) -lbrotlienc $(ISAL_LIBS)
	$(BUILD)/bench/bench-decode tests/fixtures

# bench-nginx.py: the CLI against nginx serving the app page plain and
# gzip'd (skipped with a message when nginx is not installed), with the
# Node peer in the same table when npm can provide it.
bench: all
	$(PYTHON) bench/bench-fetch.py
	$(PYTHON) bench/bench-nginx.py
	$(PYTHON) bench/bench-store.py
	@$(MAKE) --no-print-directory bench-decode
	$(PYTHON) bench/bench-dask.py

bench-memory: python
	$(PYTHON) bench/bench-memory.py

# docs/fields.md from the schema (include/playfast_fields.h); test-schema
# fails while it is not current.
docs: $(BUILD)/tests/test-schema
	PF_WRITE_DOCS=1 $(BUILD)/tests/test-schema >/dev/null

FUZZ_SECONDS ?= 60
FUZZERS = $(patsubst fuzz/fuzz-%.c,%,$(wildcard fuzz/fuzz-*.c))
fuzz:
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# A short run of every fuzzer inside `make test`, so a change that makes a
# parser crash or over-read fails the build: about a minute in all (five
# targets; the library is compiled for them once). The findings kept in
# tests/fuzz-regress/ are in each corpus and replayed by test-regress.
FUZZ_CI_SECONDS ?= 12
test-fuzz:
	@sh fuzz/run.sh $(FUZZ_CI_SECONDS) $(FUZZERS)

install: lib cli
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/playfast.h include/playfast_fields.h include/playfast_store.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libplayfast.a $(BUILD)/libplayfast-parse.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libplayfast.so $(DESTDIR)$(PREFIX)/lib/libplayfast.so.0
	ln -sf libplayfast.so.0 $(DESTDIR)$(PREFIX)/lib/libplayfast.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' playfast.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/playfast.pc
	install -m 755 $(BUILD)/playfast $(BUILD)/playfast-fetch $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build python/build python/playfast/*.so
