/* extract.c - the extractor table and the guarantees every extraction gives (see extract.h). */
#include <string.h>
#include <time.h>

#include "irsearch/extract.h"
#include "irsearch/limits.h"

static const struct {
	const char *mime;
	extract_fn fn;
} extractors[] = {
	{ "text/plain", extract_plain },
	{ "text/markdown", extract_markdown },
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
	extract_fn fn = extractor_for(doc->type);
	irs_code rc;

	if (fn == NULL)
		return irs_fail(e, IRS_NOT_FOUND, "unsupported type %s", doc->type);
	rc = fn(doc->path, data, n, doc, e);
	if (rc != IRS_OK)
		return rc;
	if (doc->body_len > IRS_MAX_TEXT_BYTES)
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %ld MiB", IRS_MAX_TEXT_BYTES >> 20);
	if (doc->date[0] == '\0')
		date_from_mtime(doc);
	return IRS_OK;
}
