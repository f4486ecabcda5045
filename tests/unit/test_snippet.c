/*
 * test_snippet.c - irs_snippet against FTS5's own highlight(): every passage
 * is a piece of the highlighted body, with the same words marked, and its
 * page is the page it comes from.  The snippet maps positions to bytes by
 * counting words itself where it can; highlight() tokenizes the whole body,
 * so any disagreement between the two shows here.  The snippet map
 * (snippet_map.c) is tested here too, through irs_snippet_map and
 * irs_snippet_at: what proves a map right or turned away is the snippet
 * made with it, the same bytes as irs_snippet's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "irsearch/snippet.h"
#include "irsearch/tokenize.h"

static sqlite3 *
open_index(void)
{
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(snippet_register(db, &e), IRS_OK);
	if (sqlite3_exec(db, IRS_VOCABULARY_SCHEMA ";"
			 "CREATE VIRTUAL TABLE fts USING fts5(title, author, body,"
			 " tokenize='irsearch english russian')", NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("creating the table: %s", sqlite3_errmsg(db));
	return db;
}

static void
insert(sqlite3 *db, int64_t id, const char *body)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO fts(rowid, body) VALUES(?1, ?2)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fail_msg("insert: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

/* The pages (1 + form feeds) of text before the end of the first occurrence of piece in whole. */
static int
page_of(const char *whole, const char *piece)
{
	const char *at = strstr(whole, piece), *p;
	int page = 1;

	assert_non_null(at);
	for (p = whole; p < at; p++)
		page += *p == '\f';
	return page;
}

/*
 * irs_snippet_from on the kept hits of document id (an irs_snippet_hits
 * blob) and its body, without a MATCH: the caller frees the result, NULL
 * for SQL's NULL (irs_snippet's value for a body of no words).
 */
