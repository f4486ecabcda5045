/*
 * extract_pdf.c - PDF with poppler-glib.
 *
 * Text comes page by page and pages are joined with a form feed, so the
 * page of any position in the body is one plus the form feeds before it
 * (how the search module puts a page number on a hit).  Title, author and
 * creation date come from the document information dictionary.  An
 * encrypted PDF, or one whose pages hold no text (scans: OCR is out of
 * scope), is refused with that reason.  poppler reports damage on stderr
 * and may crash on a hostile file: irindex runs this in a worker process
 * with its stderr closed.
 */
#include <glib.h>
#include <poppler.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irsearch/extract.h"
#include "irsearch/limits.h"

/* Sets *field from v and frees v; with authors, "A; B" becomes "A, B", the index's way. */
static int
set_meta(char **field, gchar *v, int authors)
{
	char *p;
	int rc = 0;

	for (p = v; authors && p != NULL && (p = strchr(p, ';')) != NULL; p++)
		*p = ',';
	if (v != NULL)
		rc = doc_set_text(field, v, strlen(v), IRS_MAX_META_BYTES);
	g_free(v);
	return rc;
}

/* Nonzero when the text holds something other than blanks. */
static int
has_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\f' && s[i] != '\t')
			return 1;
	return 0;
}

irs_code
extract_pdf(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	GError *err = NULL;
	GBytes *bytes = g_bytes_new_static(data, n);
	PopplerDocument *pdf = poppler_document_new_from_bytes(bytes, NULL, &err);
	extract_buf b;
	irs_code rc = IRS_OK;
	time_t created;
	int pages, i;

	g_bytes_unref(bytes);
	if (pdf == NULL) {
		if (err != NULL && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED)
			rc = irs_fail(e, IRS_BAD_REQUEST, "encrypted PDF");
		else
			rc = irs_fail(e, IRS_BAD_REQUEST, "damaged PDF");	/* poppler's detail is on its stderr */
		g_clear_error(&err);
		return rc;
	}
	pages = poppler_document_get_n_pages(pdf);
	extract_buf_init(&b, extract_max_text(opts));
	for (i = 0; i < pages && rc == IRS_OK; i++) {
		PopplerPage *page = poppler_document_get_page(pdf, i);
		char *text = page != NULL ? poppler_page_get_text(page) : NULL;
		const char *line = text;

		if (i > 0 && extract_buf_page(&b) != 0)
			rc = extract_buf_fail(&b, e);
		/* Lines stay lines: they are where a snippet may break. */
		while (rc == IRS_OK && line != NULL && *line != '\0') {
			size_t len = strcspn(line, "\n");

			if (extract_buf_append(&b, line, len) != 0 || extract_buf_break(&b) != 0)
				rc = extract_buf_fail(&b, e);
			line += len + (line[len] == '\n');
		}
		g_free(text);
		if (page != NULL)
			g_object_unref(page);
	}
	if (rc == IRS_OK && !has_text(b.s != NULL ? b.s : "", b.len))
		rc = irs_fail(e, IRS_BAD_REQUEST, pages > 0 ? "PDF without text (scanned pages? OCR is not done)"
							    : "PDF without pages");
	if (rc == IRS_OK)
		rc = extract_buf_take(&b, doc, e);
	extract_buf_free(&b);
	if (rc == IRS_OK) {
		doc->pages = pages;
		if (set_meta(&doc->title, poppler_document_get_title(pdf), 0) != 0 ||
		    set_meta(&doc->author, poppler_document_get_author(pdf), 1) != 0)
			rc = irs_fail(e, IRS_INTERNAL, "out of memory");
		created = poppler_document_get_creation_date(pdf);
		if (created > 0) {
			struct tm tm;

			if (gmtime_r(&created, &tm) != NULL &&
			    strftime(doc->date, sizeof(doc->date), "%Y-%m-%d", &tm) > 0)
				doc->date_from_mtime = 0;
		}
	}
	g_object_unref(pdf);
	return rc;
}
