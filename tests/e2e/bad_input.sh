#!/bin/sh
# Bad roots, files, flags, configs, databases and queries: each gets one
# clear line on stderr ("prog: what: why") and the documented exit status
# (irindex 0/1/2, irsearch 0/1/2), never a crash.
. "$(dirname "$0")/lib.sh"

plan 88

# one_line PROG DESC: the last run wrote exactly one line on stderr, "PROG: ...".
one_line() {
	if [ "$(lines "$tmp/err")" = 1 ] && grep -q "^$1: " "$tmp/err"; then
		_tap_result 0 "$2"
	else
		_tap_result 1 "$2"
		diag_file "  stderr" "$tmp/err"
	fi
}

base=$(cd "$tmp" && pwd -P)	# irindex names files by their real path
good=$base/good
mkdir -p "$good" "$base/gone"
echo "Alpha report on the bravo pipeline." >"$good/alpha.txt"
echo "Charlie memo on the delta corridor." >"$base/gone/charlie.txt"
db=$base/index.db

# --- a root that is missing ------------------------------------------------
run "$IRINDEX" --db "$db" "$good" "$base/gone"
status_is 0 "irindex indexes two roots"
rm -r "$base/gone"
echo "Echo notes on the foxtrot terminal." >"$good/echo.txt"
run "$IRINDEX" --db "$db" "$base/gone" "$good"
status_is 1 "a missing root next to a good one: irindex exits 1"
one_line irindex "...with one line on stderr"
like "$err" "^irindex: $base/gone: " "...naming the missing root"
like "$out" "^irindex: 1 added, .* 1 failed, " "...and the summary counts the good root's new file and 1 failure"
run "$IRSEARCH" --db "$db" foxtrot
status_is 0 "the good root was still indexed (its new file is found)"
run "$IRSEARCH" --db "$db" charlie
status_is 0 "documents indexed under the now-missing root are kept"
run "$IRINDEX" --db "$db" "$base/nowhere"
status_is 1 "a missing root alone: irindex exits 1"
one_line irindex "...with one line on stderr"
like "$err" "^irindex: $base/nowhere: " "...naming the root"

# --- a file that cannot be read --------------------------------------------
# root reads anything whatever its mode, so as root the run is done as
# nobody, on a tree and database nobody owns, in a folder nobody can reach.
as_user=
unread_skip=
if [ "$(id -u)" = 0 ]; then
	if ! command -v setpriv >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
		unread_skip="running as root without setpriv or user nobody"
	else
		as_user="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
		mkdir -p "$base/nb/tree" "$base/nb/db" "$base/nb/bin"
		chmod 755 "$tmp" "$base/nb" "$base/nb/bin"
		chown -R nobody "$base/nb/tree" "$base/nb/db"
		# Copies, in case nobody cannot reach $IRS_BIN (a checkout under /root).
		cp "$IRINDEX" "$IRSEARCH" "$base/nb/bin/"
		chmod 755 "$base/nb/bin/irindex" "$base/nb/bin/irsearch"
		if ! $as_user test -x "$base/nb/bin/irindex" || ! $as_user test -w "$base/nb/db"; then
			unread_skip="user nobody cannot reach $tmp"
		fi
	fi
else
	mkdir -p "$base/nb/tree" "$base/nb/db"
fi
if [ -n "$unread_skip" ]; then
	skip 7 "$unread_skip"
else
	tree=$base/nb/tree
	echo "Golf report on the hotel district." >"$tree/readable.txt"
	echo "India memo, kept from prying eyes." >"$tree/secret.txt"
	chmod 000 "$tree/secret.txt"
	[ -n "$as_user" ] && chown nobody "$tree/readable.txt" "$tree/secret.txt"
	nb_index=$IRINDEX nb_search=$IRSEARCH
	[ -n "$as_user" ] && nb_index=$base/nb/bin/irindex nb_search=$base/nb/bin/irsearch
	run $as_user "$nb_index" --db "$base/nb/db/index.db" "$tree"
	status_is 1 "an unreadable file: irindex exits 1"
	one_line irindex "...with one line on stderr"
	is "$err" "irindex: $tree/secret.txt: cannot read: Permission denied" \
		"...saying 'irindex: PATH: cannot read: Permission denied'"
	like "$out" "^irindex: 1 added, .* 1 failed, " "...while the other file is added"
	run $as_user "$nb_search" --db "$base/nb/db/index.db" hotel
	status_is 0 "the readable file is found"
	chmod 644 "$tree/secret.txt"
	run $as_user "$nb_index" --db "$base/nb/db/index.db" "$tree"
	status_is 0 "once readable, the next run exits 0"
	like "$out" "^irindex: 1 added, 0 updated, 0 removed, 1 unchanged, " "...and adds it"
