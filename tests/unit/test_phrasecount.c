/*
 * test_phrasecount.c - a phrase of one word counted from its forms holds
 * the rows FTS5 finds for the phrase, under its column filters; what
 * query.c does not write, or a prefix or a phrase of several words, is
 * left to the caller; a MATCH rewritten with its words' forms ORed holds
 * the same rows, widens only words (not NEAR's, prefixes or phrases of
 * several words), stays within PHRASE_FORMS_MAX phrases, and its kept
 * snippet hits, told the words, are the words' own; a phrase of several
 * words whose one word fills pages against the others is split by that
 * word's forms (the same rows, the same hits), and left whole when the
 * index's sizes cannot be read so or the copies pass their caps.  (irs_rank's scores
 * with these counts against xQueryPhrase's, and with the forms ORed:
 * test_rank.c.)
 */
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

#include "irsearch/phrasecount.h"
#include "irsearch/snippet.h"
#include "irsearch/tokenize.h"
#include "connections.h"

static sqlite3 *
open_index(const char *tokenize)
{
	static const char *words[] = { "policy", "policies", "summit", "security", "secure", "trade" };
	sqlite3 *db = connection_open(":memory:", 0);
	char sql[512];
	int i;

	snprintf(sql, sizeof(sql), "%s; CREATE VIRTUAL TABLE fts USING fts5(title, author, body, tokenize='%s')",
		 IRS_VOCABULARY_SCHEMA, tokenize);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("creating the table: %s", sqlite3_errmsg(db));
	for (i = 0; i < 60; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO fts(title, body) VALUES('%s report', '%s and %s')",
			 words[i % 6], words[(i / 6) % 6], words[(i * 7) % 6]);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("insert: %s", sqlite3_errmsg(db));
	}
	return db;
}

static int
on_count(void *ud, int ncols, char **values, char **names)
{
	(void)ncols, (void)names;
	*(sqlite3_int64 *)ud = strtoll(values[0], NULL, 10);
	return 0;
}

/* The rows FTS5 finds for match. */
static sqlite3_int64
rows_of(sqlite3 *db, const char *match)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM fts WHERE fts MATCH %Q", match);
	sqlite3_int64 n = -1;

	assert_non_null(sql);
	assert_int_equal(sqlite3_exec(db, sql, on_count, &n, NULL), SQLITE_OK);
	sqlite3_free(sql);
	return n;
}

static int
open_group(void **state)
{
	*state = open_index("irsearch english");
	return 0;
}

static int
close_group(void **state)
{
	connection_close(*state);
	return 0;
}

static void
a_word_counts_the_rows_fts5_finds_for_it(void **state)
{
	static const struct {
		const char *match;
		int nphrases, phrase;
		const char *alone;	/* the phrase alone, as FTS5 reads it */
	} cases[] = {
		{ "\"policy\"", 1, 0, "\"policy\"" },
		{ "\"summit\" AND \"policies\"", 2, 1, "\"policies\"" },
		{ "{title} : \"policy\" AND \"trade\"", 2, 0, "{title} : \"policy\"" },
		{ "{title body} : ({body} : \"secure\" OR \"trade\")", 2, 0, "{title body} : ({body} : \"secure\")" },
		{ "(\"trade\" OR (\"summit\" NOT \"security\")) AND \"secure\"", 4, 2, "\"security\"" },
		{ "NEAR(\"policy\" \"trade\", 5) AND \"summit\"", 3, 1, "\"trade\"" },
	};
	sqlite3 *db = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		phrase_counts *pc = NULL;
		sqlite3_int64 n = -1;
		int counted = 0;

		assert_int_equal(phrase_counts_open(connection_forms(db), cases[i].match, cases[i].nphrases, &pc),
				 SQLITE_OK);
		if (pc == NULL)
			fail_msg("%s: not read", cases[i].match);
		assert_int_equal(phrase_counts_rows(pc, cases[i].phrase, 1, &n, &counted), SQLITE_OK);
		if (!counted || n != rows_of(db, cases[i].alone) || n == 0)
			fail_msg("%s: %lld rows counted (%d), FTS5 finds %lld", cases[i].match, (long long)n, counted,
				 (long long)rows_of(db, cases[i].alone));
		phrase_counts_close(pc);
	}
}

