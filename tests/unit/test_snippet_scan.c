/*
 * test_snippet_scan.c - the snippet scan against the tokenizer it stands in
 * for: from the start and step by step, the scan to token k stands where
 * splitting the text from there gives token k first, with k tokens and the
 * form feeds before it counted, over texts that mix what the scan counts
 * alone (ASCII, Latin, basic Cyrillic) with what it must hand to the
 * splitter (Greek, CJK, symbols, signs, bad UTF-8); pages begin where the
 * tokenizer says; and a splitter's error comes back from the scan, which
 * never calls the splitter on text it can count alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "irsearch/snippet_scan.h"
#include "irsearch/tokenize.h"

#define MAX_TOKENS 512

/* The irsearch tokenizer of a connection of its own, as irs_snippet_from splits with it. */
struct real_splitter {
	sqlite3 *db;
	fts5_tokenizer methods;
	struct snippet_splitter sp;
};

static void
real_splitter_open(struct real_splitter *r)
{
	irs_error e = { IRS_OK, "" };
	fts5_api *api;
	void *user_data = NULL;

	memset(r, 0, sizeof(*r));
	assert_int_equal(sqlite3_open(":memory:", &r->db), SQLITE_OK);
	assert_int_equal(tokenize_register(r->db, &e), IRS_OK);
	assert_non_null(api = tokenize_fts5_api(r->db, &e));
	assert_int_equal(api->xFindTokenizer(api, IRS_TOKENIZER_NAME, &user_data, &r->methods), SQLITE_OK);
	assert_int_equal(r->methods.xCreate(user_data, NULL, 0, &r->sp.tok), SQLITE_OK);
	r->sp.methods = &r->methods;
}

static void
real_splitter_close(struct real_splitter *r)
{
	r->methods.xDelete(r->sp.tok);
	sqlite3_close(r->db);
}

struct tokens {
	int n;
	int start[MAX_TOKENS], end[MAX_TOKENS];
};

static int
on_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
	struct tokens *t = ctx;

	(void)tflags, (void)token, (void)ntoken;
	assert_true(t->n < MAX_TOKENS);
	t->start[t->n] = start;
	t->end[t->n] = end;
	t->n++;
	return SQLITE_OK;
}

/* Whether splitting text from byte b gives token k (of the whole text) first, or nothing when k is past the last. */
static void
assert_next_token_is(const struct snippet_splitter *sp, const char *text, int ntext, int b, const struct tokens *all,
		     int k)
{
	struct tokens rest = { 0 };

	assert_int_equal(snippet_split(sp, text + b, ntext - b, &rest, on_token), SQLITE_OK);
	if (k >= all->n) {
		assert_int_equal(rest.n, 0);
		return;
	}
	assert_true(rest.n > 0);
	assert_int_equal(b + rest.start[0], all->start[k]);
	assert_int_equal(b + rest.end[0], all->end[k]);
}

static int
form_feeds_before(const char *text, int b)
{
	int i, n = 0;

	for (i = 0; i < b; i++)
		n += text[i] == '\f';
	return n;
}

/*
 * Where scan s stands after a move to target: after token target - 1 and
 * at or before token target's start (at the start of the chunk that holds
 * it), or at the text's end for a target past the last token.
 */
static void
assert_scan_at(const struct snippet_splitter *sp, const char *text, int ntext, const struct snippet_scan *s,
	       const struct tokens *all, int target)
{
	int k = target < all->n ? target : all->n;

	assert_int_equal(s->pos, k);
	if (target > all->n)
		assert_int_equal(s->byte, ntext);
	else if (k < all->n)
		assert_true(s->byte <= all->start[k]);
	if (k > 0)
		assert_true(s->byte >= all->end[k - 1]);
	assert_int_equal(s->page, 1 + form_feeds_before(text, s->byte));
	assert_next_token_is(sp, text, ntext, s->byte, all, k);
}

/* Texts the scan must agree on with the tokenizer: each mixes what it counts alone and what it cannot. */
static const char *const texts[] = {
	"Plain ASCII prose, long enough for blocks of sixteen bytes: the committee's report (2024) on water-sharing.",
	"na\xc3\xafve caf\xc3\xa9 \xc3\x85land \xc5\x81\xc3\xb3" "d\xc5\xba \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 "
	"\xd3\x81\xd3\x82 end",
	"\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1 and \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e and "
	"\xf0\x9f\x98\x80smile\xf0\x9f\x98\x80 x\xc3\x97y a\xc2\xb7" "b a\xc2\xa0" "b H\xe2\x82\x82O em\xe2\x80\x94" "dash",
	"page one words\fpage two \xce\xb1\xce\xb2\xce\xb3\f\fpage four\f",
	"\f\flead feeds, e\xcc\x81t\xc3\xa9, \xc7\x85ungla, bad\xffutf8 and a cut letter \xc3",
	"trailing separators ...  \t\n",
	"",
};

