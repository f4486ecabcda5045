/*
 * snippet.c - passages around the matches, as FTS5 auxiliary functions (see snippet.h).
 *
 * Positions come from FTS5 (xInst: each matched phrase's first token and,
 * with xPhraseSize, its length), so a stemmed variant is marked exactly
 * when FTS5 matched it.  Passages are chosen on positions alone; the body
 * is then tokenized once, in FTS5_TOKENIZE_AUX mode (the same positions as
 * at index time), only as far as the last chosen passage, to map positions
 * to byte offsets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/snippet.h"
#include "irsearch/tokenize.h"

#define BODY_COLUMN 2
#define MAX_HITS 4096		/* matched phrases considered per document */

struct hit {
	int start, end;		/* token positions, end exclusive */
	int phrase;
};

struct window {
	int start, end;		/* token positions, end exclusive */
	int page;
	int first_byte, last_byte;	/* filled by the tokenizer pass */
};

struct offsets {
	int stop_after;		/* last position needed, plus one to know if more follows */
	int *starts, *ends;	/* byte offsets of positions [0, count) */
	int count;		/* tokens seen */
	int cap;
	int *page;		/* paged bodies: the page of each position */
	const char *text;
	int scanned, current_page;	/* form feeds counted up to byte scanned */
};

/* The page span of a position in a paged body: [lo, hi) positions. */


static int
compare_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->start != y->start ? (x->start < y->start ? -1 : 1) : x->phrase - y->phrase;
}

/* The matched phrases of the body, sorted by position; NULL with *n == 0 when none. */
static struct hit *
body_hits(const Fts5ExtensionApi *api, Fts5Context *fts, int *n)
{
	int count = 0, i, k = 0;
	struct hit *hits;

	*n = 0;
	if (api->xInstCount(fts, &count) != SQLITE_OK || count <= 0)
		return NULL;
	if (count > MAX_HITS)
		count = MAX_HITS;
	hits = malloc(sizeof(*hits) * (size_t)count);
	if (hits == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		int phrase, col, off;

		if (api->xInst(fts, i, &phrase, &col, &off) != SQLITE_OK || col != BODY_COLUMN)
			continue;
		hits[k].start = off;
		hits[k].end = off + (api->xPhraseSize(fts, phrase) > 0 ? api->xPhraseSize(fts, phrase) : 1);
		hits[k].phrase = phrase;
		k++;
	}
	qsort(hits, (size_t)k, sizeof(*hits), compare_hits);
	*n = k;
	return hits;
}

/* How good [start, start+len) is: distinct phrases in it (new ones weigh most), then matched words. */
static long
window_score(const struct hit *hits, int n, int start, int len, const unsigned char *covered, int nphrases)
{
	unsigned char seen[64] = { 0 };
	int i, distinct = 0, fresh = 0, words = 0;

	for (i = 0; i < n; i++) {
		if (hits[i].start < start || hits[i].end > start + len)
			continue;
		words += hits[i].end - hits[i].start;
		if (hits[i].phrase < 64 && !seen[hits[i].phrase]) {
			seen[hits[i].phrase] = 1;
			distinct++;
			if (hits[i].phrase < nphrases && !covered[hits[i].phrase])
				fresh++;
		}
	}
	return (long)fresh * 1000000 + (long)distinct * 1000 + words;
}

static int
overlaps(const struct window *w, int nw, int start, int end)
{
	int i;

	for (i = 0; i < nw; i++)
		if (start < w[i].end && w[i].start < end)
			return 1;
	return 0;
}

/* The first and one-past-last positions of the page holding pos; the whole body when not paged. */
static void
page_span(const struct offsets *o, int pos, int *lo, int *hi)
{
	if (o->page == NULL || pos >= o->count) {
		*lo = 0;
		*hi = 1 << 30;
		return;
	}
	for (*lo = pos; *lo > 0 && o->page[*lo - 1] == o->page[pos]; (*lo)--)
		;
	for (*hi = pos; *hi < o->count && o->page[*hi] == o->page[pos]; (*hi)++)
		;
}