static char *
snippet_from(sqlite3 *db, int64_t id, const void *hits, int nhits, int tokens)
{
	sqlite3_stmt *st = NULL;
	char *snip;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_snippet_from(?1, (SELECT body FROM fts WHERE rowid = ?2),"
					    " '[', ']', ?3, 3)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, hits, nhits, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int(st, 3, tokens);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("irs_snippet_from on %lld: %s", (long long)id, sqlite3_errmsg(db));
	snip = sqlite3_column_type(st, 0) != SQLITE_NULL ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
	assert_true(snip != NULL || sqlite3_column_type(st, 0) == SQLITE_NULL);
	sqlite3_finalize(st);
	return snip;
}

/*
 * irs_snippet_at on the kept hits of document id, its body read from
 * fts_content through a blob handle, with map the SQL expression that
 * gives its snippet map (?2 the id), the document's hash 7: the caller
 * frees the result.
 */
static char *
snippet_at(sqlite3 *db, int64_t id, const void *hits, int nhits, int tokens, const char *map)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_mprintf("SELECT irs_snippet_at(?1, ?2, %s, 7, '[', ']', ?3, 3)", map), *snip;

	assert_non_null(sql);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_bind_blob(st, 1, hits, nhits, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int(st, 3, tokens);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("irs_snippet_at on %lld: %s", (long long)id, sqlite3_errmsg(db));
	snip = sqlite3_column_type(st, 0) != SQLITE_NULL ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return snip;
}

/* The snippet map's expression for the row ?2 (as the writer makes it, the document's hash 7), and none. */
#define MAP_OF_ROW "irs_snippet_map((SELECT body FROM fts WHERE rowid = ?2), 7)"
#define NO_MAP "NULL"

/* irs_snippet_at with the map expression map must give want (NULL: SQL's NULL). */
static void
expect_at(sqlite3 *db, int64_t id, const void *hits, int nhits, int tokens, const char *map, const char *want,
	  const char *query)
{
	char *at = snippet_at(db, id, hits, nhits, tokens, map);

	if (at == NULL || want == NULL) {
		if (at != want)
			fail_msg("query %s, document %lld, map %s: \"%s\", irs_snippet \"%s\"", query, (long long)id, map,
				 at != NULL ? at : "(null)", want != NULL ? want : "(null)");
	} else if (strcmp(at, want) != 0) {
		fail_msg("query %s, document %lld, map %s: \"%s\", irs_snippet \"%s\"", query, (long long)id, map, at,
			 want);
	}
	free(at);
}

/*
 * Runs the query on document id and checks each passage: its text, without
 * the "..." that mark cuts, is in highlight()'s body with the same marks,
 * it holds a marked word, and in a paged body it stays on one page and
 * says which.  The same snippet made from the row's kept hits
 * (irs_snippet_from), and from them and the body's blob (irs_snippet_at)
 * with and without its map, must be the same bytes.
 */
static int
check_snippet(sqlite3 *db, int64_t id, const char *query, int tokens, int paged)
{
	sqlite3_stmt *st = NULL;
	char *snip, *whole, *from, *p;
	int passages = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_snippet(fts, '[', ']', ?1, 3), highlight(fts, 2, '[', ']'),"
					    " irs_snippet_hits(fts) FROM fts WHERE fts MATCH ?2 AND rowid = ?3",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int(st, 1, tokens);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s in %lld: %s", query, (long long)id, sqlite3_errmsg(db));
	snip = strdup((const char *)sqlite3_column_text(st, 0));
	whole = strdup((const char *)sqlite3_column_text(st, 1));
	assert_int_equal(sqlite3_column_type(st, 2), SQLITE_BLOB);
	from = snippet_from(db, id, sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), tokens);
	expect_at(db, id, sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), tokens, MAP_OF_ROW, snip, query);
	expect_at(db, id, sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), tokens, NO_MAP, snip, query);
	sqlite3_finalize(st);
	assert_non_null(snip);
	assert_non_null(whole);
	assert_non_null(from);
	if (strcmp(snip, from) != 0)
		fail_msg("query %s, document %lld: from kept hits \"%s\", irs_snippet \"%s\"", query, (long long)id,
			 from, snip);
	free(from);
	for (p = snip; *p != '\0';) {
		char *sep = strchr(p, SNIPPET_PAGE_SEP), *end, *text;
		int page;
		size_t n;

		assert_non_null(sep);
		page = atoi(p);
		end = strchr(sep, SNIPPET_PASSAGE_SEP);
		if (end != NULL)
			*end = '\0';
		text = sep + 1;
		if (strncmp(text, "...", 3) == 0)
			text += 3;
		n = strlen(text);
		if (n >= 3 && strcmp(text + n - 3, "...") == 0 && strstr(whole, text) == NULL)
			text[n - 3] = '\0';
		if (strstr(whole, text) == NULL)
			fail_msg("query %s, document %lld: passage \"%s\" is not in the highlighted body", query,
				 (long long)id, text);
		if (strchr(text, '[') == NULL)
			fail_msg("query %s, document %lld: passage \"%s\" marks nothing", query, (long long)id, text);
		if (paged && strchr(text, '\f') != NULL)
			fail_msg("query %s, document %lld: passage \"%s\" crosses a page", query, (long long)id, text);
		if (paged && page != page_of(whole, text))
			fail_msg("query %s, document %lld: passage \"%s\" said page %d, is on %d", query,
				 (long long)id, text, page, page_of(whole, text));
		if (!paged)
			assert_int_equal(page, 0);
		passages++;
		p = end != NULL ? end + 1 : text + strlen(text);
	}
	free(snip);
	free(whole);
	return passages;
}

/* A long body of words and the odd mark, with the word "needle<k>" every so often. */
static char *
long_body(int words, const char *sep_every_50, int pages_every)
{
	static const char *vocab[] = { "policy", "summit", "Астана", "café", "naïve", "a→b", "x×y", "東京タワー",
				       "co-operation", "don't", "2024-07-03", "foo_bar", "Ærø", "e\xcc\x81t\xc3\xa9",
				       "\xf0\x9f\x98\x80smile", "«quoted»", "Σύνοδος", "мир", "ЁЛКА", "łódź" };
	size_t cap = (size_t)words * 24 + 64, n = 0;
	char *s = malloc(cap);
	int i;

	assert_non_null(s);
	for (i = 0; i < words; i++) {
		const char *w = vocab[(i * 7 + i / 13) % (sizeof(vocab) / sizeof(vocab[0]))];
		char needle[32];

		if (i % 97 == 0) {
			snprintf(needle, sizeof(needle), "needle%d", i / 97);
			w = needle;
		}
		n += (size_t)snprintf(s + n, cap - n, "%s%s", w, i % 50 == 49 ? sep_every_50 : " ");
		if (pages_every > 0 && i % pages_every == pages_every - 1)
			n += (size_t)snprintf(s + n, cap - n, "\f");
	}
	return s;
}