static void
a_prefix_a_longer_phrase_or_another_number_is_not_counted(void **state)
{
	sqlite3 *db = *state;
	phrase_counts *pc = NULL;
	sqlite3_int64 n = -1;
	int counted = 1;

	assert_int_equal(phrase_counts_open(connection_forms(db), "\"secur\"* AND \"policy report\"", 2, &pc),
			 SQLITE_OK);
	assert_non_null(pc);
	assert_int_equal(phrase_counts_rows(pc, 0, 1, &n, &counted), SQLITE_OK);
	assert_int_equal(counted, 0);	/* a prefix */
	assert_int_equal(phrase_counts_rows(pc, 1, 2, &n, &counted), SQLITE_OK);
	assert_int_equal(counted, 0);	/* two words */
	assert_int_equal(phrase_counts_rows(pc, 2, 1, &n, &counted), SQLITE_OK);
	assert_int_equal(counted, 0);	/* no such phrase */
	assert_int_equal(phrase_counts_rows(pc, -1, 1, &n, &counted), SQLITE_OK);
	assert_int_equal(counted, 0);
	assert_int_equal(n, -1);
	phrase_counts_close(pc);
	phrase_counts_close(NULL);
}

/* "\"policy\"" in depth groups, into buf. */
static void
nested(char *buf, size_t cap, int depth)
{
	assert_true((size_t)depth * 2 + 9 <= cap);
	memset(buf, '(', (size_t)depth);
	memcpy(buf + depth, "\"policy\"", 8);
	memset(buf + depth + 8, ')', (size_t)depth);
	buf[depth * 2 + 8] = '\0';
}

/*
 * A text query.c does not write, or one FTS5 counts otherwise, or a table
 * of another tokenizer, gives no counts (and no error).
 */
static void
a_text_read_otherwise_than_fts5_reads_it_gives_no_counts(void **state)
{
	static const struct {
		const char *match;
		int nphrases;
	} cases[] = {
		{ "policy AND trade", 2 },	/* bare words */
		{ "\"policy\" + \"trade\"", 2 },
		{ "^\"policy\"", 1 },
		{ "title : \"policy\"", 1 },
		{ "\"policy", 1 },		/* an unclosed string */
		{ "(\"policy\"", 1 },		/* an unclosed group */
		{ "\"policy\")", 1 },
		{ "{title : \"policy\"", 1 },
		{ "{title} \"policy\"", 1 },	/* no colon */
		{ "NEAR \"policy\"", 1 },
		{ "NEAR(\"policy\" trade)", 2 },
		{ "\"policy\" AND \"trade\"", 3 },	/* FTS5 counts another number */
		{ "\"policy\" AND \"trade\"", 1 },
		{ "{a}:{b}:{c}:{d}:{e}: \"policy\"", 1 },	/* more column filters than kept */
	};
	sqlite3 *db = *state, *other;
	irs_error e = { IRS_OK, "" };
	phrase_tokenizer *none = NULL;
	phrase_counts *pc = NULL;
	char deep[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(phrase_counts_open(connection_forms(db), cases[i].match, cases[i].nphrases, &pc),
				 SQLITE_OK);
		if (pc != NULL)
			fail_msg("%s read as %d phrases", cases[i].match, cases[i].nphrases);
	}
	/* Groups nested as deep as PHRASE_COUNTS_MAX_DEPTH allows (the text itself is one), and one deeper. */
	nested(deep, sizeof(deep), PHRASE_COUNTS_MAX_DEPTH - 1);
	assert_int_equal(phrase_counts_open(connection_forms(db), deep, 1, &pc), SQLITE_OK);
	assert_non_null(pc);
	phrase_counts_close(pc);
	nested(deep, sizeof(deep), PHRASE_COUNTS_MAX_DEPTH);
	assert_int_equal(phrase_counts_open(connection_forms(db), deep, 1, &pc), SQLITE_OK);
	assert_null(pc);
	/* No tokenizer, no connection, no FTS5, no text: nothing to count with. */
	assert_int_equal(phrase_counts_open(NULL, "\"policy\"", 1, &pc), SQLITE_OK);
	assert_null(pc);
	assert_int_equal(phrase_tokenizer_open(NULL, tokenize_fts5_api(db, &e), &none), SQLITE_OK);
	assert_int_equal(phrase_counts_open(none, "\"policy\"", 1, &pc), SQLITE_OK);
	assert_null(pc);
	phrase_tokenizer_close(none);
	assert_int_equal(phrase_tokenizer_open(db, NULL, &none), SQLITE_OK);
	assert_int_equal(phrase_counts_open(none, "\"policy\"", 1, &pc), SQLITE_OK);
	assert_null(pc);
	phrase_tokenizer_close(none);
	phrase_tokenizer_close(NULL);
	assert_int_equal(phrase_counts_open(connection_forms(db), NULL, 1, &pc), SQLITE_OK);
	assert_null(pc);
	/* A table whose tokenize option is not the irsearch tokenizer's: its forms cannot be asked. */
	other = open_index("unicode61");
	assert_int_equal(phrase_counts_open(connection_forms(other), "\"policy\"", 1, &pc), SQLITE_OK);
	assert_null(pc);
	connection_close(other);
}

