/* test_store.c - the index file: its format marks, opening rules, and every write. */
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

/* Each test's own temporary folder, removed with everything in it. */
struct fixture {
	char dir[64];
	char path[128];		/* dir/sub/folder/index.db, parents not yet made */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/irs-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/sub/folder/index.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

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

static const char *
query_text(sqlite3 *db, const char *sql)
{
	static char buf[256];
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* Documents whose indexed text matches an FTS5 expression. */
static int64_t
fts_count(store_t *s, const char *expr)
{
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A document record pointing at static strings (never doc_clear'ed). */
static irs_doc
make_doc(const char *path, const char *title, const char *body)
{
	irs_doc d;

	memset(&d, 0, sizeof(d));
	d.path = (char *)path;
	d.size = (int64_t)strlen(body);
	d.mtime_ns = 1720173600LL * 1000000000LL;
	d.hash = 0x8000000000000001ULL;
	strcpy(d.type, "text/plain");
	d.title = (char *)title;
	d.body = (char *)body;
	d.body_len = strlen(body);
	return d;
}

static store_t *
open_or_fail(const char *path, store_mode mode)
{
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };

	if (store_open(path, mode, NULL, &s, &e) != IRS_OK)
		fail_msg("store_open: %s", e.msg);
	assert_non_null(s);
	return s;
}

static void
put_or_fail(store_t *s, const irs_doc *d, int64_t *id)
{
	irs_error e = { IRS_OK, "" };

	if (store_put(s, d, id, &e) != IRS_OK)
		fail_msg("store_put %s: %s", d->path, e.msg);
}

static void
write_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void
write_mode_creates_file_folders_and_format_marks(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	store_t *s;
	char buf[64];
	irs_error e = { IRS_OK, "" };
	int64_t n = -1;

	assert_int_not_equal(stat(f->path, &st), 0);
	s = open_or_fail(f->path, STORE_WRITE);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(query_int(store_db(s), "PRAGMA application_id"), 0x49525331);
	assert_int_equal(query_int(store_db(s), "PRAGMA user_version"), IRS_FORMAT_VERSION);
	assert_string_equal(query_text(store_db(s), "PRAGMA journal_mode"), "wal");
	assert_int_equal(store_get_meta(s, "languages", buf, sizeof(buf), &e), IRS_OK);
	assert_string_equal(buf, "english russian");
	assert_int_equal(store_count(s, &n, &e), IRS_OK);
	assert_int_equal(n, 0);
	store_close(s);

	/* Opening it again keeps it, and it can be read. */
	s = open_or_fail(f->path, STORE_WRITE);
	store_close(s);
	s = open_or_fail(f->path, STORE_READ);
	assert_int_equal(query_int(store_db(s), "PRAGMA application_id"), 0x49525331);
	store_close(s);
}

static void
write_mode_records_the_languages_given(void **state)
{
	struct fixture *f = *state;
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };
	char buf[64];

	assert_int_equal(store_open(f->path, STORE_WRITE, "english,turkish", &s, &e), IRS_OK);
	assert_int_equal(store_get_meta(s, "languages", buf, sizeof(buf), &e), IRS_OK);
	assert_string_equal(buf, "english turkish");
	assert_non_null(strstr(query_text(store_db(s), "SELECT sql FROM sqlite_master WHERE name = 'fts'"),
			       "tokenize='irsearch english turkish'"));
	store_close(s);
}

static void
write_mode_refuses_an_unknown_language(void **state)
{
	struct fixture *f = *state;
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };

	assert_int_equal(store_open(f->path, STORE_WRITE, "klingon", &s, &e), IRS_BAD_REQUEST);
	assert_null(s);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "cannot create index"));
	assert_non_null(strstr(e.msg, "'klingon'"));
}

