/* test_query.c - the query language compiled into safe FTS5 expressions, and its error sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "irsearch/limits.h"
#include "irsearch/query.h"
#include "irsearch/tokenize.h"

/* Compiles query, which must succeed, and checks the FTS5 expression. */
static void
compiles_to(const char *query, const char *expected)
{
	char *fts = (char *)1;
	irs_error e = { IRS_OK, "" };
	irs_code rc = query_compile(query, &fts, &e);

	if (rc != IRS_OK)
		fail_msg("query_compile(%s) failed: %s", query, e.msg);
	assert_non_null(fts);
	assert_string_equal(fts, expected);
	free(fts);
}

/* Compiles query, which must fail with code and exactly the sentence msg. */
static void
fails_with(const char *query, irs_code code, const char *msg)
{
	char *fts = (char *)1;
	irs_error e = { IRS_OK, "" };

	assert_int_equal(query_compile(query, &fts, &e), code);
	assert_null(fts);
	assert_int_equal(e.code, code);
	assert_string_equal(e.msg, msg);
}

static void
single_word_becomes_one_fts5_string(void **state)
{
	(void)state;
	compiles_to("cooperation", "\"cooperation\"");
	compiles_to("  Türkiye\t", "\"Türkiye\"");
	compiles_to("сотрудничество", "\"сотрудничество\"");
	compiles_to("2024", "\"2024\"");
}

static void
several_words_are_all_required(void **state)
{
	(void)state;
	compiles_to("astana declaration", "\"astana\" AND \"declaration\"");
	compiles_to("a\tb\nc", "\"a\" AND \"b\" AND \"c\"");
	compiles_to("or and not", "\"or\" AND \"and\" AND \"not\"");	/* operators are upper case */
}

static void
quoted_phrase_stays_one_string(void **state)
{
	(void)state;
	compiles_to("\"human rights\"", "\"human rights\"");
	compiles_to("report \"human rights\" 2024", "\"report\" AND \"human rights\" AND \"2024\"");
	compiles_to("ab\"cd ef\"gh", "\"ab\" AND \"cd ef\" AND \"gh\"");
	compiles_to("\"OR\"", "\"OR\"");	/* quoted, it is a word */
	compiles_to("\"\" word", "\"word\"");	/* an empty phrase is dropped */
}

static void
trailing_star_is_a_prefix_query(void **state)
{
	(void)state;
	compiles_to("sanitiz*", "\"sanitiz\"*");
	compiles_to("sanitiz**", "\"sanitiz\"*");
	compiles_to("co*op", "\"co*op\"");	/* only a trailing star counts */
	compiles_to("report sanit*", "\"report\" AND \"sanit\"*");
	compiles_to("* word", "\"word\"");
}

/* Whether query_parse says the expression holds a prefix (search.c then makes snippets in one pass). */
static int
has_prefix(const char *query)
{
	query_plan plan;
	irs_error e = { IRS_OK, "" };
	int prefix;

	if (query_parse(query, &plan, &e) != IRS_OK)
		fail_msg("query_parse(%s) failed: %s", query, e.msg);
	prefix = plan.has_prefix;
	query_plan_clear(&plan);
	return prefix;
}

static void
the_plan_says_when_a_prefix_is_searched(void **state)
{
	(void)state;
	assert_true(has_prefix("sanitiz*"));
	assert_true(has_prefix("report -sanit* after:2020"));
	assert_true(has_prefix("title:(a OR b*)"));
	assert_true(has_prefix("NEAR(astana decl*, 5)"));
	assert_false(has_prefix("sanitization"));
	assert_false(has_prefix("\"sanit*\" co*op"));	/* a star inside a phrase or a word is text */
	assert_false(has_prefix("NEAR(astana \"decl*\", 5)"));
	assert_false(has_prefix("* word"));
}

/* The plan's fts_dropped for query (NULL when none). */
static void
drops(const char *query, const char *expected)
{
	query_plan plan;
	irs_error e = { IRS_OK, "" };

	if (query_parse(query, &plan, &e) != IRS_OK)
		fail_msg("query_parse(%s) failed: %s", query, e.msg);
	if (expected == NULL)
		assert_null(plan.fts_dropped);
	else
		assert_string_equal(plan.fts_dropped, expected);
	query_plan_clear(&plan);
}