static void
passages_are_pieces_of_the_highlighted_body(void **state)
{
	sqlite3 *db = open_index();
	char *body = long_body(5000, ".\n\n", 0);
	char q[32];
	int k;

	(void)state;
	insert(db, 1, body);
	for (k = 0; k < 5000 / 97; k += 3) {
		snprintf(q, sizeof(q), "needle%d", k);
		assert_true(check_snippet(db, 1, q, 12, 0) >= 1);
	}
	/* Several phrases: up to three passages, read in body order, shown best first. */
	assert_true(check_snippet(db, 1, "needle3 OR needle40 OR needle17", 10, 0) == 3);
	/* Prefixes matching hundreds of words: a window weighs only the matches inside it. */
	assert_true(check_snippet(db, 1, "pol*", 12, 0) >= 1);
	assert_true(check_snippet(db, 1, "needle* OR summit OR co*", 10, 0) >= 1);
	/* Words whose split only the tokenizer knows. */
	assert_true(check_snippet(db, 1, "ёлка", 8, 0) >= 1);
	assert_true(check_snippet(db, 1, "smile", 8, 0) >= 1);
	assert_true(check_snippet(db, 1, "東京タワー", 8, 0) >= 1);
	assert_true(check_snippet(db, 1, "b AND y", 8, 0) >= 1);
	assert_true(check_snippet(db, 1, "łódź", 8, 0) >= 1);
	assert_true(check_snippet(db, 1, "ete", 8, 0) >= 1);
	free(body);
	sqlite3_close(db);
}

/*
 * ASCII prose, where the scan counts eight bytes at a time, with words of
 * every length, digits, runs of punctuation and now and then a word the
 * block must not split (an apostrophe or dash outside ASCII, a letter
 * with a diacritic) at every offset from the blocks' edges.
 */
static char *
ascii_body(int words)
{
	static const char *odd[] = { "it\xe2\x80\x99s", "a\xe2\x80\224b", "na\xc3\xafve", "caf\xc3\xa9s", "x\xc2\xa0y",
				     "\xd0\xbc\xd0\xb8\xd1\x80", "e\xcc\x81t\xc3\xa9" };
	static const char *gaps[] = { " ", ", ", ".  ", " -- ", "\n", " (", ") ", "; ", "/", "'" };
	size_t cap = (size_t)words * 32 + 64, n = 0;
	char *s = malloc(cap);
	unsigned r = 12345;
	int i, k;

	assert_non_null(s);
	for (i = 0; i < words; i++) {
		r = r * 1103515245u + 12345u;
		if (i % 89 == 0) {
			n += (size_t)snprintf(s + n, cap - n, "pin%d", i / 89);
		} else if ((r >> 8) % 23 == 0) {
			n += (size_t)snprintf(s + n, cap - n, "%s", odd[(r >> 12) % 7]);
		} else {
			for (k = 0; k < 1 + (int)((r >> 16) % 14); k++)
				s[n++] = (char)((r >> 20) % 5 == 0 ? '0' + (k + i) % 10 : 'a' + (k * 7 + i) % 26);
		}
		n += (size_t)snprintf(s + n, cap - n, "%s", gaps[(r >> 24) % 10]);
	}
	s[n] = '\0';
	return s;
}

static void
ascii_prose_counted_by_blocks_matches_the_tokenizer(void **state)
{
	sqlite3 *db = open_index();
	char *body = ascii_body(4000);
	char q[32];
	int k;

	(void)state;
	insert(db, 1, body);
	for (k = 0; k < 4000 / 89; k++) {
		snprintf(q, sizeof(q), "pin%d", k);
		assert_true(check_snippet(db, 1, q, 6 + k % 7, 0) >= 1);
	}
	assert_true(check_snippet(db, 1, "pin2 OR pin30 OR pin41", 9, 0) == 3);
	free(body);
	sqlite3_close(db);
}

