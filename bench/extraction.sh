#!/bin/sh
# bench/extraction.sh [COPIES]: extraction throughput per format, and what
# isolation costs against in-process extraction on the text corpus.
#
# Builds corpora in a temporary folder from corpus/ (COPIES copies of each
# file, default 100, each copy made distinct by a line of its own so that no
# two files hash alike), then times irindex on a fresh index, the median of
# 3 runs:
#   - per format (Markdown, HTML, PDF, DOCX, ODT): files/s and MiB/s, -j one per core;
#   - the Markdown corpus with --in-process, -j 1 and -j one per core: the
#     isolation's cost is -j 1 against --in-process (same single extractor).
# Uses build/irindex unless IRS_BIN names another build.  Prints a Markdown table.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${IRS_BIN:-$here/build}
IRINDEX=$BIN/irindex
COPIES=${1:-100}
[ -x "$IRINDEX" ] || { echo "bench/extraction.sh: no $IRINDEX (run make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/irs-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cores=$(getconf _NPROCESSORS_ONLN)

calc() { awk "BEGIN { printf \"$1\\n\", $2 }"; }

# copies EXT SRC...: COPIES distinct copies of each source into $tmp/EXT.
copies() {
	ext=$1
	shift
	mkdir -p "$tmp/$ext"
	for src in "$@"; do
		name=$(basename "$src" ".$ext")
		i=0
		while [ $i -lt "$COPIES" ]; do
			if [ "$ext" = md ]; then
				{ cat "$src"; printf '\nCopy %d of %s.\n' $i "$name"; } >"$tmp/$ext/$name-$i.$ext"
			else
				# Exact copies: a new path is a new document, extracted in full.
				cp "$src" "$tmp/$ext/$name-$i.$ext"
			fi
			i=$((i + 1))
		done
	done
}

copies md "$here"/corpus/*.md
for ext in html pdf docx odt; do
	copies $ext "$here"/corpus/formats/*.$ext
done

# seconds DIR ARGS...: median wall time of 3 runs of irindex ARGS on DIR, each on a fresh index.
seconds() {
	dir=$1
	shift
	for run in 1 2 3; do
		rm -f "$tmp/db"*
		start=$(date +%s.%N)
		"$IRINDEX" --quiet --db "$tmp/db" "$@" "$dir" || { echo "irindex failed" >&2; exit 1; }
		end=$(date +%s.%N)
		calc %.3f "$end - $start"
	done | sort -n | sed -n 2p
}

echo "irindex $("$IRINDEX" --version | cut -d' ' -f2), $cores cores, $COPIES copies per file"
echo
echo "| corpus | files | MiB | seconds | files/s | MiB/s |"
echo "|---|---|---|---|---|---|"
for ext in md html pdf docx odt; do
	n=$(find "$tmp/$ext" -type f | wc -l)
	mib=$(du -sk "$tmp/$ext" | awk '{ printf "%.1f", $1 / 1024 }')
	s=$(seconds "$tmp/$ext" -j "$cores")
	echo "| $ext | $n | $mib | $s | $(calc %.0f "$n / $s") | $(calc %.1f "$mib / $s") |"
done
echo
inproc=$(seconds "$tmp/md" --in-process)
one=$(seconds "$tmp/md" -j 1)
all=$(seconds "$tmp/md" -j "$cores")
echo "| text corpus (md) | seconds | against in-process |"
echo "|---|---|---|"
echo "| --in-process | $inproc | 1.00 |"
echo "| -j 1 (isolated) | $one | $(calc %.3f "$one / $inproc") |"
echo "| -j $cores (isolated) | $all | $(calc %.3f "$all / $inproc") |"
