/*
 * phrasecount.h - the rows holding a phrase of one word, counted from its
 * forms' doclists, for irs_rank (rank.h): a statement's MATCH expression
 * read as query.c writes it (quoted strings, AND, OR, NOT, groups,
 * NEAR(...), "{col} : "), the table's tokenizer asked for the forms of
 * a phrase's word, and a count of "{col} : (form OR form ...)" as exact
 * terms, which FTS5 walks without building position lists, where
 * xQueryPhrase merges the forms' position lists row by row only to count
 * the rows.  The same rows, so the same IDF.  And, by the same reading,
 * the MATCH rewritten with each word's forms ORed as exact terms, for
 * the page's statement (phrase_forms_rewrite).  Owns the reading of the
 * text for one statement, and for a connection (phrase_tokenizer) the
 * instance of the table's tokenizer that both ask for the forms, and the
 * statements that count and read the index's sizes; does not own the IDF
 * or the score (rank.c), the connection (store.c), nor the MATCH's text
 * (the caller's).
 */
#ifndef IRSEARCH_PHRASECOUNT_H
#define IRSEARCH_PHRASECOUNT_H

#include <sqlite3.h>

#define PHRASE_COUNTS_MAX_PHRASES 64	/* phrases of a MATCH read; one with more is not */
#define PHRASE_COUNTS_MAX_COLSETS 4	/* column filters nested over one phrase of a MATCH */
#define PHRASE_COUNTS_MAX_DEPTH 64	/* groups nested in a MATCH read */
#define PHRASE_COUNTS_MAX_TOKENIZER_ARGS 16	/* words of the table's tokenize option */
#define PHRASE_FORMS_MAX 64	/* phrases of a MATCH with its words' forms ORed (phrase_forms_rewrite) */
/* Splitting a phrase by a word's forms (phrase_forms_rewrite); past a limit, no split. */
#define PHRASE_SPLIT_MAX_COPIES 8	/* forms of the word split by: copies of the phrase */
#define PHRASE_SPLIT_MAX_WORDS 16	/* words of the phrase */
#define PHRASE_SPLIT_MAX_FORMS 256	/* forms of all its words */
#define PHRASE_SPLIT_MAX_SEGMENTS 64	/* segments of the index read for the forms' sizes */
#define PHRASE_SPLIT_MAX_LOOKUPS 512	/* forms times segments, read for the sizes */
#define PHRASE_SPLIT_RATIO 4	/* the word's biggest form against its other forms, in pages */

typedef struct phrase_tokenizer phrase_tokenizer;
typedef struct phrase_counts phrase_counts;

/*
 * One connection's instance of its fts table's tokenizer, for the forms
 * of a phrase's words (phrase_counts_open, phrase_forms_rewrite): made,
 * with the arguments of the table's tokenize option, the first time a
 * statement asks, and kept for the connection's later statements (the
 * option is fixed when the table is made; another file is another
 * connection); with it the statements of the counts and of a split's
 * estimate, prepared the first time they are needed.  Not thread-safe,
 * like the connection: one per connection, never shared.  Between uses
 * it holds no statement un-reset, so no read transaction.  db and fts5
 * (db's) must outlive it.
 * SQLITE_OK with *out (the connection's owner frees it with
 * phrase_tokenizer_close, before closing db: its prepared statements
 * would keep sqlite3_close from closing it), or SQLITE_NOMEM with *out
 * NULL.
 */
int phrase_tokenizer_open(sqlite3 *db, fts5_api *fts5, phrase_tokenizer **out);

/* Frees pt, its instance and its statements; accepts NULL. */
void phrase_tokenizer_close(phrase_tokenizer *pt);

