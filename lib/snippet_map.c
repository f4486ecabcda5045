/*
 * snippet_map.c - a body's snippet map, made and read (see snippet_map.h).
 *
 * The map: little-endian 32-bit words, MAP_HEAD of them (MAP_VERSION, the
 * body's bytes, the low and high words of its document's hash,
 * checkpoints, page breaks), then position, byte and page of each
 * checkpoint, then the first position of each page after the first, as
 * snippet_scan_to records them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/snippet_map.h"

#define MAP_VERSION 1
#define MAP_HEAD 6

static void
put32(sqlite3_str *out, int v)
{
	char b[4];
	uint32_t u = (uint32_t)v;

	b[0] = (char)(u & 0xff), b[1] = (char)(u >> 8 & 0xff), b[2] = (char)(u >> 16 & 0xff), b[3] = (char)(u >> 24);
	sqlite3_str_append(out, b, 4);
}

static int
get32(const unsigned char *p)
{
	return (int)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/*
 * The checkpoints of text, every SNIPPET_MAP_EVERY tokens or at the next
 * clean start after, into the growing array *check.
 */
static int
find_checkpoints(const struct snippet_splitter *sp, const unsigned char *text, int ntext,
		 struct snippet_map_checkpoint **check, int *ncheck)
{
	struct snippet_scan s;
	int cap = 0, target = SNIPPET_MAP_EVERY, rc;

	snippet_scan_start(&s, sp, text, ntext);
	for (;;) {
		if ((rc = snippet_scan_to(&s, target, NULL)) != SQLITE_OK)
			return rc;
		if (s.pos < target || s.byte >= ntext)
			return SQLITE_OK;
		if (!snippet_scan_clean_start(text, ntext, s.byte)) {
			target = s.pos + 1;
			continue;
		}
		if (*ncheck == cap) {
			struct snippet_map_checkpoint *more;

			cap = cap > 0 ? cap * 2 : 16;
			if ((more = realloc(*check, sizeof(*more) * (size_t)cap)) == NULL)
				return SQLITE_NOMEM;
			*check = more;
		}
		(*check)[*ncheck].pos = s.pos;
		(*check)[*ncheck].byte = s.byte;
		(*check)[*ncheck].page = s.page;
		(*ncheck)++;
		target = s.pos + SNIPPET_MAP_EVERY;
	}
}

int
snippet_map_build(const struct snippet_splitter *sp, const unsigned char *text, int ntext, int64_t hash,
		  sqlite3_str *out, int *empty)
{
	struct snippet_pages pages = { NULL, 0 };
	struct snippet_map_checkpoint *check = NULL;
	int ncheck = 0, i, rc;

	rc = snippet_scan_pages(sp, text, ntext, &pages);
	if (rc == SQLITE_OK)
		rc = find_checkpoints(sp, text, ntext, &check, &ncheck);
	*empty = ncheck == 0 && pages.n == 0;
	if (rc == SQLITE_OK && !*empty) {
		put32(out, MAP_VERSION);
		put32(out, ntext);
		put32(out, (int)(uint32_t)((uint64_t)hash & 0xffffffffu));
		put32(out, (int)(uint32_t)((uint64_t)hash >> 32));
		put32(out, ncheck);
		put32(out, pages.n);
		for (i = 0; i < ncheck; i++) {
			put32(out, check[i].pos);
			put32(out, check[i].byte);
			put32(out, check[i].page);
		}
		for (i = 0; i < pages.n; i++)
			put32(out, pages.first[i]);
	}
	free(check);
	free(pages.first);
	return rc;
}

void
snippet_map_free(struct snippet_map *m)
{
	free(m->check);
	free(m->pages.first);
	memset(m, 0, sizeof(*m));
}

int
snippet_map_parse(const unsigned char *blob, int nblob, int nbody, int64_t hash, struct snippet_map *m)
{
	int i, prev_pos = 0, prev_byte = 0, prev_page = 1;

	memset(m, 0, sizeof(*m));
	if (blob == NULL || nblob < 4 * MAP_HEAD || get32(blob) != MAP_VERSION || get32(blob + 4) != nbody ||
	    (uint32_t)get32(blob + 8) != (uint32_t)((uint64_t)hash & 0xffffffffu) ||
	    (uint32_t)get32(blob + 12) != (uint32_t)((uint64_t)hash >> 32))
		return -1;
	m->nbody = nbody;
	m->ncheck = get32(blob + 16);
	m->pages.n = get32(blob + 20);
	if (m->ncheck < 0 || m->pages.n < 0 || m->ncheck > nbody || m->pages.n > nbody ||
	    (int64_t)nblob != 4 * ((int64_t)MAP_HEAD + 3 * (int64_t)m->ncheck + m->pages.n))
		return -1;
	m->check = malloc(sizeof(*m->check) * (size_t)(m->ncheck > 0 ? m->ncheck : 1));
	m->pages.first = malloc(sizeof(int) * (size_t)(m->pages.n > 0 ? m->pages.n : 1));
	if (m->check == NULL || m->pages.first == NULL) {
		snippet_map_free(m);
		return -1;
	}
	for (i = 0; i < m->ncheck; i++) {
		const unsigned char *c = blob + 4 * (MAP_HEAD + 3 * i);
		struct snippet_map_checkpoint *k = &m->check[i];

		k->pos = get32(c), k->byte = get32(c + 4), k->page = get32(c + 8);
		if (k->pos <= prev_pos || k->byte <= prev_byte || k->byte >= nbody || k->page < prev_page ||
		    k->pos > SNIPPET_MAX_POSITION) {
			snippet_map_free(m);
			return -1;
		}
		prev_pos = k->pos, prev_byte = k->byte, prev_page = k->page;
	}
	for (i = 0; i < m->pages.n; i++) {
		m->pages.first[i] = get32(blob + 4 * (MAP_HEAD + 3 * m->ncheck + i));
		if (m->pages.first[i] < 0 || (i > 0 && m->pages.first[i] < m->pages.first[i - 1])) {
			snippet_map_free(m);
			return -1;
		}
	}
	return 0;
}

/*
 * The last checkpoint at or before start (the body's start when none),
 * and the byte where the text may end for a window ending at end.
 */
static void
map_range(const struct snippet_map *m, int start, int end, struct snippet_map_checkpoint *from, int *to)
{
	int i;

	from->pos = 0, from->byte = 0, from->page = 1;
	*to = m->nbody;
	for (i = 0; i < m->ncheck; i++) {
		if (m->check[i].pos <= start)
			*from = m->check[i];
		else if (m->check[i].pos > end) {	/* the token after the window is before it */
			*to = m->check[i].byte;
			break;
		}
	}
}

int
snippet_map_read(const struct snippet_map *m, sqlite3_blob *blob, int start, int end, unsigned char **buf,
		 const unsigned char **text, int *n, struct snippet_map_checkpoint *from)
{
	int to, lead, rc;

	map_range(m, start, end, from, &to);
	lead = from->byte > 0;	/* the byte before the checkpoint, to check it */
	*n = to - from->byte;
	if ((*buf = malloc((size_t)*n + (size_t)lead + 1)) == NULL)
		return SQLITE_NOMEM;
	if ((rc = sqlite3_blob_read(blob, *buf, *n + lead, from->byte - lead)) != SQLITE_OK)
		return rc;
	(*buf)[*n + lead] = '\0';
	if (lead && !snippet_scan_clean_start(*buf, *n + 1, 1))
		return SNIPPET_MAP_UNUSABLE;
	*text = *buf + lead;
	return SQLITE_OK;
}
