/*
 * store.c - the index file (see store.h).
 *
 * The FTS5 table keeps its own copy of the text (a normal, not an external
 * content table): deleting a row then needs no old values, and the index can
 * never drift from the text it was built from, the failure that external
 * content tables are known for.  documents.id is the FTS5 rowid.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "irsearch/limits.h"
#include "irsearch/store.h"
#include "irsearch/rank.h"
#include "irsearch/snippet.h"
#include "irsearch/tokenize.h"

enum stmt_id {
	ST_FIND,
	ST_INSERT_DOC,
	ST_UPDATE_DOC,
	ST_DELETE_FTS,
	ST_INSERT_FTS,
	ST_MARK_SEEN,
	ST_TOUCH,
	ST_FIND_MOVED,
	ST_MOVE,
	ST_COUNT,
	ST_GET_DOC,
	ST_GET_TEXT,
	ST_SET_META,
	ST_GET_META,
	ST_BUMP_GENERATION,
	ST_STATE_TAG,
	ST_DELETE_MAP,
	ST_MAP_OF,
	ST_INSERT_MAP,
	ST_COUNT_STMTS
};

static const char *const stmt_sql[ST_COUNT_STMTS] = {
	[ST_FIND] = "SELECT id, size, mtime, hash FROM documents WHERE path = ?1",
	[ST_INSERT_DOC] =
	    "INSERT INTO documents(path, size, mtime, hash, type, title, author, date,"
	    " date_from_mtime, language, pages, indexed_at)"
	    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, strftime('%s','now'))",
	[ST_UPDATE_DOC] =
	    "UPDATE documents SET size = ?2, mtime = ?3, hash = ?4, type = ?5, title = ?6,"
	    " author = ?7, date = ?8, date_from_mtime = ?9, language = ?10, pages = ?11,"
	    " indexed_at = strftime('%s','now') WHERE id = ?12",
	[ST_DELETE_FTS] = "DELETE FROM fts WHERE rowid = ?1",
	[ST_INSERT_FTS] = "INSERT INTO fts(rowid, title, author, body) VALUES(?1, ?2, ?3, ?4)",
	[ST_MARK_SEEN] = "INSERT OR IGNORE INTO temp.seen(id) VALUES(?1)",
	[ST_TOUCH] = "UPDATE documents SET size = ?2, mtime = ?3 WHERE id = ?1",
	[ST_FIND_MOVED] = ("SELECT id, size, mtime, hash, path FROM documents WHERE size = ?1 AND hash = ?2"
			   " AND id <= ?3 AND id NOT IN (SELECT id FROM temp.seen) LIMIT 1"),
	[ST_MOVE] = "UPDATE documents SET path = ?2, mtime = ?3 WHERE id = ?1",
	[ST_COUNT] = "SELECT count(*) FROM documents",
	[ST_GET_DOC] = ("SELECT path, size, mtime, hash, type, title, author, date, date_from_mtime,"
			" language, pages FROM documents WHERE id = ?1"),
	[ST_GET_TEXT] = "SELECT body FROM fts WHERE rowid = ?1",
	[ST_SET_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
	[ST_GET_META] = "SELECT value FROM meta WHERE key = ?1",
	[ST_BUMP_GENERATION] = ("INSERT INTO meta(key, value) VALUES('generation', '1')"
				" ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"),
	/*
	 * A map is made by a SELECT and written by a plain INSERT: INSERT ...
	 * SELECT, OR REPLACE and triggers give a statement a journal, at whose
	 * savepoint FTS5 flushes its pending terms, a segment per document
	 * (irindex took 35% more CPU).
	 */
	[ST_DELETE_MAP] = "DELETE FROM " SNIPPET_MAP_TABLE " WHERE id = ?1",
	[ST_MAP_OF] = "SELECT irs_snippet_map(?1, ?2)",
	[ST_INSERT_MAP] = "INSERT INTO " SNIPPET_MAP_TABLE "(id, map) VALUES(?1, ?2)",
	[ST_STATE_TAG] = ("SELECT coalesce((SELECT value FROM meta WHERE key = 'instance'), '') || ':' ||"
			  " coalesce((SELECT value FROM meta WHERE key = 'generation'), '0')"),
};

struct store {
	sqlite3 *db;
	char *path;
	store_mode mode;
	int has_seen_table;
	int put_failed;		/* a store_put failed: this transaction must not commit */
	int64_t old_max_id;	/* the highest document id when opened: only those can have moved */
	int sync_deferred;	/* a first build: nothing synced until settle_sync */
	int changes_at_begin;	/* sqlite3_total_changes at store_begin */
	tokenize_context *vocabulary;	/* the writer's words waiting for the commit */
	phrase_tokenizer *forms;	/* its tokenizer of a query's forms (phrasecount.h) */
	sqlite3_stmt *stmts[ST_COUNT_STMTS];
};

