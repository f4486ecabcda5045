/*
 * phrasecount.c - the rows holding a phrase of one word, from its forms'
 * doclists (see phrasecount.h).
 *
 * irs_rank needs each phrase's count of rows for its IDF, and a word is
 * not one FTS5 term: the tokenizer widens it into its indexed forms as
 * colocated synonyms, and xQueryPhrase merges the forms' position lists
 * at every row just to count it.  Here the MATCH's text gives each
 * phrase's string and the column filters over it, the table's tokenizer
 * its forms, and "{col} : (form OR form ...)" as exact terms is counted
 * instead.  A text read otherwise than FTS5 reads it would count other
 * phrases: what is not read exactly as query.c writes it is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/limits.h"
#include "irsearch/phrasecount.h"
#include "irsearch/tokenize.h"

/* A phrase of a statement's MATCH as its text writes it. */
struct match_phrase {
	const char *str;	/* between the quotes, "" not undone */
	int nstr;
	int prefix;		/* followed by a star */
	int in_near;		/* one of a NEAR's phrases */
	int ncolsets;
	const char *colset[PHRASE_COUNTS_MAX_COLSETS];	/* the "{title}" over it, outermost first */
	int ncolset[PHRASE_COUNTS_MAX_COLSETS];
};

/*
 * A connection's instance of the table's tokenizer (phrase_tokenizer_open).
 * Made once: reading the tokenize option (4.5 us of CPU), making the
 * instance (its stemmers and splitters, 1.5 us) and preparing its
 * vocabulary statement (3 us) were paid twice a search, for the MATCH's
 * rewrite and for irs_rank's counts.
 */
struct phrase_tokenizer {
	sqlite3 *db;
	fts5_api *fts5;		/* db's, to find the table's tokenizer */
	fts5_tokenizer methods;	/* the table's tokenizer's */
	Fts5Tokenizer *tok;	/* one with the table's arguments; NULL until a statement asks */
	/* The statements of the counts and of the split's estimate, prepared when first needed. */
	sqlite3_stmt *count;	/* rows of one MATCH (phrase_counts_rows) */
	sqlite3_stmt *segment;	/* the segment after a segid in fts_idx (list_segments) */
	sqlite3_stmt *last_leaf;	/* a segment's last leaf in fts_data (last_leaves) */
	sqlite3_stmt *pages;	/* a term's leaf pages in one segment (form_pages) */
};

/* One statement's MATCH read, with the connection's tokenizer and the count statement. */
struct phrase_counts {
	sqlite3 *db;
	phrase_tokenizer *pt;	/* the connection's, made (pt->tok) */
	struct match_phrase phrase[PHRASE_COUNTS_MAX_PHRASES];
	int nphrase;
	int nsegs; /* segments of fts_idx (PHRASE_SPLIT_MAX_SEGMENTS at most); -1 not read yet */
	sqlite3_int64 seg[PHRASE_SPLIT_MAX_SEGMENTS];
	sqlite3_int64 last_page[PHRASE_SPLIT_MAX_SEGMENTS]; /* each segment's last leaf */
};

/*
 * Reading a MATCH expression as query.c writes it, to find each phrase's
 * text and the column filters over it: "quoted strings" (a star after
 * one makes a prefix), AND, OR, NOT, groups in parentheses, NEAR("a" "b",
 * N) and "{title} : " before a string, a NEAR or a group.  FTS5 numbers
 * the phrases in the order the text writes them.  Anything else (a bare
 * word, "+", "^") and the reading fails: irs_rank then keeps xQueryPhrase
 * (phrase_counts_open gives no counts).
 */
struct match_reader {
	const char *s;
	size_t pos;
	struct phrase_counts *pc;
	int ncolsets;
	const char *colset[PHRASE_COUNTS_MAX_COLSETS];
	int ncolset[PHRASE_COUNTS_MAX_COLSETS];
	int depth;
	int in_near;		/* inside NEAR(...) */
};

static int read_primary(struct match_reader *r);

