#!/bin/sh
# A word finds its inflected forms (English and Russian Snowball stems),
# diacritics fold away, a prefix matches words as written, and snippets
# highlight the form the document uses.
. "$(dirname "$0")/lib.sh"

plan 27

docs=$tmp/docs
mkdir -p "$docs"
echo "Regional cooperation grew stronger after the summit in the capital." >"$docs/cooperation.txt"
echo "The ministers agreed to cooperate on water allocation." >"$docs/cooperate.txt"
echo "Neighbours are cooperating on border checks this year." >"$docs/cooperating.txt"
echo "Wheat prices rose sharply in the spring." >"$docs/unrelated.txt"
echo "Энергетическое сотрудничество между странами растёт." >"$docs/russian.txt"
echo "Türkiye hosted the meeting of the Organization of Turkic States." >"$docs/turkiye.txt"
echo "New data sanitization rules were adopted by the agency." >"$docs/sanitization.txt"
db=$tmp/index.db

run "$IRINDEX" --db "$db" "$docs"
status_is 0 "irindex indexes the seven documents"
like "$out" "^irindex: 7 added, " "summary says 7 added"

# search QUERY: runs irsearch --json; $tmp/q.json holds the answer,
# $found the matching file names, sorted, one a line.
search() {
	run "$IRSEARCH" --db "$db" --json -n 100 "$1"
	printf '%s\n' "$out" >"$tmp/q.json"
	found=$(json_each "$tmp/q.json" '$.hits' path | sed 's,.*/,,' | sort)
}

# snippet_of FILE-NAME: the snippet of that document in the last search.
snippet_of() {
	_n=$(json_len "$tmp/q.json" '$.hits')
	_i=0
	while [ "$_i" -lt "${_n:-0}" ]; do
		case $(json_get "$tmp/q.json" "\$.hits[$_i].path") in
		*/"$1") json_get "$tmp/q.json" "\$.hits[$_i].snippet"; return ;;
		esac
		_i=$((_i + 1))
	done
}

cooper="cooperate.txt
cooperating.txt
cooperation.txt"

search cooperating
status_is 0 "'cooperating' matches"
is "$found" "$cooper" "'cooperating' finds exactly the cooperation, cooperate and cooperating documents"
like "$(snippet_of cooperation.txt)" "\\[cooperation\\]" "query 'cooperating' highlights [cooperation] in that document"
like "$(snippet_of cooperate.txt)" "\\[cooperate\\]" "...and [cooperate] in that one"
like "$(snippet_of cooperating.txt)" "\\[cooperating\\]" "...and [cooperating] in its own"

search cooperation
is "$found" "$cooper" "'cooperation' finds the same three"
search Cooperate
is "$found" "$cooper" "'Cooperate' (capitalised) finds the same three"

search '"cooperating on"'
status_is 0 "a phrase of stemmed words matches"
is "$found" "cooperate.txt
cooperating.txt" "phrase '\"cooperating on\"' finds 'cooperate on' and 'cooperating on', not 'cooperation grew'"

search 'cooperation -water'
is "$found" "cooperating.txt
cooperation.txt" "'cooperation -water' leaves out the document about water"
run "$IRSEARCH" --db "$db" -- cooperation -water
like "$rc:$(printf '%s\n' "$out" | grep -c '\.txt$')" "^0:2$" \
	"after --, separate arguments 'cooperation' '-water' are the same query (2 hits)"

search сотрудничества
status_is 0 "Russian 'сотрудничества' (genitive) matches"
is "$found" "russian.txt" "...the document with 'сотрудничество' (nominative), only it"
like "$(snippet_of russian.txt)" "\\[сотрудничество\\]" "...highlighting [сотрудничество]"
search СОТРУДНИЧЕСТВОМ
is "$found" "russian.txt" "upper-case instrumental 'СОТРУДНИЧЕСТВОМ' finds it too"
search 'сотруднич*'
is "$found" "russian.txt" "a Cyrillic prefix 'сотруднич*' finds it"

search turkiye
status_is 0 "'turkiye' without the diaeresis matches"
is "$found" "turkiye.txt" "...the Türkiye document, only it"
like "$(snippet_of turkiye.txt)" "\\[Türkiye\\]" "...highlighting the word as written, [Türkiye]"
search TÜRKIYE
is "$found" "turkiye.txt" "'TÜRKIYE' (upper case, with diaeresis) finds it too"

search 'sanitiz*'
status_is 0 "prefix 'sanitiz*' matches"
is "$found" "sanitization.txt" "...the sanitization document, only it"
like "$(snippet_of sanitization.txt)" "\\[sanitization\\]" "...highlighting [sanitization]"

search 'wheat'
is "$found" "unrelated.txt" "'wheat' finds only the unrelated document (no stray matches)"

search растет
is "$found" "russian.txt" "'растет' (е for ё, as often typed) finds 'растёт'"

done_testing
