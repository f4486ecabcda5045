/*
 * connections.h - for the unit tests that use bare SQLite connections:
 * each opened with the irsearch tokenizer and a phrase tokenizer of its
 * own (phrasecount.h), as store_open pairs them, and closed forms first.
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

#endif
