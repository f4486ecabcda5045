/* test_config.c - irsearch.conf and the rules that pick the database path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "irsearch/config.h"
#include "irsearch/limits.h"

struct fixture {
	char dir[64];
	char conf[128];		/* dir/irsearch.conf, written by each test */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/irs-config-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->conf, sizeof(f->conf), "%s/irsearch.conf", f->dir);
	/* Nothing from the environment of whoever runs the tests. */
	unsetenv("IRSEARCH_DB");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", f->dir, 1);
	setenv("XDG_CONFIG_HOME", f->dir, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Loads text as the config file; returns the code, e gets the error. */
static irs_code
load_text(struct fixture *f, irs_config *c, const char *text, irs_error *e)
{
	write_text(f->conf, text);
	config_init(c);
	return config_load(c, f->conf, e);
}

/* Loads text, which must fail; checks the message is "FILE:LINE: what". */
static void
load_fails(struct fixture *f, const char *text, int line, const char *what)
{
	irs_config c;
	irs_error e = { IRS_OK, "" };
	char expected[IRS_ERRMSG_MAX];

	assert_int_equal(load_text(f, &c, text, &e), IRS_BAD_REQUEST);
	snprintf(expected, sizeof(expected), "%s:%d: %s", f->conf, line, what);
	assert_string_equal(e.msg, expected);
	config_free(&c);
}

static void
defaults_are_set_by_init(void **state)
{
	irs_config c;

	(void)state;
	config_init(&c);
	assert_null(c.source);
	assert_null(c.db_path);
	assert_null(c.languages);
	assert_int_equal(c.nroots, 0);
	assert_int_equal(c.limit, IRS_DEFAULT_LIMIT);
	assert_true(c.weight_title == 10.0 && c.weight_author == 5.0 && c.weight_body == 1.0);
	assert_int_equal(c.snippet_tokens, IRS_SNIPPET_TOKENS);
	config_free(&c);
	config_free(NULL);
}

static void
every_setting_is_read(void **state)
{
	struct fixture *f = *state;
	irs_config c;
	irs_error e = { IRS_OK, "" };

	assert_int_equal(load_text(f, &c,
				   "; a comment\n"
				   "[index]\n"
				   "roots = /srv/reports\n"
				   "roots = /home/me/Policy Papers\n"
				   "languages = english russian\n"
				   "db = /var/lib/irsearch/index.db\n"
				   "\n"
				   "[search]\n"
				   "limit = 25\n"
				   "title_weight = 7.5\n"
				   "author_weight = 2\n"
				   "body_weight = 0.25\n"
				   "snippet_tokens = 12\n"
				   "[index]\n"
				   "roots = /third\n", &e), IRS_OK);
	assert_string_equal(c.source, f->conf);
	assert_int_equal(c.nroots, 3);
	assert_string_equal(c.roots[0], "/srv/reports");
	assert_string_equal(c.roots[1], "/home/me/Policy Papers");
	assert_string_equal(c.roots[2], "/third");
	assert_string_equal(c.languages, "english russian");
	assert_string_equal(c.db_path, "/var/lib/irsearch/index.db");
	assert_int_equal(c.limit, 25);
	assert_true(c.weight_title == 7.5);
	assert_true(c.weight_author == 2.0);
	assert_true(c.weight_body == 0.25);
	assert_int_equal(c.snippet_tokens, 12);
	config_free(&c);
	assert_null(c.roots);
	assert_int_equal(c.nroots, 0);
}

static void
later_values_replace_earlier_ones(void **state)
{
	struct fixture *f = *state;
	irs_config c;
	irs_error e = { IRS_OK, "" };

	assert_int_equal(load_text(f, &c,
				   "[index]\ndb = /a.db\ndb = /b.db\nlanguages = english\nlanguages = turkish,german\n"
				   "[search]\nlimit = 3\nlimit = 1000\n", &e), IRS_OK);
	assert_string_equal(c.db_path, "/b.db");
	assert_string_equal(c.languages, "turkish,german");
	assert_int_equal(c.limit, IRS_MAX_LIMIT);
	config_free(&c);
}

static void
unknown_setting_is_an_error_naming_file_and_line(void **state)
{
	struct fixture *f = *state;

	load_fails(f, "[index]\nroots = /a\nroot = /b\n", 3, "unknown setting 'root' in [index]");
	load_fails(f, "[search]\nlimit = 5\n\n\ndb = /x\n", 5, "unknown setting 'db' in [search]");
	load_fails(f, "[indexing]\nroots = /a\n", 2, "unknown setting 'roots' in [indexing]");
	load_fails(f, "roots = /a\n", 1, "unknown setting 'roots' in []");
	/* The first bad line is reported, not the last. */
	load_fails(f, "[index]\nfoo = 1\nbar = 2\n", 2, "unknown setting 'foo' in [index]");
}

static void
bad_value_is_an_error_naming_file_and_line(void **state)
{
	struct fixture *f = *state;

	load_fails(f, "[search]\nlimit = 0\n", 2, "bad value '0' for limit in [search]");
	load_fails(f, "[search]\nlimit = 1001\n", 2, "bad value '1001' for limit in [search]");
	load_fails(f, "[search]\nlimit = ten\n", 2, "bad value 'ten' for limit in [search]");
	load_fails(f, "[search]\nlimit = 5x\n", 2, "bad value '5x' for limit in [search]");
	load_fails(f, "[search]\ntitle_weight = -1\n", 2, "bad value '-1' for title_weight in [search]");
	load_fails(f, "[search]\nbody_weight = nan\n", 2, "bad value 'nan' for body_weight in [search]");
	load_fails(f, "[search]\nsnippet_tokens = 65\n", 2, "bad value '65' for snippet_tokens in [search]");
	load_fails(f, "[index]\nlanguages = english klingon\n", 2,
		   "bad value 'english klingon' for languages in [index]");
	load_fails(f, "[index]\nlanguages =\n", 2, "bad value '' for languages in [index]");
	load_fails(f, "[index]\nthis line has no equals sign\n", 2, "not a name = value line");
}

static void
missing_explicit_file_is_an_error(void **state)
{
	struct fixture *f = *state;
	irs_config c;
	irs_error e = { IRS_OK, "" };
	char path[160];

	snprintf(path, sizeof(path), "%s/absent.conf", f->dir);
	config_init(&c);
	assert_int_equal(config_load(&c, path, &e), IRS_BAD_REQUEST);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "cannot read config"));
	config_free(&c);
}