static void
passages_of_a_paged_body_say_their_page(void **state)
{
	sqlite3 *db = open_index();
	char *body = long_body(3000, ",\n", 120);
	char q[32];
	int k;

	(void)state;
	insert(db, 7, body);
	for (k = 0; k < 3000 / 97; k += 2) {
		snprintf(q, sizeof(q), "needle%d", k);
		assert_true(check_snippet(db, 7, q, 30, 1) >= 1);
	}
	assert_true(check_snippet(db, 7, "needle1 OR needle29 OR needle15", 30, 1) == 3);
	free(body);
	sqlite3_close(db);
}

static void
a_match_at_either_end_of_the_body(void **state)
{
	sqlite3 *db = open_index();

	(void)state;
	insert(db, 1, "first words then many others and the last");
	insert(db, 2, "\f\f  lonely");
	insert(db, 3, "  ...  ");
	assert_true(check_snippet(db, 1, "first", 4, 0) == 1);
	assert_true(check_snippet(db, 1, "last", 4, 0) == 1);
	assert_true(check_snippet(db, 2, "lonely", 4, 1) == 1);
	sqlite3_close(db);
}

/* irs_snippet_from on the blob the SQL expression hex makes is an error, not a snippet. */
static void
expect_blob_refused(sqlite3 *db, const char *hex)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_mprintf("SELECT irs_snippet_from(%s, 'a body of words', '[', ']', 4, 3)", hex);

	assert_non_null(sql);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) != SQLITE_ERROR)
		fail_msg("irs_snippet_from took %s", hex);
	assert_string_equal(sqlite3_errmsg(db), "irs_snippet_from wants irs_snippet_hits' value");
	sqlite3_finalize(st);
	sqlite3_free(sql);
}

/*
 * Rows irs_snippet_from must treat as irs_snippet does: a match in the
 * title alone (the body's opening words), an empty body, no body; and a
 * value that is not irs_snippet_hits' is an error, not a guess.
 */
static void
snippets_from_kept_hits_match_irs_snippet_at_the_edges(void **state)
{
	sqlite3 *db = open_index();
	sqlite3_stmt *st = NULL;
	int64_t id;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "INSERT INTO fts(rowid, title, body) VALUES"
				      " (1, 'treaty', 'opening words of a long report that never says it'),"
				      " (2, 'treaty', ''), (3, 'treaty', NULL)", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, irs_snippet(fts, '[', ']', 4, 3), irs_snippet_hits(fts)"
					    " FROM fts WHERE fts MATCH 'treaty'", -1, &st, NULL),
			 SQLITE_OK);
	for (id = 1; id <= 3; id++) {
		const char *snip;
		char *from;

		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), id);
		snip = (const char *)sqlite3_column_text(st, 1);
		from = snippet_from(db, id, sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), 4);
		if (snip == NULL || from == NULL)
			assert_ptr_equal(snip, from);	/* both NULL */
		else
			assert_string_equal(from, snip);
		expect_at(db, id, sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), 4, MAP_OF_ROW, from, "treaty");
		free(from);
	}
	sqlite3_finalize(st);
	expect_blob_refused(db, "x'0102'");	/* not whole int32s */
	expect_blob_refused(db, "x'ffffffff'");	/* -1 phrases */
	/* one phrase, a match at 0..1 of phrase -1, then of phrase 1 (past the count) */
	expect_blob_refused(db, "x'01000000' || x'00000000' || x'01000000' || x'ffffffff'");
	expect_blob_refused(db, "x'01000000' || x'00000000' || x'01000000' || x'01000000'");
	/* a match that ends before it starts, one at a negative position, one past the bound */
	expect_blob_refused(db, "x'01000000' || x'05000000' || x'05000000' || x'00000000'");
	expect_blob_refused(db, "x'01000000' || x'fdffffff' || x'01000000' || x'00000000'");
	expect_blob_refused(db, "x'01000000' || x'ffffff7f' || x'00000080' || x'00000000'");
	sqlite3_close(db);
}

