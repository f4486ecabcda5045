#!/bin/sh
# make install puts the programs, the SQLite extension and the man pages
# under PREFIX (or DESTDIR/PREFIX), the installed programs work, and
# make uninstall takes every file away again.
. "$(dirname "$0")/lib.sh"

case $IRS_BIN in
*/asan | */asan/)
	skip_all "install is checked on the plain build, not the sanitizer build"
	;;
esac
if ! command -v make >/dev/null 2>&1; then
	skip_all "no make"
fi
# make install builds what is out of date; building here would rewrite the
# programs other tests are running, so the build must be current already.
make -s -q -C "$IRS_SRC" BUILD="$IRS_BIN" all >/dev/null 2>&1
case $? in
0) ;;
1)
	skip_all "$IRS_BIN is older than the sources; run make first"
	;;
*)
	echo "Bail out! make -q all fails in $IRS_SRC"
	exit 2
	;;
esac

plan 25

# The man pages in man/, wherever they are installed: man1/irindex.1 ...
man_pages=$(cd "$IRS_SRC/man" 2>/dev/null && ls -- *.[1-9] 2>/dev/null | tr '\n' ' ')
for required in irindex.1 irsearch.1; do
	case " $man_pages " in
	*" $required "*) ;;
	*) man_pages="$man_pages $required" ;;
	esac
done
# The files an install must make, relative to PREFIX.
expected="bin/irindex bin/irsearch lib/irsearch/irsearch.so"
[ -x "$IRS_BIN/irsearchd" ] && expected="$expected bin/irsearchd"
for page in $man_pages; do
	expected="$expected share/man/man${page##*.}/$page"
done

# all_there ROOT: lists the expected files missing below ROOT; exit 0 when none.
all_there() {
	_missing=
	for _f in $expected; do
		[ -f "$1/$_f" ] || _missing="$_missing $_f"
	done
	[ -z "$_missing" ] && return 0
	echo "missing:$_missing"
	return 1
}

prefix=$tmp/x
run make -C "$IRS_SRC" BUILD="$IRS_BIN" install PREFIX="$prefix"
status_is 0 "make install PREFIX=... exits 0"
missing=$(all_there "$prefix")
is "$missing" "" "it installs $expected"
ok "bin/irindex is executable" test -x "$prefix/bin/irindex"
ok "bin/irsearch is executable" test -x "$prefix/bin/irsearch"
ok "irindex.1 is a man page" grep -q '^\.TH' "$prefix/share/man/man1/irindex.1"
ok "irsearch.1 is a man page" grep -q '^\.TH' "$prefix/share/man/man1/irsearch.1"
is "$(find "$prefix" -type f | sed "s,^$prefix/,," | sort | tr '\n' ' ')" \
	"$(printf '%s\n' $expected | sort | tr '\n' ' ')" "nothing else is installed"

run "$prefix/bin/irsearch" --version
status_is 0 "the installed irsearch runs --version"
like "$out" "^irsearch [0-9]+\\.[0-9]+" "...and names itself and its version"
run "$prefix/bin/irindex" --version
status_is 0 "the installed irindex runs --version"
like "$out" "^irindex [0-9]+\\.[0-9]+" "...and names itself and its version"

mkdir -p "$tmp/docs"
echo "Installed programs index this walrus memo." >"$tmp/docs/walrus.txt"
run "$prefix/bin/irindex" --db "$tmp/index.db" "$tmp/docs"
status_is 0 "the installed irindex indexes a folder"
run "$prefix/bin/irsearch" --db "$tmp/index.db" walruses
status_is 0 "the installed irsearch finds a document in it"
if command -v sqlite3 >/dev/null 2>&1; then
	run sqlite3 -batch "$tmp/index.db" ".load $prefix/lib/irsearch/irsearch" \
		"SELECT count(*) FROM fts WHERE fts MATCH 'walrus'"
	status_is 0 "the installed extension loads into sqlite3"
	is "$out" 1 "...and reads the index"
else
	skip 2 "no sqlite3 shell"
fi

run make -C "$IRS_SRC" BUILD="$IRS_BIN" uninstall PREFIX="$prefix"
status_is 0 "make uninstall PREFIX=... exits 0"
is "$(find "$prefix" -type f | sed "s,^$prefix/,,")" "" "...and removes every installed file"
ok "...and the lib/irsearch folder" test ! -e "$prefix/lib/irsearch"

# Staged install for packaging: files land below DESTDIR, nowhere else.
stage=$tmp/stage
run make -C "$IRS_SRC" BUILD="$IRS_BIN" install DESTDIR="$stage" PREFIX=/usr
status_is 0 "make install DESTDIR=... PREFIX=/usr exits 0"
missing=$(all_there "$stage/usr")
is "$missing" "" "it puts every file under DESTDIR/usr"
is "$(find "$stage" -type f ! -path "$stage/usr/*")" "" "...and nothing outside DESTDIR/usr"
run "$stage/usr/bin/irsearch" --version
status_is 0 "the staged irsearch runs"
ok "the staged man page is in DESTDIR/usr/share/man/man1" test -f "$stage/usr/share/man/man1/irsearch.1"
run make -C "$IRS_SRC" BUILD="$IRS_BIN" uninstall DESTDIR="$stage" PREFIX=/usr
status_is 0 "make uninstall DESTDIR=... PREFIX=/usr exits 0"
is "$(find "$stage" -type f)" "" "...and removes every staged file"

done_testing
