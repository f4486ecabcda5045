/*
 * test_store_faults.c - the index store under injected faults: I/O errors,
 * a full disk, and allocations that fail (issue #8, "Hardening").
 *
 * Two shims sit under SQLite for the whole process:
 *   - a VFS wrapping "unix", made the default, whose xWrite, xSync, xRead or
 *     xTruncate fails (SQLITE_IOERR_WRITE ..., or SQLITE_FULL) at the Nth
 *     call after it is armed, once or from then on;
 *   - SQLite's allocator (SQLITE_CONFIG_MALLOC around the default one),
 *     whose Nth xMalloc/xRealloc after arming returns NULL, once or from
 *     then on.
 * Each sweep runs the same small batch (open, begin, put x 4, commit, upkeep,
 * close) with N = 1, 2, ... (or every few: see stride_of) until a run ends
 * with no fault injected.  In each run the call the fault hit fails with a
 * code and a sentence that names the index and does not blame a wrong cause;
 * a failed put makes store_commit refuse the batch.  Then the fault is
 * disarmed, the index reopened, and it must pass SQLite's and FTS5's
 * integrity checks, hold every document committed before the batch, hold the
 * batch wholly or not at all (never a documents row without its FTS5 row or
 * the reverse) as the calls reported, and take a new document.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "irsearch/doc.h"
#include "irsearch/store.h"

/* ---- What fails, when ---- */

enum fault_op { OP_WRITE, OP_SYNC, OP_READ, OP_TRUNCATE, OP_MALLOC, OP_COUNT };

static const char *const op_name[OP_COUNT] = { "xWrite", "xSync", "xRead", "xTruncate", "malloc" };

/* The store call the test is in: where an injected fault landed. */
enum step {
	STEP_NONE, STEP_OPEN, STEP_BEGIN, STEP_PUT, STEP_COMMIT, STEP_UPKEEP, STEP_CLOSE, STEP_COUNT
};

static const char *const step_name[STEP_COUNT] = {
	"none", "open", "begin", "put", "commit", "upkeep", "close"
};

static struct {
	int armed;		/* counting calls, and failing the chosen one */
	enum fault_op op;	/* the kind of call that fails */
	long countdown;		/* the call that reaches 0 fails */
	int persistent;		/* once one failed, every later call of that kind fails too */
	int rc;			/* what a failing VFS call returns */
	int sys_errno;		/* what xGetLastError says once a failure was injected */
	long calls[OP_COUNT];	/* calls seen while armed */
	long fired;		/* failures injected */
	enum step fired_in;	/* the step the first failure hit */
} fault;

static enum step current_step;

/* Plans a fault; it is armed by run_batch when the batch reaches the step chosen. */
static void
plan(enum fault_op op, long n, int persistent, int rc, int sys_errno)
{
	memset(&fault, 0, sizeof(fault));
	fault.op = op;
	fault.countdown = n;
	fault.persistent = persistent;
	fault.rc = rc;
	fault.sys_errno = sys_errno;
}

static void
disarm(void)
{
	fault.armed = 0;
}

/* Counts a call of kind op; 1 when it must fail. */
static int
must_fail(enum fault_op op)
{
	if (!fault.armed)
		return 0;
	fault.calls[op]++;
	if (op != fault.op)
		return 0;
	if (fault.fired > 0) {
		if (!fault.persistent)
			return 0;
		fault.fired++;
		return 1;
	}
	if (--fault.countdown != 0)
		return 0;
	fault.fired = 1;
	fault.fired_in = current_step;
	return 1;
}

/* ---- The VFS shim ---- */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;

struct shim_file {
	sqlite3_file base;	/* its pMethods is shim_io */
	sqlite3_file *real;	/* the unix VFS's file, right after this struct */
};

#define SHIM_FILE_SIZE ((sizeof(struct shim_file) + 15) & ~(size_t)15)
#define REAL(f) (((struct shim_file *)(f))->real)

static int
shim_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
shim_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	if (must_fail(OP_READ))
		return fault.rc != 0 ? fault.rc : SQLITE_IOERR_READ;
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
shim_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (must_fail(OP_WRITE))
		return fault.rc != 0 ? fault.rc : SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int
shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (must_fail(OP_TRUNCATE))
		return fault.rc != 0 ? fault.rc : SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

/*
 * Counted and failed, but never passed on: the test is about what the store
 * does when a call fails, not about power loss, and hundreds of runs of
 * fsync on a shared machine would take minutes.
 */
static int
shim_sync(sqlite3_file *f, int flags)
{
	(void)f;
	(void)flags;
	if (must_fail(OP_SYNC))
		return fault.rc != 0 ? fault.rc : SQLITE_IOERR_FSYNC;
	return SQLITE_OK;
}

