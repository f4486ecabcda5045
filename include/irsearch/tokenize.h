/*
 * tokenize.h - the "irsearch" FTS5 tokenizer: unicode61 + Snowball stemming.
 *
 * Owns: registering the tokenizer on a connection, and the rules for which
 * languages may be named.  Does not own: the FTS5 table (store.h) or the
 * query language (query.h), which only relies on the conventions below.
 *
 * What the tokenizer emits
 *   Documents get, at each position, the word as written, lower-cased and with diacritics folded
 *   ("Türkiye" -> "turkiye"), and, when its Snowball stem differs, the
 *   folded stem as a colocated token behind the byte IRS_STEM_MARK
 *   ("cooperation" -> "cooperation" + "\x01cooper").  Stemming happens before
 *   folding, so Turkish or German rules see the letters they expect.
 *
 *   highlight() and snippet() re-tokenize stored text (FTS5_TOKENIZE_AUX)
 *   only to map positions to byte offsets, ignoring colocated tokens: they
 *   get the words as split, with no stemming or folding, which is faster
 *   and gives the same positions.
 *
 *   Queries get, per word, the marked stem with the unmarked stem colocated
 *   as an alternative: a word matches every inflected form.  A prefix query
 *   ("sanitiz*") and a string that begins with IRS_EXACT_MARK match the
 *   words as written instead, so prefixes need not be stems and exact
 *   forms stay searchable.
 *
 * Arguments (tokenize='irsearch english russian'): stemming languages, in
 * order; each token is stemmed by the first named language written in the
 * token's script.  "stem_only" (measurement only) indexes stems alone, as
 * FTS5's porter tokenizer does.
 */
#ifndef IRSEARCH_TOKENIZE_H
#define IRSEARCH_TOKENIZE_H

#include <sqlite3.h>

#include "irsearch/error.h"

#define IRS_TOKENIZER_NAME "irsearch"
#define IRS_DEFAULT_LANGUAGES "english russian"
#define IRS_STEM_MARK '\x01'
#define IRS_EXACT_MARK '\x02'

/*
 * The FTS5 API of a connection, to register tokenizers and functions; NULL
 * with e saying why (no FTS5 in this SQLite, or out of memory).
 */
fts5_api *tokenize_fts5_api(sqlite3 *db, irs_error *e);

/* Registers the tokenizer on db (every connection that touches the index). */
irs_code tokenize_register(sqlite3 *db, irs_error *e);

/*
 * Checks a space-separated list of Snowball language names ("english
 * russian"): each must exist in libstemmer and their count be at most
 * IRS_MAX_LANGUAGES.  Fills e with the first problem.
 */
irs_code tokenize_check_languages(const char *list, irs_error *e);

#endif
