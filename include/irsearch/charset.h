/*
 * charset.h - text in a legacy or UTF-16 encoding, converted to UTF-8.
 *
 * Owns: the conversion with iconv and its repair rules: a byte sequence
 * that is invalid in the named charset becomes U+FFFD and conversion goes
 * on (a bad byte never truncates a document), control bytes other than tab,
 * newline, carriage return and form feed become spaces, and a leading byte
 * order mark is dropped.  Does not own telling which charset a text is in
 * (detect.h).
 */
#ifndef IRSEARCH_CHARSET_H
#define IRSEARCH_CHARSET_H

#include <stddef.h>

#include "irsearch/error.h"

/*
 * Converts data[0..n) from charset (an iconv name; NULL or "UTF-8" means
 * UTF-8, repaired) into a new NUL-terminated UTF-8 string *out of *out_len
 * bytes, caller frees.  IRS_TOO_LARGE (and *out NULL) when the result would
 * be over max bytes; IRS_BAD_REQUEST when iconv does not know charset.
 */
irs_code charset_to_utf8(const char *charset, const char *data, size_t n, size_t max, char **out,
			 size_t *out_len, irs_error *e);

#endif