/*
 * Reads match, the MATCH of a statement on the fts table of pt's
 * connection, for which FTS5 counts nphrases phrases, and makes what
 * counting needs: pt's instance of the table's tokenizer and the count
 * statement.  SQLITE_OK with *out (caller frees with
 * phrase_counts_close, before pt); SQLITE_OK with *out NULL when the
 * text cannot be read so (another syntax than query.c writes, another
 * count of phrases, a tokenize option not written as store.c writes it,
 * no pt): the caller then counts otherwise; or an error (SQLITE_NOMEM,
 * SQLITE_INTERRUPT), *out NULL.  nphrases < 0 takes the text's own count
 * of phrases.  match must outlive *out.
 */
int phrase_counts_open(phrase_tokenizer *pt, const char *match, int nphrases, phrase_counts **out);

/*
 * The rows of the table holding phrase i (FTS5's number) of pc's MATCH,
 * of phrase_size tokens (xPhraseSize), into *n, under the column filters
 * the text puts over it: *counted says whether it could (a phrase of one
 * word, no prefix), else the caller counts otherwise.  SQLITE_OK, or an
 * error of the tokenizer or the count statement.
 */
int phrase_counts_rows(phrase_counts *pc, int i, int phrase_size, sqlite3_int64 *n, int *counted);
/*
 * The rows of the table holding phrase i of pc's MATCH, a phrase of
 * several words, into *n, under its column filters, counted as
 * phrase_forms_rewrite writes it when it splits it (else as it is
 * written): for irs_rank, whose statement walks a split phrase as
 * several.  *counted says whether it could (not a prefix, not in a NEAR).
 * SQLITE_OK, or an error of the tokenizer or the count statement.
 */
int phrase_counts_split_rows(phrase_counts *pc, int i, sqlite3_int64 *n, int *counted);

/*
 * match with each phrase of one word (no prefix, not in a NEAR) that the
 * table's tokenizer (pt's) widens into 2 indexed forms or more written as
 * ("\x02f1" OR "\x02f2" ...), its forms as exact terms: the same rows, but
 * FTS5 walks such an OR without merging the forms' position lists at
 * every row, as it does for the colocated synonyms the word becomes (a
 * common word's ranking statement at 100,000 documents: 40% less time).
 * *out (caller frees with sqlite3_free) has *nphrases phrases, at most
 * PHRASE_FORMS_MAX (words that would pass it stay as they are), and
 * word[j] (room for PHRASE_FORMS_MAX) is the phrase of match that FTS5's
 * phrase j of *out stands for: the query's word.
 *
 * A phrase of several words (no prefix, not in a NEAR) one of whose
 * words has 2 forms or more (at most PHRASE_SPLIT_MAX_COPIES), and is
 * big enough against the others, is split by that word's forms: an OR of
 * copies of the phrase, the word written as one exact form in each
 * ("a" + "\x02f1" OR "a" + "\x02f2"), the other words as they are.  The
 * same rows and the same matches (a position holds one form), but FTS5
 * no longer merges the big word's forms' position lists at every row.
 * Which word, and whether, comes from the forms' sizes in leaf pages of
 * the index (fts_idx): the word of the most pages, whose biggest form
 * must have PHRASE_SPLIT_RATIO times its other forms' pages; an index
 * that cannot be read so, or a word whose text is not read alone as in
 * the phrase, leaves the phrase whole.  Each copy maps to the phrase's
 * number in word.
 *
 * *out NULL when no word was widened (a word of one form, no
 * vocabulary, a text not read as query.c writes it), or when a phrase
 * has no token (FTS5 drops it from a NEAR or an implicit AND, so its
 * phrases would no longer be the text's, one for one).  Each phrase is
 * read by pt's tokenizer once (a phrase split also reads its words and
 * forms alone).  SQLITE_OK, or an error (SQLITE_NOMEM, SQLITE_INTERRUPT).
 */
int phrase_forms_rewrite(phrase_tokenizer *pt, const char *match, char **out, unsigned char *word,
			 int *nphrases);

/* Frees pc; accepts NULL. */
void phrase_counts_close(phrase_counts *pc);

#endif