/* match rewritten (NULL when nothing was widened), *nphrases and word[] filled; the rows are the same. */
static char *
rewrite(sqlite3 *db, const char *match, unsigned char *word, int *nphrases)
{
	char *out = NULL;

	assert_int_equal(phrase_forms_rewrite(connection_forms(db), match, &out, word, nphrases), SQLITE_OK);
	if (out != NULL && rows_of(db, out) != rows_of(db, match))
		fail_msg("%s: %lld rows, rewritten as %s: %lld", match, (long long)rows_of(db, match), out,
			 (long long)rows_of(db, out));
	return out;
}

/* match rewritten as want (NULL: left as it is), FTS5's phrases numbering the query words as the digits of words. */
static void
check_rewrite(sqlite3 *db, const char *match, const char *want, const char *words)
{
	unsigned char word[PHRASE_FORMS_MAX];
	int nphrases = -1, k;
	char *out = rewrite(db, match, word, &nphrases);

	if (want == NULL) {
		if (out != NULL)
			fail_msg("%s: rewritten as %s", match, out);
		return;
	}
	if (out == NULL || strcmp(out, want) != 0)
		fail_msg("%s: rewritten as %s, want %s", match, out != NULL ? out : "nothing", want);
	assert_int_equal(nphrases, (int)strlen(words));
	for (k = 0; k < nphrases; k++)
		assert_int_equal(word[k], words[k] - '0');
	sqlite3_free(out);
}

static void
words_are_rewritten_as_their_forms_ored(void **state)
{
	static const struct {
		const char *match, *want;	/* want NULL: nothing widened */
		const char *word;		/* the query word of each phrase of want, as digits */
	} cases[] = {
		{ "\"policy\"", "(\"\x02policy\" OR \"\x02policies\")", "00" },
		{ "{title} : \"policies\" NOT \"secure\"",
		  "{title} : (\"\x02policies\" OR \"\x02policy\") NOT (\"\x02secure\" OR \"\x02security\")", "0011" },
		{ "\"summit\" AND (\"trade\" OR \"policy\")",
		  "\"summit\" AND (\"trade\" OR (\"\x02policy\" OR \"\x02policies\"))", "0122" },
		{ "NEAR(\"policy\" \"trade\", 5) AND \"security\"",
		  "NEAR(\"policy\" \"trade\", 5) AND (\"\x02security\" OR \"\x02secure\")", "0122" },
		{ "\"secur\"* AND \"policy\"", "\"secur\"* AND (\"\x02policy\" OR \"\x02policies\")", "011" },
		{ "\"policy and\" AND \"summit\"", NULL, "" },	/* a phrase of two words; a word of one form */
		{ "\"pol\"\"icy\" AND \"trade\"", NULL, "" },	/* "pol" then "icy": two words */
		{ "policy AND trade", NULL, "" },		/* not what query.c writes */
		/* A phrase of no token, which FTS5 drops from a NEAR or an implicit AND: left as it is. */
		{ "NEAR(\"\xf0\x9f\x8c\x8d\" \"trade\", 5) AND \"policy\"", NULL, "" },
		{ "\"policy\" AND \"_\"", NULL, "" },
		{ "\"policy\" \"_\"", NULL, "" },
	};
	sqlite3 *db = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_rewrite(db, cases[i].match, cases[i].want, cases[i].word);
}

/* Counts the runs of the tokenizer's statement of a stem's words: one a word read with its forms. */
static int
on_vocabulary_read(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);

	(void)type, (void)x;
	if (sql != NULL && strstr(sql, "FROM " IRS_VOCABULARY_TABLE) != NULL)
		(*(int *)ctx)++;
	return 0;
}

/*
 * The rewrite reads each phrase with the tokenizer once, and a NEAR's or
 * a prefix's words without their forms (it keeps them as they are, and
 * needs only to know they are words); a phrase of several words split
 * reads its words and forms alone besides.
 */
static void
the_rewrite_reads_each_phrase_once(void **state)
{
	static const struct {
		const char *match;
		int reads;	/* words read with their forms */
	} cases[] = {
		{ "\"policy\"", 1 },
		{ "\"policy\" AND \"summit\" OR \"trade\"", 3 },
		{ "NEAR(\"policy\" \"trade\", 5) AND \"secur\"* AND \"summit\"", 1 },
		{ "\"policy trade\"", 2 },	/* not split: no index sizes worth it */
		{ "\"policy\" AND \"_\"", 1 },	/* a phrase of no token: as it is */
	};
	sqlite3 *db = *state;
	unsigned char word[PHRASE_FORMS_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int reads = 0, nphrases = 0;
		char *out = NULL;

		sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_vocabulary_read, &reads);
		assert_int_equal(phrase_forms_rewrite(connection_forms(db), cases[i].match, &out, word, &nphrases),
				 SQLITE_OK);
		sqlite3_trace_v2(db, 0, NULL, NULL);
		sqlite3_free(out);
		if (reads != cases[i].reads)
			fail_msg("%s: %d words read with their forms, want %d", cases[i].match, reads,
				 cases[i].reads);
	}
}

