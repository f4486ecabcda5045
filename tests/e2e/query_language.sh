#!/bin/sh
# The query language end to end: filters narrow by date, type and language
# through SQL; a query of filters alone lists documents newest first;
# fields, groups and NEAR select the right documents; a query no document
# fully matches is relaxed and says so; passages carry their page (form
# feeds separate pages); --explain's parts add up to the score.
. "$(dirname "$0")/lib.sh"

plan 29

docs=$tmp/docs
mkdir -p "$docs"
cat >"$docs/summit-2023.md" <<'MD'
---
title: "The Samarkand Summit Reviewed"
author: "Ana Lopes"
date: 2023-09-10
lang: en
---
Leaders met in Samarkand and discussed energy corridors and water.
MD
cat >"$docs/summit-2024.md" <<'MD'
---
title: "Energy at the Astana Summit"
author: "Boris Kim"
date: 2024-07-05
lang: en
---
The summit agreed on an energy corridor across the steppe, far from the water talks.
MD
cat >"$docs/ru-2024.md" <<'MD'
---
title: "Саммит в Астане"
author: "Ирина Ким"
date: 2024-07-19
lang: ru
---
На саммите обсуждали энергетический коридор и сотрудничество.
MD
printf 'Pipeline notes\nThe first page speaks of tariffs only.\f' >"$docs/paged.txt"
printf 'The second page mentions the corridor once.\fThe third page: corridor tariffs again.\n' >>"$docs/paged.txt"
touch -d 2020-01-01 "$docs/paged.txt"
db=$tmp/index.db
run "$IRINDEX" --db "$db" "$docs"
status_is 0 "the four documents are indexed"

# ids QUERY: the file names of the hits, in order, one a line.
ids() {
	"$IRSEARCH" --db "$db" --json -n 50 "$@" >"$tmp/q.json"
	json_each "$tmp/q.json" '$.hits' path | sed 's,.*/,,'
}

is "$(ids 'summit OR саммит' after:2024 | sort | tr '\n' ' ')" "ru-2024.md summit-2024.md " "after:2024 keeps the 2024 reports"
is "$(ids summit before:2024 | tr '\n' ' ')" "summit-2023.md " "before:2024 keeps the 2023 one (before is exclusive)"
is "$(ids 'summit OR саммит' after:2024-07-10 | tr '\n' ' ')" "ru-2024.md " "after: takes a day"
is "$(ids summit after:2023-09 before:2024-07-06 | sort | tr '\n' ' ')" "summit-2023.md summit-2024.md " "after: and before: together bound a range"
is "$(ids corridor type:txt | tr '\n' ' ')" "paged.txt " "type:txt keeps the plain text"
is "$(ids 'summit OR саммит' type:md lang:ru | tr '\n' ' ')" "ru-2024.md " "lang:ru keeps the Russian report"
is "$(ids 'summit OR саммит' lang:en | sort | tr '\n' ' ')" "summit-2023.md summit-2024.md " "lang:en drops it"
is "$(ids type:md | tr '\n' ' ')" "ru-2024.md summit-2024.md summit-2023.md " "filters alone list the documents, newest first"
is "$(json_get "$tmp/q.json" '$.total')" 3 "...and count them"
is "$(json_get "$tmp/q.json" '$.hits[0].score' | awk '{ print $1 + 0 }')" 0 "...with no score"
run "$IRSEARCH" --db "$db" type:exe
status_is 2 "an unknown type is an error"
like "$err" "type: at column 1 takes pdf, html, docx, odt, epub, txt or md" "...naming the types"

is "$(ids title:energy | tr '\n' ' ')" "summit-2024.md " "title:energy finds the report with energy in its title only"
is "$(ids 'author:kim OR author:Ким' | sort | tr '\n' ' ')" "ru-2024.md summit-2024.md " "author: in both scripts finds both Kims"
is "$(ids 'summit (water OR коридор) -samarkand' | sort | tr '\n' ' ')" "summit-2024.md " "a group with an exclusion"
is "$(ids 'NEAR(steppe water, 3)' | tr '\n' ' ')" "summit-2024.md " "NEAR(steppe water, 3): three words apart"
is "$(ids 'NEAR(energy water, 3)' | tr '\n' ' ')" "summit-2023.md " "NEAR(energy water, 3) misses words 10 apart"

run "$IRSEARCH" --db "$db" --json "samarkand steppe"
status_is 0 "a query no document fully matches still answers"
is "$(json_get "$tmp/out" '$.relaxed')" true "...marked relaxed"
is "$(json_len "$tmp/out" '$.hits')" 2 "...with the documents that have some of the words"
run "$IRSEARCH" --db "$db" "samarkand steppe"
like "$out" "^No report has all the words" "the text output says so"
run "$IRSEARCH" --db "$db" --json "samarkand energy"
is "$(json_get "$tmp/out" '$.relaxed')" "" "a query some document fully matches is not relaxed"

run "$IRSEARCH" --db "$db" --json "corridor tariffs"
is "$(json_get "$tmp/out" '$.hits[0].page')" 3 "the hit's page is the best passage's: both words on page 3"
like "$(json_get "$tmp/out" '$.hits[0].passages[0].text')" "\\[corridor\\] \\[tariffs\\]" "...with both words marked"
run "$IRSEARCH" --db "$db" "corridor tariffs"
like "$out" "p\\. 3: " "the text output shows p. 3"

run "$IRSEARCH" --db "$db" --json --explain "energy corridor"
json_get "$tmp/out" '$.hits[0].explain' >"$tmp/x.json"
total=$(json_get "$tmp/x.json" '$.score')
parts=$(for c in title author body; do json_get "$tmp/x.json" "\$.columns.$c.score"; done; json_get "$tmp/x.json" '$.proximity')
sum=$(printf '%s\n' $parts | awk '{ s += $1 } END { printf "%.4f", s }')
is "$sum" "$(printf '%.4f' "$total")" "--explain: the columns' shares and the proximity bonus add up to the score"
is "$(json_get "$tmp/x.json" '$.columns.title.matches')" 1 "...and count the title's matches"
run "$IRSEARCH" --db "$db" --explain "energy corridor"
like "$out" "score [0-9.]+ = title [0-9.]+ \\(1 matches\\)" "the text output shows the parts"
done_testing