static int
shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
shim_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int
shim_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int
shim_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
shim_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
shim_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
shim_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
shim_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, p);
}

static int
shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void
shim_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
shim_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

/* No memory-mapped pages: every page read goes through xRead, where it can fail. */
static int
shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	(void)f;
	(void)off;
	(void)n;
	*p = NULL;
	return SQLITE_OK;
}

static int
shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods shim_io = {
	3,
	shim_close,
	shim_read,
	shim_write,
	shim_truncate,
	shim_sync,
	shim_file_size,
	shim_lock,
	shim_unlock,
	shim_check_reserved,
	shim_file_control,
	shim_sector_size,
	shim_device_characteristics,
	shim_shm_map,
	shim_shm_lock,
	shim_shm_barrier,
	shim_shm_unmap,
	shim_fetch,
	shim_unfetch,
};

static int
shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	struct shim_file *f = (struct shim_file *)file;
	int rc;

	(void)vfs;
	f->real = (sqlite3_file *)((char *)file + SHIM_FILE_SIZE);
	f->real->pMethods = NULL;
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	/* SQLite calls xClose when pMethods is set, even after a failed open. */
	f->base.pMethods = f->real->pMethods != NULL ? &shim_io : NULL;
	return rc;
}

static int
shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
shim_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
shim_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
shim_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*shim_dlsym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, lib, sym);
}

static void
shim_dlclose(sqlite3_vfs *vfs, void *lib)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, lib);
}

static int
shim_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
shim_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
shim_current_time(sqlite3_vfs *vfs, double *t)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, t);
}

/* After an injected failure, the errno the fault stands for (EIO, ENOSPC, EDQUOT ...). */
static int
shim_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	if (fault.armed && fault.fired > 0 && fault.op != OP_MALLOC)
		return fault.sys_errno;
	return real_vfs->xGetLastError(real_vfs, n, msg);
}

static int
shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, t);
}

/* Makes the shim the default VFS; 0 when done. */
static int
install_vfs(void)
{
	real_vfs = sqlite3_vfs_find("unix");
	if (real_vfs == NULL)
		return -1;
	memset(&shim_vfs, 0, sizeof(shim_vfs));
	shim_vfs.iVersion = 2;
	shim_vfs.szOsFile = (int)(SHIM_FILE_SIZE + (size_t)real_vfs->szOsFile);
	shim_vfs.mxPathname = real_vfs->mxPathname;
	shim_vfs.zName = "irs-faults";
	shim_vfs.xOpen = shim_open;
	shim_vfs.xDelete = shim_delete;
	shim_vfs.xAccess = shim_access;
	shim_vfs.xFullPathname = shim_full_pathname;
	shim_vfs.xDlOpen = shim_dlopen;
	shim_vfs.xDlError = shim_dlerror;
	shim_vfs.xDlSym = shim_dlsym;
	shim_vfs.xDlClose = shim_dlclose;
	shim_vfs.xRandomness = shim_randomness;
	shim_vfs.xSleep = shim_sleep;
	shim_vfs.xCurrentTime = shim_current_time;
	shim_vfs.xGetLastError = shim_last_error;
	shim_vfs.xCurrentTimeInt64 = shim_current_time_int64;
	if (sqlite3_vfs_register(&shim_vfs, 1) != SQLITE_OK || sqlite3_vfs_find(NULL) != &shim_vfs)
		return -1;
	return 0;
}

/* ---- The allocator shim ---- */

static sqlite3_mem_methods real_mem;
static sqlite3_mem_methods shim_mem;

static void *
shim_malloc(int n)
{
	return must_fail(OP_MALLOC) ? NULL : real_mem.xMalloc(n);
}

/* A failed realloc leaves the block as it was, as realloc(3) does. */
static void *
shim_realloc(void *p, int n)
{
	return must_fail(OP_MALLOC) ? NULL : real_mem.xRealloc(p, n);
}

/* ---- The documents ---- */

struct tdoc {
	const char *path;
	const char *title;
	const char *body;
	const char *word;	/* found in this document's text only */
};

/* Committed before every batch. */
static const struct tdoc before[] = {
	{ "/r/old/walrus.txt", "Walrus census", "walrus colonies of the northern coast", "walrus" },
	{ "/r/old/narwhal.txt", NULL, "narwhal tusks and what they are for", "narwhal" },
	{ "/r/old/okapi.txt", "Okapi", "a shy animal of the forest: the okapi", "okapi" },
	{ "/r/old/wombat.txt", NULL, "burrows dug by the wombat", "wombat" },
	{ "/r/old/kiwi.txt", "Kiwi", "the kiwi is a bird that walks at night", "kiwi" },
};
#define NBEFORE ((int)(sizeof(before) / sizeof(before[0])))
#define REPLACED 4	/* before[REPLACED] is replaced by the batch */

