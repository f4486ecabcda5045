/*
 * query.c - compiling a user's query into an FTS5 expression (see query.h).
 *
 * Two passes: the lexer cuts the query into terms (words, phrases, and the
 * operators OR and NOT), each with its column for error messages; the
 * writer joins them.  Every term is written as an FTS5 string with "
 * doubled, and a term with nothing the tokenizer would index (only
 * punctuation) is dropped rather than turned into an empty phrase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/limits.h"
#include "irsearch/query.h"
#include "irsearch/utf8.h"

enum term_kind { TERM_WORD, TERM_PHRASE, TERM_OR, TERM_NOT };

struct term {
	enum term_kind kind;
	const char *text;	/* into the query; not NUL-terminated */
	size_t len;
	int negated;
	int prefix;
	int column;		/* 1-based, in characters */
};

struct lexer {
	const char *q;
	size_t n;
	struct term terms[IRS_MAX_QUERY_TERMS];
	int nterms;
};

/* The 1-based character column of byte offset off. */
static int
column_of(const char *q, size_t off)
{
	int col = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (((unsigned char)q[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whether the tokenizer would find a word in s: a letter, a digit, or any non-ASCII character. */
static int
has_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
			return 1;
	}
	return 0;
}

static irs_code
add_term(struct lexer *lx, struct term t, irs_error *e)
{
	if (lx->nterms == IRS_MAX_QUERY_TERMS)
		return irs_fail(e, IRS_BAD_QUERY, "query has more than %d terms", IRS_MAX_QUERY_TERMS);
	lx->terms[lx->nterms++] = t;
	return IRS_OK;
}

static irs_code
lex(struct lexer *lx, irs_error *e)
{
	size_t i = 0;
	irs_code rc = IRS_OK;

	while (i < lx->n && rc == IRS_OK) {
		struct term t = { TERM_WORD, NULL, 0, 0, 0, 0 };
		size_t start;

		if (is_space(lx->q[i])) {
			i++;
			continue;
		}
		t.column = column_of(lx->q, i);
		if (lx->q[i] == '-' && i + 1 < lx->n && !is_space(lx->q[i + 1])) {
			t.negated = 1;
			i++;
		}
		if (lx->q[i] == '"') {
			const char *close = memchr(lx->q + i + 1, '"', lx->n - i - 1);

			if (close == NULL)
				return irs_fail(e, IRS_BAD_QUERY, "unbalanced quote at column %d",
						column_of(lx->q, i));
			t.kind = TERM_PHRASE;
			t.text = lx->q + i + 1;
			t.len = (size_t)(close - t.text);
			i = (size_t)(close - lx->q) + 1;
		} else {
			start = i;
			while (i < lx->n && !is_space(lx->q[i]) && lx->q[i] != '"')
				i++;
			t.text = lx->q + start;
			t.len = i - start;
			if (!t.negated && t.len == 2 && memcmp(t.text, "OR", 2) == 0)
				t.kind = TERM_OR;
			else if (!t.negated && t.len == 3 && memcmp(t.text, "NOT", 3) == 0)
				t.kind = TERM_NOT;
			while (t.kind == TERM_WORD && t.len > 0 && t.text[t.len - 1] == '*') {
				t.prefix = 1;
				t.len--;
			}
		}
		if (t.kind == TERM_OR || t.kind == TERM_NOT || has_word(t.text, t.len))
			rc = add_term(lx, t, e);
	}
	return rc;
}

struct out {
	char *buf;
	size_t len, cap;
};

static int
put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->cap + n + 1) * 2;
		char *b = realloc(o->buf, cap);

		if (b == NULL)
			return -1;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return 0;
}

/* Writes one term as an FTS5 string: quotes doubled, control bytes as spaces. */
static int
put_string(struct out *o, const struct term *t)
{
	size_t i;
	int rc = put(o, "\"", 1);

	for (i = 0; i < t->len && rc == 0; i++) {
		char c = t->text[i];

		if (c == '"')
			rc = put(o, "\"\"", 2);
		else if ((unsigned char)c < 0x20)
			rc = put(o, " ", 1);
		else
			rc = put(o, &c, 1);
	}
	if (rc == 0)
		rc = put(o, "\"", 1);
	if (rc == 0 && t->prefix)
		rc = put(o, "*", 1);
	return rc;
}

