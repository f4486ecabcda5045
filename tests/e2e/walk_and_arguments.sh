#!/bin/sh
# Exclusions typed as separate arguments are query, not options; symbolic
# link loops and broken links are skipped, not failures; an unsupported
# file is skipped with its type, whatever its size.
. "$(dirname "$0")/lib.sh"

plan 12

docs=$tmp/docs
mkdir -p "$docs/sub"
echo "The SCO summit adopted a declaration on regional security." >"$docs/sco.txt"
echo "The SCO and NATO held no joint meeting on regional security." >"$docs/sco-nato.txt"
ln -s .. "$docs/sub/loop"
ln -s "$docs/missing.txt" "$docs/broken.txt"
db=$tmp/index.db

run "$IRINDEX" --db "$db" "$docs"
status_is 0 "a symbolic link loop and a broken link do not fail the run"
like "$err" "loop: skipped: symbolic link loop, not followed" "...the loop is named as skipped"
like "$err" "broken.txt: skipped: broken symbolic link" "...and so is the broken link"
like "$out" "^irindex: 2 added, .* 2 skipped .*, 0 failed" "...both counted as skipped"

run "$IRSEARCH" --db "$db" --json sco -nato
status_is 0 "irsearch sco -nato: -nato is an exclusion, not an option"
is "$(json_get "$tmp/out" '$.total')" 1 "...and it excludes the NATO report"
run "$IRSEARCH" --db "$db" --json -n 5 sco -security
status_is 1 "options before the query still work, and -security excludes both"
run "$IRSEARCH" --db "$db" -- -nato sco
status_is 0 "a query starting with an exclusion works after --"

# A 100 MiB "PDF" of zeros: read by a worker, refused as damaged.
big=$tmp/big
mkdir -p "$big"
{ printf '%%PDF-1.7\n'; head -c 1048576 /dev/zero; } >"$big/report.pdf"
truncate -s 100M "$big/report.pdf"
run "$IRINDEX" --db "$tmp/big.db" "$big"
status_is 0 "a large PDF of zeros is skipped"
like "$out" "1 skipped \\(1 damaged PDF" "...as a damaged PDF"
run "$IRSEARCH" --db "$db" --offset 1 -n 1 --json regional
status_is 0 "--offset 1 -n 1 is parsed as options"
is "$(json_len "$tmp/out" '$.hits')" 1 "...giving one hit"
done_testing
