#!/bin/sh
# The index is an ordinary SQLite file: the sqlite3 shell reads it once
# irsearch.so is loaded (MATCH, snippet() and highlight() with stemming),
# and says which tokenizer is missing when it is not.
. "$(dirname "$0")/lib.sh"

plan 17

if ! command -v sqlite3 >/dev/null 2>&1; then
	skip 15 "no sqlite3 shell"
	done_testing
fi

docs=$tmp/docs
mkdir -p "$docs"
echo "Regional cooperation grew stronger after the summit." >"$docs/cooperation.txt"
echo "The ministers agreed to cooperate on water allocation." >"$docs/cooperate.txt"
echo "Neighbours are cooperating on border checks." >"$docs/cooperating.txt"
echo "Wheat prices rose sharply in the spring." >"$docs/unrelated.txt"
echo "Энергетическое сотрудничество между странами растёт." >"$docs/russian.txt"
db=$tmp/index.db
run "$IRINDEX" --db "$db" "$docs"
status_is 0 "irindex builds the index"

ids_of() {
	sqlite3 -batch "$db" "SELECT id FROM documents WHERE $1 ORDER BY id"
}
cooper_ids=$(ids_of "path LIKE '%/cooperat%.txt'")

# Without the extension: plain tables read, the FTS table does not.
run sqlite3 -batch "$db" "SELECT count(*) FROM documents"
status_is 0 "without the extension the documents table reads"
is "$out" 5 "...and holds the 5 documents"
run sqlite3 -batch "$db" "SELECT rowid FROM fts WHERE fts MATCH 'cooperating'"
if [ "$rc" -ne 0 ]; then
	_tap_result 0 "without the extension a MATCH on the index fails"
else
	_tap_result 1 "without the extension a MATCH on the index fails"
	diag "  exit 0, output: $out"
fi
like "$err" "tokenizer.*irsearch|irsearch.*tokenizer" "...with an error naming the irsearch tokenizer"

reason=$(ext_skip_reason)
if [ -n "$reason" ]; then
	skip 10 "$reason"
	done_testing
fi

# sql SQL...: runs statements in the sqlite3 shell after loading the extension.
sql() {
	run irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" "$@"
}

sql "SELECT rowid FROM fts WHERE fts MATCH 'cooperating' ORDER BY rowid"
status_is 0 "after .load $IRS_BIN/irsearch, MATCH 'cooperating' works"
is "$out" "$cooper_ids" "...and finds the cooperation, cooperate and cooperating documents"
is "$err" "" "...with nothing on stderr"

sql "SELECT highlight(fts, 2, '<', '>') FROM fts WHERE fts MATCH 'cooperating' AND rowid IN ($(ids_of "path LIKE '%/cooperation.txt'"))"
status_is 0 "highlight() runs"
is "$out" "Regional <cooperation> grew stronger after the summit." \
	"highlight() marks the stemmed variant <cooperation> for query 'cooperating'"

sql "SELECT snippet(fts, 2, '[', ']', '...', 4) FROM fts WHERE fts MATCH 'cooperation' AND rowid IN ($(ids_of "path LIKE '%/cooperate.txt'"))"
status_is 0 "snippet() runs"
like "$out" "\\[cooperate\\]" "snippet() marks the variant [cooperate] for query 'cooperation'"

sql "SELECT highlight(fts, 2, '[', ']') FROM fts WHERE fts MATCH 'сотрудничества'"
like "$out" "\\[сотрудничество\\]" "a Russian MATCH finds and highlights the other case form"

# The extension alone: a new FTS5 table with the tokenizer, in memory, beside
# the vocabulary table the tokenizer keeps its words' stems in (tokenize.h).
run irs_sqlite3 -batch :memory: ".load $IRS_BIN/irsearch" \
	"CREATE TABLE vocabulary(stem TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY(stem, word)) WITHOUT ROWID" \
	"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='irsearch english')" \
	"INSERT INTO t VALUES('the delegates negotiated'), ('an unrelated line')" \
	"SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'negotiating'"
status_is 0 "the tokenizer works in a new FTS5 table of any database"
is "$out" "the delegates [negotiated]" "...stemming there too"

# Without the vocabulary, a word would lose its other forms: the insert fails instead.
run irs_sqlite3 -batch :memory: ".load $IRS_BIN/irsearch" \
	"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='irsearch english')" \
	"INSERT INTO t VALUES('the delegates negotiated')"
status_is 1 "without a vocabulary table, the tokenizer refuses to index words"
is "$(irs_sqlite3 -batch :memory: ".load $IRS_BIN/irsearch" \
	"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='irsearch english')" \
	"INSERT INTO t VALUES('2024 1999')" "SELECT rowid FROM t WHERE t MATCH '1999'")" 1 \
	"...but numbers, which have no stems, are indexed"

done_testing
