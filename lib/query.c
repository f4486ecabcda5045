/*
 * query.c - parsing a user's query into an FTS5 expression and filters (see query.h).
 *
 * A recursive-descent parser over an incremental lexer.  Each parse
 * function returns the FTS5 text of what it read (a "fragment"), or NULL
 * for something with nothing the tokenizer would index (only punctuation),
 * which is dropped rather than turned into an empty phrase.  Filters go
 * into the plan, not the expression.
 *
 *   query := item+                         (ANDed; excluded items follow NOT)
 *   item  := ["-" | NOT] alt | filter
 *   alt   := prim (OR prim)*
 *   prim  := word | word* | "phrase" | "(" query ")" | NEAR(...) | field: prim
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsearch/growbuf.h"
#include "irsearch/limits.h"
#include "irsearch/query.h"
#include "irsearch/utf8.h"

/* Deepest nesting of parentheses and fields. */
#define MAX_DEPTH 16
#define NEAR_DEFAULT 10
#define NEAR_MAX 1000

enum tok_kind { T_END, T_WORD, T_PHRASE, T_LPAREN, T_RPAREN, T_OR, T_NOT, T_FIELD, T_FILTER, T_NEAR };
enum filter_kind { F_AFTER, F_BEFORE, F_TYPE, F_LANG };

struct token {
	enum tok_kind kind;
	const char *text;	/* word, phrase body, or filter value; not NUL-terminated */
	size_t len;
	int column;		/* 1-based, in characters */
	int negated;		/* written with a leading '-' */
	int prefix;		/* a word ending in '*' */
	int which;		/* T_FIELD: index into fields[]; T_FILTER: enum filter_kind */
};

struct parser {
	const char *q;
	size_t n, pos;
	struct token peeked;
	int has_peeked;
	int ntokens;
	query_plan *plan;
	irs_error *e;
	irs_code rc;		/* the first error; parsing stops at it */
	char *any;		/* the top level's wanted items ORed, with its exclusions */
	char *dropped;		/* query_plan.fts_dropped */
};

static const char *const fields[] = { "title", "author", "body" };
static const char *const filters[] = { [F_AFTER] = "after", [F_BEFORE] = "before", [F_TYPE] = "type", [F_LANG] = "lang" };

