/* extract.c - the extractor table, the text buffer, and the guarantees every extraction gives (see extract.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irsearch/extract.h"
#include "irsearch/limits.h"
#include "irsearch/utf8.h"

static const struct {
	const char *mime;
	extract_fn fn;
} extractors[] = {
	{ "text/plain", extract_plain },
	{ "text/markdown", extract_markdown },
	{ "text/html", extract_html },
	{ "application/pdf", extract_pdf },
	{ IRS_MIME_DOCX, extract_docx },
	{ IRS_MIME_ODT, extract_odt },
	{ IRS_MIME_EPUB, extract_epub },
};

static extract_fn
extractor_for(const char *mime)
{
	size_t i;

	for (i = 0; i < sizeof(extractors) / sizeof(extractors[0]); i++)
		if (strcmp(extractors[i].mime, mime) == 0)
			return extractors[i].fn;
	return NULL;
}

int
extract_supports(const char *mime)
{
	return extractor_for(mime) != NULL;
}

size_t
extract_max_text(const extract_opts *opts)
{
	return opts != NULL && opts->max_text > 0 ? opts->max_text : (size_t)IRS_MAX_TEXT_BYTES;
}

/* The file's mtime as a UTC date, for documents that carry none. */
static void
date_from_mtime(irs_doc *doc)
{
	time_t t = (time_t)(doc->mtime_ns / 1000000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL && strftime(doc->date, sizeof(doc->date), "%Y-%m-%d", &tm) > 0)
		doc->date_from_mtime = 1;
}

irs_code
extract_document(const char *data, size_t n, irs_doc *doc, irs_error *e)
{
	return extract_document_with(data, n, NULL, doc, e);
}

irs_code
extract_document_with(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	extract_fn fn = extractor_for(doc->type);
	size_t max = extract_max_text(opts);
	irs_code rc;

	if (fn == NULL)
		return irs_fail(e, IRS_NOT_FOUND, "unsupported type %s", doc->type);
	rc = fn(data, n, opts, doc, e);
	if (rc != IRS_OK)
		return rc;
	if (doc->body_len > max)
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", max >> 20);
	if (doc->date[0] == '\0')
		date_from_mtime(doc);
	return IRS_OK;
}

void
extract_buf_init(extract_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
extract_buf_free(extract_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Makes room for need more bytes (and a NUL); -1 past the cap or out of memory. */
static int
reserve(extract_buf *b, size_t need)
{
	size_t want;
	char *s;

	if (need > b->max - b->len) {
		b->over = 1;
		return -1;
	}
	if (b->len + need + 1 <= b->alloc)
		return 0;
	want = b->alloc < 4096 ? 4096 : b->alloc;
	while (want < b->len + need + 1)
		want *= 2;
	if (want > b->max + 1)
		want = b->max + 1;
	s = realloc(b->s, want);
	if (s == NULL)
		return -1;
	b->s = s;
	b->alloc = want;
	return 0;
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int
extract_buf_append(extract_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len = utf8_sequence(u + i, n - i);
		const char *bytes = (const char *)u + i;

		if (len == 1 && (is_blank(u[i]) || u[i] < 0x20 || u[i] == 0x7f)) {
			b->space = 1;
			i++;
			continue;
		}
		/* U+00A0, the no-break space, separates words like a blank. */
		if (len == 2 && u[i] == 0xc2 && u[i + 1] == 0xa0) {
			b->space = 1;
			i += 2;
			continue;
		}
		if (len == 0) {
			bytes = "\xef\xbf\xbd";
			len = 3;
			i++;
		} else {
			i += len;
		}
		if (b->space && b->len > 0 && b->s[b->len - 1] != '\n' && b->s[b->len - 1] != '\f') {
			if (reserve(b, 1) != 0)
				return -1;
			b->s[b->len++] = ' ';
		}
		b->space = 0;
		if (reserve(b, len) != 0)
			return -1;
		memcpy(b->s + b->len, bytes, len);
		b->len += len;
	}
	return 0;
}

int
extract_buf_break(extract_buf *b)
{
	b->space = 0;
	if (b->len == 0 || b->s[b->len - 1] == '\n' || b->s[b->len - 1] == '\f')
		return 0;
	if (reserve(b, 1) != 0)
		return -1;
	b->s[b->len++] = '\n';
	return 0;
}

int
extract_buf_page(extract_buf *b)
{
	b->space = 0;
	while (b->len > 0 && b->s[b->len - 1] == '\n')
		b->len--;
	if (reserve(b, 1) != 0)
		return -1;
	b->s[b->len++] = '\f';
	return 0;
}

irs_code
extract_buf_fail(const extract_buf *b, irs_error *e)
{
	if (b->over)
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", b->max >> 20);
	return irs_fail(e, IRS_INTERNAL, "out of memory");
}

irs_code
extract_buf_take(extract_buf *b, irs_doc *doc, irs_error *e)
{
	if (b->over)
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", b->max >> 20);
	if (reserve(b, 0) != 0)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	while (b->len > 0 && b->s[b->len - 1] == '\n')
		b->len--;
	b->s[b->len] = '\0';
	free(doc->body);
	doc->body = b->s;
	doc->body_len = b->len;
	b->s = NULL;
	b->len = b->alloc = 0;
	return IRS_OK;
}
