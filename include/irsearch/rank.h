/*
 * rank.h - the relevance score of a hit, as an FTS5 auxiliary function.
 *
 * Owns: irs_rank(fts, title_weight, author_weight, body_weight, proximity),
 * BM25 over the weighted columns (k1 = 1.2, b = 0.75, as FTS5's bm25()),
 * with two differences measured on the relevance suite (tests/relevance/):
 *   - the IDF is log(1 + (N - n + 0.5) / (n + 0.5)), never negative, so a
 *     word found in most documents still counts a little instead of being
 *     floored to nothing (FTS5's bm25 gives such words 1e-6: in a small
 *     folder the title weight then has no effect);
 *   - a proximity bonus: when all the query's phrases occur within a few
 *     words of each other in one column, the score grows by proximity
 *     times the best-matching phrase's contribution.
 * It returns a positive score (higher is better).  A sixth argument, a
 * pointer bound with sqlite3_bind_pointer(..., RANK_COUNTER_TYPE), is an
 * sqlite3_int64 the function adds one to per row: ORDER BY scores every
 * matching row, so the page's SELECT also counts the matches, and no
 * second pass over the doclists is needed for the total.  irs_rank_parts(fts,
 * ...) returns the same computation as "idf-sum title author body
 * proximity" for --explain.  Does not own the query (query.h) or which
 * hits are shown (search.h).
 */
#ifndef IRSEARCH_RANK_H
#define IRSEARCH_RANK_H

#include <sqlite3.h>

#include "irsearch/error.h"

/* The pointer type of irs_rank's row counter. */
#define RANK_COUNTER_TYPE "irs_row_counter"

/* Words apart at most for the proximity bonus. */
#define RANK_PROXIMITY_SPAN 8

/* Registers irs_rank and irs_rank_parts on db. */
irs_code rank_register(sqlite3 *db, irs_error *e);

#endif