/*
 * Chooses up to max windows: the best one, then ones that show phrases the
 * chosen ones do not.  Windows start a quarter of their length before a
 * match, so the match reads in context, and never cross a page: a passage
 * comes from one page.
 */
static int
choose_windows(const struct hit *hits, int n, int nphrases, int len, int max, const struct offsets *o,
	       struct window *out)
{
	unsigned char covered[64] = { 0 };
	int nw = 0, i;

	if (n == 0) {
		out[0].start = 0;
		out[0].end = len;
		return 1;
	}
	while (nw < max) {
		long best = -1;
		int best_start = 0, best_end = 0, wlen = nw == 0 ? len : len * 2 / 3;

		for (i = 0; i < n; i++) {
			int lo, hi, start, end;
			long score;

			page_span(o, hits[i].start, &lo, &hi);
			start = hits[i].start - wlen / 4 > lo ? hits[i].start - wlen / 4 : lo;
			end = start + wlen < hi ? start + wlen : hi;
			if (end - start < wlen)
				start = end - wlen > lo ? end - wlen : lo;
			if (overlaps(out, nw, start, end))
				continue;
			score = window_score(hits, n, start, end - start, covered, nphrases);
			if (score > best) {
				best = score;
				best_start = start;
				best_end = end;
			}
		}
		/* After the first, a passage must show a phrase not shown yet. */
		if (best < 0 || (nw > 0 && best < 1000000))
			break;
		out[nw].start = best_start;
		out[nw].end = best_end;
		for (i = 0; i < n; i++)
			if (hits[i].start >= best_start && hits[i].end <= best_end && hits[i].phrase < 64)
				covered[hits[i].phrase] = 1;
		nw++;
	}
	return nw;
}

static int
on_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
	struct offsets *o = ctx;

	(void)token, (void)ntoken;
	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (o->count > o->stop_after)
		return SQLITE_DONE;	/* everything needed is known */
	if (o->count == o->cap) {
		int cap = o->cap == 0 ? 256 : o->cap * 2;
		int *starts = realloc(o->starts, sizeof(int) * (size_t)cap);
		int *ends = starts != NULL ? realloc(o->ends, sizeof(int) * (size_t)cap) : NULL;
		int *page = ends != NULL && o->page != NULL ? realloc(o->page, sizeof(int) * (size_t)cap) : NULL;

		if (starts != NULL)
			o->starts = starts;
		if (ends != NULL)
			o->ends = ends;
		if (page != NULL)
			o->page = page;
		if (starts == NULL || ends == NULL || (o->page != NULL && page == NULL))
			return SQLITE_NOMEM;
		o->cap = cap;
	}
	o->starts[o->count] = start;
	o->ends[o->count] = end;
	if (o->page != NULL) {
		for (; o->scanned < start; o->scanned++)
			o->current_page += o->text[o->scanned] == '\f';
		o->page[o->count] = o->current_page;
	}
	o->count++;
	return SQLITE_OK;
}

static int
is_matched(const struct hit *hits, int n, int pos)
{
	int i;

	for (i = 0; i < n && hits[i].start <= pos; i++)
		if (pos < hits[i].end)
			return 1;
	return 0;
}

/* Appends one passage: the text of its tokens, matched ones between the markers. */
static void
append_passage(sqlite3_str *out, const char *text, const struct offsets *o, const struct window *w,
	       const struct hit *hits, int n, const char *open, const char *close)
{
	int pos, end = w->end < o->count ? w->end : o->count;

	if (w->start > 0)
		sqlite3_str_appendall(out, "...");
	for (pos = w->start; pos < end; pos++) {
		int matched = is_matched(hits, n, pos);

		if (pos > w->start)
			sqlite3_str_append(out, text + o->ends[pos - 1], o->starts[pos] - o->ends[pos - 1]);
		if (matched)
			sqlite3_str_appendall(out, open);
		sqlite3_str_append(out, text + o->starts[pos], o->ends[pos] - o->starts[pos]);
		if (matched)
			sqlite3_str_appendall(out, close);
	}
	if (o->count > end)
		sqlite3_str_appendall(out, "...");
}