static void
read_mode_on_a_missing_file_says_there_is_no_index(void **state)
{
	struct fixture *f = *state;
	store_t *s = (store_t *)1;
	irs_error e = { IRS_OK, "" };
	struct stat st;

	assert_int_equal(store_open(f->path, STORE_READ, NULL, &s, &e), IRS_UNAVAILABLE);
	assert_null(s);
	assert_non_null(strstr(e.msg, "no index"));
	assert_non_null(strstr(e.msg, f->path));
	assert_int_not_equal(stat(f->path, &st), 0);	/* nothing was created */
}

static void
read_mode_on_an_empty_file_says_there_is_no_index(void **state)
{
	struct fixture *f = *state;
	char path[160];
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };

	snprintf(path, sizeof(path), "%s/empty.db", f->dir);
	write_file(path, "", 0);
	assert_int_equal(store_open(path, STORE_READ, NULL, &s, &e), IRS_UNAVAILABLE);
	assert_null(s);
	assert_non_null(strstr(e.msg, "no index"));
}

/* An SQLite database with a table and application_id 0: another program's. */
static void
make_foreign_db(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('x')",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
another_programs_database_is_refused_and_left_alone(void **state)
{
	struct fixture *f = *state;
	char path[160];
	store_t *s = NULL;
	sqlite3 *db = NULL;
	irs_error e = { IRS_OK, "" };

	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	make_foreign_db(path);
	assert_int_equal(store_open(path, STORE_READ, NULL, &s, &e), IRS_INTERNAL);
	assert_null(s);
	assert_non_null(strstr(e.msg, "not an irsearch index"));

	irs_error_clear(&e);
	assert_int_equal(store_open(path, STORE_WRITE, NULL, &s, &e), IRS_INTERNAL);
	assert_null(s);
	assert_non_null(strstr(e.msg, "not an irsearch index"));

	/* Not changed: no irsearch tables, and still in its own journal mode. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master"), 1);
	assert_string_equal(query_text(db, "PRAGMA journal_mode"), "delete");
	sqlite3_close(db);
}

static void
garbage_file_fails_cleanly_with_a_message(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[8192];
	char path[160];
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };
	size_t i;
	uint32_t x = 12345;

	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	write_file(path, junk, sizeof(junk));
	assert_int_equal(store_open(path, STORE_READ, NULL, &s, &e), IRS_INTERNAL);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "damaged"));

	irs_error_clear(&e);
	assert_int_equal(store_open(path, STORE_WRITE, NULL, &s, &e), IRS_INTERNAL);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));

	/* A short text file too. */
	write_file(path, "hello, world\n", 13);
	irs_error_clear(&e);
	assert_int_not_equal(store_open(path, STORE_READ, NULL, &s, &e), IRS_OK);
	assert_null(s);
	assert_true(e.msg[0] != '\0');
}

/* Sets the format mark of the index at path. */
static void
set_format(const char *path, int version)
{
	sqlite3 *db = NULL;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
newer_format_is_refused_with_a_message(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_error e = { IRS_OK, "" };

	store_close(s);
	s = NULL;
	set_format(f->path, IRS_FORMAT_VERSION + 1);
	assert_int_equal(store_probe(f->path), STORE_NEWER);
	assert_int_equal(store_open(f->path, STORE_READ, NULL, &s, &e), IRS_UNAVAILABLE);
	assert_null(s);
	assert_non_null(strstr(e.msg, "newer"));
	irs_error_clear(&e);
	assert_int_equal(store_open(f->path, STORE_WRITE, NULL, &s, &e), IRS_UNAVAILABLE);
	assert_null(s);
	assert_non_null(strstr(e.msg, "newer"));
}

/* Format 1 stored stems beside words: its queries would find only words as written. */
static void
older_format_is_refused_with_the_way_out(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_error e = { IRS_OK, "" };

	store_close(s);
	s = NULL;
	set_format(f->path, IRS_FORMAT_VERSION - 1);
	assert_int_equal(store_probe(f->path), STORE_OLDER);
	assert_int_equal(store_open(f->path, STORE_READ, NULL, &s, &e), IRS_UNAVAILABLE);
	assert_null(s);
	assert_non_null(strstr(e.msg, "is older than"));
	assert_non_null(strstr(e.msg, "irindex --full"));
	irs_error_clear(&e);
	assert_int_equal(store_open(f->path, STORE_WRITE, NULL, &s, &e), IRS_UNAVAILABLE);
	assert_null(s);
}

static void
put_replaces_the_document_with_the_same_path(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_doc d1 = make_doc("/r/a/report.txt", "First Title", "old text about walruses");
	irs_doc d2 = make_doc("/r/a/report.txt", "Second Title", "new text about zebras");
	irs_doc other = make_doc("/r/a/other.txt", NULL, "unrelated words");
	irs_error e = { IRS_OK, "" };
	int64_t id1 = 0, id2 = 0, id3 = 0, n = 0;

	assert_int_equal(store_begin(s, &e), IRS_OK);
	put_or_fail(s, &d1, &id1);
	put_or_fail(s, &other, &id3);
	assert_int_equal(store_commit(s, &e), IRS_OK);
	assert_int_equal(fts_count(s, "walrus"), 1);
	assert_int_equal(fts_count(s, "title : first"), 1);

	assert_int_equal(store_begin(s, &e), IRS_OK);
	put_or_fail(s, &d2, &id2);
	assert_int_equal(store_commit(s, &e), IRS_OK);
	assert_true(id1 > 0);
	assert_int_equal(id2, id1);
	assert_int_not_equal(id3, id1);
	assert_int_equal(store_count(s, &n, &e), IRS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM documents WHERE path = '/r/a/report.txt'"), 1);
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM fts"), 2);
	assert_int_equal(fts_count(s, "walrus"), 0);
	assert_int_equal(fts_count(s, "old"), 0);
	assert_int_equal(fts_count(s, "title : first"), 0);
	assert_int_equal(fts_count(s, "zebra"), 1);
	assert_int_equal(fts_count(s, "title : second"), 1);
	assert_string_equal(query_text(store_db(s), "SELECT title FROM documents WHERE path = '/r/a/report.txt'"),
			    "Second Title");
	store_close(s);
}

/* A body of n words: long enough for a snippet map when n passes SNIPPET_MAP_EVERY. */
static char *
words(int n, const char *word)
{
	size_t len = strlen(word) + 1, i;
	char *b = malloc(len * (size_t)n + 1);

	assert_non_null(b);
	for (i = 0; i < (size_t)n; i++) {
		memcpy(b + i * len, word, len - 1);
		b[i * len + len - 1] = ' ';
	}
	b[len * (size_t)n] = '\0';
	return b;
}

static int64_t
maps_of(store_t *s, int64_t id)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM snippet_map WHERE id = %lld", (long long)id);
	return query_int(store_db(s), sql);
}

/*
 * A document's snippet map is written with its text and never outlives
 * it: replaced with the text, dropped for a body too short for one, gone
 * with the document.  It holds the document's hash, so a text another
 * writer changed (with its hash) is not read with it (test_snippet.c).
 * An index made before maps gets the table from its next writer.
 */
static void
snippet_map_follows_the_documents_text(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	char *long1 = words(2000, "walrus"), *long2 = words(1500, "zebra");
	irs_doc d = make_doc("/r/a/long.txt", NULL, long1);
	irs_error e = { IRS_OK, "" };
	const char *const elsewhere[] = { "/elsewhere" };
	int64_t id = 0, removed = 0, id2 = 0;
	int64_t first_map;

	put_or_fail(s, &d, &id);
	assert_int_equal(maps_of(s, id), 1);
	/* make_doc's hash, 0x8000000000000001, little-endian after the version and the length */
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM snippet_map"
						" WHERE substr(map, 9, 8) = x'0100000000000080'"), 1);
	first_map = query_int(store_db(s), "SELECT length(map) FROM snippet_map");
	d = make_doc("/r/a/long.txt", NULL, long2);
	put_or_fail(s, &d, &id2);
	assert_int_equal(id2, id);
	assert_int_equal(maps_of(s, id), 1);
	assert_int_not_equal(query_int(store_db(s), "SELECT length(map) FROM snippet_map"), first_map);
	d = make_doc("/r/a/long.txt", NULL, "a short body now");
	put_or_fail(s, &d, &id2);
	assert_int_equal(maps_of(s, id), 0);
	d = make_doc("/r/a/long.txt", NULL, long1);
	put_or_fail(s, &d, &id2);
	assert_int_equal(maps_of(s, id), 1);
	assert_int_equal(store_begin(s, &e), IRS_OK);
	assert_int_equal(store_remove_unseen(s, "/r", &removed, &e), IRS_OK);
	assert_int_equal(store_commit(s, &e), IRS_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM snippet_map"), 0);
	put_or_fail(s, &d, &id);
	assert_int_equal(maps_of(s, id), 1);
	assert_int_equal(store_remove_outside(s, elsewhere, 1, &removed, &e), IRS_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM snippet_map"), 0);
	/* An index of before maps: the next writer adds their table, and maps for what it writes. */
	assert_int_equal(sqlite3_exec(store_db(s), "DROP TABLE snippet_map", NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	s = open_or_fail(f->path, STORE_WRITE);
	put_or_fail(s, &d, &id);
	assert_int_equal(maps_of(s, id), 1);
	store_close(s);
	free(long1);
	free(long2);
}

static void
find_returns_the_stamp_and_touch_changes_only_size_and_mtime(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_doc d = make_doc("/r/doc.txt", "A Title", "some body text");
	store_stamp stamp;
	irs_error e = { IRS_OK, "" };
	int64_t id = 0;

	d.hash = 0xfedcba9876543210ULL;	/* the top bit set: stored as a negative integer */
	put_or_fail(s, &d, &id);
	memset(&stamp, 0, sizeof(stamp));
	assert_int_equal(store_find(s, "/r/doc.txt", &stamp, &e), IRS_OK);
	assert_int_equal(stamp.id, id);
	assert_int_equal(stamp.size, d.size);
	assert_int_equal(stamp.mtime_ns, d.mtime_ns);
	assert_true(stamp.hash == 0xfedcba9876543210ULL);
	assert_int_equal(store_find(s, "/r/missing.txt", &stamp, &e), IRS_NOT_FOUND);
	assert_int_equal(store_find(s, "/r/doc.tx", &stamp, &e), IRS_NOT_FOUND);

	assert_int_equal(store_touch(s, id, 999, 42, &e), IRS_OK);
	memset(&stamp, 0, sizeof(stamp));
	assert_int_equal(store_find(s, "/r/doc.txt", &stamp, &e), IRS_OK);
	assert_int_equal(stamp.id, id);
	assert_int_equal(stamp.size, 999);
	assert_int_equal(stamp.mtime_ns, 42);
	assert_true(stamp.hash == 0xfedcba9876543210ULL);
	assert_string_equal(query_text(store_db(s), "SELECT title FROM documents"), "A Title");
	assert_string_equal(query_text(store_db(s), "SELECT type FROM documents"), "text/plain");
	assert_int_equal(fts_count(s, "body"), 1);
	store_close(s);
}

static void
remove_unseen_removes_exactly_the_unseen_documents_below_the_root(void **state)
{
	struct fixture *f = *state;
	static const char *const paths[] = {
		"/r/a/1.txt", "/r/a/2.txt", "/r/a/sub/3.txt", "/r/a/sub/4.txt",
		"/r/ab/5.txt", "/r/a.txt", "/r/a0/6.txt", "/r/b/7.txt",
	};
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	int64_t ids[8], removed = -1, n = 0;
	irs_error e = { IRS_OK, "" };
	store_stamp stamp;
	size_t i;

	assert_int_equal(store_begin(s, &e), IRS_OK);
	for (i = 0; i < 8; i++) {
		irs_doc d = make_doc(paths[i], NULL, "shared words everywhere");

		put_or_fail(s, &d, &ids[i]);
	}
	assert_int_equal(store_commit(s, &e), IRS_OK);

	assert_int_equal(store_begin(s, &e), IRS_OK);
	assert_int_equal(store_mark_seen(s, ids[0], &e), IRS_OK);
	assert_int_equal(store_mark_seen(s, ids[2], &e), IRS_OK);
	assert_int_equal(store_mark_seen(s, ids[2], &e), IRS_OK);	/* twice is fine */
	assert_int_equal(store_remove_unseen(s, "/r/a", &removed, &e), IRS_OK);
	assert_int_equal(store_commit(s, &e), IRS_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(store_find(s, "/r/a/1.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/a/2.txt", &stamp, &e), IRS_NOT_FOUND);
	assert_int_equal(store_find(s, "/r/a/sub/3.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/a/sub/4.txt", &stamp, &e), IRS_NOT_FOUND);
	/* Siblings sharing the prefix "/r/a" are not below /r/a. */
	assert_int_equal(store_find(s, "/r/ab/5.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/a.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/a0/6.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/b/7.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_count(s, &n, &e), IRS_OK);
	assert_int_equal(n, 6);
	/* Their text went with them. */
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM fts"), 6);
	assert_int_equal(fts_count(s, "shared"), 6);

	/* A trailing slash names the same folder; nothing left to remove there. */
	assert_int_equal(store_remove_unseen(s, "/r/a/", &removed, &e), IRS_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(store_remove_unseen(s, "/r/ab", &removed, &e), IRS_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(store_find(s, "/r/ab/5.txt", &stamp, &e), IRS_NOT_FOUND);
	assert_int_equal(store_find(s, "/r/a0/6.txt", &stamp, &e), IRS_OK);
	store_close(s);
}

static void
keep_subtree_saves_an_unreadable_folders_documents(void **state)
{
	struct fixture *f = *state;
	static const char *const paths[] = {
		"/r/a/1.txt", "/r/a/locked/2.txt", "/r/a/locked/deep/3.txt", "/r/a/lockedx/4.txt",
	};
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	int64_t ids[4], removed = -1;
	irs_error e = { IRS_OK, "" };
	store_stamp stamp;
	size_t i;

	for (i = 0; i < 4; i++) {
		irs_doc d = make_doc(paths[i], NULL, "text");

		put_or_fail(s, &d, &ids[i]);
	}
	assert_int_equal(store_keep_subtree(s, "/r/a/locked", &e), IRS_OK);
	assert_int_equal(store_remove_unseen(s, "/r/a", &removed, &e), IRS_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(store_find(s, "/r/a/1.txt", &stamp, &e), IRS_NOT_FOUND);
	assert_int_equal(store_find(s, "/r/a/locked/2.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/a/locked/deep/3.txt", &stamp, &e), IRS_OK);
	assert_int_equal(store_find(s, "/r/a/lockedx/4.txt", &stamp, &e), IRS_NOT_FOUND);
	store_close(s);
}

static void
meta_values_round_trip(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_error e = { IRS_OK, "" };
	char buf[32], small[5];

	assert_int_equal(store_get_meta(s, "last_run", buf, sizeof(buf), &e), IRS_OK);
	assert_string_equal(buf, "");
	assert_int_equal(store_set_meta(s, "last_run", "2024-07-05T10:00:00Z", &e), IRS_OK);
	assert_int_equal(store_get_meta(s, "last_run", buf, sizeof(buf), &e), IRS_OK);
	assert_string_equal(buf, "2024-07-05T10:00:00Z");
	assert_int_equal(store_set_meta(s, "last_run", "later", &e), IRS_OK);
	assert_int_equal(store_get_meta(s, "last_run", buf, sizeof(buf), &e), IRS_OK);
	assert_string_equal(buf, "later");
	/* Cut to the buffer, NUL-terminated. */
	assert_int_equal(store_get_meta(s, "languages", small, sizeof(small), &e), IRS_OK);
	assert_string_equal(small, "engl");
	store_close(s);

	s = open_or_fail(f->path, STORE_READ);
	assert_int_equal(store_get_meta(s, "last_run", buf, sizeof(buf), &e), IRS_OK);
	assert_string_equal(buf, "later");
	store_close(s);
}

static void
index_passes_integrity_checks_after_every_kind_of_write(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_error e = { IRS_OK, "" };
	int64_t id = 0, removed = 0;
	char path[32];
	int i;

	assert_int_equal(store_begin(s, &e), IRS_OK);
	for (i = 0; i < 60; i++) {
		irs_doc d;

		snprintf(path, sizeof(path), "/r/%c/%d.txt", 'a' + i % 3, i);
		d = make_doc(path, i % 2 ? "Cooperation report" : NULL,
			     i % 4 ? "Сотрудничество and Türkiye cooperation" : "declarations of intent");
		put_or_fail(s, &d, &id);
		if (i % 5 == 0) {
			d.body = (char *)"replaced body";
			d.body_len = strlen(d.body);
			put_or_fail(s, &d, &id);
		}
		if (i % 3 != 1)
			assert_int_equal(store_mark_seen(s, id, &e), IRS_OK);
		if (i % 7 == 0)
			assert_int_equal(store_touch(s, id, 1, 2, &e), IRS_OK);
	}
	assert_int_equal(store_keep_subtree(s, "/r/c", &e), IRS_OK);
	assert_int_equal(store_remove_unseen(s, "/r", &removed, &e), IRS_OK);
	assert_int_equal(store_set_meta(s, "last_run", "now", &e), IRS_OK);
	assert_int_equal(store_commit(s, &e), IRS_OK);
	assert_int_equal(removed, 20);	/* i % 3 == 1 is exactly the /r/b folder */

	assert_string_equal(query_text(store_db(s), "PRAGMA integrity_check"), "ok");
	if (sqlite3_exec(store_db(s), "INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)", NULL, NULL,
			 NULL) != SQLITE_OK)
		fail_msg("FTS5 integrity-check: %s", sqlite3_errmsg(store_db(s)));
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM documents"),
			 query_int(store_db(s), "SELECT count(*) FROM fts"));
	assert_int_equal(query_int(store_db(s), "SELECT count(*) FROM documents d"
				   " WHERE NOT EXISTS (SELECT 1 FROM fts WHERE rowid = d.id)"), 0);
	store_close(s);
}

static void
rollback_undoes_a_put(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_doc d = make_doc("/r/x.txt", NULL, "ephemeral words");
	irs_error e = { IRS_OK, "" };
	store_stamp stamp;
	int64_t id = 0;

	assert_int_equal(store_begin(s, &e), IRS_OK);
	put_or_fail(s, &d, &id);
	store_rollback(s);
	assert_int_equal(store_find(s, "/r/x.txt", &stamp, &e), IRS_NOT_FOUND);
	assert_int_equal(fts_count(s, "ephemeral"), 0);
	/* Closing with a transaction open rolls it back too. */
	assert_int_equal(store_begin(s, &e), IRS_OK);
	put_or_fail(s, &d, &id);
	store_close(s);
	s = open_or_fail(f->path, STORE_READ);
	assert_int_equal(store_find(s, "/r/x.txt", &stamp, &e), IRS_NOT_FOUND);
	store_close(s);
}

/* PRAGMA synchronous of the writer: 0 OFF, 1 NORMAL. */
static int64_t
writer_sync(store_t *s)
{
	return query_int(store_db(s), "PRAGMA synchronous");
}

static void
commit_one(store_t *s, const char *path, const char *body)
{
	irs_doc d = make_doc(path, NULL, body);
	irs_error e = { IRS_OK, "" };
	int64_t id = 0;

	assert_int_equal(store_begin(s, &e), IRS_OK);
	put_or_fail(s, &d, &id);
	if (store_commit(s, &e) != IRS_OK)
		fail_msg("store_commit: %s", e.msg);
}

/*
 * A first build syncs nothing until store_upkeep (or the close of a run
 * that stopped early); a writer of an index that has documents syncs at
 * every checkpoint from the start.
 */
static void
first_build_defers_syncing_to_its_end(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_error e = { IRS_OK, "" };
	store_stamp stamp;

	assert_int_equal(writer_sync(s), 0);
	commit_one(s, "/r/first.txt", "first batch");
	assert_int_equal(writer_sync(s), 0);
	if (store_upkeep(s, &e) != IRS_OK)
		fail_msg("store_upkeep: %s", e.msg);
	assert_int_equal(writer_sync(s), 1);
	store_close(s);

	s = open_or_fail(f->path, STORE_WRITE);
	assert_int_equal(writer_sync(s), 1);
	commit_one(s, "/r/second.txt", "second batch");
	assert_int_equal(writer_sync(s), 1);
	store_close(s);

	/* A first build that stops before its upkeep keeps what it committed. */
	assert_int_equal(unlink(f->path), 0);
	s = open_or_fail(f->path, STORE_WRITE);
	assert_int_equal(writer_sync(s), 0);
	commit_one(s, "/r/early.txt", "stopped early");
	store_close(s);
	s = open_or_fail(f->path, STORE_READ);
	assert_int_equal(store_find(s, "/r/early.txt", &stamp, &e), IRS_OK);
	assert_int_equal(fts_count(s, "early"), 1);
	store_close(s);
}

static void
read_only_store_cannot_write(void **state)
{
	struct fixture *f = *state;
	store_t *s = open_or_fail(f->path, STORE_WRITE);
	irs_doc d = make_doc("/r/kept.txt", NULL, "kept words");
	irs_doc d2 = make_doc("/r/new.txt", NULL, "new words");
	irs_error e = { IRS_OK, "" };
	store_stamp stamp;
	int64_t id = 0, n = 0;

	put_or_fail(s, &d, &id);
	store_close(s);

	s = open_or_fail(f->path, STORE_READ);
	assert_int_equal(store_put(s, &d2, &id, &e), IRS_INTERNAL);
	assert_non_null(strstr(e.msg, "read-only"));
	irs_error_clear(&e);
	assert_int_equal(store_put(s, &d, &id, &e), IRS_INTERNAL);	/* a replacement too */
	assert_non_null(strstr(e.msg, "read-only"));
	irs_error_clear(&e);
	assert_int_not_equal(store_set_meta(s, "k", "v", &e), IRS_OK);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(store_count(s, &n, &e), IRS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_find(s, "/r/kept.txt", &stamp, &e), IRS_OK);
	assert_int_equal(fts_count(s, "kept"), 1);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(write_mode_creates_file_folders_and_format_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(snippet_map_follows_the_documents_text, setup, teardown),
		cmocka_unit_test_setup_teardown(write_mode_records_the_languages_given, setup, teardown),
		cmocka_unit_test_setup_teardown(write_mode_refuses_an_unknown_language, setup, teardown),
		cmocka_unit_test_setup_teardown(read_mode_on_a_missing_file_says_there_is_no_index, setup, teardown),
		cmocka_unit_test_setup_teardown(read_mode_on_an_empty_file_says_there_is_no_index, setup, teardown),
		cmocka_unit_test_setup_teardown(another_programs_database_is_refused_and_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_file_fails_cleanly_with_a_message, setup, teardown),
		cmocka_unit_test_setup_teardown(older_format_is_refused_with_the_way_out, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_format_is_refused_with_a_message, setup, teardown),
		cmocka_unit_test_setup_teardown(put_replaces_the_document_with_the_same_path, setup, teardown),
		cmocka_unit_test_setup_teardown(find_returns_the_stamp_and_touch_changes_only_size_and_mtime, setup,
						teardown),
		cmocka_unit_test_setup_teardown(remove_unseen_removes_exactly_the_unseen_documents_below_the_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(keep_subtree_saves_an_unreadable_folders_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(meta_values_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(index_passes_integrity_checks_after_every_kind_of_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rollback_undoes_a_put, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_store_cannot_write, setup, teardown),
		cmocka_unit_test_setup_teardown(first_build_defers_syncing_to_its_end, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
