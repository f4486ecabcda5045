/*
 * relevance - how well the ranking puts the report a researcher means first.
 *
 *   relevance DB QUERIES [--weights T,A,B] [--proximity P] [--min-mrr X] [--min-s1 Y] [--grid]
 *
 * QUERIES is tests/relevance/queries.tsv: QUERY<TAB>SLUG[,SLUG] per line.
 * A hit counts when its file name without extension is an expected slug,
 * so a report found as its PDF or HTML version counts the same.  Prints
 * TAP: one line per threshold (MRR@10 and success@1), with every query not
 * answered first as a diagnostic.  --grid prints the figures for a grid of
 * weights instead, for tuning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/search.h"
#include "irsearch/store.h"

struct judgement {
	char *query;
	char *expected;		/* comma-separated slugs */
};

struct figures {
	double mrr, success1;
	int n;
};

static int
slug_matches(const char *path, const char *expected)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t len;
	const char *p = expected;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	len = dot != NULL ? (size_t)(dot - base) : strlen(base);
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, base, len) == 0)
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int
read_judgements(const char *path, struct judgement **out)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0;

	if (f == NULL)
		return -1;
	*out = NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		struct judgement *j;

		if (nl != NULL)
			*nl = '\0';
		if (line[0] == '#' || tab == NULL)
			continue;
		*tab = '\0';
		j = realloc(*out, sizeof(**out) * (size_t)(n + 1));
		if (j == NULL)
			break;
		*out = j;
		j[n].query = strdup(line);
		j[n].expected = strdup(tab + 1);
		n++;
	}
	fclose(f);
	return n;
}

/* The 1-based rank of the first expected hit in the top 10, 0 when none; fills got with the top slugs. */
static int
rank_of(store_t *s, const search_request *base, const struct judgement *j, char *got, size_t cap)
{
	search_request req = *base;
	search_result *r = NULL;
	irs_error e;
	int i, rank = 0;

	req.query = j->query;
	req.limit = 10;
	got[0] = '\0';
	if (search_run(s, &req, &r, &e) != IRS_OK) {
		snprintf(got, cap, "error: %.400s", e.msg);
		return 0;
	}
	for (i = 0; i < r->nhits; i++) {
		const char *base_name = strrchr(r->hits[i].path, '/');

		if (rank == 0 && slug_matches(r->hits[i].path, j->expected))
			rank = i + 1;
		if (i < 3 && strlen(got) + 64 < cap)
			snprintf(got + strlen(got), cap - strlen(got), "%s%s", i > 0 ? ", " : "",
				 base_name != NULL ? base_name + 1 : r->hits[i].path);
	}
	if (r->nhits == 0)
		snprintf(got, cap, "nothing");
	search_result_free(r);
	return rank;
}

static struct figures
measure(store_t *s, const search_request *req, const struct judgement *js, int n, int report)
{
	struct figures f = { 0, 0, n };
	char got[512];
	int i;

	for (i = 0; i < n; i++) {
		int rank = rank_of(s, req, &js[i], got, sizeof(got));

		f.mrr += rank > 0 ? 1.0 / rank : 0.0;
		f.success1 += rank == 1;
		if (report && rank != 1)
			printf("# %s: %s -> %s (expected %s)\n", rank == 0 ? "missed" : "not first", js[i].query, got,
			       js[i].expected);
	}
	if (n > 0) {
		f.mrr /= n;
		f.success1 /= n;
	}
	return f;
}

static void
grid(store_t *s, search_request *req, const struct judgement *js, int n)
{
	static const double titles[] = { 1, 2, 3, 5, 10, 20 }, authors[] = { 1, 3, 5 }, proximities[] = { 0, 0.25, 0.5, 1, 2 };
	size_t t, a, p;

	printf("title author body proximity   MRR@10 success@1\n");
	for (t = 0; t < sizeof(titles) / sizeof(titles[0]); t++)
		for (a = 0; a < sizeof(authors) / sizeof(authors[0]); a++)
			for (p = 0; p < sizeof(proximities) / sizeof(proximities[0]); p++) {
				struct figures f;

				req->weight_title = titles[t];
				req->weight_author = authors[a];
				req->weight_body = 1;
				req->proximity = proximities[p];
				f = measure(s, req, js, n, 0);
				printf("%5g %6g %4g %9g   %.3f  %.3f\n", titles[t], authors[a], 1.0, proximities[p], f.mrr,
				       f.success1);
			}
}

int
main(int argc, char **argv)
{
	double min_mrr = 0, min_s1 = 0;
	search_request req;
	struct judgement *js = NULL;
	store_t *store = NULL;
	struct figures f;
	irs_error e;
	int n, i, do_grid = 0, failed;

	if (argc < 3) {
		fprintf(stderr, "usage: relevance DB QUERIES [--weights T,A,B] [--proximity P] [--min-mrr X] [--min-s1 Y] [--grid]\n");
		return 2;
	}
	search_request_init(&req, "");
	req.passages = 1;
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--weights") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%lf,%lf,%lf", &req.weight_title, &req.weight_author, &req.weight_body);
		else if (strcmp(argv[i], "--proximity") == 0 && i + 1 < argc)
			req.proximity = atof(argv[++i]);
		else if (strcmp(argv[i], "--min-mrr") == 0 && i + 1 < argc)
			min_mrr = atof(argv[++i]);
		else if (strcmp(argv[i], "--min-s1") == 0 && i + 1 < argc)
			min_s1 = atof(argv[++i]);
		else if (strcmp(argv[i], "--grid") == 0)
			do_grid = 1;
		else {
			fprintf(stderr, "relevance: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	n = read_judgements(argv[2], &js);
	if (n <= 0 || store_open(argv[1], STORE_READ, NULL, &store, &e) != IRS_OK) {
		fprintf(stderr, "relevance: %s\n", n <= 0 ? "no judgements read" : e.msg);
		return 2;
	}
	if (do_grid) {
		grid(store, &req, js, n);
		failed = 0;
	} else {
		printf("1..2\n");
		f = measure(store, &req, js, n, 1);
		printf("# %d queries, weights title %g author %g body %g, proximity %g\n", n, req.weight_title,
		       req.weight_author, req.weight_body, req.proximity);
		printf("%s 1 - MRR@10 %.3f (at least %.2f)\n", f.mrr >= min_mrr ? "ok" : "not ok", f.mrr, min_mrr);
		printf("%s 2 - success@1 %.3f (at least %.2f)\n", f.success1 >= min_s1 ? "ok" : "not ok", f.success1,
		       min_s1);
		failed = f.mrr < min_mrr || f.success1 < min_s1;
	}
	for (i = 0; i < n; i++) {
		free(js[i].query);
		free(js[i].expected);
	}
	free(js);
	store_close(store);
	return failed;
}
