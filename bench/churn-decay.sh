#!/bin/sh
# bench/churn-decay.sh [BUILD] [DOCS] [ROUNDS]: does query speed decay night
# after night?  Indexes DOCS generated documents (20,000 by default), times
# the benchmark queries, runs ROUNDS (30) incremental irindex runs each
# after 1% of the documents changed, times the queries again, and compares
# with a fresh build of the final corpus.  Prints p50/p99 per measurement
# and the ratios; irindex's own upkeep (FTS5 merge, WAL truncation) runs
# after each run, as in production.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
DOCS=${2:-20000}
ROUNDS=${3:-30}
SRC=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=$tmp/corpus
"$BUILD/bench/gen-corpus" --seed 1 --docs "$DOCS" "$corpus" >/dev/null
t0=$(date +%s%N)
"$BUILD/irindex" -q --db "$tmp/idx.db" "$corpus"
echo "first run: $(( ($(date +%s%N) - t0) / 1000000 )) ms for $DOCS documents"
t0=$(date +%s%N)
"$BUILD/irindex" -q --db "$tmp/idx.db" "$corpus"
echo "no-change run: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
"$SRC/bench/make-queries" "$tmp/idx.db" "$BUILD/irsearch" 10 1 >"$tmp/queries"
latency() {	# DB LABEL: the medians over the rounds of each round's p50 and p99
	"$BUILD/bench/query-bench" --irsearch "$1" --rounds 5 "$tmp/queries" |
		awk '$1 == "latency" && $2 == "all" { print $4, $5 }' >"$tmp/rounds"
	p50=$(cut -d' ' -f1 "$tmp/rounds" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	p99=$(cut -d' ' -f2 "$tmp/rounds" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "$2: p50 $p50 ms, p99 $p99 ms"
}
latency "$tmp/idx.db" "fresh build" | tee "$tmp/before"
churn_ms=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	"$BUILD/bench/gen-corpus" --seed 1 --docs "$DOCS" --churn 1 --round "$r" "$corpus" >/dev/null
	t0=$(date +%s%N)
	"$BUILD/irindex" -q --db "$tmp/idx.db" "$corpus"
	churn_ms=$((churn_ms + ($(date +%s%N) - t0) / 1000000))
	r=$((r + 1))
done
echo "1%-churn runs: $((churn_ms / ROUNDS)) ms each on average"
latency "$tmp/idx.db" "after $ROUNDS churn runs" | tee "$tmp/after"
"$BUILD/irindex" -q --db "$tmp/fresh.db" "$corpus"
latency "$tmp/fresh.db" "fresh build of the final corpus" | tee "$tmp/fresh"
awk '{ for (i = 1; i <= NF; i++) if ($i == "p50") p50[FNR == NR ? "a" : "f"] = $(i + 1); else if ($i == "p99") p99[FNR == NR ? "a" : "f"] = $(i + 1) }
	END { printf "after churn / fresh: p50 %.2f, p99 %.2f\n", p50["a"] / p50["f"], p99["a"] / p99["f"] }' "$tmp/after" "$tmp/fresh"