static irs_code
sql_fail(store_t *s, irs_error *e, const char *doing)
{
	int rc = sqlite3_extended_errcode(s->db);
	int sys = sqlite3_system_errno(s->db);

	/*
	 * SQLite says SQLITE_FULL for ENOSPC, but an I/O error for a quota or a
	 * file size limit, and 3.40 passes the errno on for some writes only
	 * (not those of a commit): then the message below asks.
	 */
	if ((rc & 0xff) == SQLITE_FULL || ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)))
		return irs_fail(e, IRS_INTERNAL, "%s: disk full while %s", s->path, doing);
	/* Extended codes only (CANTINIT, RECOVERY, CANTLOCK...): plain SQLITE_READONLY is a write attempt. */
	if ((rc & 0xff) == SQLITE_READONLY && rc != SQLITE_READONLY && s->mode == STORE_READ)
		return irs_fail(e, IRS_UNAVAILABLE,
				"%s: cannot read the index: this user may not create or write its -shm file"
				" (SQLite's WAL needs it); give it write access to the index's folder", s->path);
	if ((rc & 0xff) == SQLITE_READONLY)
		return irs_fail(e, IRS_INTERNAL, "%s: index is read-only (%s)", s->path, doing);
	if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
		return irs_fail(e, IRS_INTERNAL,
				"%s: index is damaged (%s), rebuild with irindex --full", s->path,
				sqlite3_errmsg(s->db));
	if ((rc & 0xff) == SQLITE_BUSY)
		return irs_fail(e, IRS_UNAVAILABLE, "%s: index is locked by another writer", s->path);
	/* A write that failed for a reason SQLite did not pass on: most often space or quota. */
	if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_TRUNCATE)
		return irs_fail(e, IRS_INTERNAL, "%s: %s: disk I/O error (is the disk or the quota full?)",
				s->path, doing);
	return irs_fail(e, IRS_INTERNAL, "%s: %s: %s", s->path, doing, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *
stmt(store_t *s, enum stmt_id id)
{
	if (s->stmts[id] == NULL &&
	    sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &s->stmts[id], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(s->stmts[id]);
	sqlite3_clear_bindings(s->stmts[id]);
	return s->stmts[id];
}

static irs_code
exec(store_t *s, const char *sql, irs_error *e, const char *doing)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(s, e, doing);
	return IRS_OK;
}

static int64_t
pragma_int(store_t *s, const char *sql, int *rc)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	*rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (*rc == SQLITE_OK) {
		*rc = sqlite3_step(st);
		if (*rc == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
			*rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return v;
}

irs_code
store_prepare_folder(const char *path, irs_error *e)
{
	char buf[4096];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return irs_fail(e, IRS_BAD_REQUEST, "%s: path too long", path);
	strcpy(buf, path);
	p = strrchr(buf, '/');
	if (p == NULL || p == buf)
		return IRS_OK;
	*p = '\0';
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return irs_fail(e, IRS_INTERNAL, "%s: cannot create folder: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return irs_fail(e, IRS_INTERNAL, "%s: cannot create folder: %s", buf, strerror(errno));
	return IRS_OK;
}

static irs_code
create_schema(store_t *s, const char *languages, irs_error *e)
{
	char *sql;
	char langs[256];
	size_t i, n = 0;
	irs_code rc;

	/* The tokenizer takes its languages as separate words. */
	for (i = 0; languages[i] != '\0' && n + 1 < sizeof(langs); i++)
		langs[n++] = languages[i] == ',' || languages[i] == '\t' ? ' ' : languages[i];
	langs[n] = '\0';
	sql = sqlite3_mprintf(
		 "PRAGMA page_size = %d;"	/* before the first write; WAL keeps it for good */
		 "BEGIN;"
		 "CREATE TABLE documents("
		 " id INTEGER PRIMARY KEY,"
		 " path TEXT NOT NULL UNIQUE,"
		 " size INTEGER NOT NULL,"
		 " mtime INTEGER NOT NULL,"		/* nanoseconds since the epoch */
		 " hash INTEGER NOT NULL,"		/* XXH3-64 of the bytes, as a signed integer */
		 " type TEXT NOT NULL,"
		 " title TEXT, author TEXT, date TEXT,"
		 " date_from_mtime INTEGER NOT NULL DEFAULT 0,"
		 " language TEXT, pages INTEGER,"
		 " indexed_at INTEGER NOT NULL);"
		 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
		 IRS_VOCABULARY_SCHEMA ";"
		 SNIPPET_MAP_SCHEMA ";"
		 "CREATE VIRTUAL TABLE fts USING fts5(title, author, body, tokenize='%s %s');"
		 "INSERT INTO meta VALUES('languages', %Q);"
		 "INSERT INTO meta VALUES('created', strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now'));"
		 "PRAGMA application_id = %d;"
		 "PRAGMA user_version = %d;"
		 "COMMIT;",
		 IRS_PAGE_SIZE, IRS_TOKENIZER_NAME, langs, langs, IRS_APPLICATION_ID, IRS_FORMAT_VERSION);
	if (sql == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	rc = exec(s, sql, e, "creating the index");
	sqlite3_free(sql);
	if (rc != IRS_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Checks the marks of an existing index, or makes a new one when writing. */
static irs_code
check_format(store_t *s, const char *languages, irs_error *e)
{
	int64_t app, version, tables;
	int rc;

	app = pragma_int(s, "PRAGMA application_id", &rc);
	if (rc != SQLITE_OK)
		return sql_fail(s, e, "reading the index");
	version = pragma_int(s, "PRAGMA user_version", &rc);
	if (rc != SQLITE_OK)
		return sql_fail(s, e, "reading the index");
	tables = pragma_int(s, "SELECT count(*) FROM sqlite_master", &rc);
	if (rc != SQLITE_OK)
		return sql_fail(s, e, "reading the index");
	if (app == 0 && tables == 0) {
		irs_error why;	/* not e: its message is an argument of the one made here */

		if (s->mode == STORE_READ)
			return irs_fail(e, IRS_UNAVAILABLE, "%s: no index here yet; build one with irindex", s->path);
		if (tokenize_check_languages(languages, &why) != IRS_OK)
			return irs_fail(e, IRS_BAD_REQUEST, "%s: cannot create index: %s", s->path, why.msg);
		return create_schema(s, languages, e);
	}
	if (app != IRS_APPLICATION_ID)
		return irs_fail(e, IRS_INTERNAL, "%s: not an irsearch index (an SQLite database of another program)", s->path);
	if (version > IRS_FORMAT_VERSION)
		return irs_fail(e, IRS_UNAVAILABLE,
				"%s: index format %lld is newer than this irsearch understands (%d); upgrade irsearch",
				s->path, (long long)version, IRS_FORMAT_VERSION);
	if (version < IRS_FORMAT_VERSION)
		return irs_fail(e, IRS_UNAVAILABLE,
				"%s: index format %lld is older than %d; rebuild it with irindex --full",
				s->path, (long long)version, IRS_FORMAT_VERSION);
	return IRS_OK;
}

/*
 * Moved files are found by size and hash among the documents there were
 * when the run began: an index on size keeps that lookup from scanning the
 * table for every new file (quadratic: 20% of a 10,000-file first build),
 * and a first build, with no documents yet, never looks.
 */
static irs_code
prepare_move_lookup(store_t *s, irs_error *e)
{
	int rc;
	/* An index made before snippet maps gets their table here; its documents have none until rewritten. */
	irs_code done = exec(s, "CREATE INDEX IF NOT EXISTS documents_size ON documents(size);" SNIPPET_MAP_SCHEMA, e,
			     "setting up the index");

	if (done != IRS_OK)
		return done;
	s->old_max_id = pragma_int(s, "SELECT coalesce(max(id), 0) FROM documents", &rc);
	return rc == SQLITE_OK ? IRS_OK : sql_fail(s, e, "reading the index");
}

/*
 * store_state_tag's instance mark, random per index file, made by the
 * first writer of a new index (or of one older than the mark); the
 * generation beside it starts with the first commit (bump_generation).
 */
static irs_code
mark_instance(store_t *s, irs_error *e)
{
	return exec(s, "INSERT OR IGNORE INTO meta VALUES('instance', lower(hex(randomblob(8))))", e,
		    "setting up the index");
}

/*
 * The writer's sync level, chosen once when it opens (deferred for a first
 * build) and again by settle_sync.  A first build (no documents when the
 * writer opened the index) syncs nothing until it ends: its commits still reach the OS in order, so a
 * killed irindex leaves the last committed batch as ever, but an OS crash
 * or a power loss during the build may leave a damaged index, which
 * `irindex --full` sets aside and builds again (a first build had nothing
 * to lose).  On the 10,000 generated documents the 48 fdatasync calls of
 * its checkpoints took 0.66-0.82 s of a 12 s build; without them the build
 * took 0.4-1 s less (medians of 4 alternated runs: 10.75 against 11.56 s).
 */
static irs_code
set_sync(store_t *s, int deferred, const char *doing, irs_error *e)
{
	/* NORMAL is durable across application crashes in WAL mode, and a
	 * power loss can only roll back to an earlier commit, never corrupt. */
	irs_code rc = exec(s, deferred ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = NORMAL", e, doing);

	s->sync_deferred = deferred && rc == IRS_OK;
	return rc;
}

/* Ends a first build's deferred sync: what it wrote, WAL and database, is synced now. */
static irs_code
settle_sync(store_t *s, irs_error *e)
{
	static const int files[] = { SQLITE_FCNTL_FILE_POINTER, SQLITE_FCNTL_JOURNAL_POINTER };
	irs_code rc;
	size_t i;

	if (!s->sync_deferred)
		return IRS_OK;
	if ((rc = set_sync(s, 0, "syncing the index", e)) != IRS_OK)
		return rc;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		sqlite3_file *f = NULL;

		if (sqlite3_file_control(s->db, "main", files[i], &f) == SQLITE_OK && f != NULL &&
		    f->pMethods != NULL && f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) != SQLITE_OK)
			return irs_fail(e, IRS_INTERNAL, "%s: cannot sync the index to disk", s->path);
	}
	return IRS_OK;
}

static irs_code
set_write_pragmas(store_t *s, irs_error *e)
{
	sqlite3_stmt *st = NULL;
	int wal = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!wal)
		return sql_fail(s, e, "switching the index to WAL mode");
	/* The sync level waits for prepare_move_lookup: it depends on whether this is a first build. */
	return exec(s, "PRAGMA cache_size = -" IRS_STRINGIFY(IRS_WRITER_CACHE_KIB) ";"
		    "PRAGMA wal_autocheckpoint = " IRS_STRINGIFY(IRS_WAL_CHECKPOINT_PAGES),
		    e, "setting up the index");
}

/*
 * FTS5 keeps its writer settings in the table's config, so they are set
 * once per index (and on indexes made before them), each only when it
 * differs: a run that changes nothing writes nothing.  Readers never use them.
 */
static irs_code
set_fts_option(store_t *s, const char *key, int value, irs_error *e)
{
	char *sql = sqlite3_mprintf("INSERT INTO fts(fts, rank) SELECT %Q, %d WHERE NOT EXISTS"
				    " (SELECT 1 FROM fts_config WHERE k = %Q AND v = %d)", key, value, key, value);
	irs_code rc;

	if (sql == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	rc = exec(s, sql, e, "setting up the index");
	sqlite3_free(sql);
	return rc;
}

/*
 * The pending terms' size, and when segments are merged while writing
 * (limits.h says why): a level's segments are merged once 'automerge' of
 * them wait, and at once, whatever else, at 'crisismerge'.
 */
static irs_code
set_fts_options(store_t *s, irs_error *e)
{
	irs_code rc = set_fts_option(s, "hashsize", IRS_FTS_PENDING_BYTES, e);

	if (rc == IRS_OK)
		rc = set_fts_option(s, "automerge", IRS_FTS_AUTOMERGE, e);
	if (rc == IRS_OK)
		rc = set_fts_option(s, "crisismerge", IRS_FTS_CRISISMERGE, e);
	return rc;
}

/*
 * The connection's tokenizer for the forms of a query's words, which
 * irs_rank (its IDFs) and search.c (the page's MATCH) share: made once
 * per connection, not once per statement (phrasecount.h).
 */
static irs_code
open_forms(store_t *s, irs_error *e)
{
	fts5_api *fts5 = tokenize_fts5_api(s->db, e);

	if (fts5 == NULL)
		return e->code;
	if (phrase_tokenizer_open(s->db, fts5, &s->forms) != SQLITE_OK)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	return IRS_OK;
}

irs_code
store_open(const char *path, store_mode mode, const char *languages, store_t **out, irs_error *e)
{
	struct stat st;
	store_t *s;
	int flags;
	irs_code rc;

	*out = NULL;
	if (languages == NULL)
		languages = IRS_DEFAULT_LANGUAGES;
	if (mode == STORE_READ && stat(path, &st) != 0)
		return irs_fail(e, errno == ENOENT ? IRS_UNAVAILABLE : IRS_INTERNAL,
				"%s: %s", path,
				errno == ENOENT ? "no index here yet; build one with irindex" : strerror(errno));
	if (mode == STORE_WRITE && (rc = store_prepare_folder(path, e)) != IRS_OK)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	s->mode = mode;
	flags = mode == STORE_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = sql_fail(s, e, "opening the index");
		store_close(s);
		return rc;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, IRS_BUSY_TIMEOUT_MS);
	rc = tokenize_register(s->db, e);
	if (rc == IRS_OK)
		rc = snippet_register(s->db, e);
	if (rc == IRS_OK)
		rc = open_forms(s, e);
	if (rc == IRS_OK)
		rc = rank_register(s->db, s->forms, e);
	/* Checked first: another program's database must not be switched to WAL. */
	if (rc == IRS_OK)
		rc = check_format(s, languages, e);
	if (rc == IRS_OK && mode == STORE_WRITE)
		rc = set_write_pragmas(s, e);
	/* New words wait for the commit, written in key order: one pass over the vocabulary per batch. */
	if (rc == IRS_OK && mode == STORE_WRITE && (s->vocabulary = tokenize_defer_vocabulary(s->db, e)) == NULL)
		rc = e->code;
	if (rc == IRS_OK && mode == STORE_WRITE)
		rc = prepare_move_lookup(s, e);
	if (rc == IRS_OK && mode == STORE_WRITE)
		rc = set_sync(s, s->old_max_id == 0, "setting up the index", e);
	if (rc == IRS_OK && mode == STORE_WRITE)
		rc = mark_instance(s, e);
	if (rc == IRS_OK && mode == STORE_WRITE)
		rc = set_fts_options(s, e);
	/* Read-only twice over: the open flag, and SQLite refusing any writing statement. */
	if (rc == IRS_OK && mode == STORE_READ)
		rc = exec(s, "PRAGMA query_only = 1", e, "opening the index");
	/*
	 * Readers see pages through a memory map, not a pread() and a copy
	 * each: a snippet reads a whole body, often hundreds of overflow pages.
	 * (Not the writer: the mapped pages would count in its RSS, and merging
	 * reads each page about once.)
	 */
	if (rc == IRS_OK && mode == STORE_READ)
		rc = exec(s, "PRAGMA mmap_size = " IRS_STRINGIFY(IRS_MMAP_BYTES), e, "opening the index");
	if (rc != IRS_OK) {
		store_close(s);
		return rc;
	}
	*out = s;
	return IRS_OK;
}

store_health
store_probe(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	store_health h = STORE_DAMAGED;
	int64_t app = -1, version = -1;
	struct stat sb;

	if (stat(path, &sb) != 0)
		return STORE_MISSING;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT (SELECT application_id FROM pragma_application_id),"
			       " (SELECT user_version FROM pragma_user_version),"
			       " (SELECT count(*) FROM sqlite_master)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		app = sqlite3_column_int64(st, 0);
		version = sqlite3_column_int64(st, 1);
		if (app != IRS_APPLICATION_ID)
			h = app == 0 && sqlite3_column_int64(st, 2) == 0 ? STORE_DAMAGED : STORE_FOREIGN;
		else if (version > IRS_FORMAT_VERSION)
			h = STORE_NEWER;
		else if (version < IRS_FORMAT_VERSION)
			h = STORE_OLDER;
		else
			h = STORE_HEALTHY;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (h == STORE_HEALTHY &&
	    (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK ||
	     sqlite3_step(st) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0))
		h = STORE_DAMAGED;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return h;
}

irs_code
store_set_aside(const char *path, char *moved_to, size_t cap, irs_error *e)
{
	char wal[PATH_MAX + 16], to_wal[PATH_MAX + 32];
	struct stat sb;
	int i;

	for (i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(moved_to, cap, "%s.damaged", path);
		else
			snprintf(moved_to, cap, "%s.damaged.%d", path, i);
		if (lstat(moved_to, &sb) != 0 && errno == ENOENT)
			break;
	}
	if (i == 1000)
		return irs_fail(e, IRS_INTERNAL, "%s: no free name to set the damaged index aside", path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(to_wal, sizeof(to_wal), "%s-wal", moved_to);
	if (rename(path, moved_to) != 0)
		return irs_fail(e, IRS_INTERNAL, "%s: cannot set the damaged index aside: %s", path, strerror(errno));
	if (rename(wal, to_wal) != 0 && errno != ENOENT)
		return irs_fail(e, IRS_INTERNAL, "%s: cannot set its WAL aside: %s", wal, strerror(errno));
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	return IRS_OK;
}

void
store_close(store_t *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT_STMTS; i++)
		sqlite3_finalize(s->stmts[i]);
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (s->db != NULL) {
		irs_error ignored;

		(void)settle_sync(s, &ignored);	/* a run that stopped early: what it committed */
	}
	/* Before the connection: its tokenizer's statements would keep it from closing. */
	phrase_tokenizer_close(s->forms);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

sqlite3 *
store_db(store_t *s)
{
	return s->db;
}

phrase_tokenizer *
store_forms(store_t *s)
{
	return s->forms;
}

irs_code
store_begin(store_t *s, irs_error *e)
{
	s->put_failed = 0;
	s->changes_at_begin = sqlite3_total_changes(s->db);
	return exec(s, "BEGIN IMMEDIATE", e, "starting a transaction");
}

/* Every commit that changes the index moves its generation on (store_state_tag). */
static irs_code
bump_generation(store_t *s, irs_error *e)
{
	sqlite3_stmt *st;

	if (sqlite3_total_changes(s->db) == s->changes_at_begin)
		return IRS_OK;
	if ((st = stmt(s, ST_BUMP_GENERATION)) == NULL)
		return sql_fail(s, e, "committing");
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "committing");
	return IRS_OK;
}

static irs_code
flush_vocabulary(store_t *s, irs_error *e)
{
	int rc = tokenize_flush_vocabulary(s->vocabulary);

	if (rc == SQLITE_OK)
		return IRS_OK;
	if ((rc & 0xff) == SQLITE_NOMEM)
		return irs_fail(e, IRS_INTERNAL, "%s: out of memory while writing the stem vocabulary", s->path);
	return sql_fail(s, e, "writing the stem vocabulary");
}

irs_code
store_commit(store_t *s, irs_error *e)
{
	irs_code rc;

	if (s->put_failed) {
		store_rollback(s);
		return irs_fail(e, IRS_INTERNAL, "%s: not committing a transaction in which a document "
				"failed halfway; nothing of it was written", s->path);
	}
	rc = flush_vocabulary(s, e);
	if (rc == IRS_OK)
		rc = bump_generation(s, e);
	if (rc == IRS_OK)
		rc = exec(s, "COMMIT", e, "committing");

	if (rc != IRS_OK)
		store_rollback(s);
	return rc;
}

irs_code
store_state_tag(store_t *s, char *buf, size_t cap, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_STATE_TAG);
	int rc;

	if (st == NULL)
		return sql_fail(s, e, "reading index metadata");
	buf[0] = '\0';
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? IRS_OK : sql_fail(s, e, "reading index metadata");
}

void
store_rollback(store_t *s)
{
	s->put_failed = 0;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

irs_code
store_find(store_t *s, const char *path, store_stamp *stamp, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_FIND);
	int rc;

	if (st == NULL)
		return sql_fail(s, e, "looking up a document");
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		stamp->id = sqlite3_column_int64(st, 0);
		stamp->size = sqlite3_column_int64(st, 1);
		stamp->mtime_ns = sqlite3_column_int64(st, 2);
		stamp->hash = (uint64_t)sqlite3_column_int64(st, 3);
		sqlite3_reset(st);
		return IRS_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return IRS_NOT_FOUND;
	return sql_fail(s, e, "looking up a document");
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_doc(sqlite3_stmt *st, const irs_doc *doc)
{
	sqlite3_bind_int64(st, 2, doc->size);
	sqlite3_bind_int64(st, 3, doc->mtime_ns);
	sqlite3_bind_int64(st, 4, (int64_t)doc->hash);
	sqlite3_bind_text(st, 5, doc->type, -1, SQLITE_STATIC);
	bind_text_or_null(st, 6, doc->title);
	bind_text_or_null(st, 7, doc->author);
	bind_text_or_null(st, 8, doc->date);
	sqlite3_bind_int(st, 9, doc->date_from_mtime);
	bind_text_or_null(st, 10, doc->lang);
	if (doc->pages > 0)
		sqlite3_bind_int(st, 11, doc->pages);
}

/*
 * Replaces document id's snippet map (snippet.h) with one of doc's body,
 * or none for a short body.  Deleted first whatever the document was: an
 * irindex of before maps may have left one under a reused id.
 */
static irs_code
put_map(store_t *s, const irs_doc *doc, int64_t id, irs_error *e)
{
	sqlite3_stmt *st, *map;
	int rc;

	if ((st = stmt(s, ST_DELETE_MAP)) == NULL)
		return sql_fail(s, e, "indexing a document");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "indexing a document");
	if ((map = stmt(s, ST_MAP_OF)) == NULL)
		return sql_fail(s, e, "indexing a document");
	sqlite3_bind_text64(map, 1, doc->body != NULL ? doc->body : "", doc->body_len, SQLITE_STATIC, SQLITE_UTF8);
	sqlite3_bind_int64(map, 2, (int64_t)doc->hash);
	if (sqlite3_step(map) != SQLITE_ROW)
		return sql_fail(s, e, "indexing a document");
	if (sqlite3_column_type(map, 0) == SQLITE_NULL) {
		sqlite3_reset(map);
		return IRS_OK;
	}
	if ((st = stmt(s, ST_INSERT_MAP)) == NULL) {
		sqlite3_reset(map);
		return sql_fail(s, e, "indexing a document");
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, sqlite3_column_blob(map, 0), sqlite3_column_bytes(map, 0), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_reset(map);
	return rc == SQLITE_DONE ? IRS_OK : sql_fail(s, e, "indexing a document");
}

/* Writes the documents row and the FTS5 row. */
static irs_code
put_rows(store_t *s, const irs_doc *doc, int64_t *id, irs_error *e)
{
	store_stamp old;
	sqlite3_stmt *st;
	irs_code found = store_find(s, doc->path, &old, e);

	if (found == IRS_OK) {
		if ((st = stmt(s, ST_UPDATE_DOC)) == NULL)
			return sql_fail(s, e, "updating a document");
		bind_doc(st, doc);
		sqlite3_bind_int64(st, 12, old.id);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sql_fail(s, e, "updating a document");
		if ((st = stmt(s, ST_DELETE_FTS)) == NULL)
			return sql_fail(s, e, "updating a document");
		sqlite3_bind_int64(st, 1, old.id);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sql_fail(s, e, "updating a document");
		*id = old.id;
	} else if (found == IRS_NOT_FOUND) {
		if ((st = stmt(s, ST_INSERT_DOC)) == NULL)
			return sql_fail(s, e, "adding a document");
		sqlite3_bind_text(st, 1, doc->path, -1, SQLITE_STATIC);
		bind_doc(st, doc);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sql_fail(s, e, "adding a document");
		*id = sqlite3_last_insert_rowid(s->db);
	} else {
		return found;
	}
	if ((st = stmt(s, ST_INSERT_FTS)) == NULL)
		return sql_fail(s, e, "indexing a document");
	sqlite3_bind_int64(st, 1, *id);
	bind_text_or_null(st, 2, doc->title);
	bind_text_or_null(st, 3, doc->author);
	sqlite3_bind_text64(st, 4, doc->body != NULL ? doc->body : "", doc->body_len,
			    SQLITE_STATIC, SQLITE_UTF8);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "indexing a document");
	return put_map(s, doc, *id, e);
}

/*
 * No SAVEPOINT around the two rows: FTS5 flushes its pending terms to a new
 * segment at every savepoint, which made each document a segment of its
 * own and half of irindex's time merging them (perf, 10,000 documents).
 * The transaction is the unit instead: after a failed put it cannot be
 * committed, only rolled back, so no half-written document is ever seen.
 */
irs_code
store_put(store_t *s, const irs_doc *doc, int64_t *id, irs_error *e)
{
	irs_code rc;

	/*
	 * After a failed put, SQLite may have rolled the batch back already
	 * (out of memory, I/O errors): a put now must not quietly start a
	 * transaction of its own and commit what is left of the batch.
	 */
	if (s->put_failed)
		return irs_fail(e, IRS_INTERNAL, "%s: a document failed earlier in this transaction; "
				"roll it back before adding more", s->path);
	if (sqlite3_get_autocommit(s->db)) {	/* a transaction of its own */
		if ((rc = store_begin(s, e)) != IRS_OK)
			return rc;
		rc = put_rows(s, doc, id, e);
		if (rc != IRS_OK) {
			store_rollback(s);
			return rc;
		}
		return store_commit(s, e);
	}
	rc = put_rows(s, doc, id, e);
	if (rc != IRS_OK)
		s->put_failed = 1;
	return rc;
}

irs_code
store_touch(store_t *s, int64_t id, int64_t size, int64_t mtime_ns, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_TOUCH);

	if (st == NULL)
		return sql_fail(s, e, "updating a document");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int64(st, 3, mtime_ns);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "updating a document");
	return IRS_OK;
}

int
store_may_hold_moves(const store_t *s)
{
	return s->old_max_id > 0;
}

irs_code
store_find_moved(store_t *s, int64_t size, uint64_t hash, store_stamp *stamp, char *path, size_t cap,
		 irs_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (!store_may_hold_moves(s))
		return IRS_NOT_FOUND;
	if (!s->has_seen_table && (rc = store_mark_seen(s, 0, e)) != IRS_OK)
		return (irs_code)rc;
	if ((st = stmt(s, ST_FIND_MOVED)) == NULL)
		return sql_fail(s, e, "looking for a moved file");
	sqlite3_bind_int64(st, 1, size);
	sqlite3_bind_int64(st, 2, (int64_t)hash);
	sqlite3_bind_int64(st, 3, s->old_max_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		stamp->id = sqlite3_column_int64(st, 0);
		stamp->size = sqlite3_column_int64(st, 1);
		stamp->mtime_ns = sqlite3_column_int64(st, 2);
		stamp->hash = (uint64_t)sqlite3_column_int64(st, 3);
		snprintf(path, cap, "%s", (const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return IRS_OK;
	return rc == SQLITE_DONE ? IRS_NOT_FOUND : sql_fail(s, e, "looking for a moved file");
}

irs_code
store_move(store_t *s, int64_t id, const char *path, int64_t mtime_ns, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_MOVE);

	if (st == NULL)
		return sql_fail(s, e, "moving a document");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, mtime_ns);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "moving a document");
	return IRS_OK;
}

irs_code
store_upkeep(store_t *s, irs_error *e)
{
	double deadline = (double)clock() / CLOCKS_PER_SEC + IRS_UPKEEP_SECONDS;
	irs_code rc;
	int before;

	/*
	 * Each committed batch adds a segment to FTS5's index, and queries read
	 * every segment: merge until no level holds two (usermerge 2), a bounded
	 * amount at a time, for at most IRS_UPKEEP_SECONDS of CPU.  Measured with
	 * bench/churn-decay.sh (4,000 documents, 30 runs of 1% churn): with one
	 * 'merge' of 500 pages per run, queries ended 21% (p50) and 30% (p99)
	 * slower than on a fresh build; merging to one segment per level, 0.76
	 * and 0.65 of it.
	 */
	rc = exec(s, "INSERT INTO fts(fts, rank) VALUES('usermerge', 2)", e, "merging the index");
	do {
		before = sqlite3_total_changes(s->db);
		if (rc == IRS_OK)
			rc = exec(s, "INSERT INTO fts(fts, rank) VALUES('merge', 1000)", e, "merging the index");
	} while (rc == IRS_OK && sqlite3_total_changes(s->db) - before >= 2 &&
		 (double)clock() / CLOCKS_PER_SEC < deadline);
	if (rc == IRS_OK)
		rc = settle_sync(s, e);
	if (rc == IRS_OK)
		rc = exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", e, "checkpointing the index");
	return rc;
}

irs_code
store_mark_seen(store_t *s, int64_t id, irs_error *e)
{
	sqlite3_stmt *st;

	if (!s->has_seen_table) {
		irs_code rc = exec(s, "CREATE TEMP TABLE IF NOT EXISTS seen(id INTEGER PRIMARY KEY)",
				   e, "tracking files");

		if (rc != IRS_OK)
			return rc;
		s->has_seen_table = 1;
	}
	if ((st = stmt(s, ST_MARK_SEEN)) == NULL)
		return sql_fail(s, e, "tracking files");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "tracking files");
	return IRS_OK;
}