/* The batch under test: three new documents and one replacement. */
static const struct tdoc batch[] = {
	{ "/r/new/quokka.txt", "Quokka", "the quokka smiles at visitors on the island", "quokka" },
	{ "/r/new/axolotl.txt", NULL, "an axolotl grows back a lost limb", "axolotl" },
	{ "/r/old/kiwi.txt", "Pangolin", "pangolin scales: this replaced the bird", "pangolin" },
	{ "/r/new/zebra.txt", NULL, "stripes of the zebra confuse flies", "zebra" },
};
#define NBATCH ((int)(sizeof(batch) / sizeof(batch[0])))
#define BATCH_REPLACES 2	/* batch[BATCH_REPLACES] replaces before[REPLACED] */
#define NEW_IN_BATCH 3

static irs_doc
make_doc(const struct tdoc *t)
{
	irs_doc d;

	memset(&d, 0, sizeof(d));
	d.path = (char *)t->path;
	d.size = (int64_t)strlen(t->body);
	d.mtime_ns = 1720173600LL * 1000000000LL;
	d.hash = 0x8000000000000001ULL;
	strcpy(d.type, "text/plain");
	d.title = (char *)t->title;
	d.body = (char *)t->body;
	d.body_len = strlen(t->body);
	return d;
}

/* ---- Fixture: a folder with a template index holding the documents of before[] ---- */

struct fixture {
	char dir[64];
	char template_path[128];
	char path[128];		/* the copy each run works on */
};

static store_t *
open_or_fail(const char *path)
{
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };

	if (store_open(path, STORE_WRITE, NULL, &s, &e) != IRS_OK)
		fail_msg("store_open %s: %s", path, e.msg);
	assert_non_null(s);
	return s;
}

static void
put_or_fail(store_t *s, const struct tdoc *t)
{
	irs_doc d = make_doc(t);
	irs_error e = { IRS_OK, "" };
	int64_t id = 0;

	if (store_put(s, &d, &id, &e) != IRS_OK)
		fail_msg("store_put %s: %s", t->path, e.msg);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	irs_error e = { IRS_OK, "" };
	store_t *s;
	int i;

	if (f == NULL)
		return -1;
	disarm();
	snprintf(f->dir, sizeof(f->dir), "/tmp/irs-faults-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->template_path, sizeof(f->template_path), "%s/template.db", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/index.db", f->dir);
	s = open_or_fail(f->template_path);
	assert_int_equal(store_begin(s, &e), IRS_OK);
	for (i = 0; i < NBEFORE - 1; i++)
		put_or_fail(s, &before[i]);
	assert_int_equal(store_commit(s, &e), IRS_OK);
	put_or_fail(s, &before[NBEFORE - 1]);	/* a transaction of its own */
	store_close(s);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int rc;

	disarm();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void
remove_index(const char *path)
{
	char side[160];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-journal", path);
	unlink(side);
}

/* A fresh copy of the template (closed cleanly: no -wal or -shm beside it). */
static void
copy_template(const struct fixture *f)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	remove_index(f->path);
	in = open(f->template_path, O_RDONLY);
	assert_true(in >= 0);
	out = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

/* ---- Reading the index back ---- */

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The id of the document at path, 0 when there is none. */
static int64_t
doc_id(store_t *s, const char *path)
{
	store_stamp stamp;
	irs_error e = { IRS_OK, "" };
	irs_code rc = store_find(s, path, &stamp, &e);

	if (rc == IRS_NOT_FOUND)
		return 0;
	if (rc != IRS_OK)
		fail_msg("store_find %s: %s", path, e.msg);
	return stamp.id;
}

/* The title in the documents row at path ("" for none). */
static const char *
doc_title(store_t *s, const char *path)
{
	static char title[64];
	irs_error e = { IRS_OK, "" };
	irs_doc d;

	if (store_get_doc(s, doc_id(s, path), 0, &d, &e) != IRS_OK)
		fail_msg("store_get_doc %s: %s", path, e.msg);
	snprintf(title, sizeof(title), "%s", d.title != NULL ? d.title : "");
	doc_clear(&d);
	return title;
}

/* How many rows of fts match word; *rowid gets the last one. */
static int64_t
fts_match(store_t *s, const char *word, int64_t *rowid)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc;

	assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT rowid FROM fts WHERE fts MATCH ?1", -1,
					    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
	*rowid = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*rowid = sqlite3_column_int64(st, 0);
		n++;
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	return n;
}

/* The document at t->path is there, and its word finds it and nothing else. */
static void
assert_searchable(store_t *s, const struct tdoc *t)
{
	int64_t id = doc_id(s, t->path), rowid = 0;

	if (id == 0)
		fail_msg("%s is missing", t->path);
	if (fts_match(s, t->word, &rowid) != 1 || rowid != id)
		fail_msg("'%s' does not find %s (id %lld) alone", t->word, t->path, (long long)id);
}

