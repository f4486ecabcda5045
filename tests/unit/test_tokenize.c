/* test_tokenize.c - the irsearch FTS5 tokenizer: what it stores, what queries match, and its languages. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "irsearch/limits.h"
#include "irsearch/tokenize.h"
#include "connections.h"

/*
 * An in-memory db with the stem vocabulary, table t(body) using the given
 * tokenize= value, and v, its fts5vocab instance table.
 */
static sqlite3 *
open_index(const char *tokenize)
{
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };
	char *sql;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	sql = sqlite3_mprintf(IRS_VOCABULARY_SCHEMA ";"
			      "CREATE VIRTUAL TABLE t USING fts5(body, tokenize=%Q);"
			      "CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');",
			      tokenize);
	assert_non_null(sql);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("creating the table: %s", sqlite3_errmsg(db));
	sqlite3_free(sql);
	return db;
}

static void
insert_n(sqlite3 *db, int64_t rowid, const char *text, int n)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) VALUES(?1, ?2)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, text, n, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fail_msg("insert: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

static void
insert(sqlite3 *db, int64_t rowid, const char *text)
{
	insert_n(db, rowid, text, -1);
}

/* The rowids matching an FTS5 expression, ascending, as "1,3"; "" when none. */
static const char *
matches(sqlite3 *db, const char *expr)
{
	static char buf[1024];
	sqlite3_stmt *st = NULL;
	size_t used = 0;
	int rc;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%lld", used > 0 ? "," : "",
					 (long long)sqlite3_column_int64(st, 0));
	if (rc != SQLITE_DONE)
		fail_msg("MATCH '%s': %s", expr, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return buf;
}

/* The tokens stored for one row, by position then byte order, joined by "|". */
static const char *
tokens_of(sqlite3 *db, int64_t rowid)
{
	static char buf[4096];
	sqlite3_stmt *st = NULL;
	size_t used = 0;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT term FROM v WHERE doc = ?1 ORDER BY offset, term",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, rowid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(st, 0);

		if (used > 0 && used + 1 < sizeof(buf))
			buf[used++] = '|';
		for (; *term != '\0' && used + 1 < sizeof(buf); term++)
			buf[used++] = *term;
		buf[used] = '\0';
	}
	sqlite3_finalize(st);
	return buf;
}

/* The vocabulary's pairs "stem=word", ordered, joined by "|". */
static const char *
vocabulary_of(sqlite3 *db)
{
	static char buf[4096];
	sqlite3_stmt *st = NULL;
	size_t used = 0;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT stem || '=' || word FROM " IRS_VOCABULARY_TABLE
					    " ORDER BY stem, word", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", used > 0 ? "|" : "",
					 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
stored_tokens_are_folded_words_and_the_vocabulary_holds_their_stems(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "Cooperation");
	assert_string_equal(tokens_of(db, 1), "cooperation");
	assert_string_equal(vocabulary_of(db), "cooper=cooperation");
	/* A word that is its own stem is there too: other forms must reach it. */
	insert(db, 2, "Astana cooperation");
	assert_string_equal(tokens_of(db, 2), "astana|cooperation");
	assert_string_equal(vocabulary_of(db), "astana=astana|cooper=cooperation");
	/* Stemmed before folding, both folded; numbers have no stemmer and no entry. */
	insert(db, 3, "Türkiye's 2024");
	assert_string_equal(tokens_of(db, 3), "turkiye|s|2024");
	assert_string_equal(vocabulary_of(db), "astana=astana|cooper=cooperation|s=s|turkiy=turkiye");
	sqlite3_close(db);
}