/* The bounds of the paths below folder root: "root/" < path < "root0" ('0' follows '/'). */
static int
subtree_bounds(const char *root, char **lo, char **hi)
{
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		n--;
	*lo = malloc(n + 2);
	*hi = malloc(n + 2);
	if (*lo == NULL || *hi == NULL) {
		free(*lo);
		free(*hi);
		return -1;
	}
	memcpy(*lo, root, n);
	memcpy(*hi, root, n);
	(*lo)[n] = '/', (*hi)[n] = '0';
	(*lo)[n + 1] = (*hi)[n + 1] = '\0';
	return 0;
}

/* Runs each of sql[] with ?1, ?2 bound to the bounds of root; *changes gets the last one's count. */
static irs_code
run_on_subtree(store_t *s, const char *root, const char *const *sql, int nsql, int64_t *changes,
	       irs_error *e, const char *doing)
{
	char *lo, *hi;
	irs_code rc = IRS_OK;
	int i;

	if (!s->has_seen_table && (rc = store_mark_seen(s, 0, e)) != IRS_OK)
		return rc;
	if (subtree_bounds(root, &lo, &hi) != 0)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	for (i = 0; i < nsql && rc == IRS_OK; i++) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			rc = sql_fail(s, e, doing);
			break;
		}
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sql_fail(s, e, doing);
		else if (changes != NULL)
			*changes = sqlite3_changes(s->db);
		sqlite3_finalize(st);
	}
	free(lo);
	free(hi);
	return rc;
}

