/* doc.c - the irs_doc record's strings (see doc.h). */
#include <stdlib.h>
#include <string.h>

#include "irsearch/doc.h"
#include "irsearch/utf8.h"

void
doc_clear(irs_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->path);
	free(doc->title);
	free(doc->author);
	free(doc->body);
	memset(doc, 0, sizeof(*doc));
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int
doc_set_text(char **field, const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out, *p;
	size_t i = 0;

	free(*field);
	*field = NULL;
	if (s == NULL)
		return 0;
	out = malloc(max + 1);
	if (out == NULL)
		return -1;
	p = out;
	while (i < n && u[i] != '\0') {
		size_t len;

		if (is_space(u[i])) {
			while (i < n && is_space(u[i]))
				i++;
			/* One space, also when a dropped byte parted two runs. */
			if (p != out && p[-1] != ' ' && (size_t)(p - out) < max)
				*p++ = ' ';
			continue;
		}
		len = utf8_sequence(u + i, n - i);
		if (len == 0)
			len = 1;	/* dropped: metadata is repaired by dropping bad bytes */
		else if ((size_t)(p - out) + len > max)
			break;
		else if (len > 1 || u[i] >= 0x20) {
			memcpy(p, u + i, len);
			p += len;
		}
		i += len;
	}
	while (p != out && p[-1] == ' ')
		p--;
	*p = '\0';
	if (p == out) {
		free(out);
		return 0;
	}
	*field = out;
	return 0;
}

static int
digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
doc_set_date(irs_doc *doc, const char *s)
{
	size_t len;
	int month, day;

	while (*s == ' ')
		s++;
	len = strcspn(s, "T ");
	if (!(len == 4 || len == 7 || len == 10 || (len > 10 && s[10] == 'T')) || !digits(s, 4))
		return -1;
	if (len >= 7) {
		if (s[4] != '-' || !digits(s + 5, 2))
			return -1;
		month = (s[5] - '0') * 10 + (s[6] - '0');
		if (month < 1 || month > 12)
			return -1;
	}
	if (len >= 10) {
		if (s[7] != '-' || !digits(s + 8, 2))
			return -1;
		day = (s[8] - '0') * 10 + (s[9] - '0');
		if (day < 1 || day > 31)
			return -1;
		len = 10;
	}
	memcpy(doc->date, s, len);
	doc->date[len] = '\0';
	doc->date_from_mtime = 0;
	return 0;
}

int
doc_set_lang(irs_doc *doc, const char *s)
{
	size_t i, n = strcspn(s, "-_");
	char lang[4];		/* doc->lang is left alone when s is not a tag */

	if (n < 2 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z')
			return -1;
		lang[i] = c;
	}
	memcpy(doc->lang, lang, n);
	doc->lang[n] = '\0';
	return 0;
}