/* Runs check on each of the texts, with the irsearch tokenizer's splitter and the tokens it finds there. */
static void
for_each_text(void (*check)(const struct snippet_splitter *, const char *, int, const struct tokens *))
{
	struct real_splitter r;
	size_t i;

	real_splitter_open(&r);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tokens all = { 0 };
		int ntext = (int)strlen(texts[i]);

		assert_int_equal(snippet_split(&r.sp, texts[i], ntext, &all, on_token), SQLITE_OK);
		check(&r.sp, texts[i], ntext, &all);
	}
	real_splitter_close(&r);
}

/*
 * Scans to every token from the start, then moves one scan on by steps of
 * 1, 2 and 5 tokens, as the snippet moves it from window to window (step 0:
 * a fresh scan for each target).
 */
static void
check_scans(const struct snippet_splitter *sp, const char *text, int ntext, const struct tokens *all)
{
	static const int steps[] = { 0, 1, 2, 5 };
	size_t j;

	for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
		struct snippet_scan s;
		int k;

		snippet_scan_start(&s, sp, (const unsigned char *)text, ntext);
		for (k = steps[j]; k <= all->n + 2 + steps[j]; k += steps[j] > 0 ? steps[j] : 1) {
			if (steps[j] == 0)
				snippet_scan_start(&s, sp, (const unsigned char *)text, ntext);
			assert_int_equal(snippet_scan_to(&s, k, NULL), SQLITE_OK);
			assert_scan_at(sp, text, ntext, &s, all, k);
		}
	}
}

static void
scan_lands_on_each_token_from_the_start_and_step_by_step(void **state)
{
	(void)state;
	for_each_text(check_scans);
}

/*
 * As the snippet reads passages: the scan moved to a token, the caller
 * splits the next two tokens itself and moves the scan past them, and the
 * scan goes on from there to the next passage, three tokens on.
 */
static void
check_scans_past_split_tokens(const struct snippet_splitter *sp, const char *text, int ntext,
			      const struct tokens *all)
{
	struct snippet_scan s;
	int k;

	snippet_scan_start(&s, sp, (const unsigned char *)text, ntext);
	for (k = 0; k < all->n; k += 5) {
		struct tokens span = { 0 };
		int taken;

		assert_int_equal(snippet_scan_to(&s, k, NULL), SQLITE_OK);
		assert_int_equal(snippet_split(sp, text + s.byte, ntext - s.byte, &span, on_token), SQLITE_OK);
		taken = span.n < 2 ? span.n : 2;
		snippet_scan_past(&s, s.byte + span.end[taken - 1], taken);
		assert_scan_at(sp, text, ntext, &s, all, k + taken);
	}
}

static void
a_scan_moved_past_split_tokens_goes_on_from_there(void **state)
{
	(void)state;
	for_each_text(check_scans_past_split_tokens);
}

/*
 * As a snippet reads a map's checkpoint: a scan resumed on the text from
 * a clean start, with the position and page a scan from the start had
 * there, lands where that scan lands, a few tokens on.
 */
static void
check_resumed_scans(const struct snippet_splitter *sp, const char *text, int ntext, const struct tokens *all)
{
	int k, resumed = 0;

	for (k = 0; k <= all->n; k++) {
		struct snippet_scan whole, part;
		int b;

		snippet_scan_start(&whole, sp, (const unsigned char *)text, ntext);
		assert_int_equal(snippet_scan_to(&whole, k, NULL), SQLITE_OK);
		b = whole.byte;
		if (!snippet_scan_clean_start((const unsigned char *)text, ntext, b))
			continue;
		snippet_scan_resume(&part, sp, (const unsigned char *)text + b, ntext - b, whole.pos, whole.page);
		assert_int_equal(snippet_scan_to(&whole, k + 3, NULL), SQLITE_OK);
		assert_int_equal(snippet_scan_to(&part, k + 3, NULL), SQLITE_OK);
		assert_int_equal(b + part.byte, whole.byte);
		assert_int_equal(part.pos, whole.pos);
		assert_int_equal(part.page, whole.page);
		resumed++;
	}
	/* Every text but the empty one has a clean start to resume from. */
	assert_true(ntext == 0 || resumed > 0);
}

static void
a_scan_resumed_at_a_checkpoint_lands_as_one_from_the_start(void **state)
{
	(void)state;
	for_each_text(check_resumed_scans);
}

/* Each page's first position is the number of tokens that start before its form feed. */
static void
check_pages(const struct snippet_splitter *sp, const char *text, int ntext, const struct tokens *all)
{
	struct snippet_pages pages = { NULL, 0 };
	int b, k = 0, page = 0;

	assert_int_equal(snippet_scan_pages(sp, (const unsigned char *)text, ntext, &pages), SQLITE_OK);
	assert_int_equal(pages.n, form_feeds_before(text, ntext));
	for (b = 0; b < ntext; b++) {
		while (k < all->n && all->start[k] < b)
			k++;
		if (text[b] == '\f')
			assert_int_equal(pages.first[page++], k);
	}
	if (pages.n == 0)
		assert_null(pages.first);
	free(pages.first);
}

