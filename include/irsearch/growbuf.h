/*
 * growbuf.h - a byte string that grows as it is appended to.
 *
 * Owns: the one growable buffer the library and irindex build strings and
 * frames in.  Its bytes are always followed by a NUL, so text is a C
 * string; binary users ignore it.  A failed allocation is remembered:
 * later appends are ignored and growbuf_take answers NULL, so a caller
 * checks once, at the end.
 */
#ifndef IRSEARCH_GROWBUF_H
#define IRSEARCH_GROWBUF_H

#include <stddef.h>

typedef struct growbuf {
	char *data;	/* len bytes and a NUL; NULL until something is appended */
	size_t len, cap;
	int failed;	/* an allocation failed: appends are ignored */
} growbuf;

#define GROWBUF_INIT { NULL, 0, 0, 0 }

/* Appends s[0..n) (any bytes); a length past what memory can hold fails as an allocation would. */
void growbuf_append(growbuf *b, const void *s, size_t n);

/* Appends the C string s, without its NUL. */
void growbuf_puts(growbuf *b, const char *s);

/*
 * Hands the string over ("" when nothing was appended); the caller frees
 * it.  NULL after a failed allocation, the bytes then freed.  Either way b
 * is left empty, ready for reuse.
 */
char *growbuf_take(growbuf *b);

/* Empties b and clears a failure, keeping its memory for the next content. */
void growbuf_reset(growbuf *b);

/* Frees b's memory and leaves it empty. */
void growbuf_free(growbuf *b);

#endif