static int
is_operand(const struct term *t)
{
	return t->kind == TERM_WORD || t->kind == TERM_PHRASE;
}

/* A term and those joined to it by OR: terms[first], terms[first + 2], ... terms[last]. */
struct group {
	int first, last;
	int negated;
};

/* Cuts the terms into groups; a dangling operator is an error naming its column. */
static irs_code
group_terms(const struct lexer *lx, struct group *groups, int *ngroups, irs_error *e)
{
	int i, n = 0;

	for (i = 0; i < lx->nterms; i++) {
		const struct term *t = &lx->terms[i];
		struct group g = { i, i, t->negated };

		if (t->kind == TERM_OR)
			return irs_fail(e, IRS_BAD_QUERY, "OR at column %d has no term before it", t->column);
		if (t->kind == TERM_NOT) {
			if (i + 1 == lx->nterms || !is_operand(&lx->terms[i + 1]) || lx->terms[i + 1].negated)
				return irs_fail(e, IRS_BAD_QUERY, "NOT at column %d has no term after it", t->column);
			g.first = g.last = ++i;
			g.negated = 1;
		}
		while (g.last + 1 < lx->nterms && lx->terms[g.last + 1].kind == TERM_OR) {
			if (g.last + 2 >= lx->nterms || !is_operand(&lx->terms[g.last + 2]) ||
			    lx->terms[g.last + 2].negated)
				return irs_fail(e, IRS_BAD_QUERY, "OR at column %d has no term after it",
						lx->terms[g.last + 1].column);
			g.last += 2;
		}
		i = g.last;
		groups[n++] = g;
	}
	*ngroups = n;
	return IRS_OK;
}

static int
put_group(struct out *o, const struct lexer *lx, const struct group *g)
{
	int i, rc = 0;

	if (g->last > g->first)
		rc |= put(o, "(", 1);
	for (i = g->first; i <= g->last; i += 2) {
		if (i > g->first)
			rc |= put(o, " OR ", 4);
		rc |= put_string(o, &lx->terms[i]);
	}
	if (g->last > g->first)
		rc |= put(o, ")", 1);
	return rc;
}

/* Writes the groups: the wanted ones ANDed, then each excluded one behind NOT. */
static irs_code
write_expression(const struct lexer *lx, struct out *o, irs_error *e)
{
	struct group groups[IRS_MAX_QUERY_TERMS];
	int i, ngroups = 0, positives = 0, mem = 0;
	irs_code rc = group_terms(lx, groups, &ngroups, e);

	if (rc != IRS_OK)
		return rc;
	for (i = 0; i < ngroups; i++) {
		if (groups[i].negated)
			continue;
		if (positives++ > 0)
			mem |= put(o, " AND ", 5);
		mem |= put_group(o, lx, &groups[i]);
	}
	if (positives == 0)
		return irs_fail(e, IRS_BAD_QUERY, ngroups > 0 ?
				"a query of only exclusions matches nothing; add a word to look for" :
				"the query has no words to search for");
	for (i = 0; i < ngroups; i++) {
		if (!groups[i].negated)
			continue;
		mem |= put(o, " NOT ", 5);
		mem |= put_group(o, lx, &groups[i]);
	}
	if (mem)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	return IRS_OK;
}

irs_code
query_compile(const char *query, char **fts, irs_error *e)
{
	struct lexer *lx;
	struct out o = { NULL, 0, 0 };
	size_t n = strlen(query), bad;
	irs_code rc;

	*fts = NULL;
	if (n > IRS_MAX_QUERY_BYTES)
		return irs_fail(e, IRS_TOO_LARGE, "query longer than %d bytes", IRS_MAX_QUERY_BYTES);
	if ((bad = utf8_invalid_offset(query, n)) < n)
		return irs_fail(e, IRS_BAD_QUERY, "query is not valid UTF-8 at column %d", column_of(query, bad));
	lx = calloc(1, sizeof(*lx));
	if (lx == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	lx->q = query;
	lx->n = n;
	rc = lex(lx, e);
	if (rc == IRS_OK && lx->nterms == 0)
		rc = irs_fail(e, IRS_BAD_QUERY, n == 0 ? "empty query" : "the query has no words to search for");
	if (rc == IRS_OK)
		rc = write_expression(lx, &o, e);
	free(lx);
	if (rc != IRS_OK) {
		free(o.buf);
		return rc;
	}
	*fts = o.buf;
	return IRS_OK;
}
