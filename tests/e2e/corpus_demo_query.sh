#!/bin/sh
# The demo: index the sample corpus (Markdown, and HTML, PDF, DOCX and ODT
# versions of some reports), find the Astana Declaration in JSON and in
# text, the PDF with its page among the hits, and check the index with the
# sqlite3 shell.
. "$(dirname "$0")/lib.sh"

plan 31

db=$tmp/db/corpus.db	# its folder does not exist yet: irindex makes it
nall=$(find "$IRS_SRC/corpus" -type f ! -name '.*' | wc -l | tr -d ' ')
nformats=$(find "$IRS_SRC/corpus/formats" -type f | wc -l | tr -d ' ')

run "$IRINDEX" --db "$db" "$IRS_SRC/corpus"
status_is 0 "irindex over corpus/ exits 0"
ok "irindex creates the database and its folder" test -s "$db"
is "$(lines "$tmp/out")" 1 "irindex prints one summary line on stdout"
like "$out" "^irindex: $nall added, 0 updated, (0 moved, )?0 removed, 0 unchanged, 0 skipped, 0 failed, " \
	"summary: all $nall files added (Markdown, HTML, PDF, DOCX, ODT), none skipped"
is "$err" "" "stderr is empty"
is "$(sqlite3 "$db" "SELECT count(*) FROM documents WHERE path LIKE '%/formats/%' AND title IS NOT NULL
	AND date IS NOT NULL AND date_from_mtime = 0")" "$nformats" \
	"every one of the $nformats files in corpus/formats/ has a title and its own date"

run "$IRSEARCH" --db "$db" --json "Astana Declaration"
status_is 0 "irsearch --json 'Astana Declaration' exits 0"
printf '%s\n' "$out" >"$tmp/astana.json"
is "$(lines "$tmp/astana.json")" 1 "--json prints one line"
is "$err" "" "--json prints nothing on stderr"
like "$(json_get "$tmp/astana.json" '$.hits[0].path')" "/corpus/sco-astana-summit-2024\\.md$" \
	"first hit is corpus/sco-astana-summit-2024.md"
like "$(json_get "$tmp/astana.json" '$.hits[0].snippet')" "\\[Astana\\] \\[Declaration\\]" \
	"its snippet marks [Astana] [Declaration] with the default JSON markers"
title=$(json_get "$tmp/astana.json" '$.hits[0].title')
like "$title" "SCO" "its title is the SCO summit report's"
json_each "$tmp/astana.json" '$.hits' path >"$tmp/paths"
pdf_rank=$(grep -n '/corpus/formats/sco-astana-summit-2024\.pdf$' "$tmp/paths" | cut -d: -f1)
like "$pdf_rank" "^([1-9]|10)$" "the PDF version is among the top 10 hits"
is "$(json_type "$tmp/astana.json" "\$.hits[$((${pdf_rank:-1} - 1))].page")" integer "...with the page of its snippet"

# Text mode, with stdout a file: no terminal, so no escapes.
run "$IRSEARCH" --db "$db" "Astana Declaration"
status_is 0 "irsearch in text mode exits 0"
first=$(head -n 1 "$tmp/out")
like "$first" "^ *1\\. " "text mode numbers the first hit 1."
ok "text mode shows the SCO report's title on the first line" \
	sh -c 'head -n 1 "$1" | grep -qF -- "$2"' sh "$tmp/out" "$title"
ok "text mode shows the report's path" grep -q '/corpus/sco-astana-summit-2024\.md$' "$tmp/out"
ok "text mode shows the PDF hit's page as 'p. N'" \
	sh -c 'grep -m1 -A2 "sco-astana-summit-2024\.pdf$" "$1" | grep -q "p\. [0-9]"' sh "$tmp/out"
is "$(grep -c "$(printf '\033')" "$tmp/out")" 0 "text mode into a file has no ANSI escapes"

ESC=$(printf '\033')
run "$IRSEARCH" --db "$db" --color always "Astana Declaration"
status_is 0 "irsearch --color always exits 0"
ok "--color always highlights matched words in bold" grep -qF "${ESC}[1mAstana" "$tmp/out"

# Without --db: $IRSEARCH_DB, else $XDG_DATA_HOME/irsearch/index.db (no
# daemon runs here, so irsearch reads the file itself).
run env IRSEARCH_DB="$db" "$IRSEARCH" -n 1 "Astana Declaration"
status_is 0 "irsearch finds the index through \$IRSEARCH_DB"
like "$out" "sco-astana-summit-2024\.md" "...and the same first hit"
mkdir -p "$tmp/small"
echo "A note on the Astana Declaration." >"$tmp/small/note.txt"
run "$IRINDEX" "$tmp/small"
status_is 0 "irindex without --db exits 0"
ok "...and makes \$XDG_DATA_HOME/irsearch/index.db" test -s "$XDG_DATA_HOME/irsearch/index.db"
run "$IRSEARCH" "Astana Declaration"
status_is 0 "irsearch without --db finds documents there"
like "$out" "/small/note\.txt$" "...the note, not the corpus"

# The index through the sqlite3 shell, with the tokenizer from the extension.
reason=$(ext_skip_reason)
if [ -n "$reason" ]; then
	skip 3 "$reason"
else
	run irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" "PRAGMA integrity_check"
	status_is 0 "sqlite3 loads the extension and runs PRAGMA integrity_check"
	is "$out" "ok" "PRAGMA integrity_check says ok"
	run irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" \
		"INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)"
	if [ "$rc" = 0 ] && [ -z "$err" ]; then
		_tap_result 0 "FTS5 integrity-check (index against its text) succeeds"
	else
		_tap_result 1 "FTS5 integrity-check (index against its text) succeeds"
		diag "  exit $rc: $err"
	fi
fi

done_testing
