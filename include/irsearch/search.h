/*
 * search.h - running a query against the index and collecting the hits.
 *
 * Owns: relaxing a query of several words that no document holds all
 * of into one that wants any of them (ranking puts the documents with
 * more of them first), ranking (rank.h's BM25 with column weights and a proximity bonus,
 * ties broken by document id),
 * the date sort, snippets with highlight markers, and the search_result
 * record the printers read.  Does not own the query language (query.h) or
 * how results are shown (printer.h).
 */
#ifndef IRSEARCH_SEARCH_H
#define IRSEARCH_SEARCH_H

#include <sqlite3.h>
#include <stdint.h>

#include "irsearch/error.h"
#include "irsearch/store.h"

typedef enum search_sort { SORT_RANK, SORT_DATE } search_sort;

typedef struct search_request {
	const char *query;	/* as the user typed it */
	int limit;		/* 1..IRS_MAX_LIMIT */
	int offset;		/* >= 0 */
	search_sort sort;
	const char *mark_open;	/* highlight markers around matched words */
	const char *mark_close;
	double weight_title, weight_author, weight_body;
	double proximity;	/* bonus factor when the query's words stand close (rank.h) */
	int snippet_tokens;	/* words in the best passage */
	int passages;		/* passages at most, 1..SEARCH_MAX_PASSAGES */
	int explain;		/* fill each hit's explanation */
} search_request;

#define SEARCH_MAX_PASSAGES 3

typedef struct search_passage {
	int page;		/* 0 when the document has no pages */
	char *text;		/* whitespace collapsed, markers around matches */
} search_passage;

/* Why a hit scored what it did (with "explain"): the parts add up to its score. */
typedef struct search_explain {
	double column_score[3];	/* the share of the title, author and body */
	double proximity;	/* the bonus for the query's words standing close */
	int column_matches[3];	/* matched phrases in each column */
} search_explain;

typedef struct search_hit {
	int64_t id;
	char *path, *title, *author, *date, *type, *lang;	/* NULL when unknown */
	int date_from_mtime;
	int pages;
	double score;		/* relevance (rank.h), higher is better; 0 for a query of filters only */
	int page;		/* the first passage's page, 0 when unknown */
	char *snippet;		/* the passages joined by " ... " */
	int npassages;
	search_passage passages[SEARCH_MAX_PASSAGES];
	int explained;
	search_explain explain;
} search_hit;

typedef struct search_result {
	int64_t total;		/* documents matching, over all pages */
	int relaxed;		/* no document had all the words: these have some */
	double took_ms;
	int nhits;
	search_hit *hits;
} search_result;

/* Fills req with defaults (limit, weights, markers "[" "]", passages). */
void search_request_init(search_request *req, const char *query);

/*
 * Runs req on s's index, through its connection and that connection's
 * tokenizer for the words' forms (store_forms).  *out gets the result,
 * freed with search_result_free; NULL on failure.
 */
irs_code search_run(store_t *s, const search_request *req, search_result **out, irs_error *e);

/* Frees a result; accepts NULL. */
void search_result_free(search_result *r);

#endif
