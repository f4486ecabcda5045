/*
 * commongrams.c - measurement only (bench/commongrams.sh), never part of
 * irsearch: the "cgram" FTS5 tokenizer, which wraps another tokenizer
 * ("cgram irsearch english russian") to see what a common-grams index
 * would cost and give.  Indexing, it passes the parent's tokens through
 * and, after each word that follows or precedes a common word, emits the
 * pair "previous\x1fword" colocated with the word, so that a phrase of
 * two words, one of them common, is one term whose doclist is short.
 * The common words are read from the file named by $CGRAM_WORDS, one a
 * line.  In a query, a string that starts with \x03 is one term as it
 * is (a pair); any other goes to the parent, as does highlight()'s and
 * snippet()'s tokenizing (the pairs are colocated: positions do not move).
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CGRAM_WORD_MAX 128	/* bytes of a word that can start or end a pair */
#define CGRAM_COMMON_MAX 256	/* common words read */
#define CGRAM_PAIR_SEP '\x1f'
#define CGRAM_TERM_MARK '\x03'

struct cgram {
	fts5_tokenizer parent;
	Fts5Tokenizer *instance;
	char *common[CGRAM_COMMON_MAX];
	int ncommon;
};

struct cgram_call {
	const struct cgram *cg;
	void *ctx;
	int (*emit)(void *, int, const char *, int, int, int);
	char prev[CGRAM_WORD_MAX];
	int nprev;		/* 0: no previous word that can start a pair */
	int prev_common;
};

static fts5_api *cgram_api;

static int
is_common(const struct cgram *cg, const char *t, int n)
{
	int i;

	for (i = 0; i < cg->ncommon; i++)
		if ((int)strlen(cg->common[i]) == n && memcmp(cg->common[i], t, (size_t)n) == 0)
			return 1;
	return 0;
}

static void
cgram_delete(Fts5Tokenizer *p)
{
	struct cgram *cg = (struct cgram *)p;
	int i;

	if (cg == NULL)
		return;
	if (cg->instance != NULL)
		cg->parent.xDelete(cg->instance);
	for (i = 0; i < cg->ncommon; i++)
		free(cg->common[i]);
	free(cg);
}

static int
read_common(struct cgram *cg)
{
	const char *path = getenv("CGRAM_WORDS");
	char line[CGRAM_WORD_MAX];
	FILE *f;

	if (path == NULL)
		return SQLITE_OK;
	if ((f = fopen(path, "r")) == NULL)
		return SQLITE_ERROR;
	while (fgets(line, sizeof(line), f) != NULL && cg->ncommon < CGRAM_COMMON_MAX) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && (cg->common[cg->ncommon] = strdup(line)) != NULL)
			cg->ncommon++;
	}
	fclose(f);
	return SQLITE_OK;
}

static int
cgram_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct cgram *cg = calloc(1, sizeof(*cg));
	void *parent_ud = NULL;
	int rc = SQLITE_ERROR;

	(void)ud;
	*out = NULL;
	if (cg == NULL)
		return SQLITE_NOMEM;
	if (argc >= 1 && (rc = cgram_api->xFindTokenizer(cgram_api, argv[0], &parent_ud, &cg->parent)) == SQLITE_OK)
		rc = cg->parent.xCreate(parent_ud, argv + 1, argc - 1, &cg->instance);
	if (rc == SQLITE_OK)
		rc = read_common(cg);
	if (rc != SQLITE_OK) {
		cgram_delete((Fts5Tokenizer *)cg);
		return rc;
	}
	*out = (Fts5Tokenizer *)cg;
	return SQLITE_OK;
}

/* The parent's token, then the pair it ends when it or the word before is common. */
static int
on_token(void *p, int tflags, const char *t, int n, int start, int end)
{
	struct cgram_call *c = p;
	char pair[2 * CGRAM_WORD_MAX];
	int rc = c->emit(c->ctx, tflags, t, n, start, end), common;

	if (rc != SQLITE_OK || (tflags & FTS5_TOKEN_COLOCATED))
		return rc;
	common = is_common(c->cg, t, n);
	if (c->nprev > 0 && (common || c->prev_common) && n < CGRAM_WORD_MAX) {
		memcpy(pair, c->prev, (size_t)c->nprev);
		pair[c->nprev] = CGRAM_PAIR_SEP;
		memcpy(pair + c->nprev + 1, t, (size_t)n);
		rc = c->emit(c->ctx, FTS5_TOKEN_COLOCATED, pair, c->nprev + 1 + n, start, end);
	}
	c->nprev = n < CGRAM_WORD_MAX ? n : 0;
	if (c->nprev > 0)
		memcpy(c->prev, t, (size_t)n);
	c->prev_common = common;
	return rc;
}

static int
cgram_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int ntext,
	       int (*emit)(void *, int, const char *, int, int, int))
{
	struct cgram *cg = (struct cgram *)p;
	struct cgram_call c;

	if ((flags & FTS5_TOKENIZE_QUERY) && ntext > 0 && text[0] == CGRAM_TERM_MARK)
		return emit(ctx, 0, text + 1, ntext - 1, 0, ntext);
	if (flags != FTS5_TOKENIZE_DOCUMENT)
		return cg->parent.xTokenize(cg->instance, ctx, flags, text, ntext, emit);
	memset(&c, 0, sizeof(c));
	c.cg = cg;
	c.ctx = ctx;
	c.emit = emit;
	return cg->parent.xTokenize(cg->instance, &c, flags, text, ntext, on_token);
}

int sqlite3_commongrams_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

int
sqlite3_commongrams_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	static fts5_tokenizer tokenizer = { cgram_create, cgram_delete, cgram_tokenize };
	sqlite3_stmt *st = NULL;

	(void)err;
	SQLITE_EXTENSION_INIT2(api);
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_pointer(st, 1, (void *)&cgram_api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (cgram_api == NULL)
		return SQLITE_ERROR;
	return cgram_api->xCreateTokenizer(cgram_api, "cgram", NULL, &tokenizer, NULL);
}
