/* error.c - filling irs_error buffers and naming codes (see error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "irsearch/error.h"

irs_code
irs_fail(irs_error *e, irs_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
irs_error_clear(irs_error *e)
{
	if (e == NULL)
		return;
	e->code = IRS_OK;
	e->msg[0] = '\0';
}

const char *
irs_code_name(irs_code code)
{
	switch (code) {
	case IRS_OK: return "ok";
	case IRS_BAD_REQUEST: return "bad_request";
	case IRS_BAD_QUERY: return "bad_query";
	case IRS_TOO_LARGE: return "too_large";
	case IRS_TIMEOUT: return "timeout";
	case IRS_UNAVAILABLE: return "unavailable";
	case IRS_NOT_FOUND: return "not_found";
	case IRS_INTERNAL: break;
	}
	return "internal";
}
