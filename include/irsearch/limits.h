/*
 * limits.h - every limit irsearch enforces, in one place.
 *
 * Owns: the named constants for sizes, lengths and counts that untrusted
 * input (files, queries, socket bytes) is checked against.  Values that a
 * user may change are defaults; config.h reads the overrides.
 */
#ifndef IRSEARCH_LIMITS_H
#define IRSEARCH_LIMITS_H

/* Tokens longer than this (bytes) are indexed as they are, unstemmed. */
#define IRS_TOKEN_STEM_MAX 64
/* Entries in each tokenizer instance's stem cache (a power of two): 64 bytes each,
 * 2 MiB, mapped when first used.  On 1,000 generated reports 8,192 hit 81% of
 * words, 32,768 91%. */
#define IRS_STEM_CACHE_SLOTS 32768
/* The same for a tokenizer that writes (irindex): 16 MiB, so that fewer words
 * are stemmed and folded again after another took their slot; measured by
 * tokenizing the 10,000 generated documents (30.5M words) alone, medians of
 * 4 alternated runs: 3.10 s with 32,768 slots, 2.93 with 131,072, 2.61 with
 * 262,144, 3.20 with 524,288 (the words' slots then missed by the TLB too). */
#define IRS_WRITER_STEM_CACHE_SLOTS 262144
/* Words of a document queued while their stem-cache slots are fetched (indexing). */
#define IRS_TOKEN_PREFETCH 8
/* Words a query word is widened to: the indexed words that share its stem. */
#define IRS_MAX_STEM_VARIANTS 64
/* Slots at most (a power of two) of the set of words a writing tokenizer has put
 * in the vocabulary this session: 16 MiB; when half full it is emptied, and
 * words are offered to the vocabulary again (INSERT OR IGNORE). */
#define IRS_VOCABULARY_SET_SLOTS 2097152
/* Bytes of (stem, word) pairs a deferring writer keeps before writing them anyway. */
#define IRS_VOCABULARY_PENDING_BYTES (8L * 1024 * 1024)
/* irs_rank reads every row's length into the connection's memory (4 bytes a
 * rowid) once a statement has asked FTS5 for more than rows / this of them,
 * one SQL lookup each: for a word in half of 100,000 documents those lookups
 * were a third of the search, and the one pass 4.2 ms.  Not when the largest
 * rowid passes the rows times IRS_LENGTHS_MAX_SPARSE (memory for nothing). */
#define IRS_LENGTHS_AFTER_SHARE 16
#define IRS_LENGTHS_MAX_SPARSE 4
/* Likewise irs_rank reads every document's date, type and language once a
 * statement's filters have looked up more than rows / this of them, one
 * documents row each (8 bytes a rowid, and each distinct value once). */
#define IRS_FIELDS_AFTER_SHARE 16
/* A query sorted by rank with a page (offset + limit) of up to this many
 * rows, or of more than 16 hits and an offset no larger than its limit,
 * gets what its snippets need (each row's matched positions,
 * irs_snippet_hits) from the page's own statement, for the rows irs_rank
 * says may make the page, up to this many per row of the page and this many
 * more; past them, each snippet from a second MATCH. */
#define IRS_FIRST_PASS_SNIPPET_ROWS 64
#define IRS_FIRST_PASS_SNIPPETS_PER_ROW 16
#define IRS_FIRST_PASS_SNIPPETS_MORE 64
/* ... and keeps at most this many bytes of them (12 a match in a body;
 * some 1,000 rows of a two-letter prefix in long reports could come to 50
 * MB); past it, the snippets too come from a second MATCH. */
#define IRS_FIRST_PASS_HITS_BYTES (8 << 20)
/* irsearchd's answer cache (--cache-mib), MiB. */
#define IRS_CACHE_MIB 64
/* How much of the index file each connection reads through mmap (SQLite's mmap_size). */
#define IRS_MMAP_BYTES 1073741824
#define IRS_STRINGIFY_(x) #x
#define IRS_STRINGIFY(x) IRS_STRINGIFY_(x)
/* Stemming languages one index may name. */
#define IRS_MAX_LANGUAGES 8

/* Bytes of a file's head read to detect its type. */
#define IRS_DETECT_HEAD 4096
/* Largest text file read (bytes); bigger files are skipped with a reason. */
#define IRS_MAX_FILE_BYTES (256L * 1024 * 1024)
/* Largest extracted text of one document (bytes, default of [index] max_text);
 * a document with more is skipped, never cut silently. */
#define IRS_MAX_TEXT_BYTES (64L * 1024 * 1024)
/* Largest XML member of an office document or e-book inflated and parsed
 * (bytes): a zip bomb of markup without text stops here. */
#define IRS_MAX_XML_BYTES (512L * 1024 * 1024)
/* Largest small member (metadata, manifest) read whole from a zip (bytes). */
#define IRS_MAX_ZIP_META_BYTES (1024L * 1024)
/* Members of a zip looked at to tell its format, and chapters of an EPUB read. */
#define IRS_MAX_ZIP_ENTRIES 4096
#define IRS_MAX_EPUB_CHAPTERS 2000
/* Bytes libmagic sees when asked for a text's encoding. */
#define IRS_CHARSET_SAMPLE 65536

/* Extraction in worker processes (irindex): defaults of -j, --timeout,
 * --max-memory, [index] jobs/timeout/max_memory/max_text. */
