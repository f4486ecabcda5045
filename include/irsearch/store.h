/*
 * store.h - the index: one SQLite file holding documents and their FTS5 index.
 *
 * Owns: the schema (a documents table, an FTS5 table "fts" over title,
 * author and body with the irsearch tokenizer, a meta table, the snippet
 * maps of snippet.h, each written with its document), its format
 * marks (application_id, user_version), opening for reading or writing,
 * and every statement that changes the index.  Writes happen inside
 * store_begin/store_commit, so a reader never sees half a document.
 * Does not own: how queries are written (query.h) or ranked (search.h).
 */
#ifndef IRSEARCH_STORE_H
#define IRSEARCH_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "irsearch/doc.h"
#include "irsearch/error.h"
#include "irsearch/phrasecount.h"

/*
 * 'IRS1' in application_id marks an irsearch index; user_version its format:
 * 1 stored each word's stem beside it, 2 stores words as written and the
 * vocabulary of stems (tokenize.h).
 */
#define IRS_APPLICATION_ID 0x49525331
#define IRS_FORMAT_VERSION 2

typedef struct store store_t;

typedef enum store_mode {
	STORE_READ,		/* the file must exist; nothing can be written */
	STORE_WRITE		/* created (with its folder) when missing */
} store_mode;

/* What the index knows of a file, to tell whether it changed. */
typedef struct store_stamp {
	int64_t id;
	int64_t size;
	int64_t mtime_ns;
	uint64_t hash;
} store_stamp;

/*
 * Opens the index at path.  languages (e.g. "english russian") is used
 * only when STORE_WRITE creates a new index; NULL means the default.  On
 * failure *out is NULL and e says why: IRS_UNAVAILABLE when there is no
 * index at path (or it was made by a newer irsearch), IRS_INTERNAL when the
 * file is not one.  Caller closes with store_close.
 */
irs_code store_open(const char *path, store_mode mode, const char *languages,
		    store_t **out, irs_error *e);

/* What store_probe finds at an index path. */
typedef enum store_health {
	STORE_HEALTHY,		/* an index of this format that passes SQLite's quick check */
	STORE_MISSING,		/* no file */
	STORE_FOREIGN,		/* another program's SQLite database: never touched */
	STORE_NEWER,		/* an index of a newer irsearch */
	STORE_OLDER,		/* an index of an older format */
	STORE_DAMAGED		/* not readable as a database, or failing the quick check */
} store_health;

/* Looks at the file at path without changing it (a quick check reads it all). */
store_health store_probe(const char *path);

/*
 * Renames a damaged or outdated index (and its -wal) to PATH.damaged,
 * PATH.damaged.1, ..., so that a new one can be built in its place and
 * nothing is deleted; removes its -shm.  moved_to (cap bytes) gets the name.
 */
irs_code store_set_aside(const char *path, char *moved_to, size_t cap, irs_error *e);

/* Creates the folder that will hold the index at path (and its parents), private to its user. */
irs_code store_prepare_folder(const char *path, irs_error *e);

/* Closes the store; accepts NULL.  An open transaction is rolled back. */
void store_close(store_t *s);

/* The connection, for read-only queries (search.c); owned by the store. */
sqlite3 *store_db(store_t *s);

/* The connection's tokenizer of a query's forms (phrasecount.h), for search.c; the store's. */
phrase_tokenizer *store_forms(store_t *s);

irs_code store_begin(store_t *s, irs_error *e);
irs_code store_commit(store_t *s, irs_error *e);
void store_rollback(store_t *s);

/* Fills *stamp for the document at path; IRS_NOT_FOUND when there is none. */
irs_code store_find(store_t *s, const char *path, store_stamp *stamp, irs_error *e);

/*
 * Adds doc, or replaces the document with the same path; *id gets its id.
 * Outside a transaction it is one of its own.  Inside one, a failure
 * leaves the transaction fit only for store_rollback: store_commit refuses
 * it, so a document is never committed half written.
 */
irs_code store_put(store_t *s, const irs_doc *doc, int64_t *id, irs_error *e);

/* Records a new size and mtime for a document whose bytes did not change. */
irs_code store_touch(store_t *s, int64_t id, int64_t size, int64_t mtime_ns, irs_error *e);

/*
 * A document not seen yet in this run whose bytes have this size and hash:
 * the file it came from has probably moved.  Fills *stamp and path (cap
 * bytes); IRS_NOT_FOUND when there is none.  Only documents there were
 * when the store was opened count.
 */
irs_code store_find_moved(store_t *s, int64_t size, uint64_t hash, store_stamp *stamp, char *path,
			  size_t cap, irs_error *e);

/* Whether store_find_moved can find anything: not in a store that was empty when opened. */
int store_may_hold_moves(const store_t *s);

/* Gives document id a new path and stamp: a moved file keeps its document. */
irs_code store_move(store_t *s, int64_t id, const char *path, int64_t mtime_ns, irs_error *e);

/*
 * After a run: merges FTS5's index segments a bounded amount, so queries
 * do not slow night after night, and checkpoints and truncates the WAL.
 * Outside a transaction.
 */
irs_code store_upkeep(store_t *s, irs_error *e);

/* Notes that the document with this id was seen on disk during this run. */
irs_code store_mark_seen(store_t *s, int64_t id, irs_error *e);

/*
 * Removes the documents below directory root (an absolute path) that were
 * not marked seen in this run; *removed gets how many.
 */
irs_code store_remove_unseen(store_t *s, const char *root, int64_t *removed, irs_error *e);

/* Calls fn with the path of each document below root not seen in this run (for --dry-run). */
irs_code store_each_unseen(store_t *s, const char *root, void (*fn)(void *ud, const char *path), void *ud,
			   irs_error *e);

/*
 * Removes the documents below none of the nroots folders: the roots that
 * are no longer configured take their documents with them.  *removed gets
 * how many.
 */
irs_code store_remove_outside(store_t *s, const char *const *roots, int nroots, int64_t *removed,
			      irs_error *e);

/*
 * Marks every document below folder dir as seen: a folder that could not be
 * read this time keeps its documents rather than losing them.
 */
irs_code store_keep_subtree(store_t *s, const char *dir, irs_error *e);

/*
 * Fills doc (which the caller clears with doc_clear) with the metadata of
 * document id, and its text when with_text; IRS_NOT_FOUND when there is none.
 */
irs_code store_get_doc(store_t *s, int64_t id, int with_text, irs_doc *doc, irs_error *e);

/* Number of documents in the index. */
irs_code store_count(store_t *s, int64_t *count, irs_error *e);

/*
 * A tag naming the state of the index a reader sees (caller's buffer of
 * cap bytes): it changes with every commit that changes the index, and two
 * index files never share one.  Read it inside the read transaction whose
 * results it is to name; the daemon's answer cache keys on it.
 */
irs_code store_state_tag(store_t *s, char *buf, size_t cap, irs_error *e);

/* Reads or writes a meta value ("languages", "last_run", ...).  store_get_meta
 * copies into buf, "" when unset. */
irs_code store_set_meta(store_t *s, const char *key, const char *value, irs_error *e);
irs_code store_get_meta(store_t *s, const char *key, char *buf, size_t cap, irs_error *e);

#endif