/* irs_snippet_at with map on query's hits in document id differs from irs_snippet's passages. */
static void
expect_differs(sqlite3 *db, int64_t id, int tokens, const char *map, const char *query)
{
	sqlite3_stmt *st = NULL;
	char *at;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_snippet(fts, '[', ']', ?1, 3), irs_snippet_hits(fts)"
					    " FROM fts WHERE fts MATCH ?2 AND rowid = ?3", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int(st, 1, tokens);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	at = snippet_at(db, id, sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), tokens, map);
	assert_non_null(at);
	if (strcmp(at, (const char *)sqlite3_column_text(st, 0)) == 0)
		fail_msg("query %s: map %s was not used", query, map);
	free(at);
	sqlite3_finalize(st);
}

/*
 * The map of table m with its first checkpoint's position one off at a
 * word's start: a map the snippet reads (it cannot tell), and whose
 * passages after that checkpoint show it was read.  (|| makes text, which
 * substr would count in characters: the edits of it want a blob.)
 */
#define POSITION_OFF "(SELECT CAST(substr(m, 1, 24) || x'01' || substr(m, 26) AS BLOB) AS m FROM m)"

/* The first checkpoint's byte, one on, inside its word: bad_maps[BYTE_ONE_ON] made from the map in from. */
#define BYTE_ONE_ON 2

static char *
map_with_byte_one_on(sqlite3 *db, const char *from)
{
	sqlite3_stmt *b = NULL;
	char *map;
	int byte;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT m FROM m", -1, &b, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	memcpy(&byte, (const char *)sqlite3_column_blob(b, 0) + 28, 4);	/* little-endian hosts */
	sqlite3_finalize(b);
	map = sqlite3_mprintf("(SELECT substr(m, 1, 28) || x'%02x%02x%02x%02x' || substr(m, 33) FROM %s)",
			      (byte + 1) & 0xff, (byte + 1) >> 8 & 0xff, (byte + 1) >> 16 & 0xff, (byte + 1) >> 24 & 0xff,
			      from);
	assert_non_null(map);
	return map;
}

/*
 * Maps that do not fit the body of table m's document, as edits of a map
 * m of it.  Words: MAP_VERSION, body bytes, hash (two words),
 * checkpoints, page breaks, then (position, byte, page) per checkpoint,
 * then the page breaks' positions.
 */
static const char *const bad_maps[] = {
	/* another body's length, another document's hash (its text rewritten by a writer of before maps) */
	"substr(m, 1, 4) || x'01000000' || substr(m, 9)", "substr(m, 1, 8) || x'08000000' || substr(m, 13)",
	"the first checkpoint one byte on, inside its word (map_with_byte_one_on)",
	/* cut short, and one word long */
	"substr(m, 1, length(m) - 4)", "m || x'00000000'",
	/* positions not increasing: the second checkpoint's set to the first's */
	"substr(m, 1, 36) || substr(m, 25, 4) || substr(m, 41)",
	/* the first checkpoint's byte past the text */
	"substr(m, 1, 28) || x'ffffff0f' || substr(m, 33)",
	/* another version, and no map at all but a stray blob */
	"x'02000000' || substr(m, 5)", "x'00'",
	/* the hash's high word another's */
	"substr(m, 1, 12) || x'01000000' || substr(m, 17)",
	/* counts of checkpoints and of page breaks below 0 or past the body's bytes */
	"substr(m, 1, 16) || x'ffffffff' || substr(m, 21)", "substr(m, 1, 16) || x'ffffff7f' || substr(m, 21)",
	"substr(m, 1, 20) || x'ffffffff' || substr(m, 25)", "substr(m, 1, 20) || x'ffffff7f' || substr(m, 25)",
	/* bytes not increasing: the second checkpoint's set to the first's, the first's to the body's start */
	"substr(m, 1, 40) || substr(m, 29, 4) || substr(m, 45)", "substr(m, 1, 28) || x'00000000' || substr(m, 33)",
	/* the first checkpoint alone, its byte past the text */
	"substr(m, 1, 16) || x'01000000' || substr(m, 21, 8) || x'ffffff0f' || substr(m, 33, 4)",
	/* the first checkpoint on page 0, before the page the body starts on */
	"substr(m, 1, 32) || x'00000000' || substr(m, 37)",
	/* the last checkpoint's position past SNIPPET_MAX_POSITION (a body without pages: the map's last words) */
	"substr(m, 1, length(m) - 12) || x'01000010' || substr(m, length(m) - 7)",
	/* two page breaks out of order, and one at a negative position */
	"substr(m, 1, 20) || x'02000000' || substr(m, 25) || x'05000000' || x'03000000'",
	"substr(m, 1, 20) || x'01000000' || substr(m, 25) || x'ffffffff'",
};

