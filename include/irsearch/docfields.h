/*
 * docfields.h - the documents columns search filters test (date, type,
 * language), for irs_rank (rank.h): a filter tested on one documents row
 * as SQL would test it, and every row's values read in one pass into a
 * copy, each column's distinct values kept once and the dates sorted, so
 * that a filter becomes a range or a table of small ids (8 bytes a rowid
 * plus each distinct value once).  The copy is the caller's: rank.c keeps
 * one per connection, for one snapshot of the index.
 */
#ifndef IRSEARCH_DOCFIELDS_H
#define IRSEARCH_DOCFIELDS_H

#include <sqlite3.h>
#include <stdint.h>

/*
 * Filters on the documents table, as SQL's "date >= after AND date <
 * before AND type IN (types) AND language IN (langs)" would test them
 * (text in SQLite's BINARY order; NULL passes no filter on its column);
 * NULL or 0 for a filter not given.  A rowid without a documents row
 * passes none.
 */
typedef struct doc_filter {
	const char *after;
	const char *before;
	const char *const *types;
	int ntypes;
	const char *const *langs;
	int nlangs;
} doc_filter;

/* The distinct values of one documents column, by id; id 0 stands for NULL. */
struct docfields_dict {
	char *text;		/* the values, one after another (not NUL-terminated) */
	size_t used, room;
	uint32_t *off, *len;	/* each id's value in text */
	uint32_t n, cap;	/* ids, NULL's included */
	uint32_t *slot;		/* while loading only: ids by hash, 0 for a free slot */
	uint32_t nslot;
};

#define DOCFIELDS_NO_ROW UINT16_MAX	/* a row's type where documents has no row */

/* One document's filtered columns, as ids in the columns' dicts (8 bytes a rowid). */
struct docfields_row {
	uint32_t date;		/* dates are sorted: a date filter is a range of ids */
	uint16_t type, lang;
};

/* The columns the filters test, of every documents row, by rowid. */
typedef struct doc_fields {
	struct docfields_row *row;	/* of each rowid below nrow */
	sqlite3_int64 nrow;
	struct docfields_dict dates, types, langs;
} doc_fields;


/* A filter against a copy's dicts: the ids each column takes. */
typedef struct doc_filter_ids {
	int ready;
	int by_date;		/* a date bound: only ids in [date_lo, date_hi) pass (never 0, NULL) */
	uint32_t date_lo, date_hi;
	unsigned char *type_ok, *lang_ok;	/* by id; NULL where that column is not filtered */
} doc_filter_ids;

/*
 * Reads every documents row's date, type and language into df (emptied
 * first); refuses (SQLITE_ERROR) ids far sparser than rows, the table's
 * row count, or values that are not text.  SQLITE_OK, or an error, df
 * then holding nothing usable.
 */
int docfields_read(sqlite3 *db, doc_fields *df, sqlite3_int64 rows);

/* Frees what df holds (df itself is the caller's). */
void docfields_clear(doc_fields *df);

/* The filter f as the ids it takes of df's dicts, into ids (its old tables freed); SQLITE_OK or SQLITE_NOMEM. */
int docfields_compile(doc_filter_ids *ids, const doc_fields *df, const doc_filter *f);

/* Frees what ids holds. */
void docfields_ids_clear(doc_filter_ids *ids);

/* Whether rowid id passes ids, compiled against df; a rowid without a documents row never does. */
int docfields_passes(const doc_filter_ids *ids, const doc_fields *df, sqlite3_int64 id);

/*
 * Whether the row st stands on, whose columns 0, 1 and 2 are a documents
 * row's date, type and language, passes f, into *wanted; SQLITE_OK, or
 * SQLITE_NOMEM when a text cannot be had.
 */
int docfields_row_passes(sqlite3_stmt *st, const doc_filter *f, int *wanted);

#endif