/*
 * A phrase the tokenizer fails to read (here its vocabulary, a TEMP view
 * that hides the table's, fails on policy's stem: abs() overflows)
 * may have no token: the text stays as it is, though summit, read before
 * it, has 2 forms; without the failing phrase summit is widened.
 */
static void
a_phrase_the_tokenizer_cannot_read_leaves_the_text_as_it_is(void **state)
{
	sqlite3 *db = open_index("irsearch english");
	unsigned char word[PHRASE_FORMS_MAX];
	int nphrases = 0;
	char *out = NULL;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE pairs(stem, word, n);"
				      "INSERT INTO pairs VALUES('summit', 'summit', 1), ('summit', 'summits', 1),"
				      " ('polici', 'policy', -9223372036854775807 - 1);"
				      "CREATE TEMP VIEW " IRS_VOCABULARY_TABLE " AS"
				      " SELECT stem, CASE WHEN abs(n) > 0 THEN word END AS word FROM pairs",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(phrase_forms_rewrite(connection_forms(db), "\"summit\" AND \"policy\"", &out, word, &nphrases),
			 SQLITE_OK);
	if (out != NULL)
		fail_msg("rewritten as %s", out);
	assert_int_equal(phrase_forms_rewrite(connection_forms(db), "\"summit\" AND \"trade\"", &out, word, &nphrases),
			 SQLITE_OK);
	assert_non_null(out);
	assert_string_equal(out, "(\"\x02summit\" OR \"\x02summits\") AND \"trade\"");
	sqlite3_free(out);
	connection_close(db);
}

/*
 * A word whose forms would take the text past PHRASE_FORMS_MAX phrases
 * stays as it is: a word of 1 + IRS_MAX_STEM_VARIANTS forms (the
 * vocabulary's are cut there), then two words of 40 forms, of which the
 * first fits.
 */
static void
words_past_the_phrases_allowed_stay_as_they_are(void **state)
{
	sqlite3 *db = open_index("irsearch english");
	unsigned char word[PHRASE_FORMS_MAX];
	char sql[256], *out;
	int i, nphrases = 0, k;

	(void)state;
	/* 100 more words of policy's stem, 39 more of trade's and of summit's. */
	for (i = 0; i < 100; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO " IRS_VOCABULARY_TABLE "(stem, word)"
			 " VALUES('polici', 'policy%03d'), ('trade', 'trade%03d'), ('summit', 'summit%03d')", i, i, i);
		if (i >= 39)
			snprintf(sql, sizeof(sql), "INSERT INTO " IRS_VOCABULARY_TABLE "(stem, word)"
				 " VALUES('polici', 'policy%03d')", i);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	/* policy and 63 more of the 64 the vocabulary gives (one is policy itself): 64 phrases, the most. */
	out = rewrite(db, "\"policy\"", word, &nphrases);
	assert_non_null(out);
	assert_int_equal(nphrases, PHRASE_FORMS_MAX);
	sqlite3_free(out);
	/* policied, not in the index, and the 64: one too many. */
	assert_null(rewrite(db, "\"policied\"", word, &nphrases));
	out = rewrite(db, "\"trade\" AND \"summit\"", word, &nphrases);
	assert_non_null(out);
	assert_int_equal(nphrases, 41);	/* trade's 40 forms, then summit as it is */
	for (k = 0; k < nphrases; k++)
		assert_int_equal(word[k], k < 40 ? 0 : 1);
	assert_non_null(strstr(out, ") AND \"summit\""));
	sqlite3_free(out);
	connection_close(db);
}

/*
 * An index where policy fills many leaf pages, policies, its other form,
 * and summit few, and security and secure alike: small pages, one
 * segment.  "summit policy" is then
 * worth splitting by policy's forms.
 */
static sqlite3 *
open_big_index(void)
{
	sqlite3 *db = open_index("irsearch english");
	char body[4096];
	int i, k;

	assert_int_equal(sqlite3_exec(db, "INSERT INTO fts(fts, rank) VALUES('pgsz', 128)", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	for (i = 0; i < 200; i++) {
		size_t n = 0;

		for (k = 0; k < 120; k++)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s ",
			                      k % 40 == 3 && i % 10 == 0 ? "summit"
			                      : (i * 7 + k) % 23 == 0    ? "policies"
			                      : k % 3 == 0               ? "trade"
			                      : k % 3 == 1 ? (k % 2 ? "security" : "secure")
			                                   : "policy");
		if (i % 10 == 0)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "summit policies trade");
		{
			char *sql = sqlite3_mprintf(
			        "INSERT INTO fts(title, body) VALUES('%s report', %Q)",
			        i % 2 ? "policy" : "trade", body);

			assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
			sqlite3_free(sql);
		}
	}
	assert_int_equal(
	        sqlite3_exec(db, "INSERT INTO fts(fts) VALUES('optimize')", NULL, NULL, NULL),
	        SQLITE_OK);
	return db;
}

