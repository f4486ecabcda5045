/*
 * tokenize.c - the "irsearch" FTS5 tokenizer (see tokenize.h).
 *
 * It wraps two instances of FTS5's own unicode61 tokenizer: the parent
 * splits text into lower-cased words with their diacritics kept, so that
 * Snowball sees "işbirliği" rather than "isbirligi"; the folder then strips
 * diacritics from each word and its stem.  Both results are cached per
 * tokenizer instance, because most tokens of a corpus repeat and stemming
 * is the expensive step.
 *
 * Thread safety: FTS5 creates one tokenizer instance per table and
 * connection, and a connection is used by one thread at a time.  Each
 * instance owns its stemmers (libstemmer's are stateful, and the buffer
 * sb_stemmer_stem returns is overwritten by the next call), its cache and
 * its vocabulary statements; instances of one connection share the words
 * recorded and waiting (tokenize_context).
 *
 * The file is compiled twice: into libirsearch, linked against SQLite, and
 * into the loadable extension, where IRS_LOADABLE_EXTENSION routes every
 * sqlite3_* call through the API table SQLite hands the extension.
 */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, which POSIX 2008 lacks */
#ifdef IRS_LOADABLE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "irsearch/limits.h"
#include "irsearch/tokenize.h"

/* Room for the folded word or stem of a token of IRS_TOKEN_STEM_MAX bytes. */
#define FOLD_MAX (2 * IRS_TOKEN_STEM_MAX + 8)

enum script {
	SCRIPT_NONE = 0,
	SCRIPT_LATIN = 1 << 0,
	SCRIPT_CYRILLIC = 1 << 1,
	SCRIPT_GREEK = 1 << 2,
	SCRIPT_ARABIC = 1 << 3,
	SCRIPT_ARMENIAN = 1 << 4,
	SCRIPT_DEVANAGARI = 1 << 5,
	SCRIPT_TAMIL = 1 << 6,
	SCRIPT_HEBREW = 1 << 7
};

/* Languages not written in Latin script; every other Snowball language is. */
static const struct {
	const char *name;
	unsigned scripts;
} nonlatin_languages[] = {
	{ "arabic", SCRIPT_ARABIC },
	{ "armenian", SCRIPT_ARMENIAN },
	{ "greek", SCRIPT_GREEK },
	{ "hindi", SCRIPT_DEVANAGARI },
	{ "nepali", SCRIPT_DEVANAGARI },
	{ "russian", SCRIPT_CYRILLIC },
	{ "serbian", SCRIPT_CYRILLIC | SCRIPT_LATIN },
	{ "tamil", SCRIPT_TAMIL },
	{ "yiddish", SCRIPT_HEBREW },
};

struct stemmer {
	struct sb_stemmer *sb;
	unsigned scripts;
};

/* One word's forms as computed: its folded form and its folded stem. */
struct stem_entry {
	uint8_t nsurf;
	uint8_t nstem;
	uint8_t stem_differs;	/* stem != surface */
	uint8_t stemmed;	/* a stemmer took it: it belongs in the vocabulary */
	uint32_t recorded;	/* the writer's generation when it was recorded; 0: not */
	char surf[FOLD_MAX];
	char stem[FOLD_MAX];
};

/*
 * One slot of the stem cache, one cache line: the word as the splitter
 * gave it, then its folded form unless that is the word itself (always so
 * for ASCII), then its folded stem unless that begins the folded form
 * ("cooper" of "cooperation").  A word whose forms do not fit is not
 * cached.  Slots of 344 bytes (every form in full) made the cache 11 MiB,
 * and loading a slot was 80% of the tokenizer's own time (perf, 10,000
 * generated documents): the words hit are spread over the whole table.
 */
struct stem_slot {
	uint32_t recorded;	/* as in stem_entry */
	uint8_t nkey;		/* 0: empty slot */
	uint8_t nsurf;
	uint8_t nstem;
	uint8_t flags;		/* SLOT_* */
	char data[56];		/* key, [surf], [stem] */
};

enum {
	SLOT_OWN_SURF = 1,	/* data holds the folded form after the key */
	SLOT_OWN_STEM = 2,	/* data holds the stem last; else it begins the folded form */
	SLOT_STEM_DIFFERS = 4,
	SLOT_STEMMED = 8
};

_Static_assert(sizeof(struct stem_slot) == 64, "a stem-cache slot is one cache line");

/* What on_word needs of a word: its forms, in a cache slot or in a scratch entry. */
struct word_forms {
	const char *surf, *stem;
	int nsurf, nstem;
	int stem_differs, stemmed;
	uint32_t *recorded;	/* the slot's mark, or the scratch entry's */
};

/*
 * Hashes of the words put in the vocabulary: open addressing, 0 for an
 * empty slot, grown to at most IRS_VOCABULARY_SET_SLOTS.
 */
