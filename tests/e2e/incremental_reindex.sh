#!/bin/sh
# Re-running irindex reads only what changed: edits are updated, touched but
# identical files stay unchanged, deleted files leave the index, new ones
# join it, --full re-reads all, --quiet is silent; never a duplicate row.
. "$(dirname "$0")/lib.sh"

plan 47

docs=$(cd "$tmp" && pwd -P)/docs
db=$tmp/index.db
mkdir -p "$docs/sub"
echo "Report one on the papaya harvest." >"$docs/one.txt"
echo "Report two on grain storage." >"$docs/two.txt"
echo "Report three on river transport." >"$docs/three.txt"
echo "Report four on rail tariffs." >"$docs/sub/four.md"

have_sqlite3=
command -v sqlite3 >/dev/null 2>&1 && have_sqlite3=1

# count_is N DESC: the index holds N documents, one per path (sqlite3 shell).
count_is() {
	if [ -z "$have_sqlite3" ]; then
		skip 1 "no sqlite3 shell"
		return
	fi
	is "$(sqlite3 -batch "$db" "SELECT count(*) || ' ' || count(DISTINCT path) FROM documents")" \
		"$1 $1" "$2"
}

# found WORD: irsearch finds WORD (exit 0), or not (exit 1); anything else is an error.
found() {
	"$IRSEARCH" --db "$db" "$1" >/dev/null 2>"$tmp/found.err"
	_f=$?
	[ "$_f" -le 1 ] || { cat "$tmp/found.err" >&2; return 2; }
	return $_f
}

run "$IRINDEX" --db "$db" "$docs"
status_is 0 "first run exits 0"
like "$out" "^irindex: 4 added, 0 updated, 0 removed, 0 unchanged, 0 skipped, " "first run: 4 added"
count_is 4 "the index holds 4 documents"

run "$IRINDEX" --db "$db" "$docs"
status_is 0 "a second run exits 0"
like "$out" "^irindex: 0 added, 0 updated, 0 removed, 4 unchanged, " "second run: 0 added, 0 updated, 0 removed, 4 unchanged"
count_is 4 "still 4 documents"

# Same size, new words, and an mtime set apart so that no timestamp
# granularity can hide the change.
echo "Report one on the banana harvest." >"$docs/one.txt"
touch -t 202001020304.05 "$docs/one.txt"
run "$IRINDEX" --db "$db" "$docs"
status_is 0 "after an edit: exit 0"
like "$out" "^irindex: 0 added, 1 updated, 0 removed, 3 unchanged, " "the edited file is 1 updated"
found banana
is $? 0 "its new words are found"
found papaya
is $? 1 "its old words are gone"
count_is 4 "still 4 documents, no duplicate"

touch -t 202105060708.09 "$docs/two.txt"
run "$IRINDEX" -v --db "$db" "$docs"
status_is 0 "after a touch: exit 0"
like "$out" "^irindex: 0 added, 0 updated, 0 removed, 4 unchanged, " "a touched, identical file counts as unchanged (same hash)"
unlike "$err" "two\\.txt" "...and -v does not name it as updated"
run "$IRINDEX" -v --db "$db" "$docs"
like "$out" "^irindex: 0 added, 0 updated, 0 removed, 4 unchanged, " "the run after that leaves it unchanged too"
found grain
is $? 0 "the touched file is still found"

rm "$docs/three.txt"
run "$IRINDEX" --db "$db" "$docs"
status_is 0 "after a delete: exit 0"
like "$out" "^irindex: 0 added, 0 updated, 1 removed, 3 unchanged, " "the deleted file is 1 removed"
found river
is $? 1 "it is no longer found"
count_is 3 "the index holds 3 documents"

echo "Report five on border crossings." >"$docs/sub/five.txt"
run "$IRINDEX" -v --db "$db" "$docs"
status_is 0 "after an addition: exit 0"
like "$out" "^irindex: 1 added, 0 updated, 0 removed, 3 unchanged, " "the new file is 1 added"
like "$err" "^irindex: $docs/sub/five\\.txt: added$" "-v names the added file"
found crossings
is $? 0 "it is found"
count_is 4 "the index holds 4 documents"

id_before=$(sqlite3 "$db" "SELECT id FROM documents WHERE path = '$docs/two.txt'")
mv "$docs/two.txt" "$docs/sub/two-renamed.txt"
run "$IRINDEX" --db "$db" "$docs"
status_is 0 "after a rename: exit 0"
like "$out" "^irindex: 0 added, 0 updated, 1 moved, 0 removed, 3 unchanged, " "a rename is 1 moved, not re-read"
is "$(sqlite3 "$db" "SELECT id FROM documents WHERE path = '$docs/sub/two-renamed.txt'")" "$id_before" \
	"...and keeps its document"
run "$IRSEARCH" --db "$db" --json grain
like "$out" "/sub/two-renamed\\.txt\"" "the document is found under its new path"
unlike "$out" "/docs/two\\.txt\"" "...and no longer under its old one"
count_is 4 "the index holds 4 documents"

run "$IRINDEX" --full --db "$db" "$docs"
status_is 0 "--full exits 0"
like "$out" "^irindex: 0 added, 4 updated, 0 removed, 0 unchanged, " "--full re-reads every file: 4 updated"
count_is 4 "still 4 documents, no duplicates"
found banana
is $? 0 "documents are still found after --full"

echo "Report six on customs data." >"$docs/six.txt"
run "$IRINDEX" --quiet --db "$db" "$docs"
status_is 0 "--quiet with a new file: exit 0"
is "$out" "" "--quiet prints nothing on stdout"
is "$err" "" "--quiet prints nothing on stderr"
found customs
is $? 0 "--quiet still indexed the new file"
run "$IRINDEX" -q --db "$db" "$docs"
status_is 0 "-q with nothing changed: exit 0"
is "$out$err" "" "-q prints nothing at all"
count_is 5 "the index holds 5 documents"

# Indexing one root leaves the documents of another alone, even when the
# other's name starts with the first's (docs2 next to docs).
other=${docs}2
mkdir -p "$other"
echo "Other root on salt lakes." >"$other/salt.txt"
run "$IRINDEX" --db "$db" "$other"
like "$out" "^irindex: 1 added, 0 updated, 0 removed, 0 unchanged, " "indexing a second root adds its file and removes nothing"
found banana
is $? 0 "the first root's documents are still found"
run "$IRINDEX" --db "$db" "$docs"
like "$out" "^irindex: 0 added, 0 updated, 0 removed, 5 unchanged, " "re-indexing docs/ does not remove docs2/'s file"
found salt
is $? 0 "docs2/'s document is still found"
count_is 6 "the index holds 6 documents"

done_testing
