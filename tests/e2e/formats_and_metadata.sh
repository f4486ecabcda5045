#!/bin/sh
# Every format and encoding irindex reads, made at test time by
# tests/fixtures/make-fixtures: each is indexed with its words searchable,
# its metadata (title, author, date, language) read, page numbers on PDF
# hits, and no text from the places it must not come from.
. "$(dirname "$0")/lib.sh"

MKDOC=$IRS_BIN/tests/mkdoc
[ -x "$MKDOC" ] || { echo "Bail out! no $MKDOC (run make tests)"; exit 2; }

plan 46

"$IRS_SRC/tests/fixtures/make-fixtures" "$MKDOC" "$tmp/fx" || { echo "Bail out! make-fixtures failed"; exit 2; }
db=$tmp/fx.db
run "$IRINDEX" --db "$db" "$tmp/fx"
status_is 0 "irindex over one file of each format and encoding exits 0"
like "$out" "^irindex: 11 added, 0 updated, (0 moved, )?0 removed, 0 unchanged, 0 skipped, 0 failed" \
	"...and adds all 11, skipping none"
is "$err" "" "...with nothing on stderr"

# hit WORD FIELD: FIELD of the first hit for WORD.
hit() {
	"$IRSEARCH" --db "$db" --json -n 1 "$1" >"$tmp/hit.json" 2>/dev/null
	json_get "$tmp/hit.json" "\$.hits[0].$2"
}

# PDF: text per page, document information, page numbers.
like "$(hit zulu path)" "/paged\\.pdf$" "PDF: a word of page 2 finds the PDF"
is "$(hit zulu page)" 2 "...on page 2"
is "$(hit alpha page)" 1 "...a word of page 1 on page 1"
is "$(hit charlie page)" 3 "...and of page 3 on page 3"
is "$(hit zulu pages)" 3 "...which has 3 pages"
is "$(hit zulu type)" application/pdf "...typed application/pdf"
is "$(hit zulu title)" "Paged Report on Water" "...titled from its document information"
is "$(hit zulu author)" "Ann Lee, Bo Chen" "...with its authors, joined by ', '"
is "$(hit zulu date)" 2023-04-05 "...and its creation date"
is "$(hit zulu date_source)" document "...marked as the document's own"
run "$IRSEARCH" --db "$db" zulu
like "$out" "p\\. 2" "the CLI shows 'p. 2' for the PDF hit"

# DOCX: runs, table cells, metadata; deleted revisions left out.
is "$(hit foxtrot type)" application/vnd.openxmlformats-officedocument.wordprocessingml.document "DOCX is told from other zips by [Content_Types].xml"
is "$(hit hotelcell title)" "Docx Memo on Grain" "DOCX: table cells are searchable; title from docProps/core.xml"
is "$(hit foxtrot author)" "Dana Roe" "...creator as author"
is "$(hit foxtrot date)" 2022-02-03 "...created as date"
is "$(hit deletedrevision path)" "" "...deleted revisions are not indexed"

# ODT: headings, paragraphs, cells; annotations left out; meta.xml.
is "$(hit juliet type)" application/vnd.oasis.opendocument.text "ODT is told by its mimetype member"
is "$(hit limacell title)" "ODT Brief on Rail" "ODT: cells searchable, title from meta.xml"
is "$(hit india author)" "Ola Nordmann" "...the initial creator, not the last editor, as author"
is "$(hit india date)" 2021-01-02 "...creation date"
is "$(hit india lang)" ru "...language"
is "$(hit annotationtext path)" "" "...comments are not indexed"

# EPUB: chapters in spine order, Dublin Core metadata.
is "$(hit november title)" "An EPUB on Ports" "EPUB: chapters are searchable (an href with %20 too)"
is "$(hit mike author)" "Eve Author" "...creator"
is "$(hit mike date)" 2020-05-06 "...date"
is "$(hit navigationtext path)" "" "...navigation is not indexed"

# HTML: citation_* first, <main> only, never script, style, nav, footer.
is "$(hit oscar title)" "Citation Title on Oscar Tariffs" "HTML: citation_title wins over og:title and <title>"
is "$(hit oscar author)" "Ada Lovelace, Bea Brandt" "...every citation_author, joined"
is "$(hit oscar date)" 2019-03-14 "...citation_publication_date, with slashes, as ISO 8601"
is "$(hit oscar lang)" de "...<html lang>"
like "$(hit quebec snippet)" "\\[quebec\\] quota" "...entities decoded, &nbsp; a blank"
n=0
for w in scriptword navword footerword stylewordx; do
	[ -z "$(hit $w path)" ] && n=$((n + 1))
done
is "$n" 4 "...no words from script, style, nav or footer"
is "$(hit sierra title)" "Plain Title" "HTML without meta: the <title>"

# Encodings.
like "$(hit tango title)" "Café crème" "UTF-16LE with a BOM is converted"
like "$(hit uniform title)" "über" "UTF-16BE with a BOM is converted"
like "$(hit victor title)" "Genève, São Paulo, naïve résumé" "Latin-1 is converted (Windows-1252)"
like "$(hit 'Хлеб' title)" "Хлеб и вода" "Windows-1251 Cyrillic is converted"
like "$(hit 'безопасности' path)" "/cp1251\\.txt$" "...and stemmed as Russian"
is "$(hit xray title)" "BOM Markdown on Xray" "Markdown behind a UTF-8 BOM keeps its front matter"
is "$(hit xray date)" 2018-08-09 "...and its date"

# Undated text gets its mtime, marked.
is "$(hit victor date_source)" mtime "a text without a date is dated by its mtime, marked so"

reason=$(ext_skip_reason)
if [ -n "$reason" ]; then
	skip 2 "$reason"
else
	is "$(irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" "PRAGMA integrity_check")" ok "PRAGMA integrity_check says ok"
	run irs_sqlite3 -batch "$db" ".load $IRS_BIN/irsearch" "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)"
	is "$rc:$err" "0:" "FTS5 integrity-check succeeds"
fi
done_testing