fi

# --- a binary file named .txt ----------------------------------------------
bin=$base/binary
mkdir -p "$bin"
if [ -f /bin/true ]; then
	cp /bin/true "$bin/tool.txt"
else
	printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000GLIBC\000\001\002\003' >"$bin/tool.txt"
fi
run "$IRINDEX" --db "$base/binary.db" "$bin"
status_is 0 "a binary file named .txt: irindex exits 0 (a skip is no failure)"
one_line irindex "...with one line on stderr"
like "$err" "^irindex: $bin/tool\\.txt: skipped: [a-z]+/[a-z0-9.+-]+$" "...'skipped:' with a MIME type"
unlike "$err" "skipped: text/" "...a type that is not text"
like "$out" "^irindex: 0 added, .* 1 skipped \\(1 [a-z]+/[a-z0-9.+-]+\\), 0 failed" \
	"...and the summary counts it as skipped with its type"
run "$IRSEARCH" --db "$base/binary.db" glibc
status_is 1 "its strings are not searchable"

# --- text with invalid UTF-8 and NUL bytes ---------------------------------
mkdir -p "$base/text1" "$base/text2" "$base/text3"
{
	printf 'Minutes of the water council\000 meeting, caf\351 \377\376 edition.\n'
	printf 'The delegates discussed quotas for the Amu Darya.\n'
} >"$base/text1/minutes.txt"
run "$IRINDEX" --db "$base/text1.db" "$base/text1"
status_is 0 "text with a NUL and invalid UTF-8 near its start: irindex exits 0"
like "$out" "^irindex: 1 added, " "...and indexes it, not skips it"
run "$IRSEARCH" --db "$base/text1.db" edition
status_is 0 "...the word right after the bad bytes is searchable"
run "$IRSEARCH" --db "$base/text1.db" quotas
status_is 0 "...and so is the next line"

# The same bytes past the first 4 KiB of an otherwise clean file.
{
	i=0
	while [ $i -lt 80 ]; do
		echo "Line $i of the annual report on regional trade and transit."
		i=$((i + 1))
	done
	printf 'Annex\000\000 caf\351 \377 zanzibar protocol.\n'
} >"$base/text2/long.txt"
run "$IRINDEX" --db "$base/text2.db" "$base/text2"
status_is 0 "NUL and invalid UTF-8 after 4 KiB of clean text: irindex exits 0"
like "$out" "^irindex: 1 added, " "...and indexes it"
run "$IRSEARCH" --db "$base/text2.db" zanzibar
status_is 0 "...the word after the bad bytes is searchable"

# Latin-1 text (invalid UTF-8, no NULs).
printf 'Le conseil de Gen\350ve a discut\351 du xylophone.\n' >"$base/text3/latin1.txt"
run "$IRINDEX" --db "$base/text3.db" "$base/text3"
status_is 0 "Latin-1 text: irindex exits 0"
like "$out" "^irindex: 1 added, " "...and indexes it"
run "$IRSEARCH" --db "$base/text3.db" xylophone
status_is 0 "...its words are searchable"

# --- queries ---------------------------------------------------------------
run "$IRSEARCH" --db "$db" ''
status_is 2 "an empty query: irsearch exits 2"
one_line irsearch "...with one line on stderr"
is "$out" "" "...and nothing on stdout"
run "$IRSEARCH" --db "$db" '   '
status_is 2 "a query of blanks: exit 2"
one_line irsearch "...with one line on stderr"
run "$IRSEARCH" --db "$db" '!!! ???'
status_is 2 "a query of punctuation only: exit 2"
one_line irsearch "...with one line on stderr"
run "$IRSEARCH" --db "$db" '"alpha report'
status_is 2 "an unbalanced quote: exit 2"
one_line irsearch "...with one line on stderr"
like "$err" "column" "...saying at which column"
run "$IRSEARCH" --db "$db"
status_is 2 "irsearch with no query: exit 2"
one_line irsearch "...with one line on stderr"