static void
word_matches_every_inflected_form(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "Regional cooperation agreements");
	insert(db, 2, "States cooperate closely");
	insert(db, 3, "Gary Cooper starred in the film");
	insert(db, 4, "A cooperative bank");
	insert(db, 5, "The coop store and cooperages");
	/*
	 * All of cooperation, cooperate, cooperative stem to "cooper", and a
	 * query also matches the stem as a word: "Cooper" is found too.
	 */
	assert_string_equal(matches(db, "cooperating"), "1,2,3,4");
	assert_string_equal(matches(db, "cooperation"), "1,2,3,4");
	assert_string_equal(matches(db, "Cooper"), "1,2,3,4");
	assert_string_equal(matches(db, "coop"), "5");
	assert_string_equal(matches(db, "agreement"), "1");
	assert_string_equal(matches(db, "agreements"), "1");
	sqlite3_close(db);
}

static void
a_rolled_back_batch_has_its_words_recorded_again(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	insert(db, 1, "Walruses gathered");
	assert_string_equal(vocabulary_of(db), "gather=gathered|walrus=walruses");
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_string_equal(vocabulary_of(db), "");
	/* The same words again: the tokenizer must not trust what it recorded before the rollback. */
	insert(db, 2, "walruses gathered");
	assert_string_equal(vocabulary_of(db), "gather=gathered|walrus=walruses");
	assert_string_equal(matches(db, "walrus gathering"), "2");
	sqlite3_close(db);
}

static void
deferred_words_wait_for_the_flush_and_go_with_a_rollback(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");
	irs_error e = { IRS_OK, "" };
	tokenize_context *ctx = tokenize_defer_vocabulary(db, &e);

	(void)state;
	assert_non_null(ctx);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	insert(db, 1, "Walruses gathered");
	insert(db, 2, "zebras gathering");
	assert_string_equal(vocabulary_of(db), "");
	assert_int_equal(tokenize_flush_vocabulary(ctx), SQLITE_OK);
	assert_string_equal(vocabulary_of(db), "gather=gathered|gather=gathering|walrus=walruses|zebra=zebras");
	assert_int_equal(tokenize_flush_vocabulary(ctx), SQLITE_OK);	/* nothing left: a no-op */
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_string_equal(matches(db, "gathers"), "1,2");

	/* Waiting words of a rolled-back batch are dropped, and recorded again when they come back. */
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	insert(db, 3, "declarations");
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(tokenize_flush_vocabulary(ctx), SQLITE_OK);
	assert_null(strstr(vocabulary_of(db), "declar"));
	insert(db, 3, "declarations");
	assert_int_equal(tokenize_flush_vocabulary(ctx), SQLITE_OK);
	assert_non_null(strstr(vocabulary_of(db), "declar=declarations"));
	assert_string_equal(matches(db, "declared"), "3");
	sqlite3_close(db);
}

/* A connection without the tokenizer has nothing to defer. */
static void
deferring_needs_the_tokenizer(void **state)
{
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_null(tokenize_defer_vocabulary(db, &e));
	assert_non_null(strstr(e.msg, "not registered"));
	sqlite3_close(db);
}

static void
the_vocabulary_keeps_words_whose_documents_went(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "declarations");
	insert(db, 2, "declared");
	assert_int_equal(sqlite3_exec(db, "DELETE FROM t WHERE rowid = 1", NULL, NULL, NULL), SQLITE_OK);
	assert_string_equal(vocabulary_of(db), "declar=declarations|declar=declared");
	/* The stale word widens the query to nothing more. */
	assert_string_equal(matches(db, "declaration"), "2");
	assert_string_equal(matches(db, "\"declaration\""), "2");
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t(t, rank) VALUES('integrity-check', 1)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
}

static void
without_a_vocabulary_table_indexing_fails_and_queries_match_words_as_written(void **state)
{
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch')",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO t(body) VALUES('cooperation')", NULL, NULL, NULL),
			     SQLITE_OK);
	/* Numbers need no vocabulary. */
	insert(db, 1, "2024 1999");
	assert_string_equal(matches(db, "2024"), "1");
	assert_string_equal(matches(db, "cooperation"), "");
	sqlite3_close(db);
}