struct word_set {
	uint64_t *slots;
	size_t cap, count;
};

/* Pairs (stem, word) waiting to be written: records [nstem][stem][nword][word] in one buffer. */
struct pending {
	unsigned char *buf;
	size_t used, cap;
	size_t *offsets;	/* where each record starts */
	size_t count, offsets_cap;
};

/*
 * What the registration on one connection hands each tokenizer it creates,
 * and what they share: the words recorded in this session and, when the
 * owner of the connection defers them, those not yet written.
 */
struct tokenize_context {
	fts5_api *api;
	sqlite3 *db;
	struct word_set recorded;
	uint32_t generation;	/* of recorded; bumped whenever it is emptied */
	int read_only;		/* db was opened read-only: nothing is recorded */
	int deferred;		/* tokenize_defer_vocabulary was called */
	struct pending pending;
};

typedef struct irs_tokenizer {
	fts5_tokenizer unicode61;	/* the parent's methods */
	Fts5Tokenizer *splitter;	/* unicode61, diacritics kept */
	Fts5Tokenizer *folder;		/* unicode61, diacritics removed */
	struct stemmer stemmers[IRS_MAX_LANGUAGES];
	int nstemmers;
	int stem_only;
	struct stem_slot *cache;	/* cache_slots slots, made on first use */
	size_t cache_slots;		/* a power of two: more for a writer (limits.h) */
	tokenize_context *ctx;
	sqlite3_stmt *record;		/* INSERT OR IGNORE INTO vocabulary, made on first use */
	sqlite3_stmt *variants;		/* the words of one stem, made on first use */
	int no_vocabulary;		/* queries: the table is not there */
} irs_tokenizer;

/* A word of a document waiting in the queue of index_word, its cache slot asked for. */
struct queued_word {
	uint64_t hash;		/* hash_word of text */
	int tflags, n, start, end;
	char text[IRS_TOKEN_STEM_MAX];
};

/* State of one xTokenize call. */
struct tokenize_call {
	irs_tokenizer *tok;
	void *ctx;
	int (*emit)(void *, int, const char *, int, int, int);
	enum { EMIT_INDEX, EMIT_STEMMED_QUERY, EMIT_SURFACE_QUERY } how;
	struct queued_word queue[IRS_TOKEN_PREFETCH];	/* indexing: a ring, oldest at head */
	int head, queued;
};

static unsigned
language_scripts(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(nonlatin_languages) / sizeof(nonlatin_languages[0]); i++)
		if (strcmp(nonlatin_languages[i].name, name) == 0)
			return nonlatin_languages[i].scripts;
	return SCRIPT_LATIN;
}

