/*
 * query.h - what a user types, compiled into a safe FTS5 expression and SQL filters.
 *
 * Owns: the query language and its error sentences.  No FTS5 syntax passes
 * through: every word the user types becomes a quoted FTS5 string, so
 * "AND", "NEAR", "-", ":" or "*" inside a word are searched as text and no
 * input can produce an FTS5 syntax error.  Does not own running the query
 * (search.h).
 *
 * The language (irsearch(1) has it for users):
 *   astana declaration      all words, any order, each stemmed
 *   "astana declaration"    the phrase (stemmed like words)
 *   sanctions OR embargo    either; OR binds tighter than the implicit AND
 *   ( ... )                 grouping
 *   -nato, NOT nato         exclusion (of a word, phrase or group)
 *   secur*                  words starting with secur, as written
 *   title:x author:x body:x a field, on a word, phrase, NEAR or group
 *   NEAR(a b "c d", 5)      the terms within 5 words of each other (default 10)
 *   after:2024 before:2025-07 type:pdf lang:ru   filters on the documents
 */
#ifndef IRSEARCH_QUERY_H
#define IRSEARCH_QUERY_H

#include "irsearch/doc.h"
#include "irsearch/error.h"

#define QUERY_MAX_FILTER_VALUES 8

/* A parsed query: the FTS5 expression, and the filters that become SQL. */
typedef struct query_plan {
	char *fts;		/* MATCH expression; NULL when the query has only filters */
	char *fts_any;		/* the same with its wanted items ORed, for when no document
				 * has them all; NULL for fewer than two */
	char *fts_dropped;	/* for fts "P NOT Q1 NOT Q2 ...", each a word, phrase or prefix:
				 * "P AND (Q1 OR Q2 ...)", the rows of P it drops; else NULL */
	int has_prefix;		/* fts holds a word* (FTS5 expands it again on every MATCH) */
	char after[IRS_DATE_MAX];	/* documents dated on or after this ISO prefix; "" for none */
	char before[IRS_DATE_MAX];	/* documents dated before this ISO prefix; "" for none */
	const char *types[QUERY_MAX_FILTER_VALUES];	/* MIME types (static strings), any of */
	int ntypes;
	char langs[QUERY_MAX_FILTER_VALUES][IRS_LANG_MAX];	/* language codes, any of */
	int nlangs;
} query_plan;

/*
 * Parses query into plan (cleared first; free with query_plan_clear, also
 * after a failure).  Fails with IRS_BAD_QUERY and one sentence naming the
 * column for a query that cannot be understood, IRS_TOO_LARGE past
 * IRS_MAX_QUERY_BYTES.
 */
irs_code query_parse(const char *query, query_plan *plan, irs_error *e);

void query_plan_clear(query_plan *plan);

/*
 * The FTS5 expression of query alone (caller frees): query_parse without
 * the filters, which it refuses, for callers that only run MATCH.
 */
irs_code query_compile(const char *query, char **fts, irs_error *e);

#endif