static void
a_phrase_with_excluded_phrases_names_the_rows_it_drops(void **state)
{
	(void)state;
	drops("syed -bouailed", "\"syed\" AND (\"bouailed\")");
	drops("\"human rights\" -treaty NOT \"un charter\" -sanit* after:2020",
	      "\"human rights\" AND (\"treaty\" OR \"un charter\" OR \"sanit\"*)");
	drops("sa\"\"id* -x", NULL);	/* not one quoted string: the parser splits it */
	drops("syed", NULL);
	drops("syed bouailed -x", NULL);	/* two wanted */
	drops("(a OR b) -x", NULL);
	drops("a -(x y)", NULL);	/* a group excluded: its words may hold instances */
	drops("a -title:x", NULL);
	drops("title:a -x", NULL);
	drops("a -NEAR(x y, 3)", NULL);
}

static void
exclusions_follow_the_wanted_terms(void **state)
{
	(void)state;
	compiles_to("a -b", "\"a\" NOT \"b\"");
	compiles_to("-b a", "\"a\" NOT \"b\"");
	compiles_to("a NOT b", "\"a\" NOT \"b\"");
	compiles_to("NOT b a c", "\"a\" AND \"c\" NOT \"b\"");
	compiles_to("-b a -c d", "\"a\" AND \"d\" NOT \"b\" NOT \"c\"");
	compiles_to("a -\"b c\"", "\"a\" NOT \"b c\"");
	compiles_to("a -b*", "\"a\" NOT \"b\"*");
	compiles_to("a - b", "\"a\" AND \"b\"");	/* a lone dash is punctuation */
	compiles_to("a-b", "\"a-b\"");
}

static void
or_binds_tighter_than_and(void **state)
{
	(void)state;
	compiles_to("a OR b c", "(\"a\" OR \"b\") AND \"c\"");
	compiles_to("c a OR b", "\"c\" AND (\"a\" OR \"b\")");
	compiles_to("a OR b OR c", "(\"a\" OR \"b\" OR \"c\")");
	compiles_to("a OR \"b c\" d* OR e", "(\"a\" OR \"b c\") AND (\"d\"* OR \"e\")");
	compiles_to("x -a OR b", "\"x\" NOT (\"a\" OR \"b\")");
	compiles_to("x NOT a OR b", "\"x\" NOT (\"a\" OR \"b\")");
}

static void
fts5_syntax_inside_words_is_searched_as_text(void **state)
{
	(void)state;
	compiles_to("cats AND dogs", "\"cats\" AND \"AND\" AND \"dogs\"");
	compiles_to("NEAR", "\"NEAR\"");
	compiles_to("NEAR (a)", "\"NEAR\" AND \"a\"");	/* NEAR( only when the parenthesis touches it */
	compiles_to("Astana-based", "\"Astana-based\"");
	compiles_to("a:b", "\"a:b\"");
	compiles_to("http://example.org", "\"http://example.org\"");
	compiles_to("^x", "\"^x\"");
	compiles_to("{body}:x", "\"{body}:x\"");
	compiles_to("a+b", "\"a+b\"");
	compiles_to("x:title", "\"x:title\"");
	/* A quote ends a word, so no term ever carries one. */
	compiles_to("say\"hi\"there", "\"say\" AND \"hi\" AND \"there\"");
}

static void
parentheses_group_terms(void **state)
{
	(void)state;
	compiles_to("(a)", "\"a\"");
	compiles_to("sco (energy OR gas)", "\"sco\" AND (\"energy\" OR \"gas\")");
	compiles_to("(a b) OR c", "((\"a\" AND \"b\") OR \"c\")");
	compiles_to("x -(a b)", "\"x\" NOT (\"a\" AND \"b\")");
	compiles_to("x (a -b)", "\"x\" AND (\"a\" NOT \"b\")");
	compiles_to("((a))", "\"a\"");
	compiles_to("((a OR b))", "(\"a\" OR \"b\")");
	compiles_to("C(2)", "\"C\" AND \"2\"");
}

