# irsearch - full-text search for folders of policy reports.
#
#   make            build irindex, irsearch and the SQLite extension into build/
#   make demo       install missing packages, build, index corpus/, run a query
#   make check      install missing packages, run every test, also under ASan/UBSan,
#                   then each fuzz target for FUZZ_SMOKE_SECONDS
#   make fuzz       FUZZ_SECONDS=60: each libFuzzer target in tests/fuzz/ that long
#   make bench      BENCH_DOCS=10000: index and query speed against bare FTS5 (bench/run),
#                   then the soak (BENCH_SOAK=0 skips it)
#   make soak       BENCH_SOAK_SECONDS=600: irsearchd's memory and descriptors under load (bench/soak)
#   make install    PREFIX=/usr/local DESTDIR=  (bin/, lib/irsearch/, share/man/)
#   make clean
.SUFFIXES:

VERSION = 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKGS = sqlite3 libmagic jansson inih yaml-0.1 libxxhash libcmark
# The document parsers, linked into irindex (and the tests) only: irsearch and
# irsearchd never parse documents and need not load poppler and glib.
EXTRACT_PKGS = libarchive libxml-2.0 poppler-glib libseccomp
PKG_CONFIG ?= pkg-config

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wformat=2
ALL_CPPFLAGS = -Iinclude -DIRS_VERSION='"$(VERSION)"' -D_XOPEN_SOURCE=700 \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) $(EXTRACT_PKGS)) $(CPPFLAGS)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS)
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lstemmer -lm
EXTRACT_LIBS = $(shell $(PKG_CONFIG) --libs $(EXTRACT_PKGS))
TEST_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

LIB_SRC = lib/error.c lib/utf8.c lib/doc.c lib/tokenize.c lib/store.c lib/config.c \
	lib/walk.c lib/lock.c lib/detect.c lib/charset.c lib/growbuf.c lib/extract.c lib/extract_text.c \
	lib/extract_html.c lib/extract_pdf.c lib/extract_office.c lib/query.c \
	lib/snippet.c lib/snippet_map.c lib/snippet_scan.c lib/wordscan.c lib/docfields.c lib/phrasecount.c lib/rank.c lib/search.c lib/printer.c lib/protocol.c
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
EXT_OBJ = $(BUILD)/ext/tokenize.o $(BUILD)/ext/error.o $(BUILD)/ext/extension.o
TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
PROGS = $(BUILD)/irindex $(BUILD)/irsearch $(BUILD)/irsearchd
DAEMON_OBJ = $(BUILD)/searchd/irsearchd.o $(BUILD)/searchd/server.o $(BUILD)/searchd/pool.o \
	$(BUILD)/searchd/cache.o
