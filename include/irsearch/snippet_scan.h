/*
 * snippet_scan.h - the snippet's scan (snippet.c), lent to the snippet map
 * (snippet_map.c), which records the scan's positions so that a snippet can
 * start it from one of them.  Not for other modules.
 *
 * The scan maps token positions to byte offsets without calling the
 * tokenizer for every word: unicode61 (default options, which the irsearch
 * tokenizer uses) splits at every ASCII byte that is not a letter or digit,
 * so the text is a series of chunks between such bytes; a chunk of ASCII
 * letters and digits, Latin-1 and Latin Extended letters or basic Cyrillic
 * is exactly one token, and any other chunk is handed to the tokenizer (a
 * splitter, snippet.c's own) to count.  Tokenizing a long body from its
 * start to a match near its end cost milliseconds per hit.
 */
#ifndef IRSEARCH_SNIPPET_SCAN_H
#define IRSEARCH_SNIPPET_SCAN_H

/* The highest token position an irs_snippet_hits blob or a map may name: far past any real body. */
#define SNIPPET_MAX_POSITION (1 << 28)

/* What splits a body into tokens at the positions of index time (snippet.c). */
struct snippet_splitter;

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

/* A scan of text[0..ntext) from its start: byte and position 0, page 1. */
void snippet_scan_start(struct snippet_scan *s, const struct snippet_splitter *sp, const unsigned char *text,
			int ntext);

/*
 * Moves the scan to the start of token target (or the end of the text);
 * with pages, appends the first position of each page it enters (the
 * caller frees pages->first).  An SQLite error code.
 */
int snippet_scan_to(struct snippet_scan *s, int target, struct snippet_pages *pages);

/* The pages of text (none when it has no form feed) into *pages, empty at the call; an SQLite error code. */
int snippet_scan_pages(const struct snippet_splitter *sp, const unsigned char *text, int ntext,
		       struct snippet_pages *pages);

#endif
