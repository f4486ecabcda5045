/*
 * fuzz_tokenize.c - the irsearch FTS5 tokenizer (lib/tokenize.c), alone and in FTS5.
 *
 * The input: a first byte choosing the tokenizer's languages, then a
 * document's text, then, after each 0xFF byte, a query string (without one,
 * the text is its own query).  Text need not be UTF-8: files are repaired
 * before indexing, but the tokenizer also sees whatever the sqlite3 shell
 * or a query hands it.
 *
 * Promises checked, first with the tokenizer called directly in every mode:
 * offsets inside the text, no empty token, a colocated token never first
 * and never in a document (only a query's stem variants are); the same positions and offsets
 * for a document as for highlight()'s FTS5_TOKENIZE_AUX pass, which is what
 * lets highlight() and snippet() skip stemming; as many positions for a
 * query.  Then in an in-memory FTS5 table holding the text: every query run
 * through query_compile and as a raw quoted string, a prefix string and an
 * exact (IRS_EXACT_MARK) string, with highlight(), snippet(), bm25() and
 * irs_snippet (its passages must be pieces of the text).
 * None may fail; highlight() with empty markers must give back the text
 * (one without NULs, where highlight() cuts); and a text must be found by
 * its own words as a phrase, stemmed, exact and as a prefix.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "irsearch/query.h"
#include "irsearch/snippet.h"
#include "irsearch/tokenize.h"

/* Longest text checked to be found by its own phrase (longer ones are only searched). */
#define SELF_MATCH_MAX 2048

/* Tokenizer arguments: Latin and Cyrillic, other Latin rules, FTS5-porter-like, other scripts. */
static const char *const configs[] = {
	"english russian",
	"turkish german french",
	"stem_only english",
	"greek arabic serbian hindi",
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

static sqlite3 *db;
static fts5_tokenizer methods;
static Fts5Tokenizer *tokenizers[NCONFIGS];
/* Each table's statements, prepared once: preparing costs more than searching. */
static sqlite3_stmt *inserts[NCONFIGS], *searches[NCONFIGS];
/* Whether the text is free of NULs, which highlight() would cut it at. */
static int compare_highlight;

static void
exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fuzz_fail("%s: %s", sql, err);
}

/* Prepares fmt with every %d the table's number. */
static sqlite3_stmt *
prepare(const char *fmt, int config)
{
	char *sql = sqlite3_mprintf(fmt, config, config, config, config, config, config, config, config);
	sqlite3_stmt *st = NULL;

	if (sql == NULL ||
	    sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		fuzz_fail("cannot prepare %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_free(sql);
	return st;
}

static void
setup(void)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	irs_error e;
	void *ud = NULL;
	int i;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK || tokenize_register(db, &e) != IRS_OK ||
	    snippet_register(db, &e) != IRS_OK)
		fuzz_fail("cannot set up an in-memory database with the tokenizer");
	exec(IRS_VOCABULARY_SCHEMA);
	for (i = 0; i < (int)NCONFIGS; i++) {
		char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE t%d USING"
					    " fts5(title, author, body, tokenize='irsearch %s')",
					    i, configs[i]);

		exec(sql);
		sqlite3_free(sql);
		inserts[i] = prepare("INSERT INTO t%d(rowid, title, author, body)"
				     " VALUES(1, ?1, 'Anna Ivanova', ?1)", i);
		searches[i] = prepare("SELECT rowid, title, highlight(t%d, 0, '', ''),"
				      " highlight(t%d, 2, '[', ']'),"
				      " snippet(t%d, -1, '<', '>', '...', 8), bm25(t%d),"
				      " irs_snippet(t%d, '', '', 12, 3)"
				      " FROM t%d WHERE t%d MATCH ?1", i);
	}
	/* The tokenizer itself, as FTS5 finds it. */
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		fuzz_fail("no FTS5");
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->xFindTokenizer(api, IRS_TOKENIZER_NAME, &ud, &methods) != SQLITE_OK)
		fuzz_fail("cannot find the %s tokenizer", IRS_TOKENIZER_NAME);
	for (i = 0; i < (int)NCONFIGS; i++) {
		const char *argv[4];
		char *copy = strdup(configs[i]), *w, *save = NULL;
		int argc = 0;

		if (copy == NULL)
			fuzz_fail("out of memory");
		w = strtok_r(copy, " ", &save);
		for (; w != NULL && argc < 4; w = strtok_r(NULL, " ", &save))
			argv[argc++] = w;
		if (methods.xCreate(ud, argv, argc, &tokenizers[i]) != SQLITE_OK)
			fuzz_fail("cannot make a tokenizer for '%s'", configs[i]);
		free(copy);
	}
}