static int
is_snowball_language(const char *name)
{
	const char **list;

	for (list = sb_stemmer_list(); *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* The script of the first letter of a UTF-8 token; SCRIPT_NONE for digits only. */
static unsigned
token_script(const unsigned char *s, int n)
{
	int i = 0;

	while (i < n) {
		unsigned c = s[i];
		int len = 1;

		if (c >= 0xc0 && c < 0xe0 && i + 1 < n) {
			c = ((c & 0x1f) << 6) | (s[i + 1] & 0x3f);
			len = 2;
		} else if (c >= 0xe0 && c < 0xf0 && i + 2 < n) {
			c = ((c & 0x0f) << 12) | ((s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
			len = 3;
		} else if (c >= 0xf0) {
			return SCRIPT_NONE;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= 0xc0 && c <= 0x24f) || (c >= 0x1e00 && c <= 0x1eff))
			return SCRIPT_LATIN;
		if (c >= 0x400 && c <= 0x52f)
			return SCRIPT_CYRILLIC;
		if (c >= 0x370 && c <= 0x3ff)
			return SCRIPT_GREEK;
		if (c >= 0x530 && c <= 0x58f)
			return SCRIPT_ARMENIAN;
		if (c >= 0x590 && c <= 0x5ff)
			return SCRIPT_HEBREW;
		if (c >= 0x600 && c <= 0x6ff)
			return SCRIPT_ARABIC;
		if (c >= 0x900 && c <= 0x97f)
			return SCRIPT_DEVANAGARI;
		if (c >= 0xb80 && c <= 0xbff)
			return SCRIPT_TAMIL;
		if (c >= 0x80)
			return SCRIPT_NONE;
		i += len;
	}
	return SCRIPT_NONE;
}

struct fold_buffer {
	char *out;
	int cap;
	int n;
};

static int
on_folded(void *p, int tflags, const char *t, int nt, int start, int end)
{
	struct fold_buffer *b = p;

	(void)tflags, (void)start, (void)end;
	if (b->n + nt > b->cap)
		return SQLITE_TOOBIG;
	memcpy(b->out + b->n, t, (size_t)nt);
	b->n += nt;
	return SQLITE_OK;
}

/* Folds diacritics out of one word; returns its length, or -1 if it does not fit. */
static int
fold_word(irs_tokenizer *tok, const char *in, int n, char *out, int cap)
{
	struct fold_buffer b = { out, cap, 0 };
	int rc, i;

	for (i = 0; i < n && (unsigned char)in[i] < 0x80; i++)
		;
	if (i == n && n <= cap) {	/* ASCII: the splitter lower-cased it, nothing to fold */
		memcpy(out, in, (size_t)n);
		return n;
	}

	rc = tok->unicode61.xTokenize(tok->folder, &b, FTS5_TOKENIZE_DOCUMENT, in, n, on_folded);
	if (rc != SQLITE_OK)
		return -1;
	if (b.n == 0) {		/* nothing the folder calls a letter: keep it as is */
		if (n > cap)
			return -1;
		memcpy(out, in, (size_t)n);
		return n;
	}
	return b.n;
}

static struct sb_stemmer *
stemmer_for(irs_tokenizer *tok, const char *t, int n)
{
	unsigned script = token_script((const unsigned char *)t, n);
	int i;

	if (script == SCRIPT_NONE)
		return NULL;
	for (i = 0; i < tok->nstemmers; i++)
		if (tok->stemmers[i].scripts & script)
			return tok->stemmers[i].sb;
	return NULL;
}

/* Fills e with the folded word and folded stem of t. */
static int
compute_entry(irs_tokenizer *tok, const char *t, int n, struct stem_entry *e)
{
	struct sb_stemmer *sb = stemmer_for(tok, t, n);
	const char *stem = t;
	int nstem = n, nsurf, nfold;

	if (sb != NULL) {
		const sb_symbol *s = sb_stemmer_stem(sb, (const sb_symbol *)t, n);

		if (s == NULL)
			return SQLITE_NOMEM;
		/* Snowball may strip a whole word (Greek "ικά"): such a word is its own stem. */
		if (sb_stemmer_length(sb) > 0) {
			stem = (const char *)s;
			nstem = sb_stemmer_length(sb);
		}
	}
	nsurf = fold_word(tok, t, n, e->surf, FOLD_MAX);
	if (nsurf < 0 || nsurf > 255)
		return SQLITE_TOOBIG;
	nfold = fold_word(tok, stem, nstem, e->stem, FOLD_MAX);
	if (nfold < 0 || nfold > 255)
		return SQLITE_TOOBIG;
	e->nsurf = (uint8_t)nsurf;
	e->nstem = (uint8_t)nfold;
	e->stem_differs = nfold != nsurf || memcmp(e->stem, e->surf, (size_t)nsurf) != 0;
	e->stemmed = sb != NULL;
	e->recorded = 0;
	return SQLITE_OK;
}

/*
 * The stem cache's pages come straight from the kernel: zero until a word
 * lands on them, and returned whole when the tokenizer goes.  From malloc
 * (calloc) a freed cache's successor could come out of a heap arena,
 * zeroed by hand and resident in full: irsearchd's workers each held 11
 * MiB more after every SIGHUP reopened their connections (bench/soak).
 */
static struct stem_slot *
cache_map(size_t slots)
{
	void *p;

	if (slots == 0)		/* "uncached" */
		return NULL;
	p = mmap(NULL, slots * sizeof(struct stem_slot), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * FNV-1a, 64 bits: its low bits pick a word's stem-cache slot, and the
 * vocabulary set keeps it whole (a collision among a million words: ~1e-8).
 */
static uint64_t
hash_word(const char *t, int n)
{
	uint64_t h = 14695981039346656037u;
	int i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)t[i];
		h *= 1099511628211u;
	}
	return h != 0 ? h : 1;
}

/* Keeps the forms e of word t in slot; 0 when they do not fit, and the slot keeps what it had. */
static int
slot_store(struct stem_slot *slot, const char *t, int n, const struct stem_entry *e)
{
	int own_surf = e->nsurf != n || memcmp(e->surf, t, (size_t)n) != 0;
	int own_stem = e->nstem > e->nsurf || memcmp(e->stem, e->surf, e->nstem) != 0;
	size_t need = (size_t)n + (own_surf ? e->nsurf : 0) + (own_stem ? e->nstem : 0);
	char *p = slot->data;

	if (need > sizeof(slot->data))
		return 0;
	memcpy(p, t, (size_t)n);
	p += n;
	if (own_surf) {
		memcpy(p, e->surf, e->nsurf);
		p += e->nsurf;
	}
	if (own_stem)
		memcpy(p, e->stem, e->nstem);
	slot->nkey = (uint8_t)n;
	slot->nsurf = e->nsurf;
	slot->nstem = e->nstem;
	slot->flags = (uint8_t)((own_surf ? SLOT_OWN_SURF : 0) | (own_stem ? SLOT_OWN_STEM : 0) |
				(e->stem_differs ? SLOT_STEM_DIFFERS : 0) | (e->stemmed ? SLOT_STEMMED : 0));
	slot->recorded = 0;
	return 1;
}

static void
slot_forms(struct stem_slot *slot, struct word_forms *w)
{
	w->surf = slot->flags & SLOT_OWN_SURF ? slot->data + slot->nkey : slot->data;
	w->stem = w->surf;
	if (slot->flags & SLOT_OWN_STEM)
		w->stem = slot->data + slot->nkey + (slot->flags & SLOT_OWN_SURF ? slot->nsurf : 0);
	w->nsurf = slot->nsurf;
	w->nstem = slot->nstem;
	w->stem_differs = (slot->flags & SLOT_STEM_DIFFERS) != 0;
	w->stemmed = (slot->flags & SLOT_STEMMED) != 0;
	w->recorded = &slot->recorded;
}

static void
entry_forms(struct stem_entry *e, struct word_forms *w)
{
	w->surf = e->surf;
	w->stem = e->stem;
	w->nsurf = e->nsurf;
	w->nstem = e->nstem;
	w->stem_differs = e->stem_differs;
	w->stemmed = e->stemmed;
	w->recorded = &e->recorded;
}

/*
 * The forms of token t (at most IRS_TOKEN_STEM_MAX bytes, h its hash_word), from the cache
 * or computed into it; computed into *scratch, which w may then point
 * into, when the cache cannot be had or they do not fit a slot.
 */
static int
lookup_word(irs_tokenizer *tok, const char *t, int n, uint64_t h, struct stem_entry *scratch,
	    struct word_forms *w)
{
	struct stem_slot *slot = NULL;
	int rc;

	if (tok->cache == NULL)
		tok->cache = cache_map(tok->cache_slots);
	if (tok->cache != NULL) {
		slot = &tok->cache[h & (tok->cache_slots - 1)];
		if (slot->nkey == n && memcmp(slot->data, t, (size_t)n) == 0) {
			slot_forms(slot, w);
			return SQLITE_OK;
		}
	}
	if ((rc = compute_entry(tok, t, n, scratch)) != SQLITE_OK)
		return rc;
	if (slot != NULL && slot_store(slot, t, n, scratch))
		slot_forms(slot, w);
	else
		entry_forms(scratch, w);
	return SQLITE_OK;
}

static void
word_set_clear(struct word_set *set)
{
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

/* The slot of h: where it is, or the empty one where it would go. */
static uint64_t *
word_set_slot(const struct word_set *set, uint64_t h)
{
	size_t i = (size_t)h & (set->cap - 1);

	while (set->slots[i] != 0 && set->slots[i] != h)
		i = (i + 1) & (set->cap - 1);
	return &set->slots[i];
}

static int
word_set_grow(struct word_set *set)
{
	struct word_set bigger = { NULL, set->cap == 0 ? 4096 : set->cap * 2, set->count };
	size_t i;

	if ((bigger.slots = calloc(bigger.cap, sizeof(uint64_t))) == NULL)
		return SQLITE_NOMEM;
	for (i = 0; i < set->cap; i++)
		if (set->slots[i] != 0)
			*word_set_slot(&bigger, set->slots[i]) = set->slots[i];
	free(set->slots);
	*set = bigger;
	return SQLITE_OK;
}

static void
pending_clear(struct pending *p)
{
	p->used = 0;
	p->count = 0;
}

static void
pending_free(struct pending *p)
{
	free(p->buf);
	free(p->offsets);
	memset(p, 0, sizeof(*p));
}

static int
reserve(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap == 0 ? 4096 : *cap;
	void *grown;

	if (need <= *cap)
		return SQLITE_OK;
	while (n < need)
		n *= 2;
	if ((grown = realloc(*buf, n * size)) == NULL)
		return SQLITE_NOMEM;
	*buf = grown;
	*cap = n;
	return SQLITE_OK;
}

static int
pending_add(struct pending *p, const struct word_forms *e)
{
	size_t need = p->used + 2 + (size_t)e->nstem + (size_t)e->nsurf;
	unsigned char *r;
	int rc = reserve((void **)&p->buf, &p->cap, need, 1);

	if (rc == SQLITE_OK)
		rc = reserve((void **)&p->offsets, &p->offsets_cap, p->count + 1, sizeof(size_t));
	if (rc != SQLITE_OK)
		return rc;
	r = p->buf + p->used;
	r[0] = (unsigned char)e->nstem;
	memcpy(r + 1, e->stem, (size_t)e->nstem);
	r[1 + e->nstem] = (unsigned char)e->nsurf;
	memcpy(r + 2 + e->nstem, e->surf, (size_t)e->nsurf);
	p->offsets[p->count++] = p->used;
	p->used = need;
	return SQLITE_OK;
}

/* The connection forgets which words it recorded (a rollback undid some, or the set is full). */
static void
forget_recorded(tokenize_context *ctx)
{
	word_set_clear(&ctx->recorded);
	if (++ctx->generation == 0)	/* 0 means "never recorded" in a cache entry */
		ctx->generation = 1;
}

/* Adds h; *added says whether it was new. */
static int
word_set_add(tokenize_context *ctx, uint64_t h, int *added)
{
	struct word_set *set = &ctx->recorded;
	uint64_t *slot;
	int rc;

	if (set->cap > 0 && *(slot = word_set_slot(set, h)) == h) {
		*added = 0;
		return SQLITE_OK;
	}
	if (2 * (set->count + 1) > set->cap) {
		if (set->cap >= IRS_VOCABULARY_SET_SLOTS)
			forget_recorded(ctx);
		if ((rc = word_set_grow(set)) != SQLITE_OK)
			return rc;
	}
	*word_set_slot(set, h) = h;
	set->count++;
	*added = 1;
	return SQLITE_OK;
}

static int
compare_text(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	return c != 0 ? c : (na > nb) - (na < nb);
}

/* Orders pending records as SQLite's BINARY collation orders (stem, word): fewer pages touched. */
static int
compare_pending(const void *x, const void *y)
{
	const unsigned char *a = *(const unsigned char *const *)x, *b = *(const unsigned char *const *)y;
	int c = compare_text(a + 1, a[0], b + 1, b[0]);

	return c != 0 ? c : compare_text(a + 2 + a[0], a[1 + a[0]], b + 2 + b[0], b[1 + b[0]]);
}

#define INSERT_PAIR "INSERT OR IGNORE INTO " IRS_VOCABULARY_TABLE "(stem, word) VALUES(?1, ?2)"

/* Forgets the waiting pairs and every recorded word: they are all offered again. */
static void
drop_pending(tokenize_context *ctx)
{
	pending_clear(&ctx->pending);
	forget_recorded(ctx);
}

/*
 * Writes the waiting pairs with st, in key order; rc says how preparing st
 * went.  On any failure the connection drops them and forgets every
 * recorded word, so none is taken for written that was not.
 */
static int
write_pending(tokenize_context *ctx, sqlite3_stmt *st, int rc)
{
	struct pending *p = &ctx->pending;
	const unsigned char **sorted = NULL;
	size_t i;

	if (rc == SQLITE_OK && (sorted = malloc(p->count * sizeof(*sorted))) == NULL)
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_OK) {
		for (i = 0; i < p->count; i++)
			sorted[i] = p->buf + p->offsets[i];
		qsort(sorted, p->count, sizeof(*sorted), compare_pending);
	}
	for (i = 0; rc == SQLITE_OK && i < p->count; i++) {
		const unsigned char *r = sorted[i];

		sqlite3_bind_text(st, 1, (const char *)r + 1, r[0], SQLITE_STATIC);
		sqlite3_bind_text(st, 2, (const char *)r + 2 + r[0], r[1 + r[0]], SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	free(sorted);
	if (st != NULL)
		sqlite3_clear_bindings(st);
	if (rc == SQLITE_OK)
		pending_clear(p);
	else
		drop_pending(ctx);
	return rc;
}

/* Prepares the vocabulary statement sql on first use; SQLITE_ERROR when there is no such table. */
static int
vocabulary_statement(irs_tokenizer *tok, sqlite3_stmt **st, const char *sql)
{
	if (*st != NULL)
		return SQLITE_OK;
	return sqlite3_prepare_v3(tok->ctx->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* Writes the connection's waiting pairs through this tokenizer's statement. */
static int
flush_through(irs_tokenizer *tok)
{
	int rc;

	if (tok->ctx->pending.count == 0)
		return SQLITE_OK;
	rc = vocabulary_statement(tok, &tok->record, INSERT_PAIR);
	return write_pending(tok->ctx, tok->record, rc);
}

/*
 * Queues the pair (stem, word) of e for the vocabulary, once per session of
 * this connection; written at the end of the document, or, when deferred,
 * by tokenize_flush_vocabulary or once IRS_VOCABULARY_PENDING_BYTES wait.
 */
static int
record_word(irs_tokenizer *tok, const struct word_forms *e)
{
	tokenize_context *ctx = tok->ctx;
	int rc, added;

	if (ctx->read_only)
		return SQLITE_OK;	/* nothing could be written */
	rc = word_set_add(ctx, hash_word(e->surf, e->nsurf), &added);
	if (rc == SQLITE_OK && added)
		rc = pending_add(&ctx->pending, e);
	if (rc == SQLITE_OK && ctx->pending.used > IRS_VOCABULARY_PENDING_BYTES)
		rc = flush_through(tok);
	if (rc == SQLITE_OK)
		*e->recorded = ctx->generation;
	else
		forget_recorded(ctx);
	return rc;
}

/* After the query word itself: the other indexed words of its stem, at the same position. */
static int
emit_variants(struct tokenize_call *c, const struct word_forms *e, int tflags, int start, int end)
{
	irs_tokenizer *tok = c->tok;
	int rc;

	if (tok->no_vocabulary)
		return SQLITE_OK;
	rc = vocabulary_statement(tok, &tok->variants, "SELECT word FROM " IRS_VOCABULARY_TABLE
				  " WHERE stem = ?1 LIMIT " IRS_STRINGIFY(IRS_MAX_STEM_VARIANTS));
	if (rc == SQLITE_ERROR) {	/* no vocabulary table: words as written */
		tok->no_vocabulary = 1;
		return SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(tok->variants, 1, e->stem, e->nstem, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(tok->variants)) == SQLITE_ROW) {
		const char *w = (const char *)sqlite3_column_text(tok->variants, 0);
		int nw = sqlite3_column_bytes(tok->variants, 0);

		rc = SQLITE_OK;
		if (w == NULL || (nw == e->nsurf && memcmp(w, e->surf, (size_t)nw) == 0))
			continue;
		rc = c->emit(c->ctx, tflags | FTS5_TOKEN_COLOCATED, w, nw, start, end);
	}
	sqlite3_reset(tok->variants);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
on_word(void *p, int tflags, const char *t, int n, int start, int end)
{
	struct tokenize_call *c = p;
	struct stem_entry scratch;
	struct word_forms forms;
	const struct word_forms *e = &forms;
	int rc;

	if (n <= 0 || n > IRS_TOKEN_STEM_MAX)
		return c->emit(c->ctx, tflags, t, n, start, end);
	rc = lookup_word(c->tok, t, n, hash_word(t, n), &scratch, &forms);
	if (rc != SQLITE_OK)
		return rc == SQLITE_TOOBIG ? c->emit(c->ctx, tflags, t, n, start, end) : rc;

	if (c->tok->stem_only) {
		if (c->how == EMIT_SURFACE_QUERY || !e->stem_differs)
			return c->emit(c->ctx, tflags, e->surf, e->nsurf, start, end);
		return c->emit(c->ctx, tflags, e->stem, e->nstem, start, end);
	}
	switch (c->how) {
	case EMIT_INDEX:
		if (e->stemmed && *e->recorded != c->tok->ctx->generation && (rc = record_word(c->tok, e)) != SQLITE_OK)
			return rc;
		break;
	case EMIT_STEMMED_QUERY:
		rc = c->emit(c->ctx, tflags, e->surf, e->nsurf, start, end);
		if (rc == SQLITE_OK && e->stemmed)
			rc = emit_variants(c, e, tflags, start, end);
		return rc;
	case EMIT_SURFACE_QUERY:
		break;
	}
	return c->emit(c->ctx, tflags, e->surf, e->nsurf, start, end);
}

/* Indexes the oldest queued word: its forms, its vocabulary pair, the word emitted. */
static int
index_oldest(struct tokenize_call *c)
{
	struct queued_word *q = &c->queue[c->head];
	struct stem_entry scratch;
	struct word_forms e;
	int rc = lookup_word(c->tok, q->text, q->n, q->hash, &scratch, &e);

	c->head = (c->head + 1) % IRS_TOKEN_PREFETCH;
	c->queued--;
	if (rc == SQLITE_TOOBIG)
		return c->emit(c->ctx, q->tflags, q->text, q->n, q->start, q->end);
	if (rc == SQLITE_OK && e.stemmed && *e.recorded != c->tok->ctx->generation)
		rc = record_word(c->tok, &e);
	if (rc == SQLITE_OK)
		rc = c->emit(c->ctx, q->tflags, e.surf, e.nsurf, q->start, q->end);
	return rc;
}

static int
index_queued(struct tokenize_call *c)
{
	int rc = SQLITE_OK;

	while (rc == SQLITE_OK && c->queued > 0)
		rc = index_oldest(c);
	return rc;
}

/*
 * on_word for indexing.  Looking a word up in the stem cache is a load from
 * anywhere in 16 MiB, nearly always missed by the CPU's caches, and taken
 * one word after the other those misses were most of the tokenizer's own
 * time.  So a word waits in a queue of IRS_TOKEN_PREFETCH while its slot
 * is fetched, and the words are indexed in their order as the queue moves.
 */
static int
index_word(void *p, int tflags, const char *t, int n, int start, int end)
{
	struct tokenize_call *c = p;
	struct queued_word *q;
	int rc;

	if (n <= 0 || n > IRS_TOKEN_STEM_MAX) {	/* indexed as it is, after the words before it */
		rc = index_queued(c);
		return rc == SQLITE_OK ? c->emit(c->ctx, tflags, t, n, start, end) : rc;
	}
	if (c->queued == IRS_TOKEN_PREFETCH && (rc = index_oldest(c)) != SQLITE_OK)
		return rc;
	q = &c->queue[(c->head + c->queued) % IRS_TOKEN_PREFETCH];
	c->queued++;
	q->hash = hash_word(t, n);
	q->tflags = tflags;
	q->n = n;
	q->start = start;
	q->end = end;
	memcpy(q->text, t, (size_t)n);
	if (c->tok->cache != NULL)
		__builtin_prefetch(&c->tok->cache[q->hash & (c->tok->cache_slots - 1)]);
	return SQLITE_OK;
}

static int
irs_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int ntext,
	     int (*emit)(void *, int, const char *, int, int, int))
{
	struct tokenize_call c;
	int rc;

	c.tok = (irs_tokenizer *)p;
	/*
	 * highlight() and snippet() re-tokenize stored text only to map token
	 * positions to byte offsets, and skip colocated tokens: the words as
	 * the splitter cuts them give the same positions, with no stemming.
	 */
	if (flags & FTS5_TOKENIZE_AUX)
		return c.tok->unicode61.xTokenize(c.tok->splitter, ctx, flags, text, ntext, emit);
	c.ctx = ctx;
	c.emit = emit;
	c.how = EMIT_INDEX;
	if (flags & FTS5_TOKENIZE_QUERY) {
		c.how = EMIT_STEMMED_QUERY;
		if (ntext > 0 && text[0] == IRS_EXACT_MARK) {
			c.how = EMIT_SURFACE_QUERY;
			text++, ntext--;
		}
		if (flags & FTS5_TOKENIZE_PREFIX)
			c.how = EMIT_SURFACE_QUERY;
	}
	if (c.how == EMIT_INDEX && !c.tok->stem_only) {
		if (c.tok->cache == NULL)
			c.tok->cache = cache_map(c.tok->cache_slots);
		c.head = c.queued = 0;
		rc = c.tok->unicode61.xTokenize(c.tok->splitter, &c, flags, text, ntext, index_word);
		if (rc == SQLITE_OK)
			rc = index_queued(&c);
	} else {
		rc = c.tok->unicode61.xTokenize(c.tok->splitter, &c, flags, text, ntext, on_word);
	}
	if (rc == SQLITE_OK && c.how == EMIT_INDEX && !c.tok->ctx->deferred)
		rc = flush_through(c.tok);
	return rc;
}

static void
irs_tokenizer_delete(Fts5Tokenizer *p)
{
	irs_tokenizer *tok = (irs_tokenizer *)p;
	int i;

	if (tok == NULL)
		return;
	if (tok->splitter != NULL)
		tok->unicode61.xDelete(tok->splitter);
	if (tok->folder != NULL)
		tok->unicode61.xDelete(tok->folder);
	for (i = 0; i < tok->nstemmers; i++)
		sb_stemmer_delete(tok->stemmers[i].sb);
	if (tok->cache != NULL)
		munmap(tok->cache, tok->cache_slots * sizeof(struct stem_slot));
	sqlite3_finalize(tok->record);
	sqlite3_finalize(tok->variants);
	free(tok);
}

static int
add_language(irs_tokenizer *tok, const char *name)
{
	struct sb_stemmer *sb;

	if (tok->nstemmers == IRS_MAX_LANGUAGES || !is_snowball_language(name))
		return SQLITE_ERROR;
	sb = sb_stemmer_new(name, NULL);
	if (sb == NULL)
		return SQLITE_NOMEM;
	tok->stemmers[tok->nstemmers].sb = sb;
	tok->stemmers[tok->nstemmers].scripts = language_scripts(name);
	tok->nstemmers++;
	return SQLITE_OK;
}

static int
irs_tokenizer_create(void *context, const char **argv, int argc, Fts5Tokenizer **out)
{
	tokenize_context *ctx = context;
	fts5_api *api = ctx->api;
	const char *keep[] = { "remove_diacritics", "0" };
	const char *strip[] = { "remove_diacritics", "2" };
	irs_tokenizer *tok;
	void *parent_data = NULL;
	int rc, i;

	*out = NULL;
	tok = calloc(1, sizeof(*tok));
	if (tok == NULL)
		return SQLITE_NOMEM;
	tok->ctx = ctx;
	tok->cache_slots = ctx->read_only ? IRS_STEM_CACHE_SLOTS : IRS_WRITER_STEM_CACHE_SLOTS;
	rc = api->xFindTokenizer(api, "unicode61", &parent_data, &tok->unicode61);
	if (rc == SQLITE_OK)
		rc = tok->unicode61.xCreate(parent_data, keep, 2, &tok->splitter);
	if (rc == SQLITE_OK)
		rc = tok->unicode61.xCreate(parent_data, strip, 2, &tok->folder);
	for (i = 0; rc == SQLITE_OK && i < argc; i++) {
		if (strcmp(argv[i], "stem_only") == 0)
			tok->stem_only = 1;
		else if (strcmp(argv[i], "uncached") == 0)
			tok->cache_slots = 0;
		else
			rc = add_language(tok, argv[i]);
	}
	if (rc == SQLITE_OK && tok->nstemmers == 0) {
		rc = add_language(tok, "english");
		if (rc == SQLITE_OK)
			rc = add_language(tok, "russian");
	}
	if (rc != SQLITE_OK) {
		irs_tokenizer_delete((Fts5Tokenizer *)tok);
		return rc;
	}
	*out = (Fts5Tokenizer *)tok;
	return SQLITE_OK;
}

fts5_api *
tokenize_fts5_api(sqlite3 *db, irs_error *e)
{
	fts5_api *api = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
		rc = sqlite3_step(stmt);
		rc = sqlite3_finalize(stmt);
	}
	if (api == NULL && (rc & 0xff) == SQLITE_NOMEM)
		irs_fail(e, IRS_INTERNAL, "out of memory while setting up SQLite's FTS5");
	else if (api == NULL)
		irs_fail(e, IRS_INTERNAL, "this SQLite has no FTS5");
	return api;
}

/* A rollback undid the words of its transaction: record them all again. */
static void
on_rollback(void *context)
{
	drop_pending(context);
}

static void
context_free(void *context)
{
	tokenize_context *ctx = context;

	word_set_clear(&ctx->recorded);
	pending_free(&ctx->pending);
	sqlite3_free(ctx);
}

irs_code
tokenize_register(sqlite3 *db, irs_error *e)
{
	fts5_tokenizer methods = { irs_tokenizer_create, irs_tokenizer_delete, irs_tokenize };
	fts5_api *api = tokenize_fts5_api(db, e);
	tokenize_context *ctx;
	int rc;

	if (api == NULL)
		return e->code;
	if ((ctx = sqlite3_malloc(sizeof(*ctx))) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory while registering the %s tokenizer",
				IRS_TOKENIZER_NAME);
	memset(ctx, 0, sizeof(*ctx));
	ctx->api = api;
	ctx->db = db;
	ctx->read_only = sqlite3_db_readonly(db, "main") == 1;
	ctx->generation = 1;
	/* FTS5 frees ctx with the connection, or never takes it: out of memory. */
	if ((rc = api->xCreateTokenizer(api, IRS_TOKENIZER_NAME, ctx, &methods, context_free)) != SQLITE_OK) {
		sqlite3_free(ctx);
		return irs_fail(e, IRS_INTERNAL, "cannot register the %s tokenizer: %s", IRS_TOKENIZER_NAME,
				sqlite3_errstr(rc));
	}
	sqlite3_rollback_hook(db, on_rollback, ctx);
	return IRS_OK;
}

tokenize_context *
tokenize_defer_vocabulary(sqlite3 *db, irs_error *e)
{
	fts5_api *api = tokenize_fts5_api(db, e);
	fts5_tokenizer methods;
	void *found = NULL;
	tokenize_context *ctx;

	if (api == NULL)
		return NULL;
	if (api->xFindTokenizer(api, IRS_TOKENIZER_NAME, &found, &methods) != SQLITE_OK || found == NULL) {
		irs_fail(e, IRS_INTERNAL, "the %s tokenizer is not registered on this connection",
			 IRS_TOKENIZER_NAME);
		return NULL;
	}
	ctx = found;
	ctx->deferred = 1;
	return ctx;
}

int
tokenize_flush_vocabulary(tokenize_context *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (ctx->pending.count == 0)
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(ctx->db, INSERT_PAIR, -1, &st, NULL);
	rc = write_pending(ctx, st, rc);
	sqlite3_finalize(st);
	return rc;
}

irs_code
tokenize_check_languages(const char *list, irs_error *e)
{
	char name[64];
	const char *p = list;
	int count = 0;

	while (*p != '\0') {
		size_t n = strcspn(p, " \t,");

		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(name))
			return irs_fail(e, IRS_BAD_REQUEST, "language name too long: %.20s...", p);
		memcpy(name, p, n);
		name[n] = '\0';
		if (!is_snowball_language(name))
			return irs_fail(e, IRS_BAD_REQUEST,
					"no Snowball stemmer for language '%s' (libstemmer has: english, russian, french, german, turkish, ...)",
					name);
		if (++count > IRS_MAX_LANGUAGES)
			return irs_fail(e, IRS_BAD_REQUEST, "more than %d languages", IRS_MAX_LANGUAGES);
		p += n;
	}
	if (count == 0)
		return irs_fail(e, IRS_BAD_REQUEST, "no stemming language given");
	return IRS_OK;
}
