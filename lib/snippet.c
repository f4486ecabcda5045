/*
 * snippet.c - passages around the matches, as FTS5 auxiliary functions (see snippet.h).
 *
 * Positions come from FTS5 (xInst: each matched phrase's first token and,
 * with xPhraseSize, its length), so a stemmed variant is marked exactly
 * when FTS5 matched it.  Passages are chosen on positions alone; the body
 * is then scanned to the chosen positions (snippet_scan.c, from a map's
 * checkpoint when there is one), and only the chosen passages are split
 * by the tokenizer (FTS5_TOKENIZE_AUX, the positions of index time).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/snippet.h"
#include "irsearch/snippet_map.h"
#include "irsearch/snippet_scan.h"
#include "irsearch/tokenize.h"

#define BODY_COLUMN 2
#define MAX_HITS 4096		/* matched phrases considered per document */
/* Bounds of an irs_snippet_hits blob's values (hits_of_blob), with SNIPPET_MAX_POSITION: far past any real query. */
#define SNIPPET_MAX_PHRASES 4096
#define SNIPPET_MAX_PHRASE_TOKENS 4096

struct hit {
	int start, end;		/* token positions, end exclusive */
	int phrase;
};

struct window {
	int start, end;		/* token positions, end exclusive */
};

/* The passage of one window: byte offsets of its tokens. */
struct span {
	int page;
	int count;		/* tokens found, at most the window's length */
	int more;		/* a token follows the last one */
	int *starts, *ends;
};

/* irs_snippet_from's user data: the tokenizer it splits bodies with, made on its first call. */
struct snippet_conn {
	fts5_tokenizer methods;
	void *user_data;	/* the irsearch tokenizer's, for methods.xCreate */
	Fts5Tokenizer *tok;	/* NULL until the first call */
};

static int
compare_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->start != y->start ? (x->start < y->start ? -1 : 1) : x->phrase - y->phrase;
}

/*
 * The matched phrases of the body in FTS5's order (the first MAX_HITS
 * instances of the row, those of the body); NULL with *n == 0 when none.
 */
static struct hit *
body_hits_unsorted(const Fts5ExtensionApi *api, Fts5Context *fts, int *n)
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
	*n = k;
	return hits;
}

/* The matched phrases of the body, sorted by position; NULL with *n == 0 when none. */
static struct hit *
body_hits(const Fts5ExtensionApi *api, Fts5Context *fts, int *n)
{
	struct hit *hits = body_hits_unsorted(api, fts, n);

	if (hits != NULL)
		qsort(hits, (size_t)*n, sizeof(*hits), compare_hits);
	return hits;
}

