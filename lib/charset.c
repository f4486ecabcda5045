/* charset.c - converting text to UTF-8 with iconv (see charset.h). */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsearch/charset.h"
#include "irsearch/utf8.h"

/* Bytes a bad sequence is skipped by: one code unit of the source charset. */
static size_t
unit_of(const char *charset)
{
	if (strncasecmp(charset, "UTF-16", 6) == 0 || strncasecmp(charset, "UCS-2", 5) == 0)
		return 2;
	if (strncasecmp(charset, "UTF-32", 6) == 0 || strncasecmp(charset, "UCS-4", 5) == 0)
		return 4;
	return 1;
}

/* Control bytes become spaces, in place; the text is valid UTF-8, so they stand alone. */
static void
blank_controls(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && c != '\r' && c != '\f')
			s[i] = ' ';
	}
}

static void
drop_bom(char *s, size_t *n)
{
	if (*n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		memmove(s, s + 3, *n - 3 + 1);
		*n -= 3;
	}
}

static irs_code
from_utf8(const char *data, size_t n, size_t max, char **out, size_t *out_len, irs_error *e)
{
	if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		data += 3, n -= 3;
	/* Repair never shrinks text, so the input's size is a lower bound. */
	if (n > max)
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", max >> 20);
	*out = utf8_repair(data, n, out_len);
	if (*out == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	if (*out_len > max) {
		free(*out);
		*out = NULL;
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", max >> 20);
	}
	return IRS_OK;
}

irs_code
charset_to_utf8(const char *charset, const char *data, size_t n, size_t max, char **out,
		size_t *out_len, irs_error *e)
{
	size_t unit, alloc, used = 0, inleft = n;
	char *in = (char *)data, *buf;
	iconv_t cd;

	*out = NULL;
	*out_len = 0;
	if (charset == NULL || strcasecmp(charset, "UTF-8") == 0)
		return from_utf8(data, n, max, out, out_len, e);
	unit = unit_of(charset);
	/* Every code unit gives at least one byte of UTF-8. */
	if (n / unit > max)
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", max >> 20);
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return irs_fail(e, IRS_BAD_REQUEST, "unknown charset %s", charset);
	alloc = n + n / 2 + 16;
	if (alloc > max + 8)
		alloc = max + 8;
	if ((buf = malloc(alloc)) == NULL) {
		iconv_close(cd);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	while (inleft > 0) {
		char *outp = buf + used;
		size_t outleft = alloc - used - 1;	/* room for the NUL */
		size_t r = iconv(cd, &in, &inleft, &outp, &outleft);
		int err = errno;

		used = (size_t)(outp - buf);
		if (r != (size_t)-1)
			break;
		if (err == E2BIG || ((err == EILSEQ || err == EINVAL) && alloc - used - 1 < 3)) {
			size_t want = alloc * 2;
			char *bigger;

			if (alloc >= max + 8) {
				free(buf);
				iconv_close(cd);
				return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", max >> 20);
			}
			if (want > max + 8)
				want = max + 8;
			if ((bigger = realloc(buf, want)) == NULL) {
				free(buf);
				iconv_close(cd);
				return irs_fail(e, IRS_INTERNAL, "out of memory");
			}
			buf = bigger;
			alloc = want;
			continue;
		}
		if (err != EILSEQ && err != EINVAL) {
			free(buf);
			iconv_close(cd);
			return irs_fail(e, IRS_INTERNAL, "cannot convert from %s", charset);
		}
		/* A sequence invalid in the charset, or cut by the end: U+FFFD, then on. */
		memcpy(buf + used, "\xef\xbf\xbd", 3);
		used += 3;
		if (inleft < unit)
			inleft = 0;
		else
			in += unit, inleft -= unit;
	}
	iconv_close(cd);
	buf[used] = '\0';
	drop_bom(buf, &used);
	if (used > max) {
		free(buf);
		return irs_fail(e, IRS_TOO_LARGE, "text larger than %zu MiB", max >> 20);
	}
	blank_controls(buf, used);
	*out = buf;
	*out_len = used;
	return IRS_OK;
}
