/*
 * snippet_scan.c - token positions mapped to byte offsets and pages (see snippet_scan.h).
 *
 * Words are counted byte by byte where unicode61's split is certain (ASCII
 * runs a block at a time through wordscan.c); the splitter is called only
 * on chunks of text the scan cannot count alone.
 */
#include <stdlib.h>
#include <string.h>

#include "irsearch/snippet_scan.h"
#include "irsearch/wordscan.h"

int
snippet_split(const struct snippet_splitter *sp, const char *text, int n, void *ctx,
	      int (*emit)(void *, int, const char *, int, int, int))
{
	if (sp->api != NULL)
		return sp->api->xTokenize(sp->fts, text, n, ctx, emit);
	return sp->methods->xTokenize(sp->tok, ctx, FTS5_TOKENIZE_AUX, text, n, emit);
}

/* Whether the two-byte UTF-8 letter at c is one unicode61 certainly keeps in a word. */
static int
simple_letter(const unsigned char *c)
{
	if ((c[1] & 0xc0) != 0x80)
		return 0;
	switch (c[0]) {
	case 0xc3:		/* U+00C0..U+00FF, but for the signs U+00D7 and U+00F7 */
		return c[1] != 0x97 && c[1] != 0xb7;
	case 0xc4: case 0xc5: case 0xc6: case 0xc7: case 0xc8: case 0xc9:	/* U+0100..U+024F */
	case 0xd0: case 0xd1: case 0xd3:	/* U+0400..U+047F, U+04C0..U+04FF */
		return 1;
	}
	return 0;
}

struct chunk_count {
	int count;
	int want;		/* the token whose start is wanted, counted from 0 */
	int start;		/* its start, relative to the chunk; -1 until found */
};

static int
on_chunk_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
	struct chunk_count *c = ctx;

	(void)tflags, (void)token, (void)ntoken, (void)end;
	if (c->count == c->want)
		c->start = start;
	c->count++;
	return SQLITE_OK;
}

/*
 * The tokens of the chunk [b, e), which the scan could not count: when
 * there are more than want, *start gets the offset of token number want.
 */
static int
chunk_tokens(struct snippet_scan *s, int b, int e, int want, int *start, int *rc)
{
	struct chunk_count c = { 0, want, -1 };

	*rc = snippet_split(s->split, (const char *)s->text + b, e - b, &c, on_chunk_token);
	*start = c.start >= 0 ? b + c.start : e;
	return c.count;
}

/* The end of the chunk from b; *simple says whether it is one word. */
static int
chunk_end(const unsigned char *t, int n, int b, int *simple)
{
	*simple = 1;
	while (b < n) {
		if (t[b] < 0x80) {
			if (!wordscan_word_byte(t[b]))
				break;
			b++;
		} else if (b + 1 < n && simple_letter(t + b)) {
			b += 2;
		} else {
			*simple = 0;
			b++;
		}
	}
	return b;
}

int
snippet_scan_clean_start(const unsigned char *text, int ntext, int b)
{
	if (b <= 0 || b >= ntext)
		return 0;
	return text[b - 1] < 0x80 && !wordscan_word_byte(text[b - 1]) &&
	       (text[b] >= 0x80 || wordscan_word_byte(text[b]));
}

void
snippet_scan_start(struct snippet_scan *s, const struct snippet_splitter *sp, const unsigned char *text, int ntext)
{
	memset(s, 0, sizeof(*s));
	s->split = sp;
	s->text = text;
	s->ntext = ntext;
	s->page = 1;
}

void
snippet_scan_resume(struct snippet_scan *s, const struct snippet_splitter *sp, const unsigned char *text, int ntext,
		    int pos, int page)
{
	snippet_scan_start(s, sp, text, ntext);
	s->pos = pos;
	s->page = page;
}

int
snippet_scan_to(struct snippet_scan *s, int target, struct snippet_pages *pages)
{
	const unsigned char *t = s->text;
	int b = s->byte, e, n, start, simple, rc = SQLITE_OK;

	for (;;) {
		int k, words;

		if ((k = wordscan_ascii(t, s->ntext, b, target - s->pos, &words)) > 0) {
			s->pos += words;
			b += k;
		}
		for (; b < s->ntext && t[b] < 0x80 && !wordscan_word_byte(t[b]); b++) {
			if (t[b] != '\f')
				continue;
			s->page++;
			if (pages != NULL) {
				int *more = realloc(pages->first, sizeof(int) * (size_t)(pages->n + 1));

				if (more == NULL)
					return SQLITE_NOMEM;
				pages->first = more;
				pages->first[pages->n++] = s->pos;
			}
		}
		if (b >= s->ntext || s->pos >= target)
			break;
		e = chunk_end(t, s->ntext, b, &simple);
		if (simple) {
			s->pos++;
			b = e;
			continue;
		}
		n = chunk_tokens(s, b, e, target - s->pos, &start, &rc);
		if (rc != SQLITE_OK)
			return rc;
		if (s->pos + n > target) {	/* the target is inside this chunk */
			s->pos = target;
			b = start;
			break;
		}
		s->pos += n;
		b = e;
	}
	s->byte = b;
	return SQLITE_OK;
}

void
snippet_scan_past(struct snippet_scan *s, int byte, int tokens)
{
	for (; s->byte < byte; s->byte++)
		s->page += s->text[s->byte] == '\f';
	s->pos += tokens;
}

int
snippet_scan_pages(const struct snippet_splitter *sp, const unsigned char *text, int ntext,
		   struct snippet_pages *pages)
{
	struct snippet_scan s;

	if (memchr(text, '\f', (size_t)ntext) == NULL)
		return SQLITE_OK;
	snippet_scan_start(&s, sp, text, ntext);
	return snippet_scan_to(&s, 1 << 30, pages);
}