enum expect { EXPECT_ABSENT, EXPECT_PRESENT, EXPECT_EITHER };

/*
 * Reopens the index with no fault armed and checks it; returns 1 when the
 * batch is there, 0 when it is not.
 */
static int
check_index(const struct fixture *f, enum expect expect)
{
	store_t *s = open_or_fail(f->path);
	sqlite3 *db = store_db(s);
	irs_error e = { IRS_OK, "" };
	sqlite3_stmt *st = NULL;
	int64_t rowid = 0, n = -1;
	int i, new_present = 0, present;
	static const struct tdoc after = { "/r/after/ibis.txt", NULL, "an ibis wades", "ibis" };

	/* SQLite's own check, then FTS5's: its index agrees with its text. */
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		fail_msg("integrity_check: %s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "INSERT INTO fts(fts) VALUES('integrity-check')", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)", NULL, NULL,
			 NULL) != SQLITE_OK)
		fail_msg("FTS5 integrity-check: %s", sqlite3_errmsg(db));

	/* Every document has its text and every text its document. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM documents d WHERE NOT EXISTS"
				   " (SELECT 1 FROM fts WHERE fts.rowid = d.id)"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM fts WHERE NOT EXISTS"
				   " (SELECT 1 FROM documents d WHERE d.id = fts.rowid)"), 0);

	/* The documents committed before the batch, found by their words. */
	for (i = 0; i < NBEFORE; i++)
		if (i != REPLACED)
			assert_searchable(s, &before[i]);

	/* The batch: all of it or none of it. */
	for (i = 0; i < NBATCH; i++)
		if (i != BATCH_REPLACES)
			new_present += doc_id(s, batch[i].path) != 0;
	present = new_present == NEW_IN_BATCH;
	if (new_present != 0 && !present)
		fail_msg("%d of the batch's %d new documents are in the index", new_present,
			 NEW_IN_BATCH);
	if (present) {
		for (i = 0; i < NBATCH; i++)
			assert_searchable(s, &batch[i]);
		assert_int_equal(fts_match(s, before[REPLACED].word, &rowid), 0);
		assert_string_equal(doc_title(s, before[REPLACED].path), batch[BATCH_REPLACES].title);
	} else {
		for (i = 0; i < NBATCH; i++)
			if (i != BATCH_REPLACES)
				assert_int_equal(fts_match(s, batch[i].word, &rowid), 0);
		/* The replaced document still has its old text. */
		assert_searchable(s, &before[REPLACED]);
		assert_int_equal(fts_match(s, batch[BATCH_REPLACES].word, &rowid), 0);
		assert_string_equal(doc_title(s, before[REPLACED].path), before[REPLACED].title);
	}
	assert_int_equal(store_count(s, &n, &e), IRS_OK);
	assert_int_equal(n, NBEFORE + (present ? NEW_IN_BATCH : 0));
	if (expect == EXPECT_PRESENT && !present)
		fail_msg("the batch was reported committed but is not in the index");
	if (expect == EXPECT_ABSENT && present)
		fail_msg("the batch was reported failed but is in the index");

	/* And the index takes new documents. */
	assert_int_equal(store_begin(s, &e), IRS_OK);
	put_or_fail(s, &after);
	if (store_commit(s, &e) != IRS_OK)
		fail_msg("store_commit after recovery: %s", e.msg);
	assert_searchable(s, &after);
	store_close(s);
	return present;
}

/* ---- One run of the batch ---- */

struct outcome {
	enum step failed;	/* the first store call that returned an error */
	irs_code code;
	char msg[IRS_ERRMSG_MAX];
	int failed_put;		/* the index of the put that failed, -1 */
	int committed;		/* store_commit said IRS_OK */
};

/*
 * A store call failed: it must say so with a code and a sentence, which
 * names the index (not the registration of the tokenizer and the SQL
 * functions, whose sentences do not: they can fail only on an allocation).
 */
static void
note_failure(struct outcome *o, const char *path, enum step step, irs_code rc, const irs_error *e)
{
	int named = strstr(e->msg, path) != NULL || (step == STEP_OPEN && fault.op == OP_MALLOC);

	if (rc == IRS_OK || e->code != rc || e->msg[0] == '\0' || !named)
		fail_msg("%s failed with code %d, error code %d, message \"%s\"", step_name[step], rc,
			 e->code, e->msg);
	if (o->failed == STEP_NONE) {
		o->failed = step;
		o->code = rc;
		snprintf(o->msg, sizeof(o->msg), "%s", e->msg);
	}
}

/* The test enters a store call; the planned fault is armed from step arm_at on. */
static void
enter(enum step step, enum step arm_at)
{
	current_step = step;
	if (step == arm_at)
		fault.armed = 1;
}