/* The first of the sorted hits that starts at pos or after (n when none does). */
static int
first_hit_from(const struct hit *hits, int n, int pos)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (hits[mid].start < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * How good [start, start+len) is: distinct phrases in it (new ones weigh
 * most), then matched words.  The hits are sorted by start, so only those
 * starting inside the window are looked at: a prefix matching thousands of
 * times in a body made every window of every hit look at them all.
 */
static long
window_score(const struct hit *hits, int n, int start, int len, const unsigned char *covered, int nphrases)
{
	unsigned char seen[64] = { 0 };
	int i, distinct = 0, fresh = 0, words = 0;

	for (i = first_hit_from(hits, n, start); i < n && hits[i].start < start + len; i++) {
		if (hits[i].end > start + len)
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

/*
 * The first and one-past-last positions of the page holding pos; the
 * whole body when not paged.  The pages' first positions are in order (the
 * scan finds them so, a map's parse refuses others), so a binary search:
 * choose_windows asks once for each hit, and a long manual holds thousands
 * of pages and of hits.
 */
static void
page_span(const struct snippet_pages *p, int pos, int *lo, int *hi)
{
	int a = 0, b = p->n;

	while (a < b) {
		int mid = a + (b - a) / 2;

		if (p->first[mid] <= pos)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a > 0 ? p->first[a - 1] : 0;
	*hi = a < p->n ? p->first[a] : 1 << 30;
}

/*
 * Chooses up to max windows: the best one, then ones that show phrases the
 * chosen ones do not.  Windows start a quarter of their length before a
 * match, so the match reads in context, and never cross a page: a passage
 * comes from one page.
 */
static int
choose_windows(const struct hit *hits, int n, int nphrases, int len, int max, const struct snippet_pages *pages,
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

			page_span(pages, hits[i].start, &lo, &hi);
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

struct span_fill {
	struct span *span;
	int cap, base;
};

static int
on_span_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
	struct span_fill *f = ctx;

	(void)tflags, (void)token, (void)ntoken;
	if (f->span->count == f->cap) {
		f->span->more = 1;
		return SQLITE_DONE;
	}
	f->span->starts[f->span->count] = f->base + start;
	f->span->ends[f->span->count] = f->base + end;
	f->span->count++;
	return SQLITE_OK;
}

/* The byte offsets of window w's tokens; the scan must not be past its start. */
static int
read_span(struct snippet_scan *s, const struct window *w, struct span *out)
{
	struct span_fill f;
	int rc = snippet_scan_to(s, w->start, NULL);

	memset(out, 0, sizeof(*out));
	if (rc != SQLITE_OK || s->pos < w->start)
		return rc;	/* the body ends before the window */
	out->page = s->page;
	f.span = out;
	f.cap = w->end - w->start;
	f.base = s->byte;
	out->starts = malloc(sizeof(int) * (size_t)f.cap);
	out->ends = malloc(sizeof(int) * (size_t)f.cap);
	if (out->starts == NULL || out->ends == NULL)
		return SQLITE_NOMEM;
	rc = snippet_split(s->split, (const char *)s->text + s->byte, s->ntext - s->byte, &f, on_span_token);
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return rc;
	if (out->count > 0)	/* the scan goes on after the window's last token */
		snippet_scan_past(s, out->ends[out->count - 1], out->count);
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

/*
 * Appends n bytes of text, the separators of irs_snippet's result made
 * spaces: extraction drops control bytes, but a row written by other means
 * may hold them, and a passage must not split in two.
 */
static void
append_text(sqlite3_str *out, const char *text, int n)
{
	int i, from = 0;

	for (i = 0; i < n; i++) {
		if (text[i] != SNIPPET_PASSAGE_SEP && text[i] != SNIPPET_PAGE_SEP)
			continue;
		sqlite3_str_append(out, text + from, i - from);
		sqlite3_str_appendchar(out, 1, ' ');
		from = i + 1;
	}
	sqlite3_str_append(out, text + from, n - from);
}

/* Appends one passage: the text of its tokens, matched ones between the markers. */
static void
append_passage(sqlite3_str *out, const char *text, const struct window *w, const struct span *sp,
	       const struct hit *hits, int n, const char *open, const char *close)
{
	int i;

	if (w->start > 0)
		sqlite3_str_appendall(out, "...");
	for (i = 0; i < sp->count; i++) {
		int matched = is_matched(hits, n, w->start + i);

		if (i > 0)
			append_text(out, text + sp->ends[i - 1], sp->starts[i] - sp->ends[i - 1]);
		if (matched)
			sqlite3_str_appendall(out, open);
		append_text(out, text + sp->starts[i], sp->ends[i] - sp->starts[i]);
		if (matched)
			sqlite3_str_appendall(out, close);
	}
	if (sp->more)
		sqlite3_str_appendall(out, "...");
}

static int
compare_windows(const void *a, const void *b)
{
	const struct window *x = *(const struct window *const *)a, *y = *(const struct window *const *)b;

	return x->start - y->start;
}

/* The spans of the windows, read in the order they stand in the body. */
static int
read_spans(struct snippet_scan *s, const struct window *windows, int nw, struct span *spans)
{
	const struct window *order[SNIPPET_MAX_PASSAGES];
	int i, rc = SQLITE_OK;

	for (i = 0; i < nw; i++)
		order[i] = &windows[i];
	qsort(order, (size_t)nw, sizeof(order[0]), compare_windows);
	for (i = 0; i < nw && rc == SQLITE_OK; i++)
		rc = read_span(s, order[i], &spans[order[i] - windows]);
	return rc;
}

/* The passages' arguments, clamped: open and close markers, words a passage, passages at most. */
struct snippet_args {
	const char *open, *close;
	int len, max;
};

static void
read_snippet_args(sqlite3_value **argv, struct snippet_args *a)
{
	a->open = (const char *)sqlite3_value_text(argv[0]);
	a->close = (const char *)sqlite3_value_text(argv[1]);
	a->len = sqlite3_value_int(argv[2]);
	a->max = sqlite3_value_int(argv[3]);
	a->open = a->open != NULL ? a->open : "";
	a->close = a->close != NULL ? a->close : "";
	a->len = a->len < 1 ? 1 : a->len > 256 ? 256 : a->len;
	a->max = a->max < 1 ? 1 : a->max > SNIPPET_MAX_PASSAGES ? SNIPPET_MAX_PASSAGES : a->max;
}

/*
 * Appends the passages of the windows to out in the order they were
 * chosen; texts[i] holds the bytes spans[i]'s offsets point into.
 */
static void
emit_passages(sqlite3_str *out, const char *const *texts, const struct window *windows, const struct span *spans,
	      int nw, int paged, const struct hit *hits, int nhits, const struct snippet_args *a)
{
	int i;

	for (i = 0; i < nw; i++) {
		if (spans[i].count == 0)
			continue;
		if (sqlite3_str_length(out) > 0)
			sqlite3_str_appendchar(out, 1, SNIPPET_PASSAGE_SEP);
		sqlite3_str_appendf(out, "%d%c", paged ? spans[i].page : 0, SNIPPET_PAGE_SEP);
		append_passage(out, texts[i], &windows[i], &spans[i], hits, nhits, a->open, a->close);
	}
}

static void
spans_free(struct span *spans, int nw)
{
	int i;

	for (i = 0; i < nw; i++) {
		free(spans[i].starts);
		free(spans[i].ends);
	}
}

/*
 * The passages of text[0..ntext) around the sorted hits, in irs_snippet's
 * result format, into out; an SQLite error code.
 */
static int
make_passages(const struct snippet_splitter *sp, const char *text, int ntext, const struct hit *hits, int nhits,
	      int nphrases, const struct snippet_args *a, sqlite3_str *out)
{
	struct window windows[SNIPPET_MAX_PASSAGES];
	struct span spans[SNIPPET_MAX_PASSAGES];
	const char *texts[SNIPPET_MAX_PASSAGES];
	struct snippet_pages pages = { NULL, 0 };
	struct snippet_scan scan;
	int nw, i, rc;

	memset(spans, 0, sizeof(spans));
	/* Pages bound the passages: where each begins is needed before choosing. */
	rc = snippet_scan_pages(sp, (const unsigned char *)text, ntext, &pages);
	snippet_scan_start(&scan, sp, (const unsigned char *)text, ntext);
	nw = choose_windows(hits, nhits, nphrases, a->len, a->max, &pages, windows);
	if (rc == SQLITE_OK)
		rc = read_spans(&scan, windows, nw, spans);
	for (i = 0; i < nw; i++)
		texts[i] = text;
	if (rc == SQLITE_OK)
		emit_passages(out, texts, windows, spans, nw, pages.n > 0, hits, nhits, a);
	spans_free(spans, nw);
	free(pages.first);
	return rc;
}

/* Sets the function's result to what out holds, or to the error rc; frees out. */
static void
result_of(sqlite3_context *ctx, sqlite3_str *out, int rc)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_str_errcode(out);
	if (rc != SQLITE_OK) {
		sqlite3_free(sqlite3_str_finish(out));
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_text(ctx, sqlite3_str_finish(out), -1, sqlite3_free);
}

static void
irs_snippet(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct snippet_splitter sp = { api, fts, NULL, NULL };
	struct snippet_args a;
	const char *text = NULL;
	struct hit *hits;
	sqlite3_str *out;
	int ntext = 0, nhits, rc;

	if (argc != 4) {
		sqlite3_result_error(ctx, "irs_snippet takes open, close, tokens, passages", -1);
		return;
	}
	read_snippet_args(argv, &a);
	if (api->xColumnText(fts, BODY_COLUMN, &text, &ntext) != SQLITE_OK || text == NULL) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	hits = body_hits(api, fts, &nhits);
	out = sqlite3_str_new(NULL);
	rc = make_passages(&sp, text, ntext, hits, nhits, api->xPhraseCount(fts), &a, out);
	free(hits);
	result_of(ctx, out, rc);
}

/*
 * irs_snippet_hits(fts [, words]): the row's matched phrases in the body,
 * for irs_snippet_from: int32s, the query's phrases, then start, end and
 * phrase of each match in FTS5's order (sorted when used: most rows that
 * get this never make the page).  words, a blob of one byte a phrase,
 * numbers the query word each phrase stands for (a word's forms ORed,
 * phrasecount.h): the matches then carry the word's number and the query
 * has as many phrases as words, so that a passage counts words, not forms.
 */
static void
irs_snippet_hits(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc,
		 sqlite3_value **argv)
{
	const unsigned char *words = NULL;
	int32_t *blob;
	struct hit *hits;
	int nhits, i, nwords = 0;

	if (argc > 1) {
		sqlite3_result_error(ctx, "irs_snippet_hits takes at most a blob of the phrases' words", -1);
		return;
	}
	if (argc == 1 && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
		words = sqlite3_value_blob(argv[0]);
		if (sqlite3_value_bytes(argv[0]) != api->xPhraseCount(fts) || words == NULL) {
			sqlite3_result_error(ctx, "irs_snippet_hits: the words blob needs one byte a phrase", -1);
			return;
		}
		for (i = 0; i < api->xPhraseCount(fts); i++)
			nwords = words[i] + 1 > nwords ? words[i] + 1 : nwords;
	}
	hits = body_hits_unsorted(api, fts, &nhits);
	if ((blob = sqlite3_malloc64(sizeof(int32_t) * (1 + 3 * (uint64_t)nhits))) == NULL) {
		free(hits);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	blob[0] = words != NULL ? nwords : api->xPhraseCount(fts);
	for (i = 0; i < nhits; i++) {
		blob[1 + 3 * i] = hits[i].start;
		blob[2 + 3 * i] = hits[i].end;
		blob[3 + 3 * i] = words != NULL ? words[hits[i].phrase] : hits[i].phrase;
	}
	free(hits);
	sqlite3_result_blob(ctx, blob, (int)sizeof(int32_t) * (1 + 3 * nhits), sqlite3_free);
}

/*
 * Whether (start, end, phrase) can be a match irs_snippet_hits wrote: the
 * function is callable from any SQL on the connection (the sqlite3 shell
 * with the extension loaded), so its blob is checked before positions
 * index arrays or are added to.
 */
static int
hit_is_sane(const int32_t v[3], int32_t nphrases)
{
	return v[0] >= 0 && v[0] <= SNIPPET_MAX_POSITION && v[1] > v[0] && v[1] - v[0] <= SNIPPET_MAX_PHRASE_TOKENS &&
	       v[2] >= 0 && v[2] < nphrases;
}

/* The hits of an irs_snippet_hits blob, sorted (NULL with *n == 0 when none); -1 when the blob is not one. */
static int
hits_of_blob(const unsigned char *blob, int nblob, struct hit **out, int *n, int *nphrases)
{
	int32_t v[3];
	int i, count;

	*out = NULL;
	*n = 0;
	if (blob == NULL || nblob < (int)sizeof(int32_t) || (nblob - (int)sizeof(int32_t)) % (int)sizeof(v) != 0)
		return -1;
	memcpy(v, blob, sizeof(int32_t));
	count = (nblob - (int)sizeof(int32_t)) / (int)sizeof(v);
	if (v[0] < 0 || v[0] > SNIPPET_MAX_PHRASES || count > MAX_HITS)
		return -1;
	*nphrases = v[0];
	if (count == 0)
		return 0;
	if ((*out = malloc(sizeof(**out) * (size_t)count)) == NULL)
		return 0;	/* as body_hits: out of memory, the passages go unmarked */
	for (i = 0; i < count; i++) {
		memcpy(v, blob + sizeof(int32_t) + sizeof(v) * (size_t)i, sizeof(v));
		if (!hit_is_sane(v, *nphrases)) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i].start = v[0];
		(*out)[i].end = v[1];
		(*out)[i].phrase = v[2];
	}
	*n = count;
	qsort(*out, (size_t)*n, sizeof(**out), compare_hits);
	return 0;
}

/*
 * irs_snippet_from(hits, body, open, close, tokens, passages): what
 * irs_snippet would give the row whose irs_snippet_hits are hits and whose
 * body is body, byte for byte, without an FTS5 cursor on the row.
 */
static void
irs_snippet_from(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct snippet_conn *conn = sqlite3_user_data(ctx);
	struct snippet_splitter sp = { NULL, NULL, &conn->methods, NULL };
	struct snippet_args a;
	const char *text;
	struct hit *hits;
	sqlite3_str *out;
	int nhits, nphrases = 0, rc;

	(void)argc;
	if (hits_of_blob(sqlite3_value_blob(argv[0]), sqlite3_value_bytes(argv[0]), &hits, &nhits, &nphrases) != 0) {
		sqlite3_result_error(ctx, "irs_snippet_from wants irs_snippet_hits' value", -1);
		return;
	}
	read_snippet_args(argv + 2, &a);
	if ((text = (const char *)sqlite3_value_text(argv[1])) == NULL) {
		free(hits);
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	if (conn->tok == NULL && (rc = conn->methods.xCreate(conn->user_data, NULL, 0, &conn->tok)) != SQLITE_OK) {
		free(hits);
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sp.tok = conn->tok;
	out = sqlite3_str_new(NULL);
	rc = make_passages(&sp, text, sqlite3_value_bytes(argv[1]), hits, nhits, nphrases, &a, out);
	free(hits);
	result_of(ctx, out, rc);
}

/*
 * Window w's span, read from the body's blob between the checkpoints
 * around it into *buf (the caller frees it; the span's offsets count from
 * *text, inside it); SNIPPET_MAP_UNUSABLE when the checkpoint is not at a
 * token's start.
 */
static int
read_mapped_span(const struct snippet_splitter *sp, sqlite3_blob *blob, const struct snippet_map *m,
		 const struct window *w, unsigned char **buf, const char **text, struct span *out)
{
	struct snippet_map_checkpoint from;
	struct snippet_scan s;
	const unsigned char *at;
	int n, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = snippet_map_read(m, blob, w->start, w->end, buf, &at, &n, &from)) != SQLITE_OK)
		return rc;
	*text = (const char *)at;
	snippet_scan_resume(&s, sp, at, n, from.pos, from.page);
	return read_span(&s, w, out);
}

/*
 * The passages as make_passages makes them, from the byte ranges of the
 * body the map says hold the windows; SNIPPET_MAP_UNUSABLE when it
 * cannot say.
 */
static int
mapped_passages(const struct snippet_splitter *sp, sqlite3_blob *blob, const struct snippet_map *m,
		const struct hit *hits, int nhits, int nphrases, const struct snippet_args *a, sqlite3_str *out)
{
	struct window windows[SNIPPET_MAX_PASSAGES];
	struct span spans[SNIPPET_MAX_PASSAGES];
	unsigned char *bufs[SNIPPET_MAX_PASSAGES] = { NULL };
	const char *texts[SNIPPET_MAX_PASSAGES] = { NULL };
	int nw, i, rc = SQLITE_OK;

	memset(spans, 0, sizeof(spans));
	nw = choose_windows(hits, nhits, nphrases, a->len, a->max, &m->pages, windows);
	for (i = 0; i < nw && rc == SQLITE_OK; i++)
		rc = read_mapped_span(sp, blob, m, &windows[i], &bufs[i], &texts[i], &spans[i]);
	if (rc == SQLITE_OK)
		emit_passages(out, texts, windows, spans, nw, m->pages.n > 0, hits, nhits, a);
	spans_free(spans, nw);
	for (i = 0; i < nw; i++)
		free(bufs[i]);
	return rc;
}

/* The connection's splitter, its tokenizer made on first use; an SQLite error code. */
static int
conn_splitter(struct snippet_conn *conn, struct snippet_splitter *sp)
{
	int rc;

	if (conn->tok == NULL && (rc = conn->methods.xCreate(conn->user_data, NULL, 0, &conn->tok)) != SQLITE_OK)
		return rc;
	memset(sp, 0, sizeof(*sp));
	sp->methods = &conn->methods;
	sp->tok = conn->tok;
	return SQLITE_OK;
}

/* irs_snippet_map(body, hash): the body's snippet map, NULL when it would say nothing (snippet.h). */
static void
irs_snippet_map(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct snippet_splitter sp;
	const unsigned char *text;
	sqlite3_str *out;
	int rc, empty = 1, n;

	(void)argc;
	if ((text = sqlite3_value_text(argv[0])) == NULL)
		return;		/* NULL */
	n = sqlite3_value_bytes(argv[0]);
	if ((rc = conn_splitter(sqlite3_user_data(ctx), &sp)) != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	out = sqlite3_str_new(NULL);
	rc = snippet_map_build(&sp, text, n, sqlite3_value_int64(argv[1]), out, &empty);
	if (rc == SQLITE_OK)
		rc = sqlite3_str_errcode(out);
	if (rc != SQLITE_OK || empty) {
		sqlite3_free(sqlite3_str_finish(out));
		if (rc != SQLITE_OK)
			sqlite3_result_error_code(ctx, rc);
		return;
	}
	n = sqlite3_str_length(out);
	sqlite3_result_blob(ctx, sqlite3_str_finish(out), n, sqlite3_free);
}

/* The whole body of the blob's row, as make_passages wants it; NULL when out of memory or unreadable. */
static char *
read_whole(sqlite3_blob *blob, int *n, int *rc)
{
	char *text;

	*n = sqlite3_blob_bytes(blob);
	if ((text = malloc((size_t)*n + 1)) == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	if ((*rc = sqlite3_blob_read(blob, text, *n, 0)) != SQLITE_OK) {
		free(text);
		return NULL;
	}
	text[*n] = '\0';
	return text;
}

/*
 * irs_snippet_at(hits, rowid, map, hash, open, close, tokens, passages): what
 * irs_snippet_from gives for the body of fts_content's row rowid, read
 * through a blob handle: with a map that fits the body and the document's
 * hash, only the byte ranges around the passages, else the whole body.
 */
static void
irs_snippet_at(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct snippet_splitter sp;
	struct snippet_args a;
	struct snippet_map m;
	sqlite3_blob *blob = NULL;
	struct hit *hits;
	sqlite3_str *out;
	int nhits, nphrases = 0, rc, n;
	char *text;

	(void)argc;
	if (hits_of_blob(sqlite3_value_blob(argv[0]), sqlite3_value_bytes(argv[0]), &hits, &nhits, &nphrases) != 0) {
		sqlite3_result_error(ctx, "irs_snippet_at wants irs_snippet_hits' value", -1);
		return;
	}
	read_snippet_args(argv + 4, &a);
	if ((rc = conn_splitter(sqlite3_user_data(ctx), &sp)) != SQLITE_OK) {
		free(hits);
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	/* No row, or a NULL body (SQLITE_ERROR): as irs_snippet_from with a NULL body. */
	if ((rc = sqlite3_blob_open(sqlite3_context_db_handle(ctx), "main", "fts_content", "c2",
				    sqlite3_value_int64(argv[1]), 0, &blob)) != SQLITE_OK) {
		sqlite3_blob_close(blob);
		free(hits);
		if ((rc & 0xff) == SQLITE_ERROR)
			sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		else
			sqlite3_result_error_code(ctx, rc);
		return;
	}
	out = sqlite3_str_new(NULL);
	rc = SNIPPET_MAP_UNUSABLE;
	if (snippet_map_parse(sqlite3_value_blob(argv[2]), sqlite3_value_bytes(argv[2]), sqlite3_blob_bytes(blob),
			      sqlite3_value_int64(argv[3]), &m) == 0) {
		rc = mapped_passages(&sp, blob, &m, hits, nhits, nphrases, &a, out);
		snippet_map_free(&m);
		if (rc == SNIPPET_MAP_UNUSABLE)
			sqlite3_str_reset(out);
	}
	if (rc == SNIPPET_MAP_UNUSABLE && (text = read_whole(blob, &n, &rc)) != NULL) {
		rc = make_passages(&sp, text, n, hits, nhits, nphrases, &a, out);
		free(text);
	}
	sqlite3_blob_close(blob);
	free(hits);
	result_of(ctx, out, rc);
}

static void
snippet_conn_free(void *p)
{
	struct snippet_conn *conn = p;

	if (conn == NULL)
		return;
	if (conn->tok != NULL)
		conn->methods.xDelete(conn->tok);
	free(conn);
}

irs_code
snippet_register(sqlite3 *db, irs_error *e)
{
	fts5_api *api = tokenize_fts5_api(db, e);
	struct snippet_conn *conn;
	int rc;

	if (api == NULL)
		return e->code;
	if ((rc = api->xCreateFunction(api, "irs_snippet", NULL, irs_snippet, NULL)) != SQLITE_OK ||
	    (rc = api->xCreateFunction(api, "irs_snippet_hits", NULL, irs_snippet_hits, NULL)) != SQLITE_OK)
		return irs_fail(e, IRS_INTERNAL, "cannot register the snippet function: %s", sqlite3_errstr(rc));
	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	if ((rc = api->xFindTokenizer(api, IRS_TOKENIZER_NAME, &conn->user_data, &conn->methods)) != SQLITE_OK) {
		free(conn);
		return irs_fail(e, IRS_INTERNAL, "cannot find the %s tokenizer: %s", IRS_TOKENIZER_NAME,
				sqlite3_errstr(rc));
	}
	/* SQLite frees conn with the connection (before FTS5 and its tokenizers), or at once on failure. */
	if ((rc = sqlite3_create_function_v2(db, "irs_snippet_from", 6, SQLITE_UTF8, conn, irs_snippet_from, NULL,
					     NULL, snippet_conn_free)) != SQLITE_OK ||
	    (rc = sqlite3_create_function_v2(db, "irs_snippet_at", 8, SQLITE_UTF8, conn, irs_snippet_at, NULL, NULL,
					     NULL)) != SQLITE_OK ||
	    (rc = sqlite3_create_function_v2(db, "irs_snippet_map", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, conn,
					     irs_snippet_map, NULL, NULL, NULL)) != SQLITE_OK)
		return irs_fail(e, IRS_INTERNAL, "cannot register the snippet function: %s", sqlite3_errstr(rc));
	return IRS_OK;
}