/*
 * A phrase of several words one of which fills many pages against the
 * others is split by that word's forms, each copy exact at the word,
 * the other words as written; the same rows; each copy maps to the
 * phrase.  Counted split, it holds the rows FTS5 finds for it.
 */
static void
a_phrase_of_a_big_word_is_split_by_its_forms(void **state)
{
	static const struct {
		const char *match, *want; /* want NULL: left whole */
		const char *word;
	} cases[] = {
	        {"\"summit policy\"",
	         "(\"summit\" + \"\x02policy\" OR \"summit\" + \"\x02policies\")", "00"},
	        {"{body} : \"summit policies\" AND \"trade\"",
	         "{body} : (\"summit\" + \"\x02policies\" OR \"summit\" + \"\x02policy\") AND "
	         "\"trade\"",
	         "001"},
	        {"\"policy summit\" OR \"summit\"",
	         "(\"\x02policy\" + \"summit\" OR \"\x02policies\" + \"summit\") OR \"summit\"",
	         "001"},
	        {"\"summit summit policy\"",
	         "(\"summit\" + \"summit\" + \"\x02policy\" OR \"summit\" + \"summit\" + "
	         "\"\x02policies\")",
	         "00"},
	        {"\"summit policy trade\"",
	         "(\"summit\" + \"\x02policy\" + \"trade\" OR \"summit\" + \"\x02policies\" + "
	         "\"trade\")",
	         "00"},
	        {"NEAR(\"summit policy\" \"trade\")", NULL, ""}, /* in a NEAR: whole */
	        {"\"summit poli\"*", NULL, ""},                  /* a prefix: whole */
	        {"\"policy trade\"", "(\"\x02policy\" + \"trade\" OR \"\x02policies\" + \"trade\")",
	         "00"},
	        {"\"summit security\"", NULL, ""}, /* security and secure alike: not worth it */
	};
	static const char *counted[] = {
	        "\"summit policy\"", "{title body} : \"summit policy\"", "\"policy summit\"",
	        "{body} : (\"trade\" OR \"summit policies\")", "\"policy trade\""};
	sqlite3 *db = open_big_index();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_rewrite(db, cases[i].match, cases[i].want, cases[i].word);
	for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
		phrase_counts *pc = NULL;
		sqlite3_int64 n = -1;
		int counted_ = 0, last;
		char *one;

		assert_int_equal(phrase_counts_open(connection_forms(db), counted[i], -1, &pc),
		                 SQLITE_OK);
		assert_non_null(pc);
		last = strstr(counted[i], "OR") != NULL; /* the phrase counted is the last one */
		assert_int_equal(phrase_counts_split_rows(pc, last, &n, &counted_), SQLITE_OK);
		assert_int_equal(counted_, 1);
		one = last ? sqlite3_mprintf("{body} : \"summit policies\"")
		           : sqlite3_mprintf("%s", counted[i]);
		if (n != rows_of(db, one) || n <= 0)
			fail_msg("%s: %lld rows counted split, FTS5 finds %lld", one, (long long)n,
			         (long long)rows_of(db, one));
		sqlite3_free(one);
		phrase_counts_close(pc);
	}
	connection_close(db);
}

/*
 * The forms' sizes come from fts_idx: one that cannot be read, or reads
 * oddly (a term's next entry on an earlier page), or no segments, leaves
 * the phrase whole, and the rows are still counted as written.  (A TEMP
 * fts_idx hides the table's from an unqualified name; FTS5 names its own.)
 */
static void
an_index_not_read_so_leaves_the_phrase_whole(void **state)
{
	static const char *hide[] = {
	        "CREATE TEMP TABLE fts_idx(segid, term, pgno, PRIMARY KEY(segid, term))",
	        /* 0policyZ, the entry after policy, on a page before the one policy begins on */
	        "INSERT INTO temp.fts_idx VALUES(1, x'', 400), (1, x'30706f6c6963795a', 2)",
	        "DROP TABLE temp.fts_idx; CREATE TEMP TABLE fts_idx(segid, term)", /* no pgno */
	        "INSERT INTO temp.fts_idx VALUES('x', x'30')",
	};
	sqlite3 *db = open_big_index();
	unsigned char word[PHRASE_FORMS_MAX];
	size_t i;
	int nphrases = 0;
	char *out = rewrite(db, "\"summit policy\"", word, &nphrases);

	(void)state;
	assert_non_null(out); /* split with the table's own */
	sqlite3_free(out);
	for (i = 0; i < sizeof(hide) / sizeof(hide[0]); i++) {
		phrase_counts *pc = NULL;
		sqlite3_int64 n = -1;
		int counted = 0;

		assert_int_equal(sqlite3_exec(db, hide[i], NULL, NULL, NULL), SQLITE_OK);
		out = rewrite(db, "\"summit policy\"", word, &nphrases);
		if (out != NULL)
			fail_msg("after %s: rewritten as %s", hide[i], out);
		assert_int_equal(phrase_counts_open(connection_forms(db), "\"summit policy\"", -1, &pc),
		                 SQLITE_OK);
		assert_int_equal(phrase_counts_split_rows(pc, 0, &n, &counted), SQLITE_OK);
		assert_int_equal(counted, 1);
		assert_int_equal(n, rows_of(db, "\"summit policy\""));
		phrase_counts_close(pc);
	}
	connection_close(db);
}

