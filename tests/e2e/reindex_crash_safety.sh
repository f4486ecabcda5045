#!/bin/sh
# kill -9 at any moment of an irindex run leaves an index that opens,
# passes SQLite's and FTS5's integrity checks, holds no duplicate or
# half-written document, and the next run finishes the job.  A full disk
# stops a run with one line and exit 2, the index as at its last commit.
. "$(dirname "$0")/lib.sh"

reason=$(ext_skip_reason)
[ -z "$reason" ] || skip_all "$reason"
plan 31

docs=$tmp/docs
mkdir -p "$docs"
# 3,000 small reports, each with its own word (wNNNN) to find it by.
awk -v dir="$docs" 'BEGIN {
	for (i = 0; i < 3000; i++) {
		f = sprintf("%s/d%02d/report-%04d.txt", dir, i % 30, i)
		if (i < 30) system("mkdir -p " dir sprintf("/d%02d", i))
		printf "Report %d on regional energy and water\n", i > f
		for (j = 0; j < 40; j++) printf "corridor pipeline summit treaty w%04d ", i > f
		printf "\n" > f
		close(f)
	}
}'
db=$tmp/index.db

# check_index WHEN: the five properties of an index after a crash.
check_index() {
	is "$(irs_sqlite3 "$db" "PRAGMA integrity_check" 2>&1)" ok "$1: PRAGMA integrity_check"
	run irs_sqlite3 "$db" ".load $IRS_BIN/irsearch" "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)"
	status_is 0 "$1: FTS5 integrity-check"
	is "$(irs_sqlite3 "$db" "SELECT count(*) - count(DISTINCT path) FROM documents")" 0 "$1: no duplicate path"
	is "$(irs_sqlite3 "$db" ".load $IRS_BIN/irsearch" "SELECT (SELECT count(*) FROM documents) - (SELECT count(*) FROM fts)")" 0 \
		"$1: every document has its text, and no text lacks its document"
}

# Ten runs, each killed after a different delay; before each, a tenth of
# the reports change, so every run has writing to do when it is killed.
k=0
for delay in 0.2 0.5 0.3 0.7 0.4 0.9 0.25 0.6 0.35 0.8; do
	k=$((k + 1))
	find "$docs" -name "report-*$((k % 10)).txt" -exec sh -c 'echo "edited in round $0 as edit$0" >>"$1"' "$k" {} \;
	"$IRINDEX" -q --db "$db" "$docs" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	n=$(irs_sqlite3 "$db" "SELECT count(*) FROM documents" 2>/dev/null)
	diag "round $k: killed after $delay s with ${n:-no index yet} documents"
	case $k in
	3 | 6 | 10)
		if [ -f "$db" ]; then
			check_index "round $k, killed after $delay s"
		else
			skip 4 "round $k: killed before the index was created"
		fi
		;;
	esac
done

run "$IRINDEX" --db "$db" "$docs"
status_is 0 "the next run finishes the job"
is "$(irs_sqlite3 "$db" "SELECT count(*) FROM documents")" 3000 "...all 3,000 reports are in the index"
check_index "after the resumed run"
run "$IRSEARCH" --db "$db" --json w2999
is "$(json_get "$tmp/out" '$.total')" 1 "...and the last report is found by its own word"
run "$IRSEARCH" --db "$db" --json edit7
is "$(json_get "$tmp/out" '$.total')" 300 "...and every edit of an interrupted round is in"

# A full disk: a 3 MiB filesystem where it can be mounted, the index built on
# it until it fills.
if is_root && mkdir -p "$tmp/small" && mount -t tmpfs -o size=3M tmpfs "$tmp/small" 2>/dev/null; then
	trap 'umount "$tmp/small" 2>/dev/null; _irs_cleanup' EXIT
	run "$IRINDEX" --db "$tmp/small/index.db" "$docs"
	status_is 2 "a full disk stops the run with exit 2"
	like "$err" "disk full" "...saying the disk is full"
	is "$(printf '%s\n' "$err" | grep -c 'disk full')" 1 "...on one line"
	db=$tmp/small/index.db
	n=$(irs_sqlite3 "$db" "SELECT count(*) FROM documents" 2>/dev/null)
	diag "documents committed before the disk filled: $n"
	ok "...after committing batches before it filled" [ "${n:-0}" -gt 0 ]
	check_index "after the disk filled"
	# The same filesystem read-only: one clear line, exit 2, the index as it was.
	mount -o remount,ro "$tmp/small"
	echo "a new report about tariffs" >"$docs/new-after-ro.txt"
	run "$IRINDEX" --db "$db" "$docs"
	status_is 2 "a read-only index stops the run with exit 2"
	is "$(printf '%s\n' "$err" | grep -c .)" 1 "...and one line: $err"
	is "$(irs_sqlite3 "$db" "SELECT count(*) FROM documents" 2>/dev/null)" "$n" "...the index as it was"
	rm -f "$docs/new-after-ro.txt"
	umount "$tmp/small"
	trap _irs_cleanup EXIT
else
	skip 11 "mounting a small tmpfs needs root"
fi
done_testing