static void
pages_begin_at_the_tokens_after_each_form_feed(void **state)
{
	(void)state;
	for_each_text(check_pages);
}

/*
 * A scan may start at a clean start as at the body's start: the text split
 * from there gives the whole text's tokens from there on, the same ones.
 */
static void
check_clean_starts(const struct snippet_splitter *sp, const char *text, int ntext, const struct tokens *all)
{
	int b, k = 0, i;

	for (b = 0; b <= ntext; b++) {
		struct tokens rest = { 0 };

		while (k < all->n && all->start[k] < b)
			k++;
		if (!snippet_scan_clean_start((const unsigned char *)text, ntext, b))
			continue;
		assert_int_equal(snippet_split(sp, text + b, ntext - b, &rest, on_token), SQLITE_OK);
		assert_int_equal(rest.n, all->n - k);
		for (i = 0; i < rest.n; i++) {
			assert_int_equal(b + rest.start[i], all->start[k + i]);
			assert_int_equal(b + rest.end[i], all->end[k + i]);
		}
	}
}

static void
a_clean_start_splits_as_the_whole_text(void **state)
{
	static const unsigned char t[] = "ab, cd\xce\xb1 \xf0\x9f\x98\x80 e";

	(void)state;
	for_each_text(check_clean_starts);
	assert_false(snippet_scan_clean_start(t, (int)sizeof(t) - 1, 0));	/* the start itself: no byte before */
	assert_false(snippet_scan_clean_start(t, (int)sizeof(t) - 1, 1));	/* inside a word */
	assert_false(snippet_scan_clean_start(t, (int)sizeof(t) - 1, 3));	/* at a separator */
	assert_true(snippet_scan_clean_start(t, (int)sizeof(t) - 1, 4));
	assert_false(snippet_scan_clean_start(t, (int)sizeof(t) - 1, 7));	/* inside a Greek letter */
	assert_true(snippet_scan_clean_start(t, (int)sizeof(t) - 1, 9));	/* an emoji, after a space */
	assert_false(snippet_scan_clean_start(t, (int)sizeof(t) - 1, (int)sizeof(t) - 1));	/* the end */
}

/* A tokenizer that fails, counting its calls. */
static int failing_calls;

static int
failing_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
		 int (*emit)(void *, int, const char *, int, int, int))
{
	(void)tok, (void)ctx, (void)flags, (void)text, (void)n, (void)emit;
	failing_calls++;
	return SQLITE_IOERR;
}

static void
a_splitter_error_comes_back_and_counted_text_never_splits(void **state)
{
	static const char ascii[] = "plain words, na\xc3\xafve caf\xc3\xa9 \xd0\x9c\xd0\xb8\xd1\x80\fand a page";
	static const char greek[] = "alpha \xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1 beta";
	fts5_tokenizer methods = { NULL, NULL, failing_tokenize };
	struct snippet_splitter sp = { NULL, NULL, &methods, NULL };
	struct snippet_pages pages = { NULL, 0 };
	struct snippet_scan s;

	(void)state;
	failing_calls = 0;
	snippet_scan_start(&s, &sp, (const unsigned char *)ascii, (int)strlen(ascii));
	assert_int_equal(snippet_scan_to(&s, 1000, NULL), SQLITE_OK);
	assert_int_equal(s.pos, 8);
	assert_int_equal(s.page, 2);
	assert_int_equal(snippet_scan_pages(&sp, (const unsigned char *)ascii, (int)strlen(ascii), &pages), SQLITE_OK);
	assert_int_equal(pages.n, 1);
	assert_int_equal(pages.first[0], 5);
	free(pages.first);
	assert_int_equal(failing_calls, 0);

	snippet_scan_start(&s, &sp, (const unsigned char *)greek, (int)strlen(greek));
	assert_int_equal(snippet_scan_to(&s, 1, NULL), SQLITE_OK);	/* stops before the Greek word */
	assert_int_equal(failing_calls, 0);
	assert_int_equal(snippet_scan_to(&s, 2, NULL), SQLITE_IOERR);
	assert_int_equal(failing_calls, 1);
	assert_int_equal(snippet_split(&sp, greek, (int)strlen(greek), NULL, NULL), SQLITE_IOERR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scan_lands_on_each_token_from_the_start_and_step_by_step),
		cmocka_unit_test(a_scan_moved_past_split_tokens_goes_on_from_there),
		cmocka_unit_test(a_scan_resumed_at_a_checkpoint_lands_as_one_from_the_start),
		cmocka_unit_test(pages_begin_at_the_tokens_after_each_form_feed),
		cmocka_unit_test(a_clean_start_splits_as_the_whole_text),
		cmocka_unit_test(a_splitter_error_comes_back_and_counted_text_never_splits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