/*
 * A word of more than PHRASE_SPLIT_MAX_COPIES forms does not split its
 * phrase, nor do copies that would take the text past PHRASE_FORMS_MAX
 * phrases.
 */
static void
splits_past_their_caps_leave_the_phrase_whole(void **state)
{
	sqlite3 *db = open_big_index();
	unsigned char word[PHRASE_FORMS_MAX];
	sqlite3_str *many = sqlite3_str_new(NULL);
	char sql[256], *text, *out;
	int i, nphrases = 0;

	(void)state;
	/* 62 phrases after it: 2 copies make 64, the most; 63 after it, 65. */
	sqlite3_str_appendall(many, "\"summit policy\"");
	for (i = 0; i < 62; i++)
		sqlite3_str_appendall(many, " AND \"trade\"");
	text = sqlite3_str_finish(many);
	out = rewrite(db, text, word, &nphrases);
	assert_non_null(out);
	assert_int_equal(nphrases, PHRASE_FORMS_MAX);
	sqlite3_free(out);
	out = sqlite3_mprintf("%s AND \"trade\"", text);
	assert_null(rewrite(db, out, word, &nphrases));
	sqlite3_free(out);
	sqlite3_free(text);
	/*
	 * policy, policies and 7 more (not in the index): a word of more
	 * forms than PHRASE_SPLIT_MAX_COPIES, left whole.  (Fewer forms not
	 * in the index, sorted after policy, read as big as policy's pages
	 * in fts_idx, which also leaves the phrase whole: the estimate only
	 * costs speed.)
	 */
	for (i = 0; i < PHRASE_SPLIT_MAX_COPIES - 1; i++) {
		snprintf(sql, sizeof(sql),
		         "INSERT INTO " IRS_VOCABULARY_TABLE
		         "(stem, word) VALUES('polici', 'policy%02d')",
		         i);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	out = rewrite(db, "\"summit policy\"", word, &nphrases);
	if (out != NULL)
		fail_msg("a word of %d forms: rewritten as %s", PHRASE_SPLIT_MAX_COPIES + 1, out);
	connection_close(db);
}

/* irs_snippet_hits of each row of match, its bytes joined, with words (one byte a phrase) or without. */
static char *
hits_of(sqlite3 *db, const char *match, const unsigned char *word, int nphrases)
{
	sqlite3_stmt *st = NULL;
	sqlite3_str *all = sqlite3_str_new(NULL);

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, irs_snippet_hits(fts, ?2) FROM fts WHERE fts MATCH ?1",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	if (word != NULL)
		sqlite3_bind_blob(st, 2, word, nphrases, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(st, 1);
		int i;

		sqlite3_str_appendf(all, "%lld:", sqlite3_column_int64(st, 0));
		for (i = 0; i < sqlite3_column_bytes(st, 1); i++)
			sqlite3_str_appendf(all, "%02x", b[i]);
		sqlite3_str_appendchar(all, 1, '\n');
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	return sqlite3_str_finish(all);
}

/*
 * Told the words, the rewritten MATCH's kept hits are the words' own: a
 * passage of many forms of one word holds one distinct query phrase.
 */
static void
kept_hits_of_forms_carry_their_word(void **state)
{
	static const char *matches[] = { "\"policy\"", "\"policies\" AND \"secure\"", "\"summit\" OR \"security\"" };
	sqlite3 *db = *state;
	irs_error e = { IRS_OK, "" };
	unsigned char word[PHRASE_FORMS_MAX];
	size_t i;

	assert_int_equal(snippet_register(db, &e), IRS_OK);
	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		int nphrases = 0;
		char *out = rewrite(db, matches[i], word, &nphrases), *want, *got;

		assert_non_null(out);
		want = hits_of(db, matches[i], NULL, 0);
		got = hits_of(db, out, word, nphrases);
		if (strcmp(want, got) != 0 || strlen(want) < 100)
			fail_msg("%s: hits as written\n%.400s\nas %s\n%.400s", matches[i], want, out, got);
		sqlite3_free(want);
		sqlite3_free(got);
		sqlite3_free(out);
	}
	/* A phrase split by its big word's forms keeps the phrase's hits: its number, its span. */
	{
		static const char *split[] = {"\"summit policy\"",
		                              "\"policy summit\" AND \"trade\"",
		                              "{body} : \"summit policies\" OR \"trade\""};
		sqlite3 *big = open_big_index();

		assert_int_equal(snippet_register(big, &e), IRS_OK);
		for (i = 0; i < sizeof(split) / sizeof(split[0]); i++) {
			int nphrases = 0;
			char *out = rewrite(big, split[i], word, &nphrases), *want, *got;

			assert_non_null(out);
			assert_non_null(strstr(out, " + "));
			want = hits_of(big, split[i], NULL, 0);
			got = hits_of(big, out, word, nphrases);
			if (strcmp(want, got) != 0 || strlen(want) < 100)
				fail_msg("%s: hits as written\n%.400s\nas %s\n%.400s", split[i],
				         want, out, got);
			sqlite3_free(want);
			sqlite3_free(got);
			sqlite3_free(out);
		}
		connection_close(big);
	}
	/* A words blob of another length than the phrases is refused. */
	{
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_snippet_hits(fts, x'0000') FROM fts"
						    " WHERE fts MATCH 'policy'", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ERROR);
		sqlite3_finalize(st);
	}
}