/* A reader (the daemon's connections) widens queries from the vocabulary the writer left. */
static void
a_read_only_connection_widens_queries_and_records_nothing(void **state)
{
	char dir[] = "/tmp/irs-tokenize-XXXXXX";
	char path[64], extra[80];
	sqlite3 *db = NULL, *ro = NULL;
	irs_error e = { IRS_OK, "" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(sqlite3_exec(db, IRS_VOCABULARY_SCHEMA ";"
				      "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch english russian')",
				      NULL, NULL, NULL), SQLITE_OK);
	insert(db, 1, "Regional cooperation");
	insert(db, 2, "States cooperate");
	sqlite3_close(db);

	assert_int_equal(sqlite3_open_v2(path, &ro, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(tokenize_register(ro, &e), IRS_OK);
	assert_string_equal(matches(ro, "cooperative"), "1,2");
	assert_string_equal(matches(ro, "\"regional cooperating\""), "1");
	assert_string_equal(matches(ro, "NEAR(state cooperation, 1)"), "2");
	assert_string_equal(vocabulary_of(ro), "cooper=cooperate|cooper=cooperation|region=regional|state=states");
	sqlite3_close(ro);
	unlink(path);
	snprintf(extra, sizeof(extra), "%s-journal", path);
	unlink(extra);
	assert_int_equal(rmdir(dir), 0);
}

static void
case_and_diacritics_are_folded_in_text_and_queries(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "Talks held in Türkiye last year");
	insert(db, 2, "TURKIYE and Turkey");
	insert(db, 3, "Straße café");
	assert_string_equal(matches(db, "turkiye"), "1,2");
	assert_string_equal(matches(db, "TURKIYE"), "1,2");
	assert_string_equal(matches(db, "Türkiye"), "1,2");
	assert_string_equal(matches(db, "TÜRKIYE"), "1,2");
	assert_string_equal(matches(db, "cafe"), "3");
	assert_string_equal(matches(db, "CAFÉ"), "3");
	sqlite3_close(db);
}

static void
cyrillic_is_stemmed_by_russian_and_latin_by_english(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "Программа сотрудничества");
	insert(db, 2, "Сотрудничество и развитие");
	insert(db, 3, "программы");
	assert_string_equal(matches(db, "сотрудничество"), "1,2");
	assert_string_equal(matches(db, "СОТРУДНИЧЕСТВА"), "1,2");
	assert_string_equal(matches(db, "программ"), "1,3");
	sqlite3_close(db);
}

static void
each_language_stems_only_its_own_script(void **state)
{
	sqlite3 *ru = open_index("irsearch russian");
	sqlite3 *en = open_index("irsearch english");

	(void)state;
	insert(ru, 1, "cooperation сотрудничества");
	assert_string_equal(tokens_of(ru, 1), "cooperation|сотрудничества");
	assert_string_equal(vocabulary_of(ru), "сотрудничеств=сотрудничества");
	assert_string_equal(matches(ru, "cooperating"), "");
	assert_string_equal(matches(ru, "сотрудничество"), "1");
	insert(en, 1, "cooperation сотрудничества");
	assert_string_equal(tokens_of(en, 1), "cooperation|сотрудничества");
	assert_string_equal(vocabulary_of(en), "cooper=cooperation");
	assert_string_equal(matches(en, "cooperating"), "1");
	assert_string_equal(matches(en, "сотрудничество"), "");
	sqlite3_close(ru);
	sqlite3_close(en);
}

/* Snowball's Greek stemmer strips some words entirely; found by tests/fuzz/fuzz_tokenize.c. */
static void
a_word_stemmed_to_nothing_is_its_own_stem(void **state)
{
	sqlite3 *db = open_index("irsearch greek");

	(void)state;
	insert(db, 1, "ικά");
	insert(db, 2, "ους");
	/* Not an empty stem, which every such word would share. */
	assert_string_equal(tokens_of(db, 1), "ικά");
	assert_string_equal(vocabulary_of(db), "ικά=ικά|ουσ=ουσ");
	assert_string_equal(matches(db, "ικά"), "1");
	assert_string_equal(matches(db, "ους"), "2");
	assert_string_equal(matches(db, "ικό"), "");
	sqlite3_close(db);
}

static void
default_languages_are_english_and_russian(void **state)
{
	sqlite3 *db = open_index("irsearch");

	(void)state;
	insert(db, 1, "cooperation сотрудничества");
	assert_string_equal(vocabulary_of(db), "cooper=cooperation|сотрудничеств=сотрудничества");
	sqlite3_close(db);
}

static void
turkish_words_match_with_and_without_diacritics(void **state)
{
	sqlite3 *db = open_index("irsearch turkish");

	(void)state;
	insert(db, 1, "Bölgesel işbirliği anlaşması");
	insert(db, 2, "Başka bir konu");
	assert_string_equal(matches(db, "işbirliği"), "1");
	assert_string_equal(matches(db, "isbirligi"), "1");
	assert_string_equal(matches(db, "İŞBİRLİĞİ"), "1");
	assert_string_equal(matches(db, "işbirliğine"), "1");
	sqlite3_close(db);
}

static void
prefix_query_matches_words_as_written_not_stems(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "Sanitization of records");
	insert(db, 2, "Sanity checks");
	insert(db, 3, "sanitary conditions");
	assert_string_equal(tokens_of(db, 1), "sanitization|of|records");
	assert_string_equal(matches(db, "sanitiz*"), "1");
	assert_string_equal(matches(db, "SANITIZ*"), "1");
	assert_string_equal(matches(db, "sanit*"), "1,2,3");
	assert_string_equal(matches(db, "recor*"), "1");
	sqlite3_close(db);
}

