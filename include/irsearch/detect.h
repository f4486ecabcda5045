/*
 * detect.h - telling a file's type, and a text's charset, from its bytes.
 *
 * Owns: the order of the checks.  The common formats are recognised by
 * their signatures (%PDF-, a zip container, HTML markers), text is taken as
 * text when its head has a UTF-16 byte order mark or is UTF-8 with few
 * control bytes (a stray NUL is tolerated, a binary's many are not), and
 * libmagic is asked only when that is inconclusive: its full database costs
 * about 1 ms a file and misreads plain text as exotic formats.  A zip is
 * told apart by its members (the `mimetype` of ODT and EPUB, the
 * `[Content_Types].xml` of DOCX), read with libarchive and bounded.  The
 * file name's extension only refines text into Markdown.
 *
 * A text's charset: a byte order mark, else UTF-8 when the bytes are UTF-8
 * (a few broken sequences among many good ones still count), else
 * libmagic's encoding check (UTF-16 without a mark), else one of the two
 * 8-bit charsets researchers' files are in: Windows-1251 when the high
 * bytes come in runs of Cyrillic letters, Windows-1252 (a superset of
 * Latin-1) otherwise.
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

/*
 * For a file detect_type called "application/zip", given all its bytes:
 * writes extract.h's DOCX, ODT or EPUB type, another type a member names
 * (a spreadsheet, say), or leaves "application/zip".  Never fails: a zip
 * that cannot be read stays "application/zip".
 */
void detect_container(detector_t *d, const unsigned char *data, size_t n, char *mime, size_t cap);

/*
 * Writes the charset of the text data[0..n) as an iconv name ("UTF-8",
 * "UTF-16LE", "UTF-16BE", "WINDOWS-1251", "WINDOWS-1252") into charset.
 */
void detect_charset(detector_t *d, const unsigned char *data, size_t n, char *charset, size_t cap);

#endif
