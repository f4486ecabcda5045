#!/bin/sh
# The files every real folder has somewhere: a truncated PDF, a PDF whose
# cross-reference table is garbage, an encrypted PDF, random bytes named
# .pdf, a DOCX zip bomb (4 KB inflating to 2 GiB), HTML nested 100,000
# deep, an empty file, a text file with NUL bytes, a 200 MB line.  Each is
# indexed or skipped with a clear reason, the run goes on and exits 0, a
# good file beside them is indexed, and the index stays consistent.
. "$(dirname "$0")/lib.sh"

MKDOC=$IRS_BIN/tests/mkdoc
[ -x "$MKDOC" ] || { echo "Bail out! no $MKDOC (run make tests)"; exit 2; }

plan 19

"$IRS_SRC/tests/fixtures/make-fixtures" "$MKDOC" "$tmp/fx" --hostile || { echo "Bail out! make-fixtures failed"; exit 2; }
rm -r "$tmp/fx/formats"
h=$(cd "$tmp/fx/hostile" && pwd -P)
echo "A good report on the amber corridor." >"$h/good.txt"
db=$tmp/hostile.db

# Sanitizer builds set no address-space limit (their shadow memory needs terabytes).
sanitized=
grep -qa __asan_init "$IRINDEX" && sanitized=1

run "$IRINDEX" --db "$db" "$h"
status_is 0 "irindex over the hostile files exits 0"
like "$out" " 0 failed, " "...counts no failure"
skipline() { grep -F "irindex: $h/$1: skipped: " "$tmp/err" | sed 's/.*: skipped: //'; }
is "$(skipline truncated.pdf)" "damaged PDF" "a truncated PDF: skipped as damaged"
# libmagic names most random bytes application/octet-stream, some another binary type.
like "$(skipline random.pdf)" "^(application|audio|image|video|font|model)/[a-z0-9.+-]+$" \
	"random bytes named .pdf: skipped by the (binary) type their bytes have"
if [ -f "$h/encrypted.pdf" ]; then
	is "$(skipline encrypted.pdf)" "encrypted PDF" "an encrypted PDF: skipped as encrypted"
else
	skip 1 "no qpdf to encrypt a PDF"
fi
is "$(skipline zip-bomb.docx)" "text larger than 64 MiB" "a DOCX zip bomb: stopped by the text cap"
is "$(skipline empty.txt)" "inode/x-empty" "an empty file: skipped as empty"
is "$(skipline long-line.txt)" "text larger than 64 MiB" "a 200 MB line: skipped by the text cap"
is "$(skipline badxref.pdf)" "" "a PDF with a garbage xref: not skipped (poppler rebuilds the table)..."
run "$IRSEARCH" --db "$db" yankee
like "$out" "badxref\\.pdf" "...and its words are found"
is "$(skipline nested.html)" "" "HTML nested 100,000 deep: indexed..."
sqlite3 "$db" "SELECT type FROM documents WHERE path LIKE '%nested.html'" >"$tmp/t" 2>/dev/null
is "$(cat "$tmp/t")" "text/html" "...as text/html (its text below libxml2's depth limit is dropped)"
run "$IRSEARCH" --db "$db" amber
like "$out" "nul\\.txt" "a text file with NUL bytes: indexed, the words after a NUL found"
like "$out" "good\\.txt" "the good file beside them is indexed"

reason=$(ext_skip_reason)
if [ -n "$reason" ]; then
	skip 2 "$reason"
else
	is "$(irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" "PRAGMA integrity_check")" ok "PRAGMA integrity_check says ok"
	run irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)"
	is "$rc:$err" "0:" "FTS5 integrity-check succeeds"
fi

# Memory: the same files under a 256 MiB address-space limit still all get
# an answer, and a document that needs more than the limit is skipped.
if [ -n "$sanitized" ]; then
	skip 3 "a sanitizer build sets no address-space limit"
else
	run "$IRINDEX" --db "$tmp/small.db" --max-memory 256 "$h"
	status_is 0 "under --max-memory 256 the hostile files still end in exit 0"
	mkdir -p "$tmp/big"
	head -c 120000000 /dev/zero | tr '\000' b >"$tmp/big/b.txt"
	run "$IRINDEX" --db "$tmp/big.db" --max-memory 256 --max-text 200 "$tmp/big"
	status_is 0 "a 120 MB text under a 256 MiB limit: exit 0"
	like "$err" "skipped: out of memory \\(limit 256 MiB\\)" "...skipped as out of memory, the limit named"
fi
done_testing
