/*
 * fuzz_config.c - the config file parser (lib/config.c over inih).
 *
 * The input is written to a file in the target's own temporary folder and
 * read with config_load, the programs' path (inih reads files line by
 * line, so a string parser would test something else).  Promises checked:
 * a bad file fails with bad_request and "FILE:LINE: what"; a good one
 * gives settings within their documented ranges (a socket mode never
 * writable by others, languages libstemmer knows); the paths derived from
 * it can be asked for; config_free leaves nothing behind (LeakSanitizer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "irsearch/config.h"
#include "irsearch/limits.h"
#include "irsearch/tokenize.h"

static char path[4200];

static void
check_config(const irs_config *c)
{
	irs_error e;
	char *p;
	int i;

	if (c->limit < 1 || c->limit > IRS_MAX_LIMIT || c->snippet_tokens < 1 ||
	    c->snippet_tokens > 64)
		fuzz_fail("limit %d, snippet_tokens %d out of range", c->limit, c->snippet_tokens);
	if (!(c->weight_title >= 0 && c->weight_title <= 1000) ||
	    !(c->weight_author >= 0 && c->weight_author <= 1000) ||
	    !(c->weight_body >= 0 && c->weight_body <= 1000))
		fuzz_fail("a weight out of range");
	if (c->socket_mode < 0 || c->socket_mode > 0777 || (c->socket_mode & 0002))
		fuzz_fail("socket mode %#o", c->socket_mode);
	if (c->workers < 1 || c->max_clients < 1 || c->idle_timeout_s < 1 || c->query_budget_ms < 1)
		fuzz_fail("a [searchd] number below 1");
	if (c->languages != NULL && tokenize_check_languages(c->languages, &e) != IRS_OK)
		fuzz_fail("languages '%s' accepted but refused: %s", c->languages, e.msg);
	for (i = 0; i < c->nroots; i++)
		if (c->roots[i] == NULL || c->roots[i][0] == '\0')
			fuzz_fail("an empty root");
	if ((p = config_db_path(c, NULL, &e)) == NULL)
		fuzz_fail("no database path: %s", e.msg);
	free(p);
	if ((p = config_socket_path(c, NULL, &e)) == NULL)
		fuzz_fail("no socket path: %s", e.msg);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const irs_code allowed[] = { IRS_BAD_REQUEST, IRS_OK };
	irs_config c;
	irs_error e = { IRS_OK, "" };
	irs_code rc;
	FILE *f;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "%s/irsearch.conf", fuzz_tmpdir());
		/* The derived paths come from the environment when the file names none. */
		setenv("HOME", "/home/fuzz", 1);
		unsetenv("IRSEARCH_DB");
		unsetenv("IRSEARCH_SOCKET");
	}
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		fuzz_fail("cannot write %s", path);
	config_init(&c);
	rc = config_load(&c, path, &e);
	if (rc == IRS_OK) {
		check_config(&c);
	} else {
		fuzz_check_error("config_load", rc, &e, allowed);
		if (strncmp(e.msg, path, strlen(path)) != 0 || e.msg[strlen(path)] != ':')
			fuzz_fail("config_load's error does not begin with the file: %s", e.msg);
	}
	config_free(&c);
	return 0;
}