static const struct {
	const char *name;
	const char *mime[2];
} type_names[] = {
	{ "pdf", { "application/pdf", NULL } },
	{ "html", { "text/html", "application/xhtml+xml" } },
	{ "docx", { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", NULL } },
	{ "odt", { "application/vnd.oasis.opendocument.text", NULL } },
	{ "epub", { "application/epub+zip", NULL } },
	{ "txt", { "text/plain", NULL } },
	{ "md", { "text/markdown", NULL } },
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

static int fail(struct parser *p, irs_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, irs_code code, const char *fmt, ...)
{
	va_list ap;

	if (p->rc != IRS_OK)
		return -1;
	p->rc = code;
	if (p->e != NULL) {
		p->e->code = code;
		va_start(ap, fmt);
		vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* A word ends at a blank, a quote or a parenthesis. */
static size_t
word_end(const struct parser *p, size_t i)
{
	while (i < p->n && !is_space(p->q[i]) && p->q[i] != '"' && p->q[i] != '(' && p->q[i] != ')')
		i++;
	return i;
}

/* Reads a word at p->pos into t: an operator, a field or filter prefix, NEAR(, or text. */
static void
lex_word(struct parser *p, struct token *t)
{
	size_t start = p->pos, end = word_end(p, start), colon, i;

	t->text = p->q + start;
	t->len = end - start;
	p->pos = end;
	if (!t->negated && t->len == 2 && memcmp(t->text, "OR", 2) == 0) {
		t->kind = T_OR;
		return;
	}
	if (!t->negated && t->len == 3 && memcmp(t->text, "NOT", 3) == 0) {
		t->kind = T_NOT;
		return;
	}
	if (t->len == 4 && memcmp(t->text, "NEAR", 4) == 0 && end < p->n && p->q[end] == '(') {
		t->kind = T_NEAR;
		p->pos = end + 1;
		return;
	}
	for (colon = 0; colon < t->len && t->text[colon] != ':'; colon++)
		;
	if (colon > 0 && colon < t->len) {
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (name_is(t->text, colon, fields[i])) {
				/* The field applies to what follows the colon: a word, phrase, group or NEAR. */
				t->kind = T_FIELD;
				t->which = (int)i;
				p->pos = start + colon + 1;
				return;
			}
		for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
			if (name_is(t->text, colon, filters[i])) {
				t->kind = T_FILTER;
				t->which = (int)i;
				t->text += colon + 1;
				t->len -= colon + 1;
				return;
			}
	}
	t->kind = T_WORD;
	while (t->len > 0 && t->text[t->len - 1] == '*') {
		t->prefix = 1;
		t->len--;
	}
}

static struct token
lex(struct parser *p)
{
	struct token t;

	memset(&t, 0, sizeof(t));
	while (p->pos < p->n && is_space(p->q[p->pos]))
		p->pos++;
	t.column = column_of(p->q, p->pos);
	if (p->pos >= p->n) {
		t.kind = T_END;
		return t;
	}
	if (p->q[p->pos] == '-' && p->pos + 1 < p->n && !is_space(p->q[p->pos + 1]) && p->q[p->pos + 1] != '-') {
		t.negated = 1;
		p->pos++;
	}
	switch (p->q[p->pos]) {
	case '(':
		t.kind = T_LPAREN;
		p->pos++;
		break;
	case ')':
		t.kind = T_RPAREN;
		p->pos++;
		break;
	case '"': {
		const char *close = memchr(p->q + p->pos + 1, '"', p->n - p->pos - 1);

		if (close == NULL) {
			fail(p, IRS_BAD_QUERY, "unbalanced quote at column %d", column_of(p->q, p->pos));
			t.kind = T_END;
			return t;
		}
		t.kind = T_PHRASE;
		t.text = p->q + p->pos + 1;
		t.len = (size_t)(close - t.text);
		p->pos = (size_t)(close - p->q) + 1;
		break;
	}
	default:
		lex_word(p, &t);
	}
	if (t.kind != T_RPAREN && ++p->ntokens > IRS_MAX_QUERY_TERMS)
		fail(p, IRS_BAD_QUERY, "query has more than %d terms", IRS_MAX_QUERY_TERMS);
	return t;
}

static struct token
peek(struct parser *p)
{
	if (!p->has_peeked) {
		p->peeked = lex(p);
		p->has_peeked = 1;
	}
	return p->peeked;
}

static struct token
next(struct parser *p)
{
	struct token t = peek(p);

	p->has_peeked = 0;
	return t;
}

/* Hands b's string over (NULL after an allocation failure, reported to p). */
static char *
take(struct parser *p, growbuf *b)
{
	char *s = growbuf_take(b);

	if (s == NULL)
		fail(p, IRS_INTERNAL, "out of memory");
	return s;
}

/* Appends part's string to b; a part that failed to build fails b too. */
static void
append_part(growbuf *b, const growbuf *part)
{
	if (part->failed)
		b->failed = 1;
	else
		growbuf_append(b, part->data, part->len);
}

/* Writes text as an FTS5 string: quotes doubled, control bytes as spaces. */
static void
put_string(growbuf *b, const char *text, size_t len, int prefix)
{
	size_t i;

	growbuf_append(b, "\"", 1);
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == '"')
			growbuf_append(b, "\"\"", 2);
		else if ((unsigned char)c < 0x20)
			growbuf_append(b, " ", 1);
		else
			growbuf_append(b, &c, 1);
	}
	growbuf_append(b, "\"", 1);
	if (prefix)
		growbuf_append(b, "*", 1);
}

/* A word or phrase as an FTS5 string; NULL when it holds nothing to search. */
static char *
term_fragment(struct parser *p, const struct token *t)
{
	growbuf b = GROWBUF_INIT;

	if (!has_word(t->text, t->len))
		return NULL;
	if (t->prefix)
		p->plan->has_prefix = 1;
	put_string(&b, t->text, t->len, t->prefix);
	return take(p, &b);
}

static char *parse_query(struct parser *p, int depth, int *empty_group, int *single);
static char *parse_prim(struct parser *p, int depth);

/* NEAR(term term ..., N): at least two terms, N words apart at most. */
static char *
parse_near(struct parser *p, const struct token *near)
{
	growbuf b = GROWBUF_INIT;
	int terms = 0, distance = NEAR_DEFAULT;

	growbuf_puts(&b, "NEAR(");
	for (;;) {
		size_t start;

		while (p->pos < p->n && is_space(p->q[p->pos]))
			p->pos++;
		if (p->pos >= p->n) {
			growbuf_free(&b);
			fail(p, IRS_BAD_QUERY, "NEAR at column %d has no closing parenthesis", near->column);
			return NULL;
		}
		if (p->q[p->pos] == ')') {
			p->pos++;
			break;
		}
		if (p->q[p->pos] == ',') {
			char *end;
			long d;

			p->pos++;
			d = strtol(p->q + p->pos, &end, 10);
			if (end == p->q + p->pos || d < 0 || d > NEAR_MAX) {
				growbuf_free(&b);
				fail(p, IRS_BAD_QUERY, "NEAR at column %d needs a distance from 0 to %d after its comma",
				     near->column, NEAR_MAX);
				return NULL;
			}
			distance = (int)d;
			p->pos = (size_t)(end - p->q);
			while (p->pos < p->n && is_space(p->q[p->pos]))
				p->pos++;
			if (p->pos >= p->n || p->q[p->pos] != ')') {
				growbuf_free(&b);
				fail(p, IRS_BAD_QUERY, "NEAR at column %d has no closing parenthesis", near->column);
				return NULL;
			}
			p->pos++;
			break;
		}
		if (p->q[p->pos] == '"') {
			const char *close = memchr(p->q + p->pos + 1, '"', p->n - p->pos - 1);

			if (close == NULL) {
				growbuf_free(&b);
				fail(p, IRS_BAD_QUERY, "unbalanced quote at column %d", column_of(p->q, p->pos));
				return NULL;
			}
			start = p->pos + 1;
			p->pos = (size_t)(close - p->q) + 1;
			if (has_word(p->q + start, (size_t)(close - p->q) - start)) {
				if (terms++ > 0)
					growbuf_append(&b, " ", 1);
				put_string(&b, p->q + start, (size_t)(close - p->q) - start, 0);
			}
			continue;
		}
		start = p->pos;
		while (p->pos < p->n && !is_space(p->q[p->pos]) && p->q[p->pos] != ',' && p->q[p->pos] != ')' &&
		       p->q[p->pos] != '"')
			p->pos++;
		if (p->pos == start) {
			p->pos++;	/* a stray character of its own: punctuation */
			continue;
		}
		if (has_word(p->q + start, p->pos - start)) {
			size_t len = p->pos - start;
			int prefix = 0;

			while (len > 0 && p->q[start + len - 1] == '*')
				len--, prefix = 1;
			if (terms++ > 0)
				growbuf_append(&b, " ", 1);
			if (prefix)
				p->plan->has_prefix = 1;
			put_string(&b, p->q + start, len, prefix);
		}
	}
	if (terms < 2) {
		growbuf_free(&b);
		fail(p, IRS_BAD_QUERY, "NEAR at column %d needs at least two words", near->column);
		return NULL;
	}
	if ((p->ntokens += terms) > IRS_MAX_QUERY_TERMS) {
		growbuf_free(&b);
		fail(p, IRS_BAD_QUERY, "query has more than %d terms", IRS_MAX_QUERY_TERMS);
		return NULL;
	}
	if (distance != NEAR_DEFAULT) {
		char num[16];

		snprintf(num, sizeof(num), ", %d", distance);
		growbuf_puts(&b, num);
	}
	growbuf_puts(&b, ")");
	return take(p, &b);
}

/* field: what follows, restricted to one column. */
static char *
parse_field(struct parser *p, const struct token *t, int depth)
{
	struct token after = peek(p);
	growbuf b = GROWBUF_INIT;
	char *inner;

	if (after.kind != T_WORD && after.kind != T_PHRASE && after.kind != T_LPAREN && after.kind != T_NEAR) {
		fail(p, IRS_BAD_QUERY, "%s: at column %d has nothing to search after it", fields[t->which], t->column);
		return NULL;
	}
	if (after.negated) {
		fail(p, IRS_BAD_QUERY, "%s: at column %d cannot take an exclusion; write -%s:word",
		     fields[t->which], t->column, fields[t->which]);
		return NULL;
	}
	inner = parse_prim(p, depth + 1);
	if (inner == NULL)
		return NULL;
	growbuf_puts(&b, "{");
	growbuf_puts(&b, fields[t->which]);
	growbuf_puts(&b, "} : ");
	growbuf_puts(&b, inner);
	free(inner);
	return take(p, &b);
}

/* A word, phrase, group, NEAR or field; NULL for punctuation (or an error, in p->rc). */
static char *
parse_prim(struct parser *p, int depth)
{
	struct token t = next(p);

	if (p->rc != IRS_OK)
		return NULL;
	if (depth > MAX_DEPTH) {
		fail(p, IRS_BAD_QUERY, "query nested deeper than %d levels at column %d", MAX_DEPTH, t.column);
		return NULL;
	}
	switch (t.kind) {
	case T_WORD:
	case T_PHRASE:
		return term_fragment(p, &t);
	case T_NEAR:
		return parse_near(p, &t);
	case T_FIELD:
		return parse_field(p, &t, depth);
	case T_LPAREN: {
		int empty = 0, single = 0;
		char *inner = parse_query(p, depth + 1, &empty, &single);
		struct token close = next(p);
		growbuf b = GROWBUF_INIT;

		if (p->rc != IRS_OK) {
			free(inner);
			return NULL;
		}
		if (close.kind != T_RPAREN) {
			free(inner);
			fail(p, IRS_BAD_QUERY, "unbalanced parenthesis at column %d", t.column);
			return NULL;
		}
		if (empty) {
			fail(p, IRS_BAD_QUERY, "empty parentheses at column %d", t.column);
			return NULL;
		}
		/* One item needs no parentheses of its own: an OR group already has them. */
		if (inner == NULL || single)
			return inner;
		growbuf_puts(&b, "(");
		growbuf_puts(&b, inner);
		growbuf_puts(&b, ")");
		free(inner);
		return take(p, &b);
	}
	case T_RPAREN:
		fail(p, IRS_BAD_QUERY, "unbalanced parenthesis at column %d", t.column);
		return NULL;
	case T_OR:
		fail(p, IRS_BAD_QUERY, "OR at column %d has no term before it", t.column);
		return NULL;
	case T_NOT:
		fail(p, IRS_BAD_QUERY, "NOT at column %d has no term after it", t.column);
		return NULL;
	case T_FILTER:
		fail(p, IRS_BAD_QUERY, "%s: at column %d filters documents and cannot be inside OR, NOT, a field or parentheses",
		     filters[t.which], t.column);
		return NULL;
	case T_END:
		break;
	}
	return NULL;
}

static int
is_operand(const struct token *t)
{
	return t->kind == T_WORD || t->kind == T_PHRASE || t->kind == T_LPAREN || t->kind == T_NEAR ||
	       t->kind == T_FIELD;
}

/* prim (OR prim)*: a group of alternatives, parenthesised when there are several. */
static char *
parse_alt(struct parser *p, int depth)
{
	growbuf b = GROWBUF_INIT;
	char *first = parse_prim(p, depth);
	int members = first != NULL;

	if (first != NULL)
		growbuf_puts(&b, first);
	free(first);
	while (p->rc == IRS_OK && peek(p).kind == T_OR) {
		struct token or = next(p), t = peek(p);
		char *alt;

		if ((!is_operand(&t) && t.kind != T_FILTER) || t.negated) {
			growbuf_free(&b);
			fail(p, IRS_BAD_QUERY, "OR at column %d has no term after it", or.column);
			return NULL;
		}
		alt = parse_prim(p, depth);
		if (alt != NULL) {
			growbuf_puts(&b, members++ > 0 ? " OR " : "");
			growbuf_puts(&b, alt);
			free(alt);
		}
	}
	if (p->rc != IRS_OK || members == 0) {
		growbuf_free(&b);
		return NULL;
	}
	if (members > 1) {
		growbuf w = GROWBUF_INIT;

		growbuf_puts(&w, "(");
		append_part(&w, &b);
		growbuf_puts(&w, ")");
		growbuf_free(&b);
		b = w;
	}
	return take(p, &b);
}

static int
valid_date(const char *s, size_t n)
{
	size_t i;

	if (n != 4 && n != 7 && n != 10)
		return 0;
	for (i = 0; i < n; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	if (n >= 7 && (memcmp(s + 5, "01", 2) < 0 || memcmp(s + 5, "12", 2) > 0))
		return 0;
	if (n == 10 && (memcmp(s + 8, "01", 2) < 0 || memcmp(s + 8, "31", 2) > 0))
		return 0;
	return 1;
}

static int
add_type(struct parser *p, const struct token *t)
{
	query_plan *plan = p->plan;
	size_t i;
	int m;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!name_is(t->text, t->len, type_names[i].name))
			continue;
		for (m = 0; m < 2 && type_names[i].mime[m] != NULL; m++) {
			int k, seen = 0;

			for (k = 0; k < plan->ntypes; k++)
				seen |= plan->types[k] == type_names[i].mime[m];
			if (!seen && plan->ntypes < QUERY_MAX_FILTER_VALUES)
				plan->types[plan->ntypes++] = type_names[i].mime[m];
		}
		return 0;
	}
	return fail(p, IRS_BAD_QUERY, "type: at column %d takes pdf, html, docx, odt, epub, txt or md", t->column);
}

static int
add_lang(struct parser *p, const struct token *t)
{
	query_plan *plan = p->plan;
	size_t i;

	if (t->len < 2 || t->len > 3)
		return fail(p, IRS_BAD_QUERY, "lang: at column %d takes a language code like en or ru", t->column);
	if (plan->nlangs == QUERY_MAX_FILTER_VALUES)
		return fail(p, IRS_BAD_QUERY, "more than %d lang: filters", QUERY_MAX_FILTER_VALUES);
	for (i = 0; i < t->len; i++) {
		char c = t->text[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z')
			return fail(p, IRS_BAD_QUERY, "lang: at column %d takes a language code like en or ru", t->column);
		plan->langs[plan->nlangs][i] = c;
	}
	plan->langs[plan->nlangs++][t->len] = '\0';
	return 0;
}

/* after:, before:, type:, lang: narrow the documents; repeated bounds keep the tightest. */
static int
apply_filter(struct parser *p, const struct token *t)
{
	query_plan *plan = p->plan;

	if (t->negated)
		return fail(p, IRS_BAD_QUERY, "%s: at column %d cannot be excluded", filters[t->which], t->column);
	switch ((enum filter_kind)t->which) {
	case F_AFTER:
	case F_BEFORE: {
		char *bound = t->which == F_AFTER ? plan->after : plan->before;
		char date[IRS_DATE_MAX];

		if (!valid_date(t->text, t->len))
			return fail(p, IRS_BAD_QUERY, "%s: at column %d needs a date like 2024, 2024-07 or 2024-07-03",
				    filters[t->which], t->column);
		memcpy(date, t->text, t->len);
		date[t->len] = '\0';
		if (bound[0] == '\0' || (t->which == F_AFTER ? strcmp(date, bound) > 0 : strcmp(date, bound) < 0))
			strcpy(bound, date);
		return 0;
	}
	case F_TYPE:
		return add_type(p, t);
	case F_LANG:
		return add_lang(p, t);
	}
	return 0;
}

/* Whether an FTS5 fragment is one quoted string (a word, phrase or prefix: one FTS5 phrase). */
static int
one_phrase(const char *f)
{
	if (*f++ != '"')
		return 0;
	for (; *f != '\0'; f++) {
		if (*f != '"')
			continue;
		if (f[1] != '"')
			return f[1] == '\0' || (f[1] == '*' && f[2] == '\0');
		f++;	/* a doubled quote */
	}
	return 0;
}

/*
 * For a top level "P NOT Q1 NOT Q2 ..." of single phrases, "P AND (Q1 OR
 * Q2 ...)": the rows of P the query drops (query_plan.fts_dropped).
 */
static char *
dropped_rows(struct parser *p, const char *want, const char *avoid_any)
{
	growbuf b = GROWBUF_INIT;

	growbuf_puts(&b, want);
	growbuf_puts(&b, " AND (");
	growbuf_puts(&b, avoid_any);
	growbuf_puts(&b, ")");
	return take(p, &b);
}

/*
 * Items up to the end or a closing parenthesis (left for the caller):
 * the wanted ones ANDed, then each excluded one behind NOT.  *empty is set
 * when there was nothing at all (not even punctuation), *single when the
 * result is one wanted item and nothing else.
 */
static char *
parse_query(struct parser *p, int depth, int *empty, int *single)
{
	growbuf want = GROWBUF_INIT, avoid = GROWBUF_INIT, any = GROWBUF_INIT;
	growbuf avoid_any = GROWBUF_INIT;
	int nwant = 0, navoid = 0, items = 0, phrases = 1;

	for (;;) {
		struct token t = peek(p);
		int negated = t.negated;
		char *f;

		if (p->rc != IRS_OK || t.kind == T_END || t.kind == T_RPAREN)
			break;
		items++;
		if (t.kind == T_FILTER) {
			next(p);
			if (depth > 0)
				fail(p, IRS_BAD_QUERY, "%s: at column %d filters documents and cannot be inside parentheses",
				     filters[t.which], t.column);
			else
				apply_filter(p, &t);
			continue;
		}
		if (t.kind == T_NOT) {
			struct token after;

			next(p);
			after = peek(p);
			if (!is_operand(&after) || after.negated) {
				fail(p, IRS_BAD_QUERY, "NOT at column %d has no term after it", t.column);
				break;
			}
			negated = 1;
		}
		f = parse_alt(p, depth);
		if (f == NULL)
			continue;
		phrases = phrases && one_phrase(f);
		if (negated) {
			growbuf_puts(&avoid, " NOT ");
			growbuf_puts(&avoid, f);
			growbuf_puts(&avoid_any, navoid > 0 ? " OR " : "");
			growbuf_puts(&avoid_any, f);
			navoid++;
		} else {
			growbuf_puts(&want, nwant > 0 ? " AND " : "");
			growbuf_puts(&want, f);
			growbuf_puts(&any, nwant++ > 0 ? " OR " : "(");
			growbuf_puts(&any, f);
		}
		free(f);
	}
	*empty = items == 0;
	*single = nwant == 1 && navoid == 0;
	if (p->rc == IRS_OK && nwant == 0 && navoid > 0)
		fail(p, IRS_BAD_QUERY, depth == 0 ? "a query of only exclusions matches nothing; add a word to look for"
						  : "a group of only exclusions matches nothing; add a word to it");
	if (p->rc != IRS_OK || nwant == 0) {
		growbuf_free(&want);
		growbuf_free(&avoid);
		growbuf_free(&any);
		growbuf_free(&avoid_any);
		return NULL;
	}
	if (depth == 0 && nwant == 1 && navoid > 0 && phrases && !want.failed && !avoid_any.failed)
		p->dropped = dropped_rows(p, want.data, avoid_any.data);
	growbuf_free(&avoid_any);
	if (depth == 0 && nwant > 1) {
		growbuf_puts(&any, ")");
		if (navoid > 0)
			append_part(&any, &avoid);
		p->any = take(p, &any);
	} else {
		growbuf_free(&any);
	}
	if (navoid > 0)
		append_part(&want, &avoid);
	growbuf_free(&avoid);
	return take(p, &want);
}

void
query_plan_clear(query_plan *plan)
{
	free(plan->fts);
	free(plan->fts_any);
	free(plan->fts_dropped);
	memset(plan, 0, sizeof(*plan));
}

irs_code
query_parse(const char *query, query_plan *plan, irs_error *e)
{
	struct parser p;
	size_t n = strlen(query), bad;
	int empty = 0, single = 0;

	memset(plan, 0, sizeof(*plan));
	if (n > IRS_MAX_QUERY_BYTES)
		return irs_fail(e, IRS_TOO_LARGE, "query longer than %d bytes", IRS_MAX_QUERY_BYTES);
	if ((bad = utf8_invalid_offset(query, n)) < n)
		return irs_fail(e, IRS_BAD_QUERY, "query is not valid UTF-8 at column %d", column_of(query, bad));
	memset(&p, 0, sizeof(p));
	p.q = query;
	p.n = n;
	p.plan = plan;
	p.e = e;
	plan->fts = parse_query(&p, 0, &empty, &single);
	plan->fts_any = p.any;
	plan->fts_dropped = p.dropped;
	if (p.rc == IRS_OK && peek(&p).kind == T_RPAREN)
		fail(&p, IRS_BAD_QUERY, "unbalanced parenthesis at column %d", peek(&p).column);
	if (p.rc == IRS_OK && plan->fts == NULL && plan->after[0] == '\0' && plan->before[0] == '\0' &&
	    plan->ntypes == 0 && plan->nlangs == 0)
		fail(&p, IRS_BAD_QUERY, n == 0 || empty ? "empty query" : "the query has no words to search for");
	if (p.rc != IRS_OK) {
		query_plan_clear(plan);
		return p.rc;
	}
	return IRS_OK;
}

irs_code
query_compile(const char *query, char **fts, irs_error *e)
{
	query_plan plan;
	irs_code rc = query_parse(query, &plan, e);

	*fts = NULL;
	if (rc != IRS_OK)
		return rc;
	if (plan.fts == NULL || plan.after[0] != '\0' || plan.before[0] != '\0' || plan.ntypes > 0 ||
	    plan.nlangs > 0) {
		query_plan_clear(&plan);
		return irs_fail(e, IRS_BAD_QUERY, "filters (after:, before:, type:, lang:) need a search, not a MATCH alone");
	}
	*fts = plan.fts;
	free(plan.fts_any);
	free(plan.fts_dropped);
	return IRS_OK;
}
