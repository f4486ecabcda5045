/*
 * query.h - what a user types, compiled into a safe FTS5 expression.
 *
 * Owns: the query language and its error sentences.  No FTS5 syntax
 * passes through: every word the user types becomes a quoted FTS5 string,
 * so "AND", "NEAR", "-", ":" or "*" inside a word are searched as text and
 * no input can produce an FTS5 syntax error.
 *
 * Understood today: words (all required, any order, each stemmed),
 * "quoted phrases" (stemmed like words), OR between terms (binds tighter
 * than the implicit AND), -term and NOT term (exclusion), word* (prefix of
 * the word as written).
 */
#ifndef IRSEARCH_QUERY_H
#define IRSEARCH_QUERY_H

#include "irsearch/error.h"

/*
 * Compiles query into an FTS5 MATCH expression; *fts gets it (caller
 * frees).  Fails with IRS_BAD_QUERY and a sentence naming the column for
 * a query that cannot be understood, IRS_TOO_LARGE past the limits.
 */
irs_code query_compile(const char *query, char **fts, irs_error *e);

#endif