/*
 * Opens the index and writes the batch the way irindex does: a failed put
 * ends the batch with store_commit, which must refuse it.  upkeep: merge and
 * checkpoint after the commit.  The fault is armed when the batch reaches
 * step arm_at (open, begin or commit).
 */
static void
run_batch(const char *path, enum step arm_at, int upkeep, struct outcome *o)
{
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };
	irs_code rc;
	int64_t id;
	int i;

	memset(o, 0, sizeof(*o));
	o->failed = STEP_NONE;
	o->failed_put = -1;
	enter(STEP_OPEN, arm_at);
	rc = store_open(path, STORE_WRITE, NULL, &s, &e);
	if (rc != IRS_OK) {
		note_failure(o, path, STEP_OPEN, rc, &e);
		assert_null(s);
		current_step = STEP_NONE;
		return;
	}
	enter(STEP_BEGIN, arm_at);
	rc = store_begin(s, &e);
	if (rc != IRS_OK)
		note_failure(o, path, STEP_BEGIN, rc, &e);
	for (i = 0; rc == IRS_OK && i < NBATCH; i++) {
		irs_doc d = make_doc(&batch[i]);

		enter(STEP_PUT, arm_at);
		irs_error_clear(&e);
		rc = store_put(s, &d, &id, &e);
		if (rc != IRS_OK) {
			note_failure(o, path, STEP_PUT, rc, &e);
			o->failed_put = i;
			/* The transaction cannot be committed now, only rolled back. */
			enter(STEP_COMMIT, arm_at);
			irs_error_clear(&e);
			if (store_commit(s, &e) == IRS_OK)
				fail_msg("store_commit accepted a batch in which put %d failed (%s)", i,
					 o->msg);
			if (e.msg[0] == '\0')
				fail_msg("store_commit refused the batch without a message");
		}
	}
	if (rc == IRS_OK) {
		enter(STEP_COMMIT, arm_at);
		irs_error_clear(&e);
		rc = store_commit(s, &e);
		if (rc == IRS_OK)
			o->committed = 1;
		else
			note_failure(o, path, STEP_COMMIT, rc, &e);
	}
	if (o->committed && upkeep) {
		enter(STEP_UPKEEP, arm_at);
		irs_error_clear(&e);
		rc = store_upkeep(s, &e);
		if (rc != IRS_OK)
			note_failure(o, path, STEP_UPKEEP, rc, &e);
	}
	enter(STEP_CLOSE, arm_at);
	store_close(s);
	current_step = STEP_NONE;
}

/* ---- Sweeps ---- */

/* A sweep ends when a run meets no failure; no batch here comes near this many calls. */
#define SWEEP_MAX 20000

struct sweep {
	enum fault_op op;
	int persistent;
	int rc;			/* for VFS faults: the code returned */
	int sys_errno;
	enum step arm_at;	/* the fault is armed from this step on: open, begin or commit */
	int upkeep;		/* store_upkeep after the commit */
	long stride;		/* fail the 1st call, the 1+stride-th, ...; 0 means 1 */
	long asan_stride;	/* the same under ASan; 0 means stride */
	enum step last;		/* the sweep ends once the fault lands after this step; 0: close */
	int must_report;	/* the call the fault hit returns the error (store_close cannot) */
	const char *disk_full;	/* "disk full" must (or, NULL, must not) be in the first error */
	/* results */
	long points;			/* runs in which a fault was injected */
	long fired_in[STEP_COUNT];	/* by the step the first failure hit */
	long failed_at[STEP_COUNT];	/* by the first store call that returned an error */
	long absorbed;			/* the fault hit a call that still succeeded */
	long present_after_failed_commit;
	long wrong_message[STEP_COUNT];	/* by step: errors without disk_full */
	char wrong_example[IRS_ERRMSG_MAX];
	long misdiagnosed;		/* errors that blame something else */
	char misdiagnoses_seen[1024];	/* each wrong cause once, with an example */
	long calls;			/* calls of this kind in a run, when known */
};

/*
 * Each run opens the index twice, and each connection's tokenizer allocates
 * its word cache (11 MB): some 6 ms a run, 45 under ASan.  So the long
 * sweeps fail one call in every `stride` (asan_stride under ASan), which
 * keeps this file to about 2 s, 5 under ASan; IRS_FAULT_SWEEP=full in the
 * environment fails every call (about 1,300 runs).
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int exhaustive;

/* Every error the sweep met said w->disk_full. */
static void
assert_all_said_disk_full(const struct sweep *w)
{
	char where[256] = "";
	size_t n = 0;
	int i;

	for (i = STEP_OPEN; i < STEP_COUNT; i++)
		if (w->wrong_message[i] > 0 && n < sizeof(where))
			n += (size_t)snprintf(where + n, sizeof(where) - n, " %s %ld of %ld,", step_name[i],
					      w->wrong_message[i], w->failed_at[i]);
	if (n > 0)
		fail_msg("errors without \"%s\", by call:%s e.g. \"%s\"", w->disk_full, where,
			 w->wrong_example);
}

