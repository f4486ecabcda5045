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

#include "irsearch/error.h"
#include "irsearch/search.h"

/* The response object as one line of JSON, without a newline; caller frees. NULL when out of memory. */
char *printer_json_result(const search_result *r);

/* {"ok":false,"error":{"code":...,"message":...}} as one line; caller frees. */
char *printer_json_error(irs_code code, const char *message);

/*
 * Writes numbered hits for a person: title, then date and path, then the
 * snippet.  With bold, titles are bold (the snippet's markers are the
 * caller's choice).  offset numbers the first hit.
 */
void printer_text_result(FILE *out, const search_result *r, int offset, int bold);

#endif