static void
fields_restrict_words_phrases_and_groups(void **state)
{
	(void)state;
	compiles_to("title:summit", "{title} : \"summit\"");
	compiles_to("Title:summit", "{title} : \"summit\"");
	compiles_to("author:Seitkali astana", "{author} : \"Seitkali\" AND \"astana\"");
	compiles_to("body:\"world unity\"", "{body} : \"world unity\"");
	compiles_to("title:(summit OR forum)", "{title} : (\"summit\" OR \"forum\")");
	compiles_to("title:(summit forum)", "{title} : (\"summit\" AND \"forum\")");
	compiles_to("title:secur*", "{title} : \"secur\"*");
	compiles_to("x -title:summit", "\"x\" NOT {title} : \"summit\"");
	compiles_to("title:NEAR(a b)", "{title} : NEAR(\"a\" \"b\")");
	compiles_to("title: summit", "{title} : \"summit\"");
}

static void
near_takes_terms_and_a_distance(void **state)
{
	(void)state;
	compiles_to("NEAR(energy corridor)", "NEAR(\"energy\" \"corridor\")");
	compiles_to("NEAR(energy corridor, 5)", "NEAR(\"energy\" \"corridor\", 5)");
	compiles_to("NEAR( energy  \"middle corridor\" , 3 )", "NEAR(\"energy\" \"middle corridor\", 3)");
	compiles_to("NEAR(a b c,0)", "NEAR(\"a\" \"b\" \"c\", 0)");
	compiles_to("NEAR(secur* pact)", "NEAR(\"secur\"* \"pact\")");
	compiles_to("x NEAR(a b) OR y", "\"x\" AND (NEAR(\"a\" \"b\") OR \"y\")");
}

/* Parses query, which must succeed, into *plan (the caller clears it). */
static void
parses(const char *query, query_plan *plan)
{
	irs_error e = { IRS_OK, "" };

	if (query_parse(query, plan, &e) != IRS_OK)
		fail_msg("query_parse(%s) failed: %s", query, e.msg);
}

static void
filters_become_plan_fields_not_fts5(void **state)
{
	query_plan plan;

	(void)state;
	parses("summit after:2024 before:2025-07 type:pdf type:md lang:RU", &plan);
	assert_string_equal(plan.fts, "\"summit\"");
	assert_string_equal(plan.after, "2024");
	assert_string_equal(plan.before, "2025-07");
	assert_int_equal(plan.ntypes, 2);
	assert_string_equal(plan.types[0], "application/pdf");
	assert_string_equal(plan.types[1], "text/markdown");
	assert_int_equal(plan.nlangs, 1);
	assert_string_equal(plan.langs[0], "ru");
	query_plan_clear(&plan);

	/* The tightest bound wins; html names two types. */
	parses("after:2023 after:2024-03 before:2025 before:2024-12-31 type:html", &plan);
	assert_null(plan.fts);
	assert_string_equal(plan.after, "2024-03");
	assert_string_equal(plan.before, "2024-12-31");
	assert_int_equal(plan.ntypes, 2);
	query_plan_clear(&plan);
}

static void
filter_and_field_errors_name_the_column(void **state)
{
	(void)state;
	fails_with("x after:July", IRS_BAD_QUERY, "after: at column 3 needs a date like 2024, 2024-07 or 2024-07-03");
	fails_with("x before:2024-13", IRS_BAD_QUERY, "before: at column 3 needs a date like 2024, 2024-07 or 2024-07-03");
	fails_with("x after:", IRS_BAD_QUERY, "after: at column 3 needs a date like 2024, 2024-07 or 2024-07-03");
	fails_with("x type:exe", IRS_BAD_QUERY, "type: at column 3 takes pdf, html, docx, odt, epub, txt or md");
	fails_with("x lang:english", IRS_BAD_QUERY, "lang: at column 3 takes a language code like en or ru");
	fails_with("x -type:pdf", IRS_BAD_QUERY, "type: at column 3 cannot be excluded");
	fails_with("x OR type:pdf", IRS_BAD_QUERY,
		   "type: at column 6 filters documents and cannot be inside OR, NOT, a field or parentheses");
	fails_with("(x type:pdf)", IRS_BAD_QUERY, "type: at column 4 filters documents and cannot be inside parentheses");
	fails_with("title:", IRS_BAD_QUERY, "title: at column 1 has nothing to search after it");
	fails_with("title:-x", IRS_BAD_QUERY, "title: at column 1 cannot take an exclusion; write -title:word");
	fails_with("(a b", IRS_BAD_QUERY, "unbalanced parenthesis at column 1");
	fails_with("a b)", IRS_BAD_QUERY, "unbalanced parenthesis at column 4");
	fails_with("a () b", IRS_BAD_QUERY, "empty parentheses at column 3");
	fails_with("x (-a)", IRS_BAD_QUERY, "a group of only exclusions matches nothing; add a word to it");
	fails_with("NEAR(a)", IRS_BAD_QUERY, "NEAR at column 1 needs at least two words");
	fails_with("NEAR(a b", IRS_BAD_QUERY, "NEAR at column 1 has no closing parenthesis");
	fails_with("NEAR(a b, x)", IRS_BAD_QUERY, "NEAR at column 1 needs a distance from 0 to 1000 after its comma");
	fails_with("NEAR(a b, 5", IRS_BAD_QUERY, "NEAR at column 1 has no closing parenthesis");
	fails_with("NEAR(a b, 5000)", IRS_BAD_QUERY, "NEAR at column 1 needs a distance from 0 to 1000 after its comma");
	fails_with("type:pdf", IRS_BAD_QUERY, "filters (after:, before:, type:, lang:) need a search, not a MATCH alone");
}