/* One TAP comment line: what the sweep reached. */
static void
print_sweep(const char *what, const struct sweep *w)
{
	int i;

	printf("# %s, %s%s: %ld injection points", what, op_name[w->op],
	       w->persistent ? " from then on" : " once", w->points);
	if (w->calls > 0)
		printf(" (of %ld calls)", w->calls);
	printf("; first error from");
	for (i = STEP_OPEN; i < STEP_COUNT; i++)
		if (w->failed_at[i] > 0)
			printf(" %s %ld,", step_name[i], w->failed_at[i]);
	printf(" none %ld (in close %ld, absorbed %ld); batch kept after a failed commit %ld\n",
	       w->failed_at[STEP_NONE], w->fired_in[STEP_CLOSE], w->absorbed,
	       w->present_after_failed_commit);
	fflush(stdout);
}

/* The stride a sweep really takes. */
static long
stride_of(const struct sweep *w)
{
	long stride = SANITIZED && w->asan_stride > 0 ? w->asan_stride : w->stride;

	return exhaustive || stride < 1 ? 1 : stride;
}

/*
 * What an injected failure of an I/O call or an allocation must never be
 * reported as: each of these sends the user the wrong way (rebuild the
 * index, look for another program, install another SQLite ...).
 */
static const char *const misdiagnoses[] = {
	"older than", "newer than", "not an irsearch index", "no index here", "damaged",
	"read-only", "locked by another", "no FTS5",
};

/* Counts msg when it blames a wrong cause, and keeps the first example of each. */
static void
note_misdiagnosis(struct sweep *w, long n, const char *msg)
{
	const char *wrong = NULL;
	size_t i, len = strlen(w->misdiagnoses_seen);

	for (i = 0; i < sizeof(misdiagnoses) / sizeof(misdiagnoses[0]) && wrong == NULL; i++)
		if (strstr(msg, misdiagnoses[i]) != NULL)
			wrong = misdiagnoses[i];
	if (wrong == NULL && w->disk_full == NULL && strstr(msg, "disk full") != NULL)
		wrong = "disk full";
	if (wrong == NULL)
		return;
	w->misdiagnosed++;
	if (strstr(w->misdiagnoses_seen, wrong) == NULL && len < sizeof(w->misdiagnoses_seen))
		snprintf(w->misdiagnoses_seen + len, sizeof(w->misdiagnoses_seen) - len, " [%s %ld: %s]",
			 op_name[w->op], n, msg);
}

/*
 * Runs the batch with the fault at call 1, 1 + stride, ... until a run meets
 * no fault (or, with w->last, one meets it after that step), checking each
 * run's calls and the index after it; prints what it reached, under label.
 */
static void
run_sweep(const struct fixture *f, struct sweep *w, const char *label)
{
	struct outcome o;
	enum expect expect;
	long n, stride = stride_of(w);
	enum step last = w->last != STEP_NONE ? w->last : STEP_CLOSE;
	int present;

	for (n = 1;; n += stride) {
		if (n > SWEEP_MAX)
			fail_msg("%s: still failing after %d calls", op_name[w->op], SWEEP_MAX);
		copy_template(f);
		plan(w->op, n, w->persistent, w->rc, w->sys_errno);
		run_batch(f->path, w->arm_at, w->upkeep, &o);
		disarm();
		if (fault.fired == 0) {
			/* Past the last call: the batch must simply have worked. */
			if (o.failed != STEP_NONE)
				fail_msg("no fault injected, yet %s failed: %s", step_name[o.failed],
					 o.msg);
			assert_true(o.committed);
			assert_int_equal(check_index(f, EXPECT_PRESENT), 1);
			w->calls = fault.calls[w->op];
			assert_true(w->calls < n && w->calls >= n - stride);
			break;
		}
		if (fault.fired_in > last)
			break;
		w->points++;
		w->fired_in[fault.fired_in]++;
		w->failed_at[o.failed]++;
		if (o.failed != fault.fired_in && fault.fired_in != STEP_CLOSE) {
			w->absorbed++;
			if (w->must_report)
				fail_msg("%s %ld failed in %s, but the first error came from %s (%s)",
					 op_name[w->op], n, step_name[fault.fired_in],
					 step_name[o.failed], o.msg);
		}
		if (o.failed != STEP_NONE)
			note_misdiagnosis(w, n, o.msg);
		if (o.failed != STEP_NONE && w->disk_full != NULL &&
		    strstr(o.msg, w->disk_full) == NULL && w->wrong_message[o.failed]++ == 0)
			snprintf(w->wrong_example, sizeof(w->wrong_example), "%s", o.msg);
		/* What the index must hold after the reopen. */
		if (o.failed_put >= 0 || o.failed == STEP_OPEN || o.failed == STEP_BEGIN)
			expect = EXPECT_ABSENT;
		else if (o.committed)
			expect = EXPECT_PRESENT;
		else
			expect = EXPECT_EITHER;	/* the commit failed: all or nothing */
		present = check_index(f, expect);
		if (present && !o.committed)
			w->present_after_failed_commit++;
	}
	print_sweep(label, w);
	if (w->misdiagnosed > 0)
		fail_msg("%ld of %ld errors blame the wrong cause:%s", w->misdiagnosed, w->points,
			 w->misdiagnoses_seen);
}

