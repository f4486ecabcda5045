/*
 * fuzz_query.c - the query language (lib/query.c) and the search that runs it.
 *
 * Promises checked: any query either fails with bad_query or too_large and
 * a sentence, or parses into a plan whose FTS5 expressions SQLite accepts
 * and whose filters are well formed.  An expression that SQLite refuses
 * ("fts5: syntax error", "no such column", "unknown special query"...) is
 * a bug of the parser, so the target aborts on any error from running it
 * on a small index with highlight(), snippet() and bm25(), as searches use
 * them.  query_compile agrees with query_parse, and search_run, the
 * daemon's path, fails exactly when the parser does, never with an SQLite
 * error surfacing as "internal".
 *
 * Each input is tried twice: as the bytes typed, and as a "token soup"
 * where each byte picks a piece of query syntax or a word, so that
 * operators, quotes, fields, NEAR and filters meet in every order far
 * sooner than random bytes would bring them together.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "irsearch/limits.h"
#include "irsearch/query.h"
#include "irsearch/search.h"

static const char *const soup[] = {
	"astana", "declaration", "cooperation", "Cooperating", "sanitiz", "Türkiye",
	"сотрудничество", "2024", "nato", "a", "b", "x", "OR", "NOT", "AND", "NEAR", "NEAR(",
	"near", "or", "-", "--", "*", "**", "\"", "\"\"", "(", ")", "title:", "author:", "body:",
	"after:", "before:", "type:", "lang:", "2024-07", "2024-07-03", "pdf", "md", "en", ":",
	"^", "+", ",", ", 5)", "{", "}", "'", "\\", "AND NOT", "rowid", "rank", "fts", "*:",
	"-\"", "\"*", "\x01", "\x02", "\t", "\n", "é", "ʼ", "\xf0\x9f\x8c\x8d", "%", "_",
};

static const char *
piece(uint8_t byte)
{
	return soup[(byte & 0x7f) % (sizeof(soup) / sizeof(soup[0]))];
}

/* Every expression the parser writes must run: an SQLite error here is a parser bug. */
static void
run_expression(sqlite3 *db, const char *query, const char *fts)
{
	static const char sql[] =
		"SELECT rowid, highlight(fts, 0, '[', ']'), highlight(fts, 1, '[', ']'),"
		" snippet(fts, 2, '[', ']', '...', 12), bm25(fts, 10, 5, 1)"
		" FROM fts WHERE fts MATCH ?1";
	static sqlite3_stmt *st;	/* prepared once: that costs more than the search */
	int rc;

	if (st == NULL &&
	    sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		fuzz_fail("cannot prepare the search: %s", sqlite3_errmsg(db));
	fuzz_check_text("the FTS5 expression", fts, strlen(fts));
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		fuzz_fail("query [%s] became [%s], which SQLite refuses: %s", query, fts,
			  sqlite3_errmsg(db));
	sqlite3_reset(st);
}

/* An ISO date prefix as the filters keep it: "", "YYYY", "YYYY-MM" or "YYYY-MM-DD". */
static int
is_date_prefix(const char *d, size_t cap)
{
	size_t n = strnlen(d, cap), i;

	if (n == cap || !(n == 0 || n == 4 || n == 7 || n == 10))
		return 0;
	for (i = 0; i < n; i++)
		if (i == 4 || i == 7 ? d[i] != '-' : (d[i] < '0' || d[i] > '9'))
			return 0;
	return 1;
}

static void
check_plan(const char *query, const query_plan *plan)
{
	int i;

	if (!is_date_prefix(plan->after, sizeof(plan->after)) ||
	    !is_date_prefix(plan->before, sizeof(plan->before)))
		fuzz_fail("query [%s]: date filters [%.11s] [%.11s]", query, plan->after,
			  plan->before);
	if (plan->ntypes < 0 || plan->ntypes > QUERY_MAX_FILTER_VALUES || plan->nlangs < 0 ||
	    plan->nlangs > QUERY_MAX_FILTER_VALUES)
		fuzz_fail("query [%s]: %d types, %d languages", query, plan->ntypes, plan->nlangs);
	for (i = 0; i < plan->ntypes; i++)
		if (plan->types[i] == NULL || strchr(plan->types[i], '/') == NULL)
			fuzz_fail("query [%s]: type filter %d is not a MIME type", query, i);
	for (i = 0; i < plan->nlangs; i++)
		if (plan->langs[i][0] == '\0' ||
		    strnlen(plan->langs[i], IRS_LANG_MAX) == IRS_LANG_MAX)
			fuzz_fail("query [%s]: language filter %d is not a code", query, i);
	if (plan->fts == NULL && plan->after[0] == '\0' && plan->before[0] == '\0' &&
	    plan->ntypes == 0 && plan->nlangs == 0)
		fuzz_fail("query [%s]: parsed into nothing to search for", query);
}

static void
try_query(const char *query, uint8_t options)
{
	static const irs_code allowed[] = { IRS_BAD_QUERY, IRS_TOO_LARGE, IRS_OK };
	store_t *store = fuzz_store();
	sqlite3 *db = store_db(store);
	irs_error e = { IRS_OK, "" }, e2 = { IRS_OK, "" };
	query_plan plan;
	char *fts = (char *)1;
	irs_code rc = query_parse(query, &plan, &e), rc2;
	search_request req;
	search_result *r = NULL;

	if (rc != IRS_OK) {
		fuzz_check_error("query_parse", rc, &e, allowed);
	} else {
		check_plan(query, &plan);
		if (plan.fts != NULL)
			run_expression(db, query, plan.fts);
		if (plan.fts_any != NULL)
			run_expression(db, query, plan.fts_any);
	}

	/* query_compile is query_parse without filters: never more lenient, the same expression. */
	rc2 = query_compile(query, &fts, &e2);
	if (rc2 != IRS_OK) {
		fuzz_check_error("query_compile", rc2, &e2, allowed);
		if (fts != NULL)
			fuzz_fail("query_compile failed but left *fts set");
	} else if (rc != IRS_OK || plan.fts == NULL || fts == NULL || strcmp(fts, plan.fts) != 0) {
		fuzz_fail("query [%s]: query_compile gives [%s], query_parse [%s]", query, fts,
			  rc == IRS_OK && plan.fts != NULL ? plan.fts : "(none)");
	}
	free(fts);
	query_plan_clear(&plan);

	/* The daemon's path, with options a request may set: it fails exactly when parsing does. */
	search_request_init(&req, query);
	req.sort = options & 1 ? SORT_DATE : SORT_RANK;
	req.explain = (options & 2) != 0;
	req.passages = 1 + (options >> 2) % SEARCH_MAX_PASSAGES;
	req.offset = options & 0x20 ? 1 : 0;
	rc2 = search_run(store, &req, &r, &e2);
	if (rc2 != rc)
		fuzz_fail("query [%s]: query_parse says %s, search_run %s: %s", query,
			  irs_code_name(rc), irs_code_name(rc2), e2.msg);
	if (rc2 == IRS_OK && (r == NULL || r->nhits < 0 || r->nhits > req.limit || r->total < 0))
		fuzz_fail("query [%s]: an inconsistent result", query);
	search_result_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query = fuzz_string(data, size), *mixed;
	size_t i, n = 0;

	try_query(query, size > 0 ? data[0] : 0);

	/* The soup: the byte's low bits pick the piece, its top bit whether a space follows. */
	for (i = 0; i < size; i++)
		n += strlen(piece(data[i])) + 1;
	if ((mixed = malloc(n + 1)) == NULL)
		fuzz_fail("out of memory");
	for (i = 0, n = 0; i < size; i++) {
		size_t len = strlen(piece(data[i]));

		memcpy(mixed + n, piece(data[i]), len);
		n += len;
		if (data[i] & 0x80)
			mixed[n++] = ' ';
	}
	mixed[n] = '\0';
	if (n > 0)
		try_query(mixed, data[size - 1]);
	free(mixed);
	free(query);
	return 0;
}
