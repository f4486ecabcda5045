/*
 * snippet_scan.h - the snippet's scan: token positions mapped to byte
 * offsets and pages in a body, for the snippet (snippet.h) and its map
 * (snippet_map.h), which records the scan's positions so that a snippet
 * can start it from one of them.
 *
 * Owns: the splitter (what splits a body into tokens at the positions of
 * index time), the scan from a byte, position and page to a later
 * position, the pages of a body, where a scan may start other than at
 * byte 0, and SNIPPET_MAX_POSITION.
 * Does not own: choosing or marking passages (snippet.h), the map's
 * format and checks (snippet_map.h), counting ASCII words a block at a
 * time (wordscan.h, which the scan calls).
 *
 * The scan maps token positions to byte offsets without calling the
 * tokenizer for every word: unicode61 (default options, which the irsearch
 * tokenizer uses) splits at every ASCII byte that is not a letter or digit,
 * so the text is a series of chunks between such bytes; a chunk of ASCII
 * letters and digits, Latin-1 and Latin Extended letters or basic Cyrillic
 * is exactly one token, and any other chunk is handed to the splitter to
 * count.  Tokenizing a long body from its start to a match near its end
 * cost milliseconds per hit.
 */
#ifndef IRSEARCH_SNIPPET_SCAN_H
#define IRSEARCH_SNIPPET_SCAN_H

#include <sqlite3.h>

/* The highest token position an irs_snippet_hits blob or a map may name: far past any real body. */
#define SNIPPET_MAX_POSITION (1 << 28)

/*
 * What splits a body into tokens at the positions of index time: FTS5's
 * xTokenize (api and fts, in an auxiliary function), or else the irsearch
 * tokenizer run directly with FTS5_TOKENIZE_AUX (methods and tok), which
 * is what xTokenize calls.  The holder owns all four.
 */
struct snippet_splitter {
	const Fts5ExtensionApi *api;
	Fts5Context *fts;
	const fts5_tokenizer *methods;
	Fts5Tokenizer *tok;
};

/* The first token position of each page after the first, in a paged body. */
struct snippet_pages {
	int *first;		/* n of them, in order; owned by the holder */
	int n;
};

/* A scan of text standing at byte, with pos tokens and page - 1 form feeds before it. */
struct snippet_scan {
	const struct snippet_splitter *split;
	const unsigned char *text;
	int ntext;
	int byte, pos, page;
};

/* Calls emit for each token of text[0..n) with ctx, as xTokenize does; an SQLite error code (or emit's). */
int snippet_split(const struct snippet_splitter *sp, const char *text, int n, void *ctx,
		  int (*emit)(void *, int, const char *, int, int, int));

/*
 * Whether a scan may start at byte b of text as at a token: the byte
 * before is one unicode61 always splits at, the byte there may begin a
 * word.  Inside a chunk the scan cannot count alone, no byte is one.
 */
int snippet_scan_clean_start(const unsigned char *text, int ntext, int b);

/* A scan of text[0..ntext) from its start: byte and position 0, page 1. */
void snippet_scan_start(struct snippet_scan *s, const struct snippet_splitter *sp, const unsigned char *text,
			int ntext);

/* A scan of text[0..ntext) whose first byte begins token pos on page page (a map's checkpoint). */
void snippet_scan_resume(struct snippet_scan *s, const struct snippet_splitter *sp, const unsigned char *text,
			 int ntext, int pos, int page);

/*
 * Moves the scan to the start of token target (or the end of the text);
 * with pages, appends the first position of each page it enters (the
 * caller frees pages->first).  An SQLite error code.
 */
int snippet_scan_to(struct snippet_scan *s, int target, struct snippet_pages *pages);

/*
 * Moves the scan on to byte, past the tokens tokens that the caller split
 * from where the scan stood, counting the form feeds it passes.
 */
void snippet_scan_past(struct snippet_scan *s, int byte, int tokens);

/* The pages of text (none when it has no form feed) into *pages, empty at the call; an SQLite error code. */
int snippet_scan_pages(const struct snippet_splitter *sp, const unsigned char *text, int ntext,
		       struct snippet_pages *pages);

#endif
