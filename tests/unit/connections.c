/*
 * connections.c - the unit tests' connections, each with its phrase
 * tokenizer (connections.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "irsearch/rank.h"
#include "irsearch/tokenize.h"
#include "connections.h"

/* The connections open, each with its forms; a test keeps a few at once. */
static struct opened {
	sqlite3 *db;
	phrase_tokenizer *forms;
} opened[4];

static size_t
slot_of(sqlite3 *db)
{
	size_t i;

	for (i = 0; opened[i].db != db; i++)
		assert_true(i + 1 < sizeof(opened) / sizeof(opened[0]));
	return i;
}

sqlite3 *
connection_open(const char *path, int with_rank)
{
	irs_error e = { IRS_OK, "" };
	sqlite3 *db = NULL;
	size_t i = slot_of(NULL);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(phrase_tokenizer_open(db, tokenize_fts5_api(db, &e), &opened[i].forms), SQLITE_OK);
	if (with_rank)
		assert_int_equal(rank_register(db, opened[i].forms, &e), IRS_OK);
	opened[i].db = db;
	return db;
}

phrase_tokenizer *
connection_forms(sqlite3 *db)
{
	return opened[slot_of(db)].forms;
}

void
connection_close(sqlite3 *db)
{
	size_t i = slot_of(db);

	phrase_tokenizer_close(opened[i].forms);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	for (; i + 1 < sizeof(opened) / sizeof(opened[0]); i++)
		opened[i] = opened[i + 1];
	opened[i].db = NULL;
	opened[i].forms = NULL;
}

void
index_files_remove(const char *path, const char *dir)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[4096];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		assert_true(snprintf(p, sizeof(p), "%s%s", path, suffix[i]) < (int)sizeof(p));
		unlink(p);
	}
	if (dir != NULL)
		assert_int_equal(rmdir(dir), 0);
}
