#!/bin/sh
# The demo: index the sample corpus, find the Astana Declaration in JSON and
# in text, and check the index with the sqlite3 shell.
. "$(dirname "$0")/lib.sh"

plan 29

db=$tmp/db/corpus.db	# its folder does not exist yet: irindex makes it
nmd=$(find "$IRS_SRC/corpus" -name '*.md' | wc -l | tr -d ' ')
nother=$(find "$IRS_SRC/corpus" -type f ! -name '*.md' ! -name '.*' | wc -l | tr -d ' ')

run "$IRINDEX" --db "$db" "$IRS_SRC/corpus"
status_is 0 "irindex over corpus/ exits 0 (skipped types are not failures)"
ok "irindex creates the database and its folder" test -s "$db"
is "$(lines "$tmp/out")" 1 "irindex prints one summary line on stdout"
like "$out" "^irindex: $nmd added, 0 updated, 0 removed, 0 unchanged, " \
	"summary starts with 'irindex: $nmd added' ($nmd .md files)"
like "$out" " $nother skipped \\([0-9]+ [a-z]+/[^ ,)]+(, [0-9]+ [a-z]+/[^ ,)]+)*\\), 0 failed, " \
	"summary counts the $nother files of other formats as skipped, by MIME type"
is "$(grep -c ': skipped: ' "$tmp/err")" "$nother" "stderr has one 'skipped:' line per skipped file"
is "$(grep -vc '^irindex: /.*: skipped: [a-z]*/[^ ]*$' "$tmp/err")" 0 \
	"stderr holds nothing but 'irindex: PATH: skipped: MIME' lines"

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

# Text mode, with stdout a file: no terminal, so no escapes.
run "$IRSEARCH" --db "$db" "Astana Declaration"
status_is 0 "irsearch in text mode exits 0"
first=$(head -n 1 "$tmp/out")
like "$first" "^ *1\\. " "text mode numbers the first hit 1."
ok "text mode shows the SCO report's title on the first line" \
	sh -c 'head -n 1 "$1" | grep -qF -- "$2"' sh "$tmp/out" "$title"
ok "text mode shows the report's path" grep -q '/corpus/sco-astana-summit-2024\.md$' "$tmp/out"
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