/*
 * query's snippet in document 1 made with its map (table m) and with each
 * of bad_maps, edits of the map in from, is irs_snippet's.
 */
static void
expect_bad_maps_not_used(sqlite3 *db, const char *from, const char *query)
{
	sqlite3_stmt *st = NULL;
	char *want, *map;
	size_t i;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_snippet(fts, '[', ']', 12, 3), irs_snippet_hits(fts),"
					    " (SELECT length(m) FROM m) FROM fts WHERE fts MATCH ?1 AND rowid = 1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 2) > 4 * (6 + 3 * 3));	/* several checkpoints */
	want = strdup((const char *)sqlite3_column_text(st, 0));
	assert_non_null(want);
	expect_at(db, 1, sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), 12, "(SELECT m FROM m)", want, "pins");
	for (i = 0; i < sizeof(bad_maps) / sizeof(bad_maps[0]); i++) {
		map = i == BYTE_ONE_ON ? map_with_byte_one_on(db, from)
				       : sqlite3_mprintf("(SELECT %s FROM %s)", bad_maps[i], from);
		assert_non_null(map);
		expect_at(db, 1, sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), 12, map, want, bad_maps[i]);
		sqlite3_free(map);
	}
	sqlite3_finalize(st);
	free(want);
}

/*
 * A map that does not fit the body is found out and the whole body
 * scanned instead: the snippet is irs_snippet's either way.  pin3's
 * window lies before the second checkpoint, pin6's after the first, so
 * that a bad first checkpoint is read.  Made from the map with a position
 * off, whose pin6 passage differs from irs_snippet's, a bad map also
 * shows that it was turned away, not read.
 */
static void
a_map_that_does_not_fit_the_body_is_not_used(void **state)
{
	sqlite3 *db = open_index();
	char *body = ascii_body(6000);

	(void)state;
	insert(db, 1, body);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE m AS SELECT irs_snippet_map(body, 7) AS m FROM fts WHERE rowid = 1",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	expect_bad_maps_not_used(db, "m", "pin60 OR pin3");
	expect_bad_maps_not_used(db, "m", "pin6");
	/*
	 * A checkpoint one position off at a word's start cannot be told from
	 * a right one: the map is read, not checked against a scan (the
	 * writer keeps it true).  The passage after it moves.
	 */
	expect_differs(db, 1, 12, POSITION_OFF, "pin6");
	expect_bad_maps_not_used(db, POSITION_OFF, "pin6");
	free(body);
	sqlite3_close(db);
}

/* A body shorter than a checkpoint's tokens and without page breaks gets no map; one with pages does. */
static void
short_bodies_get_no_map(void **state)
{
	sqlite3 *db = open_index();
	sqlite3_stmt *st = NULL;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_snippet_map('a few words', 1), irs_snippet_map('', 1),"
					    " irs_snippet_map(NULL, 1), length(irs_snippet_map('page one\fpage two', 1))",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(st, 0), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
	assert_int_equal(sqlite3_column_int(st, 3), 4 * (6 + 1));	/* the head and one page break */
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passages_are_pieces_of_the_highlighted_body),
		cmocka_unit_test(ascii_prose_counted_by_blocks_matches_the_tokenizer),
		cmocka_unit_test(passages_of_a_paged_body_say_their_page),
		cmocka_unit_test(a_match_at_either_end_of_the_body),
		cmocka_unit_test(snippets_from_kept_hits_match_irs_snippet_at_the_edges),
		cmocka_unit_test(a_map_that_does_not_fit_the_body_is_not_used),
		cmocka_unit_test(short_bodies_get_no_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
