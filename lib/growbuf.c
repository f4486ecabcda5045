/* growbuf.c - a byte string that grows as it is appended to (see growbuf.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/growbuf.h"

#define GROWBUF_FIRST 64

/* Room for need bytes, doubling; 0 with b->failed set when there is none. */
static int
reserve(growbuf *b, size_t need)
{
	size_t cap = b->cap > 0 ? b->cap : GROWBUF_FIRST;
	char *grown;

	if (need <= b->cap)
		return 1;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((grown = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return 0;
	}
	b->data = grown;
	b->cap = cap;
	return 1;
}

void
growbuf_append(growbuf *b, const void *s, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (n > SIZE_MAX - 1 - b->len) {
		b->failed = 1;
		return;
	}
	if (!reserve(b, b->len + n + 1))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
growbuf_puts(growbuf *b, const char *s)
{
	growbuf_append(b, s, strlen(s));
}

char *
growbuf_take(growbuf *b)
{
	char *s;

	if (!b->failed && b->data == NULL && reserve(b, 1))
		b->data[0] = '\0';
	if (b->failed) {
		growbuf_free(b);
		return NULL;
	}
	s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void
growbuf_reset(growbuf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
growbuf_free(growbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
