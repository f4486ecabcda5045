/*
 * extension.c - the entry point of irsearch.so, the loadable SQLite extension.
 *
 * Lets any SQLite program read an index: `sqlite3 index.db` then
 * `.load /usr/local/lib/irsearch/irsearch` registers the tokenizer, after
 * which MATCH, highlight() and snippet() work on the fts table.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "irsearch/tokenize.h"

int sqlite3_irsearch_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api);

int
sqlite3_irsearch_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api)
{
	irs_error e;

	SQLITE_EXTENSION_INIT2(api);
	if (tokenize_register(db, &e) != IRS_OK) {
		*errmsg = sqlite3_mprintf("irsearch: %s", e.msg);
		return SQLITE_ERROR;
	}
	return SQLITE_OK;
}
