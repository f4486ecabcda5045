/*
 * extract.h - turning a file's bytes into text and metadata.
 *
 * Owns: the table of extractors by MIME type and what every extraction
 * guarantees: valid UTF-8 text without NULs, at most opts->max_text bytes
 * of it (a longer document is refused, never cut silently), metadata cut to
 * IRS_MAX_META_BYTES, and a date (the document's own, else the file's
 * mtime, marked as such).  Adding a format means adding one function and
 * one row to the table.  The extractors live in extract_text.c (plain text
 * and Markdown in any charset iconv knows), extract_html.c (libxml2's HTML
 * parser), extract_pdf.c (poppler-glib) and extract_office.c (DOCX, ODT and
 * EPUB: libarchive and libxml2).
 *
 * Does not own: reading files, telling their type (detect.h), or keeping a
 * bad file from hurting the indexer: the parsers here see hostile input,
 * and irindex runs them in worker processes with limits
 * (indexer/extractors.h).
 *
 * Errors: IRS_NOT_FOUND when no extractor handles the type, IRS_TOO_LARGE
 * when the text is over the cap, IRS_BAD_REQUEST when the file is damaged,
 * encrypted or has no text (e.msg says which), IRS_INTERNAL for the rest
 * (out of memory).
 */
#ifndef IRSEARCH_EXTRACT_H
#define IRSEARCH_EXTRACT_H

#include <stddef.h>

#include "irsearch/doc.h"
#include "irsearch/error.h"

#define IRS_MIME_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define IRS_MIME_ODT "application/vnd.oasis.opendocument.text"
#define IRS_MIME_EPUB "application/epub+zip"

typedef struct extract_opts {
	size_t max_text;	/* most bytes of text; 0 means IRS_MAX_TEXT_BYTES */
	const char *charset;	/* text formats: an iconv name ("UTF-16LE", "WINDOWS-1251");
				 * NULL or "UTF-8": UTF-8, bad bytes replaced */
} extract_opts;

/* One format's extractor: fills doc's body and metadata from data[0..n). */
typedef irs_code (*extract_fn)(const char *data, size_t n, const extract_opts *opts, irs_doc *doc,
			       irs_error *e);

/* Nonzero when a format has an extractor. */
int extract_supports(const char *mime);

/*
 * Extracts the file whose bytes are data[0..n) with the extractor for
 * doc->type (doc->path, size and mtime_ns already set), with the default
 * cap and UTF-8 text.
 */
irs_code extract_document(const char *data, size_t n, irs_doc *doc, irs_error *e);

/* The same with options; opts may be NULL for the defaults. */
irs_code extract_document_with(const char *data, size_t n, const extract_opts *opts, irs_doc *doc,
			       irs_error *e);

/* The extractors. */
irs_code extract_plain(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);
irs_code extract_markdown(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);
irs_code extract_html(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);
irs_code extract_pdf(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);
irs_code extract_docx(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);
irs_code extract_odt(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);
irs_code extract_epub(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e);

/*
 * The text buffer the structured extractors write into: blanks collapse to
 * one space, control bytes become blanks, invalid UTF-8 becomes U+FFFD,
 * and block ends become one '\n'.  It refuses to grow past max bytes
 * (over is then set), so a document that inflates without end costs no
 * more than the cap.  The buffer owns s until extract_buf_take.
 */
typedef struct extract_buf {
	char *s;
	size_t len, alloc, max;
	int over;		/* 1 once more than max bytes were offered */
	int space;		/* a blank is pending before the next word */
} extract_buf;

void extract_buf_init(extract_buf *b, size_t max);
/* Appends text; returns -1 when over the cap or out of memory (see b->over). */
int extract_buf_append(extract_buf *b, const char *s, size_t n);
/* Ends a block: one '\n' unless the text is empty or already ends a line. */
int extract_buf_break(extract_buf *b);
/* Ends a page: always one '\f', so that page N follows the (N-1)th '\f'. */
int extract_buf_page(extract_buf *b);
/* What a failed append means: IRS_TOO_LARGE past the cap, else out of memory. */
irs_code extract_buf_fail(const extract_buf *b, irs_error *e);
/* Moves the text into doc->body; IRS_TOO_LARGE when over, IRS_INTERNAL when out of memory. */
irs_code extract_buf_take(extract_buf *b, irs_doc *doc, irs_error *e);
void extract_buf_free(extract_buf *b);

/* The cap opts gives, or the default. */
size_t extract_max_text(const extract_opts *opts);

/*
 * The body text of an (X)HTML document in data[0..n) appended to b, from
 * its <main> or <article> when it has one, never from script, style, nav or
 * footer; with doc not NULL, also its title, authors, date and language.
 * For EPUB chapters, which are XHTML.  encoding may be NULL (the document's
 * own declaration, else UTF-8).
 */
irs_code extract_html_into(const char *data, size_t n, const char *encoding, extract_buf *b,
			   irs_doc *doc, irs_error *e);

#endif