static void
control_bytes_never_reach_fts5(void **state)
{
	(void)state;
	compiles_to("a\x01" "b", "\"a b\"");
	/* IRS_EXACT_MARK cannot be smuggled in by a user. */
	compiles_to("\x02" "cooperation", "\" cooperation\"");
	compiles_to("\"\x02" "cooperation\"", "\" cooperation\"");
	compiles_to("x\x1b[31m", "\"x [31m\"");
}

static void
errors_name_the_problem(void **state)
{
	(void)state;
	fails_with("", IRS_BAD_QUERY, "empty query");
	fails_with("abc \"def", IRS_BAD_QUERY, "unbalanced quote at column 5");
	fails_with("\"", IRS_BAD_QUERY, "unbalanced quote at column 1");
	fails_with("a \"b\" c \"d", IRS_BAD_QUERY, "unbalanced quote at column 9");
	fails_with("a -\"b", IRS_BAD_QUERY, "unbalanced quote at column 4");
	fails_with("-a -b", IRS_BAD_QUERY, "a query of only exclusions matches nothing; add a word to look for");
	fails_with("NOT a", IRS_BAD_QUERY, "a query of only exclusions matches nothing; add a word to look for");
	fails_with("!!! ... ---", IRS_BAD_QUERY, "the query has no words to search for");
	fails_with("\"...\" *", IRS_BAD_QUERY, "the query has no words to search for");
	fails_with("OR a", IRS_BAD_QUERY, "OR at column 1 has no term before it");
	fails_with("a OR", IRS_BAD_QUERY, "OR at column 3 has no term after it");
	fails_with("a OR OR b", IRS_BAD_QUERY, "OR at column 3 has no term after it");
	fails_with("a OR -b", IRS_BAD_QUERY, "OR at column 3 has no term after it");
	fails_with("a OR NOT b", IRS_BAD_QUERY, "OR at column 3 has no term after it");
	fails_with("a NOT", IRS_BAD_QUERY, "NOT at column 3 has no term after it");
	fails_with("a NOT NOT b", IRS_BAD_QUERY, "NOT at column 3 has no term after it");
	fails_with("a NOT -b", IRS_BAD_QUERY, "NOT at column 3 has no term after it");
	fails_with("ab\xff", IRS_BAD_QUERY, "query is not valid UTF-8 at column 3");
	fails_with("\xc0\xaf", IRS_BAD_QUERY, "query is not valid UTF-8 at column 1");
}

static void
error_columns_count_characters_not_bytes(void **state)
{
	(void)state;
	/* "права" is 5 characters and 10 bytes. */
	fails_with("права \"def", IRS_BAD_QUERY, "unbalanced quote at column 7");
	fails_with("Türkiye OR", IRS_BAD_QUERY, "OR at column 9 has no term after it");
	fails_with("日本 \xed\xa0\x80", IRS_BAD_QUERY, "query is not valid UTF-8 at column 4");
}

static void
more_than_64_terms_is_refused(void **state)
{
	char q[64 * 4 + 8];
	size_t n = 0;
	char *fts = NULL;
	irs_error e = { IRS_OK, "" };
	int i;

	(void)state;
	for (i = 0; i < IRS_MAX_QUERY_TERMS; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "w%d ", i);
	assert_int_equal(query_compile(q, &fts, &e), IRS_OK);
	assert_non_null(strstr(fts, "\"w63\""));
	free(fts);
	snprintf(q + n, sizeof(q) - n, "x");
	fails_with(q, IRS_BAD_QUERY, "query has more than 64 terms");
	/* Operators are terms too. */
	fails_with("a OR b OR c OR d OR e OR f OR g OR h OR i OR j OR k OR l OR m OR n OR o OR p OR q OR r OR s"
		   " OR t OR u OR v OR w OR x OR y OR z OR a OR b OR c OR d OR e OR f OR g",
		   IRS_BAD_QUERY, "query has more than 64 terms");
}