static void
irs_snippet(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *open, *close, *text = NULL;
	struct window windows[SNIPPET_MAX_PASSAGES];
	struct offsets o;
	struct hit *hits;
	sqlite3_str *out;
	int ntext = 0, nhits, nw, len, max, i, paged, rc;

	if (argc != 4) {
		sqlite3_result_error(ctx, "irs_snippet takes open, close, tokens, passages", -1);
		return;
	}
	open = (const char *)sqlite3_value_text(argv[0]);
	close = (const char *)sqlite3_value_text(argv[1]);
	len = sqlite3_value_int(argv[2]);
	max = sqlite3_value_int(argv[3]);
	len = len < 1 ? 1 : len > 256 ? 256 : len;
	max = max < 1 ? 1 : max > SNIPPET_MAX_PASSAGES ? SNIPPET_MAX_PASSAGES : max;
	if (api->xColumnText(fts, BODY_COLUMN, &text, &ntext) != SQLITE_OK || text == NULL) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	hits = body_hits(api, fts, &nhits);
	memset(&o, 0, sizeof(o));
	o.text = text;
	o.current_page = 1;
	paged = memchr(text, '\f', (size_t)ntext) != NULL;
	if (paged) {
		/* Pages bound the passages, so the positions of every page are needed first. */
		o.stop_after = 1 << 30;
		o.page = malloc(sizeof(int));
		rc = o.page != NULL ? api->xTokenize(fts, text, ntext, &o, on_token) : SQLITE_NOMEM;
		nw = choose_windows(hits, nhits, api->xPhraseCount(fts), len, max, &o, windows);
	} else {
		nw = choose_windows(hits, nhits, api->xPhraseCount(fts), len, max, &o, windows);
		for (i = 0; i < nw; i++)
			if (windows[i].end > o.stop_after)
				o.stop_after = windows[i].end;
		rc = api->xTokenize(fts, text, ntext, &o, on_token);
	}
	out = sqlite3_str_new(NULL);
	for (i = 0; (rc == SQLITE_OK || rc == SQLITE_DONE) && i < nw; i++) {
		if (windows[i].start >= o.count)
			continue;
		if (sqlite3_str_length(out) > 0)
			sqlite3_str_appendchar(out, 1, SNIPPET_PASSAGE_SEP);
		sqlite3_str_appendf(out, "%d%c", paged ? o.page[windows[i].start] : 0, SNIPPET_PAGE_SEP);
		append_passage(out, text, &o, &windows[i], hits, nhits, open != NULL ? open : "",
			       close != NULL ? close : "");
	}
	free(o.starts);
	free(o.ends);
	free(o.page);
	free(hits);
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		sqlite3_free(sqlite3_str_finish(out));
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	rc = sqlite3_str_errcode(out);
	if (rc != SQLITE_OK) {
		sqlite3_free(sqlite3_str_finish(out));
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_text(ctx, sqlite3_str_finish(out), -1, sqlite3_free);
}

irs_code
snippet_register(sqlite3 *db, irs_error *e)
{
	fts5_api *api = tokenize_fts5_api(db);

	if (api == NULL)
		return irs_fail(e, IRS_INTERNAL, "this SQLite has no FTS5");
	if (api->xCreateFunction(api, "irs_snippet", NULL, irs_snippet, NULL) != SQLITE_OK)
		return irs_fail(e, IRS_INTERNAL, "cannot register the snippet function");
	return IRS_OK;
}
