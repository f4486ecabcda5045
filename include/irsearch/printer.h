/*
 * printer.h - showing search results: one printer for text, one for JSON.
 *
 * Owns: the JSON shape of a search response and of an error (the protocol's,
 * docs/PROTOCOL.md, built with jansson) and the text layout of the CLI.
 * Every program prints results through these, so the CLI's --json and the
 * daemon answer with the same object.
 */
#ifndef IRSEARCH_PRINTER_H
#define IRSEARCH_PRINTER_H

#include <stdio.h>

#include "irsearch/doc.h"
#include "irsearch/error.h"
#include "irsearch/search.h"

struct json_t;

/*
 * The response object as one line of JSON, without a newline; caller frees.
 * fields is a mask of protocol.h's FIELD_* bits (FIELD_ALL for every field).
 * NULL when out of memory.
 */
char *printer_json_result(const search_result *r, unsigned fields);

/* {"ok":true,"doc":{...}} for one document, with its text when with_text. */
char *printer_json_doc(int64_t id, const irs_doc *doc, int with_text);

/* Dumps o as one line and releases it (o may be NULL: out of memory). */
char *printer_json_dump(struct json_t *o);

/* {"ok":false,"error":{"code":...,"message":...}} as one line; caller frees. */
char *printer_json_error(irs_code code, const char *message);

/*
 * Writes numbered hits for a person: title, then date and path, then the
 * snippet.  With bold, titles are bold (the snippet's markers are the
 * caller's choice).  offset numbers the first hit.
 */
void printer_text_result(FILE *out, const search_result *r, int offset, int bold);

#endif