static void
exact_mark_matches_only_the_word_as_written(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");

	(void)state;
	insert(db, 1, "cooperating partners");
	insert(db, 2, "Cooperation partners");
	insert(db, 3, "Türkiye");
	assert_string_equal(matches(db, "cooperation"), "1,2");
	assert_string_equal(matches(db, "\"\x02" "cooperation\""), "2");
	assert_string_equal(matches(db, "\"\x02" "COOPERATION\""), "2");
	assert_string_equal(matches(db, "\"\x02" "cooperating\""), "1");
	assert_string_equal(matches(db, "\"\x02" "cooper\""), "");
	/* Exact is still folded. */
	assert_string_equal(matches(db, "\"\x02" "turkiye\""), "3");
	/* The mark counts only at the start of the string. */
	assert_string_equal(matches(db, "\"partners \x02" "cooperation\""), "");
	sqlite3_close(db);
}

static void
highlight_marks_stemmed_variants(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");
	sqlite3_stmt *st = NULL;

	(void)state;
	insert(db, 1, "The Astana Declarations of 2024, declared by Türkiye");
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, "declaration", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	/* "declared" shares the stem "declar". */
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
			    "The Astana [Declarations] of 2024, [declared] by Türkiye");
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, "turkiye astana", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
			    "The [Astana] Declarations of 2024, declared by [Türkiye]");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
