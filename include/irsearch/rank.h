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
 * rank_collector bound with sqlite3_bind_pointer(..., RANK_COLLECTOR_TYPE),
 * counts the rows it scores (the page's SELECT scores every match, so no
 * second pass over the doclists counts them) and can keep the best rows
 * itself, so that the SELECT needs no ORDER BY (see rank_collector_new).
 * The collector can carry the statement's filters (rank_collector_filter):
 * a row that fails them gets NULL and is neither counted nor kept, but the
 * statement still sees every match, which a query of one phrase takes its
 * IDF from (see every_match below).  irs_rank tests them without a
 * documents row a match: after one lookup a row for the first rows of a
 * statement, from the connection's copy of the columns they test (8
 * bytes a rowid, plus each distinct value once: 8 MB at a million
 * documents), kept as the lengths are.
 * Row lengths come from FTS5's xColumnSize, or, once a statement has
 * looked up more than a sixteenth of the table's rows, from fts_docsize
 * read whole into the connection's memory (4 bytes a rowid: 4 MB at a
 * million documents), kept until the database changes.
 * irs_rank_parts(fts, ...) returns the same computation as "idf-sum title
 * author body proximity" for --explain.  Does not own the query (query.h)
 * or which hits are shown (search.h).
 */
#ifndef IRSEARCH_RANK_H
#define IRSEARCH_RANK_H

#include <sqlite3.h>
#include <stdint.h>

#include "irsearch/docfields.h"
#include "irsearch/error.h"
#include "irsearch/phrasecount.h"

/* The pointer type of irs_rank's collector. */
#define RANK_COLLECTOR_TYPE "irs_rank_collector"

/* Words apart at most for the proximity bonus. */
#define RANK_PROXIMITY_SPAN 8

/* One row of a collector's best: its rowid and score. */
typedef struct rank_best {
	int64_t id;
	double score;
} rank_best;

typedef struct rank_collector rank_collector;

/*
 * A collector for one statement's irs_rank calls (caller frees with
 * rank_collector_free; NULL when out of memory).  keep 0 only counts the
 * rows, and irs_rank returns each score for the statement's ORDER BY.
 * keep > 0 keeps the keep best rows (score descending, then rowid, as
 * that ORDER BY would), and irs_rank's value is then not for sorting (NULL
 * for a row whose score waits, see below).  every_match says that the
 * statement drops none of the MATCH's rows (no other WHERE term; a
 * filter goes in the collector instead): a query of one phrase then takes
 * its IDF from the count of rows, instead
 * of walking the phrase's doclists again with xQueryPhrase (for a phrase
 * of two common words, or a prefix of a thousand words, half the work),
 * and its rows are scored in rank_collector_finish, with the same
 * arithmetic, so the scores are the same to the last bit.
 * match is the statement's MATCH expression (the caller's string, which
 * must outlive the collector), or NULL: with it, the IDF of a phrase of
 * one word (one position, with the forms the tokenizer adds) counts the
 * rows that hold any of its forms, "{col} : (form OR form ...)" as exact
 * terms, instead of xQueryPhrase, which merges the forms' position lists
 * row by row only to count the rows (a third of the work for a common
 * word of three forms).  Counted afresh by each statement, and the same
 * count: FTS5 numbers the phrases in the order the text writes them, and
 * a text that irs_rank does not read the same way (another count of
 * phrases, another syntax than query.h writes) keeps xQueryPhrase.
 */
rank_collector *rank_collector_new(int64_t keep, int every_match, const char *match);

/*
 * For a statement whose MATCH is "P NOT Q1 NOT Q2 ...", P and each Q one
 * phrase: no Q has an instance in its rows, so it is scored as a query of
 * P alone, whose IDF counts the rows it sees plus rows, those of P it
 * drops (the caller counts "P AND (Q1 OR Q2 ...)").  Before the statement
 * runs; the statement must see every match (every_match).
 */
void rank_collector_excluded(rank_collector *c, int64_t rows);

/*
 * For a statement whose MATCH has some query words written as their
 * forms ORed (phrasecount.h, phrase_forms_rewrite): word[j] is the query
 * word FTS5's phrase j stands for (0, then each the same as the one
 * before or the next), nphrases of them, at most 64.  Each word is then
 * scored as the one phrase it makes as colocated synonyms: its phrases'
 * instances merged in the order FTS5 merges a synonym's, its IDF from
 * the rows holding any form, counted from the match given to
 * rank_collector_new, which must be the words' own MATCH (the text
 * before the rewrite), so the scores are those of that MATCH to the last
 * bit.  A statement of another count of phrases fails (SQLITE_MISMATCH).
 * Before the statement runs; word is copied.  0, or -1 for a map not so
 * ordered or too long (the collector is then told no words, and the
 * statement must run the words' own MATCH).
 */
int rank_collector_words(rank_collector *c, const unsigned char *word, int nphrases);

/*
 * Gives the collector filters, before the statement runs: a row that
 * fails them is neither counted nor kept; irs_rank tests them itself.
 * The strings are the caller's and must outlive the collector.
 */
void rank_collector_filter(rank_collector *c, const doc_filter *f);

/*
 * For a collector that keeps rows, before the statement runs: irs_rank's
 * value becomes 1 for a row that may be among the keep best at the end,
 * 0 for the others, so that the statement can compute what the page's
 * rows need (a snippet) while FTS5 is on them, instead of running the
 * MATCH again; about keep * (1 + ln(matches / keep)) rows in rowid order.
 * Past cap such rows, or while the statement's matches, as the rows seen
 * so far foretell them, are below min_matches (the work saved grows with
 * the matches), irs_rank tells none, and rank_collector_candidates_complete
 * says so if one was due: some row of the page may then have been told
 * nothing.
 */
void rank_collector_candidates(rank_collector *c, int64_t cap, int64_t min_matches);

/* After the statement: whether every row that may be among the keep best was told a candidate. */
int rank_collector_candidates_complete(const rank_collector *c);

/* Scores what waited for the count; after the statement is done.  0, or -1 when out of memory. */
int rank_collector_finish(rank_collector *c);

/* The rows irs_rank was called on that pass the collector's filters (all of them without filters). */
int64_t rank_collector_rows(const rank_collector *c);

/* After rank_collector_finish: the best rows, best first; returns how many (at most keep). */
int64_t rank_collector_best(const rank_collector *c, const rank_best **best);

/* Frees a collector; accepts NULL. */
void rank_collector_free(rank_collector *c);

/*
 * Registers irs_rank and irs_rank_parts on db.  irs_rank counts a
 * phrase's rows from its forms with forms (phrasecount.h), db's own,
 * which the caller keeps until it closes db; with forms NULL it asks
 * xQueryPhrase (the same counts, slower).
 */
irs_code rank_register(sqlite3 *db, phrase_tokenizer *forms, irs_error *e);

#endif
