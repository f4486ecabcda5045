/* search.c - running a query and collecting ranked hits (see search.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irsearch/limits.h"
#include "irsearch/query.h"
#include "irsearch/search.h"

void
search_request_init(search_request *req, const char *query)
{
	memset(req, 0, sizeof(*req));
	req->query = query;
	req->limit = IRS_DEFAULT_LIMIT;
	req->sort = SORT_RANK;
	req->mark_open = "[";
	req->mark_close = "]";
	req->weight_title = 10.0;
	req->weight_author = 5.0;
	req->weight_body = 1.0;
	req->snippet_tokens = IRS_SNIPPET_TOKENS;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
column_copy(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v != NULL ? strdup((const char *)v) : NULL;
}

/* A snippet on one line: every run of whitespace becomes one space. */
static char *
snippet_copy(sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	char *out, *p;

	if (v == NULL || (out = malloc(strlen(v) + 1)) == NULL)
		return NULL;
	for (p = out; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r' || *v == '\f') {
			if (p != out && p[-1] != ' ')
				*p++ = ' ';
		} else {
			*p++ = *v;
		}
	}
	while (p != out && p[-1] == ' ')
		p--;
	*p = '\0';
	return out;
}

/* A query stopped by the caller's progress handler ran out of its time budget. */
static irs_code
sql_fail(sqlite3 *db, irs_error *e)
{
	if (sqlite3_errcode(db) == SQLITE_INTERRUPT)
		return irs_fail(e, IRS_TIMEOUT, "the query took longer than its time budget");
	return irs_fail(e, IRS_INTERNAL, "search failed: %s", sqlite3_errmsg(db));
}

static irs_code
count_matches(sqlite3 *db, const char *fts, int64_t *total, irs_error *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*total = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sql_fail(db, e);
	return IRS_OK;
}

static irs_code
collect_hits(sqlite3 *db, const search_request *req, const char *fts, search_result *r, irs_error *e)
{
	char sql[1024];
	sqlite3_stmt *st = NULL;
	int rc;

	/* The weights are numbers we format ourselves; everything else is bound. */
	snprintf(sql, sizeof(sql),
		 "SELECT d.id, d.path, d.title, d.author, d.date, d.type, d.language, d.pages,"
		 " d.date_from_mtime, bm25(fts, %.6f, %.6f, %.6f) AS rank_score,"
		 " snippet(fts, 2, ?2, ?3, '...', ?4)"
		 " FROM fts JOIN documents d ON d.id = fts.rowid"
		 " WHERE fts MATCH ?1 ORDER BY %s rank_score, d.id LIMIT ?5 OFFSET ?6",
		 req->weight_title, req->weight_author, req->weight_body,
		 req->sort == SORT_DATE ? "d.date DESC NULLS LAST," : "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, e);
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->mark_open, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, req->mark_close, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, req->snippet_tokens);
	sqlite3_bind_int(st, 5, req->limit);
	sqlite3_bind_int(st, 6, req->offset);
	r->hits = calloc((size_t)req->limit, sizeof(*r->hits));
	if (r->hits == NULL) {
		sqlite3_finalize(st);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nhits < req->limit) {
		search_hit *h = &r->hits[r->nhits++];

		h->id = sqlite3_column_int64(st, 0);
		h->path = column_copy(st, 1);
		h->title = column_copy(st, 2);
		h->author = column_copy(st, 3);
		h->date = column_copy(st, 4);
		h->type = column_copy(st, 5);
		h->lang = column_copy(st, 6);
		h->pages = sqlite3_column_int(st, 7);
		h->date_from_mtime = sqlite3_column_int(st, 8);
		h->score = -sqlite3_column_double(st, 9);
		h->snippet = snippet_copy(st, 10);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		irs_code code = sql_fail(db, e);

		sqlite3_finalize(st);
		return code;
	}
	sqlite3_finalize(st);
	return IRS_OK;
}

irs_code
search_run(sqlite3 *db, const search_request *req, search_result **out, irs_error *e)
{
	double start = now_ms();
	search_result *r;
	char *fts = NULL;
	irs_code rc;

	*out = NULL;
	if (req->limit < 1 || req->limit > IRS_MAX_LIMIT)
		return irs_fail(e, IRS_BAD_REQUEST, "limit must be between 1 and %d", IRS_MAX_LIMIT);
	if (req->offset < 0)
		return irs_fail(e, IRS_BAD_REQUEST, "offset must not be negative");
	rc = query_compile(req->query, &fts, e);
	if (rc != IRS_OK)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		free(fts);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	rc = count_matches(db, fts, &r->total, e);
	if (rc == IRS_OK && r->total > req->offset)
		rc = collect_hits(db, req, fts, r, e);
	free(fts);
	if (rc != IRS_OK) {
		search_result_free(r);
		return rc;
	}
	r->took_ms = now_ms() - start;
	*out = r;
	return IRS_OK;
}

void
search_result_free(search_result *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nhits; i++) {
		search_hit *h = &r->hits[i];

		free(h->path);
		free(h->title);
		free(h->author);
		free(h->date);
		free(h->type);
		free(h->lang);
		free(h->snippet);
	}
	free(r->hits);
	free(r);
}