empty_text_and_empty_queries_match_nothing(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");
	sqlite3_stmt *st = NULL;

	(void)state;
	insert(db, 1, "");
	insert(db, 2, "   ...  ");
	insert(db, 3, "words");
	assert_string_equal(tokens_of(db, 1), "");
	assert_string_equal(tokens_of(db, 2), "");
	assert_string_equal(matches(db, "\"\""), "");
	assert_string_equal(matches(db, "\"...\""), "");
	assert_string_equal(matches(db, "\"\x02\""), "");
	assert_string_equal(matches(db, "word"), "3");
	/* An empty MATCH string is FTS5's syntax error (why query_compile refuses it), not a crash. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ''", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ERROR);
	assert_non_null(strstr(sqlite3_errmsg(db), "syntax error"));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
huge_tokens_are_indexed_unstemmed_and_found_exactly(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");
	/* 70 bytes: over IRS_TOKEN_STEM_MAX, so kept as split (lower-cased, not stemmed). */
	const char *long_word = "Internationalizations_are_not_tokens_internationalizationsxxxxxxxxxxxx";
	char *text, *query, *lower;
	size_t i, n = 10000;

	(void)state;
	text = malloc(n + 32);
	query = malloc(n + 8);
	lower = malloc(strlen(long_word) + 1);
	assert_non_null(text);
	assert_non_null(query);
	assert_non_null(lower);
	memcpy(text, "before ", 7);
	memset(text + 7, 'a', n);
	strcpy(text + 7 + n, " after");
	insert(db, 1, text);
	query[0] = '"';
	memset(query + 1, 'A', n);
	strcpy(query + 1 + n, "\"");
	assert_string_equal(matches(db, query), "1");
	query[n] = '"', query[n + 1] = '\0';	/* one 'a' short */
	assert_string_equal(matches(db, query), "");
	assert_string_equal(matches(db, "before after"), "1");

	/* The long word has no '_' token chars: unicode61 splits it.  Make one 70-byte word. */
	for (i = 0; long_word[i] != '\0'; i++)
		lower[i] = long_word[i] == '_' ? 'q' : long_word[i];
	lower[i] = '\0';
	assert_int_equal(strlen(lower), 70);
	insert(db, 2, lower);
	for (i = 0; lower[i] != '\0'; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	assert_string_equal(tokens_of(db, 2), lower);
	assert_string_equal(matches(db, lower), "2");
	lower[69] = '\0';
	assert_string_equal(matches(db, lower), "");
	strcat(lower, "*");
	assert_string_equal(matches(db, lower), "2");
	free(text);
	free(query);
	free(lower);
	sqlite3_close(db);
}

/*
 * A writer's words wait in a queue while their stem-cache slots are fetched
 * (IRS_TOKEN_PREFETCH): more words than it holds, with an over-long word
 * (emitted without the cache) among them, keep their order and positions.
 */
static void
queued_words_keep_their_order_around_a_long_word(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");
	char text[512], expected[512], phrase[128];
	char long_word[IRS_TOKEN_STEM_MAX + 7];
	static const char *const words[] = { "one", "two", "three", "four", "five", "six", "seven", "eight",
					     "nine", "ten", "eleven", "twelve" };
	size_t i, nwords = sizeof(words) / sizeof(words[0]);

	(void)state;
	assert_true(nwords > IRS_TOKEN_PREFETCH + 2);
	memset(long_word, 'x', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	text[0] = expected[0] = '\0';
	for (i = 0; i < nwords; i++) {
		if (i == IRS_TOKEN_PREFETCH + 1) {
			strcat(text, long_word);
			strcat(text, " ");
			strcat(expected, long_word);
			strcat(expected, "|");
		}
		strcat(text, words[i]);
		strcat(text, i + 1 < nwords ? " " : "");
		strcat(expected, words[i]);
		strcat(expected, i + 1 < nwords ? "|" : "");
	}
	insert(db, 1, text);
	assert_string_equal(tokens_of(db, 1), expected);
	snprintf(phrase, sizeof(phrase), "\"%s %s %s\"", words[IRS_TOKEN_PREFETCH], long_word,
		 words[IRS_TOKEN_PREFETCH + 1]);
	assert_string_equal(matches(db, phrase), "1");
	snprintf(phrase, sizeof(phrase), "\"%s %s\"", words[nwords - 2], words[nwords - 1]);
	assert_string_equal(matches(db, phrase), "1");
	sqlite3_close(db);
}

static void
invalid_utf8_in_text_keeps_the_surrounding_words(void **state)
{
	sqlite3 *db = open_index("irsearch english russian");
	static const char text[] = "alpha \xff\xfe beta\xc3 gamma \xe2\x82 delta\xed\xa0\x80 epsilon\xf4\x90\x80\x80 zeta \xc3";

	(void)state;
	insert_n(db, 1, text, (int)sizeof(text) - 1);
	assert_string_equal(matches(db, "alpha"), "1");
	assert_string_equal(matches(db, "gamma"), "1");
	assert_string_equal(matches(db, "epsilon OR zeta"), "1");
	assert_string_equal(matches(db, "zeta"), "1");
	assert_string_equal(matches(db, "alpha AND zeta"), "1");
	sqlite3_close(db);
}

static void
unknown_language_fails_table_creation(void **state)
{
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_not_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch klingon')",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch english"
					  " russian french german spanish italian dutch swedish norwegian')",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch english"
				      " russian french german spanish italian dutch swedish')",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
check_languages_accepts_snowball_names_and_rejects_others(void **state)
{
	irs_error e = { IRS_OK, "" };

	(void)state;
	assert_int_equal(tokenize_check_languages("english russian", &e), IRS_OK);
	assert_int_equal(tokenize_check_languages("english,russian", &e), IRS_OK);
	assert_int_equal(tokenize_check_languages(" turkish\t, german ", &e), IRS_OK);
	assert_int_equal(tokenize_check_languages("english russian french german spanish italian dutch swedish", &e),
			 IRS_OK);

	assert_int_equal(tokenize_check_languages("klingon", &e), IRS_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "'klingon'"));
	assert_int_equal(tokenize_check_languages("english klingon", &e), IRS_BAD_REQUEST);
	assert_non_null(strstr(e.msg, "'klingon'"));
	assert_int_equal(tokenize_check_languages("", &e), IRS_BAD_REQUEST);
	assert_string_equal(e.msg, "no stemming language given");
	assert_int_equal(tokenize_check_languages(" , ", &e), IRS_BAD_REQUEST);
	assert_string_equal(e.msg, "no stemming language given");
	assert_int_equal(tokenize_check_languages("english russian french german spanish italian dutch swedish norwegian",
						  &e), IRS_BAD_REQUEST);
	assert_string_equal(e.msg, "more than 8 languages");
	/* A NULL error buffer is allowed. */
	assert_int_equal(tokenize_check_languages("klingon", NULL), IRS_BAD_REQUEST);
}

/* Two threads, each with its own connection to one file, inserting and querying at once. */

#define THREAD_ROUNDS 2000

struct worker {
	const char *path;
	int index;
	const char *tag;		/* in every row this worker writes */
	const char *tag_query;		/* an inflected form of tag */
	int failures;
	char first_failure[256];
};

static void
worker_fail(struct worker *w, const char *what, sqlite3 *db)
{
	if (w->failures++ == 0)
		snprintf(w->first_failure, sizeof(w->first_failure), "worker %d: %s: %s", w->index, what,
			 db != NULL ? sqlite3_errmsg(db) : "");
}

static int64_t
count_where(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A word made of letters only, unique to (worker, round). */
static void
unique_word(int worker, int round, char *out)
{
	int v = worker * THREAD_ROUNDS + round, i;

	out[0] = 'q';
	for (i = 1; i < 5; i++, v /= 26)
		out[i] = (char)('a' + v % 26);
	out[5] = '\0';
}

static void *
worker_run(void *p)
{
	static const char *const filler[] = {
		"declarations", "agreements", "nations", "рассмотрения", "государства", "sustainable",
		"développement", "programmes", "национальной", "cooperative", "Übersicht", "policies",
	};
	struct worker *w = p;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	char text[256], word[8];
	int round;

	if (sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    tokenize_register(db, NULL) != IRS_OK ||
	    sqlite3_busy_timeout(db, 60000) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(body) VALUES(?1)", -1, &ins, NULL) != SQLITE_OK) {
		worker_fail(w, "opening", db);
		sqlite3_close(db);
		return NULL;
	}
	for (round = 0; round < THREAD_ROUNDS && w->failures == 0; round++) {
		unique_word(w->index, round, word);
		snprintf(text, sizeof(text), "%s Cooperation сотрудничества Türkiye %s %s %s", w->tag,
			 filler[(round + w->index) % 12], filler[(round * 7) % 12], word);
		sqlite3_bind_text(ins, 1, text, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			worker_fail(w, "inserting", db);
		sqlite3_reset(ins);
		if (count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", w->tag_query) != round + 1)
			worker_fail(w, "counting own rows", db);
		if (count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", word) != 1)
			worker_fail(w, "finding the unique word", db);
		if (round % 50 == 0) {
			/* One snapshot: every row has every one of these words. */
			int64_t all, a, b, c;

			if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
				worker_fail(w, "BEGIN", db);
			all = count_where(db, "SELECT count(*) FROM t", NULL);
			a = count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", "cooperating");
			b = count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", "сотрудничество");
			c = count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", "TURKIYE");
			if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
				worker_fail(w, "COMMIT", db);
			if (all < round + 1 || a != all || b != all || c != all)
				worker_fail(w, "inconsistent counts in one snapshot", NULL);
		}
	}
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return NULL;
}

static void
two_threads_with_own_connections_get_consistent_results(void **state)
{
	char dir[] = "/tmp/irs-tokenize-XXXXXX";
	char path[64];
	struct worker w[2] = {
		{ NULL, 0, "zebras", "zebra", 0, "" },
		{ NULL, 1, "walruses", "walrus", 0, "" },
	};
	pthread_t th[2];
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
				      IRS_VOCABULARY_SCHEMA ";"
				      "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch english russian')",
				      NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 2; i++) {
		w[i].path = path;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 2; i++)
		if (w[i].failures != 0)
			fail_msg("%d failures, first: %s", w[i].failures, w[i].first_failure);
	assert_int_equal(count_where(db, "SELECT count(*) FROM t", NULL), 2 * THREAD_ROUNDS);
	assert_int_equal(count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", "zebra"), THREAD_ROUNDS);
	assert_int_equal(count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", "walrus NOT zebra"),
			 THREAD_ROUNDS);
	assert_int_equal(count_where(db, "SELECT count(*) FROM t WHERE t MATCH ?1", "declaration"),
			 count_where(db, "SELECT count(*) FROM t WHERE body LIKE '%declarations%'", NULL));
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t(t, rank) VALUES('integrity-check', 1)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	index_files_remove(path, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stored_tokens_are_folded_words_and_the_vocabulary_holds_their_stems),
		cmocka_unit_test(word_matches_every_inflected_form),
		cmocka_unit_test(a_rolled_back_batch_has_its_words_recorded_again),
		cmocka_unit_test(deferred_words_wait_for_the_flush_and_go_with_a_rollback),
		cmocka_unit_test(deferring_needs_the_tokenizer),
		cmocka_unit_test(the_vocabulary_keeps_words_whose_documents_went),
		cmocka_unit_test(without_a_vocabulary_table_indexing_fails_and_queries_match_words_as_written),
		cmocka_unit_test(a_read_only_connection_widens_queries_and_records_nothing),
		cmocka_unit_test(case_and_diacritics_are_folded_in_text_and_queries),
		cmocka_unit_test(cyrillic_is_stemmed_by_russian_and_latin_by_english),
		cmocka_unit_test(each_language_stems_only_its_own_script),
		cmocka_unit_test(a_word_stemmed_to_nothing_is_its_own_stem),
		cmocka_unit_test(default_languages_are_english_and_russian),
		cmocka_unit_test(turkish_words_match_with_and_without_diacritics),
		cmocka_unit_test(prefix_query_matches_words_as_written_not_stems),
		cmocka_unit_test(exact_mark_matches_only_the_word_as_written),
		cmocka_unit_test(highlight_marks_stemmed_variants),
		cmocka_unit_test(empty_text_and_empty_queries_match_nothing),
		cmocka_unit_test(huge_tokens_are_indexed_unstemmed_and_found_exactly),
		cmocka_unit_test(queued_words_keep_their_order_around_a_long_word),
		cmocka_unit_test(invalid_utf8_in_text_keeps_the_surrounding_words),
		cmocka_unit_test(unknown_language_fails_table_creation),
		cmocka_unit_test(check_languages_accepts_snowball_names_and_rejects_others),
		cmocka_unit_test(two_threads_with_own_connections_get_consistent_results),
	};

	return cmocka_run_group_tests_name("tokenize", tests, NULL, NULL);
}
