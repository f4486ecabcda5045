/*
 * doc.h - one document as the indexer hands it to the store.
 *
 * Owns: the irs_doc record and the rule that every string in it belongs to
 * the record (doc_clear frees them).  Filled by the walk (path, size, mtime),
 * the hash, detection (type) and an extractor (text and metadata).
 */
#ifndef IRSEARCH_DOC_H
#define IRSEARCH_DOC_H

#include <stddef.h>
#include <stdint.h>

#define IRS_MIME_MAX 96
#define IRS_DATE_MAX 11		/* "YYYY-MM-DD" and its NUL */
#define IRS_LANG_MAX 16

typedef struct irs_doc {
	char *path;		/* absolute path */
	int64_t size;		/* bytes on disk */
	int64_t mtime_ns;	/* modification time, nanoseconds since the epoch */
	uint64_t hash;		/* XXH3-64 of the file's bytes */
	char type[IRS_MIME_MAX];	/* MIME type, e.g. "text/markdown" */
	char *title;		/* NULL when unknown */
	char *author;		/* NULL when unknown; several joined by ", " */
	char date[IRS_DATE_MAX];	/* ISO 8601 date, "" when unknown */
	int date_from_mtime;	/* 1: date is the file's mtime, not the document's */
	char lang[IRS_LANG_MAX];	/* ISO 639-1 code, "" when unknown */
	int pages;		/* 0 when the format has no pages */
	char *body;		/* extracted UTF-8 text, NUL-terminated */
	size_t body_len;
} irs_doc;

/* Frees every string of doc and zeroes it; doc itself is the caller's. */
void doc_clear(irs_doc *doc);

/* Replaces *field with a copy of s cut to at most max bytes on a UTF-8
 * boundary, whitespace runs collapsed and trimmed; NULL or blank s clears it.
 * Returns 0, or -1 when out of memory. */
int doc_set_text(char **field, const char *s, size_t n, size_t max);

/* Sets doc->date from an ISO 8601 date or date-time ("2024", "2024-07",
 * "2024-07-05", "2024-07-05T10:00:00Z"), keeping the date part.  Returns 0,
 * or -1 (date left alone) when s is not such a date. */
int doc_set_date(irs_doc *doc, const char *s);

/* Sets doc->lang from a language tag ("en", "en-US", "ru_RU"): its primary
 * subtag, lower-cased.  Returns 0, or -1 when s is not a language tag. */
int doc_set_lang(irs_doc *doc, const char *s);

#endif
