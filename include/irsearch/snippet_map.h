/*
 * snippet_map.h - a body's snippet map: where the snippet's scan may start
 * other than at byte 0.
 *
 * Owns: the map's format (a few 32-bit words: the body's length and hash,
 * a checkpoint (token position, byte offset, page) every SNIPPET_MAP_EVERY
 * tokens, the first position of each page), its making by the snippet's
 * own scan (snippet_scan.h), so that its positions are the scan's by
 * construction, its reading with the checks that turn away a map of
 * another body or a damaged row, and the bytes of the body around a
 * window of tokens, read through a blob handle.
 * Does not own: the SQL functions that make and use maps, choosing or
 * marking passages (snippet.h), or the table the writer keeps maps in
 * (SNIPPET_MAP_TABLE, snippet.h).
 */
#ifndef IRSEARCH_SNIPPET_MAP_H
#define IRSEARCH_SNIPPET_MAP_H

#include <stdint.h>

#include <sqlite3.h>

#include "irsearch/snippet_scan.h"

/*
 * Tokens between checkpoints: a passage scans fewer than this many tokens
 * (about 6 bytes each) before its window; a map costs 12 bytes per
 * checkpoint.  Measured at 10,000 documents (docs/PERFORMANCE.md,
 * "Snippet maps"): 128 was 3-5% faster on near and group and 3.4 times
 * the maps' bytes, 2048 12-50% slower.
 */
#define SNIPPET_MAP_EVERY 512

/* snippet_map_read's answer when the map does not fit the body: the caller scans the whole body instead. */
#define SNIPPET_MAP_UNUSABLE (-1)

struct snippet_map_checkpoint {
	int pos, byte, page;
};

/* A map read by snippet_map_parse; snippet_map_free frees what it holds. */
struct snippet_map {
	int nbody;
	int ncheck;
	struct snippet_map_checkpoint *check;	/* sorted, all inside the body */
	struct snippet_pages pages;
};

/*
 * The map of text[0..ntext), whose document's hash is hash, appended to
 * out; *empty when it would say nothing (a body of fewer tokens than a
 * checkpoint's and no page break), and then nothing is appended.  An
 * SQLite error code (out's own, sqlite3_str_errcode, aside).
 */
int snippet_map_build(const struct snippet_splitter *sp, const unsigned char *text, int ntext, int64_t hash,
		      sqlite3_str *out, int *empty);

/*
 * Reads blob[0..nblob) as the map of a body of nbody bytes whose
 * document's hash is hash into *m: 0, or -1 (m empty) when it is not one a
 * writer of this body could have made (another version, hash or length,
 * the wrong size, checkpoints out of order or outside the body, pages out
 * of order) or memory is short.
 */
int snippet_map_parse(const unsigned char *blob, int nblob, int nbody, int64_t hash, struct snippet_map *m);

/* Frees what m holds and empties it. */
void snippet_map_free(struct snippet_map *m);

/*
 * The bytes of the body (the blob of the row m was parsed for) that hold
 * the tokens [start, end) and the one after them: from the last checkpoint
 * at or before start, *from (the body's start when none), to the first one
 * past end, *n bytes at *text, inside *buf, which the caller frees (even
 * on failure).  SNIPPET_MAP_UNUSABLE when the checkpoint is not at a
 * token's start, else an SQLite error code.
 */
int snippet_map_read(const struct snippet_map *m, sqlite3_blob *blob, int start, int end, unsigned char **buf,
		     const unsigned char **text, int *n, struct snippet_map_checkpoint *from);

#endif