HEADERS = $(wildcard include/irsearch/*.h)

all: $(PROGS) $(BUILD)/irsearch.so

$(BUILD)/%.o: %.c $(HEADERS) $(wildcard searchd/*.h) $(wildcard indexer/*.h) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libirsearch.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

INDEX_OBJ = $(BUILD)/indexer/irindex.o $(BUILD)/indexer/extractors.o
$(BUILD)/irindex: $(INDEX_OBJ) $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(INDEX_OBJ) $(BUILD)/libirsearch.a $(LIBS) $(EXTRACT_LIBS)

$(BUILD)/irsearch: $(BUILD)/searchd/irsearch.o $(BUILD)/searchd/client.o $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/searchd/irsearch.o $(BUILD)/searchd/client.o \
		$(BUILD)/libirsearch.a $(LIBS)

$(BUILD)/irsearchd: $(DAEMON_OBJ) $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $@ $(DAEMON_OBJ) $(BUILD)/libirsearch.a $(LIBS)

# The loadable extension: the tokenizer compiled against sqlite3ext.h, so that
# the sqlite3 shell (or any SQLite program) can read an index.  It is built
# without sanitizers even in the sanitizer build: it is loaded into programs
# (the sqlite3 shell) that do not carry their runtime.
EXT_CFLAGS ?= $(CFLAGS)
$(BUILD)/ext/%.o: lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) $(EXT_CFLAGS) -fPIC -DIRS_LOADABLE_EXTENSION -c -o $@ $<

$(BUILD)/irsearch.so: $(EXT_OBJ)
	$(CC) $(EXT_CFLAGS) -shared -o $@ $(EXT_OBJ) -lstemmer

# Every unit test links the tests' own support (tests/unit/connections.c).
TEST_SUPPORT_OBJ = $(BUILD)/tests/unit/connections.o
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJ) $(BUILD)/libirsearch.a $(LIBS) $(EXTRACT_LIBS) \
		$(TEST_LIBS)

# The tests' client for the daemon (tests/e2e/daemon_*.sh).
$(BUILD)/tests/sockclient: $(BUILD)/tests/tools/sockclient.o $(BUILD)/searchd/client.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $@ $(BUILD)/tests/tools/sockclient.o $(BUILD)/searchd/client.o

# The relevance suite's scorer (tests/e2e/relevance.sh).
$(BUILD)/tests/relevance: $(BUILD)/tests/tools/relevance.o $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/tests/tools/relevance.o $(BUILD)/libirsearch.a $(LIBS)

# The tests' document maker (tests/fixtures/make-fixtures).
$(BUILD)/tests/mkdoc: $(BUILD)/tests/tools/mkdoc.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(EXTRACT_LIBS)

# make bench (bench/run, never part of make check): the deterministic corpus
# generator and the query timer; knobs BENCH_DOCS, BENCH_ROUNDS, BENCH_SEED ...
# are read by bench/run from the environment (README.md, "Benchmarks").
BENCH_TOOLS = $(BUILD)/bench/gen-corpus $(BUILD)/bench/query-bench

$(BUILD)/bench/gen-corpus: $(BUILD)/bench/gen-corpus.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/bench/gen-corpus.o -lm

$(BUILD)/bench/query-bench: $(BUILD)/bench/query-bench.o $(BUILD)/searchd/client.o $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $@ $(BUILD)/bench/query-bench.o \
		$(BUILD)/searchd/client.o $(BUILD)/libirsearch.a $(LIBS) $(EXTRACT_LIBS)

bench-tools: all $(BENCH_TOOLS)

bench:
	@scripts/install-deps --bench
	$(MAKE) bench-tools
	bench/run $(BUILD)

soak:
	@scripts/install-deps --bench
	$(MAKE) bench-tools
	bench/soak $(BUILD)

.PHONY: bench bench-tools soak

tests: all $(TESTS) $(BUILD)/tests/sockclient $(BUILD)/tests/mkdoc $(BUILD)/tests/relevance

deps:
	@scripts/install-deps

check-deps:
	@scripts/install-deps --check

# Sanitizer build: the same sources and tests in their own build folder.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	$(MAKE) BUILD=$(BUILD)/asan CC=clang CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
		EXT_CFLAGS="-O1 -g" tests

# Fuzzing (tests/fuzz/, docs/SECURITY.md): each tests/fuzz/fuzz_<target>.c is a
# libFuzzer target, linked with a copy of the library built for coverage, ASan
# and UBSan in $(BUILD)/fuzz; tests/fuzz/run replays the committed regressions,
# then fuzzes each target from its seeds.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c tests/fuzz/harness.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/harness.o $(BUILD)/libirsearch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS) $(EXTRACT_LIBS)

fuzz-targets: $(FUZZ_TARGETS)

fuzz-build:
	$(MAKE) BUILD=$(BUILD)/fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" LDFLAGS="$(FUZZ_FLAGS)" \
		EXT_CFLAGS="-O1 -g" fuzz-targets

fuzz: check-deps
	$(MAKE) fuzz-build
	tests/fuzz/run -t $(FUZZ_SECONDS) $(BUILD)/fuzz

fuzz-smoke: fuzz-build
	tests/fuzz/run --smoke -t $(FUZZ_SMOKE_SECONDS) $(BUILD)/fuzz

check: check-deps
	$(MAKE) tests
	tests/run $(BUILD)
	$(MAKE) asan
	tests/run $(BUILD)/asan
	$(MAKE) fuzz-smoke

demo: deps
	$(MAKE) all
	rm -f $(BUILD)/demo.db $(BUILD)/demo.db-wal $(BUILD)/demo.db-shm
	$(BUILD)/irindex --db $(BUILD)/demo.db corpus
	@echo
	@echo '$$ irsearch "Astana Declaration"'
	@$(BUILD)/irsearch --db $(BUILD)/demo.db --color always -n 5 "Astana Declaration"

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/irsearch \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	cp $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	cp $(BUILD)/irsearch.so $(DESTDIR)$(PREFIX)/lib/irsearch/irsearch.so
	cp man/irindex.1 man/irsearch.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	cp man/irsearchd.8 $(DESTDIR)$(PREFIX)/share/man/man8/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/irindex $(DESTDIR)$(PREFIX)/bin/irsearch \
		$(DESTDIR)$(PREFIX)/bin/irsearchd $(DESTDIR)$(PREFIX)/share/man/man8/irsearchd.8 \
		$(DESTDIR)$(PREFIX)/lib/irsearch/irsearch.so \
		$(DESTDIR)$(PREFIX)/share/man/man1/irindex.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/irsearch.1
	-rmdir $(DESTDIR)$(PREFIX)/lib/irsearch

format:
	clang-format -i lib/*.c include/irsearch/*.h indexer/*.c searchd/*.[ch] tests/unit/*.c

clean:
	rm -rf $(BUILD)

.PHONY: all tests deps check-deps asan check demo install uninstall format clean \
	fuzz fuzz-build fuzz-targets fuzz-smoke
