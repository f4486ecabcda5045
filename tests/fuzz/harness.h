/*
 * harness.h - what the fuzz targets in tests/fuzz/ share.
 *
 * Each target is one file, fuzz_<target>.c, defining LLVMFuzzerTestOneInput;
 * the Makefile builds every such file with libFuzzer against a copy of the
 * library instrumented for coverage, ASan and UBSan (docs/SECURITY.md).
 * Besides not crashing, a target checks the promises its module makes (an
 * answer is one line of JSON, an extraction is valid UTF-8, a compiled query
 * is never an FTS5 syntax error) and calls fuzz_fail when one is broken:
 * fuzz_fail aborts, so libFuzzer saves the input like any other crash.
 *
 * An extractor (HTML, PDF, DOCX, ODT...) becomes a target with one call:
 * fuzz_extract("text/html", NULL, data, size) checks every guarantee
 * extract.h gives.  State that is costly to build (the sample index) is made once per
 * process in a private temporary folder and removed at exit.
 */
#ifndef IRSEARCH_FUZZ_HARNESS_H
#define IRSEARCH_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "irsearch/doc.h"
#include "irsearch/error.h"
#include "irsearch/store.h"

/* libFuzzer's entry point, defined by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: " and the message on stderr, then aborts: a broken promise. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* data[0..size) as a C string (so cut at its first NUL, as C callers see it); caller frees. */
char *fuzz_string(const uint8_t *data, size_t size);

/* A folder of this process's own, made on first use and removed with its files at exit. */
const char *fuzz_tmpdir(void);

/*
 * A small index of sample reports (English, Russian, Turkish, with titles,
 * authors and dates), made on first use in fuzz_tmpdir() and closed at exit.
 * Targets only read it.  fuzz_store_path() is its file.
 */
store_t *fuzz_store(void);
const char *fuzz_store_path(void);

/* Fails unless s[0..n) is valid UTF-8 with no NUL. */
void fuzz_check_text(const char *what, const char *s, size_t n);

/* Fails unless a failure is well formed: rc is e->code, one of allowed (ended by IRS_OK). */
void fuzz_check_error(const char *what, irs_code rc, const irs_error *e, const irs_code *allowed);

/*
 * Fails unless line is one protocol answer: a single line of JSON holding an
 * object with a boolean "ok", and for ok false an "error" object with a
 * known "code" and a "message".
 */
void fuzz_check_answer(const char *what, const char *line);

/* Fails unless doc keeps the promises of a successful extraction (extract.h). */
void fuzz_check_doc(const irs_doc *doc, const char *mime);

/*
 * Runs extract_document_with on data[0..size) as a file of type mime in
 * charset (NULL: UTF-8) and checks the result with fuzz_check_doc; a file
 * it cannot read must fail with bad_request or too_large and a sentence.
 * The body of an extractor target.
 */
int fuzz_extract(const char *mime, const char *charset, const uint8_t *data, size_t size);

#endif
