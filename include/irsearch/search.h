/*
 * search.h - running a query against the index and collecting the hits.
 *
 * Owns: ranking (bm25 with per-column weights, ties broken by document id),
 * the date sort, snippets with highlight markers, and the search_result
 * record the printers read.  Does not own the query language (query.h) or
 * how results are shown (printer.h).
 */
#ifndef IRSEARCH_SEARCH_H
#define IRSEARCH_SEARCH_H

#include <sqlite3.h>
#include <stdint.h>

#include "irsearch/error.h"

typedef enum search_sort { SORT_RANK, SORT_DATE } search_sort;

typedef struct search_request {
	const char *query;	/* as the user typed it */
	int limit;		/* 1..IRS_MAX_LIMIT */
	int offset;		/* >= 0 */
	search_sort sort;
	const char *mark_open;	/* highlight markers around matched words */
	const char *mark_close;
	double weight_title, weight_author, weight_body;
	int snippet_tokens;
} search_request;

typedef struct search_hit {
	int64_t id;
	char *path, *title, *author, *date, *type, *lang;	/* NULL when unknown */
	int date_from_mtime;
	int pages;
	double score;		/* bm25, higher is better */
	char *snippet;		/* whitespace collapsed, markers around matches */
} search_hit;

typedef struct search_result {
	int64_t total;		/* documents matching, over all pages */
	double took_ms;
	int nhits;
	search_hit *hits;
} search_result;

/* Fills req with defaults (limit, weights, markers "[" "]"). */
void search_request_init(search_request *req, const char *query);

/*
 * Runs req on db (a connection with the tokenizer registered).  *out gets
 * the result, freed with search_result_free; NULL on failure.
 */
irs_code search_run(sqlite3 *db, const search_request *req, search_result **out, irs_error *e);

/* Frees a result; accepts NULL. */
void search_result_free(search_result *r);

#endif
