/*
 * snippet.h - passages around the matches, and the score's parts, as FTS5 functions.
 *
 * Owns: the auxiliary function search.c calls for each hit's passages.
 *   irs_snippet(fts, open, close, tokens, passages) picks the best passage
 *     of the body (most distinct query phrases, then most matched words),
 *     then up to passages-1 more that show phrases the first did not, and
 *     marks every matched word, stemmed variants included (FTS5 reports the
 *     positions; nothing is guessed from the text).  A document whose body
 *     does not match gets its opening words.  Pages are counted by the
 *     form feeds extraction leaves between pages.
 *   irs_snippet_hits(fts) keeps what irs_snippet reads of FTS5 for a row
 *     (the query's phrases and the body's matched phrases, a blob of a few
 *     bytes a match), so that a statement that sees many rows can keep it
 *     for those that may make the page, and
 *   irs_snippet_from(hits, body, open, close, tokens, passages), a plain SQL
 *     function, makes from it and the row's body the same bytes as
 *     irs_snippet, without running the MATCH again for the row (the query
 *     parsed and widened, each term's doclists opened and sought).  It
 *     splits the body with the irsearch tokenizer in FTS5_TOKENIZE_AUX mode,
 *     as FTS5's xTokenize does, through one instance per connection.
 * Does not own choosing or ranking the hits (search.h).
 */
#ifndef IRSEARCH_SNIPPET_H
#define IRSEARCH_SNIPPET_H

#include <sqlite3.h>

#include "irsearch/error.h"

#define SNIPPET_MAX_PASSAGES 3

/* irs_snippet's result: passages joined by PASSAGE_SEP, each "PAGE" PAGE_SEP "text" (page 0: unknown). */
#define SNIPPET_PASSAGE_SEP '\x1e'
#define SNIPPET_PAGE_SEP '\x1f'

/* Registers irs_snippet on db (which has the irsearch tokenizer). */
irs_code snippet_register(sqlite3 *db, irs_error *e);

#endif
