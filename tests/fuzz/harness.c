/* harness.c - what the fuzz targets share (see harness.h). */
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "irsearch/extract.h"
#include "irsearch/limits.h"
#include "irsearch/utf8.h"

static char tmpdir[4096];
static char store_path[4200];
static store_t *store;

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		fuzz_fail("out of memory");
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Closes the sample index and removes the folder with everything in it. */
static void
remove_tmpdir(void)
{
	char path[8192];
	struct dirent *ent;
	DIR *dir;

	store_close(store);
	store = NULL;
	if (tmpdir[0] == '\0' || (dir = opendir(tmpdir)) == NULL)
		return;
	while ((ent = readdir(dir)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, ent->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

const char *
fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	if (base == NULL || base[0] != '/')
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/irsearch-fuzz.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL)
		fuzz_fail("cannot make a temporary folder %s", tmpdir);
	atexit(remove_tmpdir);
	return tmpdir;
}

/* The sample reports: words, scripts and metadata enough for every query form to match. */
static const struct {
	const char *path, *title, *author, *date, *lang, *body;
} samples[] = {
	{ "/reports/sco-astana-2024.md", "Ten Members and a Longer Horizon",
	  "Dana Seitkali, Marcus Hollander", "2024-07-05", "en",
	  "The leaders signed the Astana Declaration and endorsed cooperation on energy, "
	  "sanctions and transport corridors. Cooperating states sanitized their export lists; "
	  "sanitization continues. NATO observers noted the Tianjin follow-up." },
	{ "/reports/caspian.txt", "Caspian naval balance", NULL, "2023-11", NULL,
	  "Naval cooperation in the Caspian: Russia, Kazakhstan, Turkmenistan, Azerbaijan and "
	  "Iran. An embargo on dual-use goods, AND/OR NEAR(a b) title:body \"quoted\" text* - "
	  "minus." },
	{ "/reports/ru-sotrudnichestvo.md", "Сотрудничество в Центральной Азии", "Анна Петрова",
	  "2022", "ru",
	  "Сотрудничество государств ШОС: энергетика, транспорт и санкции. "
	  "Астанинская декларация подписана лидерами; сотрудничают министерства." },
	{ "/reports/turkiye.md", "Türkiye and the Organization of Turkic States", "Ayşe Yılmaz",
	  NULL, "tr",
	  "İşbirliği ve ticaret: Türkiye, Özbekistan, Kırgızistan. Résumé naïve café façade "
	  "über Straße 2024 12.5% 0x1f emoji \xf0\x9f\x8c\x8d end." },
};

store_t *
fuzz_store(void)
{
	irs_error e;
	size_t i;

	if (store != NULL)
		return store;
	snprintf(store_path, sizeof(store_path), "%s/index.db", fuzz_tmpdir());
	if (store_open(store_path, STORE_WRITE, NULL, &store, &e) != IRS_OK ||
	    store_begin(store, &e) != IRS_OK)
		fuzz_fail("cannot make the sample index: %s", e.msg);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		irs_doc doc = { 0 };
		int64_t id;

		doc.path = strdup(samples[i].path);
		doc.size = (int64_t)strlen(samples[i].body);
		doc.mtime_ns = 1700000000000000000LL + (int64_t)i;
		snprintf(doc.type, sizeof(doc.type), "%s",
			 strstr(samples[i].path, ".md") != NULL ? "text/markdown" : "text/plain");
		doc.title = samples[i].title != NULL ? strdup(samples[i].title) : NULL;
		doc.author = samples[i].author != NULL ? strdup(samples[i].author) : NULL;
		if (samples[i].date != NULL)
			doc_set_date(&doc, samples[i].date);
		if (samples[i].lang != NULL)
			doc_set_lang(&doc, samples[i].lang);
		doc.body = strdup(samples[i].body);
		doc.body_len = strlen(samples[i].body);
		if (store_put(store, &doc, &id, &e) != IRS_OK)
			fuzz_fail("cannot fill the sample index: %s", e.msg);
		doc_clear(&doc);
	}
	if (store_commit(store, &e) != IRS_OK)
		fuzz_fail("cannot fill the sample index: %s", e.msg);
	return store;
}

const char *
fuzz_store_path(void)
{
	fuzz_store();
	return store_path;
}

void
fuzz_check_text(const char *what, const char *s, size_t n)
{
	size_t bad;

	if (s == NULL)
		fuzz_fail("%s is NULL", what);
	if ((bad = utf8_invalid_offset(s, n)) < n)
		fuzz_fail("%s is not valid UTF-8 at byte %zu", what, bad);
	if (memchr(s, '\0', n) != NULL)
		fuzz_fail("%s holds a NUL byte", what);
}

void
fuzz_check_error(const char *what, irs_code rc, const irs_error *e, const irs_code *allowed)
{
	size_t i;

	if (e->code != rc)
		fuzz_fail("%s returned %s but its error says %s", what, irs_code_name(rc),
			  irs_code_name(e->code));
	for (i = 0; allowed[i] != IRS_OK && allowed[i] != rc; i++)
		;
	if (allowed[i] == IRS_OK)
		fuzz_fail("%s failed with an unexpected %s: %s", what, irs_code_name(rc), e->msg);
	if (memchr(e->msg, '\0', sizeof(e->msg)) == NULL || e->msg[0] == '\0')
		fuzz_fail("%s failed (%s) without a sentence", what, irs_code_name(rc));
}