static void
longer_than_4096_bytes_is_too_large(void **state)
{
	char *q = malloc(IRS_MAX_QUERY_BYTES + 2);
	char *fts = NULL;
	irs_error e = { IRS_OK, "" };

	(void)state;
	assert_non_null(q);
	memset(q, 'a', IRS_MAX_QUERY_BYTES);
	q[IRS_MAX_QUERY_BYTES] = '\0';
	assert_int_equal(query_compile(q, &fts, &e), IRS_OK);
	assert_int_equal(strlen(fts), IRS_MAX_QUERY_BYTES + 2);
	free(fts);
	q[IRS_MAX_QUERY_BYTES] = 'a';
	q[IRS_MAX_QUERY_BYTES + 1] = '\0';
	fails_with(q, IRS_TOO_LARGE, "query longer than 4096 bytes");
	free(q);
}

/* The differential check: compiled queries select the rows a hand-written FTS5 expression selects. */

static const char *
rowids(sqlite3 *db, const char *expr)
{
	static char buf[256];
	sqlite3_stmt *st = NULL;
	size_t used = 0;
	int rc;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%lld", used > 0 ? "," : "",
					 (long long)sqlite3_column_int64(st, 0));
	if (rc != SQLITE_DONE)
		fail_msg("MATCH '%s': %s", expr, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return buf;
}