/*
 * An I/O error at each call of one kind, once; then from that call on, at
 * one call in every stride_persistent.  Under ASan, asan_factor times as far
 * apart.
 */
static void
sweep_io(void **state, enum fault_op op, int rc, long stride_persistent, long asan_factor)
{
	struct fixture *f = *state;
	int persistent;

	for (persistent = 0; persistent <= 1; persistent++) {
		struct sweep w;

		memset(&w, 0, sizeof(w));
		w.op = op;
		w.persistent = persistent;
		w.rc = rc;
		w.sys_errno = EIO;
		w.arm_at = STEP_OPEN;
		w.upkeep = 1;
		w.stride = persistent ? stride_persistent : 1;
		w.asan_stride = w.stride * asan_factor;
		w.must_report = 1;
		run_sweep(f, &w, "I/O error");
		assert_true(w.points > 0);
		if (stride_of(&w) == 1)	/* every call of that kind the batch makes failed */
			assert_int_equal(w.points, w.calls);
	}
}

/* In WAL mode the pages are written at the commit, and by the checkpoint in upkeep. */
static void
write_errors_leave_the_index_whole(void **state)
{
	sweep_io(state, OP_WRITE, SQLITE_IOERR_WRITE, 3, 4);
}

static void
sync_errors_leave_the_index_whole(void **state)
{
	sweep_io(state, OP_SYNC, SQLITE_IOERR_FSYNC, 1, 1);
}

static void
read_errors_leave_the_index_whole(void **state)
{
	sweep_io(state, OP_READ, SQLITE_IOERR_READ, 3, 3);
}

/* The WAL is truncated by upkeep's checkpoint. */
static void
truncate_errors_leave_the_index_whole(void **state)
{
	sweep_io(state, OP_TRUNCATE, SQLITE_IOERR_TRUNCATE, 1, 1);
}

/* ENOSPC, as SQLite's unix VFS reports it: SQLITE_FULL. */
static void
a_full_disk_is_reported_as_such_and_loses_nothing(void **state)
{
	struct fixture *f = *state;
	struct sweep w;

	memset(&w, 0, sizeof(w));
	w.op = OP_WRITE;
	w.persistent = 1;
	w.rc = SQLITE_FULL;
	w.arm_at = STEP_OPEN;
	w.upkeep = 1;
	w.stride = 2;
	w.asan_stride = 6;
	w.must_report = 1;
	w.disk_full = "disk full";
	run_sweep(f, &w, "SQLITE_FULL");
	assert_all_said_disk_full(&w);
	assert_true(w.failed_at[STEP_COMMIT] > 0);
	assert_true(w.failed_at[STEP_UPKEEP] > 0);
}

/*
 * A quota (EDQUOT) or a file size limit (EFBIG) is an I/O error to SQLite's
 * unix VFS, with that errno.  store.c says "disk full" when SQLite passes
 * the errno on, and SQLite 3.40 does not for the writes of a commit (seen
 * with a real RLIMIT_FSIZE too): then the message asks whether the disk or
 * the quota is full.  Either way the word "full" is there.
 */
static void
a_quota_is_reported_as_a_full_disk(void **state)
{
	struct fixture *f = *state;
	struct sweep w;

	memset(&w, 0, sizeof(w));
	w.op = OP_WRITE;
	w.persistent = 1;
	w.rc = SQLITE_IOERR_WRITE;
	w.sys_errno = EDQUOT;
	w.arm_at = STEP_OPEN;
	w.upkeep = 1;
	w.stride = 2;
	w.asan_stride = 6;
	w.must_report = 1;
	w.disk_full = "full";
	run_sweep(f, &w, "EDQUOT");
	assert_all_said_disk_full(&w);
	assert_true(w.failed_at[STEP_COMMIT] > 0);
}

/*
 * SQLite's allocations failing in the batch: in begin and the puts (FTS5
 * sets up its table and the tokenizer at the first put: some 700
 * allocations, one in 13 failed), then in the commit (every one once).
 */