void
fuzz_check_answer(const char *what, const char *line)
{
	static const char *const codes[] = { "bad_request", "bad_query", "too_large", "timeout",
					     "unavailable", "internal", "not_found", NULL };
	json_error_t jerr;
	json_t *o, *err;
	const char *code;
	size_t i;

	if (line == NULL)
		fuzz_fail("%s: no answer", what);
	if (strchr(line, '\n') != NULL || strchr(line, '\r') != NULL)
		fuzz_fail("%s: answer is not a single line: %s", what, line);
	fuzz_check_text(what, line, strlen(line));
	o = json_loads(line, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (o == NULL)
		fuzz_fail("%s: answer is not JSON (%s at column %d): %s", what, jerr.text,
			  jerr.column, line);
	if (!json_is_object(o) || !json_is_boolean(json_object_get(o, "ok")))
		fuzz_fail("%s: answer is not an object with a boolean \"ok\": %s", what, line);
	if (json_is_false(json_object_get(o, "ok"))) {
		err = json_object_get(o, "error");
		code = json_string_value(json_object_get(err, "code"));
		for (i = 0; code != NULL && codes[i] != NULL && strcmp(codes[i], code) != 0; i++)
			;
		if (code == NULL || codes[i] == NULL ||
		    !json_is_string(json_object_get(err, "message")))
			fuzz_fail("%s: error answer without a known code and a message: %s", what,
				  line);
	}
	json_decref(o);
}

/*
 * A title or author: NULL, or non-empty valid UTF-8 within the cap, whitespace
 * collapsed, no control bytes.
 */
static void
check_meta(const char *what, const char *s)
{
	size_t i, n;

	if (s == NULL)
		return;
	n = strlen(s);
	fuzz_check_text(what, s, n);
	if (n == 0 || n > IRS_MAX_META_BYTES)
		fuzz_fail("%s is %zu bytes (1 to %d allowed)", what, n, IRS_MAX_META_BYTES);
	if (s[0] == ' ' || s[n - 1] == ' ')
		fuzz_fail("%s is not trimmed: \"%s\"", what, s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (s[i] == ' ' && s[i + 1] == ' '))
			fuzz_fail("%s has a control byte or a run of spaces at byte %zu", what, i);
}

static int
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

void
fuzz_check_doc(const irs_doc *doc, const char *mime)
{
	const char *d = doc->date;
	size_t n, i;

	if (doc->body == NULL)
		fuzz_fail("%s: extraction succeeded without a body", mime);
	if (strlen(doc->body) != doc->body_len)
		fuzz_fail("%s: body_len %zu but the body is %zu bytes to its NUL", mime,
			  doc->body_len, strlen(doc->body));
	if (doc->body_len > IRS_MAX_TEXT_BYTES)
		fuzz_fail("%s: body over IRS_MAX_TEXT_BYTES", mime);
	fuzz_check_text("body", doc->body, doc->body_len);
	check_meta("title", doc->title);
	check_meta("author", doc->author);
	if (strcmp(doc->type, mime) != 0)
		fuzz_fail("%s: the extractor changed the type to %s", mime, doc->type);
	/* After extract_document there is always a date: "YYYY", "YYYY-MM" or "YYYY-MM-DD". */
	n = strnlen(d, sizeof(doc->date));
	if (n == sizeof(doc->date) || !(n == 4 || n == 7 || n == 10) || !is_digits(d, 4) ||
	    (n >= 7 && (d[4] != '-' || !is_digits(d + 5, 2))) ||
	    (n == 10 && (d[7] != '-' || !is_digits(d + 8, 2))))
		fuzz_fail("%s: date \"%.*s\" is not an ISO 8601 date", mime, (int)sizeof(doc->date),
			  d);
	n = strnlen(doc->lang, sizeof(doc->lang));
	for (i = 0; i < n && doc->lang[i] >= 'a' && doc->lang[i] <= 'z'; i++)
		;
	if (!(n == 0 || ((n == 2 || n == 3) && i == n)))
		fuzz_fail("%s: lang \"%.*s\" is not an ISO 639 code", mime, (int)sizeof(doc->lang),
			  doc->lang);
	if (doc->pages < 0)
		fuzz_fail("%s: %d pages", mime, doc->pages);
}

int
fuzz_extract(const char *mime, const char *charset, const uint8_t *data, size_t size)
{
	static const irs_code allowed[] = { IRS_TOO_LARGE, IRS_BAD_REQUEST, IRS_OK };
	extract_opts opts = { 0, charset };
	irs_doc doc = { 0 };
	irs_error e = { IRS_OK, "" };
	irs_code rc;

	doc.path = strdup("/reports/fuzz-input");
	if (doc.path == NULL)
		fuzz_fail("out of memory");
	doc.size = (int64_t)size;
	doc.mtime_ns = 1700000000123456789LL;
	snprintf(doc.type, sizeof(doc.type), "%s", mime);
	rc = extract_document_with((const char *)data, size, &opts, &doc, &e);
	if (rc == IRS_OK)
		fuzz_check_doc(&doc, mime);
	else
		fuzz_check_error(mime, rc, &e, allowed);
	doc_clear(&doc);
	return 0;
}
