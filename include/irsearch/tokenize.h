/*
 * tokenize.h - the "irsearch" FTS5 tokenizer: unicode61 + Snowball stemming.
 *
 * Owns: registering the tokenizer on a connection, and the rules for which
 * languages may be named.  Does not own: the FTS5 table (store.h) or the
 * query language (query.h), which only relies on the conventions below.
 *
 * What the tokenizer emits
 *   Documents get, at each position, the word as written, lower-cased and
 *   with diacritics folded ("Türkiye" -> "turkiye"): one token, as FTS5's
 *   own unicode61 would store it.  Each word that has a stemmer is also put
 *   in the vocabulary table (IRS_VOCABULARY_TABLE, in the main database of
 *   the connection) as the pair (folded Snowball stem, folded word):
 *   ("cooper", "cooperation").  Stemming happens before folding, so Turkish
 *   or German rules see the letters they expect.
 *
 *   Queries get, per word, the folded word and, as colocated alternatives
 *   (FTS5_TOKEN_COLOCATED), every word of the vocabulary with the same stem
 *   (at most IRS_MAX_STEM_VARIANTS): "cooperating" matches "cooperation",
 *   "cooperative" and "Cooper", inside phrases and NEAR too.  Stems are thus
 *   found at query time from a table of distinct words, not stored at every
 *   position of every document, which halves what FTS5 indexes.  A prefix
 *   query ("sanitiz*") and a string that begins with IRS_EXACT_MARK match
 *   the words as written only.
 *
 *   highlight() and snippet() re-tokenize stored text (FTS5_TOKENIZE_AUX)
 *   only to map positions to byte offsets: they get the words as split,
 *   with no stemming or folding, which is faster and gives the same
 *   positions.
 *
 *   The vocabulary only grows: a word whose last document went stays, and
 *   widens queries to a word that matches nothing (irindex --full starts
 *   afresh).  A connection opened read-only records nothing.  The writer
 *   remembers which words it has recorded; a rollback on the connection
 *   (the tokenizer owns its rollback hook) makes it forget, so words of a
 *   batch that was undone are recorded again.  New pairs are written
 *   sorted, at the end of each document or, deferred, once per
 *   transaction.  A connection whose database has no vocabulary table
 *   cannot index with this tokenizer (the INSERT fails), and its queries
 *   match words as written.

 * Arguments (tokenize='irsearch english russian'): stemming languages, in
 * order; each token is stemmed by the first named language written in the
 * token's script.  "stem_only" (measurement only) indexes stems alone, as
 * FTS5's porter tokenizer does.  "uncached" keeps no stem cache, for an
 * instance that reads only queries' words (a connection's, for a phrase's
 * forms: phrasecount.h): 2 MiB more a connection for a query's few words.
 */
#ifndef IRSEARCH_TOKENIZE_H
#define IRSEARCH_TOKENIZE_H

#include <sqlite3.h>

#include "irsearch/error.h"

#define IRS_TOKENIZER_NAME "irsearch"
#define IRS_DEFAULT_LANGUAGES "english russian"
#define IRS_VOCABULARY_TABLE "vocabulary"
/* The vocabulary's schema: whoever creates a table with this tokenizer runs it first. */
#define IRS_VOCABULARY_SCHEMA \
	"CREATE TABLE IF NOT EXISTS " IRS_VOCABULARY_TABLE \
	"(stem TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY(stem, word)) WITHOUT ROWID"
#define IRS_EXACT_MARK '\x02'

/*
 * The FTS5 API of a connection, to register tokenizers and functions; NULL
 * with e saying why (no FTS5 in this SQLite, or out of memory).
 */
fts5_api *tokenize_fts5_api(sqlite3 *db, irs_error *e);

/*
 * Registers the tokenizer on db (every connection that touches the index),
 * and sets db's rollback hook (see above).
 */
irs_code tokenize_register(sqlite3 *db, irs_error *e);

/*
 * From now on the words new to db's vocabulary wait in memory (up to
 * IRS_VOCABULARY_PENDING_BYTES) and are written, sorted, by
 * tokenize_flush_vocabulary, which the owner of db must call before each
 * COMMIT of new documents (store_commit does).  Words still waiting at a
 * COMMIT are written by the next flush; at a rollback they are dropped.
 * Without this, each document's new words are written at its end.
 */
typedef struct tokenize_context tokenize_context;

/* The connection's tokenizer state, now deferring; NULL with e filled. */
tokenize_context *tokenize_defer_vocabulary(sqlite3 *db, irs_error *e);
/* An SQLite result code; SQLITE_NOMEM also for this module's own allocations. */
int tokenize_flush_vocabulary(tokenize_context *ctx);

/*
 * Checks a space-separated list of Snowball language names ("english
 * russian"): each must exist in libstemmer and their count be at most
 * IRS_MAX_LANGUAGES.  Fills e with the first problem.
 */
irs_code tokenize_check_languages(const char *list, irs_error *e);

#endif
