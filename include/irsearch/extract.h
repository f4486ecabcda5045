/*
 * extract.h - turning a file's bytes into text and metadata.
 *
 * Owns: the table of extractors by MIME type and what every extraction
 * guarantees: valid UTF-8 text, metadata cut to IRS_MAX_META_BYTES, and a
 * date (the document's own, else the file's mtime, marked as such).
 * Adding a format means adding one function and one row to the table.
 */
#ifndef IRSEARCH_EXTRACT_H
#define IRSEARCH_EXTRACT_H

#include <stddef.h>

#include "irsearch/doc.h"
#include "irsearch/error.h"

/* One format's extractor: fills doc's body and metadata from data[0..n). */
typedef irs_code (*extract_fn)(const char *path, const char *data, size_t n, irs_doc *doc,
			       irs_error *e);

/* Nonzero when a format has an extractor. */
int extract_supports(const char *mime);

/*
 * Extracts the file whose bytes are data[0..n) with the extractor for
 * doc->type (doc->path, size and mtime_ns already set).  IRS_NOT_FOUND
 * when no extractor handles the type; IRS_TOO_LARGE when the text is over
 * IRS_MAX_TEXT_BYTES.
 */
irs_code extract_document(const char *data, size_t n, irs_doc *doc, irs_error *e);

/* The extractors (extract_text.c). */
irs_code extract_plain(const char *path, const char *data, size_t n, irs_doc *doc, irs_error *e);
irs_code extract_markdown(const char *path, const char *data, size_t n, irs_doc *doc, irs_error *e);

#endif