# --- options ---------------------------------------------------------------
run "$IRSEARCH" --db "$db" --bogus alpha
status_is 2 "irsearch --bogus: exit 2"
one_line irsearch "...with one line on stderr, 'irsearch: ...'"
like "$err" "--bogus" "...naming the option"
run "$IRINDEX" --db "$db" --bogus "$good"
status_is 2 "irindex --bogus: exit 2"
one_line irindex "...with one line on stderr, 'irindex: ...'"
like "$err" "--bogus" "...naming the option"
run "$IRINDEX" --db "$base/klingon.db" --languages klingon "$good"
status_is 2 "irindex --languages klingon on a new index: exit 2"
one_line irindex "...with one line on stderr"
like "$err" "klingon" "...naming the language"
ok "...and no index is created" test ! -e "$base/klingon.db"
run "$IRINDEX" --db "$base/noroots.db"
status_is 2 "irindex with no roots (none in a config either): exit 2"
one_line irindex "...with one line on stderr"

# --- config files ----------------------------------------------------------
printf '[index]\nlanguages = english\nroots = /nonexistent\ncolour = red\n' >"$base/bad.conf"
run "$IRSEARCH" --config "$base/bad.conf" --db "$db" alpha
status_is 2 "a config with an unknown key: irsearch exits 2"
one_line irsearch "...with one line on stderr"
like "$err" "^irsearch: $base/bad\\.conf:4: .*colour" "...as 'FILE:LINE:' naming the key"
run "$IRINDEX" --config "$base/bad.conf" --db "$db" "$good"
status_is 2 "the same config: irindex exits 2"
like "$err" "^irindex: $base/bad\\.conf:4: " "...with 'FILE:LINE:'"
run "$IRSEARCH" --config "$base/missing.conf" --db "$db" alpha
status_is 2 "a --config file that does not exist: exit 2"
one_line irsearch "...with one line on stderr"

# --- databases -------------------------------------------------------------
run "$IRSEARCH" --db "$base/none.db" alpha
status_is 2 "a query over a missing database: exit 2"
one_line irsearch "...with one line on stderr"
like "$err" "irindex" "...that says to build it with irindex"
ok "...and the database is not created" test ! -e "$base/none.db"

head -c 65536 /dev/urandom >"$base/garbage.db"
cp "$base/garbage.db" "$base/garbage.orig"
run "$IRSEARCH" --db "$base/garbage.db" alpha
status_is 2 "a garbage file as database: irsearch exits 2"
one_line irsearch "...with one line on stderr"
run "$IRINDEX" --db "$base/garbage.db" "$good"
status_is 2 "a garbage file as database: irindex exits 2"
one_line irindex "...with one line on stderr"
ok "...and leaves the file as it was" cmp -s "$base/garbage.db" "$base/garbage.orig"

# An index cut short (a copy interrupted, a disk that lost its end): every
# program says it is damaged and how to rebuild it, and nothing crashes.
run "$IRINDEX" --db "$base/cut.db" "$IRS_SRC/corpus"
status_is 0 "irindex builds an index of the corpus to cut short"
truncate -s "$(($(stat -c %s "$base/cut.db") / 3))" "$base/cut.db"
run "$IRSEARCH" --db "$base/cut.db" cooperation
status_is 2 "a query over an index cut to a third: exit 2"
like "$err" "damaged.*irindex --full" "...saying the index is damaged and to rebuild it with irindex --full"
run "$IRINDEX" --db "$base/cut.db" "$IRS_SRC/corpus"
status_is 2 "irindex over that index: exit 2"
like "$err" "damaged.*irindex --full" "...saying so too"
cp "$base/cut.db" "$base/cut.orig"
run "$IRINDEX" --full --db "$base/cut.db" "$IRS_SRC/corpus"
status_is 0 "irindex --full, as told, rebuilds it: exit 0"
like "$err" "damaged index set aside as .*cut\.db\.damaged; building a new one" "...saying where the damaged one went"
ok "...which is kept byte for byte" cmp -s "$base/cut.db.damaged" "$base/cut.orig"
run "$IRSEARCH" --db "$base/cut.db" cooperation
status_is 0 "...and the new index answers"

if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$base/other.db" "CREATE TABLE notes(x); INSERT INTO notes VALUES('keep me')"
	cp "$base/other.db" "$base/other.orig"
	run "$IRINDEX" --db "$base/other.db" "$good"
	status_is 2 "another program's SQLite database: irindex exits 2"
	one_line irindex "...with one line on stderr"
	ok "...and leaves that database byte for byte as it was" cmp -s "$base/other.db" "$base/other.orig"
	run "$IRSEARCH" --db "$base/other.db" alpha
	status_is 2 "another program's SQLite database: irsearch exits 2"
else
	skip 4 "no sqlite3 shell"
fi

mkdir -p "$base/adir.db"
run "$IRSEARCH" --db "$base/adir.db" alpha
status_is 2 "a folder as database: irsearch exits 2"
one_line irsearch "...with one line on stderr"

done_testing
