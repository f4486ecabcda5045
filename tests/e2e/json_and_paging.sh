#!/bin/sh
# irsearch --json: the response object (ok, total, took_ms, hits[] with id,
# path, title, score, snippet, date, type), paging with -n and --offset,
# --sort date, the empty answer, errors as JSON, and limits on -n.
. "$(dirname "$0")/lib.sh"

plan 57

db=$tmp/corpus.db
run "$IRINDEX" --db "$db" "$IRS_SRC/corpus"
status_is 0 "irindex indexes the corpus"

# search FILE ARGS...: irsearch --json ARGS into $tmp/FILE.
search() {
	_s_file=$tmp/$1
	shift
	run "$IRSEARCH" --db "$db" --json "$@"
	printf '%s\n' "$out" >"$_s_file"
}

q=cooperation
search all.json -n 1000 "$q"
status_is 0 "--json '$q' exits 0"
is "$(lines "$tmp/all.json")" 1 "the answer is one line"
ok "...of valid JSON" json_valid "$tmp/all.json"
is "$err" "" "...and nothing goes to stderr"
is "$(json_type "$tmp/all.json" '$.ok')" true "ok is true"
is "$(json_type "$tmp/all.json" '$.total')" integer "total is an integer"
like "$(json_type "$tmp/all.json" '$.took_ms')" "^(real|integer)$" "took_ms is a number"
is "$(json_type "$tmp/all.json" '$.hits')" array "hits is an array"
total=$(json_get "$tmp/all.json" '$.total')
like "$total" "^[1-9][0-9]*$" "'$q' matches some documents ($total)"
is "$(json_len "$tmp/all.json" '$.hits')" "$total" "with -n 1000 every match is a hit"

is "$(json_type "$tmp/all.json" '$.hits[0].id')" integer "a hit has an integer id"
like "$(json_get "$tmp/all.json" '$.hits[0].path')" "^/.*/corpus/[^/]+\\.md$" "...an absolute path"
is "$(json_type "$tmp/all.json" '$.hits[0].title')" text "...a title"
like "$(json_type "$tmp/all.json" '$.hits[0].score')" "^(real|integer)$" "...a numeric score"
like "$(json_get "$tmp/all.json" '$.hits[0].snippet')" "\\[[^]]+\\]" "...a snippet with [marked] words"
like "$(json_get "$tmp/all.json" '$.hits[0].date')" "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" "...a YYYY-MM-DD date"
is "$(json_get "$tmp/all.json" '$.hits[0].type')" text/markdown "...and a MIME type"

scores=$(json_each "$tmp/all.json" '$.hits' score)
ok "hits come best first (scores do not increase)" \
	sh -c 'printf "%s\n" "$1" | awk "NR > 1 && \$1 + 0 > prev + 0 { exit 1 } { prev = \$1 }"' sh "$scores"
ids=$(json_each "$tmp/all.json" '$.hits' id)
is "$(printf '%s\n' "$ids" | sort | uniq -d)" "" "no document appears twice"

# Paging.
search p1.json -n 2 "$q"
status_is 0 "-n 2 exits 0"
is "$(json_len "$tmp/p1.json" '$.hits')" 2 "-n 2 gives 2 hits"
is "$(json_get "$tmp/p1.json" '$.total')" "$total" "...and the same total"
p1=$(json_each "$tmp/p1.json" '$.hits' id)
is "$p1" "$(printf '%s\n' "$ids" | sed -n 1,2p)" "...the first two of the full list"
search p2.json -n 2 --offset 2 "$q"
status_is 0 "--offset 2 -n 2 exits 0"
p2=$(json_each "$tmp/p2.json" '$.hits' id)
is "$p2" "$(printf '%s\n' "$ids" | sed -n 3,4p)" "--offset 2 gives the third and fourth"
is "$(printf '%s\n%s\n' "$p1" "$p2" | sort | uniq -d)" "" "...no overlap with the first page"
search end.json --offset "$total" "$q"
status_is 0 "--offset past the last hit exits 0 (there are matches)"
is "$(json_len "$tmp/end.json" '$.hits'),$(json_get "$tmp/end.json" '$.total')" "0,$total" \
	"...with no hits and the same total"