irs_code
store_remove_unseen(store_t *s, const char *root, int64_t *removed, irs_error *e)
{
	static const char *const sql[] = {
		"DELETE FROM fts WHERE rowid IN (SELECT id FROM documents"
		" WHERE path > ?1 AND path < ?2 AND id NOT IN (SELECT id FROM temp.seen))",
		"DELETE FROM " SNIPPET_MAP_TABLE " WHERE id IN (SELECT id FROM documents"
		" WHERE path > ?1 AND path < ?2 AND id NOT IN (SELECT id FROM temp.seen))",
		"DELETE FROM documents"
		" WHERE path > ?1 AND path < ?2 AND id NOT IN (SELECT id FROM temp.seen)",
	};

	*removed = 0;
	return run_on_subtree(s, root, sql, 3, removed, e, "removing deleted files");
}

irs_code
store_each_unseen(store_t *s, const char *root, void (*fn)(void *ud, const char *path), void *ud, irs_error *e)
{
	sqlite3_stmt *st = NULL;
	char *lo, *hi;
	irs_code rc = IRS_OK;
	int step;

	if (!s->has_seen_table && (rc = store_mark_seen(s, 0, e)) != IRS_OK)
		return rc;
	if (subtree_bounds(root, &lo, &hi) != 0)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	if (sqlite3_prepare_v2(s->db, "SELECT path FROM documents WHERE path > ?1 AND path < ?2"
				      " AND id NOT IN (SELECT id FROM temp.seen) ORDER BY path", -1, &st, NULL) != SQLITE_OK) {
		rc = sql_fail(s, e, "listing deleted files");
	} else {
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			fn(ud, (const char *)sqlite3_column_text(st, 0));
		if (step != SQLITE_DONE)
			rc = sql_fail(s, e, "listing deleted files");
	}
	sqlite3_finalize(st);
	free(lo);
	free(hi);
	return rc;
}