/* Counts the runs of the statement that reads the table's tokenize option. */
static int
on_option_read(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);

	(void)type, (void)x;
	if (sql != NULL && strstr(sql, "FROM sqlite_schema") != NULL)
		(*(int *)ctx)++;
	return 0;
}

/*
 * match rewritten and its phrases' rows counted (the second as the rewrite
 * splits it, its index sizes read) through forms: the rewrite's text
 * (sqlite3_free), the counts in n[0] and n[1].
 */
static char *
rewrite_and_count(phrase_tokenizer *forms, sqlite3_int64 *n)
{
	static const char *match = "\"policy\" AND \"summit policy\"";
	unsigned char word[PHRASE_FORMS_MAX];
	phrase_counts *pc = NULL;
	char *out = NULL;
	int nphrases = 0, counted = 0;

	assert_int_equal(phrase_forms_rewrite(forms, match, &out, word, &nphrases), SQLITE_OK);
	assert_int_equal(phrase_counts_open(forms, match, 2, &pc), SQLITE_OK);
	*n = -1;
	if (pc != NULL) {
		assert_int_equal(phrase_counts_rows(pc, 0, 1, n, &counted), SQLITE_OK);
		assert_int_equal(counted, 1);
		assert_int_equal(phrase_counts_split_rows(pc, 1, n + 1, &counted), SQLITE_OK);
		assert_int_equal(counted, 1);
	}
	phrase_counts_close(pc);
	return out;
}

/*
 * A connection's tokenizer is made once, the table's option read once,
 * for every rewrite and count of its statements, which read as with a
 * tokenizer made for each; a connection with no table yet gets none, and
 * one once the table is made.  Made, it keeps sqlite3_close from closing
 * the connection until it is freed (the store frees it first).
 */
static void
one_tokenizer_serves_every_statement_of_its_connection(void **state)
{
	sqlite3 *db = connection_open(":memory:", 0);
	irs_error e = { IRS_OK, "" };
	phrase_tokenizer *fresh = NULL;
	sqlite3_int64 n[2], m[2];
	int reads = 0, i;
	char *out, *want;

	(void)state;
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_option_read, &reads);
	out = rewrite_and_count(connection_forms(db), n);
	assert_null(out);
	assert_int_equal(n[0], -1);
	assert_int_equal(reads, 2);	/* no table: asked again */
	sqlite3_trace_v2(db, 0, NULL, NULL);
	connection_close(db);

	db = open_index("irsearch english");
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_option_read, &reads);
	reads = 0;
	for (i = 0; i < 5; i++) {
		out = rewrite_and_count(connection_forms(db), n);
		assert_int_equal(phrase_tokenizer_open(db, tokenize_fts5_api(db, &e), &fresh),
				 SQLITE_OK);
		want = rewrite_and_count(fresh, m);
		phrase_tokenizer_close(fresh);
		assert_non_null(out);
		assert_string_equal(out, want);
		assert_int_equal(n[0], rows_of(db, "\"policy\""));
		assert_int_equal(n[0], m[0]);
		assert_int_equal(n[1], rows_of(db, "\"summit policy\""));
		assert_int_equal(n[1], m[1]);
		sqlite3_free(out);
		sqlite3_free(want);
	}
	assert_int_equal(reads, 1 + 5);	/* the connection's once, each fresh one's once */
	sqlite3_trace_v2(db, 0, NULL, NULL);
	/* The instance's vocabulary statement keeps the connection open. */
	assert_int_equal(sqlite3_close(db), SQLITE_BUSY);
	connection_close(db);
}

/*
 * Each connection has its own tokenizer, for its own table: rewrites on
 * two, one after the other, each as its table's option and vocabulary say.
 */