/* What one xTokenize call emitted. */
struct emitted {
	int ntext;
	int flags;
	int stem_only;
	int count;		/* tokens that take a position (not colocated) */
	int *starts, *ends;	/* their offsets; room for one per byte of text */
};

static void
emitted_init(struct emitted *em, int ntext)
{
	em->starts = malloc(sizeof(int) * ((size_t)ntext + 1));
	em->ends = malloc(sizeof(int) * ((size_t)ntext + 1));
	if (em->starts == NULL || em->ends == NULL)
		fuzz_fail("out of memory");
}

static void
emitted_free(struct emitted *em)
{
	free(em->starts);
	free(em->ends);
}

static int
on_token(void *p, int tflags, const char *t, int n, int start, int end)
{
	struct emitted *em = p;

	if (n <= 0 || t == NULL)
		fuzz_fail("an empty token (mode %#x)", em->flags);
	if (start < 0 || start > end || end > em->ntext)
		fuzz_fail("token offsets %d-%d outside a text of %d bytes (mode %#x)", start, end,
			  em->ntext, em->flags);
	if (tflags & FTS5_TOKEN_COLOCATED) {
		if (em->count == 0)
			fuzz_fail("a colocated token before any token (mode %#x)", em->flags);
		if (em->flags & FTS5_TOKENIZE_AUX)
			fuzz_fail("a colocated token for highlight()");
		if (em->flags == FTS5_TOKENIZE_DOCUMENT)
			fuzz_fail("a colocated token in a document");
		return SQLITE_OK;
	}
	em->starts[em->count] = start;
	em->ends[em->count] = end;
	em->count++;
	return SQLITE_OK;
}

static void
tokenize(int config, int flags, const char *text, int n, struct emitted *em)
{
	int rc;

	em->ntext = n;
	em->flags = flags;
	em->stem_only = strstr(configs[config], "stem_only") != NULL;
	em->count = 0;
	rc = methods.xTokenize(tokenizers[config], em, flags, text, n, on_token);
	if (rc != SQLITE_OK)
		fuzz_fail("xTokenize (mode %#x) failed with %d", flags, rc);
}

static void
check_tokenizer(int config, const char *text, int n)
{
	static const int query_modes[] = { FTS5_TOKENIZE_QUERY,
					   FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX };
	struct emitted doc, aux;
	size_t m, bytes;

	emitted_init(&doc, n);
	emitted_init(&aux, n);
	tokenize(config, FTS5_TOKENIZE_DOCUMENT, text, n, &doc);
	tokenize(config, FTS5_TOKENIZE_AUX, text, n, &aux);
	bytes = sizeof(int) * (size_t)doc.count;
	if (doc.count != aux.count || memcmp(doc.starts, aux.starts, bytes) != 0 ||
	    memcmp(doc.ends, aux.ends, bytes) != 0)
		fuzz_fail("document and highlight() tokens differ: %d and %d positions", doc.count,
			  aux.count);
	for (m = 0; m < sizeof(query_modes) / sizeof(query_modes[0]); m++) {
		tokenize(config, query_modes[m], text, n, &aux);
		if (aux.count != doc.count)
			fuzz_fail("query mode %#x gives %d positions, the document %d",
				  query_modes[m], aux.count, doc.count);
	}
	emitted_free(&doc);
	emitted_free(&aux);
}

/*
 * irs_snippet without markers: each passage, but for the "..." that mark
 * its cuts, is a piece of the text (in which the result's separators read
 * as spaces, as irs_snippet writes them), so its positions met the right
 * bytes.
 */
static void
check_passages(const char *snip, const char *original)
{
	char *copy = strdup(snip), *text = strdup(original), *p, *next;

	if (copy == NULL || text == NULL)
		fuzz_fail("out of memory");
	for (p = text; *p != '\0'; p++)
		if (*p == SNIPPET_PASSAGE_SEP || *p == SNIPPET_PAGE_SEP)
			*p = ' ';
	for (p = copy; p != NULL && *p != '\0'; p = next) {
		char *sep = strchr(p, SNIPPET_PAGE_SEP), *piece;
		size_t n;

		next = strchr(p, SNIPPET_PASSAGE_SEP);
		if (next != NULL)
			*next++ = '\0';
		if (sep == NULL)
			fuzz_fail("a passage without its page: [%s]", p);
		piece = sep + 1;
		if (strstr(text, piece) != NULL)
			continue;
		if (strncmp(piece, "...", 3) == 0)
			piece += 3;
		n = strlen(piece);
		if (strstr(text, piece) == NULL && n >= 3 && strcmp(piece + n - 3, "...") == 0)
			piece[n - 3] = '\0';
		if (strstr(text, piece) == NULL)
			fuzz_fail("irs_snippet passage [%s] is not a piece of the text", piece);
	}
	free(copy);
	free(text);
}

