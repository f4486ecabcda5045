#!/bin/sh
# bench/tokenizer-variants.sh [BUILD] [ROUNDS]: what the irsearch tokenizer
# costs FTS5, decided by measurement.  Loads the same text, in one
# transaction, into FTS5 tables that differ only in their tokenizer:
#   porter     FTS5's built-in porter over unicode61 (remove_diacritics 2): the baseline
#   stem_only  irsearch, stems alone (what porter does, with Snowball)
#   shipped    irsearch as shipped: each word as written, and its (stem, word)
#              pair once in the vocabulary table (tokenize.h)
# and prints, per variant, the median load time, the database size, and
# both as ratios to the baseline.  Text: the .txt/.md/.rst/.py files under
# /usr/share/doc and /usr/lib/python3* on this machine (a fixed list, sorted).
set -eu
BUILD=${1:-build}
ROUNDS=${2:-3}
EXT=$(cd "$BUILD" && pwd)/irsearch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find /usr/share/doc /usr/lib/python3* -type f \( -name '*.txt' -o -name '*.md' -o -name '*.rst' -o -name '*.py' \) \
	-size +1k -size -2M 2>/dev/null | LC_ALL=C sort > "$tmp/files"
# One SQL script that loads every file; readfile() is the sqlite3 shell's.
awk -v q="'" '{ gsub(q, q q); print "INSERT INTO t(body) VALUES(readfile(" q $0 q "));" }' "$tmp/files" > "$tmp/load.sql"
bytes=$(xargs -d '\n' cat < "$tmp/files" | wc -c)
echo "text: $(wc -l < "$tmp/files") files, $((bytes / 1048576)) MiB"

load() {	# variant tokenizer-args -> seconds
	rm -f "$tmp/$1.db"
	start=$(date +%s.%N)
	sqlite3 "$tmp/$1.db" <<SQL >/dev/null
.load $EXT
CREATE TABLE vocabulary(stem TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY(stem, word)) WITHOUT ROWID;
CREATE VIRTUAL TABLE t USING fts5(body, tokenize='$2');
BEGIN;
.read $tmp/load.sql
COMMIT;
SQL
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.3f\n", $2 - $1 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for r in $(seq "$ROUNDS"); do
	load porter "porter unicode61 remove_diacritics 2" >> "$tmp/porter.t"
	load stem_only "irsearch english russian stem_only" >> "$tmp/stem_only.t"
	load shipped "irsearch english russian" >> "$tmp/shipped.t"
done
base_t=$(median < "$tmp/porter.t")
base_s=$(stat -c %s "$tmp/porter.db")
printf '%-10s %9s %9s %10s %9s\n' variant "time(s)" "x porter" "size(MiB)" "x porter"
for v in porter stem_only shipped; do
	t=$(median < "$tmp/$v.t")
	s=$(stat -c %s "$tmp/$v.db")
	awk -v v="$v" -v t="$t" -v s="$s" -v bt="$base_t" -v bs="$base_s" \
		'BEGIN { printf "%-10s %9.2f %9.2f %10.1f %9.2f\n", v, t, t / bt, s / 1048576, s / bs }'
done