#define IRS_DEFAULT_EXTRACT_TIMEOUT_S 60
#define IRS_DEFAULT_EXTRACT_MEMORY_MIB 1024
#define IRS_MAX_EXTRACT_WORKERS 256
/* Jobs in flight or held back to be written in walk order (at least 4 per
 * worker), and the bytes of extracted text held back before irindex waits:
 * while one worker parses a slow file (a 3,000-page PDF, 6 s), the others
 * go on with the files after it.  Against 8 jobs and 256 MiB, Debian's
 * documentation (9,677 files, 268 MB) with -j 2: 27.9/28.6 s -> 25.9/26.4 s. */
#define IRS_EXTRACT_WINDOW_JOBS 4096
#define IRS_EXTRACT_WINDOW_BYTES (64L * 1024 * 1024)
/* Bytes a worker's answer pipe holds (F_SETPIPE_SZ; Linux's default is 64 KiB
 * and its limit for unprivileged users 1 MiB), so that a long answer crosses
 * in one turn, not in 64 KiB turns with a wake-up on both sides each.  On the
 * 10,000 generated documents irindex waited on its workers 0.39-0.46 s in
 * 2,600 polls; with 1 MiB 0.29-0.35 s in 1,800 (4 alternated runs), under 1%
 * of the run: small, and not worth more than these two lines. */
#define IRS_EXTRACT_PIPE_BYTES (1024 * 1024)
/* Longest title, author, or other metadata string kept (bytes). */
#define IRS_MAX_META_BYTES 512
/* Longest front-matter block parsed at the top of a Markdown file (bytes). */
#define IRS_MAX_FRONT_MATTER 16384
/* Deepest directory nesting walked below a root. */
#define IRS_MAX_WALK_DEPTH 64

/* Longest query accepted (bytes) and most terms in it. */
#define IRS_MAX_QUERY_BYTES 4096
#define IRS_MAX_QUERY_TERMS 64
/* Hits one search may return, and the default. */
#define IRS_MAX_LIMIT 1000
#define IRS_DEFAULT_LIMIT 10
/* Tokens of context in a snippet. */
#define IRS_SNIPPET_TOKENS 30

/* The daemon: longest request line, default budgets and caps. */
#define IRS_MAX_REQUEST_BYTES 65536
#define IRS_DEFAULT_IDLE_TIMEOUT_S 60
#define IRS_DEFAULT_QUERY_BUDGET_MS 2000
#define IRS_DEFAULT_MAX_CLIENTS 4096
/* irsearchd's worker threads when not configured: one per online CPU (a query
 * is CPU work on mapped pages; more workers than cores only take turns), at
 * least 2, so that one long query leaves another worker free. */
#define IRS_MIN_DEFAULT_WORKERS 2
#define IRS_MAX_WORKERS 256
/* Unsent answer bytes a client may leave queued before it is dropped. */
#define IRS_MAX_PENDING_OUTPUT (8L * 1024 * 1024)

/* CPU seconds at most spent merging the full-text index after a run. */
#define IRS_UPKEEP_SECONDS 30.0

/*
 * The writer's SQLite settings, measured on the 10,000 generated documents
 * (500-document batches; system calls counted with strace -c, shares of
 * irindex's samples with perf; old -> new):
 * - page size of a new index, bytes: 4,096 -> 8,192 with the cache below cut
 *   pwrite calls from 768k to 297k and pread from 586k to 146k; the index
 *   grew 2% (312 -> 319 MB), a body's last overflow page being larger.
 * - the writer's page cache, KiB (cache_size): SQLite's 2,000 made FTS5 read
 *   back the segments it merges, and spill dirty pages to the WAL early.
 * - WAL pages before an automatic checkpoint: SQLite's 1,000 (4 MiB) made
 *   every commit a checkpoint; 5,000 (40 MiB of 8 KiB pages) halved the
 *   fdatasync calls (111 -> 54) and cut pwrite to 279k, pread to 129k.
 * - FTS5's pending-terms size ('hashsize', kept in the fts table's config,
 *   used by writers only): its default of 1 MiB flushed a new segment
 *   several times a batch, and sorting, writing and merging them was 30% of
 *   irindex's samples; with 8 MiB a batch is one segment, and 15%.  FTS5
 *   counts data bytes, not its allocations: real use is up to 3 times this.
 */
#define IRS_PAGE_SIZE 8192
#define IRS_WRITER_CACHE_KIB 32768
#define IRS_WAL_CHECKPOINT_PAGES 5000
#define IRS_FTS_PENDING_BYTES 8388608
/*
 * When FTS5 merges segments while irindex writes ('automerge', 'crisismerge',
 * kept in the table's config, used by writers only).  With FTS5's 4 and 16,
 * a level's segments were merged four at a time as batches came, each
 * byte rewritten at every level, and store_upkeep then merged the index
 * to one segment anyway.  Merging only once 64 wait (the most FTS5 allows),
 * a build of up to 64 batches writes each segment once and merges them
 * once, at the end; larger builds merge 64 at a time.  On the 10,000
 * generated documents (21 batches) the commits' CPU time fell from 3.3-3.6 s
 * to 1.7 s and the final merge's from 1.4-1.7 to 1.0-1.4; the index is the
 * same single segment.  'crisismerge' must stay above 'automerge', or a
 * level is merged whole at FTS5's 16.  Readers see up to that many segments
 * a level while a large build runs.
 */
#define IRS_FTS_AUTOMERGE 64
#define IRS_FTS_CRISISMERGE 128

/* Documents written per transaction while indexing, and seconds at most between commits. */
#define IRS_BATCH_DOCS 500
#define IRS_BATCH_SECONDS 2.0
/* Milliseconds a connection waits for the write lock before giving up. */
#define IRS_BUSY_TIMEOUT_MS 5000

#endif
