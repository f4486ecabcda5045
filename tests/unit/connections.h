/*
 * connections.h - for the unit tests that use bare SQLite connections:
 * each opened with the irsearch tokenizer and a phrase tokenizer of its
 * own (phrasecount.h), as store_open pairs them, and closed forms first;
 * and an index file removed with its WAL and shared-memory files.
 * Test support, not part of the library; failures are cmocka assertions.
 */
#ifndef IRSEARCH_TESTS_CONNECTIONS_H
#define IRSEARCH_TESTS_CONNECTIONS_H

#include <sqlite3.h>

#include "irsearch/phrasecount.h"

/* path (":memory:" or a file) with the tokenizer, forms of its own and, with_rank, irs_rank counting with them. */
sqlite3 *connection_open(const char *path, int with_rank);

/* The forms opened with db by connection_open. */
phrase_tokenizer *connection_forms(sqlite3 *db);

/* Closes db's forms, then db: the forms' statements would keep sqlite3_close from closing it. */
void connection_close(sqlite3 *db);

/* Removes the index file path, its -wal and -shm, then the folder dir that held it (NULL: none). */
void index_files_remove(const char *path, const char *dir);

#endif