static void
compiled_queries_match_the_same_rows_as_hand_written_fts5(void **state)
{
	static const char *const rows[] = {
		"The Astana Declaration on primary health care",
		"Declarations of cooperation between states",
		"States cooperate on human rights",
		"Human rights and the rights of states",
		"Sanitization of water supplies",
		"Astana-based organisations and NEAR neighbours",
		"Türkiye and regional cooperation",
		"сотрудничество государств",
		"Rights, not declarations",
		"Nothing relevant: a:b and ^x",
	};
	static const struct {
		const char *query, *fts5, *expected;
	} cases[] = {
		{ "declaration", "declaration", "1,2,9" },
		{ "astana declaration", "astana AND declaration", "1" },
		{ "\"human rights\"", "\"human rights\"", "3,4" },
		{ "rights -human", "rights NOT human", "9" },
		{ "states NOT cooperation", "states NOT cooperation", "4" },
		{ "cooperation OR сотрудничества rights", "(cooperation OR сотрудничества) AND rights", "3" },
		{ "sanitiz*", "sanitiz*", "5" },
		{ "Astana-based NEAR", "\"astana based\" AND \"near\"", "6" },
		{ "TURKIYE cooperating", "turkiye AND cooperating", "7" },
		{ "a:b ^x", "\"a b\" AND x", "10" },
		{ "declarations OR astana -health", "(declarations OR astana) NOT health", "2,6,9" },
		{ "rights states -cooperation", "(rights AND states) NOT cooperation", "4" },
		{ "-cooperation states rights", "(rights AND states) NOT cooperation", "4" },
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	irs_error e = { IRS_OK, "" };
	size_t i;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(sqlite3_exec(db, IRS_VOCABULARY_SCHEMA ";"
				      "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='irsearch english russian')",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) VALUES(?1, ?2)", -1, &st, NULL),
			 SQLITE_OK);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_text(st, 2, rows[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *fts = NULL, *got;

		if (query_compile(cases[i].query, &fts, &e) != IRS_OK)
			fail_msg("query_compile(%s): %s", cases[i].query, e.msg);
		got = strdup(rowids(db, fts));
		assert_non_null(got);
		if (strcmp(got, rowids(db, cases[i].fts5)) != 0 || strcmp(got, cases[i].expected) != 0)
			fail_msg("%s -> %s gave %s; %s gave %s; expected %s", cases[i].query, fts, got, cases[i].fts5,
				 rowids(db, cases[i].fts5), cases[i].expected);
		free(got);
		free(fts);
	}
	sqlite3_close(db);
}

/* The same check for what needs columns: fields, groups, NEAR. */
static void
fields_groups_and_near_match_hand_written_fts5(void **state)
{
	static const char *const rows[][3] = {
		{ "Summit in Astana", "Dana Seitkali", "Leaders met and signed the declaration on energy corridors." },
		{ "Energy corridors", "Marcus Hollander", "The summit said little about water or the corridor tariffs." },
		{ "Water and dams", "Dana Lopes", "Upstream dams and downstream quotas; the summit skipped water." },
		{ "Tariffs", "Ana Seitkali", "Corridor tariffs rose while energy prices fell." },
	};
	static const struct {
		const char *query, *fts5, *expected;
	} cases[] = {
		{ "title:summit", "{title}: summit", "1" },
		{ "summit -title:summit", "summit NOT {title}: summit", "2,3" },
		{ "author:seitkali", "{author}: seitkali", "1,4" },
		{ "author:(dana OR ana) water", "{author}: (dana OR ana) AND water", "3" },
		{ "body:\"energy corridors\"", "{body}: \"energy corridors\"", "1" },
		{ "title:(energy corridors)", "{title}: (energy AND corridors)", "2" },
		{ "NEAR(corridor tariffs, 0)", "NEAR(corridor tariffs, 0)", "2,4" },
		{ "NEAR(energy tariffs, 2)", "NEAR(energy tariffs, 2)", "4" },
		{ "(water OR tariffs) summit", "(water OR tariffs) AND summit", "2,3" },
		{ "summit -(water dams)", "summit NOT (water AND dams)", "1,2" },
		{ "body:NEAR(summit water, 3)", "{body}: NEAR(summit water, 3)", "2,3" },
		{ "body:NEAR(summit water, 2)", "{body}: NEAR(summit water, 2)", "3" },
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	irs_error e = { IRS_OK, "" };
	size_t i;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(sqlite3_exec(db, IRS_VOCABULARY_SCHEMA ";"
				      "CREATE VIRTUAL TABLE t USING fts5(title, author, body,"
					  " tokenize='irsearch english russian')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, title, author, body) VALUES(?1, ?2, ?3, ?4)",
					    -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_text(st, 2, rows[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rows[i][1], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rows[i][2], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *fts = NULL, *got;

		if (query_compile(cases[i].query, &fts, &e) != IRS_OK)
			fail_msg("query_compile(%s): %s", cases[i].query, e.msg);
		got = strdup(rowids(db, fts));
		assert_non_null(got);
		if (strcmp(got, rowids(db, cases[i].fts5)) != 0 || strcmp(got, cases[i].expected) != 0)
			fail_msg("%s -> %s gave %s; %s gave %s; expected %s", cases[i].query, fts, got, cases[i].fts5,
				 rowids(db, cases[i].fts5), cases[i].expected);
		free(got);
		free(fts);
	}
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_word_becomes_one_fts5_string),
		cmocka_unit_test(several_words_are_all_required),
		cmocka_unit_test(quoted_phrase_stays_one_string),
		cmocka_unit_test(trailing_star_is_a_prefix_query),
		cmocka_unit_test(the_plan_says_when_a_prefix_is_searched),
		cmocka_unit_test(exclusions_follow_the_wanted_terms),
		cmocka_unit_test(a_phrase_with_excluded_phrases_names_the_rows_it_drops),
		cmocka_unit_test(or_binds_tighter_than_and),
		cmocka_unit_test(fts5_syntax_inside_words_is_searched_as_text),
		cmocka_unit_test(parentheses_group_terms),
		cmocka_unit_test(fields_restrict_words_phrases_and_groups),
		cmocka_unit_test(near_takes_terms_and_a_distance),
		cmocka_unit_test(filters_become_plan_fields_not_fts5),
		cmocka_unit_test(filter_and_field_errors_name_the_column),
		cmocka_unit_test(control_bytes_never_reach_fts5),
		cmocka_unit_test(errors_name_the_problem),
		cmocka_unit_test(error_columns_count_characters_not_bytes),
		cmocka_unit_test(more_than_64_terms_is_refused),
		cmocka_unit_test(longer_than_4096_bytes_is_too_large),
		cmocka_unit_test(compiled_queries_match_the_same_rows_as_hand_written_fts5),
		cmocka_unit_test(fields_groups_and_near_match_hand_written_fts5),
	};

	return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