static void
failed_allocations_in_a_batch_leave_the_index_whole(void **state)
{
	struct fixture *f = *state;
	struct sweep w;
	int persistent;

	memset(&w, 0, sizeof(w));
	w.op = OP_MALLOC;
	w.arm_at = STEP_BEGIN;
	w.stride = 13;
	w.asan_stride = 50;
	run_sweep(f, &w, "SQLITE_NOMEM, batch");
	assert_true(w.failed_at[STEP_PUT] > 0);

	for (persistent = 0; persistent <= 1; persistent++) {
		memset(&w, 0, sizeof(w));
		w.op = OP_MALLOC;
		w.persistent = persistent;
		w.arm_at = STEP_COMMIT;
		w.stride = persistent ? 3 : 1;
		w.asan_stride = persistent ? 12 : 4;
		run_sweep(f, &w, "SQLITE_NOMEM, commit");
		assert_true(w.failed_at[STEP_COMMIT] > 0);
		if (stride_of(&w) == 1)
			assert_int_equal(w.points, w.calls);
	}
}

/*
 * SQLite's allocations failing in store_open (about 550): one in 5, so that
 * no run of 5 neighbouring allocations (one statement's) goes untried.
 */
static void
failed_allocations_while_opening_leave_the_index_whole(void **state)
{
	struct fixture *f = *state;
	struct sweep w;

	memset(&w, 0, sizeof(w));
	w.op = OP_MALLOC;
	w.arm_at = STEP_OPEN;
	w.last = STEP_OPEN;	/* the batch's allocations have their own sweep */
	w.stride = 5;
	w.asan_stride = 23;
	run_sweep(f, &w, "SQLITE_NOMEM, open");
	assert_true(w.failed_at[STEP_OPEN] > 0);
}

/*
 * A put that fails out of memory may take SQLite's whole transaction with
 * it (autocommit comes back on).  The puts after it must be refused, not
 * committed one by one in transactions of their own, and the commit must
 * fail: nothing of the batch may reach the index.
 */
static void
puts_after_a_failed_put_are_refused(void **state)
{
	struct fixture *f = *state;
	irs_error e = { IRS_OK, "" };
	int64_t id = 0, rowid;
	irs_doc d;
	store_t *s;
	int n, failed = 0;

	for (n = 1; n < 40; n += 2) {	/* a put makes some 24 allocations */
		copy_template(f);
		s = open_or_fail(f->path);
		assert_int_equal(store_begin(s, &e), IRS_OK);
		put_or_fail(s, &batch[0]);
		plan(OP_MALLOC, n, 1, 0, 0);
		fault.armed = 1;
		d = make_doc(&batch[1]);
		irs_error_clear(&e);
		if (store_put(s, &d, &id, &e) == IRS_OK) {	/* past its allocations: nothing to see */
			disarm();
			store_close(s);
			continue;
		}
		disarm();
		failed++;
		d = make_doc(&batch[3]);
		irs_error_clear(&e);
		assert_int_not_equal(store_put(s, &d, &id, &e), IRS_OK);
		assert_non_null(strstr(e.msg, "failed earlier"));
		irs_error_clear(&e);
		assert_int_not_equal(store_commit(s, &e), IRS_OK);
		store_close(s);
		s = open_or_fail(f->path);
		assert_int_equal(doc_id(s, batch[0].path), 0);
		assert_int_equal(doc_id(s, batch[3].path), 0);
		assert_int_equal(fts_match(s, batch[3].word, &rowid), 0);
		store_close(s);
	}
	assert_true(failed > 5);
}

int
main(void)
{
	const char *sweep;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(write_errors_leave_the_index_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(sync_errors_leave_the_index_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(read_errors_leave_the_index_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(truncate_errors_leave_the_index_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(a_full_disk_is_reported_as_such_and_loses_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_quota_is_reported_as_a_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_allocations_in_a_batch_leave_the_index_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_allocations_while_opening_leave_the_index_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(puts_after_a_failed_put_are_refused, setup, teardown),
	};

	sweep = getenv("IRS_FAULT_SWEEP");
	exhaustive = sweep != NULL && strcmp(sweep, "full") == 0;
	/* The allocator can only be replaced before SQLite starts. */
	sqlite3_shutdown();
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK) {
		fprintf(stderr, "test_store_faults: cannot read SQLite's allocator\n");
		return 1;
	}
	shim_mem = real_mem;
	shim_mem.xMalloc = shim_malloc;
	shim_mem.xRealloc = shim_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &shim_mem) != SQLITE_OK ||
	    sqlite3_initialize() != SQLITE_OK) {
		fprintf(stderr, "test_store_faults: cannot install the allocator shim\n");
		return 1;
	}
	if (install_vfs() != 0) {
		fprintf(stderr, "test_store_faults: cannot install the VFS shim\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