/* Runs one MATCH; returns whether row 1 (the text) matched.  No error is acceptable. */
static int
search(int config, const char *expr, const char *why)
{
	sqlite3_stmt *st = searches[config];
	int rc, found = 0;

	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *title = (const char *)sqlite3_column_text(st, 1);
		const char *plain = (const char *)sqlite3_column_text(st, 2);

		found |= sqlite3_column_int64(st, 0) == 1;
		/* With empty markers, highlight() is the text itself if its offsets are right. */
		if (compare_highlight &&
		    strcmp(title != NULL ? title : "", plain != NULL ? plain : "") != 0)
			fuzz_fail("highlight() with empty markers changed the text to [%s]", plain);
		if (compare_highlight && title != NULL && sqlite3_column_text(st, 6) != NULL)
			check_passages((const char *)sqlite3_column_text(st, 6), title);
	}
	if (rc != SQLITE_DONE)
		fuzz_fail("%s [%s] fails: %s", why, expr, sqlite3_errmsg(db));
	sqlite3_reset(st);
	return found;
}

/* q as one FTS5 string, quotes doubled, mark (may be "") inside the quote and suffix after it. */
static char *
quoted(const char *mark, const char *q, const char *suffix)
{
	size_t i, n = 0, len = strlen(q);
	char *s = malloc(2 * len + strlen(mark) + strlen(suffix) + 3);

	if (s == NULL)
		fuzz_fail("out of memory");
	s[n++] = '"';
	memcpy(s + n, mark, strlen(mark));
	n += strlen(mark);
	for (i = 0; i < len; i++) {
		if (q[i] == '"')
			s[n++] = '"';
		s[n++] = q[i];
	}
	s[n++] = '"';
	memcpy(s + n, suffix, strlen(suffix) + 1);
	return s;
}

/* Whether the tokenizer finds a word in s: then a phrase of s must find the text holding it. */
static int
has_tokens(int config, const char *s)
{
	struct emitted em;
	int n = (int)strlen(s);

	emitted_init(&em, n);
	tokenize(config, FTS5_TOKENIZE_DOCUMENT, s, n, &em);
	emitted_free(&em);
	return em.count > 0;
}

static void
run_query(int config, const char *q, int self)
{
	static const char exact[] = { IRS_EXACT_MARK, '\0' };
	static const char *const forms[][2] = { { "", "" }, { "", "*" }, { exact, "" } };
	int must_find = self && strlen(q) <= SELF_MATCH_MAX && has_tokens(config, q);
	int stem_only = strstr(configs[config], "stem_only") != NULL;
	char *fts = NULL;
	irs_error e;
	size_t f;

	if (query_compile(q, &fts, &e) == IRS_OK) {
		search(config, fts, "compiled query");
		free(fts);
	}
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		char *s = quoted(forms[f][0], q, forms[f][1]);

		/*
		 * stem_only indexes stems alone: words as written (a prefix, an exact
		 * string, or a string that starts with IRS_EXACT_MARK) are not there.
		 */
		int as_written = f > 0 || q[0] == IRS_EXACT_MARK;

		if (!search(config, s, "quoted string") && must_find && !(stem_only && as_written))
			fuzz_fail("the text is not found by its own words as the string %s", s);
		free(s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sqlite3_stmt *st;
	int config;
	const uint8_t *text, *end, *sep;
	char *body, *q;

	if (db == NULL)
		setup();
	if (size == 0)
		return 0;
	config = data[0] % NCONFIGS;
	text = data + 1;
	end = data + size;
	sep = memchr(text, 0xff, (size_t)(end - text));
	if (sep == NULL)
		sep = end;
	/* Undone at the end with the rest: the vocabulary the tokenizer fills must not grow run after run. */
	exec("BEGIN");
	check_tokenizer(config, (const char *)text, (int)(sep - text));

	st = inserts[config];
	sqlite3_bind_text(st, 1, (const char *)text, (int)(sep - text), SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fuzz_fail("cannot insert the text: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);

	body = fuzz_string(text, (size_t)(sep - text));
	compare_highlight = strlen(body) == (size_t)(sep - text);
	if (sep == end)
		run_query(config, body, 1);
	while (sep < end) {
		const uint8_t *next = memchr(sep + 1, 0xff, (size_t)(end - sep - 1));

		if (next == NULL)
			next = end;
		q = fuzz_string(sep + 1, (size_t)(next - sep - 1));
		run_query(config, q, 0);
		free(q);
		sep = next;
	}
	free(body);
	exec("ROLLBACK");
	return 0;
}