irs_code
store_remove_outside(store_t *s, const char *const *roots, int nroots, int64_t *removed, irs_error *e)
{
	sqlite3_str *where = sqlite3_str_new(s->db);
	char **bounds = calloc((size_t)nroots * 2 + 1, sizeof(*bounds));
	irs_code rc = IRS_OK;
	char *cond;
	int i, k;

	*removed = 0;
	for (i = 0; i < nroots && bounds != NULL; i++) {
		if (subtree_bounds(roots[i], &bounds[2 * i], &bounds[2 * i + 1]) != 0)
			break;
		sqlite3_str_appendf(where, "%sNOT (path > ?%d AND path < ?%d)", i > 0 ? " AND " : "", 2 * i + 1,
				    2 * i + 2);
	}
	cond = sqlite3_str_finish(where);
	if (bounds == NULL || cond == NULL || i < nroots)
		rc = irs_fail(e, IRS_INTERNAL, "out of memory");
	for (k = 0; rc == IRS_OK && k < 3 && nroots > 0; k++) {
		char *sql = sqlite3_mprintf(k == 0   ? "DELETE FROM fts WHERE rowid IN (SELECT id FROM documents WHERE %s)"
					    : k == 1 ? "DELETE FROM " SNIPPET_MAP_TABLE
						       " WHERE id IN (SELECT id FROM documents WHERE %s)"
						     : "DELETE FROM documents WHERE %s",
					    cond);
		sqlite3_stmt *st = NULL;

		if (sql == NULL || sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			rc = sql == NULL ? irs_fail(e, IRS_INTERNAL, "out of memory") : sql_fail(s, e, "removing old roots");
		for (i = 0; rc == IRS_OK && i < 2 * nroots; i++)
			sqlite3_bind_text(st, i + 1, bounds[i], -1, SQLITE_STATIC);
		if (rc == IRS_OK && sqlite3_step(st) != SQLITE_DONE)
			rc = sql_fail(s, e, "removing old roots");
		if (rc == IRS_OK && k == 2)
			*removed = sqlite3_changes(s->db);
		sqlite3_finalize(st);
		sqlite3_free(sql);
	}
	for (i = 0; bounds != NULL && i < 2 * nroots; i++)
		free(bounds[i]);
	free(bounds);
	sqlite3_free(cond);
	return rc;
}

irs_code
store_keep_subtree(store_t *s, const char *dir, irs_error *e)
{
	static const char *const sql[] = {
		"INSERT OR IGNORE INTO temp.seen(id)"
		" SELECT id FROM documents WHERE path > ?1 AND path < ?2",
	};

	return run_on_subtree(s, dir, sql, 1, NULL, e, "keeping an unreadable folder's documents");
}

static int
copy_column(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	*out = v != NULL ? strdup((const char *)v) : NULL;
	return v != NULL && *out == NULL ? -1 : 0;
}

static void
copy_fixed(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(buf, cap, "%s", v != NULL ? (const char *)v : "");
}

irs_code
store_get_doc(store_t *s, int64_t id, int with_text, irs_doc *doc, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_GET_DOC);
	int rc, mem = 0;

	memset(doc, 0, sizeof(*doc));
	if (st == NULL)
		return sql_fail(s, e, "reading a document");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? IRS_NOT_FOUND : sql_fail(s, e, "reading a document");
	}
	mem |= copy_column(st, 0, &doc->path);
	doc->size = sqlite3_column_int64(st, 1);
	doc->mtime_ns = sqlite3_column_int64(st, 2);
	doc->hash = (uint64_t)sqlite3_column_int64(st, 3);
	copy_fixed(st, 4, doc->type, sizeof(doc->type));
	mem |= copy_column(st, 5, &doc->title);
	mem |= copy_column(st, 6, &doc->author);
	copy_fixed(st, 7, doc->date, sizeof(doc->date));
	doc->date_from_mtime = sqlite3_column_int(st, 8);
	copy_fixed(st, 9, doc->lang, sizeof(doc->lang));
	doc->pages = sqlite3_column_int(st, 10);
	sqlite3_reset(st);
	if (with_text && mem == 0) {
		if ((st = stmt(s, ST_GET_TEXT)) == NULL)
			return sql_fail(s, e, "reading a document");
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			mem |= copy_column(st, 0, &doc->body);
			doc->body_len = doc->body != NULL ? strlen(doc->body) : 0;
		}
		sqlite3_reset(st);
	}
	if (mem) {
		doc_clear(doc);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	return IRS_OK;
}

irs_code
store_count(store_t *s, int64_t *count, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_COUNT);

	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		return sql_fail(s, e, "counting documents");
	*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return IRS_OK;
}

irs_code
store_set_meta(store_t *s, const char *key, const char *value, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_SET_META);

	if (st == NULL)
		return sql_fail(s, e, "writing index metadata");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(s, e, "writing index metadata");
	return IRS_OK;
}

irs_code
store_get_meta(store_t *s, const char *key, char *buf, size_t cap, irs_error *e)
{
	sqlite3_stmt *st = stmt(s, ST_GET_META);
	int rc;

	if (st == NULL)
		return sql_fail(s, e, "reading index metadata");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	buf[0] = '\0';
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(s, e, "reading index metadata");
	return IRS_OK;
}
