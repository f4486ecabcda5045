#!/bin/sh
# bench/commongrams.sh INDEX [BUILD] [QUERIES]: what a common-grams index
# would cost and give to phrases, measured rather than estimated.  Copies
# the text of INDEX (an irindex database, read only) into scratch FTS5
# tables that differ only in their tokenizer:
#   plain     irsearch as shipped
#   cg:WORDS  the same, plus a pair token "w1 w2" at each place where w1
#             or w2 is one of WORDS (bench/commongrams.c), for each set
#             of $CGRAM_SETS (sets split by ';', default "the;the and")
# and prints each table's index size (FTS5's data and idx b-trees) and
# its growth, then the CPU time (user + sys, median of $ROUNDS, default 4,
# alternated) that FTS5 takes to count the rows of each two-word phrase
# of QUERIES' phrase class (a query file as bench/make-queries writes it;
# without one, sizes only): the phrase as irsearch asks for it (each word
# widened to its forms) on plain, and on each cg table an OR over the
# pairs of forms, each pair with a common word one pair term and each
# other pair an exact phrase.  Every count must be the same; the script
# says when one is not.  Example, the first 10,000 documents of a
# generated corpus indexed by irindex into /tmp/10k.db:
#   bench/commongrams.sh /tmp/10k.db build queries.tsv
set -eu
INDEX=$1
BUILD=${2:-build}
QUERIES=${3:-}
ROUNDS=${ROUNDS:-4}
SETS=${CGRAM_SETS:-the;the and}
EXT=$(cd "$BUILD" && pwd)/irsearch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -O2 -fPIC -shared \
	-o "$tmp/commongrams.so" "$(dirname "$0")/commongrams.c"

load() {	# name tokenizer-args words-file: a scratch table of INDEX's text
	start=$(date +%s.%N)
	CGRAM_WORDS=$3 sqlite3 "$tmp/$1.db" <<SQL >/dev/null
.load $EXT
.load $tmp/commongrams
PRAGMA page_size=8192;
CREATE TABLE vocabulary(stem TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY(stem, word)) WITHOUT ROWID;
CREATE VIRTUAL TABLE f USING fts5(title, author, body, tokenize='$2');
ATTACH '$INDEX' AS src;
BEGIN;
INSERT INTO f(rowid, title, author, body) SELECT rowid, title, author, body FROM src.fts;
COMMIT;
INSERT INTO f(f) VALUES('optimize');
SQL
	end=$(date +%s.%N)
	size=$(sqlite3 "$tmp/$1.db" "SELECT sum(pgsize) FROM dbstat WHERE name IN ('f_data', 'f_idx')")
	echo "$1 $start $end $size" >> "$tmp/sizes"
}

: > "$tmp/sizes"
load plain "irsearch english russian" /dev/null
n=0
echo "$SETS" | tr ';' '\n' > "$tmp/sets"
while read -r set; do
	n=$((n + 1))
	echo "$set" | tr ' ' '\n' > "$tmp/words$n"
	load "cg$n" "cgram irsearch english russian" "$tmp/words$n"
done < "$tmp/sets"
printf '%-20s %10s %8s %8s\n' table "index MiB" growth "load s"
awk -v sets="$SETS" 'BEGIN { split(sets, s, ";") }
	{ name = $1 == "plain" ? "plain" : "cg:" s[substr($1, 3)]; t = $3 - $2
	  if (NR == 1) base = $4
	  printf "%-20s %10.1f %7.1f%% %8.1f\n", name, $4 / 1048576, 100 * ($4 - base) / base, t }' "$tmp/sizes"
[ -n "$QUERIES" ] || exit 0