static void
each_connection_has_its_own_tokenizer(void **state)
{
	sqlite3 *english = open_index("irsearch english");
	sqlite3 *russian = open_index("irsearch russian");
	unsigned char word[PHRASE_FORMS_MAX];
	int i, nphrases;
	char *out;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(phrase_forms_rewrite(connection_forms(english), "\"policy\"", &out, word,
						      &nphrases),
				 SQLITE_OK);
		assert_non_null(out);
		assert_string_equal(out, "(\"\x02policy\" OR \"\x02policies\")");
		sqlite3_free(out);
		/* No Russian stem of an English word: policy is one form there. */
		assert_int_equal(phrase_forms_rewrite(connection_forms(russian), "\"policy\"", &out, word,
						      &nphrases),
				 SQLITE_OK);
		assert_null(out);
	}
	connection_close(russian);
	connection_close(english);
}

static int
on_checkpoint(void *ud, int ncols, char **values, char **names)
{
	(void)names;
	assert_int_equal(ncols, 3);
	snprintf(ud, 32, "%s %s %s", values[0], values[1], values[2]);
	return 0;
}

/* A write, then PRAGMA wal_checkpoint(TRUNCATE) on writer: "busy log checkpointed" into result. */
static void
checkpoint(sqlite3 *writer, char *result)
{
	assert_int_equal(sqlite3_exec(writer, "INSERT INTO fts(title, body) VALUES('summit', 'trade')",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(writer, "PRAGMA wal_checkpoint(TRUNCATE)", on_checkpoint, result,
				      NULL), SQLITE_OK);
}

/*
 * Between a reader's statements its tokenizer holds no read transaction
 * (its vocabulary statement reset): a writer's checkpoint then takes the
 * whole WAL back into the database, after rewrites and counts in their
 * own transactions or in the reader's BEGIN ... COMMIT.  While the reader
 * is in its transaction the checkpoint is refused, as it must be.
 */
static void
no_read_transaction_is_kept_between_statements(void **state)
{
	char dir[] = "/tmp/test_phrasecount.XXXXXX", path[64], result[32];
	sqlite3 *writer, *reader;
	sqlite3_int64 n[2];
	char *out;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index.db", dir);
	writer = connection_open(path, 0);
	assert_int_equal(sqlite3_exec(writer, "PRAGMA journal_mode = WAL; " IRS_VOCABULARY_SCHEMA ";"
				      "CREATE VIRTUAL TABLE fts USING fts5(title, author, body,"
				      " tokenize='irsearch english');"
				      "INSERT INTO fts(title, body) VALUES"
				      " ('policy report', 'policies and summit trade'),"
				      " ('summit', 'the policy'), ('trade', 'summit trade policy')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	reader = connection_open(path, 0);
	out = rewrite_and_count(connection_forms(reader), n);
	assert_non_null(out);
	sqlite3_free(out);
	assert_int_equal(sqlite3_txn_state(reader, NULL), SQLITE_TXN_NONE);
	checkpoint(writer, result);
	assert_string_equal(result, "0 0 0");

	assert_int_equal(sqlite3_exec(reader, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	out = rewrite_and_count(connection_forms(reader), n);
	assert_non_null(out);
	sqlite3_free(out);
	checkpoint(writer, result);
	assert_int_equal(result[0], '1');	/* busy: the reader's snapshot */
	assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_txn_state(reader, NULL), SQLITE_TXN_NONE);
	checkpoint(writer, result);
	assert_string_equal(result, "0 0 0");

	connection_close(reader);
	connection_close(writer);
	index_files_remove(path, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(a_word_counts_the_rows_fts5_finds_for_it),
	        cmocka_unit_test(a_prefix_a_longer_phrase_or_another_number_is_not_counted),
	        cmocka_unit_test(a_text_read_otherwise_than_fts5_reads_it_gives_no_counts),
	        cmocka_unit_test(words_are_rewritten_as_their_forms_ored),
	        cmocka_unit_test(words_past_the_phrases_allowed_stay_as_they_are),
	        cmocka_unit_test(the_rewrite_reads_each_phrase_once),
	        cmocka_unit_test(a_phrase_the_tokenizer_cannot_read_leaves_the_text_as_it_is),
	        cmocka_unit_test(kept_hits_of_forms_carry_their_word),
	        cmocka_unit_test(a_phrase_of_a_big_word_is_split_by_its_forms),
	        cmocka_unit_test(an_index_not_read_so_leaves_the_phrase_whole),
	        cmocka_unit_test(splits_past_their_caps_leave_the_phrase_whole),
	        cmocka_unit_test(one_tokenizer_serves_every_statement_of_its_connection),
	        cmocka_unit_test(each_connection_has_its_own_tokenizer),
	        cmocka_unit_test(no_read_transaction_is_kept_between_statements),
	};

	return cmocka_run_group_tests(tests, open_group, close_group);
}