static void
skip_spaces(struct match_reader *r)
{
	while (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' || r->s[r->pos] == '\n' || r->s[r->pos] == '\r')
		r->pos++;
}

/* Whether the text at the reader is the word w (and not the start of a longer bare word). */
static int
at_word(const struct match_reader *r, const char *w)
{
	size_t n = strlen(w);
	unsigned char next = (unsigned char)r->s[r->pos + n];

	return strncmp(r->s + r->pos, w, n) == 0 &&
	       !(next >= 0x80 || next == '_' || (next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
		 (next >= 'A' && next <= 'Z'));
}

/* A quoted string, and a star after it: one phrase, under the column filters in force. */
static int
read_string(struct match_reader *r)
{
	struct phrase_counts *pc = r->pc;
	struct match_phrase *p;
	size_t i = r->pos + 1;

	for (;; i++) {
		if (r->s[i] == '\0')
			return -1;
		if (r->s[i] == '"' && r->s[i + 1] != '"')
			break;
		if (r->s[i] == '"')
			i++;
	}
	if (pc->nphrase == PHRASE_COUNTS_MAX_PHRASES || i - r->pos - 1 > INT32_MAX)
		return -1;
	p = &pc->phrase[pc->nphrase++];
	p->str = r->s + r->pos + 1;
	p->nstr = (int)(i - r->pos - 1);
	p->in_near = r->in_near;
	p->ncolsets = r->ncolsets;
	memcpy(p->colset, r->colset, sizeof(p->colset));
	memcpy(p->ncolset, r->ncolset, sizeof(p->ncolset));
	r->pos = i + 1;
	skip_spaces(r);
	p->prefix = r->s[r->pos] == '*';
	if (p->prefix)
		r->pos++;
	return 0;
}

/* NEAR("a" "b", N), at NEAR. */
static int
read_near(struct match_reader *r)
{
	r->pos += 4;
	skip_spaces(r);
	if (r->s[r->pos++] != '(')
		return -1;
	for (;;) {
		skip_spaces(r);
		if (r->s[r->pos] == '"') {
			r->in_near = 1;
			if (read_string(r) != 0)
				return -1;
			r->in_near = 0;
		} else if (r->s[r->pos] == ',') {
			r->pos++;
			skip_spaces(r);
			while (r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
				r->pos++;
		} else if (r->s[r->pos] == ')') {
			r->pos++;
			return 0;
		} else {
			return -1;
		}
	}
}

/* Terms joined by AND, OR, NOT up to the end of the text, or with closing to a ")". */
static int
read_terms(struct match_reader *r, int closing)
{
	if (++r->depth > PHRASE_COUNTS_MAX_DEPTH)
		return -1;
	for (;;) {
		skip_spaces(r);
		if (r->s[r->pos] == '\0')
			break;
		if (r->s[r->pos] == ')') {
			if (!closing)
				return -1;
			r->pos++;
			r->depth--;
			return 0;
		}
		if (at_word(r, "AND") || at_word(r, "NOT"))
			r->pos += 3;
		else if (at_word(r, "OR"))
			r->pos += 2;
		else if (read_primary(r) != 0)
			return -1;
	}
	r->depth--;
	return closing ? -1 : 0;
}

/* "{title author} : " and what it filters. */
static int
read_colset(struct match_reader *r)
{
	const char *end = strchr(r->s + r->pos, '}');
	int rc;

	if (end == NULL || r->ncolsets == PHRASE_COUNTS_MAX_COLSETS)
		return -1;
	r->colset[r->ncolsets] = r->s + r->pos;
	r->ncolset[r->ncolsets] = (int)(end + 1 - (r->s + r->pos));
	r->pos = (size_t)(end + 1 - r->s);
	skip_spaces(r);
	if (r->s[r->pos++] != ':')
		return -1;
	r->ncolsets++;
	rc = read_primary(r);
	r->ncolsets--;
	return rc;
}

/* A string, a NEAR, a group in parentheses, or a column filter over one of them. */
static int
read_primary(struct match_reader *r)
{
	skip_spaces(r);
	if (r->s[r->pos] == '"')
		return read_string(r);
	if (r->s[r->pos] == '{')
		return read_colset(r);
	if (r->s[r->pos] == '(') {
		r->pos++;
		return read_terms(r, 1);
	}
	if (strncmp(r->s + r->pos, "NEAR", 4) == 0)
		return read_near(r);
	return -1;
}

/*
 * The table's tokenize option ("irsearch english russian", as store.c
 * writes it) into args: SQLITE_OK, SQLITE_DONE when it is not there or
 * not written that way, or an error.
 */
static int
table_tokenize_option(sqlite3 *db, char *args, size_t cap)
{
	sqlite3_stmt *st = NULL;
	const char *sql, *start, *end;
	int rc = sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'fts'", -1,
				    &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_DONE;
		if ((sql = (const char *)sqlite3_column_text(st, 0)) != NULL &&
		    (start = strstr(sql, "tokenize='")) != NULL && (end = strchr(start += 10, '\'')) != NULL &&
		    (size_t)(end - start) < cap) {
			memcpy(args, start, (size_t)(end - start));
			args[end - start] = '\0';
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The table's tokenizer, with the arguments of its tokenize option, made
 * once for pt's connection: a phrase's forms are what it emits for the
 * phrase's text.  SQLITE_OK with pt->tok, or SQLITE_OK without it when
 * the option cannot be read that way (asked again next time: no table
 * yet), or an error (memory, interruption).
 */
static int
open_tokenizer(phrase_tokenizer *pt)
{
	const char *argv[PHRASE_COUNTS_MAX_TOKENIZER_ARGS];
	char args[256], *w, *save = NULL;
	void *ud = NULL;
	int argc = 0, rc;

	if (pt->tok != NULL)
		return SQLITE_OK;
	if (pt->fts5 == NULL ||
	    (rc = table_tokenize_option(pt->db, args, sizeof(args))) == SQLITE_DONE)
		return SQLITE_OK;
	if (rc != SQLITE_OK)
		return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
	for (w = strtok_r(args, " ", &save); w != NULL && argc < PHRASE_COUNTS_MAX_TOKENIZER_ARGS - 1;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	/* No stem cache: 2 MiB more a connection (beside the table's) for a query's words. */
	argv[argc++] = "uncached";
	if (w != NULL || strcmp(argv[0], IRS_TOKENIZER_NAME) != 0 ||
	    pt->fts5->xFindTokenizer(pt->fts5, IRS_TOKENIZER_NAME, &ud, &pt->methods) != SQLITE_OK)
		return SQLITE_OK;
	if ((rc = pt->methods.xCreate(ud, argv + 1, argc - 1, &pt->tok)) != SQLITE_OK)
		pt->tok = NULL;
	return rc == SQLITE_NOMEM ? rc : SQLITE_OK;
}

int
phrase_tokenizer_open(sqlite3 *db, fts5_api *fts5, phrase_tokenizer **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return SQLITE_NOMEM;
	(*out)->db = db;
	(*out)->fts5 = fts5;
	return SQLITE_OK;
}

void
phrase_tokenizer_close(phrase_tokenizer *pt)
{
	if (pt == NULL)
		return;
	if (pt->tok != NULL)
		pt->methods.xDelete(pt->tok);
	sqlite3_finalize(pt->count);
	sqlite3_finalize(pt->segment);
	sqlite3_finalize(pt->last_leaf);
	sqlite3_finalize(pt->pages);
	free(pt);
}

/*
 * pt's statement *st of sql, prepared the first time (a prepare costs 3
 * to 10 us, paid by each statement that counted or estimated a split):
 * kept for the connection, reset after each use.
 */
static int
kept_statement(phrase_tokenizer *pt, sqlite3_stmt **st, const char *sql)
{
	if (*st != NULL)
		return SQLITE_OK;
	return sqlite3_prepare_v3(pt->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* Asks pt's tokenizer for the tokens of text, as FTS5 reads a phrase's string of a MATCH. */
static int
tokenize_phrase(phrase_counts *pc, void *ctx, int flags, const char *text, int len,
		int (*on_token)(void *, int, const char *, int, int, int))
{
	return pc->pt->methods.xTokenize(pc->pt->tok, ctx, flags, text, len, on_token);
}

/* The count's MATCH as the forms of a phrase come from the tokenizer. */
struct forms {
	sqlite3_str *expr;
	int positions;		/* tokens not colocated: 1 for a phrase of one word */
	int n;
};

/* Adds a token the tokenizer emits for the phrase to the OR of its forms, each exact and quoted. */
static int
on_form(void *ctx, int tflags, const char *t, int n, int start, int end)
{
	struct forms *f = ctx;
	int i, from = 0;

	(void)start, (void)end;
	/* As FTS5 builds a phrase: a token colocated with none before it starts a position. */
	if (!(tflags & FTS5_TOKEN_COLOCATED) || f->n == 0)
		f->positions++;
	if (f->positions > 1)
		return SQLITE_OK;
	if (f->n++ > 0)
		sqlite3_str_appendall(f->expr, " OR ");
	sqlite3_str_appendchar(f->expr, 1, '"');
	sqlite3_str_appendchar(f->expr, 1, IRS_EXACT_MARK);
	for (i = 0; i < n; i++)
		if (t[i] == '"') {
			sqlite3_str_append(f->expr, t + from, i + 1 - from);
			from = i;	/* the quote again: doubled */
		}
	sqlite3_str_append(f->expr, t + from, n - from);
	sqlite3_str_appendchar(f->expr, 1, '"');
	return SQLITE_OK;
}

/*
 * Reads the statement's MATCH once: its phrases, as many as FTS5 counts,
 * with the connection's tokenizer (made the first time).  What cannot be
 * read leaves the statement to the caller's other count (*out NULL).
 */
int
phrase_counts_open(phrase_tokenizer *pt, const char *match, int nphrases, phrase_counts **out)
{
	struct match_reader r;
	phrase_counts *pc;
	int rc;

	*out = NULL;
	if (pt == NULL || pt->db == NULL || match == NULL)
		return SQLITE_OK;
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return SQLITE_NOMEM;
	pc->db = pt->db;
	pc->pt = pt;
	pc->nsegs = -1;
	memset(&r, 0, sizeof(r));
	r.s = match;
	r.pc = pc;
	if (read_terms(&r, 0) != 0 || (nphrases >= 0 && pc->nphrase != nphrases)) {
		phrase_counts_close(pc);
		return SQLITE_OK;
	}
	if ((rc = open_tokenizer(pt)) != SQLITE_OK || pt->tok == NULL) {
		phrase_counts_close(pc);
		return rc;
	}
	*out = pc;
	return SQLITE_OK;
}

void
phrase_counts_close(phrase_counts *pc)
{
	if (pc == NULL)
		return;
	free(pc);
}

/* Phrase p's string as FTS5 hands it to the tokenizer, "" undone (free), its length in *len; NULL: no memory. */
static char *
unquoted(const struct match_phrase *p, int *len)
{
	char *text = malloc((size_t)p->nstr + 1);
	int k;

	*len = 0;
	if (text == NULL)
		return NULL;
	for (k = 0; k < p->nstr; k++) {
		text[(*len)++] = p->str[k];
		if (p->str[k] == '"')
			k++;
	}
	return text;
}

/*
 * Finishes out after a build whose result so far is rc: SQLITE_OK with *text
 * (sqlite3_free; NULL when empty), or rc, else out's own error, with *text NULL.
 */
static int
finish_text(sqlite3_str *out, int rc, char **text)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_str_errcode(out);
	*text = sqlite3_str_finish(out);
	if (rc != SQLITE_OK) {
		sqlite3_free(*text);
		*text = NULL;
	}
	return rc;
}

/*
 * The forms of phrase i as exact terms under its column filters,
 * "{col} : (\"\x02form\" OR ...)" (*expr, sqlite3_free), for its count;
 * *expr NULL when phrase i is not one word without a prefix.  SQLITE_OK,
 * or an error of the tokenizer (memory, interruption).
 */
static int
forms_expr(phrase_counts *pc, int i, char **expr)
{
	struct match_phrase *p;
	struct forms f = { NULL, 0, 0 };
	char *text, *e;
	int rc, k, len = 0;

	*expr = NULL;
	if (i < 0 || i >= pc->nphrase || (p = &pc->phrase[i])->prefix)
		return SQLITE_OK;
	if ((text = unquoted(p, &len)) == NULL)
		return SQLITE_NOMEM;
	f.expr = sqlite3_str_new(pc->db);
	for (k = 0; k < p->ncolsets; k++)
		sqlite3_str_appendf(f.expr, "%.*s : (", p->ncolset[k], p->colset[k]);
	rc = tokenize_phrase(pc, &f, FTS5_TOKENIZE_QUERY, text, len, on_form);
	free(text);
	for (k = 0; k < p->ncolsets; k++)
		sqlite3_str_appendchar(f.expr, 1, ')');
	rc = finish_text(f.expr, rc, &e);
	if (rc != SQLITE_OK || f.positions != 1) {
		sqlite3_free(e);
		return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
	}
	*expr = e;
	return SQLITE_OK;
}

/*
 * The rows holding phrase i, from its forms' doclists: *counted says
 * whether it could (a phrase of one word, no prefix), else the caller
 * asks xQueryPhrase.
 */
static int count_expr(phrase_counts *pc, char *expr, sqlite3_int64 *n, int *counted);

int
phrase_counts_rows(phrase_counts *pc, int i, int phrase_size, sqlite3_int64 *n, int *counted)
{
	char *expr = NULL;
	int rc = SQLITE_OK;

	*counted = 0;
	if (phrase_size == 1)
		rc = forms_expr(pc, i, &expr);
	if (expr == NULL)
		return rc;
	return count_expr(pc, expr, n, counted);
}

/* The rows of the table matching expr (sqlite3_free'd here) into *n, with *counted. */
static int
count_expr(phrase_counts *pc, char *expr, sqlite3_int64 *n, int *counted)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = kept_statement(pc->pt, &pc->pt->count, "SELECT count(*) FROM fts WHERE fts MATCH ?1")) !=
	    SQLITE_OK) {
		sqlite3_free(expr);
		return rc;
	}
	st = pc->pt->count;
	sqlite3_bind_text(st, 1, expr, -1, sqlite3_free);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		*counted = 1;
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Phrase i of pc as the MATCH writes it: its quoted string, "" doubled, and no star. */
static void
put_phrase(sqlite3_str *out, const struct match_phrase *p)
{
	sqlite3_str_appendchar(out, 1, '"');
	sqlite3_str_append(out, p->str, p->nstr);
	sqlite3_str_appendchar(out, 1, '"');
}

/*
 * Splitting a phrase by one word's forms (phrase_forms_rewrite).  A
 * phrase's words as the tokenizer reads its text: each word's span of the
 * text, and its forms, kept in chars.
 */
struct phrase_words {
	sqlite3_str *buf; /* the forms, one after the other, while read */
	char *chars;      /* buf finished (sqlite3_free) */
	int nwords;
	int over; /* more words or forms than kept: not split */
	struct {
		int start, end; /* the word's bytes in the text */
		int first, n;   /* its forms in form[] */
	} word[PHRASE_SPLIT_MAX_WORDS];
	int nforms;
	struct {
		int off, n; /* in chars */
	} form[PHRASE_SPLIT_MAX_FORMS];
};

/* Adds a token of the phrase: one colocated with none before starts a word, as in FTS5. */
static int
on_word_form(void *ctx, int tflags, const char *t, int n, int start, int end)
{
	struct phrase_words *w = ctx;

	if (w->over)
		return SQLITE_OK;
	if (!(tflags & FTS5_TOKEN_COLOCATED) || w->nwords == 0) {
		if (w->nwords == PHRASE_SPLIT_MAX_WORDS) {
			w->over = 1;
			return SQLITE_OK;
		}
		w->word[w->nwords].start = start;
		w->word[w->nwords].end = end;
		w->word[w->nwords].first = w->nforms;
		w->word[w->nwords].n = 0;
		w->nwords++;
	}
	if (w->nforms == PHRASE_SPLIT_MAX_FORMS || n <= 0) {
		w->over = 1;
		return SQLITE_OK;
	}
	w->form[w->nforms].off = sqlite3_str_length(w->buf);
	w->form[w->nforms].n = n;
	sqlite3_str_append(w->buf, t, n);
	w->nforms++;
	w->word[w->nwords - 1].n++;
	return SQLITE_OK;
}

/*
 * The words of text as the query tokenizer reads them into *w (free
 * w->chars with sqlite3_free); with FTS5_TOKENIZE_PREFIX in flags, the
 * words as written, without their forms (the same words: a word's forms
 * are colocated with it).
 */
static int
read_words(phrase_counts *pc, const char *text, int len, int flags, struct phrase_words *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->buf = sqlite3_str_new(pc->db);
	rc = finish_text(w->buf, tokenize_phrase(pc, w, flags, text, len, on_word_form), &w->chars);
	w->buf = NULL;
	if (rc == SQLITE_OK && w->chars == NULL && w->nforms > 0)
		rc = SQLITE_NOMEM;
	return rc;
}

/* Whether word a of wa and word b of wb have the same forms, in the same order. */
static int
same_forms(const struct phrase_words *wa, int a, const struct phrase_words *wb, int b)
{
	int k;

	if (wa->word[a].n != wb->word[b].n)
		return 0;
	for (k = 0; k < wa->word[a].n; k++) {
		int fa = wa->word[a].first + k, fb = wb->word[b].first + k;

		if (wa->form[fa].n != wb->form[fb].n ||
		    memcmp(wa->chars + wa->form[fa].off, wb->chars + wb->form[fb].off,
		           (size_t)wa->form[fa].n) != 0)
			return 0;
	}
	return 1;
}

/*
 * Whether each word of w, as the copies write it (its own text alone, or
 * the split word's forms each as an exact term), is read as it is in the
 * phrase: one word of the same forms.  Else a copy would match otherwise.
 */
static int
copies_read_as_phrase(phrase_counts *pc, const char *text, const struct phrase_words *w, int split,
                      int *same)
{
	struct phrase_words alone;
	char exact[1 + IRS_TOKEN_STEM_MAX];
	int rc = SQLITE_OK, j, k;

	*same = 1;
	for (j = 0; rc == SQLITE_OK && *same && j < w->nwords; j++) {
		rc = read_words(pc, text + w->word[j].start, w->word[j].end - w->word[j].start,
		                FTS5_TOKENIZE_QUERY, &alone);
		*same = rc == SQLITE_OK && !alone.over && alone.nwords == 1 &&
		        same_forms(w, j, &alone, 0);
		sqlite3_free(alone.chars);
	}
	for (k = 0; rc == SQLITE_OK && *same && k < w->word[split].n; k++) {
		int f = w->word[split].first + k;

		if (w->form[f].n > IRS_TOKEN_STEM_MAX) {
			*same = 0;
			break;
		}
		exact[0] = IRS_EXACT_MARK;
		memcpy(exact + 1, w->chars + w->form[f].off, (size_t)w->form[f].n);
		rc = read_words(pc, exact, 1 + w->form[f].n, FTS5_TOKENIZE_QUERY, &alone);
		*same = rc == SQLITE_OK && !alone.over && alone.nwords == 1 && alone.nforms == 1 &&
		        alone.form[0].n == w->form[f].n &&
		        memcmp(alone.chars, w->chars + w->form[f].off, (size_t)w->form[f].n) == 0;
		sqlite3_free(alone.chars);
	}
	return rc;
}

/* The segments in fts_idx: SQLITE_DONE with pc->seg and pc->nsegs, or another code. */
static int
list_segments(phrase_counts *pc)
{
	sqlite3_int64 last = INT64_MIN;
	int rc = kept_statement(pc->pt, &pc->pt->segment,
	                        "SELECT segid FROM fts_idx WHERE segid > ?1 ORDER BY segid LIMIT 1");
	sqlite3_stmt *st = pc->pt->segment;

	while (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, last);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		    pc->nsegs == PHRASE_SPLIT_MAX_SEGMENTS ||
		    (last = sqlite3_column_int64(st, 0)) <= 0 || last >= 65536) {
			rc = SQLITE_ERROR;
			break;
		}
		pc->seg[pc->nsegs++] = last;
		rc = sqlite3_reset(st);
	}
	sqlite3_reset(st);
	return rc;
}

/*
 * The last leaf of each segment (pc->last_page), for its last entry's
 * pages: FTS5 numbers a segment's leaves in fts_data from segid << 37 (a
 * leaf's rowid, fts5_dri()), its other pages (doclist indexes) past
 * 1 << 36.  SQLITE_OK, or another code.
 */
static int
last_leaves(phrase_counts *pc)
{
	int rc = kept_statement(pc->pt, &pc->pt->last_leaf,
	                        "SELECT max(id) - (?1 << 37) FROM fts_data"
	                        " WHERE id BETWEEN ?1 << 37 AND (?1 << 37) + 2147483647");
	sqlite3_stmt *st = pc->pt->last_leaf;
	int s;

	for (s = 0; rc == SQLITE_OK && s < pc->nsegs; s++) {
		sqlite3_bind_int64(st, 1, pc->seg[s]);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER) {
			rc = SQLITE_ERROR;
			break;
		}
		pc->last_page[s] = sqlite3_column_int64(st, 0);
		rc = sqlite3_reset(st);
	}
	sqlite3_reset(st);
	return rc;
}

/*
 * The segments of the index and their last leaves, once, and the
 * statement of a term's pages: pc->nsegs 0 when they cannot be read or
 * are too many (then no estimate).  SQLITE_OK, or SQLITE_NOMEM or
 * SQLITE_INTERRUPT.
 */
static int
read_segments(phrase_counts *pc)
{
	int rc;

	pc->nsegs = 0;
	if ((rc = list_segments(pc)) == SQLITE_DONE && pc->nsegs > 0 &&
	    (rc = last_leaves(pc)) == SQLITE_OK)
		rc = kept_statement(pc->pt, &pc->pt->pages,
		                    "SELECT (SELECT pgno FROM fts_idx WHERE segid = ?1 AND term <= ?2"
		                    " ORDER BY term DESC LIMIT 1), (SELECT pgno FROM fts_idx"
		                    " WHERE segid = ?1 AND term > ?2 ORDER BY term LIMIT 1)");
	if (rc != SQLITE_OK)
		pc->nsegs = 0;
	return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
}

/*
 * The size of a term in leaf pages of the index (*pages), from fts_idx:
 * in each segment, the pages from the one its entry begins on to the
 * next entry's (the pages a long doclist fills hold no term, so no
 * entry).  *pages -1 when the index cannot be read so.
 */
static int
form_pages(phrase_counts *pc, const char *t, int n, sqlite3_int64 *pages)
{
	char key[1 + IRS_TOKEN_STEM_MAX];
	sqlite3_stmt *st;
	int rc = SQLITE_OK, s;

	*pages = -1;
	if (pc->nsegs < 0 && (rc = read_segments(pc)) != SQLITE_OK)
		return rc;
	if (pc->nsegs == 0 || n > IRS_TOKEN_STEM_MAX)
		return SQLITE_OK;
	st = pc->pt->pages;
	key[0] = '0'; /* FTS5's main index; its prefix indexes are other digits */
	memcpy(key + 1, t, (size_t)n);
	*pages = 0;
	for (s = 0; s < pc->nsegs && *pages >= 0; s++) {
		sqlite3_bind_int64(st, 1, pc->seg[s]);
		sqlite3_bind_blob(st, 2, key, n + 1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW ||
		    sqlite3_column_type(st, 0) != SQLITE_INTEGER) {
			*pages = -1;
		} else {
			/* After the segment's last entry, its pages run to its last leaf. */
			sqlite3_int64 lo = sqlite3_column_int64(st, 0) >> 1,
			              hi = sqlite3_column_type(st, 1) == SQLITE_INTEGER
			                           ? sqlite3_column_int64(st, 1) >> 1
			                           : pc->last_page[s] + 1;

			*pages = hi >= lo ? *pages + (hi - lo) : -1;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	if (*pages < 0)
		pc->nsegs = 0; /* an index read otherwise: no more estimates */
	return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
}

/*
 * The word of w to split the phrase by (*split), or -1: the word of 2 to
 * PHRASE_SPLIT_MAX_COPIES forms of the most pages, when its biggest form
 * has PHRASE_SPLIT_RATIO times the pages of its other forms (at least
 * one).  FTS5 walks a copy from its rarest term, seeking in the others:
 * the copies of the small forms cost about their own pages, while the
 * synonyms' merge costs the big form's.  Not when
 * the forms' sizes would take more than PHRASE_SPLIT_MAX_LOOKUPS
 * lookups (forms times segments) to read.
 */
static int
choose_split(phrase_counts *pc, const struct phrase_words *w, int *split)
{
	sqlite3_int64 pages[PHRASE_SPLIT_MAX_FORMS], best_pages = 0, biggest = 0, rest;
	int rc = SQLITE_OK, j, k, best = -1;

	*split = -1;
	for (j = 0; j < w->nwords && (w->word[j].n < 2 || w->word[j].n > PHRASE_SPLIT_MAX_COPIES);
	     j++)
		;
	if (j == w->nwords)
		return SQLITE_OK; /* no word to split by: no need to read the index */
	if (pc->nsegs < 0 && (rc = read_segments(pc)) != SQLITE_OK)
		return rc;
	if ((sqlite3_int64)w->nforms * pc->nsegs > PHRASE_SPLIT_MAX_LOOKUPS)
		return SQLITE_OK;
	for (k = 0; k < w->nforms; k++) {
		if ((rc = form_pages(pc, w->chars + w->form[k].off, w->form[k].n, &pages[k])) !=
		    SQLITE_OK)
			return rc;
		if (pages[k] < 0)
			return SQLITE_OK;
	}
	for (j = 0; j < w->nwords; j++) {
		sqlite3_int64 sum = 0;

		if (w->word[j].n < 2 || w->word[j].n > PHRASE_SPLIT_MAX_COPIES)
			continue;
		for (k = w->word[j].first; k < w->word[j].first + w->word[j].n; k++)
			sum += pages[k];
		if (best < 0 || sum > best_pages) {
			best = j;
			best_pages = sum;
		}
	}
	if (best < 0)
		return SQLITE_OK;
	for (k = w->word[best].first; k < w->word[best].first + w->word[best].n; k++)
		biggest = pages[k] > biggest ? pages[k] : biggest;
	rest = best_pages - biggest > 0 ? best_pages - biggest : 1;
	if (biggest >= PHRASE_SPLIT_RATIO * rest)
		*split = best;
	return SQLITE_OK;
}

/* s[0..n) into out, each quote doubled. */
static void
put_quoted(sqlite3_str *out, const char *s, int n)
{
	int i, from = 0;

	for (i = 0; i < n; i++)
		if (s[i] == '"') {
			sqlite3_str_append(out, s + from, i + 1 - from);
			from = i;
		}
	sqlite3_str_append(out, s + from, n - from);
}

/* The phrase's copies, one per form of word split, ORed: "a" + "\x02f1" OR "a" + ... */
static void
put_copies(sqlite3_str *out, const char *text, const struct phrase_words *w, int split)
{
	int j, k;

	for (k = 0; k < w->word[split].n; k++) {
		const int f = w->word[split].first + k;

		if (k > 0)
			sqlite3_str_appendall(out, " OR ");
		for (j = 0; j < w->nwords; j++) {
			sqlite3_str_appendall(out, j > 0 ? " + \"" : "\"");
			if (j == split) {
				sqlite3_str_appendchar(out, 1, IRS_EXACT_MARK);
				put_quoted(out, w->chars + w->form[f].off, w->form[f].n);
			} else {
				put_quoted(out, text + w->word[j].start,
				           w->word[j].end - w->word[j].start);
			}
			sqlite3_str_appendchar(out, 1, '"');
		}
	}
}

/*
 * Phrase p of pc, its string text ("" undone) read into w, split by one
 * word's forms (phrase_forms_rewrite): the copies ORed
 * (*expr, sqlite3_free), under the phrase's column filters with
 * with_colsets, and how many (*ncopies).  *expr NULL when the phrase is
 * not split (a prefix, in a NEAR, one word, no word worth it, an index or
 * a text not read so); with whole, the phrase as it is written then, 1
 * copy.  SQLITE_OK, or an error (memory, interruption).
 */
static int
split_words(phrase_counts *pc, const struct match_phrase *p, const char *text,
            const struct phrase_words *w, int with_colsets, int whole, char **expr, int *ncopies)
{
	sqlite3_str *out;
	int rc = SQLITE_OK, k, split = -1, same = 0;

	*expr = NULL;
	*ncopies = 0;
	if (p->prefix || p->in_near)
		return SQLITE_OK;
	if (!w->over && w->nwords >= 2)
		rc = choose_split(pc, w, &split);
	if (rc == SQLITE_OK && split >= 0 &&
	    (rc = copies_read_as_phrase(pc, text, w, split, &same)) == SQLITE_OK && !same)
		split = -1;
	if (rc != SQLITE_OK || (split < 0 && !whole))
		return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
	out = sqlite3_str_new(pc->db);
	for (k = 0; with_colsets && k < p->ncolsets; k++)
		sqlite3_str_appendf(out, "%.*s : (", p->ncolset[k], p->colset[k]);
	if (split >= 0)
		put_copies(out, text, w, split);
	else
		put_phrase(out, p);
	for (k = 0; with_colsets && k < p->ncolsets; k++)
		sqlite3_str_appendchar(out, 1, ')');
	if ((rc = finish_text(out, SQLITE_OK, expr)) != SQLITE_OK)
		return rc;
	*ncopies = split >= 0 ? w->word[split].n : 1;
	return SQLITE_OK;
}

/* split_words for phrase i of pc, its words read here. */
static int
split_expr(phrase_counts *pc, int i, int with_colsets, int whole, char **expr, int *ncopies)
{
	const struct match_phrase *p;
	struct phrase_words w;
	char *text;
	int rc, len = 0;

	*expr = NULL;
	*ncopies = 0;
	if (i < 0 || i >= pc->nphrase || (p = &pc->phrase[i])->prefix || p->in_near)
		return SQLITE_OK;
	if ((text = unquoted(p, &len)) == NULL)
		return SQLITE_NOMEM;
	rc = read_words(pc, text, len, FTS5_TOKENIZE_QUERY, &w);
	if (rc == SQLITE_OK)
		rc = split_words(pc, p, text, &w, with_colsets, whole, expr, ncopies);
	free(text);
	sqlite3_free(w.chars);
	return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
}

int
phrase_counts_split_rows(phrase_counts *pc, int i, sqlite3_int64 *n, int *counted)
{
	char *expr;
	int rc, ncopies;

	*counted = 0;
	if ((rc = split_expr(pc, i, 1, 1, &expr, &ncopies)) != SQLITE_OK || expr == NULL)
		return rc;
	return count_expr(pc, expr, n, counted);
}

/*
 * The forms of w's one word ORed, each an exact term, "\x02f1" OR
 * "\x02f2" ... (*forms, sqlite3_free), and how many (*nforms).  SQLITE_OK
 * or SQLITE_NOMEM.
 */
static int
word_forms(phrase_counts *pc, const struct phrase_words *w, char **forms, int *nforms)
{
	sqlite3_str *out = sqlite3_str_new(pc->db);
	int k, rc;

	for (k = 0; k < w->word[0].n; k++) {
		const int f = w->word[0].first + k;

		if (k > 0)
			sqlite3_str_appendall(out, " OR ");
		sqlite3_str_appendchar(out, 1, '"');
		sqlite3_str_appendchar(out, 1, IRS_EXACT_MARK);
		put_quoted(out, w->chars + w->form[f].off, w->form[f].n);
		sqlite3_str_appendchar(out, 1, '"');
	}
	if ((rc = finish_text(out, SQLITE_OK, forms)) != SQLITE_OK)
		return rc;
	*nforms = w->word[0].n;
	return SQLITE_OK;
}

/*
 * Phrase i of pc as the rewritten text writes it, read by the tokenizer
 * once: *empty when it has no token (FTS5 drops such a phrase from a NEAR
 * and from the right of an implicit AND, so its phrases are no longer the
 * text's, one for one: the caller leaves the text as it is); else *forms
 * (sqlite3_free) the OR of its word's forms (a word of 2 forms or more
 * whose forms, with the phrases after it, fit in the PHRASE_FORMS_MAX
 * phrases after the written ones), or its copies split by a big word's
 * forms (split_words), *nforms of them; *forms NULL: as it is (a prefix,
 * a NEAR's, a word of one form, a phrase not split).  SQLITE_OK, or an
 * error: the tokenizer's, or memory, interruption.
 */
static int
rewrite_phrase(phrase_counts *pc, int i, int written, char **forms, int *nforms, int *empty)
{
	const struct match_phrase *p = &pc->phrase[i];
	/* A prefix or a NEAR's phrase stays as it is: only its words are counted, not their forms. */
	const int as_is = p->prefix || p->in_near;
	const int flags = FTS5_TOKENIZE_QUERY | (as_is ? FTS5_TOKENIZE_PREFIX : 0);
	struct phrase_words w;
	char *text;
	int rc, len = 0;

	*forms = NULL;
	*nforms = 0;
	*empty = 0;
	if ((text = unquoted(p, &len)) == NULL)
		return SQLITE_NOMEM;
	/* A phrase the tokenizer cannot read may have no token: the text then stays as it is. */
	rc = read_words(pc, text, len, flags, &w);
	*empty = rc == SQLITE_OK && w.nwords == 0;
	/* Past the words or forms read (w.over): several words, or forms past PHRASE_FORMS_MAX. */
	if (rc == SQLITE_OK && !*empty && !as_is && !w.over) {
		if (w.nwords > 1)
			rc = split_words(pc, p, text, &w, 0, 0, forms, nforms);
		else if (w.word[0].n >= 2 &&
			 written + w.word[0].n + (pc->nphrase - i - 1) <= PHRASE_FORMS_MAX)
			rc = word_forms(pc, &w, forms, nforms);
	}
	free(text);
	sqlite3_free(w.chars);
	return rc;
}

int
phrase_forms_rewrite(phrase_tokenizer *pt, const char *match, char **out, unsigned char *word,
		     int *nphrases)
{
	phrase_counts *pc = NULL;
	sqlite3_str *text;
	const char *from = match;
	int rc, i, k, written = 0, widened = 0, empty = 0;

	*out = NULL;
	*nphrases = 0;
	if ((rc = phrase_counts_open(pt, match, -1, &pc)) != SQLITE_OK || pc == NULL)
		return rc;
	if (pc->nphrase > PHRASE_FORMS_MAX) {
		phrase_counts_close(pc);
		return SQLITE_OK;
	}
	text = sqlite3_str_new(pc->db);
	for (i = 0; i < pc->nphrase; i++) {
		const struct match_phrase *p = &pc->phrase[i];
		char *forms;
		int nforms;

		/* The text up to the phrase's opening quote, as it is. */
		sqlite3_str_append(text, from, (int)(p->str - 1 - from));
		from = p->str + p->nstr + 1;
		if ((rc = rewrite_phrase(pc, i, written, &forms, &nforms, &empty)) != SQLITE_OK || empty)
			break;
		if (forms != NULL && written + nforms + (pc->nphrase - i - 1) > PHRASE_FORMS_MAX) {
			sqlite3_free(forms);
			forms = NULL;
		}
		if (forms == NULL) {
			put_phrase(text, p);
			word[written++] = (unsigned char)i;
			continue;
		}
		sqlite3_str_appendf(text, "(%s)", forms);
		sqlite3_free(forms);
		for (k = 0; k < nforms; k++)
			word[written++] = (unsigned char)i;
		widened++;
	}
	sqlite3_str_appendall(text, from);
	rc = finish_text(text, rc, out);
	/* A phrase FTS5 drops would shift the words' map by one: the text stays as it is. */
	if (rc != SQLITE_OK || widened == 0 || empty) {
		sqlite3_free(*out);
		*out = NULL;
	} else {
		*nphrases = written;
	}
	phrase_counts_close(pc);
	return rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
}
