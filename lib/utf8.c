/* utf8.c - checking and repairing UTF-8 (see utf8.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/utf8.h"

size_t
utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* Whether the 8 bytes at s are all ASCII (read unaligned through memcpy). */
static int
ascii8(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return (w & UINT64_C(0x8080808080808080)) == 0;
}

/*
 * Every extracted text passes here in irindex's writer: eight ASCII bytes
 * at a time, then one sequence.  On the generated corpus the byte at a
 * time loop was 4% of the writer's samples.
 */
size_t
utf8_invalid_offset(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len;

		if (n - i >= 8 && ascii8(u + i)) {
			i += 8;
			continue;
		}
		len = utf8_sequence(u + i, n - i);

		if (len == 0)
			return i;
		i += len;
	}
	return n;
}

char *
utf8_repair(const char *s, size_t n, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out, *p;
	size_t i = 0;

	/* Each bad byte becomes 3 bytes at most. */
	if (n > (((size_t)-1) - 1) / 3)
		return NULL;
	out = malloc(n * 3 + 1);
	if (out == NULL)
		return NULL;
	p = out;
	while (i < n) {
		size_t len = utf8_sequence(u + i, n - i);

		if (len == 0) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
		} else if (len == 1 && (u[i] < 0x20 || u[i] == 0x7f) &&
			   u[i] != '\t' && u[i] != '\n' && u[i] != '\r' && u[i] != '\f') {
			*p++ = ' ';
			i++;
		} else {
			memcpy(p, u + i, len);
			p += len;
			i += len;
		}
	}
	*p = '\0';
	if (out_len != NULL)
		*out_len = (size_t)(p - out);
	return out;
}
