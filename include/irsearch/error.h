/*
 * error.h - the error codes every irsearch module returns.
 *
 * Owns: the irs_code enum, which maps one-to-one onto the error codes of the
 * socket protocol (docs/PROTOCOL.md), and irs_error, the caller-owned buffer
 * a failing function fills with one human sentence.  Library code never
 * prints; programs decide where the sentence goes.
 */
#ifndef IRSEARCH_ERROR_H
#define IRSEARCH_ERROR_H

#include <stddef.h>

typedef enum irs_code {
	IRS_OK = 0,
	IRS_BAD_REQUEST,	/* malformed request or argument */
	IRS_BAD_QUERY,		/* a query that cannot be understood */
	IRS_TOO_LARGE,		/* input over one of the limits in limits.h */
	IRS_TIMEOUT,		/* work over its time budget */
	IRS_UNAVAILABLE,	/* no index (yet), or a resource that is missing */
	IRS_INTERNAL,		/* anything else: I/O, SQLite, out of memory */
	IRS_NOT_FOUND		/* a looked-up item does not exist (not an error to callers that expect it) */
} irs_code;

#define IRS_ERRMSG_MAX 512

typedef struct irs_error {
	irs_code code;
	char msg[IRS_ERRMSG_MAX];
} irs_error;

/* Fills e (when not NULL) with code and a printf-style message; returns code. */
irs_code irs_fail(irs_error *e, irs_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Resets e to IRS_OK with an empty message. */
void irs_error_clear(irs_error *e);

/* The protocol name of a code: "bad_query", "internal", ... */
const char *irs_code_name(irs_code code);

#endif
