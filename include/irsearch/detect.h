/*
 * detect.h - telling a file's type from its bytes.
 *
 * Owns: the order of the checks.  The common formats are recognised by
 * their signatures (%PDF-, a zip container, HTML markers), text is taken as
 * text when its head is valid UTF-8 with few control bytes (a stray NUL is
 * tolerated, a binary's many are not), and libmagic is asked
 * only when that is inconclusive: its full database costs about 1 ms a file
 * and misreads plain text as exotic formats.  The file name's extension
 * only refines text into Markdown.
 */
#ifndef IRSEARCH_DETECT_H
#define IRSEARCH_DETECT_H

#include <stddef.h>

#include "irsearch/error.h"

typedef struct detector detector_t;

/* Makes a detector; libmagic's database is loaded on first need.  NULL when out of memory. */
detector_t *detect_new(void);

/* Frees a detector; accepts NULL. */
void detect_free(detector_t *d);

/*
 * Writes the MIME type of the file whose first n bytes are head (n == 0: an
 * empty file) into mime: "text/markdown", "text/plain", "application/pdf",
 * "text/html", "application/zip", or libmagic's answer.  Fails only when
 * libmagic is needed and cannot be loaded.
 */
irs_code detect_type(detector_t *d, const char *path, const unsigned char *head, size_t n,
		     char *mime, size_t cap, irs_error *e);

#endif
