#!/bin/sh
# Extraction runs in worker processes: a parser that segfaults, aborts or
# hangs costs the one file it held, and one that reaches for the network
# finds none (skipped, with the reason), the run goes
# on with a new worker, and results are written in walk order whatever the
# number of workers.  Uses the test-only switch IRSEARCH_TEST_EXTRACT_FAULT.
. "$(dirname "$0")/lib.sh"

plan 27

docs=$tmp/docs
mkdir -p "$docs"
for n in 01 02 03 04 05 06 07 08 09 10 11 12; do
	printf '# Report %s\n\nThe common corridor, and word%s alone.\n' "$n" "$n" >"$docs/report-$n.md"
done
base=$(cd "$docs" && pwd -P)

IRSEARCH_TEST_EXTRACT_FAULT=segv:report-03 run "$IRINDEX" --db "$tmp/segv.db" -j 2 "$docs"
status_is 0 "a worker killed by SIGSEGV: irindex exits 0"
like "$err" "^irindex: $base/report-03\\.md: skipped: extractor killed by SIGSEGV$" \
	"...the file is skipped with 'extractor killed by SIGSEGV'"
like "$out" "^irindex: 11 added, .* 1 skipped \\(1 extractor killed by SIGSEGV\\), 0 failed" \
	"...the 11 others are added (a new worker took over)"
run "$IRSEARCH" --db "$tmp/segv.db" word12
status_is 0 "...a file after the crash is searchable"

IRSEARCH_TEST_EXTRACT_FAULT=abort:report-0 run "$IRINDEX" --db "$tmp/abort.db" -j 2 "$docs"
status_is 0 "every one of 9 files aborting its worker: exit 0"
like "$out" "^irindex: 3 added, .* 9 skipped \\(9 extractor killed by SIGABRT\\)" \
	"...9 skipped by SIGABRT, the other 3 added"

# A parser that tries the network (as an exploited one would) is refused a
# socket by the worker's seccomp filter; with a socket it would abort.
IRSEARCH_TEST_EXTRACT_FAULT=network:report-04 run "$IRINDEX" --db "$tmp/net.db" -j 2 "$docs"
status_is 0 "a worker that tries to open a socket: irindex exits 0"
like "$out" "^irindex: 12 added, .* 0 skipped, 0 failed" "...it was refused the socket, so nothing aborted and all 12 are added"

IRSEARCH_TEST_EXTRACT_FAULT=hang:report-05 run "$IRINDEX" --db "$tmp/hang.db" -j 2 --timeout 1 "$docs"
status_is 0 "a hanging worker: irindex exits 0"
like "$err" "^irindex: $base/report-05\\.md: skipped: timed out after 1 s$" \
	"...the file is skipped with 'timed out after 1 s'"
like "$out" "^irindex: 11 added, .* 1 skipped \\(1 timed out after 1 s\\)" "...and the others added"

printf '[index]\ntimeout = 1\njobs = 1\n' >"$tmp/idx.conf"
IRSEARCH_TEST_EXTRACT_FAULT=hang:report-07 run "$IRINDEX" --config "$tmp/idx.conf" --db "$tmp/hang2.db" "$docs"
status_is 0 "timeout and jobs from [index] of the config"
like "$err" "report-07\\.md: skipped: timed out after 1 s" "...the config's timeout applies"

# A second run after a fault retries the file (it is not in the index).
run "$IRINDEX" --db "$tmp/segv.db" "$docs"
status_is 0 "a run without the fault..."
like "$out" "^irindex: 1 added, 0 updated, (0 moved, )?0 removed, 11 unchanged, " "...adds the file the crash skipped"

# Walk order, whatever the workers: the same ids for -j 1, -j 3 and in-process.
for j in 1 3; do
	run "$IRINDEX" --db "$tmp/j$j.db" -j $j "$docs"
	status_is 0 "-j $j exits 0"
done
run "$IRINDEX" --db "$tmp/inproc.db" --in-process "$docs"
status_is 0 "--in-process exits 0"
ids() { sqlite3 "$1" "SELECT id || ' ' || path || ' ' || hash FROM documents ORDER BY id"; }
ids "$tmp/j1.db" >"$tmp/ids1"
ids "$tmp/j3.db" >"$tmp/ids3"
ids "$tmp/inproc.db" >"$tmp/idsp"
is "$(lines "$tmp/ids1")" 12 "-j 1 indexed the 12 files"
ok "-j 3 gives every file the same id and hash as -j 1" cmp -s "$tmp/ids1" "$tmp/ids3"
ok "...and so does --in-process" cmp -s "$tmp/ids1" "$tmp/idsp"
is "$(head -n 1 "$tmp/ids1" | cut -d' ' -f2)" "$base/report-01.md" "...ids follow the walk's order"

# Unchanged bytes with a new mtime are hashed by a worker and only touched.
touch -d '2001-01-01' "$docs/report-04.md"
run "$IRINDEX" --db "$tmp/j3.db" -j 3 "$docs"
like "$out" "^irindex: 0 added, 0 updated, (0 moved, )?0 removed, 12 unchanged, " "a new mtime on the same bytes: unchanged"

run "$IRINDEX" --db "$tmp/x.db" -j 0 "$docs"
status_is 2 "-j 0 is refused: exit 2"
like "$err" "^irindex: -j: " "...with one line naming -j"
run "$IRINDEX" --db "$tmp/x.db" --timeout soon "$docs"
status_is 2 "--timeout soon is refused: exit 2"
printf '[index]\nmax_text = lots\n' >"$tmp/bad.conf"
run "$IRINDEX" --config "$tmp/bad.conf" --db "$tmp/x.db" "$docs"
status_is 2 "a bad max_text in the config: exit 2"
done_testing