# Text mode pages too.
run "$IRSEARCH" --db "$db" -n 2 --offset 2 "$q"
status_is 0 "text mode with -n 2 --offset 2 exits 0"
is "$(grep -Ec '^ *[0-9]+\. ' "$tmp/out")" 2 "...shows 2 numbered hits"
like "$out" "^ *3\\. " "...numbered from 3"

# Newest first.
search date.json -n 1000 --sort date "$q"
status_is 0 "--sort date exits 0"
dates=$(json_each "$tmp/date.json" '$.hits' date)
ok "--sort date orders hits by date, newest first" \
	sh -c 'printf "%s\n" "$1" | sort -c -r' sh "$dates"
is "$(json_each "$tmp/date.json" '$.hits' id | sort -n)" "$(printf '%s\n' "$ids" | sort -n)" \
	"...the same documents as by rank"

# Nothing found.
search none.json nosuchwordanywhere
status_is 1 "no match: exit 1"
like "$out" '^\{"ok":true,"total":0,' "...answering {\"ok\":true,\"total\":0,...}"
is "$(json_len "$tmp/none.json" '$.hits')" 0 "...with an empty hits array"
is "$err" "" "...and nothing on stderr"

# Errors, as the JSON the daemon would send.
search bad.json '"unbalanced'
status_is 2 "--json with a bad query: exit 2"
is "$(json_type "$tmp/bad.json" '$.ok')" false "...ok is false"
is "$(json_get "$tmp/bad.json" '$.error.code')" bad_query "...error code bad_query"
like "$(json_get "$tmp/bad.json" '$.error.message')" "column" "...and a message naming the column"
run "$IRSEARCH" --db "$tmp/missing.db" --json astana
printf '%s\n' "$out" >"$tmp/missing.json"
status_is 2 "--json without an index: exit 2"
is "$(json_get "$tmp/missing.json" '$.error.code')" unavailable "...error code unavailable"

# Bounds of -n, --offset, --sort.
for arg in "-n 0" "-n 5000" "-n ten" "--offset -1" "--sort size"; do
	# shellcheck disable=SC2086
	run "$IRSEARCH" --db "$db" $arg "$q"
	if [ "$rc" = 2 ] && [ "$(lines "$tmp/err")" = 1 ] && [ -z "$out" ]; then
		_tap_result 0 "'$arg' is refused: exit 2, one line on stderr"
	else
		_tap_result 1 "'$arg' is refused: exit 2, one line on stderr"
		diag "  exit $rc, stdout '$out', stderr '$err'"
	fi
done
run "$IRSEARCH" --db "$db" -n 1000 "$q"
status_is 0 "-n 1000 (the most) is accepted"

# A large page gets its snippets in one pass over the matches, a small one hit by
# hit: the hits both pages share have the same snippets and passages.
search small.json -n 10 cooperation
search large.json -n 40 cooperation
is "$(json_each "$tmp/large.json" '$.hits' snippet | head -n 10)" "$(json_each "$tmp/small.json" '$.hits' snippet)" \
	"the first 10 snippets of a 40-hit page are those of a 10-hit page"
like "$(json_len "$tmp/large.json" '$.hits[30].passages')" '^[1-3]$' "...and the 31st hit has its passages too"

# File names that need escaping, or are not UTF-8, still give valid JSON.
odd=$tmp/odd
mkdir -p "$odd"
echo "Quokka census results." >"$odd/quote \"and\" back\\slash.txt"
echo "Quokka habitat notes." >"$odd/$(printf 'latin1-caf\351.txt')"
run "$IRINDEX" --db "$tmp/odd.db" "$odd"
status_is 0 "file names with quotes, a backslash and a Latin-1 byte are indexed"
run "$IRSEARCH" --db "$tmp/odd.db" --json quokka
printf '%s\n' "$out" >"$tmp/odd.json"
status_is 0 "...and found"
ok "...in valid JSON" json_valid "$tmp/odd.json"
like "$(json_each "$tmp/odd.json" '$.hits' path)" '/quote "and" back\\slash\.txt$' "...with the quoted name intact"

done_testing