static void
default_file_is_read_from_xdg_config_home_and_may_be_missing(void **state)
{
	struct fixture *f = *state;
	irs_config c;
	irs_error e = { IRS_OK, "" };
	char folder[160], path[192];
	struct stat st;

	/* No file: not an error (unless the machine has /etc/irsearch.conf). */
	config_init(&c);
	assert_int_equal(config_load(&c, NULL, &e), IRS_OK);
	if (stat("/etc/irsearch.conf", &st) != 0)
		assert_null(c.source);
	config_free(&c);

	snprintf(folder, sizeof(folder), "%s/irsearch", f->dir);
	assert_int_equal(mkdir(folder, 0700), 0);
	snprintf(path, sizeof(path), "%s/irsearch.conf", folder);
	write_text(path, "[search]\nlimit = 42\n");
	config_init(&c);
	assert_int_equal(config_load(&c, NULL, &e), IRS_OK);
	assert_string_equal(c.source, path);
	assert_int_equal(c.limit, 42);
	config_free(&c);
}

static void
db_path_prefers_flag_then_env_then_config_then_xdg_then_home(void **state)
{
	struct fixture *f = *state;
	irs_config c;
	irs_error e = { IRS_OK, "" };
	char expected[192];
	char *p;

	config_init(&c);
	c.db_path = strdup("/from/config.db");
	assert_non_null(c.db_path);
	setenv("IRSEARCH_DB", "/from/env.db", 1);
	setenv("XDG_DATA_HOME", "/from/xdg", 1);
	setenv("HOME", "/from/home", 1);

	p = config_db_path(&c, "/from/flag.db", &e);
	assert_string_equal(p, "/from/flag.db");
	free(p);

	p = config_db_path(&c, NULL, &e);
	assert_string_equal(p, "/from/env.db");
	free(p);
	p = config_db_path(&c, "", &e);	/* an empty flag is no flag */
	assert_string_equal(p, "/from/env.db");
	free(p);

	setenv("IRSEARCH_DB", "", 1);
	p = config_db_path(&c, NULL, &e);
	assert_string_equal(p, "/from/config.db");
	free(p);

	unsetenv("IRSEARCH_DB");
	free(c.db_path);
	c.db_path = NULL;
	p = config_db_path(&c, NULL, &e);
	assert_string_equal(p, "/from/xdg/irsearch/index.db");
	free(p);

	setenv("XDG_DATA_HOME", "relative/ignored", 1);
	p = config_db_path(&c, NULL, &e);
	assert_string_equal(p, "/from/home/.local/share/irsearch/index.db");
	free(p);
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", f->dir, 1);
	snprintf(expected, sizeof(expected), "%s/.local/share/irsearch/index.db", f->dir);
	p = config_db_path(&c, NULL, &e);
	assert_string_equal(p, expected);
	free(p);

	unsetenv("HOME");
	p = config_db_path(&c, NULL, &e);
	assert_null(p);
	assert_int_equal(e.code, IRS_BAD_REQUEST);
	assert_true(e.msg[0] != '\0');
	config_free(&c);
}

static void
db_path_from_a_loaded_config(void **state)
{
	struct fixture *f = *state;
	irs_config c;
	irs_error e = { IRS_OK, "" };
	char *p;

	assert_int_equal(load_text(f, &c, "[index]\ndb = /loaded/index.db\n", &e), IRS_OK);
	p = config_db_path(&c, NULL, &e);
	assert_string_equal(p, "/loaded/index.db");
	free(p);
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(defaults_are_set_by_init, setup, teardown),
		cmocka_unit_test_setup_teardown(every_setting_is_read, setup, teardown),
		cmocka_unit_test_setup_teardown(later_values_replace_earlier_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_setting_is_an_error_naming_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_value_is_an_error_naming_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_explicit_file_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(default_file_is_read_from_xdg_config_home_and_may_be_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(db_path_prefers_flag_then_env_then_config_then_xdg_then_home, setup,
						teardown),
		cmocka_unit_test_setup_teardown(db_path_from_a_loaded_config, setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