# The forms the tokenizer gives a word: itself and the vocabulary's words of its stem.
forms() {
	w=$(printf '%s' "$1" | sed "s/'/''/g")
	sqlite3 -readonly "$INDEX" "SELECT '$w' UNION SELECT word FROM vocabulary
		WHERE stem = (SELECT stem FROM vocabulary WHERE word = '$w') LIMIT 64"
}
q() { printf '%s' "$1" | sed "s/'/''/g"; }
# One SQL script: per round, per phrase, the plain count then each cg count.
{
	echo ".load $EXT"
	echo ".load $tmp/commongrams"
	echo ".timer on"
	echo "ATTACH '$tmp/plain.db' AS plain;"
	i=1
	while [ "$i" -le "$n" ]; do echo "ATTACH '$tmp/cg$i.db' AS cg$i;"; i=$((i + 1)); done
} > "$tmp/run.sql"
awk -F '\t' '$1 == "phrase" { print $2 }' "$QUERIES" | tr -d '"' | while read -r a b rest; do
	[ -n "$b" ] && [ -z "$rest" ] || { echo "skipped (not two words): $a $b $rest" >&2; continue; }
	forms "$a" > "$tmp/fa"
	forms "$b" > "$tmp/fb"
	echo "SELECT 'plain|$(q "$a $b")', count(*) FROM plain.f WHERE f MATCH '\"$(q "$a $b")\"';" >> "$tmp/body.sql"
	i=1
	while [ "$i" -le "$n" ]; do
		expr=$(awk -v words="$tmp/words$i" -v fb="$tmp/fb" -v phrase="$(q "$a $b")" '
			BEGIN { while ((getline w < words) > 0) common[w] = 1
				while ((getline w < fb) > 0) b[++nb] = w }
			{ a[++na] = $0 }
			END {
				for (x = 1; x <= na; x++) { if (a[x] in common) any = 1 }
				for (y = 1; y <= nb; y++) { if (b[y] in common) any = 1 }
				if (!any) { printf "\"%s\"", phrase; exit }
				for (x = 1; x <= na; x++)
					for (y = 1; y <= nb; y++) {
						printf "%s", (x > 1 || y > 1) ? " OR " : ""
						if ((a[x] in common) || (b[y] in common))
							printf "\"'"'"'||char(3)||'"'"'%s'"'"'||char(31)||'"'"'%s\"", a[x], b[y]
						else
							printf "\"'"'"'||char(2)||'"'"'%s %s\"", a[x], b[y]
					}
			}' "$tmp/fa")
		echo "SELECT 'cg$i|$(q "$a $b")', count(*) FROM cg$i.f WHERE f MATCH '$expr';" >> "$tmp/body.sql"
		i=$((i + 1))
	done
done
r=0
while [ "$r" -lt "$ROUNDS" ]; do cat "$tmp/body.sql" >> "$tmp/run.sql"; r=$((r + 1)); done
CGRAM_WORDS=/dev/null sqlite3 :memory: < "$tmp/run.sql" > "$tmp/out"
# Each result line, then its timer line: the table, the phrase, the count, CPU ms.
awk -v sets="$SETS" -v n="$n" '
	/^Run Time:/ { if (key != "") { t[key, ++k[key]] = ($6 + $8) * 1000 }; key = ""; next }
	{ split($0, f, "|"); key = f[1] "|" f[2]; c = f[3]
	  if (!(f[2] in seen)) { seen[f[2]] = 1; order[++np] = f[2] }
	  if ((f[2], "count") in cnt && cnt[f[2], "count"] != c) bad[f[2]] = 1
	  cnt[f[2], "count"] = c }
	function median(key,   i, j, m, a, x) {
		m = k[key]
		for (i = 1; i <= m; i++) a[i] = t[key, i]
		for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return a[int((m + 1) / 2)]
	}
	END {
		split(sets, s, ";")
		printf "%-24s %7s %9s", "phrase", "rows", "plain ms"
		for (i = 1; i <= n; i++) printf " %14s", "cg:" s[i]
		printf "\n"
		for (p = 1; p <= np; p++) {
			ph = order[p]
			printf "%-24s %7d %9.2f", ph, cnt[ph, "count"], m0 = median("plain|" ph)
			if (m0 > max[0]) max[0] = m0
			for (i = 1; i <= n; i++) {
				m = median("cg" i "|" ph)
				if (m > max[i]) max[i] = m
				printf " %14.2f", m
			}
			printf "%s\n", (ph in bad) ? "  COUNTS DIFFER" : ""
		}
		printf "%-24s %7s %9.2f", "slowest", "", max[0]
		for (i = 1; i <= n; i++) printf " %14.2f", max[i]
		printf "\n"
	}' "$tmp/out"
