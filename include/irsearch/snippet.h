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
 *   irs_snippet_map(body, hash) makes a body's snippet map at index time
 *     (snippet_map.h): every SNIPPET_MAP_EVERY tokens (or at the next token
 *     after an ASCII separator) a checkpoint (token position, byte offset,
 *     page), and the first position of each page, as the scan of
 *     irs_snippet finds them, with the body's length and hash, the
 *     documents row's XXH3 of the file; NULL for a body of fewer tokens
 *     with no page breaks.  The writer keeps it in SNIPPET_MAP_TABLE, one
 *     row per document id.
 *   irs_snippet_at(hits, rowid, map, hash, open, close, tokens, passages)
 *     is irs_snippet_from for the body of fts_content's row rowid, read
 *     with a blob handle: with a map, only the bytes from the checkpoint
 *     before each passage to the one after it; with none (NULL: an index
 *     or a document indexed before maps, a short body), or one that does
 *     not fit the row (another hash or length, checkpoints out of order or
 *     not at a token), the whole body from 0.  For a rare word deep in a
 *     long report the scan from byte 0 and the read of the whole body were
 *     most of a search.
 * Does not own choosing or ranking the hits (search.h), the map's format,
 * making and checks (snippet_map.h), or the scan from token positions to
 * bytes and pages (snippet_scan.h).
 */
#ifndef IRSEARCH_SNIPPET_H
#define IRSEARCH_SNIPPET_H

#include <sqlite3.h>

#include "irsearch/error.h"

#define SNIPPET_MAX_PASSAGES 3

/* irs_snippet's result: passages joined by PASSAGE_SEP, each "PAGE" PAGE_SEP "text" (page 0: unknown). */
#define SNIPPET_PASSAGE_SEP '\x1e'
#define SNIPPET_PAGE_SEP '\x1f'

/*
 * The maps' table, made with the index or by the first writer of an index
 * without one.  A map names the hash and length of the text it was made
 * from, and is used only for a row that has both: a writer that changes a
 * document's text without writing its map (an irindex of before maps)
 * changes its hash, so a stale map is never read.  No triggers: a trigger
 * on documents gave each written row a statement journal, and FTS5 flushes
 * its pending terms at every statement savepoint (store.c).
 */
#define SNIPPET_MAP_TABLE "snippet_map"
#define SNIPPET_MAP_SCHEMA \
	"CREATE TABLE IF NOT EXISTS " SNIPPET_MAP_TABLE "(id INTEGER PRIMARY KEY, map BLOB NOT NULL)"

/* Registers irs_snippet on db (which has the irsearch tokenizer). */
irs_code snippet_register(sqlite3 *db, irs_error *e);

#endif
